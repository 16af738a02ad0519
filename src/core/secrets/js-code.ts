/**
 * A JavaScript token stream as the secret scanner walks it (js-secrets.ts):
 * how a token is spelled, which bracket closes which (found once, in one
 * pass), and where an expression, an argument or a chain of trailers ends.
 */
import { jsName, type JsToken } from './js-tokens.js';
import { matchBrackets } from './token-scanning.js';

/** Declarations and modifiers after which `name: Type = value` declares `name`. */
const DECLARERS = new Set(['const', 'let', 'var', 'readonly', 'static', 'public', 'private', 'protected', 'declare']);

/** One stream of code tokens (comments left out): a file's, or a template substitution's. */
export class JsCode {
  private closers: Int32Array | undefined;

  constructor(
    readonly text: string,
    readonly code: readonly JsToken[],
  ) {}

  /** How token `i` is spelled. */
  spelled(i: number): string | undefined {
    const token = this.code[i];
    return token && (token.kind === 'name' ? jsName(this.text.slice(token.start, token.end)) : this.text.slice(token.start, token.end));
  }

  /** Whether token `i` is `punctuator` (compared in place: no string per token). */
  isPunctuator(i: number, punctuator: string): boolean {
    const token = this.code[i];
    return token?.kind === 'punctuator' && token.end - token.start === punctuator.length && this.text.startsWith(punctuator, token.start);
  }

  /** Whether an expression that ends before token `i` ends its statement or element (`;`, `,`, a closing bracket, a line break, the end). */
  endsExpression(i: number): boolean {
    const token = this.code[i];
    if (!token || token.newlineBefore) return true;
    return this.isPunctuator(i, ';') || this.isPunctuator(i, ',') || this.isPunctuator(i, ')') || this.isPunctuator(i, ']') || this.isPunctuator(i, '}');
  }

  /** Whether a name at `i` followed by `:` may be a declaration with a type (`const pw: string`, a class field, a parameter), not an object's property. */
  mayDeclare(i: number): boolean {
    const before = this.code[i - 1];
    if (!before || this.code[i]!.newlineBefore) return true;
    if (before.kind === 'name') return DECLARERS.has(this.spelled(i - 1)!);
    return this.isPunctuator(i - 1, ';') || this.isPunctuator(i - 1, '(') || this.isPunctuator(i - 1, ',') || this.isPunctuator(i - 1, '{') || this.isPunctuator(i - 1, '}');
  }

  /** Index of the next `,` at the level of `i` (brackets skipped), or of `limit`. */
  skipTo(i: number, limit: number): number {
    let j = i;
    while (j < limit && !this.isPunctuator(j, ',')) j = this.isOpening(j) ? this.closing(j) + 1 : j + 1;
    return j;
  }

  /** Whether token `i` is `(`, `[` or `{`. */
  isOpening(i: number): boolean {
    return this.isPunctuator(i, '(') || this.isPunctuator(i, '[') || this.isPunctuator(i, '{');
  }

  /** Past `.name`, `?.name`, `(...)` and `[...]` after a name. */
  skipTrailers(i: number): number {
    let j = i;
    for (;;) {
      if ((this.isPunctuator(j, '.') || this.isPunctuator(j, '?.')) && this.code[j + 1]?.kind === 'name') j += 2;
      else if (this.isPunctuator(j, '(') || this.isPunctuator(j, '[')) j = this.closing(j) + 1;
      else if (this.isPunctuator(j, '?.') && (this.isPunctuator(j + 1, '(') || this.isPunctuator(j + 1, '['))) j++;
      else return j;
    }
  }

  /** Index of the bracket closing the one at `i`. */
  closing(i: number): number {
    this.closers ??= matchBrackets(this.text, this.code, 'punctuator');
    return this.closers[i] ?? this.code.length - 1;
  }

  /** Whether token `i` (a key) starts an object literal's property: after `{` or `,`, not a ternary's branch. */
  isPropertyStart(i: number): boolean {
    return this.isPunctuator(i - 1, '{') || this.isPunctuator(i - 1, ',');
  }

  /** Past one operand that is no string expression (`process.env.PW`, `f(x)`, `!x`). */
  skipOperand(i: number): number {
    let j = i;
    while (this.isPunctuator(j, '!') || this.isPunctuator(j, '(')) j = this.isPunctuator(j, '(') ? this.closing(j) + 1 : j + 1;
    return this.code[j]?.kind === 'punctuator' ? j : this.skipTrailers(j + 1);
  }

  /** The first token of each element of the array literal whose `[` is at `open`. */
  elements(open: number): number[] {
    const close = this.closing(open);
    const starts: number[] = [];
    for (let j = open + 1; j < close; j = this.skipTo(j, close) + 1) starts.push(j);
    return starts;
  }
}
