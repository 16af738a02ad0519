import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { advisoryLockKey, splitLockKey } from '../../../src/core/deploy/advisory-lock-key.js';
import { APPLICATION_NAME_MAX_BYTES, applicationName, deployIdOfSession, migrationSessionName, withoutApplicationName } from '../../../src/core/deploy/application-name.js';
import { prng } from '../helpers.js';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe('advisoryLockKey', () => {
  it('is a stable signed 64-bit key: the first 8 bytes of sha256("migration-guard\\0PROJECT\\0ENV")', () => {
    const key = advisoryLockKey('shop', 'production');
    const digest = createHash('sha256').update('migration-guard\0shop\0production').digest('hex');
    assert.equal(BigInt.asUintN(64, key), BigInt(`0x${digest.slice(0, 16)}`));
    // Pinned: a key that changed between guard versions would let two versions deploy at once.
    assert.equal(advisoryLockKey('shop', 'production'), key);
    assert.equal(key.toString(), BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString());
  });

  it('stays within bigint range and differs per project and environment', () => {
    const keys = new Set<bigint>();
    for (const project of ['shop', 'billing', 'shop2']) {
      for (const environment of ['ci', 'staging', 'production']) {
        const key = advisoryLockKey(project, environment);
        assert.ok(key >= MIN && key <= MAX);
        keys.add(key);
      }
    }
    assert.equal(keys.size, 9);
    assert.notEqual(advisoryLockKey('ab', 'c'), advisoryLockKey('a', 'bc'), 'the separator keeps the fields apart');
  });
});

describe('splitLockKey', () => {
  it('puts the high half in classid and the low half in objid, as pg_locks shows them', () => {
    // The example of the pgsql-docs report that documented it: pg_advisory_lock((3333 * 2^32 + 4444)::bigint).
    assert.deepEqual(splitLockKey(3333n * 2n ** 32n + 4444n), { classid: 3333, objid: 4444 });
    assert.deepEqual(splitLockKey(0n), { classid: 0, objid: 0 });
    assert.deepEqual(splitLockKey(1n), { classid: 0, objid: 1 });
  });

  it('shows negative keys as the unsigned oids of their two\'s-complement halves', () => {
    assert.deepEqual(splitLockKey(-1n), { classid: 0xffffffff, objid: 0xffffffff });
    assert.deepEqual(splitLockKey(MIN), { classid: 0x80000000, objid: 0 });
    assert.deepEqual(splitLockKey(MAX), { classid: 0x7fffffff, objid: 0xffffffff });
    assert.deepEqual(splitLockKey(-(2n ** 32n)), { classid: 0xffffffff, objid: 0 });
  });

  it('round-trips for any key', () => {
    const next = prng(4);
    for (let i = 0; i < 500; i++) {
      const key = BigInt.asIntN(64, (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32)));
      const { classid, objid } = splitLockKey(key);
      assert.ok(Number.isInteger(classid) && classid >= 0 && classid <= 0xffffffff);
      assert.ok(Number.isInteger(objid) && objid >= 0 && objid <= 0xffffffff);
      assert.equal(BigInt.asIntN(64, (BigInt(classid) << 32n) | BigInt(objid)), key);
    }
  });

  it('refuses a key outside bigint', () => {
    assert.throws(() => splitLockKey(MAX + 1n), RangeError);
    assert.throws(() => splitLockKey(MIN - 1n), RangeError);
  });
});

