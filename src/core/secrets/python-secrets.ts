// Over 400 lines: one scanner (PythonScan) walks one token stream with one bracket map and one set of bindings; its expression reader and the rules that use it share that state, and split apart each half would reach into the other.
/**
 * Password literals in Python (Alembic and Django migrations), found on the
 * token stream (python-tokens.ts). A value is a string expression as Python
 * builds it: literals joined side by side (also across lines inside
 * brackets), `+`, parentheses, f-string fields, `%` and `.format()`; a
 * name bound to such a value by a plain assignment (`ROLE_PW = "..."`)
 * stands for it wherever it is used later, so a secret assigned in one place
 * and put into SQL in another is found.
 *
 * Findings:
 * - a password-named target given a value: `password = "..."`,
 *   `DB_PASSWORD: str = (\n "..."\n)`, `self.password = ...`,
 *   `config["password"] = ...`, `password := ...`, a keyword argument
 *   `password="..."`, a dict entry `"password": "..."`;
 * - every string expression's value scanned as text and, when it could hold
 *   a statement with a password, as SQL (`op.execute(...)`, `sa.text(...)`),
 *   by sql-secrets.ts;
 * - comments scanned as text.
 * A part of a value that is not a constant (a call, an unknown name, an
 * f-string field of any other expression) makes the value a template, which
 * is no finding.
 */
import type { Candidate } from './candidate.js';
import { lineRuleCandidates } from './line-rules.js';
import { Bindings } from './bindings.js';
import { MappedTextBuilder, sliceMapped, type MappedText } from './mapped-text.js';
import { isPasswordName, looksLikeTypeOrIdentifier } from './secret-values.js';
import { occursBetween, stringValueCandidates, ValueHints } from './sql-secrets.js';
import { decodePythonString, tokenizePython, type PythonToken } from './python-tokens.js';
import { appendParts, checkNesting, joinParts, passwordCandidate, readSum, ScanLimitExceeded, substitute, type Part, type Value } from './value-parts.js';
import { matchBrackets } from './token-scanning.js';

/** Candidates in Python source. */
export function pythonCandidates(source: MappedText): Candidate[] {
  return new PythonScan(source).run();
}

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);
/** Statements that end their first line with `:` and may have a body on it (`class C: x = 1`). */
const COMPOUND_KEYWORDS = new Set('class def if elif else for while with try except finally async'.split(' '));
/** Part of every password's name (`isPasswordName`). */
const PASSWORD_WORD = /pass|pwd/i;
/** String methods that leave a secret in the value (`"...".strip()`, `.encode()`). */
const VALUE_KEEPING_METHODS = new Set(['strip', 'lstrip', 'rstrip', 'encode', 'decode']);
/** Names a `text(...)` call is reached by (`text`, `sa.text`, `sqlalchemy.sql.expression.text`): SQLAlchemy's text() keeps its string. */
const TEXT_CALL_NAMES = new Set(['text', 'sa', 'sqlalchemy', 'sql', 'expression']);
/** Calls that run a statement with parameters beside it (`conn.execute(text(...), {...})`, `exec_driver_sql(sql, (...))`). */
const EXECUTE_CALLS = new Set(['execute', 'exec_driver_sql', 'executemany', 'RunSQL']);
/** Calls that set an environment variable (`os.environ.setdefault('PGPASSWORD', ...)`, `os.putenv(...)`). */
const ENVIRONMENT_SETTERS = new Set(['setdefault', 'putenv', 'setenv']);
/** Names looked up as one constant: `NAME`, `Class.NAME`, `self.NAME`; longer chains are attributes of something else. */
const MAX_CHAIN = 3;
/** f-string fields read inside each other (`f"{f'{S}'}"`); past it the file is too complex (no migration nests them so). */
const MAX_FIELD_DEPTH = 8;
/** A field that is a name (`{S}`, `{C.pw}`), looked up without reading it as an expression. */
const FIELD_NAME = /^\s*([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*){0,2})\s*$/;

/** Parameters given beside a statement: by name (`{'pw': ...}`, `dict(pw=...)`, `p='...'`) or by position (`('...',)`). */
interface Parameters {
  named: Map<string, Part[]>;
  positional: Part[][];
}

/** One target of an assignment: a name (maybe dotted) that is bound, or another target (subscript, call, nested) that only takes a place. */
interface Target {
  name: string | undefined;
  /** Its first token. */
  token: number;
  starred: boolean;
}

/** What an f-string field's scan shares with the file's: the bindings, where its text is, how deep in fields it is. */
interface FieldContext {
  constants: Bindings;
  /** Offset in the file's text of the field's text. */
  base: number;
  depth: number;
}

