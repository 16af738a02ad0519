import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTargetIntegrity } from '../../../src/core/deploy/check-target-integrity.js';
import type { AppliedState } from '../../../src/core/deploy/types.js';
import type { LockEntry } from '../../../src/core/lockfile/types.js';
import { hex64 } from '../helpers.js';
import { deployOf, lockSet } from './fixtures.js';

// Step 4 with a tool that records its own SHA-256 of each migration it ran (Drizzle's `hash`).
const entries: LockEntry[] = ['1000', '2000', '3000'].map((id, index) => ({ id, file: `000${index}_step.sql`, sha256: hex64(id) }));
const set = lockSet('drizzle', 'drizzle', entries);
const applied = (hashes: Record<string, string>): AppliedState => ({
  tool: 'drizzle',
  heads: [Object.keys(hashes).at(-1)!],
  applied: Object.keys(hashes),
  table: 'drizzle.__drizzle_migrations',
  toolChecksums: Object.entries(hashes).map(([id, sha256]) => ({ id, sha256 })),
});
const codes = (result: { findings: { code: string; severity: string }[] }) => result.findings.map((finding) => `${finding.severity}:${finding.code}`);

describe("checkTargetIntegrity: the tool's own checksums", () => {
  it('hashes that match the lockfile: nothing to report', () => {
    const result = checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: applied({ 1000: hex64('1000'), 2000: hex64('2000') }), lastDeploy: deployOf(lockSet('drizzle', 'drizzle', entries.slice(0, 2)), 'staging') });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.pending.map((entry) => entry.id), ['3000']);
  });

  it('names a migration edited after it ran, even when guard never recorded it running', () => {
    const result = checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: applied({ 1000: hex64('1000'), 2000: hex64('what ran') }) });
    assert.deepEqual(codes(result), ['refuse:applied-edited', 'warn:unrecorded']);
    assert.match(result.findings[0]!.message, /^drizzle\/0001_step\.sql is not what staging ran: drizzle\.__drizzle_migrations records sha256 \w+/);
    assert.equal(result.findings[0]!.file, 'drizzle/0001_step.sql');
  });

  it('a hash of another form of the commit\'s file (CRLF, a byte-order mark) is no edit; only the forms the shell read count', () => {
    const ran = applied({ 1000: hex64('1000'), 2000: hex64('crlf form') });
    const forms = new Map([['drizzle/0001_step.sql', [hex64('lf form'), hex64('crlf form')]]]);
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: ran, digestForms: forms })), ['warn:unrecorded']);
    const otherFile = new Map([['drizzle/0000_step.sql', [hex64('crlf form')]]]);
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: ran, digestForms: otherFile })), ['refuse:applied-edited', 'warn:unrecorded']);
  });

  it("reports an edit once when guard's ledger names it too, and accepts an amendment from what ran", () => {
    const ran = applied({ 1000: hex64('1000'), 2000: hex64('what ran') });
    const ledger = deployOf(lockSet('drizzle', 'drizzle', [entries[0]!, { ...entries[1]!, sha256: hex64('what ran') }]), 'staging');
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: ran, lastDeploy: ledger })), ['refuse:applied-edited']);
    const amendment = { file: 'drizzle/0001_step.sql', from: `sha256:${hex64('what ran')}`, to: `sha256:${hex64('2000')}`, reason: 'comment', by: 'dev@example.com', at: '2026-12-07' };
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [amendment], applied: ran, lastDeploy: ledger })), []);
  });
});
