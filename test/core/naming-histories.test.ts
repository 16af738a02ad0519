import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLock, type LockPlan } from '../../src/core/lockfile/plan-lock.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { globMatcher, runsAsMigration } from '../../src/core/tools/excluded-files.js';
import { flywayAdapter } from '../../src/core/tools/flyway/flyway-adapter.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { DiscoverOptions, SourceFile } from '../../src/core/migrations/types.js';
import { joinPath } from '../../src/core/paths.js';
import { checkSealed } from '../../src/core/seal/check-sealed.js';
import { compareWithLockfile } from '../../src/core/verify/compare-with-lockfile.js';
import { type SetUnderCheck } from '../../src/core/findings/findings.js';
import { file } from './helpers.js';

const sqlSet = (files: SourceFile[], options: DiscoverOptions = {}, extra: Partial<SetUnderCheck> = {}): SetUnderCheck => ({
  dir: 'db',
  discovered: sqlAdapter.discover(files, { display: (path) => joinPath('db', path), ...options }),
  ...extra,
});

function plan(sets: SetUnderCheck[], previous?: Lockfile): LockPlan {
  const result = planLock({ previous, sets });
  assert.ok(!('refusal' in result), `refused: ${JSON.stringify('refusal' in result && result.refusal)}`);
  return result;
}
const codes = (findings: readonly { code: string; file?: string | undefined }[]) => findings.map((finding) => `${finding.code}:${finding.file ?? ''}`);

/** golang-migrate / supabase auth style: a 00_ file, then 14-digit versions, two with impossible hours. */
const auth = [
  file('00_init_auth_schema.up.sql'),
  file('20210710035447_alter_users.up.sql'),
  file('20230322519590_add_flow_state_table.up.sql'),
  file('20230402418590_add_authentication_method.up.sql'),
  file('20240115144230_remove_ao_constraints.up.sql'),
];

describe('legacy names (issue 11, item 5)', () => {
  it('a name that breaks the scheme but has a version is a migration, ordered by its number, as golang-migrate reads it', () => {
    const { discovered } = sqlSet(auth);
    assert.deepEqual(
      discovered.migrations.map((migration) => migration.id),
      ['00', '20210710035447', '20230322519590', '20230402418590', '20240115144230'],
    );
    assert.deepEqual(codes(discovered.problems), [
      'naming:00_init_auth_schema.up.sql',
      'naming:20230322519590_add_flow_state_table.up.sql',
      'naming:20230402418590_add_authentication_method.up.sql',
    ]);
    assert.match(discovered.problems[1]!.fix, /versions: numbers/);
    assert.doesNotMatch(discovered.problems[0]!.fix, /versions: numbers/);
  });

  it('versions: numbers reads 14-digit versions as numbers: hour 51 is no problem, the 00_ file still is', () => {
    const { discovered } = sqlSet(auth, { versions: 'numbers' });
    assert.deepEqual(codes(discovered.problems), ['naming:00_init_auth_schema.up.sql']);
    assert.equal(discovered.migrations.length, 5);
  });

  it('the first lock writes every file, warning about the misnamed ones; the next lock and verify accept them as warnings', () => {
    const first = plan([sqlSet(auth)]);
    assert.equal(first.lock.sets[0]!.migrations.length, 5);
    assert.equal(first.warnings.length, 3);
    assert.deepEqual(first.notices, []);
    const again = plan([sqlSet(auth)], first.lock);
    assert.deepEqual(again.warnings, [], 'a locked misnamed migration is not a warning the hooks refuse');
    assert.deepEqual(codes(again.notices).length, 3);
    assert.match(again.notices[0]!.message, /locked before, so it keeps its name/);
    assert.match(again.notices[0]!.fix, /renaming a deployed migration would make the tool run it again/);
    assert.deepEqual(compareWithLockfile(first.lock, [sqlSet(auth)], 'checksums.lock.yaml'), []);
  });

  it('naming: sequential on a locked timestamp set drops nothing: the 14-digit versions stay locked, as warnings', () => {
    const first = plan([sqlSet(auth)]);
    const sequential = plan([sqlSet(auth, { naming: 'sequential' })], first.lock);
    assert.equal(sequential.lock.sets[0]!.migrations.length, 5);
    assert.deepEqual(sequential.changes, []);
    assert.deepEqual(sequential.warnings, []);
  });

  it('a new misnamed migration is still refused: by verify when unlocked, and by the sealing rules once the set is sealed', () => {
    const sealedLock = plan([sqlSet(auth)]).lock;
    const withNew = [...auth, file('20250101256000_new.up.sql')];
    const unlocked = compareWithLockfile(sealedLock, [sqlSet(withNew)], 'checksums.lock.yaml');
    assert.deepEqual(codes(unlocked).sort(), ['heads-changed:', 'naming:db/20250101256000_new.up.sql', 'unlocked:db/20250101256000_new.up.sql']);
    // A branch that locked it anyway (guard lock, then git add): its own lockfile accepts it, the sealed state does not.
    const branchLock = plan([sqlSet(withNew)], sealedLock).lock;
    assert.deepEqual(compareWithLockfile(branchLock, [sqlSet(withNew)], 'checksums.lock.yaml'), []);
    const findings = checkSealed({ ref: 'origin/main', lock: sealedLock }, [sqlSet(withNew)], branchLock);
    assert.deepEqual(codes(findings), ['naming:db/20250101256000_new.up.sql']);
    assert.match(findings[0]!.message, /new since origin\/main/);
    // The sealed misnamed ones are never refused.
    assert.deepEqual(checkSealed({ ref: 'origin/main', lock: sealedLock }, [sqlSet(auth)], sealedLock), []);
  });

  it('zero-padding that differs (0002- and 00010-) is ordered by number and reported once, as a warning', () => {
    const storage = ['0001-initialmigration.sql', '00010-search-files.sql', '0002-storage-schema.sql', '0009-fix-search.sql', '0011-trigger.sql'].map((path) => file(path));
    const { discovered } = sqlSet(storage);
    assert.deepEqual(
      discovered.migrations.map((migration) => migration.id),
      ['0001', '0002', '0009', '00010', '0011'],
    );
    assert.deepEqual(discovered.problems, []);
    assert.deepEqual(codes(discovered.warnings ?? []), ['padding:00010-search-files.sql']);
    assert.match(discovered.warnings![0]!.message, /db\/00010-search-files\.sql is zero-padded to another width than the other versions \(4 digits\): ordered by number/);
    const locked = plan([sqlSet(storage)]);
    assert.deepEqual(locked.warnings, []);
    assert.deepEqual(codes(locked.notices), ['padding:db/00010-search-files.sql']);
    // Unpadded counters (1..10) and a padded set that grew past its width (999, 1000) are not padding differences.
    assert.equal(sqlSet(['1_a.sql', '2_b.sql', '10_c.sql'].map((path) => file(path))).discovered.warnings, undefined);
    assert.equal(sqlSet(['998_a.sql', '999_b.sql', '1000_c.sql'].map((path) => file(path))).discovered.warnings, undefined);
  });
});

