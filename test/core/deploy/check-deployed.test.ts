import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDeployed } from '../../../src/core/deploy/check-deployed.js';
import type { Refusal } from '../../../src/core/deploy/types.js';
import { hex64 } from '../helpers.js';
import { alembicEntries, lockSet, versionEntries } from './fixtures.js';

const set = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']));

describe('checkDeployed', () => {
  it('passes when the tool reports exactly the lockfile heads, in any order', () => {
    assert.deepEqual(checkDeployed({ environment: 'production', lockSet: set, appliedAfter: { tool: 'alembic', heads: ['c3'] } }), { ok: true });
    const two = lockSet('db/versions', 'alembic', [
      { id: 'a1', file: 'a1.py', parents: [], sha256: hex64('a1') },
      { id: 'b2', file: 'b2.py', parents: ['a1'], sha256: hex64('b2') },
      { id: 'c3', file: 'c3.py', parents: ['a1'], sha256: hex64('c3') },
    ], ['b2', 'c3']);
    assert.ok(checkDeployed({ environment: 'production', lockSet: two, appliedAfter: { tool: 'alembic', heads: ['c3', 'b2'] } }).ok);
  });

  it('fails a command that stopped short, naming expected and actual heads', () => {
    const refusal = checkDeployed({ environment: { name: 'production' }, lockSet: set, appliedAfter: { tool: 'alembic', heads: ['b2'] }, command: 'alembic upgrade +1' }) as Refusal;
    assert.equal(refusal.ok, false);
    assert.equal(refusal.code, 'not-at-head');
    assert.equal(refusal.exitCode, 1);
    assert.equal(refusal.message, "after `alembic upgrade +1`, production's alembic_version reports b2 for db/versions, but the lockfile's head is c3 (missing c3; not in the lockfile: b2)");
    assert.match(refusal.fix, /recorded as failed, and `guard deploy production` runs it again/);
  });

  it('names heads that are not in the lockfile and an empty table', () => {
    const sql = lockSet('db/sql', 'sql', versionEntries(['001', '002']));
    const empty = checkDeployed({ environment: 'staging', lockSet: sql, appliedAfter: { tool: 'sql', heads: [], applied: [], table: 'guard.applied_sql' } }) as Refusal;
    assert.equal(empty.message, "after the command, staging's guard.applied_sql reports no head for db/sql, but the lockfile's head is 002 (missing 002)");
    const flyway = lockSet('db/flyway', 'flyway', versionEntries(['1', '2'], 'flyway'));
    const beyond = checkDeployed({ environment: 'staging', lockSet: flyway, appliedAfter: { tool: 'flyway', heads: ['3'] } }) as Refusal;
    assert.match(beyond.message, /staging's flyway_schema_history reports 3 for db\/flyway, but the lockfile's head is 2 \(missing 2; not in the lockfile: 3\)/);
  });
});
