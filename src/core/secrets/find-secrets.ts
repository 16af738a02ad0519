/**
 * Secrets in migration files (SQL, Alembic Python, Flyway SQL): what the
 * pre-commit and pre-push hooks and the CI gate refuse in an added or changed
 * migration. Pure: it gets a file's text and name, never reads a file.
 *
 * Two sources of findings:
 *
 * - secretlint's recommended rule preset (`@secretlint/core` and
 *   `@secretlint/secretlint-rule-preset-recommend`, MIT, pinned to 12.0.0,
 *   the last line that runs on Node 20): private keys, AWS keys, GitHub,
 *   GitLab, Slack, npm, OpenAI, Anthropic, SendGrid, Shopify, Vault and other
 *   vendor tokens, and postgres/mysql/mongodb/http URLs that carry a password.
 *   Its patterns are kept up to date by people who follow the vendors' token
 *   formats; a hand-written copy would go stale.
 * - a few hand-written rules for what that preset lacks and migrations are
 *   prone to: password literals in SQL (`CREATE ROLE ... PASSWORD '...'`,
 *   MySQL/Oracle `IDENTIFIED BY`, conninfo `password=` strings) and in Python
 *   (`password = "..."`), password hashes (md5/SCRAM verifiers), URLs of any
 *   scheme with a password (SQLAlchemy's `postgresql+psycopg2://`, `redis://`,
 *   `amqp://` ...; and `admin:`/`root:` users, which secretlint's basic-auth
 *   rule skips), Stripe keys, Google API keys, Azure keys and SAS tokens,
 *   encrypted private keys, JSON Web Tokens and `Bearer` tokens.
 *
 * secretlint costs 25 to 40 ms the first time it runs when bundled (60 ms
 * or more from node_modules), so it is imported, lazily, only when a cheap
 * test (LIBRARY_PREFILTER) says one of its rules could match. That test is a
 * superset condition, written against the rules of the pinned version
 * (REVIEWED_SECRETLINT_RULES; a test fails when the preset's rule list
 * changes). The hand-written rules always run; each runs only on the lines
 * that hold a literal it needs, so a large data migration stays fast.
 *
 * Opt-out for test fixtures with fake keys: `guard:allow-secret` anywhere on
 * the line where a finding starts, or `guard:allow-secret-next-line` on the
 * line before it.
 *
 * Placeholders are not findings: an empty value, a mask (`***`, `xxxx`), a
 * template or bind parameter (`${DB_PASSWORD}`, `%(password)s`, `{password}`,
 * `:password`, `$1`, `?`, `<password>`), and well-known placeholder words
 * (`password`, `secret`, `changeme`, `changeit`, `redacted`, ...): a value
 * everybody knows leaks nothing. A weak default password is another problem.
 * Password hashes (`md5` + 32 hex digits, `SCRAM-SHA-256$...`, MySQL `*` + 40
 * hex digits, bcrypt/argon2, `IDENTIFIED BY VALUES`/`AS`) are findings of their own kind: an
 * md5 hash logs in as well as the password under md5 authentication, and any
 * of them can be attacked offline.
 *
 * Not found: a password that is only a positional value
 * (`INSERT INTO users (name, password) VALUES ('a', 'hunter2')`), and
 * secrets under names other than password-like ones without a vendor format
 * (`api_key = '...'`): without a pattern of their own they cannot be told
 * from ordinary data precisely enough to block a commit.
 */

/** One secret found in a file. The secret itself is never part of it. */
export interface SecretHit {
  /** The file name as given to findSecrets. */
  file: string;
  /** 1-based line where the secret starts. */
  line: number;
  /** 1-based column (UTF-16 code units) where the secret starts. */
  column: number;
  /** Human name: "AWS access key ID", "private key", "URL with a password", "password literal", ... */
  kind: string;
  /** Which rule found it: `secretlint/<rule>` or `guard/<rule>`. */
  rule: string;
  /** The line, trimmed and with every secret on it redacted (first 4 characters of a long secret, then `****`). */
  excerpt: string;
}

