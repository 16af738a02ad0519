import type { Amendment, LockEntry, Lockfile, SetAmendment } from './types.js';
import { yamlList, yamlScalar } from './yaml-scalar.js';

export const LOCKFILE_HEADER = '# Written by `guard lock`. Review changes like code; do not edit by hand.';

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

export function entryLine(entry: LockEntry): string {
  const fields = [`id: ${yamlScalar(entry.id)}`, `file: ${yamlScalar(entry.file)}`];
  if (entry.parents) fields.push(`parents: ${yamlList(entry.parents)}`);
  fields.push(`sha256: ${yamlScalar(entry.sha256)}`);
  if (entry.down !== undefined) fields.push(`down: ${yamlScalar(entry.down)}`);
  if (entry.down_sha256 !== undefined) fields.push(`down_sha256: ${yamlScalar(entry.down_sha256)}`);
  if (entry.branch_labels) fields.push(`branch_labels: ${yamlList(entry.branch_labels)}`);
  if (entry.depends_on) fields.push(`depends_on: ${yamlList(entry.depends_on)}`);
  if (entry.repeatable) fields.push('repeatable: true');
  return `{${fields.join(', ')}}`;
}

function amendmentLine(amendment: Amendment): string {
  const fields = (['file', 'from', 'to', 'reason', 'by', 'at'] as const).map(
    (key) => `${key}: ${yamlScalar(amendment[key])}`,
  );
  return `{${fields.join(', ')}}`;
}

/** `{set, change, from?, to?, chain, reason, by, at}`: the key order the canonical reader expects. */
function setAmendmentLine(amendment: SetAmendment): string {
  const fields = (['set', 'change', 'from', 'to', 'chain', 'reason', 'by', 'at'] as const)
    .filter((key) => amendment[key] !== undefined)
    .map((key) => `${key}: ${yamlScalar(amendment[key]!)}`);
  return `{${fields.join(', ')}}`;
}
