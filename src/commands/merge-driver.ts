import { inputError } from '../core/guard-error.js';
import { mergeLockfileSides, type LockfileMerge, type LockfileSides } from '../core/lockfile-merge/merge-lockfile-sides.js';
import { parseLockfile, serializeLockfile } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME, type Lockfile } from '../core/lockfile/types.js';
import type { NamingScheme } from '../core/migrations/types.js';
import type { SealedState } from '../core/seal/check-sealed.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit } from '../shell/git/run-git.js';
import { loadConfig } from '../shell/load-config.js';
import { protectedRef, sealedStateAt } from '../shell/sealed-state.js';
import { readLockfileTextAt } from '../shell/read-lockfile.js';
import { writeFileAtomic } from '../shell/write-atomic.js';
import type { CommandDefinition } from './context.js';
import { MERGE_DRIVER_NAME } from '../core/init/merge-driver-name.js';
import type { MigrationSetConfig } from '../core/config/validate-config.js';


/**
 * git's custom merge driver protocol
 * (https://git-scm.com/docs/gitattributes#_defining_a_custom_merge_driver):
 * `%O` the base, `%A` ours (the result is written here), `%B` theirs, `%P`
 * the path. Exit 0 when merged, non-zero to leave a conflict.
 */
export interface MergeDriverFiles {
  base: string;
  ours: string;
  theirs: string;
  path: string;
}

/**
 * Reads the three versions and merges them when mergeLockfileSides allows;
 * a side guard cannot read (conflict markers, a hand edit that is not a
 * lockfile) is a conflict, never a guess.
 */
export async function mergeLockfileFiles(files: MergeDriverFiles, cwd: string): Promise<LockfileMerge> {
  const read = async (file: string, label: string, optional: boolean): Promise<Lockfile | undefined | string> => {
    const text = readLockfileTextAt(file, `${files.path} (${label})`) ?? '';
    if (optional && text.trim() === '') return undefined; // git passes an empty base when both sides created the file
    try {
      return (await parseLockfile(text, `${files.path} (${label})`)).lock;
    } catch (error) {
      return `${label}: ${(error as Error).message}`;
    }
  };
  const [base, ours, theirs] = await Promise.all([read(files.base, 'base', true), read(files.ours, 'ours', false), read(files.theirs, 'theirs', false)]);
  const unreadable = [base, ours, theirs].filter((side): side is string => typeof side === 'string');
  if (unreadable.length > 0) return { merged: false, reasons: unreadable };
  const { sealed, naming, policies } = await repositoryContext(cwd);
  return mergeLockfileSides({ base: base as Lockfile | undefined, ours: ours as Lockfile, theirs: theirs as Lockfile, sealed, naming, policies });
}

/**
 * What the repository adds to the rules, when it can be read: the sealed
 * state of the protected ref and the configured naming schemes. A merge must
 * not fail because, say, no remote is configured; the hooks and the CI gate
 * check sealing on the result anyway.
 */
async function repositoryContext(cwd: string): Promise<{ sealed: SealedState | undefined; naming: Map<string, NamingScheme>; policies: NonNullable<LockfileSides['policies']> }> {
  const naming = new Map<string, NamingScheme>();
  const policies = new Map<string, { versions?: MigrationSetConfig['versions']; outOfOrder?: MigrationSetConfig['outOfOrder'] }>();
  try {
    const repository = await openRepository(cwd);
    const { config } = await loadConfig(repository.root, undefined, repository.gitDir);
    for (const set of config.migrations) {
      if (set.naming) naming.set(set.dir, set.naming);
      policies.set(set.dir, { versions: set.versions, outOfOrder: set.outOfOrder });
    }
    const ref = await protectedRef(repository.root, config.protected);
    return { sealed: ref ? await sealedStateAt(repository.root, ref) : undefined, naming, policies };
  } catch {
    return { sealed: undefined, naming, policies };
  }
}

export const mergeDriverCommand: CommandDefinition = {
  name: 'merge-driver',
  summary: `git's merge driver for ${LOCKFILE_NAME} (registered by guard init)`,
  help: `Usage: guard merge-driver BASE OURS THEIRS PATH

git runs this for ${LOCKFILE_NAME} when two branches both changed it, as
registered by guard init:

  .gitattributes   ${LOCKFILE_NAME} merge=${MERGE_DRIVER_NAME}
  git config       merge.${MERGE_DRIVER_NAME}.driver "guard merge-driver %O %A %B %P"

(guard init registers a command that finds guard as the hooks do, in
node_modules/.bin of the work tree that merges, else of the main work tree,
else on PATH, and leaves a conflict when guard is nowhere.)

When each side only added migrations that do not collide (no shared id or
file) and the union passes the rules (order, one head per set or Alembic
heads on labelled branches, nothing new before a sealed migration), the
merged lockfile is written to OURS and the merge goes on by itself.
Otherwise the file is left with git's conflict markers and the reasons are
printed; resolve with \`guard lock\` (it merges both sides and re-checks the
migration files), then git add ${LOCKFILE_NAME}.

Exit codes: 0 merged; 1 left as a conflict; 2 usage error.`,
  options: {},
  allowPositionals: true,
  async run(context, _values, positionals) {
    if (positionals.length !== 4) {
      throw inputError('guard merge-driver takes 4 arguments: BASE OURS THEIRS PATH', { fix: `register it as git does: git config merge.${MERGE_DRIVER_NAME}.driver "guard merge-driver %O %A %B %P"` });
    }
    const [base, ours, theirs, file] = positionals as [string, string, string, string];
    const result = await mergeLockfileFiles({ base, ours, theirs, path: file }, context.cwd);
    if (result.merged) {
      writeFileAtomic(ours, serializeLockfile(result.lock));
      context.err(`guard: merged ${file} (the new migrations of both sides)`);
      return 0;
    }
    // Leave what git itself would have left: the file with conflict markers
    // (https://git-scm.com/docs/git-merge-file), so nothing of either side is lost.
    await runGit(context.cwd, ['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', ours, base, theirs], { allowExit: [...Array(127).keys()].slice(1) });
    context.err(`guard: ${file} cannot be merged by itself:`);
    for (const reason of result.reasons) context.err(`  - ${reason}`);
    context.err(`  fix: resolve the migrations themselves first, then run \`guard lock\` (it merges both sides of ${file} and re-checks), and git add ${file}`);
    return 1;
  },
};
