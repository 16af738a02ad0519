import { duplicateVersion } from '../migrations/version-order.js';
import type { Migration, Problem } from '../migrations/types.js';
import { joinPath } from '../paths.js';
import type { SetUnderCheck } from '../findings/findings.js';
import type { Lockfile } from './types.js';

/**
 * Two migrations of a version-ordered set share a version (a new `005_a.sql`
 * beside the deployed `005_t5.sql`): discovery keeps the one whose name sorts
 * first and reports the other. When the one left out is the one a lockfile
 * already records (sealed or locked) and the kept one is not, this swaps
 * them, so the order holds the deployed migration and the fix renames the
 * new one. Pure: the sets as discovered and the lockfiles in, new sets out.
 *
 * @param locks the lockfiles that vouch for a migration, most trusted first
 *   (the protected ref's, then the one being committed); the first that
 *   records one of the two and not the other decides
 */
export function preferLockedDuplicates(sets: readonly SetUnderCheck[], ...locks: readonly (Lockfile | undefined)[]): SetUnderCheck[] {
  return sets.map((set) => {
    const { dir, discovered } = set;
    if (!discovered.problems.some((problem) => problem.duplicate)) return set;
    // The most trusted lockfile that tells the two apart decides: a sealed
    // migration wins over one only a branch's lockfile records.
    const vouchers = locks.map(
      (lock) => new Set(lock?.sets.find((candidate) => candidate.dir === dir)?.migrations.map((entry) => `${entry.id}\0${entry.file}`) ?? []),
    );
    const prefersLeftOut = (kept: Migration, leftOut: Migration) => {
      for (const locked of vouchers) {
        const keptLocked = locked.has(`${kept.id}\0${kept.file}`);
        if (keptLocked !== locked.has(`${leftOut.id}\0${leftOut.file}`)) return !keptLocked;
      }
      return false;
    };
    const migrations = [...discovered.migrations];
    const problems = discovered.problems.map((problem): Problem => {
      const at = problem.duplicate ? migrations.indexOf(problem.duplicate.kept) : -1;
      if (at === -1) return problem;
      const { kept, leftOut } = problem.duplicate!;
      if (!prefersLeftOut(kept, leftOut)) return problem;
      migrations[at] = leftOut;
      return duplicateVersion(leftOut, kept, (file) => joinPath(dir, file));
    });
    return { ...set, discovered: { ...discovered, migrations, problems } };
  });
}
