import { spawn } from 'node:child_process';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';

/**
 * Runs git and returns its stdout as bytes. Spawned directly rather than
 * through simple-git: hooks must see git's own `GIT_INDEX_FILE`, `GIT_DIR` and
 * quarantine variables (simple-git strips them), and plumbing output is parsed
 * with `-z` so names with spaces, quotes or non-ASCII characters arrive as
 * they are (https://git-scm.com/docs/git-ls-files#_output).
 *
 * `--literal-pathspecs` makes every path argument a path, never a glob or
 * magic (https://git-scm.com/docs/git#Documentation/git.txt---literal-pathspecs).
 *
 * @throws GuardError exit 3 when git fails: guard never treats "could not read" as "passed".
 */
export function runGit(cwd: string, args: readonly string[], options: { input?: string; allowExit?: number[] } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--literal-pathspecs', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(new GuardError(ExitCode.unreadable, `could not run git: ${error.message}`, { fix: 'install git and make sure it is on PATH', cause: error })),
    );
    child.on('close', (code) => {
      if (code === 0 || (code !== null && options.allowExit?.includes(code))) {
        resolve(Buffer.concat(out));
        return;
      }
      const stderr = Buffer.concat(err).toString('utf8').trim();
      reject(
        new GuardError(ExitCode.unreadable, `git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ` with exit code ${code}`}`, {
          fix: 'check that this is a healthy git repository (git status)',
        }),
      );
    });
    child.stdin.on('error', () => {
      // git may exit before reading all input; the close handler reports it.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Splits NUL-terminated `-z` output into records. */
export function splitNul(output: Buffer): string[] {
  const text = output.toString('utf8');
  const records = text.split('\0');
  if (records.at(-1) === '') records.pop();
  return records;
}
