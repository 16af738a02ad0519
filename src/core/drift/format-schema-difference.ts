import type { AttributeChange, SchemaDifference } from './diff-schemas.js';

/** How a report names the two sides: `only in production` / `only in staging`, or `added since the last deploy`. */
export interface DifferenceWording {
  /** An object only in the second snapshot. */
  added: string;
  /** An object only in the first snapshot. */
  removed: string;
}

/** Wording of a live schema against the one recorded at its last deploy. */
export const SINCE_DEPLOY_WORDING: DifferenceWording = { added: 'added since the last deploy, not by a migration', removed: 'dropped since the last deploy, not by a migration' };

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
  const { attribute, before, after } = change;
  const short = (value: string | undefined) => value === undefined || (value.length <= SHORT && !value.includes('\n'));
  if (short(before) && short(after)) return `${attribute} ${shown(attribute, before)} -> ${shown(attribute, after)}`;
  if (before === undefined || after === undefined) {
    const excerpt = JSON.stringify(clip((before ?? after)!.split('\n')[0]!, 0));
    return before === undefined ? `${attribute} ${absent(attribute)} -> ${excerpt}` : `${attribute} ${excerpt} -> ${absent(attribute)}`;
  }
  const left = before.split('\n');
  const right = after.split('\n');
  let line = 0;
  while (line < left.length && line < right.length && left[line] === right[line]) line++;
  const [a, b] = around(left[line], right[line]);
  // A line number says something only for a value of several lines (a function body, a view).
  return left.length === 1 && right.length === 1 ? `${attribute} changed: ${a} -> ${b}` : `${attribute} changed at line ${line + 1}: ${a} -> ${b}`;
}

/**
 * The two versions of a line, cut to the part around their first
 * difference, so a long index definition that changed at its end still
 * shows the change (`…btree (customer_id, created_at)` -> `…created_at DESC)`).
 */
function around(left: string | undefined, right: string | undefined): [string, string] {
  if (left === undefined || right === undefined) return [left === undefined ? '(no line)' : JSON.stringify(clip(left, 0)), right === undefined ? '(no line)' : JSON.stringify(clip(right, 0))];
  let at = 0;
  while (at < left.length && at < right.length && left[at] === right[at]) at++;
  const start = Math.max(0, at - CONTEXT);
  return [JSON.stringify(clip(left, start)), JSON.stringify(clip(right, start))];
}

/** Characters of common text shown before the first difference. */
const CONTEXT = 24;

function clip(text: string, start: number): string {
  const end = start + SHORT;
  return `${start > 0 ? '…' : ''}${text.length > end ? `${text.slice(start, end - 1)}…` : text.slice(start)}`;
}

/** Flags that are off are not stored: shown as "no", not "none". */
const FLAGS = new Set(['not null', 'unlogged', 'strict', 'leakproof', 'cycle', 'partitioned', 'foreign', 'window']);
const ABSENT: Record<string, string> = { security: 'invoker', 'row level security': 'disabled' };

function absent(attribute: string): string {
  return ABSENT[attribute] ?? (FLAGS.has(attribute) ? 'no' : 'none');
}

function shown(attribute: string, value: string | undefined): string {
  return value === undefined ? absent(attribute) : value;
}

/** `3 objects differ (1 added, 1 removed, 1 changed)`. */
export function summariseDifferences(differences: readonly SchemaDifference[]): string {
  const count = (change: SchemaDifference['change']) => differences.filter((difference) => difference.change === change).length;
  const parts = (['added', 'removed', 'changed'] as const).filter((change) => count(change) > 0).map((change) => `${count(change)} ${change}`);
  return `${differences.length} ${differences.length === 1 ? 'object differs' : 'objects differ'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}
