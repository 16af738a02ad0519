import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChecksum } from '../../src/core/checksum.js';
import { readTypeormExports } from '../../src/core/tools/typeorm/typeorm-exports.js';
import { typeormAdapter, typeormTimestamp } from '../../src/core/tools/typeorm/typeorm-adapter.js';
import { replayTypeormMigrations } from '../../src/core/tools/typeorm/typeorm-table.js';
import { TOOL_BY_NAME } from '../../src/core/tools/registry.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { file } from './helpers.js';

/** A migration as `typeorm migration:create` writes it in TypeScript. */
const created = (name: string, timestamp: number, body = '') =>
  `import { MigrationInterface, QueryRunner } from "typeorm";\n\nexport class ${name}${timestamp} implements MigrationInterface {\n\n    public async up(queryRunner: QueryRunner): Promise<void> {\n${body}    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {\n    }\n\n}\n`;
/** As `typeorm migration:generate` writes it: with `name = '...'`. */
const generated = (name: string, timestamp: number) =>
  `import { MigrationInterface, QueryRunner } from "typeorm";\n\nexport class ${name}${timestamp} implements MigrationInterface {\n    name = '${name}${timestamp}'\n\n    public async up(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.query(\`CREATE TABLE "${name.toLowerCase()}" ("id" SERIAL NOT NULL, CONSTRAINT "PK_1" PRIMARY KEY ("id"))\`);\n    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.query(\`DROP TABLE "${name.toLowerCase()}"\`);\n    }\n\n}\n`;
const migration = (name: string, timestamp: number, text = created(name, timestamp)) => file(`${timestamp}-${name}.ts`, text);
const discover = (files: SourceFile[]) => typeormAdapter.discover(files, { display: (path) => `src/migration/${path}` });
const codes = (result: ReturnType<typeof discover>) => result.problems.map((problem) => `${problem.code}:${problem.file}`);
const exportsOf = (text: string) => {
  const read = readTypeormExports(text);
  return 'exports' in read ? read.exports.map((one) => one.name + (one.notAClass ? '()' : '')) : `unreadable:${read.unreadable.line}`;
};

