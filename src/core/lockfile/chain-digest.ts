import { hash } from 'node:crypto';
import type { LockEntry } from './types.js';

/**
 * The chain digest binds every entry of a set, in apply order, like Atlas's
 * `atlas.sum`: two environments with the same digest applied the same files,
 * with the same content, in the same order.
 *
 * It is a hash chain (c0 = H("guard-chain/1\0" + tool), c[i] = H(hex(c[i-1]) + "\n" + entry[i]))
 * rather than one hash of everything, so the digest of any prefix is a
 * by-product: the deploy gate can tell whether a database applied a prefix of
 * the repository's chain.
 */
export function chainDigests(tool: string, entries: readonly LockEntry[]): string[] {
  // One-shot crypto.hash (Node 20.12+): verify hashes two chains of 10,000 entries.
  let previous = chainStart(tool);
  const digests: string[] = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    previous = extendChain(previous, entries[i]!);
    digests[i] = previous;
  }
  return digests;
}

/**
 * The digest after one more entry: appending a migration costs one hash, not
 * a re-hash of the set (the pre-commit hook relies on it).
 *
 * @param previous hex digest of the set so far (without `sha256:`)
 */
export function extendChain(previous: string, entry: LockEntry): string {
  return hash('sha256', `${previous}\n${entryLine(entry)}`, 'hex');
}

/** `sha256:<hex>` of the whole set. */
export function chainDigest(tool: string, entries: readonly LockEntry[]): string {
  return `sha256:${chainDigests(tool, entries).at(-1) ?? chainStart(tool)}`;
}

function chainStart(tool: string): string {
  return hash('sha256', `guard-chain/1\0${tool}`, 'hex');
}

/**
 * Every field of an entry, unambiguously: fields are NUL-separated (no lockfile
 * string holds a NUL), list items comma-separated with `,` and `\\` in an item
 * escaped. Fields added after the first seven (`branch_labels`, `depends_on`)
 * are tagged and only written when present, so the digests of entries without
 * them stay what guard has always written.
 */
function entryLine(entry: LockEntry): string {
  const fields = [
    entry.id,
    entry.file,
    list(entry.parents ?? []),
    entry.sha256,
    entry.down ?? '',
    entry.down_sha256 ?? '',
    entry.repeatable ? 'repeatable' : '',
  ];
  if (entry.branch_labels) fields.push(`branch_labels=${list(entry.branch_labels)}`);
  if (entry.depends_on) fields.push(`depends_on=${list(entry.depends_on)}`);
  return fields.join('\0');
}

function list(items: readonly string[]): string {
  return items.map((item) => item.replace(/[\\,]/g, '\\$&')).join(',');
}
