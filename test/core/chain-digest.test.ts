import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainDigest, chainDigests } from '../../src/core/lockfile/chain-digest.js';
import type { LockEntry } from '../../src/core/lockfile/types.js';
import { hex64 } from './helpers.js';

const entries: LockEntry[] = [
  { id: 'a1', file: 'a1_init.py', parents: [], sha256: hex64('a1') },
  { id: 'b2', file: 'b2_users.py', parents: ['a1'], sha256: hex64('b2'), down: 'b2.down.sql', down_sha256: hex64('b2d') },
  { id: 'c3', file: 'c3_orders.py', parents: ['b2'], sha256: hex64('c3') },
];
const base = chainDigest('alembic', entries);

function withChange(index: number, change: Partial<LockEntry>): LockEntry[] {
  return entries.map((entry, i) => (i === index ? { ...entry, ...change } : entry));
}

describe('chain digest', () => {
  it('is sha256:<64 hex> and stable', () => {
    assert.match(base, /^sha256:[0-9a-f]{64}$/);
    assert.equal(chainDigest('alembic', structuredClone(entries)), base);
    assert.match(chainDigest('sql', []), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(chainDigest('sql', []), chainDigest('flyway', []));
  });

  it('changes with any field of any entry', () => {
    const changes: Array<[number, Partial<LockEntry>]> = [
      [0, { sha256: hex64('edited') }],
      [2, { sha256: hex64('edited') }],
      [1, { file: 'b2_renamed.py' }],
      [1, { id: 'b2x' }],
      [1, { parents: ['a1', 'x'] }],
      [2, { parents: ['a1'] }],
      [1, { down: 'other.down.sql' }],
      [1, { down_sha256: hex64('other') }],
      [0, { down: 'a1.down.sql', down_sha256: hex64('a1d') }],
      [0, { branch_labels: ['main'] }],
      [2, { depends_on: ['b2'] }],
      [2, { repeatable: true }],
    ];
    const seen = new Set([base]);
    for (const [index, change] of changes) {
      const digest = chainDigest('alembic', withChange(index, change));
      assert.ok(!seen.has(digest), `changing ${JSON.stringify(change)} of entry ${index} did not change the digest`);
      seen.add(digest);
    }
  });

  it('changes with the order of entries and with the tool', () => {
    assert.notEqual(chainDigest('alembic', [entries[1]!, entries[0]!, entries[2]!]), base);
    assert.notEqual(chainDigest('sql', entries), base);
    assert.notEqual(chainDigest('alembic', entries.slice(0, 2)), base);
  });

  it('does not let one field run into the next', () => {
    const a: LockEntry[] = [{ id: 'x', file: 'ab', sha256: hex64('1') }];
    const b: LockEntry[] = [{ id: 'xa', file: 'b', sha256: hex64('1') }];
    assert.notEqual(chainDigest('sql', a), chainDigest('sql', b));
    const p1: LockEntry[] = [{ id: 'x', file: 'f', parents: ['a', 'b'], sha256: hex64('1') }];
    const p2: LockEntry[] = [{ id: 'x', file: 'f', parents: ['a,b'], sha256: hex64('1') }];
    assert.notEqual(chainDigest('alembic', p1), chainDigest('alembic', p2));
  });

  it('every prefix digest equals the digest of that prefix', () => {
    const digests = chainDigests('alembic', entries);
    assert.equal(digests.length, entries.length);
    for (let n = 1; n <= entries.length; n++) assert.equal(`sha256:${digests[n - 1]}`, chainDigest('alembic', entries.slice(0, n)));
    assert.equal(`sha256:${digests.at(-1)}`, base);
    assert.deepEqual(chainDigests('alembic', []), []);
  });
});
