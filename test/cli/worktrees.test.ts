// Linked worktrees (git worktree add) of a repository set up by guard init:
// the hooks and the lockfile merge driver must work there as in the main
// work tree, though a new worktree has neither node_modules nor husky's
// generated hooks/_ folder. Real git, the compiled guard in dist/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GUARD, runGuard } from '../helpers/compiled-guard.js';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';

/** PATH without any guard on it: the only guard is the one a test installs in node_modules. */
const PATH_WITHOUT_GUARD = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => dir !== '' && !existsSync(path.join(dir, 'guard')))
  .join(path.delimiter);
const ENV: NodeJS.ProcessEnv = { ...process.env, PATH: PATH_WITHOUT_GUARD, NO_COLOR: '1', GITHUB_ACTIONS: '', HUSKY: '' };

/** What `npm install migration-guard` puts in a project: node_modules/.bin/guard, here the compiled CLI. */
function installGuard(root: string): void {
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules/.bin/guard'), `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" "$@"\n`);
  chmodSync(path.join(root, 'node_modules/.bin/guard'), 0o755);
  writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n');
}

/** A git command as a user types it in `cwd`, hooks and merge drivers included. */
function git(cwd: string, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: ENV });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

const HUSKY_BIN = path.join(PROJECT_ROOT, 'node_modules/husky/bin.js');

const SETUPS: { name: string; huskyDir?: string; huskyBeforeGuard?: boolean }[] = [
  { name: 'an npm project (husky in hooks/, installed by guard init)', huskyDir: 'hooks' },
  { name: 'an npm project already on husky (.husky/, with its own pre-commit line)', huskyDir: '.husky', huskyBeforeGuard: true },
  { name: 'a repository without package.json (.githooks/)' },
];

