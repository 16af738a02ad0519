// Locking a repository: checksums.lock.yaml planned from the migrations and
// written atomically. Shared by guard lock, amend, renumber and init.
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { inputError } from '../core/guard-error.js';
import { splitConflictSides, findConflictMarkers } from '../core/lockfile/conflict-markers.js';
import { parseLockfile, serializeLockfile } from '../core/lockfile/format/index.js';
import { mergeLockfiles, planLock, type LockChange } from '../core/lockfile/plan-lock.js';
import { preferLockedDuplicates } from '../core/lockfile/prefer-locked-duplicates.js';
import { LOCKFILE_NAME, type Amendment, type Lockfile, type SetAmendment } from '../core/lockfile/types.js';
import type { SealedState } from '../core/seal/check-sealed.js';
import { checkSealedWithHistory, commitOf, nothingSealedYet, protectedRef, sealedForWorkTree, sealedStateAt, sealingCommit } from '../shell/sealed-state.js';
import { type Finding, type SetUnderCheck, worstExitCode } from '../core/findings/findings.js';
import { normaliseDir } from '../core/paths.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { discoverListedSets, listSets } from '../shell/discover-sets.js';
import { memoized, stateKey } from '../shell/cache-file.js';
import { openRepository } from '../shell/git/open-repository.js';
import { loadConfig } from '../shell/load-config.js';
import { writeFileAtomic } from '../shell/write-atomic.js';
import { readLockfileText } from '../shell/read-lockfile.js';
import { attachSemanticChecksums, type CosmeticEdit } from '../shell/cosmetic-edits.js';

export interface LockResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'lock';
  ok: boolean;
  exitCode: number;
  /** Repository-relative path of the lockfile. */
  lockfile: string;
  /** Whether the file's bytes changed. */
  written: boolean;
  changes: LockChange[];
  /** Rules the migrations break; locked anyway, `guard verify` refuses them. */
  warnings: Finding[];
  /** Why nothing was written. */
  refusals: Finding[];
  /** Present when the lockfile held git conflict markers and was merged. */
  conflict?: { clashes: string[] };
  /** The set amendments this run recorded (`guard amend --set`). */
  setAmendments?: SetAmendment[];
  /** Sealed migrations edited in formatting only, under `cosmetic: allow` (README, "Cosmetic edits"): locked with their new checksum. */
  cosmetic?: CosmeticEdit[];
}

export interface LockOptions {
  cwd: string;
  configPath?: string | undefined;
  /** Locked sets the config no longer lists that may be forgotten. */
  dropSets?: string[];
  /** Write nothing; report whether the lockfile is out of date. */
  check?: boolean;
  /** Record sanctioned changes of sealed migrations (`guard amend`), one amendment per file, and of sealed sets (`--set`). */
  amend?: { files: string[]; sets?: string[]; reason: string; by: string; at: string };
}

/**
 * Creates or updates `checksums.lock.yaml` from the migrations in the work
 * tree. Deterministic (a second run changes no byte), atomic, and able to
 * resolve a lockfile that a git merge left with conflict markers.
 *
 * @example
 * const result = await lockRepository({ cwd: '/path/to/repo' });
 * // result.changes: [{ kind: 'added', set: 'db/versions', id: 'ae1027a6acf', file: 'ae1027a6acf_add_users.py' }]
 */
