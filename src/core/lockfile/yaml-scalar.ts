/**
 * Scalars of the lockfile, written so that every YAML reader (YAML 1.2 in
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

export function isPlainSafe(value: string, flow: boolean): boolean {
  if (!PLAIN_SAFE.test(value)) return flow ? false : /^sha256:[0-9a-f]+$/.test(value);
  return !NUMBER_LIKE.test(value) && !KEYWORD.test(value) && !DATE_LIKE.test(value);
}

export function yamlScalar(value: string, flow = true): string {
  return isPlainSafe(value, flow) ? value : JSON.stringify(value);
}

export function yamlList(values: readonly string[]): string {
  return `[${values.map((value) => yamlScalar(value)).join(', ')}]`;
}
