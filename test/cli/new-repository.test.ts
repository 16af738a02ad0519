// A brand-new repository: before the protected branch exists nothing can be
// sealed, so the first commits and the first push go through; sealing starts
// with the first push. A clone that lacks a protected branch that does exist
// (single-branch, shallow, a remote added but never fetched) fails closed.
// Real git, bare remotes, the compiled CLI through installed hooks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git, gitOk, guard, hook, identity, write } from '../helpers/git-cli.js';

/** guard's pre-commit and pre-push hooks in the clone at `root`, and the identity to commit with. */
function prepare(root: string): void {
  identity(root);
  const hooks = gitOk(root, 'rev-parse', '--path-format=absolute', '--git-path', 'hooks').trim();
  hook(path.join(hooks, 'pre-commit'), 'hook pre-commit');
  hook(path.join(hooks, 'pre-push'), 'hook pre-push "$@"');
}

const CONFIG = 'migrations:\n  - dir: db/migrations\n    tool: sql\n';

describe('a brand-new repository', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'guard-new-repo-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in a clone of an empty remote with protected: origin/main, guard lock, the first commits and the first push pass; sealing starts with that push', () => {
    const remote = path.join(dir, 'empty.git');
    gitOk(dir, 'init', '-q', '--bare', '-b', 'main', remote);
    const clone = path.join(dir, 'clone');
    gitOk(dir, 'clone', '-q', remote, clone);
    prepare(clone);
    write(clone, 'guard.config.yaml', `${CONFIG}protected: origin/main\n`);
    write(clone, 'db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    const lock = guard(clone, 'lock');
    assert.equal(lock.code, 0, lock.output);
    gitOk(clone, 'add', '-A');
    const first = git(clone, 'commit', '-q', '-m', 'guard the migrations');
    assert.equal(first.code, 0, first.output);
    // Not pushed yet: nothing is sealed, so an edit of a committed migration is still fine.
    write(clone, 'db/migrations/001_users.sql', 'CREATE TABLE users (id bigint);\n');
    write(clone, 'db/migrations/002_orders.sql', 'CREATE TABLE orders (id int);\n');
    gitOk(clone, 'add', '-A');
    const second = git(clone, 'commit', '-q', '-m', 'orders');
    assert.equal(second.code, 0, second.output);
    const push = git(clone, 'push', '-q', '-u', 'origin', 'main');
    assert.equal(push.code, 0, push.output);
    // The push created origin/main here: what it holds is sealed from now on.
    write(clone, 'db/migrations/001_users.sql', 'DROP TABLE users;\n');
    gitOk(clone, 'add', '-A');
    const edit = git(clone, 'commit', '-q', '-m', 'edit a pushed migration');
    assert.equal(edit.code, 1, edit.output);
    assert.match(edit.output, /db\/migrations\/001_users\.sql is sealed in origin\/main/);
    gitOk(clone, 'checkout', '-q', 'HEAD', '--', 'db/migrations/001_users.sql');
  });

  it('git init + git remote add of an empty remote, with the default config: the first commit and push pass', () => {
    const remote = path.join(dir, 'empty2.git');
    gitOk(dir, 'init', '-q', '--bare', '-b', 'main', remote);
    const repo = path.join(dir, 'fresh');
    gitOk(dir, 'init', '-q', '-b', 'main', repo);
    gitOk(repo, 'remote', 'add', 'origin', remote);
    prepare(repo);
    write(repo, 'guard.config.yaml', CONFIG);
    write(repo, 'db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    gitOk(repo, 'add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'first');
    assert.equal(commit.code, 0, commit.output);
    const push = git(repo, 'push', '-q', 'origin', 'main');
    assert.equal(push.code, 0, push.output);
  });

  it('guard renumber works before anything is sealed (nothing to refuse, nothing to fetch)', () => {
    const remote = path.join(dir, 'empty3.git');
    gitOk(dir, 'init', '-q', '--bare', '-b', 'main', remote);
    const clone = path.join(dir, 'renumbering');
    gitOk(dir, 'clone', '-q', remote, clone);
    identity(clone);
    write(clone, 'guard.config.yaml', `${CONFIG}protected: origin/main
`);
    write(clone, 'db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    write(clone, 'db/migrations/002_orders.sql', 'CREATE TABLE orders (id int);\n');
    assert.equal(guard(clone, 'lock').code, 0);
    gitOk(clone, 'add', '-A');
    gitOk(clone, 'commit', '-q', '-m', 'users and orders');
    write(clone, 'db/migrations/002_items.sql', 'CREATE TABLE items (id int);\n');
    gitOk(clone, 'add', '-A');
    const renumber = guard(clone, 'renumber', 'db/migrations/002_items.sql');
    assert.equal(renumber.code, 0, renumber.output);
    assert.match(renumber.output, /003_items\.sql/);
  });
});

