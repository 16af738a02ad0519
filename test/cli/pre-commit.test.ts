import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo, withSealedRemote } from '../helpers/git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');

/** withSealedRemote, with a pre-commit hook that runs guard from source. */
function setUp(): { repo: TempRepo; dispose(): void } {
  const { repo, dispose } = withSealedRemote();
  const hook = path.join(repo.root, '.git/hooks/pre-commit');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-commit\n`);
  chmodSync(hook, 0o755);
  return { repo, dispose };
}

/** `git commit` with the hook active; what the user sees. */
function commit(repo: TempRepo, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', ['commit', '-q', ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('guard hook pre-commit, installed as a real git hook', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = setUp()));
  after(() => dispose());

  it('locks a new migration and commits the lockfile with it, no manual step', () => {
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    repo.git('add', 'db/migrations/030_items.sql');
    const result = commit(repo, '-m', 'items');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /locked the staged migrations and staged checksums\.lock\.yaml/);
    const committed = repo.git('show', 'HEAD:checksums.lock.yaml');
    assert.match(committed, new RegExp(`\\{id: "030", file: 030_items\\.sql, sha256: ${sha256('CREATE TABLE items (id int);\n')}\\}`));
    assert.equal(repo.read('checksums.lock.yaml'), committed);
    assert.equal(repo.git('status', '--porcelain'), '');
    // The hook's quick append is byte for byte what a full lock writes.
    const check = repo.guard('lock', '--check');
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('refuses a new migration that sorts before the sealed ones (the full rules take over)', () => {
    repo.write('db/migrations/015_late.sql', 'SELECT 1;\n');
    repo.git('add', 'db/migrations/015_late.sql');
    const result = commit(repo, '-m', 'late');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/015_late\.sql \(version 015\) sorts before db\/migrations\/020_orders\.sql/);
    assert.match(result.output, /guard renumber db\/migrations\/015_late\.sql/);
    repo.git('rm', '-q', '--cached', 'db/migrations/015_late.sql');
    repo.remove('db/migrations/015_late.sql');
  });

  it('git commit -a: refuses an edit of a sealed migration, naming it and where it was sealed', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const result = commit(repo, '-a', '-m', 'edit sealed');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/010_users\.sql is sealed in origin\/main by [0-9a-f]+ \(\d{4}-\d\d-\d\d, Test User\)/);
    assert.match(result.output, /write a new migration/);
    assert.match(result.output, /guard amend/);
    assert.equal(repo.git('log', '-1', '--format=%s').trim(), 'items');
  });

  it('git commit -- path: refuses it too (git points GIT_INDEX_FILE at a temporary index)', () => {
    const result = commit(repo, '-m', 'edit sealed', '--', 'db/migrations/010_users.sql');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /010_users\.sql is sealed in origin\/main/);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
  });

  it('git commit -- path with a new migration: the lockfile goes into that commit, and the hook says how to sync the index', () => {
    repo.write('db/migrations/035_only.sql', 'SELECT 35;\n');
    repo.git('add', 'db/migrations/035_only.sql');
    const result = commit(repo, '-m', 'only', '--', 'db/migrations/035_only.sql');
    assert.equal(result.code, 0, result.output);
    assert.match(repo.git('show', 'HEAD:checksums.lock.yaml'), /035_only\.sql/);
    assert.match(result.output, /run `git add checksums\.lock\.yaml` afterwards/);
    repo.git('add', 'checksums.lock.yaml');
    assert.equal(repo.git('status', '--porcelain'), '');
  });

  it('an unsealed migration may change: its line is refreshed in the same commit', () => {
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id bigint);\n');
    const result = commit(repo, '-a', '-m', 'items bigint');
    assert.equal(result.code, 0, result.output);
    assert.match(repo.git('show', 'HEAD:checksums.lock.yaml'), new RegExp(sha256('CREATE TABLE items (id bigint);\n')));
  });

  it('partial staging: the lockfile records what is staged, not the work tree', () => {
    repo.write('db/migrations/040_tags.sql', 'CREATE TABLE tags (id int);\n');
    repo.git('add', 'db/migrations/040_tags.sql');
    repo.write('db/migrations/040_tags.sql', 'CREATE TABLE tags (id int);\n-- not staged yet\n');
    const result = commit(repo, '-m', 'tags');
    assert.equal(result.code, 0, result.output);
    const committed = repo.git('show', 'HEAD:checksums.lock.yaml');
    assert.match(committed, new RegExp(`040_tags\\.sql, sha256: ${sha256('CREATE TABLE tags (id int);\n')}`));
    repo.git('checkout', '--', 'db/migrations/040_tags.sql');
  });

  it('refuses a staged deletion of a sealed migration and a hand edit of its lockfile line', () => {
    repo.git('rm', '-q', 'db/migrations/020_orders.sql');
    const deletion = commit(repo, '-m', 'drop orders');
    assert.notEqual(deletion.code, 0);
    assert.match(deletion.output, /020_orders\.sql is sealed in origin\/main .*and was deleted/);
    repo.git('reset', '-q', '--hard');
    const text = repo.read('checksums.lock.yaml');
    const line = text.split('\n').find((candidate) => candidate.includes('010_users.sql'))!;
    repo.write('checksums.lock.yaml', text.replace(line, line.replace(/sha256: [0-9a-f]{64}/, `sha256: ${'a'.repeat(64)}`)));
    repo.git('add', 'checksums.lock.yaml');
    const edited = commit(repo, '-m', 'hand edit');
    assert.notEqual(edited.code, 0);
    assert.match(edited.output, /lockfile line of db\/migrations\/010_users\.sql, sealed in origin\/main/);
    repo.git('reset', '-q', '--hard');
  });
});

describe('guard hook pre-push, installed as a real git hook', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    const hook = path.join(repo.root, '.git/hooks/pre-push');
    writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-push "$@"\n`);
    chmodSync(hook, 0o755);
  });
  after(() => dispose());

  const push = (...args: string[]) => {
    const result = spawnSync('git', ['push', '-q', ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  };

  it('lets a branch that only adds migrations through', () => {
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('items');
    const result = push('-u', 'origin', 'feature');
    assert.equal(result.code, 0, result.output);
  });

  it('refuses a push when any pushed commit edited a sealed migration, even if a later commit reverts it', () => {
    const original = repo.read('db/migrations/010_users.sql');
    repo.write('db/migrations/010_users.sql', 'DROP TABLE users;\n');
    // A lock with nothing sealed: no ref of origin at all, as in a clone of an empty remote.
    const feature = repo.git('rev-parse', 'refs/remotes/origin/feature').trim();
    repo.git('symbolic-ref', '--delete', 'refs/remotes/origin/HEAD');
    repo.git('update-ref', '-d', 'refs/remotes/origin/main');
    repo.git('update-ref', '-d', 'refs/remotes/origin/feature');
    assert.equal(repo.guard('lock').code, 0);
    repo.git('fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
    repo.git('remote', 'set-head', 'origin', 'main');
    repo.git('update-ref', 'refs/remotes/origin/feature', feature);
    repo.commitAll('sneaky edit');
    const sneaky = repo.git('rev-parse', 'HEAD').trim();
    repo.write('db/migrations/010_users.sql', original);
    repo.git('add', '-A');
    assert.equal(repo.guard('lock').code, 0); // the file is back as sealed: lock restores its line
    repo.commitAll('revert');
    // The tip is clean again; only a check of every pushed commit finds the edit (CI's too).
    assert.equal(repo.guard('verify', '--rev', 'HEAD').code, 0);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 1);
    const result = push('origin', 'feature');
    assert.notEqual(result.code, 0);
    assert.match(result.output, new RegExp(`commit ${sneaky.slice(0, 12)} \\(sneaky edit\\) on refs/heads/feature`));
    assert.match(result.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.match(result.output, /guard refused the push/);
  });

  it('a remote commit this clone does not have is exit 3: fetch first', () => {
    const result = spawnSync(process.execPath, ['--import', TSX, CLI, 'hook', 'pre-push', 'origin', 'url'], {
      cwd: repo.root,
      encoding: 'utf8',
      input: `refs/heads/feature ${repo.git('rev-parse', 'HEAD').trim()} refs/heads/feature ${'1'.repeat(40)}\n`,
    });
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /fetch first \(git fetch origin\)/);
  });

  it('a deleted ref needs no check', () => {
    const result = spawnSync(process.execPath, ['--import', TSX, CLI, 'hook', 'pre-push', 'origin', 'url'], {
      cwd: repo.root,
      encoding: 'utf8',
      input: `(delete) ${'0'.repeat(40)} refs/heads/old ${repo.git('rev-parse', 'origin/main').trim()}\n`,
    });
    assert.equal(result.status, 0, result.stderr);
  });
});

