import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';
import { comparePgmFileNames } from './pgm-order.js';

/** One row of `pgmigrations` as the reader selects it. */
export interface PgmMigrationRecord {
  /** SERIAL: the order rows were written in. */
  id: number;
  /** The migration's file name without extension. */
  name: string;
}

/**
 * node-pg-migrate's table, as `ensureMigrationsTable` (src/runner.ts)
 * creates it: `"public"."pgmigrations" (id SERIAL PRIMARY KEY, name
 * varchar(255) NOT NULL, run_on timestamp NOT NULL)`. A migration's row is
 * the last statement of its run (`INSERT ... (name, run_on) VALUES ('<name>',
 * NOW())`), in the same transaction as its SQL unless it calls
 * `pgm.noTransaction()`: a failed migration leaves no row, and there is no
 * checksum and no status. The tool reads the rows `ORDER BY run_on, id`; one
 * run's rows share `run_on` (the transaction's start), so `id` is the same
 * order, and the order rows were written in even when a clock went back.
 * `--migrations-table` and `--migrations-schema` (default: the first
 * `--schema`, default `public`) move it.
 */
export const PGM_MIGRATIONS_TABLE: AppliedTable<PgmMigrationRecord> = {
  table: 'pgmigrations',
  schema: 'public',
  renamedBy: ['--migrations-table', '--migrations-schema', '--schema'],
  columns: { id: 'name' },
  orderBy: 'id',
  noRows: 'nothing applied',
  replay: (rows) => replayPgmMigrations(rows),
};

/**
 * Pure: the applied migrations in the order their rows were written, each
 * once (a name recorded twice, as two files of one name make it, counts
 * once); the head is the last of them in node-pg-migrate's order.
 */
export function replayPgmMigrations(rows: readonly PgmMigrationRecord[]): AppliedTableState {
  const applied = [...new Set(rows.map((row) => row.name))];
  const head = [...applied].sort(comparePgmFileNames).at(-1);
  return { tool: 'node-pg-migrate', heads: head === undefined ? [] : [head], applied };
}
