// guard's own runner for plain SQL sets (README, "guard's runner for plain
// SQL"): `guard deploy ENV` with no command applies the pending migrations of
// each `tool: sql` set itself, and keeps what it applied in the target
// database's `guard.sql_migrations`, written in the same transaction as the
// migration: a migration is recorded exactly when it committed, whatever
// happens to guard after.
import type pg from 'pg';
import type { EnvironmentSettings } from '../../core/config/validate-config.js';
import { lineOfPosition, type SqlScript, type SqlStatement } from '../../core/tools/sql/sql-script.js';
import { connect, disconnect, pgErrorMessage, queryError } from './connect.js';

/** Where the runner records what it applied: one row per attempt, in the target database. */
export const SQL_RUNNER_TABLE = 'guard.sql_migrations';

/**
 * `applied`: committed (in the migration's own transaction); `failed`: the
 * latest attempt failed (a transactional one left nothing); `running`: a
 * migration outside a transaction started and never finished (guard was
 * killed: part of it may be applied); `recorded`: applied before the runner
 * kept this table, as guard's ledger vouched (adopted when the runner first
 * ran on the set).
 */
export type SqlRunStatus = 'applied' | 'failed' | 'running' | 'recorded';

const CREATE_TABLE = `
CREATE SCHEMA IF NOT EXISTS guard;
CREATE TABLE IF NOT EXISTS guard.sql_migrations (
    rank            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration_set   text NOT NULL,
    id              text NOT NULL,
    file            text NOT NULL,
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    status          text NOT NULL CHECK (status IN ('applied', 'failed', 'running', 'recorded')),
    transactional   boolean NOT NULL,
    deploy_id       bigint,
    error           text,
    error_line      integer,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz
);
CREATE INDEX IF NOT EXISTS sql_migrations_set_idx ON guard.sql_migrations (migration_set, rank);`;

/** One migration to run: the lockfile's entry and the script read from the deployed commit. */
export interface SqlRunMigration {
  id: string;
  /** Relative to the set's dir, as the lockfile names it. */
  file: string;
  /** Repository-relative, for messages. */
  path: string;
  /** The lockfile's content checksum (hex), which the script was checked against. */
  sha256: string;
  script: SqlScript;
}

export interface SqlRunFailure {
  id: string;
  path: string;
  /** 1-based line of the file: PostgreSQL's error position, else the failing statement's first line. */
  line: number;
  /** PostgreSQL's message, with its detail and hint. */
  message: string;
  /** False for a migration outside a transaction: the statements before the failing one stay applied. */
  transactional: boolean;
}

export interface SqlRunResult {
  /** Ids applied by this run, in order. */
  applied: string[];
  failure?: SqlRunFailure;
}

export interface SqlRunOptions {
  databaseUrl: string;
  /** The session's `application_name` (`guard migrate #ID ...`): a session a killed guard left is found by it. */
  sessionName: string;
  settings: EnvironmentSettings;
  /** The set's dir. */
  set: string;
  /** The first ledger row of this deploy. */
  deployId: number;
  migrations: readonly SqlRunMigration[];
  /**
   * What guard's ledger vouched for as applied before the runner kept its
   * table for this set (a set deployed with a command, then without):
   * written as `recorded` rows, committed before the first migration runs.
   */
  adopt?: readonly { id: string; file: string; sha256: string }[];
  /** Where the connection came from (`$DATABASE_URL_STAGING`), for a connection error's fix. */
  source?: string;
  onStart?(migration: SqlRunMigration): void;
  onApplied?(migration: SqlRunMigration, milliseconds: number): void;
}

/** Creates the runner's table (and the `guard` schema) when missing. */
export async function ensureSqlRunnerTable(client: pg.Client): Promise<void> {
  try {
    await client.query(CREATE_TABLE);
  } catch (error) {
    throw queryError(error, `cannot create ${SQL_RUNNER_TABLE}`, [], 'the deploy user needs CREATE on the database (for the guard schema) or an existing guard schema it may create tables in');
  }
}

/**
 * Applies `migrations` in order on a session of their own, with the
 * environment's timeouts, stopping at the first failure. Each transactional
 * migration runs between BEGIN and COMMIT with the insert of its record; a
 * failed one (its COMMIT included: a deferred constraint) is rolled back and
 * recorded as `failed` with PostgreSQL's message and the file's line. A
 * migration marked `-- guard:no-transaction` runs statement by statement
 * outside a transaction, recorded `running` first, so that a guard killed
 * in the middle leaves a row that says so.
 *
 * @throws GuardError exit 3 when the database cannot be reached or the record cannot be written
 */