describe('a protected branch that exists but is not in the clone fails closed', () => {
  let dir: string;
  let remote: string;
  before(() => {
    // A remote whose main seals 001, with a feature branch.
    dir = mkdtempSync(path.join(tmpdir(), 'guard-not-fetched-'));
    remote = path.join(dir, 'remote.git');
    gitOk(dir, 'init', '-q', '--bare', '-b', 'main', remote);
    const seed = path.join(dir, 'seed');
    gitOk(dir, 'clone', '-q', remote, seed);
    prepare(seed);
    write(seed, 'guard.config.yaml', CONFIG);
    write(seed, 'db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    assert.equal(guard(seed, 'lock').code, 0);
    gitOk(seed, 'add', '-A');
    gitOk(seed, 'commit', '-q', '-m', 'sealed');
    gitOk(seed, 'push', '-q', 'origin', 'main', 'main:feature');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const protectedLine of ['', 'protected: origin/main\n']) {
    it(`a single-branch clone of another branch (${protectedLine ? 'protected: origin/main' : 'default protected ref'}): guard lock and the commit exit 3, naming what to fetch; after the fetch the sealed edit is refused`, () => {
      const clone = path.join(dir, `single-${protectedLine ? 'named' : 'default'}`);
      gitOk(dir, 'clone', '-q', '--single-branch', '--branch', 'feature', remote, clone);
      prepare(clone);
      if (protectedLine) {
        write(clone, 'guard.config.yaml', `${CONFIG}${protectedLine}`);
        gitOk(clone, 'commit', '-qam', 'name the protected branch', '--no-verify');
      }
      write(clone, 'db/migrations/001_users.sql', 'DROP TABLE users;\n');
      const lock = guard(clone, 'lock');
      assert.equal(lock.code, 3, lock.output);
      gitOk(clone, 'add', '-A');
      const commit = guard(clone, 'hook', 'pre-commit');
      assert.equal(commit.code, 3, commit.output);
      assert.notEqual(git(clone, 'commit', '-q', '-m', 'edit a sealed migration').code, 0);
      assert.match(commit.output, protectedLine ? /origin\/main is not in this clone/ : /origin's default branch is not in this clone \(it has origin\/feature/);
      gitOk(clone, 'fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
      const fetched = git(clone, 'commit', '-q', '-m', 'edit a sealed migration');
      assert.equal(fetched.code, 1, fetched.output);
      assert.match(fetched.output, /001_users\.sql is sealed in origin\/main/);
    });
  }

  it('a shallow clone without any ref of its remote: exit 3', () => {
    const clone = path.join(dir, 'shallow');
    gitOk(dir, 'init', '-q', '-b', 'work', clone);
    gitOk(clone, 'fetch', '-q', '--depth=1', `file://${remote}`, 'feature');
    gitOk(clone, 'checkout', '-q', 'FETCH_HEAD', '-b', 'work');
    gitOk(clone, 'remote', 'add', 'origin', remote);
    prepare(clone);
    write(clone, 'guard.config.yaml', `${CONFIG}protected: origin/main\n`);
    write(clone, 'db/migrations/001_users.sql', 'DROP TABLE users;\n');
    gitOk(clone, 'add', '-A');
    const commit = guard(clone, 'hook', 'pre-commit');
    assert.equal(commit.code, 3, commit.output);
    assert.match(commit.output, /origin\/main is not in this shallow clone/);
  });

  it('git init + git remote add of a remote that has main, never fetched: the offline commit passes, the push asks the remote and exits 3; after the fetch the push is judged', () => {
    const repo = path.join(dir, 'added');
    gitOk(dir, 'init', '-q', '-b', 'work', repo);
    gitOk(repo, 'remote', 'add', 'origin', remote);
    prepare(repo);
    write(repo, 'guard.config.yaml', `${CONFIG}protected: origin/main\n`);
    write(repo, 'db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    gitOk(repo, 'add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'first');
    assert.equal(commit.code, 0, commit.output);
    const push = git(repo, 'push', '-q', 'origin', 'work');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /origin has main, which this clone has never fetched/);
    assert.match(push.output, /git fetch origin main:refs\/remotes\/origin\/main/);
    assert.equal(git(repo, 'ls-remote', '--exit-code', 'origin', 'refs/heads/work').code, 2, 'nothing was pushed');
    // The default protected ref asks the remote for its default branch.
    write(repo, 'guard.config.yaml', CONFIG);
    gitOk(repo, 'commit', '-qam', 'default protected ref');
    const pushDefault = git(repo, 'push', '-q', 'origin', 'work');
    assert.notEqual(pushDefault.code, 0, pushDefault.output);
    assert.match(pushDefault.output, /origin has a default branch, which this clone has never fetched/);
    gitOk(repo, 'fetch', '-q', 'origin');
    gitOk(repo, 'remote', 'set-head', 'origin', '--auto');
    const fetched = git(repo, 'push', '-q', 'origin', 'work');
    assert.equal(fetched.code, 0, fetched.output);
  });
});
