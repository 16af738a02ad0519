import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextVersion } from '../../src/core/migrations/next-version.js';

const now = new Date(Date.UTC(2026, 10, 23, 12, 30, 15));

describe('nextVersion', () => {
  it('sequential: one more, zero padding kept', () => {
    assert.equal(nextVersion('sql', 'sequential', '020', now), '021');
    assert.equal(nextVersion('sql', 'sequential', '099', now), '100');
    assert.equal(nextVersion('sql', 'sequential', '7', now), '8');
  });

  it('timestamp: now, or a valid second after a latest that is in the future', () => {
    assert.equal(nextVersion('sql', 'timestamp', '20260101000000', now), '20261123123015');
    assert.equal(nextVersion('sql', 'timestamp', '20261231235959', now), '20270101000000');
    assert.equal(nextVersion('sql', 'timestamp', '20261124105959', now), '20261124110000');
  });

  it('hybrid: today with counter 001, or the next counter of a latest day that is today or later', () => {
    assert.equal(nextVersion('sql', 'hybrid', '2026_01_15_004', now), '2026_11_23_001');
    assert.equal(nextVersion('sql', 'hybrid', '2026_11_23_004', now), '2026_11_23_005');
    assert.equal(nextVersion('sql', 'hybrid', '2026_12_01_009', now), '2026_12_01_010');
  });

  it('Flyway: the last part goes up', () => {
    assert.equal(nextVersion('flyway', undefined, '1.2', now), '1.3');
    assert.equal(nextVersion('flyway', undefined, '7', now), '8');
    assert.equal(nextVersion('flyway', undefined, '2026.01.15.9', now), '2026.01.15.10');
  });
});
