// The lockfile's grammar: its header, its keys in the one order guard writes
// them (README, "Lockfile reference"), and how a scalar is written. The
// serializer writes keys in this order, the canonical fast reader accepts
// only this order (a file in another was edited by hand and goes to the YAML
// parser), and the parser knows no other keys.

/** The first line of every lockfile guard writes. */
export const LOCKFILE_HEADER = '# Written by `guard lock`. Review changes like code; do not edit by hand.';

export const TOP_KEYS = ['lockfile', 'algorithm', 'semantic', 'sets', 'amendments'] as const;
export const SET_KEYS = ['dir', 'tool', 'heads', 'chain', 'migrations'] as const;
export const ENTRY_KEYS = ['id', 'file', 'parents', 'sha256', 'semantic', 'down', 'down_sha256', 'down_semantic', 'branch_labels', 'depends_on', 'repeatable'] as const;
/** A migration's amendment: `guard amend FILE`. */
export const FILE_AMENDMENT_KEYS = ['file', 'from', 'to', 'reason', 'by', 'at'] as const;
/** A set's amendment: `guard amend --set DIR` (`from` and `to` only for some changes). */
export const SET_AMENDMENT_KEYS = ['set', 'change', 'from', 'to', 'chain', 'reason', 'by', 'at'] as const;
/** Both kinds share `amendments:`; one order fits both (`file` or `set, change` first, then the rest). */
export const AMENDMENT_KEYS = ['file', 'set', 'change', 'from', 'to', 'chain', 'reason', 'by', 'at'] as const;

/*
 * Scalars of the lockfile are written so that every YAML reader (YAML 1.2 in
 * JavaScript, YAML 1.1 in PyYAML and Ruby) reads back the same string: a value
 * stays plain only when it cannot be mistaken for a number, boolean, null,
 * date or YAML syntax; anything else is double-quoted. JSON string syntax is a
 * subset of YAML's double-quoted style (https://yaml.org/spec/1.2.2/#731-double-quoted-style).
 */

const PLAIN_SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.\/+-]*$/;
/** Ints, floats, YAML 1.1 ints with underscores, hex, octal, binary, sexagesimal. */
const NUMBER_LIKE = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+|0[xob][0-9a-fA-F_]+)$/;
const KEYWORD = /^(?:y|n|yes|no|on|off|true|false|null|nan|inf)$/i;
const DATE_LIKE = /^\d{4}-\d\d?-\d\d?/;

/** Whether `value` may be written unquoted, in a flow collection (`{...}`, `[...]`) or as a block value. */
export function isPlainSafe(value: string, flow: boolean): boolean {
  if (!PLAIN_SAFE.test(value)) return flow ? false : /^sha256:[0-9a-f]+$/.test(value);
  return !NUMBER_LIKE.test(value) && !KEYWORD.test(value) && !DATE_LIKE.test(value);
}

/**
 * Characters JSON leaves raw that YAML readers do not: DEL and the C1 controls
 * (PyYAML refuses them as non-printable), NEL, LS and PS (line breaks in YAML
 * 1.1, folded into a space inside a quoted scalar), the BOM and the
 * non-characters U+FFFE and U+FFFF. Escaped as `\uXXXX`, which every reader
 * decodes alike.
 */
const UNSAFE_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** `value` as a YAML scalar every reader reads back as this string: plain when safe, else double-quoted. */
export function yamlScalar(value: string, flow = true): string {
  if (isPlainSafe(value, flow)) return value;
  return JSON.stringify(value).replace(UNSAFE_IN_QUOTES, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A flow list of scalars: `[a, "b c"]`. */
export function yamlList(values: readonly string[]): string {
  return `[${values.map((value) => yamlScalar(value)).join(', ')}]`;
}