export async function lockRepository(options: LockOptions): Promise<LockResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const source = { kind: 'worktree' } as const;
  const [text, listing, named] = await Promise.all([
    readLockfileText(repository.root, source),
    listSets(repository.root, config.migrations, source),
    protectedRef(repository.root, config.protected),
  ]);
  // A protected ref that is named but not here is exit 3 with what to fetch,
  // as in the hooks: without it guard cannot tell a sealed entry from a new
  // one, and would rewrite a sealed line. Only a repository where it cannot
  // exist yet (nothingSealedYet) locks with nothing sealed.
  const protectedCommit = named ? await sealingCommit(repository.root, named) : undefined;
  if (named && !protectedCommit && !(await nothingSealedYet(repository.root, named))) await sealedStateAt(repository.root, named);
  const protectedName = protectedCommit ? named : undefined;
  const relock = async () => {
    const sets = await discoverListedSets(repository.root, config.migrations, listing, repository.gitDir);
    const sealed = protectedName ? await sealedForWorkTree(repository.root, await sealedStateAt(repository.root, protectedName)) : undefined;
    return planAndWrite(repository.root, text, sets, sealed, options);
  };
  // "Up to date" is a pure function of the lockfile text, the files git
  // vouches for and the sealed state; a repeated `guard lock` reads no migration.
  const fingerprint = listing.fingerprint;
  if (fingerprint === undefined || text === undefined || options.amend) return relock();
  // What is sealed depends on where HEAD forked from the protected ref, too.
  const head = protectedCommit ? ((await commitOf(repository.root, 'HEAD')) ?? '') : '';
  const key = stateKey(JSON.stringify(config.migrations), JSON.stringify(options.dropSets ?? []), text, fingerprint, protectedCommit ?? '', head);
  return memoized(repository.gitDir, 'lock.json', key, relock, (result) => result.exitCode === ExitCode.ok && !result.written && !result.conflict);
}

/** Codes that stop `guard lock`: it never rewrites a sealed entry. */
const SEALED_REFUSALS = new Set(['sealed-edited', 'sealed-deleted', 'sealed-renamed', 'sealed-line-edited', 'sealed-set-dropped', 'sealed-set-retooled', 'sealed-excluded']);

async function planAndWrite(
  root: string,
  text: string | undefined,
  discovered: SetUnderCheck[],
  sealed: SealedState | undefined,
  options: Pick<LockOptions, 'dropSets' | 'check' | 'amend'>,
): Promise<LockResult> {
  let previous: Lockfile | undefined;
  let conflict: LockResult['conflict'];
  if (text !== undefined && findConflictMarkers(text).length > 0) {
    const sides = splitConflictSides(text);
    if (!sides) {
      throw inputError(`${LOCKFILE_NAME} has conflict markers that do not pair up (<<<<<<<, =======, >>>>>>>)`, {
        fix: `take one side (git checkout --ours -- ${LOCKFILE_NAME}) and run \`guard lock\` again`,
      });
    }
    const ours = await parseLockfile(sides.ours, `${LOCKFILE_NAME} (our side of the conflict)`);
    const theirs = await parseLockfile(sides.theirs, `${LOCKFILE_NAME} (their side of the conflict)`);
    const { merged, clashes } = mergeLockfiles(ours.lock, theirs.lock);
    previous = merged;
    conflict = { clashes };
  } else if (text !== undefined) {
    previous = (await parseLockfile(text, LOCKFILE_NAME)).lock;
  }

  const sets = preferLockedDuplicates(discovered, sealed?.lock, previous);
  const cosmeticEdits: CosmeticEdit[] = [];
  const dropSets = (options.dropSets ?? []).map(normaliseDir);
  const recorded: SetAmendment[] = [];
  if (options.amend) {
    const { files, sets: amendedSets = [], ...why } = options.amend;
    for (const file of files) previous = withAmendment(previous, sets, sealed, { file, ...why });
    for (const dir of amendedSets) {
      const amended = withSetAmendment(previous, sets, sealed, { set: normaliseDir(dir), ...why });
      previous = amended.lock;
      recorded.push(amended.amendment);
      // Dropped or moved: the old dir's lines leave the lockfile with it.
      if (amended.amendment.change !== 'retooled' && previous.sets.some((set) => set.dir === amended.amendment.set)) dropSets.push(amended.amendment.set);
    }
  }
  await attachSemanticChecksums(root, sets, [previous, sealed?.lock], { kind: 'worktree' });
  const plan = planLock({ previous, sets, dropSets });
  const base = {
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'lock' as const,
    lockfile: LOCKFILE_NAME,
    ...(conflict ? { conflict } : {}),
    ...(recorded.length > 0 ? { setAmendments: recorded } : {}),
  };
  if ('refusal' in plan) {
    const exitCode = Math.max(worstExitCode(plan.refusal), ExitCode.refused);
    return { ...base, ok: false, exitCode, written: false, changes: [], warnings: [], refusals: plan.refusal };
  }
  if (sealed) {
    const { findings, cosmetic } = await checkSealedWithHistory(root, sealed, sets, plan.lock, { kind: 'worktree' });
    cosmeticEdits.push(...cosmetic);
    const refusals = findings.filter((finding) => SEALED_REFUSALS.has(finding.code));
    if (refusals.length > 0) return { ...base, ok: false, exitCode: ExitCode.refused, written: false, changes: [], warnings: [], refusals };
    plan.warnings.push(...findings.filter((finding) => !SEALED_REFUSALS.has(finding.code)));
  }
  const next = serializeLockfile(plan.lock);
  const written = next !== text;
  if (written && !options.check) writeFileAtomic(path.join(root, LOCKFILE_NAME), next);
  const exitCode = options.check && written ? ExitCode.refused : ExitCode.ok;
  return {
    ...base,
    ok: exitCode === ExitCode.ok,
    exitCode,
    written: written && !options.check,
    changes: plan.changes,
    warnings: [...plan.warnings, ...plan.notices],
    refusals: [],
    ...(cosmeticEdits.length > 0 ? { cosmetic: cosmeticEdits } : {}),
  };
}

