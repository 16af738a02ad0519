import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { chars } from '../helpers/fake-secrets.js';
import { installCompiledShim, userGit } from '../helpers/user-git.js';

// The real node-pg-migrate 9.0.0 (devDependency) writes the migrations
// (`node-pg-migrate create`) and applies them, as the deploy command guard
// runs: `guard deploy ENV -- npx node-pg-migrate up -m db/migrations`.
const MODULES = path.join(PROJECT_ROOT, 'node_modules');
const DIR = 'db/migrations';

describe('guard with a real node-pg-migrate project on a real PostgreSQL', () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;

  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deployCommand = ['npx', 'node-pg-migrate', 'up', '-m', DIR];
  const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', ...deployCommand);
  /** node-pg-migrate run by hand, without guard. */
  const pgm = (environment: string, ...args: string[]) => spawnSync('npx', ['node-pg-migrate', ...args], { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: databases[environment]!.url } });
  const query = (environment: string, sql: string) => queryRows(databases[environment]!.url, sql);
  const applied = async (environment: string) => (await query(environment, 'SELECT name FROM pgmigrations ORDER BY run_on, id')).map((row: { name: string }) => row.name);
  const { git, commit, commitSkippingHooks } = userGit(() => repo.root, () => env);
  /** `node-pg-migrate create NAME -j LANGUAGE`: the file it wrote, relative to the repository. */
  const create = (name: string, language: string, body: (template: string) => string): string => {
    const before = new Set(readdirSync(path.join(repo.root, DIR), { withFileTypes: true }).map((entry) => entry.name));
    const result = spawnSync('npx', ['node-pg-migrate', 'create', name, '-m', DIR, '-j', language], { cwd: repo.root, encoding: 'utf8', env });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const made = readdirSync(path.join(repo.root, DIR)).find((entry) => !before.has(entry))!;
    const file = `${DIR}/${made}`;
    repo.write(file, body(repo.read(file)));
    return file;
  };
  const idOf = (file: string) => path.basename(file).replace(/\.[^.]+$/, '');
  const files: string[] = [];

  before(async () => {
    for (const name of ['staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', npm_config_offline: 'true', npm_config_update_notifier: 'false', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    // What `npm install migration-guard node-pg-migrate` puts in a project: their bins (the hooks run guard's).
    installCompiledShim(repo);
    symlinkSync(path.join(MODULES, 'node-pg-migrate'), path.join(repo.root, 'node_modules/node-pg-migrate'));
    symlinkSync('../node-pg-migrate/bin/node-pg-migrate.js', path.join(repo.root, 'node_modules/.bin/node-pg-migrate'));
    repo.write('package.json', `${JSON.stringify({ name: 'app', private: true, scripts: { migrate: `node-pg-migrate -m ${DIR}` }, devDependencies: { 'node-pg-migrate': '9.0.0' } }, null, 2)}\n`);
    repo.write(`${DIR}/.gitkeep`, '');
    files.push(create('users', 'js', (template) => template.replace('export const up = (pgm) => {};', "export const up = (pgm) => {\n  pgm.createTable('users', { id: 'id', name: { type: 'text', notNull: true } });\n};")));
    files.push(create('orders', 'ts', (template) => template.replace('export async function up(pgm: MigrationBuilder): Promise<void> {}', "export async function up(pgm: MigrationBuilder): Promise<void> {\n  pgm.createTable('orders', { id: 'id', user_id: { type: 'integer', references: 'users' } });\n}")));
    files.push(create('email', 'sql', () => '-- Up Migration\nALTER TABLE users ADD COLUMN email text;\n\n-- Down Migration\nALTER TABLE users DROP COLUMN email;\n'));
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it("guard init finds the folder package.json's script names with -m and locks every migration by the name the tool records", () => {
    const init = guard('init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`${DIR} \\(node-pg-migrate: 3 node-pg-migrate migrations, -m ${DIR} in package\\.json script "migrate"\\)`));
    assert.match(repo.read('guard.config.yaml'), new RegExp(`dir: ${DIR}\\n\\s+tool: node-pg-migrate`));
    const lock = repo.read('checksums.lock.yaml');
    for (const file of files) assert.ok(lock.includes(idOf(file)) && lock.includes(path.basename(file)), lock);
    assert.doesNotMatch(lock, /gitkeep/);
    repo.write('guard.config.yaml', `${repo.read('guard.config.yaml').trimEnd()}\nseal: committed\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n`);
    const first = commit('node-pg-migrate migrations, guarded');
    assert.equal(first.status, 0, first.stderr);
  });

  it('deploys staging then production through node-pg-migrate up; the next deploy and guard status read pgmigrations', async () => {
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
    }
    assert.deepEqual(await applied('production'), files.map(idOf));
    const again = deploy('staging', '--check');
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /without guard|not a prefix|out of order/);
    const status = guard('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^production\\s+${DIR}\\s+${idOf(files[2]!)}\\s+= HEAD`, 'm'));
  });

  it("an edit of a sealed migration, even of the SQL loader's -- Down Migration marker alone, is refused by pre-commit and by guard verify --base", () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    // Without its marker, node-pg-migrate's SQL loader would run the down part as part of the up migration on a new database.
    repo.write(files[2]!, repo.read(files[2]!).replace('-- Down Migration', '-- down'));
    const refused = commit('edit an applied migration');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(path.basename(files[2]!).replace('.', '\\.')));
    assert.equal(guard('lock').code, 0);
    assert.equal(commitSkippingHooks('edit, hooks skipped').status, 0);
    const verify = guard('verify', '--base', before);
    assert.equal(verify.code, 1, verify.stderr);
    assert.match(`${verify.stdout}${verify.stderr}`, new RegExp(path.basename(files[2]!).replace('.', '\\.')));
    git('reset', '-q', '--hard', before);
  });

  it('a migration that sorts before a sealed one is refused at commit, as node-pg-migrate itself refuses it (check-order); guard renumber gives it a later prefix', () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    const early = `${DIR}/${Number(idOf(files[0]!).split('_')[0]) + 1}_early.js`;
    repo.write(early, "export const up = (pgm) => {\n  pgm.createTable('early', { id: 'id' });\n};\n");
    const refused = commit('a migration from an old branch');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(`${path.basename(early).replace('.', '\\.')} .*sorts before`));
    const tool = pgm('staging', 'up', '-m', DIR);
    assert.notEqual(tool.status, 0);
    assert.match(tool.stderr, new RegExp(`Not run migration ${idOf(early)} is preceding already run migration ${idOf(files[1]!)}`));
    // The fix the refusal names: a prefix after the newest migration, the rest of the name kept.
    const renumber = guard('renumber', early);
    assert.equal(renumber.code, 0, renumber.stderr);
    const renamed = readdirSync(path.join(repo.root, DIR)).find((name) => name.endsWith('_early.js'))!;
    assert.ok(Number(renamed.split('_')[0]) > Number(idOf(files[2]!).split('_')[0]), renamed);
    const accepted = commit('the old branch\'s migration, renumbered');
    assert.equal(accepted.status, 0, accepted.stderr);
    git('reset', '-q', '--hard', before);
    git('clean', '-qfd', DIR);
  });

  it('a password in a migration, in JavaScript or under -- Up Migration, is refused at commit', () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    const secret = chars(20, 14);
    const script = create('role', 'js', (template) => template.replace('export const up = (pgm) => {};', `export const up = (pgm) => {\n  pgm.sql("CREATE ROLE app LOGIN PASSWORD '" + '${secret}' + "'");\n};`));
    const refused = commit('a role with its password');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(`${path.basename(script).replace('.', '\\.')}:\\d+`));
    assert.doesNotMatch(refused.stderr, new RegExp(secret));
    git('reset', '-q', '--hard', before);
    git('clean', '-qfd', DIR);
    const sql = create('role', 'sql', () => `-- Up Migration\nCREATE ROLE app LOGIN PASSWORD '${secret}';\n-- Down Migration\nDROP ROLE app;\n`);
    const again = commit('the same in SQL');
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, new RegExp(`${path.basename(sql).replace('.', '\\.')}:2`));
    git('reset', '-q', '--hard', before);
    git('clean', '-qfd', DIR);
  });

  it('a migration edited after guard deployed it (hooks skipped) is refused at the next deploy by guard\'s ledger; one applied by hand is named', async () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    repo.write(files[0]!, repo.read(files[0]!).replace("name: { type: 'text', notNull: true }", "name: { type: 'varchar(50)', notNull: true }"));
    assert.equal(guard('lock').code, 0);
    assert.equal(commitSkippingHooks('edit the users migration, hooks skipped').status, 0);
    // node-pg-migrate keeps no checksum: guard's record of what it deployed names the edit.
    const refused = deploy('staging');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${files[0]!.replace(/\./g, '\\.')} was edited after staging applied it: staging ran sha256`));
    git('reset', '-q', '--hard', before);

    files.push(create('phone', 'js', (template) => template.replace('export const up = (pgm) => {};', "export const up = (pgm) => {\n  pgm.addColumn('users', { phone: 'text' });\n};")));
    const added = commit('add phone');
    assert.equal(added.status, 0, added.stderr);
    // Someone runs node-pg-migrate on staging without guard.
    const byHand = pgm('staging', 'up', '-m', DIR);
    assert.equal(byHand.status, 0, byHand.stderr);
    const check = deploy('staging', '--check');
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, new RegExp(`applied without guard, content unchecked: ${idOf(files[3]!)}`));
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
    }
    assert.deepEqual(await applied('production'), files.map(idOf));
  });

  it("a failed migration rolls back with every migration of its run (node-pg-migrate's single transaction): the ledger says failed, pgmigrations is as it was", async () => {
    create('half', 'js', (template) => template.replace('export const up = (pgm) => {};', "export const up = (pgm) => {\n  pgm.createTable('half', { id: 'id' });\n};"));
    create('broken', 'js', (template) => template.replace('export const up = (pgm) => {};', "export const up = (pgm) => {\n  pgm.sql('SELECT 1/0');\n};"));
    assert.equal(commit('a migration that fails').status, 0);
    const failed = deploy('staging');
    assert.notEqual(failed.code, 0);
    assert.match(`${failed.stdout}${failed.stderr}`, /division by zero/);
    assert.deepEqual(await query('staging', "SELECT to_regclass('public.half') AS half"), [{ half: null }]);
    assert.deepEqual(await applied('staging'), files.map(idOf));
    const [last] = await query('staging', "SELECT status FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 1");
    assert.equal(last.status, 'failed');
    // Nothing of it was applied: the next deploy's step 4 finds pgmigrations a prefix of the lockfile.
    const next = deploy('staging', '--check');
    assert.equal(next.code, 0, next.stderr);
  });
});
