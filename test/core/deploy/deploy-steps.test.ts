import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployedStep, driftNotChecked, driftStep, fromDecision, integrityStep, migrationRunStep, parityStep, predecessorStep, repositoryStep, settleStep, type StepOutcome } from '../../../src/core/deploy/deploy-steps.js';
import type { IntegrityFinding } from '../../../src/core/deploy/check-target-integrity.js';
import type { Refusal } from '../../../src/core/deploy/types.js';
import type { SchemaDifference } from '../../../src/core/drift/diff-schemas.js';

const rule: Refusal = { ok: false, code: 'predecessor-mismatch', exitCode: 1, message: 'staging is behind', fix: 'deploy staging first' };
const unreadable: Refusal = { ok: false, code: 'predecessor-unread', exitCode: 3, message: 'cannot read staging', fix: 'set STAGING_DATABASE_URL' };
const index: SchemaDifference = { change: 'added', kind: 'index', name: 'public.users_email_idx', attributes: {} };

describe('settleStep: every step through one --force policy', () => {
  it('a pass prints its line and its warnings, and goes on', () => {
    assert.deepEqual(settleStep({ verdict: 'pass', detail: 'fine', warnings: ['w'] }, undefined), { line: { ok: true, detail: 'fine' }, warnings: ['w'] });
    assert.deepEqual(settleStep({ verdict: 'pass' }, undefined), { warnings: [] });
  });

  it("a refusal stops the deploy without --force, and with it becomes a warning naming the reason", () => {
    const outcome: StepOutcome = { verdict: 'refuse', refusal: rule, overridable: true };
    assert.deepEqual(settleStep(outcome, undefined), { line: { ok: false, detail: 'staging is behind' }, warnings: [], stop: rule });
    assert.deepEqual(settleStep(outcome, { reason: 'hotfix INC-7' }), { line: { ok: false, detail: 'staging is behind' }, warnings: ['--force: staging is behind (overridden: hotfix INC-7)'] });
  });

  it('--force never overrides what could not be read, nor a step that ran the migrations', () => {
    assert.deepEqual(settleStep({ verdict: 'refuse', refusal: unreadable, overridable: true }, { reason: 'r' }).stop, unreadable);
    const ran = migrationRunStep('staging', { by: 'command', shown: 'alembic upgrade head', exit: 2 });
    assert.equal(settleStep(ran, { reason: 'r' }).stop?.code, 'migration-failed');
  });
});

