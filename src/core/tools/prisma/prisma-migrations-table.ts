import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';
import { comparePrismaNames } from './prisma-adapter.js';

/**
 * One row of `_prisma_migrations` as the reader selects it. Prisma creates
 * the table (prisma-engines, sql-schema-connector's PostgreSQL flavour) as
 * `id VARCHAR(36)` (a random UUID per attempt), `checksum VARCHAR(64)`,
 * `finished_at TIMESTAMPTZ`, `migration_name VARCHAR(255)`, `logs TEXT`,
 * `rolled_back_at TIMESTAMPTZ`, `started_at TIMESTAMPTZ DEFAULT now()` and
 * `applied_steps_count INTEGER`.
 */
export interface PrismaMigrationRecord {
  migration_name: string;
  /** SHA-256 of migration.sql as Prisma read it, 64 lower-case hex digits (older engines wrote bytes without zero padding). */
  checksum: string;
  /** ISO 8601 text (the reader's applied-at column). */
  started_at: string;
  /** Null while the script runs, and after it failed. */
  finished_at: unknown;
  /** Set by `prisma migrate resolve --rolled-back`: the attempt no longer counts. */
  rolled_back_at: unknown;
  /** The error of a failed attempt. */
  logs: string | null;
}

/** What `_prisma_migrations` says. */
export interface PrismaState extends AppliedTableState {
  tool: 'prisma';
  applied: string[];
}

/**
 * `_prisma_migrations`, one row per attempt. `prisma migrate deploy`
 * (prisma-engines, schema-engine/core/src/commands/apply_migrations.rs)
 * refuses to run while a row has neither `finished_at` nor `rolled_back_at`
 * (error P3009), and applies every migration folder that has no row without
 * `rolled_back_at`, in folder order, including one that sorts before
 * migrations already applied. The project moves the table only with the
 * connection's schema (`?schema=` in the datasource URL), which guard reads
 * as the search path.
 */
export const PRISMA_MIGRATIONS_TABLE: AppliedTable<PrismaMigrationRecord> = {
  table: '_prisma_migrations',
  renamedBy: ['the datasource URL\'s schema parameter'],
  columns: { id: 'migration_name', checksum: 'checksum', appliedAt: 'started_at', other: ['finished_at', 'rolled_back_at', 'logs'] },
  orderBy: 'started_at',
  noRows: 'nothing applied',
  replay: (rows) => replayPrismaMigrations(rows),
};

/**
 * Pure: the state `_prisma_migrations` describes, rows in `started_at`
 * order. A row finished and not rolled back applies its migration (with the
 * checksum Prisma took of it); a row neither finished nor rolled back is a
 * migration that failed or is still running, which blocks Prisma itself
 * until `prisma migrate resolve`; a rolled-back row counts for nothing.
 */
export function replayPrismaMigrations(rows: readonly PrismaMigrationRecord[]): PrismaState {
  const applied = new Map<string, PrismaMigrationRecord>();
  const unfinished: NonNullable<AppliedTableState['unfinished']> = [];
  for (const row of rows) {
    if (row.rolled_back_at !== null && row.rolled_back_at !== undefined) continue;
    if (row.finished_at === null || row.finished_at === undefined) {
      const error = row.logs?.trim();
      unfinished.push({
        id: row.migration_name,
        file: `${row.migration_name}/migration.sql`,
        status: error ? 'failed' : 'running',
        ...(error ? { error: errorSummary(error) } : {}),
        at: row.started_at,
        runner: 'Prisma',
        fix: `find out what ${row.migration_name} left in the database, then tell Prisma: \`prisma migrate resolve --rolled-back ${row.migration_name}\` after undoing it (the next deploy runs it again), or \`prisma migrate resolve --applied ${row.migration_name}\` after completing it by hand`,
      });
      continue;
    }
    if (!applied.has(row.migration_name)) applied.set(row.migration_name, row);
  }
  const names = [...applied.keys()];
  const highest = [...names].sort(comparePrismaNames).at(-1);
  return {
    tool: 'prisma',
    heads: highest === undefined ? [] : [highest],
    applied: names,
    toolChecksums: [...applied.values()].map((row) => ({ id: row.migration_name, sha256: row.checksum, file: `${row.migration_name}/migration.sql` })),
    ...(unfinished.length > 0 ? { unfinished } : {}),
  };
}

/**
 * The first line of a failed attempt's logs. Through a driver adapter
 * (prisma.config.ts `adapter`, the WebAssembly schema engine) Prisma writes
 * `external connector error` on that line and the database's complaint on
 * the next (`No such table: Nope`), then a trace; the complaint is what tells
 * the user what failed, so it is kept.
 */
function errorSummary(logs: string): string {
  const [first, second] = logs.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const line = first === 'external connector error' && second !== undefined ? `${first}: ${second}` : first!;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
