import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendEntry, serializeLockfile } from '../../src/core/lockfile/format/index.js';
import { toLockEntry } from '../../src/core/lockfile/lock-set.js';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import { alembicAdapter } from '../../src/core/tools/alembic/alembic-adapter.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { SourceFile, ToolAdapter } from '../../src/core/migrations/types.js';
import { bytes, file } from './helpers.js';

function lockText(adapter: ToolAdapter, sets: Record<string, SourceFile[]>): string {
  const plan = planLock({ previous: undefined, sets: Object.entries(sets).map(([dir, files]) => ({ dir, discovered: adapter.discover(files) })) });
  assert.ok(!('refusal' in plan));
  return serializeLockfile(plan.lock);
}

const revision = (id: string, parent: string | null) => ({
  path: `${id}_x.py`,
  bytes: bytes(`revision = '${id}'\ndown_revision = ${parent === null ? 'None' : `'${parent}'`}\n`),
});

describe('appendEntry', () => {
  it('gives byte for byte what a full lock writes, for SQL, in any of several sets', () => {
    const before = { 'db/a': [file('001_x.sql'), file('002_y.sql')], 'db/b': [file('001_z.sql')] };
    const added = file('003_new.sql');
    const expected = lockText(sqlAdapter, { ...before, 'db/a': [...before['db/a'], added] });
    const migration = sqlAdapter.discover([added]).migrations[0]!;
    assert.equal(appendEntry(lockText(sqlAdapter, before), 'db/a', 'sql', toLockEntry('sql', migration)), expected);
  });

  it('gives byte for byte what a full lock writes, for an Alembic revision on the head', () => {
    const before = [revision('a1', null), revision('b2', 'a1')];
    const added = revision('c3', 'b2');
    const expected = lockText(alembicAdapter, { versions: [...before, added] });
    const migration = alembicAdapter.discover([added]).migrations[0]!;
    assert.equal(appendEntry(lockText(alembicAdapter, { versions: before }), 'versions', 'alembic', toLockEntry('alembic', migration)), expected);
  });

  it('declines what it cannot do exactly: unknown set, other tool, empty set, repeatables, non-canonical text', () => {
    const text = lockText(sqlAdapter, { db: [file('001_x.sql')] });
    const entry = toLockEntry('sql', sqlAdapter.discover([file('002_y.sql')]).migrations[0]!);
    assert.equal(appendEntry(text, 'other', 'sql', entry), undefined);
    assert.equal(appendEntry(text, 'db', 'flyway', entry), undefined);
    assert.equal(appendEntry(text.replace('    chain: sha256:', '    chain:  sha256:'), 'db', 'sql', entry), undefined);
    const repeatable = text.replace(/sha256: ([0-9a-f]{64})\}/, 'sha256: $1, repeatable: true}');
    assert.equal(appendEntry(repeatable, 'db', 'sql', entry), undefined);
  });
});

describe('appendEntries and readSetTail with semantic checksums (cosmetic: allow)', () => {
  it('reads the last line of a set that records them, and appends a line with one, byte for byte what a full lock writes', async () => {
    const { appendEntries, readSetTail } = await import('../../src/core/lockfile/format/index.js');
    const semantic = (id: string) => id.repeat(64).slice(0, 64);
    const withSemantic = (files: SourceFile[]) => {
      const discovered = sqlAdapter.discover(files);
      for (const migration of discovered.migrations) migration.semantic = semantic(migration.id.slice(-1));
      return discovered;
    };
    const textOf = (files: SourceFile[]) => {
      const plan = planLock({ previous: undefined, sets: [{ dir: 'db', discovered: withSemantic(files) }] });
      assert.ok(!('refusal' in plan));
      return serializeLockfile(plan.lock);
    };
    const before = [file('001_x.sql'), file('002_y.sql')];
    const text = textOf(before);
    assert.equal(readSetTail(text, 'db')?.last.semantic, semantic('2'));
    const added = withSemantic([file('003_z.sql')]).migrations[0]!;
    assert.equal(appendEntries(text, [{ dir: 'db', tool: 'sql', entry: toLockEntry('sql', added) }]), textOf([...before, file('003_z.sql')]));
  });
});
