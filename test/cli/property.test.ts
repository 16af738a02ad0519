// Property-based tests of guard's readers of hostile files: the config and
// lockfile readers in-process, and the compiled CLI on a real repository.
// Random and mutated inputs (real lockfiles and configs with bytes flipped,
// truncated, lines duplicated or swapped, YAML features injected) must always
// end in an exit code from 0 to 4 with a message: never a JavaScript stack,
// never "internal error", never a hang, and on a refusal nothing written.
//
// The seed is fixed and printed; replay a failure with
//   GUARD_PROPERTY_SEED=<seed> node test/run.mjs property
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { GuardError } from '../../src/core/guard-error.js';
import { parseLockfile } from '../../src/core/lockfile/format/index.js';
import { loadConfig } from '../../src/shell/load-config.js';
import { readLockfileText } from '../../src/shell/read-lockfile.js';
import { GUARD } from '../helpers/compiled-guard.js';
import { TempRepo, alembicRevision } from '../helpers/git-repo.js';

const SEED = Number(process.env.GUARD_PROPERTY_SEED ?? 20260207);
/** Inputs per reader in-process, and per command through the CLI; GUARD_PROPERTY_RUNS scales both. */
const SCALE = Number(process.env.GUARD_PROPERTY_RUNS ?? 1);
const READER_RUNS = Math.round(1500 * SCALE);
const CLI_RUNS = Math.round(36 * SCALE);
console.log(`property tests: seed ${SEED}, ${READER_RUNS} inputs per reader, ${CLI_RUNS} per CLI run (replay: GUARD_PROPERTY_SEED=${SEED} node test/run.mjs property)`);

const CONFIG = `# migration-guard
migrations:
  - dir: db/migrations
    tool: sql
  - dir: versions
    tool: alembic
protected: main
autoLock: true
environments:
  - name: staging
    database: $STAGING_URL
    settings:
      lock_timeout: 5s
drift:
  exclude: [audit.*]
`;

/** What the fuzzer injects: YAML features guard refuses, and values its validators must judge. */
const SNIPPETS = [
  '&a ', '*a', '&a [x, y]', '!!js/function "function () {}"', '!custom ', '!!binary aGk=', '!!set {a}', '<<: *a', '<<: {x: 1}',
  '? [a, b]\n: 1', '? ' + 'k'.repeat(3000) + '\n: 1', '{', '[', ']', '}', '[' .repeat(300), '{a: '.repeat(80),
  '%YAML 1.1\n---', '%TAG ! tag:evil,2000:\n---', '---', '...', '\t', '\r\n', '\r', '\uFEFF', '\u0000', '\u2028', '\u202e', '\u001b[2J',
  '"', "'", '"\\x', '#', '- ', ': ', ':', '|', '>-\n  folded', '<<<<<<< HEAD', '=======', '>>>>>>> branch', '||||||| base',
  'lockfile: 2', 'lockfile: 1', 'lockfile: 1.0', 'algorithm: blake3/1', 'sets: []', 'sets: {}', 'migrations: []', 'migrations: null', 'amendments: x',
  '  - dir: ../outside', '  - dir: /abs', '  - dir: C:\\x', 'file: ../../etc/passwd', 'file: "a\\\\b"', '__proto__: {polluted: 1}', 'constructor: {x: 1}', 'toString: 1',
  'id: 1e999', 'id: 0x10', 'id: .nan', 'id: ~', 'id: [a]', 'id: {a: 1}', 'sha256: ' + 'g'.repeat(64), 'chain: sha256:' + '0'.repeat(63), 'heads: [a, a]',
  'tool: flyway', 'tool: rails', 'recursive: yes', 'naming: weird', 'seal: committed', 'autoLock: false', 'protected: "-c core.pager=evil"',
  'x'.repeat(20_000), 'é'.repeat(100), '\ud800',
];

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate-line'; line: number }
  | { kind: 'swap-lines'; a: number; b: number }
  | { kind: 'delete-line'; line: number }
  | { kind: 'inject'; line: number; column: number; snippet: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('delete-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('inject' as const), line: fc.nat(), column: fc.nat(), snippet: fc.nat({ max: SNIPPETS.length - 1 }) }),
);

function mutate(original: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const change of mutations) {
    const lines = splitLines(bytes);
    if (lines.length === 0 && change.kind !== 'inject') continue;
    const pick = (n: number) => (lines.length === 0 ? 0 : n % lines.length);
    switch (change.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[change.at % bytes.length] = change.byte;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, change.at % (bytes.length + 1));
        break;
      case 'duplicate-line':
        lines.splice(pick(change.line), 0, lines[pick(change.line)] ?? Buffer.alloc(0));
        bytes = Buffer.concat(lines);
        break;
      case 'swap-lines': {
        const [a, b] = [pick(change.a), pick(change.b)];
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        bytes = Buffer.concat(lines);
        break;
      }
      case 'delete-line':
        lines.splice(pick(change.line), 1);
        bytes = Buffer.concat(lines);
        break;
      case 'inject': {
        const line = lines[pick(change.line)] ?? Buffer.alloc(0);
        const column = change.column % (line.length + 1);
        lines[pick(change.line)] = Buffer.concat([line.subarray(0, column), Buffer.from(SNIPPETS[change.snippet]!), line.subarray(column)]);
        bytes = Buffer.concat(lines);
        break;
      }
    }
  }
  return bytes;
}

