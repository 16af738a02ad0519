/**
 * The lockfile's keys, in the one order guard writes them (README, "Lockfile
 * reference"). The serializer writes them in this order, the canonical fast
 * reader accepts only this order (a file in another was edited by hand and
 * goes to the YAML parser), and the parser knows no other keys.
 */
export const LOCKFILE_HEADER = '# Written by `guard lock`. Review changes like code; do not edit by hand.';

export const TOP_KEYS = ['lockfile', 'algorithm', 'sets', 'amendments'] as const;
export const SET_KEYS = ['dir', 'tool', 'heads', 'chain', 'migrations'] as const;
export const ENTRY_KEYS = ['id', 'file', 'parents', 'sha256', 'down', 'down_sha256', 'branch_labels', 'depends_on', 'repeatable'] as const;
/** A migration's amendment: `guard amend FILE`. */
export const FILE_AMENDMENT_KEYS = ['file', 'from', 'to', 'reason', 'by', 'at'] as const;
/** A set's amendment: `guard amend --set DIR` (`from` and `to` only for some changes). */
export const SET_AMENDMENT_KEYS = ['set', 'change', 'from', 'to', 'chain', 'reason', 'by', 'at'] as const;
/** Both kinds share `amendments:`; one order fits both (`file` or `set, change` first, then the rest). */
export const AMENDMENT_KEYS = ['file', 'set', 'change', 'from', 'to', 'chain', 'reason', 'by', 'at'] as const;
