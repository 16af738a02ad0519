/**
 * Secrets in migration files (SQL, Alembic Python, Flyway SQL): what the
 * pre-commit and pre-push hooks and the CI gate refuse in an added or changed
 * migration. Pure: it gets a file's text and name, never reads a file.
 *
 * Three sources of findings:
 *
 * - secretlint's recommended rule preset (`@secretlint/core` and
 *   `@secretlint/secretlint-rule-preset-recommend`, MIT, pinned to 12.0.0,
 *   the last line that runs on Node 20): private keys, AWS keys, GitHub,
 *   GitLab, Slack, npm, OpenAI, Anthropic, SendGrid, Shopify, Vault and other
 *   vendor tokens, and postgres/mysql/mongodb/http URLs that carry a password.
 *   Its patterns are kept up to date by people who follow the vendors' token
 *   formats; a hand-written copy would go stale.
 * - hand-written line rules (line-rules.ts) for secrets known by their shape
 *   that the preset lacks: URLs of any scheme with a password (SQLAlchemy's
 *   `postgresql+psycopg2://`, `redis://`, `amqp://` ...; and `admin:`/`root:`
 *   users, which secretlint's basic-auth rule skips), Stripe keys, Google API
 *   keys, Azure keys and SAS tokens, encrypted private keys, JSON Web Tokens
 *   and `Bearer` tokens. These two read the whole text, comments included.
 * - password literals and hashes, read on a token stream so that the
 *   spelling does not matter: SQL files (`.sql`, `.psql`, `.pgsql`: plain,
 *   Flyway, dbmate, goose ...) with a PostgreSQL tokenizer (sql-secrets.ts:
 *   `PASSWORD`, `IDENTIFIED BY`, `crypt()`, psql `\set`), Python files
 *   (Alembic, Django) with a Python tokenizer (python-secrets.ts: password
 *   names given a value, and SQL built in strings, `op.execute(...)`); a
 *   statement split over lines, dollar quotes, `E''`, `U&''`, string
 *   continuation, `||`, implicit concatenation, f-strings and a variable
 *   assigned in one place and used in another are all one value. String
 *   values and comments are read again with the line rules (a conninfo's
 *   `password=`, JSON's `"password": "..."`). Other files (Ruby, Java, XML,
 *   YAML ...) are read line by line with the line rules for password
 *   literals too (`password = "..."`, `PASSWORD '...'`).
 *
 * Every piece of a secret is redacted in the excerpt (`PASSWORD '****' ||
 * '****'`); a token of 16 characters or more keeps its first 4 (`ghp_****`),
 * which name its vendor; a password shows nothing of itself.
 *
 * secretlint costs 25 to 40 ms the first time it runs when bundled (60 ms
 * or more from node_modules), so it is imported, lazily, only when a cheap
 * test (LIBRARY_PREFILTER) says one of its rules could match. That test is a
 * superset condition, written against the rules of the pinned version
 * (REVIEWED_SECRETLINT_RULES; a test fails when the preset's rule list
 * changes). The hand-written rules always run; each runs only on the lines
 * that hold a literal it needs, and the tokenizers are single passes, so a
 * large data migration stays fast.
 *
 * Opt-out for test fixtures with fake keys: `guard:allow-secret` anywhere on
 * the line where a finding starts, or `guard:allow-secret-next-line` on the
 * line before it. A finding starts where its secret does: for a statement
 * over several lines, the line of the value's first piece (not the line of
 * `CREATE ROLE` or `PASSWORD`); for a value assigned to a variable and used
 * later, the line of the assignment.
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
 * A value built partly at run time (`'prefix' || current_setting('x')`,
 * `"pw-" + os.environ["X"]`, an f-string field other than a known name) is
 * a template, and no finding.
 *
 * Not found: a password that is only a positional value
 * (`INSERT INTO users (name, password) VALUES ('a', 'hunter2')`), and
 * secrets under names other than password-like ones without a vendor format
 * (`api_key = '...'`): without a pattern of their own they cannot be told
 * from ordinary data precisely enough to block a commit.
 */

import { lineIndex } from '../line-index.js';
import type { Candidate } from './candidate.js';
import { lineRuleCandidates } from './line-rules.js';
import { sourceText, type Span } from './mapped-text.js';
import { pythonCandidates } from './python-secrets.js';
import { isBindParameter, isPlaceholder } from './secret-values.js';
import { sqlCandidates } from './sql-secrets.js';
import { ScanLimitExceeded, withScanBudget } from './value-parts.js';

