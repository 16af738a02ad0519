// guard's ledger: schema `guard` in an environment's database (or in the
// database its `ledger:` names), created and upgraded by guard's own
// migrations (src/ledger/migrations/, locked in checksums.lock.yaml).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { contentChecksum } from '../../core/checksum.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';
import { SUCCESSFUL_STATUSES, type DeployStatus, type LedgerDeploy, type LedgerMigration } from '../../core/deploy/types.js';
import type { Tool } from '../../core/migrations/types.js';
import { SNAPSHOT_FORMAT, canonicalSnapshot, type SchemaObject, type SchemaSnapshot } from '../../core/drift/schema-snapshot.js';
import { queryError } from './connect.js';

// The ledger's rows are the deploy gate's plain data (src/core/deploy/types.ts), plus the schema fingerprint.
export { SUCCESSFUL_STATUSES, type DeployStatus, type LedgerMigration } from '../../core/deploy/types.js';
export type LedgerRow = LedgerDeploy & {
  /** Recorded at each deploy once schema fingerprints exist; null before. */
  schemaFingerprint: string | null;
};

export type NewDeploy = Omit<LedgerRow, 'id' | 'status' | 'startedAt' | 'finishedAt' | 'schemaFingerprint'>;

/** One migration set of one environment: its latest row and its latest successful one. */
export interface SetDeploys {
  migrationSet: string;
  /** The newest row, whatever its status (`running`: a deploy is under way or crashed). */
  latest: LedgerRow;
  /** The newest succeeded/recorded/settled row; undefined when none. */
  lastSuccessful: LedgerRow | undefined;
}

/**
 * Key of the advisory lock that serialises ledger upgrades
 * (several environments may share one ledger database). ASCII "guardLdg".
 */
export const LEDGER_LOCK_KEY = 0x6775_6172_644c_6467n;

export interface LedgerMigrationFile {
  /** `001` for `001_guard_ledger.sql`. */
  version: string;
  file: string;
  sql: string;
  /** Content checksum (`sha256-lf/1`, as in checksums.lock.yaml), hex: a CRLF checkout is not a change. */
  sha256: string;
}

/**
 * The folder of guard's own ledger migrations. This module runs from
 * src/shell/postgres (tests, tsx), dist/shell/postgres (tsc) or dist/bin
 * (the bundled CLI): walk up to the package root, the folder holding
 * package.json and src/ledger/migrations (package.json "files" ships it).
 */
export function ledgerMigrationsDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'src', 'ledger', 'migrations');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new GuardError(ExitCode.unreadable, `guard's ledger migrations (src/ledger/migrations) were not found above ${from}`, {
    fix: 'reinstall migration-guard: its package is incomplete',
  });
}

/** guard's ledger migrations in version order. */
export function readLedgerMigrations(dir: string = ledgerMigrationsDir()): LedgerMigrationFile[] {
  const files = readdirSync(dir)
    .filter((name) => /^\d+_.*\.sql$/.test(name))
    .map((file) => {
      const bytes = readFileSync(path.join(dir, file));
      return { version: file.slice(0, file.indexOf('_')), file, sql: bytes.toString('utf8'), sha256: contentChecksum(bytes) };
    })
    .sort((a, b) => Number(a.version) - Number(b.version) || (a.file < b.file ? -1 : 1));
  for (let i = 1; i < files.length; i++) {
    if (Number(files[i]!.version) === Number(files[i - 1]!.version)) {
      throw new GuardError(ExitCode.unreadable, `guard's ledger migrations ${files[i - 1]!.file} and ${files[i]!.file} share version ${files[i]!.version}`, {
        fix: 'reinstall migration-guard: its package is broken',
      });
    }
  }
  return files;
}

interface AppliedRow {
  version: string;
  sha256: string;
}

/**
 * Creates or upgrades the ledger: applies guard's migrations that the
 * database lacks, in version order, in one transaction, under the session
 * advisory lock `LEDGER_LOCK_KEY` (taken before the transaction begins, so the
 * transaction sees what an upgrade it waited for committed), each recorded in
 * `guard.schema_migrations (version, sha256)`. Idempotent; an up-to-date
 * ledger costs two round trips and takes no lock.
 *
 * Refuses (exit 3) when a version applied there differs from the file this
 * guard ships (someone changed the ledger's migrations), or when the ledger
 * has versions this guard does not know (a newer guard upgraded it).
 * Returns the versions it applied.
 */
