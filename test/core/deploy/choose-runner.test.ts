import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseMigrationRun, migrationsToAdopt, RUNNER_NAME, runnerFailure } from '../../../src/core/deploy/choose-runner.js';
import { GuardError } from '../../../src/core/guard-error.js';

const sql = { dir: 'db/migrations', tool: 'sql' as const };
const alembic = { dir: 'migrations/versions', tool: 'alembic' as const };

describe('chooseMigrationRun (deploy step 6)', () => {
  it('runs the command after --, its secrets redacted where it is shown', () => {
    const run = chooseMigrationRun({ environment: 'staging', argv: ['psql', 'postgres://app:s3cret@db/app', '-f', 'x.sql'], configured: 'alembic upgrade head', sets: [sql] });
    assert.equal(run.by, 'command');
    assert.deepEqual(run.by === 'command' && run.argv, ['psql', 'postgres://app:s3cret@db/app', '-f', 'x.sql']);
    assert.doesNotMatch(run.shown, /s3cret/);
  });

  it("else the config's deploy.command through sh, else guard's runner for plain SQL sets", () => {
    assert.deepEqual(chooseMigrationRun({ environment: 'staging', argv: [], configured: 'alembic upgrade head', sets: [alembic] }), { by: 'command', argv: ['sh', '-c', 'alembic upgrade head'], shown: 'alembic upgrade head' });
    assert.deepEqual(chooseMigrationRun({ environment: 'staging', argv: [], configured: undefined, sets: [sql, { dir: 'db/other', tool: 'sql' }] }), { by: 'runner', shown: RUNNER_NAME });
  });

  it('refuses (exit 2) a set of another tool with no command, naming it', () => {
    assert.throws(
      () => chooseMigrationRun({ environment: 'staging', argv: [], configured: undefined, sets: [sql, alembic] }),
      (error: unknown) => error instanceof GuardError && error.exitCode === 2 && /no migration command for staging: migrations\/versions \(alembic\) is run by its own tool/.test(error.message),
    );
  });
});

describe('runnerFailure', () => {
  it('says what stays applied: nothing of a transactional migration, the statements before the line of one outside a transaction', () => {
    const inside = runnerFailure('staging', { path: 'db/migrations/003_x.sql', line: 5, message: 'column "emial" does not exist', transactional: true });
    assert.equal(inside.message, 'db/migrations/003_x.sql failed on staging at line 5: column "emial" does not exist');
    assert.match(inside.fix, /its transaction was rolled back, and the migrations before it stay applied and recorded/);
    const outside = runnerFailure('staging', { path: 'db/migrations/004_i.sql', line: 3, message: 'boom', transactional: false });
    assert.match(outside.fix, /the statements before line 3 stay applied; .* guard deploy staging --force --reason/);
  });
});

describe('migrationsToAdopt', () => {
  const entries = [{ id: '001' }, { id: '002' }, { id: '003' }];
  it("adopts what the ledger vouched for, the first time the runner runs a set a command deployed", () => {
    assert.deepEqual(migrationsToAdopt(entries, { applied: ['001', '002'] }), [{ id: '001' }, { id: '002' }]);
  });
  it("adopts nothing once the runner keeps the set, or when nothing was read", () => {
    assert.deepEqual(migrationsToAdopt(entries, { applied: ['001'], appliedContent: [] }), []);
    assert.deepEqual(migrationsToAdopt(entries, undefined), []);
  });
});
