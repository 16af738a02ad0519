// The key under which the CI gate's answer is remembered (README,
// "Performance"): every input that decides `guard verify --base`, or no key
// at all when one of them lies where a digest cannot vouch for it.
import { statSync } from 'node:fs';
import type { GuardConfig } from '../core/config/validate-config.js';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import { stateKey } from '../shell/cache-file.js';
import type { Repository } from '../shell/git/open-repository.js';
import { git } from '../shell/git/run-git.js';
import type { Listing, Source } from '../shell/read-migration-files.js';
import { commitOf, sealingCommit } from '../shell/sealed-state.js';

/** A set the lockfile records as moved: its old dir is looked at outside the listing (checkSealedWithHistory). */
const MOVED_SET = /change["']?\s*:\s*["']?moved/;

/**
 * The memo key of a check against `base`: guard's build, the config, the
 * source, the lockfile text, the digest of git's listing of the migration
 * dirs, the `.gitattributes` files, and the commits of the base and of the
 * checked tip (which decide the fork point, the sealed lockfile, the commits
 * on the way and what changed since the fork). Undefined, so the check runs,
 * when git does not vouch for every migration file (a new, edited or
 * symlinked one), in a shallow clone (what it holds can grow), during a
 * merge (MERGE_HEAD moves the fork point), when a set was moved (its old
 * dir is read from the work tree), or when any of these cannot be read (the
 * check itself then says why).
 */
export async function ciGateKey(options: {
  repository: Repository;
  config: GuardConfig;
  configPath?: string | undefined;
  source: Source;
  base: string;
  range?: boolean | undefined;
  text: string | undefined;
  listing: Listing;
  attributes: readonly AttributesFile[];
}): Promise<string | undefined> {
  const { repository, listing, text } = options;
  if (listing.fingerprint === undefined || (text !== undefined && MOVED_SET.test(text))) return undefined;
  try {
    const [baseCommit, tipCommit, state] = await Promise.all([
      sealingCommit(repository.root, options.base),
      commitOf(repository.root, options.source.kind === 'revision' ? options.source.rev : 'HEAD'),
      // https://git-scm.com/docs/git-rev-parse#Documentation/git-rev-parse.txt---is-shallow-repository
      git(repository.root, ['rev-parse', '--is-shallow-repository', '--path-format=absolute', '--git-path', 'MERGE_HEAD']),
    ]);
    const [shallow, mergeHead] = (state ?? '').split('\n');
    if (!baseCommit || !tipCommit || shallow !== 'false' || !mergeHead || exists(mergeHead)) return undefined;
    return stateKey(
      'verify --base',
      JSON.stringify(options.config),
      JSON.stringify({ source: options.source, base: options.base, range: options.range === true, configAt: !options.configPath }),
      baseCommit,
      tipCommit,
      text ?? '\0none',
      listing.fingerprint,
      JSON.stringify(options.attributes),
    );
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
