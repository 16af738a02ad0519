// What the migration tool itself recorded in the database: one query per
// reader. A missing table (or schema) means the tool never ran there:
// nothing applied. (`to_regclass` cannot guard a single statement: a query
// naming a missing table fails while it is planned, whatever its WHERE says;
// so the reader runs the query and reads "undefined table" as "nothing".)
import type pg from 'pg';
import type { AppliedContent, UnfinishedMigration } from '../../core/deploy/types.js';
import type { Tool } from '../../core/migrations/types.js';
import { compareKeys } from '../../core/migrations/version-order.js';
import { queryError } from './connect.js';
import { SUCCESSFUL_STATUSES, type LedgerMigration } from '../../core/deploy/types.js';
import { isUndefinedTable } from './pg-errors.js';

/** Compatible with `AppliedState` of src/core/deploy/types.ts. */
export interface AppliedState {
  tool: Tool;
  /** Applied heads; empty for a database the tool never migrated. */
  heads: string[];
  /** Applied versions in apply order, where the tool's table records them (flyway, sql); undefined for alembic. */
  applied?: string[];
  /** Where it was read, for messages (`alembic_version`, `meta.flyway_schema_history`, `guard.deployments`). */
  table?: string;
  /** What each applied migration's content was, where the table keeps it (guard.sql_migrations). */
  appliedContent?: AppliedContent[];
  /** Migrations outside a transaction left failed or running (guard.sql_migrations). */
  unfinished?: UnfinishedMigration[];
}

export interface AlembicState extends AppliedState {
  tool: 'alembic';
}

/** One row of `flyway_schema_history` that counts: a successful versioned migration or baseline still applied. */
export interface FlywayApplied {
  installedRank: number;
  version: string;
  description: string;
  /** `SQL`, `JDBC`, `BASELINE`, `SQL_BASELINE`, ... */
  type: string;
  script: string;
  /** Flyway's own checksum (CRC32 of the script's lines), null for baselines. */
  checksum: number | null;
}

export interface FlywayState extends AppliedState {
  tool: 'flyway';
  /** The highest applied version (Flyway's "current version"), or none. */
  heads: string[];
  /** Applied versions in installed_rank order. */
  applied: string[];
  history: FlywayApplied[];
  /** Versions whose latest attempt failed (`success = false`): Flyway refuses to migrate until `flyway repair`. */
  failed: string[];
  /** Repeatable migrations (no version): script -> Flyway checksum of the latest successful run. */
  repeatable: Record<string, number | null>;
}

export interface SqlState extends AppliedState {
  tool: 'sql';
  applied: string[];
  /** From the last successful ledger row, with the checksums guard recorded. */
  migrations: LedgerMigration[];
  /** Id of that ledger row; undefined when nothing was deployed. */
  deployId?: number;
}

export interface TableOptions {
  /** Schema of the version table (alembic's `version_table_schema`, Flyway's `defaultSchema`); default: the search path. */
  schema?: string;
  /** Name of the version table; default `alembic_version` / `flyway_schema_history`. */
  table?: string;
}

export type AppliedSource =
  | ({ tool: 'alembic' } & TableOptions)
  | ({ tool: 'flyway' } & TableOptions)
  /** Plain SQL: guard's ledger is the record (in the environment's or the `ledger:` database). */
  | { tool: 'sql'; environment: string; migrationSet: string };

/** One interface over the readers. */
export function readAppliedState(client: pg.Client, source: AppliedSource): Promise<AppliedState> {
  switch (source.tool) {
    case 'alembic':
      return readAlembicState(client, source);
    case 'flyway':
      return readFlywayState(client, source);
    case 'sql':
      return readSqlState(client, source.environment, source.migrationSet);
  }
}

/** Alembic's `alembic_version`: one row per head (several rows = several heads), sorted. */
export async function readAlembicState(client: pg.Client, options: TableOptions = {}): Promise<AlembicState> {
  const name = options.table ?? 'alembic_version';
  const table = qualified(client, options.schema, name);
  const rows = await tolerantQuery<{ version_num: string }>(client, `SELECT version_num FROM ${table}`, [], `cannot read ${table}`);
  return { tool: 'alembic', heads: [...new Set(rows.map((row) => row.version_num))].sort(), table: shown(options.schema, name) };
}

export interface FlywayRecord {
  installed_rank: number;
  version: string | null;
  description: string | null;
  type: string;
  script: string;
  checksum: number | null;
  success: boolean;
}

/**
 * Flyway's `flyway_schema_history`, replayed in installed_rank order:
 * a successful versioned row (`SQL`, `JDBC`, `SCRIPT`, `CUSTOM`) or a baseline
 * (`BASELINE`, `*_BASELINE`) applies its version; an `UNDO_*` row undoes it;
 * a `DELETE` row (written by `flyway repair` for a migration that went
 * missing) removes it; the `SCHEMA` marker and failed rows apply nothing.
 */
export async function readFlywayState(client: pg.Client, options: TableOptions = {}): Promise<FlywayState> {
  const name = options.table ?? 'flyway_schema_history';
  const table = qualified(client, options.schema, name);
  const rows = await tolerantQuery<FlywayRecord>(
    client,
    `SELECT installed_rank, version, description, type, script, checksum, success FROM ${table} ORDER BY installed_rank`,
    [],
    `cannot read ${table}`,
  );
  return { ...replayFlywayHistory(rows), table: shown(options.schema, name) };
}