class PythonScan {
  private readonly text: string;
  private readonly code: PythonToken[] = [];
  private readonly found: Candidate[] = [];
  /** Names bound to a string value by an assignment, a parameter's default or `:=`. */
  private readonly constants: Bindings;
  /** Offset in the file's text of this scan's text (an f-string field's scan reads a piece of the file). */
  private readonly base: number;
  private readonly fieldDepth: number;
  /** Name tokens that collectConstants read as an assignment's targets (their values are judged there). */
  private readonly targets = new Set<number>();
  private hints = new ValueHints('');
  /** How many expressions are being read inside each other. */
  private nesting = 0;
  private closers: Int32Array | undefined;
  /** Per token: the bracket depth it is at. */
  private depths = new Int32Array(0);
  /** Per token: whether it begins a statement. */
  private starts = new Uint8Array(0);
  /** Per token: the first `=` at depth 0 after it in its statement, or -1. */
  private equalsAfter = new Int32Array(0);

  constructor(
    private readonly source: MappedText,
    field?: FieldContext,
  ) {
    this.text = source.text;
    this.constants = field?.constants ?? new Bindings();
    this.base = field?.base ?? 0;
    this.fieldDepth = field?.depth ?? 0;
  }

  /**
   * The value of an f-string field's expression (file offsets `from`, `to`
   * of this scan's text), read as any expression is: `{S}`, `{(S)}`,
   * `{S + ''}`, `{f'{S}'}`, `{'%s' % S}`; unknown when it is not a string
   * expression read to its end.
   */
  private fieldValue(expression: string, from: number, to: number): Part[] {
    const name = FIELD_NAME.exec(expression)?.[1];
    if (name !== undefined) return [this.constants.at(name.replace(/\s+/g, ''), this.base + from) ?? undefined];
    if (this.fieldDepth >= MAX_FIELD_DEPTH) throw new ScanLimitExceeded(this.base + from, 'nesting');
    const field = new PythonScan(sliceMapped(this.source, from, to), { constants: this.constants, base: this.base + from, depth: this.fieldDepth + 1 });
    const value = field.readExpression();
    return value ?? [undefined];
  }

  /** This scan's text as one expression: its parts when it is a string expression and nothing follows it. */
  private readExpression(): Part[] | undefined {
    for (const token of tokenizePython(this.text)) if (token.kind !== 'comment' && token.kind !== 'newline') this.code.push(token);
    const value = this.expression(0);
    return value?.isString && value.next === this.code.length ? value.parts : undefined;
  }

  run(): Candidate[] {
    // Shapes in comments are found with the file's text (find-secrets.ts).
    for (const token of tokenizePython(this.text)) {
      if (token.kind !== 'comment') this.code.push(token);
      else this.report(lineRuleCandidates(sliceMapped(this.source, token.start, token.end), ['password'], false));
    }
    this.findStatements();
    this.hints = new ValueHints(this.text);
    this.collectConstants();
    for (let i = 0; i < this.code.length; i++) {
      this.passwordTarget(i);
      this.callWithParameters(i);
    }
    for (let i = 0; i < this.code.length; ) {
      const value = this.startsValue(i) && !this.isPlainAlone(i) ? this.expression(i) : undefined;
      if (value?.isString) {
        // A constant alone was read where it is bound.
        if (!(value.parts.length === 1 && value.parts[0] && this.constants.values.has(value.parts[0]))) this.stringValue(i, value);
        i = Math.max(value.next, i + 1);
      } else i++;
    }
    return this.found;
  }

  /** Candidates found by another scan (no spread: there may be many). */
  private report(candidates: readonly Candidate[]): void {
    for (const candidate of candidates) this.found.push(candidate);
  }

  private spelled(i: number): string | undefined {
    const token = this.code[i];
    return token && this.text.slice(token.start, token.end);
  }

  /** Whether token `i` is `operator` (compared in place: no string per token). */
  private isOperator(i: number, operator: string): boolean {
    const token = this.code[i];
    return token?.kind === 'operator' && token.end - token.start === operator.length && this.text.startsWith(operator, token.start);
  }

  private isName(i: number): boolean {
    const token = this.code[i];
    return token?.kind === 'name' && !KEYWORDS.has(this.text.slice(token.start, token.end));
  }

  /** Whether token `i` begins a statement (the first of a logical line, after `;`, or after a compound statement's `:` on its line). */
  private startsStatement(i: number): boolean {
    return this.starts[i] === 1;
  }

  /** The end of the logical line `i` is on: a newline, `;`, or the end. */
  private endsStatement(i: number): boolean {
    return i >= this.code.length || this.code[i]!.kind === 'newline' || this.isOperator(i, ';');
  }

