/**
 * Password literals in JavaScript and TypeScript migrations (Knex,
 * TypeORM, Sequelize, node-pg-migrate, Kysely), found on the token stream
 * (js-tokens.ts). A value is a string expression as JavaScript builds it:
 * literals, `+`, parentheses, template literals (a `${...}` is the value of
 * its expression when that is a string expression, else unknown),
 * `String.raw`, `.concat(...)` and methods that keep the text (`.trim()`);
 * a name bound to such a value (`const pw = '...'`, `let`, `var`, a class
 * field, a later `pw = '...'`) stands for it wherever it is used after.
 *
 * Findings:
 * - a password-named target given a value: `password = '...'`,
 *   `this.dbPassword = ...`, `process.env.PGPASSWORD = ...`,
 *   `const DB_PASSWORD: string = ...`, an object property
 *   `{ password: '...' }`, `{ 'DB_PASSWORD': ... }`, `obj['password'] = ...`,
 *   and the literal fallback in `process.env.PW || '...'` or `?? '...'`;
 * - every string expression's value scanned as text and, when it could hold
 *   a statement with a password, as SQL (`knex.raw(...)`,
 *   `queryRunner.query(...)`, `pgm.sql(...)`, `sequelize.query(...)`), by
 *   sql-secrets.ts; with a query's parameters put in (`raw('... ?', ['...'])`,
 *   `query('... $1', ['...'])`, `{ replacements: { pw: '...' } }`);
 * - comments scanned as text.
 * A part of a value that is not a constant (`process.env.PW`, a call, an
 * unknown name) makes the value a template, which is no finding.
 */
import { Bindings } from './bindings.js';
import type { Candidate } from './candidate.js';
import { JsCode } from './js-code.js';
import { decodeJsString, jsName, tokenizeJs, type JsToken } from './js-tokens.js';
import { lineRuleCandidates } from './line-rules.js';
import { MappedTextBuilder, sliceMapped, type MappedText } from './mapped-text.js';
import { isPasswordName, looksLikeTypeOrIdentifier } from './secret-values.js';
import { occursBetween, stringValueCandidates, ValueHints } from './sql-secrets.js';
import { appendParts, checkNesting, joinParts, passwordCandidate, readSum, substitute, type Part, type Value } from './value-parts.js';

/** Candidates in JavaScript or TypeScript source. */
export function jsCandidates(source: MappedText): Candidate[] {
  const found: Candidate[] = [];
  const tokens = tokenizeJs(source.text);
  for (const token of tokens) {
    if (token.kind === 'comment') for (const candidate of lineRuleCandidates(sliceMapped(source, token.start, token.end), ['password'], false)) found.push(candidate);
  }
  const shared: Shared = { source, text: source.text, constants: new Bindings(), found, hints: new ValueHints(source.text) };
  const scan = new JsScan(shared, tokens.filter((token) => token.kind !== 'comment'), 0);
  scan.collectConstants();
  scan.findAll();
  return found;
}

/** Part of every password's name (`isPasswordName`). */
const PASSWORD_WORD = /pass|pwd/i;
/** String methods whose result still holds the secret. */
const VALUE_KEEPING_METHODS = new Set(['trim', 'trimStart', 'trimEnd', 'toString', 'valueOf', 'normalize', 'toLowerCase', 'toUpperCase']);
/** Calls that run a statement with its parameters beside it: Knex `raw`, TypeORM and Sequelize `query`, node-pg-migrate `sql`, `execute`. */
const QUERY_CALLS = new Set(['raw', 'query', 'sql', 'execute', 'executeQuery', 'unsafe']);
/** Parameters a driver or query builder fills in: Knex and Sequelize `?`, `:name` (not `::type`), PostgreSQL `$1`. */
const QUERY_PARAMETER = /(?<![:\w\\]):[A-Za-z_]\w*(?!:)|\$\d+|\?\??/g;
/** Names looked up as one constant: `NAME`, `this.NAME`, `Class.NAME`. */
const MAX_CHAIN = 3;

