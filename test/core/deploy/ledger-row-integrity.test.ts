import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPredecessor } from '../../../src/core/deploy/check-predecessor.js';
import { checkLedgerRows, ledgerRowProblem } from '../../../src/core/deploy/ledger-row-integrity.js';
import { checkTargetIntegrity } from '../../../src/core/deploy/check-target-integrity.js';
import type { LedgerDeploy, Refusal } from '../../../src/core/deploy/types.js';
import { hex64 } from '../helpers.js';
import { alembicEntries, deployOf, lockSet, versionEntries } from './fixtures.js';

const three = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']));
const edited = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']).map((entry) => (entry.id === 'b2' ? { ...entry, sha256: hex64('b2-edited') } : entry)));
const sql = lockSet('db/sql', 'sql', versionEntries(['001', '002']));

/** A row as guard before this change wrote it: id, file and sha256 only. */
const bare = (row: LedgerDeploy): LedgerDeploy => ({ ...row, migrations: row.migrations.map(({ id, file, sha256 }) => ({ id, file, sha256 })) });

describe('ledgerRowProblem: a ledger row vouches for itself (issue 10, item 6)', () => {
  it('trusts a row whose migrations produce its chain, with every field kept, or written by an older guard', () => {
    assert.equal(ledgerRowProblem(deployOf(three, 'staging')), undefined);
    assert.equal(ledgerRowProblem(deployOf(sql, 'staging')), undefined);
    assert.equal(ledgerRowProblem(bare(deployOf(three, 'staging')), three), undefined, "an older row's parents come from the lockfile");
    assert.equal(ledgerRowProblem(bare(deployOf(sql, 'staging')), sql), undefined);
    assert.equal(ledgerRowProblem(bare(deployOf(three, 'staging')), edited), undefined, 'an older row of content since edited is still consistent: step 4 then names the edit');
  });

  it('refuses a row whose checksum was rewritten to hide an edit, naming the row', () => {
    const forged = deployOf(three, 'production', { id: 41, migrations: edited.migrations.map((entry) => ({ ...entry })) });
    const problem = ledgerRowProblem(forged, edited);
    assert.match(problem ?? '', /^ledger row #41 \(production, db\/versions, succeeded .* by ana@ci-7\) does not vouch for itself: its 3 migrations give chain [0-9a-f]{12}, but its chain column says [0-9a-f]{12}$/);
    assert.match(ledgerRowProblem(bare(forged), edited) ?? '', /does not vouch for itself/, 'the same in the older format');
  });

  it('refuses a chain rewritten alone, a row copied from another set, and a row that is not a list of entries', () => {
    assert.ok(ledgerRowProblem(deployOf(three, 'staging', { chain: edited.chain })));
    assert.ok(ledgerRowProblem(deployOf(three, 'staging', { tool: 'sql' })));
    assert.match(ledgerRowProblem(deployOf(three, 'staging', { migrations: 'nothing' as never })) ?? '', /does not list its migrations/);
    assert.match(ledgerRowProblem(deployOf(three, 'staging', { migrations: [{ id: 'a1', file: 'a1_rev.py', sha256: hex64('a1'), parents: 'x' }] as never })) ?? '', /does not list its migrations/);
  });

  it('does not trust an older row naming a migration the lockfile lacks: its chain cannot be recomputed', () => {
    const other = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'x9']));
    assert.match(ledgerRowProblem(bare(deployOf(other, 'staging')), three) ?? '', /written by an older guard .* names x9, which this lockfile lacks/);
    assert.equal(ledgerRowProblem(deployOf(other, 'staging'), three), undefined, 'a row with every field is checked on its own');
  });
});

describe('the gate refuses rows that do not vouch for themselves, with exit 3', () => {
  it('predecessor check: a chain rewritten to pass is refused, not passed', () => {
    // Before: staging's chain column alone was compared, so this passed.
    const forged = deployOf(three, 'staging', { id: 12, migrations: three.migrations.slice(0, 2).map((entry) => ({ ...entry })), heads: ['c3'] });
    const decision = checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [three], predecessorDeploys: new Map([[three.dir, forged]]) });
    assert.equal(decision.ok, false);
    const refusal = decision as Refusal;
    assert.equal(refusal.code, 'ledger-untrusted');
    assert.equal(refusal.exitCode, 3);
    assert.match(refusal.message, /^production follows staging in the chain, and staging's ledger cannot be trusted: a row of guard.deployments was changed after guard wrote it, or is corrupt:\n {2}ledger row #12 /);
    assert.match(refusal.fix, /guard record staging/);
  });

  it('step 4: a checksum rewritten to hide an edit after the target applied it is refused before integrity is judged', () => {
    const forged = deployOf(three, 'production', { migrations: edited.migrations.map((entry) => ({ ...entry })) });
    // The forgery fools the integrity check on its own: no applied-edited finding.
    const integrity = checkTargetIntegrity({ environment: 'production', lockSet: edited, amendments: [], lastDeploy: forged, applied: { tool: 'alembic', heads: ['c3'] } });
    assert.deepEqual(integrity.findings, []);
    const decision = checkLedgerRows({ environment: 'production', rows: [{ row: forged, lockSet: edited }, { row: undefined, lockSet: sql }] });
    assert.equal(decision.ok, false);
    assert.equal((decision as Refusal).exitCode, 3);
    assert.equal((decision as Refusal).code, 'ledger-untrusted');
    assert.deepEqual(checkLedgerRows({ environment: 'production', rows: [{ row: deployOf(three, 'production'), lockSet: edited }] }), { ok: true });
  });
});
