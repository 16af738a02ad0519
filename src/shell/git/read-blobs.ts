import { spawn } from 'node:child_process';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GIT_ENVIRONMENT, GIT_OPTIONS } from './run-git.js';

/**
 * Bounds on the objects read, checked on each object's header (its type and
 * size, https://git-scm.com/docs/git-cat-file#_batch_output) before any of
 * its content is kept: a pushed 80 MB lockfile is refused, not read.
 */
export interface BlobLimits {
  maxBytes: number;
  /** The error for an object over `maxBytes`, or one that is not a blob (a tree or commit at `rev:path`). */
  refuse(id: string, found: { size: number; type: string }): Error;
}

/**
 * Reads many objects with one `git cat-file --batch`
 * (https://git-scm.com/docs/git-cat-file#_batch_output): one process for
 * 10,000 blobs instead of 10,000 processes. Objects in a pre-receive
 * quarantine are visible because git's environment is passed through.
 *
 * Each object is handed to `onObject` as soon as it has arrived, so guard
 * hashes and parses one file while git inflates the next, and no buffer of
 * every file at once is ever built.
 *
 * @param onObject called once per id git has, in the order given; the bytes
 *   are only valid during the call (copy them to keep them)
 * @returns the ids git does not have
 */
export function streamBlobs(cwd: string, ids: readonly string[], onObject: (id: string, bytes: Buffer) => void, limits?: BlobLimits): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GIT_OPTIONS, 'cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: GIT_ENVIRONMENT });
    const err: Buffer[] = [];
    const missing: string[] = [];
    let failure: unknown;
    let next = 0;
    // Bytes of an object (or header) split across chunks.
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let expected = -1; // body bytes still wanted for unique[next], -1 while reading a header

    const take = (chunk: Buffer) => {
      let pos = 0;
      while (pos < chunk.length && next < unique.length) {
        if (expected === -1) {
          const newline = chunk.indexOf(0x0a, pos);
          if (newline === -1) {
            pending.push(chunk.subarray(pos));
            pendingLength += chunk.length - pos;
            return;
          }
          const header = (pendingLength > 0 ? Buffer.concat([...pending, chunk.subarray(pos, newline)]) : chunk.subarray(pos, newline)).toString('utf8');
          pending = [];
          pendingLength = 0;
          pos = newline + 1;
          if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
            missing.push(unique[next++]!);
            continue;
          }
          // "<object> <type> <size>"
          const [, type, sizeField] = header.split(' ');
          const size = Number(sizeField);
          if (!type || !Number.isSafeInteger(size)) throw new GuardError(ExitCode.unreadable, `unexpected git cat-file output: ${header}`, { fix: 'check the repository with git fsck' });
          if (limits && (type !== 'blob' || size > limits.maxBytes)) throw limits.refuse(unique[next]!, { size, type });
          expected = size + 1; // the body and its trailing newline
        }
        const available = chunk.length - pos;
        if (pendingLength === 0 && available >= expected) {
          onObject(unique[next++]!, chunk.subarray(pos, pos + expected - 1));
          pos += expected;
          expected = -1;
          continue;
        }
        const used = Math.min(available, expected - pendingLength);
        pending.push(chunk.subarray(pos, pos + used));
        pendingLength += used;
        pos += used;
        if (pendingLength === expected) {
          const whole = Buffer.concat(pending, pendingLength);
          pending = [];
          pendingLength = 0;
          expected = -1;
          onObject(unique[next++]!, whole.subarray(0, whole.length - 1));
        }
      }
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        take(chunk);
      } catch (error) {
        failure = error;
        child.kill();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new GuardError(ExitCode.unreadable, `could not run git: ${error.message}`, { fix: 'install git' })));
    child.on('close', (code) => {
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      if (code !== 0 || next < unique.length) {
        const detail = Buffer.concat(err).toString('utf8').trim() || (code !== 0 ? `exit ${code}` : 'output ended early');
        reject(new GuardError(ExitCode.unreadable, `git cat-file --batch failed: ${detail}`, { fix: 'check the repository with git fsck' }));
        return;
      }
      resolve(missing);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${unique.join('\n')}\n`);
  });
}

/**
 * Every object's content, kept: for the few objects a caller holds on to
 * (a lockfile, symlink targets).
 *
 * @param limits refuse (reject with `limits.refuse`'s error) an object over the size or not a blob
 * @returns object id -> content; ids git does not have are absent.
 */
export async function readBlobs(cwd: string, ids: readonly string[], limits?: BlobLimits): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  await streamBlobs(cwd, ids, (id, bytes) => blobs.set(id, Buffer.from(bytes)), limits);
  return blobs;
}
