import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit, splitNul } from './git/run-git.js';
import { wholeTree, type WorkTreeFiles } from './git/whole-tree.js';
import type { Source } from './read-migration-files.js';

const NAME = '.gitattributes';

/**
 * Every `.gitattributes` file `source` holds, with its text: a commit's from
 * its tree (https://git-scm.com/docs/git-ls-tree#_output_format), the
 * index's from the index (https://git-scm.com/docs/git-ls-files#_output),
 * the work tree's from disk where git tracks or would track them (listed
 * by the caller when it has `files` already).
 */
export async function readAttributesFiles(root: string, source: Source, files?: Promise<WorkTreeFiles>): Promise<AttributesFile[]> {
  const isAttributes = (file: string) => file === NAME || file.endsWith(`/${NAME}`);
  if (source.kind === 'worktree') {
    const listed = files ? await files.then(({ tracked, untracked }) => [...tracked, ...untracked]) : splitNul(await runGit(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']));
    return [...new Set(listed.filter(isAttributes))].flatMap((file) => {
      try {
        return [{ path: file, text: readFileSync(path.join(root, file), 'utf8') }];
      } catch {
        return []; // deleted in the work tree
      }
    });
  }
  // "<mode> SP <type> SP <oid> TAB <path>" (ls-tree) or "<mode> SP <oid> SP <stage> TAB <path>" (ls-files -s).
  const records =
    source.kind === 'revision'
      ? await wholeTree(root, source.rev)
      : splitNul(await runGit(root, ['ls-files', '-z', '-s']));
  const wanted = records.flatMap((record) => {
    const tab = record.indexOf('\t');
    const file = record.slice(tab + 1);
    if (!isAttributes(file)) return [];
    const fields = record.slice(0, tab).split(' ');
    return [{ file, oid: (source.kind === 'revision' ? fields[2] : fields[1])! }];
  });
  if (wanted.length === 0) return [];
  const blobs = await readBlobs(root, wanted.map(({ oid }) => oid));
  return wanted.flatMap(({ file, oid }) => {
    const bytes = blobs.get(oid);
    return bytes ? [{ path: file, text: bytes.toString('utf8') }] : [];
  });
}
