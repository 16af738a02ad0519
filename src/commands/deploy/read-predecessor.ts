import { ExitCode } from '../../core/exit-codes.js';
import { GuardError } from '../../core/guard-error.js';
import { checkPredecessor } from '../../core/deploy/check-predecessor.js';
import { redactError } from '../../core/deploy/redact-url.js';
import type { ResolvedEnvironment } from '../../core/deploy/resolve-environment.js';
import type { AppliedState, Decision } from '../../core/deploy/types.js';
import type { Lockfile } from '../../core/lockfile/types.js';
import { readEnvironmentState, type TableLocations } from '../../shell/environment-state.js';
import { connect, disconnect } from '../../shell/postgres/connect.js';
import { readDeploys, type LedgerRow } from '../../shell/postgres/deployments.js';

/** How the predecessor is reached, when it can be. */
export type PredecessorConnection = Extract<NonNullable<ResolvedEnvironment['predecessorConnection']>, { ok: true }>;

/** What deploy step 2 read of the predecessor, and decided. */
export interface PredecessorReading {
  /** `checkPredecessor`'s decision; `predecessor-unread` (exit 3) when the predecessor could not be read. */
  decision: Decision;
  /**
   * The predecessor's schema at this chain, when the check passed and every
   * set's last deploy there recorded the same fingerprint: parity compares
   * ENV's new schema with it after step 7.
   */
  schema?: { fingerprint: string; connection: PredecessorConnection };
}

/**
 * Deploy step 2's facts: the predecessor's ledger (its last successful
 * deploy of each set) and, when its database is reachable, what its
 * migration tool's table says; then `checkPredecessor` on them. A
 * predecessor that cannot be read is not an error here: it is the
 * `predecessor-unread` refusal (exit 3), which `--unchecked-predecessor` may
 * let through (README, "Deploying").
 *
 * @param urls the target's URLs, redacted from any error as well as the predecessor's
 * @param tables where the config's `table:` says each set's tool keeps its table
 */
export async function readPredecessor(resolved: ResolvedEnvironment & { predecessor: NonNullable<ResolvedEnvironment['predecessor']> }, lock: Lockfile, urls: readonly string[], tables: TableLocations): Promise<PredecessorReading> {
  const name = resolved.environment.name;
  const predecessorConfig = resolved.predecessor;
  const predecessor = predecessorConfig.name;
  try {
    const connection = resolved.predecessorConnection;
    if (!connection || !connection.ok) throw connection?.error ?? new GuardError(ExitCode.unreadable, `cannot read ${predecessor}`, { fix: `set its database variable` });
    const predecessorUrls = [connection.urls.databaseUrl, connection.urls.ledgerUrl].filter(Boolean);
    const applicationName = `guard check ${predecessor} for ${name}`;
    const predecessorLedger = await connect(connection.urls.ledgerUrl, { applicationName, role: connection.ledgerOnly ? 'ledger' : 'target', source: connection.ledgerOnly ? predecessorConfig.ledger : predecessorConfig.database });
    let predecessorDb: Awaited<ReturnType<typeof connect>> | undefined;
    try {
      let deploys: Map<string, LedgerRow | undefined>;
      let applied: Map<string, AppliedState> | undefined;
      if (connection.ledgerOnly) {
        const rows = await readDeploys(predecessorLedger, predecessor);
        deploys = new Map(lock.sets.map((set) => [set.dir, rows.find((row) => row.migrationSet === set.dir)?.lastSuccessful]));
      } else {
        predecessorDb = connection.urls.databaseUrl === connection.urls.ledgerUrl ? predecessorLedger : await connect(connection.urls.databaseUrl, { applicationName, source: predecessorConfig.database });
        const state = await readEnvironmentState(predecessor, lock, predecessorDb, predecessorLedger, tables);
        deploys = new Map([...state.deploys].map(([dir, rows]) => [dir, rows?.lastSuccessful]));
        applied = state.applied;
      }
      const decision = checkPredecessor({ environment: name, predecessor, lockSets: lock.sets, predecessorDeploys: deploys, ...(applied ? { predecessorApplied: applied } : {}) });
      // When the check passes, each set's last deploy there is at this chain, so their fingerprint (one per deploy) is the predecessor's schema at this chain.
      const fingerprints = new Set([...deploys.values()].map((row) => row?.schemaFingerprint));
      const [only] = fingerprints;
      return decision.ok && fingerprints.size === 1 && only ? { decision, schema: { fingerprint: only, connection } } : { decision };
    } catch (error) {
      throw redactError(error, [...urls, ...predecessorUrls]);
    } finally {
      await disconnect(predecessorLedger);
      if (predecessorDb && predecessorDb !== predecessorLedger) await disconnect(predecessorDb);
    }
  } catch (error) {
    if (!(error instanceof GuardError) || error.exitCode !== ExitCode.unreadable) throw error;
    return { decision: { ok: false, code: 'predecessor-unread', exitCode: 3, message: error.message, fix: error.fix ?? `make ${predecessor} readable from here and retry` } };
  }
}
