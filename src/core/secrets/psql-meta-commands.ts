import { decodeInto, MappedTextBuilder, sliceMapped, type EscapeAt, type MappedText } from './mapped-text.js';
import { doubledQuotes, isNewline, isSpace, SIMPLE_ESCAPES } from './sql-characters.js';

// psql's meta-commands in a migration file (`\set`, `\password`, `\!`),
// read as psql reads them, for the secret scanner: sql-tokens.ts stops at
// a backslash and this module reads the line from there.

/** A piece of a psql meta-command argument, as psql reads it. */
export type PsqlPiece =
  /** Text standing for itself (`quoting` none), or in '...' (C-like escapes, '' for a quote) or "..." ("" for a quote). */
  | { kind: 'text'; from: number; to: number; quoting: 'none' | 'single' | 'double' }
  /** `:name`, `:'name'`, `:"name"`: a psql variable's value. */
  | { kind: 'variable'; name: string }
  /** `...`: a shell command's output, unknown. */
  | { kind: 'shell' };

export interface PsqlCommand {
  /** The command's name without its backslash (`set`, `c`, `connect`, `!`). */
  name: string;
  /** Offset of its backslash. */
  start: number;
  /** Its arguments, each the pieces psql joins into one value. */
  args: PsqlPiece[][];
  /** Commands that take the rest of the line as it is (`\!`): where that text is. */
  wholeLine?: [number, number];
}

/** Meta-commands whose argument is the rest of the line, read without psql's quoting. */
const WHOLE_LINE_COMMANDS = new Set(['!', 'copy', 'h', 'help', 'ef', 'ev', 'sf', 'sv', 'if', 'elif']);

/**
 * The meta-commands that start at the backslash at `at`, as psql reads
 * them (https://www.postgresql.org/docs/current/app-psql.html, "Meta-Commands"):
 * arguments are separated by whitespace; '...' with '' and C-like escapes,
 * "..." and `...` group; an unquoted backslash starts another meta-command;
 * `\\` ends them and the rest of the line is SQL; no argument goes past the
 * end of the line. `end` is where the SQL resumes (the newline, or after `\\`).
 */
export function parsePsqlLine(text: string, at: number): { commands: PsqlCommand[]; end: number } {
  const n = text.length;
  const commands: PsqlCommand[] = [];
  let j = at;
  while (j < n && text.charCodeAt(j) === 92) {
    if (text.charCodeAt(j + 1) === 92) return { commands, end: j + 2 };
    const start = j;
    j++;
    const nameStart = j;
    while (j < n && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 92 && !(j > nameStart && /['"`:]/.test(text[j]!))) j++;
    const name = text.slice(nameStart, j);
    if (WHOLE_LINE_COMMANDS.has(name.toLowerCase())) {
      let end = j;
      while (end < n && !isNewline(text.charCodeAt(end))) end++;
      commands.push({ name, start, args: [], wholeLine: [j, end] });
      return { commands, end };
    }
    const args: PsqlPiece[][] = [];
    for (;;) {
      while (j < n && isSpace(text.charCodeAt(j)) && !isNewline(text.charCodeAt(j))) j++;
      if (j >= n || isNewline(text.charCodeAt(j)) || text.charCodeAt(j) === 92) break;
      const pieces: PsqlPiece[] = [];
      while (j < n && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 92) j = psqlPiece(text, j, pieces);
      args.push(pieces);
    }
    commands.push({ name, start, args });
  }
  return { commands, end: j };
}

/** One piece of an argument at `j`, pushed to `pieces`; returns the offset after it. */
function psqlPiece(text: string, j: number, pieces: PsqlPiece[]): number {
  const n = text.length;
  const ch = text[j]!;
  if (ch === "'" || ch === '"' || ch === '`') {
    let k = j + 1;
    for (; k < n && !isNewline(text.charCodeAt(k)); k++) {
      if (ch === "'" && text[k] === '\\' && k + 1 < n && !isNewline(text.charCodeAt(k + 1))) k++;
      else if (text[k] === ch) {
        if (ch !== '`' && text[k + 1] === ch) k++;
        else break;
      }
    }
    pieces.push(ch === '`' ? { kind: 'shell' } : { kind: 'text', from: j + 1, to: k, quoting: ch === "'" ? 'single' : 'double' });
    return text[k] === ch ? k + 1 : k;
  }
  if (ch === ':') {
    const variable = /^:(?:'([^'\n]*)'|"([^"\n]*)"|\{\?([A-Za-z_]\w*)\}|([A-Za-z_\x80-\uffff][\w\x80-\uffff]*))/.exec(text.slice(j, j + 200));
    if (variable) {
      pieces.push({ kind: 'variable', name: variable[1] ?? variable[2] ?? variable[3] ?? variable[4]! });
      return j + variable[0].length;
    }
  }
  let k = j + 1;
  while (k < n && !isSpace(text.charCodeAt(k)) && !/[\\'"`:]/.test(text[k]!)) k++;
  pieces.push({ kind: 'text', from: j, to: k, quoting: 'none' });
  return k;
}

/** The value of a psql argument piece of kind text, each character mapped to its spelling. */
export function decodePsqlText(source: MappedText, piece: { from: number; to: number; quoting: 'none' | 'single' | 'double' }): MappedText {
  if (piece.quoting === 'none') return sliceMapped(source, piece.from, piece.to);
  const out = new MappedTextBuilder();
  const text = source.text;
  decodeInto(out, source, piece.from, piece.to, piece.quoting === 'double' ? doubledQuotes(text, '"') : psqlEscapes(text, piece.to));
  return out.build();
}

/** psql's '...': '' for a quote; \n \t \b \r \f, \digits (octal), \xhex, and \c for any other c. */
function psqlEscapes(text: string, to: number): EscapeAt {
  const quotes = doubledQuotes(text, "'");
  return (j) => {
    if (text[j] !== '\\' || j + 1 >= to) return quotes(j);
    const rest = text.slice(j + 1, Math.min(to, j + 5));
    let match: RegExpExecArray | null;
    if ((match = /^[0-7]{1,3}/.exec(rest))) return [String.fromCharCode(parseInt(match[0], 8) & 0xff), j + 1 + match[0].length];
    if ((match = /^x([0-9A-Fa-f]{1,2})/.exec(rest))) return [String.fromCharCode(parseInt(match[1]!, 16)), j + 1 + match[0].length];
    const escaped = text[j + 1]!;
    return [SIMPLE_ESCAPES[escaped] ?? escaped, j + 2];
  };
}
