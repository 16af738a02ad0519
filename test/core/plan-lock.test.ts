import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLock, type LockPlan } from '../../src/core/lockfile/plan-lock.js';
import { serializeLockfile } from '../../src/core/lockfile/format/index.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { bytes, file } from './helpers.js';
import { joinPath } from '../../src/core/paths.js';

/** A set as the shell builds it: the adapter names files by their repository path. */
const sqlSet = (dir: string, files: SourceFile[]) => ({ dir, discovered: sqlAdapter.discover(files, { display: (file) => joinPath(dir, file) }) });

function plan(input: Parameters<typeof planLock>[0]): LockPlan {
  const result = planLock(input);
  assert.ok(!('refusal' in result), `refused: ${JSON.stringify('refusal' in result && result.refusal)}`);
  return result;
}

const v1 = [file('001_users.sql'), file('002_orders.sql'), file('003_items.sql')];
const first = plan({ previous: undefined, sets: [sqlSet('db', v1)] }).lock;

describe('planLock', () => {
  it('locks a new set: every migration added, heads and chain written', () => {
    const result = plan({ previous: undefined, sets: [sqlSet('db', v1)] });
    assert.deepEqual(result.changes, [
      { kind: 'set-added', set: 'db' },
      { kind: 'added', set: 'db', id: '001', file: '001_users.sql' },
      { kind: 'added', set: 'db', id: '002', file: '002_orders.sql' },
      { kind: 'added', set: 'db', id: '003', file: '003_items.sql' },
    ]);
    assert.deepEqual(result.lock.sets[0]!.heads, ['003']);
    assert.match(result.lock.sets[0]!.chain, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(result.warnings, []);
  });

  it('reports added, updated, removed and renamed migrations and the new head', () => {
    const next = [file('001_users.sql', 'CREATE TABLE users (id bigint);\n'), { path: '002_orders_v2.sql', bytes: v1[1]!.bytes }, file('004_tags.sql')];
    const result = plan({ previous: first, sets: [sqlSet('db', next)] });
    assert.deepEqual(result.changes, [
      { kind: 'updated', set: 'db', id: '001', file: '001_users.sql' },
      { kind: 'renamed', set: 'db', id: '002', file: '002_orders_v2.sql', from: '002_orders.sql' },
      { kind: 'added', set: 'db', id: '004', file: '004_tags.sql' },
      { kind: 'removed', set: 'db', id: '003', file: '003_items.sql' },
      { kind: 'heads', set: 'db', from: ['003'], to: ['004'] },
    ]);
  });

  it('changes nothing on a second run (same input, same bytes)', () => {
    const again = plan({ previous: first, sets: [sqlSet('db', v1)] });
    assert.deepEqual(again.changes, []);
    assert.equal(serializeLockfile(again.lock), serializeLockfile(first));
  });

  it('is deterministic: sets sorted by dir whatever the config order', () => {
    const a = plan({ previous: undefined, sets: [sqlSet('z', v1), sqlSet('a', v1)] }).lock;
    const b = plan({ previous: undefined, sets: [sqlSet('a', v1), sqlSet('z', v1)] }).lock;
    assert.deepEqual(a.sets.map((s) => s.dir), ['a', 'z']);
    assert.equal(serializeLockfile(a), serializeLockfile(b));
  });

  it('compares entries by their fields, not by the order an object holds its keys in', () => {
    const reordered: Lockfile = {
      ...first,
      sets: first.sets.map((set) => ({ ...set, migrations: set.migrations.map(({ id, file, sha256 }) => ({ sha256, file, id })) })),
    };
    assert.deepEqual(plan({ previous: reordered, sets: [sqlSet('db', v1)] }).changes, []);
  });

  it('keeps the amendments of the previous lockfile', () => {
    const previous: Lockfile = { ...first, amendments: [{ file: 'db/001_users.sql', from: 'sha256:a', to: 'sha256:b', reason: 'typo', by: 'x', at: '2026-01-01' }] };
    assert.deepEqual(plan({ previous, sets: [sqlSet('db', v1)] }).lock.amendments, previous.amendments);
  });

  it('refuses duplicate ids', () => {
    const result = planLock({ previous: undefined, sets: [sqlSet('db', [...v1, file('1_again.sql')])] });
    assert.ok('refusal' in result);
    assert.deepEqual(result.refusal.map((f) => [f.code, f.file]), [['duplicate-id', 'db/1_again.sql']]);
    // every file the message and fix name is a repository path the user can open
    assert.match(result.refusal[0]!.message, /version 1 is used twice: db\/001_users\.sql and db\/1_again\.sql/);
    assert.match(result.refusal[0]!.fix, /^give db\/1_again\.sql /);
  });

  it('refuses files it cannot read (binary, not UTF-8) with exit code 2', () => {
    const result = planLock({ previous: undefined, sets: [sqlSet('db', [...v1, { path: '004_x.sql', bytes: bytes('a\0') }])] });
    assert.ok('refusal' in result);
    assert.deepEqual(result.refusal.map((f) => [f.code, f.exitCode, f.file, f.set, f.line]), [['binary-file', 2, 'db/004_x.sql', 'db', 1]]);
    assert.match(result.refusal[0]!.message, /^db\/004_x\.sql is a binary file \(a NUL byte on line 1\)/);
  });

  it('locks files that break a rule but warns about them', () => {
    const result = plan({ previous: undefined, sets: [sqlSet('db', [...v1, file('init.sql')])] });
    assert.deepEqual(result.warnings.map((f) => [f.code, f.file]), [['naming', 'db/init.sql']]);
  });

  it('refuses to forget a locked set the config no longer lists, unless dropSets names it', () => {
    const previous = plan({ previous: undefined, sets: [sqlSet('db', v1), sqlSet('old', v1)] }).lock;
    const refused = planLock({ previous, sets: [sqlSet('db', v1)] });
    assert.ok('refusal' in refused);
    assert.equal(refused.refusal.length, 1);
    assert.equal(refused.refusal[0]!.code, 'set-not-configured');
    assert.equal(refused.refusal[0]!.exitCode, 2);
    assert.match(refused.refusal[0]!.message, /locks old \(3 migrations\)/);
    assert.match(refused.refusal[0]!.fix, /--drop-set old/);

    const dropped = plan({ previous, sets: [sqlSet('db', v1)], dropSets: ['old'] });
    assert.deepEqual(dropped.changes, [{ kind: 'set-dropped', set: 'old', migrations: 3 }]);
    assert.deepEqual(dropped.lock.sets.map((s) => s.dir), ['db']);
  });

  it('refuses dropSets that name a configured set or a set the lockfile does not have', () => {
    const still = planLock({ previous: first, sets: [sqlSet('db', v1)], dropSets: ['db'] });
    assert.ok('refusal' in still);
    assert.match(still.refusal[0]!.message, /the config still lists db/);
    const unknown = planLock({ previous: first, sets: [sqlSet('db', v1)], dropSets: ['nope'] });
    assert.ok('refusal' in unknown);
    assert.match(unknown.refusal[0]!.message, /the lockfile has no set nope/);
  });
});