/** What the scans of a file and of its templates' substitutions share. */
interface Shared {
  source: MappedText;
  text: string;
  constants: Bindings;
  found: Candidate[];
  hints: ValueHints;
}

/** The scan of one token stream: the file's code, or one substitution's. */
class JsScan extends JsCode {
  /** Name tokens judged as a declaration's target by collectConstants. */
  private readonly targets = new Set<number>();
  private nesting = 0;

  constructor(
    private readonly shared: Shared,
    code: readonly JsToken[],
    private readonly depth: number,
  ) {
    super(shared.text, code);
    checkNesting(depth, code[0]?.start ?? 0);
  }

  /** `name = value` and `name: Type = value` bindings, in order; a password-named one given a string is a finding here. */
  collectConstants(): void {
    for (let i = 0; i < this.code.length; i++) {
      if (this.code[i]!.kind !== 'name' || this.isPunctuator(i - 1, '.') || this.isPunctuator(i - 1, '?.')) continue;
      let name = this.spelled(i)!;
      let last = i;
      if (name === 'this' && this.isPunctuator(i + 1, '.') && this.code[i + 2]?.kind === 'name') {
        name = `this.${this.spelled(i + 2)}`;
        last = i + 2;
      }
      const equals = this.isPunctuator(last + 1, '=') ? last + 1 : this.isPunctuator(last + 1, ':') && this.mayDeclare(i) ? this.annotationEnd(last + 2) : -1;
      if (equals === -1 || !this.isPunctuator(equals, '=')) continue;
      const value = this.expression(equals + 1);
      if (!value?.isString) continue;
      this.targets.add(last);
      if (isPasswordName(name)) this.passwordValue(value.parts);
      if (!this.endsExpression(value.next)) continue;
      const joined = joinParts(value.parts);
      this.shared.constants.add(name, this.code[i]!.start, joined);
      // A class field (`role = '...'`) is read as `this.role`; `this.role = '...'` may be read as either.
      if (name.startsWith('this.')) this.shared.constants.add(name.slice(5), this.code[i]!.start, joined);
      else if (!['const', 'let', 'var'].includes(this.spelled(i - 1) ?? '')) this.shared.constants.add(`this.${name}`, this.code[i]!.start, joined);
    }
  }

  /** Every rule on every token, then on each template's substitutions. */
  findAll(): void {
    for (let i = 0; i < this.code.length; i++) {
      this.passwordTarget(i);
      this.queryWithParameters(i);
    }
    for (let i = 0; i < this.code.length; ) {
      let value = this.startsValue(i) && !this.isPlainAlone(i) ? this.expression(i) : undefined;
      // A literal whose value a call makes unknown (`sql\`...\`.execute(db)`, `'...'.split(';')`) still holds its own text.
      if (value?.isString && !value.parts.some((part) => part !== undefined)) value = this.atom(i);
      if (value?.isString) {
        // A constant alone was read where it is bound.
        if (!(value.parts.length === 1 && value.parts[0] && this.shared.constants.values.has(value.parts[0]))) this.stringValue(i, value);
        i = Math.max(value.next, i + 1);
      } else i++;
    }
    for (const token of this.code) {
      // A substitution of one token is a part of the template's value, read with it.
      for (const substitution of token.template?.substitutions ?? []) if (substitution.tokens.length > 1) new JsScan(this.shared, substitution.tokens, this.depth + 1).findAll();
    }
  }

  /** The `=` after a type annotation starting at `i` (`string`, `string | undefined`, `Record<string, string>`), else -1. */
  private annotationEnd(i: number): number {
    let angle = 0;
    for (let j = i; j < i + 16 && j < this.code.length; j++) {
      if (this.isPunctuator(j, '=') && angle === 0) return j;
      if (this.isPunctuator(j, '<')) angle++;
      else if (this.isPunctuator(j, '>')) angle--;
      else if (this.isPunctuator(j, '>>')) angle -= 2;
      else if (this.isPunctuator(j, ',') && angle === 0) return -1;
      else if (this.code[j]!.kind !== 'name' && !['|', '&', '.', '[', ']', ',', '?'].some((p) => this.isPunctuator(j, p))) return -1;
    }
    return -1;
  }

