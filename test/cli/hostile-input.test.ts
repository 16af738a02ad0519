import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GUARD } from '../helpers/compiled-guard.js';
import { TempRepo, alembicRevision, runGuard, withSealedRemote, type GuardRun } from '../helpers/git-repo.js';

const CONFIG = 'migrations:\n  - dir: db/migrations\n    tool: sql\n';

/** A repository with two locked SQL migrations, committed. */
function lockedRepo(): TempRepo {
  const repo = new TempRepo();
  repo.write('guard.config.yaml', CONFIG);
  repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
  repo.write('db/migrations/002_orders.sql', 'CREATE TABLE orders (id int);\n');
  const lock = repo.guard('lock');
  assert.equal(lock.code, 0, lock.stderr);
  repo.commitAll('initial');
  return repo;
}

/** Asserts the lockfile is byte for byte what it was and no temporary file was left. */
function assertNothingLost(repo: TempRepo, lockfile: string): void {
  assert.equal(repo.read('checksums.lock.yaml'), lockfile);
  assert.deepEqual(
    readdirSync(repo.root).filter((name) => name.endsWith('.tmp')),
    [],
  );
}

describe('hostile input', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo?.dispose();
    repo = lockedRepo();
  });
  after(() => repo?.dispose());

  it('malformed YAML in the lockfile: exit 2 with the line and the fix', () => {
    const text = repo.read('checksums.lock.yaml').replace('sets:\n', 'sets:\n  - dir: [unclosed\n');
    repo.write('checksums.lock.yaml', text);
    for (const command of ['verify', 'lock']) {
      const result = repo.guard(command);
      assert.equal(result.code, 2, command);
      assert.match(result.stderr, /checksums\.lock\.yaml:\d+/);
      assert.match(result.stderr, /fix:/);
      assertNothingLost(repo, text);
    }
  });

  it('an unknown lockfile version: exit 2 naming the version and the upgrade', () => {
    const text = repo.read('checksums.lock.yaml').replace('lockfile: 1', 'lockfile: 7');
    repo.write('checksums.lock.yaml', text);
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /checksums\.lock\.yaml:2: lockfile format 7 is newer than this guard understands \(1\)/);
    assert.match(result.stderr, /upgrade migration-guard/);
    assertNothingLost(repo, text);
    assert.equal(repo.guard('lock').code, 2);
    assertNothingLost(repo, text);
  });

  it('an unknown checksum algorithm is not silently re-hashed', () => {
    const text = repo.read('checksums.lock.yaml').replace('algorithm: sha256-lf/1', 'algorithm: blake3/1');
    repo.write('checksums.lock.yaml', text);
    const result = repo.guard('lock');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown checksum algorithm "blake3\/1"/);
    assertNothingLost(repo, text);
  });

  it('git conflict markers: verify exits 2 and points at guard lock', () => {
    const text = repo.read('checksums.lock.yaml').replace('amendments: []\n', '<<<<<<< HEAD\namendments: []\n=======\namendments: []\n>>>>>>> feature\n');
    repo.write('checksums.lock.yaml', text);
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /checksums\.lock\.yaml:\d+ has git conflict markers/);
    assert.match(result.stderr, /run `guard lock`/);
  });

  it('a lockfile path that escapes its dir: exit 2 naming the line', () => {
    const text = repo.read('checksums.lock.yaml').replace('file: 001_users.sql', 'file: ../../etc/passwd');
    repo.write('checksums.lock.yaml', text);
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /checksums\.lock\.yaml:10: file "\.\.\/\.\.\/etc\/passwd" escapes the set's dir db\/migrations/);
    assert.equal(repo.guard('lock').code, 2);
    assertNothingLost(repo, text);
  });

  it('a config dir that escapes the repository: exit 2 naming the key and line', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: ../elsewhere\n');
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /guard\.config\.yaml:2: `migrations\.0\.dir` "\.\.\/elsewhere" points outside the repository/);
  });

  it('a symlinked migration that points out of the repository: exit 2', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'guard-outside-'));
    try {
      writeFileSync(path.join(outside, 'evil.sql'), 'DROP TABLE users;\n');
      symlinkSync(path.join(outside, 'evil.sql'), path.join(repo.root, 'db/migrations/003_evil.sql'));
      const before = repo.read('checksums.lock.yaml');
      for (const command of ['verify', 'lock']) {
        const result = repo.guard(command);
        const output = result.stdout + result.stderr;
        assert.equal(result.code, 2, `${command}: ${output}`);
        assert.match(output, /db\/migrations\/003_evil\.sql is a symlink to .*evil\.sql, outside the repository/);
      }
      assertNothingLost(repo, before);
      // Committed, it is refused when checking the commit too.
      repo.commitAll('symlink');
      const committed = repo.guard('verify', '--rev', 'HEAD');
      assert.equal(committed.code, 2);
      assert.match(committed.stdout, /003_evil\.sql is a symlink/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('duplicate versions: lock refuses (exit 1) without writing, verify names both files', () => {
    repo.write('db/migrations/1_again.sql', 'SELECT 1;\n');
    const before = repo.read('checksums.lock.yaml');
    const lock = repo.guard('lock');
    assert.equal(lock.code, 1);
    assert.match(lock.stdout, /version 1 is used twice: db\/migrations\/001_users\.sql and db\/migrations\/1_again\.sql/);
    assertNothingLost(repo, before);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /version 1 is used twice/);
  });

  it('duplicate Alembic revision ids are refused', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: versions\n');
    repo.write('versions/a1_first.py', alembicRevision('a1', null));
    repo.write('versions/a1_copy.py', alembicRevision('a1', null));
    const lock = repo.guard('lock', '--drop-set', 'db/migrations');
    assert.equal(lock.code, 1);
    assert.match(lock.stdout, /revision a1 is declared twice: in versions\/a1_copy\.py and versions\/a1_first\.py/);
  });

  it('a binary migration file: exit 2 naming the file', () => {
    repo.write('db/migrations/003_blob.sql', Buffer.from([0x53, 0x45, 0x00, 0xff, 0x01]));
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stdout, /db\/migrations\/003_blob\.sql is a binary file/);
  });

  it('a non-UTF-8 migration file: exit 2 naming the file and line', () => {
    repo.write('db/migrations/003_latin1.sql', Buffer.concat([Buffer.from('SELECT 1;\n-- caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const result = repo.guard('lock');
    assert.equal(result.code, 2);
    assert.match(result.stdout, /db\/migrations\/003_latin1\.sql:2 is not valid UTF-8 \(byte 0xe9/);
    assert.match(result.stdout, /re-save the file as UTF-8/);
  });

  it('a missing migration dir: exit 2 naming the dir', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n  - dir: db/nowhere\n    tool: sql\n');
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stdout, /migration dir db\/nowhere does not exist/);
  });

  it('a migration dir with no migrations: exit 2', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n  - dir: docs\n    tool: sql\n');
    repo.write('docs/README.md', '# notes\n');
    const result = repo.guard('lock');
    assert.equal(result.code, 2);
    assert.match(result.stdout, /migration dir docs holds no sql migrations \(ignored: README\.md\)/);
  });

  it('a locked set the config no longer lists: exit 2 until --drop-set', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: versions\n');
    repo.write('versions/a1_first.py', alembicRevision('a1', null));
    const before = repo.read('checksums.lock.yaml');
    const verify = repo.guard('verify');
    assert.equal(verify.code, 2);
    assert.match(verify.stdout, /checksums\.lock\.yaml:\d+ locks db\/migrations \(2 migrations\), which the config no longer lists/);
    const lock = repo.guard('lock');
    assert.equal(lock.code, 2);
    assert.match(lock.stdout, /guard lock --drop-set db\/migrations/);
    assertNothingLost(repo, before);
    const dropped = repo.guard('lock', '--drop-set', 'db/migrations');
    assert.equal(dropped.code, 0, dropped.stdout);
    assert.match(dropped.stdout, /dropped set db\/migrations \(2 migrations\)/);
    assert.equal(repo.guard('verify').code, 0);
  });

  it('a config with a typo: exit 2 with the key, line and suggestion', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tol: sql\n');
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /guard\.config\.yaml:3: `migrations\.0\.tol` is not a known key/);
    assert.match(result.stderr, /did you mean `tool`\?/);
  });

  it('a config that is not YAML: exit 2 with the line', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: "db/migrations\n');
    const result = repo.guard('lock');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /guard\.config\.yaml:\d+ is not valid YAML/);
  });

  it('no config at all: exit 2 with a starter config', () => {
    repo.remove('guard.config.yaml');
    const result = repo.guard('verify');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no guard\.config\.yaml/);
    assert.match(result.stderr, /migrations:\n\s+- dir: db\/migrations/);
  });

  it('outside a git repository: exit 2', () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'guard-nogit-'));
    try {
      const result = runGuard(plain, 'verify');
      assert.equal(result.code, 2);
      assert.match(result.stderr, /is not inside a git repository/);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('an unknown command or flag: exit 2 with the fix', () => {
    const command = repo.guard('frobnicate');
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "frobnicate"/);
    const flag = repo.guard('verify', '--nope');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /guard verify --help/);
  });
});

