// Whether the CI gate's final state, the work tree, is its last commit as
// well: then that commit's check would be the final state's again, its
// findings shown twice and 10,000 migrations read once more for nothing.
import type { GuardConfig } from '../core/config/validate-config.js';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import { alembicLocationFindings, type LocationFindings } from '../shell/alembic-locations.js';
import { recursionAt } from '../shell/discover-sets.js';
import { runGit } from '../shell/git/run-git.js';
import { loadConfigAt } from '../shell/load-config.js';
import { readAttributesFiles } from '../shell/read-attributes.js';
import { readLockfileText } from '../shell/read-lockfile.js';
import type { Listing } from '../shell/read-migration-files.js';

/**
 * True when every input of the commit check of `head` (HEAD's commit id)
 * equals the work tree's: git vouches for every file of the migration dirs
 * in the work tree (no new, edited or symlinked file, `listing.fingerprint`)
 * and the index holds what HEAD holds there (https://git-scm.com/docs/git-diff-index:
 * `--cached --quiet` exits 1 when they differ); the lockfile, the config the
 * commit would be read with, the `.gitattributes` files, the Alembic
 * location findings and which dirs Alembic's config has read with their
 * sub-folders are the same. The fork point is the same when no merge is in
 * progress, which the caller checks. Never when the lockfile records a
 * moved set: its old dir, outside the migration dirs, is read from each
 * state. Anything unreadable: false, and the commit is checked as before.
 */
export async function tipIsWorkTree(options: {
  root: string;
  head: string;
  dirs: readonly string[];
  listing: Listing;
  text: string | undefined;
  config: GuardConfig;
  /** The commit check reads each commit's own config (not a --config path). */
  configAt: boolean;
  attributes: readonly AttributesFile[];
  located: Promise<LocationFindings>;
  /** The work tree's lockfile records a moved set: its old dir is read from each state, outside the listing. */
  movedSet: boolean;
}): Promise<boolean> {
  const { root, head } = options;
  if (options.listing.fingerprint === undefined || options.movedSet) return false;
  try {
    const revision = { kind: 'revision', rev: head } as const;
    const [sameIndex, text, config, attributes, located, ownLocated, recursion] = await Promise.all([
      indexMatches(root, head, options.dirs),
      readLockfileText(root, revision),
      options.configAt ? loadConfigAt(root, head).then((loaded) => loaded?.config ?? options.config) : options.config,
      readAttributesFiles(root, revision, options.dirs, []),
      options.located,
      alembicLocationFindings(root, options.config.migrations, revision),
      // Alembic's config at HEAD can read the dirs with their sub-folders where the work tree's does not.
      recursionAt(root, options.config.migrations, revision),
    ]);
    if (!sameIndex) return false;
    return (
      text === options.text &&
      JSON.stringify(config) === JSON.stringify(options.config) &&
      JSON.stringify(attributes) === JSON.stringify(options.attributes) &&
      JSON.stringify(ownLocated) === JSON.stringify(located) &&
      JSON.stringify(recursion) === JSON.stringify(options.listing.requests.map((request) => request.recursive))
    );
  } catch {
    return false;
  }
}

/** `git diff-index --cached --quiet` as a yes or no (its exit code: 0 same, 1 differ). */
async function indexMatches(root: string, head: string, dirs: readonly string[]): Promise<boolean> {
  try {
    await runGit(root, ['diff-index', '--cached', '--quiet', head, '--', ...dirs]);
    return true;
  } catch {
    return false;
  }
}