for (const setup of SETUPS) {
  const husky = setup.huskyDir;
  describe(`a linked worktree of ${setup.name} set up by guard init`, () => {
    let repo: TempRepo;
    let remote: string;
    let worktree: string;

    before(() => {
      remote = mkdtempSync(path.join(tmpdir(), 'guard-remote-'));
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
      repo = new TempRepo();
      installGuard(repo.root);
      if (husky !== undefined) {
        repo.write('package.json', `{\n  "name": "app",\n  "scripts": {${setup.huskyBeforeGuard ? '\n    "prepare": "husky"\n  ' : ''}}\n}\n`);
        // The project's own husky hooks (lint-staged, commitlint), which must keep running beside guard's.
        repo.write(`${husky}/pre-commit`, 'echo "lint-staged ran" >&2\n');
        repo.write(`${husky}/commit-msg`, 'echo "commit-msg ran" >&2\n');
        if (setup.huskyBeforeGuard) {
          const installed = spawnSync(process.execPath, [HUSKY_BIN], { cwd: repo.root, encoding: 'utf8', env: ENV });
          assert.equal(installed.status, 0, installed.stderr);
        }
      }
      repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
      repo.write('db/migrations/020_orders.sql', 'CREATE TABLE orders (id int);\n');
      repo.git('remote', 'add', 'origin', remote);

      const init = runGuard(repo.root, ENV, ['init']);
      assert.equal(init.code, 0, init.stdout + init.stderr);
      assert.equal(repo.git('config', '--get', 'core.hooksPath').trim(), husky === undefined ? '.githooks' : `${husky}/_`);
      assert.equal(git(repo.root, 'add', '-A').code, 0);
      const commit = git(repo.root, 'commit', '-q', '-m', 'guard the migrations');
      assert.equal(commit.code, 0, commit.output);
      const push = git(repo.root, 'push', '-q', '-u', 'origin', 'main');
      assert.equal(push.code, 0, push.output);
      repo.git('remote', 'set-head', 'origin', 'main');

      worktree = `${repo.root}-wt`;
      repo.git('worktree', 'add', '-q', '-b', 'feature', worktree);
      assert.ok(!existsSync(path.join(worktree, 'node_modules')), 'a new worktree has no node_modules');
      if (husky !== undefined) assert.ok(!existsSync(path.join(worktree, husky, '_')), "a new worktree has no husky's generated folder");
    });

    after(() => {
      spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: repo.root });
      rmSync(worktree, { recursive: true, force: true });
      repo.dispose();
      rmSync(remote, { recursive: true, force: true });
    });

    it('git commit -am of a sealed edit is refused in the new worktree', () => {
      write(worktree, 'db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
      const commit = git(worktree, 'commit', '-q', '-am', 'widen id');
      assert.notEqual(commit.code, 0, commit.output);
      assert.match(commit.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
      if (husky !== undefined) assert.match(commit.output, /lint-staged ran/, "the project's own pre-commit lines still run");
      assert.equal(git(worktree, 'checkout', '--', 'db/migrations/010_users.sql').code, 0);
    });

    it('a new migration committed in the worktree is locked by the pre-commit hook', () => {
      write(worktree, 'db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
      assert.equal(git(worktree, 'add', 'db/migrations/030_items.sql').code, 0);
      const commit = git(worktree, 'commit', '-q', '-m', 'items');
      assert.equal(commit.code, 0, commit.output);
      assert.match(commit.output, /locked the staged migrations/);
      if (husky !== undefined) assert.match(commit.output, /commit-msg ran/, "husky's other hooks run in the worktree too");
      assert.match(git(worktree, 'show', 'HEAD:checksums.lock.yaml').output, /030_items\.sql/);
    });

    it('git push of a sealed edit from the worktree is refused by the pre-push hook', () => {
      write(worktree, 'db/migrations/020_orders.sql', 'CREATE TABLE orders (id bigint);\n');
      const skipped = git(worktree, 'commit', '-q', '--no-verify', '-am', 'widen orders');
      assert.equal(skipped.code, 0, skipped.output);
      const push = git(worktree, 'push', '-q', 'origin', 'feature');
      assert.notEqual(push.code, 0, push.output);
      assert.match(push.output, /020_orders\.sql is sealed in origin\/main/);
      assert.match(push.output, /guard refused the push/);
      assert.equal(git(remote, 'rev-parse', '--verify', '-q', 'refs/heads/feature').code, 1, 'nothing reached the remote');
      assert.equal(git(worktree, 'reset', '-q', '--hard', 'HEAD~1').code, 0);
    });

    it('the merge driver merges two branches that each added a migration, in the worktree', () => {
      assert.equal(git(worktree, 'checkout', '-q', '-b', 'other', 'main').code, 0);
      write(worktree, 'db/migrations/040_tags.sql', 'CREATE TABLE tags (id int);\n');
      assert.equal(git(worktree, 'add', '-A').code, 0);
      assert.equal(git(worktree, 'commit', '-q', '-m', 'tags').code, 0);
      assert.equal(git(worktree, 'checkout', '-q', 'feature').code, 0);
      const merge = git(worktree, 'merge', '--no-edit', 'other');
      assert.equal(merge.code, 0, merge.output);
      assert.match(merge.output, /guard: merged checksums\.lock\.yaml/);
      assert.match(git(worktree, 'show', 'HEAD:checksums.lock.yaml').output, /030_items\.sql[\s\S]*040_tags\.sql/);
      assert.equal(runGuard(worktree, ENV, ['lock', '--check']).code, 0, 'the merged lockfile is what guard lock writes');
    });

    it('guard doctor finds the worktree protected, from either work tree', () => {
      for (const cwd of [repo.root, worktree]) {
        const doctor = runGuard(cwd, ENV, ['doctor']);
        assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
        assert.match(doctor.stdout, /ok {4}hook pre-commit \(worktree .*\): \S+\/pre-commit runs guard/);
        assert.match(doctor.stdout, /ok {4}guard command \(worktree .*\): .*node_modules\/\.bin\/guard/);
      }
    });

    it('with guard installed nowhere, the worktree hook refuses with what to install, and the merge driver leaves a conflict', () => {
      const installed = path.join(repo.root, 'node_modules');
      renameSync(installed, `${installed}.away`);
      try {
        write(worktree, 'db/migrations/050_a.sql', 'SELECT 1;\n');
        assert.equal(git(worktree, 'add', '-A').code, 0);
        const commit = git(worktree, 'commit', '-q', '-m', 'a');
        assert.notEqual(commit.code, 0, commit.output);
        assert.match(commit.output, /migration-guard: guard is not installed here; run npm install/);

        // Two sides that each changed the lockfile (committed without the hooks, as guard is missing).
        assert.equal(git(worktree, 'commit', '-q', '--no-verify', '-m', 'a').code, 0);
        assert.equal(runGuard(worktree, ENV, ['lock']).code, 0);
        assert.equal(git(worktree, 'commit', '-q', '--no-verify', '-am', 'lock a').code, 0);
        assert.equal(git(worktree, 'checkout', '-q', '-b', 'side', 'HEAD~2').code, 0);
        write(worktree, 'db/migrations/060_b.sql', 'SELECT 2;\n');
        assert.equal(runGuard(worktree, ENV, ['lock']).code, 0);
        assert.equal(git(worktree, 'add', '-A').code, 0);
        assert.equal(git(worktree, 'commit', '-q', '--no-verify', '-m', 'b').code, 0);
        const merge = git(worktree, 'merge', '--no-edit', 'feature');
        assert.notEqual(merge.code, 0, merge.output);
        assert.match(merge.output, /guard is not installed here, so '?checksums\.lock\.yaml'? is left as a conflict/);
        assert.match(merge.output, /CONFLICT \(content\): Merge conflict in checksums\.lock\.yaml/);
        assert.equal(git(worktree, 'diff', '--name-only', '--diff-filter=U').output, 'checksums.lock.yaml\n');
        assert.match(readFileSync(path.join(worktree, 'checksums.lock.yaml'), 'utf8'), /^<<<<<<< ours$/m, "git's markers: neither side is kept silently");
        assert.equal(git(worktree, 'merge', '--abort').code, 0);
      } finally {
        renameSync(`${installed}.away`, installed);
      }
    });

    if (husky !== undefined) {
      it('doctor names a clone set up before guard ran its worktree runner, with the fix, and guard init repairs it', () => {
        repo.git('config', '--unset', 'includeIf.gitdir:./worktrees/.path');
        const before = runGuard(repo.root, ENV, ['doctor']);
        assert.equal(before.code, 1);
        assert.match(before.stdout, new RegExp(`FAIL {2}hook pre-commit \\(worktree .*\\): .*${husky}/_/pre-commit is missing: husky generates ${husky}/_ per work tree`));
        assert.match(before.stdout, /FAIL {2}hooks in new linked worktrees: .*git would run no hook there\n {6}fix: run guard init/);
        const init = runGuard(repo.root, ENV, ['init']);
        assert.equal(init.code, 0, init.stderr);
        assert.match(init.stdout, /created\s+linked worktrees/);
        assert.equal(runGuard(worktree, ENV, ['doctor']).code, 0);
      });
    }
  });
}
