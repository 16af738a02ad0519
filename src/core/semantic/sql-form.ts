/**
 * The canonical form of a SQL migration for the semantic checksum (README,
 * "Cosmetic edits"): PostgreSQL's own parse tree of each statement
 * (libpg_query, https://github.com/pganalyze/libpg_query), without the
 * positions it records. Whitespace, comments, the case of keywords and of
 * unquoted identifiers (which PostgreSQL folds to lower case,
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS)
 * and the quoting of a string (`'a'`, `$$a$$`, `E'\x61'`) do not change it.
 * A literal, an operator, a statement or their order does; so does every
 * quoted identifier as written (`"users"` is kept apart from `users`), and
 * every comment that is an instruction to a tool (INSTRUCTION_COMMENT), with
 * its place among the statements: moving a statement across
 * `-- migrate:down` moves it from one migration direction to the other.
 *
 * Pure: it reads what the parser and scanner returned, in the shell.
 */

/** The parser's result (`parseSync`): statements with byte offsets. */
export interface SqlParseResult {
  stmts?: readonly { stmt?: unknown; stmt_location?: number; stmt_len?: number }[];
}

/** One token of the scanner (`scanSync`). */
export interface SqlScanToken {
  start: number;
  text: string;
  tokenName: string;
}

/**
 * Comments other tools read as instructions: dbmate (`-- migrate:up`),
 * goose (`-- +goose Up`), sql-migrate (`-- +migrate Down`),
 * graphile-migrate (`--! no-transaction`), Liquibase formatted SQL
 * (`--changeset`, `--rollback`, `--preconditions`), Atlas (`-- atlas:txmode`),
 * shmig (`-- ==== UP ====`), MyBatis (`-- //@UNDO`), guard's own
 * (`-- guard:no-transaction`) and the no-transaction markers guard reads.
 * When in doubt a comment is one: anything starting with a symbol, a
 * `word:` prefix, or one of the words these tools use.
 */
const INSTRUCTION_COMMENT =
  /^(?:[^\sA-Za-z0-9]|\S+:|(?:up|down|changeset|rollback|preconditions?|precondition-\S+|validchecksum|ignorelines|liquibase|include|no-transaction|disable_ddl_transaction|postgres-migrations|prairielearn|statementbegin|statementend|name)\b)/i;

/** Whether a comment (`-- ...` or `/* ... *\/`) is an instruction to a tool, kept in the canonical form. */
export function isInstructionComment(comment: string): boolean {
  if (comment.startsWith('/*')) return comment.startsWith('/*+') || comment.startsWith('/*!'); // optimizer hints, MySQL-style conditional code
  return INSTRUCTION_COMMENT.test(comment.replace(/^--\s*/, ''));
}

/** Keys of the parse tree that record where text was, not what it says. */
const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len']);

/**
 * The canonical form of a SQL file, as text.
 *
 * @example
 * sqlCanonicalForm(parseSync(a), scanSync(a).tokens) === sqlCanonicalForm(parseSync(b), scanSync(b).tokens)
 * // for a = 'select 1; -- why\n', b = 'SELECT  1;'
 */
export function sqlCanonicalForm(parsed: SqlParseResult, tokens: readonly SqlScanToken[]): string {
  const statements = parsed.stmts ?? [];
  const code = tokens.filter((token) => !isComment(token));
  // Where each statement's first token is: its recorded start includes the whitespace and comments before it.
  const firstTokens = statements.map((statement) => code.find((token) => token.start >= (statement.stmt_location ?? 0))?.start ?? Infinity);
  const directives = tokens
    .filter((token) => isComment(token) && isInstructionComment(token.text))
    .map((token) => [firstTokens.filter((start) => start < token.start).length, token.text.trimEnd()]);
  const quoted = code.filter((token) => /^(?:[Uu]&)?"/.test(token.text)).map((token) => token.text);
  const trees = statements.map((statement) => statement.stmt ?? null);
  return JSON.stringify({ statements: trees, directives, quoted }, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
}

function isComment(token: SqlScanToken): boolean {
  return token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
}
