import { ExitCode } from '../exit-codes.js';
import { GuardError } from '../guard-error.js';

/**
 * A database session of a deploy's migration command, found in
 * `pg_stat_activity` by its name (`guard migrate #42 production by ana@ci-7
 * pid 4242`, src/core/deploy/application-name.ts).
 */
export interface MigrationSession {
  /** The server process (what `pg_terminate_backend` takes). */
  pid: number;
  applicationName: string;
  /** The ledger row of the deploy it belongs to. */
  deployId: number;
  /** `active`, `idle in transaction`...; null when the session's role is hidden from ours. */
  state: string | null;
  /** ISO 8601: when its transaction began, else when it connected; null when hidden. */
  since: string | null;
}

/** `pid 4242 "guard migrate #42 ..." (idle in transaction since 2026-...)`, one per session. */
export function describeMigrationSessions(sessions: readonly MigrationSession[]): string {
  return sessions
    .map((session) => `pid ${session.pid} ${JSON.stringify(session.applicationName)} (${session.state ?? 'state hidden from this role'}${session.since ? ` since ${session.since}` : ''})`)
    .join('; ');
}

/** `deploy #41` or `deploys #41, #44`: the deploys the sessions belong to. */
function deploysOf(sessions: readonly MigrationSession[]): string {
  const ids = [...new Set(sessions.map((session) => session.deployId))].sort((a, b) => a - b);
  return `${ids.length === 1 ? 'deploy' : 'deploys'} ${ids.map((id) => `#${id}`).join(', ')}`;
}

/**
 * What `guard deploy` and `guard record` print while they wait for the
 * sessions of an earlier deploy's migration command, which they found
 * connected while holding the deploy lock: that deploy's guard is gone (it
 * would hold the lock), but its migration may still be at work.
 */
export function waitingForSessions(environment: string, sessions: readonly MigrationSession[]): string {
  return `waiting for ${sessions.length === 1 ? 'a session' : `${sessions.length} sessions`} of the migration command of ${environment}'s ${deploysOf(sessions)}, still connected though its guard is gone: ${describeMigrationSessions(sessions)}`;
}

/**
 * Exit 4: the sessions of an earlier deploy's migration command were still
 * connected when `--lock-wait` ran out. Never overridden (not even by
 * `--force`): a second migration must not run beside the first.
 */
export function sessionsStillConnected(environment: string, sessions: readonly MigrationSession[], waited: string): GuardError {
  const pids = sessions.map((session) => session.pid).join(', ');
  return new GuardError(
    ExitCode.lockTimeout,
    `${environment}'s ${deploysOf(sessions)} ${sessions.length === 1 ? 'has a session' : `has ${sessions.length} sessions`} of its migration command still connected after ${waited}, though the guard that ran it is gone (killed?): ${describeMigrationSessions(sessions)}. A second migration never runs beside them`,
    {
      fix: `wait for them to finish and retry (or wait longer with --lock-wait SECONDS); to stop them, end them in ${environment}'s database (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${pids}): PostgreSQL rolls their open transaction back) and kill the process if it is still running; then \`guard status ${environment}\` shows the ledger row left running, and \`guard record ${environment}\` or \`--force --reason\` settles it`,
    },
  );
}