/** Lines with their line breaks, so joining them gives the bytes back. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end + 1;
    lines.push(bytes.subarray(start, stop));
    start = stop;
  }
  return lines;
}

/** A YAML document that expands to 10^9 strings when its aliases are resolved. */
const ALIAS_BOMB = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n') + '\n';

/** What stands at the file's path instead of a regular file. */
type Special = 'directory' | 'fifo' | 'dangling-symlink' | 'oversized';
type Input = { file: number; bytes: Buffer; how: string; special?: Special };

/** A real file mutated, random bytes or text, an alias bomb, or something that is not a readable file at all. */
function inputs(originals: readonly Buffer[], specials: readonly Special[]): fc.Arbitrary<Input> {
  const file = fc.nat({ max: originals.length - 1 });
  return fc.oneof(
    { weight: 1, arbitrary: fc.tuple(file, fc.constantFrom(...specials)).map(([index, special]) => ({ file: index, bytes: originals[index]!, how: special, special })) },
    { weight: 1, arbitrary: fc.tuple(file, fc.array(mutation, { maxLength: 2 })).map(([index, changes]) => ({ file: index, bytes: mutate(Buffer.from(ALIAS_BOMB), changes), how: `alias bomb, ${JSON.stringify(changes)}` })) },
    { weight: 12, arbitrary: fc.tuple(file, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([index, changes]) => ({ file: index, bytes: mutate(originals[index]!, changes), how: JSON.stringify(changes) })) },
    { weight: 2, arbitrary: fc.tuple(file, fc.uint8Array({ maxLength: 600 })).map(([index, random]) => ({ file: index, bytes: Buffer.from(random), how: 'random bytes' })) },
    { weight: 2, arbitrary: fc.tuple(file, fc.string({ maxLength: 400, unit: 'grapheme' })).map(([index, text]) => ({ file: index, bytes: Buffer.from(text), how: 'random text' })) },
  );
}

/** Puts the input at `target`: its bytes, or the special thing it asks for. */
function place(target: string, input: Input, limit: number): void {
  rmSync(target, { recursive: true, force: true });
  switch (input.special) {
    case 'directory':
      mkdirSync(target);
      writeFileSync(path.join(target, 'inner'), input.bytes);
      return;
    case 'fifo':
      execFileSync('mkfifo', [target]);
      return;
    case 'dangling-symlink':
      symlinkSync('nowhere', target);
      return;
    case 'oversized':
      writeFileSync(target, Buffer.concat([input.bytes, Buffer.from('#'), Buffer.alloc(limit, 0x78), Buffer.from('\n')]));
      return;
    default:
      writeFileSync(target, input.bytes);
  }
}

const LIMITS = { 'checksums.lock.yaml': 16 * 1024 * 1024, 'guard.config.yaml': 1024 * 1024 } as const;

/** The outcome of a reader: it read the file, or refused it as guard refuses, with a message. */
async function assertReadOrRefused(read: () => Promise<unknown>, what: string): Promise<void> {
  const started = Date.now();
  try {
    await read();
  } catch (error) {
    if (!(error instanceof GuardError)) throw new Error(`${what}: not a GuardError but ${(error as Error)?.stack ?? String(error)}`);
    assert.ok(error.exitCode >= 1 && error.exitCode <= 4, `${what}: exit ${error.exitCode}`);
    assert.ok(error.message.length > 0 && error.fix !== undefined && error.fix.length > 0, `${what}: no message or fix`);
  }
  assert.ok(Date.now() - started < 10_000, `${what}: took ${Date.now() - started} ms`);
}

/** In-process, a FIFO is left out: a reader that blocked on it would stop the test runner itself rather than fail. */
const IN_PROCESS_SPECIALS: Special[] = ['directory', 'dangling-symlink', 'oversized'];

