import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TempRepo, alembicRevision, runGuard } from '../helpers/git-repo.js';

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
  after(() => repo.dispose());

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
