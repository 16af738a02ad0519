import { createHash } from 'node:crypto';
import type { LockEntry } from './types.js';

/**
 * The chain digest binds every entry of a set, in apply order, like Atlas's
 * `atlas.sum`: two environments with the same digest applied the same files,
 * with the same content, in the same order.
 *
 * It is a hash chain (c0 = H("guard-chain/1", tool), c[i] = H(c[i-1], entry[i]))
 * rather than one hash of everything, so the digest of any prefix is a
 * by-product: the deploy gate can tell whether a database applied a prefix of
 * the repository's chain.
 */
export function chainDigests(tool: string, entries: readonly LockEntry[]): string[] {
  let previous = createHash('sha256').update(`guard-chain/1\0${tool}`).digest();
  const digests: string[] = [];
  for (const entry of entries) {
    previous = createHash('sha256').update(previous).update(entryLine(entry)).digest();
    digests.push(previous.toString('hex'));
  }
  return digests;
}

/** `sha256:<hex>` of the whole set. */
export function chainDigest(tool: string, entries: readonly LockEntry[]): string {
  const digests = chainDigests(tool, entries);
  const last = digests.at(-1) ?? createHash('sha256').update(`guard-chain/1\0${tool}`).digest('hex');
  return `sha256:${last}`;
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