describe(`property: the config and lockfile readers (seed ${SEED})`, () => {
  let root: string;
  let lockfile: Buffer;
  let config: Buffer;
  let tried = 0;
  before(() => {
    const repo = lockedFixture();
    lockfile = readFileSync(path.join(repo.root, 'checksums.lock.yaml'));
    config = readFileSync(path.join(repo.root, 'guard.config.yaml'));
    repo.dispose();
    root = mkdtempSync(path.join(tmpdir(), 'guard-property-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    console.log(`property: the readers took ${tried} inputs`);
  });

  /** Each input placed at `name` in a scratch dir, then read as guard reads that file. */
  const property = (name: keyof typeof LIMITS, originals: () => Buffer[], read: () => Promise<unknown>, seed: number) =>
    fc.assert(
      fc.asyncProperty(inputs(originals(), IN_PROCESS_SPECIALS), async (input) => {
        tried++;
        place(path.join(root, name), input, LIMITS[name]);
        await assertReadOrRefused(read, `${name} (${input.how})`);
      }),
      { seed, numRuns: READER_RUNS, endOnFailure: true },
    );

  it('the lockfile reader: read, or exit 1-4 with a message and a fix', () =>
    property(
      'checksums.lock.yaml',
      () => [lockfile, config],
      async () => {
        const text = await readLockfileText(root, { kind: 'worktree' });
        if (text !== undefined) await parseLockfile(text, 'checksums.lock.yaml');
      },
      SEED,
    ));

  it('the config reader: read, or exit 1-4 with a message and a fix', () => property('guard.config.yaml', () => [config, lockfile], () => loadConfig(root), SEED + 1));
});

/** A repository with a config of every kind of key and two locked sets, committed on main. */
function lockedFixture(): TempRepo {
  const repo = new TempRepo('guard-property-');
  repo.write('guard.config.yaml', CONFIG);
  repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
  repo.write('db/migrations/002_orders.sql', 'CREATE TABLE orders (id int);\n');
  repo.write('db/migrations/003_items.up.sql', 'CREATE TABLE items (id int);\n');
  repo.write('db/migrations/003_items.down.sql', 'DROP TABLE items;\n');
  repo.write('versions/a1_first.py', alembicRevision('a1', null));
  repo.write('versions/b2_second.py', alembicRevision('b2', 'a1'));
  const lock = spawnSync(process.execPath, [GUARD, 'lock'], { cwd: repo.root, encoding: 'utf8' });
  assert.equal(lock.status, 0, lock.stdout + lock.stderr);
  repo.commitAll('initial');
  return repo;
}

describe(`property: the CLI on hostile lockfiles and configs (seed ${SEED})`, () => {
  let repo: TempRepo;
  let originals: Buffer[];
  let runs = 0;
  const FILES = ['checksums.lock.yaml', 'guard.config.yaml'];
  before(() => {
    repo = lockedFixture();
    originals = FILES.map((file) => readFileSync(path.join(repo.root, file)));
  });
  after(() => {
    repo.dispose();
    console.log(`property: the CLI took ${runs} inputs, ${runs * 4} guard runs`);
  });

  /** The lockfile's bytes (never read if it is not a file), git's status and the index. */
  const snapshot = () => {
    const file = path.join(repo.root, 'checksums.lock.yaml');
    let lockfile = 'absent';
    try {
      lockfile = lstatSync(file).isFile() ? readFileSync(file).toString('base64') : 'not a file';
    } catch {
      // absent
    }
    return `${lockfile}\n${repo.git('status', '--porcelain', '--untracked-files=all')}${repo.git('ls-files', '-s', '--', ...FILES)}`;
  };

  const guard = (args: readonly string[]) => {
    const result = spawnSync(process.execPath, [GUARD, ...args], { cwd: repo.root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
    return { code: result.status, output: `${result.stdout}${result.stderr}`, error: result.error };
  };

  it('lock, verify, verify --base and the pre-commit hook: exit 0-4 with a message, no stack, nothing written on a refusal', async () => {
    await fc.assert(
      fc.asyncProperty(inputs(originals, ['directory', 'fifo', 'dangling-symlink', 'oversized']), async (input) => {
        const { file, how } = input;
        runs++;
        const name = FILES[file]! as keyof typeof LIMITS;
        const reset = () => {
          rmSync(path.join(repo.root, name), { recursive: true, force: true });
          repo.git('reset', '-q', '--hard', 'main');
        };
        reset();
        place(path.join(repo.root, name), input, LIMITS[name]);
        const steps: { args: string[]; writes: boolean; stage?: boolean }[] = [
          { args: ['verify'], writes: false },
          { args: ['verify', '--base', 'main'], writes: false },
          { args: ['lock'], writes: true },
          { args: ['hook', 'pre-commit'], writes: true, stage: true },
        ];
        for (const step of steps) {
          if (step.stage) {
            // git stages regular files only: a FIFO stays in the work tree beside the staged lockfile.
            reset();
            place(path.join(repo.root, name), input, LIMITS[name]);
            if (input.special !== 'fifo') repo.git('add', '--', name);
          }
          const before = snapshot();
          const result = guard(step.args);
          const what = `guard ${step.args.join(' ')} on ${FILES[file]} (${how})`;
          assert.equal(result.error, undefined, `${what}: ${result.error?.message}`);
          assert.ok(result.code !== null && result.code >= 0 && result.code <= 4, `${what}: exit ${result.code}\n${result.output}`);
          assert.doesNotMatch(result.output, /^\s+at .+[:(]/m, `${what}: a JavaScript stack\n${result.output}`);
          assert.doesNotMatch(result.output, /internal error|heap out of memory/, `${what}\n${result.output}`);
          if (result.code !== 0) {
            assert.ok(result.output.trim().length > 0, `${what}: exit ${result.code} without a message`);
            assert.equal(snapshot(), before, `${what}: refused (exit ${result.code}) but wrote\n${result.output}`);
          } else if (!step.writes) {
            assert.equal(snapshot(), before, `${what}: a check wrote`);
          }
        }
      }),
      { seed: SEED + 2, numRuns: CLI_RUNS, endOnFailure: true },
    );
  });
});
