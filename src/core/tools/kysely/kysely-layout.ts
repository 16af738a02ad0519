import { movedTable, readConfigPath, valuesOfKey } from '../../migrations/config-text.js';
import { folderOf, nearestAbove, resolveInRepository } from '../../paths.js';
import { countFileNamed, type FileNamedRules } from '../../migrations/file-named-set.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';

/** Scripts that may set a Migrator up, read only when their path says so: a project's migrate script, its db module, kysely-ctl's config. */
const SCRIPT = /(?:migrat|kysely|(?:^|[/._-])db(?:[/._-]|$)|database)[^/]*(?:\/[^/]*)?\.(?:[mc]?[jt]s)$/i;

/**
 * `guard init`'s Kysely sets: the `migrationFolder` of each
 * `FileMigrationProvider` (or kysely-ctl config) the project's scripts set
 * up, read as text: `path.join(__dirname, 'migrations')` and
 * `new URL('./migrations', import.meta.url)` are relative to the script, a
 * plain string to the folder the script runs in (its package's). A script
 * that sets `allowUnorderedMigrations: true` makes the set's `outOfOrder:
 * allow`. A folder written as code is not followed: a `migrations` folder of
 * Kysely migrations is then still found by its files (recogniseFolder).
 */
export function detectKyselySets({ paths, byDir, contentOf, leftOut }: RepositoryFiles, rules: FileNamedRules): LayoutDiscovery {
  const packages = new Set(paths.filter((path) => /(?:^|\/)package\.json$/.test(path) && !VENDORED.test(path)).map(folderOf));
  const sets = new Map<string, DetectedSet>();
  for (const script of paths) {
    if (VENDORED.test(script) || /\.d\.[mc]?ts$/.test(script) || !SCRIPT.test(script)) continue;
    const text = contentOf(script) ?? '';
    if (!/\bmigrationFolder\b/.test(text)) continue;
    const unordered = /\ballowUnorderedMigrations\s*:\s*true\b/.test(text);
    const moved = movedTable([text], { table: 'migrationTableName', schema: 'migrationTableSchema' }, 'kysely_migration');
    for (const expression of valuesOfKey(text, 'migrationFolder').flat()) {
      const read = readConfigPath(expression);
      const dir = read && resolveInRepository(read.from === 'file' ? folderOf(script) : nearestAbove(folderOf(script), packages), read.path);
      if (dir === undefined || sets.has(dir) || leftOut(dir)) continue;
      const files = countFileNamed(rules, byDir, dir);
      if (files === 0) continue;
      sets.set(dir, {
        dir,
        tool: 'kysely',
        files,
        because: `${files} Kysely migration${files === 1 ? '' : 's'}, migrationFolder in ${script}${unordered ? ' (allowUnorderedMigrations)' : ''}`,
        ...(unordered ? { outOfOrder: 'allow' as const } : {}),
        ...(moved?.table ? { table: moved.table } : {}),
        ...(moved?.unread ? { notes: [`${script} moves Kysely's table with ${moved.unread} written as code: write the table the Migrator uses as the set's \`table: schema.name\` in guard.config.yaml, or guard deploy and guard status read kysely_migration`] } : {}),
      });
    }
  }
  return { sets: [...sets.values()], claims: (dir) => sets.has(dir) };
}
