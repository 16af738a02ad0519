import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChecksum } from '../../src/core/checksum.js';
import { flywayAdapter } from '../../src/core/tools/flyway/flyway-adapter.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { bytes, file } from './helpers.js';

const discover = (files: SourceFile[]) => flywayAdapter.discover(files, {});
const names = (paths: string[]) => discover(paths.map((path) => file(path)));
const ids = (result: ReturnType<typeof discover>) => result.migrations.map((m) => m.id);
const codes = (result: ReturnType<typeof discover>) => result.problems.map((p) => `${p.code}:${p.file}`);

describe('Flyway scripts', () => {
  it('orders V1, V1.1, V1_2, V2026.01.15.1 numerically (1.10 after 1.9)', () => {
    const result = names(['V2026.01.15.1__d.sql', 'V1.10__j.sql', 'V1_2__c.sql', 'V1.9__i.sql', 'V1__a.sql', 'V1.1__b.sql', 'V2__e.sql']);
    assert.deepEqual(ids(result), ['1', '1.1', '1.2', '1.9', '1.10', '2', '2026.01.15.1']);
    assert.deepEqual(result.heads, ['2026.01.15.1']);
    assert.deepEqual(result.problems, []);
    assert.equal(result.migrations.find((m) => m.id === '1.2')!.file, 'V1_2__c.sql');
  });

  it('V1.0 is the same version as V1', () => {
    const result = names(['V1__a.sql', 'V1.0__b.sql', 'V2__c.sql']);
    assert.equal(result.migrations.length, 2);
    assert.deepEqual(result.problems.map((p) => p.code), ['duplicate-id']);
    assert.match(result.problems[0]!.message, /V1\.0__b\.sql and V1__a\.sql|V1__a\.sql and V1\.0__b\.sql/);
  });

  it('attaches U1__a.sql to V1 as its down script', () => {
    const undo = file('U1__a.sql', 'DROP TABLE a;\n');
    const result = discover([file('V1__a.sql'), undo, file('V2__b.sql')]);
    assert.deepEqual(result.migrations[0]!.down, { file: 'U1__a.sql', sha256: contentChecksum(undo.bytes) });
    assert.equal(result.migrations[1]!.down, undefined);
    assert.deepEqual(result.problems, []);
  });

  it('reports an undo script without its versioned script', () => {
    const result = names(['V1__a.sql', 'U3__c.sql']);
    assert.deepEqual(codes(result), ['orphan-down:U3__c.sql']);
    assert.match(result.problems[0]!.fix, /V3/);
  });

  it('reports two undo scripts for one version', () => {
    const result = names(['V1__a.sql', 'U1__a.sql', 'U1.0__b.sql']);
    assert.equal(result.problems.filter((p) => p.code === 'duplicate-id').length, 1, JSON.stringify(result.problems));
  });

  it('applies R__ repeatables after all versioned scripts, marked repeatable, not heads', () => {
    const result = names(['R__views.sql', 'V2__b.sql', 'R__a_functions.sql', 'V1__a.sql']);
    assert.deepEqual(ids(result), ['1', '2', 'R__a_functions', 'R__views']);
    assert.deepEqual(result.migrations.map((m) => m.repeatable ?? false), [false, false, true, true]);
    assert.deepEqual(result.heads, ['2']);
  });

  it('flags V1_x.sql (one underscore) as a name Flyway would skip silently', () => {
    const result = names(['V1__a.sql', 'V2_add_users.sql', 'v3__lowercase.sql']);
    assert.deepEqual(ids(result), ['1']);
    assert.deepEqual(codes(result).sort(), ['naming:V2_add_users.sql', 'naming:v3__lowercase.sql']);
    assert.match(result.problems[0]!.message, /skip it silently/);
    assert.match(result.problems[0]!.fix, /two underscores/);
  });

  it('does not flag SQL callbacks (beforeMigrate.sql, afterEachMigrate__x.sql), which Flyway runs by name', () => {
    const result = names(['V1__a.sql', 'beforeMigrate.sql', 'afterEachMigrate__log.sql', 'afterMigrate.sql']);
    assert.deepEqual(ids(result), ['1']);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.ignored.sort(), ['afterEachMigrate__log.sql', 'afterMigrate.sql', 'beforeMigrate.sql']);
  });

  it('reads sub-folders, ignores non-SQL files, reports binary files with exit code 2', () => {
    const result = discover([file('V1__a.sql'), file('sub/V2__b.sql'), file('README.md'), { path: 'V3__blob.sql', bytes: bytes('x\0') }]);
    assert.deepEqual(ids(result), ['1', '2']);
    assert.equal(result.migrations[1]!.file, 'sub/V2__b.sql');
    assert.deepEqual(result.ignored, ['README.md']);
    assert.deepEqual(result.problems.map((p) => [p.code, p.exitCode, p.line]), [['binary-file', 2, 1]]);
  });
});
