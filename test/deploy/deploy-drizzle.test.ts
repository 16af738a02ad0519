import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { installCompiledShim, userGit } from '../helpers/user-git.js';
import { drizzleMigrateScript } from '../helpers/drizzle-journal.js';

// The real drizzle-kit (devDependency) writes the migrations; the real
// drizzle-orm migrator (node-postgres, with pg) applies them, as the deploy
// command guard runs: `guard deploy ENV -- node migrate.mjs`.
const MODULES = path.join(PROJECT_ROOT, 'node_modules');
const DRIZZLE_KIT = path.join(MODULES, 'drizzle-kit', 'bin.cjs');
const OUT = 'db/drizzle';
const MIGRATE = drizzleMigrateScript(OUT);
const schema = (tables: string) => `import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';\n${tables}`;
const USERS = "export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name') });\n";
const ORDERS = "export const orders = pgTable('orders', { id: serial('id').primaryKey(), userId: integer('user_id') });\n";
const EMAIL = "export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name'), email: text('email') });\n";

describe('guard with a real Drizzle Kit project on a real PostgreSQL', () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;

  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', process.execPath, 'migrate.mjs');
  const query = (environment: string, sql: string) => queryRows(databases[environment]!.url, sql);
  const { git, commit, commitSkippingHooks } = userGit(() => repo.root, () => env);
  const generate = (...args: string[]) => {
    const result = spawnSync(process.execPath, [DRIZZLE_KIT, 'generate', ...args], { cwd: repo.root, encoding: 'utf8', env: { ...env, NODE_PATH: MODULES } });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  };
  const journal = () => JSON.parse(repo.read(`${OUT}/meta/_journal.json`)) as { entries: { tag: string; when: number }[] };
  const sqlFile = (index: number) => `${OUT}/${journal().entries[index]!.tag}.sql`;
  const whenOf = (index: number) => String(journal().entries[index]!.when);

  before(async () => {
    for (const name of ['staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    installCompiledShim(repo);
    repo.write('drizzle.config.ts', `export default {\n  dialect: 'postgresql',\n  schema: './src/schema.ts',\n  out: './${OUT}',\n};\n`);
    repo.write('migrate.mjs', MIGRATE);
    repo.write('src/schema.ts', schema(USERS));
    generate('--name', 'users');
    repo.write('src/schema.ts', schema(USERS + ORDERS));
    generate('--name', 'orders');
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it('guard init finds the folder drizzle.config.ts names and locks every migration the journal lists, by its `when`', () => {
    const init = guard('init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`${OUT} \\(drizzle: `));
    assert.match(repo.read('guard.config.yaml'), new RegExp(`dir: ${OUT}\\n\\s+tool: drizzle`));
    const lock = repo.read('checksums.lock.yaml');
    for (const index of [0, 1]) {
      assert.ok(lock.includes(whenOf(index)), lock);
      assert.ok(lock.includes(path.basename(sqlFile(index))), lock);
    }
    assert.doesNotMatch(lock, /snapshot|_journal/);
    repo.write('guard.config.yaml', `${repo.read('guard.config.yaml').trimEnd()}\nseal: committed\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n`);
    const first = commit('drizzle migrations, guarded');
    assert.equal(first.status, 0, first.stderr);
  });

  it('deploys staging then production through the migrator; drizzle records each migration with the hash guard locked', async () => {
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
    }
    const rows = await query('production', 'SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id');
    const sha = (file: string) => createHash('sha256').update(readFileSync(path.join(repo.root, file), 'utf8')).digest('hex');
    assert.deepEqual(rows, [0, 1].map((index) => ({ hash: sha(sqlFile(index)), created_at: whenOf(index) })));
    const status = guard('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^production\\s+${OUT}\\s+${whenOf(1)}\\s+= HEAD`, 'm'));
  });

  it('an edit of a sealed migration is refused by pre-commit, and by guard verify --base when the hooks were skipped', () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    repo.write(sqlFile(0), `${repo.read(sqlFile(0))}\nALTER TABLE "users" ADD COLUMN "sneaky" text;`);
    const refused = commit('edit an applied migration');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(path.basename(sqlFile(0)).replace('.', '\\.')));
    assert.equal(guard('lock').code, 0);
    assert.equal(commitSkippingHooks('edit, hooks skipped').status, 0);
    const verify = guard('verify', '--base', before);
    assert.equal(verify.code, 1, verify.stderr);
    assert.match(`${verify.stdout}${verify.stderr}`, new RegExp(path.basename(sqlFile(0)).replace('.', '\\.')));
    git('reset', '-q', '--hard', before);
  });

  it('a journal entry whose `when` drizzle would skip is refused at commit', () => {
    const before = git('rev-parse', 'HEAD').stdout.trim();
    const text = journal();
    text.entries.push({ ...text.entries[1]!, tag: '0002_late', when: text.entries[0]!.when + 1 } as never);
    repo.write(`${OUT}/meta/_journal.json`, JSON.stringify(text, null, 2));
    repo.write(`${OUT}/0002_late.sql`, 'CREATE TABLE "late" ("id" integer);');
    const refused = commit('merged a branch whose migration is older');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /0002_late\.sql has journal `when` \d+ .* skips/);
    git('reset', '-q', '--hard', before);
    git('clean', '-qfd', OUT);
  });

  it("a migration applied by hand outside guard is named at the next deploy; edited after that, only drizzle's hash knows, and guard refuses", async () => {
    repo.write('src/schema.ts', schema(EMAIL + ORDERS));
    generate('--name', 'email');
    assert.equal(guard('lock').code, 0);
    const added = commit('add email');
    assert.equal(added.status, 0, added.stderr);
    // Someone runs the migrator on staging without guard.
    const byHand = spawnSync(process.execPath, ['migrate.mjs'], { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: databases.staging!.url } });
    assert.equal(byHand.status, 0, byHand.stderr);
    const check = deploy('staging', '--check');
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, new RegExp(`applied without guard, content unchecked: ${whenOf(2)}`));

    const before = git('rev-parse', 'HEAD').stdout.trim();
    repo.write(sqlFile(2), repo.read(sqlFile(2)).replace('"email" text', '"email" varchar(320)'));
    assert.equal(guard('lock').code, 0);
    assert.equal(commitSkippingHooks('edit the email migration, hooks skipped').status, 0);
    // Guard's ledger never saw staging run it: the hash drizzle recorded names the edit.
    const refused = deploy('staging');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${sqlFile(2).replace(/\./g, '\\.')} is not what staging ran: drizzle\\.__drizzle_migrations records sha256`));
    git('reset', '-q', '--hard', before);
    for (const environment of ['staging', 'production']) {
      const after = deploy(environment);
      assert.equal(after.code, 0, `${environment}:\n${after.stderr}`);
    }
    assert.equal((await query('production', 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'))[0].n, 3);
  });

  it('a failed migration leaves drizzle\'s table and the schema as they were (one transaction), and the ledger says it failed', async () => {
    generate('--custom', '--name', 'broken');
    const broken = readdirSync(path.join(repo.root, OUT)).find((name) => name.endsWith('_broken.sql'))!;
    writeFileSync(path.join(repo.root, OUT, broken), 'CREATE TABLE "half" ("id" integer);\n--> statement-breakpoint\nSELECT 1/0;\n');
    assert.equal(guard('lock').code, 0);
    assert.equal(commit('a migration that fails').status, 0);
    const failed = deploy('staging');
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /division by zero/);
    assert.deepEqual(await query('staging', "SELECT to_regclass('public.half') AS half"), [{ half: null }]);
    assert.equal((await query('staging', 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'))[0].n, 3);
    const [last] = await query('staging', "SELECT status FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 1");
    assert.equal(last.status, 'failed');
    // Nothing of it was applied: the next deploy's step 4 finds the table a prefix of the journal.
    const next = deploy('staging', '--check');
    assert.doesNotMatch(next.stderr, /not a prefix/);
  });
});