export async function runSqlMigrations(options: SqlRunOptions): Promise<SqlRunResult> {
  const client = await connect(options.databaseUrl, { applicationName: options.sessionName, source: options.source });
  const applied: string[] = [];
  try {
    // Committed on its own, first: a failure of the first migration must not take the adoption with it.
    if (options.adopt && options.adopt.length > 0) await recordSqlMigrations(client, options.set, options.adopt, options.deployId);
    for (const migration of options.migrations) {
      await startFresh(client, options.settings);
      options.onStart?.(migration);
      const started = performance.now();
      const failure = migration.script.transactional ? await runInTransaction(client, options, migration) : await runOutsideTransaction(client, options, migration);
      if (failure) return { applied, failure };
      applied.push(migration.id);
      options.onApplied?.(migration, performance.now() - started);
    }
    return { applied };
  } finally {
    await disconnect(client);
  }
}

/**
 * Each migration starts from the session's defaults, as in a session of its
 * own: `DISCARD ALL` resets what `RESET ALL` leaves (`SET ROLE`, `SET SESSION
 * AUTHORIZATION`) and drops temporary tables, prepared statements and
 * cursors (https://www.postgresql.org/docs/current/sql-discard.html). The
 * batch a deploy happens to run then never changes what a migration does.
 */
async function startFresh(client: pg.Client, settings: EnvironmentSettings): Promise<void> {
  try {
    await client.query('DISCARD ALL');
  } catch (error) {
    throw queryError(error, 'cannot reset the migration session (DISCARD ALL)', []);
  }
  await configureSession(client, settings);
}

/**
 * The environment's timeouts for this session (`set_config`, so no value is
 * spliced into SQL), and `client_connection_check_interval` where the server
 * has it (PostgreSQL 14+): a statement whose guard died is cancelled within a
 * second instead of running on unlocked.
 */
async function configureSession(client: pg.Client, settings: EnvironmentSettings): Promise<void> {
  for (const name of ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'] as const) {
    const value = settings[name];
    if (value === undefined) continue;
    try {
      await client.query('SELECT pg_catalog.set_config($1, $2, false)', [name, value]);
    } catch (error) {
      throw queryError(error, `cannot set ${name} = ${value}`, [], `check settings.${name} of the environment in the config (a PostgreSQL duration: 10s, 500ms)`);
    }
  }
  await client.query(`SELECT pg_catalog.set_config('client_connection_check_interval', '1000', false) WHERE pg_catalog.current_setting('server_version_num')::int >= 140000`);
}

async function runInTransaction(client: pg.Client, options: SqlRunOptions, migration: SqlRunMigration): Promise<SqlRunFailure | undefined> {
  const { statements } = migration.script;
  await client.query('BEGIN');
  let statement: SqlStatement | undefined;
  try {
    for (statement of statements) await execute(client, statement);
  } catch (error) {
    return failed(client, options, migration, describeFailure(migration, statement!, error, true));
  }
  // The record goes in the same transaction, written as the deploy's own user: a migration that ends with SET ROLE keeps its objects' owner, not guard's row.
  const last = statements.at(-1) ?? { text: '', line: 1 };
  try {
    await client.query('RESET ROLE');
    await insertRow(client, options, migration, 'applied');
  } catch (error) {
    return failed(client, options, migration, describeFailure(migration, last, error, true, `guard could not record it in ${SQL_RUNNER_TABLE}, so it was rolled back`));
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    return failed(client, options, migration, describeFailure(migration, last, error, true, 'at COMMIT (a deferred constraint?)'));
  }
  return undefined;
}

/** Rolls a failed migration back and records the attempt as `failed` on a reset session. */
async function failed(client: pg.Client, options: SqlRunOptions, migration: SqlRunMigration, failure: SqlRunFailure): Promise<SqlRunFailure> {
  await client.query('ROLLBACK').catch(() => undefined);
  await client.query('DISCARD ALL').catch(() => undefined);
  await insertRow(client, options, migration, 'failed', failure);
  return failure;
}

async function runOutsideTransaction(client: pg.Client, options: SqlRunOptions, migration: SqlRunMigration): Promise<SqlRunFailure | undefined> {
  const rank = await insertRow(client, options, migration, 'running');
  for (const statement of migration.script.statements) {
    try {
      await execute(client, statement);
    } catch (error) {
      // A transaction the script opened itself ends with the failure; what ran before it stays.
      await client.query('ROLLBACK').catch(() => undefined);
      await client.query('DISCARD ALL').catch(() => undefined);
      const failure = describeFailure(migration, statement, error, false);
      await finishRow(client, rank, 'failed', failure);
      return failure;
    }
  }
  // A BEGIN the script never committed would be rolled back when the session ends, after guard said "applied".
  const status = (client as pg.Client & { getTransactionStatus?(): string | null }).getTransactionStatus?.();
  if (status !== undefined && status !== null && status !== 'I') {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('DISCARD ALL').catch(() => undefined);
    const last = migration.script.statements.at(-1)!;
    const failure: SqlRunFailure = { id: migration.id, path: migration.path, line: last.line, message: 'it left a transaction open (BEGIN without COMMIT): what it ran in that transaction was rolled back', transactional: false };
    await finishRow(client, rank, 'failed', failure);
    return failure;
  }
  await client.query('DISCARD ALL');
  await finishRow(client, rank, 'applied');
  return undefined;
}

