// What the migration tool itself recorded in the database, read through the
// tool's declarative description of its table (`appliedTable` in its folder
// under src/core/tools/, docs/ADDING-A-TOOL.md) by one reader: one query per
// set. A missing table (or schema) means the tool never ran there: nothing
// applied. (`to_regclass` cannot guard a single statement: a query naming a
// missing table fails while it is planned, whatever its WHERE says; so the
// reader runs the query and reads "undefined table" as "nothing".)
import type pg from 'pg';
import { appliedColumns, type AppliedTable, type AppliedTableState } from '../../core/migrations/applied-table.js';
import type { Tool } from '../../core/migrations/types.js';
import { ALEMBIC_VERSION_TABLE } from '../../core/tools/alembic/alembic-tool.js';
import { FLYWAY_SCHEMA_HISTORY, type FlywayState } from '../../core/tools/flyway/flyway-history.js';
import { TOOL_BY_NAME } from '../../core/tools/registry.js';
import { SQL_RUNNER_TABLE, type SqlRunnerState } from '../../core/tools/sql/sql-runner-table.js';
import { SUCCESSFUL_STATUSES, type LedgerMigration } from '../../core/deploy/types.js';
import { queryError } from './connect.js';
import { isUndefinedTable } from './pg-errors.js';

export { replayFlywayHistory, type FlywayApplied, type FlywayRecord, type FlywayState } from '../../core/tools/flyway/flyway-history.js';
export { replaySqlRunnerRecords, type SqlRunnerRecord } from '../../core/tools/sql/sql-runner-table.js';

/** Compatible with `AppliedState` of src/core/deploy/types.ts. */
export type AppliedState = AppliedTableState;

export interface AlembicState extends AppliedState {
  tool: 'alembic';
}

export interface SqlState extends AppliedState {
  tool: 'sql';
  applied: string[];
  /** From the last successful ledger row (or guard.sql_migrations), with the checksums guard recorded. */
  migrations: LedgerMigration[];
  /** Id of that ledger row; undefined when nothing was deployed, or read from guard.sql_migrations. */
  deployId?: number;
}

/** Where the project keeps a tool's table when it renamed or moved it (`AppliedTable.renamedBy`). */
export interface TableOptions {
  /** Schema of the table (alembic's `version_table_schema`, Flyway's `defaultSchema`); default: the description's, else the search path. */
  schema?: string;
  /** Name of the table; default: the description's (`alembic_version`, `flyway_schema_history`). */
  table?: string;
}

export type AppliedSource =
  | ({ tool: Exclude<Tool, 'sql'> } & TableOptions)
  /** Plain SQL the project's own runner applied: guard's ledger is the record (in the environment's or the `ledger:` database). */
  | { tool: 'sql'; environment: string; migrationSet: string };

/**
 * The applied state of a tool's table (its `appliedTable`), or for plain
 * SQL, guard's ledger. One query.
 */
export async function readAppliedState(client: pg.Client, source: AppliedSource): Promise<AppliedState> {
  if (source.tool === 'sql') return readSqlState(client, source.environment, source.migrationSet);
  return (await readAppliedTable(client, TOOL_BY_NAME[source.tool].appliedTable, source))!;
}

/**
 * The one reader of every tool's table: selects the columns the
 * description names (applied-at as ISO 8601 text), the rows of `set` when
 * the table holds several sets, in `orderBy` order, and lets the
 * description's `replay` say what they mean. Undefined when the table has
 * no row of the set and `noRows` says the table is then not the record.
 *
 * @throws GuardError (exit 3) when the table exists but cannot be read
 */
export async function readAppliedTable<Row extends object>(client: pg.Client, description: AppliedTable<Row>, options: TableOptions & { set?: string } = {}): Promise<AppliedTableState | undefined> {
  // A table of several sets read whole would lend one set another's migrations.
  if (description.setColumn && options.set === undefined) throw new Error(`readAppliedTable: ${description.table} holds several sets (${description.setColumn}); name the set to read`);
  const name = options.table ?? description.table;
  const schema = options.schema ?? description.schema;
  const table = qualified(client, schema, name);
  const columns = appliedColumns(description).map((column) => {
    const quoted = client.escapeIdentifier(column);
    return column === description.columns.appliedAt ? `to_json(${quoted})#>>'{}' AS ${quoted}` : quoted;
  });
  const where = description.setColumn ? ` WHERE ${client.escapeIdentifier(description.setColumn)} = $1` : '';
  const order = description.orderBy ? ` ORDER BY ${client.escapeIdentifier(description.orderBy)}` : '';
  const rows = await tolerantQuery<Row>(client, `SELECT ${columns.join(', ')} FROM ${table}${where}${order}`, where ? [options.set] : [], `cannot read ${shown(schema, name)}`);
  if (rows.length === 0 && description.noRows === 'not the record') return undefined;
  return { ...description.replay(rows), table: shown(schema, name) };
}

/** Alembic's `alembic_version`: one row per head (several rows = several heads), sorted. */
export async function readAlembicState(client: pg.Client, options: TableOptions = {}): Promise<AlembicState> {
  return (await readAppliedTable(client, ALEMBIC_VERSION_TABLE, options)) as AlembicState;
}

/** Flyway's `flyway_schema_history`, replayed in installed_rank order (`replayFlywayHistory`). */
export async function readFlywayState(client: pg.Client, options: TableOptions = {}): Promise<FlywayState> {
  return (await readAppliedTable(client, FLYWAY_SCHEMA_HISTORY, options)) as FlywayState;
}

/**
 * Plain SQL applied by guard's own runner: `guard.sql_migrations` in the
 * target database, one row per attempt (src/shell/postgres/sql-runner.ts).
 * Undefined when the runner never ran this set there (no table, or no row):
 * the set's record is then guard's ledger (`readSqlState`).
 */
export async function readSqlRunnerState(client: pg.Client, migrationSet: string): Promise<SqlState | undefined> {
  return (await readAppliedTable(client, SQL_RUNNER_TABLE, { set: migrationSet })) as SqlRunnerState | undefined;
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
