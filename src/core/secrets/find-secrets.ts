/**
 * Secrets in migration files (SQL, Alembic Python, Flyway SQL, JavaScript
 * and TypeScript): what the
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
 *   names given a value, and SQL built in strings, `op.execute(...)`),
 *   JavaScript and TypeScript files (Knex, TypeORM, Sequelize,
 *   node-pg-migrate, Kysely) with an ECMAScript tokenizer (js-secrets.ts:
 *   the same, with `knex.raw(...)`, template literals and `+`); a
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

import type { Candidate } from './candidate.js';
import { jsCandidates } from './js-secrets.js';
import { lineRuleCandidates } from './line-rules.js';
import { sourceText } from './mapped-text.js';
import { pythonCandidates } from './python-secrets.js';
import { sqlCandidates } from './sql-secrets.js';
import { LIBRARY_FILES, LIBRARY_PREFILTER, libraryCandidates } from './secretlint-bridge.js';
import { toHits, TOO_COMPLEX_KIND, type SecretHit } from './secret-hits.js';
import { ScanLimitExceeded, withScanBudget } from './value-parts.js';

// The scanner's public face: what the shell and the tests use, wherever it lives.
export { isPlaceholder } from './secret-values.js';
export { ALLOW_SECRET_MARKER, ALLOW_SECRET_NEXT_LINE_MARKER, MAX_HITS_PER_FILE, redactLine, TOO_COMPLEX_KIND, type Redaction, type SecretHit } from './secret-hits.js';
export { LIBRARY_PREFILTER, REVIEWED_SECRETLINT_RULES } from './secretlint-bridge.js';

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
function languageCandidates(source: ReturnType<typeof sourceText>, language: Language): Candidate[] {
  const scan = { sql: sqlCandidates, python: pythonCandidates, javascript: jsCandidates }[language];
  try {
    return withScanBudget(SCAN_WORK_BASE + SCAN_WORK_PER_CHARACTER * source.text.length, () => scan(source));
  } catch (error) {
    if (!(error instanceof ScanLimitExceeded)) throw error;
    return [{ at: error.at, spans: [[error.at, error.at]], kind: TOO_COMPLEX_KIND, rule: 'guard/scan-limit' }];
  }
}

type Language = 'sql' | 'python' | 'javascript';

/**
 * Files read with a tokenizer: SQL (plain, Flyway, psql scripts), Python
 * (Alembic, Django), JavaScript and TypeScript (Knex, TypeORM, Sequelize,
 * node-pg-migrate, Kysely).
 */
function languageOf(file: string): Language | undefined {
  if (/\.(?:sql|psql|pgsql)$/i.test(file)) return 'sql';
  if (/\.py$/i.test(file)) return 'python';
  if (/\.(?:[mc]?js|[mc]?ts)$/i.test(file)) return 'javascript';
  return undefined;
}
