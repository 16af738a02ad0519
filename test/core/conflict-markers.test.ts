import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_ALGORITHM } from '../../src/core/checksum.js';
import { chainDigest } from '../../src/core/lockfile/chain-digest.js';
import { findConflictMarkers, splitConflictSides } from '../../src/core/lockfile/conflict-markers.js';
import { parseLockfile, serializeLockfile } from '../../src/core/lockfile/format/index.js';
import { mergeLockfiles } from '../../src/core/lockfile/plan-lock.js';
import type { Amendment, LockEntry, LockSet, Lockfile } from '../../src/core/lockfile/types.js';
import { hex64 } from './helpers.js';

const entry = (id: string, content = id): LockEntry => ({ id, file: `${id}_m.sql`, sha256: hex64(content) });
const set = (dir: string, migrations: LockEntry[]): LockSet => ({
  dir,
  tool: 'sql',
  heads: migrations.length ? [migrations.at(-1)!.id] : [],
  chain: chainDigest('sql', migrations),
  migrations,
});
const lockfile = (sets: LockSet[], amendments: Amendment[] = []): Lockfile => ({ lockfile: 1, algorithm: CONTENT_ALGORITHM, sets, amendments });
const amendment = (reason: string): Amendment => ({ file: 'db/001_m.sql', from: `sha256:${hex64('a')}`, to: `sha256:${hex64(reason)}`, reason, by: 'dev@example.com', at: '2026-11-23' });

describe('conflict markers', () => {
  const merge = ['a', '<<<<<<< HEAD', 'ours 1', 'ours 2', '=======', 'theirs 1', '>>>>>>> feature/x', 'z'].join('\n');
  const diff3 = ['a', '<<<<<<< HEAD', 'ours', '||||||| merged common ancestors', 'base', '=======', 'theirs', '>>>>>>> feature', 'z'].join('\n');

  it('finds the line of every marker', () => {
    assert.deepEqual(findConflictMarkers(merge), [2, 5, 7]);
    assert.deepEqual(findConflictMarkers(diff3), [2, 4, 6, 8]);
    assert.deepEqual(findConflictMarkers('a\n=======\nb\n'), []);
    assert.deepEqual(findConflictMarkers('a: "<<<<<<< not at line start"\n'), []);
  });

  it('splits the merge style into our and their side', () => {
    assert.deepEqual(splitConflictSides(merge), { ours: 'a\nours 1\nours 2\nz', theirs: 'a\ntheirs 1\nz' });
  });

  it('splits the diff3 style and leaves the base out of both sides', () => {
    assert.deepEqual(splitConflictSides(diff3), { ours: 'a\nours\nz', theirs: 'a\ntheirs\nz' });
  });

  it('handles several conflicts and bare markers (git writes `<<<<<<<` alone with some settings)', () => {
    const two = ['<<<<<<<', 'o1', '=======', 't1', '>>>>>>>', 'mid', '<<<<<<< HEAD', '=======', 't2', '>>>>>>> b'].join('\n');
    assert.deepEqual(splitConflictSides(two), { ours: 'o1\nmid', theirs: 't1\nmid\nt2' });
  });

  it('reads markers in a CRLF file', () => {
    const crlf = merge.replaceAll('\n', '\r\n').replace('>>>>>>> feature/x', '>>>>>>>');
    assert.deepEqual(findConflictMarkers(crlf), [2, 5, 7]);
    assert.deepEqual(splitConflictSides(crlf), { ours: 'a\r\nours 1\r\nours 2\r\nz', theirs: 'a\r\ntheirs 1\r\nz' });
  });

  it('refuses markers that do not pair up', () => {
    assert.equal(splitConflictSides('<<<<<<< HEAD\nours\n'), undefined);
    assert.equal(splitConflictSides('<<<<<<< HEAD\nours\n>>>>>>> x\n'), undefined);
    assert.equal(splitConflictSides('>>>>>>> x\n'), undefined);
    assert.equal(splitConflictSides('<<<<<<< a\n<<<<<<< b\n=======\n>>>>>>> c\n'), undefined);
  });

  it('a conflicted lockfile splits into two lockfiles that parse', async () => {
    const base = [entry('001')];
    const ours = serializeLockfile(lockfile([set('db', [...base, entry('002')])]));
    const theirs = serializeLockfile(lockfile([set('db', [...base, entry('003')])]));
    // what git writes: the differing lines between markers
    const oursLines = ours.split('\n');
    const theirsLines = theirs.split('\n');
    const out: string[] = [];
    for (let i = 0; i < oursLines.length; i++) {
      if (oursLines[i] === theirsLines[i]) out.push(oursLines[i]!);
      else out.push('<<<<<<< HEAD', oursLines[i]!, '=======', theirsLines[i]!, '>>>>>>> feature');
    }
    const sides = splitConflictSides(out.join('\n'));
    assert.ok(sides);
    assert.equal(sides.ours, ours);
    assert.equal(sides.theirs, theirs);
    assert.equal((await parseLockfile(sides.theirs, 'x')).lock.sets[0]!.migrations[1]!.id, '003');
  });
});

describe('mergeLockfiles', () => {
  it('unions the entries of both sides and the sets only one side has', () => {
    const ours = lockfile([set('db', [entry('001'), entry('002')]), set('only-ours', [entry('001')])]);
    const theirs = lockfile([set('db', [entry('001'), entry('003')]), set('only-theirs', [entry('009')])]);
    const { merged, clashes } = mergeLockfiles(ours, theirs);
    assert.deepEqual(clashes, []);
    const byDir = new Map(merged.sets.map((s) => [s.dir, s]));
    assert.deepEqual(byDir.get('db')!.migrations.map((e) => e.id), ['001', '002', '003']);
    assert.deepEqual([...byDir.keys()].sort(), ['db', 'only-ours', 'only-theirs']);
    // the input is not modified
    assert.deepEqual(ours.sets[0]!.migrations.map((e) => e.id), ['001', '002']);
  });

  it('keeps every amendment once', () => {
    const shared = amendment('shared');
    const { merged } = mergeLockfiles(lockfile([], [shared, amendment('ours')]), lockfile([], [amendment('theirs'), shared]));
    assert.deepEqual(merged.amendments.map((a) => a.reason), ['shared', 'ours', 'theirs']);
  });

  it('reports an id both sides lock differently, naming the file, and keeps ours', () => {
    const ours = lockfile([set('db', [entry('001'), entry('002', 'ours')])]);
    const theirs = lockfile([set('db', [entry('001'), entry('002', 'theirs')])]);
    const { merged, clashes } = mergeLockfiles(ours, theirs);
    assert.deepEqual(clashes, ['db/002_m.sql (id 002)']);
    assert.equal(merged.sets[0]!.migrations[1]!.sha256, hex64('ours'));
  });
});
