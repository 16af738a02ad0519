import { hash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { guardVersion } from './guard-version.js';
import { writeFileAtomic } from './write-atomic.js';

/**
 * Small derived-data caches in `$GIT_DIR/guard/`, never committed and always
 * safe to delete. Entries are keyed by the content they were derived from, so
 * a stale entry is never used; any read or write failure is treated as a miss.
 */
export function readCache<T>(gitDir: string, name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path.join(gitDir, 'guard', name), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeCache(gitDir: string, name: string, value: unknown): void {
  try {
    mkdirSync(path.join(gitDir, 'guard'), { recursive: true });
    writeFileAtomic(path.join(gitDir, 'guard', name), JSON.stringify(value), { durable: false });
  } catch {
    // A read-only repository (a CI cache, a mounted volume) just runs uncached.
  }
}

interface MemoFile<T> {
  entries: { key: string; value: T }[];
}

/** How many results a memo keeps: enough for switching between a few branches. */
const MEMO_ENTRIES = 8;

/**
 * The value computed earlier for exactly `key`, or `compute()`'s, remembered.
 * Only for pure results whose every input is in the key (content digests, the
 * config, guard's version): a changed input is a different key, never a stale hit.
 */
export async function memoized<T>(
  gitDir: string,
  name: string,
  key: string,
  compute: () => Promise<T>,
  keep: (value: T) => boolean = () => true,
): Promise<T> {
  const read = readCache<MemoFile<T>>(gitDir, name);
  const memo = Array.isArray(read?.entries) ? read : undefined;
  const hit = memo?.entries.find((entry) => entry?.key === key && entry.value !== undefined);
  if (hit) return hit.value;
  const value = await compute();
  if (!keep(value)) return value;
  const kept = (memo?.entries ?? []).filter((entry) => entry?.key !== key).slice(0, MEMO_ENTRIES - 1);
  writeCache(gitDir, name, { entries: [{ key, value }, ...kept] } satisfies MemoFile<T>);
  return value;
}

/** A memo key: guard's build and every input that decides the result. */
export function stateKey(...inputs: string[]): string {
  return hash('sha256', [guardVersion(), ...inputs].join('\n'), 'hex');
}
