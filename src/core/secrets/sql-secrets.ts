// Over 400 lines: one scanner (SqlScan) walks one token stream; its value reader (concatenation, casts, format(), psql arguments) and the password rules that use it share that state, and split apart each half would reach into the other.
/**
 * Password literals in SQL, found on the token stream (sql-tokens.ts) so
 * that the way a value is spelled does not matter: split over lines, with
 * comments between the keyword and the value, dollar-quoted, as E'' or U&''
 * with escapes, continued across a newline, or concatenated with `||`.
 *
 * Statements (the code between comments):
 * - `PASSWORD <value>`: CREATE/ALTER ROLE|USER ... [ENCRYPTED] PASSWORD,
 *   user mappings' `OPTIONS (password '...')`, `password => '...'`, SQL
 *   Server's `PASSWORD = N'...'`, MySQL's `SET PASSWORD [FOR u] = '...'`
 *   and `PASSWORD('...')`, and `password = '...'` / `:=` anywhere;
 * - `<name ending in password> = | := | => <value>` (`v_db_password := '...'`);
 * - MySQL/Oracle `IDENTIFIED [WITH plugin] BY|AS [PASSWORD|VALUES] <value>`;
 * - pgcrypto's `crypt('<password>', gen_salt(...))`;
 * - psql's `\set <password name> <value>`, and a psql variable set to a
 *   literal and then used where a password goes (`PASSWORD :'v'`).
 * A value is the string constants of an expression (`'a' || 'b'`); a part
 * that is not a constant (a variable, a call) makes the value a template,
 * which is no finding. `PASSWORD NULL`, `PASSWORD :'pw'` and a bind
 * parameter are no findings either.
 *
 * String constants: their values are scanned again, as text (a libpq
 * conninfo's `password=`, JSON's `"password": "..."`, and, for a value whose
 * spelling differs from the text, URLs and tokens), and as SQL when they
 * could hold a statement with a password (a function body, `EXECUTE '...'`).
 * Comments: as text, with every line rule: a secret in a comment is still a
 * secret. A `PASSWORD` keyword in a comment does not reach into the code
 * after it.
 */
import type { Candidate } from './candidate.js';
import { lineRuleCandidates, PASSWORD_RULES_HINT, type RuleGroup } from './line-rules.js';
import { MappedTextBuilder, sliceMapped, type MappedText } from './mapped-text.js';
import { isPasswordName, looksLikeTypeOrIdentifier } from './secret-values.js';
import { decodePsqlText, parsePsqlLine, type PsqlPiece } from './psql-meta-commands.js';
import { decodeSqlString, tokenizeSql, type SqlToken } from './sql-tokens.js';
import { appendParts, checkNesting, joinParts, passwordCandidate, ScanLimitExceeded, substitute, type Part } from './value-parts.js';

/** Text that could hold one of the statements above: only such string values are read as SQL. */
const SQL_WITH_PASSWORD = /password|identified|crypt|\\set/i;
/** format()'s specifiers: %s, %I, %L, with a position (%1$s) and width (%-10s); %%. */
const FORMAT_SPECIFIER = /%(?:\d+\$)?(?:-?(?:\d+|\*(?:\d+\$)?))?[sIL]|%%/g;
/** Part of every name a rule starts at (PASSWORD, a password's name, IDENTIFIED, crypt, set_config). */
const RULE_NAME = /pass|pwd|identified|crypt|set_config/gi;
/**
 * How deep strings are read as SQL (a DO block's EXECUTE of a string: 2).
 * A statement nested deeper still is read as text; past MAX_NESTING the
 * file is refused as too complex (no migration quotes SQL that deep).
 */
const MAX_DEPTH = 8;
/**
 * Functions whose value their constant arguments decide: a password passed
 * through them (`md5('pw' || 'app')`, `lower('...')`, `decode('...', 'base64')`)
 * is still written in the file. Their value stands as their arguments joined.
 */
const DERIVING_FUNCTIONS = new Set([
  'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'digest', 'hmac', 'encode', 'decode', 'convert', 'convert_to', 'convert_from',
  'lower', 'upper', 'initcap', 'btrim', 'ltrim', 'rtrim', 'replace', 'translate', 'reverse', 'repeat', 'lpad', 'rpad',
  'left', 'right', 'substr', 'chr', 'text', 'varchar', 'bpchar', 'textcat',
]);
/** `name = value` pairs in a conninfo, a psql argument or a shell command line (`PGPASSWORD=...`). */
const ASSIGNMENT_PAIR = /(?<![\w.$])([A-Za-z_][\w.]*)\s*=\s*('(?:[^'\\\n]|\\.)*'|"[^"\n]*"|[^\s'"&;]+)/g;