  /** A value given to a password's name: a finding unless a placeholder, a type or an identifier. */
  private passwordValue(parts: readonly Part[]): void {
    const found = passwordCandidate(parts, { minLength: 4, rule: 'password-assignment', accept: (text) => !looksLikeTypeOrIdentifier(text) });
    if (found) this.shared.found.push(found);
  }

  /**
   * A password-named target at token `i` given a value that
   * collectConstants did not judge: an assignment to a property, an object
   * property (by name, string or computed key), a subscript with a string key.
   */
  private passwordTarget(i: number): void {
    const token = this.code[i]!;
    const isName = token.kind === 'name' && PASSWORD_WORD.test(this.spelled(i)!) && !this.targets.has(i);
    const mayBeKey = (token.kind === 'string' || token.kind === 'template') && (this.shared.hints.within(token.start, token.end) || occursBetween(this.text, 92, token.start, token.end));
    if (!isName && !mayBeKey) return;
    let name: string | undefined;
    let valueAt = -1;
    if (isName) {
      name = this.spelled(i);
      if (this.isPunctuator(i + 1, '=')) valueAt = i + 2;
      else if (this.isPunctuator(i + 1, ':') && this.isPropertyStart(i)) valueAt = i + 2;
    } else if (token.kind === 'string' || token.template?.substitutions.length === 0) {
      const computed = this.isPunctuator(i - 1, '[') && this.isPunctuator(i + 1, ']');
      if (computed && (this.isPunctuator(i + 2, '=') || (this.isPunctuator(i + 2, ':') && this.isPropertyStart(i - 1)))) valueAt = i + 3;
      else if (this.isPunctuator(i + 1, ':') && this.isPropertyStart(i)) valueAt = i + 2;
      if (valueAt !== -1) name = decodeJsString(this.shared.source, token, token.template?.quasis[0]).text;
    }
    if (valueAt === -1 || name === undefined || !isPasswordName(name)) return;
    // `process.env.PW || '...'`: each alternative is a value the name may get.
    for (let at = valueAt; ; ) {
      const value = this.expression(at);
      if (value?.isString) this.passwordValue(value.parts);
      const next = value ? value.next : this.skipOperand(at);
      if (!this.isPunctuator(next, '||') && !this.isPunctuator(next, '??')) return;
      at = next + 1;
    }
  }

  /**
   * A query run with its parameters beside it (`knex.raw('... ?', ['...'])`,
   * `queryRunner.query('... $1', [...])`, `sequelize.query('... :pw',
   * { replacements: { pw: '...' } })`): the statement read with the values
   * put in, quoted as the driver would.
   */
  private queryWithParameters(i: number): void {
    const token = this.code[i]!;
    if (token.kind !== 'name' || !this.isPunctuator(i + 1, '(') || !QUERY_CALLS.has(this.spelled(i)!)) return;
    const statement = this.expression(i + 2);
    if (!statement?.isString || !this.isPunctuator(statement.next, ',')) return;
    let at = statement.next + 1;
    if (this.isPunctuator(at, '{')) {
      const options = this.objectEntries(at);
      const given = options.replacements ?? options.bind;
      if (given === undefined) return;
      at = given;
    }
    const positional = this.isPunctuator(at, '[') ? this.elements(at) : [];
    const named = this.isPunctuator(at, '{') ? this.objectEntries(at) : {};
    let index = 0;
    const parts = substitute(statement.parts, QUERY_PARAMETER, (match, _index, before) => {
      if (match === '??') {
        index++; // Knex's identifier binding takes a value from the list too
        return [undefined];
      }
      const from = match.startsWith('$') ? positional[Number(match.slice(1)) - 1] : match.startsWith(':') ? named[match.slice(1)] : positional[index++];
      const value = from === undefined ? undefined : this.expression(from);
      if (!value?.isString) return match.startsWith(':') && from === undefined ? match : [undefined];
      return before === "'" ? value.parts : [MADE_UP_QUOTE, ...value.parts, MADE_UP_QUOTE];
    });
    this.stringValue(i + 2, { parts, next: statement.next, isString: true });
  }

