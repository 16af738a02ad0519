import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectsOfKey, readConfigPath, valuesOfKey } from '../../src/core/migrations/config-text.js';
import { resolveInRepository } from '../../src/core/paths.js';
import { fileNamedAdapter, replayNamedRows, type FileNamedRules } from '../../src/core/migrations/file-named-set.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { file } from './helpers.js';

// The shared rules of tools whose migrations are script files named by the
// project (Knex, Sequelize CLI, Kysely), on a made-up tool of each kind.
const keeps: FileNamedRules = { tool: 'knex', runner: 'Knex', extensions: ['.js', '.ts'], skipped: /\.d\.ts$/, idKeepsExtension: true, naming: { pattern: /^\d/, expected: '<timestamp>_<name>.js' } };
const drops: FileNamedRules = { tool: 'kysely', runner: 'Kysely', extensions: ['.js', '.mjs', '.ts'], idKeepsExtension: false };
const js = (path: string) => file(path, 'exports.up = async () => {};\n');
const discover = (rules: FileNamedRules, files: SourceFile[]) => fileNamedAdapter(rules).discover(files, {});
const ids = (result: ReturnType<typeof discover>) => result.migrations.map((migration) => migration.id);
const codes = (problems: readonly { code: string; file?: string }[] | undefined) => (problems ?? []).map((problem) => `${problem.code}:${problem.file}`).sort();

describe('a file-named migration set', () => {
  it('takes the files of the extensions the tool loads, at the top of the folder, in code-unit order of their ids', () => {
    const result = discover(keeps, [js('20240301000000_b.js'), js('20240101000000_a.ts'), js('README.md'), js('types.d.ts'), js('20240101000000_B.js'), js('.gitkeep')]);
    assert.deepEqual(ids(result), ['20240101000000_B.js', '20240101000000_a.ts', '20240301000000_b.js']);
    assert.deepEqual(result.heads, ['20240301000000_b.js']);
    assert.deepEqual(result.bases, ['20240101000000_B.js']);
    assert.deepEqual(result.ignored.sort(), ['.gitkeep', 'README.md', 'types.d.ts']);
    assert.deepEqual(result.problems, []);
    assert.equal(fileNamedAdapter(keeps).candidate('sub/20240101000000_a.js'), false);
    assert.equal(fileNamedAdapter(keeps).candidate('20240101000000_a.js'), true);
  });

  it('drops the last extension from the id where the tool does, and orders by that id', () => {
    const result = discover(drops, [js('2024-01-02_b.mjs'), js('2024-01-01_a.ts'), js('2024-01-01.js')]);
    assert.deepEqual(ids(result), ['2024-01-01', '2024-01-01_a', '2024-01-02_b']);
    assert.deepEqual(result.migrations.map((migration) => migration.file), ['2024-01-01.js', '2024-01-01_a.ts', '2024-01-02_b.mjs']);
  });

  it('refuses two files of one id, one name under two extensions, and names that differ only in case', () => {
    const collide = discover(drops, [js('001_a.js'), js('001_a.mjs'), js('002_b.js')]);
    assert.deepEqual(codes(collide.problems), ['duplicate-id:001_a.mjs']);
    assert.match(collide.problems[0]!.message, /001_a\.js and 001_a\.mjs are one migration to Kysely, 001_a \(it drops the extension\)/);
    assert.deepEqual(ids(collide), ['001_a', '002_b']);

    const twice = discover(keeps, [js('001_a.ts'), js('001_a.js')]);
    assert.deepEqual(codes(twice.problems), ['duplicate-id:001_a.js']);
    assert.match(twice.problems[0]!.message, /one migration under two extensions: Knex runs both/);

    const cased = discover(keeps, [js('001_Users.js'), js('001_users.js')]);
    assert.deepEqual(codes(cased.problems), ['duplicate-id:001_users.js']);
    assert.match(cased.problems[0]!.message, /differ only in case/);
  });

  it('warns of a name without a leading number, and of numbers of different widths that sort against their values', () => {
    const result = discover(keeps, [js('9_b.js'), js('10_a.js'), js('init.js')]);
    assert.deepEqual(ids(result), ['10_a.js', '9_b.js', 'init.js']);
    assert.deepEqual(codes(result.warnings), ['naming:init.js', 'padding:9_b.js']);
    assert.match(result.warnings!.find((warning) => warning.code === 'padding')!.message, /10_a\.js runs before 9_b\.js: Knex sorts names by their characters/);
    assert.equal(discover(drops, [js('init.js'), js('users.js')]).warnings, undefined);
  });

  it('reports a binary or non-UTF-8 file, and a sub-folder file handed over by `recursive: true`', () => {
    const result = discover(keeps, [{ path: '001_bin.js', bytes: new Uint8Array([0x41, 0, 0x42]) }, { path: '002_latin.js', bytes: new Uint8Array([0x2f, 0x2f, 0xe9, 0x0a]) }, js('old/003_x.js'), js('004_ok.js')]);
    assert.deepEqual(codes(result.problems), ['binary-file:001_bin.js', 'not-utf8:002_latin.js']);
    assert.deepEqual(codes(result.warnings), ['not-read:old/003_x.js']);
    assert.deepEqual(ids(result), ['004_ok.js']);
  });

  it('replays a table of names: the order given, once each, the highest name the head', () => {
    assert.deepEqual(replayNamedRows('knex', ['b.js', 'a.js', 'b.js']), { tool: 'knex', heads: ['b.js'], applied: ['b.js', 'a.js'] });
    assert.deepEqual(replayNamedRows('sequelize', []), { tool: 'sequelize', heads: [], applied: [] });
  });
});

