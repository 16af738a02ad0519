import { printable } from '../../core/printable.js';
import type { CosmeticEdit } from '../../shell/cosmetic-edits.js';

/**
 * One line per cosmetic edit (README, "Cosmetic edits"), for review:
 * `db/versions/1a2b_x.py: only formatting changed (sealed in origin/main;
 * sha256 52ab9c0d1e2f… -> 77e0a1b2c3d4…)`.
 */
export function cosmeticNotes(edits: readonly CosmeticEdit[] | undefined, ref: string | undefined): string[] {
  return (edits ?? []).map(
    (edit) => `${printable(edit.file)}: only formatting changed${ref ? ` (sealed in ${printable(ref)}; ` : ' ('}sha256 ${edit.from.slice(0, 12)}… -> ${edit.to.slice(0, 12)}…)`,
  );
}
