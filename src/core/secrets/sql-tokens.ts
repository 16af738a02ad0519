/**
 * A PostgreSQL tokenizer for the secret scanner, written after the lexer's
 * rules (src/backend/parser/scan.l and the "Lexical Structure" chapter,
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html), plus the
 * few things migration files add around SQL: psql meta-commands (`\set`,
 * `\password`) and variables (`:name`, `:'name'`), and Flyway placeholders
 * (`${name}`).
 *
 * It never fails: text PostgreSQL would reject still yields tokens (an
 * unterminated string runs to the end of the text), so a broken migration
 * is scanned as far as it goes. A string token covers every piece that makes
 * one constant: the prefix, the quotes, string continuation (`'a'` newline
 * `'b'` is `ab`: whitespace between them must hold a newline, `--` comments
 * may sit in it, `/* *\/` ones may not) and a `UESCAPE 'c'` clause.
 */
import { decodeInto, MappedTextBuilder, sliceMapped, type EscapeAt, type MappedText } from './mapped-text.js';
import { parsePsqlLine } from './psql-meta-commands.js';
import { doubledQuotes, isNewline, isSpace, SIMPLE_ESCAPES } from './sql-characters.js';

export type SqlTokenKind =
  | 'word'
  | 'quoted-identifier'
  | 'string'
  | 'number'
  | 'parameter'
  | 'operator'
  | 'punctuation'
  | 'comment'
  | 'meta-command';

/** How a string constant (or quoted identifier) is spelled, which decides how it is decoded. */
export type SqlQuoting =
  /** '...' with '' for a quote; also N'...' (national), B'...' and X'...' (bit strings). */
  | 'standard'
  /** E'...': C-style backslash escapes. */
  | 'escape'
  /** U&'...': \XXXX and \+XXXXXX escapes with an escape character UESCAPE may change. */
  | 'unicode'
  /** $tag$...$tag$: no escapes at all. */
  | 'dollar'
  /** "..." with "" for a quote (and U&"..."), or MySQL's `...`. */
  | 'identifier';

export interface SqlToken {
  kind: SqlTokenKind;
  /** Offsets in the tokenized text: the whole token (prefix, quotes, continuation and UESCAPE included). */
  start: number;
  end: number;
  /** Strings and quoted identifiers: how to decode `segments`. */
  quoting?: SqlQuoting;
  /** Strings and quoted identifiers: the bodies between the quotes, one per continued piece. */
  segments?: Array<[number, number]>;
  /** The quote character of `segments` (doubled inside to stand for itself). */
  quote?: string;
  /** U&'...' strings: the escape character (`\` unless UESCAPE names another). */
  escape?: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** scan.l's ident_start: letters, underscore and any non-ASCII character. */
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentChar = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 36;
/** Longest Flyway placeholder name looked for after `${`. */
const MAX_PLACEHOLDER = 256;
/** scan.l's op_chars. */
const OPERATOR_CHARS = new Set('~!@#^&|?+-*/%<>=');

/** The tokens of `text`, comments and meta-commands included, in order. */
export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  /** Comments inside a continued string, pushed after it (tokens stay in order of their starts). */
  const inside: SqlToken[] = [];
  const push = (token: SqlToken): void => {
    tokens.push(token);
    if (inside.length === 0) return;
    for (const comment of inside) tokens.push(comment);
    inside.length = 0;
  };
  const n = text.length;
  let i = 0;

