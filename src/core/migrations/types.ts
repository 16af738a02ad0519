/**
 * The plain data every migration tool adapter produces. Adapters are pure:
 * they get file names and bytes, never touch git or the file system.
 */

export const TOOLS = ['alembic', 'sql', 'flyway', 'prisma', 'drizzle', 'typeorm', 'knex', 'sequelize', 'kysely', 'node-pg-migrate'] as const;
export type Tool = (typeof TOOLS)[number];

/** One file of a migration set, as git holds it. */
export interface SourceFile {
  /** Path relative to the set's dir, POSIX separators. */
  path: string;
  /** Content; may be left out when `reading` is given. */
  bytes?: Uint8Array;
  /** The adapter's reading of this file, when a cache already holds it. */
  reading?: FileReading;
}

/**
 * What one file yields on its own: a pure function of its path and bytes, so
 * the shell may keep it in a cache keyed by path and git blob id and spare
 * the read, the checksum and the parse on the next run.
 */
export interface FileReading {
  /** Content checksum (`sha256-lf/1`). */
  sha256: string;
  /** Why the file cannot be used (binary, not UTF-8, unreadable header). */
  problem?: Problem;
  /** The migration the file declares, for tools whose files declare their own id (Alembic). */
  migration?: Migration;
  /** The migrations an index file lists, in the order the tool runs them (Drizzle's `meta/_journal.json`). */
  index?: IndexEntry[];
}

/** One migration an index file lists: its id and the file the tool runs for it. */
export interface IndexEntry {
  id: string;
  /** Relative to the set's dir. */
  file: string;
  /** 1-based line of the entry in the index file, for messages. */
  line?: number;
}

/** A companion script that undoes a migration (`x.down.sql`, Flyway `U1__x.sql`). */
export interface DownScript {
  file: string;
  sha256: string;
  /** Semantic checksum, as Migration's. */
  semantic?: string;
}

export interface Migration {
  /** Alembic revision, SQL/Flyway version, or the repeatable script's name. */
  id: string;
  /** Relative to the set's dir. */
  file: string;
  /** Alembic down revisions; empty for tools that order by version. */
  parents: string[];
  /** Content checksum (`sha256-lf/1`) of `file`. */
  sha256: string;
  /** Semantic checksum of `file`, attached by the shell for sets under `cosmetic: allow` (not read by the adapters). */
  semantic?: string;
  down?: DownScript;
  /** Alembic `branch_labels`. */
  branchLabels?: string[];
  /** Alembic `depends_on`. */
  dependsOn?: string[];
  /** Alembic `branch_labels` written as a name guard cannot read (not written to the lockfile). */
  labelsUnread?: true;
  /** Flyway `R__` scripts: re-applied when they change, never sealed. */
  repeatable?: boolean;
  /** Line that declares the id, for messages (not written to the lockfile). */
  line?: number;
}

export type ProblemCode =
  | 'binary-file'
  | 'not-utf8'
  | 'unparseable'
  | 'duplicate-id'
  | 'dangling-parent'
  | 'unknown-dependency'
  | 'cycle'
  | 'naming'
  | 'orphan-down'
  | 'multiple-heads'
  | 'duplicate-branch-label'
  /** An Alembic `branch_labels` / `depends_on` that names a constant guard cannot resolve without running Python. */
  | 'unresolved-name'
  | 'missing-dir'
  | 'empty-dir'
  | 'symlink-escape'
  | 'unreadable'
  /** Zero-padding of versions differs between files (`0002-` and `00010-`): ordered by number, as the tools do. */
  | 'padding'
  /** A file that looks like a migration of the set's tool, in a sub-folder guard (and the tool) does not read. */
  | 'not-read'
  /** An `exclude:` pattern that hides a file the tool runs as a migration. */
  | 'excluded-migration'
  /** A folder at the top of a set whose name the tool loads as a migration (Knex, Sequelize, Kysely `require` it: its index.js runs). */
  | 'migration-folder'
  /** An `exclude:` pattern that matches no file (a typo leaves the helper it meant reported). */
  | 'exclude-unused'
  /** Prisma's `migration_lock.toml` names a provider other than PostgreSQL. */
  | 'provider'
  /** A tool's index file and the migration files disagree (Drizzle: a `.sql` file its journal does not list, an entry without its file). */
  | 'index-mismatch'
  /** An index file lists migrations in an order the tool would not run them all in (Drizzle: a `when` not after the one before). */
  | 'index-order';

