import type { AppliedTable } from './applied-table.js';
import type { DetectedSet, LayoutDiscovery, RepositoryFiles } from './layout.js';
import type { FileReading, Tool, ToolAdapter } from './types.js';

/** Keys of a set in guard.config.yaml that only some tools read. */
export const TOOL_SET_KEYS = ['naming', 'versions', 'outOfOrder', 'cosmetic'] as const;
export type ToolSetKey = (typeof TOOL_SET_KEYS)[number];

/**
 * Everything guard knows about one migration tool, exported by the tool's
 * folder (`core/tools/<tool>/<tool>-tool.ts`) and listed once in
 * `core/tools/registry.ts`. docs/ADDING-A-TOOL.md says how to write one.
 */
export interface MigrationTool {
  /** The name in guard.config.yaml (`tool:`) and the lockfile. */
  name: Tool;
  /** How to read a file (id, parents or version, down script) and order a set, with its naming rules. */
  adapter: ToolAdapter;
  /** Who runs these migrations, in messages: `Alembic`, `Flyway`, `a migration runner`. */
  runner: string;
  /** One migration of the tool, with its article, in messages: `an Alembic revision`. */
  aMigration: string;
  /** The sets of this tool in config messages: `plain SQL` (`applies to plain SQL sets only`). */
  setsLabel: string;
  /**
   * Whether the tool would run `path` (set-relative) as a migration, so an
   * `exclude:` may not hide it. `reading` is the file's reading when it was
   * read (Alembic declares its revisions inside the file).
   */
  runsAsMigration(path: string, reading: FileReading | undefined): boolean;
  /**
   * Whether `path` (set-relative, in a sub-folder) lies in a folder at the
   * top of the set that the tool loads as one migration: Knex and umzug
   * `require` every name of a loaded extension, and `require` of a folder
   * runs its `index.js`. guard refuses such a folder, since it cannot lock
   * what it runs.
   */
  runsFolder?: (path: string) => boolean;
  /**
   * Set-relative files the tool reads to decide what it runs or where
   * (Drizzle's `meta/_journal.json`, Prisma's `migration_lock.toml`): an
   * `exclude:` may not hide them either.
   */
  controlFiles?: readonly string[];
  /** The tool-specific set keys it reads (TOOL_SET_KEYS); the config refuses the others on its sets. */
  setKeys: readonly ToolSetKey[];
  /** Why the tool has no use for a key it does not read, added to the config's refusal. */
  whyNot?: Partial<Record<ToolSetKey, string>>;
  /** The table it keeps in the database, read by deploy and status. */
  appliedTable: AppliedTable<object>;
  /** `guard init`: the sets the tool's own conventions and config files name; absent: only folder names find them. */
  detectLayout?: (repository: RepositoryFiles) => LayoutDiscovery;
  /**
   * `guard init`, for a folder no layout claimed: a set when its files are
   * the tool's (`names` are the folder's file names). Folders named like
   * migration folders that hold `.sql` files need none: init reads them as
   * Flyway or plain SQL by their names (`detectTool`).
   */
  recogniseFolder?: (dir: string, names: readonly string[], contentOf: (path: string) => string | undefined) => DetectedSet | undefined;
}