/** Pure: the state a Flyway history describes (see `readFlywayState`). */
export function replayFlywayHistory(rows: readonly FlywayRecord[]): FlywayState {
  const applied = new Map<string, FlywayApplied>();
  const failed = new Map<string, true>();
  const repeatable: Record<string, number | null> = {};
  for (const row of rows) {
    const type = row.type.toUpperCase();
    if (type === 'SCHEMA') continue;
    if (row.version === null) {
      if (row.success && type !== 'DELETE') repeatable[row.script] = row.checksum;
      else if (type === 'DELETE') delete repeatable[row.script];
      continue;
    }
    const key = normalVersion(row.version);
    if (type === 'DELETE' || type.startsWith('UNDO')) {
      if (row.success) {
        applied.delete(key);
        failed.delete(key);
      }
      continue;
    }
    if (!row.success) {
      failed.set(key, true);
      continue;
    }
    failed.delete(key);
    applied.set(key, {
      installedRank: row.installed_rank,
      version: row.version,
      description: row.description ?? '',
      type: row.type,
      script: row.script,
      checksum: row.checksum,
    });
  }
  const history = [...applied.values()].sort((a, b) => a.installedRank - b.installedRank);
  const highest = [...history].sort((a, b) => compareVersions(a.version, b.version)).at(-1);
  return {
    tool: 'flyway',
    heads: highest ? [highest.version] : [],
    applied: history.map((row) => row.version),
    history,
    failed: [...failed.keys()],
    repeatable,
  };
}

/**
 * Plain SQL: guard's ledger is the record. The migrations of the last
 * successful deploy of `migrationSet` to `environment`; nothing when there
 * is none or no ledger.
 */
export async function readSqlState(client: pg.Client, environment: string, migrationSet: string): Promise<SqlState> {
  const statuses = SUCCESSFUL_STATUSES.map((status) => `'${status}'`).join(', ');
  const rows = await tolerantQuery<{ id: string; heads: string[]; migrations: LedgerMigration[] }>(
    client,
    `SELECT id::text AS id, heads, migrations FROM guard.deployments
      WHERE environment = $1 AND migration_set = $2 AND status IN (${statuses})
      ORDER BY id DESC LIMIT 1`,
    [environment, migrationSet],
    `cannot read the ledger of ${environment}`,
  );
  const row = rows[0];
  const table = 'guard.deployments';
  if (!row) return { tool: 'sql', heads: [], applied: [], migrations: [], table };
  return { tool: 'sql', heads: row.heads, applied: row.migrations.map((migration) => migration.id), migrations: row.migrations, deployId: Number(row.id), table };
}

/** One row of guard.sql_migrations, as the state is replayed from it. */
export interface SqlRunnerRecord {
  id: string;
  file: string;
  sha256: string;
  status: 'applied' | 'failed' | 'running' | 'recorded';
  transactional: boolean;
  error: string | null;
  error_line: number | null;
  started_at: string;
}

/**
 * Plain SQL applied by guard's own runner: `guard.sql_migrations` in the
 * target database, one row per attempt (src/shell/postgres/sql-runner.ts).
 * Undefined when the runner never ran this set there (no table, or no row):
 * the set's record is then guard's ledger (`readSqlState`).
 */
export async function readSqlRunnerState(client: pg.Client, migrationSet: string): Promise<SqlState | undefined> {
  const rows = await tolerantQuery<SqlRunnerRecord>(
    client,
    `SELECT id, file, sha256, status, transactional, error, error_line, to_json(started_at)#>>'{}' AS started_at
       FROM guard.sql_migrations WHERE migration_set = $1 ORDER BY rank`,
    [migrationSet],
    `cannot read guard.sql_migrations`,
  );
  if (rows.length === 0) return undefined;
  return replaySqlRunnerRecords(rows);
}

/**
 * Pure: the state guard.sql_migrations describes. Each id's last attempt
 * decides: `applied` or `recorded` counts as applied (in the order of those
 * attempts), a `failed` or `running` one outside a transaction is
 * unfinished, a failed transactional one left nothing.
 */
export function replaySqlRunnerRecords(rows: readonly SqlRunnerRecord[]): SqlState {
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

async function tolerantQuery<Row extends object>(client: pg.Client, sql: string, params: unknown[], doing: string): Promise<Row[]> {
  try {
    return (await client.query<Row>(sql, params)).rows;
  } catch (error) {
    if (isUndefinedTable(error)) return [];
    throw queryError(error, doing, []);
  }
}

function qualified(client: pg.Client, schema: string | undefined, table: string): string {
  return schema ? `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}` : client.escapeIdentifier(table);
}

function shown(schema: string | undefined, table: string): string {
  return schema ? `${schema}.${table}` : table;
}

/** `1.0` is `1`, `1_1` is `1.1`, `001` is `1`: Flyway's version equality. */
function normalVersion(version: string): string {
  const key = versionKey(version);
  if (!key) return version;
  while (key.length > 1 && key.at(-1) === 0n) key.pop();
  return key.join('.');
}

function versionKey(version: string): bigint[] | undefined {
  if (!/^\d+(?:[._]\d+)*$/.test(version)) return undefined;
  return version.split(/[._]/).map((part) => BigInt(part));
}

function compareVersions(a: string, b: string): number {
  const x = versionKey(a);
  const y = versionKey(b);
  if (x && y) return compareKeys(x, y);
  return a < b ? -1 : a > b ? 1 : 0;
}
