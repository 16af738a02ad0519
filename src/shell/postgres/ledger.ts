// guard's ledger: schema `guard` in an environment's database (or in the
// database its `ledger:` names), created and upgraded by guard's own
// migrations (src/ledger/migrations/, locked in checksums.lock.yaml, and
// embedded in the build by scripts/embed-ledger-sql.mjs). Its rows are read
// and written by ./deployments.ts (one per deploy of a set) and
// ./schema-snapshots.ts (what each deploy left).
import type pg from 'pg';
import { contentChecksum } from '../../core/checksum.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';
import { queryError } from './connect.js';
import { LEDGER_MIGRATION_FILES } from './ledger-migrations.generated.js';

/**
 * Key of the advisory lock that serialises ledger upgrades
 * (several environments may share one ledger database). ASCII "guardLdg".
 */
export const LEDGER_LOCK_KEY = 0x6775_6172_644c_6467n;

export interface LedgerMigrationFile {
  /** `001` for `001_guard_ledger.sql`. */
  version: string;
  file: string;
  sql: string;
  /** Content checksum (`sha256-lf/1`, as in checksums.lock.yaml), hex: a CRLF checkout is not a change. */
  sha256: string;
}

/**
 * guard's ledger migrations in version order, as this build ships them:
 * their text is part of the code (no file is looked for at run time), so the
 * bundle works wherever it is copied and a missing or edited file beside it
 * changes nothing.
 */
export function readLedgerMigrations(): LedgerMigrationFile[] {
  return LEDGER_MIGRATION_FILES.map(({ file, sql }) => ({
    version: file.slice(0, file.indexOf('_')),
    file,
    sql,
    sha256: contentChecksum(Buffer.from(sql, 'utf8')),
  }));
}

interface AppliedRow {
  version: string;
  sha256: string;
}

/**
 * Creates or upgrades the ledger: applies guard's migrations that the
 * database lacks, in version order, in one transaction, under the session
 * advisory lock `LEDGER_LOCK_KEY` (taken before the transaction begins, so the
 * transaction sees what an upgrade it waited for committed), each recorded in
 * `guard.schema_migrations (version, sha256)`. Idempotent; an up-to-date
 * ledger costs two round trips and takes no lock.
 *
 * Refuses (exit 3) when a version applied there differs from the file this
 * guard ships (someone changed the ledger's migrations), or when the ledger
 * has versions this guard does not know (a newer guard upgraded it).
 * Returns the versions it applied.
 */
export async function ensureLedger(client: pg.Client, migrations: readonly LedgerMigrationFile[] = readLedgerMigrations()): Promise<string[]> {
  try {
    const before = await readApplied(client);
    if (before && pending(before, migrations).length === 0) return [];
    // The lock is taken before the transaction starts, not inside it
    // (pg_advisory_xact_lock): a transaction that began before another
    // session's upgrade committed keeps a stale catalog cache (taking an
    // advisory lock does not process invalidations), so it would not see
    // schema guard appear and would apply 001 a second time.
    await client.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [LEDGER_LOCK_KEY.toString()]);
    try {
      await client.query('BEGIN');
      try {
        const applied = (await readApplied(client)) ?? [];
        const missing = pending(applied, migrations);
        for (const migration of missing) {
          await client.query(migration.sql);
          await client.query('INSERT INTO guard.schema_migrations (version, sha256) VALUES ($1, $2)', [migration.version, migration.sha256]);
        }
        await client.query('COMMIT');
        return missing.map((migration) => migration.version);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      await client.query('SELECT pg_catalog.pg_advisory_unlock($1::bigint)', [LEDGER_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } catch (error) {
    throw queryError(error, "cannot create or upgrade guard's ledger (schema guard)", [], 'check that the ledger database is reachable and that its user may create schema guard (or that it exists), then retry');
  }
}

/** What `guard.schema_migrations` holds; undefined when the table does not exist. */
async function readApplied(client: pg.Client): Promise<AppliedRow[] | undefined> {
  const exists = await client.query<{ present: boolean }>("SELECT pg_catalog.to_regclass('guard.schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return undefined;
  return (await client.query<AppliedRow>('SELECT version, sha256 FROM guard.schema_migrations ORDER BY version')).rows;
}

/** The shipped migrations not yet applied; refuses a ledger that differs from them. */
function pending(applied: readonly AppliedRow[], shipped: readonly LedgerMigrationFile[]): LedgerMigrationFile[] {
  const byVersion = new Map(shipped.map((migration) => [migration.version, migration]));
  for (const row of applied) {
    const ours = byVersion.get(row.version);
    if (!ours) {
      throw new GuardError(ExitCode.unreadable, `guard's ledger has migration ${row.version}, which this guard does not know: a newer guard upgraded it`, {
        fix: 'run the guard version that upgraded the ledger (or a newer one) against this environment',
      });
    }
    if (ours.sha256 !== row.sha256) {
      throw new GuardError(
        ExitCode.unreadable,
        `guard's ledger was changed: its migration ${row.version} was applied with sha256 ${row.sha256}, but this guard ships ${ours.file} with sha256 ${ours.sha256}`,
        { fix: "guard's ledger migrations must never be edited: use the guard release that created this ledger, or restore schema guard from a backup" },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  return shipped.filter((migration) => !done.has(migration.version));
}
