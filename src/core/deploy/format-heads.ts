/**
 * Heads for messages: one head bare, several as a sorted list, none as
 * `no head` (a database the tool never migrated).
 *
 * @example formatHeads(['b2', 'a1']) // '[a1, b2]'
 */
export function formatHeads(heads: readonly string[]): string {
  if (heads.length === 0) return 'no head';
  if (heads.length === 1) return heads[0]!;
  return `[${[...heads].sort().join(', ')}]`;
}
