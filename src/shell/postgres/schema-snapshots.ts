// What each deploy left: the ledger's schema snapshots (`guard.schema_snapshots`,
// one per distinct schema) and the baseline drift is judged against.
import type pg from 'pg';
import type { DeployStatus } from '../../core/deploy/types.js';
import { SNAPSHOT_FORMAT, canonicalSnapshot, type SchemaObject, type SchemaSnapshot } from '../../core/drift/schema-snapshot.js';
import { queryError } from './connect.js';
import { isUndefinedTable } from './pg-errors.js';

/** The schema guard last saw in an environment: after its newest finished deploy (succeeded, recorded or failed). */
export interface SchemaBaseline {
  deployId: number;
  status: DeployStatus;
  /** Null when that deploy was recorded by a guard without fingerprints: nothing to compare with. */
  fingerprint: string | null;
  finishedAt: string | null;
  commit: string | null;
}

/**
 * The baseline drift is judged against: the newest finished deploy of
 * `environment`. A failed deploy counts (its half-run migration changed the
 * schema, and guard fingerprinted what it left); a `settled` one does not
 * (nobody knows what a crashed deploy left). Undefined: no deploy yet.
 */
export async function readSchemaBaseline(client: pg.Client, environment: string): Promise<SchemaBaseline | undefined> {
  try {
    const result = await client.query<{ id: string; status: DeployStatus; schema_fingerprint: string | null; finished_at: Date | null; commit_sha: string | null }>(
      `SELECT id::text AS id, status, schema_fingerprint, finished_at, commit_sha
         FROM guard.deployments
        WHERE environment = $1 AND status IN ('succeeded', 'recorded', 'failed')
        ORDER BY id DESC LIMIT 1`,
      [environment],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return { deployId: Number(row.id), status: row.status, fingerprint: row.schema_fingerprint, finishedAt: row.finished_at ? row.finished_at.toISOString() : null, commit: row.commit_sha };
  } catch (error) {
    if (isUndefinedTable(error)) return undefined;
    throw queryError(error, `cannot read the ledger of ${environment}`, []);
  }
}

/** Keeps a snapshot under its fingerprint (once: the same schema is stored once, whoever has it). */
export async function saveSchemaSnapshot(client: pg.Client, fingerprint: string, snapshot: SchemaSnapshot): Promise<void> {
  try {
    await client.query(
      `INSERT INTO guard.schema_snapshots (fingerprint, format, server_version, objects) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (fingerprint) DO NOTHING`,
      [fingerprint, snapshot.format, snapshot.serverVersion, JSON.stringify(snapshot.objects)],
    );
  } catch (error) {
    throw queryError(error, 'cannot store the schema snapshot in the ledger', []);
  }
}

/** The snapshot stored under `fingerprint`, in canonical order; undefined when the ledger has none (or none of a format this guard reads). */
export async function loadSchemaSnapshot(client: pg.Client, fingerprint: string): Promise<SchemaSnapshot | undefined> {
  let row: { format: number; server_version: number; objects: SchemaObject[] } | undefined;
  try {
    row = (await client.query<{ format: number; server_version: number; objects: SchemaObject[] }>('SELECT format, server_version, objects FROM guard.schema_snapshots WHERE fingerprint = $1', [fingerprint])).rows[0];
  } catch (error) {
    if (isUndefinedTable(error)) return undefined;
    throw queryError(error, 'cannot read a schema snapshot from the ledger', []);
  }
  if (!row || row.format !== SNAPSHOT_FORMAT) return undefined;
  // jsonb keeps keys in its own order: put them back in the canonical one.
  return canonicalSnapshot(row.server_version, row.objects);
}
