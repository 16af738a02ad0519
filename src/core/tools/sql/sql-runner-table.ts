import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';

/** One row of guard.sql_migrations as the reader selects it. */
export interface SqlRunnerRecord {
  id: string;
  file: string;
  sha256: string;
  status: 'applied' | 'failed' | 'running' | 'recorded';
  transactional: boolean;
  error: string | null;
  error_line: number | null;
  /** ISO 8601. */
  started_at: string;
}

/** What guard.sql_migrations says of one set. */
export interface SqlRunnerState extends AppliedTableState {
  tool: 'sql';
  applied: string[];
  /** The applied migrations with the checksums the runner checked. */
  migrations: Array<{ id: string; file: string; sha256: string }>;
}

/**
 * `guard.sql_migrations`, which guard's own runner keeps in the target
 * database for plain SQL (src/shell/postgres/sql-runner.ts): one row per
 * attempt, in `rank` order, for every set it ran. A set it never ran there
 * has no row, and its record is then guard's ledger (`guard.deployments`):
 * the project's own runner applied it.
 */
export const SQL_RUNNER_TABLE: AppliedTable<SqlRunnerRecord> = {
  table: 'sql_migrations',
  schema: 'guard',
  columns: { id: 'id', checksum: 'sha256', appliedAt: 'started_at', status: 'status', other: ['file', 'transactional', 'error', 'error_line'] },
  orderBy: 'rank',
  setColumn: 'migration_set',
  noRows: 'not the record',
  replay: (rows) => replaySqlRunnerRecords(rows),
};

/**
 * Pure: the state guard.sql_migrations describes. Each id's last attempt
 * decides: `applied` or `recorded` counts as applied (in the order of those
 * attempts), a `failed` or `running` one outside a transaction is
 * unfinished, a failed transactional one left nothing.
 */
export function replaySqlRunnerRecords(rows: readonly SqlRunnerRecord[]): SqlRunnerState {
  const last = new Map<string, SqlRunnerRecord>();
  for (const row of rows) {
    last.delete(row.id);
    last.set(row.id, row);
  }
  const applied = [...last.values()].filter((row) => row.status === 'applied' || row.status === 'recorded');
  const migrations = applied.map((row) => ({ id: row.id, file: row.file, sha256: row.sha256 }));
  return {
    tool: 'sql',
    heads: applied.length > 0 ? [applied.at(-1)!.id] : [],
    applied: applied.map((row) => row.id),
    migrations,
    appliedContent: migrations,
    unfinished: [...last.values()]
      .filter((row) => !row.transactional && (row.status === 'failed' || row.status === 'running'))
      .map((row) => ({
        id: row.id,
        file: row.file,
        status: row.status as 'failed' | 'running',
        ...(row.error !== null ? { error: row.error } : {}),
        ...(row.error_line !== null ? { line: row.error_line } : {}),
        at: row.started_at,
      })),
    table: 'guard.sql_migrations',
  };
}
