import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONTENT_ALGORITHM } from '../../src/core/checksum.js';
import { chainDigest } from '../../src/core/lockfile/chain-digest.js';
import { parseLockfile, readCanonicalLockfile, LOCKFILE_HEADER, serializeLockfile } from '../../src/core/lockfile/format/index.js';
import { SET_CHANGES, type Amendment, type LockEntry, type LockSet, type Lockfile, type SetAmendment } from '../../src/core/lockfile/types.js';
import { hex64, prng } from './helpers.js';

/** Values a YAML reader could mistake for something other than a string. */
const AWKWARD = [
  '001', '1e5', '1E5', '1.0', '.5', '1_000', '0x1F', '0o17', '0b101', '1:20', '+1', '-1',
  'true', 'false', 'True', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N',
  'null', 'Null', 'NULL', '~', 'nan', 'NaN', '.nan', 'inf', '.inf', '-.inf',
  '2026-01-15', '2026-1-5', '2026-01-15T12:00:00Z', '12:30:00',
  'a b', ' leading', 'trailing ', 'a: b', 'a:b', 'a #b', '#x', 'a,b', 'a}b', 'a]b', '[x]', '{x}',
  '"quoted"', "'single'", 'back\\slash', 'tab\there', 'new\nline', '-', '- x', '? x', '!tag', '&anchor', '*alias',
  '|', '>', '%dir', '@at', '`tick`', '<<', '=', 'é', 'naïve_ünïcödé', '日本語', '😀 emoji', 'Ωmega',
  '\u007f', 'x\u0085y', 'x\u2028y', 'x\u2029y', 'x\u0080y', 'x\ufeffy', 'x\uffffy', '\u0000nul', 'sha256:abc', 'abc_DEF-1.2/x+y',
];

const SAFE_FILE_CHARS = 'abcxyz_-. 0123:#"\'é日😀,{}[]&*!|>%@`';

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function randomText(next: () => number, chars: string): string {
  const pool = [...chars];
  const length = 1 + Math.floor(next() * 12);
  let out = '';
  for (let i = 0; i < length; i++) out += pick(next, pool);
  return out;
}

function randomId(next: () => number, used: Set<string>): string {
  for (;;) {
    const id = next() < 0.5 ? pick(next, AWKWARD) : randomText(next, 'abcdef0123456789_.-: #"');
    if (!used.has(id) && id !== '') {
      used.add(id);
      return id;
    }
  }
}

