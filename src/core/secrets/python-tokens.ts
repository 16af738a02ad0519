/**
 * A Python tokenizer for the secret scanner, after the language reference's
 * lexical analysis (https://docs.python.org/3/reference/lexical_analysis.html):
 * names, numbers, operators, comments, string literals with any prefix
 * (r, u, b, f, t and their pairs, in any case), triple quotes, backslash
 * escapes, f-string replacement fields (nested quotes as Python 3.12 allows),
 * explicit line joining with a backslash, and implicit line joining inside
 * brackets: a `newline` token ends a logical line only outside brackets.
 *
 * It never fails: an unterminated string ends at the end of its line (at
 * the end of the text when triple-quoted), as the scanner must go on.
 */
import { decodeInto, MappedTextBuilder, sliceMapped, type MappedText } from './mapped-text.js';
import { checkNesting } from './value-parts.js';
import { numberEnd } from './token-scanning.js';

export type PythonTokenKind = 'name' | 'number' | 'string' | 'operator' | 'newline' | 'comment';

export interface PythonToken {
  kind: PythonTokenKind;
  start: number;
  end: number;
  /** String literals: how the body is spelled. */
  string?: PythonStringForm;
}

export interface PythonStringForm {
  raw: boolean;
  bytes: boolean;
  /** f-string (or t-string): `{...}` are replacement fields, `{{` and `}}` stand for braces. */
  formatted: boolean;
  bodyStart: number;
  bodyEnd: number;
  /** f-strings: each replacement field, from its `{` to its `}` (inclusive), and where its expression ends. */
  fields: PythonField[];
}

export interface PythonField {
  open: number;
  close: number;
  /** End of the expression (before `=`, `!conversion`, `:format` or `}`). */
  expressionEnd: number;
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c);
/** Operators and delimiters, longest first. */
const OPERATORS = ['**=', '//=', '>>=', '<<=', '...', '->', ':=', '==', '!=', '<=', '>=', '**', '//', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@='];
const OPERATOR_STARTS = new Set(OPERATORS.map((op) => op.charCodeAt(0)));

/** The tokens of Python source `text`, in order. */
export function tokenizePython(text: string): PythonToken[] {
  const tokens: PythonToken[] = [];
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 32 || c === 9 || c === 12) {
      i++;
      continue;
    }
    if (c === 92 && (text[i + 1] === '\n' || text.startsWith('\r\n', i + 1))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === 10 || c === 13) {
      i += text.startsWith('\r\n', i) ? 2 : 1;
      if (depth === 0) tokens.push({ kind: 'newline', start, end: i });
      continue;
    }
    if (c === 35) {
      while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
      tokens.push({ kind: 'comment', start, end: i });
      continue;
    }
    if (isNameStart(c)) {
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      if ((text[i] === '"' || text[i] === "'") && STRING_PREFIXES.has(text.slice(start, i).toLowerCase())) {
        const token = scanString(text, start, i);
        tokens.push(token);
        i = token.end;
      } else tokens.push({ kind: 'name', start, end: i });
      continue;
    }
    if (c === 34 || c === 39) {
      const token = scanString(text, start, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      i = numberEnd(text, start, isNameChar);
      tokens.push({ kind: 'number', start, end: i });
      continue;
    }
    const operator = (OPERATOR_STARTS.has(c) && OPERATORS.find((op) => text.startsWith(op, i))) || text[i]!;
    if (operator === '(' || operator === '[' || operator === '{') depth++;
    else if ((operator === ')' || operator === ']' || operator === '}') && depth > 0) depth--;
    i += operator.length;
    tokens.push({ kind: 'operator', start, end: i });
  }
  return tokens;
}

/**
 * The string literal whose prefix starts at `start` and whose quote is at
 * `quoteAt`; `nesting` counts the f-string fields it is inside of (past
 * MAX_NESTING the scan stops: CPython refuses more than 150).
 */
function scanString(text: string, start: number, quoteAt: number, nesting = 0): PythonToken {
  checkNesting(nesting, start);
  const prefix = text.slice(start, quoteAt).toLowerCase();
  const quoteChar = text[quoteAt]!;
  const triple = text.startsWith(quoteChar.repeat(3), quoteAt);
  const quote = triple ? quoteChar.repeat(3) : quoteChar;
  const formatted = prefix.includes('f') || prefix.includes('t');
  const bodyStart = quoteAt + quote.length;
  const fields: PythonField[] = [];
  const raw = prefix.includes('r');
  const quoteCode = quoteChar.charCodeAt(0);
  const n = text.length;
  let i = bodyStart;
  let bodyEnd = n;
  let end = n;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92 && formatted && !raw && text.startsWith('N{', i + 1)) {
      // \N{NAME} is an escape, not a replacement field.
      const close = text.indexOf('}', i);
      i = close === -1 ? n : close + 1;
    } else if (c === 92) {
      i += 2;
    } else if (c === quoteCode && (!triple || text.startsWith(quote, i))) {
      bodyEnd = i;
      end = i + quote.length;
      break;
    } else if (!triple && (c === 10 || c === 13)) {
      bodyEnd = i;
      end = i;
      break;
    } else if (formatted && c === 123) {
      if (text.charCodeAt(i + 1) === 123) i += 2;
      else {
        const field = scanField(text, i, nesting);
        fields.push(field);
        i = field.close + 1;
      }
    } else i++;
  }
  return {
    kind: 'string',
    start,
    end,
    string: { raw, bytes: prefix.includes('b'), formatted, bodyStart, bodyEnd: Math.min(bodyEnd, n), fields },
  };
}

