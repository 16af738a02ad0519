import type { EscapeAt } from './mapped-text.js';

// What the SQL tokenizer and psql's meta-command reader share: PostgreSQL's
// whitespace (scan.l's `space`) and the escapes both kinds of quoting know.

export const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
export const isNewline = (c: number): boolean => c === 10 || c === 13;

/** '...' and "...": a doubled quote stands for one. */
export function doubledQuotes(text: string, quote: string): EscapeAt {
  return (j) => (text[j] === quote && text[j + 1] === quote ? [quote, j + 2] : undefined);
}

export const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