  /** The first token of each property's value in the object literal whose `{` is at `open`, by key. */
  private objectEntries(open: number): Record<string, number> {
    const close = this.closing(open);
    const entries: Record<string, number> = Object.create(null) as Record<string, number>;
    for (let j = open + 1; j < close; j = this.skipTo(j, close) + 1) {
      const key = this.code[j]!;
      if (!this.isPunctuator(j + 1, ':')) continue;
      if (key.kind === 'name') entries[this.spelled(j)!] = j + 2;
      else if (key.kind === 'string') entries[decodeJsString(this.shared.source, key).text] = j + 2;
    }
    return entries;
  }

  /** Tokens a string expression may start at: a literal, a template, a name bound to one, `String.raw`, parentheses before either. */
  private startsValue(i: number): boolean {
    const token = this.code[i];
    if (token?.kind === 'string' || token?.kind === 'template') return true;
    if (token?.kind === 'name') return this.constantAt(i) !== undefined || this.isStringRaw(i);
    // One look past the parenthesis: a scan of deep nesting stays linear.
    return this.isPunctuator(i, '(') && (this.isPunctuator(i + 1, '(') || this.code[i + 1]?.kind === 'string' || this.code[i + 1]?.kind === 'template');
  }

  /**
   * Whether token `i` is a string literal spelled as its value is, standing
   * alone, with no hint of a password: nothing to find in it that the scan
   * of the file's text has not (a seed migration's thousands of strings).
   */
  private isPlainAlone(i: number): boolean {
    const token = this.code[i]!;
    if (token.kind !== 'string' || occursBetween(this.text, 92, token.start, token.end)) return false;
    if (this.isPunctuator(i + 1, '+') || this.isPunctuator(i + 1, '.') || this.isPunctuator(i - 1, '+')) return false;
    return !this.shared.hints.within(token.start, token.end);
  }

  /** `term ('+' term)*`. */
  private expression(i: number): Value | undefined {
    this.nesting++;
    try {
      checkNesting(this.nesting, this.code[i]?.start ?? 0);
      return readSum(i, (j) => this.term(j), (j) => this.isPunctuator(j, '+'));
    } finally {
      this.nesting--;
    }
  }

  /** `atom`, then `.concat(...)`, a text-keeping method, TypeScript's `as T`, `satisfies T` and `!`. */
  private term(i: number): Value | undefined {
    const value = this.atom(i);
    if (!value) return undefined;
    for (;;) {
      const next = value.next;
      if (this.isPunctuator(next, '.') && this.code[next + 1]?.kind === 'name' && this.isPunctuator(next + 2, '(')) {
        const method = this.spelled(next + 1)!;
        const close = this.closing(next + 2);
        if (method === 'concat' && value.isString) {
          for (let j = next + 3; j < close; j = this.skipTo(j, close) + 1) {
            const argument = this.expression(j);
            appendParts(value.parts, argument && this.endsExpression(argument.next) ? argument.parts : [undefined]);
          }
        } else if (!VALUE_KEEPING_METHODS.has(method)) value.parts = [undefined];
        value.next = close + 1;
      } else if ((this.spelled(next) === 'as' || this.spelled(next) === 'satisfies') && this.code[next + 1]?.kind === 'name' && !this.code[next]!.newlineBefore) {
        value.next = next + 2;
      } else if (this.isPunctuator(next, '!') && !this.isPunctuator(next + 1, '=')) {
        value.next = next + 1;
      } else return value;
    }
  }

