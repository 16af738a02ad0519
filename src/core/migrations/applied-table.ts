import type { Tool } from './types.js';

/**
 * The table a migration tool keeps in the database to know what it applied
 * (`alembic_version`, `flyway_schema_history`, guard's own
 * `guard.sql_migrations`), described as data: one generic reader in the
 * shell (src/shell/postgres/applied-state.ts) selects the columns named
 * here and hands the rows, keyed by those column names, to `replay`, which
 * says what they mean. Deploy step 4 (target integrity), step 7 (the heads
 * reached) and `guard status` read every tool's table this way
 * (docs/ADDING-A-TOOL.md).
 */
export interface AppliedTable<Row extends object = AppliedRow> {
  /** The table's name when the project does not rename it. */
  table: string;
  /** Its schema; absent: the first schema of the connection's search_path that has it, as the tool itself resolves it. */
  schema?: string;
  /** The project settings that rename the table or move it, as the tool's documentation names them (for the guide and messages). */
  renamedBy?: readonly string[];
  /** What each column holds; the reader selects exactly these. */
  columns: AppliedColumns;
  /** The column that gives the order rows were written in; absent: the order does not matter (Alembic's one row per head). */
  orderBy?: string;
  /** The column naming the migration set, when one table holds the rows of several sets (`guard.sql_migrations`); the reader keeps that set's rows. */
  setColumn?: string;
  /**
   * What a table without a row of the set means: `nothing applied` (the
   * tool never ran here), or `not the record` (the tool keeps its record
   * elsewhere then: guard's ledger for plain SQL the project's own runner
   * applied).
   */
  noRows: 'nothing applied' | 'not the record';
  /** Pure: the applied state the rows describe, in `orderBy` order. */
  replay(rows: readonly Row[]): AppliedTableState;
}

/**
 * Column names of the table by what they hold. `id` is required; the others
 * are named when the table has them, so the reader can select them and a
 * reader of the description knows where to look.
 */
export interface AppliedColumns {
  /** The migration's id or version (`version_num`, `version`, `id`). */
  id: string;
  /** The content checksum the tool recorded (Flyway's CRC32 `checksum`, guard's `sha256`). */
  checksum?: string;
  /** When it was applied; read as ISO 8601 text. */
  appliedAt?: string;
  /** Whether the attempt succeeded (Flyway's `success`). */
  success?: string;
  /** The attempt's state where the tool records more than success (guard's `status`: applied, recorded, failed, running). */
  status?: string;
  /** Further columns `replay` reads (Flyway's `installed_rank`, `type`, `script`; guard's `file`, `error`). */
  other?: readonly string[];
}

/** One row, keyed by column name. */
export type AppliedRow = Record<string, unknown>;

/**
 * What a tool's table says, as deploy and status judge it. Compatible with
 * `AppliedState` of src/core/deploy/types.ts, which adds nothing the reader
 * must fill.
 */
export interface AppliedTableState {
  tool: Tool;
  /** Applied heads; empty for a database the tool never migrated. */
  heads: string[];
  /** Applied versions in apply order, where the table records them; undefined for Alembic, whose table holds only the heads. */
  applied?: string[];
  /** Where it was read, for messages; the reader sets it. */
  table?: string;
  /** The content of each applied migration, where the table keeps it per migration (guard's runner). */
  appliedContent?: Array<{ id: string; file: string; sha256: string }>;
  /**
   * The tool's own SHA-256 (hex) of each applied migration's file, where its
   * table keeps one (Prisma's `checksum`, Drizzle's `hash`): compared with the
   * lockfile's, so a migration edited after it ran, or run by hand with other
   * content, is named even when guard's ledger never saw it run.
   */
  toolChecksums?: ToolChecksum[];
  /**
   * Migrations whose last attempt failed or never finished (guard's runner
   * outside a transaction; Prisma's rows without `finished_at`): part of each
   * may be applied. `runner` and `fix` when the tool has its own way out.
   */
  unfinished?: Array<{ id: string; file: string; status: 'failed' | 'running'; error?: string; line?: number; at: string; runner?: string; fix?: string }>;
}

/** An applied migration's SHA-256 (hex) as the tool recorded it; step 4 compares it with the lockfile's. */
export interface ToolChecksum {
  id: string;
  sha256: string;
  /** The file the tool ran, relative to the set's dir, where the table names it (Prisma); else the lockfile's. */
  file?: string;
}

/** Every column of a description, in the order the reader selects them (no name twice). */
export function appliedColumns(description: Pick<AppliedTable, 'columns' | 'orderBy'>): string[] {
  const { id, checksum, appliedAt, success, status, other = [] } = description.columns;
  const names = [id, checksum, appliedAt, success, status, ...other, description.orderBy].filter((name): name is string => name !== undefined);
  return [...new Set(names)];
}