/**
 * The previous lockfile plus an amendment of `file`: from its sealed checksum
 * to its content now. An earlier amendment of the same file that is not yet
 * in the sealed lockfile is replaced, so a reworked fix stays one record.
 */
function withAmendment(previous: Lockfile | undefined, sets: SetUnderCheck[], sealed: SealedState | undefined, amend: { file: string; reason: string; by: string; at: string }): Lockfile {
  const file = normaliseDir(amend.file);
  const set = sets.find(({ dir }) => dir === '.' || file.startsWith(`${dir}/`));
  if (!set) throw inputError(`${file} is not in a migration dir of the config`, { fix: `migration dirs: ${sets.map(({ dir }) => dir).join(', ')}` });
  const relative = set.dir === '.' ? file : file.slice(set.dir.length + 1);
  // A migration's own file, or its down or undo script (sealed with it).
  const nowMigration = set.discovered.migrations.find((migration) => migration.file === relative || migration.down?.file === relative);
  const now = nowMigration?.file === relative ? nowMigration.sha256 : nowMigration?.down?.sha256;
  if (now === undefined) throw inputError(`${file} is not a migration guard can read`, { fix: 'check the path (repository-relative) and that the file is a migration of its set, or its down script' });
  const sealedEntry = sealed?.lock.sets.find(({ dir }) => dir === set.dir)?.migrations.find((entry) => entry.file === relative || entry.down === relative);
  const sealedSha = sealedEntry?.file === relative ? sealedEntry.sha256 : sealedEntry?.down_sha256;
  if (!sealed || sealedSha === undefined) {
    throw inputError(`${file} is not sealed${sealed ? ` in ${sealed.ref}` : ' (no protected ref: set `protected:` in the config)'}, so it needs no amendment`, {
      fix: 'run `guard lock`: an unsealed migration may change',
    });
  }
  if (sealedSha === now) throw inputError(`${file} has not changed since it was sealed in ${sealed.ref}`, { fix: 'edit the file first; guard amend records a change' });
  const base = previous ?? { lockfile: 1 as const, algorithm: 'sha256-lf/1', sets: [], amendments: [] };
  const sealedAmendments = new Set(sealed.lock.amendments.map((amendment) => JSON.stringify(amendment)));
  const kept = base.amendments.filter(
    (amendment) => !(amendment.file === file && amendment.from === `sha256:${sealedSha}` && !sealedAmendments.has(JSON.stringify(amendment))),
  );
  const amendment: Amendment = { file, from: `sha256:${sealedSha}`, to: `sha256:${now}`, reason: amend.reason, by: amend.by, at: amend.at };
  return { ...base, amendments: [...kept, amendment] };
}

