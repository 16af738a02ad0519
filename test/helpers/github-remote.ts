// A stand-in for a repository on GitHub, with real git: a bare repository
// holding branches and, per pull request, the refs GitHub keeps
// (refs/pull/N/head, and refs/pull/N/merge: a merge commit of the branch
// into its base, which a pull_request workflow checks out), a developer's
// clone that writes commits with dates that move forward as real ones do,
// and a workspace cloned the way actions/checkout clones it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GUARD } from './compiled-guard.js';

export class GitHubRemote {
  /** The bare repository ("github.com/octo-org/app"). */
  readonly bare: string;
  /** A developer's clone, where commits are written. */
  readonly clone: string;
  private readonly made: string[] = [];
  private clock = 1_700_000_000;

  constructor() {
    this.bare = this.temp('guard-github-');
    git(this.bare, ['init', '-q', '--bare', '-b', 'main']);
    this.clone = this.temp('guard-dev-');
    git(this.clone, ['init', '-q', '-b', 'main']);
    for (const [key, value] of [['user.name', 'Dev'], ['user.email', 'dev@example.com'], ['commit.gpgsign', 'false'], ['core.autocrlf', 'false']]) git(this.clone, ['config', key!, value!]);
    git(this.clone, ['remote', 'add', 'origin', this.bare]);
  }

  /** A temporary folder removed by dispose(). */
  temp(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** git in the developer's clone. */
  git(...args: string[]): string {
    return git(this.clone, args);
  }

  write(file: string, content: string): void {
    const full = path.join(this.clone, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  /** `guard lock` in the developer's clone (the compiled guard). */
  lock(): void {
    execFileSync(process.execPath, [GUARD, 'lock'], { cwd: this.clone, stdio: 'pipe', env: { ...process.env, GITHUB_ACTIONS: '' } });
  }

  /**
   * `guard lock` as a developer without guard's refusal would run it (no
   * hooks, a clone that never fetched main): relocks a sealed migration's
   * edit, so only the sealed state at the base catches it.
   */
  lockWithoutSealedState(): void {
    this.git('remote', 'rename', 'origin', 'elsewhere');
    try {
      this.lock();
    } finally {
      this.git('remote', 'rename', 'elsewhere', 'origin');
    }
  }

  /** Everything in the clone committed a minute after the previous commit; returns the commit id. */
  commit(message: string): string {
    this.git('add', '-A');
    this.gitDated('commit', '-q', '--no-verify', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** `count` commits on the current branch that touch only notes.txt, written at once by git fast-import. */
  commits(count: number, label: string): void {
    const branch = this.git('symbolic-ref', 'HEAD').trim();
    const parent = this.git('rev-parse', 'HEAD').trim();
    const stream = [];
    for (let index = 0; index < count; index += 1) {
      this.clock += 60;
      const message = `${label} ${index + 1}`;
      const content = `${label} ${index + 1}\n`;
      stream.push(
        `commit ${branch}`,
        `committer Dev <dev@example.com> ${this.clock} +0000`,
        `data ${Buffer.byteLength(message)}`,
        message,
        ...(index === 0 ? [`from ${parent}`] : []),
        `M 100644 inline notes.txt`,
        `data ${Buffer.byteLength(content)}`,
        content,
      );
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: this.clone, input: `${stream.join('\n')}\n` });
    this.git('reset', '-q', '--hard', branch);
  }

  push(...refspecs: string[]): void {
    this.git('push', '-q', '--force', 'origin', ...refspecs);
  }

  /**
   * Opens (or updates) pull request `number` of `head` into `base` as GitHub
   * does: refs/pull/N/head at the branch, refs/pull/N/merge at a merge commit
   * of it into the base's current tip (first parent the base, second the
   * branch). Returns the merge commit, the commit a pull_request workflow runs on.
   */
  openPullRequest(number: number, head: string, base: string): string {
    const headCommit = git(this.bare, ['rev-parse', `refs/heads/${head}`]).trim();
    const baseCommit = git(this.bare, ['rev-parse', `refs/heads/${base}`]).trim();
    const current = this.git('symbolic-ref', '--short', 'HEAD').trim();
    this.git('fetch', '-q', 'origin');
    this.git('checkout', '-q', '--detach', baseCommit);
    let merge: string;
    try {
      this.gitDated('merge', '-q', '--no-ff', '--no-verify', '-m', `Merge ${headCommit} into ${baseCommit}`, headCommit);
      merge = this.git('rev-parse', 'HEAD').trim();
    } catch (error) {
      // GitHub makes no merge commit of a conflicting pull request, and runs no workflow on one.
      this.git('merge', '--abort');
      throw new Error(`${head} conflicts with ${base}: GitHub would make no refs/pull/${number}/merge`, { cause: error });
    } finally {
      this.git('checkout', '-q', current);
    }
    this.push(`${headCommit}:refs/pull/${number}/head`, `${merge}:refs/pull/${number}/merge`);
    return merge;
  }

  /**
   * A workspace as actions/checkout@v4 leaves it with its defaults
   * (fetch-depth: 1): `git init`, origin, one commit fetched into `ref` and
   * checked out (detached for a pull request's merge ref, on the branch for a
   * push), https://github.com/actions/checkout/blob/main/src/git-source-provider.ts.
   * With `into`, in that folder of the workspace (checkout's `path:`); with
   * `fetchDepth: 0`, every branch and tag with its whole history first.
   */
  checkout(commit: string, ref: string, { into = '', fetchDepth = 1 } = {}): string {
    const workspace = this.temp('guard-workspace-');
    const root = path.join(workspace, into);
    mkdirSync(root, { recursive: true });
    git(root, ['init', '-q']);
    git(root, ['remote', 'add', 'origin', `file://${this.bare}`]);
    if (fetchDepth === 0) git(root, ['-c', 'protocol.version=2', 'fetch', '-q', '--prune', '--no-recurse-submodules', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
    const depth = fetchDepth === 0 ? [] : [`--depth=${fetchDepth}`];
    git(root, ['-c', 'protocol.version=2', 'fetch', '-q', '--no-tags', '--prune', '--no-recurse-submodules', ...depth, 'origin', `+${commit}:${ref}`]);
    if (ref.startsWith('refs/remotes/origin/')) git(root, ['checkout', '-q', '--force', '-B', ref.slice('refs/remotes/origin/'.length), ref]);
    else git(root, ['checkout', '-q', '--force', ref]);
    return workspace;
  }

  dispose(): void {
    for (const dir of this.made) rmSync(dir, { recursive: true, force: true });
  }

  /** git in the clone, its commit a minute after the previous one (git reads commit dates from the environment). */
  private gitDated(...args: string[]): string {
    this.clock += 60;
    const date = `${this.clock} +0000`;
    return git(this.clone, args, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  }
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}