export async function ensureLedger(client: pg.Client, migrations: readonly LedgerMigrationFile[] = readLedgerMigrations()): Promise<string[]> {
  try {
    const before = await readApplied(client);
    if (before && pending(before, migrations).length === 0) return [];
    // The lock is taken before the transaction starts, not inside it
    // (pg_advisory_xact_lock): a transaction that began before another
    // session's upgrade committed keeps a stale catalog cache (taking an
    // advisory lock does not process invalidations), so it would not see
    // schema guard appear and would apply 001 a second time.
    await client.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [LEDGER_LOCK_KEY.toString()]);
    try {
      await client.query('BEGIN');
      try {
        const applied = (await readApplied(client)) ?? [];
        const missing = pending(applied, migrations);
        for (const migration of missing) {
          await client.query(migration.sql);
          await client.query('INSERT INTO guard.schema_migrations (version, sha256) VALUES ($1, $2)', [migration.version, migration.sha256]);
        }
        await client.query('COMMIT');
        return missing.map((migration) => migration.version);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      await client.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [LEDGER_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } catch (error) {
    throw queryError(error, "cannot create or upgrade guard's ledger (schema guard)", [], 'check that the ledger database is reachable and that its user may create schema guard (or that it exists), then retry');
  }
}

/** What `guard.schema_migrations` holds; undefined when the table does not exist. */
async function readApplied(client: pg.Client): Promise<AppliedRow[] | undefined> {
  const exists = await client.query<{ present: boolean }>("SELECT pg_catalog.to_regclass('guard.schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return undefined;
  return (await client.query<AppliedRow>('SELECT version, sha256 FROM guard.schema_migrations ORDER BY version')).rows;
}

/** The shipped migrations not yet applied; refuses a ledger that differs from them. */
function pending(applied: readonly AppliedRow[], shipped: readonly LedgerMigrationFile[]): LedgerMigrationFile[] {
  const byVersion = new Map(shipped.map((migration) => [migration.version, migration]));
  for (const row of applied) {
    const ours = byVersion.get(row.version);
    if (!ours) {
      throw new GuardError(ExitCode.unreadable, `guard's ledger has migration ${row.version}, which this guard does not know: a newer guard upgraded it`, {
        fix: 'run the guard version that upgraded the ledger (or a newer one) against this environment',
      });
    }
    if (ours.sha256 !== row.sha256) {
      throw new GuardError(
        ExitCode.unreadable,
        `guard's ledger was changed: its migration ${row.version} was applied with sha256 ${row.sha256}, but this guard ships ${ours.file} with sha256 ${ours.sha256}`,
        { fix: "guard's ledger migrations must never be edited: use the guard release that created this ledger, or restore schema guard from a backup" },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  return shipped.filter((migration) => !done.has(migration.version));
}

const BASE_COLUMNS = `id::text AS id, environment, status, migration_set, tool, heads, chain, migrations, commit_sha, actor, host, command,
  forced, reason, started_at, finished_at, schema_fingerprint`;
/** Every column this guard reads; `unchecked_predecessor` exists from ledger migration 003 on. */
const COLUMNS = `${BASE_COLUMNS}, unchecked_predecessor`;

interface DeployRecord {
  id: string;
  environment: string;
  status: DeployStatus;
  migration_set: string;
  tool: Tool;
  heads: string[];
  chain: string;
  migrations: LedgerMigration[];
  commit_sha: string | null;
  actor: string;
  host: string;
  command: string | null;
  forced: boolean;
  reason: string | null;
  started_at: Date;
  finished_at: Date | null;
  schema_fingerprint: string | null;
  unchecked_predecessor?: string | null;
}

const successful = SUCCESSFUL_STATUSES.map((status) => `'${status}'`).join(', ');

/** Latest row per set and latest successful row per set, in one query (newest = highest id). */
const readDeploysSql = (columns: string) => `
  (SELECT DISTINCT ON (migration_set) 'latest' AS kind, ${columns}
     FROM guard.deployments WHERE environment = $1 ORDER BY migration_set, id DESC)
  UNION ALL
  (SELECT DISTINCT ON (migration_set) 'successful' AS kind, ${columns}
     FROM guard.deployments WHERE environment = $1 AND status IN (${successful}) ORDER BY migration_set, id DESC)`;

/**
 * Per migration set of `environment`: its latest deploy (any status) and its
 * latest successful one, sorted by set. One round trip. A database without a
 * ledger has no deploys: [].
 */
export async function readDeploys(client: pg.Client, environment: string): Promise<SetDeploys[]> {
  let rows: Array<DeployRecord & { kind: 'latest' | 'successful' }>;
  try {
    try {
      rows = (await client.query<DeployRecord & { kind: 'latest' | 'successful' }>(readDeploysSql(COLUMNS), [environment])).rows;
    } catch (error) {
      // A ledger not yet upgraded to 003 (read by --check, status, or as a predecessor): no deploy of it went unchecked.
      if (!isUndefinedColumn(error)) throw error;
      rows = (await client.query<DeployRecord & { kind: 'latest' | 'successful' }>(readDeploysSql(BASE_COLUMNS), [environment])).rows;
    }
  } catch (error) {
    if (isUndefinedTable(error)) return [];
    throw queryError(error, `cannot read the ledger of ${environment}`, []);
  }
  const sets = new Map<string, { latest?: LedgerRow; lastSuccessful?: LedgerRow }>();
  for (const record of rows) {
    const entry = sets.get(record.migration_set) ?? {};
    entry[record.kind === 'latest' ? 'latest' : 'lastSuccessful'] = toLedgerRow(record);
    sets.set(record.migration_set, entry);
  }
  return [...sets.entries()]
    .filter((entry): entry is [string, { latest: LedgerRow; lastSuccessful?: LedgerRow }] => entry[1].latest !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([migrationSet, entry]) => ({ migrationSet, latest: entry.latest, lastSuccessful: entry.lastSuccessful }));
}

/** Inserts a `running` row for a deploy about to run; returns its id. */
export async function startDeploy(client: pg.Client, row: NewDeploy): Promise<number> {
  try {
    const result = await client.query<{ id: string }>(
      `INSERT INTO guard.deployments
         (environment, status, migration_set, tool, heads, chain, migrations, commit_sha, actor, host, command, forced, reason, unchecked_predecessor, started_at)
       VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, clock_timestamp())
       RETURNING id::text AS id`,
      [
        row.environment,
        row.migrationSet,
        row.tool,
        row.heads,
        row.chain,
        JSON.stringify(row.migrations),
        row.commit,
        row.actor,
        row.host,
        row.command,
        row.forced,
        row.reason,
        row.uncheckedPredecessor,
      ],
    );
    return Number(result.rows[0]!.id);
  } catch (error) {
    throw queryError(error, `cannot record the deploy of ${row.migrationSet} to ${row.environment} in the ledger`, []);
  }
}

/** Records a set that another tool deployed (`guard record`): one finished `recorded` row. */
export async function recordDeploy(client: pg.Client, row: NewDeploy, options: { schemaFingerprint?: string | null } = {}): Promise<number> {
  const id = await startDeploy(client, row);
  await finishDeploy(client, id, { status: 'recorded', schemaFingerprint: options.schemaFingerprint ?? null });
  return id;
}

/**
 * Ends a `running` row: its status, end time and (after a successful deploy)
 * the schema fingerprint. Refuses (exit 3) when the row is not running any
 * more: something settled it while this deploy ran.
 */
export async function finishDeploy(
  client: pg.Client,
  id: number,
  outcome: { status: Exclude<DeployStatus, 'running'>; schemaFingerprint?: string | null },
): Promise<void> {
  let updated: number;
  try {
    const result = await client.query(
      `UPDATE guard.deployments
          SET status = $2, finished_at = clock_timestamp(), schema_fingerprint = COALESCE($3, schema_fingerprint)
        WHERE id = $1 AND status = 'running'`,
      [String(id), outcome.status, outcome.schemaFingerprint ?? null],
    );
    updated = result.rowCount ?? 0;
  } catch (error) {
    throw queryError(error, `cannot record the end of deploy ${id} in the ledger`, []);
  }
  if (updated === 0) {
    throw new GuardError(ExitCode.unreadable, `the ledger's deploy ${id} is no longer running: something settled or removed it while this deploy ran`, {
      fix: 'check guard.deployments and `guard status`; record the real state with `guard record ENV`',
    });
  }
}

/**
 * Marks the rows of `environment` left `running` (crashed deploys) as
 * `settled`, appending `reason` to their reason. Returns the rows settled.
 */
export async function settleRunning(client: pg.Client, environment: string, options: { reason: string; migrationSet?: string }): Promise<LedgerRow[]> {
  try {
    const result = await client.query<DeployRecord>(
      `UPDATE guard.deployments
          SET status = 'settled', finished_at = clock_timestamp(),
              reason = CASE WHEN reason IS NULL OR reason = '' THEN $2 ELSE reason || '; ' || $2 END
        WHERE environment = $1 AND status = 'running' AND ($3::text IS NULL OR migration_set = $3)
        RETURNING ${COLUMNS}`,
      [environment, options.reason, options.migrationSet ?? null],
    );
    return result.rows.map(toLedgerRow).sort((a, b) => a.id - b.id);
  } catch (error) {
    throw queryError(error, `cannot settle the running deploys of ${environment} in the ledger`, []);
  }
}

function toLedgerRow(record: DeployRecord): LedgerRow {
  return {
    id: Number(record.id),
    environment: record.environment,
    status: record.status,
    migrationSet: record.migration_set,
    tool: record.tool,
    heads: record.heads,
    chain: record.chain,
    migrations: record.migrations,
    commit: record.commit_sha,
    actor: record.actor,
    host: record.host,
    command: record.command,
    forced: record.forced,
    reason: record.reason,
    uncheckedPredecessor: record.unchecked_predecessor ?? null,
    startedAt: record.started_at.toISOString(),
    finishedAt: record.finished_at ? record.finished_at.toISOString() : null,
    schemaFingerprint: record.schema_fingerprint,
  };
}

/** `column does not exist`: a ledger older than the columns this guard reads. */
function isUndefinedColumn(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42703';
}

/** `relation does not exist` or `schema does not exist`. */
export function isUndefinedTable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000';
}

/** The schema guard last saw in an environment: after its newest finished deploy (succeeded, recorded or failed). */
export interface SchemaBaseline {
  deployId: number;
  status: DeployStatus;
  /** Null when that deploy was recorded by a guard without fingerprints: nothing to compare with. */
  fingerprint: string | null;
  finishedAt: string | null;
  commit: string | null;
}

/**
 * The baseline drift is judged against: the newest finished deploy of
 * `environment`. A failed deploy counts (its half-run migration changed the
 * schema, and guard fingerprinted what it left); a `settled` one does not
 * (nobody knows what a crashed deploy left). Undefined: no deploy yet.
 */
export async function readSchemaBaseline(client: pg.Client, environment: string): Promise<SchemaBaseline | undefined> {
  try {
    const result = await client.query<{ id: string; status: DeployStatus; schema_fingerprint: string | null; finished_at: Date | null; commit_sha: string | null }>(
      `SELECT id::text AS id, status, schema_fingerprint, finished_at, commit_sha
         FROM guard.deployments
        WHERE environment = $1 AND status IN ('succeeded', 'recorded', 'failed')
        ORDER BY id DESC LIMIT 1`,
      [environment],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return { deployId: Number(row.id), status: row.status, fingerprint: row.schema_fingerprint, finishedAt: row.finished_at ? row.finished_at.toISOString() : null, commit: row.commit_sha };
  } catch (error) {
    if (isUndefinedTable(error)) return undefined;
    throw queryError(error, `cannot read the ledger of ${environment}`, []);
  }
}

/** Keeps a snapshot under its fingerprint (once: the same schema is stored once, whoever has it). */
export async function saveSchemaSnapshot(client: pg.Client, fingerprint: string, snapshot: SchemaSnapshot): Promise<void> {
  try {
    await client.query(
      `INSERT INTO guard.schema_snapshots (fingerprint, format, server_version, objects) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (fingerprint) DO NOTHING`,
      [fingerprint, snapshot.format, snapshot.serverVersion, JSON.stringify(snapshot.objects)],
    );
  } catch (error) {
    throw queryError(error, 'cannot store the schema snapshot in the ledger', []);
  }
}

/** The snapshot stored under `fingerprint`, in canonical order; undefined when the ledger has none (or none of a format this guard reads). */
export async function loadSchemaSnapshot(client: pg.Client, fingerprint: string): Promise<SchemaSnapshot | undefined> {
  let row: { format: number; server_version: number; objects: SchemaObject[] } | undefined;
  try {
    row = (await client.query<{ format: number; server_version: number; objects: SchemaObject[] }>('SELECT format, server_version, objects FROM guard.schema_snapshots WHERE fingerprint = $1', [fingerprint])).rows[0];
  } catch (error) {
    if (isUndefinedTable(error)) return undefined;
    throw queryError(error, 'cannot read a schema snapshot from the ledger', []);
  }
  if (!row || row.format !== SNAPSHOT_FORMAT) return undefined;
  // jsonb keeps keys in its own order: put them back in the canonical one.
  return canonicalSnapshot(row.server_version, row.objects);
}