export { isPlaceholder } from './secret-values.js';

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

/**
 * Secrets in one migration file's text. `file` names the file in the hits
 * and tells secretlint the file type (its rules for `package.json`, `.npmrc`
 * and `.json` look at the name); nothing is read from disk.
 */
export async function findSecrets(text: string, file: string): Promise<SecretHit[]> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const runLibrary = LIBRARY_FILES.test(file) || LIBRARY_PREFILTER.test(text);
  const source = sourceText(text);
  const language = languageOf(file);
  const candidates = [
    ...(runLibrary ? await libraryCandidates(text, file) : []),
    // Shapes in the whole text, comments and strings included. Password
    // literals line by line only where no tokenizer reads the file: a line
    // rule would take `PASSWORD '" + pw + "'` for a literal.
    ...lineRuleCandidates(source, language === undefined ? ['password', 'shape'] : ['shape'], false),
    ...(language === undefined ? [] : languageCandidates(source, language)),
  ];
  return toHits(text, file, candidates);
}

/** Kind of the finding for a file the tokenizers stopped reading (SCAN_WORK_PER_CHARACTER, MAX_NESTING). */
export const TOO_COMPLEX_KIND = 'too complex to check for secrets';

/**
 * Work a scan may do per character of the file, and on top: every value the
 * scanners build (a constant put into a string, a `%` argument) costs its
 * length. Ordinary migrations use a few percent of it (the corpus: at most
 * 1.2 units per character); a file built to make the scan slow (one name
 * rebound a hundred thousand times, a constant used in every string, a value
 * doubled on every line) runs out, and is refused as too complex to check
 * rather than let through partly read.
 */
const SCAN_WORK_PER_CHARACTER = 20;
const SCAN_WORK_BASE = 2_000_000;

/**
 * Password literals found by the language's tokenizer; the finding
 * TOO_COMPLEX_KIND where the scan ran out of work or nesting.
 */
function languageCandidates(source: ReturnType<typeof sourceText>, language: 'sql' | 'python'): Candidate[] {
  try {
    return withScanBudget(SCAN_WORK_BASE + SCAN_WORK_PER_CHARACTER * source.text.length, () =>
      language === 'sql' ? sqlCandidates(source) : pythonCandidates(source),
    );
  } catch (error) {
    if (!(error instanceof ScanLimitExceeded)) throw error;
    return [{ at: error.at, spans: [[error.at, error.at]], kind: TOO_COMPLEX_KIND, rule: 'guard/scan-limit' }];
  }
}

