// The one place guard opens a PostgreSQL session. `pg` is imported only by
// modules under src/shell/postgres/, and those are loaded by dynamic import
// from the commands that need a database: a hook never loads `pg`.
import type pg from 'pg';
import { withoutApplicationName } from '../../core/deploy/application-name.js';
import { redactSecrets, redactUrl } from '../../core/deploy/redact-url.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';

export type Client = pg.Client;

export interface ConnectOptions {
  /** Shown in `pg_stat_activity`: who holds a lock is read from it (`guard deploy production by alice@ci-7 pid 4242`). */
  applicationName: string;
  /** Which database this is to the command, for the message: the environment's own or the one holding its ledger. */
  role?: 'target' | 'ledger';
  /** Where the URL came from (`DATABASE_URL_PRODUCTION`), for the fix. */
  source?: string;
  /** Default 10 000 ms. */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A connected client, or `GuardError` exit 3 (an environment that cannot be
 * read) whose message names the database with its password redacted and
 * carries pg's own message, redacted too.
 *
 * The session keeps TCP keep-alive on: a deploy holds its advisory lock on
 * this session while the migration command runs, possibly for a long time.
 * An error the idle connection raises later (the server went away) is kept
 * from crashing the process; the next query on the client fails instead.
 */
export async function connect(url: string, options: ConnectOptions): Promise<pg.Client> {
  const shown = redactUrl(url);
  const what = options.role === 'ledger' ? `the ledger database ${shown}` : shown;
  let client: pg.Client | undefined;
  try {
    // pg loads only when a command connects: the hooks never pay for it.
    const { default: driver } = await import('pg');
    client = new driver.Client({
      // guard names its sessions itself; a URL's own application_name would
      // override the one given here (pg lets the URL win).
      connectionString: withoutApplicationName(url),
      application_name: options.applicationName,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  } catch (error) {
    await client?.end().catch(() => undefined);
    throw new GuardError(ExitCode.unreadable, `cannot connect to ${what}: ${pgErrorMessage(error, [url])}`, {
      fix: connectFix(shown, options.source),
      cause: redactedCause(error, [url]),
    });
  }
}

/** Closes a client, never throwing: for `finally` blocks. */
export async function disconnect(client: pg.Client | undefined): Promise<void> {
  await client?.end().catch(() => undefined);
}

/**
 * The message of an error `pg` or the server raised, with every password of
 * `urls` (and of any database URL in it) redacted. Node's network errors
 * for a name with several addresses (`localhost`: ::1 and 127.0.0.1) are an
 * AggregateError with an empty message: their parts are joined instead.
 */
export function pgErrorMessage(error: unknown, urls: readonly string[]): string {
  return redactSecrets(describe(error), urls);
}

/**
 * `GuardError` exit 3 for a failed query: `doing` says what guard was doing
 * (`reading the ledger of production`), the message is redacted.
 */
export function queryError(error: unknown, doing: string, urls: readonly string[], fix?: string): GuardError {
  if (error instanceof GuardError) return error;
  return new GuardError(ExitCode.unreadable, `${doing}: ${pgErrorMessage(error, urls)}`, {
    fix: fix ?? 'check that the database is reachable and that its user may read it, then retry',
    cause: redactedCause(error, urls),
  });
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0 && !error.message) {
    return [...new Set(error.errors.map(describe))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || (typeof code === 'string' ? code : error.name);
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
    return message + sqlState;
  }
  return String(error);
}

/** A plain Error standing in for `pg`'s, so no password travels in `cause` either. */
function redactedCause(error: unknown, urls: readonly string[]): Error {
  const cause = new Error(pgErrorMessage(error, urls));
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') (cause as Error & { code?: string }).code = code;
  return cause;
}

function connectFix(shown: string, source: string | undefined): string {
  const where = source ? ` (from ${source})` : '';
  return `check that the server of ${shown}${where} is running and reachable from here, and that the URL's host, port, user, password and database are right`;
}
