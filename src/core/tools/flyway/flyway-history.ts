import type { AppliedTable, AppliedTableState } from '../../migrations/applied-table.js';
import { compareKeys } from '../../migrations/version-order.js';

/** One row of `flyway_schema_history` as the reader selects it. */
export interface FlywayRecord {
  installed_rank: number;
  version: string | null;
  description: string | null;
  type: string;
  script: string;
  checksum: number | null;
  success: boolean;
}

/** One row of `flyway_schema_history` that counts: a successful versioned migration or baseline still applied. */
export interface FlywayApplied {
  installedRank: number;
  version: string;
  description: string;
  /** `SQL`, `JDBC`, `BASELINE`, `SQL_BASELINE`, ... */
  type: string;
  script: string;
  /** Flyway's own checksum (CRC32 of the script's lines), null for baselines. */
  checksum: number | null;
}

export interface FlywayState extends AppliedTableState {
  tool: 'flyway';
  /** The highest applied version (Flyway's "current version"), or none. */
  heads: string[];
  /** Applied versions in installed_rank order. */
  applied: string[];
  history: FlywayApplied[];
  /** Versions whose latest attempt failed (`success = false`): Flyway refuses to migrate until `flyway repair`. */
  failed: string[];
  /** Repeatable migrations (no version): script -> Flyway checksum of the latest successful run. */
  repeatable: Record<string, number | null>;
}

/**
 * `flyway_schema_history`, one row per attempt in `installed_rank` order
 * (columns as Flyway creates the table: installed_rank, version,
 * description, type, script, checksum, installed_by, installed_on,
 * execution_time, success). The project may rename it (`table`) or move it
 * (`defaultSchema`, the first of `schemas`).
 */
export const FLYWAY_SCHEMA_HISTORY: AppliedTable<FlywayRecord> = {
  table: 'flyway_schema_history',
  renamedBy: ['table', 'defaultSchema', 'schemas'],
  columns: { id: 'version', checksum: 'checksum', success: 'success', other: ['installed_rank', 'description', 'type', 'script'] },
  orderBy: 'installed_rank',
  noRows: 'nothing applied',
  replay: (rows) => replayFlywayHistory(rows),
};

/**
 * Pure: the state a Flyway history describes, replayed in installed_rank
 * order: a successful versioned row (`SQL`, `JDBC`, `SCRIPT`, `CUSTOM`) or a
 * baseline (`BASELINE`, `*_BASELINE`) applies its version; an `UNDO_*` row
 * undoes it; a `DELETE` row (written by `flyway repair` for a migration that
 * went missing) removes it; the `SCHEMA` marker and failed rows apply nothing.
 */
export function replayFlywayHistory(rows: readonly FlywayRecord[]): FlywayState {
  const applied = new Map<string, FlywayApplied>();
  const failed = new Map<string, true>();
  const repeatable: Record<string, number | null> = {};
  for (const row of rows) {
    const type = row.type.toUpperCase();
    if (type === 'SCHEMA') continue;
    if (row.version === null) {
      if (row.success && type !== 'DELETE') repeatable[row.script] = row.checksum;
      else if (type === 'DELETE') delete repeatable[row.script];
      continue;
    }
    const key = normalVersion(row.version);
    if (type === 'DELETE' || type.startsWith('UNDO')) {
      if (row.success) {
        applied.delete(key);
        failed.delete(key);
      }
      continue;
    }
    if (!row.success) {
      failed.set(key, true);
      continue;
    }
    failed.delete(key);
    applied.set(key, {
      installedRank: row.installed_rank,
      version: row.version,
      description: row.description ?? '',
      type: row.type,
      script: row.script,
      checksum: row.checksum,
    });
  }
  const history = [...applied.values()].sort((a, b) => a.installedRank - b.installedRank);
  const highest = [...history].sort((a, b) => compareVersions(a.version, b.version)).at(-1);
  return {
    tool: 'flyway',
    heads: highest ? [highest.version] : [],
    applied: history.map((row) => row.version),
    history,
    failed: [...failed.keys()],
    repeatable,
  };
}

/** `1.0` is `1`, `1_1` is `1.1`, `001` is `1`: Flyway's version equality. */
function normalVersion(version: string): string {
  const key = versionKey(version);
  if (!key) return version;
  while (key.length > 1 && key.at(-1) === 0n) key.pop();
  return key.join('.');
}

function versionKey(version: string): bigint[] | undefined {
  if (!/^\d+(?:[._]\d+)*$/.test(version)) return undefined;
  return version.split(/[._]/).map((part) => BigInt(part));
}

function compareVersions(a: string, b: string): number {
  const x = versionKey(a);
  const y = versionKey(b);
  if (x && y) return compareKeys(x, y);
  return a < b ? -1 : a > b ? 1 : 0;
}
