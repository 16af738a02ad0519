import { jsName, tokenizeJs, type JsToken } from '../../secrets/js-tokens.js';

/** Why guard cannot read a file, at an offset: reported by line rather than guessed. */
export class Unreadable extends Error {
  constructor(readonly at: number, readonly why: string) {
    super(why);
  }
}

/** Names that start a statement on a new line: where an expression without a `;` ends. */
export const STATEMENT_START = new Set(['export', 'import', 'class', 'const', 'let', 'var', 'function', 'module', 'exports', 'async']);

/** The 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The code tokens of a JavaScript or TypeScript file (comments dropped), and the moves a reader of its declarations makes over them. */
export class TokenCursor {
  protected readonly tokens: JsToken[];

  /** Offsets of the line breaks, built on the first `lineOf`. */
  private breaks: number[] | undefined;

  constructor(protected readonly text: string) {
    this.tokens = tokenizeJs(text).filter((token) => token.kind !== 'comment');
  }

  /** The 1-based line of an offset, by binary search: a file of many exports stays linear. */
  protected lineOf(offset: number): number {
    if (!this.breaks) {
      this.breaks = [];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.breaks.push(i);
    }
    let low = 0;
    let high = this.breaks.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.breaks[middle]! < offset) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  }

  /** The name token at `i` as JavaScript reads it (`\u` escapes decoded), or undefined for another token. */
  protected name(i: number): string | undefined {
    const token = this.tokens[i];
    return token?.kind === 'name' ? jsName(this.text.slice(token.start, token.end)) : undefined;
  }

  /** Whether the token at `i` is the punctuator `value`. */
  protected punct(i: number, value: string): boolean {
    const token = this.tokens[i];
    return token?.kind === 'punctuator' && this.text.slice(token.start, token.end) === value;
  }

  /** The offset where the token at `i` starts (the end of the text past the last token). */
  protected startOf(i: number): number {
    return this.tokens[i]?.start ?? this.text.length;
  }

  /** The index after the bracket that closes the one at `i`. */
  protected skipGroup(i: number): number {
    let depth = 0;
    for (let j = i; j < this.tokens.length; j++) {
      const token = this.tokens[j]!;
      if (token.kind !== 'punctuator') continue;
      const ch = this.text[token.start];
      if (ch === '{' || ch === '(' || ch === '[') depth++;
      else if (ch === '}' || ch === ')' || ch === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return this.tokens.length;
  }

  /** The end of an expression or statement starting at `i`: a `,` or `;` outside brackets, a closing bracket, or a new top-level statement on a new line. */
  protected skipExpression(i: number): number {
    let j = i;
    while (j < this.tokens.length) {
      const token = this.tokens[j]!;
      if (j > i && token.newlineBefore && STATEMENT_START.has(this.name(j) ?? '')) return j;
      if (token.kind === 'punctuator') {
        const ch = this.text[token.start];
        if (ch === '{' || ch === '(' || ch === '[') {
          j = this.skipGroup(j);
          continue;
        }
        if (ch === ',' || ch === ';' || ch === '}' || ch === ')' || ch === ']') return j;
      }
      j++;
    }
    return j;
  }
}
