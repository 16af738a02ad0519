import type { AttributeChange, SchemaDifference } from './diff-schemas.js';

/** How a report names the two sides: `only in production` / `only in staging`, or `added since the last deploy`. */
export interface DifferenceWording {
  /** An object only in the second snapshot. */
  added: string;
  /** An object only in the first snapshot. */
  removed: string;
}

/** Values longer than this, or of several lines (a function body, a view), are shown by their first differing line. */
const SHORT = 72;

/**
 * One line per difference:
 *
 * @example
 * formatSchemaDifference(difference, { added: 'only in production', removed: 'only in staging' })
 * // 'column public.orders.total: type numeric(10,2) -> numeric(12,2)'
 * // 'index public.orders_created_idx: only in production'
 * // 'function public.total(integer): body changed at line 2: "  RETURN a + b;" -> "  RETURN a - b;"'
 */
export function formatSchemaDifference(difference: SchemaDifference, wording: DifferenceWording): string {
  const subject = `${difference.kind} ${difference.name}`;
  if (difference.change === 'added') return `${subject}: ${wording.added}`;
  if (difference.change === 'removed') return `${subject}: ${wording.removed}`;
  return `${subject}: ${difference.attributes.map(formatAttributeChange).join('; ')}`;
}

export function formatAttributeChange(change: AttributeChange): string {
  const before = change.before ?? 'none';
  const after = change.after ?? 'none';
  if (before.length <= SHORT && after.length <= SHORT && !before.includes('\n') && !after.includes('\n')) return `${change.attribute} ${before} -> ${after}`;
  const left = before.split('\n');
  const right = after.split('\n');
  let line = 0;
  while (line < left.length && line < right.length && left[line] === right[line]) line++;
  const show = (text: string | undefined) => (text === undefined ? '(no line)' : JSON.stringify(text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text));
  return `${change.attribute} changed at line ${line + 1}: ${show(left[line])} -> ${show(right[line])}`;
}

/** `3 objects differ (1 added, 1 removed, 1 changed)`. */
export function summariseDifferences(differences: readonly SchemaDifference[]): string {
  const count = (change: SchemaDifference['change']) => differences.filter((difference) => difference.change === change).length;
  const parts = (['added', 'removed', 'changed'] as const).filter((change) => count(change) > 0).map((change) => `${count(change)} ${change}`);
  return `${differences.length} ${differences.length === 1 ? 'object differs' : 'objects differ'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}
