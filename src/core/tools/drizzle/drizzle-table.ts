import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';

/** One row of `drizzle.__drizzle_migrations` as the reader selects it. */
export interface DrizzleRecord {
  /** SERIAL: the order rows were written in. */
  id: number;
  /** SHA-256 (hex) of the migration file's text, as the migrator read it. */
  hash: string;
  /** The journal entry's `when` (bigint, read as text); null in a row written by hand without it. */
  created_at: string | number | null;
}

/**
 * drizzle-orm's table for PostgreSQL, as pg-core's `PgDialect.migrate`
 * creates it: `drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash
 * text NOT NULL, created_at bigint)`. The migrator writes one row per
 * migration it runs, with the SHA-256 of the file's text and the journal's
 * `when`, all in one transaction: a failed run leaves no row, so there is
 * no failed or unfinished state to read. It decides what is pending by the
 * newest `created_at` alone and never compares `hash`; guard does (step 4).
 * `migrations.table` and `migrations.schema` of drizzle.config.ts (the
 * migrator's `migrationsTable`, `migrationsSchema`) move it.
 */
export const DRIZZLE_MIGRATIONS_TABLE: AppliedTable<DrizzleRecord> = {
  table: '__drizzle_migrations',
  schema: 'drizzle',
  renamedBy: ['migrations.table', 'migrations.schema'],
  columns: { id: 'created_at', checksum: 'hash' },
  orderBy: 'id',
  noRows: 'nothing applied',
  replay: (rows) => replayDrizzleMigrations(rows),
};

/** The id of a row without `created_at`. */
export const NULL_WHEN = 'created_at NULL';

/**
 * Pure: the applied migrations, by their `when` (guard's id of a Drizzle
 * migration), in the order the rows were written; the head is the newest
 * `when`, the one the migrator compares each entry with; and the hash each
 * was run with. A `when` written twice (a row copied by hand) counts once,
 * with its first hash.
 */
export function replayDrizzleMigrations(rows: readonly DrizzleRecord[]): AppliedTableState {
  const hashes = new Map<string, string>();
  for (const row of rows) {
    // PostgreSQL sorts NULL first in the migrator's `ORDER BY created_at DESC`: it then reruns every migration, so it is an id no journal has.
    const when = row.created_at === null ? NULL_WHEN : String(row.created_at);
    if (!hashes.has(when)) hashes.set(when, row.hash);
  }
  const applied = [...hashes.keys()];
  const newest = applied.filter((when) => /^\d+$/.test(when)).reduce<string | undefined>((top, when) => (top === undefined || BigInt(when) > BigInt(top) ? when : top), undefined);
  return {
    tool: 'drizzle',
    heads: newest === undefined ? [] : [newest],
    applied,
    toolChecksums: [...hashes].map(([id, sha256]) => ({ id, sha256 })),
  };
}
