import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeLockfileSides, type LockfileMerge } from '../../src/core/lockfile-merge/merge-lockfile-sides.js';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import { serializeLockfile } from '../../src/core/lockfile/format/index.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { ADAPTERS } from '../../src/core/tools/registry.js';
import type { SourceFile, Tool } from '../../src/core/migrations/types.js';
import { joinPath } from '../../src/core/paths.js';
import { alembicRevision } from '../helpers/git-repo.js';
import { file } from './helpers.js';

/** What `guard lock` writes for these files. */
function lockOf(tool: Tool, files: SourceFile[], dir = 'db'): Lockfile {
  const discovered = ADAPTERS[tool].discover(files, { display: (path) => joinPath(dir, path) });
  const plan = planLock({ previous: undefined, sets: [{ dir, discovered }] });
  assert.ok(!('refusal' in plan), JSON.stringify(plan));
  return plan.lock;
}

const merged = (result: LockfileMerge): Lockfile => {
  assert.ok(result.merged, `not merged: ${!result.merged && result.reasons.join('; ')}`);
  return result.lock;
};
const reasons = (result: LockfileMerge): string => {
  assert.ok(!result.merged, 'merged, but a conflict was expected');
  return result.reasons.join('\n');
};

const sql = {
  base: [file('010_users.sql'), file('020_orders.sql')],
  a: file('030_items.sql'),
  b: file('040_tags.sql'),
};
const rev = (id: string, down: string | string[] | null, labels = '') => ({ path: `${id}_x.py`, bytes: new TextEncoder().encode(alembicRevision(id, down, labels)) });

