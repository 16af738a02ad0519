import path from 'node:path';
import type { ChangedFile } from './scan-secrets.js';
import { readBlobs } from './git/read-blobs.js';
import { readFileIfRegular } from './read-bounded-file.js';
import type { Listing } from './read-migration-files.js';

/**
 * The content of every migration that is a symlink, as its listing reads it
 * (the target's blob in a commit, the file the link leads to on disk). git's
 * diff of a migration dir shows such a file as its link text only, so the
 * secret scan of changed files would never read what it runs: the gates scan
 * these as well.
 */
export async function linkedMigrations(root: string, listing: Listing): Promise<ChangedFile[]> {
  const linked = [...(await listing.sets()).values()].flatMap((set) => set.files.filter((file) => file.link));
  if (linked.length === 0) return [];
  const fromGit = linked.filter((file) => file.oid && !file.onDisk);
  const blobs = fromGit.length > 0 ? await readBlobs(root, fromGit.map((file) => file.oid!)) : new Map<string, Buffer>();
  return linked.flatMap((file): ChangedFile[] => {
    const bytes = file.oid && !file.onDisk ? blobs.get(file.oid) : readFileIfRegular(path.join(root, file.full), { followSymlinks: true });
    return bytes ? [{ path: file.full, ...(file.oid ? { oid: file.oid } : {}), bytes }] : [];
  });
}
