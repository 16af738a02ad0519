// The deploy lock: a PostgreSQL session-level advisory lock. PostgreSQL
// releases it when the session ends, however it ends (a crash, kill -9, a lost
// connection), so no lock is ever left behind.
import type pg from 'pg';
import { splitLockKey } from '../../core/deploy/advisory-lock-key.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';
import { queryError } from './connect.js';

/** The session that holds an advisory lock, from `pg_locks` and `pg_stat_activity`. */
export interface LockHolder {
  pid: number;
  /** Empty when the session set none (or its role is hidden from ours). */
  applicationName: string;
  /** ISO 8601 start of the holder's session (PostgreSQL does not record when a lock was taken); null when hidden. */
  since: string | null;
}

export interface AcquireOptions {
  /** How long to keep trying; 0 tries once. */
  waitMs: number;
  /** Pause between attempts; default 250 ms. */
  pollMs?: number;
  /** Called when the lock is found held, and again whenever its holder changes. */
  onWaiting?(holder: LockHolder | undefined): void;
  /** Names the lock in messages (`the deploy lock of production`); default `advisory lock KEY`. */
  name?: string;
}

export const DEFAULT_POLL_MS = 250;

/** The sessions holding advisory lock (high, low) in this database (parameters or literals). */
export const holderSql = (high: string, low: string) => `
  SELECT l.pid, a.application_name, a.backend_start
  FROM pg_catalog.pg_locks l
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
    AND l.classid::bigint = ${high}::bigint AND l.objid::bigint = ${low}::bigint`;

/** One round trip: try the lock and, when it is taken, read who holds it. */
const ATTEMPT = `
  WITH attempt AS MATERIALIZED (SELECT pg_catalog.pg_try_advisory_lock($1::bigint) AS acquired)
  SELECT attempt.acquired, holder.pid, holder.application_name, holder.backend_start
  FROM attempt
  LEFT JOIN LATERAL (${holderSql('$2', '$3')} AND NOT attempt.acquired ORDER BY a.backend_start NULLS LAST, l.pid LIMIT 1) holder ON true`;

/**
 * Takes the session-level advisory lock `key`, trying every `pollMs` for up to
 * `waitMs` so that the holder can be reported while guard waits. On timeout:
 * `GuardError` exit 4 naming the holder's `application_name`, pid and since when.
 * Session-level advisory locks stack: take it once per `releaseLock`.
 */
export async function acquireLock(client: pg.Client, key: bigint, options: AcquireOptions): Promise<void> {
  const [high, low] = splitKey(key);
  const pollMs = Math.max(10, options.pollMs ?? DEFAULT_POLL_MS);
  const deadline = performance.now() + Math.max(0, options.waitMs);
  let holder: LockHolder | undefined;
  let reported = false;
  for (;;) {
    let row: AttemptRow | undefined;
    try {
      row = (await client.query<AttemptRow>(ATTEMPT, [key.toString(), high.toString(), low.toString()])).rows[0];
    } catch (error) {
      throw queryError(error, `cannot take ${lockName(key, options)}`, []);
    }
    if (row?.acquired) return;
    const current = toHolder(row);
    if (!reported || current?.pid !== holder?.pid) {
      reported = true;
      options.onWaiting?.(current);
    }
    holder = current;
    const left = deadline - performance.now();
    if (left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
  throw new GuardError(
    ExitCode.lockTimeout,
    `${lockName(key, options)} was not obtained within ${formatWait(options.waitMs)}: held by ${describeHolder(holder)}`,
    {
      fix: 'wait for that session to finish and retry, or wait longer with --lock-wait SECONDS (a crashed holder loses the lock when PostgreSQL ends its session)',
    },
  );
}

/** Who holds advisory lock `key` in the current database, or undefined when nobody does. */
export async function lockHolder(client: pg.Client, key: bigint): Promise<LockHolder | undefined> {
  const [high, low] = splitKey(key);
  try {
    const result = await client.query<HolderRow>(`${holderSql('$1', '$2')} ORDER BY a.backend_start NULLS LAST, l.pid LIMIT 1`, [
      high.toString(),
      low.toString(),
    ]);
    return toHolder(result.rows[0]);
  } catch (error) {
    throw queryError(error, `cannot read who holds advisory lock ${key}`, []);
  }
}

/** Releases one hold of `key` by this session; false when this session did not hold it. */
export async function releaseLock(client: pg.Client, key: bigint): Promise<boolean> {
  try {
    const result = await client.query<{ released: boolean }>('SELECT pg_catalog.pg_advisory_unlock($1::bigint) AS released', [key.toString()]);
    return result.rows[0]?.released === true;
  } catch (error) {
    throw queryError(error, `cannot release advisory lock ${key}`, []);
  }
}

/** `"guard deploy production by alice@ci pid 42" (pid 4242, since 2025-01-01T10:00:00.000Z)` */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another session (it could not be identified; it may have just ended)';
  const name = holder.applicationName ? JSON.stringify(holder.applicationName) : 'a session without application_name';
  return `${name} (pid ${holder.pid}${holder.since ? `, since ${holder.since}` : ''})`;
}

/** The key as pg_locks shows it (src/core/deploy/advisory-lock-key.ts), as query parameters. */
export function splitKey(key: bigint): [bigint, bigint] {
  const { classid, objid } = splitLockKey(key);
  return [BigInt(classid), BigInt(objid)];
}

export interface HolderRow {
  pid: number | null;
  application_name: string | null;
  backend_start: Date | null;
}

interface AttemptRow extends HolderRow {
  acquired: boolean;
}

export function toHolder(row: HolderRow | undefined): LockHolder | undefined {
  if (!row || row.pid === null) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name ?? '',
    since: row.backend_start ? row.backend_start.toISOString() : null,
  };
}

function lockName(key: bigint, options: Pick<AcquireOptions, 'name'>): string {
  return options.name ?? `advisory lock ${key}`;
}

/** `60 s`, `0.5 s`, `one attempt` (a wait of 0). */
export function formatWait(ms: number): string {
  if (ms <= 0) return 'one attempt';
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