/** Files read with a tokenizer: SQL (plain, Flyway, psql scripts) and Python (Alembic, Django). */
function languageOf(file: string): 'sql' | 'python' | undefined {
  if (/\.(?:sql|psql|pgsql)$/i.test(file)) return 'sql';
  if (/\.py$/i.test(file)) return 'python';
  return undefined;
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
    if (span) out.push({ at: kind === 'private key' ? message.range[0] : span.start, spans: [[span.start, span.end]], kind, rule: `secretlint/${rule}` });
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
// Hits

/** Findings kept per file: a file with more is refused either way, and its first ones say why. */
export const MAX_HITS_PER_FILE = 100;

function toHits(text: string, file: string, candidates: Candidate[]): SecretHit[] {
  const { starts: lineStarts, lineOf } = lineIndex(text);
  const lineText = (index: number): string => {
    const start = lineStarts[index]!;
    const next = lineStarts[index + 1];
    return text.slice(start, next === undefined ? text.length : next - 1).replace(/\r$/, '');
  };

  // Every piece of every secret is redacted on its line, whichever finding
  // the excerpt is for; a piece over several lines (a dollar-quoted value)
  // on each of them.
  const redactionsByLine = new Map<number, Redaction[]>();
  // A constant used in many places makes many findings with the same spans: each is redacted once.
  const redacted = new Set<string>();
  for (const candidate of candidates) {
    candidate.spans.forEach(([start, end], index) => {
      const key = `${start},${end},${index === 0 && showsPrefix(candidate.kind)}`;
      if (redacted.has(key)) return;
      redacted.add(key);
      for (let from = start; from < end; ) {
        const line = lineOf(from);
        const lineStart = lineStarts[line]!;
        const next = lineStarts[line + 1] ?? text.length;
        const to = Math.min(end, next);
        const redactions = redactionsByLine.get(line) ?? [];
        const showPrefix = index === 0 && from === start && showsPrefix(candidate.kind);
        const startColumn = from - lineStart;
        redactions.push([startColumn, Math.max(Math.min(to - lineStart, lineText(line).length), startColumn + 1), showPrefix]);
        redactionsByLine.set(line, redactions);
        from = next;
      }
    });
  }

  // The finding that covers most is kept when several find one secret
  // (secretlint and a rule, or a statement's value and a piece of it).
  const covered = new Map(candidates.map((candidate) => [candidate, candidate.spans.reduce((sum, [start, end]) => sum + end - start, 0)]));
  const sorted = [...candidates].sort((a, b) => a.spans[0]![0] - b.spans[0]![0] || covered.get(b)! - covered.get(a)!);
  const kept = new KeptSpans();
  // One excerpt per line, however many findings it has (a long line is redacted once).
  const excerpts = new Map<number, string>();
  const excerptOf = (line: number): string => {
    let excerpt = excerpts.get(line);
    if (excerpt === undefined) {
      excerpt = redactLine(lineText(line), redactionsByLine.get(line) ?? []);
      excerpts.set(line, excerpt);
    }
    return excerpt;
  };
  const hits: SecretHit[] = [];
  for (const candidate of sorted) {
    if (hits.length >= MAX_HITS_PER_FILE) break;
    const line = lineOf(candidate.at);
    const current = lineText(line);
    const tooComplex = candidate.kind === TOO_COMPLEX_KIND;
    if (!tooComplex) {
      // The markers are for fake secrets; a scan cut short is no secret to allow.
      if (current.includes(ALLOW_SECRET_MARKER) && !current.includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
      if (line > 0 && lineText(line - 1).includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
      if (kept.overlaps(candidate.spans)) continue;
      kept.add(candidate.spans);
    }
    hits.push({
      file,
      line: line + 1,
      column: candidate.at - lineStarts[line]! + 1,
      kind: candidate.kind,
      rule: candidate.rule,
      // Where a scan stopped, nothing of the line is shown: it was not read for secrets.
      excerpt: tooComplex ? '' : excerptOf(line),
    });
  }
  return hits.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The spans of the findings kept so far, merged and sorted, for a binary search of each new one. */
class KeptSpans {
  private spans: Array<[number, number]> = [];

  overlaps(spans: readonly Span[]): boolean {
    for (const [start, end] of spans) {
      // The last kept span that starts before `end`.
      let lo = 0;
      let hi = this.spans.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.spans[mid]![0] < end) lo = mid + 1;
        else hi = mid;
      }
      const before = this.spans[lo - 1];
      if (before && before[1] > start) return true;
    }
    return false;
  }

  /** Adds a finding's spans (at most MAX_HITS_PER_FILE times a file: a sort each time is cheap). */
  add(spans: readonly Span[]): void {
    const all = [...this.spans, ...spans.map(([start, end]): [number, number] => [start, end])].sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const span of all) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    this.spans = merged;
  }
}

/**
 * Whether a redacted secret keeps its first 4 characters (when 16 or more
 * long): a token's prefix names its vendor (`ghp_`, `sk_l`); a password
 * chosen by a person shows nothing of itself.
 */
function showsPrefix(kind: string): boolean {
  return kind !== 'password literal' && kind !== 'URL with a password';
}

/** Columns [start, end) of a line to redact, and whether the first 4 characters may stay. */
export type Redaction = readonly [start: number, end: number, showPrefix?: boolean];

const MAX_EXCERPT = 160;

/** The line with each span replaced by `****` (after its first 4 characters when it may show them and is 16 or more long); trimmed, and cut when long. */
export function redactLine(line: string, spans: ReadonlyArray<Redaction>): string {
  const merged: Array<[number, number, boolean]> = [];
  for (const [start, end, showPrefix = false] of [...spans].sort((a, b) => a[0] - b[0] || b[1] - a[1])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end, showPrefix]);
  }
  let out = '';
  let at = 0;
  let firstSecret = -1;
  for (const [start, end, showPrefix] of merged) {
    out += line.slice(at, start);
    if (firstSecret === -1) firstSecret = out.length;
    out += `${showPrefix && end - start >= 16 ? line.slice(start, start + 4) : ''}****`;
    at = end;
  }
  out += line.slice(at);
  const leading = out.length - out.trimStart().length;
  out = out.trim();
  if (out.length <= MAX_EXCERPT) return out;
  const from = Math.max(0, Math.min(firstSecret - leading - 40, out.length - MAX_EXCERPT));
  return `${from > 0 ? '…' : ''}${out.slice(from, from + MAX_EXCERPT)}${from + MAX_EXCERPT < out.length ? '…' : ''}`;
}