describe('out of order by design (issue 11, item 6)', () => {
  const flyway = (files: SourceFile[], extra: Partial<SetUnderCheck> = {}): SetUnderCheck => ({
    dir: 'db',
    discovered: flywayAdapter.discover(files, { display: (path) => joinPath('db', path) }),
    ...extra,
  });
  const released = [file('V1__init.sql'), file('V2__users.sql'), file('V3_1__hotfix_line.sql')];
  const sealed = { ref: 'origin/main', lock: plan([flyway(released)]).lock };

  it('a new lower version is refused with a renumber suggestion by default, and allowed with outOfOrder: allow', () => {
    const now = [...released, file('V2_1__patch_for_2_x.sql')];
    const refused = checkSealed(sealed, [flyway(now)], plan([flyway(now)]).lock);
    assert.deepEqual(codes(refused), ['out-of-order:db/V2_1__patch_for_2_x.sql']);
    assert.match(refused[0]!.fix, /guard renumber/);
    assert.deepEqual(checkSealed(sealed, [flyway(now, { outOfOrder: 'allow' })], plan([flyway(now)]).lock), []);
  });

  it('outOfOrder: allow still refuses an edit of a sealed script and a duplicate version', () => {
    const edited = [file('V1__init.sql', 'DROP TABLE users;\n'), released[1]!, released[2]!, file('V2_1__patch.sql')];
    assert.deepEqual(codes(checkSealed(sealed, [flyway(edited, { outOfOrder: 'allow' })], plan([flyway(edited)]).lock)), ['sealed-edited:db/V1__init.sql']);
    const duplicate = flyway([...released, file('V2_0__again.sql')], { outOfOrder: 'allow' });
    assert.deepEqual(duplicate.discovered.problems.map((problem) => problem.code), ['duplicate-id']);
    assert.ok('refusal' in planLock({ previous: sealed.lock, sets: [duplicate] }));
  });
});

