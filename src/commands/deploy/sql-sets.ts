import type pg from 'pg';
import { contentChecksum, normaliseContent } from '../../core/checksum.js';
import type { MigrationSetConfig } from '../../core/config/validate-config.js';
import { migrationsToAdopt } from '../../core/deploy/choose-runner.js';
import type { ResolvedEnvironment } from '../../core/deploy/resolve-environment.js';
import type { AppliedState } from '../../core/deploy/types.js';
import { ExitCode } from '../../core/exit-codes.js';
import { GuardError, inputError } from '../../core/guard-error.js';
import { LOCKFILE_NAME, type LockEntry, type LockSet } from '../../core/lockfile/types.js';
import { decodeUtf8Text } from '../../core/migrations/decode-text.js';
import { readSqlScript } from '../../core/tools/sql/sql-script.js';
import { joinPath } from '../../core/paths.js';
import { listSets } from '../../shell/discover-sets.js';
import { readBlobs } from '../../shell/git/read-blobs.js';
import { ensureSqlRunnerTable, runSqlMigrations, type SqlRunFailure, type SqlRunMigration } from '../../shell/postgres/sql-runner.js';

/**
 * The pending migrations of plain SQL sets as the deployed commit holds them
 * (listed as every gate lists them, a symlink read through its link; one
 * `git cat-file --batch`), checked against the lockfile's checksums and read
 * for the runner as they were sealed: the checksum's normal form (no
 * byte-order mark, LF line ends) is what runs, so a file turned to CRLF on a
 * branch, which the gates rightly let through, runs as the same SQL. A
 * script the runner cannot run (a psql meta-command, a COMMIT in a
 * transactional migration, CREATE INDEX CONCURRENTLY without the marker)
 * stops the deploy here, before anything runs.
 *
 * @returns the scripts by repository-relative path
 * @throws GuardError exit 2 naming the file and line
 */
export async function readPendingScripts(
  root: string,
  commit: string,
  configured: readonly MigrationSetConfig[],
  sets: readonly LockSet[],
  pending: ReadonlyMap<string, readonly LockEntry[]>,
): Promise<Map<string, SqlRunMigration>> {
  const wanted = sets.flatMap((set) => (pending.get(set.dir) ?? []).map((entry) => ({ set, entry, path: joinPath(set.dir, entry.file) })));
  if (wanted.length === 0) return new Map();
  const listing = await listSets(root, configured.filter((set) => wanted.some((item) => item.set.dir === set.dir)), { kind: 'revision', rev: commit });
  const blobOf = new Map<string, string>();
  for (const set of (await listing.sets()).values()) for (const file of set.files) if (file.oid) blobOf.set(file.full, file.oid);
  const blobs = await readBlobs(root, [...new Set(wanted.flatMap((item) => blobOf.get(item.path) ?? []))]);
  const scripts = new Map<string, SqlRunMigration>();
  for (const { entry, path } of wanted) {
    const oid = blobOf.get(path);
    const bytes = oid === undefined ? undefined : blobs.get(oid);
    if (!bytes) throw new GuardError(ExitCode.unreadable, `${path} is in ${LOCKFILE_NAME} but commit ${commit.slice(0, 12)} does not hold it as a file`, { fix: 'run guard verify: the lockfile and the migrations disagree' });
    if (contentChecksum(bytes) !== entry.sha256.replace(/^sha256:/, '')) {
      throw new GuardError(ExitCode.refused, `${path} at ${commit.slice(0, 12)} does not match its checksum in ${LOCKFILE_NAME}`, { fix: 'run guard verify and fix what it reports before deploying' });
    }
    const decoded = decodeUtf8Text(path, normaliseContent(bytes));
    if ('problem' in decoded) throw inputError(decoded.problem, { fix: 'save it as UTF-8: guard sends SQL to PostgreSQL as UTF-8', location: { file: path, line: decoded.line } });
    const script = readSqlScript(decoded.text);
    const [problem] = script.problems;
    if (problem) {
      throw inputError(`${path} line ${problem.line}: ${problem.message}`, { fix: problem.fix, location: { file: path, line: problem.line } });
    }
    scripts.set(path, { id: entry.id, file: entry.file, path, sha256: entry.sha256, script });
  }
  return scripts;
}

/**
 * Deploy step 6 without a command: guard's runner over every set's pending
 * migrations, in lockfile order, each set on a session named `sessionName`;
 * the first failure stops it. A set a command deployed before first adopts
 * what guard's ledger vouched for into the runner's table.
 *
 * @returns the first failure, or undefined when everything pending applied
 */
export async function runSqlSets(run: {
  database: pg.Client;
  resolved: ResolvedEnvironment;
  sets: readonly LockSet[];
  appliedBefore: ReadonlyMap<string, AppliedState>;
  pending: ReadonlyMap<string, readonly LockEntry[]>;
  scripts: ReadonlyMap<string, SqlRunMigration>;
  sessionName: string;
  deployId: number;
  onApplied(migration: SqlRunMigration, milliseconds: number): void;
}): Promise<SqlRunFailure | undefined> {
  await ensureSqlRunnerTable(run.database);
  for (const set of run.sets) {
    const migrations = (run.pending.get(set.dir) ?? []).map((entry) => run.scripts.get(joinPath(set.dir, entry.file))!);
    const adopt = migrationsToAdopt(set.migrations, run.appliedBefore.get(set.dir));
    if (migrations.length === 0 && adopt.length === 0) continue;
    const result = await runSqlMigrations({
      databaseUrl: run.resolved.databaseUrl,
      sessionName: run.sessionName,
      settings: run.resolved.environment.settings,
      set: set.dir,
      deployId: run.deployId,
      migrations,
      adopt,
      source: run.resolved.environment.database,
      onApplied: run.onApplied,
    });
    if (result.failure) return result.failure;
  }
  return undefined;
}
