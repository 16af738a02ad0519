import { CONTENT_ALGORITHM } from '../checksum.js';
import { SEMANTIC_ALGORITHM } from '../semantic/semantic-checksum.js';
import { problemFindings, warningFindings, type Finding, type SetUnderCheck } from '../findings/findings.js';
import { acceptLockedNames, lockedFiles } from '../migrations/legacy-names.js';
import { joinPath } from '../paths.js';
import { sameEntry, toLockSet } from './lock-set.js';
import { LOCKFILE_VERSION, type Amendment, type LockSet, type Lockfile, type SetAmendment } from './types.js';

export type LockChange =
  | { kind: 'added'; set: string; id: string; file: string }
  | { kind: 'updated'; set: string; id: string; file: string }
  | { kind: 'removed'; set: string; id: string; file: string }
  | { kind: 'renamed'; set: string; id: string; file: string; from: string }
  | { kind: 'heads'; set: string; from: string[]; to: string[] }
  | { kind: 'set-added'; set: string }
  | { kind: 'set-dropped'; set: string; migrations: number };

export interface LockPlan {
  lock: Lockfile;
  changes: LockChange[];
  /** Rules the migrations break; written anyway, `guard verify` refuses them. */
  warnings: Finding[];
  /**
   * Reported and accepted: names that break the scheme on migrations the
   * previous lockfile already locked, differing zero-padding, files guard
   * does not read, what `exclude:` leaves out that it should not.
   */
  notices: Finding[];
}

export interface LockInput {
  previous: Lockfile | undefined;
  sets: readonly SetUnderCheck[];
  /** Dirs whose lockfile sets may be removed although the config no longer lists them. */
  dropSets?: readonly string[];
}

/**
 * The lockfile that describes the repository's migrations, and what changed.
 *
 * Refuses (returns `refusal`) when the result would be wrong rather than just
 * new: files guard cannot read, duplicate ids (a lockfile holds each id once),
 * or a locked set the config no longer lists (dropping it would lose history
 * silently; `--drop-set` says it is meant).
 */
export function planLock(input: LockInput): LockPlan | { refusal: Finding[] } {
  const refusal: Finding[] = [];
  const warnings: Finding[] = [];
  const notices: Finding[] = [];
  const previousSets = new Map((input.previous?.sets ?? []).map((set) => [set.dir, set]));
  for (const { dir, discovered } of input.sets) {
    // A misnamed migration the previous lockfile held stays accepted; a new one is warned about (and refused by the hooks).
    const accepted = acceptLockedNames(discovered, lockedFiles(previousSets.get(dir)));
    for (const finding of problemFindings(dir, accepted)) {
      if (finding.exitCode === 2 || finding.code === 'duplicate-id') refusal.push(finding);
      else warnings.push(finding);
    }
    notices.push(...warningFindings(dir, accepted));
  }

  const configured = new Set(input.sets.map((set) => set.dir));
  const drop = new Set(input.dropSets ?? []);
  const changes: LockChange[] = [];
  for (const dir of drop) {
    if (configured.has(dir)) {
      refusal.push({
        code: 'set-not-configured',
        exitCode: 2,
        set: dir,
        message: `--drop-set ${dir}: the config still lists ${dir}`,
        fix: `remove ${dir} from the config's migrations first`,
      });
    } else if (!previousSets.has(dir)) {
      refusal.push({
        code: 'set-not-configured',
        exitCode: 2,
        set: dir,
        message: `--drop-set ${dir}: the lockfile has no set ${dir}`,
        fix: `sets in the lockfile: ${[...previousSets.keys()].join(', ') || 'none'}`,
      });
    }
  }
  for (const [dir, set] of previousSets) {
    if (configured.has(dir)) continue;
    if (drop.has(dir)) {
      changes.push({ kind: 'set-dropped', set: dir, migrations: set.migrations.length });
      continue;
    }
    refusal.push({
      code: 'set-not-configured',
      exitCode: 2,
      set: dir,
      message: `the lockfile locks ${dir} (${set.migrations.length} migrations), which the config no longer lists`,
      fix: `add \`- dir: ${dir}\` back to the config's migrations, or drop its record with \`guard lock --drop-set ${dir}\``,
    });
  }
  if (refusal.length > 0) return { refusal };

  const sets: LockSet[] = input.sets.map(({ dir, discovered }) => {
    const next = toLockSet(dir, discovered);
    changes.push(...diffSet(previousSets.get(dir), next));
    return next;
  });
  sets.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));

  const recordsSemantic = sets.some((set) => set.migrations.some((entry) => entry.semantic !== undefined || entry.down_semantic !== undefined));
  const lock: Lockfile = {
    lockfile: LOCKFILE_VERSION,
    algorithm: CONTENT_ALGORITHM,
    ...(recordsSemantic ? { semantic: SEMANTIC_ALGORITHM } : {}),
    sets,
    amendments: [...(input.previous?.amendments ?? [])],
    ...(input.previous?.setAmendments?.length ? { setAmendments: [...input.previous.setAmendments] } : {}),
  };
  return { lock, changes, warnings, notices };
}

