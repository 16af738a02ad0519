import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { TempRepo } from '../helpers/git-repo.js';
import { GUARD, queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { ALEMBIC_UPGRADE, alembicSqlRevision, alembicWithPostgresMissing, writeAlembicProject } from '../helpers/alembic-project.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const missing = alembicWithPostgresMissing();
if (missing) console.log(`# ${missing}: the deploy tests with real Alembic are skipped`);

describe('guard deploy with a real Alembic project on a real PostgreSQL', { skip: missing || false }, () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;

  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', ...ALEMBIC_UPGRADE);
  const query = (environment: string, sql: string) => queryRows(databases[environment]!.url, sql);

  before(async () => {
    for (const name of ['ci', 'staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', CI_DATABASE_URL: databases.ci!.url, STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    writeAlembicProject(repo);
    repo.write(
      'guard.config.yaml',
      `migrations:
  - dir: migrations/versions
    tool: alembic
environments:
  - name: local
  - name: ci
    database: $CI_DATABASE_URL
  - name: staging
    database: $STAGING_DATABASE_URL
  - name: production
    database: $PRODUCTION_DATABASE_URL
    settings: { lock_timeout: 7s, statement_timeout: 31s, transaction_per_migration: true }
`,
    );
    repo.write('migrations/versions/a1_users.py', alembicSqlRevision('a1', null, 'CREATE TABLE users (id int)'));
    // What the migration's own session sees: the environment's settings, through PGOPTIONS.
    repo.write(
      'migrations/versions/b2_probe.py',
      alembicSqlRevision('b2', 'a1', "CREATE TABLE probe AS SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout, current_setting('application_name') AS app"),
    );
    assert.equal(spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, encoding: 'utf8', env }).status, 0);
    repo.commitAll('migrations');
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it('an uncommitted migration refuses step 1; Python\'s bytecode cache does not', () => {
    repo.write('migrations/versions/__pycache__/a1_users.cpython-311.pyc', 'bytecode');
    assert.equal(guard('deploy', 'ci', '--check').code, 0);
    repo.write('migrations/versions/z9_draft.py', alembicSqlRevision('z9', 'b2', 'SELECT 1'));
    const result = guard('deploy', 'ci', '--check');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /uncommitted changes under the migration dirs: migrations\/versions\/z9_draft\.py/);
    repo.remove('migrations/versions/z9_draft.py');
    repo.remove('migrations/versions/__pycache__');
  });

  it('production before staging is refused, naming staging and what is being deployed', () => {
    const result = deploy('production');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /staging/);
    assert.match(result.stderr, /refused/);
  });

  it('deploys ci -> staging -> production, each after its predecessor, with production\'s timeouts in the migration session', async () => {
    for (const environment of ['ci', 'staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
      assert.match(result.stderr, /7\. record: /);
    }
    assert.deepEqual(await query('production', 'SELECT version_num FROM alembic_version'), [{ version_num: 'b2' }]);
    const [probe] = await query('production', 'SELECT lock_timeout, statement_timeout, app FROM probe');
    assert.deepEqual({ ...probe, app: undefined }, { lock_timeout: '7s', statement_timeout: '31s', app: undefined });
    // psycopg2 (libpq) reads PGAPPNAME: Alembic's session is named after the deploy's ledger row (issue 10, item 2).
    const [{ id }] = await query('production', "SELECT min(id)::int AS id FROM guard.deployments WHERE environment = 'production'");
    assert.match(probe.app, new RegExp(`^guard migrate #${id} production by test@example\\.com@.* pid \\d+$`));
    const [staging] = await query('staging', 'SELECT lock_timeout FROM probe');
    assert.equal(staging.lock_timeout, '0', 'staging has no settings: the server default');
    const rows = await query('production', "SELECT status, heads, actor, command FROM guard.deployments WHERE environment = 'production'");
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'succeeded');
    assert.deepEqual(rows[0].heads, ['b2']);
  });

  it('guard status shows every environment\'s head, chain match and last deploy in one table', () => {
    const result = guard('status');
    assert.equal(result.code, 0, result.stderr);
    for (const environment of ['ci', 'staging', 'production']) {
      assert.match(result.stdout, new RegExp(`^${environment}\\s+migrations/versions\\s+b2\\s+= HEAD\\s+succeeded .* by test@example\\.com at [0-9a-f]{12}\\s+free\\s+none$`, 'm'));
    }
    const json = JSON.parse(guard('status', 'production', '--format', 'json').stdout) as { environments: { name: string; lockKey: string; sets: { matchesRepository: boolean }[] }[] };
    assert.deepEqual(json.environments.map((environment) => environment.name), ['production']);
    assert.match(json.environments[0]!.lockKey, /^-?\d+$/);
    assert.equal(json.environments[0]!.sets[0]!.matchesRepository, true);
  });

  it('a revision edited after staging applied it is refused at production (same heads, other chain)', () => {
    repo.write('migrations/versions/c3_more.py', alembicSqlRevision('c3', 'b2', 'CREATE TABLE more (id int)'));
    spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, env });
    repo.commitAll('c3');
    assert.equal(deploy('ci').code, 0);
    assert.equal(deploy('staging').code, 0);
    // Edited after staging ran it, relocked by someone who skipped the hooks.
    repo.write('migrations/versions/c3_more.py', alembicSqlRevision('c3', 'b2', 'CREATE TABLE more (id bigint)'));
    spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, env });
    repo.commitAll('edit c3');
    const result = deploy('production', '--check');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /staging/);
    assert.match(result.stderr, /c3_more\.py/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
  });

  it('two deploys of one environment never overlap: the second exits 4 naming the holder', async () => {
    const slow = spawn(process.execPath, [GUARD, 'deploy', 'production', '--', 'sh', '-c', `sleep 3 && ${ALEMBIC_UPGRADE.join(' ')}`], { cwd: repo.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let slowErr = '';
    slow.stderr.on('data', (chunk: Buffer) => (slowErr += chunk.toString()));
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code ?? -1)));
    await waitFor(() => slowErr.includes('3. lock'), 20_000);
    const second = deploy('production', '--lock-wait', '0.5');
    assert.equal(second.code, 4, second.stderr);
    assert.match(second.stderr, /guard deploy production by test@example\.com@/);
    assert.equal(await closed, 0, slowErr);
  });

  it('a deploy killed mid-way leaves no lock, and a visible running record the next deploy refuses until settled', async () => {
    const doomed = spawn(process.execPath, [GUARD, 'deploy', 'staging', '--', 'sleep', '30'], { cwd: repo.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let doomedErr = '';
    doomed.stderr.on('data', (chunk: Buffer) => (doomedErr += chunk.toString()));
    await waitFor(() => doomedErr.includes('5. drift'), 20_000);
    await waitFor(async () => (await query('staging', "SELECT count(*)::int AS n FROM guard.deployments WHERE status = 'running'"))[0].n === 1, 10_000);
    const closed = new Promise((resolve) => doomed.on('close', resolve));
    doomed.kill('SIGKILL');
    await closed;
    // The command dies with guard (issue 10, item 2): nobody has to kill it by hand.
    await waitFor(() => spawnSync('pgrep', ['-f', '^sleep 30$']).status === 1, 10_000);

    const next = deploy('staging', '--lock-wait', '2');
    assert.equal(next.code, 1, next.stderr);
    assert.match(next.stderr, /holding the deploy lock of staging/, 'the killed deploy left no lock');
    assert.match(next.stderr, /a deploy of staging never finished \(killed or crashed\)[\s\S]*command: sleep 30/);
    assert.match(next.stderr, /guard record staging/);
    const forced = deploy('staging', '--force', '--reason', 'the killed deploy ran sleep only');
    assert.equal(forced.code, 0, forced.stderr);
    const rows = await query('staging', "SELECT status, forced, reason FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 2");
    assert.deepEqual(rows.map((row) => row.status), ['succeeded', 'settled']);
    assert.equal(rows[0].forced, true);
  });

  it('guard record checks the database, then records a migration run without guard', () => {
    repo.write('migrations/versions/d4_hotfix.py', alembicSqlRevision('d4', 'c3', 'CREATE TABLE hotfix (id int)'));
    spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, env });
    repo.commitAll('d4');
    const early = guard('record', 'ci');
    assert.equal(early.code, 1, 'ci is not at d4 yet');
    assert.match(early.stderr, /missing d4/);
    const alembic = spawnSync(ALEMBIC_UPGRADE[0]!, ALEMBIC_UPGRADE.slice(1), { cwd: repo.root, env: { ...env, DATABASE_URL: databases.ci!.url }, encoding: 'utf8' });
    assert.equal(alembic.status, 0, alembic.stderr);
    const recorded = guard('record', 'ci');
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /recorded ci: migrations\/versions at d4/);
    assert.equal(deploy('staging', '--check').code, 0, 'staging may now follow ci');
  });

  it('a second deploy waits for the lock, says who holds it, and runs when it is free', async () => {
    const slow = spawn(process.execPath, [GUARD, 'deploy', 'ci', '--', 'sh', '-c', `sleep 2 && ${ALEMBIC_UPGRADE.join(' ')}`], { cwd: repo.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let slowErr = '';
    slow.stderr.on('data', (chunk: Buffer) => (slowErr += chunk.toString()));
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code ?? -1)));
    await waitFor(() => slowErr.includes('3. lock'), 20_000);
    const second = deploy('ci', '--lock-wait', '30');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /waiting for "guard deploy ci by test@example\.com@/);
    assert.equal(await closed, 0, slowErr);
  });

  it('a migration run without guard is reported: the tool table and the ledger disagree', () => {
    repo.write('migrations/versions/e5_bypass.py', alembicSqlRevision('e5', 'd4', 'CREATE TABLE bypass (id int)'));
    spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, env });
    repo.commitAll('e5');
    const alembic = spawnSync(ALEMBIC_UPGRADE[0]!, ALEMBIC_UPGRADE.slice(1), { cwd: repo.root, env: { ...env, DATABASE_URL: databases.ci!.url }, encoding: 'utf8' });
    assert.equal(alembic.status, 0, alembic.stderr);
    const result = deploy('ci');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning .*e5/);
  });

  it('guard doctor connects to each environment whose variable is set, and never shows a password', () => {
    const wrong = new URL(databases.staging!.url);
    wrong.password = 'not-the-password';
    const result = spawnSync(process.execPath, [GUARD, 'doctor'], { cwd: repo.root, encoding: 'utf8', env: { ...env, STAGING_DATABASE_URL: wrong.toString(), PRODUCTION_DATABASE_URL: '' } });
    assert.match(result.stdout, /ok {4}environment ci: postgres:\/\/[^:]+:\*\*\*@.* answers/);
    assert.match(result.stdout, /FAIL {2}environment staging: cannot connect to/);
    assert.match(result.stdout, /ok {4}environment production: not checked here: .*PRODUCTION_DATABASE_URL/);
    assert.ok(!result.stdout.includes('not-the-password'));
    assert.equal(result.status, 1);
  });

  it('no password appears in any output, and an unset variable is named', () => {
    const result = guard('deploy', 'production', '--check');
    const password = new URL(databases.production!.url).password;
    assert.ok(!`${result.stdout}${result.stderr}`.includes(password));
    const unset = spawnSync(process.execPath, [GUARD, 'deploy', 'production', '--check'], { cwd: repo.root, encoding: 'utf8', env: { ...env, PRODUCTION_DATABASE_URL: '' } });
    assert.equal(unset.status, 2);
    assert.match(unset.stderr, /PRODUCTION_DATABASE_URL/);
    // A predecessor that cannot be read is never taken as "passed": exit 3, its password hidden.
    const closed = new URL(databases.staging!.url);
    closed.port = '1';
    const unreadable = spawnSync(process.execPath, [GUARD, 'deploy', 'production', '--check'], { cwd: repo.root, encoding: 'utf8', env: { ...env, STAGING_DATABASE_URL: closed.toString() } });
    assert.equal(unreadable.status, 3, unreadable.stderr);
    assert.match(unreadable.stderr, /cannot connect to postgres:\/\/[^:]+:\*\*\*@127\.0\.0\.1:1\//);
    assert.ok(!unreadable.stderr.includes(closed.password));
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('an ephemeral CI database that records its deploys in a ledger elsewhere', { skip: missing || false }, () => {
  let repo: TempRepo;
  const databases: TestDatabase[] = [];
  after(async () => {
    repo?.dispose();
    for (const database of databases) await database.drop();
  });

  it('staging checks what ci recorded in the shared ledger, though ci\'s own database is gone', async () => {
    const [ciFirst, ciSecond, ledger, staging] = [await testDatabase(), await testDatabase(), await testDatabase(), await testDatabase()];
    databases.push(ciFirst, ciSecond, ledger, staging);
    repo = new TempRepo();
    writeAlembicProject(repo);
    repo.write(
      'guard.config.yaml',
      'migrations:\n  - dir: migrations/versions\n    tool: alembic\nenvironments:\n  - name: ci\n    database: $CI_DATABASE_URL\n    ledger: $GUARD_LEDGER_URL\n  - name: staging\n    database: $STAGING_DATABASE_URL\n',
    );
    repo.write('migrations/versions/a1_users.py', alembicSqlRevision('a1', null, 'CREATE TABLE users (id int)'));
    const env = { ...process.env, NO_COLOR: '1', GUARD_LEDGER_URL: ledger.url, STAGING_DATABASE_URL: staging.url };
    const run = (ci: string, ...args: string[]) => spawnSync(process.execPath, [GUARD, ...args], { cwd: repo.root, encoding: 'utf8', env: { ...env, CI_DATABASE_URL: ci } });
    assert.equal(run(ciFirst.url, 'lock').status, 0);
    repo.commitAll('a1');
    const check = run(ciFirst.url, 'deploy', 'ci', '--check');
    assert.equal(check.status, 0, check.stderr);
    const probe = new pg.Client({ connectionString: ledger.url });
    await probe.connect();
    const [{ ledgerTable }] = (await probe.query("SELECT to_regclass('guard.deployments')::text AS \"ledgerTable\"")).rows;
    await probe.end();
    assert.equal(ledgerTable, null, '--check changes nothing, not even the ledger schema');
    const ci = run(ciFirst.url, 'deploy', 'ci', '--', ...ALEMBIC_UPGRADE);
    assert.equal(ci.status, 0, ci.stderr);
    // The next CI job gets a fresh database; ci's first one is gone, its record is not.
    await ciFirst.drop();
    const promoted = run(ciSecond.url, 'deploy', 'staging', '--', ...ALEMBIC_UPGRADE);
    assert.equal(promoted.status, 0, promoted.stderr);
    assert.match(promoted.stderr, /2\. predecessor: ci has applied this head with this chain/);
    const again = run(ciSecond.url, 'deploy', 'ci', '--', ...ALEMBIC_UPGRADE);
    assert.equal(again.status, 0, `a fresh ci database is expected, not a disagreement:\n${again.stderr}`);
  });
});