/** Marker that silences findings on its own line. */
export const ALLOW_SECRET_MARKER = 'guard:allow-secret';
/** Marker that silences findings on the next line. */
export const ALLOW_SECRET_NEXT_LINE_MARKER = 'guard:allow-secret-next-line';

/**
 * The rules of @secretlint/secretlint-rule-preset-recommend@12.0.0 that
 * LIBRARY_PREFILTER was checked against. When an upgrade changes the list,
 * the test that compares them fails: read the new rules' patterns and widen
 * the pre-filter before updating this list.
 */
export const REVIEWED_SECRETLINT_RULES: readonly string[] = [
  'aws', 'gcp', 'privatekey', 'npm', 'basicauth', 'slack', 'sendgrid', 'shopify', 'github', 'gitlab',
  'grafana', 'openai', 'anthropic', 'groq', 'huggingface', 'linear', 'notion', '1password',
  'database-connection-string', 'hashicorp-vault', 'vercel', 'databricks', 'docker', 'figma', 'filter-comments',
].map((name) => `@secretlint/secretlint-rule-${name}`);

/**
 * True when some reviewed secretlint rule could report in `text`. Each
 * alternative is a part of a rule's pattern that every report of it
 * contains, loosened (case folded, lookarounds dropped), so the test matches
 * more than the rules, never less:
 *   `://user:password@`: basicauth, database-connection-string (they report
 *     only userinfo with a password; the character classes are theirs);
 *   `hooks.slack.com`, `x-oauth-basic@`: slack webhook, github in package.json;
 *   `-----BEGIN`: privatekey;
 *   aws: an access key ID (prefix and 16 characters) or `secret_access_key`;
 *   npm: `_authToken=`, `npm_` + 36; slack: `xoxb-` ..., `xapp-`;
 *   openai: `sk-proj-`, `sk-svcacct-`, `sk-admin-`, `sk-` + 20 + `T3BlbkFJ`;
 *   anthropic: `sk-ant-api0`; the vendor prefixes of the others
 *   (`SG.`, `ghp_`, `glpat-`, `hvs.`, `dapi` + 32 hex digits, `ops_ey`, ...).
 * gcp reads `.json` files and npm's token-in-config rule `package.json` and
 * `.npmrc`: secretlint always runs on those (LIBRARY_FILES). filter-comments
 * is disabled: the opt-out is guard's marker.
 */
export const LIBRARY_PREFILTER = new RegExp(
  [
    String.raw`:\/\/[^:/\s]*:[^@/\s]*@`,
    String.raw`hooks\.slack\.com`,
    'x-oauth-basic@',
    '-----BEGIN',
    '(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}',
    'secret_?access_?key',
    '_authToken=',
    'npm_[A-Z0-9_]{36}',
    '(?:xox[bpaor]|xapp)-',
    'sk-(?:proj-|svcacct-|admin-|ant-api0|[A-Z0-9]{20}T3BlbkFJ)',
    'gsk_',
    'hf_[A-Z]{34}',
    'lin_api_',
    'ntn_',
    String.raw`SG\.`,
    'shp(?:pa|ca|at|ss)_',
    'gh[pousr]_',
    'github_pat_',
    'glpat-',
    'glc_',
    'glsa_',
    'ops_ey',
    String.raw`hv[sbr]\.`,
    'vc[pciark]_',
    'dapi[0-9A-F]{32}',
    'dckr_pat_',
    'figd_',
  ].join('|'),
  'i',
);

/** Files some secretlint rule reads whatever they hold (gcp: `.json`; npm: `package.json`, `.npmrc`). */
const LIBRARY_FILES = /\.(?:json|npmrc)$/i;

/** A finding before line numbers and excerpts: offsets into the text. */
interface Candidate {
  /** Where the finding is reported (line, column). */
  at: number;
  /** Start and end of the secret: the part that is redacted. */
  start: number;
  end: number;
  kind: string;
  rule: string;
}

