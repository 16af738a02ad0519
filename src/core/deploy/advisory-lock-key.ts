import { createHash } from 'node:crypto';

/**
 * The key of the deploy lock of one environment of one project.
 *
 * `pg_advisory_lock(bigint)` takes a signed 64-bit key that every client
 * must agree on, guard on any machine and an `env.py` that takes the same
 * lock for runs that bypass guard. So the key is derived from names only
 * (never from a URL, a host or a random number): the first 8 bytes of
 * sha256(`migration-guard\0PROJECT\0ENVIRONMENT`), big-endian, as a signed
 * 64-bit integer. The NULs keep `(ab, c)` and `(a, bc)` apart; the prefix
 * keeps guard's keys away from an application's own small-integer keys.
 * One key per environment, not per database, so two environments that share
 * a server (or a ledger database) never block each other.
 *
 * @example advisoryLockKey('shop', 'production') // a bigint in [-2^63, 2^63)
 */
export function advisoryLockKey(project: string, environment: string): bigint {
  const digest = createHash('sha256').update(`migration-guard\0${project}\0${environment}`).digest();
  return digest.readBigInt64BE(0);
}

/**
 * The key as `pg_locks` shows it: PostgreSQL stores a bigint advisory key
 * with its high-order 32 bits in `classid` and its low-order 32 bits in
 * `objid` (both `oid`, so unsigned), and `objsubid` = 1 (2 is the space of
 * two-int4 keys). This is how `guard status` finds the holder of a lock:
 * `WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1`.
 *
 * @throws RangeError when `key` does not fit a signed 64-bit integer
 * @example splitLockKey(-1n) // { classid: 4294967295, objid: 4294967295 }
 */
export function splitLockKey(key: bigint): { classid: number; objid: number } {
  if (BigInt.asIntN(64, key) !== key) throw new RangeError(`${key} is not a signed 64-bit advisory lock key`);
  const unsigned = BigInt.asUintN(64, key);
  return { classid: Number(unsigned >> 32n), objid: Number(unsigned & 0xffff_ffffn) };
}
