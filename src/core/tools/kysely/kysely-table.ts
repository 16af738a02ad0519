import type { AppliedTable } from '../../migrations/applied-table.js';
import { replayNamedRows } from '../../migrations/file-named-set.js';

/** One row of `kysely_migration`. */
export interface KyselyMigrationRow {
  /** The migration's file name without its extension. */
  name: string;
  /** varchar(255): an ISO 8601 time as text, strictly increasing. */
  timestamp: string;
}

/**
 * Kysely's table (kysely 0.29, dist/migration/migrator.js):
 * `kysely_migration (name varchar(255) primary key, timestamp varchar(255))`,
 * one row per migration whose `up` completed; on PostgreSQL the whole
 * `migrateToLatest()` is one transaction, so a failure leaves no row of that
 * run. No checksum and no status. Kysely reads its rows in the order of
 * their `timestamp` (parsed as a date), ties by name (`localeCompare`), and
 * so does guard. `migrationTableName` and `migrationTableSchema` of the
 * Migrator move it.
 */
export const KYSELY_MIGRATION_TABLE: AppliedTable<KyselyMigrationRow> = {
  table: 'kysely_migration',
  renamedBy: ['migrationTableName', 'migrationTableSchema'],
  columns: { id: 'name', other: ['timestamp'] },
  orderBy: 'timestamp',
  noRows: 'nothing applied',
  replay: (rows) => replayKyselyMigrations(rows),
};

/** Pure: the applied names in Kysely's order of its rows. */
export function replayKyselyMigrations(rows: readonly KyselyMigrationRow[]) {
  const at = (row: KyselyMigrationRow) => {
    const time = Date.parse(row.timestamp);
    return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
  };
  const ordered = [...rows].sort((a, b) => at(a) - at(b) || a.name.localeCompare(b.name));
  return replayNamedRows('kysely', ordered.map((row) => row.name));
}
