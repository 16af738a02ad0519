// Round trips of the lockfile format (core/lockfile/format/) over generated
// lockfiles: the canonical text is a fixed point of parse then serialize; the
// canonical fast reader gives exactly what the YAML parser gives, or declines;
// an append reads back as the new last entry, byte for byte what a full lock
// writes. Property-based, like test/cli/property.test.ts: the seed is fixed
// and printed; replay a failure with
//   GUARD_PROPERTY_SEED=<seed> node test/run.mjs lockfile-round-trip
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CONTENT_ALGORITHM } from '../../src/core/checksum.js';
import { GuardError } from '../../src/core/guard-error.js';
import { chainDigest } from '../../src/core/lockfile/chain-digest.js';
import {
  appendEntries,
  appendEntry,
  locksExactlySets,
  parseLockfile,
  readCanonicalLockfile,
  readSetTail,
  serializeLockfile,
} from '../../src/core/lockfile/format/index.js';
import { entryLine } from '../../src/core/lockfile/format/serialize.js';
import { sameEntry } from '../../src/core/lockfile/lock-set.js';
import { SET_CHANGES, type Amendment, type LockEntry, type LockSet, type Lockfile, type SetAmendment } from '../../src/core/lockfile/types.js';
import { TOOLS } from '../../src/core/migrations/types.js';
import { escapesDir, normaliseDir } from '../../src/core/paths.js';
import { readYaml } from '../../src/core/read-yaml.js';

const SEED = Number(process.env.GUARD_PROPERTY_SEED ?? 20261207);
const SCALE = Number(process.env.GUARD_PROPERTY_RUNS ?? 1);
const RUNS = Math.round(300 * SCALE);
console.log(`lockfile round trips: seed ${SEED}, ${RUNS} lockfiles per property (replay: GUARD_PROPERTY_SEED=${SEED} node test/run.mjs lockfile-round-trip)`);
const settings = { seed: SEED, numRuns: RUNS };

const NAME = 'checksums.lock.yaml';

/** Strings a YAML reader could take for something else: numbers, booleans, null, dates, syntax, odd characters. */
const AWKWARD = [
  '001', '1e5', '1.0', '.5', '1_000', '0x1F', '0o17', '1:20', '+1', '-1', 'true', 'False', 'yes', 'NO', 'on', 'y', 'null', '~',
  '.nan', '-.inf', '2026-01-15', '12:30:00', 'a b', ' lead', 'trail ', 'a: b', 'a #b', '#x', 'a,b', 'a}b', '[x]', '{x}',
  '"q"', "'s'", 'back\\slash', 'tab\there', 'new\nline', '-', '- x', '? x', '!tag', '&anchor', '*alias', '|', '>', '%d', '@',
  '`', '<<', 'é', '日本語', '😀', '\u007f', 'x\u0085y', 'x\u2028y', 'x\ufeffy', 'x\uffffy', 'sha256:abc', 'abc_DEF-1.2/x+y', 'plain',
];

