// TypeORM takes as a migration every class exported by every file its glob
// matches, and records the class's `name` (else its class name): each way
// to run something guard did not lock, or to make a deployed database see a
// sealed migration as new, committed through guard's pre-commit hook with
// `seal: committed` (anything committed is sealed).
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/git-repo.js';
import { commitAll, installPreCommitHook } from '../helpers/user-git.js';

const DIR = 'src/migration';
const migration = (name: string, timestamp: number, extra = '') =>
  `import { MigrationInterface, QueryRunner } from "typeorm";\n\nexport class ${name}${timestamp} implements MigrationInterface {\n${extra}    public async up(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.query(\`CREATE TABLE "${name.toLowerCase()}" ("id" integer)\`);\n    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {}\n}\n`;
const USERS = `${DIR}/1700000000000-Users.ts`;
const ORDERS = `${DIR}/1700000005000-Orders.ts`;

describe('TypeORM: changes that would run an unlocked class or rename a sealed migration are refused at commit', () => {
  let repo: TempRepo;
  let sealed: string;
  const config = (extra = '') => `migrations:\n  - dir: ${DIR}\n    tool: typeorm\n${extra}seal: committed\n`;
  const commit = () => commitAll(repo);

  before(() => {
    repo = new TempRepo();
    installPreCommitHook(repo);
    repo.write('guard.config.yaml', config());
    repo.write(USERS, migration('Users', 1700000000000));
    repo.write(ORDERS, migration('Orders', 1700000005000, "    name = 'Orders1700000005000'\n\n"));
    assert.equal(repo.guard('lock').code, 0);
    assert.match(repo.read('checksums.lock.yaml'), /id: Users1700000000000[\s\S]*id: Orders1700000005000/);
    assert.equal(commit().code, 0);
    sealed = repo.git('rev-parse', 'HEAD').trim();
  });
  afterEach(() => {
    repo.git('reset', '-q', '--hard', sealed);
    repo.git('clean', '-qfd');
  });
  after(() => repo.dispose());

  it('a sealed migration whose `name` changes is refused: TypeORM would run it again under the new name', () => {
    repo.write(ORDERS, repo.read(ORDERS).replace("name = 'Orders1700000005000'", "name = 'Orders1700000009000'"));
    repo.guard('lock');
    const result = commit();
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /src\/migration\/1700000005000-Orders\.ts is sealed in HEAD by \w+ \([^)]*\) and its id changed from Orders1700000005000 to Orders1700000009000\n  fix: give it back id Orders1700000005000 \(TypeORM: its class name, or its `name` property\)/);
  });

  it('a second class added to a sealed file is refused (a sealed file changed), and in a new file (TypeORM would run both, guard locks one per file)', () => {
    const extra = '\nexport class Extra1700000009000 { async up(q) { await q.query("DROP TABLE users"); } }\n';
    repo.write(USERS, `${repo.read(USERS)}${extra}`);
    const sealedFile = commit();
    assert.equal(sealedFile.code, 1, sealedFile.output);
    assert.match(sealedFile.output, /1700000000000-Users\.ts is sealed in HEAD/);
    repo.git('checkout', '-q', '--', USERS);
    repo.write(`${DIR}/1700000008000-Two.ts`, `${migration('Two', 1700000008000)}${extra}`);
    const newFile = commit();
    assert.equal(newFile.code, 1, newFile.output);
    assert.match(newFile.output, /1700000008000-Two\.ts exports 2 functions TypeORM would each run as a migration: Two1700000008000 \(line 3\), Extra1700000009000 \(line 11\)/);
  });

  it('exclude: may not hide a migration, nor a file guard cannot read (its re-export would run classes guard never locked)', () => {
    repo.write(`${DIR}/1700000009000-Hidden.ts`, migration('Hidden', 1700000009000));
    repo.write(`${DIR}/index.ts`, "export * from '../lib/more-migrations';\n");
    repo.write('guard.config.yaml', config("    exclude: ['1700000009000-Hidden.ts', 'index.ts']\n"));
    const result = commit();
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /1700000009000-Hidden\.ts is left out by `exclude: 1700000009000-Hidden\.ts`, but TypeORM runs it as a migration/);
    assert.match(result.output, /index\.ts is left out by `exclude: index\.ts`, but TypeORM runs it as a migration/);
  });

  it('a helper of constants beside the migrations is not a migration and may be excluded', () => {
    repo.write(`${DIR}/tables.ts`, "export const USERS = 'users';\n");
    repo.write('guard.config.yaml', config("    exclude: ['tables.ts']\n"));
    const result = commit();
    assert.equal(result.code, 0, result.output);
  });

  it('a migration in a sub-folder of a set that is not recursive is reported (the DataSource glob may reach it)', () => {
    repo.write(`${DIR}/2024/1700000009000-Nested.ts`, migration('Nested', 1700000009000));
    const result = repo.guard('verify');
    assert.match(`${result.stdout}${result.stderr}`, /src\/migration\/2024\/1700000009000-Nested\.ts looks like a TypeORM migration but lies in a sub-folder/);
  });

  it('with `outOfOrder: allow`, a migration older than sealed ones is accepted, as TypeORM runs it', () => {
    repo.write(`${DIR}/1700000001000-Late.ts`, migration('Late', 1700000001000));
    const refused = commit();
    assert.equal(refused.code, 1);
    assert.match(refused.output, /1700000001000-Late\.ts \(version Late1700000001000\) sorts before src\/migration\/1700000005000-Orders\.ts[^\n]*\n  fix: rename its class \(and its `name`, if it sets one\) to end in a timestamp after Orders1700000005000's/);
    // guard renumber renames files, which TypeORM does not read: it says what to rename instead.
    const renumber = repo.guard('renumber', `${DIR}/1700000001000-Late.ts`);
    assert.equal(renumber.code, 2);
    assert.match(renumber.stderr, /is a TypeORM migration: TypeORM orders migrations by the timestamp ending each class name/);
    repo.write('guard.config.yaml', config('    outOfOrder: allow\n'));
    repo.guard('lock');
    const allowed = commit();
    assert.equal(allowed.code, 0, allowed.output);
  });
});