describe('TypeORM migration files', () => {
  it('the id is the name TypeORM records: the class name, or its `name` property (migration:generate); the file name plays no part', () => {
    const result = discover([migration('CreateUsers', 1700000000000), file('1700000001000-Orders.ts', generated('AddOrders', 1700000002000))]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.migrations.map((one) => [one.id, one.file, one.line]), [
      ['CreateUsers1700000000000', '1700000000000-CreateUsers.ts', 3],
      ['AddOrders1700000002000', '1700000001000-Orders.ts', 3],
    ]);
    assert.equal(result.migrations[0]!.sha256, contentChecksum(migration('CreateUsers', 1700000000000).bytes));
    assert.deepEqual(result.heads, ['AddOrders1700000002000']);
  });

  it('reads the export forms TypeORM loads: ESM, module.exports = class (migration:create -o), tsc\'s CommonJS, export { A }, export default', () => {
    assert.deepEqual(exportsOf('module.exports = class AddIndex1796649830841 {\n    async up(queryRunner) {\n    }\n}\n'), ['AddIndex1796649830841']);
    assert.deepEqual(exportsOf('"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.Init1700000000000 = void 0;\nclass Init1700000000000 {\n    constructor() {\n        this.name = \'Renamed1700000000001\';\n    }\n    async up(q) { await q.query("SELECT 1"); }\n}\nexports.Init1700000000000 = Init1700000000000;\n'), ['Renamed1700000000001']);
    assert.deepEqual(exportsOf('class A1700000000000 {}\nclass Helper {}\nexport { A1700000000000 };\n'), ['A1700000000000']);
    assert.deepEqual(exportsOf('export default class A1700000000000 { public readonly name: string = "Named1700000000005"; async up() { const name = "x"; } }\n'), ['Named1700000000005']);
    assert.deepEqual(exportsOf('export class A1 { static name = "Static1700000000000"; }\n'), ['Static1700000000000']);
    assert.deepEqual(exportsOf('export const A = class Real1700000000000 {};\n'), ['Real1700000000000']);
    // Comments, strings, types and constants export nothing TypeORM runs.
    assert.deepEqual(exportsOf('// export class Old1600000000000 {}\nconst s = "export class Fake1 {}";\nexport type T = { a: string };\nexport interface I { name: string }\nexport enum E { A = "a" }\nexport const TABLE = "users" as const;\nexport const COLUMNS = ["a", "b"];\nexport class Real1700000000000 {}\n'), ['Real1700000000000']);
    assert.deepEqual(exportsOf('export default class { async up() {} }\n'), ['default']);
    assert.deepEqual(exportsOf('export function helper() {}\nexport const other = () => 1;\n'), ['helper()', 'other()']);
  });

  it('a file guard cannot read is reported by file and line, never guessed (exit 2)', () => {
    assert.equal(exportsOf('export class A1700000000000 {\n  name = "A" + Date.now();\n}\n'), 'unreadable:2');
    assert.equal(exportsOf('export * from "./other";\n'), 'unreadable:1');
    assert.equal(exportsOf('import { x } from "./x";\n\nexport const all = [x];\n'), 'unreadable:3');
    assert.equal(exportsOf('export class A1700000000000 {\n  get name() { return "B1700000000000"; }\n}\n'), 'unreadable:2');
    assert.equal(exportsOf('export class A1700000000000 {\n  name = "B1700000000000";\n  constructor() { this.name = "C1700000000000"; }\n}\n'), 'unreadable:3');
    const result = discover([migration('Good', 1700000000000), file('1700000000001-Computed.ts', 'export class Computed1700000000001 {\n  name = `Computed${Date.now()}`;\n}\n')]);
    assert.deepEqual(codes(result), ['unparseable:1700000000001-Computed.ts']);
    assert.equal(result.problems[0]!.exitCode, 2);
    assert.equal(result.problems[0]!.line, 2);
    assert.match(result.problems[0]!.message, /^src\/migration\/1700000000001-Computed\.ts:2: guard cannot read which migration TypeORM takes from this file: class Computed1700000000001 sets `name` to something other than a string literal/);
  });

  it("orders by the last 13 characters of the name, as TypeORM's parseInt reads them, not by file name", () => {
    const result = discover([
      file('a.ts', created('Zebra', 1700000000300)),
      file('b.ts', created('Alpha', 1700000000100)),
      file('c.ts', generated('Middle', 1700000000200)),
    ]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.migrations.map((one) => one.id), ['Alpha1700000000100', 'Middle1700000000200', 'Zebra1700000000300']);
    assert.equal(typeormTimestamp('Foo1700000000000'), 1700000000000);
    // parseInt stops at the first non-digit: TypeORM reads 17 here, and so does guard.
    assert.equal(typeormTimestamp('Create17abcdefghijk'), 17);
    assert.equal(typeormTimestamp('AddUsers'), undefined);
    assert.equal(typeormTimestamp('Init0000000000000'), undefined);
  });

  it('a name whose last 13 characters are not a timestamp is refused: TypeORM refuses to run any migration then', () => {
    const result = discover([migration('Good', 1700000000000), file('helpers.ts', 'export function sharedColumns() { return []; }\n'), file('1700000000001-Bad.ts', 'export class AddUsers {}\n')]);
    assert.deepEqual(codes(result).sort(), ['naming:1700000000001-Bad.ts', 'naming:helpers.ts']);
    assert.match(result.problems.find((one) => one.file === 'helpers.ts')!.message, /`sharedColumns`.*"sharedColumns migration name is wrong/);
    assert.deepEqual(result.migrations.map((one) => one.id), ['Good1700000000000']);
  });

  it('one name twice is refused as TypeORM refuses it (Duplicate migrations), also a compiled .js beside its .ts, and one class exported twice', () => {
    const result = discover([
      migration('Users', 1700000000000),
      file('1700000000000-Users.js', 'module.exports = class Users1700000000000 { async up(q) {} }\n'),
      file('1700000000005-Copy.ts', created('Users', 1700000000000)),
    ]);
    assert.deepEqual(codes(result), ['duplicate-id:1700000000000-Users.js', 'duplicate-id:1700000000005-Copy.ts']);
    assert.match(result.problems[0]!.message, /are both migration Users1700000000000: TypeORM refuses to run anything \("Duplicate migrations: Users1700000000000"\)/);
    const twice = discover([file('1700000000000-A.ts', 'export class A1700000000000 {}\nexport default A1700000000000;\n')]);
    assert.deepEqual(codes(twice), ['duplicate-id:1700000000000-A.ts']);
    assert.match(twice.problems[0]!.message, /exports one class twice/);
  });

  it('every exported class counts: a file with two is refused (guard locks one migration per file)', () => {
    const result = discover([file('1700000000000-Two.ts', `${created('First', 1700000000000)}\nexport class Second1700000000001 implements MigrationInterface { async up() {} }\n`)]);
    assert.deepEqual(codes(result), ['naming:1700000000000-Two.ts']);
    assert.match(result.problems[0]!.message, /exports 2 functions TypeORM would each run as a migration: First1700000000000 \(line 3\), Second1700000000001 \(line 13\)/);
  });

  it('one timestamp in two names is allowed, as TypeORM allows it, ordered by file with a warning: TypeORM keeps the file system\'s order', () => {
    const result = discover([file('b.ts', created('Beta', 1700000000000)), file('a.ts', created('Alpha', 1700000000000))]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.migrations.map((one) => one.id), ['Alpha1700000000000', 'Beta1700000000000']);
    assert.equal(result.warnings?.length, 1);
    assert.match(result.warnings![0]!.message, /have one timestamp, 1700000000000: TypeORM runs them in the order its glob lists the files/);
  });

  it('loads .js .mjs .cjs .ts .mts .cts, never .d.ts; files that differ only in case are refused', () => {
    const result = discover([
      file('1700000000001-A.mts', created('A', 1700000000001)),
      file('1700000000002-B.cjs', 'module.exports = class B1700000000002 {};\n'),
      file('1700000000003-C.d.ts', 'export declare class C1700000000003 {}\n'),
      file('1700000000003-C.js.map', '{}'),
      file('README.md', '# migrations'),
      file('1700000000004-D.ts', created('D', 1700000000004)),
      file('1700000000004-d.ts', created('E', 1700000000005)),
    ]);
    assert.deepEqual(result.migrations.map((one) => one.id), ['A1700000000001', 'B1700000000002', 'D1700000000004']);
    assert.deepEqual(result.ignored.sort(), ['1700000000003-C.d.ts', '1700000000003-C.js.map', 'README.md']);
    assert.deepEqual(codes(result), ['duplicate-id:1700000000004-d.ts']);
    assert.equal(TOOL_BY_NAME.typeorm.runsAsMigration('x.ts', { sha256: 'x', migration: { id: 'A1', file: 'x.ts', parents: [], sha256: 'x' } }), true);
    assert.equal(TOOL_BY_NAME.typeorm.runsAsMigration('constants.ts', { sha256: 'x' }), false);
  });

  it('binary and non-UTF-8 files are reported like every tool reports them', () => {
    const result = discover([{ path: '1700000000000-X.ts', bytes: new Uint8Array([0x65, 0x78, 0xff, 0xfe, 0x00, 0x01]) }]);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!.code, /binary-file|not-utf8/);
  });
});

