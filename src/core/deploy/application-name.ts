/** PostgreSQL keeps NAMEDATALEN - 1 = 63 bytes of `application_name`. */
export const APPLICATION_NAME_MAX_BYTES = 63;

/**
 * The `application_name` of guard's deploy session, so that whoever waits
 * for the deploy lock (and `pg_stat_activity`) sees who holds it:
 * `guard deploy ENV by ACTOR@HOST pid N`.
 *
 * Made of printable ASCII before the server sees it: PostgreSQL replaces
 * every other byte (with `?` up to version 15, with `\xNN` from 16 on), and
 * the hex form would push the name past 63 bytes and cut the pid off. Each
 * non-ASCII character becomes one `?` here, so the name is the same on every
 * server version, and no UTF-8 character can be split. A name too long is
 * cut before ` pid N` (host first, then actor), with `~` marking the cut,
 * because the pid is what identifies the process to wait for or stop.
 *
 * @example
 * applicationName({ environment: 'production', actor: 'ana', host: 'ci-7', pid: 4242 })
 * // 'guard deploy production by ana@ci-7 pid 4242'
 */
export function applicationName(options: { environment: string; actor: string; host: string; pid: number; verb?: 'deploy' | 'record' }): string {
  const { environment, actor, host, pid } = options;
  return fitted(`guard ${options.verb ?? 'deploy'} ${environment} by ${actor}@${host}`, pid);
}

/** What every session of a deploy's migration command is named: `guard migrate #ID ...` (MIGRATION_SESSION_PATTERN). */
export const MIGRATION_SESSION_PREFIX = 'guard migrate #';

/** A migration session's name, and the ledger row it belongs to. */
export const MIGRATION_SESSION_PATTERN = /^guard migrate #(\d+) /;

/**
 * The `application_name` the migration command's sessions carry (through
 * `PGAPPNAME`, which libpq, psycopg2 and node-postgres read): the deploy's
 * first ledger row id, then who runs it, so that a session left behind by a
 * killed guard can be found in `pg_stat_activity` and named:
 * `guard migrate #42 production by ana@ci-7 pid 4242`. The id comes first
 * so that no cut of a long name loses it.
 *
 * @example
 * migrationSessionName({ deployId: 42, environment: 'production', actor: 'ana', host: 'ci-7', pid: 4242 })
 * // 'guard migrate #42 production by ana@ci-7 pid 4242'
 */
export function migrationSessionName(options: { deployId: number; environment: string; actor: string; host: string; pid: number }): string {
  const { deployId, environment, actor, host, pid } = options;
  return fitted(`${MIGRATION_SESSION_PREFIX}${deployId} ${environment} by ${actor}@${host}`, pid);
}

/** The ledger row id a migration session's name carries, or undefined for any other name. */
export function deployIdOfSession(applicationName: string): number | undefined {
  const match = MIGRATION_SESSION_PATTERN.exec(applicationName);
  return match ? Number(match[1]) : undefined;
}

/** `head pid N`, printable ASCII, cut before ` pid N` with `~` when too long. */
function fitted(text: string, pid: number): string {
  const suffix = ` pid ${pid}`;
  const head = printable(text);
  if (head.length + suffix.length <= APPLICATION_NAME_MAX_BYTES) return head + suffix;
  return `${head.slice(0, Math.max(0, APPLICATION_NAME_MAX_BYTES - suffix.length - 1))}~${suffix}`;
}

/** One `?` per character outside printable ASCII (code points, so a surrogate pair is one `?`). */
function printable(text: string): string {
  return [...text].map((char) => (/^[\x20-\x7e]$/.test(char) ? char : '?')).join('');
}

/**
 * A connection string without its own `application_name`, everything else
 * as written: libpq and node-postgres let a URL's (or a conninfo string's)
 * `application_name` win over the one a program is given (`PGAPPNAME`, a
 * client option), and guard must name its sessions and the migration
 * command's itself. `fallback_application_name` is kept: it yields to both.
 *
 * @example
 * withoutApplicationName('postgres://db/app?application_name=web&sslmode=require') // 'postgres://db/app?sslmode=require'
 * withoutApplicationName("host=db application_name='my app' dbname=app") // 'host=db dbname=app'
 */
export function withoutApplicationName(url: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return url.replace(/(^|\s)application_name\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)\s*/g, '$1').trimEnd();
  const query = url.indexOf('?');
  if (query === -1) return url;
  const hash = url.indexOf('#', query);
  const end = hash === -1 ? url.length : hash;
  const params = url
    .slice(query + 1, end)
    .split('&')
    .filter((pair) => !/^application_name=/i.test(pair));
  return (params.length === 0 ? url.slice(0, query) : `${url.slice(0, query)}?${params.join('&')}`) + url.slice(end);
}
