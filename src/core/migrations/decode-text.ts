import { isUtf8 } from 'node:buffer';
import { contentChecksum } from '../checksum.js';
import { utf8SequenceLength } from '../file-names.js';
import { displayOf, type DiscoverOptions, type FileReading, type Problem } from './types.js';

/**
 * PEP 263 coding declaration: on line 1 or 2, `# -*- coding: latin-1 -*-`.
 * https://peps.python.org/pep-0263/
 */
const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

const LATIN1_NAMES = new Set(['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1', 'cp1252', 'windows-1252']);

export type Decoded = { text: string } | { problem: Problem };

/**
 * Text of a migration file for parsing. Checksums are taken over the bytes, so
 * this only decides whether guard can read the file at all: a NUL byte means
 * binary, anything else must be UTF-8 unless a Python file declares a Latin-1
 * coding (Python-2-era Alembic revisions do).
 */
export function decodeText(file: string, bytes: Uint8Array, options: { pythonCoding?: boolean } = {}): Decoded {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const line = lineAt(bytes, nul);
    return {
      problem: {
        code: 'binary-file',
        exitCode: 2,
        file,
        line,
        message: `${file} is a binary file (a NUL byte on line ${line}), not a migration script`,
        fix: 'move it out of the migration dir, or list it in .gitattributes as text if it is one',
      },
    };
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return { text: buffer.toString('utf8') };
  if (options.pythonCoding) {
    const firstLines = buffer.subarray(0, 400).toString('latin1').split('\n', 2);
    for (const line of firstLines) {
      const match = CODING_COOKIE.exec(line);
      if (match && LATIN1_NAMES.has(match[1]!.toLowerCase())) return { text: buffer.toString('latin1') };
    }
  }
  const offset = firstInvalidUtf8(buffer);
  const line = lineAt(buffer, offset);
  return {
    problem: {
      code: 'not-utf8',
      exitCode: 2,
      file,
      line,
      message: `${file}:${line} is not valid UTF-8 (byte 0x${buffer[offset]?.toString(16).padStart(2, '0')} at offset ${offset})`,
      fix: options.pythonCoding
        ? 're-save the file as UTF-8, or declare its encoding on line 1 or 2 (# -*- coding: latin-1 -*-)'
        : 're-save the file as UTF-8',
    },
  };
}

/**
 * A file guard reads as data (the lockfile, the config) as text: UTF-8
 * without NUL bytes, decoded exactly (a byte that is not UTF-8 is refused,
 * never replaced).
 *
 * @param shown the file's name in the message
 */
export function decodeUtf8Text(shown: string, bytes: Uint8Array): { text: string } | { problem: string; line: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nul = buffer.indexOf(0);
  if (nul !== -1) {
    const line = lineAt(buffer, nul);
    return { problem: `${shown}:${line} holds a NUL byte: it is not a text file`, line };
  }
  if (isUtf8(buffer)) return { text: buffer.toString('utf8') };
  const offset = firstInvalidUtf8(buffer);
  const line = lineAt(buffer, offset);
  return { problem: `${shown}:${line} is not valid UTF-8 (byte 0x${buffer[offset]!.toString(16).padStart(2, '0')} at offset ${offset})`, line };
}

/** 1-based line of the byte at `offset`. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return i;
}

/** The reading of a file that only needs to be text: SQL and Flyway scripts. */
export function readTextFile(path: string, bytes: Uint8Array, options?: DiscoverOptions): FileReading {
  const sha256 = contentChecksum(bytes);
  const decoded = decodeText(displayOf(options)(path), bytes);
  return 'problem' in decoded ? { sha256, problem: { ...decoded.problem, file: path } } : { sha256 };
}
