import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { installCompiledShim, userGit } from '../helpers/user-git.js';
import { chars } from '../helpers/fake-secrets.js';

// The real TypeORM CLI (devDependency) writes the migrations
// (`migration:generate` from an entity, `migration:create`) and runs them,
// as the deploy command guard runs: `guard deploy ENV -- typeorm
// migration:run -d data-source.js`. JavaScript migrations and a JavaScript
// DataSource: TypeORM runs `.ts` ones only through ts-node, which this
// project does not install (test/core/typeorm-adapter.test.ts reads `.ts`).
const MODULES = path.join(PROJECT_ROOT, 'node_modules');
const TYPEORM = path.join(MODULES, 'typeorm', 'cli.js');
const DIR = 'db/migrations';
const DATA_SOURCE = `const { DataSource, EntitySchema } = require(${JSON.stringify(path.join(MODULES, 'typeorm'))});
const User = new EntitySchema({ name: 'users', columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } } });
module.exports = new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [User],
  migrations: ['${DIR}/*.js'],
});
`;

describe('guard with a real TypeORM project on a real PostgreSQL', () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;

  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const typeorm = (...args: string[]) => spawnSync(process.execPath, [TYPEORM, ...args], { cwd: repo.root, encoding: 'utf8', env });
  const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', process.execPath, TYPEORM, 'migration:run', '-d', 'data-source.js');
  const query = (environment: string, sql: string) => queryRows(databases[environment]!.url, sql);
  const { git, commit, commitSkippingHooks } = userGit(() => repo.root, () => env);
  /** `typeorm migration:create` with a chosen timestamp; the file it wrote. */
  const create = (name: string, timestamp: number, up: string) => {
    const result = typeorm('migration:create', `${DIR}/${name}`, '-o', '-t', String(timestamp));
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const file = `${DIR}/${timestamp}-${name}.js`;
    repo.write(file, repo.read(file).replace(/async up\(queryRunner\) \{\n/, `async up(queryRunner) {\n        ${up}\n`));
    return file;
  };
  const names = async (environment: string) => (await query(environment, 'SELECT name FROM migrations ORDER BY id')).map((row) => row.name as string);
  let users = '';
  let orders = '';

  before(async () => {
    for (const name of ['staging', 'production', 'scratch']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    installCompiledShim(repo);
    repo.write('data-source.js', DATA_SOURCE);
    // migration:generate diffs the entities against a database: an empty scratch one.
    const generated = spawnSync(process.execPath, [TYPEORM, 'migration:generate', `${DIR}/Users`, '-o', '-d', 'data-source.js'], { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: databases.scratch!.url } });
    assert.equal(generated.status, 0, `${generated.stdout}\n${generated.stderr}`);
    users = `${DIR}/${readdirSync(path.join(repo.root, DIR)).find((name) => name.endsWith('-Users.js'))!}`;
    orders = create('Orders', Number(path.basename(users).split('-')[0]) + 1000, 'await queryRunner.query(`CREATE TABLE "orders" ("id" SERIAL PRIMARY KEY, "user_id" integer)`);');
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  const classOf = (file: string) => /class (\w+)/.exec(repo.read(file))![1]!;

  it('guard init finds the folder the DataSource names and locks each migration by the name TypeORM records', () => {
    assert.match(repo.read(users), /name = 'Users\d{13}'/);
    const init = guard('init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`${DIR} \\(typeorm: migrations: ${DIR}/\\*\\.js in data-source\\.js`));
    assert.match(repo.read('guard.config.yaml'), new RegExp(`dir: ${DIR}\\n\\s+tool: typeorm\\n`));
    const lock = repo.read('checksums.lock.yaml');
    for (const file of [users, orders]) {
      assert.ok(lock.includes(`id: ${classOf(file)}`), lock);
      assert.ok(lock.includes(path.basename(file)), lock);
    }
    repo.write('guard.config.yaml', `${repo.read('guard.config.yaml').trimEnd()}\nseal: committed\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n`);
    const first = commit('typeorm migrations, guarded');
    assert.equal(first.status, 0, first.stderr);
  });

  it('deploys staging then production through typeorm migration:run; status reads TypeORM\'s table', async () => {
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
    }
    assert.deepEqual(await names('production'), [classOf(users), classOf(orders)]);
    const status = guard('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^production\\s+${DIR}\\s+${classOf(orders)}\\s+= HEAD`, 'm'));
    // The next deploy reads the table (step 4) and has nothing to do.
    const again = deploy('staging');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await names('staging'), [classOf(users), classOf(orders)]);
  });

  it('an edit of a sealed migration is refused by pre-commit, and by guard verify --base when the hooks were skipped', () => {
    const start = git('rev-parse', 'HEAD').stdout.trim();
    repo.write(orders, repo.read(orders).replace('"user_id" integer', '"user_id" bigint'));
    const refused = commit('edit an applied migration');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(path.basename(orders).replace('.', '\\.')));
    assert.equal(guard('lock').code, 0);
    assert.equal(commitSkippingHooks('edit, hooks skipped').status, 0);
    const verify = guard('verify', '--base', start);
    assert.equal(verify.code, 1, verify.stderr);
    assert.match(`${verify.stdout}${verify.stderr}`, new RegExp(path.basename(orders).replace('.', '\\.')));
    // Deployed as it is now, the edit is named from guard's ledger: TypeORM's table keeps no checksum.
    const deployEdited = deploy('staging');
    assert.equal(deployEdited.code, 1, deployEdited.stderr);
    assert.match(deployEdited.stderr, new RegExp(`${orders.replace(/\./g, '\\.')} was edited after staging applied it: staging ran sha256`));
    git('reset', '-q', '--hard', start);
  });

  it('a migration that sorts before a sealed one is refused at commit (TypeORM itself would run it), and a password in queryRunner.query too', () => {
    const start = git('rev-parse', 'HEAD').stdout.trim();
    create('Late', Number(path.basename(users).split('-')[0]) + 500, 'await queryRunner.query(`CREATE TABLE "late" ("id" integer)`);');
    const refused = commit('a branch whose migration is older than deployed ones');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /-Late\.js \(version Late\d{13}\) sorts before db\/migrations\/\d{13}-Orders\.js/);
    git('reset', '-q', '--hard', start);
    git('clean', '-qfd', DIR);

    create('Role', Number(path.basename(orders).split('-')[0]) + 1000, `await queryRunner.query("CREATE ROLE app LOGIN PASSWORD '${chars(16, 14)}'");`);
    const secret = commit('a role with its password');
    assert.notEqual(secret.status, 0);
    assert.match(secret.stderr, /-Role\.js:\d+: password literal in a migration \(await queryRunner\.query\("CREATE ROLE app LOGIN PASSWORD '\*\*\*\*'"\)/);
    git('reset', '-q', '--hard', start);
    git('clean', '-qfd', DIR);
  });

  it('a migration applied by hand outside guard is named at the next deploy', async () => {
    const email = create('Email', Number(path.basename(orders).split('-')[0]) + 1000, 'await queryRunner.query(`ALTER TABLE "users" ADD "email" character varying`);');
    assert.equal(guard('lock').code, 0);
    const added = commit('add email');
    assert.equal(added.status, 0, added.stderr);
    const byHand = spawnSync(process.execPath, [TYPEORM, 'migration:run', '-d', 'data-source.js'], { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: databases.staging!.url } });
    assert.equal(byHand.status, 0, byHand.stderr);
    const check = deploy('staging', '--check');
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, new RegExp(`applied without guard, content unchecked: ${classOf(email)}`));
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
    }
    assert.equal((await names('production')).length, 3);
  });

  it("a failed migration leaves TypeORM's table and the schema as they were (transaction mode all), and the ledger says it failed", async () => {
    create('Broken', Number(path.basename(orders).split('-')[0]) + 5000, 'await queryRunner.query(`CREATE TABLE "half" ("id" integer)`);\n        await queryRunner.query(`SELECT 1/0`);');
    assert.equal(guard('lock').code, 0);
    assert.equal(commit('a migration that fails').status, 0);
    const failed = deploy('staging');
    assert.notEqual(failed.code, 0);
    assert.match(`${failed.stdout}${failed.stderr}`, /division by zero/);
    assert.deepEqual(await query('staging', "SELECT to_regclass('public.half') AS half"), [{ half: null }]);
    assert.equal((await names('staging')).length, 3);
    const [last] = await query('staging', "SELECT status FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 1");
    assert.equal(last.status, 'failed');
    const next = deploy('staging', '--check');
    assert.doesNotMatch(next.stderr, /not a prefix/);
  });
});

