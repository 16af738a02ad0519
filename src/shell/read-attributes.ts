import path from 'node:path';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit, splitNul } from './git/run-git.js';
import { wholeTree } from './git/whole-tree.js';
import type { Source } from './read-migration-files.js';
import { readRegularFile } from './read-bounded-file.js';
import { ATTRIBUTES } from './listing-keys.js';

const NAME = ATTRIBUTES;

/** git ignores a `.gitattributes` file larger than this (attr.c, ATTR_MAX_FILE_SIZE, since 2.39.1). */
const ATTRIBUTES_MAX_BYTES = 100 * 1024 * 1024;

/**
 * The `.gitattributes` files that can give a file of `dirs` an attribute,
 * with their text: the repository's own, one in each folder above a dir,
 * and those in the dirs (`inside`, from their listing). A file's patterns
 * match only paths below its folder
 * (https://git-scm.com/docs/gitattributes#_description), so no other can,
 * and macros are defined in the top-level one only. A commit's come from
 * its tree (https://git-scm.com/docs/git-ls-tree#_output_format), the
 * index's from the index (https://git-scm.com/docs/git-ls-files#_output),
 * the work tree's from disk, where git reads them.
 */
export async function readAttributesFiles(root: string, source: Source, dirs: readonly string[], inside: readonly string[]): Promise<AttributesFile[]> {
  const applies = (file: string) => (file === NAME || file.endsWith(`/${NAME}`)) && appliesToDirs(file.slice(0, -NAME.length), dirs);
  if (source.kind === 'worktree') {
    const candidates = new Set([...aboveDirs(dirs), ...inside.filter(applies)]);
    return [...candidates].sort().flatMap((file) => {
      // As git reads one: a regular file, not through a symlink, never a FIFO
      // that would wait for a writer; none there, or deleted in the work tree, is none.
      const bytes = readRegularFile(path.join(root, file), { maxBytes: ATTRIBUTES_MAX_BYTES, followSymlinks: false });
      return Buffer.isBuffer(bytes) ? [{ path: file, text: bytes.toString('utf8') }] : [];
    });
  }
  // "<mode> SP <type> SP <oid> TAB <path>" (ls-tree) or "<mode> SP <oid> SP <stage> TAB <path>" (ls-files -s).
  const records = source.kind === 'revision' ? await wholeTree(root, source.rev) : splitNul(await runGit(root, ['ls-files', '-z', '-s']));
  const wanted = records.flatMap((record) => {
    const tab = record.indexOf('\t');
    const file = record.slice(tab + 1);
    if (!applies(file)) return [];
    const fields = record.slice(0, tab).split(' ');
    return [{ file, oid: (source.kind === 'revision' ? fields[2] : fields[1])! }];
  });
  if (wanted.length === 0) return [];
  const blobs = await readBlobs(root, wanted.map(({ oid }) => oid));
  return wanted
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .flatMap(({ file, oid }) => {
      const bytes = blobs.get(oid);
      return bytes ? [{ path: file, text: bytes.toString('utf8') }] : [];
    });
}

/** `.gitattributes` at the top and in every folder above each dir. */
function aboveDirs(dirs: readonly string[]): string[] {
  const found = new Set([NAME]);
  for (const dir of dirs) {
    const parts = dir === '.' ? [] : dir.split('/');
    for (let depth = 1; depth <= parts.length; depth++) found.add(`${parts.slice(0, depth).join('/')}/${NAME}`);
  }
  return [...found];
}

/** Whether a `.gitattributes` in `folder` (`''` or `a/b/`) can match a path in one of `dirs`: it is above a dir, or in one. */
function appliesToDirs(folder: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => dir === '.' || folder === '' || `${dir}/`.startsWith(folder) || folder.startsWith(`${dir}/`));
}
