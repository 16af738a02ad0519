import { hash } from 'node:crypto';

/**
 * Name and version of the content checksum, pinned in every lockfile so a
 * future algorithm can be introduced without silently re-hashing history.
 */
export const CONTENT_ALGORITHM = 'sha256-lf/1';

const CR = 0x0d;
const LF = 0x0a;

/**
 * The bytes a migration is judged by: a leading UTF-8 byte-order mark removed
 * and CRLF turned into LF. A checkout with `core.autocrlf=true`, or an editor
 * that adds a BOM, then never looks like an edit (the false alarm Flyway and
 * Liquibase users met for years).
 */
export function normaliseContent(bytes: Uint8Array): Uint8Array {
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let firstCr = bytes.indexOf(CR, start);
  if (firstCr === -1) return start === 0 ? bytes : bytes.subarray(start);
  const out = new Uint8Array(bytes.length - start);
  let length = 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === CR && bytes[i + 1] === LF) continue;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** Content checksum (`sha256-lf/1`) as 64 lowercase hex digits. */
export function contentChecksum(bytes: Uint8Array): string {
  return hash('sha256', normaliseContent(bytes), 'hex');
}

/**
 * SHA-256 (hex) of each form of one content that guard's checksum reads as
 * the same (`normaliseContent`): the bytes as given, LF and CRLF line ends,
 * each with and without a UTF-8 byte-order mark. A tool that hashes the raw
 * file it ran (Prisma's `checksum`, Drizzle's `hash`) recorded one of them
 * when it ran a checkout with other line ends than the lockfile's.
 */
export function digestForms(bytes: Uint8Array): string[] {
  const lf = Buffer.from(normaliseContent(bytes));
  const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const forms = [bytes, lf, crlf, Buffer.concat([bom, lf]), Buffer.concat([bom, crlf])];
  return [...new Set(forms.map((form) => hash('sha256', form, 'hex')))];
}