describe('exclude (issue 11, item 4)', () => {
  it('globs are relative to the set: * stays in a folder, ** spans folders', () => {
    assert.equal(globMatcher('update-sequences.sql')('update-sequences.sql'), true);
    assert.equal(globMatcher('update-sequences.sql')('sub/update-sequences.sql'), false);
    assert.equal(globMatcher('*.sql')('a/b.sql'), false);
    assert.equal(globMatcher('helpers/**')('helpers/a/b.sql'), true);
    assert.equal(globMatcher('**/seed.sql')('seed.sql'), true);
    assert.equal(globMatcher('**/seed.sql')('x/y/seed.sql'), true);
    assert.equal(globMatcher('V1.sql')('V1xsql'), false, 'a dot is literal');
  });

  it('a file the tool runs is never excludable: versioned SQL, Flyway V/U/R scripts, an Alembic revision', () => {
    assert.equal(runsAsMigration('sql', '005_users.sql', undefined), true);
    assert.equal(runsAsMigration('sql', 'update-sequences.sql', undefined), false);
    assert.equal(runsAsMigration('flyway', 'V3__x.sql', undefined), true);
    assert.equal(runsAsMigration('flyway', 'R__views.sql', undefined), true);
    assert.equal(runsAsMigration('flyway', 'update-sequences.sql', undefined), false);
    assert.equal(runsAsMigration('alembic', 'helpers.py', { sha256: 'x' }), false);
    assert.equal(runsAsMigration('alembic', 'a1_x.py', { sha256: 'x', migration: { id: 'a1', file: 'a1_x.py', parents: [], sha256: 'x' } }), true);
  });

  it('a sealed migration the config now excludes is refused as sealed-excluded, not passed as deleted', () => {
    const base = [file('001_users.sql'), file('002_orders.sql')];
    const sealed = { ref: 'origin/main', lock: plan([sqlSet(base)]).lock };
    const now = sqlSet([base[1]!]);
    now.discovered.excluded = ['001_users.sql'];
    const findings = checkSealed(sealed, [now], plan([now]).lock);
    assert.deepEqual(codes(findings), ['sealed-excluded:db/001_users.sql']);
    assert.match(findings[0]!.message, /left out by the config's `exclude:`/);
  });
});

describe("Flyway's own outOfOrder setting (issue 11, item 6)", () => {
  it('is read from flyway.conf, flyway.toml, application.properties and application.yml, where the project sets it', async () => {
    const { flywayOutOfOrder } = await import('../../src/core/tools/flyway/flyway-settings.js');
    assert.equal(flywayOutOfOrder('flyway.conf', 'flyway.url=jdbc:postgresql://db/app\nflyway.outOfOrder=true\n'), true);
    assert.equal(flywayOutOfOrder('conf/flyway.conf', '# flyway.outOfOrder=true\nflyway.outOfOrder = false\n'), false);
    assert.equal(flywayOutOfOrder('flyway.conf', 'flyway.locations=filesystem:sql\n'), undefined);
    assert.equal(flywayOutOfOrder('flyway.toml', '[environments.prod]\nurl = "x"\n\n[flyway]\noutOfOrder = true # release lines\n'), true);
    assert.equal(flywayOutOfOrder('flyway.toml', '[environments.prod.flyway]\noutOfOrder = true\n'), true);
    assert.equal(flywayOutOfOrder('flyway.toml', '[environments.prod]\noutOfOrder = true\n'), undefined, 'not a flyway table');
    assert.equal(flywayOutOfOrder('application.properties', 'spring.flyway.out-of-order=true\n'), true);
    assert.equal(flywayOutOfOrder('application.properties', 'spring.flyway.outOfOrder: true\n'), true);
    assert.equal(flywayOutOfOrder('application.yml', 'spring:\n  datasource:\n    url: x\n  flyway:\n    enabled: true\n    out-of-order: true\n'), true);
    assert.equal(flywayOutOfOrder('application.yaml', 'spring:\n  flyway:\n    out-of-order: false # keep order\n'), false);
    assert.equal(flywayOutOfOrder('application.yml', 'other:\n  flyway:\n    out-of-order: true\n'), undefined);
    assert.equal(flywayOutOfOrder('application.yml', 'spring.flyway.out-of-order: true\n'), true);
  });
});

describe('the lockfile merge driver with legacy names and release lines', () => {
  it('merges two branches that each add a migration to a set holding misnamed legacy files', async () => {
    const { mergeLockfileSides } = await import('../../src/core/lockfile-merge/merge-lockfile-sides.js');
    const base = plan([sqlSet(auth)]).lock;
    const ours = plan([sqlSet([...auth, file('20250101120000_ours.up.sql')])], base).lock;
    const theirs = plan([sqlSet([...auth, file('20250102120000_theirs.up.sql')])], base).lock;
    const result = mergeLockfileSides({ base, ours, theirs, sealed: { ref: 'origin/main', lock: base } });
    assert.ok(result.merged, JSON.stringify(!result.merged && result.reasons));
    assert.equal(result.lock.sets[0]!.migrations.length, 7);
    // A side that adds a misnamed migration is still left to a person.
    const misnamed = plan([sqlSet([...auth, file('20250103516000_bad.up.sql')])], base).lock;
    assert.equal(mergeLockfileSides({ base, ours, theirs: misnamed }).merged, false);
  });

  it('merges a lower version on a release line when the set allows out of order', async () => {
    const { mergeLockfileSides } = await import('../../src/core/lockfile-merge/merge-lockfile-sides.js');
    const flywaySet = (files: SourceFile[]): SetUnderCheck => ({ dir: 'db', discovered: flywayAdapter.discover(files, { display: (path) => joinPath('db', path) }) });
    const released = [file('V1__init.sql'), file('V3__three.sql')];
    const base = plan([flywaySet(released)]).lock;
    const ours = plan([flywaySet([...released, file('V4__four.sql')])], base).lock;
    const theirs = plan([flywaySet([...released, file('V2_1__backport.sql')])], base).lock;
    const sides = { base, ours, theirs, sealed: { ref: 'origin/main', lock: base } };
    assert.equal(mergeLockfileSides(sides).merged, false);
    assert.ok(mergeLockfileSides({ ...sides, policies: new Map([['db', { outOfOrder: 'allow' as const }]]) }).merged);
  });
});
