// Fake secrets for the scanner's tests, generated at run time so that no
// test file holds a string a secret scanner would take for a real one.

/** `n` deterministic characters, different for each `seed`, never a placeholder. */
export function chars(n: number, seed: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let state = seed * 2654435761 + 12345;
  let out = '';
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[state % alphabet.length];
  }
  return `${out.slice(0, 2)}7${out.slice(3)}`;
}
