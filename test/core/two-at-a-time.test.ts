import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapTwoAtATime } from '../../src/core/two-at-a-time.js';

describe('mapTwoAtATime: the commits of a branch judged two at a time', () => {
  it('keeps the order of the items whatever order they finish in', async () => {
    const results = await mapTwoAtATime([30, 5, 20, 1, 10], async (ms) => {
      await sleep(ms);
      return ms * 2;
    });
    assert.deepEqual(results, [60, 10, 40, 2, 20]);
  });

  it('runs the first alone, then never more than two at once', async () => {
    let running = 0;
    const seen: number[] = [];
    await mapTwoAtATime([1, 2, 3, 4, 5, 6], async (item) => {
      running++;
      seen.push(running);
      await sleep(item % 2 ? 3 : 7);
      running--;
      return item;
    });
    assert.equal(seen[0], 1);
    assert.ok(Math.max(...seen) === 2, `at most two at once, saw ${seen.join(',')}`);
  });

  it('gives nothing for nothing, and the first failure for a failure', async () => {
    assert.deepEqual(await mapTwoAtATime([], async () => 1), []);
    await assert.rejects(
      mapTwoAtATime([1, 2, 3], async (item) => {
        if (item === 2) throw new Error('commit 2 unreadable');
        return item;
      }),
      /commit 2 unreadable/,
    );
  });
});
