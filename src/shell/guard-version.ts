import { readFileSync } from 'node:fs';

let version: string | undefined;

/** This package's version, from its package.json (caches are keyed by it). */
export function guardVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
