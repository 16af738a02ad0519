/**
 * Python's literals by value, for the canonical form of python-form.ts:
 * string escapes, integers and floats as Python reads them
 * (https://docs.python.org/3/reference/lexical_analysis.html#literals).
 */
/** String prefixes Python 3 accepts, letters sorted (https://docs.python.org/3/reference/lexical_analysis.html#string-and-bytes-literals). */
export const PREFIXES = new Set(['', 'r', 'u', 'b', 'br', 'f', 'fr', 't', 'rt']);
const DIGITPART = '[0-9](?:_?[0-9])*';
const FLOAT = `(?:(?:(?:${DIGITPART})?\\.${DIGITPART}|${DIGITPART}\\.)(?:[eE][+-]?${DIGITPART})?|${DIGITPART}[eE][+-]?${DIGITPART})`;
/** A number literal Python 3 accepts (https://docs.python.org/3/reference/lexical_analysis.html#numeric-literals). */
export const NUMBER = new RegExp(`^(?:[1-9](?:_?[0-9])*|0+(?:_?0)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|${FLOAT}|(?:${FLOAT}|${DIGITPART})[jJ])$`);

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const ESCAPE = /\\(?:(\n)|([\\'"abfnrtv])|([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([xuUN]))/g;

/**
 * The value of a literal's text between its quotes
 * (https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences).
 * Throws on an escape Python refuses (`\x4`, `\u12`) and on `\N{...}`:
 * resolving Unicode names needs their table, so the caller keeps such a
 * literal as written. An unknown escape keeps its backslash, as in Python.
 */
export function decodeLiteral(text: string, raw: boolean, bytes: boolean): string {
  if (raw || !text.includes('\\')) return text;
  return text.replace(ESCAPE, (escape, newline?: string, simple?: string, octal?: string, x?: string, u?: string, U?: string, refused?: string) => {
    if (newline) return '';
    if (simple) return SIMPLE_ESCAPES[simple]!;
    if (octal) return String.fromCodePoint(parseInt(octal, 8) & (bytes ? 0xff : 0x1ff)); // bytes keep the low 8 bits of `\777`
    const hex = x ?? (bytes ? undefined : (u ?? U));
    if (hex !== undefined && parseInt(hex, 16) <= 0x10ffff) return String.fromCodePoint(parseInt(hex, 16));
    if (bytes && refused !== 'x') return escape; // no \u, \U or \N in bytes
    throw new Error(`an escape kept as written (${escape})`);
  });
}

/** An integer literal's value in decimal; an imaginary literal as written, without `_`. */
export function integerValue(text: string): string {
  const plain = text.replace(/_/g, '').toLowerCase();
  return /^(?:0x[0-9a-f]+|0o[0-7]+|0b[01]+|[0-9]+)$/.test(plain) ? BigInt(plain).toString() : plain;
}

/** A float literal's value (IEEE 754 double, as Python reads it); an imaginary literal as written, without `_`. */
export function floatValue(text: string): string {
  const plain = text.replace(/_/g, '').toLowerCase();
  if (plain.endsWith('j')) return plain;
  const value = Number(plain);
  return Number.isNaN(value) ? plain : String(value);
}
