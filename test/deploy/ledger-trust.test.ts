import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * Issue 10, items 3, 6 and 7 (second bullet), through the compiled CLI on a
 * real PostgreSQL: no secret of the command line in any output or in the
 * ledger; a ledger row whose migrations do not produce its chain is never
 * trusted; a predecessor that cannot be read has an audited way out.
 */
describe('the deploy gate trusts only what it can vouch for', () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;
  let unreadableStaging: string;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const guardWith = (extra: NodeJS.ProcessEnv, ...args: string[]): Run => runGuard(repo.root, { ...env, ...extra }, args);
  const query = (environment: string, sql: string) => queryRows(databases[environment]!.url, sql);

  before(async () => {
    for (const name of ['staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    const closed = new URL(databases.staging!.url);
    closed.port = '1';
    unreadableStaging = closed.toString();
    repo = new TempRepo();
    repo.write(
      'guard.config.yaml',
      'migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n',
    );
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('001');
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it('item 3: the command line is redacted in every output and in guard.deployments.command', async () => {
    const token = `ghp_${'aB3dE5fG7h'.repeat(4).slice(0, 36)}`;
    const secrets = ['pw-s3cret', 'hunter2hunter', token];
    const command = ['true', 'postgresql://app:pw-s3cret@db.example/app', 'PGPASSWORD=hunter2hunter', `--header=Authorization: token ${token}`];
    const text = guard('deploy', 'staging', '--', ...command);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /6\. command: true postgresql:\/\/app:\*\*\*@db\.example\/app PGPASSWORD=\*\*\* /);
    const json = guard('deploy', 'staging', '--format', 'json', '--', ...command);
    assert.equal(json.code, 0, json.stderr);
    const rows = await query('staging', 'SELECT command FROM guard.deployments ORDER BY id');
    assert.equal(rows.length, 2);
    // Before: the password and the token were printed at step 6 and stored verbatim.
    for (const secret of secrets) {
      for (const [where, output] of [['text output', text.stdout + text.stderr], ['json output', json.stdout + json.stderr], ['ledger', JSON.stringify(rows)]] as const) {
        assert.ok(!output.includes(secret), `${secret} in the ${where}: ${output}`);
      }
    }
  });

  it('item 6: a checksum rewritten in the ledger to hide an edit is refused (exit 3), at step 4, at the predecessor check and in status', async () => {
    assert.equal(guard('deploy', 'production', '--', 'true').code, 0);
    // Someone edits 001 after staging and production applied it, relocks, and rewrites staging's recorded checksum to match.
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id bigint);\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('edit 001 after deploying it');
    const honest = guard('deploy', 'staging', '--check');
    assert.equal(honest.code, 1, `without the forgery, step 4 names the edit:\n${honest.stderr}`);
    assert.match(honest.stderr, /001_users\.sql was edited after staging applied it/);
    const edited = /sha256: ([0-9a-f]{64})/.exec(repo.read('checksums.lock.yaml'))![1]!;
    const [{ id, original }] = await query('staging', "SELECT id::int, migrations->0->>'sha256' AS original FROM guard.deployments WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1");
    await query('staging', `UPDATE guard.deployments SET migrations = jsonb_set(migrations, '{0,sha256}', '"${edited}"') WHERE id = ${id}`);

    // Before: exit 0, the edit unseen.
    const step4 = guard('deploy', 'staging', '--check', '--force', '--reason', 'forced past it');
    assert.equal(step4.code, 3, step4.stderr);
    assert.match(step4.stderr, new RegExp(`4\\. integrity: staging's ledger cannot be trusted: a row of guard\\.deployments was changed after guard wrote it, or is corrupt:\\n {2}ledger row #${id} \\(staging, db/migrations, succeeded .*\\) does not vouch for itself: its 1 migration gives chain`));
    assert.match(step4.stderr, /guard record staging/);

    // Production's predecessor check reads the same row: the edited commit must not pass on it.
    const predecessor = guard('deploy', 'production', '--check');
    assert.equal(predecessor.code, 3, predecessor.stderr);
    assert.match(predecessor.stderr, /production follows staging in the chain, and staging's ledger cannot be trusted/);

    const status = guard('status', 'staging');
    assert.equal(status.code, 3, status.stdout + status.stderr);
    assert.match(status.stdout, /^staging\s+db\/migrations\s+001\s+UNTRUSTED ledger row/m);
    assert.match(status.stderr, new RegExp(`untrusted ledger row #${id} `));

    await query('staging', `UPDATE guard.deployments SET migrations = jsonb_set(migrations, '{0,sha256}', '"${original}"') WHERE id = ${id}`);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.equal(guard('status', 'staging').code, 0, 'the row restored, it vouches for itself again');
  });

  it('item 7: an unreadable predecessor refuses (exit 3) even with --force, says how to proceed, and --unchecked-predecessor is recorded and shown until it is readable again', async () => {
    repo.write('db/migrations/002_orders.sql', 'CREATE TABLE orders (id int);\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('002');
    const down = { STAGING_DATABASE_URL: unreadableStaging };
    const password = new URL(databases.staging!.url).password;

    const refused = guardWith(down, 'deploy', 'production', '--', 'true');
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /cannot connect to postgres:\/\/[^:]+:\*\*\*@127\.0\.0\.1:1\//);
    assert.match(refused.stderr, /guard deploy production --unchecked-predecessor --reason "\.\.\."/);
    // Before: --force still exited 3, and nothing said how to proceed.
    const forced = guardWith(down, 'deploy', 'production', '--force', '--reason', 'staging is down', '--', 'true');
    assert.equal(forced.code, 3, forced.stderr);
    assert.match(forced.stderr, /--unchecked-predecessor/);
    assert.equal(guardWith(down, 'deploy', 'production', '--unchecked-predecessor', '--', 'true').code, 2, 'a reason is required');

    const broken = guardWith(down, 'deploy', 'production', '--unchecked-predecessor', '--reason', 'staging is down; hotfix INC-42 passed review', '--', 'true');
    assert.equal(broken.code, 0, broken.stderr);
    assert.match(broken.stderr, /2\. predecessor: NOT CHECKED \(--unchecked-predecessor: staging is down; hotfix INC-42 passed review\): .*cannot connect to/);
    assert.match(broken.stderr, /warning --unchecked-predecessor: production is deployed WITHOUT checking that staging applied this head with this chain/);
    const [row] = await query('production', 'SELECT id::int, status, forced, reason, actor, unchecked_predecessor FROM guard.deployments ORDER BY id DESC LIMIT 1');
    assert.equal(row.status, 'succeeded');
    assert.equal(row.forced, false);
    assert.equal(row.reason, 'staging is down; hotfix INC-42 passed review');
    assert.equal(row.actor, 'test@example.com');
    assert.match(row.unchecked_predecessor, /^staging: .*cannot connect to postgres:\/\/[^:]+:\*\*\*@127\.0\.0\.1:1\//);
    assert.ok(!JSON.stringify(row).includes(password) && !broken.stderr.includes(password));

    // Shown while staging cannot be read...
    const whileDown = guardWith(down, 'status');
    assert.match(whileDown.stdout, /^production\s+db\/migrations\s+002\s+= HEAD\s+succeeded \(UNCHECKED staging\)/m);
    assert.match(whileDown.stderr, new RegExp(`unchecked production's deploy #${row.id} of db/migrations .* went ahead without checking staging \\(--unchecked-predecessor, reason: "staging is down; hotfix INC-42 passed review"\\); not checked: staging: .*; now: staging still cannot be read`));
    // ...and loudly when staging is readable but has not applied what production received...
    const differs = guard('status', '--format', 'json');
    const unchecked = JSON.parse(differs.stdout).environments[1].sets[0].uncheckedPredecessor;
    assert.equal(unchecked.state, 'differs');
    assert.match(unchecked.note, /staging is readable now and has chain [0-9a-f]{12}, not production's [0-9a-f]{12}/);
    // ...until staging has the same chain.
    assert.equal(guard('deploy', 'staging', '--', 'true').code, 0);
    const confirmed = guard('status');
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.doesNotMatch(confirmed.stdout + confirmed.stderr, /UNCHECKED|unchecked/);
    assert.equal(JSON.parse(guard('status', '--format', 'json').stdout).environments[1].sets[0].uncheckedPredecessor.state, 'confirmed');
  });
});
