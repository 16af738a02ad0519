import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { escapeFileName, shellWord, unsafeFileName } from '../../src/core/file-names.js';

describe('file names as guard prints them', () => {
  it('escapes bytes that are not UTF-8 and control characters, keeps readable text', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from([...Buffer.from('004_'), 0xff, 0xfe, ...Buffer.from('.sql')]), '004_\\xff\\xfe.sql'],
      [Buffer.from('001_café.sql'), '001_café.sql'],
      [Buffer.from('a\tb\nc\rd'), 'a\\tb\\nc\\rd'],
      [Buffer.from('a\\b'), 'a\\\\b'],
      [Buffer.from('x\u001b[2Jy\u007f'), 'x\\x1b[2Jy\\x7f'],
      [Buffer.from('x\u202ey\u2028'), 'x\\u202ey\\u2028'],
      // A truncated sequence and an overlong encoding are bytes, not characters.
      [Buffer.from([0x61, 0xe2, 0x82]), 'a\\xe2\\x82'],
      [Buffer.from([0xc0, 0xaf]), '\\xc0\\xaf'],
    ];
    for (const [bytes, shown] of cases) assert.equal(escapeFileName(bytes), shown);
  });

  it('a shell word that names exactly the same bytes', () => {
    const names = [Buffer.from([...Buffer.from('db/004_'), 0xff, 0xfe, ...Buffer.from('.sql')]), Buffer.from("it's a\tname\n"), Buffer.from('-rf'), Buffer.from('plain/001_a.sql')];
    for (const name of names) {
      const echoed = execFileSync('bash', ['-c', `printf %s ${shellWord(name)}`]);
      assert.deepEqual(echoed, name, shellWord(name));
    }
    assert.equal(shellWord(Buffer.from('db/001_a.sql')), 'db/001_a.sql');
    assert.equal(shellWord(Buffer.from('-rf')), "$'-rf'");
  });

  it('names a migration may not have, and why', () => {
    assert.equal(unsafeFileName('001_café über.sql'), undefined);
    assert.equal(unsafeFileName("030_-rf_it's.sql"), undefined);
    assert.match(unsafeFileName('a\nb.sql')!, /line break \(U\+000A\)/);
    assert.match(unsafeFileName('a\tb.sql')!, /tab \(U\+0009\)/);
    assert.match(unsafeFileName('a\u0085b.sql')!, /control character \(U\+0085\)/);
    assert.match(unsafeFileName('a\u2066b.sql')!, /bidirectional formatting character \(U\+2066\)/);
    assert.match(unsafeFileName('a\\b.sql')!, /backslash/);
    assert.match(unsafeFileName('db/c:x.sql')!, /drive letter/);
  });
});
