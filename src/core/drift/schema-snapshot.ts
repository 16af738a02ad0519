import { createHash } from 'node:crypto';

/**
 * What guard knows of a live PostgreSQL schema: every object a migration can
 * create, by kind and name, with the attributes that define it, as plain
 * text. No OIDs, no column positions, no creation order, no sizes: two
 * databases built by the same migrations have equal snapshots.
 *
 * @example
 * { kind: 'column', name: 'public.orders.total', attributes: { type: 'numeric(10,2)', 'not null': 'yes' } }
 */
export interface SchemaObject {
  kind: ObjectKind;
  /** Qualified: `public`, `public.orders`, `public.orders.total`, `public.add(integer, integer)`, `pgcrypto`. */
  name: string;
  /**
   * Where the object lives, for the config's `drift.exclude` patterns: the
   * qualified table of a column, constraint, index, trigger or policy; the
   * object's own qualified name otherwise (for an extension, the schema it
   * is installed in and its name).
   */
  scope: string;
  /** Absent attributes are "none" (no default, no collation of its own). */
  attributes: Record<string, string>;
}

export const OBJECT_KINDS = [
  'schema',
  'extension',
  'type',
  'sequence',
  'table',
  'column',
  'constraint',
  'index',
  'view',
  'materialized view',
  'function',
  'procedure',
  'aggregate',
  'trigger',
  'rule',
  'policy',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** Attributes that only matter when the config asks for privileges (`drift.privileges: true`). */
export const PRIVILEGE_ATTRIBUTES = ['owner', 'privileges'] as const;

export interface SchemaSnapshot {
  /** Bumped when what a snapshot holds changes, so old ledger rows are read for what they are. */
  format: typeof SNAPSHOT_FORMAT;
  /** `server_version_num` of the database it was read from (for messages: parity across major versions). */
  serverVersion: number;
  /** Sorted by kind order, then name: the canonical order. */
  objects: SchemaObject[];
}

export const SNAPSHOT_FORMAT = 1;

/** A snapshot with the objects in canonical order and each attribute map's keys sorted. */
export function canonicalSnapshot(serverVersion: number, objects: readonly SchemaObject[]): SchemaSnapshot {
  const rank = new Map<string, number>(OBJECT_KINDS.map((kind, i) => [kind, i]));
  const sorted = [...objects]
    .map((object) => ({ ...object, attributes: Object.fromEntries(Object.entries(object.attributes).sort(([a], [b]) => compare(a, b))) }))
    .sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)! || compare(a.name, b.name));
  return { format: SNAPSHOT_FORMAT, serverVersion, objects: sorted };
}

/**
 * The fingerprint of a snapshot: `sha256:` and the hex digest of its objects
 * (kind, name, attributes) in canonical order. The server version is left
 * out, so one schema on PostgreSQL 15 and 18 can have one fingerprint.
 * Everything is in: privileges and objects the config excludes are filtered
 * when two snapshots are compared, so a change of those settings never makes
 * an old fingerprint wrong.
 */
export function schemaFingerprint(snapshot: SchemaSnapshot): string {
  const digest = createHash('sha256').update(`guard schema ${snapshot.format}\n`);
  for (const object of snapshot.objects) {
    digest.update(JSON.stringify([object.kind, object.name, object.scope, Object.entries(object.attributes)]));
    digest.update('\n');
  }
  return `sha256:${digest.digest('hex')}`;
}

/** Code-point order, the same on every machine (localeCompare is not). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
