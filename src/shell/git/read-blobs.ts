import { spawn } from 'node:child_process';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';

/**
 * Reads many objects with one `git cat-file --batch`
 * (https://git-scm.com/docs/git-cat-file#_batch_output): one process for
 * 10,000 blobs instead of 10,000 processes. Objects in a pre-receive
 * quarantine are visible because git's environment is passed through.
 *
 * @returns object id -> content; ids git does not have are absent.
 */
export function readBlobs(cwd: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return Promise.resolve(new Map());
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new GuardError(ExitCode.unreadable, `could not run git: ${error.message}`, { fix: 'install git' })));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new GuardError(ExitCode.unreadable, `git cat-file --batch failed: ${Buffer.concat(err).toString('utf8').trim() || `exit ${code}`}`, {
            fix: 'check the repository with git fsck',
          }),
        );
        return;
      }
      try {
        resolve(parseBatch(Buffer.concat(chunks), unique));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${unique.join('\n')}\n`);
  });
}

function parseBatch(output: Buffer, ids: readonly string[]): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  let pos = 0;
  for (const id of ids) {
    const headerEnd = output.indexOf(0x0a, pos);
    if (headerEnd === -1) break;
    const header = output.toString('utf8', pos, headerEnd);
    pos = headerEnd + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) continue;
    const size = Number(header.slice(header.lastIndexOf(' ') + 1));
    if (!Number.isSafeInteger(size)) {
      throw new GuardError(ExitCode.unreadable, `unexpected git cat-file output for ${id}: ${header}`, { fix: 'check the repository with git fsck' });
    }
    blobs.set(id, output.subarray(pos, pos + size));
    pos += size + 1;
  }
  return blobs;
}
