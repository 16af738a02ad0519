// Prisma and Drizzle hash the file they ran as its bytes were on disk, where
// guard's checksum reads CRLF as LF and drops a byte-order mark (README,
// "Prisma" and "Drizzle"): a deploy from a CRLF checkout records another
// digest of the same content. Deploy step 4 and status accept those forms,
// and only those (`digestForms`), of the commit's own file.
import { contentChecksum, digestForms } from '../core/checksum.js';
import type { AppliedState } from '../core/deploy/types.js';
import type { LockSet } from '../core/lockfile/types.js';
import { joinPath } from '../core/paths.js';
import { readBlobs } from './git/read-blobs.js';

/**
 * By repository-relative path, the digest forms of `commit`'s file for each
 * applied migration whose tool checksum differs from the lockfile's, read
 * with one `git cat-file --batch` (`<commit>:<path>` names an object,
 * https://git-scm.com/docs/gitrevisions). A file whose committed content is
 * not the lockfile's gets none: step 4 then names the edit.
 */
export async function toolDigestForms(root: string, commit: string, sets: readonly LockSet[], applied: ReadonlyMap<string, AppliedState>): Promise<Map<string, string[]>> {
  const expected = new Map<string, string>();
  for (const set of sets) {
    const recorded = applied.get(set.dir)?.toolChecksums;
    if (!recorded?.length) continue;
    const byId = new Map(set.migrations.map((entry) => [entry.id, entry]));
    for (const { id, sha256 } of recorded) {
      const entry = byId.get(id);
      const locked = entry?.sha256.replace(/^sha256:/, '');
      const file = entry && joinPath(set.dir, entry.file);
      // A path with a line break cannot be named on cat-file's input.
      if (file !== undefined && locked !== undefined && sha256 !== locked && !/[\n\r]/.test(file)) expected.set(file, locked);
    }
  }
  if (expected.size === 0) return new Map();
  const names = [...expected.keys()].map((file) => `${commit}:${file}`);
  const blobs = await readBlobs(root, names);
  const forms = new Map<string, string[]>();
  for (const [file, locked] of expected) {
    const bytes = blobs.get(`${commit}:${file}`);
    if (bytes !== undefined && contentChecksum(bytes) === locked) forms.set(file, digestForms(bytes));
  }
  return forms;
}
