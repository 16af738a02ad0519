/**
 * The plain data every migration tool adapter produces. Adapters are pure:
 * they get file names and bytes, never touch git or the file system.
 */

export const TOOLS = ['alembic', 'sql', 'flyway'] as const;
export type Tool = (typeof TOOLS)[number];

/** One file of a migration set, as git holds it. */
export interface SourceFile {
  /** Path relative to the set's dir, POSIX separators. */
  path: string;
  bytes: Uint8Array;
}

/** A companion script that undoes a migration (`x.down.sql`, Flyway `U1__x.sql`). */
export interface DownScript {
  file: string;
  sha256: string;
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
  down?: DownScript;
  /** Alembic `branch_labels`. */
  branchLabels?: string[];
  /** Alembic `depends_on`. */
  dependsOn?: string[];
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
  | 'missing-dir'
  | 'empty-dir'
  | 'symlink-escape'
  | 'unreadable';

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
}

/** One tool's rules for finding, identifying and ordering migrations. */
export interface ToolAdapter {
  tool: Tool;
  /** Whether files in sub-folders belong to the set. */
  recursiveByDefault: boolean;
  /** Cheap name test: should this file be read at all? */
  candidate(path: string): boolean;
  discover(files: readonly SourceFile[], options: DiscoverOptions): DiscoveredSet;
}

export interface DiscoverOptions {
  /** SQL naming scheme from the config; detected when absent. */
  naming?: NamingScheme;
}

export const NAMING_SCHEMES = ['sequential', 'timestamp', 'hybrid'] as const;
export type NamingScheme = (typeof NAMING_SCHEMES)[number];
