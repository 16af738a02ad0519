import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
    writeFileAtomic(path.join(gitDir, 'guard', name), JSON.stringify(value));
  } catch {
    // A read-only repository (a CI cache, a mounted volume) just runs uncached.
  }
}