/** The replacement field whose `{` is at `open`: brackets balanced, nested strings (f-strings too, with their fields) skipped. */
function scanField(text: string, open: number, nesting: number): PythonField {
  let depth = 0;
  let expressionEnd = -1;
  let i = open + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      // A prefix right before the quote (`f'...'` inside the field) is the string's own.
      let prefixStart = i;
      while (prefixStart > open + 1 && i - prefixStart < 2 && isNameChar(text.charCodeAt(prefixStart - 1))) prefixStart--;
      const prefixed = prefixStart < i && STRING_PREFIXES.has(text.slice(prefixStart, i).toLowerCase()) && !isNameChar(text.charCodeAt(prefixStart - 1));
      i = scanString(text, prefixed ? prefixStart : i, i, nesting + 1).end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === '}') {
      if (depth === 0) return { open, close: i, expressionEnd: expressionEnd === -1 ? i : expressionEnd };
      depth--;
    } else if (depth === 0 && expressionEnd === -1) {
      const isConversion = ch === '!' && text[i + 1] !== '=';
      const isFormat = ch === ':';
      const isDebug = ch === '=' && !/[=!<>]/.test(text[i - 1]!) && text[i + 1] !== '=';
      if (isConversion || isFormat || isDebug) expressionEnd = i;
    }
    i++;
  }
  return { open, close: text.length - 1, expressionEnd: expressionEnd === -1 ? text.length - 1 : expressionEnd };
}

/** A literal part of a string or one of its replacement fields. */
export type PythonStringPart = { kind: 'text'; value: MappedText } | { kind: 'field'; expression: string; from: number; to: number };

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The parts of a string literal's value, each literal character mapped to
 * the text that spells it; `source` is the text that was tokenized.
 */
export function decodePythonString(source: MappedText, token: PythonToken): PythonStringPart[] {
  const form = token.string!;
  const text = source.text;
  const parts: PythonStringPart[] = [];
  let from = form.bodyStart;
  for (const field of form.fields) {
    parts.push({ kind: 'text', value: decodeRun(source, from, field.open, form) });
    parts.push({ kind: 'field', expression: text.slice(field.open + 1, field.expressionEnd), from: field.open + 1, to: field.expressionEnd });
    from = field.close + 1;
  }
  parts.push({ kind: 'text', value: decodeRun(source, from, form.bodyEnd, form) });
  return parts.filter((part) => part.kind === 'field' || part.value.text !== '');
}

/** A run of literal text: escapes decoded unless raw, `{{`/`}}` halved in f-strings. */
function decodeRun(source: MappedText, from: number, to: number, form: PythonStringForm): MappedText {
  const text = source.text;
  const slice = text.slice(from, to);
  if ((form.raw || !slice.includes('\\')) && !(form.formatted && /\{\{|\}\}/.test(slice))) return sliceMapped(source, from, to);
  const out = new MappedTextBuilder();
  decodeInto(out, source, from, to, (j) => {
    const ch = text[j]!;
    if (form.formatted && (ch === '{' || ch === '}') && text[j + 1] === ch) return [ch, j + 2];
    if (ch !== '\\' || j + 1 >= to || form.raw) return undefined;
    const next = text[j + 1]!;
    const rest = text.slice(j + 1, Math.min(to, j + 10));
    let match: RegExpExecArray | null;
    if (next === '\n') return ['', j + 2];
    if (next === '\r') return ['', text[j + 2] === '\n' ? j + 3 : j + 2];
    if (SIMPLE_ESCAPES[next] !== undefined) return [SIMPLE_ESCAPES[next]!, j + 2];
    if ((match = /^[0-7]{1,3}/.exec(rest))) return [String.fromCharCode(parseInt(match[0], 8)), j + 1 + match[0].length];
    if ((match = /^x([0-9A-Fa-f]{2})/.exec(rest))) return [String.fromCharCode(parseInt(match[1]!, 16)), j + 4];
    if (!form.bytes && (match = /^(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(rest))) {
      const value = parseInt(match[1] ?? match[2]!, 16);
      return [value <= 0x10ffff ? String.fromCodePoint(value) : '\ufffd', j + 1 + match[0].length];
    }
    if (!form.bytes && next === 'N' && text[j + 2] === '{') {
      // Looked for within this string only: many strings holding `\N{` are not each searched to the file's end.
      const close = text.slice(j, to).indexOf('}');
      return ['\ufffd', close === -1 ? to : j + close + 1];
    }
    return undefined; // an unknown escape keeps its backslash
  });
  return out.build();
}
