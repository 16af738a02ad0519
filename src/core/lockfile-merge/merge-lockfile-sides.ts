import { ADAPTERS } from '../tools/registry.js';
import type { DiscoverOptions, NamingScheme, SourceFile, VersionReading } from '../migrations/types.js';
import { acceptLockedNames, lockedFiles } from '../migrations/legacy-names.js';
import { joinPath } from '../paths.js';
import { checkSealed, type SealedState } from '../seal/check-sealed.js';
import { problemFindings, type SetUnderCheck } from '../findings/findings.js';
import { sameEntry, toLockSet } from '../lockfile/lock-set.js';
import { mergeLockfiles } from '../lockfile/plan-lock.js';
import { LOCKFILE_VERSION, type LockEntry, type LockSet, type Lockfile } from '../lockfile/types.js';

export interface LockfileSides {
  /** The merge base's lockfile; undefined when the base has none (both sides created it). */
  base: Lockfile | undefined;
  ours: Lockfile;
  theirs: Lockfile;
  /** The protected ref's lockfile, when it can be read: new entries must sort after its sealed ones. */
  sealed?: SealedState | undefined;
  /** SQL naming scheme per set dir, from the config. */
  naming?: ReadonlyMap<string, NamingScheme>;
  /** Per set dir, from the config: how SQL versions are read, and whether a new migration may sort before sealed ones. */
  policies?: ReadonlyMap<string, { versions?: VersionReading | undefined; outOfOrder?: 'allow' | 'refuse' | undefined }>;
}

export type LockfileMerge =
  | { merged: true; lock: Lockfile }
  /** Why the sides cannot be merged without a person: each reason names the migration. */
  | { merged: false; reasons: string[] };

/**
 * The lockfile merge driver's rule: two sides merge on their own only when
 * each side just added migrations since the base, no two additions collide
 * (same id, or same file under another id), and the union passes the rules
 * a commit must pass: ids, apply order, one head per set (or Alembic heads on
 * labelled branches), and nothing new sorting before a sealed migration.
 * Everything else (an entry changed or removed on either side) is a conflict
 * for a person, who resolves it with `guard lock`.
 *
 * The merged sets are rebuilt from the entries through each tool's adapter,
 * so heads, order and chain digests are exactly what `guard lock` would
 * write once the migration files of both sides are in the work tree.
 *
 * @example
 * const result = mergeLockfileSides({ base, ours, theirs });
 * if (result.merged) write(serializeLockfile(result.lock));
 * else for (const reason of result.reasons) console.error(reason);
 */
export function mergeLockfileSides(sides: LockfileSides): LockfileMerge {
  const reasons: string[] = [];
  const baseSets = new Map((sides.base?.sets ?? []).map((set) => [set.dir, set]));
  const dirs = new Set([...sides.ours.sets, ...sides.theirs.sets].map((set) => set.dir));

  for (const [side, lock] of [['ours', sides.ours], ['theirs', sides.theirs]] as const) {
    const other = side === 'ours' ? sides.theirs : sides.ours;
    for (const baseSet of baseSets.values()) {
      const set = lock.sets.find((candidate) => candidate.dir === baseSet.dir);
      if (!set) {
        reasons.push(`${side} removed the set ${baseSet.dir} from the lockfile`);
        continue;
      }
      const byId = new Map(set.migrations.map((entry) => [entry.id, entry]));
      const otherSet = other.sets.find((candidate) => candidate.dir === baseSet.dir);
      const otherById = new Map(otherSet?.migrations.map((entry) => [entry.id, entry]) ?? []);
      for (const entry of baseSet.migrations) {
        const now = byId.get(entry.id);
        const path = joinPath(baseSet.dir, entry.file);
        if (!now) reasons.push(`${side} removed or renamed ${path} (id ${entry.id})`);
        else if (!sameEntry(now, entry)) {
          // The same change on both sides (one merged the other before) is no conflict.
          const elsewhere = otherById.get(entry.id);
          if (!elsewhere || !sameEntry(elsewhere, now)) reasons.push(`${side} changed the line of ${path} (id ${entry.id})`);
        }
      }
    }
  }

  const sets: SetUnderCheck[] = [];
  const semanticOf = new Map<string, Map<string, LockEntry>>();
  const semantic = sides.ours.semantic ?? sides.theirs.semantic;
  if (sides.ours.semantic !== undefined && sides.theirs.semantic !== undefined && sides.ours.semantic !== sides.theirs.semantic) {
    reasons.push(`the sides record semantic checksums under different algorithms (${sides.ours.semantic} and ${sides.theirs.semantic})`);
  }
  for (const dir of [...dirs].sort()) {
    const base = baseSets.get(dir);
    const ours = sides.ours.sets.find((set) => set.dir === dir);
    const theirs = sides.theirs.sets.find((set) => set.dir === dir);
    const tool = (ours ?? theirs)!.tool;
    if (ours && theirs && ours.tool !== theirs.tool) {
      reasons.push(`${dir} is locked as ${ours.tool} on one side and ${theirs.tool} on the other`);
      continue;
    }
    const entries = unionOfEntries(dir, base, ours, theirs, reasons);
    semanticOf.set(dir, new Map(entries.map((entry) => [entry.id, entry])));
    const naming = sides.naming?.get(dir);
    const policy = sides.policies?.get(dir);
    const options: DiscoverOptions = { display: (file) => joinPath(dir, file), ...(naming ? { naming } : {}), ...(policy?.versions ? { versions: policy.versions } : {}) };
    // A name that breaks the scheme was accepted when the base locked it; only the sides' new ones are judged.
    const discovered = acceptLockedNames(ADAPTERS[tool].discover(sourceFilesOf(tool, entries), options), lockedFiles(base));
    for (const finding of problemFindings(dir, discovered)) reasons.push(`${finding.message} (${finding.fix})`);
    sets.push({ dir, discovered, ...(policy?.outOfOrder === 'allow' ? { outOfOrder: 'allow' as const } : {}) });
  }
  if (reasons.length > 0) return { merged: false, reasons };

  const lock: Lockfile = {
    lockfile: LOCKFILE_VERSION,
    algorithm: sides.ours.algorithm,
    ...(semantic !== undefined ? { semantic } : {}),
    // The adapters read ids, order and content checksums; each line keeps the semantic checksum a side recorded.
    sets: sets.map(({ dir, discovered }) => withSemantic(toLockSet(dir, discovered), semanticOf.get(dir)!)),
    ...amendmentsOf(mergeLockfiles(sides.ours, sides.theirs).merged),
  };
  if (sides.sealed) {
    for (const finding of checkSealed(sides.sealed, sets, lock)) reasons.push(`${finding.message} (${finding.fix})`);
    if (reasons.length > 0) return { merged: false, reasons };
  }
  return { merged: true, lock };
}

