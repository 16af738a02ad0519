import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { readBlobs } from './git/read-blobs.js';
import type { Source } from './read-migration-files.js';

/** The lockfile's text at `source`, or undefined when there is none. */
export async function readLockfileText(root: string, source: Source): Promise<string | undefined> {
  if (source.kind !== 'worktree') {
    // `:path` is the index's stage-0 entry (https://git-scm.com/docs/gitrevisions#Documentation/gitrevisions.txt-emltngtltpathgtemegem0READMEememREADMEem).
    const name = source.kind === 'index' ? `:${LOCKFILE_NAME}` : `${source.rev}:${LOCKFILE_NAME}`;
    const bytes = (await readBlobs(root, [name])).get(name);
    return bytes === undefined ? undefined : decodeLockfile(bytes);
  }
  try {
    return decodeLockfile(readFileSync(path.join(root, LOCKFILE_NAME)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function decodeLockfile(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes) || text.includes('\0')) {
    throw inputError(`${LOCKFILE_NAME} is not UTF-8 text`, { fix: `restore it from git (git checkout -- ${LOCKFILE_NAME}) or delete it and run \`guard lock\`` });
  }
  // Normalised like migrations, so a CRLF checkout reads the same.
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}