  /** A string, a template (plain, tagged or `String.raw`), a parenthesised expression, a name, or another operand. */
  private atom(i: number): Value | undefined {
    const token = this.code[i];
    if (!token) return undefined;
    if (token.kind === 'string') return { parts: [decodeJsString(this.shared.source, token)], next: i + 1, isString: true };
    if (token.kind === 'template') return { parts: this.templateParts(token, false), next: i + 1, isString: true };
    if (this.isPunctuator(i, '(')) {
      const inner = this.expression(i + 1);
      if (inner && this.isPunctuator(inner.next, ')')) return { ...inner, next: inner.next + 1 };
      return undefined;
    }
    if (token.kind === 'name') {
      if (this.isStringRaw(i)) return { parts: this.templateParts(this.code[i + 3]!, true), next: i + 4, isString: true };
      const known = this.constantAt(i);
      if (known) return { parts: [known.value], next: known.next, isString: true };
      const next = this.skipTrailers(i + 1);
      // A tagged template (`sql\`...\``, Kysely, Slonik) holds its text as written, its substitutions as parameters.
      if (this.code[next]?.kind === 'template') return { parts: this.templateParts(this.code[next]!, false), next: next + 1, isString: true };
      return { parts: [undefined], next, isString: false };
    }
    if (token.kind === 'number') return { parts: [undefined], next: i + 1, isString: false };
    return undefined;
  }

  /** Whether `String.raw` followed by a template starts at `i`. */
  private isStringRaw(i: number): boolean {
    return this.spelled(i) === 'String' && this.isPunctuator(i + 1, '.') && this.spelled(i + 2) === 'raw' && this.code[i + 3]?.kind === 'template';
  }

  /** A template's pieces and, for each substitution, its value when it is a string expression read whole, else unknown. */
  private templateParts(token: JsToken, raw: boolean): Part[] {
    const template = token.template!;
    const parts: Part[] = [];
    template.quasis.forEach((range, index) => {
      const piece = decodeJsString(this.shared.source, token, range, raw);
      if (piece.text !== '') parts.push(piece);
      const substitution = template.substitutions[index];
      if (!substitution) return;
      const [only, ...more] = substitution.tokens;
      if (only?.kind === 'name' && more.length === 0) {
        // `${name}`, the usual case, looked up without a scan of its own.
        parts.push(this.shared.constants.at(jsName(this.text.slice(only.start, only.end)), only.start));
        return;
      }
      const inner = new JsScan(this.shared, substitution.tokens, this.depth + 1);
      const value = inner.expression(0);
      appendParts(parts, value?.isString && value.next === substitution.tokens.length ? value.parts : [undefined]);
    });
    return parts;
  }

  /** The constant a name (or `this.name`, `Class.name`) at token `i` stands for, and the index after it. */
  private constantAt(i: number): { value: MappedText; next: number } | undefined {
    if (this.code[i]?.kind !== 'name' || this.isPunctuator(i + 1, '(')) return undefined;
    let found: { value: MappedText; next: number } | undefined;
    let name = this.spelled(i)!;
    let j = i + 1;
    for (let chain = 1; ; chain++) {
      const value = this.shared.constants.at(name, this.code[i]!.start);
      if (value) found = { value, next: j };
      if (chain >= MAX_CHAIN || !this.isPunctuator(j, '.') || this.code[j + 1]?.kind !== 'name') break;
      name = `${name}.${this.spelled(j + 1)}`;
      j += 2;
    }
    // A longer chain (`pw.length`, `pw.split(...)`) is something else of the constant.
    return found && (this.isPunctuator(found.next, '.') || this.isPunctuator(found.next, '[')) && !this.isPunctuator(found.next + 2, '(') ? undefined : found;
  }

  /** A string expression's value, scanned as text and maybe as SQL. */
  private stringValue(i: number, value: Value): void {
    const token = this.code[i]!;
    const joined = joinParts(value.parts);
    const plain = token.kind === 'string' && value.next === i + 1 && joined.text === this.text.slice(token.start + 1, token.end - 1);
    for (const candidate of stringValueCandidates(joined, !plain, 0)) this.shared.found.push(candidate);
  }
}

/** A quote the driver puts around a parameter's value. */
const MADE_UP_QUOTE: Part = new MappedTextBuilder().addMadeUp("'").build();