/** A random lockfile that parseLockfile must accept: awkward but legal values. */
function randomLockfile(seed: number): Lockfile {
  const next = prng(seed);
  const sets: LockSet[] = [];
  const dirs = new Set<string>();
  const setCount = Math.floor(next() * 4);
  for (let s = 0; s < setCount; s++) {
    let dir = pick(next, ['db/versions', 'db/sql', 'migrations', 'db/my migrations', 'db/é', '.', 'db/a:b', 'db/#1']);
    if (dirs.has(dir)) dir = `${dir}${s}`.replace(/^\.(\d)/, 'x$1');
    dirs.add(dir);
    const tool = pick(next, ['alembic', 'sql', 'flyway'] as const);
    const ids = new Set<string>();
    const migrations: LockEntry[] = [];
    const count = Math.floor(next() * 8);
    for (let m = 0; m < count; m++) {
      const id = randomId(next, ids);
      const entry: LockEntry = {
        id,
        file: `${m}_${randomText(next, SAFE_FILE_CHARS)}.sql`,
        sha256: hex64(`${seed}/${s}/${m}`),
      };
      if (tool === 'alembic') entry.parents = m === 0 ? [] : [migrations[m - 1]!.id, ...(next() < 0.2 ? [pick(next, AWKWARD)] : [])];
      if (next() < 0.3) {
        entry.down = `${m}_${randomText(next, SAFE_FILE_CHARS)}.down.sql`;
        entry.down_sha256 = hex64(`down/${seed}/${s}/${m}`);
      }
      if (next() < 0.15) entry.branch_labels = [pick(next, AWKWARD)];
      if (next() < 0.15) entry.depends_on = [pick(next, AWKWARD), randomText(next, 'abc 1:')];
      if (next() < 0.15) entry.repeatable = true;
      migrations.push(entry);
    }
    sets.push({
      dir,
      tool,
      heads: migrations.length ? [migrations.at(-1)!.id] : [],
      chain: chainDigest(tool, migrations),
      migrations,
    });
  }
  const amendments: Amendment[] = [];
  const amendmentCount = Math.floor(next() * 3);
  for (let a = 0; a < amendmentCount; a++) {
    amendments.push({
      file: `db/${randomText(next, SAFE_FILE_CHARS)}.sql`,
      from: `sha256:${hex64(`from${seed}${a}`)}`,
      to: `sha256:${hex64(`to${seed}${a}`)}`,
      reason: pick(next, AWKWARD),
      by: pick(next, ['dev@example.com', 'Zoë <z@example.com>', 'null', 'a: b']),
      at: pick(next, ['2026-11-23', '2026-01-15']),
    });
  }
  const setAmendments: SetAmendment[] = [];
  const setAmendmentCount = Math.floor(next() * 3);
  for (let a = 0; a < setAmendmentCount; a++) {
    const change = pick(next, SET_CHANGES);
    setAmendments.push({
      set: pick(next, ['db/versions', 'db/my migrations', 'db/é', '.', 'db/a:b']),
      change,
      ...(change === 'moved' ? { to: pick(next, ['db/new', 'db/1.0', 'db/x y']) } : {}),
      ...(change === 'retooled' ? { from: 'sql', to: pick(next, ['alembic', 'flyway'] as const) } : {}),
      chain: `sha256:${hex64(`chain${seed}${a}`)}`,
      reason: pick(next, AWKWARD),
      by: pick(next, ['dev@example.com', 'Zoë <z@example.com>', 'null', 'a: b']),
      at: pick(next, ['2026-11-23', '2026-01-15']),
    });
  }
  return { lockfile: 1, algorithm: CONTENT_ALGORITHM, sets, amendments, ...(setAmendments.length > 0 ? { setAmendments } : {}) };
}

/** The lockfile as its YAML document holds it: set amendments follow the files' in one `amendments` list. */
function asDocument(lock: Lockfile): unknown {
  const { setAmendments = [], ...rest } = lock;
  return JSON.parse(JSON.stringify({ ...rest, amendments: [...lock.amendments, ...setAmendments] }));
}