/** Base entries, then what either side added; collisions are reasons, not guesses. */
function unionOfEntries(dir: string, base: LockSet | undefined, ours: LockSet | undefined, theirs: LockSet | undefined, reasons: string[]): LockEntry[] {
  const byId = new Map<string, LockEntry>();
  const idOfFile = new Map<string, string>();
  const inBase = new Set(base?.migrations.map((entry) => entry.id) ?? []);
  const add = (entry: LockEntry) => {
    const existing = byId.get(entry.id);
    const path = joinPath(dir, entry.file);
    if (existing) {
      // A line the base had and a side changed is reported as that change, not as two additions.
      if (!sameEntry(existing, entry) && !inBase.has(entry.id)) reasons.push(`both sides added id ${entry.id} in ${dir}, differently (${joinPath(dir, existing.file)} and ${path})`);
      return;
    }
    const clash = idOfFile.get(entry.file);
    if (clash !== undefined) {
      reasons.push(`both sides added ${path}, as ids ${clash} and ${entry.id}`);
      return;
    }
    byId.set(entry.id, entry);
    idOfFile.set(entry.file, entry.id);
  };
  // Sides may have changed base entries identically (checked above); take ours.
  const oursById = new Map(ours?.migrations.map((entry) => [entry.id, entry]) ?? []);
  for (const entry of base?.migrations ?? []) add(oursById.get(entry.id) ?? entry);
  for (const entry of ours?.migrations ?? []) add(entry);
  for (const entry of theirs?.migrations ?? []) add(entry);
  return [...byId.values()];
}

/** The lockfile entries as the files an adapter would have read, so it orders them and finds the heads. */
function sourceFilesOf(tool: LockSet['tool'], entries: readonly LockEntry[]): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of entries) {
    if (tool === 'alembic') {
      files.push({
        path: entry.file,
        reading: {
          sha256: entry.sha256,
          migration: {
            id: entry.id,
            file: entry.file,
            parents: entry.parents ?? [],
            sha256: entry.sha256,
            ...(entry.branch_labels ? { branchLabels: entry.branch_labels } : {}),
            ...(entry.depends_on ? { dependsOn: entry.depends_on } : {}),
          },
        },
      });
    } else {
      files.push({ path: entry.file, reading: { sha256: entry.sha256 } });
      if (entry.down && entry.down_sha256) files.push({ path: entry.down, reading: { sha256: entry.down_sha256 } });
    }
  }
  return files;
}

function withSemantic(set: LockSet, recorded: ReadonlyMap<string, LockEntry>): LockSet {
  const migrations = set.migrations.map((entry) => {
    const known = recorded.get(entry.id);
    if (!known || known.sha256 !== entry.sha256) return entry;
    return {
      ...entry,
      ...(known.semantic !== undefined ? { semantic: known.semantic } : {}),
      ...(known.down_semantic !== undefined && known.down_sha256 === entry.down_sha256 ? { down_semantic: known.down_semantic } : {}),
    };
  });
  return { ...set, migrations };
}

function amendmentsOf(lock: Lockfile): Pick<Lockfile, 'amendments' | 'setAmendments'> {
  return { amendments: lock.amendments, ...(lock.setAmendments ? { setAmendments: lock.setAmendments } : {}) };
}