/**
 * Secrets in one migration file's text. `file` names the file in the hits
 * and tells secretlint the file type (its rules for `package.json`, `.npmrc`
 * and `.json` look at the name); nothing is read from disk.
 */
export async function findSecrets(text: string, file: string): Promise<SecretHit[]> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const runLibrary = LIBRARY_FILES.test(file) || LIBRARY_PREFILTER.test(text);
  const candidates = [...(runLibrary ? await libraryCandidates(text, file) : []), ...handWrittenCandidates(text)];
  return toHits(text, file, candidates);
}

// ---------------------------------------------------------------------------
// secretlint

type Library = {
  lintSource: typeof import('@secretlint/core').lintSource;
  preset: typeof import('@secretlint/secretlint-rule-preset-recommend').creator;
};
let library: Promise<Library> | undefined;

function loadLibrary(): Promise<Library> {
  library ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(
    ([core, preset]) => ({ lintSource: core.lintSource, preset: preset.creator }),
  );
  return library;
}

/** Human names of the preset's findings, by rule (and message id where one rule finds several kinds). */
const LIBRARY_KINDS: Record<string, string> = {
  'aws/AWSAccessKeyID': 'AWS access key ID',
  'aws/AWSSecretAccessKey': 'AWS secret access key',
  gcp: 'GCP service account key',
  privatekey: 'private key',
  npm: 'npm token',
  basicauth: 'URL with a password',
  slack: 'Slack token',
  'slack/IncomingWebhook': 'Slack webhook URL',
  sendgrid: 'SendGrid API key',
  shopify: 'Shopify API key',
  github: 'GitHub token',
  gitlab: 'GitLab token',
  grafana: 'Grafana token',
  openai: 'OpenAI API key',
  anthropic: 'Anthropic API key',
  groq: 'Groq API key',
  huggingface: 'Hugging Face token',
  linear: 'Linear API key',
  notion: 'Notion token',
  '1password': '1Password service account token',
  'database-connection-string': 'URL with a password',
  'hashicorp-vault': 'HashiCorp Vault token',
  vercel: 'Vercel token',
  databricks: 'Databricks token',
  docker: 'Docker Hub token',
  figma: 'Figma token',
};

async function libraryCandidates(text: string, file: string): Promise<Candidate[]> {
  const { lintSource, preset } = await loadLibrary();
  const ext = /\.[^./\\]+$/.exec(file)?.[0] ?? '';
  const result = await lintSource({
    source: {
      content: text,
      filePath: file,
      // The GCP rule reads a `.p12` file from disk; a migration is never one.
      ext: ext.toLowerCase() === '.p12' ? '' : ext,
      contentType: 'text',
    },
    options: {
      // Messages carry the secret unless masked; guard prints its own excerpt anyway.
      maskSecrets: true,
      noPhysicFilePath: true,
      config: {
        rules: [
          {
            id: preset.meta.id,
            rule: preset,
            rules: [
              // Access key IDs (AKIA...) are only scanned with this option. It
              // also turns on "AWS Account ID" (`account_id = 123456789012`),
              // which every table with an account_id column would trip: dropped below.
              { id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } },
              // `secretlint-disable` comments: guard has one opt-out, its own marker.
              { id: '@secretlint/secretlint-rule-filter-comments', disabled: true },
            ],
          },
        ],
      },
    },
  });
  const out: Candidate[] = [];
  for (const message of result.messages) {
    if (message.messageId === 'AWSAccountID') continue;
    const rule = message.ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
    const kind = LIBRARY_KINDS[`${rule}/${message.messageId}`] ?? LIBRARY_KINDS[rule] ?? `secret (secretlint ${rule})`;
    const span = librarySecretSpan(text, message.range[0], message.range[1], kind, message.messageId);
    if (span) out.push({ at: kind === 'private key' ? message.range[0] : span.start, ...span, kind, rule: `secretlint/${rule}` });
  }
  return out;
}