describe('paths read from a JavaScript config as text', () => {
  it('literals and path.join / path.resolve / new URL of literals; anything else is not followed', () => {
    assert.deepEqual(readConfigPath("'./db/migrations'"), { path: './db/migrations', from: 'cwd' });
    assert.deepEqual(readConfigPath('`migrations`'), { path: 'migrations', from: 'cwd' });
    assert.deepEqual(readConfigPath("path.join(__dirname, 'db', 'migrations')"), { path: 'db/migrations', from: 'file' });
    assert.deepEqual(readConfigPath("path.resolve(import.meta.dirname, '../migrations')"), { path: '../migrations', from: 'file' });
    assert.deepEqual(readConfigPath("path.resolve('db', 'migrations')"), { path: 'db/migrations', from: 'cwd' });
    assert.deepEqual(readConfigPath("path.join(process.cwd(), 'migrations')"), { path: 'migrations', from: 'cwd' });
    assert.deepEqual(readConfigPath("new URL('./migrations', import.meta.url).pathname"), { path: './migrations', from: 'file' });
    for (const code of ['dir', '`${root}/migrations`', "path.join(root, 'migrations')", "process.env.MIGRATIONS ?? 'migrations'"]) assert.equal(readConfigPath(code), undefined, code);
  });

  it('the values of a key, an array item by item, and the objects of a key with nested braces and strings', () => {
    assert.deepEqual(valuesOfKey("{ directory: './a', x: 1 }", 'directory'), [["'./a'"]]);
    assert.deepEqual(valuesOfKey("directory: ['./a', path.join(__dirname, 'b')],", 'directory'), [["'./a'", "path.join(__dirname, 'b')"]]);
    assert.deepEqual(valuesOfKey("'migrations-path': path.resolve('db', 'migrations'),\n'config': 'x'", 'migrations-path'), [["path.resolve('db', 'migrations')"]]);
    const blocks = objectsOfKey("dev: { migrations: { directory: '}', tableName: 'm' }, seeds: { directory: './seeds' } }, prod: { migrations: { directory: './m2' } }", 'migrations');
    assert.deepEqual(blocks.map((block) => valuesOfKey(block, 'directory').flat()), [["'}'"], ["'./m2'"]]);
  });

  it('joins a relative path onto a folder, refusing one that leaves the repository', () => {
    assert.equal(resolveInRepository('packages/db', './migrations'), 'packages/db/migrations');
    assert.equal(resolveInRepository('.', 'db\\migrations'), 'db/migrations');
    assert.equal(resolveInRepository('a', '../b'), 'b');
    assert.equal(resolveInRepository('.', '../b'), undefined);
    assert.equal(resolveInRepository('.', '/abs'), undefined);
  });
});