/**
 * Where in a text a string value could hold something stringValueCandidates
 * finds without a respelling: a `password` rule's hint or a statement's. A
 * string with none of them in its spelling, plain and alone, is passed over
 * without decoding, which keeps a large data migration fast.
 */
export class ValueHints {
  private static readonly pattern = new RegExp(`${PASSWORD_RULES_HINT.source}|${SQL_WITH_PASSWORD.source}`, 'gi');
  private readonly positions: number[] = [];

  /** Where `pattern` (flag g; ValueHints' own by default) starts a match in `text`. */
  constructor(text: string, pattern: RegExp = ValueHints.pattern) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) this.positions.push(match.index);
  }

  /** Whether a hint starts in [from, to). */
  within(from: number, to: number): boolean {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.positions[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.positions.length && this.positions[lo]! < to;
  }
}

/** Whether `ch` occurs in text[from, to), looked for there only. */
export function occursBetween(text: string, ch: number, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (text.charCodeAt(j) === ch) return true;
  return false;
}

/** RULE_NAME as a test of one name. */
const RULE_NAME_TEST = new RegExp(RULE_NAME.source, 'i');

/** Candidates in SQL text; `depth` counts the strings this text is inside of. */
export function sqlCandidates(source: MappedText, depth = 0): Candidate[] {
  const scan = new SqlScan(source, depth);
  return scan.run();
}

/**
 * Candidates in the value of a string (SQL or Python): the line rules of
 * the `password` group; the `shape` ones too when `respelled` (the value
 * differs from the text that spells it, so the scan of the file's text has
 * not seen it); and the SQL rules when the value could hold a statement.
 */
export function stringValueCandidates(value: MappedText, respelled: boolean, depth: number): Candidate[] {
  const groups: RuleGroup[] = respelled ? ['password', 'shape'] : ['password'];
  const found = lineRuleCandidates(value, groups, true);
  if (SQL_WITH_PASSWORD.test(value.text)) {
    if (depth >= MAX_DEPTH) throw new ScanLimitExceeded(value.spansOf(0, 1)[0]?.[0] ?? 0, 'nesting');
    for (const candidate of sqlCandidates(value, depth + 1)) found.push(candidate);
  }
  return found;
}

interface Expression {
  parts: Part[];
  /** Index of the first code token after the expression. */
  next: number;
}

class SqlScan {
  private readonly text: string;
  private readonly code: SqlToken[] = [];
  private readonly found: Candidate[] = [];
  /** psql variables set by `\set` so far: name -> value. */
  private readonly variables = new Map<string, Part>();
  /** How many expressions are being read inside each other. */
  private nesting = 0;
  private pastParentheses: Int32Array | undefined;
  private statementStarts: Int32Array | undefined;
  private ruleNames = new ValueHints('');

  constructor(
    private readonly source: MappedText,
    private readonly depth: number,
  ) {
    this.text = source.text;
  }

  run(): Candidate[] {
    // Shapes in the file's own comments are found with its text (find-secrets.ts).
    const commentGroups: RuleGroup[] = this.depth === 0 ? ['password'] : ['password', 'shape'];
    for (const token of tokenizeSql(this.text)) {
      if (token.kind !== 'comment') this.code.push(token);
      else this.add(lineRuleCandidates(sliceMapped(this.source, token.start, token.end), commentGroups, false));
    }
    const hints = new ValueHints(this.text);
    this.ruleNames = new ValueHints(this.text, RULE_NAME);
    let stringsScannedTo = 0;
    for (let i = 0; i < this.code.length; i++) {
      const token = this.code[i]!;
      if (token.kind === 'meta-command') this.metaCommand(token);
      else if ((token.kind === 'word' || token.kind === 'quoted-identifier') && this.mayStartRule(token)) this.afterName(i);
      if ((token.kind === 'string' || token.kind === 'quoted-identifier') && this.isPlainAlone(i) && !hints.within(token.start, token.end)) continue;
      const startsValue = token.kind === 'string' || ((this.isWord(i, 'format') || this.isWord(i, 'concat') || this.isWord(i, 'concat_ws')) && this.is(i + 1, 'punctuation', '('));
      if (startsValue && i >= stringsScannedTo) {
        const expression = this.expression(i, false);
        if (expression) {
          stringsScannedTo = expression.next;
          this.stringValues(i, expression);
        }
      } else if (token.kind === 'quoted-identifier' && i >= stringsScannedTo) {
        // In MySQL "..." is a string: what it holds is read as one.
        this.stringValues(i, { parts: [decodeSqlString(this.source, token)], next: i + 1 });
      }
    }
    return this.found;
  }

