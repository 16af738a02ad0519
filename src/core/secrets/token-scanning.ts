/**
 * What the Python and JavaScript tokenizers and scanners do alike: find
 * where a number literal ends, and which bracket closes which.
 */

/** A token as far as bracket matching needs it. */
interface Spanned {
  kind: string;
  start: number;
  end: number;
}

/**
 * The end of the number literal at `start` (digits, `.`, `_`, a base's
 * letters and suffixes, a sign after a decimal exponent's `e`);
 * `isNameChar` says which characters a name or number may hold.
 */
export function numberEnd(text: string, start: number, isNameChar: (c: number) => boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (isNameChar(d) || d === 46) i++;
    else if ((d === 43 || d === 45) && (text.charCodeAt(i - 1) | 0x20) === 101 && !/^0[xob]/i.test(text.slice(start, start + 2))) i++;
    else break;
  }
  return i;
}

/**
 * For each opening bracket among `tokens` (those of `kind` one character
 * long), the index of its closing one, or of the last token: one pass.
 */
export function matchBrackets(text: string, tokens: readonly Spanned[], kind: string): Int32Array {
  const closers = new Int32Array(tokens.length).fill(tokens.length - 1);
  const open: number[] = [];
  tokens.forEach((token, j) => {
    if (token.kind !== kind || token.end - token.start !== 1) return;
    const ch = text[token.start];
    if (ch === '(' || ch === '[' || ch === '{') open.push(j);
    else if ((ch === ')' || ch === ']' || ch === '}') && open.length > 0) closers[open.pop()!] = j;
  });
  return closers;
}
