import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTargetIntegrity, integrityDecision, type TargetIntegrityCheck } from '../../../src/core/deploy/check-target-integrity.js';
import type { AppliedState } from '../../../src/core/deploy/types.js';
import type { Amendment, LockEntry } from '../../../src/core/lockfile/types.js';
import { hex64 } from '../helpers.js';
import { alembicEntries, deployOf, lockSet, versionEntries } from './fixtures.js';

const set3 = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']));
const set2 = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2']));
const alembicAt = (...heads: string[]): AppliedState => ({ tool: 'alembic', heads });
const ids = (entries: readonly LockEntry[]) => entries.map((entry) => entry.id);
const codes = (result: { findings: { code: string; severity: string }[] }) => result.findings.map((finding) => `${finding.severity}:${finding.code}`);

function check(overrides: Partial<TargetIntegrityCheck> & Pick<TargetIntegrityCheck, 'applied'>) {
  return checkTargetIntegrity({ environment: 'production', lockSet: set3, amendments: [], ...overrides });
}

/** set3 with b2 edited: its lockfile checksum is now `hex64('b2-new')`. */
const edited = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']).map((entry) => (entry.id === 'b2' ? { ...entry, sha256: hex64('b2-new') } : entry)));
const amendment = (from: string, to: string, file = 'db/versions/b2_rev.py'): Amendment => ({ file, from: `sha256:${from}`, to: `sha256:${to}`, reason: 'typo', by: 'dev@example.com', at: '2026-11-23' });

