import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';

/** What went wrong reading a file, in words for a message ("is a directory"). */
export type UnreadableFile = { why: string; code: string | undefined };

/**
 * Reads a regular file without ever blocking or reading without bound: it is
 * opened non-blocking (a FIFO's open and read return at once instead of
 * waiting for a writer, open(2) O_NONBLOCK), and judged by fstat(2) of the
 * opened descriptor, so what is checked is what is read. A directory, FIFO,
 * socket or device is refused, and so is a file larger than `maxBytes`,
 * before any of its content is read.
 *
 * @returns the bytes; `undefined` when nothing is at `file` (not even a dangling symlink);
 *   `{ why }` when something is there that cannot be read as a file
 */
export function readRegularFile(file: string, options: { maxBytes: number; followSymlinks: boolean }): Buffer | undefined | UnreadableFile {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (options.followSymlinks ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return danglingSymlink(file);
    if (code === 'ELOOP') return symlinkProblem(file, options.followSymlinks);
    if (code === 'EACCES' || code === 'EPERM') return { why: 'cannot be read (permission denied)', code };
    return { why: `cannot be read (${code ?? String(error)})`, code };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { why: 'is a directory, not a file', code: 'EISDIR' };
    if (!stat.isFile()) return { why: `is ${stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket' : 'a device'}, not a regular file`, code: 'ENOTREG' };
    if (stat.size > options.maxBytes) return tooLarge(stat.size, options.maxBytes);
    // Read to the end, but never more than the limit: the file may grow while it is read.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, options.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) return tooLarge(length, options.maxBytes, 'or more');
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return { why: 'is a directory, not a file', code };
    return { why: `cannot be read (${code ?? String(error)})`, code };
  } finally {
    closeSync(fd);
  }
}

/** The bytes of `file` when it is a regular file (not a FIFO or directory; a symlink only if followed) that can be read; else undefined. */
export function readFileIfRegular(file: string, options: { followSymlinks: boolean } = { followSymlinks: false }): Buffer | undefined {
  const read = readRegularFile(file, { maxBytes: Number.MAX_SAFE_INTEGER, followSymlinks: options.followSymlinks });
  return Buffer.isBuffer(read) ? read : undefined;
}

function tooLarge(size: number, maxBytes: number, more = ''): UnreadableFile {
  return { why: `is ${formatBytes(size)}${more && ` ${more}`}, over guard's limit of ${formatBytes(maxBytes)} for it`, code: 'EFBIG' };
}

function danglingSymlink(file: string): undefined | UnreadableFile {
  try {
    if (lstatSync(file).isSymbolicLink()) return { why: `is a symlink to ${readlinkSync(file)}, which does not exist`, code: 'ENOENT' };
  } catch {
    // Nothing there at all.
  }
  return undefined;
}

function symlinkProblem(file: string, followSymlinks: boolean): UnreadableFile {
  if (followSymlinks) return { why: 'is a symlink that loops', code: 'ELOOP' };
  let target = '';
  try {
    target = ` to ${readlinkSync(file)}`;
  } catch {
    // Gone since: the message still says what it was.
  }
  return { why: `is a symlink${target}; git would commit the link, not the file, so guard reads and writes only a regular file here`, code: 'ELOOP' };
}

/** `16 MiB`, `1.5 MiB`, `83,000,000 bytes`: sizes as people compare them. */
export function formatBytes(size: number): string {
  const MiB = 1024 * 1024;
  if (size >= MiB && size % (MiB / 4) === 0) return `${size / MiB} MiB`;
  if (size >= MiB) return `${size.toLocaleString('en-US')} bytes (${(size / MiB).toFixed(1)} MiB)`;
  return `${size.toLocaleString('en-US')} bytes`;
}

/** The exit-2 refusal of an unreadable file, naming it, what it is, and the fix. */
export function unreadableFileError(shown: string, problem: UnreadableFile, fix: string): GuardError {
  return new GuardError(ExitCode.input, `${shown} ${problem.why}`, { fix, location: { file: shown } });
}