/**
 * Something wrong with the migration files themselves. `exitCode` 2 marks
 * input guard cannot read; 1 a rule the files break.
 */
export interface Problem {
  code: ProblemCode;
  exitCode: 1 | 2;
  /** Relative to the set's dir. */
  file?: string;
  line?: number;
  message: string;
  fix: string;
  /**
   * `duplicate-id` of a version-ordered tool: the migration kept in the order
   * and the one left out for sharing its version, so a caller that knows
   * which of the two is already locked can keep that one instead (never
   * printed).
   */
  duplicate?: { kept: Migration; leftOut: Migration };
}

export interface DiscoveredSet {
  tool: Tool;
  /** Apply order: parents before children, then by id. */
  migrations: Migration[];
  /** Ids nothing else builds on. */
  heads: string[];
  bases: string[];
  /** Alembic merge revisions (several parents). */
  mergePoints: string[];
  /** Alembic branch label -> revision that declares it. */
  branchLabels: Record<string, string>;
  problems: Problem[];
  /** Files in the dir that are not migrations of this tool (README, __init__.py, ...). */
  ignored: string[];
  /**
   * Reported, never refused: a name that breaks the scheme but was locked
   * before it (acceptLockedNames), differing zero-padding, files guard does
   * not read, an Alembic label written as a name guard cannot resolve.
   * Absent when there are none.
   */
  warnings?: Problem[];
  /** Files the config's `exclude:` leaves out of the set (relative to its dir). */
  excluded?: string[];
}

/** One tool's rules for finding, identifying and ordering migrations. */
export interface ToolAdapter {
  tool: Tool;
  /** Whether files in sub-folders belong to the set. */
  recursiveByDefault: boolean;
  /** Cheap name test: should this file be read at all? */
  candidate(path: string): boolean;
  /** Reads one candidate file (see FileReading). */
  readFile(path: string, bytes: Uint8Array, options?: DiscoverOptions): FileReading;
  /** The whole set: ids, apply order, heads, and the problems across files. */
  discover(files: readonly SourceFile[], options?: DiscoverOptions): DiscoveredSet;
}

export interface DiscoverOptions {
  /** SQL naming scheme from the config; detected when absent. */
  naming?: NamingScheme;
  /**
   * Whether a timestamp (or hybrid) version must be a real date and time
   * (`dates`, the default) or is only a number, as golang-migrate and dbmate
   * read it (`numbers`: 20230322519590, "hour 51", is a version like any other).
   */
  versions?: VersionReading;
  /** How messages show a set-relative path; the shell passes the repository path. */
  display?: (path: string) => string;
}

/** Path display of `options`, identity by default. */
export function displayOf(options: DiscoverOptions | undefined): (path: string) => string {
  return options?.display ?? ((path) => path);
}

/** A file's reading: the one the cache gave, or a fresh one from its bytes. */
export function readingOf(adapter: Pick<ToolAdapter, 'readFile'>, file: SourceFile, options?: DiscoverOptions): FileReading {
  if (file.reading) return file.reading;
  if (!file.bytes) throw new Error(`no content and no reading for ${file.path}`);
  return adapter.readFile(file.path, file.bytes, options);
}

export const NAMING_SCHEMES = ['sequential', 'timestamp', 'hybrid'] as const;
export type NamingScheme = (typeof NAMING_SCHEMES)[number];

export const VERSION_READINGS = ['dates', 'numbers'] as const;
export type VersionReading = (typeof VERSION_READINGS)[number];
