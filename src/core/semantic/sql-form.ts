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
 * its place: among the statements (moving a statement across
 * `-- migrate:down` moves it from one migration direction to the other),
 * inside a statement, and on its line (dbmate reads `-- migrate:down` only
 * at the start of a line). Also kept, for the runners that read lines
 * rather than SQL:
 *
 * - in a file with goose's, sql-migrate's or MyBatis's instructions, where
 *   lines end with `;` (they end a statement there, even inside
 *   `BEGIN ATOMIC` or a block comment, and goose refuses a last statement
 *   without one);
 * - before the last instruction of the comments that open the file, the
 *   whitespace and the kind of every comment (guard reads its
 *   no-transaction marker only in the `--` lines that open the file; sqlx
 *   only on the first line);
 * - a `'...'` string with a backslash as written: under
 *   `standard_conforming_strings = off` it means something else.
 *
 * Pure: it reads what the parser and scanner returned, in the shell.
 */

/** The parser's result (`parseSync`): statements with byte offsets. */
export interface SqlParseResult {
  stmts?: readonly { stmt?: unknown; stmt_location?: number; stmt_len?: number }[];
}

/** One token of the scanner (`scanSync`); offsets in bytes of the UTF-8 text. */
export interface SqlScanToken {
  start: number;
  text: string;
  tokenName: string;
}

/**
 * Comments other tools read as instructions: dbmate (`-- migrate:up`),
 * goose (`-- +goose Up`), sql-migrate (`-- +migrate Down`),
 * graphile-migrate (`--! no-transaction`), Liquibase formatted SQL
 * (`--changeset`, `--rollback`, `--rollbackSqlFile`, `--preconditions`,
 * `--property`, `--include`), Atlas (`-- atlas:txmode`), shmig
 * (`-- ==== UP ====`), tern (`---- create above / drop below ----`), MyBatis
 * (`-- //@UNDO`), guard's own (`-- guard:no-transaction`) and the
 * no-transaction markers guard reads. When in doubt a comment is one:
 * anything starting with a symbol, a `word:` prefix, or one of the words
 * these tools use.
 */
const INSTRUCTION_COMMENT =
  /^(?:[^\sA-Za-z0-9]|\S+:|(?:up|down|changeset|rollback\w*|preconditions?|precondition-\S+|validchecksum|ignorelines|liquibase|include\w*|property|no-transaction|disable_ddl_transaction|postgres-migrations|prairielearn|statementbegin|statementend|name)\b)/i;

/**
 * Text that makes any comment an instruction: a template (tern runs the
 * file through Go's text/template), a placeholder (goose's ENVSUB,
 * Liquibase's properties), a `;` (golang-migrate's multi-statement mode
 * splits at every `;`, in comments too).
 */
