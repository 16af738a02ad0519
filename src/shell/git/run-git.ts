import { isUtf8 } from 'node:buffer';
import { spawn } from 'node:child_process';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';
import { escapeFileName, shellWord } from '../../core/file-names.js';

/** os.devNull, without loading `node:os` into every hook for it. */
const NULL_DEVICE = process.platform === 'win32' ? '\\\\.\\nul' : '/dev/null';

/**
 * The environment guard runs git in: its own, with replacement refs off
 * (https://git-scm.com/docs/git-replace: git would otherwise read a commit
 * someone pushed under refs/replace/ in place of the one a ref names, and
 * guard would judge other content than the branch holds), and without the
 * deprecated `$GIT_DIR/info/grafts`, which rewrites a commit's parents
 * without changing its id (https://git-scm.com/docs/gitrepository-layout#Documentation/gitrepository-layout.txt-infografts):
 * history is read as the commits themselves record it.
 */
export const GIT_ENVIRONMENT: NodeJS.ProcessEnv = { ...process.env, GIT_NO_REPLACE_OBJECTS: '1', GIT_GRAFT_FILE: NULL_DEVICE };

/**
 * Options before every git command guard runs. A repository's own
 * `core.useReplaceRefs=true` would turn replacement refs back on over
 * GIT_NO_REPLACE_OBJECTS; configuration given on the command line wins
 * over every config file (https://git-scm.com/docs/git-config#_configuration_file).
 */
export const GIT_OPTIONS: readonly string[] = ['-c', 'core.useReplaceRefs=false'];

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
    const child = spawn('git', [...GIT_OPTIONS, '--literal-pathspecs', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: GIT_ENVIRONMENT });
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

/**
 * Splits NUL-terminated `-z` output into records. git prints file names as
 * the bytes the file system holds; a name that is not UTF-8 is refused here
 * (exit 2, naming its bytes) rather than decoded with replacement
 * characters, which would lock, check or report a different name than the
 * file's: every command reads names through this one function, so each
 * gives the same answer.
 *
 * @param nameAt where the file name starts in a record that has no tab
 *   (ls-files -s and ls-tree put it after a tab), for the message: 2 for
 *   `ls-files -t` ("? name"), 3 for `status --porcelain` ("?? name")
 * @throws GuardError exit 2 naming the first record that is not UTF-8
 */
export function splitNul(output: Buffer, nameAt = 0): string[] {
  if (!isUtf8(output)) throw nonUtf8Record(output, nameAt);
  const records = output.toString('utf8').split('\0');
  if (records.at(-1) === '') records.pop();
  return records;
}

/**
 * The records of `-z` output that are UTF-8, the others left out: for a scan
 * of the whole repository where a file that is not a migration may have any
 * name (guard init looking for migration dirs). A migration dir holding such
 * a name is refused when its files are listed with splitNul.
 */
export function splitNulSkippingNonUtf8(output: Buffer): string[] {
  if (isUtf8(output)) return splitNul(output);
  return [...nulRecords(output)].filter((record) => isUtf8(record)).map((record) => record.toString('utf8'));
}

/** The records of `-z` output as bytes. */
function* nulRecords(output: Buffer): Generator<Buffer> {
  let start = 0;
  while (start < output.length) {
    const end = output.indexOf(0, start);
    yield output.subarray(start, end === -1 ? output.length : end);
    if (end === -1) return;
    start = end + 1;
  }
}

function nonUtf8Record(output: Buffer, nameAt: number): GuardError {
  const record = [...nulRecords(output)].find((candidate) => !isUtf8(candidate)) ?? output;
  // ls-files -s and ls-tree put the name after a tab: "<mode> <object> <stage>\t<name>".
  const tab = record.indexOf(0x09);
  return fileNameNotUtf8(record.subarray(tab === -1 ? nameAt : tab + 1));
}

/** The refusal of a file name that is not UTF-8, naming its bytes and how to rename it. */
function fileNameNotUtf8(name: Uint8Array): GuardError {
  return new GuardError(ExitCode.input, `the file name ${escapeFileName(name)} is not UTF-8`, {
    fix: `rename it to a UTF-8 name (${renameExample(name)}): migration tools and databases record file names as text, and guard locks only a name it can read exactly`,
  });
}

/** The refusal of a file name with control or formatting characters (see `unsafeFileName`). */
export function fileNameUnsafe(name: string, why: string): GuardError {
  const bytes = Buffer.from(name, 'utf8');
  return new GuardError(ExitCode.input, `the file name ${escapeFileName(bytes)} cannot be a migration's name: ${why}`, {
    fix: `rename it to a name of plain characters (${renameExample(bytes)})`,
  });
}

function renameExample(name: Uint8Array): string {
  const slash = name.lastIndexOf(0x2f);
  const dir = slash === -1 ? '' : shellWord(name.subarray(0, slash + 1));
  return `git mv ${shellWord(name)} ${dir}NEW_NAME, or mv for a file git does not track yet`;
}

/** git's trimmed output, or undefined when it fails (a missing ref is an answer, not an error). */
export async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const output = (await runGit(root, args)).toString('utf8').trim();
    return output === '' ? undefined : output;
  } catch {
    return undefined;
  }
}
