// guard's Alembic heads against real Alembic's, on many random histories and on
// several points of each history (revisions added one by one, like commits).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alembicAdapter } from '../src/core/tools/alembic/alembic-adapter.js';
import type { DiscoveredSet, SourceFile } from '../src/core/migrations/types.js';
import {
  alembicHeadsCli,
  foldersUnder,
  readSourceFiles,
  realAlembicHeads,
  realAlembicMissing,
  realAlembicVersion,
  type RealCase,
} from './helpers/alembic-real.js';
import { encodeRevisionFile, prng, randomHistory, revisionFile, type RandomHistory } from './helpers/alembic-random-history.js';

const HISTORIES = 60;
/** Problems under which `alembic heads` would not answer at all. */
const FATAL = new Set(['unparseable', 'not-utf8', 'dangling-parent', 'unknown-dependency', 'cycle', 'duplicate-branch-label', 'duplicate-id']);

interface Checkpoint {
  history: RandomHistory;
  /** How many revisions of the history exist at this point. */
  size: number;
  dir: string;
  guard: DiscoveredSet;
}

/** A one-line description to reproduce a failure. */
const describeCheckpoint = (c: Checkpoint) =>
  `seed ${c.history.seed}, first ${c.size} of ${c.history.revisions.length} revisions${c.history.recursive ? ', sub-folders' : ''} (${c.dir})`;

const missing = realAlembicMissing();

describe('guard finds the heads real Alembic finds', { skip: missing }, () => {
  let root: string;
  const checkpoints: Checkpoint[] = [];
  const histories: RandomHistory[] = [];

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'guard-alembic-heads-'));
    for (let n = 0; n < HISTORIES; n++) {
      const seed = 1000 + n;
      const random = prng(seed * 7919);
      const size = 6 + Math.floor(random() * 30);
      const history = randomHistory(seed, size, n % 3 === 0);
      histories.push(history);
      const texts = history.revisions.map((revision) => revisionFile(revision, random, 'python3'));
      // Points of history: a few prefixes, always including the whole history.
      const sizes = new Set([1, Math.ceil(size / 3), Math.ceil((2 * size) / 3), size]);
      sizes.add(1 + Math.floor(random() * size));
      for (const k of [...sizes].sort((a, b) => a - b)) {
        const dir = path.join(root, `h${seed}`, `at${k}`, 'versions');
        for (let i = 0; i < k; i++) {
          const file = path.join(dir, history.revisions[i]!.file);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, encodeRevisionFile(texts[i]!));
        }
        const guard = alembicAdapter.discover(readSourceFiles(dir, history.recursive), {});
        checkpoints.push({ history, size: k, dir, guard });
      }
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`matches \`alembic heads\` (Alembic ${missing ? '?' : realAlembicVersion()}) on ${HISTORIES} random histories at several points each`, () => {
    // Alembic 1.8 has no recursive_version_locations (1.10+): every sub-folder is
    // listed as a version location, which is what the recursive option means.
    const cases: RealCase[] = checkpoints.map((c) => ({ root, locations: foldersUnder(c.dir) }));
    const real = realAlembicHeads(cases);
    let merges = 0;
    let multiHead = 0;
    checkpoints.forEach((c, i) => {
      const result = real[i]!;
      assert.ok(!('error' in result), `${describeCheckpoint(c)}: real Alembic failed: ${'error' in result ? result.error : ''}`);
      const fatal = c.guard.problems.filter((p) => FATAL.has(p.code));
      assert.deepEqual(fatal, [], `${describeCheckpoint(c)}: guard reports problems Alembic does not have`);
      assert.deepEqual([...c.guard.heads].sort(), result.heads, `${describeCheckpoint(c)}: heads differ`);
      assert.equal(c.guard.migrations.length, c.size, `${describeCheckpoint(c)}: revision count`);
      merges += c.guard.mergePoints.length;
      if (result.heads.length > 1) multiHead++;
    });
    // The generator must really produce the shapes this test is about.
    assert.ok(checkpoints.length >= HISTORIES * 4, `${checkpoints.length} checkpoints`);
    assert.ok(merges > 50, `${merges} merge revisions`);
    assert.ok(multiHead > 40, `${multiHead} checkpoints with several heads`);
    assert.ok(histories.some((h) => h.revisions.some((r) => r.dependsOn.length > 0 && r.labels.length === 0)));
  });

  it('reads the same heads when the bodies are Python-2-only (which Alembic on Python 3 cannot import)', () => {
    const finals = checkpoints.filter((c) => c.size === c.history.revisions.length);
    for (const c of finals) {
      const random = prng(c.history.seed * 31);
      const files: SourceFile[] = c.history.revisions.map((revision) => ({
        path: revision.file,
        bytes: new Uint8Array(encodeRevisionFile(revisionFile(revision, random, 'python2'))),
      }));
      const py2 = alembicAdapter.discover(files, {});
      assert.deepEqual(py2.problems.filter((p) => FATAL.has(p.code)), [], describeCheckpoint(c));
      assert.deepEqual(py2.heads, c.guard.heads, describeCheckpoint(c));
    }
  });

  it('agrees with the `python3 -m alembic -c alembic.ini heads` command line', () => {
    const finals = checkpoints.filter((c) => c.size === c.history.revisions.length).slice(0, 6);
    for (const c of finals) {
      const here = path.dirname(c.dir);
      const locations = foldersUnder(c.dir).map((dir) => `%(here)s/${path.relative(here, dir)}`);
      writeFileSync(
        path.join(here, 'alembic.ini'),
        [
          '[alembic]',
          'script_location = %(here)s',
          `recursive_version_locations = ${c.history.recursive ? 'true' : 'false'}`,
          `version_locations = ${locations.join(' ')}`,
          '',
        ].join('\n'),
      );
      const cli = alembicHeadsCli(path.join(here, 'alembic.ini'));
      assert.ok('heads' in cli, `${describeCheckpoint(c)}: ${'error' in cli ? cli.error : ''}`);
      assert.deepEqual([...c.guard.heads].sort(), cli.heads, describeCheckpoint(c));
    }
  });
});
