import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeUncheckedPredecessor } from '../../../src/core/deploy/unchecked-predecessor.js';

const ours = `sha256:${'a'.repeat(64)}`;
const other = `sha256:${'b'.repeat(64)}`;
const judge = (read: Parameters<typeof judgeUncheckedPredecessor>[0]['read']) => judgeUncheckedPredecessor({ environment: 'production', predecessor: 'staging', chain: ours, read });

describe('judgeUncheckedPredecessor: a break-glass deploy stays flagged until its predecessor is readable and has its chain (issue 10, item 7)', () => {
  it('unchecked while the predecessor was not read, or cannot be read or trusted', () => {
    assert.deepEqual(judge(undefined), { state: 'unchecked', note: 'staging was not read by this status (guard status staging production checks it)' });
    assert.deepEqual(judge({ problem: 'cannot connect to postgres://app:***@db/staging', chain: null }), { state: 'unchecked', note: 'staging still cannot be read: cannot connect to postgres://app:***@db/staging' });
  });

  it('differs, loudly, when the predecessor is readable and has another chain or none', () => {
    assert.equal(judge({ chain: other }).state, 'differs');
    assert.match(judge({ chain: other }).note!, /^staging is readable now and has chain bbbbbbbbbbbb, not production's aaaaaaaaaaaa: production received what staging has not applied$/);
    assert.match(judge({ chain: null }).note!, /has no deploy of this set/);
  });

  it('confirmed once the predecessor has the same chain', () => {
    assert.deepEqual(judge({ chain: ours }), { state: 'confirmed' });
  });
});