describe('lockfile format: serialize and parse', () => {
  it('writes the shape of SPEC.md: header, version, algorithm, one line per migration', () => {
    const entry: LockEntry = { id: '283c68f2ab2', file: '283c68f2ab2_initial.py', parents: [], sha256: hex64('a') };
    const text = serializeLockfile({
      lockfile: 1,
      algorithm: CONTENT_ALGORITHM,
      sets: [{ dir: 'db/versions', tool: 'alembic', heads: ['283c68f2ab2'], chain: chainDigest('alembic', [entry]), migrations: [entry] }],
      amendments: [],
    });
    const lines = text.split('\n');
    assert.equal(lines[0], LOCKFILE_HEADER);
    assert.equal(lines[1], 'lockfile: 1');
    assert.equal(lines[2], 'algorithm: sha256-lf/1');
    assert.equal(lines[3], 'sets:');
    assert.equal(lines[4], '  - dir: db/versions');
    assert.equal(lines[5], '    tool: alembic');
    assert.equal(lines[6], '    heads: [283c68f2ab2]');
    assert.match(lines[7]!, /^ {4}chain: sha256:[0-9a-f]{64}$/);
    assert.equal(lines[8], '    migrations:');
    assert.equal(lines[9], `      - {id: 283c68f2ab2, file: 283c68f2ab2_initial.py, parents: [], sha256: ${entry.sha256}}`);
    assert.equal(lines[10], 'amendments: []');
    assert.equal(text.endsWith('\n'), true);
  });

  it('round-trips awkward ids and file names exactly (strings stay strings)', async () => {
    const migrations: LockEntry[] = AWKWARD.filter((id) => !id.includes('\0')).map((id, i) => ({
      id,
      file: `${i}_${['with space', 'colon:x', 'quote"d', "apos'", 'hash#1', 'naïve', '日本', '😀', '{brace}', 'a, b'][i % 10]}.sql`,
      sha256: hex64(id),
    }));
    // checksums YAML would read as numbers: all digits, or digits 'e' digits
    migrations.push({ id: 'hex-int', file: 'hex-int.sql', sha256: '0'.repeat(64) }, { id: 'hex-float', file: 'hex-float.sql', sha256: `1e${'0'.repeat(62)}` });
    const lock: Lockfile = {
      lockfile: 1,
      algorithm: CONTENT_ALGORITHM,
      sets: [{ dir: 'db/my migrations', tool: 'sql', heads: ['001', '1e5'], chain: chainDigest('sql', migrations), migrations }],
      amendments: [
        { file: 'db/my migrations/0_with space.sql', from: `sha256:${hex64('x')}`, to: `sha256:${hex64('y')}`, reason: 'fix: typo, "again" # not a comment', by: 'dev@example.com', at: '2026-11-23' },
      ],
    };
    const text = serializeLockfile(lock);
    const parsed = await parseLockfile(text, 'checksums.lock.yaml');
    assert.deepEqual(parsed.lock, lock);
    assert.equal(parsed.via, 'canonical');
    for (const entry of parsed.lock.sets[0]!.migrations) assert.equal(typeof entry.id, 'string');
    assert.equal(typeof parsed.lock.amendments[0]!.at, 'string');
  });

  it('is deterministic: the same lockfile gives the same bytes, and parse -> serialize is the identity', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const lock = randomLockfile(seed);
      const text = serializeLockfile(lock);
      assert.equal(serializeLockfile(structuredClone(lock)), text);
      const { lock: reread } = await parseLockfile(text, 'checksums.lock.yaml');
      assert.equal(serializeLockfile(reread), text, `seed ${seed}`);
    }
  });

  it('canonical reader returns exactly what yaml.parse() returns, for 500 generated lockfiles', async () => {
    for (let seed = 1; seed <= 500; seed++) {
      const lock = randomLockfile(seed);
      const text = serializeLockfile(lock);
      const fast = readCanonicalLockfile(text);
      assert.ok(fast, `seed ${seed}: the canonical reader fell back on a file serializeLockfile wrote:\n${text}`);
      assert.deepEqual(fast.value, parse(text), `seed ${seed}`);
      assert.deepEqual(JSON.parse(JSON.stringify(fast.value)), asDocument(lock), `seed ${seed}`);
      const parsed = await parseLockfile(text, 'checksums.lock.yaml');
      assert.deepEqual(parsed.lock, lock, `seed ${seed}`);
    }
  });

  it('writes scalars that YAML 1.1 readers (PyYAML) read back as the same strings', (t) => {
    const probe = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with PyYAML is not installed: skipped the YAML 1.1 cross-check');
      return;
    }
    const texts = Array.from({ length: 40 }, (_, i) => serializeLockfile(randomLockfile(1000 + i)));
    const script = [
      'import json, sys, yaml',
      'out = []',
      'for text in json.load(sys.stdin): out.append(yaml.safe_load(text))',
      'print(json.dumps(out))',
    ].join('\n');
    const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const fromPython = JSON.parse(result.stdout) as unknown[];
    texts.forEach((text, i) => assert.deepEqual(fromPython[i], parse(text), `lockfile ${1000 + i} reads differently in PyYAML`));
  });

  it('canonical reader falls back on hand-edited forms, and parseLockfile still reads them', async () => {
    const entry: LockEntry = { id: '001', file: '001_a.sql', sha256: hex64('1') };
    const lock: Lockfile = {
      lockfile: 1,
      algorithm: CONTENT_ALGORITHM,
      sets: [{ dir: 'db', tool: 'sql', heads: ['001'], chain: chainDigest('sql', [entry]), migrations: [entry] }],
      amendments: [],
    };
    const canonical = serializeLockfile(lock);
    const edits: Record<string, string> = {
      'comment after a value': canonical.replace('lockfile: 1', 'lockfile: 1  # format'),
      'comment after an entry': canonical.replace(/(sha256: [0-9a-f]{64}\})/, '$1 # first'),
      'indented comment line': canonical.replace('    migrations:\n', '    migrations:\n      # the first one\n'),
      'blank line': canonical.replace('sets:\n', 'sets:\n\n'),
      'block-style entry': canonical.replace(
        /- \{id: "001", file: 001_a.sql, sha256: ([0-9a-f]{64})\}/,
        '- id: "001"\n        file: 001_a.sql\n        sha256: $1',
      ),
      'reordered entry keys': canonical.replace(/\{id: "001", file: 001_a.sql, /, '{file: 001_a.sql, id: "001", '),
      'reordered set keys': canonical.replace(/ {2}- dir: db\n {4}tool: sql\n/, '  - tool: sql\n    dir: db\n'),
      'reordered top keys': canonical.replace('lockfile: 1\nalgorithm: sha256-lf/1\n', 'algorithm: sha256-lf/1\nlockfile: 1\n'),
      'single-quoted id': canonical.replace('"001"', "'001'"),
      'flow list without spaces': canonical.replace('heads: ["001"]', 'heads: ["001"]').replace('heads: ["001"]', 'heads: [ "001" ]'),
      'no final newline': canonical.slice(0, -1),
      'document start marker': `---\n${canonical}`,
    };
    for (const [what, text] of Object.entries(edits)) {
      assert.notEqual(text, canonical, what);
      assert.equal(readCanonicalLockfile(text), undefined, `${what}: the canonical reader should fall back`);
      const parsed = await parseLockfile(text, 'checksums.lock.yaml');
      assert.equal(parsed.via, 'yaml', what);
      assert.deepEqual(parsed.lock, lock, what);
    }
  });

  it('an empty `sets:` or `migrations:` (YAML null) is read like the YAML parser reads it', async () => {
    const text = '# x\nlockfile: 1\nalgorithm: sha256-lf/1\nsets:\namendments:\n';
    const fast = readCanonicalLockfile(text);
    if (fast) assert.deepEqual(fast.value, parse(text));
    const parsed = await parseLockfile(text, 'checksums.lock.yaml');
    assert.deepEqual(parsed.lock, { lockfile: 1, algorithm: CONTENT_ALGORITHM, sets: [], amendments: [] });
  });

  it('reads a 10,000-migration lockfile through the canonical fast path, with the line of every entry', async () => {
    const migrations: LockEntry[] = Array.from({ length: 10_000 }, (_, i) => ({
      id: String(i + 1).padStart(5, '0'),
      file: `${String(i + 1).padStart(5, '0')}_migration_${i}.sql`,
      sha256: hex64(String(i)),
    }));
    const lock: Lockfile = {
      lockfile: 1,
      algorithm: CONTENT_ALGORITHM,
      sets: [{ dir: 'db/sql', tool: 'sql', heads: ['10000'], chain: chainDigest('sql', migrations), migrations }],
      amendments: [],
    };
    const text = serializeLockfile(lock);
    const parsed = await parseLockfile(text, 'checksums.lock.yaml');
    assert.equal(parsed.via, 'canonical');
    assert.deepEqual(parsed.lock, lock);
    assert.equal(parsed.lines.get('sets.0.migrations.0'), 10);
    assert.equal(parsed.lines.get('sets.0.migrations.9999'), 10_009);
    assert.equal(text.split('\n')[10_008]!.includes('"10000"'), true);
  });
});

