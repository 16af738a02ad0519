import { runGit, splitNul } from './run-git.js';

/** A commit id: what it names never changes, so its listing can be kept. */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Listings of whole commits read in this process, by repository and commit id. */
const listed = new Map<string, Promise<string[]>>();

/**
 * The records of `git ls-tree -r -z --full-tree <rev>`
 * (https://git-scm.com/docs/git-ls-tree#_output_format: "<mode> SP <type>
 * SP <object> TAB <file>"), split as splitNul does. The CI gate asks for
 * the `.gitattributes` files and Alembic's configs of each commit of a
 * branch: a commit named by its id is listed once, not once per question.
 */
export function wholeTree(root: string, rev: string): Promise<string[]> {
  if (!COMMIT_ID.test(rev)) return list(root, rev);
  const key = `${root}\0${rev}`;
  let records = listed.get(key);
  if (!records) {
    records = list(root, rev);
    listed.set(key, records);
  }
  return records;
}

async function list(root: string, rev: string): Promise<string[]> {
  return splitNul(await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', rev]));
}

/** The work tree's files as `git ls-files` lists them: tracked (in the index) and untracked (not ignored). */
export interface WorkTreeFiles {
  tracked: string[];
  untracked: string[];
}

/**
 * Every file git tracks and every untracked file it does not ignore, with
 * one `git ls-files -t --cached --others --exclude-standard`
 * (https://git-scm.com/docs/git-ls-files: `-t` tags an index entry `H`, `S`
 * or `M` and an untracked file `?`): the CI gate asks both for the
 * `.gitattributes` files git would read and for the Alembic configs it
 * tracks. Listed anew on each call: a work tree changes.
 */
export async function workTreeFiles(root: string): Promise<WorkTreeFiles> {
  const tracked: string[] = [];
  const untracked: string[] = [];
  for (const record of splitNul(await runGit(root, ['ls-files', '-z', '-t', '--cached', '--others', '--exclude-standard']), 2)) {
    (record[0] === '?' ? untracked : tracked).push(record.slice(2));
  }
  return { tracked, untracked };
}