const ACTIVE_TEXT = /\{\{|\$\{|;/;

/** Whether a comment (`-- ...` or `/* ... *\/`) is an instruction to a tool, kept in the canonical form. */
export function isInstructionComment(comment: string): boolean {
  if (ACTIVE_TEXT.test(comment)) return true;
  if (comment.startsWith('/*')) {
    // Optimizer hints (`/*+`), code MySQL and MariaDB run (`/*!`, `/*M!`), anything else glued to `/*`; a nested
    // comment (MySQL and SQLite end it at the first `*/`); `--` lines, which line-reading tools (dbmate, goose) see.
    return /^\/\*\S/.test(comment) || comment.slice(2).includes('/*') || /(?:^|\n)[ \t]*--/.test(comment);
  }
  // `--1` is no comment to MySQL, which wants a space after `--`.
  return /^--\S/.test(comment) && !/^---*\s/.test(comment) ? true : INSTRUCTION_COMMENT.test(comment.replace(/^--\s*/, ''));
}

/** Keys of the parse tree that record where text was, not what it says. */
const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len', 'list_start', 'list_end', 'rexpr_list_start', 'rexpr_list_end', 'name_location']);

const UTF8 = new TextEncoder();
const DECODE = new TextDecoder();

/**
 * The canonical form of a SQL file, as text. `source` is the text parsed
 * (the tokens' offsets are bytes of it); without it there is no form.
 *
 * @example
 * sqlCanonicalForm(parseSync(a), scanSync(a).tokens, a) === sqlCanonicalForm(parseSync(b), scanSync(b).tokens, b)
 * // for a = 'select 1; -- why\n', b = 'SELECT  1;'
 */
export function sqlCanonicalForm(parsed: SqlParseResult, tokens: readonly SqlScanToken[], source?: string): string {
  if (source === undefined) throw new Error('the text parsed is needed');
  const bytes = UTF8.encode(source);
  const statements = parsed.stmts ?? [];
  const code = tokens.filter((token) => !isComment(token));
  // Where each statement's first token is: its recorded start may include the whitespace and comments before it.
  // (Statements come in order: one pass over the tokens, never a search per statement, on a file of 100,000 of them.)
  let next = 0;
  const firstTokens = statements.map((statement) => {
    while (next < code.length && code[next]!.start < (statement.stmt_location ?? 0)) next++;
    return code[next]?.start ?? Infinity;
  });
  // The tokens of each statement (from its first token to the next one's), without the `;`.
  const own: SqlScanToken[][] = statements.map(() => []);
  let statement = -1;
  for (const token of code) {
    while (statement + 1 < firstTokens.length && firstTokens[statement + 1]! <= token.start) statement++;
    if (statement >= 0 && token.text !== ';') own[statement]!.push(token);
  }

  /** Where a comment is: after how many statement starts, and how many tokens into the statement it interrupts (-1: between statements). */
  const place = (offset: number): [number, number] => {
    const k = countBefore(firstTokens, offset, (start) => start);
    const tokensOf = own[k - 1] ?? [];
    const before = countBefore(tokensOf, offset, (token) => token.start);
    return [k, before < tokensOf.length ? before : -1];
  };
  const lineBefore = (offset: number): string | null => {
    const text = DECODE.decode(bytes.subarray(bytes.lastIndexOf(0x0a, offset - 1) + 1, offset));
    return /^[ \t\f\v\r]*$/.test(text) ? text : null; // null: code before it on its line
  };

  const comments = tokens.filter(isComment);
  const directives = comments.filter((token) => isInstructionComment(token.text)).map((token) => [place(token.start), lineBefore(token.start), token.text.trimEnd()]);

  // The comments that open the file, up to the last instruction among them: their kinds and the whitespace between them.
  const firstCode = code[0]?.start ?? Infinity;
  const opening = comments.filter((token) => token.start < firstCode);
  const lastInstruction = opening.findLastIndex((token) => isInstructionComment(token.text));
  let cursor = 0;
  const prelude = opening.slice(0, lastInstruction + 1).map((token) => {
    const whitespace = DECODE.decode(bytes.subarray(cursor, token.start));
    cursor = token.start + UTF8.encode(token.text).length;
    return [whitespace, isInstructionComment(token.text) ? 'instruction' : token.text.slice(0, 2)];
  });

  const quoted = code.filter((token) => /^(?:[Uu]&)?"/.test(token.text)).map((token) => token.text);
  const escaped = code.filter((token) => backslashDependent(token.text)).map((token) => [place(token.start), token.text]);
  // goose, sql-migrate and MyBatis end a statement at a line that ends with `;` (their files carry their instructions).
  const lineSplit = comments.some((token) => /^--\s*(?:\+goose|\+migrate|\/\/)/i.test(token.text));
  const lineEnds = lineSplit ? semicolonLineEnds(bytes).map(place) : [];
  const trees = statements.map((statement) => statement.stmt ?? null);
  return JSON.stringify({ statements: trees, directives, prelude, quoted, escaped, lineEnds }, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
}

/** How many items of `sorted` (ascending by `at`) lie before `offset`: a binary search. */
function countBefore<T>(sorted: readonly T[], offset: number, at: (item: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (at(sorted[middle]!) < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

function isComment(token: SqlScanToken): boolean {
  return token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
}

/**
 * A string constant whose value depends on the server's settings: a
 * `'...'`, `U&'...'` or `N'...'` with a backslash (an escape when
 * `standard_conforming_strings` is off), an `E'...'` with `\'` (refused when
 * `backslash_quote` is off).
 */
function backslashDependent(text: string): boolean {
  const match = /^([A-Za-z&]*)'/.exec(text);
  if (!match || !text.includes('\\')) return false;
  return match[1]!.toUpperCase() === 'E' ? text.includes("\\'") : true;
}

/**
 * The byte offsets of the ends of the lines goose and sql-migrate end a
 * statement at: the last word before a `--` word ends with `;`
 * (https://github.com/pressly/goose/blob/main/internal/sqlparser/parser.go).
 */
function semicolonLineEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const words = DECODE.decode(bytes.subarray(start, end)).split(/\s+/).filter(Boolean);
    const cut = words.findIndex((word) => word.startsWith('--'));
    const last = (cut === -1 ? words : words.slice(0, cut)).at(-1);
    if (last?.endsWith(';')) ends.push(end);
    start = end + 1;
  }
  return ends;
}