  /** End of a `--` comment that starts at `at`. */
  const lineCommentEnd = (at: number): number => {
    let j = at;
    while (j < n && !isNewline(text.charCodeAt(j))) j++;
    return j;
  };
  /** End of a (nested) block comment that starts at `at`. */
  const blockCommentEnd = (at: number): number => {
    let depth = 0;
    let j = at;
    while (j < n) {
      if (text.startsWith('/*', j)) {
        depth++;
        j += 2;
      } else if (text.startsWith('*/', j)) {
        depth--;
        j += 2;
        if (depth === 0) return j;
      } else j++;
    }
    return n;
  };
  /** Offset of the closing quote of a body starting at `at`; `backslash`: a backslash escapes the next character. */
  const quotedEnd = (at: number, quote: string, backslash: boolean): number => {
    let j = at;
    while (j < n) {
      const ch = text[j]!;
      if (backslash && ch === '\\') j += 2;
      else if (ch === quote) {
        if (text[j + 1] === quote) j += 2;
        else return j;
      } else j++;
    }
    return n;
  };
  /**
   * Where a continued string's next quote is, after a string ending at `at`:
   * whitespace holding a newline, with `--` comments allowed (scan.l's
   * quotecontinue), or -1. The comments passed over are pushed.
   */
  const continuation = (at: number): number => {
    let j = at;
    let newline = false;
    let comments: SqlToken[] | undefined;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (isSpace(c)) {
        if (isNewline(c)) newline = true;
        j++;
      } else if (c === 45 && text.charCodeAt(j + 1) === 45) {
        const end = lineCommentEnd(j);
        (comments ??= []).push({ kind: 'comment', start: j, end });
        j = end;
      } else break;
    }
    if (!newline || text.charCodeAt(j) !== 39) return -1;
    if (comments) for (const comment of comments) inside.push(comment);
    return j;
  };
  /** A quoted string or identifier with body at `bodyStart`, continued when `continues`. */
  const quoted = (start: number, bodyStart: number, kind: 'string' | 'quoted-identifier', quoting: SqlQuoting, quote: string, continues: boolean): SqlToken => {
    const backslash = quoting === 'escape';
    const segments: Array<[number, number]> = [];
    let from = bodyStart;
    let end: number;
    for (;;) {
      const close = quotedEnd(from, quote, backslash);
      segments.push([from, close]);
      end = Math.min(n, close + 1);
      const next = continues ? continuation(end) : -1;
      if (next === -1) break;
      from = next + 1;
    }
    return { kind, start, end, quoting, segments, quote };
  };
  /** `UESCAPE 'c'` after a U& string: the escape character and where the clause ends. */
  const uescape = (at: number): { escape: string; end: number } | undefined => {
    const skip = (j: number): number => {
      for (;;) {
        if (j < n && isSpace(text.charCodeAt(j))) j++;
        else if (text.startsWith('--', j)) j = lineCommentEnd(j);
        else if (text.startsWith('/*', j)) j = blockCommentEnd(j);
        else return j;
      }
    };
    const word = skip(at);
    if (text.slice(word, word + 7).toUpperCase() !== 'UESCAPE' || isIdentChar(text.charCodeAt(word + 7))) return undefined;
    const quote = skip(word + 7);
    if (text[quote] !== "'") return undefined;
    const close = quotedEnd(quote + 1, "'", false);
    const body = text.slice(quote + 1, close).replace(/''/g, "'");
    return body.length === 1 ? { escape: body, end: Math.min(n, close + 1) } : undefined;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    // Comments.
    if (c === 45 && next === 45) {
      i = lineCommentEnd(i);
      push({ kind: 'comment', start, end: i });
      continue;
    }
    if (c === 47 && next === 42) {
      i = blockCommentEnd(i);
      push({ kind: 'comment', start, end: i });
      continue;
    }
    // Strings with a prefix: E'', N'', B'', X'', U&'' and U&"".
    const upper = c | 0x20;
    if (next === 39 && (upper === 101 || upper === 110 || upper === 98 || upper === 120)) {
      const token = quoted(start, i + 2, 'string', upper === 101 ? 'escape' : 'standard', "'", true);
      push(token);
      i = token.end;
      continue;
    }
    if (upper === 117 && next === 38 && (text[i + 2] === "'" || text[i + 2] === '"')) {
      const isString = text[i + 2] === "'";
      const token = quoted(start, i + 3, isString ? 'string' : 'quoted-identifier', 'unicode', text[i + 2]!, isString);
      const clause = uescape(token.end);
      token.escape = clause?.escape ?? '\\';
      if (clause) token.end = clause.end;
      push(token);
      i = token.end;
      continue;
    }
    if (c === 39) {
      const token = quoted(start, i + 1, 'string', 'standard', "'", true);
      push(token);
      i = token.end;
      continue;
    }
    if (c === 34 || c === 96) {
      const token = quoted(start, i + 1, 'quoted-identifier', 'identifier', text[i]!, false);
      push(token);
      i = token.end;
      continue;
    }
    if (c === 36) {
      // $1, ${flyway_placeholder}, $tag$...$tag$, or a lone $.
      if (isDigit(next)) {
        i += 2;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        push({ kind: 'parameter', start, end: i });
        continue;
      }
      if (next === 123) {
        // A placeholder's name is short and holds no `$`, brace or space: looked
        // for within that, so that a line of `${` never closed is not searched
        // to its end at each one.
        let close = i + 2;
        while (close < n && close - i <= MAX_PLACEHOLDER && !/[\s${}]/.test(text[close]!)) close++;
        i = text[close] === '}' ? close + 1 : i + 2;
        push({ kind: 'parameter', start, end: i });
        continue;
      }
      let j = i + 1;
      if (isIdentStart(text.charCodeAt(j))) {
        j++;
        while (j < n && isIdentChar(text.charCodeAt(j)) && text.charCodeAt(j) !== 36) j++;
      }
      if (text.charCodeAt(j) === 36) {
        const tag = text.slice(i, j + 1);
        const close = text.indexOf(tag, j + 1);
        const bodyEnd = close === -1 ? n : close;
        i = close === -1 ? n : close + tag.length;
        push({ kind: 'string', start, end: i, quoting: 'dollar', segments: [[j + 1, bodyEnd]], quote: tag });
        continue;
      }
      i++;
      push({ kind: 'punctuation', start, end: i });
      continue;
    }
    if (c === 58) {
      // `::` cast, `:=` assignment, psql variables `:name`, `:'name'`, `:"name"`, `:{?name}`.
      if (next === 58 || next === 61) {
        i += 2;
        push({ kind: 'operator', start, end: i });
        continue;
      }
      if (next === 39 || next === 34) {
        const close = text.indexOf(text[i + 1]!, i + 2);
        i = close === -1 ? n : close + 1;
        push({ kind: 'parameter', start, end: i });
        continue;
      }
      if (isIdentStart(next) || (next === 123 && text[i + 2] === '?')) {
        i += next === 123 ? 3 : 1;
        while (i < n && isIdentChar(text.charCodeAt(i))) i++;
        if (text[i] === '}') i++;
        push({ kind: 'parameter', start, end: i });
        continue;
      }
      i++;
      push({ kind: 'punctuation', start, end: i });
      continue;
    }
    if (c === 92) {
      // psql: a backslash outside quotes starts meta-commands that run to the
      // end of the line or to `\\`, after which the line is SQL again.
      i = parsePsqlLine(text, i).end;
      push({ kind: 'meta-command', start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentChar(text.charCodeAt(i))) i++;
      push({ kind: 'word', start, end: i });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(next))) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isDigit(d) || isIdentStart(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && (text.charCodeAt(i - 1) | 0x20) === 101 && !/^0[xob]/i.test(text.slice(start, start + 2))) i++;
        else break;
      }
      push({ kind: 'number', start, end: i });
      continue;
    }
    if (OPERATOR_CHARS.has(text[i]!)) {
      // The longest run of operator characters, never across the start of a comment.
      i++;
      while (i < n && OPERATOR_CHARS.has(text[i]!) && !text.startsWith('--', i) && !text.startsWith('/*', i)) i++;
      push({ kind: 'operator', start, end: i });
      continue;
    }
    i++;
    push({ kind: 'punctuation', start, end: i });
  }
  return tokens;
}

