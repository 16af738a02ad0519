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
 * The repository around `cwd`, asked of git itself so `GIT_DIR`,
 * `GIT_WORK_TREE` and worktrees are honoured
 * (https://git-scm.com/docs/git-rev-parse#_options_for_files).
 */
export async function openRepository(cwd: string): Promise<Repository> {
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
    throw error;
  }
  const [root, gitDir] = output.trimEnd().split('\n');
  if (!root || !gitDir) {
    throw new GuardError(ExitCode.input, `${cwd} has no work tree (a bare repository?)`, {
      fix: 'run guard lock and guard verify in a checkout; servers use guard hook pre-receive',
    });
  }
  return { root, gitDir };
}
