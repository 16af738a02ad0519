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