describe('mergeLockfileSides (the lockfile merge driver)', () => {
  it('merges two sides that each added a migration: byte for byte what guard lock writes for the union', () => {
    const base = lockOf('sql', sql.base);
    const result = merged(mergeLockfileSides({ base, ours: lockOf('sql', [...sql.base, sql.a]), theirs: lockOf('sql', [...sql.base, sql.b]) }));
    assert.equal(serializeLockfile(result), serializeLockfile(lockOf('sql', [...sql.base, sql.a, sql.b])));
    // Symmetric: the order of the sides does not matter.
    const swapped = merged(mergeLockfileSides({ base, ours: lockOf('sql', [...sql.base, sql.b]), theirs: lockOf('sql', [...sql.base, sql.a]) }));
    assert.equal(serializeLockfile(swapped), serializeLockfile(result));
  });

  it('refuses when both sides added the same version as different files', () => {
    const base = lockOf('sql', sql.base);
    const text = reasons(
      mergeLockfileSides({ base, ours: lockOf('sql', [...sql.base, file('030_items.sql')]), theirs: lockOf('sql', [...sql.base, file('030_tags.sql')]) }),
    );
    assert.match(text, /both sides added id 030 in db, differently \(db\/030_items\.sql and db\/030_tags\.sql\)/);
  });

  it('refuses when a side edited or removed a migration the base had', () => {
    const base = lockOf('sql', sql.base);
    const edited = lockOf('sql', [file('010_users.sql', 'CREATE TABLE users (id bigint);\n'), sql.base[1]!, sql.a]);
    assert.match(reasons(mergeLockfileSides({ base, ours: edited, theirs: lockOf('sql', [...sql.base, sql.b]) })), /ours changed the line of db\/010_users\.sql \(id 010\)/);
    const removed = lockOf('sql', [sql.base[0]!, sql.b]);
    assert.match(reasons(mergeLockfileSides({ base, ours: lockOf('sql', [...sql.base, sql.a]), theirs: removed })), /theirs removed or renamed db\/020_orders\.sql/);
  });

  it('accepts the same change on both sides (one side merged the other before)', () => {
    const base = lockOf('sql', sql.base);
    const both = [...sql.base, sql.a];
    merged(mergeLockfileSides({ base, ours: lockOf('sql', [...both, sql.b]), theirs: lockOf('sql', both) }));
  });

  it('refuses a new migration that would sort before one sealed on the protected branch', () => {
    const base = lockOf('sql', sql.base);
    const main = lockOf('sql', [...sql.base, sql.b]); // 040 reached main: sealed
    const feature = lockOf('sql', [...sql.base, file('030_late.sql')]);
    const text = reasons(mergeLockfileSides({ base, ours: feature, theirs: main, sealed: { ref: 'origin/main', lock: main } }));
    assert.match(text, /db\/030_late\.sql \(version 030\) sorts before db\/040_tags\.sql \(version 040\), which is already sealed in origin\/main/);
    assert.match(text, /guard renumber db\/030_late\.sql/);
    // Without a sealed state the same union is in order and merges.
    merged(mergeLockfileSides({ base, ours: feature, theirs: main }));
  });

  it('Alembic: two revisions on the same head give two heads, which is a conflict naming alembic merge', () => {
    const base = [rev('a1', null), rev('b2', 'a1')];
    const text = reasons(mergeLockfileSides({ base: lockOf('alembic', base), ours: lockOf('alembic', [...base, rev('c3', 'b2')]), theirs: lockOf('alembic', [...base, rev('d4', 'b2')]) }));
    assert.match(text, /heads/);
    assert.match(text, /alembic merge heads/);
  });

  it('Alembic: a merge revision on one side joins what the other side already had', () => {
    const base = [rev('a1', null), rev('b2', 'a1'), rev('c3', 'b2')];
    const ours = [...base, rev('d4', 'b2'), rev('e5', ['c3', 'd4'])];
    const result = merged(mergeLockfileSides({ base: lockOf('alembic', base), ours: lockOf('alembic', ours), theirs: lockOf('alembic', base) }));
    assert.deepEqual(result.sets[0]!.heads, ['e5']);
    assert.equal(serializeLockfile(result), serializeLockfile(lockOf('alembic', ours)));
  });

  it('merges sets that only one side has, and amendments of both sides once each', () => {
    const base = lockOf('sql', sql.base);
    const flyway = lockOf('flyway', [file('V1__init.sql')], 'db/flyway');
    const ours: Lockfile = { ...lockOf('sql', [...sql.base, sql.a]), amendments: [{ file: 'db/010_users.sql', from: 'sha256:aa', to: 'sha256:bb', reason: 'typo', by: 'a@example.com', at: '2026-11-01' }] };
    const theirs: Lockfile = { ...base, sets: [...base.sets, ...flyway.sets], amendments: [...ours.amendments] };
    const result = merged(mergeLockfileSides({ base, ours, theirs }));
    assert.deepEqual(result.sets.map((set) => set.dir), ['db', 'db/flyway']);
    assert.equal(result.amendments.length, 1);
  });

  it('merges when the base had no lockfile and both sides created one with different migrations', () => {
    const result = merged(mergeLockfileSides({ base: undefined, ours: lockOf('sql', [sql.base[0]!]), theirs: lockOf('sql', [sql.base[1]!]) }));
    assert.deepEqual(result.sets[0]!.migrations.map((entry) => entry.id), ['010', '020']);
  });
});

describe('mergeLockfileSides and semantic checksums', () => {
  const withSemantic = (lock: Lockfile): Lockfile => ({
    ...lock,
    semantic: 'guard-semantic/1',
    sets: lock.sets.map((set) => ({ ...set, migrations: set.migrations.map((entry) => ({ ...entry, semantic: entry.sha256.split('').reverse().join('') })) })),
  });

  it('keeps each line\'s semantic checksum and the algorithm', () => {
    const base = withSemantic(lockOf('sql', sql.base));
    const result = merged(mergeLockfileSides({ base, ours: withSemantic(lockOf('sql', [...sql.base, sql.a])), theirs: withSemantic(lockOf('sql', [...sql.base, sql.b])) }));
    assert.equal(serializeLockfile(result), serializeLockfile(withSemantic(lockOf('sql', [...sql.base, sql.a, sql.b]))));
  });

  it('refuses sides that record them under different algorithms', () => {
    const base = lockOf('sql', sql.base);
    const ours = withSemantic(lockOf('sql', [...sql.base, sql.a]));
    const theirs = { ...withSemantic(lockOf('sql', [...sql.base, sql.b])), semantic: 'guard-semantic/2' };
    assert.match(reasons(mergeLockfileSides({ base, ours, theirs })), /different algorithms \(guard-semantic\/1 and guard-semantic\/2\)/);
  });
});
