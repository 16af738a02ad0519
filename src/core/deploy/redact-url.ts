import { GuardError } from '../guard-error.js';
/**
 * Passwords out of everything guard prints. Database URLs reach messages in
 * two ways: guard names the database it talks to, and `pg` (or the server)
 * sometimes echoes connection details in an error. `redactUrl` is for the
 * first, `redactSecrets` for the second; both are pure.
 */

export const REDACTED = '***';

/** A URL of any scheme (`postgres://`, `postgresql+psycopg2://`, `mysql://`, `https://`), any case. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** URLs inside free text: up to whitespace or a quote. */
export const URL_IN_TEXT = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"<>`]+/g;
/**
 * Names of settings, options and variables whose value is a secret
 * (`password`, `PGPASSWORD`, `--db-password`, `client_secret`, `api_key`,
 * `X-Amz-Signature`, `AccountKey`...), as a regular-expression fragment.
 */
export const SECRET_NAME = String.raw`(?:[A-Za-z0-9_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|account[_-]?key|private[_-]?key|signature|credentials?)[A-Za-z0-9_.-]*|sig)`;
/** Query parameters of a URL that carry a secret. */
const SECRET_PARAM = new RegExp(String.raw`([?&;]${SECRET_NAME}=)([^&#;]*)`, 'gi');
/** `key=value` conninfo pairs that carry a secret; the value quoted (`'a b\'c'`) or bare. */
const SECRET_PAIR = /((?<![?&\w])(?:password|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'][^\s]*)/gi;

/**
 * The URL with its password replaced by `***`: `postgres://app:***@db:5432/prod`.
 * Works on URLs of any scheme (password in the user part, or a query
 * parameter named like a secret: `password=`, `sslpassword=`, `token=`,
 * `X-Amz-Signature=`...) and on libpq `key=value` strings
 * (`host=db password=...`). A string without a password is returned as is.
 */
export function redactUrl(url: string): string {
  if (!URL_SCHEME.test(url)) return url.replace(SECRET_PAIR, `$1${REDACTED}`);
  const parts = splitUrl(url);
  let out = url;
  if (parts.password !== undefined && parts.password !== '') {
    out = url.slice(0, parts.passwordStart) + REDACTED + url.slice(parts.passwordEnd);
  }
  return out.replace(SECRET_PARAM, (_match, key: string, value: string) => (value === '' ? key : key + REDACTED));
}

/**
 * `text` with every password of `urls` removed: each URL itself (verbatim)
 * replaced by its redacted form, any other database URL in the text redacted,
 * and then every remaining occurrence of a password (as written and
 * percent-decoded) replaced by `***`. For messages that did not come from
 * guard: errors from `pg`, the server, a child process.
 */
/**
 * An error with every password of `urls` taken out of its message and fix:
 * every error that leaves a command that connects goes through here, so no
 * password reaches a terminal or a log.
 */
export function redactError(error: unknown, urls: readonly string[]): unknown {
  if (error instanceof GuardError) {
    const message = redactSecrets(error.message, urls);
    const fix = error.fix === undefined ? undefined : redactSecrets(error.fix, urls);
    return message === error.message && fix === error.fix ? error : new GuardError(error.exitCode, message, { ...(fix ? { fix } : {}) });
  }
  if (error instanceof Error) return new Error(redactSecrets(error.message, urls));
  return error;
}

export function redactSecrets(text: string, urls: readonly string[]): string {
  let out = text;
  const secrets = new Set<string>();
  for (const url of urls) {
    if (!url) continue;
    if (url !== redactUrl(url)) out = out.split(url).join(redactUrl(url));
    for (const secret of passwordsOf(url)) secrets.add(secret);
  }
  out = out.replace(URL_IN_TEXT, (found) => redactUrl(found));
  out = out.replace(SECRET_PAIR, `$1${REDACTED}`);
  // Longest first, so a password that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  return out;
}

/** Every form in which the passwords of `url` could appear in a message. */
export function passwordsOf(url: string): string[] {
  const found: string[] = [];
  const add = (raw: string) => {
    if (raw === '') return;
    found.push(raw);
    const decoded = safeDecode(raw);
    if (decoded !== raw && decoded !== '') found.push(decoded);
  };
  if (URL_SCHEME.test(url)) {
    const { password } = splitUrl(url);
    if (password !== undefined) add(password);
    for (const match of url.matchAll(SECRET_PARAM)) add(match[2]!);
  } else {
    for (const match of url.matchAll(SECRET_PAIR)) {
      const value = match[2]!;
      if (value.startsWith("'")) {
        const inner = value.endsWith("'") && value.length > 1 ? value.slice(1, -1) : value.slice(1);
        add(inner);
        const unescaped = inner.replace(/\\(.)/g, '$1');
        if (unescaped !== inner) add(unescaped);
      } else {
        add(value);
      }
    }
  }
  return [...new Set(found)];
}

interface UrlParts {
  password: string | undefined;
  passwordStart: number;
  passwordEnd: number;
}

/**
 * Finds the password of a URL by position, leaving the rest byte for byte.
 * The user part ends at the last `@` before the query: a password written
 * with a raw `@` or `/` in it (which libpq would misread) is still covered
 * whole, at worst with part of the host, never leaking its tail.
 */
function splitUrl(url: string): UrlParts {
  const start = url.indexOf('://') + 3;
  let end = url.length;
  for (const stop of ['?', '#']) {
    const at = url.indexOf(stop, start);
    if (at !== -1 && at < end) end = at;
  }
  const at = url.lastIndexOf('@', end - 1);
  if (at < start) return { password: undefined, passwordStart: -1, passwordEnd: -1 };
  const colon = url.indexOf(':', start);
  if (colon === -1 || colon > at) return { password: undefined, passwordStart: -1, passwordEnd: -1 };
  return { password: url.slice(colon + 1, at), passwordStart: colon + 1, passwordEnd: at };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