describe('the steps as decisions', () => {
  it('step 1 names the commit and each set at its heads, or refuses with verify\'s finding', () => {
    const sets = [{ dir: 'db/migrations', heads: ['002'] }, { dir: 'other', heads: [] }];
    assert.deepEqual(repositoryStep({ findings: [], uncommitted: [], commit: '0123456789abcdef', sets }), { verdict: 'pass', detail: '0123456789ab: db/migrations at 002; other at nothing' });
    const refused = repositoryStep({ findings: [], uncommitted: ['db/migrations/003_x.sql'], commit: '0123456789abcdef', sets });
    assert.equal(refused.verdict, 'refuse');
  });

  it('step 2: the first environment passes; an unread predecessor refuses with the break-glass in the fix, or goes on NOT CHECKED under --unchecked-predecessor', () => {
    const first = predecessorStep({ environment: 'dev', predecessor: undefined, decision: undefined, uncheckedPredecessor: { reason: 'r' } });
    assert.deepEqual(first, { verdict: 'pass', detail: 'dev is the first environment with a database: nothing before it to check', warnings: ['--unchecked-predecessor was not needed: dev has no predecessor'] });
    const refused = predecessorStep({ environment: 'production', predecessor: 'staging', decision: unreadable });
    assert.equal(refused.verdict, 'refuse');
    assert.match(refused.verdict === 'refuse' ? refused.refusal.fix : '', /^set STAGING_DATABASE_URL; .*--unchecked-predecessor --reason/);
    const unchecked = predecessorStep({ environment: 'production', predecessor: 'staging', decision: unreadable, uncheckedPredecessor: { reason: 'staging is down' } });
    assert.equal(unchecked.verdict, 'unchecked');
    assert.deepEqual(settleStep(unchecked, undefined).unchecked, 'staging: cannot read staging');
    // A rule's refusal is not what --unchecked-predecessor is for.
    assert.deepEqual(predecessorStep({ environment: 'production', predecessor: 'staging', decision: rule, uncheckedPredecessor: { reason: 'r' } }), { verdict: 'refuse', refusal: rule, overridable: true });
  });

  it('step 4: warnings go on, refusals name every finding with the first fix', () => {
    const findings: IntegrityFinding[] = [
      { code: 'ledger-disagrees', severity: 'warn', set: 'db', message: 'the ledger disagrees', fix: 'guard record staging' },
      { code: 'applied-edited', severity: 'refuse', set: 'db', message: '001 changed', fix: 'guard amend' },
      { code: 'applied-edited', severity: 'refuse', set: 'db', message: '002 changed', fix: 'other fix' },
    ];
    const outcome = integrityStep('staging', findings);
    assert.equal(outcome.verdict, 'refuse');
    assert.deepEqual(outcome.verdict === 'refuse' && { message: outcome.refusal.message, fix: outcome.refusal.fix, warnings: outcome.warnings }, { message: '001 changed; 002 changed', fix: 'guard amend', warnings: ['the ledger disagrees (guard record staging)'] });
    assert.deepEqual(integrityStep('staging', [findings[0]!]), { verdict: 'pass', detail: "staging has applied a prefix of the lockfile's chain", warnings: ['the ledger disagrees (guard record staging)'] });
  });

  it('step 5: not read under ignore or for an ephemeral database; the policy decides a difference', () => {
    assert.match(driftNotChecked('ci', 'warn', true) ?? '', /taken as ephemeral/);
    assert.equal(driftNotChecked('prod', 'ignore', false), 'not checked (drift: ignore for prod)');
    assert.equal(driftNotChecked('prod', 'refuse', false), undefined);
    const reading = { differences: [index], against: 'its last deploy', note: undefined, fingerprint: 'a'.repeat(64) };
    assert.equal(driftStep('prod', 'refuse', reading).verdict, 'refuse');
    const warned = driftStep('prod', 'warn', reading);
    assert.equal(warned.verdict === 'pass' && warned.warnings?.length, 1);
    assert.deepEqual(driftStep('prod', 'refuse', { ...reading, differences: undefined, note: 'no deploy yet' }), { verdict: 'pass', detail: 'no deploy yet' });
  });

  it('step 6 and 7: a failed run or a database short of the heads stops a deploy that ran', () => {
    const failed = migrationRunStep('staging', { by: 'runner', failure: { path: 'db/002.sql', line: 3, message: 'syntax error', transactional: true }, applied: [] });
    assert.deepEqual(failed.verdict === 'refuse' && [failed.detail, failed.overridable, failed.refusal.code], ['db/002.sql line 3: syntax error', false, 'migration-failed']);
    assert.deepEqual(migrationRunStep('staging', { by: 'runner', applied: [{ dir: 'db', count: 1 }, { dir: 'other', count: 2 }] }), { verdict: 'pass', detail: "guard's SQL runner: db: 1 migration applied; other: 2 migrations applied" });
    const short: Refusal = { ok: false, code: 'not-at-head', exitCode: 1, message: 'staging reports 001', fix: 'look' };
    assert.deepEqual(deployedStep({ environment: 'staging', decisions: [{ ok: true }, short], heads: [['002']], recordedIn: "staging's ledger", fingerprint: null }), { verdict: 'refuse', refusal: short, overridable: false });
    assert.deepEqual(deployedStep({ environment: 'staging', decisions: [{ ok: true }], heads: [['002', '003']], recordedIn: "staging's ledger", fingerprint: null }), { verdict: 'pass', detail: "staging is at 002, 003; recorded in staging's ledger" });
  });

  it('parity: what cannot be read after the deploy warns; a difference is judged under the policy', () => {
    const facts = { environment: 'production', predecessor: 'staging', policy: 'refuse' as const };
    assert.deepEqual(parityStep({ ...facts, reading: { kind: 'unreadable', message: 'connection refused' } }), { verdict: 'pass', warnings: ['parity not checked: connection refused'] });
    assert.deepEqual(parityStep({ ...facts, reading: { kind: 'same-fingerprint' } }), { verdict: 'pass', detail: "production's schema matches staging's at the same chain" });
    const refused = parityStep({ ...facts, reading: { kind: 'compared', differences: [index] } });
    assert.equal(refused.verdict === 'refuse' && refused.refusal.code, 'schema-parity');
  });

  it('fromDecision: a passing decision prints the detail given, a refusal may be forced unless told otherwise', () => {
    assert.deepEqual(fromDecision({ ok: true }), { verdict: 'pass' });
    assert.deepEqual(fromDecision(rule, 'x', false), { verdict: 'refuse', refusal: rule, overridable: false });
  });
});