// ---------------------------------------------------------------------------
// Hostile files (issue 10, item 5): exit 2 with a message naming the file,
// never a JavaScript stack, never a hang, never exhaustion. These run the
// compiled CLI (dist/bin, built by test/run.mjs), as hooks and CI run it.

/** A run of the compiled guard that fails the test on a hang instead of hanging it. */
function guardBin(cwd: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): GuardRun {
  const result = spawnSync(process.execPath, [GUARD, ...args], {
    cwd,
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: options.timeout ?? 20_000,
    env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...options.env },
  });
  if (result.error) throw new Error(`guard ${args.join(' ')} did not finish: ${result.error.message}`);
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Exit 2, a message matching `pattern` with a fix, and nothing a user should never see. */
function assertRefusedCleanly(result: GuardRun, pattern: RegExp, what: string): void {
  const output = result.stdout + result.stderr;
  assert.equal(result.code, 2, `${what}: exit ${result.code}\n${output}`);
  assert.match(output, pattern, what);
  assert.match(output, /fix:/, what);
  assertNoCrash(output, what);
}

function assertNoCrash(output: string, what: string): void {
  assert.doesNotMatch(output, /^\s+at .+[:(]/m, `${what}: a JavaScript stack\n${output}`);
  assert.doesNotMatch(output, /internal error|heap out of memory|EPIPE|ERR_/, `${what}\n${output}`);
}

/** Everything git and the work tree hold that a refusal must leave alone. */
function snapshot(repo: TempRepo): string {
  let lockfile: string;
  try {
    const file = path.join(repo.root, 'checksums.lock.yaml');
    // Never read a FIFO here: the test would wait for a writer as guard must not.
    lockfile = lstatSync(file).isFile() ? readFileSync(file).toString('base64') : `not a file: ${lstatSync(file).mode}`;
  } catch (error) {
    lockfile = String((error as NodeJS.ErrnoException).code);
  }
  return `${lockfile}\n${repo.git('status', '--porcelain', '--untracked-files=all')}\n${repo.git('ls-files', '-s')}`;
}

/** A YAML document that expands to 10^9 strings when its aliases are resolved. */
const ALIAS_BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n';

describe('hostile YAML in the lockfile and the config', () => {
  let repo: TempRepo;
  let lockfile: string;
  before(() => {
    repo = lockedRepo();
    lockfile = repo.read('checksums.lock.yaml');
  });
  after(() => repo?.dispose());

  /** Each: the text, and the line the message must name. */
  const cases: { name: string; text: (original: string) => string; line: number; says: RegExp }[] = [
    { name: 'an alias bomb', text: () => ALIAS_BOMB, line: 1, says: /anchor \(&a\)/ },
    { name: 'an alias', text: (original) => original.replace('algorithm: sha256-lf/1', 'x: &v sha256-lf/1\nalgorithm: *v'), line: 3, says: /anchor \(&v\)/ },
    { name: 'a merge key', text: (original) => original.replace('sets:\n', 'sets:\n  - <<: {dir: db/migrations}\n'), line: 5, says: /merge key \(<<\)/ },
    { name: 'a !!js/function tag', text: (original) => original.replace('algorithm: sha256-lf/1', 'algorithm: !!js/function "function () { return 1 }"'), line: 3, says: /tag \(tag:yaml\.org,2002:js\/function\)/ },
    { name: 'a custom tag', text: (original) => original.replace('algorithm: sha256-lf/1', 'algorithm: !evil sha256-lf/1'), line: 3, says: /tag \(!evil\)/ },
    { name: 'a !!binary tag', text: (original) => original.replace('algorithm: sha256-lf/1', 'algorithm: !!binary c2hhMjU2LWxmLzE='), line: 3, says: /tag \(tag:yaml\.org,2002:binary\)/ },
    { name: 'deep nesting', text: (original) => `${original}x: ${'['.repeat(100)}${']'.repeat(100)}\n`, line: 13, says: /nests deeper than guard reads/ },
    { name: 'stack-deep nesting', text: (original) => `${original}x: ${'['.repeat(60_000)}${']'.repeat(60_000)}\n`, line: 13, says: /nests deeper than guard reads/ },
    { name: 'a huge key', text: (original) => `${original}? ${'k'.repeat(100_000)}\n: 1\n`, line: 13, says: /a key of 100,000 characters/ },
    { name: 'a complex key', text: (original) => `${original}? [a, b]\n: 1\n`, line: 13, says: /key that is not a plain word/ },
    { name: 'a duplicate key', text: (original) => original.replace('algorithm: sha256-lf/1', 'algorithm: sha256-lf/1\nalgorithm: sha256-lf/1'), line: 4, says: /repeats the key `algorithm` \(first on line 3\)/ },
    { name: 'a flow map of 300,000 keys', text: (original) => `${original}x: {${Array.from({ length: 300_000 }, (_, i) => `k${i}: 1`).join(', ')}}\n`, line: 0, says: /too many YAML nodes/ },
    { name: 'two documents', text: (original) => `${original}---\nlockfile: 1\n`, line: 13, says: /not valid YAML/ },
  ];

  for (const { name, text, line, says } of cases) {
    it(`${name}: exit 2 naming the lockfile${line ? ` and line ${line}` : ''}, nothing written`, () => {
      const hostile = text(lockfile);
      repo.write('checksums.lock.yaml', hostile);
      const before = snapshot(repo);
      for (const command of [['verify'], ['lock'], ['lock', '--check']]) {
        const result = guardBin(repo.root, command);
        assertRefusedCleanly(result, says, `${name}: guard ${command.join(' ')}`);
        assert.match(result.stderr, line ? new RegExp(`checksums\\.lock\\.yaml:${line}\\b`) : /checksums\.lock\.yaml/);
        assert.equal(snapshot(repo), before, `${name}: guard ${command.join(' ')} wrote something`);
      }
      repo.write('checksums.lock.yaml', lockfile);
    });
  }

  it('the same YAML in the config: exit 2 naming guard.config.yaml and the line', () => {
    const config = readFileSync(path.join(repo.root, 'guard.config.yaml'), 'utf8');
    const hostile: [string, RegExp][] = [
      [ALIAS_BOMB, /guard\.config\.yaml:1 sets an anchor/],
      [`x: 1\nmigrations: &m\n  - dir: db/migrations\ny: *m\n`, /guard\.config\.yaml:2 sets an anchor/],
      [`migrations:\n  - dir: !!js/function "f"\n`, /guard\.config\.yaml:2 has a tag/],
      [`migrations:\n  - dir: db/migrations\nmigrations: []\n`, /guard\.config\.yaml:3 repeats the key `migrations`/],
      [`migrations: ${'['.repeat(70)}${']'.repeat(70)}\n`, /guard\.config\.yaml:1 nests deeper/],
      [`x: [${Array(400_000).fill('a').join(',')}]\n`, /guard\.config\.yaml has too many YAML nodes/],
    ];
    try {
      for (const [text, says] of hostile) {
        repo.write('guard.config.yaml', text);
        for (const command of [['verify'], ['lock'], ['hook', 'pre-commit']]) assertRefusedCleanly(guardBin(repo.root, command), says, `config ${says}: ${command.join(' ')}`);
      }
    } finally {
      repo.write('guard.config.yaml', config);
    }
  });
});

describe('size limits: the lockfile (16 MiB) and the config (1 MiB) are refused before they are parsed', () => {
  const BIG_LOCKFILE = 17 * 1024 * 1024;
  const BIG_CONFIG = 1024 * 1024 + 1;
  let fixture: ReturnType<typeof withSealedRemote>;
  let lockfile: string;
  let config: string;
  before(() => {
    fixture = withSealedRemote();
    lockfile = fixture.repo.read('checksums.lock.yaml');
    config = fixture.repo.read('guard.config.yaml');
  });
  after(() => fixture.dispose());

  /** The file padded with a comment to `size` bytes: valid YAML, so only the size refuses it. */
  const padded = (text: string, size: number) => `${text}#${'x'.repeat(size - text.length - 2)}\n`;

  it('an oversized lockfile in the work tree, the index and a commit: exit 2 with its size, the limit and the fix, quickly', () => {
    const { repo } = fixture;
    repo.write('checksums.lock.yaml', padded(lockfile, BIG_LOCKFILE));
    const before = snapshot(repo);
    const started = Date.now();
    for (const command of [['verify'], ['lock'], ['verify', '--base', 'origin/main']]) {
      const result = guardBin(repo.root, command);
      assertRefusedCleanly(result, /checksums\.lock\.yaml is 17 MiB, over guard's limit of 16 MiB for it/, command.join(' '));
      assert.match(result.stderr, /a lockfile of 10,000 migrations is about 1\.5 MB/);
    }
    assert.equal(snapshot(repo), before);
    // Staged: the pre-commit hook reads the index.
    repo.git('add', 'checksums.lock.yaml');
    assertRefusedCleanly(guardBin(repo.root, ['hook', 'pre-commit']), /the staged checksums\.lock\.yaml is 17 MiB/, 'pre-commit');
    // Committed past the hooks: every commit's copy is read from git with the same limit.
    repo.git('commit', '-q', '--no-verify', '-m', 'huge lockfile');
    try {
      const sha = repo.git('rev-parse', 'HEAD').trim();
      assertRefusedCleanly(guardBin(repo.root, ['verify', '--rev', 'HEAD']), /checksums\.lock\.yaml at HEAD is 17 MiB/, 'verify --rev');
      // As the protected ref's copy (what the hooks and the CI gate trust), with a sound work tree.
      repo.git('checkout', 'HEAD~1', '--', 'checksums.lock.yaml');
      assertRefusedCleanly(guardBin(repo.root, ['verify', '--base', sha]), new RegExp(`checksums\\.lock\\.yaml at ${sha} is 17 MiB`), 'verify --base');
      assert.ok(Date.now() - started < 30_000, 'refused before reading, not after parsing');
    } finally {
      repo.git('reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('an oversized lockfile pushed to the server: pre-receive refuses it from git objects, exit 2', () => {
    const { repo, remote } = fixture;
    installPreReceive(remote);
    try {
      repo.write('checksums.lock.yaml', padded(lockfile, BIG_LOCKFILE));
      repo.git('commit', '-q', '--no-verify', '-am', 'huge lockfile');
      const push = spawnSync('git', ['push', 'origin', 'HEAD:refs/heads/evil'], { cwd: repo.root, encoding: 'utf8' });
      assert.notEqual(push.status, 0, push.stderr);
      assert.match(push.stderr, /remote: error checksums\.lock\.yaml at [0-9a-f]{40} is 17 MiB, over guard's limit of 16 MiB/);
      assertNoCrash(push.stderr, 'pre-receive');
    } finally {
      rmSync(path.join(remote, 'hooks/pre-receive'), { force: true });
      fixture.repo.git('reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('an oversized config in the work tree and pushed to the server: exit 2 with its size and the limit', () => {
    const { repo, remote } = fixture;
    repo.write('guard.config.yaml', padded(config, BIG_CONFIG));
    for (const command of [['verify'], ['lock'], ['hook', 'pre-commit'], ['verify', '--base', 'origin/main']]) {
      assertRefusedCleanly(guardBin(repo.root, command), /guard\.config\.yaml is 1,048,577 bytes \(1\.0 MiB\), over guard's limit of 1 MiB for it/, command.join(' '));
    }
    // On the server the config comes from the protected branch: a first push creating it carries its own.
    const server = mkdtempSync(path.join(tmpdir(), 'guard-server-'));
    try {
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', server]);
      installPreReceive(server);
      repo.git('commit', '-q', '--no-verify', '-am', 'huge config');
      const push = spawnSync('git', ['push', server, 'HEAD:refs/heads/main'], { cwd: repo.root, encoding: 'utf8' });
      assert.notEqual(push.status, 0, push.stderr);
      assert.match(push.stderr, /remote: error guard\.config\.yaml at [0-9a-f]{40} is 1,048,577 bytes \(1\.0 MiB\), over guard's limit of 1 MiB/);
      assertNoCrash(push.stderr, 'pre-receive');
    } finally {
      rmSync(server, { recursive: true, force: true });
      repo.git('reset', '-q', '--hard', 'HEAD~1');
    }
    void remote;
  });
});

/** The server's hook as the README tells an admin to install it, running the compiled guard. */
function installPreReceive(bare: string): void {
  writeFileSync(path.join(bare, 'hooks/pre-receive'), `#!/bin/sh\nNO_COLOR=1 exec "${process.execPath}" "${GUARD}" hook pre-receive\n`);
  chmodSync(path.join(bare, 'hooks/pre-receive'), 0o755);
}

describe('a lockfile or config that is not a regular file: exit 2, never a hang', () => {
  let repo: TempRepo;
  let lockfile: string;
  beforeEach(() => {
    repo?.dispose();
    repo = lockedRepo();
    lockfile = repo.read('checksums.lock.yaml');
  });
  after(() => repo?.dispose());

  const kinds: { name: string; make: (file: string) => void; says: RegExp }[] = [
    { name: 'a directory', make: (file) => mkdirSync(file), says: /is a directory, not a file/ },
    { name: 'a FIFO', make: (file) => execFileSync('mkfifo', [file]), says: /is a FIFO \(named pipe\), not a regular file/ },
    { name: 'a dangling symlink', make: (file) => symlinkSync('nowhere.yaml', file), says: /is a symlink to nowhere\.yaml/ },
  ];

  for (const { name, make, says } of kinds) {
    it(`the lockfile is ${name}: verify, lock and the pre-commit hook exit 2 (or commit without touching it)`, () => {
      repo.remove('checksums.lock.yaml');
      make(path.join(repo.root, 'checksums.lock.yaml'));
      const before = snapshot(repo);
      for (const command of [['verify'], ['lock'], ['lock', '--check']]) {
        assertRefusedCleanly(guardBin(repo.root, command, { timeout: 10_000 }), new RegExp(`checksums\\.lock\\.yaml ${says.source}`), `${name}: ${command.join(' ')}`);
        assert.equal(snapshot(repo), before, `${name}: ${command.join(' ')} wrote something`);
      }
      // The index still holds the lockfile: the hook reads that, and must not hang on the work-tree copy.
      repo.write('db/migrations/003_items.sql', 'CREATE TABLE items (id int);\n');
      repo.git('add', 'db/migrations/003_items.sql');
      const hook = guardBin(repo.root, ['hook', 'pre-commit'], { timeout: 10_000 });
      assertNoCrash(hook.stdout + hook.stderr, `${name}: pre-commit`);
      assert.ok([0, 2].includes(hook.code), `${name}: pre-commit exit ${hook.code}\n${hook.stderr}`);
      if (hook.code === 0) assert.match(repo.git('show', ':checksums.lock.yaml'), /003_items\.sql/);
      else assert.match(hook.stderr, /checksums\.lock\.yaml/);
    });

    it(`the config is ${name}: exit 2 naming it`, () => {
      repo.remove('guard.config.yaml');
      make(path.join(repo.root, 'guard.config.yaml'));
      for (const command of [['verify'], ['lock'], ['hook', 'pre-commit'], ['status']]) {
        assertRefusedCleanly(guardBin(repo.root, command, { timeout: 10_000 }), new RegExp(`guard\\.config\\.yaml ${says.source}`), `${name}: ${command.join(' ')}`);
      }
      assert.equal(repo.read('checksums.lock.yaml'), lockfile);
    });
  }

  it('the pre-commit hook stages a new lockfile where a directory stands in the work tree: exit 2 naming it, no stack', () => {
    repo.remove('checksums.lock.yaml');
    mkdirSync(path.join(repo.root, 'checksums.lock.yaml'));
    // Two new migrations in one set: the full rules (not the one-file fast path), which write the work-tree copy.
    repo.write('db/migrations/003_items.sql', 'CREATE TABLE items (id int);\n');
    repo.write('db/migrations/004_tags.sql', 'CREATE TABLE tags (id int);\n');
    repo.git('add', 'db/migrations');
    const hook = guardBin(repo.root, ['hook', 'pre-commit']);
    assertRefusedCleanly(hook, /could not write .*checksums\.lock\.yaml: a directory is in its place/, 'pre-commit');
  });

  it('an unreadable lockfile and config: exit 2 naming the permission', () => {
    // Root reads any file: as root (CI runs so), guard runs as nobody through
    // util-linux setpriv, in a repository nobody may read but for those files.
    const asRoot = process.getuid?.() === 0;
    const unprivileged = (args: readonly string[]): GuardRun => {
      if (!asRoot) return guardBin(repo.root, args);
      const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, GUARD, ...args], {
        cwd: repo.root,
        encoding: 'utf8',
        timeout: 20_000,
        // git refuses a repository another user owns unless told it is safe (https://git-scm.com/docs/git-config#Documentation/git-config.txt-safedirectory).
        env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', HOME: '/tmp', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' },
      });
      if (result.error) throw new Error(`guard ${args.join(' ')} did not finish: ${result.error.message}`);
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    };
    if (asRoot) chmodSync(repo.root, 0o755);
    chmodSync(path.join(repo.root, 'checksums.lock.yaml'), 0o000);
    assertRefusedCleanly(unprivileged(['verify']), /checksums\.lock\.yaml cannot be read \(permission denied\)/, 'lockfile');
    chmodSync(path.join(repo.root, 'checksums.lock.yaml'), 0o644);
    chmodSync(path.join(repo.root, 'guard.config.yaml'), 0o000);
    assertRefusedCleanly(unprivileged(['verify']), /guard\.config\.yaml cannot be read \(permission denied\)/, 'config');
    chmodSync(path.join(repo.root, 'guard.config.yaml'), 0o644);
  });

  it('a lockfile committed as a directory: exit 2 naming it', () => {
    repo.remove('checksums.lock.yaml');
    repo.write('checksums.lock.yaml/inner', 'x\n');
    repo.commitAll('lockfile dir');
    assertRefusedCleanly(guardBin(repo.root, ['verify', '--rev', 'HEAD']), /checksums\.lock\.yaml at HEAD is a directory, not a file/, 'verify --rev');
  });
});

describe('a reader that goes away (EPIPE) and errors guard did not expect', () => {
  let repo: TempRepo;
  before(() => {
    repo = lockedRepo();
  });
  after(() => repo?.dispose());

  /** `bash -o pipefail -c 'guard ARGS | READER'`: guard's own exit code, and what it printed on stderr. */
  function piped(args: string, reader: string, redirect = ''): { code: number; stderr: string } {
    const errFile = path.join(repo.root, '.git', 'guard-stderr.txt');
    const command = `set -o pipefail; "${process.execPath}" "${GUARD}" ${args} ${redirect || `2>"${errFile}"`} | ${reader}`;
    const result = spawnSync('bash', ['-c', command], { cwd: repo.root, encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
    const stderr = redirect ? result.stderr : readFileSync(errFile, 'utf8');
    return { code: result.status ?? -1, stderr };
  }

  it('stdout closed early: no stack, and the exit code is still the verdict', () => {
    for (const args of ['lock --check', 'verify --format json', 'verify', 'init', 'status --help', '--help']) {
      for (const reader of ['head -0', 'head -c 1 >/dev/null', 'true']) {
        const result = piped(args, reader);
        assert.equal(result.stderr, '', `guard ${args} | ${reader}: ${result.stderr}`);
        assert.ok([0, 1].includes(result.code), `guard ${args} | ${reader}: exit ${result.code}`);
      }
    }
    // A refusal stays a refusal for a pipeline with pipefail.
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id bigint);\n');
    try {
      const refused = piped('verify --format json', 'head -1 >/dev/null');
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, '');
    } finally {
      repo.git('checkout', '--', 'db/migrations/001_users.sql');
    }
  });

  it('guard init | head -3 exits quietly', () => {
    const result = piped('init', 'head -3 >/dev/null');
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });

  it("a hook's stderr closed early: no stack, the hook's verdict stands", () => {
    repo.write('db/migrations/003_items.sql', 'CREATE TABLE items (id int);\n');
    repo.write('db/migrations/004_tags.sql', 'CREATE TABLE tags (id int);\n');
    repo.git('add', 'db/migrations');
    try {
      // stderr into the pipe, stdout away: `2>&1 >/dev/null` in that order.
      const result = piped('hook pre-commit', 'head -0', '2>&1 >/dev/null');
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      assert.match(repo.git('show', ':checksums.lock.yaml'), /004_tags\.sql/);
    } finally {
      repo.git('reset', '-q', '--hard', 'HEAD');
      repo.remove('db/migrations/003_items.sql');
      repo.remove('db/migrations/004_tags.sql');
    }
  });

  // An error guard did not expect cannot be produced from outside without a
  // bug; a preload stands in for one, as a bug would surface: a library
  // throwing (spawn) inside a command, and an exception thrown from an event
  // callback outside any command.
  const preload = (code: string) => {
    const file = path.join(repo.root, '.git', 'preload.cjs');
    writeFileSync(file, code);
    return file;
  };

  it('an unexpected error in a command: "internal error" with its name and where to report it, exit 2, no stack', () => {
    const file = preload(`require('node:child_process').spawn = () => { throw new TypeError('simulated bug'); };\n`);
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--require', file, GUARD, 'verify'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
    const plain = run({ GUARD_DEBUG: '' });
    assert.equal(plain.status, 2);
    assert.match(plain.stderr, /^internal error TypeError: simulated bug\n {2}fix: this is a bug in guard, not a problem with your files: please report it .* GUARD_DEBUG=1/);
    assert.doesNotMatch(plain.stderr, /^\s+at /m);
    const debug = run({ GUARD_DEBUG: '1' });
    assert.equal(debug.status, 2);
    assert.match(debug.stderr, /internal error TypeError: simulated bug\nTypeError: simulated bug\n\s+at /);
  });

  it('an exception thrown outside any command: the same report, exit 2, no stack', () => {
    const file = preload(`setImmediate(() => { throw new RangeError('simulated callback bug'); });\n`);
    const result = spawnSync(process.execPath, ['--require', file, GUARD, 'verify'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GUARD_DEBUG: '' } });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /internal error RangeError: simulated callback bug/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});

describe('file names: one answer in every command, never a lossy name', () => {
  let fixture: ReturnType<typeof withSealedRemote>;
  before(() => {
    fixture = withSealedRemote();
    installPreReceive(fixture.remote);
  });
  after(() => fixture.dispose());
  afterEach(() => {
    const { repo } = fixture;
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.git('clean', '-q', '-fdx', '--', 'db');
    repo.git('checkout', '-q', '-B', 'feature', 'origin/main');
  });

  /**
   * Every command over a new migration named `name` (raw bytes): lock, verify,
   * the pre-commit hook (its fast path: one new file; and its full rules: two),
   * then committed past the hooks: verify --rev, verify --base, pre-push and
   * the server's pre-receive.
   */
  function everyCommand(name: Buffer): { command: string; result: GuardRun }[] {
    const { repo } = fixture;
    const file = Buffer.concat([Buffer.from(`${repo.root}/db/migrations/`), name]);
    writeFileSync(file, 'CREATE TABLE weird (id int);\n');
    const results: { command: string; result: GuardRun }[] = [];
    for (const command of [['lock'], ['verify'], ['verify', '--base', 'origin/main']]) results.push({ command: command.join(' '), result: guardBin(repo.root, command) });
    repo.git('add', '-A', 'db');
    results.push({ command: 'hook pre-commit (fast path)', result: guardBin(repo.root, ['hook', 'pre-commit']) });
    repo.write('db/migrations/040_more.sql', 'CREATE TABLE more (id int);\n');
    repo.git('add', '-A', 'db');
    results.push({ command: 'hook pre-commit (full rules)', result: guardBin(repo.root, ['hook', 'pre-commit']) });
    repo.git('commit', '-q', '--no-verify', '-m', 'weird name');
    const head = repo.git('rev-parse', 'HEAD').trim();
    results.push({ command: 'verify --rev HEAD', result: guardBin(repo.root, ['verify', '--rev', 'HEAD']) });
    results.push({ command: 'verify --base (CI)', result: guardBin(repo.root, ['verify', '--base', 'origin/main']) });
    const main = repo.git('rev-parse', 'origin/main').trim();
    results.push({ command: 'hook pre-push', result: guardBin(repo.root, ['hook', 'pre-push', 'origin'], { input: `refs/heads/feature ${head} refs/heads/feature ${'0'.repeat(40)}\n` }) });
    const push = spawnSync('git', ['push', 'origin', 'HEAD:refs/heads/weird'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    results.push({ command: 'pre-receive (server)', result: { code: push.status === 0 ? 0 : 2, stdout: '', stderr: push.stderr.replace(/^remote: /gm, '') } });
    void main;
    return results;
  }

  function assertAllRefuse(name: Buffer, says: RegExp): void {
    const lockfileBefore = fixture.repo.read('checksums.lock.yaml');
    for (const { command, result } of everyCommand(name)) {
      const output = result.stdout + result.stderr;
      assert.notEqual(result.code, 0, `${command} accepted it:\n${output}`);
      assert.match(output, says, command);
      assertNoCrash(output, command);
      assert.doesNotMatch(output, /\uFFFD/, `${command} printed a lossy name`);
    }
    assert.equal(fixture.repo.git('show', 'HEAD:checksums.lock.yaml'), lockfileBefore, 'nothing was locked');
  }

  it('a name that is not UTF-8 (004_\\xff\\xfe.sql): exit 2 naming its bytes, everywhere', () => {
    assertAllRefuse(Buffer.from([...Buffer.from('030_'), 0xff, 0xfe, ...Buffer.from('.sql')]), /the file name db\/migrations\/030_\\xff\\xfe\.sql is not UTF-8[\s\S]*git mv \$'db\/migrations\/030_\\xff\\xfe\.sql' db\/migrations\/NEW_NAME/);
  });

  it('a name with a line break: exit 2 everywhere, so no output line can be forged', () => {
    assertAllRefuse(Buffer.from('030_a\nok 2 migrations.sql'), /the file name db\/migrations\/030_a\\nok 2 migrations\.sql cannot be a migration's name: it holds a line break \(U\+000A\)/);
  });

  it('a name with a tab: exit 2 everywhere', () => {
    assertAllRefuse(Buffer.from('030_a\tb.sql'), /030_a\\tb\.sql cannot be a migration's name: it holds a tab \(U\+0009\)/);
  });

  it('a name with a terminal escape: exit 2 everywhere', () => {
    assertAllRefuse(Buffer.from('030_a\u001b[2Jb.sql'), /030_a\\x1b\[2Jb\.sql cannot be a migration's name: it holds a control character \(U\+001B\)/);
  });

  it('a name with a bidirectional override (Trojan Source): exit 2 everywhere', () => {
    assertAllRefuse(Buffer.from('030_a\u202eb.sql'), /030_a\\u202eb\.sql cannot be a migration's name: it holds a bidirectional formatting character \(U\+202E\)/);
  });

  it("a name with a backslash, which the lockfile reads as a separator: exit 2 everywhere (never locked, then refused by guard's own reader)", () => {
    assertAllRefuse(Buffer.from('030_a\\b.sql'), /030_a\\\\b\.sql cannot be a migration's name: it holds a backslash/);
  });

  it('a name that starts with a drive letter, which the lockfile reads as absolute: exit 2 everywhere', () => {
    assertAllRefuse(Buffer.from('c:030_x.sql'), /db\/migrations\/c:030_x\.sql cannot be a migration's name: a part of it starts with a drive letter/);
  });

  /** The commands that accept a name lock it as the same exact text, and CI and the server agree. */
  function assertAllLockExactly(name: string): void {
    const { repo } = fixture;
    writeFileSync(path.join(repo.root, 'db/migrations', name), 'CREATE TABLE fine (id int);\n');
    const lock = guardBin(repo.root, ['lock']);
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    const locked = repo.read('checksums.lock.yaml');
    assert.ok(locked.includes(`file: ${JSON.stringify(name)}`) || locked.includes(`file: ${name},`), `${name} as written:\n${locked}`);
    repo.git('checkout', '--', 'checksums.lock.yaml');
    repo.git('add', '-A', 'db');
    // The hook's fast path locks the same line as guard lock.
    const hook = guardBin(repo.root, ['hook', 'pre-commit']);
    assert.equal(hook.code, 0, hook.stderr);
    assert.equal(repo.git('show', ':checksums.lock.yaml'), locked);
    repo.git('commit', '-q', '--no-verify', '-m', 'fine name');
    for (const command of [['verify'], ['verify', '--rev', 'HEAD'], ['verify', '--base', 'origin/main']]) {
      const result = guardBin(repo.root, command);
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stdout}${result.stderr}`);
    }
    const push = spawnSync('git', ['push', 'origin', 'HEAD:refs/heads/fine'], { cwd: repo.root, encoding: 'utf8' });
    assert.equal(push.status, 0, push.stderr);
    spawnSync('git', ['push', '-q', 'origin', ':refs/heads/fine'], { cwd: repo.root });
  }

  it('a non-ASCII UTF-8 name, which git quotes unless -z (core.quotePath): locked as its text', () => {
    fixture.repo.git('config', 'core.quotePath', 'true');
    assertAllLockExactly('030_café_über.sql');
  });

  it('a name with a leading dash and a quote: a file, never an option', () => {
    assertAllLockExactly("030_-rf_it's.sql");
    const { repo } = fixture;
    // A whole set whose dir starts with a dash: every git call passes paths after `--`.
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: --output=x\n    tool: sql\n');
    repo.write('--output=x/001_a.sql', 'SELECT 1;\n');
    const lock = guardBin(repo.root, ['lock']);
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.match(repo.read('checksums.lock.yaml'), /dir: "--output=x"/);
    repo.git('add', '-A');
    assert.equal(guardBin(repo.root, ['hook', 'pre-commit']).code, 0);
    assert.equal(guardBin(repo.root, ['verify']).code, 0);
    assert.ok(!readdirSync(repo.root).includes('x'), 'no git option was taken from a path');
  });
});
