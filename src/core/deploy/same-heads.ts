/**
 * Whether two lists name the same heads. Order carries no meaning: Alembic
 * returns `alembic_version` rows in any order, and the lockfile sorts them.
 */
export function sameHeads(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((head) => right.has(head));
}