  // Token tests compare in place: a scan of a large data migration makes no string per token.

  private word(i: number): string | undefined {
    const token = this.code[i];
    return token?.kind === 'word' ? this.text.slice(token.start, token.end).toLowerCase() : undefined;
  }

  /** Whether token `i` is the word `lower` (ASCII letters in any case). */
  private isWord(i: number, lower: string): boolean {
    const token = this.code[i];
    if (token?.kind !== 'word' || token.end - token.start !== lower.length) return false;
    for (let k = 0; k < lower.length; k++) {
      const c = this.text.charCodeAt(token.start + k);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(k)) return false;
    }
    return true;
  }

  private is(i: number, kind: SqlToken['kind'], spelled?: string): boolean {
    const token = this.code[i];
    if (token === undefined || token.kind !== kind) return false;
    return spelled === undefined || (token.end - token.start === spelled.length && this.text.startsWith(spelled, token.start));
  }

  /** Whether string token `i` is spelled as its value is and stands alone (no `||`, no neighbour string). */
  private isPlainAlone(i: number): boolean {
    const token = this.code[i]!;
    if (token.segments?.length !== 1 || this.is(i + 1, 'operator', '||') || this.is(i + 1, 'string') || this.is(i - 1, 'operator', '||')) return false;
    if (token.quoting === 'dollar') return true;
    const [from, to] = token.segments[0]!;
    return (token.quoting === 'standard' || token.quoting === 'identifier') && !occursBetween(this.text, token.quote!.charCodeAt(0), from, to);
  }

  /**
   * Whether a name could start a rule: it holds `pass`, `pwd`, `identified`,
   * `crypt` or `set_config` (looked up among the places found once in the
   * text), or is a U&"..." identifier, whose escapes may spell one.
   */
  private mayStartRule(token: SqlToken): boolean {
    if (token.quoting === 'unicode') return RULE_NAME_TEST.test(decodeSqlString(this.source, token).text);
    return this.ruleNames.within(token.start, token.end);
  }

  /**
   * Rules that start at a name: PASSWORD (a keyword, or an option named
   * "password" in any spelling), a password-named variable, option or
   * setting given a value, IDENTIFIED, crypt, set_config.
   */
  private afterName(i: number): void {
    const token = this.code[i]!;
    const word = this.word(i);
    if (word === 'identified') return this.identifiedBy(i);
    if (word === 'crypt' && this.is(i + 1, 'punctuation', '(')) return this.crypt(i + 2);
    if (word === 'set_config' && this.is(i + 1, 'punctuation', '(')) return this.setConfig(i + 1);
    const name = token.kind === 'word' ? this.text.slice(token.start, token.end) : decodeSqlString(this.source, token).text;
    if (name.toLowerCase() === 'password') return this.passwordClause(i);
    if (!isPasswordName(name)) return;
    const accept = (value: string): boolean => !looksLikeTypeOrIdentifier(value);
    let at: number;
    if (this.is(i + 1, 'operator', '=') || this.is(i + 1, 'operator', ':=') || this.is(i + 1, 'operator', '=>')) at = i + 2;
    else if (this.isWord(i + 1, 'to') && this.isSettingName(i)) at = i + 2; // SET app.db_password TO '...'
    else if (this.is(i + 1, 'string')) at = i + 1; // OPTIONS (db_password '...')
    else return;
    const expression = this.expression(at, false);
    if (expression) this.report(expression, 4, 'sql-password', accept);
  }

  /**
   * Whether the name at `i` (maybe the last part of `a.b`) is a setting's
   * after SET: `SET [SESSION | LOCAL] name`, `ALTER DATABASE|ROLE|SYSTEM|FUNCTION ... SET name`.
   */
  private isSettingName(i: number): boolean {
    let k = i - 1;
    // A setting's name has two parts (`class.name`); a few more are looked at, never a long chain.
    for (let parts = 0; parts < 4 && this.is(k, 'punctuation', '.') && (this.is(k - 1, 'word') || this.is(k - 1, 'quoted-identifier')); parts++) k -= 2;
    if (this.isWord(k, 'session') || this.isWord(k, 'local')) k--;
    return this.isWord(k, 'set');
  }

  /** `set_config(<name>, <value>, ...)` (its `(` at `open`): a password-named setting given a literal. */
  private setConfig(open: number): void {
    const [name, value] = this.callArguments(open, false).args;
    if (!name || !value || name.some((part) => part === undefined) || !isPasswordName(joinParts(name).text)) return;
    this.report({ parts: value, next: 0 }, 4, 'sql-password', (text) => !looksLikeTypeOrIdentifier(text));
  }

  /** `PASSWORD [FOR user =| = | => | := | TO] [(] <value>`. */
  private passwordClause(i: number): void {
    let j = i + 1;
    let afterEquals = false;
    if (this.isWord(j, 'to') && this.isSettingName(i)) {
      j++;
      afterEquals = true;
    } else if (this.word(j) === 'for') {
      // MySQL: SET PASSWORD FOR 'user'@'host' = '...'
      const limit = Math.min(this.code.length, j + 30);
      while (j < limit && !this.is(j, 'operator', '=') && !this.is(j, 'punctuation', ';')) j++;
      if (!this.is(j, 'operator', '=')) return;
      j++;
      afterEquals = true;
    } else if (this.is(j, 'operator', '=') || this.is(j, 'operator', '=>') || this.is(j, 'operator', ':=')) {
      j++;
      afterEquals = true;
    }
    if (this.is(j, 'punctuation', '(')) j++;
    const expression = this.expression(j, afterEquals);
    if (expression) this.report(expression, 1, 'sql-password');
  }

  /** `IDENTIFIED [WITH plugin] BY|AS [PASSWORD|VALUES] <value>` (MySQL, Oracle). */
  private identifiedBy(i: number): void {
    let j = i + 1;
    if (this.word(j) === 'with') j += 2;
    const by = this.word(j);
    if (by !== 'by' && by !== 'as') return;
    j++;
    let hash = by === 'as';
    const keyword = this.word(j);
    if (keyword === 'password' || keyword === 'values') {
      hash = true;
      j++;
    }
    const token = this.code[j];
    if (!token) return;
    if (token.kind === 'word') {
      // Oracle: IDENTIFIED BY tiger; not MySQL's BY RANDOM PASSWORD, nor prose
      // in a string ("rows identified by their key"): a statement on a user.
      const value = this.text.slice(token.start, token.end);
      if (value.toUpperCase() === 'RANDOM' || !this.isUserStatement(i)) return;
      this.report({ parts: [sliceMapped(this.source, token.start, token.end)], next: j + 1 }, 1, 'identified-by', undefined, hash);
      return;
    }
    const expression = this.expression(j, true);
    if (expression) this.report(expression, 1, 'identified-by', undefined, hash);
  }

  /** Whether the statement token `i` is in starts `CREATE`, `ALTER` or `GRANT` and names a `USER` before `i`. */
  private isUserStatement(i: number): boolean {
    this.statementStarts ??= this.findStatementStarts();
    const start = this.statementStarts[i]!;
    if (!this.isWord(start, 'create') && !this.isWord(start, 'alter') && !this.isWord(start, 'grant')) return false;
    const user = this.statementStarts[this.code.length + i]!;
    return user !== -1 && user < i;
  }

  /**
   * For each token, the first token of its statement (after `;` or a
   * meta-command), and (at code.length + i) the first `USER` word of that
   * statement or -1: found once, in one pass, so that many IDENTIFIED BY in
   * one statement stay linear.
   */
  private findStatementStarts(): Int32Array {
    const n = this.code.length;
    const out = new Int32Array(2 * n);
    let start = 0;
    let user = -1;
    for (let j = 0; j < n; j++) {
      if (j > 0 && (this.is(j - 1, 'punctuation', ';') || this.is(j - 1, 'meta-command'))) {
        start = j;
        user = -1;
      }
      if (user === -1 && this.isWord(j, 'user')) user = j;
      out[j] = start;
      out[n + j] = user;
    }
    return out;
  }

  /** `crypt(<value>, gen_salt(...))`: `at` is the first token of the value. */
  private crypt(at: number): void {
    const expression = this.expression(at, false);
    if (expression && this.is(expression.next, 'punctuation', ',') && this.word(expression.next + 1) === 'gen_salt') {
      this.report(expression, 1, 'pgcrypto-crypt');
    }
  }

  /**
   * The expression starting at code token `i` when it starts with a string
   * constant (or a psql variable set to one; a quoted identifier when
   * `identifierIsValue`, as after `=` in MySQL, where "..." is a string):
   * operands joined by `||` (or standing side by side: MySQL joins adjacent
   * strings), each maybe cast (`::text`).
   */
  private expression(i: number, identifierIsValue: boolean): Expression | undefined {
    this.nesting++;
    checkNesting(this.nesting, this.code[i] ? (this.source.spansOf(this.code[i]!.start, this.code[i]!.start + 1)[0]?.[0] ?? 0) : 0);
    try {
      const parts: Part[] = [];
      let j = i;
      const first = this.operand(j, identifierIsValue);
      if (!first || first.parts.every((part) => part === undefined)) return undefined;
      for (let operand: Expression | undefined = first; operand; ) {
        appendParts(parts, operand.parts);
        j = this.skipCasts(operand.next);
        if (this.is(j, 'operator', '||')) operand = this.operand(j + 1, identifierIsValue);
        else if (this.is(j, 'string')) operand = this.operand(j, identifierIsValue);
        else operand = undefined;
      }
      return { parts, next: j };
    } finally {
      this.nesting--;
    }
  }

  private operand(i: number, identifierIsValue: boolean): Expression | undefined {
    const token = this.code[i];
    if (!token) return undefined;
    if (token.kind === 'string' || (identifierIsValue && token.kind === 'quoted-identifier')) {
      return { parts: [decodeSqlString(this.source, token)], next: i + 1 };
    }
    if (token.kind === 'parameter') return { parts: [this.variable(token)], next: i + 1 };
    if (token.kind === 'punctuation' && this.text[token.start] === '(') {
      const inner = this.expression(i + 1, identifierIsValue);
      if (inner && this.is(inner.next, 'punctuation', ')')) return { parts: inner.parts, next: inner.next + 1 };
      return { parts: [undefined], next: this.skipParentheses(i) };
    }
    const call = this.is(i + 1, 'punctuation', '(') ? this.word(i) : undefined;
    if (call === 'format') return this.format(i + 1);
    if (call === 'quote_literal' || call === 'quote_nullable') {
      // The value in quotes, as it will stand in the statement built with it.
      const inner = this.expression(i + 2, false);
      const quote = new MappedTextBuilder().addMadeUp("'").build();
      if (inner && this.is(inner.next, 'punctuation', ')')) {
        const parts: Part[] = [quote];
        appendParts(parts, inner.parts);
        parts.push(quote);
        return { parts, next: inner.next + 1 };
      }
    }
    if (call === 'concat' || call === 'concat_ws') return this.concat(i + 1, call === 'concat_ws');
    if (call !== undefined && DERIVING_FUNCTIONS.has(call)) {
      const { args, next } = this.callArguments(i + 1, true);
      const parts: Part[] = [];
      for (const argument of args) appendParts(parts, argument);
      return { parts: parts.length > 0 ? parts : [undefined], next };
    }
    if (token.kind === 'word' || token.kind === 'number' || token.kind === 'quoted-identifier') {
      const next = this.is(i + 1, 'punctuation', '(') ? this.skipParentheses(i + 1) : i + 1;
      return { parts: [undefined], next };
    }
    return undefined;
  }

  /**
   * `format('... %s %I %L ...', args)` (its `(` at `i`): the format string
   * with each argument put in, `%L` quoted as a literal, as PostgreSQL's
   * format() does (https://www.postgresql.org/docs/current/functions-string.html#FUNCTIONS-STRING-FORMAT).
   */
  private format(i: number): Expression {
    const { args, next: end } = this.callArguments(i, false);
    const [template, ...values] = args;
    if (!template || template.every((part) => part === undefined)) return { parts: [undefined], next: end };
    const quote = new MappedTextBuilder().addMadeUp("'").build();
    const parts = substitute(template, FORMAT_SPECIFIER, (match, index) => {
      if (match === '%%') return '%';
      const position = /^%(\d+)\$/.exec(match)?.[1];
      const value = values[position === undefined ? index : Number(position) - 1] ?? [undefined];
      return match.endsWith('L') ? [quote, ...value, quote] : value;
    });
    return { parts, next: end };
  }

  /**
   * The arguments of a call whose `(` is at `open`, each an expression's
   * parts ([undefined] when not understood; a number only when
   * `numbersAreConstants`), and the index after its `)`.
   */
  private callArguments(open: number, numbersAreConstants: boolean): { args: Part[][]; next: number } {
    const end = this.skipParentheses(open);
    const args: Part[][] = [];
    for (let j = open + 1; j < end - 1; ) {
      const token = this.code[j]!;
      const isNumber = numbersAreConstants && token.kind === 'number' && (this.is(j + 1, 'punctuation', ',') || j + 1 === end - 1);
      const argument = isNumber ? { parts: [sliceMapped(this.source, token.start, token.end)], next: j + 1 } : this.expression(j, false);
      args.push(argument ? argument.parts : [undefined]);
      j = argument ? argument.next : j + 1;
      while (j < end - 1 && !this.is(j, 'punctuation', ',')) j = this.is(j, 'punctuation', '(') ? this.skipParentheses(j) : j + 1;
      j++;
    }
    return { args, next: end };
  }

  /**
   * `concat(...)` and `concat_ws(separator, ...)` (the `(` at `open`): the
   * arguments joined, NULLs left out, as PostgreSQL does
   * (https://www.postgresql.org/docs/current/functions-string.html).
   */
  private concat(open: number, withSeparator: boolean): Expression {
    const end = this.skipParentheses(open);
    const args: Part[][] = [];
    for (let j = open + 1; j < end - 1; ) {
      const isNull = this.isWord(j, 'null') && (this.is(j + 1, 'punctuation', ',') || j + 1 === end - 1);
      const argument = isNull ? { parts: [], next: j + 1 } : this.expression(j, false);
      args.push(argument ? argument.parts : [undefined]);
      j = argument ? argument.next : j + 1;
      while (j < end - 1 && !this.is(j, 'punctuation', ',')) j = this.is(j, 'punctuation', '(') ? this.skipParentheses(j) : j + 1;
      j++;
    }
    const separator = withSeparator ? (args.shift() ?? [undefined]) : [];
    const parts: Part[] = [];
    args.forEach((argument, index) => {
      if (index > 0 && argument.length > 0) appendParts(parts, separator);
      appendParts(parts, argument);
    });
    return { parts: parts.length > 0 ? parts : [undefined], next: end };
  }

  /** Past `::type`, `::type(n)`, `::type[]` casts after `i`. */
  private skipCasts(i: number): number {
    let j = i;
    while (this.is(j, 'operator', '::') && (this.is(j + 1, 'word') || this.is(j + 1, 'quoted-identifier'))) {
      j += 2;
      // Types of several words: character varying, double precision, timestamp with time zone.
      while (/^(?:varying|precision|with|without|time|zone)$/.test(this.word(j) ?? '')) j++;
      if (this.is(j, 'punctuation', '(')) j = this.skipParentheses(j);
      while (this.is(j, 'punctuation', '[') && this.is(j + 1, 'punctuation', ']')) j += 2;
    }
    return j;
  }

  /** Index after the `)` matching the `(` at `i`. */
  private skipParentheses(i: number): number {
    this.pastParentheses ??= this.matchParentheses();
    return this.pastParentheses[i] ?? i + 1;
  }

  /**
   * For each `(`, the index after its `)`, or of the `;` that ends the
   * statement first, or the end: found once, in one pass, so that reading
   * nested calls stays linear.
   */
  private matchParentheses(): Int32Array {
    const past = new Int32Array(this.code.length).fill(-1);
    const open: number[] = [];
    this.code.forEach((token, j) => {
      if (token.kind !== 'punctuation') return;
      const ch = this.text[token.start];
      if (ch === '(') open.push(j);
      else if (ch === ')' && open.length > 0) past[open.pop()!] = j + 1;
      else if (ch === ';') while (open.length > 0) past[open.pop()!] = j;
    });
    for (const j of open) past[j] = this.code.length;
    return past.map((value, j) => (value === -1 ? j + 1 : value));
  }

  /** A psql variable's value when `\set` gave it one, else undefined (unknown). */
  private variable(token: SqlToken): Part {
    const name = /^:['"{]?\??([^'"}]*)/.exec(this.text.slice(token.start, token.end))?.[1];
    return name === undefined ? undefined : this.variables.get(name);
  }

  /**
   * psql meta-commands on one line: `\set name value` is remembered (and a
   * finding when the name is a password's), `\setenv PGPASSWORD value` is a
   * finding, and every argument (`\connect 'host=db password=...'`,
   * `\c dbname=postgresql://...`) and a shell command line (`\! PGPASSWORD=... psql`)
   * is read for `password=` pairs and as a string value.
   */
  private metaCommand(token: SqlToken): void {
    const accept = (text: string): boolean => !looksLikeTypeOrIdentifier(text);
    for (const command of parsePsqlLine(this.text, token.start).commands) {
      if (command.wholeLine) {
        const [from, to] = command.wholeLine;
        this.assignmentPairs(sliceMapped(this.source, from, to));
        this.add(lineRuleCandidates(sliceMapped(this.source, from, to), ['password'], false));
        continue;
      }
      const args = command.args.map((pieces) => this.psqlArgument(pieces));
      const name = command.name.toLowerCase();
      const [target, ...rest] = args;
      if ((name === 'set' || name === 'setenv') && target && rest.length > 0 && target.parts.every((part) => part !== undefined)) {
        const variable = joinParts(target.parts).text;
        const parts: Part[] = [];
        for (const value of name === 'set' ? rest : rest.slice(0, 1)) appendParts(parts, value.parts);
        if (name === 'set') this.variables.set(variable, parts.every((part) => part !== undefined) ? joinParts(parts) : undefined);
        const quoted = rest.some((value) => value.quoted);
        if (isPasswordName(variable)) this.report({ parts, next: 0 }, name === 'set' ? 4 : 1, 'psql-password', accept, false, !quoted);
      }
      for (const argument of args) {
        if (argument.parts.every((part) => part === undefined)) continue;
        const value = joinParts(argument.parts);
        this.assignmentPairs(value);
        this.add(stringValueCandidates(value, argument.respelled, this.depth));
      }
    }
  }

  /** A psql argument's value: its pieces joined (a variable's value when set, a shell command's output unknown). */
  private psqlArgument(pieces: readonly PsqlPiece[]): { parts: Part[]; quoted: boolean; respelled: boolean } {
    const parts: Part[] = [];
    let quoted = false;
    for (const piece of pieces) {
      if (piece.kind === 'text') {
        parts.push(decodePsqlText(this.source, piece));
        quoted ||= piece.quoting !== 'none';
      } else parts.push(piece.kind === 'variable' ? this.variables.get(piece.name) : undefined);
    }
    return { parts, quoted, respelled: quoted || pieces.length > 1 };
  }

  /** `name=value` pairs with a password's name (`password=...` of a conninfo, `PGPASSWORD=...` in a shell), each a finding. */
  private assignmentPairs(text: MappedText): void {
    if (!PASSWORD_RULES_HINT.test(text.text)) return;
    ASSIGNMENT_PAIR.lastIndex = 0;
    for (let match = ASSIGNMENT_PAIR.exec(text.text); match; match = ASSIGNMENT_PAIR.exec(text.text)) {
      if (!isPasswordName(match[1]!)) continue;
      const raw = match[2]!;
      const quoted = raw.startsWith("'") || raw.startsWith('"');
      const from = match.index + match[0].length - raw.length + (quoted ? 1 : 0);
      const to = match.index + match[0].length - (quoted && raw.length > 1 && raw.endsWith(raw[0]!) ? 1 : 0);
      this.report({ parts: [sliceMapped(text, from, to)], next: 0 }, 1, 'psql-password', undefined, false, !quoted);
    }
  }

  /** Candidates found by another scan (no spread: there may be many). */
  private add(candidates: readonly Candidate[]): void {
    for (const candidate of candidates) this.found.push(candidate);
  }

  private report(expression: Expression, minLength: number, rule: string, accept?: (value: string) => boolean, hash = false, unquoted = false): void {
    const found = passwordCandidate(expression.parts, { minLength, rule, accept, hash, unquoted });
    if (found) this.found.push(found);
  }

  /** A string expression's value, scanned as text and maybe as SQL. */
  private stringValues(i: number, expression: Expression): void {
    const joined = joinParts(expression.parts);
    const token = this.code[i]!;
    const segment = expression.parts.length === 1 && token.segments?.length === 1 ? token.segments[0]! : undefined;
    const respelled = segment === undefined || joined.text !== this.text.slice(segment[0], segment[1]);
    this.add(stringValueCandidates(joined, respelled, this.depth));
  }
}