describe('applicationName', () => {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

  it('reads guard deploy ENV by ACTOR@HOST pid N', () => {
    assert.equal(applicationName({ environment: 'production', actor: 'ana', host: 'ci-7', pid: 4242 }), 'guard deploy production by ana@ci-7 pid 4242');
  });

  it('fits 63 bytes, cutting the host first and keeping the pid', () => {
    const name = applicationName({ environment: 'production', actor: 'ana@example.com', host: 'runner-0123456789abcdef-project-42-concurrent-0', pid: 1234567 });
    assert.equal(bytes(name), APPLICATION_NAME_MAX_BYTES);
    assert.match(name, /^guard deploy production by ana@example\.com@runner-[^ ]*~ pid 1234567$/);
  });

  it('keeps the pid even when the environment alone is too long', () => {
    const name = applicationName({ environment: 'e'.repeat(80), actor: 'a', host: 'h', pid: 99 });
    assert.equal(bytes(name), 63);
    assert.ok(name.endsWith('~ pid 99'));
  });

  it('is printable ASCII, one ? per other character, so no server rewrites or lengthens it and no UTF-8 character is split', () => {
    const name = applicationName({ environment: 'production', actor: 'zoë', host: 'hôte-日本', pid: 1 });
    assert.equal(name, 'guard deploy production by zo?@h?te-?? pid 1');
    const emoji = applicationName({ environment: 'production', actor: '😀'.repeat(40), host: 'h', pid: 777 });
    assert.match(emoji, /^[\x20-\x7e]+$/);
    assert.ok(bytes(emoji) <= 63);
    assert.ok(emoji.endsWith(' pid 777'));
    const control = applicationName({ environment: 'ci', actor: 'a\nb', host: 'h\tx', pid: 5 });
    assert.equal(control, 'guard deploy ci by a?b@h?x pid 5');
  });

  it('every generated name fits and ends with its pid', () => {
    const next = prng(9);
    const alphabet = ['a', 'Z', '-', '.', 'é', '日', '😀', ' '];
    const text = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]!).join('');
    for (let i = 0; i < 300; i++) {
      const pid = Math.floor(next() * 4_194_304);
      const name = applicationName({ environment: text(Math.floor(next() * 30) + 1), actor: text(Math.floor(next() * 40)), host: text(Math.floor(next() * 60)), pid });
      assert.ok(bytes(name) <= 63, name);
      assert.ok(name.endsWith(` pid ${pid}`), name);
      assert.match(name, /^[\x20-\x7e]+$/);
    }
  });
});

describe('migrationSessionName: what the migration command\'s sessions are called (PGAPPNAME)', () => {
  it('names the deploy\'s ledger row first, so that no cut loses it, and is read back', () => {
    const name = migrationSessionName({ deployId: 42, environment: 'production', actor: 'ana', host: 'ci-7', pid: 4242 });
    assert.equal(name, 'guard migrate #42 production by ana@ci-7 pid 4242');
    assert.equal(deployIdOfSession(name), 42);
    const long = migrationSessionName({ deployId: 9_876_543, environment: 'e'.repeat(80), actor: 'a', host: 'h', pid: 99 });
    assert.equal(Buffer.byteLength(long), APPLICATION_NAME_MAX_BYTES);
    assert.equal(deployIdOfSession(long), 9_876_543);
    assert.ok(long.endsWith('~ pid 99'));
  });

  it('reads no id from other names', () => {
    for (const other of ['guard deploy production by ana@ci-7 pid 1', 'psql', '', 'guard migrate #x production', 'my guard migrate #4 ']) assert.equal(deployIdOfSession(other), undefined, other);
  });
});

describe('withoutApplicationName', () => {
  it('drops a URL\'s or a conninfo string\'s own application_name (it would win over PGAPPNAME), keeping the rest as written', () => {
    assert.equal(withoutApplicationName('postgres://app:pw@db/app?application_name=web&sslmode=require'), 'postgres://app:pw@db/app?sslmode=require');
    assert.equal(withoutApplicationName('postgres://db/app?sslmode=require&APPLICATION_NAME=web'), 'postgres://db/app?sslmode=require');
    assert.equal(withoutApplicationName('postgres://db/app?application_name=web'), 'postgres://db/app');
    assert.equal(withoutApplicationName('postgres://db/app?fallback_application_name=web'), 'postgres://db/app?fallback_application_name=web');
    assert.equal(withoutApplicationName("host=db application_name='my app' dbname=app"), 'host=db dbname=app');
    assert.equal(withoutApplicationName('application_name=web host=db'), 'host=db');
    assert.equal(withoutApplicationName('host=db dbname=app'), 'host=db dbname=app');
  });
});
