import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CONTENT_ALGORITHM, contentChecksum, digestForms, normaliseContent } from '../../src/core/checksum.js';
import { bytes } from './helpers.js';

const sha = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const lf = 'CREATE TABLE users (\n  id int\n);\n-- é ü 日本\n';

describe('content checksum (sha256-lf/1)', () => {
  it('is the sha256 of LF text, as 64 lowercase hex digits', () => {
    const sum = contentChecksum(bytes(lf));
    assert.match(sum, /^[0-9a-f]{64}$/);
    assert.equal(sum, sha(lf));
    assert.equal(contentChecksum(new Uint8Array()), sha(''));
    assert.equal(CONTENT_ALGORITHM, 'sha256-lf/1');
  });

  it('gives a CRLF checkout (core.autocrlf) the checksum of the LF original', () => {
    assert.equal(contentChecksum(bytes(lf.replaceAll('\n', '\r\n'))), contentChecksum(bytes(lf)));
  });

  it('gives a copy with a UTF-8 BOM the checksum of the original', () => {
    assert.equal(contentChecksum(bytes(`\uFEFF${lf}`)), contentChecksum(bytes(lf)));
    assert.equal(contentChecksum(bytes(`\uFEFF${lf.replaceAll('\n', '\r\n')}`)), contentChecksum(bytes(lf)));
  });

  it('removes only a leading BOM: one inside the text is content', () => {
    assert.notEqual(contentChecksum(bytes(`a\uFEFFb`)), contentChecksum(bytes('ab')));
  });

  it('treats a lone CR as content', () => {
    assert.notEqual(contentChecksum(bytes('a\rb\n')), contentChecksum(bytes('a\nb\n')));
    assert.notEqual(contentChecksum(bytes('a\rb\n')), contentChecksum(bytes('ab\n')));
    assert.equal(sha(normaliseContent(bytes('a\r'))), sha('a\r'));
    // CR CR LF: only the CR directly before LF goes (what git's autocrlf does)
    assert.deepEqual(Buffer.from(normaliseContent(bytes('a\r\r\nb'))).toString(), 'a\r\nb');
  });

  it('changes when a real character changes', () => {
    assert.notEqual(contentChecksum(bytes(lf)), contentChecksum(bytes(lf.replace('int', 'bigint'))));
    assert.notEqual(contentChecksum(bytes(lf)), contentChecksum(bytes(`${lf}\n`)));
  });

  it('does not modify the caller\'s bytes', () => {
    const input = bytes('\uFEFFa\r\nb\r\n');
    const copy = Uint8Array.from(input);
    contentChecksum(input);
    assert.deepEqual(input, copy);
  });
});

describe('digestForms: the raw digests of one content that guard reads as the same', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  it('LF and CRLF, with and without a byte-order mark, whichever form it was given; never other content', () => {
    const expected = [sha('a\nb\n'), sha('a\r\nb\r\n'), sha('\ufeffa\nb\n'), sha('\ufeffa\r\nb\r\n')].sort();
    assert.deepEqual(digestForms(bytes('a\nb\n')).sort(), expected);
    assert.deepEqual(digestForms(bytes('\ufeffa\r\nb\r\n')).sort(), expected);
    // Mixed line ends keep their own digest beside the four.
    assert.ok(digestForms(bytes('a\r\nb\n')).includes(sha('a\r\nb\n')));
    assert.ok(!digestForms(bytes('a\nb\n')).includes(sha('a\nb')));
  });
});
