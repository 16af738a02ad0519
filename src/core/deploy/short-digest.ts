/**
 * The first 12 hex digits of a digest or checksum, as messages show them (like
 * a short git commit id): enough to tell two chains apart at a glance.
 *
 * @example shortDigest('sha256:3f9a1b2c4d5e6f708192a3b4c5d6e7f8...') // '3f9a1b2c4d5e'
 */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
