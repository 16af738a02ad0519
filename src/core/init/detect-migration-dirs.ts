import { MIGRATION_TOOLS, detectTool } from '../tools/registry.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery } from '../migrations/layout.js';

export type { DetectedSet } from '../migrations/layout.js';

/** Folder names that say "migrations" in the tools' own conventions. */
const MIGRATION_DIR = /(?:^|\/)(?:migrations?|versions|migrate|sql|flyway|schema|changes|db)$/i;
/** A folder inside one named `migrations`: supabase-style sets (`migrations/tenant/0001-x.sql`). */
const INSIDE_MIGRATIONS = /(?:^|\/)migrations\//i;

/**
 * The migration dirs of a repository, from its file list: the sets each
 * tool's conventions name (its `detectLayout`, in the registry's order:
 * Flyway's configured and default locations, the Alembic version folders
 * `alembic.ini` and `pyproject.toml` name), folders a tool recognises by
 * their files (its `recogniseFolder`: Python files that declare Alembic
 * revisions), and folders named like migration folders that hold `.sql`
 * scripts (Flyway when most are named `V1__x.sql`). Pure: the caller lists
 * the files and reads the few whose content matters.
 *
 * @param paths repository-relative POSIX paths of tracked and untracked files
 * @param contentOf the text of a file, for alembic.ini and candidate `.py` files
 * @param leftOut folders not to look in (those of tools guard does not read, see detectUnsupportedMigrations)
 */
export function detectMigrationDirs(paths: readonly string[], contentOf: (path: string) => string | undefined, leftOut: (dir: string) => boolean = () => false): DetectedSet[] {
  const byDir = new Map<string, string[]>();
  for (const path of paths) {
    if (VENDORED.test(path)) continue;
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '.' : path.slice(0, slash);
    if (leftOut(dir)) continue;
    const names = byDir.get(dir) ?? [];
    names.push(path.slice(slash + 1));
    byDir.set(dir, names);
  }
  const found = new Map<string, DetectedSet>();
  // Each tool's own conventions first, in the registry's order: a folder one tool claims is no other's.
  const layouts: LayoutDiscovery[] = [];
  const claimed = (dir: string) => layouts.some((layout) => layout.claims(dir));
  for (const tool of MIGRATION_TOOLS) {
    if (!tool.detectLayout) continue;
    const layout = tool.detectLayout({ paths, byDir, contentOf, leftOut });
    for (const set of layout.sets) if (!found.has(set.dir) && !claimed(set.dir)) found.set(set.dir, set);
    layouts.push(layout);
  }

  for (const [dir, names] of byDir) {
    if (found.has(dir) || claimed(dir)) continue;
    const recognised = MIGRATION_TOOLS.map((tool) => tool.recogniseFolder?.(dir, names, contentOf)).find((set) => set !== undefined);
    if (recognised) {
      found.set(dir, recognised);
      continue;
    }
    const sql = names.filter((name) => name.endsWith('.sql'));
    if (sql.length === 0 || !(MIGRATION_DIR.test(dir) || INSIDE_MIGRATIONS.test(`${dir}/`))) continue;
    const tool = detectTool(sql)!;
    found.set(dir, { dir, tool, files: sql.length, because: `${sql.length} .sql file${sql.length === 1 ? '' : 's'} in a folder named like migrations` });
  }
  return [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

