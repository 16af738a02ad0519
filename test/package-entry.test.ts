// The package entry as a user imports it: `import ... from 'migration-guard'`
// (package.json "exports", resolved by Node's self-reference to dist/index.js),
// used end to end on a real repository and PostgreSQL.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from './helpers/git-repo.js';
import { queryRows } from './helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from './helpers/postgres.js';

type Api = typeof import('../src/index.js');
/** A variable, so that the import goes through Node's resolution of the package name, not TypeScript's paths. */
const PACKAGE = 'migration-guard';

describe("the package entry ('migration-guard')", () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('exports every command as a function returning its typed result', async () => {
    const api = (await import(PACKAGE)) as Api;
    for (const name of ['lockRepository', 'verifyRepository', 'initRepository', 'diagnoseRepository', 'preCommit', 'prePush', 'preReceive', 'deployEnvironment', 'recordEnvironment', 'environmentStatus', 'schemaDrift', 'mergeLockfileSides', 'parseLockfile', 'serializeLockfile', 'contentChecksum', 'chainDigest'] as const) {
      assert.equal(typeof api[name], 'function', name);
    }
    assert.equal(api.ExitCode.lockTimeout, 4);
  });

  it('locks, verifies, deploys with the SQL runner, reads the status and the drift, as the CLI would', async () => {
    const api = (await import(PACKAGE)) as Api;
    const database: TestDatabase = await testDatabase();
    const repo = new TempRepo();
    cleanups.push(() => database.drop(), () => repo.dispose());
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n');
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int PRIMARY KEY);\n');
    repo.write('db/migrations/002_email.sql', 'ALTER TABLE users ADD COLUMN email text;\n');
    const env = { ...process.env, STAGING_DATABASE_URL: database.url };

    const locked = await api.lockRepository({ cwd: repo.root });
    assert.equal(locked.exitCode, 0);
    repo.commitAll('migrations');
    const verified = await api.verifyRepository({ cwd: repo.root, source: { kind: 'revision', rev: 'HEAD' } });
    assert.equal(verified.ok, true, JSON.stringify(verified.findings));

    const steps: number[] = [];
    const deployed = await api.deployEnvironment({ cwd: repo.root, environment: 'staging', env, lockWaitMs: 10_000, commandStdout: 'inherit', progress: (step) => steps.push(step.step) });
    assert.equal(deployed.ok, true, JSON.stringify(deployed.refusal));
    assert.equal(deployed.plan?.by, 'runner');
    assert.deepEqual(deployed.plan?.sets[0]?.pending.map((entry) => entry.file), ['001_users.sql', '002_email.sql']);
    assert.deepEqual([...new Set(steps)], [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(await queryRows(database.url, `SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position`), [{ column_name: 'id' }, { column_name: 'email' }]);

    const status = await api.environmentStatus({ cwd: repo.root, environments: [], env });
    assert.equal(status.environments[0]?.promotion.state, 'current');
    const drift = await api.schemaDrift({ cwd: repo.root, environment: 'staging', env });
    assert.deepEqual(drift.differences, []);

    await assert.rejects(
      api.deployEnvironment({ cwd: repo.root, environment: 'prod', env, lockWaitMs: 0, commandStdout: 'inherit' }),
      (error: unknown) => error instanceof api.GuardError && error.exitCode === api.ExitCode.input && /prod/.test(error.message),
    );
  });
});
