// The second line against a migration left running by a killed guard: the
// sessions of every deploy's migration command carry a name (PGAPPNAME,
// src/core/deploy/application-name.ts), and whoever takes the deploy lock
// next looks for them in pg_stat_activity before it runs or records
// anything. A session of a live deploy is never seen there by a deploy
// holding the lock: that deploy's guard holds the lock until its command ends.
import type pg from 'pg';
import { deployIdOfSession, MIGRATION_SESSION_PREFIX } from '../../core/deploy/application-name.js';
import { sessionsStillConnected, waitingForSessions, type MigrationSession } from '../../core/deploy/migration-sessions.js';
import { DEFAULT_POLL_MS, holderSql, splitKey, toHolder, type HolderRow, type LockHolder } from './advisory-lock.js';
import { queryError } from './connect.js';

/**
 * The migration sessions connected to this database, as one JSON array
 * (a scalar subquery, to join other reads in one round trip). The names are
 * visible to every role; state and start times only to the sessions' own
 * role and to pg_read_all_stats.
 */
const SESSIONS_JSON = `(
  SELECT coalesce(json_agg(json_build_object('pid', a.pid, 'application_name', a.application_name, 'state', a.state, 'since', coalesce(a.xact_start, a.backend_start)) ORDER BY a.pid), '[]'::json)
  FROM pg_catalog.pg_stat_activity a
  WHERE a.datname = pg_catalog.current_database()
    AND a.application_name LIKE '${MIGRATION_SESSION_PREFIX}%'
    AND a.pid <> pg_catalog.pg_backend_pid())`;

interface SessionJson {
  pid: number;
  application_name: string;
  state: string | null;
  since: string | null;
}

/** Every session of a deploy's migration command connected to `client`'s database. */
export async function readMigrationSessions(client: pg.Client): Promise<MigrationSession[]> {
  try {
    const row = (await client.query<{ sessions: SessionJson[] }>(`SELECT ${SESSIONS_JSON} AS sessions`)).rows[0];
    return toSessions(row?.sessions ?? []);
  } catch (error) {
    throw queryError(error, 'cannot read pg_stat_activity', []);
  }
}

/**
 * Who holds advisory lock `key`, and the migration sessions connected, in
 * one round trip (`guard status`).
 */
export async function readLockState(client: pg.Client, key: bigint): Promise<{ holder: LockHolder | undefined; sessions: MigrationSession[] }> {
  const [high, low] = splitKey(key);
  try {
    const row = (
      await client.query<HolderRow & { sessions: SessionJson[] }>(
        `SELECT holder.pid, holder.application_name, holder.backend_start, ${SESSIONS_JSON} AS sessions
           FROM (SELECT 1) AS one
           LEFT JOIN LATERAL (${holderSql('$1', '$2')} ORDER BY a.backend_start NULLS LAST, l.pid LIMIT 1) holder ON true`,
        [high.toString(), low.toString()],
      )
    ).rows[0];
    return { holder: toHolder(row), sessions: toSessions(row?.sessions ?? []) };
  } catch (error) {
    throw queryError(error, `cannot read who holds advisory lock ${key}`, []);
  }
}

/**
 * Called holding the deploy lock: returns once no session of an earlier
 * deploy's migration command is connected, polling every `pollMs` and
 * reporting them (again whenever they change) through `onWaiting`; throws
 * GuardError exit 4 naming them when `deadline` (a `performance.now()`
 * time) passes first.
 */
export async function waitForMigrationSessions(
  client: pg.Client,
  options: { environment: string; deadline: number; waited: () => string; pollMs?: number; onWaiting?(message: string): void },
): Promise<void> {
  let shown = '';
  for (;;) {
    const sessions = await readMigrationSessions(client);
    if (sessions.length === 0) return;
    const pids = sessions.map((session) => session.pid).join(',');
    if (pids !== shown) {
      shown = pids;
      options.onWaiting?.(waitingForSessions(options.environment, sessions));
    }
    const left = options.deadline - performance.now();
    if (left <= 0) throw sessionsStillConnected(options.environment, sessions, options.waited());
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? DEFAULT_POLL_MS, left)));
  }
}

function toSessions(rows: readonly SessionJson[]): MigrationSession[] {
  return rows.flatMap((row) => {
    const deployId = deployIdOfSession(row.application_name);
    if (deployId === undefined) return [];
    const since = row.since ? new Date(row.since) : undefined;
    return [{ pid: row.pid, applicationName: row.application_name, deployId, state: row.state, since: since && !Number.isNaN(since.getTime()) ? since.toISOString() : null }];
  });
}