/**
 * The value of a string constant or quoted identifier, each character mapped
 * to the text that spells it. `source` is the text that was tokenized.
 */
export function decodeSqlString(source: MappedText, token: SqlToken): MappedText {
  const segments = token.segments ?? [];
  const text = source.text;
  const holds = (ch: string, from: number, to: number): boolean => {
    const at = text.indexOf(ch, from);
    return at !== -1 && at < to;
  };
  if (segments.length === 1) {
    const [from, to] = segments[0]!;
    const plain =
      token.quoting === 'dollar' ||
      (!holds(token.quote ?? "'", from, to) &&
        (token.quoting !== 'escape' || !holds('\\', from, to)) &&
        (token.quoting !== 'unicode' || !holds(token.escape ?? '\\', from, to)));
    if (plain) return sliceMapped(source, from, to);
  }
  const out = new MappedTextBuilder();
  for (const [from, to] of segments) {
    if (token.quoting === 'dollar') out.add(text.slice(from, to), source, from, to);
    else if (token.quoting === 'escape') decodeInto(out, source, from, to, cEscapes(text, to));
    else if (token.quoting === 'unicode') decodeInto(out, source, from, to, unicodeEscapes(text, to, token.escape ?? '\\'));
    else decodeInto(out, source, from, to, doubledQuotes(text, token.quote ?? "'"));
  }
  return out.build();
}

/** E'...': \b \f \n \r \t, \o, \oo, \ooo, \xh, \xhh, \uXXXX, \UXXXXXXXX, \c for c, and '' for a quote. */
function cEscapes(text: string, to: number): EscapeAt {
  const quotes = doubledQuotes(text, "'");
  return (j) => {
    if (text[j] !== '\\' || j + 1 >= to) return quotes(j);
    const rest = text.slice(j + 1, Math.min(to, j + 10));
    let match: RegExpExecArray | null;
    if ((match = /^[0-7]{1,3}/.exec(rest))) return [String.fromCharCode(parseInt(match[0], 8) & 0xff), j + 1 + match[0].length];
    if ((match = /^x([0-9A-Fa-f]{1,2})/.exec(rest))) return [String.fromCharCode(parseInt(match[1]!, 16)), j + 1 + match[0].length];
    if ((match = /^(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(rest))) return [codePoint(parseInt(match[1] ?? match[2]!, 16)), j + 1 + match[0].length];
    const escaped = text[j + 1]!;
    return [SIMPLE_ESCAPES[escaped] ?? escaped, j + 2];
  };
}

/** U&'...': e + 4 hex digits, e + '+' + 6 hex digits, ee for e (e the escape character), '' for a quote. */
function unicodeEscapes(text: string, to: number, escape: string): EscapeAt {
  const quotes = doubledQuotes(text, "'");
  return (j) => {
    if (text[j] !== escape) return quotes(j);
    if (text[j + 1] === escape) return [escape, j + 2];
    const digits = /^(?:([0-9A-Fa-f]{4})|\+([0-9A-Fa-f]{6}))/.exec(text.slice(j + 1, Math.min(to, j + 8)));
    return digits ? [codePoint(parseInt(digits[1] ?? digits[2]!, 16)), j + 1 + digits[0].length] : undefined;
  };
}

/** A code point as a string; an invalid one as U+FFFD, as a decoder would. */
function codePoint(value: number): string {
  return value <= 0x10ffff ? String.fromCodePoint(value) : '\ufffd';
}
