import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appliedTable } from '../../../src/core/deploy/applied-table.js';
import { formatHeads } from '../../../src/core/deploy/format-heads.js';
import { sameHeads } from '../../../src/core/deploy/same-heads.js';
import { shortDigest } from '../../../src/core/deploy/short-digest.js';
import { suggestName } from '../../../src/core/suggest-name.js';
import { DEPLOY_STATUSES, isSuccessful, nameOf } from '../../../src/core/deploy/types.js';
import { hex64 } from '../helpers.js';

describe('deploy message helpers', () => {
  it('shortDigest: 12 hex digits, with or without sha256:', () => {
    const hex = hex64('x');
    assert.equal(shortDigest(`sha256:${hex}`), hex.slice(0, 12));
    assert.equal(shortDigest(hex), hex.slice(0, 12));
  });

  it('formatHeads: none, one, several sorted', () => {
    assert.equal(formatHeads([]), 'no head');
    assert.equal(formatHeads(['c3']), 'c3');
    assert.equal(formatHeads(['c3', 'b2']), '[b2, c3]');
  });

  it('sameHeads: as sets', () => {
    assert.ok(sameHeads([], []));
    assert.ok(sameHeads(['a', 'b'], ['b', 'a']));
    assert.ok(!sameHeads(['a'], ['a', 'b']));
    assert.ok(!sameHeads(['a', 'b'], ['a', 'c']));
  });

  it('suggestName: case, abbreviation, small typos; nothing for far names', () => {
    const names = ['local', 'ci', 'staging', 'production'];
    assert.equal(suggestName('PRODUCTION', names), 'production');
    assert.equal(suggestName('prod', names), 'production');
    assert.equal(suggestName('stagin', names), 'staging');
    assert.equal(suggestName('stgaing', names), 'staging');
    assert.equal(suggestName('cii', names), 'ci');
    assert.equal(suggestName('qa', names), undefined);
    assert.equal(suggestName('development', names), undefined);
    assert.equal(suggestName('pr', names), undefined, 'two letters are too few to abbreviate');
  });

  it('isSuccessful: the statuses that describe the database', () => {
    assert.deepEqual(DEPLOY_STATUSES.filter((status) => isSuccessful({ status })), ['succeeded', 'recorded'], 'a settled crash never vouches for a head');
  });

  it('nameOf and appliedTable', () => {
    assert.equal(nameOf('ci'), 'ci');
    assert.equal(nameOf({ name: 'ci' }), 'ci');
    assert.equal(appliedTable({ tool: 'alembic', heads: [] }), 'alembic_version');
    assert.equal(appliedTable({ tool: 'flyway', heads: [] }), 'flyway_schema_history');
    assert.equal(appliedTable({ tool: 'sql', heads: [], table: 'guard.applied' }), 'guard.applied');
  });
});
