import type { DiscoveredSet, Problem } from './types.js';

/**
 * The scheme applies to new migrations: a migration whose name breaks it but
 * that `locked` already holds (committed before the scheme was chosen, or
 * before guard was adopted, like `00_init_auth_schema.up.sql` among
 * timestamps) is accepted, its `naming` problem moved to the warnings. A
 * misnamed file that is not a migration (no version) stays a problem: it
 * cannot be locked.
 *
 * @param locked file names (relative to the set's dir) the trusted lockfile holds for this set
 */
export function acceptLockedNames(discovered: DiscoveredSet, locked: ReadonlySet<string>): DiscoveredSet {
  const legacy = legacyNamingProblems(discovered, locked);
  if (legacy.length === 0) return discovered;
  const moved = new Set(legacy);
  return {
    ...discovered,
    problems: discovered.problems.filter((problem) => !moved.has(problem)),
    warnings: [
      ...(discovered.warnings ?? []),
      ...legacy.map((problem) => ({
        ...problem,
        message: `${problem.message}; it was locked before, so it keeps its name (the scheme applies to new migrations)`,
        fix: `nothing to do: renaming a deployed migration would make the tool run it again${problem.fix.includes('versions: numbers') ? '; if the tool reads versions as numbers (golang-migrate, dbmate), `versions: numbers` for the set stops this warning' : ''}`,
      })),
    ],
  };
}

/** The `naming` problems of migrations (files with a version, and their down scripts) that `locked` holds. */
export function legacyNamingProblems(discovered: DiscoveredSet, locked: Pick<ReadonlySet<string>, 'has'>): Problem[] {
  if (!discovered.problems.some((problem) => problem.code === 'naming')) return [];
  const migrations = new Set(discovered.migrations.map((migration) => migration.file));
  for (const migration of discovered.migrations) if (migration.down) migrations.add(migration.down.file);
  return discovered.problems.filter((problem) => problem.code === 'naming' && problem.file !== undefined && migrations.has(problem.file) && locked.has(problem.file));
}

/** The `naming` problems of migrations (files with a version) that `known` does not hold: new misnamed migrations. */
export function newMisnamedMigrations(discovered: DiscoveredSet, known: ReadonlySet<string>): Problem[] {
  return legacyNamingProblems(discovered, { has: (file) => !known.has(file) });
}

/** Every file (migrations and their down scripts) a lockfile set holds, for acceptLockedNames. */
export function lockedFiles(set: { migrations: readonly { file: string; down?: string | undefined }[] } | undefined): Set<string> {
  const files = new Set<string>();
  for (const entry of set?.migrations ?? []) {
    files.add(entry.file);
    if (entry.down !== undefined) files.add(entry.down);
  }
  return files;
}
