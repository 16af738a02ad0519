// cosmetic: allow through the compiled CLI (README, "Cosmetic edits"): the
// parsers load from the bundle, a reformatted sealed migration is committed
// through the hook, and the next deploy of an environment that applied the
// old content goes ahead, recording the new content.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo, alembicRevision } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const CONFIG = `migrations:
  - dir: db/migrations
    tool: sql
protected: main
cosmetic: allow
environments:
  - name: staging
    database: $STAGING_DATABASE_URL
`;

describe('cosmetic: allow, end to end with the compiled CLI', () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A repository and a database for its staging environment, and the compiled CLI run in it. */
  async function project() {
    const database: TestDatabase = await testDatabase();
    const repo = new TempRepo();
    cleanups.push(() => database.drop(), () => repo.dispose());
    const env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: database.url };
    return { database, repo, guard: (...args: string[]): Run => runGuard(repo.root, env, args) };
  }

  it('a reformat of applied SQL migrations passes the hook, and the next deploy records it without running anything', async () => {
    const { database, repo, guard } = await project();
    repo.write('guard.config.yaml', CONFIG);
    repo.write('db/migrations/001_users.sql', "create table users (id int primary key, status text default 'new');\n");
    repo.write('db/migrations/002_seed.sql', "insert into users values (1, 'new');\n");
    assert.equal(guard('lock').code, 0);
    repo.commitAll('migrations');
    const first = guard('deploy', 'staging');
    assert.equal(first.code, 0, first.stderr);

    repo.write('db/migrations/001_users.sql', "-- Users of the shop.\nCREATE TABLE users (\n    id     INT PRIMARY KEY,\n    status TEXT DEFAULT 'new'\n);\n");
    repo.git('add', '-A');
    const hook = guard('hook', 'pre-commit');
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, /cosmetic db\/migrations\/001_users\.sql: only formatting changed \(sealed in HEAD; /);
    repo.git('commit', '-q', '--no-verify', '-m', 'format');

    const second = guard('deploy', 'staging');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stderr, /001_users\.sql changed since staging applied it, in formatting only/);
    const [last] = await queryRows(database.url, "SELECT migrations FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 1");
    const recorded = (last.migrations as { id: string; sha256: string; semantic?: string }[]).find((entry) => entry.id === '001')!;
    assert.match(repo.read('checksums.lock.yaml'), new RegExp(`sha256: ${recorded.sha256}, semantic: ${recorded.semantic}`));
    // Nothing ran again: the seed row is still alone.
    assert.deepEqual(await queryRows(database.url, 'SELECT count(*)::int AS n FROM users'), [{ n: 1 }]);
    // guard's runner keeps the checksum of what it applied: the deploy after still finds that content in history.
    const third = guard('deploy', 'staging');
    assert.equal(third.code, 0, third.stdout + third.stderr);
    assert.match(third.stderr, /001_users\.sql changed since staging applied it, in formatting only/);

    // A change of meaning is refused by the hook, as without the policy.
    repo.write('db/migrations/002_seed.sql', "INSERT INTO users VALUES (1, 'old');\n");
    repo.git('add', '-A');
    const refused = guard('hook', 'pre-commit');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /002_seed\.sql is sealed in HEAD/);
  });

  it('turned on after a deploy: the semantic checksums nobody recorded are read from the deployed commit and this one', async () => {
    const { repo, guard } = await project();
    repo.write('guard.config.yaml', CONFIG.replace('cosmetic: allow\n', ''));
    repo.write('db/migrations/001_users.sql', 'create table users (id int);\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('migrations');
    assert.equal(guard('deploy', 'staging').code, 0);
    assert.doesNotMatch(repo.read('checksums.lock.yaml'), /semantic/);

    // The policy is merged first: the protected ref's config decides whether a sealed file may be reformatted.
    repo.write('guard.config.yaml', CONFIG);
    assert.equal(guard('lock').code, 0);
    repo.commitAll('allow');
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (\n  id INT\n);\n');
    const lock = guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /cosmetic db\/migrations\/001_users\.sql: only formatting changed/);
    repo.commitAll('format');
    // The hook's quick path would have appended this line without one; here the ledger has none either.
    repo.write('checksums.lock.yaml', repo.read('checksums.lock.yaml').replace(/, semantic: [0-9a-f]{64}/, ''));
    repo.commitAll('a line without its semantic checksum');
    const deploy = guard('deploy', 'staging');
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    assert.match(deploy.stderr, /001_users\.sql changed since staging applied it, in formatting only/);

    // Content that means something else is refused, recorded or not.
    // (Locked with nothing sealed: the config stops naming main as protected.)
    repo.write('guard.config.yaml', CONFIG.replace('protected: main\n', ''));
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id BIGINT);\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('edit past the seal');
    const refused = guard('deploy', 'staging', '--check');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /001_users\.sql was edited after staging applied it/);
  });

  it('loads the Python parser from the bundle: a black-style reformat of a sealed Alembic revision is cosmetic, a changed string is not', () => {
    const repo = new TempRepo();
    cleanups.push(() => repo.dispose());
    const guard = (...args: string[]): Run => runGuard(repo.root, { ...process.env, NO_COLOR: '1' }, args);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: versions\n    tool: alembic\nprotected: main\ncosmetic: allow\n');
    repo.write('versions/a1_base.py', alembicRevision('a1', null, "\ndef helper():\n    return op.execute('UPDATE t SET x = 1')\n"));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('base');
    repo.write('versions/a1_base.py', repo.read('versions/a1_base.py').replace(/'/g, '"').replace('def helper():', '# why\ndef helper():'));
    repo.git('add', '-A');
    const hook = guard('hook', 'pre-commit');
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, /cosmetic versions\/a1_base\.py: only formatting changed/);
    repo.git('commit', '-q', '--no-verify', '-m', 'black');
    repo.write('versions/a1_base.py', repo.read('versions/a1_base.py').replace('SET x = 1', 'SET x = 2'));
    repo.git('add', '-A');
    assert.equal(guard('hook', 'pre-commit').code, 1);
  });
});
