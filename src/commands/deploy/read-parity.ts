import type { DriftSettings } from '../../core/drift/diff-schemas.js';
import { diffSchemas } from '../../core/drift/diff-schemas.js';
import type { ParityReading } from '../../core/deploy/deploy-steps.js';
import { redactError } from '../../core/deploy/redact-url.js';
import type { EnvironmentConfig } from '../../core/config/validate-config.js';
import type { LiveSchema } from '../../shell/schema-drift.js';
import { connect, disconnect } from '../../shell/postgres/connect.js';
import { loadSchemaSnapshot } from '../../shell/postgres/schema-snapshots.js';
import type { PredecessorConnection } from './read-predecessor.js';

/**
 * Parity's facts, after step 7: ENV's new schema (`ours`, and its snapshot
 * `after`) against the predecessor's recorded at the same chain (step 2's
 * `predecessorSchema`), read from the predecessor's ledger only when the
 * fingerprints differ. The deploy has run: a predecessor that cannot be read
 * now is a reading (`unreadable`), not an error.
 */
export async function readParity(facts: {
  environment: string;
  predecessor: EnvironmentConfig;
  predecessorSchema: { fingerprint: string; connection: PredecessorConnection } | undefined;
  ours: string;
  after: LiveSchema | undefined;
  settings: DriftSettings;
}): Promise<ParityReading> {
  const { predecessorSchema, predecessor } = facts;
  if (!predecessorSchema) return { kind: 'no-fingerprint' };
  if (predecessorSchema.fingerprint === facts.ours) return { kind: 'same-fingerprint' };
  const urls = predecessorSchema.connection.urls;
  let recorded;
  try {
    const theirs = await connect(urls.ledgerUrl, { applicationName: `guard parity ${predecessor.name} for ${facts.environment}`, role: 'ledger', source: predecessorSchema.connection.ledgerOnly ? predecessor.ledger : predecessor.database });
    try {
      recorded = await loadSchemaSnapshot(theirs, predecessorSchema.fingerprint);
    } finally {
      await disconnect(theirs);
    }
  } catch (error) {
    const message = redactError(error, [urls.databaseUrl, urls.ledgerUrl]);
    return { kind: 'unreadable', message: message instanceof Error ? message.message : String(message) };
  }
  if (!recorded || !facts.after) return { kind: 'no-snapshot' };
  return { kind: 'compared', differences: diffSchemas(recorded, facts.after.snapshot, facts.settings) };
}
