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
import { sliceMapped, type MappedText } from './mapped-text.js';
import { isPasswordName, looksLikeTypeOrIdentifier } from './secret-values.js';
import { occursBetween, stringValueCandidates, ValueHints } from './sql-secrets.js';
import { decodePythonString, tokenizePython, type PythonToken } from './python-tokens.js';
import { appendParts, bounded, joinParts, MAX_NESTING, passwordCandidate, substitute, type Part } from './value-parts.js';

/** Candidates in Python source. */
export function pythonCandidates(source: MappedText): Candidate[] {
  return new PythonScan(source).run();
}

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);
/** Part of every password's name (`isPasswordName`). */
const PASSWORD_WORD = /pass|pwd/i;
/** String methods that leave a secret in the value (`"...".strip()`, `.encode()`). */
const VALUE_KEEPING_METHODS = new Set(['strip', 'lstrip', 'rstrip', 'encode', 'decode']);

interface Value {
  parts: Part[];
  /** Index of the first code token after the expression. */
  next: number;
  /** At least one part comes from a string literal (a number or a name alone is no string expression). */
  isString: boolean;
}

class PythonScan {
  private readonly text: string;
  private readonly code: PythonToken[] = [];
  private readonly found: Candidate[] = [];
  /** Names bound to a string value by a plain assignment: where, and the value. */
  private readonly constants = new Map<string, Array<{ at: number; parts: Part[] }>>();
  private hints = new ValueHints('');
  /** How many expressions are being read inside each other. */
  private nesting = 0;
  private closers: Int32Array | undefined;

  constructor(private readonly source: MappedText) {
    this.text = source.text;
  }