describe('a TypeORM DataSource that renames its table: guard init writes table:, deploy and status read it there', () => {
  let repo: TempRepo;
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);

  before(async () => {
    database = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', STAGING_DATABASE_URL: database.url };
    repo = new TempRepo();
    installCompiledShim(repo);
    repo.write('src/data-source.js', DATA_SOURCE.replace("  migrations: [", "  migrationsTableName: 'typeorm_history',\n  migrations: [__dirname + '/../' + "));
    const result = spawnSync(process.execPath, [TYPEORM, 'migration:create', `${DIR}/Users`, '-o', '-t', '1796649830841'], { cwd: repo.root, encoding: 'utf8', env });
    assert.equal(result.status, 0, result.stderr);
    const file = `${DIR}/1796649830841-Users.js`;
    repo.write(file, repo.read(file).replace(/async up\(queryRunner\) \{\n/, 'async up(queryRunner) {\n        await queryRunner.query(`CREATE TABLE "users" ("id" integer)`);\n'));
  });
  after(async () => {
    repo?.dispose();
    await database?.drop();
  });

  it('records the deploy and reports the head from typeorm_history', async () => {
    assert.match(repo.read('src/data-source.js'), /migrations: \[__dirname \+ '\/\.\.\/' \+ 'db\/migrations\/\*\.js'\]/);
    const init = guard('init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(repo.read('guard.config.yaml'), new RegExp(`dir: ${DIR}\\n\\s+tool: typeorm\\n\\s+table: typeorm_history\\n`));
    repo.write('guard.config.yaml', `${repo.read('guard.config.yaml').trimEnd()}\nseal: committed\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n`);
    spawnSync('git', ['add', '-A'], { cwd: repo.root, env });
    assert.equal(spawnSync('git', ['commit', '-q', '-m', 'guarded'], { cwd: repo.root, env, encoding: 'utf8' }).status, 0);
    const deployed = guard('deploy', 'staging', '--', process.execPath, TYPEORM, 'migration:run', '-d', 'src/data-source.js');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual(await queryRows(database.url, 'SELECT name FROM typeorm_history'), [{ name: 'Users1796649830841' }]);
    const status = guard('status');
    assert.match(status.stdout, new RegExp(`^staging\\s+${DIR}\\s+Users1796649830841\\s+= HEAD`, 'm'));
  });
});