/**
 * The part of a secretlint finding to redact, or undefined to drop it. The
 * preset's ranges cover the whole match: for a URL, only the password is the
 * secret; a placeholder password (`%(password)s`, which the preset does not
 * know) is no finding, nor is one with a quote in it, which is code
 * (`"postgres://u:"+pw+"@h"`), not a literal. The AWS secret key's range is
 * the name's start with the key's length, so the key is looked up again.
 */
function librarySecretSpan(text: string, start: number, end: number, kind: string, messageId: string): { start: number; end: number } | undefined {
  if (kind === 'URL with a password') {
    // The preset's grammar: quotes may be part of the password.
    const userinfo = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/y;
    for (let at = start; at < end; at++) {
      userinfo.lastIndex = at;
      const match = userinfo.exec(text);
      if (!match) continue;
      const password = match[1]!;
      if (/['"\x60]/.test(password) || isPlaceholder(password) || isBindParameter(password)) return undefined;
      const from = at + match[0].length - password.length - 1;
      return { start: from, end: from + password.length };
    }
    return { start, end };
  }
  if (messageId === 'AWSSecretAccessKey') {
    const key = /[A-Za-z0-9/+=]{40}/g;
    key.lastIndex = start;
    const match = key.exec(text);
    if (match) return { start: match.index, end: match.index + 40 };
  }
  if (kind === 'private key') {
    // Keep the header readable, redact the body.
    const header = /PRIVATE KEY(?: BLOCK)?-----/y;
    for (let at = start; at < Math.min(end, start + 80); at++) {
      header.lastIndex = at;
      if (header.test(text)) return { start: header.lastIndex, end: Math.max(end, header.lastIndex + 1) };
    }
  }
  return { start, end };
}

// ---------------------------------------------------------------------------
// Hand-written rules

/**
 * `scheme://user:password@`: userinfo with a password, any scheme. Group 1 is
 * the password. No `/` in it, so `http://host:8080/a@b` is not read as one.
 */
const URL_WITH_PASSWORD = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/'"`]*:([^\s@/'"`]+)@/;

/** An SQL string literal (`'...'` with `''` escapes, optional E/N prefix): group 1 is the content. */
const SQL_STRING = String.raw`[EeNn]?'((?:[^'\n]|'')*)'`;

/** The secret in a match: its text and offset; `kind` overrides the rule's; `at` (offset) moves the reported position. */
interface Secret {
  value: string;
  offset: number;
  kind?: string;
  at?: number;
}

interface Rule {
  name: string;
  kind: string;
  /** A literal every match contains: the pattern runs only on the lines that have it. */
  lines: RegExp;
  /** Matched against one line at a time (every rule's matches are single lines). */
  pattern: RegExp;
  /** The secret in a match (`line` is the whole line); undefined drops the match. */
  secret?: (match: RegExpExecArray, line: string) => Secret | undefined;
}

/** Offset in the match of group `n`, which ends the match. */
const groupOffset = (match: RegExpExecArray, n: number): number => match[0].length - match[n]!.length;

const HAND_WRITTEN_RULES: Rule[] = [
  {
    // PostgreSQL CREATE/ALTER ROLE|USER ... [ENCRYPTED] PASSWORD '...', postgres_fdw
    // OPTIONS (password '...'), SQL Server PASSWORD = N'...', MySQL SET PASSWORD [FOR u] = '...',
    // old MySQL PASSWORD('...'), and `password = '...'` in any language.
    name: 'sql-password',
    lines: /password/i,
    kind: 'password literal',
    // Not `'password', '...'`: a quote right before or after the word means it is itself a string.
    pattern: new RegExp(String.raw`(?<!['"\x60])\bPASSWORD(?:\s+FOR\s+[^=;\n]{1,200}?\s*=\s*|\s*(?:=>?|\()\s*|\s+)(?:\(\s*)?${SQL_STRING}`, 'gi'),
    secret: (match) => literal(match[1]!, match[0].length - match[1]!.length - 1, 1),
  },
  {
    // pgcrypto: crypt('the password', gen_salt('bf')) stores a hash of a password written in clear.
    name: 'pgcrypto-crypt',
    lines: /crypt/i,
    kind: 'password literal',
    pattern: new RegExp(String.raw`\bcrypt\s*\(\s*${SQL_STRING}(?=\s*,\s*gen_salt\b)`, 'gi'),
    secret: (match) => literal(match[1]!, match[0].length - match[1]!.length - 1, 1),
  },
  {
    // MySQL IDENTIFIED [WITH plugin] BY '...' / BY PASSWORD '*hash' / AS 'hash'
    // (not BY RANDOM PASSWORD, which MySQL generates); Oracle IDENTIFIED BY word / BY VALUES 'hash'.
    name: 'identified-by',
    lines: /identified/i,
    kind: 'password literal',
    pattern: new RegExp(
      String.raw`\bIDENTIFIED\s+(?:WITH\s+['"\x60]?\w+['"\x60]?\s+)?(BY|AS)\s+(?:(PASSWORD|VALUES)\s+)?(?:${SQL_STRING}|"([^"\n]*)"|([^\s;'"(),]+))`,
      'gi',
    ),
    secret: (match) => {
      const group = match[3] !== undefined ? 3 : match[4] !== undefined ? 4 : 5;
      const value = match[group]!;
      if (group === 5 && value.toUpperCase() === 'RANDOM') return undefined;
      const found = literal(value, match[0].length - value.length - (group === 5 ? 0 : 1), 1, group === 5);
      const isHash = match[1]!.toUpperCase() === 'AS' || match[2] !== undefined;
      return found && isHash ? { ...found, kind: 'password hash' } : found;
    },
  },
  {
    // `password=...` inside a libpq conninfo, ADO/ODBC or JDBC string:
    // 'host=db user=app password=s3cret', "Server=x;Password=s3cret;", "...?user=a&password=s3cret".
    // Only inside quotes and beside another connection key, so that a Python
    // keyword argument (`password=pw`, a variable) is not taken for one.
    name: 'connection-string-password',
    lines: /pass|pwd/i,
    kind: 'password literal',
    pattern: /(?<![\w.])(?:password|passwd|pwd)\s*=\s*(?!['"])(%\([^)]*\)[sdr]|[^\s'";&,)]+)/gi,
    secret: (match, line) => {
      const before = line[match.index - 1] ?? '';
      const besideKey = /[?&;]/.test(before) || CONNECTION_KEY.test(line);
      if (!besideKey || !insideQuotes(line, match.index)) return undefined;
      return literal(match[1]!, groupOffset(match, 1), 1, true);
    },
  },
  {
    // Python/alembic (and JSON, YAML, JS): `db_password = "..."`, `password: str = '...'`,
    // `password='...'` (keyword argument), `"password": "..."` (dict, JSON).
    name: 'password-assignment',
    lines: /pass|pwd/i,
    kind: 'password literal',
    pattern:
      /(?<![\w$])(['"]?)([A-Za-z_][\w-]*)\1\s*(?:(?::\s*[A-Za-z_][\w.[\], |]*?)?(?:=>|:=|=)(?![=>])|:)\s*([rRbBuUfF]{0,2})(['"])((?:\\.|(?!\4)[^\\\n])*)\4/g,
    secret: (match) => {
      if (!isPasswordName(match[2]!)) return undefined;
      const value = match[5]!;
      if (/f/i.test(match[3]!) && value.includes('{')) return undefined;
      if (value.length < 4 || looksLikeTypeOrIdentifier(value)) return undefined;
      return literal(value, match[0].length - value.length - 1, 4);
    },
  },
  {
    name: 'url-with-password',
    lines: /:\/\//,
    kind: 'URL with a password',
    pattern: new RegExp(URL_WITH_PASSWORD.source, 'g'),
    secret: (match) => {
      const password = match[1]!;
      return isPlaceholder(password) || isBindParameter(password) ? undefined : { value: password, offset: match[0].length - password.length - 1 };
    },
  },
  {
    // Secret (sk_) and restricted (rk_) keys, live and test: both call the API.
    // Publishable keys (pk_) are public.
    name: 'stripe',
    lines: /k_live_|k_test_/,
    kind: 'Stripe secret key',
    pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247}(?![A-Za-z0-9])/g,
  },
  {
    name: 'stripe-webhook',
    lines: /whsec_/,
    kind: 'Stripe webhook secret',
    pattern: /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9]{32,}(?![A-Za-z0-9])/g,
  },
  {
    // secretlint's GCP rule reads service account files (.json, .p12), not keys inside other text.
    name: 'google-api-key',
    lines: /AIza/,
    kind: 'Google API key',
    pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  },
  {
    name: 'azure-storage-key',
    lines: /AccountKey/i,
    kind: 'Azure storage account key',
    pattern: /\bAccountKey\s*=\s*([A-Za-z0-9+/]{86}==)/gi,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1) }),
  },
  {
    // Service Bus, Event Hubs, IoT Hub connection strings.
    name: 'azure-shared-access-key',
    lines: /SharedAccessKey/i,
    kind: 'Azure shared access key',
    pattern: /\bSharedAccessKey\s*=\s*([A-Za-z0-9+/]{42,43}=)/gi,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1) }),
  },
  {
    // A shared access signature: `sig=` beside the `sv=` of the same query string.
    name: 'azure-sas',
    lines: /sig=/,
    kind: 'Azure SAS token',
    pattern: /[?&;]sig=([A-Za-z0-9%+/]{40,}(?:=|%3[Dd]){0,2})/g,
    secret: (match, line) => {
      return /[?&;]sv=\d{4}-\d{2}-\d{2}/.test(line) ? { value: match[1]!, offset: 5 } : undefined;
    },
  },
  {
    // Microsoft Entra ID (Azure AD) client secrets: three characters, a digit, `Q~`, 31 to 34 more.
    name: 'azure-client-secret',
    lines: /Q~/,
    kind: 'Azure client secret',
    pattern: /(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g,
  },
  {
    // secretlint's private key rule knows RSA/DSA/EC/OPENSSH/PGP and bare PKCS#8 keys, not encrypted ones.
    name: 'encrypted-private-key',
    lines: /-----BEGIN ENCRYPTED PRIVATE KEY-----/,
    kind: 'private key',
    pattern: /-----BEGIN ENCRYPTED PRIVATE KEY-----([^\n]*)/g,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1), at: 0 }),
  },
  {
    // Header and payload are base64url JSON objects (`{"` encodes as `eyJ`); a signature follows.
    name: 'jwt',
    lines: /eyJ/,
    kind: 'JSON Web Token',
    pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![\w-])/g,
  },
  {
    name: 'bearer',
    lines: /bearer/i,
    kind: 'bearer token',
    pattern: /\bBearer\s+([A-Za-z0-9\-._~+/]{20,}=*)/gi,
    secret: (match) => {
      const token = match[1]!;
      if (!/\d/.test(token) || !/[A-Za-z]/.test(token) || isPlaceholder(token) || /^eyJ/.test(token)) return undefined;
      return { value: token, offset: match[0].length - token.length };
    },
  },
];

