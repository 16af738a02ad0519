import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRunningDeploy } from '../../../src/core/deploy/check-running-deploy.js';
import type { Refusal } from '../../../src/core/deploy/types.js';
import { alembicEntries, deployOf, lockSet, versionEntries } from './fixtures.js';

const set = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2']));
const sql = lockSet('db/sql', 'sql', versionEntries(['001']));
const running = (overrides = {}) => deployOf(set, 'production', { id: 41, status: 'running', finishedAt: null, ...overrides });

describe('checkRunningDeploy', () => {
  it('passes with no running row, and ignores rows of other statuses or environments', () => {
    assert.deepEqual(checkRunningDeploy({ environment: 'production', running: [] }), { ok: true });
    const others = [deployOf(set, 'production'), running({ environment: 'staging' }), running({ status: 'failed' })];
    assert.deepEqual(checkRunningDeploy({ environment: 'production', running: others }), { ok: true });
  });

  it('refuses a crashed deploy: when, by whom, what command, and the fix', () => {
    const decision = checkRunningDeploy({ environment: { name: 'production' }, running: [running()], now: new Date('2026-11-23T13:05:00Z') });
    assert.equal(decision.ok, false);
    const refusal = decision as Refusal;
    assert.equal(refusal.code, 'running-deploy');
    assert.equal(refusal.exitCode, 1);
    assert.equal(
      refusal.message,
      'a deploy of production never finished (killed or crashed), and may have applied part of its migrations:\n' +
        '  started 2026-11-23T10:00:00.000Z (3 h 5 min ago) by ana@ci-7; command: alembic upgrade head; commit abc1234def56; deploying db/versions to b2; ledger row 41',
    );
    assert.equal(
      refusal.fix,
      "check production's database (`guard status production`), then `guard record production` to record the state it is in, or `guard deploy production --force --reason \"...\"` to settle the row and deploy",
    );
  });

  it('shows a command a guard before redaction recorded with its secrets as *** (issue 10, item 3)', () => {
    const decision = checkRunningDeploy({ environment: 'production', running: [running({ command: 'psql postgresql://app:pw@db/app -f m.sql' })] }) as Refusal;
    assert.match(decision.message, /command: psql postgresql:\/\/app:\*\*\*@db\/app -f m\.sql;/);
  });

  it('groups the rows of one deploy (one per set) and lists separate deploys oldest first', () => {
    const first = running({ id: 50, startedAt: '2026-11-24T09:00:00.000Z', command: null, commit: null });
    const rows = [running({ id: 43, migrationSet: sql.dir, heads: ['001'] }), first, running({ id: 42 })];
    const refusal = checkRunningDeploy({ environment: 'production', running: rows }) as Refusal;
    const lines = refusal.message.split('\n');
    assert.match(lines[0]!, /^2 deploys of production never finished .* part of their migrations:$/);
    assert.equal(lines[1], '  started 2026-11-23T10:00:00.000Z by ana@ci-7; command: alembic upgrade head; commit abc1234def56; deploying db/sql to 001, db/versions to b2; ledger rows 43, 42');
    assert.equal(lines[2], '  started 2026-11-24T09:00:00.000Z by ana@ci-7; command: (none recorded); deploying db/versions to b2; ledger row 50');
    assert.match(refusal.fix, /settle the rows and deploy$/);
  });

  it('says how long ago in plain units, and flags clocks that disagree', () => {
    const at = (now: string) => (checkRunningDeploy({ environment: 'production', running: [running()], now: new Date(now) }) as Refusal).message;
    assert.match(at('2026-11-23T10:00:42Z'), /\(42 s ago\)/);
    assert.match(at('2026-11-23T10:30:00Z'), /\(30 min ago\)/);
    assert.match(at('2026-11-23T12:00:00Z'), /\(2 h ago\)/);
    assert.match(at('2026-11-27T10:00:00Z'), /\(4 days ago\)/);
    assert.match(at('2026-11-23T09:00:00Z'), /\(in the future: check the clocks\)/);
  });
});