  /**
   * Bracket depths, statement starts and each statement's first `=`, in
   * two passes: every later question about them is answered in constant
   * time (a dict of a million keys named `password:` is not walked once per key).
   */
  private findStatements(): void {
    const n = this.code.length;
    this.depths = new Int32Array(n);
    this.starts = new Uint8Array(n + 1);
    this.equalsAfter = new Int32Array(n);
    let depth = 0;
    let header = -1; // a compound statement whose `:` is still to come
    if (n > 0) this.starts[0] = 1;
    for (let j = 0; j < n; j++) {
      const token = this.code[j]!;
      const one = token.kind === 'operator' && token.end - token.start === 1 ? this.text[token.start] : '';
      if (one === ')' || one === ']' || one === '}') depth = Math.max(0, depth - 1);
      this.depths[j] = depth;
      if (one === '(' || one === '[' || one === '{') depth++;
      if (this.starts[j] === 1 && token.kind === 'name' && COMPOUND_KEYWORDS.has(this.text.slice(token.start, token.end))) header = j;
      if (token.kind === 'newline' || (one === ';' && depth === 0)) {
        this.starts[j + 1] = 1;
        header = -1;
      } else if (one === ':' && depth === 0 && header !== -1) {
        if (this.code[j + 1]?.kind !== 'newline') this.starts[j + 1] = 1;
        header = -1;
      }
    }
    let equals = -1;
    for (let j = n - 1; j >= 0; j--) {
      if (this.endsStatement(j)) equals = -1;
      else if (this.isOperator(j, '=') && this.depths[j] === 0) equals = j;
      this.equalsAfter[j] = equals;
      if (this.starts[j] === 1) equals = -1;
    }
  }

  /** Index of the `=` after a target whose next token is `i` (`=` itself, or `: annotation =` in the same statement), else -1. */
  private assignmentOperator(i: number): number {
    if (this.isOperator(i, '=')) return i;
    if (!this.isOperator(i, ':') || this.depths[i] !== 0) return -1;
    return this.equalsAfter[i] ?? -1;
  }