const CONNECTION_KEY = /(?:^|[\s;'"?&])(?:host|hostaddr|dbname|user|port|sslmode|server|database|uid|user id|data source)\s*=/i;

/** Whether `at` in `line` lies inside a '...' or "..." string (backslash escapes honoured). */
function insideQuotes(line: string, at: number): boolean {
  let quote = '';
  for (let i = 0; i < at; i++) {
    const ch = line[i]!;
    if (quote !== '' && ch === '\\') i++;
    else if (quote === '' && (ch === "'" || ch === '"')) quote = ch;
    else if (ch === quote) quote = '';
  }
  return quote !== '';
}

/**
 * A literal value at `offset` in the match, unless it is a placeholder or
 * shorter than `minLength`; a password hash is reported as one.
 */
function literal(value: string, offset: number, minLength: number, unquoted = false): Secret | undefined {
  if (value.length < minLength || isPlaceholder(value) || (unquoted && isBindParameter(value))) return undefined;
  return isPasswordHash(value) ? { value, offset, kind: 'password hash' } : { value, offset };
}

/** Words people put where a password goes until the real one is set elsewhere. */
const PLACEHOLDER_WORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'secret', 'changeme', 'changeit', 'redacted', 'placeholder', 'todo', 'fixme',
  'none', 'null', 'undefined', 'notasecret', 'replaceme', 'yourpassword', 'mypassword', 'replacewithpassword',
  'dbpassword', 'databasepassword', 'userpassword', 'examplepassword', 'dummypassword',
]);

