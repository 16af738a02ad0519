import assert from 'node:assert/strict';
import { GuardError } from '../../src/core/guard-error.js';
import type { SourceFile } from '../../src/core/migrations/types.js';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export const file = (path: string, text = `-- ${path}\nSELECT 1;\n`): SourceFile => ({ path, bytes: bytes(text) });

/** Deterministic PRNG (mulberry32), so a failing property test can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
