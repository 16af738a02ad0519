import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { decodeUtf8Text } from '../core/migrations/decode-text.js';
import { readBlobs, type BlobLimits } from './git/read-blobs.js';
import { formatBytes, readRegularFile, unreadableFileError } from './read-bounded-file.js';
import type { Source } from './read-migration-files.js';

/**
 * The largest lockfile guard reads (README, "Limits"). guard writes about
 * 150 bytes per migration, 1.5 MB for 10,000: 16 MiB holds over 100,000
 * migrations, which guard's own reader takes in a second or two, while it
 * stops a pushed file of any size from exhausting the memory of the CI gate
 * or the server hook. Checked before the content is read, on every path: the
 * work tree, the index, any commit (the protected ref's copy, the pushed
 * commits in pre-receive).
 */
export const LOCKFILE_MAX_BYTES = 16 * 1024 * 1024;

const RESTORE = `restore a lockfile guard wrote (git checkout HEAD -- ${LOCKFILE_NAME}), or delete it and run \`guard lock\``;

/** The lockfile's text at `source`, or undefined when there is none. */
export async function readLockfileText(root: string, source: Source): Promise<string | undefined> {
  if (source.kind !== 'worktree') {
    // `:path` is the index's stage-0 entry (https://git-scm.com/docs/gitrevisions#Documentation/gitrevisions.txt-emltngtltpathgtemegem0READMEememREADMEem).
    const name = source.kind === 'index' ? `:${LOCKFILE_NAME}` : `${source.rev}:${LOCKFILE_NAME}`;
    const shown = source.kind === 'index' ? `the staged ${LOCKFILE_NAME}` : `${LOCKFILE_NAME} at ${source.rev}`;
    const bytes = (await readBlobs(root, [name], lockfileBlobLimits(shown))).get(name);
    return bytes === undefined ? undefined : decodeLockfile(bytes, shown);
  }
  const bytes = readWorktreeLockfile(root);
  return bytes === undefined ? undefined : decodeLockfile(bytes, LOCKFILE_NAME);
}

/**
 * The work tree's lockfile as bytes, undefined when there is none.
 *
 * @throws GuardError exit 2 when it is a directory, FIFO, symlink, unreadable or over LOCKFILE_MAX_BYTES
 */
export function readWorktreeLockfile(root: string): Buffer | undefined {
  return readLockfileFile(path.join(root, LOCKFILE_NAME), LOCKFILE_NAME, false);
}

/**
 * A lockfile at any path (the merge driver's three versions), as text.
 *
 * @throws GuardError exit 2 as readWorktreeLockfile, and when it is not UTF-8
 */
export function readLockfileTextAt(file: string, shown: string): string | undefined {
  const bytes = readLockfileFile(file, shown, true);
  return bytes === undefined ? undefined : decodeLockfile(bytes, shown);
}

function readLockfileFile(file: string, shown: string, followSymlinks: boolean): Buffer | undefined {
  const read = readRegularFile(file, { maxBytes: LOCKFILE_MAX_BYTES, followSymlinks });
  if (read === undefined || Buffer.isBuffer(read)) return read;
  throw unreadableFileError(shown, read, unreadableFix(read.code));
}

function unreadableFix(code: string | undefined): string {
  switch (code) {
    case 'EFBIG':
      return tooLargeFix();
    case 'EACCES':
    case 'EPERM':
      return `check the file permissions of ${LOCKFILE_NAME}`;
    case 'EISDIR':
      return `remove the directory (rm -r ${LOCKFILE_NAME}), then ${RESTORE}`;
    default:
      return `remove it (rm ${LOCKFILE_NAME}), then ${RESTORE}`;
  }
}

/** The limits for reading a lockfile from git: a blob, at most LOCKFILE_MAX_BYTES. */
export function lockfileBlobLimits(shown: string): BlobLimits {
  return {
    maxBytes: LOCKFILE_MAX_BYTES,
    refuse: (_id, found) =>
      found.type !== 'blob'
        ? inputError(`${shown} is a ${found.type === 'tree' ? 'directory' : `git ${found.type}`}, not a file`, { fix: RESTORE, location: { file: LOCKFILE_NAME } })
        : inputError(`${shown} is ${formatBytes(found.size)}, over guard's limit of ${formatBytes(LOCKFILE_MAX_BYTES)} for it`, { fix: tooLargeFix(), location: { file: LOCKFILE_NAME } }),
  };
}

function tooLargeFix(): string {
  return `a lockfile of 10,000 migrations is about 1.5 MB, so this one was not written by guard: ${RESTORE} (README, "Limits")`;
}

function decodeLockfile(bytes: Buffer, shown: string): string {
  const decoded = decodeUtf8Text(shown, bytes);
  if ('problem' in decoded) throw inputError(decoded.problem, { fix: RESTORE, location: { file: LOCKFILE_NAME, line: decoded.line } });
  // Normalised like migrations, so a CRLF checkout reads the same.
  return decoded.text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}