/**
 * The previous lockfile plus an amendment of the sealed set `set`, telling
 * what the config did to it: listed with another tool (`retooled`), replaced
 * by one new set that holds every sealed file under the same name (`moved`),
 * or gone (`dropped`). Bound to the sealed chain digest, so it never covers
 * a later sealed state. An earlier amendment of the same set that is not yet
 * sealed is replaced.
 */
function withSetAmendment(
  previous: Lockfile | undefined,
  sets: SetUnderCheck[],
  sealed: SealedState | undefined,
  amend: { set: string; reason: string; by: string; at: string },
): { lock: Lockfile; amendment: SetAmendment } {
  const { set: dir, ...why } = amend;
  const sealedSet = sealed?.lock.sets.find((candidate) => candidate.dir === dir);
  const sealedFiles = sealedSet?.migrations.filter((entry) => !entry.repeatable).map((entry) => entry.file) ?? [];
  if (!sealed || !sealedSet || sealedFiles.length === 0) {
    throw inputError(`${dir} is not a sealed set${sealed ? ` in ${sealed.ref}` : ' (no protected ref: set `protected:` in the config)'}, so changing it needs no amendment`, {
      fix: `edit the config, then run \`guard lock${sets.some((candidate) => candidate.dir === dir) ? '' : ` --drop-set ${dir}`}\``,
    });
  }
  const here = sets.find((candidate) => candidate.dir === dir);
  let change: Pick<SetAmendment, 'change' | 'from' | 'to'>;
  if (here) {
    if (here.discovered.tool === sealedSet.tool) {
      throw inputError(`the config still lists ${dir} as a ${sealedSet.tool} set, as ${sealed.ref} sealed it: there is no change to record`, {
        fix: `remove ${dir} from the config's migrations (or move it, or change its tool) first; to change one sealed file, use guard amend FILE`,
      });
    }
    change = { change: 'retooled', from: sealedSet.tool, to: here.discovered.tool };
  } else {
    const sealedDirs = new Set(sealed.lock.sets.map((candidate) => candidate.dir));
    const targets = sets.filter(({ dir: candidate, discovered }) => {
      if (sealedDirs.has(candidate) || discovered.tool !== sealedSet.tool) return false;
      const files = new Set(discovered.migrations.map((migration) => migration.file));
      return sealedFiles.every((file) => files.has(file));
    });
    if (targets.length > 1) {
      throw inputError(`the sealed files of ${dir} are all in ${targets.map((target) => target.dir).join(' and ')}, so guard cannot tell where the set moved`, {
        fix: 'keep one copy of the migrations, then run guard amend --set again',
      });
    }
    change = targets.length === 1 ? { change: 'moved', to: targets[0]!.dir } : { change: 'dropped' };
  }
  const amendment: SetAmendment = { set: dir, ...change, chain: sealedSet.chain, ...why };
  const base = previous ?? { lockfile: 1 as const, algorithm: 'sha256-lf/1', sets: [], amendments: [] };
  const sealedAmendments = new Set((sealed.lock.setAmendments ?? []).map((recorded) => JSON.stringify(recorded)));
  const kept = (base.setAmendments ?? []).filter((recorded) => !(recorded.set === dir && recorded.chain === sealedSet.chain && !sealedAmendments.has(JSON.stringify(recorded))));
  return { lock: { ...base, setAmendments: [...kept, amendment] }, amendment };
}