/** A value that is no secret: empty, a mask, a template or a placeholder word. */
export function isPlaceholder(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  if (/^(.)\1*$/s.test(trimmed)) return true; // ***, xxxx, ....
  // Templates: ${X}, {{x}}, {x}, %(x)s, <%= x %>, #{x}; then %s, $(cmd), $VAR, %VAR%, <password>, [REDACTED].
  if (/\$\{|\{\{|\{[A-Za-z_0-9]*\}|%\([^)]*\)[sdr]|<%|#\{/.test(trimmed)) return true;
  if (/^(?:%s|\$\(.*\)|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|<[^<>]*>|\[[^[\]]*\])$/.test(trimmed)) return true;
  const word = trimmed.toLowerCase().replace(/[\s_.-]/g, '');
  return PLACEHOLDER_WORDS.has(word) || /^(?:your|my|some|enter|insert)(?:password|secret|pass|pwd)(?:here)?$/.test(word);
}

/**
 * An unquoted value that is a parameter or variable, not a literal: `?`,
 * `$1`, `:password`, `@password` (T-SQL), `&password` (SQL*Plus).
 */
function isBindParameter(value: string): boolean {
  return /^(?:\?|\$\d+|[:@&]{1,2}\w+)$/.test(value);
}

/** PostgreSQL md5/SCRAM verifiers, MySQL native hashes, crypt(3)-style hashes (bcrypt, argon2, ...). */
function isPasswordHash(value: string): boolean {
  return /^(?:md5[0-9a-f]{32}|SCRAM-SHA-256\$\d+:|\*[0-9A-Fa-f]{40}$|\$(?:2[abxy]?|5|6|argon2(?:id|i|d)|pbkdf2[\w-]*|scrypt)\$)/.test(value);
}

/**
 * Names whose last word is a password: `password`, `db_password`, `DB_PASS`,
 * `adminPassword`, `passwd`, `pwd`, `passphrase`.
 */
function isPasswordName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_-]+/)
    .filter((w) => w !== '');
  const last = words[words.length - 1];
  return last === 'password' || last === 'passwd' || last === 'pwd' || last === 'pass' || last === 'passphrase';
}

