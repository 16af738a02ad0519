// Drift of one environment: its live schema against the one guard recorded at
// its last deploy. Three round trips at most, whatever the schema's size: the
// catalogs (one message), the ledger's baseline, and the recorded snapshot
// (only when the fingerprints differ).
import type pg from 'pg';
import { diffSchemas, type DriftSettings, type SchemaDifference } from '../core/drift/diff-schemas.js';
import { schemaFingerprint, type SchemaSnapshot } from '../core/drift/schema-snapshot.js';
import { loadSchemaSnapshot, readSchemaBaseline, saveSchemaSnapshot, type SchemaBaseline } from './postgres/schema-snapshots.js';
import { readSchemaSnapshot } from './postgres/read-schema.js';

export interface LiveSchema {
  snapshot: SchemaSnapshot;
  fingerprint: string;
}

export interface DriftSinceDeploy {
  live: LiveSchema;
  /** Undefined: the environment has no finished deploy in its ledger. */
  baseline: SchemaBaseline | undefined;
  /** What the live schema was compared with, for messages; undefined when it could not be compared. */
  against: string | undefined;
  /** Undefined when there was nothing to compare with (see `note`). */
  differences: SchemaDifference[] | undefined;
  /** Why nothing was compared (no deploy yet, a deploy recorded without a fingerprint), or why the differences say little (a snapshot missing from the ledger). */
  note: string | undefined;
}

export async function readLiveSchema(database: pg.Client, environment: string): Promise<LiveSchema> {
  const snapshot = await readSchemaSnapshot(database, environment);
  return { snapshot, fingerprint: schemaFingerprint(snapshot) };
}

/** Reads the live schema and stores it in the ledger under its fingerprint; returns the fingerprint for the deploy's row. */
export async function recordLiveSchema(database: pg.Client, ledger: pg.Client, environment: string): Promise<LiveSchema> {
  const live = await readLiveSchema(database, environment);
  await saveSchemaSnapshot(ledger, live.fingerprint, live.snapshot);
  return live;
}

export async function driftSinceLastDeploy(database: pg.Client, ledger: pg.Client, environment: string, settings: DriftSettings): Promise<DriftSinceDeploy> {
  const live = await readLiveSchema(database, environment);
  const baseline = await readSchemaBaseline(ledger, environment);
  const none = (note: string): DriftSinceDeploy => ({ live, baseline, against: undefined, differences: undefined, note });
  if (!baseline) return none(`${environment} has no deploy in its ledger yet: nothing to compare (the schema is recorded at its first deploy)`);
  if (!baseline.fingerprint) return none(`${environment}'s last deploy (#${baseline.deployId}) was recorded without a schema fingerprint: nothing to compare until the next deploy records one`);
  const against = describeBaseline(baseline);
  if (baseline.fingerprint === live.fingerprint) return { live, baseline, against, differences: [], note: undefined };
  const recorded = await loadSchemaSnapshot(ledger, baseline.fingerprint);
  if (!recorded) {
    // The fingerprints say the schema changed; without the recorded snapshot guard cannot say where, but it is drift all the same.
    const whole: SchemaDifference = { change: 'changed', kind: 'schema', name: '(the whole database)', attributes: [{ attribute: 'fingerprint', before: baseline.fingerprint, after: live.fingerprint }] };
    return { live, baseline, against, differences: [whole], note: `the ledger lacks the snapshot of ${baseline.fingerprint}: the schema changed, but guard cannot say where` };
  }
  return { live, baseline, against, differences: diffSchemas(recorded, live.snapshot, settings), note: undefined };
}

/** `the schema recorded at its last deploy (#12, failed, 2026-11-20 10:00 UTC, commit 1a2b3c4d5e6f)`. */
export function describeBaseline(baseline: SchemaBaseline): string {
  const parts = [`#${baseline.deployId}`];
  if (baseline.status !== 'succeeded') parts.push(baseline.status);
  if (baseline.finishedAt) parts.push(`${baseline.finishedAt.slice(0, 16).replace('T', ' ')} UTC`);
  if (baseline.commit) parts.push(`commit ${baseline.commit.slice(0, 12)}`);
  return `the schema recorded at its last deploy (${parts.join(', ')})`;
}
