import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { flywayAdapter } from '../../src/core/tools/flyway/flyway-adapter.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { joinPath } from '../../src/core/paths.js';
import { checkSealed } from '../../src/core/seal/check-sealed.js';
import type { SetUnderCheck } from '../../src/core/findings/findings.js';
import { file } from './helpers.js';

const sqlSet = (files: SourceFile[]): SetUnderCheck => ({
  dir: 'db',
  discovered: sqlAdapter.discover(files, { display: (path) => joinPath('db', path) }),
});

function lockOf(sets: SetUnderCheck[]): Lockfile {
  const plan = planLock({ previous: undefined, sets });
  assert.ok(!('refusal' in plan));
  return plan.lock;
}

const base = [file('001_users.sql'), file('002_orders.sql')];
const sealed = { ref: 'origin/main', lock: lockOf([sqlSet(base)]) };
const codes = (findings: { code: string }[]) => findings.map((finding) => finding.code);

describe('checkSealed', () => {
  it('passes when sealed migrations are untouched and new ones come after them', () => {
    const now = [sqlSet([...base, file('003_items.sql')])];
    assert.deepEqual(checkSealed(sealed, now, lockOf(now)), []);
  });

  it('refuses an edit of a sealed migration, naming where it was sealed and both ways forward', () => {
    const now = [sqlSet([file('001_users.sql', 'DROP TABLE users;\n'), base[1]!])];
    const findings = checkSealed(sealed, now, lockOf(now), () => 'a1b2c3d (2026-11-20)');
    assert.deepEqual(codes(findings), ['sealed-edited']);
    assert.equal(findings[0]!.file, 'db/001_users.sql');
    assert.match(findings[0]!.message, /^db\/001_users\.sql is sealed in origin\/main by a1b2c3d \(2026-11-20\): it has been deployed/);
    assert.match(findings[0]!.fix, /write a new migration/);
    assert.match(findings[0]!.fix, /guard amend db\/001_users\.sql/);
  });

  it('accepts an edit recorded as an amendment in the lockfile', () => {
    const now = [sqlSet([file('001_users.sql', 'CREATE TABLE users (id bigint);\n'), base[1]!])];
    const lock = lockOf(now);
    const from = sealed.lock.sets[0]!.migrations[0]!.sha256;
    const to = lock.sets[0]!.migrations[0]!.sha256;
    lock.amendments.push({ file: 'db/001_users.sql', from: `sha256:${from}`, to: `sha256:${to}`, reason: 'widen id', by: 'dev@example.com', at: '2026-11-23' });
    assert.deepEqual(checkSealed(sealed, now, lock), []);
  });

  it('refuses deleting and renaming sealed migrations', () => {
    const deleted = [sqlSet([base[1]!])];
    assert.deepEqual(codes(checkSealed(sealed, deleted, lockOf(deleted))), ['sealed-deleted']);
    const renamed = [sqlSet([{ path: '001_people.sql', bytes: base[0]!.bytes }, base[1]!])];
    const findings = checkSealed(sealed, renamed, lockOf(renamed));
    assert.deepEqual(codes(findings), ['sealed-renamed']);
    assert.match(findings[0]!.message, /db\/001_users\.sql is sealed in origin\/main and was renamed to db\/001_people\.sql/);
  });

  it('a sealed migration\'s down script is sealed with it: an edit, deletion or rename is refused, an amendment of its path allowed', () => {
    const withDown = [file('001_users.up.sql'), file('001_users.down.sql', 'DROP TABLE users;\n'), file('002_orders.sql')];
    const sealedDown = { ref: 'origin/main', lock: lockOf([sqlSet(withDown)]) };
    const edited = [sqlSet([withDown[0]!, file('001_users.down.sql', 'DROP TABLE users CASCADE;\n'), withDown[2]!])];
    const findings = checkSealed(sealedDown, edited, lockOf(edited));
    assert.deepEqual(findings.map((finding) => [finding.code, finding.file]), [['sealed-edited', 'db/001_users.down.sql']]);
    assert.match(findings[0]!.message, /the down script of db\/001_users\.up\.sql, sealed in origin\/main, changed/);
    const deleted = [sqlSet([withDown[0]!, withDown[2]!])];
    assert.deepEqual(codes(checkSealed(sealedDown, deleted, lockOf(deleted))), ['sealed-deleted']);
    // A down script under another name is no longer the pair's: the sealed one is gone.
    const renamed = [sqlSet([withDown[0]!, { path: '001_people.down.sql', bytes: withDown[1]!.bytes }, withDown[2]!])];
    const renamedFindings = checkSealed(sealedDown, renamed, lockOf(renamed));
    assert.deepEqual(renamedFindings.map((finding) => [finding.code, finding.file]), [['sealed-deleted', 'db/001_users.down.sql']]);
    const lock = lockOf(edited);
    lock.amendments.push({
      file: 'db/001_users.down.sql',
      from: `sha256:${sealedDown.lock.sets[0]!.migrations[0]!.down_sha256}`,
      to: `sha256:${lock.sets[0]!.migrations[0]!.down_sha256}`,
      reason: 'cascade',
      by: 'dev@example.com',
      at: '2026-12-06',
    });
    assert.deepEqual(checkSealed(sealedDown, edited, lock), []);
    // The lockfile line of the down script changed by hand, the files intact.
    const intact = [sqlSet(withDown)];
    const handEdited = lockOf(intact);
    handEdited.sets[0]!.migrations[0]!.down_sha256 = 'e'.repeat(64);
    assert.deepEqual(codes(checkSealed(sealedDown, intact, handEdited)), ['sealed-line-edited']);
  });

  it('refuses a hand edit of a sealed lockfile line even when the file is intact', () => {
    const now = [sqlSet(base)];
    const lock = lockOf(now);
    lock.sets[0]!.migrations[0]!.sha256 = 'f'.repeat(64);
    assert.deepEqual(codes(checkSealed(sealed, now, lock)), ['sealed-line-edited']);
  });

  it('refuses a new migration that sorts before the newest sealed one and suggests renumbering', () => {
    const spaced = [file('010_users.sql'), file('020_orders.sql')];
    const sealedSpaced = { ref: 'origin/main', lock: lockOf([sqlSet(spaced)]) };
    const now = [sqlSet([...spaced, file('015_late.sql')])];
    const findings = checkSealed(sealedSpaced, now, lockOf(now));
    assert.deepEqual(codes(findings), ['out-of-order']);
    assert.match(findings[0]!.message, /db\/015_late\.sql \(version 015\) sorts before db\/020_orders\.sql \(version 020\)/);
    assert.match(findings[0]!.fix, /guard renumber db\/015_late\.sql/);
  });

  it('never seals Flyway repeatable scripts', () => {
    const flyway = (files: SourceFile[]): SetUnderCheck => ({ dir: 'db', discovered: flywayAdapter.discover(files) });
    const before = [file('V1__init.sql'), file('R__views.sql', 'CREATE VIEW v AS SELECT 1;\n')];
    const sealedFlyway = { ref: 'origin/main', lock: lockOf([flyway(before)]) };
    const now = [flyway([before[0]!, file('R__views.sql', 'CREATE VIEW v AS SELECT 2;\n')])];
    assert.deepEqual(checkSealed(sealedFlyway, now, lockOf(now)), []);
  });
});

