// guard's own runner for plain SQL sets (README, "guard's runner for plain
// SQL"): `guard deploy ENV` with no command, on a real PostgreSQL.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TempRepo } from '../helpers/git-repo.js';
import { GUARD, queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const CONFIG = `migrations:
  - dir: db/migrations
    tool: sql
environments:
  - name: staging
    database: $STAGING_DATABASE_URL
    settings:
      lock_timeout: 1234ms
      statement_timeout: 7s
`;

describe("guard's runner for plain SQL", () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function project(migrations: Record<string, string>) {
    const database: TestDatabase = await testDatabase();
    const repo = new TempRepo();
    cleanups.push(() => database.drop(), () => repo.dispose());
    const env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: database.url };
    const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
    const commit = (files: Record<string, string>, message: string) => {
      for (const [file, text] of Object.entries(files)) repo.write(file, text);
      const locked = guard('lock');
      assert.equal(locked.code, 0, locked.stderr);
      repo.commitAll(message);
    };
    commit({ 'guard.config.yaml': CONFIG, ...prefixed(migrations) }, 'migrations');
    const rows = (sql: string) => queryRows(database.url, sql);
    return { repo, env, guard, commit, rows, database };
  }

  it('applies the pending migrations in order, each in its own transaction with the environment settings, and records them with their checksums', async () => {
    const { guard, commit, rows, repo } = await project({
      '001_seen.sql': 'CREATE TABLE seen (step int, tx bigint, lock_timeout text, statement_timeout text, app text, search_path text);\n',
      '002_first.sql':
        "SET search_path = pg_catalog;\nINSERT INTO public.seen SELECT 2, txid_current(), current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('application_name'), current_setting('search_path');\n",
      '003_second.sql': "INSERT INTO seen SELECT 3, txid_current(), current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('application_name'), current_setting('search_path');\n",
    });
    const dry = guard('deploy', 'staging', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /guard's SQL runner would apply:\n  db\/migrations:\n    001_seen\.sql\n    002_first\.sql\n    003_second\.sql\n/);
    assert.match(dry.stderr, /nothing was run or recorded \(--dry-run\)/);
    assert.deepEqual(await rows(`SELECT to_regclass('public.seen') AS t, to_regnamespace('guard') AS g`), [{ t: null, g: null }], '--dry-run creates nothing');

    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stderr, /applied db\/migrations\/001_seen\.sql in \d+ ms[\s\S]*applied db\/migrations\/002_first\.sql[\s\S]*applied db\/migrations\/003_second\.sql/);
    assert.match(deployed.stderr, /6\. run: guard's SQL runner: db\/migrations: 3 migrations applied/);
    assert.match(deployed.stderr, /deployed staging/);

    const seen = await rows('SELECT step, tx::text AS tx, lock_timeout, statement_timeout, app, search_path FROM seen ORDER BY step');
    assert.deepEqual(
      seen.map((row) => [row.step, row.lock_timeout, row.statement_timeout]),
      [
        [2, '1234ms', '7s'],
        [3, '1234ms', '7s'],
      ],
    );
    assert.notEqual(seen[0].tx, seen[1].tx, 'one transaction per migration');
    assert.match(seen[0].app, /^guard migrate #\d+ staging by /, 'the session is named after the deploy, so a killed guard leaves a session the next deploy finds');
    assert.equal(seen[1].search_path, '"$user", public', "002's SET search_path did not leak into 003");

    const recorded = await rows('SELECT id, file, sha256, status, transactional FROM guard.sql_migrations ORDER BY rank');
    const lock = repo.read('checksums.lock.yaml');
    assert.deepEqual(
      recorded.map((row) => [row.id, row.file, row.status, row.transactional]),
      [
        ['001', '001_seen.sql', 'applied', true],
        ['002', '002_first.sql', 'applied', true],
        ['003', '003_second.sql', 'applied', true],
      ],
    );
    for (const row of recorded) assert.ok(lock.includes(row.sha256), `${row.file}'s recorded checksum is the lockfile's`);

    // The next deploy sees exactly what ran: nothing pending; then only a new migration runs.
    const again = guard('deploy', 'staging', '--dry-run');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /4\. integrity: staging has applied a prefix/);
    assert.match(again.stderr, /db\/migrations: nothing pending/);
    commit({ 'db/migrations/004_third.sql': 'INSERT INTO seen (step) VALUES (4);\n' }, 'fourth');
    const fourth = guard('deploy', 'staging', '--format', 'json');
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.match(fourth.stderr, /applied db\/migrations\/004_third\.sql in \d+ ms/, 'each migration applied is a progress line');
    const result = JSON.parse(fourth.stdout) as { steps: { step: number; name: string; detail: string }[] };
    // The result's steps are what each step concluded, one line per step (7 twice: record, parity), not the runner's progress.
    assert.deepEqual(
      result.steps.map((step) => `${step.step} ${step.name}`),
      ['1 repository', '2 predecessor', '3 lock', '4 integrity', '5 drift', '6 run', '7 record'],
    );
    assert.match(result.steps[5]!.detail, /db\/migrations: 1 migration applied/);
    assert.deepEqual((await rows('SELECT step FROM seen ORDER BY step')).map((row) => row.step), [2, 3, 4]);

    // An applied migration edited afterwards is refused by step 4, judged on the runner's checksums.
    commit({ 'db/migrations/002_first.sql': 'SELECT 2;\n' }, 'edit an applied migration');
    const edited = guard('deploy', 'staging');
    assert.equal(edited.code, 1, edited.stderr);
    assert.match(edited.stderr, /4\. integrity: db\/migrations\/002_first\.sql was edited after staging applied it/);
  });

  it('a failure stops the run, is recorded with the file, line and message, and leaves the earlier migrations applied and recorded', async () => {
    const { guard, commit, rows } = await project({
      '001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, email text);\n',
      '002_seed.sql': "INSERT INTO users VALUES (1, 'a@example.com');\n",
      '003_broken.sql': "-- backfill\nINSERT INTO users VALUES (2, 'b@example.com');\n\nUPDATE users\n   SET emial = lower(email);\n",
      '004_after.sql': 'CREATE TABLE after_broken (id int);\n',
    });
    const failed = guard('deploy', 'staging');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /db\/migrations\/003_broken\.sql failed on staging at line 5: column "emial" of relation "users" does not exist/);
    assert.match(failed.stderr, /its transaction was rolled back, and the migrations before it stay applied and recorded/);
    assert.deepEqual((await rows('SELECT id FROM users ORDER BY id')).map((row) => row.id), [1], "003's first INSERT was rolled back with it");
    assert.deepEqual(await rows(`SELECT to_regclass('public.after_broken') AS t`), [{ t: null }], '004 did not run');
    const recorded = await rows('SELECT id, status, error, error_line FROM guard.sql_migrations ORDER BY rank');
    assert.deepEqual(
      recorded.map((row) => [row.id, row.status, row.error_line]),
      [
        ['001', 'applied', null],
        ['002', 'applied', null],
        ['003', 'failed', 5],
      ],
    );
    assert.match(recorded[2].error, /column "emial" of relation "users" does not exist \(SQLSTATE 42703\)/);
    assert.deepEqual((await rows(`SELECT status FROM guard.deployments ORDER BY id`)).map((row) => row.status), ['failed']);

    // An error without a position (raised while running) names the failing statement's first line.
    commit({ 'db/migrations/003_broken.sql': "-- backfill\nINSERT INTO users VALUES (2, 'b@example.com');\n\nINSERT INTO users\n  VALUES (1, 'again');\n" }, 'fix 003, badly');
    const duplicate = guard('deploy', 'staging');
    assert.equal(duplicate.code, 1, duplicate.stderr);
    assert.match(duplicate.stderr, /003_broken\.sql failed on staging at line 4: duplicate key value violates unique constraint "users_pkey" \(SQLSTATE 23505\); DETAIL: Key \(id\)=\(1\) already exists/);

    // Corrected: the next deploy's step 4 sees 001 and 002 applied, and runs 003 and 004 only.
    commit({ 'db/migrations/003_broken.sql': "-- backfill\nINSERT INTO users VALUES (2, 'b@example.com');\n" }, 'fix 003');
    const fixed = guard('deploy', 'staging');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stderr, /db\/migrations: 2 migrations applied/);
    assert.deepEqual((await rows('SELECT id FROM users ORDER BY id')).map((row) => row.id), [1, 2]);
    assert.deepEqual((await rows(`SELECT status FROM guard.deployments ORDER BY id`)).map((row) => row.status), ['failed', 'failed', 'succeeded']);
  });

  it('runs a migration marked -- guard:no-transaction outside a transaction (CREATE INDEX CONCURRENTLY), and refuses one that is not marked before anything runs', async () => {
    const { guard, commit, rows } = await project({
      '001_users.sql': 'CREATE TABLE users (id int, email text);\n',
      '002_index.sql': 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
    });
    const refused = guard('deploy', 'staging');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /db\/migrations\/002_index\.sql line 1: CREATE \.\.\. CONCURRENTLY cannot run inside a transaction block/);
    assert.match(refused.stderr, /put `-- guard:no-transaction` on the file's first line/);
    assert.deepEqual(await rows(`SELECT to_regclass('public.users') AS t`), [{ t: null }], 'nothing ran, 001 included');

    commit({ 'db/migrations/002_index.sql': '-- guard:no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n' }, 'mark it');
    const dry = guard('deploy', 'staging', '--dry-run');
    assert.match(dry.stderr, /002_index\.sql \(outside a transaction\)/);
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stderr, /applied db\/migrations\/002_index\.sql \(outside a transaction\)/);
    assert.deepEqual(await rows(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass`), [{ indisvalid: true }]);
    assert.deepEqual((await rows('SELECT id, status, transactional FROM guard.sql_migrations ORDER BY rank')).map((row) => [row.id, row.status, row.transactional]), [
      ['001', 'applied', true],
      ['002', 'applied', false],
    ]);
  });

  it('a failure outside a transaction keeps what ran before it, and the next deploy refuses until someone has looked (--force runs it again)', async () => {
    const { guard, commit, rows } = await project({
      '001_users.sql': 'CREATE TABLE users (id int, email text);\n',
      '002_indexes.sql': '-- guard:no-transaction\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\nCREATE INDEX CONCURRENTLY users_email_idx ON users (emial);\n',
    });
    const failed = guard('deploy', 'staging');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /002_indexes\.sql failed on staging at line 3: column "emial" does not exist/);
    assert.match(failed.stderr, /it ran outside a transaction: the statements before line 3 stay applied/);
    assert.deepEqual(await rows(`SELECT to_regclass('public.users_id_idx')::text AS i`), [{ i: 'users_id_idx' }]);

    commit({ 'db/migrations/002_indexes.sql': '-- guard:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_id_idx ON users (id);\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n' }, 'fix');
    const refused = guard('deploy', 'staging');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /002_indexes\.sql ran outside a transaction in staging \(.*\) and failed at line 3/);
    const forced = guard('deploy', 'staging', '--force', '--reason', 'checked: only users_id_idx was left, and the fix keeps it');
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await rows(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'users'`), [{ n: 2 }]);
    const clean = guard('deploy', 'staging', '--check');
    assert.equal(clean.code, 0, clean.stderr);
  });

  it('adopts what a migration command deployed before, so the runner applies only what is new', async () => {
    const { guard, commit, rows } = await project({ '001_users.sql': 'CREATE TABLE users (id int);\n' });
    // A pipeline that ran the SQL with its own tool, guard recording it.
    const external = guard('deploy', 'staging', '--', 'sh', '-c', 'node -e "require(\'pg\')" 2>/dev/null; true');
    assert.equal(external.code, 0, external.stderr);
    await rows('CREATE TABLE users (id int)');
    commit({ 'db/migrations/002_more.sql': 'ALTER TABLE users ADD COLUMN email text;\n' }, 'second');
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual((await rows('SELECT id, status FROM guard.sql_migrations ORDER BY rank')).map((row) => [row.id, row.status]), [
      ['001', 'recorded'],
      ['002', 'applied'],
    ]);
    // And back: a command deploy keeps the runner's table whole.
    commit({ 'db/migrations/003_more.sql': 'ALTER TABLE users ADD COLUMN name text;\n' }, 'third');
    await rows('ALTER TABLE users ADD COLUMN name text');
    const byCommand = guard('deploy', 'staging', '--', 'true');
    assert.equal(byCommand.code, 0, byCommand.stderr);
    assert.deepEqual((await rows('SELECT id, status FROM guard.sql_migrations ORDER BY rank')).map((row) => row.id), ['001', '002', '003']);
    assert.equal(guard('deploy', 'staging', '--check').code, 0);
  });

  it('an environment whose ledger is another database is ephemeral: a fresh database gets every migration again', async () => {
    const { repo, env, rows, database } = await project({ '001_users.sql': 'CREATE TABLE users (id int);\n' });
    const ledger = await testDatabase();
    const fresh = await testDatabase();
    cleanups.push(() => ledger.drop(), () => fresh.drop());
    repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: ci\n    database: $CI_DATABASE_URL\n    ledger: $CI_LEDGER_URL\n`);
    repo.commitAll('ci with a ledger of its own');
    const deploy = (url: string) => runGuard(repo.root, { ...env, CI_DATABASE_URL: url, CI_LEDGER_URL: ledger.url }, ['deploy', 'ci']);
    const first = deploy(database.url);
    assert.equal(first.code, 0, first.stderr);
    const second = deploy(fresh.url);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /db\/migrations: 1 migration applied/);
    assert.deepEqual(await queryRows(fresh.url, `SELECT to_regclass('public.users')::text AS t`), [{ t: 'users' }]);
    assert.deepEqual(await rows(`SELECT to_regclass('public.users')::text AS t`), [{ t: 'users' }]);
    assert.deepEqual((await queryRows(ledger.url, 'SELECT status FROM guard.deployments ORDER BY id')).map((row) => row.status), ['succeeded', 'succeeded']);
  });

  it('refuses psql meta-commands and a COMMIT inside a transactional migration, naming the file and line', async () => {
    const { guard } = await project({
      '001_users.sql': 'CREATE TABLE users (id int);\nCOMMIT;\nCREATE TABLE more (id int);\n',
    });
    const refused = guard('deploy', 'staging');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /001_users\.sql line 2: COMMIT inside a migration guard runs in a transaction/);
  });

  it('a COMMIT smuggled past the splitter (a function named begin) is one command too many for PostgreSQL: nothing is committed', async () => {
    const { guard, rows } = await project({
      '001_users.sql': "CREATE TABLE users (id int);\nCREATE FUNCTION begin() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCOMMIT;\nCREATE TABLE more (id int);\n",
    });
    const failed = guard('deploy', 'staging');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /001_users\.sql failed on staging at line 2: cannot insert multiple commands into a prepared statement/);
    assert.deepEqual(await rows(`SELECT to_regclass('public.users') AS t`), [{ t: null }], 'the transaction was rolled back, users included');
  });

  it('an adoption survives a failure of the first migration the runner applies', async () => {
    const { guard, commit, rows } = await project({ '001_users.sql': 'CREATE TABLE users (id int);\n' });
    assert.equal(guard('deploy', 'staging', '--', 'true').code, 0);
    await rows('CREATE TABLE users (id int)');
    commit({ 'db/migrations/002_broken.sql': 'SELECT nope;\n' }, 'broken');
    assert.equal(guard('deploy', 'staging').code, 1);
    commit({ 'db/migrations/002_broken.sql': 'ALTER TABLE users ADD COLUMN email text;\n' }, 'fixed');
    const fixed = guard('deploy', 'staging');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stderr, /db\/migrations: 1 migration applied/, '001 is not applied again');
    assert.deepEqual((await rows('SELECT id, status FROM guard.sql_migrations ORDER BY rank')).map((row) => [row.id, row.status]), [
      ['001', 'recorded'],
      ['002', 'failed'],
      ['002', 'applied'],
    ]);
  });

  it('a command deploy of a plain SQL set to an environment whose ledger is elsewhere records nothing in a runner table it does not have', async () => {
    const { repo, env } = await project({ '001_users.sql': 'CREATE TABLE users (id int);\n' });
    const ledger = await testDatabase();
    cleanups.push(() => ledger.drop());
    repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: ci\n    database: $STAGING_DATABASE_URL\n    ledger: $CI_LEDGER_URL\n`);
    repo.commitAll('ci with a ledger of its own');
    const deployed = runGuard(repo.root, { ...env, CI_LEDGER_URL: ledger.url }, ['deploy', 'ci', '--', 'true']);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual((await queryRows(ledger.url, 'SELECT status FROM guard.deployments')).map((row) => row.status), ['succeeded']);
  });

  it('each migration starts from a fresh session: a role, a temporary table or a setting of one never reaches the next', async () => {
    // Roles belong to the server, not the database: a name of this test's own.
    const role = `app_owner_${process.pid}_${Date.now()}`;
    const { guard, rows } = await project({
      '001_roles.sql': `CREATE ROLE ${role};\nGRANT CREATE ON SCHEMA public TO ${role};\nCREATE TEMP TABLE scratch AS SELECT 1 AS x;\nSET ROLE ${role};\nCREATE TABLE owned (id int);\n`,
      '002_next.sql': 'CREATE TEMP TABLE scratch AS SELECT 2 AS x;\nCREATE TABLE who AS SELECT current_user::text AS who, session_user::text AS session;\n',
    });
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    const [who] = await rows('SELECT who, session FROM who');
    assert.equal(who.who, who.session, '002 runs as the deploy user, not as the role 001 switched to');
    assert.deepEqual(await rows(`SELECT tableowner FROM pg_tables WHERE tablename = 'owned'`), [{ tableowner: role }], "001's SET ROLE did its job");
    await rows(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
  });

  it('runs a symlinked migration as the file its link leads to, and a CRLF file as the LF text the lockfile sealed', async () => {
    const { guard, rows, repo, commit } = await project({ '000_start.sql': 'SELECT 1;\n' });
    repo.write('shared/users.sql', 'CREATE TABLE users (id int, note text);\n');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('../../shared/users.sql', `${repo.root}/db/migrations/001_users.sql`);
    commit({ 'db/migrations/002_note.sql': "INSERT INTO users VALUES (1, 'line1\r\nline2');\r\n" }, 'linked and CRLF');
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual(await rows('SELECT note FROM users'), [{ note: 'line1\nline2' }]);
  });

  it('a deferred constraint that fails at COMMIT fails the migration, recorded with its last statement line', async () => {
    const { guard, rows } = await project({
      '001_tables.sql': 'CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n',
      '002_orphan.sql': 'INSERT INTO child VALUES (1);\nSELECT 1;\n',
    });
    const failed = guard('deploy', 'staging');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /002_orphan\.sql failed on staging at line 2: at COMMIT \(a deferred constraint\?\): insert or update on table "child" violates foreign key constraint/);
    assert.deepEqual((await rows('SELECT id, status FROM guard.sql_migrations ORDER BY rank')).map((row) => [row.id, row.status]), [
      ['001', 'applied'],
      ['002', 'failed'],
    ]);
    assert.deepEqual(await rows('SELECT count(*)::int AS n FROM child'), [{ n: 0 }]);
  });

  it("an error inside a DO block carries PostgreSQL's CONTEXT (where in the block)", async () => {
    const { guard } = await project({ '001_do.sql': "DO $$\nBEGIN\n  PERFORM 1;\n  RAISE EXCEPTION 'stop here';\nEND\n$$;\n" });
    const failed = guard('deploy', 'staging');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /001_do\.sql failed on staging at line 1: stop here \(SQLSTATE P0001\); CONTEXT: PL\/pgSQL function inline_code_block line 4 at RAISE/);
  });

  it('a migration outside a transaction that failed and was then taken out of the lockfile stops nothing', async () => {
    const { guard, commit, repo } = await project({
      '001_users.sql': 'CREATE TABLE users (id int);\n',
      '002_index.sql': '-- guard:no-transaction\nCREATE INDEX CONCURRENTLY users_nope ON users (nope);\n',
    });
    assert.equal(guard('deploy', 'staging').code, 1);
    repo.remove('db/migrations/002_index.sql');
    commit({ 'db/migrations/003_index.sql': '-- guard:no-transaction\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n' }, 'replace 002');
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal(guard('deploy', 'staging', '--check').code, 0);
  });

  it('a guard killed in the middle of a migration leaves no session running it: the server cancels it within seconds', async () => {
    const { env, repo, rows } = await project({
      '001_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n',
    });
    const child = spawn(process.execPath, [GUARD, 'deploy', 'staging'], { cwd: repo.root, env, stdio: 'ignore' });
    const sessions = () => rows(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'guard migrate #%' AND datname = current_database()`);
    const deadline = Date.now() + 20_000;
    while ((await sessions()).length === 0) {
      assert.ok(Date.now() < deadline, 'the runner session started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    const killedAt = Date.now();
    while ((await sessions()).length > 0) {
      assert.ok(Date.now() - killedAt < 10_000, 'the migration session ended within 10 s of guard dying (client_connection_check_interval)');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await rows(`SELECT to_regclass('public.slow') AS t`), [{ t: null }], 'its transaction was rolled back');
  });
});

function prefixed(migrations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(migrations).map(([file, text]) => [`db/migrations/${file}`, text]));
}
