import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';
import { typeormTimestamp } from './typeorm-adapter.js';

/** One row of TypeORM's `migrations` table as the reader selects it. */
export interface TypeormRecord {
  /** The migration's name (its `name` property, else its class name). */
  name: string;
  /** SERIAL: the order rows were written in. */
  id: number;
}

/**
 * TypeORM's table for PostgreSQL, as MigrationExecutor's
 * `createMigrationsTableIfNotExist` creates it: `migrations (id SERIAL
 * PRIMARY KEY, timestamp bigint NOT NULL, name varchar NOT NULL)`.
 * `migration:run` inserts a row after a migration's `up` succeeded, and
 * reads them back by `id`; a failed migration leaves no row (in the default
 * transaction mode `all`, no row of the whole run), and there is no
 * checksum or status column. The DataSource's `migrationsTableName` renames
 * it and its `schema` moves it; guard reads `migrations` in the search path.
 */
export const TYPEORM_MIGRATIONS_TABLE: AppliedTable<TypeormRecord> = {
  table: 'migrations',
  renamedBy: ['migrationsTableName', 'schema'],
  columns: { id: 'name' },
  orderBy: 'id',
  noRows: 'nothing applied',
  replay: (rows) => replayTypeormMigrations(rows),
};

/**
 * Pure: the applied names in the order TypeORM wrote them (a name written
 * twice, by hand, counts once); the head is the applied name with the
 * highest timestamp, the last one TypeORM's order reaches (the newest row
 * among equal timestamps).
 */
export function replayTypeormMigrations(rows: readonly TypeormRecord[]): AppliedTableState {
  const applied = [...new Set(rows.map((row) => row.name))];
  let head: { name: string; timestamp: number } | undefined;
  for (const name of applied) {
    const timestamp = typeormTimestamp(name);
    if (timestamp !== undefined && (head === undefined || timestamp >= head.timestamp)) head = { name, timestamp };
  }
  return { tool: 'typeorm', heads: head ? [head.name] : [], applied };
}
