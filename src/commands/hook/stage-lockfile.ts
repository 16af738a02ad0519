import { createHash } from 'node:crypto';
import path from 'node:path';
import { LOCKFILE_NAME } from '../../core/lockfile/types.js';
import { runGit } from '../../shell/git/run-git.js';
import { readWorktreeLockfile } from '../../shell/read-lockfile.js';
import { writeFileAtomic } from '../../shell/write-atomic.js';

/**
 * The id git gives `bytes` as a blob: the object format's hash (SHA-1, or
 * SHA-256 in a repository made with --object-format=sha256, told apart by
 * the length of an id) of `blob <size>\0` and the bytes
 * (https://git-scm.com/book/en/v2/Git-Internals-Git-Objects).
 */
export function gitBlobId(bytes: Buffer, idLength: number): string {
  return createHash(idLength === 64 ? 'sha256' : 'sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Writes the new lockfile into the index being committed
 * (https://git-scm.com/docs/git-update-index#Documentation/git-update-index.txt---cacheinfoltmodegtltobjectgtltpathgt),
 * and into the work tree when the work-tree copy had no changes of its own,
 * so the user's unstaged edits are never overwritten.
 */
export async function stageLockfile(root: string, staged: string | undefined, next: string, worktreeClean?: boolean): Promise<void> {
  const file = path.join(root, LOCKFILE_NAME);
  let clean = worktreeClean;
  if (clean === undefined) {
    let onDisk: string | undefined;
    try {
      onDisk = readWorktreeLockfile(root)?.toString('utf8');
    } catch {
      onDisk = undefined;
    }
    clean = onDisk === staged || onDisk === undefined;
  }
  // The lockfile is rewritten on most commits and is the largest file guard
  // writes (1.5 MB at 10,000 migrations); deflating it, even at zlib's
  // fastest level, takes as long as the rest of `git add`. The loose object
  // is stored as is instead: larger on disk until the next `git gc` packs it
  // (packs compress by pack.compression, not this setting), nothing lasting
  // (https://git-scm.com/docs/git-config#Documentation/git-config.txt-corelooseCompression).
  const fastWrite = ['-c', 'core.looseCompression=0'];
  if (clean) {
    // The work-tree copy had no edits of its own: write it and stage it in one step.
    writeFileAtomic(file, next);
    await runGit(root, [...fastWrite, 'add', '--', LOCKFILE_NAME]);
    return;
  }
  const oid = (await runGit(root, [...fastWrite, 'hash-object', '-w', '--stdin'], { input: next })).toString('utf8').trim();
  await runGit(root, ['update-index', '--add', '--cacheinfo', `100644,${oid},${LOCKFILE_NAME}`]);
}

