import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import type { EnvironmentConfig, GuardConfig } from '../core/config/validate-config.js';
import type { ConnectionUrls } from '../core/deploy/resolve-environment.js';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';
import { parseLockfile } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME, type LockSet, type Lockfile } from '../core/lockfile/types.js';
import { advisoryLockKey } from '../core/deploy/advisory-lock-key.js';
import type { AppliedState } from '../core/deploy/types.js';
import { readLockfileText } from './read-lockfile.js';
import { readAppliedState, readAppliedTable, type TableOptions } from './postgres/applied-state.js';
import { TOOL_BY_NAME } from '../core/tools/registry.js';
import { readDeploys, type NewDeploy, type SetDeploys } from './postgres/deployments.js';
import { git } from './git/run-git.js';

/** The lockfile as committed at HEAD: what a deploy ships is what git holds, never the work tree. */
export async function committedLockfile(root: string): Promise<{ lock: Lockfile; commit: string }> {
  const commit = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!commit) throw new GuardError(ExitCode.input, 'this repository has no commit yet, so there is nothing to deploy', { fix: `commit the migrations and ${LOCKFILE_NAME} first` });
  const text = await readLockfileText(root, { kind: 'revision', rev: commit });
  if (text === undefined) throw new GuardError(ExitCode.input, `HEAD has no ${LOCKFILE_NAME}`, { fix: `run guard lock and commit ${LOCKFILE_NAME}` });
  return { lock: (await parseLockfile(text, `${LOCKFILE_NAME} at HEAD`)).lock, commit };
}

/** Who deploys, for the ledger and for `application_name`: git's user.email, else the login name. */
export async function actorOf(root: string): Promise<{ actor: string; host: string }> {
  const email = await git(root, ['config', '--get', 'user.email']);
  let login = 'unknown';
  try {
    login = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return { actor: email ?? process.env.USER ?? login, host: hostname() };
}

/**
 * The advisory lock key of an environment: the same for every clone of the
 * project (derived from the migration dirs the config names) and different
 * per environment; `guard status --format json` shows it for scripts that
 * take the same lock.
 */
export function deployLockKey(config: GuardConfig, environment: string): bigint {
  return advisoryLockKey(config.migrations.map((set) => set.dir).join('\0'), environment);
}

/** The ledger row of one set's deploy: what the lockfile at `commit` says the set is. */
export function deployRow(
  set: LockSet,
  who: { environment: string; commit: string; actor: string; host: string; command: string | null; reason: string | null; forced?: boolean; uncheckedPredecessor?: string | null },
): NewDeploy {
  return {
    environment: who.environment,
    migrationSet: set.dir,
    tool: set.tool,
    heads: set.heads,
    chain: set.chain,
    // Every field of each entry, so that the row's chain can be recomputed from the row alone.
    migrations: set.migrations.map((entry) => ({ ...entry })),
    commit: who.commit,
    actor: who.actor,
    host: who.host,
    command: who.command,
    forced: who.forced ?? who.reason !== null,
    reason: who.reason,
    uncheckedPredecessor: who.uncheckedPredecessor ?? null,
  };
}

/** An environment's database and the one holding its ledger (the same client when they are one database). */
export interface EnvironmentConnection {
  database: pg.Client;
  ledger: pg.Client;
  /** Closes both, never throwing. */
  close(): Promise<void>;
}

export async function connectEnvironment(environment: EnvironmentConfig, urls: ConnectionUrls, applicationName: string): Promise<EnvironmentConnection> {
  const { connect, disconnect } = await import('./postgres/connect.js');
  const database = await connect(urls.databaseUrl, { applicationName, source: environment.database });
  let ledger = database;
  if (urls.ledgerUrl !== urls.databaseUrl) {
    try {
      ledger = await connect(urls.ledgerUrl, { applicationName, role: 'ledger', source: environment.ledger });
    } catch (error) {
      await disconnect(database);
      throw error;
    }
  }
  return {
    database,
    ledger,
    async close() {
      await disconnect(database);
      if (ledger !== database) await disconnect(ledger);
    },
  };
}

/** Where each set's tool keeps its table, by set dir, when the config's `table:` moved it. */
export type TableLocations = ReadonlyMap<string, TableOptions>;

/** The config's `table:` of each set (README, "Config reference"). */
export function tableLocations(config: Pick<GuardConfig, 'migrations'>): TableLocations {
  return new Map(config.migrations.flatMap((set) => (set.table ? [[set.dir, { table: set.table.name, ...(set.table.schema ? { schema: set.table.schema } : {}) }] as const] : [])));
}

/** What one environment has, read in a constant number of queries whatever its size. */
export interface EnvironmentState {
  /** Per set dir: the ledger's newest and newest successful rows. */
  deploys: Map<string, SetDeploys | undefined>;
  /** Per set dir: what the tool's own table says. */
  applied: Map<string, AppliedState>;
}

/**
 * Reads the ledger (one query) and each set's applied state (one query per
 * set). `ledger` and `database` may be the same client.
 */
export async function readEnvironmentState(environment: string, lock: Lockfile, database: pg.Client, ledger: pg.Client, tables: TableLocations = new Map()): Promise<EnvironmentState> {
  const rows = await readDeploys(ledger, environment);
  const deploys = new Map<string, SetDeploys | undefined>(lock.sets.map((set) => [set.dir, rows.find((row) => row.migrationSet === set.dir)]));
  const applied = new Map<string, AppliedState>();
  for (const set of lock.sets) applied.set(set.dir, await appliedStateOf(set, environment, database, ledger, tables.get(set.dir)));
  return { deploys, applied };
}

/**
 * What `set`'s tool recorded in `database`: its table, read through the
 * tool's description (`readAppliedTable`). A table that is not the record
 * when it has no row of the set (plain SQL, when guard's runner never ran
 * the set there) leaves the record to guard's ledger.
 */
export async function appliedStateOf(set: LockSet, environment: string, database: pg.Client, ledger: pg.Client, table?: TableOptions): Promise<AppliedState> {
  const state = await readAppliedTable(database, TOOL_BY_NAME[set.tool].appliedTable, { ...table, set: set.dir });
  if (state) return state;
  // A database whose ledger lives elsewhere is ephemeral (a CI database built afresh): the ledger's deploys were to another database.
  if (database !== ledger) return { tool: set.tool, heads: [], applied: [], table: `${environment}'s database` };
  return readAppliedState(ledger, { tool: 'sql', environment, migrationSet: set.dir });
}