describe('reading TypeORM files costs linear time on hostile shapes', () => {
  it('50,000 classes, 50,000 exports, 200,000 open braces, a 2 MB migration: each well under the budget', () => {
    const shapes = [
      'class A {}\n'.repeat(50_000) + 'export { A }',
      Array.from({ length: 50_000 }, (_, i) => `export class A${i}1700000000000 {}`).join('\n'),
      `export class A1700000000000 ${'{'.repeat(200_000)}`,
      `export class Big1700000000000 {\n  async up(q) {\n${'    await q.query(`INSERT INTO t VALUES (1)`); this.x = { a: [1, (2)] };\n'.repeat(25_000)}  }\n}\n`,
    ];
    for (const text of shapes) {
      const start = performance.now();
      const result = discover([file('1700000000000-X.ts', text)]);
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 5000, `${elapsed} ms for ${text.slice(0, 40)}...`);
      assert.ok(result.migrations.length + result.problems.length > 0);
    }
  });
});

describe("TypeORM's migrations table", () => {
  it('replays the names in id order; the head is the applied name with the highest timestamp', () => {
    const state = replayTypeormMigrations([
      { id: 1, name: 'Users1700000000000' },
      { id: 2, name: 'Orders1700000002000' },
      // Added later with an older timestamp: TypeORM runs such a migration.
      { id: 3, name: 'Late1700000001000' },
      { id: 4, name: 'Orders1700000002000' },
    ]);
    assert.deepEqual(state, { tool: 'typeorm', heads: ['Orders1700000002000'], applied: ['Users1700000000000', 'Orders1700000002000', 'Late1700000001000'] });
    assert.deepEqual(replayTypeormMigrations([]), { tool: 'typeorm', heads: [], applied: [] });
  });

  it('is read as TypeORM writes it: name by id, in the search path', () => {
    const table = TOOL_BY_NAME.typeorm.appliedTable;
    assert.equal(table.table, 'migrations');
    assert.equal(table.schema, undefined);
    assert.deepEqual(table.columns, { id: 'name' });
    assert.equal(table.orderBy, 'id');
  });
});