describe('semantic checksums in the lockfile (cosmetic: allow)', () => {
  const entry = (id: string, extra: Partial<LockEntry> = {}): LockEntry => ({ id, file: `${id}_x.sql`, sha256: hex64(`c${id}`), ...extra });
  const lockWith = (entries: LockEntry[], semantic: string | undefined = 'guard-semantic/1'): Lockfile => ({
    lockfile: 1,
    algorithm: CONTENT_ALGORITHM,
    ...(semantic ? { semantic } : {}),
    sets: [{ dir: 'db', tool: 'sql', heads: [entries.at(-1)!.id], chain: chainDigest('sql', entries), migrations: entries }],
    amendments: [],
  });

  it('writes the algorithm after `algorithm:` and each checksum after sha256, and reads them back the fast way and the YAML way alike', async () => {
    const lock = lockWith([entry('010', { semantic: hex64('s010') }), entry('020', { semantic: hex64('s020'), down: '020_x.down.sql', down_sha256: hex64('d020'), down_semantic: hex64('ds020') }), entry('030')]);
    const text = serializeLockfile(lock);
    assert.match(text, /^algorithm: sha256-lf\/1\nsemantic: guard-semantic\/1\nsets:$/m);
    assert.match(text, /\{id: "010", file: 010_x\.sql, sha256: [0-9a-f]{64}, semantic: [0-9a-f]{64}\}/);
    assert.match(text, /sha256: [0-9a-f]{64}, semantic: [0-9a-f]{64}, down: 020_x\.down\.sql, down_sha256: [0-9a-f]{64}, down_semantic: [0-9a-f]{64}\}/);
    const fast = await parseLockfile(text, 'checksums.lock.yaml');
    assert.equal(fast.via, 'canonical');
    assert.deepEqual(fast.lock, lock);
    // The same document through the YAML parser (a blank line makes it leave the canonical shape).
    const slow = await parseLockfile(text.replace('sets:\n', '\nsets:\n'), 'checksums.lock.yaml');
    assert.equal(slow.via, 'yaml');
    assert.deepEqual(slow.lock, lock);
    assert.deepEqual(parse(text).semantic, 'guard-semantic/1');
  });

  it('keeps the chain digest the content\'s: a semantic checksum does not enter it', () => {
    assert.equal(chainDigest('sql', [entry('010', { semantic: hex64('a') })]), chainDigest('sql', [entry('010')]));
  });

  it('refuses a semantic checksum without the algorithm that computed it, and a malformed one', async () => {
    const text = serializeLockfile(lockWith([entry('010', { semantic: hex64('s') })], ''));
    await assert.rejects(parseLockfile(text, 'checksums.lock.yaml'), /checksums\.lock\.yaml:\d+: a migration has a `semantic` checksum, but the lockfile names no `semantic:` algorithm/);
    const short = serializeLockfile(lockWith([entry('010', { semantic: 'abc' })]));
    await assert.rejects(parseLockfile(short, 'checksums.lock.yaml'), /`semantic` must be 64 lowercase hex digits/);
    const version = serializeLockfile(lockWith([entry('010')], 'semantic one'));
    await assert.rejects(parseLockfile(version, 'checksums.lock.yaml'), /is not a checksum name\/version/);
  });

  it('reads a lockfile another algorithm version wrote (its checksums are then not compared)', async () => {
    const lock = lockWith([entry('010', { semantic: hex64('s') })], 'guard-semantic/2');
    assert.equal((await parseLockfile(serializeLockfile(lock), 'checksums.lock.yaml')).lock.semantic, 'guard-semantic/2');
  });
});