describe('checkTargetIntegrity: Alembic (applied = the heads and their ancestors)', () => {
  it('a fresh database: everything pending, nothing to report', () => {
    const result = check({ applied: alembicAt() });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(ids(result.applied), []);
    assert.deepEqual(ids(result.pending), ['a1', 'b2', 'c3']);
  });

  it('a prefix guard deployed: the rest is pending', () => {
    const result = check({ applied: alembicAt('b2'), lastDeploy: deployOf(set2, 'production') });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(ids(result.applied), ['a1', 'b2']);
    assert.deepEqual(ids(result.pending), ['c3']);
  });

  it('at the head: nothing pending', () => {
    const result = check({ applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(ids(result.pending), []);
  });

  it('refuses a head the repository does not have: deployed from another branch', () => {
    const result = check({ applied: alembicAt('x9'), lastDeploy: deployOf(set2, 'production', { heads: ['x9'] }) });
    assert.deepEqual(codes(result), ['refuse:applied-unknown']);
    const finding = result.findings[0]!;
    assert.match(finding.message, /^production has applied x9 \(alembic_version\), which this commit's db\/versions does not have \(guard's last deploy there: x9, chain [0-9a-f]{12}, succeeded .* by ana@ci-7, commit abc1234def56\): deployed from another branch/);
    assert.match(finding.fix, /deploy from a commit that has it/);
    const bypassed = check({ applied: alembicAt('x9'), lastDeploy: deployOf(set2, 'production') });
    assert.deepEqual(codes(bypassed), ['refuse:applied-unknown', 'warn:ledger-disagrees']);
    assert.match(bypassed.findings[1]!.message, /left it at b2 \(.*\): someone migrated it without guard, or it was restored$/, 'x9\'s ancestry is unknown: no list of migrations');
  });

  it('refuses an applied migration edited since, with both checksums and the way back', () => {
    const result = check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(codes(result), ['refuse:applied-edited']);
    const finding = result.findings[0]!;
    assert.equal(finding.file, 'db/versions/b2_rev.py');
    assert.match(finding.message, new RegExp(`^db/versions/b2_rev\\.py was edited after production applied it: production ran sha256 ${hex64('b2').slice(0, 12)}, this commit has ${hex64('b2-new').slice(0, 12)}, and no amendment records the change`));
    assert.match(finding.fix, /git checkout abc1234def56 -- db\/versions\/b2_rev\.py/);
    assert.match(finding.fix, /guard amend db\/versions\/b2_rev\.py --reason/);
  });

  it('accepts a database that applied the old content of an amended migration, also across several amendments', () => {
    assert.deepEqual(check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production'), amendments: [amendment(hex64('b2'), hex64('b2-new'))] }).findings, []);
    const chain = [amendment(hex64('b2'), hex64('b2-mid')), amendment(hex64('b2-mid'), hex64('b2-new'))];
    assert.deepEqual(check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production'), amendments: chain }).findings, []);
  });

  it('an amendment of another file, or the other way round, sanctions nothing', () => {
    const wrongFile = [amendment(hex64('b2'), hex64('b2-new'), 'db/versions/c3_rev.py')];
    assert.deepEqual(codes(check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production'), amendments: wrongFile })), ['refuse:applied-edited']);
    const backwards = [amendment(hex64('b2-new'), hex64('b2'))];
    assert.deepEqual(codes(check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production'), amendments: backwards })), ['refuse:applied-edited']);
  });

  it('an edited migration the database no longer has applied is not refused: it will run with the new content', () => {
    const result = check({ lockSet: edited, applied: alembicAt('a1'), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(codes(result), ['warn:ledger-disagrees']);
    assert.deepEqual(ids(result.pending), ['b2', 'c3']);
  });

  it('warns when the tool ran ahead of the ledger: migrations applied outside guard, unchecked', () => {
    const result = check({ applied: alembicAt('c3'), lastDeploy: deployOf(set2, 'production') });
    assert.deepEqual(codes(result), ['warn:ledger-disagrees']);
    assert.match(result.findings[0]!.message, /^production's alembic_version is at c3, but guard's last deploy left it at b2 \(b2, chain [0-9a-f]{12}, .*\): someone migrated it without guard, or it was restored \(applied without guard, content unchecked: c3\)$/);
    assert.match(result.findings[0]!.fix, /guard record production/);
    assert.deepEqual(ids(result.pending), []);
  });

  it('warns when the database is behind its ledger: a downgrade or a restore', () => {
    const result = check({ applied: alembicAt('a1'), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(codes(result), ['warn:ledger-disagrees']);
    assert.match(result.findings[0]!.message, /\(no longer applied: b2, c3\)$/);
  });

  it('an empty database with a ledger elsewhere (CI) is expected; with its own ledger it is a disagreement', () => {
    assert.deepEqual(check({ applied: alembicAt(), lastDeploy: deployOf(set3, 'ci'), separateLedger: true }).findings, []);
    const own = check({ applied: alembicAt(), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(codes(own), ['warn:ledger-disagrees']);
    assert.match(own.findings[0]!.message, /alembic_version is at no head/);
  });

  it('warns about migrations applied before guard recorded anything', () => {
    const result = check({ applied: alembicAt('b2') });
    assert.deepEqual(codes(result), ['warn:unrecorded']);
    assert.match(result.findings[0]!.message, /^production has 2 migrations of db\/versions applied \(alembic_version at b2\), but guard has no deploy of it on record/);
  });

  it('warns about an applied migration renamed since', () => {
    const renamed = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']).map((entry) => (entry.id === 'b2' ? { ...entry, file: 'b2_better_name.py' } : entry)));
    const result = check({ lockSet: renamed, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production') });
    assert.deepEqual(codes(result), ['warn:applied-renamed']);
    assert.match(result.findings[0]!.fix, /git mv db\/versions\/b2_better_name\.py db\/versions\/b2_rev\.py/);
  });

  it('follows branches, merges and depends_on to find what is applied', () => {
    const graph = lockSet('db/versions', 'alembic', [
      { id: 'a1', file: 'a1.py', parents: [], sha256: hex64('a1') },
      { id: 'b2', file: 'b2.py', parents: ['a1'], sha256: hex64('b2') },
      { id: 'c3', file: 'c3.py', parents: ['a1'], sha256: hex64('c3') },
      { id: 'd4', file: 'd4.py', parents: ['b2', 'c3'], sha256: hex64('d4') },
      { id: 'e5', file: 'e5.py', parents: [], depends_on: ['b2'], sha256: hex64('e5') },
      { id: 'f6', file: 'f6.py', parents: ['d4'], sha256: hex64('f6') },
    ], ['f6', 'e5']);
    const twoHeads = checkTargetIntegrity({ environment: 'staging', lockSet: graph, amendments: [], applied: alembicAt('c3', 'e5') });
    assert.deepEqual(ids(twoHeads.applied), ['a1', 'b2', 'c3', 'e5']);
    assert.deepEqual(ids(twoHeads.pending), ['d4', 'f6']);
    const merged = checkTargetIntegrity({ environment: 'staging', lockSet: graph, amendments: [], applied: alembicAt('d4') });
    assert.deepEqual(ids(merged.applied), ['a1', 'b2', 'c3', 'd4']);
    assert.deepEqual(ids(merged.pending), ['e5', 'f6']);
  });
});

describe('checkTargetIntegrity: version-ordered tools (applied = the versions in apply order)', () => {
  const sql = lockSet('db/sql', 'sql', versionEntries(['001', '002', '003']));
  const sqlAt = (...applied: string[]): AppliedState => ({ tool: 'sql', heads: applied.slice(-1), applied });
  const sqlCheck = (applied: AppliedState, more: Partial<TargetIntegrityCheck> = {}) =>
    checkTargetIntegrity({ environment: 'staging', lockSet: sql, amendments: [], applied, lastDeploy: deployOf(lockSet('db/sql', 'sql', versionEntries(applied.applied ?? [])), 'staging'), ...more });

  it('a prefix: the rest is pending', () => {
    const result = sqlCheck(sqlAt('001', '002'));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(ids(result.pending), ['003']);
  });

  it('refuses a gap: a version pending before an applied one', () => {
    const result = sqlCheck(sqlAt('001', '003'));
    assert.deepEqual(codes(result), ['refuse:applied-out-of-order']);
    assert.match(result.findings[0]!.message, /^db\/sql\/002_step\.sql is not applied in staging, but the later db\/sql\/003_step\.sql \(version 003\) is: the tool would skip it/);
    assert.match(result.findings[0]!.fix, /give it a version after 003: `guard renumber db\/sql\/002_step\.sql`/);
  });

  it('a set with outOfOrder: allow (a backport on a release line) warns of a pending lower version and keeps it pending', () => {
    const result = sqlCheck(sqlAt('001', '003'), { outOfOrder: true });
    assert.deepEqual(codes(result), ['warn:applied-out-of-order']);
    assert.match(result.findings[0]!.message, /^db\/sql\/002_step\.sql is pending in staging while the later db\/sql\/003_step\.sql \(version 003\) is applied: the tool applies it out of order, as db\/sql's `outOfOrder: allow` says/);
    assert.deepEqual(ids(result.pending), ['002']);
    assert.deepEqual(integrityDecision('staging', result.findings), { ok: true });
    // Once applied, late: versions in the table in another order than their names sort.
    assert.deepEqual(codes(sqlCheck(sqlAt('001', '003', '002'), { outOfOrder: true })), []);
    // Never an unknown or an edited one.
    assert.deepEqual(codes(sqlCheck(sqlAt('001', '003', '002', '009'), { outOfOrder: true })), ['refuse:applied-unknown']);
  });

  it('refuses versions applied in another order', () => {
    const result = sqlCheck(sqlAt('002', '001'));
    assert.deepEqual(codes(result), ['refuse:applied-out-of-order']);
    assert.match(result.findings[0]!.message, /applied db\/sql's versions in another order than the lockfile's \(the applied SQL migrations has 002 where the lockfile has 001\)/);
  });

  it('refuses a version the repository does not have, naming the table the reader gave', () => {
    const result = sqlCheck({ tool: 'sql', heads: ['004'], applied: ['001', '002', '003', '004'], table: 'guard.applied_sql' });
    assert.deepEqual(codes(result), ['refuse:applied-unknown']);
    assert.match(result.findings[0]!.message, /^staging has applied 004 \(guard\.applied_sql\)/);
  });

  it('reads heads alone as everything up to the newest head', () => {
    const result = checkTargetIntegrity({ environment: 'staging', lockSet: sql, amendments: [], applied: { tool: 'sql', heads: ['002'] } });
    assert.deepEqual(ids(result.applied), ['001', '002']);
    assert.deepEqual(ids(result.pending), ['003']);
  });

  it('Flyway: repeatable scripts are pending when their content changed since the last deploy, never sealed', () => {
    const entries: LockEntry[] = [...versionEntries(['1', '2'], 'flyway'), { id: 'views', file: 'R__views.sql', sha256: hex64('views-v2'), repeatable: true }, { id: 'grants', file: 'R__grants.sql', sha256: hex64('grants'), repeatable: true }];
    const flyway = lockSet('db/flyway', 'flyway', entries);
    const last = deployOf(flyway, 'staging');
    last.migrations = last.migrations.map((migration) => (migration.id === 'views' ? { ...migration, sha256: hex64('views-v1') } : migration));
    const result = checkTargetIntegrity({ environment: 'staging', lockSet: flyway, amendments: [], applied: { tool: 'flyway', heads: ['2'], applied: ['1', '2'] }, lastDeploy: last });
    assert.deepEqual(result.findings, [], 'a changed repeatable script is not an edit');
    assert.deepEqual(ids(result.pending), ['views']);
    assert.equal(flyway.heads[0], '2');
    const fresh = checkTargetIntegrity({ environment: 'staging', lockSet: flyway, amendments: [], applied: { tool: 'flyway', heads: [], applied: [] } });
    assert.deepEqual(ids(fresh.pending), ['1', '2', 'views', 'grants']);
    assert.match(JSON.stringify(checkTargetIntegrity({ environment: 'staging', lockSet: flyway, amendments: [], applied: { tool: 'flyway', heads: ['3'], applied: ['1', '2', '3'] } }).findings), /flyway_schema_history/);
  });

  it('tolerates checksums with a sha256: prefix in the ledger', () => {
    const last = deployOf(sql, 'staging');
    last.migrations = last.migrations.map((migration) => ({ ...migration, sha256: `sha256:${migration.sha256}` }));
    assert.deepEqual(checkTargetIntegrity({ environment: 'staging', lockSet: sql, amendments: [], applied: sqlAt('001', '002', '003'), lastDeploy: last }).findings, []);
  });
});

describe('integrityDecision', () => {
  it('goes on with warnings only, refuses naming every refusal', () => {
    const warnOnly = check({ applied: alembicAt('c3'), lastDeploy: deployOf(set2, 'production') });
    assert.deepEqual(integrityDecision('production', warnOnly.findings), { ok: true });
    const bad = [
      ...check({ lockSet: edited, applied: alembicAt('c3'), lastDeploy: deployOf(set3, 'production') }).findings,
      ...checkTargetIntegrity({ environment: 'production', lockSet: lockSet('db/sql', 'sql', versionEntries(['001'])), amendments: [], applied: { tool: 'sql', heads: ['009'], applied: ['001', '009'] } }).findings,
      ...warnOnly.findings,
    ];
    const decision = integrityDecision({ name: 'production' }, bad);
    assert.equal(decision.ok, false);
    if (decision.ok) return;
    assert.equal(decision.code, 'target-integrity');
    assert.equal(decision.exitCode, 1);
    const lines = decision.message.split('\n');
    assert.equal(lines[0], "production's applied migrations are not a prefix of this commit's chain:");
    assert.equal(lines.length, 3, 'two refusals, no warning');
    assert.match(decision.fix, /guard amend .*\ndeploy from a commit that has it/);
  });
});

describe("checkTargetIntegrity: plain SQL run by guard's runner (guard.sql_migrations)", () => {
  const sqlSet = lockSet('db/migrations', 'sql', versionEntries(['001', '002', '003']));
  const content = (id: string, sha = hex64(id)) => ({ id, file: sqlSet.migrations.find((entry) => entry.id === id)!.file, sha256: sha });
  const runnerState = (applied: string[], extra: Partial<AppliedState> = {}): AppliedState => ({
    tool: 'sql',
    heads: applied.slice(-1),
    applied,
    appliedContent: applied.map((id) => content(id)),
    table: 'guard.sql_migrations',
    ...extra,
  });

  it("judges edits by the runner's checksums, not the ledger's last deploy", () => {
    const result = checkTargetIntegrity({
      environment: 'staging',
      lockSet: sqlSet,
      amendments: [],
      applied: runnerState(['001', '002'], { appliedContent: [content('001'), content('002', hex64('older'))] }),
    });
    assert.deepEqual(codes(result), ['refuse:applied-edited']);
    assert.equal(result.findings[0]!.file, sqlSet.migrations[1]!.file.replace(/^/, 'db/migrations/'));
    assert.deepEqual(ids(result.pending), ['003']);
  });

  it('a deploy that failed part way: the table is ahead of the last successful deploy, and nothing is reported', () => {
    const lastDeploy = deployOf(lockSet('db/migrations', 'sql', versionEntries(['001'])), 'staging');
    const result = checkTargetIntegrity({ environment: 'staging', lockSet: sqlSet, amendments: [], applied: runnerState(['001', '002']), lastDeploy });
    assert.deepEqual(result.findings, []);
    assert.deepEqual(ids(result.pending), ['003']);
    // Without the runner's table the same gap is a disagreement between the tool and guard's ledger.
    const { appliedContent: _dropped, ...fromLedger } = runnerState(['001', '002']);
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: sqlSet, amendments: [], applied: fromLedger, lastDeploy })), ['warn:ledger-disagrees']);
  });

  it('refuses while a migration run outside a transaction failed or was cut short, naming where', () => {
    const result = checkTargetIntegrity({
      environment: 'staging',
      lockSet: sqlSet,
      amendments: [],
      applied: runnerState(['001'], { unfinished: [{ id: '002', file: sqlSet.migrations[1]!.file, status: 'failed', error: 'column "x" does not exist', line: 3, at: '2026-12-07T05:00:00Z' }] }),
    });
    assert.deepEqual(codes(result), ['refuse:applied-unfinished']);
    assert.match(result.findings[0]!.message, /ran outside a transaction in staging \(2026-12-07T05:00:00Z\) and failed at line 3 \(column "x" does not exist\): the statements before that point stay applied/);
    assert.match(result.findings[0]!.fix, /--force --reason/);
    assert.deepEqual(ids(result.pending), ['002', '003']);
    const running = checkTargetIntegrity({
      environment: 'staging',
      lockSet: sqlSet,
      amendments: [],
      applied: runnerState(['001'], { unfinished: [{ id: '002', file: sqlSet.migrations[1]!.file, status: 'running', at: '2026-12-07T05:00:00Z' }] }),
    });
    assert.match(running.findings[0]!.message, /never finished \(guard was stopped while it ran\)/);
  });
});

describe('checkTargetIntegrity and cosmetic edits (cosmetic: allow)', () => {
  const applied = lockSet('db/versions', 'alembic', alembicEntries(['a1', 'b2', 'c3']));
  const b2 = applied.migrations[1]!.sha256;
  const reformatted = lockSet('db/versions', 'alembic', applied.migrations.map((entry) => (entry.id === 'b2' ? { ...entry, sha256: hex64('b2-blacked') } : entry)));
  const meaning = (...pairs: [string, string][]) => new Map(pairs);

  it('accepts an applied migration whose content changed with the same semantic checksum, and says so', () => {
    const semantics = meaning([b2, hex64('m')], [hex64('b2-blacked'), hex64('m')]);
    const result = check({ lockSet: reformatted, applied: alembicAt('c3'), lastDeploy: deployOf(applied, 'production'), semantics });
    assert.deepEqual(codes(result), ['warn:applied-cosmetic']);
    assert.match(result.findings[0]!.message, /changed since production applied it, in formatting only/);
  });

  it('refuses when the semantic checksums differ, or either is unknown', () => {
    const lastDeploy = deployOf(applied, 'production');
    assert.deepEqual(codes(check({ lockSet: reformatted, applied: alembicAt('c3'), lastDeploy, semantics: meaning([b2, hex64('m')], [hex64('b2-blacked'), hex64('other')]) })), ['refuse:applied-edited']);
    assert.deepEqual(codes(check({ lockSet: reformatted, applied: alembicAt('c3'), lastDeploy, semantics: meaning([hex64('b2-blacked'), hex64('m')]) })), ['refuse:applied-edited']);
    assert.deepEqual(codes(check({ lockSet: reformatted, applied: alembicAt('c3'), lastDeploy })), ['refuse:applied-edited']);
  });

  it('never takes a semantic checksum from the records: a ledger line and a lockfile line that agree are not enough', () => {
    const recorded = (set: typeof applied) => lockSet(set.dir, set.tool, set.migrations.map((entry) => ({ ...entry, semantic: hex64(`planted-${entry.id}`) })));
    assert.deepEqual(codes(check({ lockSet: recorded(reformatted), applied: alembicAt('c3'), lastDeploy: deployOf(recorded(applied), 'production') })), ['refuse:applied-edited']);
  });

  it("judges guard's SQL runner's applied content the same way", () => {
    const entries = versionEntries(['001', '002']);
    const before = lockSet('db/migrations', 'sql', entries);
    const after = lockSet('db/migrations', 'sql', entries.map((entry) => (entry.id === '002' ? { ...entry, sha256: hex64('002-formatted') } : entry)));
    const state: AppliedState = {
      tool: 'sql',
      heads: ['002'],
      applied: ['001', '002'],
      appliedContent: before.migrations.map((entry) => ({ id: entry.id, file: entry.file, sha256: entry.sha256 })),
      table: 'guard.sql_migrations',
    };
    const semantics = meaning([before.migrations[1]!.sha256, hex64('m')], [hex64('002-formatted'), hex64('m')]);
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: after, amendments: [], applied: state, semantics })), ['warn:applied-cosmetic']);
    assert.deepEqual(codes(checkTargetIntegrity({ environment: 'staging', lockSet: after, amendments: [], applied: state })), ['refuse:applied-edited']);
  });
});
