/**
 * A JavaScript and TypeScript tokenizer for the secret scanner, after the
 * ECMAScript lexical grammar (https://tc39.es/ecma262/#sec-ecmascript-language-lexical-grammar):
 * names (with `$`, `#private`), numbers, punctuators (longest first),
 * comments, string literals with escapes and line continuations, template
 * literals whose `${...}` substitutions are tokenized in turn (nested
 * templates too), and regular expression literals.
 *
 * A `/` starts a regular expression unless the token before it ends an
 * operand: a name other than a keyword that precedes an expression
 * (`return`, `typeof`, `case` ...), a number, a string, a template, a
 * regular expression, `]`, a `)` other than the one closing `if (...)`,
 * `while (...)`, `for (...)` or `with (...)`, and a `}` that closes an
 * object literal rather than a block (a `{` is a block at the start, after
 * `)`, `;`, `{`, `}`, `=>`, `else`, `do`, `try`, `finally` or a name that is
 * no keyword such as `class C {`). A wrong guess would change where the
 * strings after it start and end, and so could hide a secret: these are the
 * places a file can make the guess matter (`if (x) /'/.test(s); '...'`).
 *
 * It never fails: an unterminated string or regular expression ends at the
 * end of its line, an unterminated template or comment at the end of the text.
 */
import { decodeInto, MappedTextBuilder, sliceMapped, type MappedText } from './mapped-text.js';
import { checkNesting } from './value-parts.js';
import { numberEnd } from './token-scanning.js';

export type JsTokenKind = 'name' | 'number' | 'string' | 'template' | 'regex' | 'punctuator' | 'comment';

export interface JsToken {
  kind: JsTokenKind;
  start: number;
  end: number;
  /** A line break comes between this token and the code token before it (automatic semicolon insertion). */
  newlineBefore: boolean;
  /** Templates: the literal pieces and the substitutions between them. */
  template?: JsTemplate | undefined;
}

export interface JsTemplate {
  /** Each literal piece's body `[start, end)`: one more than there are substitutions. */
  quasis: Array<readonly [start: number, end: number]>;
  substitutions: JsSubstitution[];
}

export interface JsSubstitution {
  /** The expression between `${` and `}`: its offsets and its code tokens. */
  start: number;
  end: number;
  tokens: JsToken[];
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c);
const isLineBreak = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
/** Punctuators of more than one character, longest first. */
const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>'];
const PUNCTUATOR_STARTS = new Set(PUNCTUATORS.map((op) => op.charCodeAt(0)));
/** Names after which an expression starts, so a `/` there starts a regular expression. */
const BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
/** Names before a `{` that opens a block. */
const BEFORE_BLOCK = new Set(['else', 'do', 'try', 'finally']);
/** Names whose `(...)` heads a statement, so a `/` after its `)` starts a regular expression. */
const CONTROL_HEADS = new Set(['if', 'while', 'for', 'with']);
/** `\uXXXX` or `\u{X...}` in a name. */
const NAME_ESCAPE = /\\u(?:([0-9A-Fa-f]{4})|\{([0-9A-Fa-f]{1,6})\})/g;
/** NAME_ESCAPE matched only where it is tried (sticky: no search ahead). */
const NAME_ESCAPE_AT = new RegExp(NAME_ESCAPE.source, 'y');

/** A name as JavaScript reads it: `\u` escapes decoded (`passw\u006frd` is `password`). */
export function jsName(spelled: string): string {
  if (!spelled.includes('\\')) return spelled;
  return spelled.replace(NAME_ESCAPE, (_, four: string | undefined, braced: string | undefined) => {
    const value = parseInt(four ?? braced!, 16);
    return value <= 0x10ffff ? String.fromCodePoint(value) : '\ufffd';
  });
}

/** The code and comment tokens of JavaScript or TypeScript source `text`, in order. */
export function tokenizeJs(text: string): JsToken[] {
  return new JsLexer(text).tokens(0, false).tokens;
}

class JsLexer {
  constructor(private readonly text: string) {}

