// git as a project's user runs it in a test repository: commits through the
// hooks guard installed, and commits by someone who skipped them.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { GUARD } from './compiled-guard.js';
import type { TempRepo } from './git-repo.js';

export interface UserGit {
  git(...args: string[]): SpawnSyncReturns<string>;
  /** `git add -A` and a commit through the hooks. */
  commit(message: string): SpawnSyncReturns<string>;
  /** `git add -A` and a commit with the hooks skipped (`core.hooksPath=/dev/null`). */
  commitSkippingHooks(message: string): SpawnSyncReturns<string>;
}

/** git in `root()` with `env()` (both read at each call: tests set them in `before`). */
export function userGit(root: () => string, env: () => NodeJS.ProcessEnv): UserGit {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root(), encoding: 'utf8', env: env() });
  return {
    git,
    commit: (message) => {
      git('add', '-A');
      return git('commit', '-q', '-m', message);
    },
    commitSkippingHooks: (message) => {
      git('add', '-A');
      return git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', message);
    },
  };
}

/** The compiled guard as the repository's pre-commit hook. */
export function installPreCommitHook(repo: TempRepo): void {
  repo.write('.git/hooks/pre-commit', `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" hook pre-commit\n`);
  chmodSync(path.join(repo.root, '.git/hooks/pre-commit'), 0o755);
}

/** Everything staged and committed through the hook: the exit code and what the hook said. */
export function commitAll(repo: TempRepo): { code: number; output: string } {
  repo.git('add', '-A');
  try {
    repo.git('commit', '-q', '-m', 'change');
    return { code: 0, output: '' };
  } catch (error) {
    const failure = error as { status: number; stderr: string; stdout: string };
    return { code: failure.status, output: `${failure.stdout}${failure.stderr}` };
  }
}

/** What `npm install migration-guard` puts in a project, running the compiled guard: node_modules/.bin/guard (ignored by git), which the hooks guard init writes look for. */
export function installCompiledShim(repo: TempRepo): void {
  repo.write('node_modules/.bin/guard', `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" "$@"\n`);
  chmodSync(path.join(repo.root, 'node_modules/.bin/guard'), 0o755);
  repo.write('.gitignore', 'node_modules/\n');
}
