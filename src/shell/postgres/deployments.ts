// The ledger's deploy rows (`guard.deployments`): one per set of each deploy,
// `running` until it ends. They are the deploy gate's plain data
// (src/core/deploy/types.ts), plus the schema fingerprint.
import type pg from 'pg';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';
import { SUCCESSFUL_STATUSES, type DeployStatus, type LedgerDeploy, type LedgerMigration } from '../../core/deploy/types.js';
import type { Tool } from '../../core/migrations/types.js';
import { queryError } from './connect.js';
import { isUndefinedColumn, isUndefinedTable } from './pg-errors.js';

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
