import { toLockSet } from '../lockfile/lock-set.js';
import type { LockEntry, Lockfile } from '../lockfile/types.js';
import { joinPath } from '../paths.js';
import type { Finding, SetUnderCheck } from '../verify/compare-with-lockfile.js';

/**
 * A migration is sealed (treated as deployed) when the lockfile at the
 * protected ref lists it. Sealed migrations never change: not their content,
 * not their name, not their place. Repeatable scripts (Flyway `R__`) change by
 * design and are never sealed.
 */
export interface SealedState {
  /** The ref whose lockfile seals, for messages (`origin/main`). */
  ref: string;
  lock: Lockfile;
}

/** Where a sealed entry came from, found only for the entries a message names. */
export type SealedAt = (set: string, entry: LockEntry) => string | undefined;

const NEW_MIGRATION = 'write a new migration that makes the change instead';

/**
 * The sealing rules over the migrations as they are now (`sets`) and the
 * lockfile that will be committed with them (`lock`):
 *
 * - a sealed migration is edited, deleted or renamed (an edit recorded in
 *   `amendments` is allowed);
 * - a sealed line of the lockfile was changed by hand;
 * - a new migration of a version-ordered tool sorts before the newest sealed
 *   one (out of order: environments that already ran the sealed ones would
 *   skip it or apply it out of sequence).
 *
 * @param sealedAt names the commit and date that sealed an entry, for messages
 */
export function checkSealed(sealed: SealedState, sets: readonly SetUnderCheck[], lock: Lockfile | undefined, sealedAt: SealedAt = () => undefined): Finding[] {
  const findings: Finding[] = [];
  const sealedSets = new Map(sealed.lock.sets.map((set) => [set.dir, set]));
  const amended = new Set(lock?.amendments.map((amendment) => `${amendment.file}\0${amendment.from}\0${amendment.to}`) ?? []);
  const isAmended = (file: string, from: string, to: string) => amended.has(`${file}\0sha256:${from}\0sha256:${to}`);

  for (const { dir, discovered } of sets) {
    const sealedSet = sealedSets.get(dir);
    if (!sealedSet) continue;
    const where = (entry: LockEntry) => {
      const at = sealedAt(dir, entry);
      return at ? `sealed in ${sealed.ref} by ${at}` : `sealed in ${sealed.ref}`;
    };
    const current = toLockSet(dir, discovered);
    const currentById = new Map(current.migrations.map((entry) => [entry.id, entry]));
    const currentBySha = new Map(current.migrations.map((entry) => [entry.sha256, entry]));
    const sealedIds = new Set<string>();

    for (const entry of sealedSet.migrations) {
      if (entry.repeatable) continue;
      sealedIds.add(entry.id);
      const path = joinPath(dir, entry.file);
      const now = currentById.get(entry.id);
      if (!now) {
        const moved = currentBySha.get(entry.sha256);
        findings.push(
          moved
            ? {
                code: 'sealed-renamed',
                exitCode: 1,
                set: dir,
                file: joinPath(dir, moved.file),
                message: `${path} is ${where(entry)} and was renamed to ${joinPath(dir, moved.file)}`,
                fix: `rename it back (git mv ${joinPath(dir, moved.file)} ${path}); deployed databases know it by its old name and id`,
              }
            : {
                code: 'sealed-deleted',
                exitCode: 1,
                set: dir,
                file: path,
                message: `${path} is ${where(entry)} and was deleted`,
                fix: `restore it (git checkout ${sealed.ref} -- ${path}); to undo what it did, ${NEW_MIGRATION}`,
              },
        );
        continue;
      }
      if (now.file !== entry.file) {
        findings.push({
          code: 'sealed-renamed',
          exitCode: 1,
          set: dir,
          file: joinPath(dir, now.file),
          message: `${path} is ${where(entry)} and was renamed to ${joinPath(dir, now.file)}`,
          fix: `rename it back (git mv ${joinPath(dir, now.file)} ${path})`,
        });
        continue;
      }
      if (now.sha256 !== entry.sha256 && !isAmended(path, entry.sha256, now.sha256)) {
        findings.push({
          code: 'sealed-edited',
          exitCode: 1,
          set: dir,
          file: path,
          message: `${path} is ${where(entry)}: it has been deployed and must not change`,
          fix: `restore it (git checkout ${sealed.ref} -- ${path}) and ${NEW_MIGRATION}, or, if the change must reach databases that ran the old content, record it with \`guard amend ${path} --reason "..."\``,
        });
      }
    }

    // A sealed line changed in the lockfile that is committed (the files may be fine).
    const lockSet = lock?.sets.find((set) => set.dir === dir);
    if (lockSet) {
      const lockedById = new Map(lockSet.migrations.map((entry) => [entry.id, entry]));
      for (const entry of sealedSet.migrations) {
        if (entry.repeatable) continue;
        const line = lockedById.get(entry.id);
        if (!line || line.file !== entry.file) continue; // deletions and renames are reported above
        if (line.sha256 !== entry.sha256 && !isAmended(joinPath(dir, entry.file), entry.sha256, line.sha256)) {
          const path = joinPath(dir, entry.file);
          if (findings.some((finding) => finding.file === path)) continue;
          findings.push({
            code: 'sealed-line-edited',
            exitCode: 1,
            set: dir,
            file: path,
            message: `the lockfile line of ${path}, ${where(entry)}, was changed`,
            fix: `restore the line from ${sealed.ref} (guard lock does it), and record a sanctioned change with \`guard amend ${path} --reason "..."\``,
          });
        }
      }
    }

    findings.push(...outOfOrder(dir, discovered, sealedIds, sealed.ref));
  }
  return findings;
}

/**
 * New migrations of version-ordered tools must sort after every sealed one.
 * Alembic orders by parents, so a new revision on an old parent shows up as a
 * second head instead.
 */
function outOfOrder(dir: string, discovered: SetUnderCheck['discovered'], sealedIds: Set<string>, ref: string): Finding[] {
  if (discovered.tool === 'alembic') return [];
  const versioned = discovered.migrations.filter((migration) => !migration.repeatable);
  let lastSealed = -1;
  versioned.forEach((migration, index) => {
    if (sealedIds.has(migration.id)) lastSealed = index;
  });
  if (lastSealed === -1) return [];
  const head = versioned[lastSealed]!;
  return versioned.slice(0, lastSealed).flatMap((migration): Finding[] => {
    if (sealedIds.has(migration.id)) return [];
    const path = joinPath(dir, migration.file);
    return [
      {
        code: 'out-of-order',
        exitCode: 1,
        set: dir,
        file: path,
        message: `${path} (version ${migration.id}) sorts before ${joinPath(dir, head.file)} (version ${head.id}), which is already sealed in ${ref}`,
        fix: `give it a version after ${head.id}: \`guard renumber ${path}\` renames it and re-locks`,
      },
    ];
  });
}
