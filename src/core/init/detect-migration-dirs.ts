import { ADAPTERS, detectTool } from '../migrations/adapters.js';
import type { Tool } from '../migrations/types.js';
import { detectAlembicLayout } from './alembic-layout.js';

export interface DetectedSet {
  dir: string;
  tool: Tool;
  /** Migration files found directly in `dir` (and its sub-folders, when `recursive`). */
  files: number;
  /** One Alembic revision graph spread over sub-folders: `recursive: true`. */
  recursive?: true;
  /** Why guard thinks this is a migration dir, for `guard init`'s report. */
  because: string;
}

/** Folders no project keeps its own migrations in. */
const VENDORED = /(?:^|\/)(?:node_modules|\.git|\.venv|venv|env|site-packages|dist|build|target|vendor|\.tox)\//;
/** Folder names that say "migrations" in the tools' own conventions. */
const MIGRATION_DIR = /(?:^|\/)(?:migrations?|versions|migrate|sql|flyway|schema|changes|db)$/i;
/** A Python file that declares an Alembic revision (`revision = '...'`, also annotated). */
const ALEMBIC_REVISION = /^revision\s*(?::\s*\w+\s*)?=\s*[rRuU]?['"]/m;

/**
 * The migration dirs of a repository, from its file list: the Alembic
 * version folders (detectAlembicLayout: what `alembic.ini` and
 * `pyproject.toml` name, one recursive set per revision graph spread over
 * sub-folders), folders of Python files that declare Alembic revisions, and folders named
 * like migration folders that hold `.sql` scripts (Flyway when most are named
 * `V1__x.sql`). Pure: the caller lists the files and reads the few whose
 * content matters.
 *
 * @param paths repository-relative POSIX paths of tracked and untracked files
 * @param contentOf the text of a file, for alembic.ini and candidate `.py` files
 */
export function detectMigrationDirs(paths: readonly string[], contentOf: (path: string) => string | undefined): DetectedSet[] {
  const byDir = new Map<string, string[]>();
  for (const path of paths) {
    if (VENDORED.test(path)) continue;
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '.' : path.slice(0, slash);
    const names = byDir.get(dir) ?? [];
    names.push(path.slice(slash + 1));
    byDir.set(dir, names);
  }
  const alembic = detectAlembicLayout(paths, contentOf);
  const found = new Map<string, DetectedSet>(alembic.sets.map((set) => [set.dir, set]));

  for (const [dir, names] of byDir) {
    if (found.has(dir) || alembic.inside(dir)) continue;
    const python = names.filter((name) => ADAPTERS.alembic.candidate(name));
    const revisions = python.filter((name) => ALEMBIC_REVISION.test(contentOf(dir === '.' ? name : `${dir}/${name}`) ?? ''));
    if (revisions.length > 0 && revisions.length * 2 >= python.length) {
      found.set(dir, { dir, tool: 'alembic', files: revisions.length, because: `${revisions.length} Alembic revision${revisions.length === 1 ? '' : 's'}` });
      continue;
    }
    const sql = names.filter((name) => name.endsWith('.sql'));
    if (sql.length === 0 || !MIGRATION_DIR.test(dir)) continue;
    const tool = detectTool(sql)!;
    found.set(dir, { dir, tool, files: sql.length, because: `${sql.length} .sql file${sql.length === 1 ? '' : 's'} in a folder named like migrations` });
  }
  return [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
}