  /**
   * Names bound to string values, in order: assignments (`A = B = ...`,
   * `USER, PW = 'app', '...'`, `[A, *B] = [...]`, `A: str = ...`, `self.pw = ...`),
   * class attributes (also as `Class.name`, `self.name`, `cls.name`),
   * parameters' defaults (`def upgrade(pw='...')`) and `:=`. A password-named
   * target given a string is a finding here.
   */
  private collectConstants(): void {
    const blocks: Array<{ kind: string; name: string; indent: number }> = [];
    let lineIndent = 0;
    for (let i = 0; i < this.code.length; i++) {
      if (this.isOperator(i + 1, ':=') && this.isName(i)) this.walrus(i);
      if (!this.startsStatement(i) || this.code[i]!.kind === 'newline') continue;
      if (i === 0 || this.code[i - 1]!.kind === 'newline') {
        lineIndent = this.code[i]!.start - (i === 0 ? this.text.lastIndexOf('\n', this.code[i]!.start) + 1 : this.code[i - 1]!.end);
        while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= lineIndent) blocks.pop();
      }
      let head = i;
      if (this.spelled(head) === 'async') head++;
      const keyword = this.spelled(head);
      if ((keyword === 'class' || keyword === 'def') && this.isName(head + 1)) {
        blocks.push({ kind: keyword, name: this.spelled(head + 1)!, indent: lineIndent });
        if (keyword === 'def' && this.isOperator(head + 2, '(')) this.parameterDefaults(head + 2);
        continue;
      }
      const enclosing = blocks[blocks.length - 1];
      this.assignment(i, enclosing?.kind === 'class' ? enclosing.name : undefined);
    }
  }

  /** The assignment statement at `i`, if it is one: its targets bound (`inClass`: also as the class's attributes). */
  private assignment(i: number, inClass: string | undefined): void {
    const lists: Array<{ targets: Target[]; sequence: boolean }> = [];
    let j = i;
    for (;;) {
      const list = this.targetList(j);
      if (!list) break;
      const equals = list.sequence || list.targets.length !== 1 ? (this.isOperator(list.next, '=') ? list.next : -1) : this.assignmentOperator(list.next);
      if (equals === -1) break;
      lists.push(list);
      j = equals + 1;
    }
    if (lists.length === 0) return;
    const value = this.valueList(j);
    if (!value) return;
    const complete = this.endsStatement(value.next);
    for (const list of lists) {
      for (const target of list.targets) if (target.name !== undefined) this.targets.add(target.token);
      if (!list.sequence) {
        if (value.single) this.bind(list.targets[0]!, value.single, complete, inClass);
        continue;
      }
      const elements = value.elements;
      if (!elements) continue;
      const star = list.targets.findIndex((target) => target.starred);
      if (star === -1 ? elements.length !== list.targets.length : elements.length < list.targets.length - 1) continue;
      list.targets.forEach((target, index) => {
        if (target.starred) return;
        const element = star === -1 || index < star ? elements[index] : elements[elements.length - (list.targets.length - index)];
        if (element) this.bind(target, element, complete, inClass);
      });
    }
  }

  /** A target given a value: a finding when it is a password's name, a binding when the statement is only that. */
  private bind(target: Target, value: Value, complete: boolean, inClass: string | undefined): void {
    if (target.name === undefined || !value.isString) return;
    if (isPasswordName(target.name)) this.passwordValue(value.parts);
    if (!complete) return;
    const joined = joinParts(value.parts);
    const at = this.base + this.code[target.token]!.start;
    this.constants.add(target.name, at, joined);
    if (inClass !== undefined && !target.name.includes('.')) {
      for (const owner of [inClass, 'self', 'cls']) this.constants.add(`${owner}.${target.name}`, at, joined);
    }
  }

  /**
   * The targets of an assignment starting at `i`, up to (not including)
   * its `=`: `a`, `a, b`, `(a, b)`, `[a, *b]`, `a.b`, `a[0]`; undefined
   * when `i` starts none.
   */
  private targetList(i: number): { targets: Target[]; sequence: boolean; next: number } | undefined {
    if ((this.isOperator(i, '(') || this.isOperator(i, '[')) && this.isOperator(this.closing(i) + 1, '=')) {
      const inner = this.targetList(i + 1);
      if (inner && inner.next === this.closing(i)) return { targets: inner.targets, sequence: true, next: inner.next + 1 };
    }
    const targets: Target[] = [];
    let sequence = false;
    let j = i;
    for (;;) {
      const starred = this.isOperator(j, '*');
      if (starred) j++;
      const first = j;
      let name: string | undefined;
      if (this.isName(j)) {
        let chain = 1;
        j++;
        while (this.isOperator(j, '.') && this.isName(j + 1)) {
          j += 2;
          chain++;
        }
        name = chain <= MAX_CHAIN ? this.text.slice(this.code[first]!.start, this.code[j - 1]!.end).replace(/\s+/g, '') : undefined;
        const trailed = j;
        j = this.skipTrailers(j);
        if (j !== trailed) name = undefined; // a subscript or a call's attribute
      } else if (this.isOperator(j, '(') || this.isOperator(j, '[')) {
        j = this.closing(j) + 1;
      } else return undefined;
      targets.push({ name, token: first, starred });
      if (!this.isOperator(j, ',')) break;
      sequence = true;
      j++;
      if (this.isOperator(j, '=') || this.isOperator(j, ')') || this.isOperator(j, ']')) break;
    }
    return { targets, sequence, next: j };
  }

  /** The right side of an assignment at `i`: one expression, or a sequence (`'a', 'b'`, `('a', 'b')`, `['a', 'b']`). */
  private valueList(i: number): { single?: Value; elements?: Array<Value | undefined>; next: number } | undefined {
    if ((this.isOperator(i, '(') || this.isOperator(i, '[')) && this.endsStatement(this.closing(i) + 1)) {
      const elements = this.sequenceElements(i);
      if (elements.length !== 1 || this.isOperator(this.closing(i) - 1, ',') || this.isOperator(i, '[')) return { elements, next: this.closing(i) + 1 };
    }
    const first = this.expression(i);
    if (!this.isOperator(first?.next ?? i, ',')) return first && { single: first, next: first.next };
    const elements: Array<Value | undefined> = [first];
    let j = first ? first.next : i;
    while (this.isOperator(j, ',') && !this.endsStatement(j + 1)) {
      const element = this.expression(j + 1);
      elements.push(element);
      j = element ? element.next : this.skipTo(j + 1, ',');
    }
    return { elements, next: this.isOperator(j, ',') ? j + 1 : j };
  }

  /** The elements of a bracketed sequence whose opening bracket is at `open` (unknown ones undefined). */
  private sequenceElements(open: number): Array<Value | undefined> {
    const close = this.closing(open);
    const elements: Array<Value | undefined> = [];
    for (let j = open + 1; j < close; ) {
      const element = this.expression(j);
      elements.push(element);
      j = this.skipTo(element ? element.next : j + 1, ',', close) + 1;
    }
    return elements;
  }

  /** Index of the next `separator` at the level of `i` (brackets skipped), or of `limit`. */
  private skipTo(i: number, separator: string, limit = this.code.length): number {
    let j = i;
    while (j < limit && !this.isOperator(j, separator) && !(limit === this.code.length && this.endsStatement(j))) {
      j = this.isOperator(j, '(') || this.isOperator(j, '[') || this.isOperator(j, '{') ? this.closing(j) + 1 : j + 1;
    }
    return j;
  }

  /** `def f(a, pw='...', *, b: str = '...')` (its `(` at `open`): each parameter with a string default bound. */
  private parameterDefaults(open: number): void {
    const close = this.closing(open);
    for (let j = open + 1; j < close; ) {
      const end = this.skipTo(j, ',', close);
      while (j < end && (this.isOperator(j, '*') || this.isOperator(j, '**'))) j++;
      if (this.isName(j)) {
        const valueAt = this.isOperator(j + 1, '=') ? j + 2 : this.isOperator(j + 1, ':') ? this.skipTo(j + 2, '=', end) + 1 : -1;
        const value = valueAt > 0 && valueAt < end && this.isOperator(valueAt - 1, '=') ? this.expression(valueAt) : undefined;
        if (value) {
          this.targets.add(j);
          this.bind({ name: this.spelled(j), token: j, starred: false }, value, true, undefined);
        }
      }
      j = end + 1;
    }
  }

  /** `name := value` anywhere: the name bound from there on. */
  private walrus(i: number): void {
    const value = this.expression(i + 2);
    if (!value?.isString) return;
    this.targets.add(i);
    this.bind({ name: this.spelled(i), token: i, starred: false }, value, true, undefined);
  }

  /** A value given to a password's name: a finding unless a placeholder, a type or an identifier. */
  private passwordValue(parts: readonly Part[]): void {
    const found = passwordCandidate(parts, { minLength: 4, rule: 'password-assignment', accept: (text) => !looksLikeTypeOrIdentifier(text) });
    if (found) this.found.push(found);
  }

  /**
   * A password-named target at token `i` given a value that collectConstants
   * did not judge: a keyword argument, an attribute or subscript with a
   * string key, a dict entry.
   */
  private passwordTarget(i: number): void {
    const token = this.code[i]!;
    const isName = token.kind === 'name' && PASSWORD_WORD.test(this.text.slice(token.start, token.end)) && !this.targets.has(i);
    const mayBeKey = token.kind === 'string' && (this.hints.within(token.start, token.end) || occursBetween(this.text, 92, token.start, token.end));
    if (!isName && !mayBeKey) return;
    let name: string | undefined;
    let valueAt = -1;
    if (token.kind === 'name') {
      if (!this.isOperator(i + 1, '=') && !this.isOperator(i + 1, ':=')) return;
      name = this.spelled(i);
      valueAt = i + 2;
    } else if (token.kind === 'string' && !token.string!.formatted) {
      const isDictKey = this.isOperator(i + 1, ':') && (this.isOperator(i - 1, '{') || this.isOperator(i - 1, ','));
      const isSubscript = this.isOperator(i - 1, '[') && this.isOperator(i + 1, ']') && this.isOperator(i + 2, '=');
      if (!isDictKey && !isSubscript) return;
      name = this.stringText(token);
      valueAt = i + (isDictKey ? 2 : 3);
    }
    if (name === undefined || !isPasswordName(name)) return;
    const value = this.expression(valueAt);
    if (value?.isString) this.passwordValue(value.parts);
  }

  /**
   * A call that runs a statement with its parameters beside it
   * (`connection.execute(sa.text("... :p"), {"p": "..."})`,
   * `exec_driver_sql("... %s", ("...",))`), or sets an environment
   * variable (`os.environ.setdefault("PGPASSWORD", "...")`): the statement
   * read with the parameters put in, as the driver sends it.
   */
  private callWithParameters(i: number): void {
    const token = this.code[i]!;
    if (token.kind !== 'name' || !this.isOperator(i + 1, '(')) return;
    const callee = this.text.slice(token.start, token.end);
    if (ENVIRONMENT_SETTERS.has(callee) && this.isOperator(i - 1, '.')) {
      const [name, value] = this.callArguments(i + 1).positional;
      if (name && value && name.every((part) => part !== undefined) && isPasswordName(joinParts(name).text)) this.passwordValue(value);
      return;
    }
    if (!EXECUTE_CALLS.has(callee)) return;
    const close = this.closing(i + 1);
    const statement = this.expression(i + 2);
    if (!statement?.isString || !this.isOperator(statement.next, ',')) return;
    let at = statement.next + 1;
    if (this.isName(at) && this.isOperator(at + 1, '=')) {
      if (!['params', 'parameters'].includes(this.spelled(at)!)) return;
      at += 2;
    }
    if (at >= close) return;
    for (const parameters of this.parameterSets(at)) {
      const parts = substitute(statement.parts, DRIVER_PARAMETER, (match, index, before) => {
        const named = /^%\((.*)\)s$/.exec(match)?.[1] ?? (/^:[A-Za-z_]/.test(match) ? match.slice(1) : undefined);
        const value = named !== undefined ? parameters.named.get(named) : /^(?:%s|\?)$/.test(match) ? parameters.positional[index] : undefined;
        if (value === undefined) return match === '%%' ? '%' : named !== undefined || match === '%s' || match === '?' ? [undefined] : match;
        // The driver quotes a value it puts in, unless the statement already does.
        return before === "'" ? value : [MADE_UP_QUOTE, ...value, MADE_UP_QUOTE];
      });
      this.stringValue(i, { parts, next: close + 1, isString: true });
    }
  }

  /** Parameter sets at `i`: a dict, `dict(...)`, a tuple or list of values, or a list of dicts (executemany). */
  private parameterSets(i: number): Parameters[] {
    const one = this.parameters(i);
    if (one) return [one];
    if (!this.isOperator(i, '[') && !this.isOperator(i, '(')) return [];
    const close = this.closing(i);
    const sets: Parameters[] = [];
    let positional = true;
    for (let j = i + 1; j < close; j = this.skipTo(j, ',', close) + 1) {
      const set = this.parameters(j);
      if (set) {
        sets.push(set);
        positional = false;
      }
    }
    if (!positional) return sets;
    return [{ named: new Map(), positional: this.sequenceElements(i).map((element) => element?.parts ?? [undefined]) }];
  }

  /** Named parameters at `i`: `{'name': value, ...}` or `dict(name=value, ...)`. */
  private parameters(i: number): Parameters | undefined {
    if (this.isOperator(i, '{')) return { named: this.dictEntries(i), positional: [] };
    if (this.spelled(i) === 'dict' && this.isOperator(i + 1, '(')) return { named: this.callArguments(i + 1).named, positional: [] };
    return undefined;
  }

  /** The entries of a dict display whose `{` is at `open` with a string key: key -> value parts. */
  private dictEntries(open: number): Map<string, Part[]> {
    const close = this.closing(open);
    const entries = new Map<string, Part[]>();
    for (let j = open + 1; j < close; j = this.skipTo(j, ',', close) + 1) {
      const key = this.code[j];
      if (key?.kind !== 'string' || key.string!.formatted || !this.isOperator(j + 1, ':')) continue;
      const value = this.expression(j + 2);
      entries.set(this.stringText(key), value?.parts ?? [undefined]);
      j = value ? value.next : j + 2;
    }
    return entries;
  }

  /** A string literal's text without its fields (for a dict key). */
  private stringText(token: PythonToken): string {
    return decodePythonString(this.source, token)
      .map((part) => (part.kind === 'text' ? part.value.text : ''))
      .join('');
  }

  /** Tokens a string expression may start at: a literal, a name bound to one, a `text(...)` call, parentheses before either. */
  private startsValue(i: number): boolean {
    const token = this.code[i];
    if (token?.kind === 'string') return true;
    if (token?.kind === 'name') return this.constantAt(i) !== undefined || this.textCall(i) !== -1;
    // One look past the parenthesis: a scan of deep nesting stays linear.
    return this.isOperator(i, '(') && (this.isOperator(i + 1, '(') || this.code[i + 1]?.kind === 'string' || this.startsValue(i + 1));
  }

  /**
   * Whether token `i` is a string literal spelled as its value is, standing
   * alone, with no hint of a password: nothing to find in it that the scan
   * of the file's text has not (a data migration's thousands of strings).
   */
  private isPlainAlone(i: number): boolean {
    const token = this.code[i]!;
    const form = token.string;
    if (!form || form.formatted || (!form.raw && occursBetween(this.text, 92, form.bodyStart, form.bodyEnd))) return false;
    const next = this.code[i + 1];
    if (next?.kind === 'string' || this.isOperator(i + 1, '+') || this.isOperator(i + 1, '%') || this.isOperator(i + 1, '.') || this.isOperator(i - 1, '+')) return false;
    return !this.hints.within(token.start, token.end);
  }

  /** `term ('+' term)*`. */
  private expression(i: number): Value | undefined {
    this.nesting++;
    try {
      checkNesting(this.nesting, this.offset(i));
      return readSum(i, (j) => this.term(j), (j) => this.isOperator(j, '+'));
    } finally {
      this.nesting--;
    }
  }

  /** File offset of token `i` (for a limit's report). */
  private offset(i: number): number {
    const token = this.code[i];
    return token ? (this.source.spansOf(token.start, token.start + 1)[0]?.[0] ?? 0) : 0;
  }

  /** `atom`, then `% args`, `.format(args)`, `.bindparams(...)`, `.join(...)` or a value-keeping method. */
  private term(i: number): Value | undefined {
    const value = this.atom(i);
    if (!value) return undefined;
    for (;;) {
      if (this.isOperator(value.next, '%') && value.isString) {
        const args = this.percentArguments(value.next + 1);
        if (!args) break;
        value.parts = substitute(value.parts, PERCENT_CONVERSION, (match, index) => {
          if (match === '%%') return '%';
          const name = /^%\(([^)]*)\)/.exec(match)?.[1];
          return (name === undefined ? args.positional[index] : args.named.get(name)) ?? [undefined];
        });
        value.next = args.next;
      } else if (this.isOperator(value.next, '.') && this.code[value.next + 1]?.kind === 'name' && this.isOperator(value.next + 2, '(')) {
        const method = this.spelled(value.next + 1)!;
        const open = value.next + 2;
        const args = this.callArguments(open);
        if (method === 'format' && value.isString) {
          let automatic = 0;
          value.parts = substitute(value.parts, FORMAT_FIELD, (match) => {
            if (match === '{{' || match === '}}') return match[0]!;
            const field = match.slice(1, -1).split(/[!:]/)[0]!;
            if (field === '') return args.positional[automatic++] ?? [undefined];
            return (/^\d+$/.test(field) ? args.positional[Number(field)] : args.named.get(field)) ?? [undefined];
          });
        } else if (method === 'bindparams' && value.isString) {
          // SQLAlchemy's text().bindparams(name=value): each `:name` becomes the value, quoted.
          value.parts = substitute(value.parts, SQLALCHEMY_BIND, (match, _index, before) => {
            const given = args.named.get(match.slice(1));
            if (!given) return match;
            return before === "'" ? given : [MADE_UP_QUOTE, ...given, MADE_UP_QUOTE];
          });
        } else if (method === 'join' && value.isString && (this.isOperator(open + 1, '[') || this.isOperator(open + 1, '(')) && this.closing(open + 1) + 1 === this.closing(open)) {
          const separator = value.parts;
          const parts: Part[] = [];
          this.sequenceElements(open + 1).forEach((element, index) => {
            if (index > 0) appendParts(parts, separator);
            appendParts(parts, element?.parts ?? [undefined]);
          });
          value.parts = parts;
        } else if (!VALUE_KEEPING_METHODS.has(method)) value.parts = [undefined];
        value.next = args.next;
      } else break;
    }
    return value;
  }

  /** A string literal (several side by side), a parenthesised expression, a name, a `text(...)` call, or another operand. */
  private atom(i: number): Value | undefined {
    const token = this.code[i];
    if (!token) return undefined;
    if (token.kind === 'string') {
      const parts: Part[] = [];
      let j = i;
      while (this.code[j]?.kind === 'string') appendParts(parts, this.literalParts(this.code[j++]!));
      return { parts, next: j, isString: true };
    }
    if (this.isOperator(i, '(')) {
      const inner = this.expression(i + 1);
      if (inner && this.isOperator(inner.next, ')')) return { ...inner, next: inner.next + 1 };
      return undefined;
    }
    if (this.isName(i)) {
      if (this.isOperator(i + 1, ':=')) return this.expression(i + 2);
      // A constant's methods (`PW.strip()`, `SQL.format(...)`) are for `term`; any other name's trailers make it unknown.
      const known = this.constantAt(i);
      if (known) return { parts: [known.value], next: known.next, isString: true };
      const open = this.textCall(i);
      if (open !== -1) {
        const inner = this.expression(open + 1);
        const close = this.closing(open);
        if (inner?.isString && (inner.next === close || (this.isOperator(inner.next, ',') && inner.next + 1 === close))) return { ...inner, next: close + 1 };
      }
      return { parts: [undefined], next: this.skipTrailers(i + 1), isString: false };
    }
    if (token.kind === 'number') return { parts: [undefined], next: i + 1, isString: false };
    return undefined;
  }

  /** The constant a name (or `Class.name`, `self.name`) at token `i` stands for, and the index after it. */
  private constantAt(i: number): { value: MappedText; next: number } | undefined {
    if (!this.isName(i)) return undefined;
    let found: { value: MappedText; next: number } | undefined;
    let name = this.spelled(i)!;
    let j = i + 1;
    for (let chain = 1; ; chain++) {
      const value = this.constants.at(name, this.base + this.code[i]!.start);
      if (value) found = { value, next: j };
      if (chain >= MAX_CHAIN || !this.isOperator(j, '.') || !this.isName(j + 1)) return found;
      name = `${name}.${this.spelled(j + 1)}`;
      j += 2;
    }
  }

  /** The `(` of a SQLAlchemy `text(...)` call whose name starts at `i` (`text`, `sa.text`, `sqlalchemy.sql.text`), else -1. */
  private textCall(i: number): number {
    let j = i;
    for (let chain = 0; chain < 4 && this.isName(j) && TEXT_CALL_NAMES.has(this.spelled(j)!); chain++) {
      if (this.spelled(j) === 'text' && this.isOperator(j + 1, '(')) return j + 1;
      if (!this.isOperator(j + 1, '.')) return -1;
      j += 2;
    }
    return -1;
  }

  /** Past `.name`, `(...)` and `[...]` after a name. */
  private skipTrailers(i: number): number {
    let j = i;
    for (;;) {
      if (this.isOperator(j, '.') && this.code[j + 1]?.kind === 'name') j += 2;
      else if (this.isOperator(j, '(') || this.isOperator(j, '[')) j = this.closing(j) + 1;
      else return j;
    }
  }

  /** Index of the bracket closing the one at `i`. */
  private closing(i: number): number {
    this.closers ??= matchBrackets(this.text, this.code, 'operator');
    return this.closers[i] ?? this.code.length - 1;
  }

  /** The parts of one literal: its text, and each f-string field as a known name's value or unknown. */
  private literalParts(token: PythonToken): Part[] {
    const parts: Part[] = [];
    for (const part of decodePythonString(this.source, token)) {
      if (part.kind === 'text') parts.push(part.value);
      else appendParts(parts, this.fieldValue(part.expression, part.from, part.to));
    }
    return parts;
  }

  /** The right side of `%`: one operand, a tuple of them, or a dict (`dict(...)`) of named ones. */
  private percentArguments(i: number): { positional: Part[][]; named: Map<string, Part[]>; next: number } | undefined {
    const named = this.parameters(i);
    if (named) return { positional: [], named: named.named, next: this.closing(this.isOperator(i, '{') ? i : i + 1) + 1 };
    if (this.isOperator(i, '(')) {
      const args = this.callArguments(i);
      return { positional: args.positional, named: new Map(), next: args.next };
    }
    const value = this.atom(i);
    return value && { positional: [value.parts], named: new Map(), next: value.next };
  }

  /** Arguments of a call (or a tuple) whose `(` is at `i`; anything not understood is unknown. */
  private callArguments(i: number): { positional: Part[][]; named: Map<string, Part[]>; next: number } {
    const close = this.closing(i);
    const positional: Part[][] = [];
    const named = new Map<string, Part[]>();
    let j = i + 1;
    while (j < close) {
      const keyword = this.code[j]?.kind === 'name' && this.isOperator(j + 1, '=') ? this.spelled(j)! : undefined;
      const at = keyword ? j + 2 : j;
      const value = this.expression(at);
      const parts = value ? value.parts : [undefined];
      if (keyword) named.set(keyword, parts);
      else positional.push(parts);
      j = this.skipTo(value ? value.next : at + 1, ',', close) + 1;
    }
    return { positional, named, next: close + 1 };
  }

  /** A string expression's value, scanned as text and maybe as SQL. */
  private stringValue(i: number, value: Value): void {
    const token = this.code[i]!;
    const joined = joinParts(value.parts);
    const form = token.string;
    const plain = form !== undefined && value.next === i + 1 && form.fields.length === 0 && joined.text === this.text.slice(form.bodyStart, form.bodyEnd);
    this.report(stringValueCandidates(joined, !plain, 0));
  }
}

/** A quote the driver (or SQLAlchemy) puts around a parameter's value. */
const MADE_UP_QUOTE: Part = new MappedTextBuilder().addMadeUp("'").build();
/** SQLAlchemy's bind parameters in text(): `:name`, not `::type` nor `\\:` (sqlalchemy.sql.elements.TextClause._bind_params_regex). */
const SQLALCHEMY_BIND = /(?<![:\w\\]):\w+(?!:)/g;
/** Parameters a DB-API driver or SQLAlchemy fills in: `%(name)s`, `%s`, `%%`, `:name`, `?`. */
const DRIVER_PARAMETER = /%\([^)]*\)s|%s|%%|(?<![:\w\\]):[A-Za-z_]\w*(?!:)|\?/g;
/** `%s`, `%(name)s`, `%-10.2f`, `%%`: printf-style conversions. */
const PERCENT_CONVERSION = /%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]/g;
/** `{}`, `{0}`, `{name!r:>10}`, `{{`, `}}`: str.format fields. */
const FORMAT_FIELD = /\{\{|\}\}|\{[^{}]*\}/g;