  /**
   * Tokens from `from`; with `inSubstitution`, up to the `}` that closes a
   * template's `${` (returned as `end`, the offset of that `}`, or the end of the text).
   */
  tokens(from: number, inSubstitution: boolean, nesting = 0): { tokens: JsToken[]; end: number } {
    checkNesting(nesting, from);
    const text = this.text;
    const n = text.length;
    const tokens: JsToken[] = [];
    /** Per open `{`: whether it opened a block; per open `(`: whether it heads a statement. */
    const braces: boolean[] = [];
    const parens: boolean[] = [];
    let newline = false;
    let previous: JsToken | undefined; // the last code token
    let regexAllowed = true; // whether a `/` after `previous` starts a regular expression
    let i = from;
    if (from === 0 && text.startsWith('#!')) while (i < n && !isLineBreak(text.charCodeAt(i))) i++;
    // Every token has the same shape (template undefined but for templates): one hidden class.
    const push = (kind: JsTokenKind, start: number, end: number, template?: JsTemplate): void => {
      const token: JsToken = { kind, start, end, newlineBefore: newline, template };
      tokens.push(token);
      if (kind !== 'comment') {
        regexAllowed = this.regexAllowedAfter(token, braces, parens, previous);
        previous = token;
        newline = false;
      }
    };
    while (i < n) {
      const c = text.charCodeAt(i);
      const start = i;
      if (isLineBreak(c)) {
        newline = true;
        i++;
        continue;
      }
      if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
        i++;
        continue;
      }
      if (c === 47 && text.charCodeAt(i + 1) === 47) {
        while (i < n && !isLineBreak(text.charCodeAt(i))) i++;
        push('comment', start, i);
        continue;
      }
      if (c === 47 && text.charCodeAt(i + 1) === 42) {
        const close = text.indexOf('*/', i + 2);
        i = close === -1 ? n : close + 2;
        if (/[\n\r\u2028\u2029]/.test(text.slice(start, i))) newline = true;
        push('comment', start, i);
        continue;
      }
      if (isNameStart(c) || (c === 35 && isNameStart(text.charCodeAt(i + 1))) || (c === 92 && text[i + 1] === 'u')) {
        i = c === 92 ? this.nameEscapeEnd(i) : i + 1;
        for (;;) {
          if (i < n && isNameChar(text.charCodeAt(i))) i++;
          else if (text.charCodeAt(i) === 92 && text[i + 1] === 'u') i = this.nameEscapeEnd(i);
          else break;
        }
        push('name', start, i);
        continue;
      }
      if (c === 34 || c === 39) {
        i = this.stringEnd(i);
        push('string', start, i);
        continue;
      }
      if (c === 96) {
        const template = this.template(i, nesting);
        i = template.end;
        push('template', start, i, template.template);
        continue;
      }
      if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
        i = numberEnd(text, start, isNameChar);
        push('number', start, i);
        continue;
      }
      if (c === 47 && regexAllowed) {
        i = this.regexEnd(i);
        push('regex', start, i);
        continue;
      }
      if (c === 125 && inSubstitution && braces.length === 0) return { tokens, end: i };
      const punctuator = (PUNCTUATOR_STARTS.has(c) && PUNCTUATORS.find((op) => text.startsWith(op, i))) || text[i]!;
      if (punctuator === '{') braces.push(this.opensBlock(previous));
      else if (punctuator === '(') parens.push(previous?.kind === 'name' && CONTROL_HEADS.has(text.slice(previous.start, previous.end)));
      i += punctuator.length;
      push('punctuator', start, i);
    }
    return { tokens, end: n };
  }

  /**
   * Whether a `/` after `token` starts a regular expression (see the
   * module's comment); a closing `)` or `}` is matched here with its opening
   * one (`before`: the code token before `token`).
   */
  private regexAllowedAfter(token: JsToken, braces: boolean[], parens: boolean[], before: JsToken | undefined): boolean {
    const spelled = this.text.slice(token.start, token.end);
    if (token.kind === 'name') return BEFORE_EXPRESSION.has(spelled) && !(before && this.isPunctuator(before, '.'));
    if (token.kind !== 'punctuator') return false;
    if (spelled === ')') return parens.pop() ?? false;
    if (spelled === '}') return braces.pop() ?? true;
    return spelled !== ']' && spelled !== '++' && spelled !== '--';
  }

  /** Whether a `{` after `previous` opens a block (see the module's comment), not an object literal. */
  private opensBlock(previous: JsToken | undefined): boolean {
    if (!previous) return true;
    const spelled = this.text.slice(previous.start, previous.end);
    if (previous.kind === 'name') return BEFORE_BLOCK.has(spelled) || !BEFORE_EXPRESSION.has(spelled);
    return previous.kind === 'punctuator' && (spelled === ')' || spelled === ';' || spelled === '{' || spelled === '}' || spelled === '=>');
  }

  private isPunctuator(token: JsToken, punctuator: string): boolean {
    return token.kind === 'punctuator' && token.end - token.start === punctuator.length && this.text.startsWith(punctuator, token.start);
  }

  /** The end of a `\u` escape in a name at `i` (a lone `\u` ends after itself). */
  private nameEscapeEnd(i: number): number {
    NAME_ESCAPE_AT.lastIndex = i;
    const match = NAME_ESCAPE_AT.exec(this.text);
    return match ? i + match[0].length : i + 2;
  }

  /** The end of the string literal whose quote is at `quoteAt`: after its closing quote, or at the end of its line. */
  private stringEnd(quoteAt: number): number {
    const text = this.text;
    const quote = text.charCodeAt(quoteAt);
    let i = quoteAt + 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === quote) return i + 1;
      if (c === 92) i += text.startsWith('\r\n', i + 1) ? 3 : 2;
      else if (c === 10 || c === 13) return i;
      else i++;
    }
    return text.length;
  }

  /** The end of the regular expression literal at `slashAt`: its closing `/` (not inside a class) and flags, or the end of its line. */
  private regexEnd(slashAt: number): number {
    const text = this.text;
    let inClass = false;
    let i = slashAt + 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isLineBreak(c)) return i;
      if (c === 92) i += 2;
      else if (c === 91) (inClass = true), i++;
      else if (c === 93) (inClass = false), i++;
      else if (c === 47 && !inClass) {
        i++;
        while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
        return i;
      } else i++;
    }
    return text.length;
  }

  /** The template literal whose backquote is at `open`, its substitutions tokenized. */
  private template(open: number, nesting: number): { template: JsTemplate; end: number } {
    const text = this.text;
    const quasis: Array<readonly [number, number]> = [];
    const substitutions: JsSubstitution[] = [];
    let pieceStart = open + 1;
    let i = pieceStart;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 96) {
        quasis.push([pieceStart, i]);
        return { template: { quasis, substitutions }, end: i + 1 };
      }
      if (c === 92) i += 2;
      else if (c === 36 && text.charCodeAt(i + 1) === 123) {
        quasis.push([pieceStart, i]);
        const inner = this.tokens(i + 2, true, nesting + 1);
        substitutions.push({ start: i + 2, end: inner.end, tokens: inner.tokens.filter((token) => token.kind !== 'comment') });
        i = pieceStart = Math.min(text.length, inner.end + 1);
      } else i++;
    }
    quasis.push([pieceStart, Math.min(i, text.length)]);
    return { template: { quasis, substitutions }, end: text.length };
  }
}