const text = fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }), fc.stringMatching(/^[a-z0-9_]{1,12}$/));
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const fileName = text.filter((name) => !escapesDir(name, false));
const dirName = fc.oneof(fc.constant('.'), fc.array(text, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'))).filter((dir) => !escapesDir(dir, true) && normaliseDir(dir) === dir);

/** Present in about one entry in five. */
const sometimes = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

const entry = (tool: string): fc.Arbitrary<LockEntry> =>
  fc
    .record({
      id: text,
      file: fileName,
      // Alembic entries always have parents.
      parents: tool === 'alembic' ? fc.array(text, { maxLength: 2 }) : sometimes(fc.array(text, { maxLength: 2 })),
      sha256: hex,
      down: sometimes(fileName),
      down_sha256: sometimes(hex),
      branch_labels: sometimes(fc.array(text, { minLength: 1, maxLength: 2 })),
      depends_on: sometimes(fc.array(text, { minLength: 1, maxLength: 2 })),
      repeatable: sometimes(fc.constant(true as const)),
    })
    .map((value) => Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as unknown as LockEntry);

/** Entries with distinct ids and files, as the parser requires. */
function distinct(entries: LockEntry[]): LockEntry[] {
  const ids = new Set<string>();
  const files = new Set<string>();
  return entries.filter((candidate) => {
    if (ids.has(candidate.id) || files.has(candidate.file)) return false;
    ids.add(candidate.id);
    files.add(candidate.file);
    return true;
  });
}

const lockSet: fc.Arbitrary<LockSet> = fc
  .tuple(dirName, fc.constantFrom(...TOOLS))
  .chain(([dir, tool]) =>
    fc.record({
      dir: fc.constant(dir),
      tool: fc.constant(tool),
      migrations: fc.array(entry(tool), { maxLength: 6 }).map(distinct),
      extraHeads: fc.array(text, { maxLength: 1 }),
    }),
  )
  .map(({ dir, tool, migrations, extraHeads }) => ({
    dir,
    tool,
    heads: [...migrations.slice(-1).map((last) => last.id), ...extraHeads],
    chain: chainDigest(tool, migrations),
    migrations,
  }));

const amendment: fc.Arbitrary<Amendment> = fc
  .record({
  file: text.filter((file) => !escapesDir(file, true)),
  from: hex.map((digest) => `sha256:${digest}`),
  to: hex.map((digest) => `sha256:${digest}`),
  reason: text,
  by: text,
    at: fc.constantFrom('2026-11-23', '2026-01-15'),
  })
  .map((value) => ({ ...value }));

const setAmendment: fc.Arbitrary<SetAmendment> = fc
  .record({ set: dirName, change: fc.constantFrom(...SET_CHANGES), to: dirName, tools: fc.shuffledSubarray([...TOOLS], { minLength: 2, maxLength: 2 }), chain: hex, reason: text, by: text, at: text })
  .filter(({ set, change, to }) => change !== 'moved' || to !== set)
  .map(({ set, change, to, tools, chain, reason, by, at }) => ({
    set,
    change,
    ...(change === 'moved' ? { to } : {}),
    ...(change === 'retooled' ? { from: tools[0]!, to: tools[1]! } : {}),
    chain: `sha256:${chain}`,
    reason,
    by,
    at,
  }));

const lockfile: fc.Arbitrary<Lockfile> = fc
  .record({
    sets: fc.uniqueArray(lockSet, { maxLength: 3, selector: (set) => set.dir }),
    amendments: fc.array(amendment, { maxLength: 2 }),
    setAmendments: fc.array(setAmendment, { maxLength: 2 }),
  })
  .map(({ sets, amendments, setAmendments }) => ({
    lockfile: 1 as const,
    algorithm: CONTENT_ALGORITHM,
    sets,
    amendments,
    ...(setAmendments.length > 0 ? { setAmendments } : {}),
  }));

/** Edits a person or a broken tool could make: characters inserted, deleted or replaced, lines duplicated, swapped or deleted. */
const SNIPPETS = [
  ' ', '  ', '#', ' # c', '"', "'", ',', ', ', '{', '}', '[', ']', ':', ': ', '- ', '\n', '\t', '\r', 'x', '1', 'true', 'null', '~', '&a ', '*a',
  '!t ', '\\', '\\n', '"a"', '\'a\'', 'parents: []', ', repeatable: true', ', repeatable: false', ', id: x', 'é', '\u2028', '\u0085', '\ufeff', '---\n', '...\n', '? ', '|', '>',
  '<<<<<<< ours\n', '=======\n', '>>>>>>> theirs\n', '      - {id: x, file: x.sql, sha256: ' + '0'.repeat(64) + '}\n', '  - dir: x\n',
];
type Edit =
  | { kind: 'insert'; at: number; snippet: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate-line' | 'delete-line'; line: number }
  | { kind: 'swap-lines'; a: number; b: number };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), snippet: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constantFrom('duplicate-line' as const, 'delete-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
);

function applyEdit(original: string, change: Edit): string {
  if (change.kind === 'insert' || change.kind === 'delete') {
    const at = change.at % (original.length + 1);
    return change.kind === 'insert' ? original.slice(0, at) + change.snippet + original.slice(at) : original.slice(0, at) + original.slice(at + change.length);
  }
  const lines = original.split('\n');
  if (change.kind === 'swap-lines') {
    const a = change.a % lines.length;
    const b = change.b % lines.length;
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
  } else {
    const line = change.line % lines.length;
    if (change.kind === 'duplicate-line') lines.splice(line, 0, lines[line]!);
    else lines.splice(line, 1);
  }
  return lines.join('\n');
}

/** What the YAML parser reads from `text`, or undefined when it refuses it. */
async function viaYaml(text: string): Promise<Awaited<ReturnType<typeof readYaml>> | undefined> {
  try {
    return await readYaml(text, NAME, 'restore it');
  } catch (error) {
    if (error instanceof GuardError) return undefined;
    throw error;
  }
}

describe(`lockfile round trips (seed ${SEED})`, () => {
  it('serialize(parse(text)) is text for every canonical text, and parse(serialize(lock)) is lock', async () => {
    await fc.assert(
      fc.asyncProperty(lockfile, async (lock) => {
        const text = serializeLockfile(lock);
        const parsed = await parseLockfile(text, NAME);
        assert.equal(parsed.via, 'canonical');
        assert.deepEqual(parsed.lock, lock);
        assert.equal(serializeLockfile(parsed.lock), text);
      }),
      settings,
    );
  });

  it('the fast reader gives exactly what the YAML parser gives on canonical text, line numbers included', async () => {
    await fc.assert(
      fc.asyncProperty(lockfile, async (lock) => {
        const text = serializeLockfile(lock);
        const fast = readCanonicalLockfile(text);
        assert.ok(fast, 'the fast reader declined a text the serializer wrote');
        const yaml = await viaYaml(text);
        assert.ok(yaml, 'the YAML parser refused a text the serializer wrote');
        assert.deepEqual(fast.value, yaml.value);
        for (const [path, line] of fast.lines) assert.equal(yaml.lines.get(path), line, `line of ${path}`);
      }),
      settings,
    );
  });

  it('on an edited text the fast reader declines, or reads exactly what the YAML parser reads', async () => {
    let declined = 0;
    let edited = 0;
    await fc.assert(
      fc.asyncProperty(lockfile, fc.array(edit, { minLength: 1, maxLength: 3 }), async (lock, edits) => {
        const original = serializeLockfile(lock);
        const text = edits.reduce(applyEdit, original);
        if (text === original) return;
        edited++;
        const fast = readCanonicalLockfile(text);
        if (!fast) {
          declined++;
          return;
        }
        const yaml = await viaYaml(text);
        assert.ok(yaml, `the fast reader read a text the YAML parser refuses:\n${text}`);
        assert.deepEqual(fast.value, yaml.value, text);
        for (const [path, line] of fast.lines) assert.equal(yaml.lines.get(path), line, `line of ${path} in\n${text}`);
      }),
      { ...settings, numRuns: RUNS * 3 },
    );
    // Most edits leave the canonical shape; a reader that accepted them all would be reading more than it can vouch for.
    assert.ok(declined > edited / 2, `the fast reader declined only ${declined} of ${edited} edited texts`);
  });

  it('the fast reader declines a quoted value followed by anything, such as two lines joined into one', async () => {
    const first: LockEntry = { id: '001', file: '001_a.sql', sha256: '1'.repeat(64) };
    const lock: Lockfile = { lockfile: 1, algorithm: CONTENT_ALGORITHM, sets: [{ dir: 'my db', tool: 'sql', heads: ['001'], chain: chainDigest('sql', [first]), migrations: [first] }], amendments: [] };
    const canonical = serializeLockfile(lock);
    const joined = canonical.replace('  - dir: "my db"\n    tool: sql', '  - dir: "my db"    tool: sql');
    assert.notEqual(joined, canonical);
    assert.equal(readCanonicalLockfile(joined), undefined);
    assert.equal(readCanonicalLockfile(canonical.replace('algorithm: sha256-lf/1', 'algorithm: "sha256-lf/1" x')), undefined);
    // The YAML parser refuses both, as every YAML reader does.
    await assert.rejects(parseLockfile(joined, NAME), (error: unknown) => error instanceof GuardError && error.exitCode === 2);
  });

  it('appending an entry reads back as the set’s new last entry and single head, byte for byte what a full lock writes', async () => {
    const withAppend = lockfile.chain((lock) =>
      fc.record({
        lock: fc.constant(lock),
        set: fc.nat({ max: Math.max(0, lock.sets.length - 1) }),
        added: entry('sql'),
      }),
    );
    let appended = 0;
    await fc.assert(
      fc.asyncProperty(withAppend, async ({ lock, set: index, added }) => {
        const set = lock.sets[index];
        if (!set || set.migrations.some((locked) => locked.id === added.id || locked.file === added.file)) return;
        const newEntry: LockEntry = { ...added };
        delete newEntry.repeatable;
        if (set.tool === 'alembic') newEntry.parents ??= [];
        const text = serializeLockfile(lock);
        const next = appendEntry(text, set.dir, set.tool, newEntry);
        // Declined only where an append would not be what `guard lock` writes.
        const appendable = set.migrations.length > 0 && !set.migrations.some((locked) => locked.repeatable);
        assert.equal(next !== undefined, appendable, `appendEntry ${next === undefined ? 'declined' : 'appended to'} set ${set.dir}`);
        if (next === undefined) return;
        appended++;
        const migrations = [...set.migrations, newEntry];
        const expected: Lockfile = { ...lock, sets: lock.sets.map((other) => (other === set ? { ...set, heads: [newEntry.id], chain: chainDigest(set.tool, migrations), migrations } : other)) };
        assert.equal(next, serializeLockfile(expected));
        const reread = await parseLockfile(next, NAME);
        assert.equal(reread.via, 'canonical');
        assert.deepEqual(reread.lock.sets[index]!.migrations.at(-1), newEntry);
        assert.deepEqual(readSetTail(next, set.dir), { tool: set.tool, heads: [newEntry.id], last: newEntry });
      }),
      settings,
    );
    assert.ok(appended > RUNS / 4, `only ${appended} appends were tried`);
  });

  it('readSetTail and locksExactlySets agree with the full parser', async () => {
    await fc.assert(
      fc.asyncProperty(lockfile, async (lock) => {
        const text = serializeLockfile(lock);
        for (const set of lock.sets) {
          const last = set.migrations.at(-1);
          assert.deepEqual(readSetTail(text, set.dir), last ? { tool: set.tool, heads: set.heads, last } : undefined);
        }
        const listed = lock.sets.map(({ dir, tool }) => ({ dir, tool }));
        assert.equal(locksExactlySets(text, listed), true);
        if (listed.length > 0) {
          assert.equal(locksExactlySets(text, listed.slice(1)), false, 'a set the config no longer lists');
          const [first, ...rest] = listed;
          assert.equal(locksExactlySets(text, [{ dir: first!.dir, tool: TOOLS.find((tool) => tool !== first!.tool)! }, ...rest]), false, 'a set under another tool');
        }
        assert.equal(locksExactlySets(text, [...listed, { dir: 'not/locked/yet', tool: 'sql' }]), lock.sets.some((set) => set.dir === 'not/locked/yet'));
        if (listed.length > 1) {
          // The first set listed twice and the second not at all: the full rules refuse it, so the quick path must not vouch for it.
          const twice = serializeLockfile({ ...lock, sets: [lock.sets[0]!, lock.sets[0]!, ...lock.sets.slice(2)] });
          assert.equal(locksExactlySets(twice, listed), false, 'a set listed twice');
        }
      }),
      settings,
    );
  });

  it('appendEntries declines a text with CRLF line ends or conflict markers, and an id already locked in any set', () => {
    const first: LockEntry = { id: '001', file: '001_a.sql', sha256: '1'.repeat(64) };
    const other: LockEntry = { id: '002', file: '002_b.sql', sha256: '2'.repeat(64) };
    const lock: Lockfile = {
      lockfile: 1,
      algorithm: CONTENT_ALGORITHM,
      sets: [
        { dir: 'db/a', tool: 'sql', heads: ['001'], chain: chainDigest('sql', [first]), migrations: [first] },
        { dir: 'db/b', tool: 'sql', heads: ['002'], chain: chainDigest('sql', [other]), migrations: [other] },
      ],
      amendments: [],
    };
    const text = serializeLockfile(lock);
    const added: LockEntry = { id: '003', file: '003_c.sql', sha256: '3'.repeat(64) };
    assert.ok(appendEntries(text, [{ dir: 'db/a', tool: 'sql', entry: added }]));
    assert.equal(appendEntries(text.replace(/\n/g, '\r\n'), [{ dir: 'db/a', tool: 'sql', entry: added }]), undefined);
    assert.equal(appendEntries(`<<<<<<< HEAD\n${text}=======\n${text}>>>>>>> theirs\n`, [{ dir: 'db/a', tool: 'sql', entry: added }]), undefined);
    assert.equal(appendEntries(text, [{ dir: 'db/a', tool: 'sql', entry: { ...added, id: '002' } }]), undefined, 'id 002 is locked in db/b');
    assert.equal(
      appendEntries(text, [{ dir: 'db/a', tool: 'sql', entry: added }, { dir: 'db/b', tool: 'sql', entry: { ...added, file: '003_d.sql' } }]),
      undefined,
      'the same new id in two sets of one commit',
    );
    const both = appendEntries(text, [{ dir: 'db/a', tool: 'sql', entry: added }, { dir: 'db/b', tool: 'sql', entry: { id: '004', file: '004_d.sql', sha256: '4'.repeat(64) } }]);
    assert.equal(both, appendEntry(appendEntry(text, 'db/a', 'sql', added)!, 'db/b', 'sql', { id: '004', file: '004_d.sql', sha256: '4'.repeat(64) }));
  });

  it('readSetTail declines a set whose lines are not valid, so the hook takes the full rules', () => {
    const first: LockEntry = { id: '001', file: '001_a.sql', sha256: '1'.repeat(64) };
    const lock: Lockfile = { lockfile: 1, algorithm: CONTENT_ALGORITHM, sets: [{ dir: 'db', tool: 'sql', heads: ['001'], chain: chainDigest('sql', [first]), migrations: [first] }], amendments: [] };
    const text = serializeLockfile(lock);
    assert.ok(readSetTail(text, 'db'));
    assert.equal(readSetTail(text.replace('file: 001_a.sql', 'file: ../001_a.sql'), 'db'), undefined, 'a file outside the set');
    assert.equal(readSetTail(text.replace('tool: sql', 'tool: rails'), 'db'), undefined, 'an unknown tool');
    assert.equal(readSetTail(text.replace(/chain: sha256:[0-9a-f]+/, 'chain: sha256:00'), 'db'), undefined, 'a malformed chain');
  });

  it('sameEntry is true exactly when two entries are written as the same line', () => {
    fc.assert(
      fc.property(entry('alembic'), entry('sql'), fc.boolean(), (a, b, copy) => {
        const other = copy ? structuredClone(a) : b;
        assert.equal(sameEntry(a, other), entryLine(a) === entryLine(other));
        assert.equal(sameEntry(a, { ...a, parents: undefined } as LockEntry), entryLine(a) === entryLine({ ...a, parents: undefined } as LockEntry));
      }),
      settings,
    );
  });
});
