import { isUtf8 } from 'node:buffer';

/**
 * Characters guard refuses in a migration's file name: C0 controls (tab and
 * line breaks among them), DEL and C1 controls (terminal escapes), the
 * Unicode line and paragraph separators, and bidirectional formatting marks
 * (they reorder what a reviewer sees, https://trojansource.codes/). Such a
 * name would print as something other than itself in guard's messages, the
 * lockfile under review and the migration tool's logs; git allows them, no
 * migration tool needs them.
 */
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const NAMED_ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\' };

/**
 * A file name as text a person can read and a shell can re-type inside
 * `$'...'`: valid UTF-8 stays as it is, bytes that are not UTF-8 become
 * `\xNN`, control and formatting characters become `\t`, `\n`, `\xNN` or
 * `\u202e`, and a backslash `\\`. Lossless: two different byte strings never
 * print alike.
 */
export function escapeFileName(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const character = Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString('utf8');
    out += escapeCharacter(character);
    i += length;
  }
  return out;
}

function escapeCharacter(character: string): string {
  const named = NAMED_ESCAPES[character];
  if (named) return named;
  if (!UNSAFE_IN_NAME.test(character)) return character;
  const code = character.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Length of the valid UTF-8 sequence at `offset`, or 0 when the byte there
 * does not start one (https://www.rfc-editor.org/rfc/rfc3629#section-4).
 */
export function utf8SequenceLength(bytes: Uint8Array, offset: number): number {
  const lead = bytes[offset]!;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
  if (length === 0 || offset + length > bytes.length) return 0;
  return isUtf8(bytes.subarray(offset, offset + length)) ? length : 0;
}

/**
 * Why a (UTF-8) file name cannot be a migration's name, or undefined when it
 * can: control and formatting characters (UNSAFE_IN_NAME), and what the
 * lockfile refuses as a path that leaves its set's dir (a backslash, a
 * drive letter), so guard never locks a name its own lockfile reader would
 * then refuse.
 */
export function unsafeFileName(name: string): string | undefined {
  if (name.includes('\\')) return 'it holds a backslash, which Windows and guard\'s lockfile read as a directory separator';
  if (/(?:^|\/)[A-Za-z]:/.test(name)) return 'a part of it starts with a drive letter (like C:), which Windows and guard\'s lockfile read as an absolute path';
  const match = UNSAFE_IN_NAME.exec(name);
  if (!match) return undefined;
  const code = match[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0x09) return `it holds a tab (${hex})`;
  if (code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029) return `it holds a line break (${hex})`;
  if (code >= 0x200e) return `it holds a bidirectional formatting character (${hex})`;
  return `it holds a control character (${hex})`;
}

/** The name as a bash word that names exactly these bytes: `$'db/004_\xff.sql'`. */
export function shellWord(bytes: Uint8Array): string {
  const escaped = escapeFileName(bytes);
  if (/^[A-Za-z0-9_./+][A-Za-z0-9_./+-]*$/.test(escaped)) return escaped;
  return `$'${escaped.replace(/'/g, "\\'")}'`;
}
