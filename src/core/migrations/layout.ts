import type { Tool } from './types.js';

/** Folders no project keeps its own migrations in: `guard init` looks past them. */
export const VENDORED = /(?:^|\/)(?:node_modules|\.git|\.venv|venv|env|site-packages|dist|build|target|vendor|\.tox)\//;

/** A migration set `guard init` found, and what it writes into the config for it. */
export interface DetectedSet {
  dir: string;
  tool: Tool;
  /** Migration files found directly in `dir` (and its sub-folders, when `recursive`). */
  files: number;
  /** One Alembic revision graph spread over sub-folders: `recursive: true`. */
  recursive?: true;
  /** Why guard thinks this is a migration dir, for `guard init`'s report. */
  because: string;
  /** What a person should know about this set: folders left out, files that are not migrations. */
  notes?: string[];
  /** Files beside the migrations the tool does not run, relative to `dir`: the set's `exclude:` (README, "Files guard does not read"). */
  exclude?: string[];
  /** The project runs this set's tool out of order (Flyway's `outOfOrder=true`): the set's `outOfOrder: allow`. */
  outOfOrder?: 'allow';
  /** Where the tool's own config moved its table (`schema.name`): the set's `table:`, read by deploy and status. */
  table?: string;
}

/** What `guard init` knows of a repository when it asks a tool for its layout. Pure data and a reader of the few files that matter. */
export interface RepositoryFiles {
  /** Repository-relative POSIX paths of tracked and untracked files. */
  paths: readonly string[];
  /** File names by folder, without vendored folders and those left out (`leftOut`). */
  byDir: ReadonlyMap<string, readonly string[]>;
  /** The text of a file (config files, candidate migrations). */
  contentOf: (path: string) => string | undefined;
  /** Folders not to look in: those of tools guard does not read. */
  leftOut: (dir: string) => boolean;
}

/** The sets one tool recognises in a repository from its own conventions and config files. */
export interface LayoutDiscovery {
  sets: DetectedSet[];
  /** Whether a folder belongs to one of these sets (or was left out on purpose), so no later tool or folder rule takes it. */
  claims: (dir: string) => boolean;
}