  run(): Candidate[] {
    // Shapes in comments are found with the file's text (find-secrets.ts).
    for (const token of tokenizePython(this.text)) {
      if (token.kind !== 'comment') this.code.push(token);
      else this.report(lineRuleCandidates(sliceMapped(this.source, token.start, token.end), ['password'], false));
    }
    this.collectConstants();
    this.hints = new ValueHints(this.text);
    for (let i = 0; i < this.code.length; i++) this.passwordTarget(i);
    for (let i = 0; i < this.code.length; ) {
      const value = this.startsValue(i) && !this.isPlainAlone(i) ? this.expression(i) : undefined;
      if (value?.isString) {
        this.stringValue(i, value);
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

  /** Whether token `i` begins a statement (the first of a logical line, or after `;`). */
  private startsStatement(i: number): boolean {
    return i === 0 || this.code[i - 1]!.kind === 'newline' || this.isOperator(i - 1, ';');
  }

  /** The end of the logical line `i` is on: a newline, `;`, or the end. */
  private endsStatement(i: number): boolean {
    return i >= this.code.length || this.code[i]!.kind === 'newline' || this.isOperator(i, ';');
  }

  /** `NAME [: annotation] = <string expression>` statements, in order: the names' values. */
  private collectConstants(): void {
    for (let i = 0; i < this.code.length; i++) {
      if (this.code[i]!.kind !== 'name' || !this.startsStatement(i)) continue;
      const equals = this.assignmentOperator(i + 1);
      if (equals === -1) continue;
      const value = this.expression(equals + 1);
      if (!value?.isString || !this.endsStatement(value.next)) continue;
      const name = this.spelled(i)!;
      const bindings = this.constants.get(name) ?? [];
      bindings.push({ at: this.code[i]!.start, parts: value.parts });
      this.constants.set(name, bindings);
    }
  }

  /** Index of the `=` after a target whose next token is `i` (`=` itself, or `: annotation =`), else -1. */
  private assignmentOperator(i: number): number {
    if (this.isOperator(i, '=')) return i;
    if (!this.isOperator(i, ':')) return -1;
    let depth = 0;
    for (let j = i + 1; j < this.code.length && !this.endsStatement(j); j++) {
      const spelled = this.spelled(j);
      if (spelled === '[' || spelled === '(') depth++;
      else if (spelled === ']' || spelled === ')') depth--;
      else if (depth === 0 && this.isOperator(j, '=')) return j;
    }
    return -1;
  }

  /** The value of a name at token offset `at`: its latest binding before, else its first one. */
  private constant(name: string, at: number): Part[] | undefined {
    const bindings = this.constants.get(name);
    if (!bindings) return undefined;
    const before = bindings.filter((binding) => binding.at < at);
    return (before[before.length - 1] ?? bindings[0])!.parts;
  }

  /**
   * A password-named target at token `i` given a value: an assignment (also
   * to an attribute or a subscript with a string key), a walrus, a keyword
   * argument, or a dict entry.
   */
  private passwordTarget(i: number): void {
    const token = this.code[i]!;
    const isName = token.kind === 'name' && PASSWORD_WORD.test(this.text.slice(token.start, token.end));
    const mayBeKey = token.kind === 'string' && (this.hints.within(token.start, token.end) || occursBetween(this.text, 92, token.start, token.end));
    if (!isName && !mayBeKey) return;
    let name: string | undefined;
    let valueAt = -1;
    if (token.kind === 'name') {
      const equals = this.isOperator(i + 1, ':=') ? i + 1 : this.assignmentOperator(i + 1);
      if (equals === -1) return;
      // An annotation (`name: str = ...`) only on a statement's own target.
      if (this.isOperator(i + 1, ':') && !(this.startsStatement(i) || this.isOperator(i - 1, '.'))) return;
      name = this.spelled(i);
      valueAt = equals + 1;
    } else if (token.kind === 'string' && !token.string!.formatted) {
      const isDictKey = this.isOperator(i + 1, ':') && (this.isOperator(i - 1, '{') || this.isOperator(i - 1, ','));
      const isSubscript = this.isOperator(i - 1, '[') && this.isOperator(i + 1, ']') && this.isOperator(i + 2, '=');
      if (!isDictKey && !isSubscript) return;
      name = this.stringText(token);
      valueAt = i + (isDictKey ? 2 : 3);
    }
    if (name === undefined || !isPasswordName(name)) return;
    const value = this.expression(valueAt);
    if (!value?.isString) return;
    const found = passwordCandidate(value.parts, { minLength: 4, rule: 'password-assignment', accept: (text) => !looksLikeTypeOrIdentifier(text) });
    if (found) this.found.push(found);
  }

  /** A string literal's text without its fields (for a dict key). */
  private stringText(token: PythonToken): string {
    return decodePythonString(this.source, token)
      .map((part) => (part.kind === 'text' ? part.value.text : ''))
      .join('');
  }

  /** Tokens a string expression may start at: a literal, a name bound to one, parentheses before either. */
  private startsValue(i: number): boolean {
    const token = this.code[i];
    if (token?.kind === 'string') return true;
    if (token?.kind === 'name') return this.constants.has(this.spelled(i)!);
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
    if (this.nesting >= MAX_NESTING) return undefined;
    this.nesting++;
    try {
      const first = this.term(i);
      if (!first) return undefined;
      const value: Value = { ...first, parts: [...first.parts] };
      while (this.isOperator(value.next, '+')) {
        const next = this.term(value.next + 1);
        if (!next) break;
        appendParts(value.parts, next.parts);
        value.next = next.next;
        value.isString ||= next.isString;
      }
      value.parts = bounded(value.parts);
      return value;
    } finally {
      this.nesting--;
    }
  }

  /** `atom`, then `% args`, `.format(args)` or a value-keeping method. */
  private term(i: number): Value | undefined {
    const value = this.atom(i);
    if (!value) return undefined;
    for (;;) {
      if (this.isOperator(value.next, '%') && value.isString) {
        const args = this.percentArguments(value.next + 1);
        if (!args) break;
        value.parts = substitute(value.parts, PERCENT_CONVERSION, (match, index) => {
          if (match === '%%') return '%';
          return match.startsWith('%(') ? null : (args.positional[index] ?? [undefined]);
        });
        value.next = args.next;
      } else if (this.isOperator(value.next, '.') && this.code[value.next + 1]?.kind === 'name' && this.isOperator(value.next + 2, '(')) {
        const method = this.spelled(value.next + 1)!;
        const args = this.callArguments(value.next + 2);
        if (method === 'format' && value.isString) {
          let automatic = 0;
          value.parts = substitute(value.parts, FORMAT_FIELD, (match) => {
            if (match === '{{' || match === '}}') return match[0]!;
            const field = match.slice(1, -1).split(/[!:]/)[0]!;
            if (field === '') return args.positional[automatic++] ?? [undefined];
            return (/^\d+$/.test(field) ? args.positional[Number(field)] : args.named.get(field)) ?? [undefined];
          });
        } else if (!VALUE_KEEPING_METHODS.has(method)) value.parts = [undefined];
        value.next = args.next;
      } else break;
    }
    return value;
  }

  /** A string literal (several side by side), a parenthesised expression, a name, or another operand. */
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
    if (token.kind === 'name' && !KEYWORDS.has(this.spelled(i)!)) {
      // A constant's methods (`PW.strip()`, `SQL.format(...)`) are for `term`; any other name's trailers make it unknown.
      const known = this.constant(this.spelled(i)!, token.start);
      if (known) return { parts: known, next: i + 1, isString: true };
      return { parts: [undefined], next: this.skipTrailers(i + 1), isString: false };
    }
    if (token.kind === 'number') return { parts: [undefined], next: i + 1, isString: false };
    return undefined;
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
    this.closers ??= this.matchBrackets();
    return this.closers[i] ?? this.code.length - 1;
  }

  /** For each opening bracket, the index of its closing one (or the last token): found once, in one pass. */
  private matchBrackets(): Int32Array {
    const closers = new Int32Array(this.code.length).fill(this.code.length - 1);
    const open: number[] = [];
    this.code.forEach((token, j) => {
      if (token.kind !== 'operator' || token.end - token.start !== 1) return;
      const ch = this.text[token.start];
      if (ch === '(' || ch === '[' || ch === '{') open.push(j);
      else if ((ch === ')' || ch === ']' || ch === '}') && open.length > 0) closers[open.pop()!] = j;
    });
    return closers;
  }

  /** The parts of one literal: its text, and each f-string field as a known name's value or unknown. */
  private literalParts(token: PythonToken): Part[] {
    const parts: Part[] = [];
    for (const part of decodePythonString(this.source, token)) {
      if (part.kind === 'text') parts.push(part.value);
      else {
        const name = /^\s*([A-Za-z_]\w*)\s*$/.exec(part.expression)?.[1];
        appendParts(parts, (name && this.constant(name, token.start)) || [undefined]);
      }
    }
    return parts;
  }

  /** The right side of `%`: one operand or a tuple of them. */
  private percentArguments(i: number): { positional: Part[][]; next: number } | undefined {
    if (this.isOperator(i, '(')) {
      const args = this.callArguments(i);
      return { positional: args.positional, next: args.next };
    }
    const value = this.atom(i);
    return value && { positional: [value.parts], next: value.next };
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
      j = value ? value.next : at + 1;
      while (j < close && !this.isOperator(j, ',')) j = this.isOperator(j, '(') || this.isOperator(j, '[') || this.isOperator(j, '{') ? this.closing(j) + 1 : j + 1;
      j++;
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

/** `%s`, `%(name)s`, `%-10.2f`, `%%`: printf-style conversions. */
const PERCENT_CONVERSION = /%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]/g;
/** `{}`, `{0}`, `{name!r:>10}`, `{{`, `}}`: str.format fields. */
const FORMAT_FIELD = /\{\{|\}\}|\{[^{}]*\}/g;
