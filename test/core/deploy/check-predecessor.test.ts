import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPredecessor } from '../../../src/core/deploy/check-predecessor.js';
import type { Decision, LedgerDeploy, Refusal } from '../../../src/core/deploy/types.js';
import { hex64 } from '../helpers.js';
import { alembicEntries, deployOf, lockSet, versionEntries } from './fixtures.js';

const three = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']));
const two = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2']));
const four = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3', 'd4']));
const sql = lockSet('db/sql', 'sql', versionEntries(['001', '002']));

function refused(decision: Decision): Refusal {
  assert.equal(decision.ok, false, 'expected a refusal');
  return decision as Refusal;
}

const deploys = (entries: Array<[string, LedgerDeploy | undefined]>) => new Map(entries);

describe('checkPredecessor', () => {
  it('passes the first environment in the chain: no predecessor', () => {
    assert.deepEqual(checkPredecessor({ environment: 'ci', lockSets: [three], predecessorDeploys: new Map() }), { ok: true });
  });

  it('passes when the predecessor applied exactly these heads with this chain, for every set', () => {
    const decision = checkPredecessor({
      environment: { name: 'production' },
      predecessor: { name: 'staging' },
      lockSets: [three, sql],
      predecessorDeploys: deploys([
        [three.dir, deployOf(three, 'staging')],
        [sql.dir, deployOf(sql, 'staging', { status: 'recorded' })],
      ]),
    });
    assert.deepEqual(decision, { ok: true });
    for (const status of ['succeeded', 'recorded'] as const) {
      assert.ok(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [three], predecessorDeploys: deploys([[three.dir, deployOf(three, 'staging', { status })]]) }).ok, status);
    }
  });

  it('heads in another order are the same heads', () => {
    const branches = lockSet('db/versions', 'alembic', [
      { id: 'a1', file: 'a1.py', parents: [], sha256: hex64('a1') },
      { id: 'b2', file: 'b2.py', parents: ['a1'], sha256: hex64('b2') },
      { id: 'c3', file: 'c3.py', parents: ['a1'], sha256: hex64('c3') },
    ], ['b2', 'c3']);
    const decision = checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [branches], predecessorDeploys: deploys([[branches.dir, deployOf(branches, 'staging', { heads: ['c3', 'b2'] })]]) });
    assert.ok(decision.ok);
  });

  it('refuses when the predecessor has nothing deployed yet', () => {
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [three], predecessorDeploys: deploys([[three.dir, undefined]]) }));
    assert.equal(refusal.code, 'predecessor-mismatch');
    assert.equal(refusal.exitCode, 1);
    assert.match(refusal.message, /^production receives only what staging has applied, with the same chain digest, and staging has not applied this:\n/);
    assert.match(refusal.message, new RegExp(`db/versions: staging has nothing deployed yet; this commit brings c3 \\(chain ${three.chain.slice(7, 19)}\\)`));
    assert.equal(refusal.fix, 'deploy to staging first: `guard deploy staging`; or to deploy anyway, `guard deploy production --force --reason "..."` (the override is recorded in the ledger)');
  });

  it('a failed or running last deploy is not an applied one', () => {
    for (const status of ['failed', 'running'] as const) {
      const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [three], predecessorDeploys: deploys([[three.dir, deployOf(three, 'staging', { status })]]) }));
      assert.match(refusal.message, new RegExp(`staging has no successful deploy on record \\(its last, 2026-11-23T10:00:00.000Z by ana@ci-7, is ${status}\\)`));
      assert.match(refusal.fix, /^deploy to staging first/);
    }
  });

  it('refuses a predecessor that is behind, naming what it lacks', () => {
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [four], predecessorDeploys: deploys([[four.dir, deployOf(two, 'staging')]]) }));
    assert.match(refusal.message, /db\/versions: staging has b2 \(chain [0-9a-f]{12}, succeeded 2026-11-23T10:01:00\.000Z by ana@ci-7, commit abc1234def56\); this commit brings d4 \(chain [0-9a-f]{12}\): staging lacks 2 migrations \(c3, d4\)/);
    assert.ok(refusal.message.includes(two.chain.slice(7, 19)) && refusal.message.includes(four.chain.slice(7, 19)));
  });

  it('refuses a predecessor that is ahead, pointing at the commit it has', () => {
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [two], predecessorDeploys: deploys([[two.dir, deployOf(four, 'staging')]]) }));
    assert.match(refusal.message, /staging is ahead of this commit by 2 migrations \(c3, d4\)/);
    assert.equal(refusal.fix, 'deploy the commit staging has (abc1234def56) to production; or to deploy anyway, `guard deploy production --force --reason "..."` (the override is recorded in the ledger)');
    const noCommit = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [two], predecessorDeploys: deploys([[two.dir, deployOf(four, 'staging', { commit: null })]]) }));
    assert.match(noCommit.fix, /^deploy the commit staging has to production; or/);
  });

  it('refuses the same heads with another chain, naming the migration edited after the predecessor applied it', () => {
    const edited = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']).map((entry) => (entry.id === 'b2' ? { ...entry, sha256: hex64('b2-edited') } : entry)));
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [edited], predecessorDeploys: deploys([[edited.dir, deployOf(three, 'staging')]]) }));
    assert.match(refusal.message, /staging has c3 \(chain [0-9a-f]{12},.*this commit brings c3 \(chain [0-9a-f]{12}\): db\/versions\/b2_rev\.py differs: staging applied sha256 [0-9a-f]{12}, this commit has [0-9a-f]{12} \(edited after staging applied it\?\)/);
  });

  it('names a fork: histories that part', () => {
    const other = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'x9']));
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [two], predecessorDeploys: deploys([[two.dir, deployOf(other, 'staging')]]) }));
    assert.match(refusal.message, /the histories part at migration 2: staging applied x9, this commit has b2 there \(deployed from another branch\?\)/);
  });

  it('names a renamed file and, failing all else, fields the ledger does not keep', () => {
    const renamed = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2']).map((entry) => (entry.id === 'b2' ? { ...entry, file: 'b2_new_name.py' } : entry)));
    const rename = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [renamed], predecessorDeploys: deploys([[renamed.dir, deployOf(two, 'staging')]]) }));
    assert.match(rename.message, /db\/versions\/b2_rev\.py was renamed to db\/versions\/b2_new_name\.py after staging applied it/);
    const withDown = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2']).map((entry) => (entry.id === 'b2' ? { ...entry, down: 'b2.down.sql', down_sha256: hex64('d') } : entry)));
    const down = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [withDown], predecessorDeploys: deploys([[withDown.dir, deployOf(two, 'staging')]]) }));
    assert.match(down.message, /the same migrations, but the chains differ in what the ledger does not list/);
  });

  it('lists every set that differs, one line each, and passes none silently', () => {
    const refusal = refused(checkPredecessor({
      environment: 'production',
      predecessor: 'staging',
      lockSets: [four, sql],
      predecessorDeploys: deploys([[four.dir, deployOf(three, 'staging')], [sql.dir, undefined]]),
    }));
    const lines = refusal.message.split('\n').slice(1);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^ {2}db\/versions: .*staging lacks 1 migration \(d4\)$/);
    assert.match(lines[1]!, /^ {2}db\/sql: staging has nothing deployed yet/);
  });

  it('refuses with exit 3 when a set of the predecessor was not read (fail closed)', () => {
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [three, sql], predecessorDeploys: deploys([[three.dir, deployOf(three, 'staging')]]) }));
    assert.equal(refusal.code, 'predecessor-unread');
    assert.equal(refusal.exitCode, 3);
    assert.match(refusal.message, /db\/sql: staging's ledger was not read for this set/);
    assert.match(refusal.fix, /never treats "could not check" as "passed"/);
  });

  it('refuses a predecessor whose database moved away from its ledger', () => {
    const refusal = refused(checkPredecessor({
      environment: 'production',
      predecessor: 'staging',
      lockSets: [three],
      predecessorDeploys: deploys([[three.dir, deployOf(three, 'staging')]]),
      predecessorApplied: new Map([[three.dir, { tool: 'alembic' as const, heads: ['b2'] }]]),
    }));
    assert.match(refusal.message, /db\/versions: staging's ledger records c3 \(chain [0-9a-f]{12}\), but its alembic_version is at b2: its database changed outside guard/);
    assert.match(refusal.fix, /^deploy to staging first: `guard deploy staging`/);
    const agreeing = checkPredecessor({
      environment: 'production',
      predecessor: 'staging',
      lockSets: [three],
      predecessorDeploys: deploys([[three.dir, deployOf(three, 'staging')]]),
      predecessorApplied: new Map([[three.dir, { tool: 'alembic' as const, heads: ['c3'] }]]),
    });
    assert.ok(agreeing.ok);
  });

  it('shortens long lists of migrations', () => {
    const ids = Array.from({ length: 9 }, (_, i) => `r${i}`);
    const long = lockSet('db/sql', 'sql', versionEntries(ids));
    const refusal = refused(checkPredecessor({ environment: 'production', predecessor: 'staging', lockSets: [long], predecessorDeploys: deploys([[long.dir, deployOf(lockSet('db/sql', 'sql', versionEntries(['r0'])), 'staging')]]) }));
    assert.match(refusal.message, /staging lacks 8 migrations \(r1, r2, r3, r4, r5, \.\.\. 3 more\)/);
  });
});
