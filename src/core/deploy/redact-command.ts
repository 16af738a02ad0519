import { REDACTED, SECRET_NAME, URL_IN_TEXT, redactUrl } from './redact-url.js';

/**
 * The migration command line as guard prints it and keeps it in the ledger
 * (`guard.deployments.command`), with every secret it carries replaced by
 * `***`: a deploy is often started as
 * `guard deploy ci -- psql "postgresql://app:pw@db/app" -f m.sql`, and
 * neither the terminal, the CI log, `--format json` nor the ledger (read by
 * whoever may read guard's schema) may show `pw`.
 *
 * Each word is redacted on its own (`redactCommandText`), then the words are
 * joined with spaces, as the command line was always shown.
 *
 * @example
 * redactCommandLine(['psql', 'postgresql://app:pw@db/app', '-c', 'SELECT 1'])
 * // 'psql postgresql://app:***@db/app -c SELECT 1'
 */
export function redactCommandLine(words: readonly string[]): string {
  const out = words.map((word) => redactCommandText(word));
  // `--password VALUE`: an option whose value is the next word.
  for (let i = 0; i + 1 < out.length; i++) {
    if (SECRET_OPTION.test(words[i]!) && !words[i + 1]!.startsWith('-')) out[i + 1] = REDACTED;
  }
  return out.join(' ');
}

/**
 * Free text of a command (one argument, or a whole `sh -c` script or
 * `deploy.command`) with its secrets replaced by `***`:
 *
 * - the password of a URL of any scheme (`postgres://`, `mysql://`,
 *   `postgresql+psycopg2://`, `https://user:pw@`), and URL query parameters
 *   named like a secret (`password=`, `sslpassword=`, `token=`, `sig=`);
 * - `NAME=VALUE` pairs whose name says secret: libpq's `password=` (quoted
 *   or not), `PGPASSWORD=`, `DB_PASSWORD=`, `--password=`, Flyway's
 *   `-password=`, `AWS_SECRET_ACCESS_KEY=`, `client_secret=`, `api_key=`;
 *   `--password VALUE` and `--token VALUE` as two words of a script;
 * - the token shapes of the vendors secret scanners know (AWS access key
 *   ids; GitHub, GitLab, Slack, npm, OpenAI/Anthropic, Stripe, Google,
 *   SendGrid, Shopify, Hugging Face, Docker and other prefixed tokens;
 *   Slack webhook URLs; JSON Web Tokens; `Bearer` and `Basic` credentials;
 *   private key blocks).
 *
 * Over-redaction is accepted where telling a secret from an ordinary value
 * is not certain (`psql --password mydb` loses `mydb`): a record missing a
 * word is better than a leaked password. psql's and pg_dump's `-W` /
 * `--password` take no value (they only force the prompt) and the password
 * never appears on their command line; MySQL's `-pSECRET` is not recognised
 * (`-p5432` is psql's port).
 *
 * @example
 * redactCommandText('PGPASSWORD=hunter2 psql "host=db password=x" -c "SELECT 1"')
 * // 'PGPASSWORD=*** psql "host=db password=*** -c "SELECT 1"'
 */
export function redactCommandText(text: string): string {
  let out = text;
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, (_match, keep?: unknown) => (typeof keep === 'string' ? keep + REDACTED : REDACTED));
  // URLs first (their query parameters end at `&`), then pairs in the text around them.
  const parts: string[] = [];
  let last = 0;
  for (const match of out.matchAll(URL_IN_TEXT)) {
    parts.push(redactPairs(out.slice(last, match.index)), redactUrl(match[0]));
    last = match.index + match[0].length;
  }
  parts.push(redactPairs(out.slice(last)));
  return parts.join('');
}

/** `--password`, `--db-password`, `--token`, `--api-key`, `--client-secret` as a word of its own. */
const SECRET_OPTION = new RegExp(String.raw`^--?${SECRET_NAME}$`, 'i');

/** `NAME=VALUE` with a secret NAME; the value quoted (`'a b'`, `"a b"`, backslash escapes) or up to whitespace. */
const SECRET_PAIR = new RegExp(String.raw`(?<![A-Za-z0-9_])(${SECRET_NAME}\s*=\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s'"]\S*)`, 'gi');

/** `--password VALUE` inside a script: the next word, unless it is another option. */
const SECRET_OPTION_IN_TEXT = new RegExp(String.raw`((?<![^\s'"])--?${SECRET_NAME}\s+)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s'"-]\S*)`, 'gi');

function redactPairs(text: string): string {
  return text.replace(SECRET_PAIR, `$1${REDACTED}`).replace(SECRET_OPTION_IN_TEXT, `$1${REDACTED}`);
}

/**
 * Vendor token shapes, after the patterns of secretlint's recommended preset
 * and guard's secret scanner (src/core/secrets/find-secrets.ts), written
 * looser (shorter minimum lengths): here a false positive costs a word of
 * a log line, not a refused commit. A pattern with a capture group keeps
 * the group (the scheme word of `Bearer`), and replaces the rest.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{20,}/g,
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,}/g,
  /(?<![A-Za-z0-9_])gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat|agent)-[A-Za-z0-9_-]{20,}/g,
  /(?<![A-Za-z0-9_])(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}/g,
  /hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g,
  /(?<![A-Za-z0-9_])npm_[A-Za-z0-9_]{30,}/g,
  /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g,
  /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g,
  /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9]{20,}/g,
  /(?<![\w-])AIza[0-9A-Za-z_-]{30,}/g,
  /(?<![A-Za-z0-9_])SG\.[\w-]{16,}\.[\w-]{16,}/g,
  /(?<![A-Za-z0-9_])(?:shppa|shpca|shpat|shpss|gsk|hf|dckr_pat|glc|glsa|lin_api|ntn|figd|vcp|vci|vca|vcr|vck)_[A-Za-z0-9_+/=-]{20,}/g,
  /(?<![A-Za-z0-9])dapi[a-fA-F0-9]{32}/g,
  /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /(\bBearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi,
  /(\b(?:Basic|token)\s+)[A-Za-z0-9\-._~+/]{12,}=*/gi,
];