/**
 * Records migrations a migration command applied to a set the runner keeps
 * its table for (`recorded` rows), so that the table stays the whole story.
 */
export async function recordSqlMigrations(client: pg.Client, set: string, entries: readonly { id: string; file: string; sha256: string }[], deployId: number): Promise<void> {
  try {
    await recordAdopted(client, set, entries, deployId);
  } catch (error) {
    throw queryError(error, `cannot record what the command applied in ${SQL_RUNNER_TABLE}`, []);
  }
}

async function recordAdopted(client: pg.Client, set: string, adopt: readonly { id: string; file: string; sha256: string }[], deployId: number): Promise<void> {
  if (adopt.length === 0) return;
  await client.query(
    `INSERT INTO guard.sql_migrations (migration_set, id, file, sha256, status, transactional, deploy_id, finished_at)
     SELECT $1, m.id, m.file, m.sha256, 'recorded', true, $3, clock_timestamp()
       FROM jsonb_to_recordset($2::jsonb) AS m(id text, file text, sha256 text)`,
    [set, JSON.stringify(adopt.map((entry) => ({ id: entry.id, file: entry.file, sha256: bare(entry.sha256) }))), String(deployId)],
  );
}

async function insertRow(client: pg.Client, options: SqlRunOptions, migration: SqlRunMigration, status: SqlRunStatus, failure?: SqlRunFailure): Promise<string> {
  try {
    const result = await client.query<{ rank: string }>(
      `INSERT INTO guard.sql_migrations (migration_set, id, file, sha256, status, transactional, deploy_id, error, error_line, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $5 = 'running' THEN NULL ELSE clock_timestamp() END)
       RETURNING rank::text AS rank`,
      [options.set, migration.id, migration.file, bare(migration.sha256), status, migration.script.transactional, String(options.deployId), failure?.message ?? null, failure?.line ?? null],
    );
    return result.rows[0]!.rank;
  } catch (error) {
    throw queryError(error, `cannot record ${migration.path} as ${status} in ${SQL_RUNNER_TABLE}`, []);
  }
}

async function finishRow(client: pg.Client, rank: string, status: 'applied' | 'failed', failure?: SqlRunFailure): Promise<void> {
  try {
    await client.query(`UPDATE guard.sql_migrations SET status = $2, error = $3, error_line = $4, finished_at = clock_timestamp() WHERE rank = $1`, [
      rank,
      status,
      failure?.message ?? null,
      failure?.line ?? null,
    ]);
  } catch (error) {
    throw queryError(error, `cannot record the end of a migration in ${SQL_RUNNER_TABLE}`, []);
  }
}

/**
 * One statement, through the extended query protocol: PostgreSQL parses it
 * as exactly one command ("cannot insert multiple commands into a prepared
 * statement" otherwise), so a text the splitter took for one statement can
 * never carry a second one, a COMMIT say, past the checks of
 * src/core/tools/sql/sql-script.ts.
 */
function execute(client: pg.Client, statement: SqlStatement): Promise<unknown> {
  // pg reads `queryMode` (lib/query.js, requiresPreparation); @types/pg does not declare it.
  return client.query({ text: statement.text, queryMode: 'extended' } as pg.QueryConfig);
}

/** PostgreSQL's message with its DETAIL, HINT and CONTEXT (where in a DO block or function it failed), and the file's line. */
function describeFailure(migration: SqlRunMigration, statement: SqlStatement, error: unknown, transactional: boolean, when?: string): SqlRunFailure {
  const fields = (error ?? {}) as { position?: string; detail?: string; hint?: string; where?: string };
  const position = when === undefined && fields.position !== undefined ? Number(fields.position) : undefined;
  const parts = [`${when ? `${when}: ` : ''}${pgErrorMessage(error, [])}`];
  if (fields.detail) parts.push(`DETAIL: ${fields.detail}`);
  if (fields.hint) parts.push(`HINT: ${fields.hint}`);
  if (fields.where) parts.push(`CONTEXT: ${fields.where.replace(/\n/g, '; ')}`);
  return { id: migration.id, path: migration.path, line: lineOfPosition(statement, position), message: parts.join('; '), transactional };
}

function bare(sha: string): string {
  return sha.replace(/^sha256:/, '');
}
