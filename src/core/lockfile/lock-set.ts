import type { DiscoveredSet, Migration } from '../migrations/types.js';
import { chainDigest } from './chain-digest.js';
import type { LockEntry, LockSet } from './types.js';

/** The lockfile set that describes what discovery found, in apply order. */
export function toLockSet(dir: string, discovered: DiscoveredSet): LockSet {
  const migrations = toLockEntries(discovered);
  return {
    dir,
    tool: discovered.tool,
    heads: [...discovered.heads],
    chain: chainDigest(discovered.tool, migrations),
    migrations,
  };
}

/** The lockfile entries of what discovery found, in apply order, without the chain digest over them. */
export function toLockEntries(discovered: DiscoveredSet): LockEntry[] {
  return discovered.migrations.map((migration) => toLockEntry(discovered.tool, migration));
}

export function toLockEntry(tool: string, migration: Migration): LockEntry {
  const entry: LockEntry = { id: migration.id, file: migration.file, sha256: migration.sha256 };
  if (migration.semantic !== undefined) entry.semantic = migration.semantic;
  // Tools that order by parents always write the list, `[]` for a base.
  if (tool === 'alembic') entry.parents = [...migration.parents];
  if (migration.down) {
    entry.down = migration.down.file;
    entry.down_sha256 = migration.down.sha256;
    if (migration.down.semantic !== undefined) entry.down_semantic = migration.down.semantic;
  }
  if (migration.branchLabels) entry.branch_labels = [...migration.branchLabels];
  if (migration.dependsOn) entry.depends_on = [...migration.dependsOn];
  if (migration.repeatable) entry.repeatable = true;
  return entry;
}

/**
 * Whether two entries lock the same thing: the same lockfile line, compared
 * field by field whatever order the objects hold their keys in. An absent
 * list differs from an empty one (`parents: []` is written, an absent
 * `parents` is not); `repeatable: false` is the same as none.
 */
export function sameEntry(a: LockEntry, b: LockEntry): boolean {
  return (
    a.id === b.id &&
    a.file === b.file &&
    a.sha256 === b.sha256 &&
    a.semantic === b.semantic &&
    a.down === b.down &&
    a.down_sha256 === b.down_sha256 &&
    a.down_semantic === b.down_semantic &&
    !a.repeatable === !b.repeatable &&
    sameList(a.parents, b.parents) &&
    sameList(a.branch_labels, b.branch_labels) &&
    sameList(a.depends_on, b.depends_on)
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