/**
 * Values under a password-like name that name something instead: a column
 * type (`'password': 'VARCHAR(128)'`) or an identifier that is about
 * passwords (`password_column = 'password_hash'`, `'users.password'`).
 */
function looksLikeTypeOrIdentifier(value: string): boolean {
  if (/^(?:text|varchar|character varying|char|character|bytea|string|str|blob|binary|varbinary|unicode|unicodetext|nvarchar)\s*(?:\(\s*\d*\s*\))?$/i.test(value)) return true;
  return /^[A-Za-z_][\w.]*$/.test(value) && /pass|pwd/i.test(value);
}

function handWrittenCandidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of HAND_WRITTEN_RULES) {
    const lines = new RegExp(rule.lines.source, `${rule.lines.flags}g`);
    for (let hint = lines.exec(text); hint !== null; hint = lines.exec(text)) {
      const lineStart = text.lastIndexOf('\n', hint.index) + 1;
      const next = text.indexOf('\n', hint.index);
      const lineEnd = next === -1 ? text.length : next;
      const line = text.slice(lineStart, lineEnd);
      lines.lastIndex = lineEnd + 1;
      rule.pattern.lastIndex = 0;
      for (let match = rule.pattern.exec(line); match !== null; match = rule.pattern.exec(line)) {
        if (match[0] === '') {
          rule.pattern.lastIndex++;
          continue;
        }
        const secret = rule.secret ? rule.secret(match, line) : { value: match[0], offset: 0 };
        if (!secret) continue;
        const start = lineStart + match.index + secret.offset;
        out.push({
          at: lineStart + match.index + (secret.at ?? secret.offset),
          start,
          end: start + secret.value.length,
          kind: secret.kind ?? rule.kind,
          rule: `guard/${rule.name}`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Hits

function toHits(text: string, file: string, candidates: Candidate[]): SecretHit[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo; // 0-based
  };
  const lineText = (index: number): string => {
    const start = lineStarts[index]!;
    const next = lineStarts[index + 1];
    return text.slice(start, next === undefined ? text.length : next - 1).replace(/\r$/, '');
  };

  // Every secret is redacted in the excerpt of its line, whichever finding the excerpt is for.
  const spansByLine = new Map<number, Array<[number, number]>>();
  const sorted = [...candidates].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const candidate of sorted) {
    const line = lineOf(candidate.start);
    const start = candidate.start - lineStarts[line]!;
    const end = Math.min(candidate.end - lineStarts[line]!, lineText(line).length);
    const spans = spansByLine.get(line) ?? [];
    spans.push([start, Math.max(end, start + 1)]);
    spansByLine.set(line, spans);
  }

  const hits: SecretHit[] = [];
  const kept: Candidate[] = [];
  for (const candidate of sorted) {
    const line = lineOf(candidate.at);
    const current = lineText(line);
    if (current.includes(ALLOW_SECRET_MARKER) && !current.includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
    if (line > 0 && lineText(line - 1).includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
    // The same secret found twice (by secretlint and a hand-written rule): reported once.
    if (kept.some((k) => k.start < candidate.end && candidate.start < k.end)) continue;
    kept.push(candidate);
    hits.push({
      file,
      line: line + 1,
      column: candidate.at - lineStarts[line]! + 1,
      kind: candidate.kind,
      rule: candidate.rule,
      excerpt: redactLine(current, spansByLine.get(line) ?? []),
    });
  }
  return hits.sort((a, b) => a.line - b.line || a.column - b.column);
}

const MAX_EXCERPT = 160;

/** The line with each span replaced by its first 4 characters (when 16 or more long) and `****`; trimmed, and cut when long. */
export function redactLine(line: string, spans: ReadonlyArray<readonly [number, number]>): string {
  const merged: Array<[number, number]> = [];
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let at = 0;
  let firstSecret = -1;
  for (const [start, end] of merged) {
    out += line.slice(at, start);
    if (firstSecret === -1) firstSecret = out.length;
    out += `${end - start >= 16 ? line.slice(start, start + 4) : ''}****`;
    at = end;
  }
  out += line.slice(at);
  const leading = out.length - out.trimStart().length;
  out = out.trim();
  if (out.length <= MAX_EXCERPT) return out;
  const from = Math.max(0, Math.min(firstSecret - leading - 40, out.length - MAX_EXCERPT));
  return `${from > 0 ? '…' : ''}${out.slice(from, from + MAX_EXCERPT)}${from + MAX_EXCERPT < out.length ? '…' : ''}`;
}
