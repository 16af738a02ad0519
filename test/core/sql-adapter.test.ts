import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChecksum } from '../../src/core/checksum.js';
import { detectScheme, parseVersionedName } from '../../src/core/tools/sql/naming-scheme.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { DiscoverOptions, NamingScheme, SourceFile } from '../../src/core/migrations/types.js';
import { bytes, file } from './helpers.js';

const discover = (files: SourceFile[], options: DiscoverOptions = {}) => sqlAdapter.discover(files, options);
const names = (paths: string[]) => discover(paths.map((path) => file(path)));
const ids = (result: ReturnType<typeof discover>) => result.migrations.map((m) => m.id);
const codes = (result: ReturnType<typeof discover>) => result.problems.map((p) => `${p.code}:${p.file}`);

describe('SQL naming schemes', () => {
  it('sequential 001_x.sql: ordered numerically, ids as written, the last is the head', () => {
    const result = names(['010_c.sql', '002_b.sql', '001_a.sql', '9_before_ten.sql']);
    assert.deepEqual(ids(result), ['001', '002', '9', '010']);
    assert.deepEqual(result.heads, ['010']);
    assert.deepEqual(result.bases, ['001']);
    assert.deepEqual(result.problems, []);
    assert.equal(result.tool, 'sql');
  });

  it('timestamp 20260115120000_x.sql', () => {
    const result = names(['20260115120000_b.sql', '20251231235959_a.sql', '20260115120001-c.sql']);
    assert.deepEqual(ids(result), ['20251231235959', '20260115120000', '20260115120001']);
    assert.deepEqual(result.problems, []);
  });

  it('hybrid 2026_01_15_001_x.sql: by date, then the day\'s counter', () => {
    const result = names(['2026_01_15_010_c.sql', '2026_01_15_002_b.sql', '2025_12_31_001_a.sql', '2026_02_01_001_d.sql']);
    assert.deepEqual(ids(result), ['2025_12_31_001', '2026_01_15_002', '2026_01_15_010', '2026_02_01_001']);
    assert.deepEqual(result.problems, []);
  });

  it('detects the scheme most files follow', () => {
    const detect = (paths: string[]) => detectScheme(paths.map((path) => parseVersionedName(path)));
    assert.equal(detect(['001_a.sql', '002_b.sql', '20260115120000_c.sql']), 'sequential');
    assert.equal(detect(['20260115120000_a.sql', '20260115120001_b.sql', '003_c.sql']), 'timestamp');
    assert.equal(detect(['2026_01_15_001_a.sql', '2026_01_15_002_b.sql', '003_c.sql']), 'hybrid');
    assert.equal(detect(['readme.sql', 'init.sql']), undefined);
  });

  it('flags a file that breaks the scheme, with an example name in the fix; one with a version stays a migration, ordered by its number as the tools read it', () => {
    const result = names(['001_a.sql', '002_b.sql', '20260115120000_c.sql', 'init.sql']);
    assert.deepEqual(ids(result), ['001', '002', '20260115120000']);
    const flagged = result.problems.filter((p) => p.code === 'naming');
    assert.deepEqual(flagged.map((p) => p.file).sort(), ['20260115120000_c.sql', 'init.sql']);
    for (const problem of flagged) {
      assert.equal(problem.exitCode, 1);
      assert.match(problem.message, new RegExp(`^${problem.file!.replaceAll('.', '\\.')} breaks the sequential naming scheme`));
      assert.match(problem.fix, /\d{3}_\w+\.sql/);
    }
    assert.match(flagged.find((p) => p.file === '20260115120000_c.sql')!.message, /looks like a timestamp/);
  });

  it('the configured scheme wins over the majority', () => {
    const result = discover([file('001_a.sql'), file('002_b.sql'), file('20260115120000_c.sql')], { naming: 'timestamp' });
    assert.deepEqual(ids(result), ['001', '002', '20260115120000']);
    assert.deepEqual(codes(result), ['naming:001_a.sql', 'naming:002_b.sql']);
    assert.match(result.problems[0]!.fix, /20260115120000_add_orders\.sql/);
  });

  it('refuses impossible timestamps and dates (month 13, 30 February, hour 24)', () => {
    for (const [path, why, scheme] of [
      ['20261315120000_x.sql', /month 13/, 'timestamp'],
      ['20260230120000_x.sql', /day 30/, 'timestamp'],
      ['20260115240000_x.sql', /hour 24/, 'timestamp'],
      ['20260115126000_x.sql', /minute 60/, 'timestamp'],
      ['2026_13_01_001_x.sql', /month 13/, 'hybrid'],
      ['2025_02_29_001_x.sql', /day 29/, 'hybrid'],
    ] as const) {
      const result = discover([file(path)], { naming: scheme as NamingScheme });
      assert.equal(result.problems.length, 1, path);
      assert.equal(result.problems[0]!.code, 'naming', path);
      assert.match(result.problems[0]!.message, why, path);
    }
    assert.deepEqual(ids(discover([file('2024_02_29_001_leap.sql')], { naming: 'hybrid' })), ['2024_02_29_001']);
  });

  it('reports duplicate versions (001_a.sql and 1_b.sql are both version 1)', () => {
    const result = names(['001_a.sql', '1_b.sql', '002_c.sql']);
    assert.deepEqual(ids(result), ['001', '002']);
    const dup = result.problems.find((p) => p.code === 'duplicate-id');
    assert.ok(dup);
    assert.equal(dup.file, '1_b.sql');
    assert.match(dup.message, /001_a\.sql and 1_b\.sql/);
  });

  it('reports a plain file and an .up.sql file with the same name instead of keeping one silently', () => {
    const result = names(['001_a.sql', '001_a.up.sql', '002_b.sql']);
    assert.equal(result.problems.filter((p) => p.code === 'duplicate-id').length, 1, JSON.stringify(result.problems));
  });

  it('x.up.sql and x.down.sql are one migration with a down script', () => {
    const up = file('001_users.up.sql', 'CREATE TABLE users();\n');
    const down = file('001_users.down.sql', 'DROP TABLE users;\n');
    const result = discover([down, up, file('002_orders.sql')]);
    assert.deepEqual(ids(result), ['001', '002']);
    const first = result.migrations[0]!;
    assert.equal(first.file, '001_users.up.sql');
    assert.equal(first.sha256, contentChecksum(up.bytes));
    assert.deepEqual(first.down, { file: '001_users.down.sql', sha256: contentChecksum(down.bytes) });
    assert.equal(result.migrations[1]!.down, undefined);
    assert.deepEqual(result.problems, []);
  });

  it('reports a down file without its up file', () => {
    const result = names(['001_a.sql', '002_b.down.sql']);
    assert.deepEqual(ids(result), ['001']);
    assert.deepEqual(codes(result), ['orphan-down:002_b.down.sql']);
    assert.match(result.problems[0]!.fix, /002_b\.up\.sql/);
  });

  it('pairs up and down files per folder, never across folders', () => {
    const result = discover([file('a/001_x.up.sql'), file('b/001_x.down.sql')]);
    assert.deepEqual(codes(result), ['orphan-down:b/001_x.down.sql']);
    assert.equal(result.migrations[0]!.down, undefined);
  });

  it('ignores files that are not .sql', () => {
    const result = discover([file('001_a.sql'), file('README.md'), file('.gitkeep'), file('002_b.sql.bak')]);
    assert.deepEqual(ids(result), ['001']);
    assert.deepEqual(result.ignored.sort(), ['.gitkeep', '002_b.sql.bak', 'README.md']);
    assert.deepEqual(result.problems, []);
    assert.equal(sqlAdapter.candidate('README.md'), false);
    assert.equal(sqlAdapter.candidate('001_a.sql'), true);
  });

  it('reports a binary file (NUL byte) with exit code 2 and its line', () => {
    const binary: SourceFile = { path: '002_blob.sql', bytes: bytes('SELECT 1;\nSELECT 2;\n\0\0') };
    const result = discover([file('001_a.sql'), binary]);
    assert.deepEqual(ids(result), ['001']);
    const problem = result.problems[0]!;
    assert.equal(problem.code, 'binary-file');
    assert.equal(problem.exitCode, 2);
    assert.equal(problem.file, '002_blob.sql');
    assert.equal(problem.line, 3);
    assert.match(problem.message, /002_blob\.sql is a binary file \(a NUL byte on line 3\)/);
  });

  it('reports a file that is not UTF-8 with exit code 2 and the line of the first bad byte', () => {
    const latin1: SourceFile = { path: '002_latin1.sql', bytes: Uint8Array.from([...bytes('SELECT 1;\n-- caf'), 0xe9, ...bytes('\n')]) };
    const result = discover([file('001_a.sql'), latin1]);
    const problem = result.problems[0]!;
    assert.equal(problem.code, 'not-utf8');
    assert.equal(problem.exitCode, 2);
    assert.equal(problem.line, 2);
    assert.match(problem.message, /002_latin1\.sql:2 is not valid UTF-8 \(byte 0xe9/);
    assert.match(problem.fix, /UTF-8/);
  });

  it('checksums the bytes: CRLF and BOM copies give the same migration', () => {
    const lf = discover([file('001_a.sql', 'SELECT 1;\n')]).migrations[0]!;
    const crlf = discover([file('001_a.sql', '\uFEFFSELECT 1;\r\n')]).migrations[0]!;
    assert.equal(crlf.sha256, lf.sha256);
  });
});
