import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SchemaDifference } from '../../../src/core/drift/diff-schemas.js';
import { SHOWN_DIFFERENCES, judgeDrift, type DriftComparison } from '../../../src/core/drift/judge-drift.js';
import { changedColumn } from './fixtures.js';

const against = 'the schema recorded at its last deploy (#12, 2026-11-20 10:00 UTC, commit 1a2b3c4d5e6f)';
const wording = { added: 'added since the last deploy, not by a migration', removed: 'dropped since the last deploy, not by a migration' };
const index: SchemaDifference = { change: 'added', kind: 'index', name: 'public.orders_created_idx', attributes: { definition: 'CREATE INDEX ...' } };
const total = changedColumn(1);

const comparison = (fields: Partial<DriftComparison> = {}): DriftComparison => ({
  check: 'drift',
  environment: 'production',
  policy: 'refuse',
  against,
  differences: [total, index],
  wording,
  listCommand: 'guard drift production',
  ...fields,
});

const twoLines = [
  `production's schema differs from ${against}: 2 objects differ (1 added, 1 changed)`,
  '  column public.t01.total: type numeric(10,2) -> numeric(12,2)',
  '  index public.orders_created_idx: added since the last deploy, not by a migration',
].join('\n');

describe('judgeDrift', () => {
  it('no differences: clean, whatever the policy, saying what the schema matched', () => {
    for (const policy of ['refuse', 'warn'] as const) {
      assert.deepEqual(judgeDrift(comparison({ policy, differences: [] })), { outcome: 'clean', detail: `production's schema matches ${against}` });
    }
    assert.deepEqual(judgeDrift(comparison({ check: 'parity', environment: 'production', against: "staging's schema at the same migrations", differences: [] })), {
      outcome: 'clean',
      detail: "production's schema matches staging's schema at the same migrations",
    });
  });

  it('drift under refuse: refusal schema-drift, exit 1, every difference on its own indented line', () => {
    const verdict = judgeDrift(comparison());
    assert.equal(verdict.outcome, 'refuse');
    assert.ok(verdict.outcome === 'refuse');
    assert.equal(verdict.refusal.ok, false);
    assert.equal(verdict.refusal.code, 'schema-drift');
    assert.equal(verdict.refusal.exitCode, 1);
    assert.equal(verdict.refusal.message, twoLines);
  });

  it('the drift fix says to put the change in a migration or undo it, how to list it, and how to deploy anyway', () => {
    const verdict = judgeDrift(comparison());
    assert.ok(verdict.outcome === 'refuse');
    assert.equal(
      verdict.refusal.fix,
      'a change made outside the migrations: put it in a migration (so every environment gets it) or undo it by hand; guard drift production lists it. To deploy anyway: --force --reason TEXT (the schema after this deploy becomes the new baseline)',
    );
  });

  it('parity under refuse: refusal schema-parity, exit 1; the fix says the deploy ran and how to compare', () => {
    const verdict = judgeDrift(
      comparison({
        check: 'parity',
        against: "staging's schema at the same migrations",
        wording: { added: 'only in production', removed: 'only in staging' },
        listCommand: 'guard drift production staging',
      }),
    );
    assert.ok(verdict.outcome === 'refuse');
    assert.equal(verdict.refusal.code, 'schema-parity');
    assert.equal(verdict.refusal.exitCode, 1);
    assert.equal(
      verdict.refusal.message,
      [
        "production's schema differs from staging's schema at the same migrations: 2 objects differ (1 added, 1 changed)",
        '  column public.t01.total: type numeric(10,2) -> numeric(12,2)',
        '  index public.orders_created_idx: only in production',
      ].join('\n'),
    );
    assert.equal(
      verdict.refusal.fix,
      'the migrations left a different schema here than in the environment before (code that branches on ENVIRONMENT, or a change made by hand before the deploy); guard drift production staging compares the live schemas. The deploy ran and is recorded',
    );
  });

  it('warn: the deploy goes on, with the same message as a warning and a one-line detail naming the policy', () => {
    assert.deepEqual(judgeDrift(comparison({ policy: 'warn' })), {
      outcome: 'warn',
      detail: '2 objects differ (1 added, 1 changed) (drift: warn)',
      warning: twoLines,
    });
    assert.deepEqual(judgeDrift(comparison({ policy: 'warn', differences: [total] })), {
      outcome: 'warn',
      detail: '1 object differs (1 changed) (drift: warn)',
      warning: `production's schema differs from ${against}: 1 object differs (1 changed)\n  column public.t01.total: type numeric(10,2) -> numeric(12,2)`,
    });
  });

  it(`shows at most ${SHOWN_DIFFERENCES} differences, then says how many more and which command lists them`, () => {
    assert.equal(SHOWN_DIFFERENCES, 20);
    const many = Array.from({ length: 23 }, (_, i) => changedColumn(i + 1));
    const verdict = judgeDrift(comparison({ differences: many }));
    assert.ok(verdict.outcome === 'refuse');
    const lines = verdict.refusal.message.split('\n');
    assert.equal(lines.length, 1 + 20 + 1);
    assert.equal(lines[0], `production's schema differs from ${against}: 23 objects differ (23 changed)`);
    assert.equal(lines[1], '  column public.t01.total: type numeric(10,2) -> numeric(12,2)');
    assert.equal(lines[20], '  column public.t20.total: type numeric(10,2) -> numeric(12,2)');
    assert.equal(lines[21], '  ... and 3 more (guard drift production lists them all)');

    const warned = judgeDrift(comparison({ policy: 'warn', differences: many }));
    assert.ok(warned.outcome === 'warn');
    assert.equal(warned.warning, verdict.refusal.message);
  });

  it(`exactly ${SHOWN_DIFFERENCES} differences are all shown, with no "more" line; one more adds "... and 1 more"`, () => {
    const twenty = Array.from({ length: 20 }, (_, i) => changedColumn(i + 1));
    const verdict = judgeDrift(comparison({ differences: twenty }));
    assert.ok(verdict.outcome === 'refuse');
    assert.equal(verdict.refusal.message.split('\n').length, 21);
    assert.doesNotMatch(verdict.refusal.message, /more/);

    const twentyOne = judgeDrift(comparison({ differences: [...twenty, changedColumn(21)] }));
    assert.ok(twentyOne.outcome === 'refuse');
    assert.equal(twentyOne.refusal.message.split('\n').at(-1), '  ... and 1 more (guard drift production lists them all)');
  });
});
