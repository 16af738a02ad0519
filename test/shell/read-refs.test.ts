import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';
import { readRefsFromFiles } from '../../src/shell/git/read-refs.js';

/** What git itself says each ref names. */
const gitSays = (repo: TempRepo | { git(...args: string[]): string }, ...refs: string[]) => refs.map((ref) => repo.git('rev-parse', ref).trim());

describe('readRefsFromFiles: refs read as git keeps them, or not at all', () => {
  let repo: TempRepo;
  let gitDir: string;
  before(() => {
    repo = new TempRepo();
    repo.write('a.txt', 'a\n');
    repo.commitAll('one');
    repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    repo.write('a.txt', 'b\n');
    repo.commitAll('two');
    gitDir = path.join(repo.root, '.git');
  });
  after(() => repo.dispose());

  it('reads loose refs and HEAD through its branch, as git does', () => {
    assert.deepEqual(readRefsFromFiles(gitDir, ['refs/remotes/origin/main', 'HEAD'])?.ids, gitSays(repo, 'refs/remotes/origin/main', 'HEAD'));
  });

  it('reads packed refs, and a loose ref over its stale packed line', () => {
    repo.git('pack-refs', '--all');
    assert.deepEqual(readRefsFromFiles(gitDir, ['refs/remotes/origin/main', 'HEAD'])?.ids, gitSays(repo, 'refs/remotes/origin/main', 'HEAD'));
    repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    const read = readRefsFromFiles(gitDir, ['refs/remotes/origin/main']);
    assert.deepEqual(read?.ids, gitSays(repo, 'refs/remotes/origin/main'));
    assert.deepEqual(read?.ids, gitSays(repo, 'HEAD'));
  });

  it('reads a detached HEAD, and says when a merge is in progress or the clone is shallow', () => {
    repo.git('checkout', '-q', '--detach', 'HEAD~1');
    try {
      const read = readRefsFromFiles(gitDir, ['HEAD']);
      assert.deepEqual(read?.ids, gitSays(repo, 'HEAD'));
      assert.equal(read?.merging, false);
      assert.equal(read?.shallow, false);
      writeFileSync(path.join(gitDir, 'MERGE_HEAD'), `${gitSays(repo, 'main')[0]}\n`);
      writeFileSync(path.join(gitDir, 'shallow'), `${gitSays(repo, 'HEAD')[0]}\n`);
      assert.equal(readRefsFromFiles(gitDir, ['HEAD'])?.merging, true);
      assert.equal(readRefsFromFiles(gitDir, ['HEAD'])?.shallow, true);
    } finally {
      rmSync(path.join(gitDir, 'MERGE_HEAD'), { force: true });
      rmSync(path.join(gitDir, 'shallow'), { force: true });
      repo.git('checkout', '-q', 'main');
    }
  });

  it('reads a linked work tree through its commondir', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'guard-wt-')), 'wt');
    try {
      repo.git('worktree', 'add', '-q', '-b', 'side', dir, 'HEAD~1');
      const linkedGitDir = repo.git('-C', dir, 'rev-parse', '--absolute-git-dir').trim();
      const read = readRefsFromFiles(linkedGitDir, ['refs/remotes/origin/main', 'HEAD']);
      assert.deepEqual(read?.ids, [gitSays(repo, 'refs/remotes/origin/main')[0], gitSays(repo, 'side')[0]]);
    } finally {
      repo.git('worktree', 'remove', '--force', dir);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('leaves to git what is not plain: a missing ref, an unborn branch, a symbolic ref, odd names, git location variables', () => {
    assert.equal(readRefsFromFiles(gitDir, ['refs/remotes/origin/nothing']), undefined);
    repo.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
    assert.equal(readRefsFromFiles(gitDir, ['refs/remotes/origin/HEAD']), undefined);
    assert.equal(readRefsFromFiles(gitDir, ['refs/remotes/../../HEAD']), undefined);
    assert.equal(readRefsFromFiles(gitDir, ['ORIG_HEAD']), undefined);
    repo.git('checkout', '-q', '--orphan', 'unborn');
    try {
      assert.equal(readRefsFromFiles(gitDir, ['HEAD']), undefined);
    } finally {
      repo.git('checkout', '-q', '-f', 'main');
    }
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = gitDir;
    try {
      assert.equal(readRefsFromFiles(gitDir, ['HEAD']), undefined);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });
});