describe("the hook's quick path reads HEAD's lockfile from the work tree only when its bytes are HEAD's", () => {
  const GUARD_BIN = path.join(PROJECT_ROOT, 'dist/bin/guard.js');
  let root: string;
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'guard-sha256-'));
    git('init', '-q', '--object-format=sha256', '-b', 'main');
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'Dev');
    writeFileSync(path.join(root, '.git/hooks/pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${GUARD_BIN}" hook pre-commit\n`);
    chmodSync(path.join(root, '.git/hooks/pre-commit'), 0o755);
    writeFileSync(path.join(root, 'guard.config.yaml'), 'migrations:\n  - dir: db\n    tool: sql\n');
    mkdirSync(path.join(root, 'db'));
    writeFileSync(path.join(root, 'db/001_users.sql'), 'CREATE TABLE users (id int);\n');
    assert.equal(spawnSync(process.execPath, [GUARD_BIN, 'lock'], { cwd: root }).status, 0);
    git('add', '-A');
    git('commit', '-q', '-m', 'users');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a repository with SHA-256 object ids: the new migration is locked as guard lock would', () => {
    writeFileSync(path.join(root, 'db/002_orders.sql'), 'CREATE TABLE orders (id int);\n');
    git('add', 'db/002_orders.sql');
    git('commit', '-q', '-m', 'orders');
    assert.match(git('show', 'HEAD:checksums.lock.yaml'), /file: 002_orders\.sql/);
    assert.equal(spawnSync(process.execPath, [GUARD_BIN, 'lock', '--check'], { cwd: root }).status, 0, 'byte for byte what guard lock writes');
  });

  it('a work-tree lockfile with edits of its own is left as it is; the commit gets HEAD\'s plus the new line', () => {
    const lockfile = path.join(root, 'checksums.lock.yaml');
    writeFileSync(lockfile, `${readFileSync(lockfile, 'utf8')}# a note of mine\n`);
    writeFileSync(path.join(root, 'db/003_items.sql'), 'CREATE TABLE items (id int);\n');
    git('add', 'db/003_items.sql');
    git('commit', '-q', '-m', 'items');
    const committed = git('show', 'HEAD:checksums.lock.yaml');
    assert.match(committed, /file: 003_items\.sql/);
    assert.doesNotMatch(committed, /a note of mine/);
    assert.match(readFileSync(lockfile, 'utf8'), /# a note of mine\n$/);
  });
});
