import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A full object id (SHA-1 or SHA-256). */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Ref names read here: plain characters only, anything else is left to git. */
const PLAIN_REF = /^refs\/(?:heads|remotes|tags)\/[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

/**
 * What the CI gate's memo key needs from git's refs, read from the files
 * git keeps them in (https://git-scm.com/docs/gitrepository-layout): `HEAD`
 * in the work tree's git dir, a ref as a loose file under `refs/` or else a
 * line of `packed-refs` in the common dir (a loose file wins, as in git),
 * `shallow` and `MERGE_HEAD`. Starting git for them costs a hook more than
 * the rest of a remembered answer.
 *
 * Undefined, and the caller asks git, whenever anything is not plainly
 * there: git's location variables set, a ref name with unusual characters,
 * a symbolic ref other than HEAD to a branch, the reftable format (whose
 * HEAD names `refs/heads/.invalid`), a ref that is missing, or a file that
 * cannot be read.
 *
 * @param refs `HEAD`, or full names under refs/heads, refs/remotes or refs/tags
 * @returns each ref's object id, in order
 */
export function readRefsFromFiles(gitDir: string, refs: readonly string[]): { ids: string[]; shallow: boolean; merging: boolean } | undefined {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_COMMON_DIR !== undefined) return undefined;
  try {
    const commonDir = commonDirOf(gitDir);
    let packed: Map<string, string> | undefined;
    const resolve = (name: string): string | undefined => {
      if (!PLAIN_REF.test(name) || name.split('/').some((part) => part === '..' || part === '.' || part.endsWith('.lock'))) return undefined;
      const loose = readIfFile(path.join(commonDir, name));
      if (loose !== undefined) return OBJECT_ID.test(loose.trim()) ? loose.trim() : undefined;
      packed ??= packedRefs(commonDir);
      return packed.get(name);
    };
    const ids: string[] = [];
    for (const ref of refs) {
      let id: string | undefined;
      if (ref === 'HEAD') {
        const head = readIfFile(path.join(gitDir, 'HEAD'))?.trim();
        if (head === undefined) return undefined;
        if (OBJECT_ID.test(head)) id = head;
        else if (head.startsWith('ref: refs/heads/') && head !== 'ref: refs/heads/.invalid') id = resolve(head.slice('ref: '.length));
      } else id = resolve(ref);
      if (id === undefined) return undefined;
      ids.push(id);
    }
    return { ids, shallow: pathExists(path.join(commonDir, 'shallow')), merging: pathExists(path.join(gitDir, 'MERGE_HEAD')) };
  } catch {
    return undefined;
  }
}

/** A linked work tree's git dir names the repository's common dir in `commondir`; the main one is its own. */
function commonDirOf(gitDir: string): string {
  const named = readIfFile(path.join(gitDir, 'commondir'));
  return named === undefined ? gitDir : path.resolve(gitDir, named.trim());
}

/** `packed-refs`: "<id> <name>" lines, after a `#` header, each tag followed by its peeled "^<id>". */
function packedRefs(commonDir: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of (readIfFile(path.join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const id = line.slice(0, space);
    if (space > 0 && OBJECT_ID.test(id)) refs.set(line.slice(space + 1).trimEnd(), id);
  }
  return refs;
}

/** The text of a regular file; undefined when there is none. Anything else there (a directory, a FIFO) throws. */
function readIfFile(file: string): string | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stat.isFile()) throw new Error(`${file} is not a file`);
  return readFileSync(file, 'utf8');
}

/** Whether anything is at `file` (git's marker files: `shallow`, `MERGE_HEAD`). */
export function pathExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
