import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import { preferLockedDuplicates } from '../../src/core/lockfile/prefer-locked-duplicates.js';
import { flywayAdapter } from '../../src/core/tools/flyway/flyway-adapter.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { joinPath } from '../../src/core/paths.js';
import { problemFindings, type SetUnderCheck } from '../../src/core/findings/findings.js';
import { file } from './helpers.js';

const display = { display: (path: string) => joinPath('db', path) };
const sqlSet = (files: SourceFile[]): SetUnderCheck => ({ dir: 'db', discovered: sqlAdapter.discover(files, display) });
const flywaySet = (files: SourceFile[]): SetUnderCheck => ({ dir: 'db', discovered: flywayAdapter.discover(files, display) });

function lockOf(sets: SetUnderCheck[]) {
  const plan = planLock({ previous: undefined, sets });
  assert.ok(!('refusal' in plan));
  return plan.lock;
}

describe('preferLockedDuplicates', () => {
  it('keeps the locked migration in the order and names the new one in the fix', () => {
    const locked = lockOf([sqlSet([file('001_a.sql'), file('005_t5.sql')])]);
    const discovered = sqlSet([file('001_a.sql'), file('005_t5.sql'), file('005_a.sql')]);
    // Left alone, the name that sorts first (005_a.sql) is kept and the locked one reported.
    assert.equal(discovered.discovered.problems[0]!.file, '005_t5.sql');
    const [preferred] = preferLockedDuplicates([discovered], undefined, locked);
    assert.deepEqual(preferred!.discovered.migrations.map((migration) => migration.file), ['001_a.sql', '005_t5.sql']);
    const [finding] = problemFindings('db', preferred!.discovered);
    assert.equal(finding!.file, 'db/005_a.sql');
    assert.equal(finding!.message, 'version 005 is used twice: db/005_t5.sql and db/005_a.sql');
    assert.match(finding!.fix, /guard renumber db\/005_a\.sql/);
    assert.equal('duplicate' in finding!, false, 'the migrations behind the problem are never printed');
  });

  it('matches Flyway versions that are spelled differently (1 and 1.0)', () => {
    const locked = lockOf([flywaySet([file('V1__init.sql')])]);
    const [preferred] = preferLockedDuplicates([flywaySet([file('V1.0__again.sql'), file('V1__init.sql')])], locked);
    assert.deepEqual(preferred!.discovered.migrations.map((migration) => migration.file), ['V1__init.sql']);
    assert.equal(preferred!.discovered.problems[0]!.file, 'V1.0__again.sql');
  });

  it('the sealed lockfile decides before a branch lockfile that recorded the other file (both sides took 004)', () => {
    const sealedLock = lockOf([sqlSet([file('001_a.sql'), file('004_other.sql')])]);
    const branchLock = lockOf([sqlSet([file('001_a.sql'), file('004_feat.sql')])]);
    const merged = sqlSet([file('001_a.sql'), file('004_feat.sql'), file('004_other.sql')]);
    const [preferred] = preferLockedDuplicates([merged], sealedLock, branchLock);
    assert.deepEqual(preferred!.discovered.migrations.map((migration) => migration.file), ['001_a.sql', '004_other.sql']);
    assert.match(preferred!.discovered.problems[0]!.fix, /guard renumber db\/004_feat\.sql/);
  });

  it('changes nothing when neither or both are locked', () => {
    const sets = [sqlSet([file('005_t5.sql'), file('005_a.sql')])];
    assert.deepEqual(preferLockedDuplicates(sets, undefined), sets);
    const both = { lockfile: 1 as const, algorithm: 'sha256-lf/1', amendments: [], sets: [{ dir: 'db', tool: 'sql' as const, heads: ['005'], chain: 'sha256:', migrations: sets[0]!.discovered.migrations.concat(sets[0]!.discovered.problems[0]!.duplicate!.leftOut).map((migration) => ({ id: migration.id, file: migration.file, sha256: migration.sha256 })) }] };
    assert.deepEqual(preferLockedDuplicates(sets, both)[0]!.discovered.migrations, sets[0]!.discovered.migrations);
  });
});
