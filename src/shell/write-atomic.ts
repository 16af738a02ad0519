import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';

/**
 * Writes a file so that readers see the old content or the new, never half of
 * either: a temporary file beside it, flushed, then renamed over it (rename is
 * atomic within one file system, POSIX rename(2)).
 *
 * @throws GuardError exit 2 naming the file when it cannot be written (a
 *   directory in its place, a read-only file system, a full disk); the old
 *   content is then untouched and no temporary file is left
 */
export function writeFileAtomic(file: string, content: string, options: { durable?: boolean } = {}): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx', 0o644);
    writeSync(fd, content);
    // Durable by default (the lockfile); caches skip the flush, a lost cache is only a miss.
    if (options.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const directory = code === 'EISDIR' || code === 'ENOTEMPTY';
    throw new GuardError(ExitCode.input, `could not write ${file}: ${directory ? 'a directory is in its place' : (code ?? String(error))}`, {
      fix: directory ? `remove the directory ${file}, then run guard again` : 'check that its directory is writable and the disk has space, then run guard again',
      cause: error,
    });
  }
}
