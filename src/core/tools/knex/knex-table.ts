import type { AppliedTable } from '../../migrations/applied-table.js';
import { replayNamedRows } from '../../migrations/file-named-set.js';

/** One row of `knex_migrations` as the reader selects it. */
export interface KnexMigrationRow {
  /** The migration's file name, with its extension. */
  name: string;
  /** SERIAL: the order rows were written in. */
  id: number;
  /** ISO 8601 text. */
  migration_time: string | null;
}

/**
 * Knex's table (knex 3, lib/migrations/migrate/table-creator.js):
 * `knex_migrations (id serial primary key, name varchar(255), batch
 * integer, migration_time timestamptz)`, one row per migration whose `up`
 * completed, inserted in the migration's transaction (a failed one leaves no
 * row; by default a whole `migrate:latest` batch is one transaction). No
 * checksum and no status: an edit after apply is caught by guard's ledger.
 * `migrations.tableName` (which also renames the `_lock` table) and
 * `migrations.schemaName` of the knexfile move it.
 */
export const KNEX_MIGRATIONS_TABLE: AppliedTable<KnexMigrationRow> = {
  table: 'knex_migrations',
  renamedBy: ['migrations.tableName', 'migrations.schemaName'],
  columns: { id: 'name', appliedAt: 'migration_time' },
  orderBy: 'id',
  noRows: 'nothing applied',
  replay: (rows) => replayNamedRows('knex', rows.map((row) => row.name)),
};
