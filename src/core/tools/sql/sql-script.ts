/**
 * A plain SQL migration as guard's own runner sees it (README, "guard's
 * runner for plain SQL"): its statements, each with the line it starts on,
 * and whether it runs in a transaction. Pure: the runner in
 * src/shell/postgres/sql-runner.ts sends the statements; everything that can
 * be refused is refused here, before any migration runs.
 *
 * Statements are split where psql splits them (psqlscan.l): at a `;` outside
 * quotes, comments and parentheses, and, in `CREATE [OR REPLACE] FUNCTION` or
 * `PROCEDURE`, outside `BEGIN ... END` (SQL-standard bodies, `BEGIN ATOMIC`),
 * counting `CASE ... END` inside them. So a file `psql -f` runs statement by
 * statement is run the same way, and an error names the statement's line.
 */
import { lineIndex } from '../../line-index.js';
import { tokenizeSql, type SqlToken } from '../../secrets/sql-tokens.js';

/**
 * The marker that takes a migration out of a transaction, on its first line:
 * `-- guard:no-transaction`. For statements PostgreSQL refuses to run in a
 * transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...).
 */
export const NO_TRANSACTION_MARKER = 'guard:no-transaction';

/**
 * The same instruction in the words of the tools a plain SQL set may have
 * been run with before guard ran it. A deployed migration is sealed, so a
 * project cannot add guard's marker to it; guard reads theirs, in the
 * comment lines before the first statement:
 * postgres-migrations (`-- postgres-migrations disable-transaction`),
 * graphile-migrate (`--! no-transaction`), sqlx (`-- no-transaction`),
 * golang-migrate's older PostgreSQL driver (`-- disable_ddl_transaction`) and
 * PrairieLearn's migrations (`-- prairielearn:migrations NO TRANSACTION`).
 */
const NO_TRANSACTION_MARKERS: readonly RegExp[] = [
  new RegExp(`^--\\s*${NO_TRANSACTION_MARKER}(?:\\s|$)`),
  /^--\s*postgres-migrations\s+disable-transaction(?:\s|$)/,
  /^--!\s*no-transaction(?:\s|$)/,
  /^--\s*no-transaction(?:\s|$)/,
  /^--\s*disable_ddl_transaction(?:\s|$)/,
  /^--\s*prairielearn:migrations\s+NO TRANSACTION(?:\s|$)/,
];

/** Whether a comment line before the first statement takes the migration out of a transaction. */
function markedNoTransaction(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) return false;
    if (NO_TRANSACTION_MARKERS.some((marker) => marker.test(line))) return true;
  }
  return false;
}

export interface SqlStatement {
  /** The statement as sent: from its first token to its `;` (comments inside kept). */
  text: string;
  /** 1-based line of the file where the statement starts. */
  line: number;
}

export interface SqlScriptProblem {
  /** 1-based line. */
  line: number;
  message: string;
  fix: string;
}

export interface SqlScript {
  /** False when the comment lines before the first statement carry {@link NO_TRANSACTION_MARKER} (or another tool's, NO_TRANSACTION_MARKERS). */
  transactional: boolean;
  statements: SqlStatement[];
  /** What the runner refuses to start with; empty when the script can run. */
  problems: SqlScriptProblem[];
}

/** Statements that end or open a transaction: in a transactional migration they would commit half of it. */
const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'prepare']);

/**
 * Reads a migration's text for the runner.
 *
 * @example
 * readSqlScript('-- guard:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n')
 * // { transactional: false, statements: [{ text: 'CREATE INDEX CONCURRENTLY i ON t (a);', line: 2 }], problems: [] }
 */
export function readSqlScript(source: string): SqlScript {
  // A byte-order mark is no SQL (the lockfile's checksum ignores it too); a space keeps every offset.
  const text = source.startsWith('\uFEFF') ? ` ${source.slice(1)}` : source;
  const transactional = !markedNoTransaction(text);
  const lines = lineIndex(text);
  const lineAt = (offset: number): number => lines.lineOf(offset) + 1;

  const statements: SqlStatement[] = [];
  const problems: SqlScriptProblem[] = [];
  let current: SqlToken[] = [];
  let words: string[] = [];
  let parens = 0;
  let blocks = 0;
  const end = (last: SqlToken | undefined) => {
    const first = current.find((token) => token.kind !== 'comment');
    if (first && last) {
      const statement = { text: text.slice(first.start, last.end), line: lineAt(first.start) };
      statements.push(statement);
      problems.push(...statementProblems(words, statement, transactional));
    }
    current = [];
    words = [];
    parens = 0;
    blocks = 0;
  };
  for (const token of tokenizeSql(text)) {
    if (token.kind === 'meta-command') {
      problems.push({
        line: lineAt(token.start),
        message: `psql meta-command ${text.slice(token.start, token.end).trim().split(/\s/, 1)[0]}: guard's runner sends SQL to PostgreSQL, and only psql reads backslash commands`,
        fix: 'write it as SQL, or run the set with psql: guard deploy ENV -- psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -1 -f FILE',
      });
      continue;
    }
    current.push(token);
    if (token.kind === 'comment') continue;
    const value = text.slice(token.start, token.end);
    if (token.kind === 'parameter' && value.startsWith(':')) {
      problems.push({
        line: lineAt(token.start),
        message: `psql variable ${value}: guard's runner sends SQL to PostgreSQL, and only psql substitutes variables`,
        fix: 'write the value into the migration, or run the set with psql: guard deploy ENV -- psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -1 -f FILE',
      });
      continue;
    }
    if (token.kind === 'punctuation') {
      if (value === '(') parens++;
      else if (value === ')') parens = Math.max(0, parens - 1);
      else if (value === ';' && parens === 0 && blocks === 0) end(token);
      continue;
    }
    if (token.kind !== 'word') continue;
    const word = value.toLowerCase();
    words.push(word);
    if (parens === 0 && routineDefinition(words)) {
      if (word === 'begin') blocks++;
      else if (word === 'case' && blocks > 0) blocks++;
      else if (word === 'end' && blocks > 0) blocks--;
    }
  }
  end(current.findLast((token) => token.kind !== 'comment'));
  if (!transactional) problems.push(...unclosedTransaction(statements));
  return { transactional, statements, problems };
}