/**
 * A string literal's value (`token` a string), or a template piece's
 * (`range` one of its quasis): each character mapped to the text that spells
 * it. `raw` keeps the spelling (String.raw), but for line breaks, which a
 * template normalizes to `\n` either way.
 */
export function decodeJsString(source: MappedText, token: JsToken, range?: readonly [number, number], raw = false): MappedText {
  const text = source.text;
  const [from, to] = range ?? [token.start + 1, text.charCodeAt(token.end - 1) === text.charCodeAt(token.start) && token.end - token.start >= 2 ? token.end - 1 : token.end];
  const slice = text.slice(from, to);
  if (!slice.includes('\\') && !slice.includes('\r')) return sliceMapped(source, from, to);
  const out = new MappedTextBuilder();
  decodeInto(out, source, from, to, (j) => {
    const ch = text[j]!;
    if (ch === '\r') return ['\n', text[j + 1] === '\n' ? j + 2 : j + 1];
    if (ch !== '\\' || j + 1 >= to || raw) return undefined;
    return jsEscape(text, j, to);
  });
  return out.build();
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** The escape sequence whose backslash is at `j`: its value and the offset after it. */
function jsEscape(text: string, j: number, to: number): readonly [string, number] {
  const next = text[j + 1]!;
  const rest = text.slice(j + 1, Math.min(to, j + 12));
  let match: RegExpExecArray | null;
  if (next === '\n' || next === '\u2028' || next === '\u2029') return ['', j + 2];
  if (next === '\r') return ['', text[j + 2] === '\n' ? j + 3 : j + 2];
  if (SIMPLE_ESCAPES[next] !== undefined) return [SIMPLE_ESCAPES[next]!, j + 2];
  if ((match = /^x([0-9A-Fa-f]{2})/.exec(rest))) return [String.fromCharCode(parseInt(match[1]!, 16)), j + 4];
  if ((match = /^u(?:([0-9A-Fa-f]{4})|\{([0-9A-Fa-f]{1,6})\})/.exec(rest))) {
    const value = parseInt(match[1] ?? match[2]!, 16);
    return [value <= 0x10ffff ? String.fromCodePoint(value) : '\ufffd', j + 1 + match[0].length];
  }
  // Legacy octal escapes (sloppy-mode strings): \0 alone is NUL.
  if ((match = /^(?:[0-3][0-7]{0,2}|[4-7][0-7]?)/.exec(rest))) return [String.fromCharCode(parseInt(match[0], 8)), j + 1 + match[0].length];
  // Any other character escaped stands for itself (`\'`, `\"`, `\\`, `\$`, `\a`).
  const codePoint = text.codePointAt(j + 1)!;
  return [String.fromCodePoint(codePoint), j + 1 + (codePoint > 0xffff ? 2 : 1)];
}
