import assert from 'node:assert/strict';
import { GuardError } from '../../src/core/guard-error.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { prng } from '../helpers/prng.js';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export const file = (path: string, text = `-- ${path}\nSELECT 1;\n`): SourceFile & { bytes: Uint8Array } => ({ path, bytes: bytes(text) });


export { prng };

export const hex64 = (seed: string): string => {
  let out = '';
  let x = 0;
  for (const ch of seed) x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  const next = prng(x);
  while (out.length < 64) out += Math.floor(next() * 16).toString(16);
  return out;
};

/** Runs `action`, which must throw a GuardError, and returns it. */
export async function guardError(action: () => unknown): Promise<GuardError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof GuardError, `expected a GuardError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a GuardError, but nothing was thrown');
}