function diffSet(previous: LockSet | undefined, next: LockSet): LockChange[] {
  if (!previous) {
    return [
      { kind: 'set-added', set: next.dir },
      ...next.migrations.map((entry): LockChange => ({ kind: 'added', set: next.dir, id: entry.id, file: entry.file })),
    ];
  }
  const changes: LockChange[] = [];
  const before = new Map(previous.migrations.map((entry) => [entry.id, entry]));
  for (const entry of next.migrations) {
    const old = before.get(entry.id);
    before.delete(entry.id);
    if (!old) changes.push({ kind: 'added', set: next.dir, id: entry.id, file: entry.file });
    else if (old.file !== entry.file) changes.push({ kind: 'renamed', set: next.dir, id: entry.id, file: entry.file, from: old.file });
    else if (!sameEntry(old, entry)) changes.push({ kind: 'updated', set: next.dir, id: entry.id, file: entry.file });
  }
  for (const old of before.values()) changes.push({ kind: 'removed', set: next.dir, id: old.id, file: old.file });
  if (previous.heads.join('\0') !== next.heads.join('\0')) {
    changes.push({ kind: 'heads', set: next.dir, from: previous.heads, to: next.heads });
  }
  return changes;
}

/**
 * Both sides of a lockfile that git left with conflict markers, as one
 * previous lockfile: every set and entry of either side, every amendment once.
 * Where both sides record one id differently, ours is kept and the clash is
 * returned so the caller can report it; the files decide the new content.
 */
export function mergeLockfiles(ours: Lockfile, theirs: Lockfile): { merged: Lockfile; clashes: string[] } {
  const clashes: string[] = [];
  const sets = new Map<string, LockSet>(ours.sets.map((set) => [set.dir, { ...set, migrations: [...set.migrations] }]));
  for (const set of theirs.sets) {
    const mine = sets.get(set.dir);
    if (!mine) {
      sets.set(set.dir, set);
      continue;
    }
    const byId = new Map(mine.migrations.map((entry) => [entry.id, entry]));
    for (const entry of set.migrations) {
      const existing = byId.get(entry.id);
      if (!existing) mine.migrations.push(entry);
      else if (!sameEntry(existing, entry)) clashes.push(`${joinPath(set.dir, entry.file)} (id ${entry.id})`);
    }
  }
  const amendments: Amendment[] = [];
  const seen = new Set<string>();
  for (const amendment of [...ours.amendments, ...theirs.amendments]) {
    const key = JSON.stringify([amendment.file, amendment.from, amendment.to, amendment.reason, amendment.by, amendment.at]);
    if (seen.has(key)) continue;
    seen.add(key);
    amendments.push(amendment);
  }
  const setAmendments: SetAmendment[] = [];
  for (const amendment of [...(ours.setAmendments ?? []), ...(theirs.setAmendments ?? [])]) {
    const key = JSON.stringify(['set', amendment.set, amendment.change, amendment.from, amendment.to, amendment.chain, amendment.reason, amendment.by, amendment.at]);
    if (seen.has(key)) continue;
    seen.add(key);
    setAmendments.push(amendment);
  }
  return {
    merged: { lockfile: LOCKFILE_VERSION, algorithm: ours.algorithm, sets: [...sets.values()], amendments, ...(setAmendments.length > 0 ? { setAmendments } : {}) },
    clashes,
  };
}