describe('checkSealed: every sealed set stays checked, whatever the config says now', () => {
  const setIn = (dir: string, files: SourceFile[]): SetUnderCheck => ({ dir, discovered: sqlAdapter.discover(files, { display: (path) => joinPath(dir, path) }) });
  const flywayIn = (dir: string, files: SourceFile[]): SetUnderCheck => ({ dir, discovered: flywayAdapter.discover(files, { display: (path) => joinPath(dir, path) }) });
  const chain = sealed.lock.sets[0]!.chain;
  const setAmendment = (change: 'dropped' | 'moved' | 'retooled', extra: { from?: string; to?: string; chain?: string } = {}) => ({
    set: 'db',
    change,
    chain,
    ...extra,
    reason: 'why',
    by: 'dev@example.com',
    at: '2026-12-06',
  });
  const withSetAmendments = (lock: Lockfile, amendments: ReturnType<typeof setAmendment>[]): Lockfile => ({ ...lock, setAmendments: amendments });

  it('refuses a config that no longer lists a sealed set, even when the lockfile dropped it too', () => {
    const now = [setIn('db/new', [file('001_x.sql')])];
    const findings = checkSealed(sealed, now, lockOf(now));
    assert.deepEqual(codes(findings), ['sealed-set-dropped']);
    assert.match(findings[0]!.message, /^db is a sealed set in origin\/main \(2 deployed migrations, sql\) and the config no longer lists it/);
    assert.match(findings[0]!.fix, /guard amend --set db --reason/);
  });

  it('refuses a config that reads a sealed set with another tool', () => {
    const now = [flywayIn('db', [file('V1__users.sql')])];
    const findings = checkSealed(sealed, now, lockOf(now));
    assert.deepEqual(codes(findings), ['sealed-set-retooled']);
    assert.match(findings[0]!.message, /db is a sealed set in origin\/main .* and the config now reads it as flyway/);
    assert.match(findings[0]!.fix, /set `tool: sql` for db/);
  });

  it('accepts a drop recorded against the sealed chain, and nothing else', () => {
    const now = [setIn('db/new', [file('001_x.sql')])];
    assert.deepEqual(checkSealed(sealed, now, withSetAmendments(lockOf(now), [setAmendment('dropped')])), []);
    // Recorded against an older sealed state: the set was sealed again since.
    const stale = checkSealed(sealed, now, withSetAmendments(lockOf(now), [setAmendment('dropped', { chain: `sha256:${'0'.repeat(64)}` })]));
    assert.deepEqual(codes(stale), ['sealed-set-dropped']);
    assert.match(stale[0]!.message, /recorded when origin\/main sealed sha256:000000000000…, but it now seals sha256:/);
    // An amendment of another set covers nothing here.
    assert.deepEqual(codes(checkSealed(sealed, now, withSetAmendments(lockOf(now), [{ ...setAmendment('dropped'), set: 'other' }]))), ['sealed-set-dropped']);
  });

  it('keeps a moved set sealed in its new dir: an edit there is refused, with the way to restore it', () => {
    const amended = (sets: SetUnderCheck[]) => withSetAmendments(lockOf(sets), [setAmendment('moved', { to: 'db/sql' })]);
    const moved = [setIn('db/sql', base)];
    assert.deepEqual(checkSealed(sealed, moved, amended(moved)), []);
    const edited = [setIn('db/sql', [file('001_users.sql', 'DROP TABLE users;\n'), base[1]!])];
    const findings = checkSealed(sealed, edited, amended(edited));
    assert.deepEqual(codes(findings), ['sealed-edited']);
    assert.equal(findings[0]!.file, 'db/sql/001_users.sql');
    assert.match(findings[0]!.fix, /git show origin\/main:db\/001_users\.sql > db\/sql\/001_users\.sql/);
    // Moved to a dir the config does not list: the sealed set is gone, refused.
    const elsewhere = [setIn('db/other', base)];
    const lost = checkSealed(sealed, elsewhere, amended(elsewhere));
    assert.deepEqual(codes(lost), ['sealed-set-dropped']);
    assert.match(lost[0]!.message, /records it as moved to db\/sql, but the config lists no sql set db\/sql/);
  });

  it('keeps a retooled set sealed by file name', () => {
    // Another tool that reads the same file names (as dbmate or golang-migrate
    // would read plain SQL files), with ids of its own reading.
    const readByOtherTool = (files: SourceFile[]): SetUnderCheck => {
      const discovered = sqlAdapter.discover(files, { display: (path) => joinPath('db', path) });
      return { dir: 'db', discovered: { ...discovered, tool: 'flyway', migrations: discovered.migrations.map((migration) => ({ ...migration, id: `v${migration.id}` })) } };
    };
    const amendment = setAmendment('retooled', { from: 'sql', to: 'flyway' });
    const now = [readByOtherTool(base)];
    assert.deepEqual(checkSealed(sealed, now, withSetAmendments(lockOf(now), [amendment])), []);
    const edited = [readByOtherTool([file('001_users.sql', 'DROP TABLE users;\n'), base[1]!])];
    const findings = checkSealed(sealed, edited, withSetAmendments(lockOf(edited), [amendment]));
    assert.deepEqual(codes(findings), ['sealed-edited']);
    assert.equal(findings[0]!.file, 'db/001_users.sql');
    // A file the new tool does not read is gone, as far as sealing goes.
    const unread = [readByOtherTool([base[1]!])];
    assert.deepEqual(codes(checkSealed(sealed, unread, withSetAmendments(lockOf(unread), [amendment]))), ['sealed-deleted']);
    // The amendment must name the tools as they are.
    assert.deepEqual(codes(checkSealed(sealed, now, withSetAmendments(lockOf(now), [{ ...amendment, to: 'alembic' }]))), ['sealed-set-retooled']);
  });

  it('lets a set that holds nothing sealed go without an amendment', () => {
    const flyway = (files: SourceFile[]): SetUnderCheck => flywayIn('db', files);
    const onlyRepeatable = { ref: 'origin/main', lock: lockOf([flyway([file('R__views.sql')])]) };
    const now = [setIn('db/new', [file('001_x.sql')])];
    assert.deepEqual(checkSealed(onlyRepeatable, now, lockOf(now)), []);
  });
});
