import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';
import { runGit } from './run-git.js';

export interface Repository {
  /** Absolute path of the work tree's top level. */
  root: string;
  /** Absolute path of this work tree's git dir. */
  gitDir: string;
}

/**
 * The repository around `cwd`. Found by walking up to `.git` (a directory, or
 * a file `gitdir: ...` in linked worktrees and submodules,
 * https://git-scm.com/docs/gitrepository-layout) to spare a git process on
 * every hook run; when git's own variables redirect it (`GIT_DIR`,
 * `GIT_WORK_TREE`), git is asked instead
 * (https://git-scm.com/docs/git-rev-parse#_options_for_files).
 */
export async function openRepository(cwd: string): Promise<Repository> {
  if (process.env.GIT_DIR === undefined && process.env.GIT_WORK_TREE === undefined) {
    const found = findDotGit(cwd);
    if (found) return found;
  }
  let output: string;
  try {
    output = (await runGit(cwd, ['rev-parse', '--show-toplevel', '--absolute-git-dir'])).toString('utf8');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (/not a git repository/i.test(detail)) {
      throw new GuardError(ExitCode.input, `${cwd} is not inside a git repository`, {
        fix: 'run guard inside the repository that holds the migrations (git init, or cd into it)',
      });
    }
    if (/must be run in a work tree/i.test(detail)) throw bareRepository(cwd);
    throw error;
  }
  const [root, gitDir] = output.trimEnd().split('\n');
  if (!root || !gitDir) throw bareRepository(cwd);
  return { root, gitDir };
}

function findDotGit(cwd: string): Repository | undefined {
  let at = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(at, '.git');
    let stat;
    try {
      stat = statSync(candidate);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) return { root: at, gitDir: candidate };
    if (stat?.isFile()) {
      const match = /^gitdir: (.+)$/m.exec(readFileSync(candidate, 'utf8'));
      // Anything unusual: let git itself decide.
      return match ? { root: at, gitDir: path.resolve(at, match[1]!.trim()) } : undefined;
    }
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}

function bareRepository(cwd: string): GuardError {
  return new GuardError(ExitCode.input, `${cwd} has no work tree (a bare repository?)`, {
    fix: 'run guard lock and guard verify in a checkout',
  });
}
