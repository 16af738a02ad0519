import type { AppliedTable } from '../../migrations/applied-table.js';
import { replayNamedRows } from '../../migrations/file-named-set.js';
import { compareText } from '../../migrations/version-order.js';

/** One row of `"SequelizeMeta"`: its only column. */
export interface SequelizeMetaRow {
  /** The migration's file name, with its extension. */
  name: string;
}

/**
 * sequelize-cli's table (umzug 2.3.0's SequelizeStorage, as the CLI
 * configures it): `"SequelizeMeta" (name varchar(255) primary key)`, one
 * row per migration whose `up` resolved, and nothing else: no apply order,
 * no time (unless `migrationTimestamps`), no checksum, no status. Migrations
 * run without a transaction around them, so a failed one leaves no row but
 * may leave part of its work. With no order to read, the applied names are
 * taken in the tool's own order (file names, code units): deploy step 4
 * checks which migrations are applied, not in which order. The config
 * env's `migrationStorageTableName` and `migrationStorageTableSchema` move
 * it; `migrationStorage: json` keeps the record in a file instead.
 */
export const SEQUELIZE_META_TABLE: AppliedTable<SequelizeMetaRow> = {
  table: 'SequelizeMeta',
  renamedBy: ['migrationStorageTableName', 'migrationStorageTableSchema'],
  columns: { id: 'name' },
  noRows: 'nothing applied',
  replay: (rows) => replayNamedRows('sequelize', rows.map((row) => row.name).sort(compareText)),
};
