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
export function applicationName(options: { environment: string; actor: string; host: string; pid: number }): string {
  const { environment, actor, host, pid } = options;
  const suffix = ` pid ${pid}`;
  const head = printable(`guard deploy ${environment} by ${actor}@${host}`);
  if (head.length + suffix.length <= APPLICATION_NAME_MAX_BYTES) return head + suffix;
  return `${head.slice(0, Math.max(0, APPLICATION_NAME_MAX_BYTES - suffix.length - 1))}~${suffix}`;
}

/** One `?` per character outside printable ASCII (code points, so a surrogate pair is one `?`). */
function printable(text: string): string {
  return [...text].map((char) => (/^[\x20-\x7e]$/.test(char) ? char : '?')).join('');
}
