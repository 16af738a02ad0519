import type { Amendment, LockEntry, Lockfile, SetAmendment } from '../types.js';
import { ENTRY_KEYS, FILE_AMENDMENT_KEYS, LOCKFILE_HEADER, SET_AMENDMENT_KEYS, yamlList, yamlScalar } from './grammar.js';

/**
 * The one text of a lockfile: same data, same bytes. One line per migration,
 * so adding a migration is a one-line diff and editing one a one-line change.
 *
 * @example
 * serializeLockfile({ lockfile: 1, algorithm: 'sha256-lf/1', sets: [], amendments: [] })
 * // '# Written by `guard lock`. ...\nlockfile: 1\nalgorithm: sha256-lf/1\nsets: []\namendments: []\n'
 */
export function serializeLockfile(lock: Lockfile): string {
  const lines = [LOCKFILE_HEADER, `lockfile: ${lock.lockfile}`, `algorithm: ${yamlScalar(lock.algorithm, false)}`];
  if (lock.semantic !== undefined) lines.push(`semantic: ${yamlScalar(lock.semantic, false)}`);
  if (lock.sets.length === 0) lines.push('sets: []');
  else lines.push('sets:');
  for (const set of lock.sets) {
    lines.push(`  - dir: ${yamlScalar(set.dir, false)}`);
    lines.push(`    tool: ${yamlScalar(set.tool, false)}`);
    lines.push(`    heads: ${yamlList(set.heads)}`);
    lines.push(`    chain: ${yamlScalar(set.chain, false)}`);
    if (set.migrations.length === 0) lines.push('    migrations: []');
    else {
      lines.push('    migrations:');
      for (const entry of set.migrations) lines.push(`      - ${entryLine(entry)}`);
    }
  }
  const setAmendments = lock.setAmendments ?? [];
  if (lock.amendments.length === 0 && setAmendments.length === 0) lines.push('amendments: []');
  else {
    lines.push('amendments:');
    for (const amendment of lock.amendments) lines.push(`  - ${amendmentLine(amendment)}`);
    for (const amendment of setAmendments) lines.push(`  - ${setAmendmentLine(amendment)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Each entry key's value as written, or undefined when the entry has none. */
const ENTRY_VALUE: { [key in (typeof ENTRY_KEYS)[number]]: (entry: LockEntry) => string | undefined } = {
  id: (entry) => yamlScalar(entry.id),
  file: (entry) => yamlScalar(entry.file),
  parents: (entry) => (entry.parents ? yamlList(entry.parents) : undefined),
  sha256: (entry) => yamlScalar(entry.sha256),
  semantic: (entry) => (entry.semantic !== undefined ? yamlScalar(entry.semantic) : undefined),
  down: (entry) => (entry.down !== undefined ? yamlScalar(entry.down) : undefined),
  down_sha256: (entry) => (entry.down_sha256 !== undefined ? yamlScalar(entry.down_sha256) : undefined),
  down_semantic: (entry) => (entry.down_semantic !== undefined ? yamlScalar(entry.down_semantic) : undefined),
  branch_labels: (entry) => (entry.branch_labels ? yamlList(entry.branch_labels) : undefined),
  depends_on: (entry) => (entry.depends_on ? yamlList(entry.depends_on) : undefined),
  repeatable: (entry) => (entry.repeatable ? 'true' : undefined),
};

/** One migration's line: `{id: ..., file: ..., sha256: ...}`, keys in ENTRY_KEYS order. */
export function entryLine(entry: LockEntry): string {
  const fields: string[] = [];
  for (const key of ENTRY_KEYS) {
    const value = ENTRY_VALUE[key](entry);
    if (value !== undefined) fields.push(`${key}: ${value}`);
  }
  return `{${fields.join(', ')}}`;
}

function amendmentLine(amendment: Amendment): string {
  const fields = FILE_AMENDMENT_KEYS.map(
    (key) => `${key}: ${yamlScalar(amendment[key])}`,
  );
  return `{${fields.join(', ')}}`;
}

/** `{set, change, from?, to?, chain, reason, by, at}`: the key order the canonical reader expects. */
function setAmendmentLine(amendment: SetAmendment): string {
  const fields = SET_AMENDMENT_KEYS
    .filter((key) => amendment[key] !== undefined)
    .map((key) => `${key}: ${yamlScalar(amendment[key]!)}`);
  return `{${fields.join(', ')}}`;
}