/**
 * A migration outside guard's transaction may manage its own, but one it
 * leaves open would be rolled back when the session ends, after guard
 * recorded the migration as applied.
 */
function unclosedTransaction(statements: readonly SqlStatement[]): SqlScriptProblem[] {
  let opened: SqlStatement | undefined;
  for (const statement of statements) {
    const words = tokenizeSql(statement.text)
      .filter((token) => token.kind === 'word')
      .slice(0, 2)
      .map((token) => statement.text.slice(token.start, token.end).toLowerCase());
    const [first, second] = words;
    if (first === 'begin' || (first === 'start' && second === 'transaction')) opened = statement;
    else if (first === 'commit' || first === 'end' || first === 'abort' || (first === 'rollback' && second !== 'to')) opened = undefined;
  }
  if (!opened) return [];
  return [
    {
      line: opened.line,
      message: 'BEGIN here is never committed: PostgreSQL would roll back what follows it when guard closes the session',
      fix: 'end the transaction with COMMIT before the end of the file',
    },
  ];
}

/** psql's test: the statement so far starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. */
function routineDefinition(words: readonly string[]): boolean {
  if (words[0] !== 'create') return false;
  const kind = words[1] === 'or' && words[2] === 'replace' ? words[3] : words[1];
  return kind === 'function' || kind === 'procedure';
}

function statementProblems(words: readonly string[], statement: SqlStatement, transactional: boolean): SqlScriptProblem[] {
  if (words[0] === 'copy' && words.includes('stdin')) {
    return [
      {
        line: statement.line,
        message: 'COPY ... FROM STDIN waits for data only psql sends: the deploy would hang holding its lock',
        fix: 'write the rows as INSERT ... VALUES, or COPY from a file on the database server; or run the set with psql: guard deploy ENV -- psql ...',
      },
    ];
  }
  if (!transactional) return [];
  const [first, second] = words;
  if (first !== undefined && TRANSACTION_CONTROL.has(first) && !(first === 'rollback' && second === 'to') && !(first === 'prepare' && second !== 'transaction') && !(first === 'start' && second !== 'transaction')) {
    return [
      {
        line: statement.line,
        message: `${words.slice(0, first === 'start' || first === 'prepare' ? 2 : 1).join(' ').toUpperCase()} inside a migration guard runs in a transaction: it would end that transaction and commit part of the migration`,
        fix: `remove it: guard runs each migration in its own transaction; or put \`-- ${NO_TRANSACTION_MARKER}\` on the file's first line to manage transactions yourself`,
      },
    ];
  }
  const what = outsideTransactionOnly(words);
  if (what === undefined) return [];
  return [
    {
      line: statement.line,
      message: `${what} cannot run inside a transaction block, and guard runs this migration in one`,
      fix: `put \`-- ${NO_TRANSACTION_MARKER}\` on the file's first line (keep such a statement in a migration of its own: statements outside a transaction are not undone when a later one fails)`,
    },
  ];
}

/**
 * The statements PostgreSQL refuses in a transaction block
 * (PreventInTransactionBlock callers): named so the user hears it before the
 * deploy starts, not from the server in the middle of it.
 */
function outsideTransactionOnly(words: readonly string[]): string | undefined {
  const [first, second, third] = words;
  if ((first === 'create' || first === 'drop' || first === 'reindex') && words.includes('concurrently')) return `${first.toUpperCase()} ... CONCURRENTLY`;
  if (first === 'alter' && second === 'table' && words.includes('detach') && words.includes('concurrently')) return 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY';
  if (first === 'vacuum') return 'VACUUM';
  if (first === 'cluster' && second === undefined) return 'CLUSTER without a table';
  // REINDEX [ (options) ] DATABASE | SYSTEM: the options are words too.
  if (first === 'reindex' && (words.includes('database') || words.includes('system'))) return `REINDEX ${words.includes('system') ? 'SYSTEM' : 'DATABASE'}`;
  if ((first === 'create' || first === 'drop') && (second === 'database' || second === 'tablespace')) return `${first.toUpperCase()} ${second.toUpperCase()}`;
  if (first === 'alter' && second === 'system') return 'ALTER SYSTEM';
  if (first === 'create' && second === 'subscription') return 'CREATE SUBSCRIPTION';
  if (first === 'drop' && second === 'subscription') return 'DROP SUBSCRIPTION';
  if (first === 'alter' && second === 'subscription' && third !== undefined && words.includes('refresh')) return 'ALTER SUBSCRIPTION ... REFRESH';
  return undefined;
}

/**
 * The line of the file an error position of PostgreSQL falls on: `position`
 * counts characters (not bytes) from 1 in the statement sent
 * (https://www.postgresql.org/docs/current/protocol-error-fields.html, `P`).
 *
 * @example lineOfPosition({ text: 'SELECT\n  nope;', line: 4 }, 10) // 5
 */
export function lineOfPosition(statement: SqlStatement, position: number | undefined): number {
  if (position === undefined || !Number.isInteger(position) || position < 1) return statement.line;
  let line = statement.line;
  let seen = 0;
  for (const character of statement.text) {
    if (++seen >= position) break;
    if (character === '\n') line++;
  }
  return line;
}
