import type { ToolChecksum } from '../migrations/applied-table.js';
import type { LockEntry } from '../lockfile/types.js';
import type { Tool } from '../migrations/types.js';

/**
 * Plain data shared by the deploy gate's decisions. The shell reads the
 * ledger (`guard.deployments`) and the tool's own table into these shapes;
 * the functions under `src/core/deploy/` decide on them without a database.
 */

/**
 * One migration as a ledger row recorded it: the lockfile's entry, every
 * field (so that the row's chain digest can be recomputed from the row
 * alone). Rows written by guard before it kept every field hold only `id`,
 * `file` (relative to the set's dir) and `sha256` (hex; a `sha256:` prefix
 * is tolerated).
 */
export type LedgerMigration = LockEntry;

export const DEPLOY_STATUSES = ['running', 'succeeded', 'failed', 'recorded', 'settled'] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

/**
 * Statuses whose row describes what the database holds: a deploy that
 * finished, and a deploy another tool ran that `guard record` checked
 * against the database. `running` and `failed` rows say what was attempted;
 * a `settled` row is a crashed deploy someone chose to move past, which may
 * have applied any part of its migrations, so it never vouches for a head
 * (a predecessor check must not pass on it).
 */
export const SUCCESSFUL_STATUSES: readonly DeployStatus[] = ['succeeded', 'recorded'];

/** Whether a ledger row describes what its environment's database holds. */
export function isSuccessful(deploy: Pick<LedgerDeploy, 'status'>): boolean {
  return SUCCESSFUL_STATUSES.includes(deploy.status);
}

/** One row of `guard.deployments` (one migration set of one deploy). */
export interface LedgerDeploy {
  id: number;
  environment: string;
  status: DeployStatus;
  /** The set's dir (`db/versions`). */
  migrationSet: string;
  tool: Tool;
  heads: string[];
  /** `sha256:<hex>` chain digest of `migrations`. */
  chain: string;
  /** In apply order, as the lockfile had them. */
  migrations: LedgerMigration[];
  commit: string | null;
  actor: string;
  host: string;
  command: string | null;
  forced: boolean;
  reason: string | null;
  /**
   * Set when the deploy went ahead without the predecessor check
   * (`--unchecked-predecessor`): the predecessor and why it could not be
   * read. The reason is in `reason`.
   */
  uncheckedPredecessor: string | null;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601; null while `running`. */
  finishedAt: string | null;
}

/** What the migration tool's own table (`alembic_version`, `flyway_schema_history`, guard's SQL ledger) says. */
export interface AppliedState {
  tool: Tool;
  /** Applied heads; empty for a database the tool never migrated. */
  heads: string[];
  /**
   * Versions in apply order where the tool's table records them (flyway:
   * successful versioned rows; sql: guard's ledger); undefined for alembic,
   * whose table holds only the heads.
   */
  applied?: string[];
  /** Where it was read, for messages (`alembic_version`, `public.flyway_schema_history`); a default per tool when absent. */
  table?: string;
  /**
   * The content each applied migration had, where the tool's own table
   * keeps it per migration (guard's runner for plain SQL:
   * `guard.sql_migrations`, written in each migration's transaction). Step 4
   * then judges edits by it, and does not compare the table with guard's
   * ledger: the table is guard's own record, and a deploy that failed part
   * way leaves the two apart by design.
   */
  appliedContent?: AppliedContent[];
  /**
   * Migrations whose last attempt failed or never finished: guard's runner
   * outside a transaction (`-- guard:no-transaction`), or a tool that records
   * attempts (Prisma): part of each may be applied.
   */
  unfinished?: UnfinishedMigration[];
  /**
   * The SHA-256 of each applied migration as the tool itself recorded it
   * (Prisma's `checksum`, Drizzle's `hash`), where the tool keeps one: step 4 names a migration
   * edited after it ran even when guard's ledger never saw it run.
   */
  toolChecksums?: ToolChecksum[];
}

export interface AppliedContent {
  id: string;
  /** Relative to the set's dir. */
  file: string;
  /** Hex content checksum. */
  sha256: string;
}

export interface UnfinishedMigration {
  id: string;
  file: string;
  /** `failed`: PostgreSQL raised `error`; `running`: guard was stopped in the middle. */
  status: 'failed' | 'running';
  error?: string;
  /** 1-based line of the file where it failed. */
  line?: number;
  /** ISO 8601: when the attempt started. */
  at: string;
  /** The tool that ran it, when not guard's runner (`Prisma`). */
  runner?: string;
  /** The tool's own way out (`prisma migrate resolve ...`), when not guard's runner. */
  fix?: string;
}

/** A refusal: the gate stops, with the exit code, what is wrong and what to do. */
export interface Refusal {
  ok: false;
  /** Stable, for `--format json` and tests. */
  code: RefusalCode;
  /** 1: a rule is broken. 3: something could not be read (fail closed). */
  exitCode: 1 | 3;
  /** Names the environment, what it has and what is being deployed; may span lines (one per set). */
  message: string;
  fix: string;
}

export type RefusalCode =
  | 'predecessor-mismatch'
  | 'predecessor-unread'
  | 'running-deploy'
  | 'not-at-head'
  | 'target-integrity'
  | 'schema-drift'
  | 'schema-parity'
  /** A ledger row whose migrations do not produce its chain digest (changed after guard wrote it, or corrupt). */
  | 'ledger-untrusted'
  /** guard's runner for plain SQL stopped at a migration PostgreSQL refused. */
  | 'migration-failed';

/**
 * The outcome of one gate step. `{ ok: true }` lets the deploy go on;
 * a refusal stops it unless `--force --reason` overrides (the shell decides
 * which refusals force may override and records the override).
 */
export type Decision = { ok: true } | Refusal;

/** An environment, by name or as the config has it. */
export type Named = string | { name: string };

export function nameOf(named: Named): string {
  return typeof named === 'string' ? named : named.name;
}
