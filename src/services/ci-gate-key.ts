// The key under which the CI gate's answer is remembered (README,
// "Performance"): every input that decides `guard verify --base`, or no key
// at all when one of them lies where a digest cannot vouch for it.
import type { GuardConfig } from '../core/config/validate-config.js';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import { stateKey } from '../shell/cache-file.js';
import { pathExists, readRefsFromFiles } from '../shell/git/read-refs.js';
import { runGit } from '../shell/git/run-git.js';
import type { Listing, Source } from '../shell/read-migration-files.js';

/** The refs and state a check against a base depends on (readGateRefs). */
export interface GateRefs {
  baseCommit: string;
  tipCommit: string;
  shallow: boolean;
  /** `$GIT_DIR/MERGE_HEAD` exists: a merge is in progress. */
  merging: boolean;
}

/**
 * The commits `base` and the checked tip name, whether the clone is shallow
 * and whether a merge is in progress: from git's files where they are plain
 * (readRefsFromFiles), else from one `git rev-parse`
 * (https://git-scm.com/docs/git-rev-parse). `base` is resolved as
 * sealingCommit resolves it first (a name with a slash is a remote-tracking
 * branch, one without a local branch); a name that does not resolve that
 * way, or anything git cannot answer, is undefined: no key, and the check
 * itself says what is wrong.
 */
export async function readGateRefs(root: string, gitDir: string, base: string, source: Source): Promise<GateRefs | undefined> {
  const baseRef = base.startsWith('refs/') || /^[A-Z_]*HEAD$/.test(base) ? base : base.includes('/') ? `refs/remotes/${base}` : `refs/heads/${base}`;
  const tip = source.kind === 'revision' ? source.rev : 'HEAD';
  // rev-parse would read a revision that starts with `-` as an option.
  if (tip.startsWith('-') || base.startsWith('-')) return undefined;
  if (tip === 'HEAD') {
    const read = readRefsFromFiles(gitDir, [baseRef, 'HEAD']);
    if (read) return { baseCommit: read.ids[0]!, tipCommit: read.ids[1]!, shallow: read.shallow, merging: read.merging };
  }
  try {
    const output = (await runGit(root, ['rev-parse', '--is-shallow-repository', '--path-format=absolute', '--git-path', 'MERGE_HEAD', `${baseRef}^{commit}`, `${tip}^{commit}`])).toString('utf8');
    const [shallow, mergeHead, baseCommit, tipCommit] = output.trimEnd().split('\n');
    if (!mergeHead || !baseCommit || !tipCommit) return undefined;
    return { baseCommit, tipCommit, shallow: shallow !== 'false', merging: pathExists(mergeHead) };
  } catch {
    return undefined;
  }
}

/**
 * The memo key of a check against `base`: guard's build, the config, the
 * source, the lockfile text, the digest of git's listing of the migration
 * dirs, the `.gitattributes` files, and the commits of the base and of the
 * checked tip (which decide the fork point, the sealed lockfile, the commits
 * on the way and what changed since the fork). Undefined, so the check runs,
 * when git does not vouch for every migration file (a new, edited or
 * symlinked one), in a shallow clone (what it holds can grow), during a
 * merge (MERGE_HEAD moves the fork point), or when the refs could not be
 * read. An answer that read the work tree outside the listing (the old dir
 * of a set the lockfile records as moved) is not kept: the caller decides
 * that from the parsed lockfile.
 */
export function ciGateKey(options: {
  config: GuardConfig;
  configPath?: string | undefined;
  source: Source;
  base: string;
  range?: boolean | undefined;
  text: string | undefined;
  listing: Listing;
  attributes: readonly AttributesFile[];
  refs: GateRefs | undefined;
}): string | undefined {
  const { listing, text, refs } = options;
  if (listing.fingerprint === undefined) return undefined;
  if (!refs || refs.shallow || refs.merging) return undefined;
  return stateKey(
    'verify --base',
    JSON.stringify(options.config),
    JSON.stringify({ source: options.source, base: options.base, range: options.range === true, configAt: !options.configPath }),
    refs.baseCommit,
    refs.tipCommit,
    text ?? '\0none',
    listing.fingerprint,
    JSON.stringify(options.attributes),
  );
}
