-- Schema snapshots for drift: what each deploy left, by fingerprint. One row
-- per distinct schema (environments with the same schema share it), so a
-- deploy that changes nothing adds nothing. Locked in checksums.lock.yaml:
-- never edit this file once released; add 003_... instead.

CREATE TABLE IF NOT EXISTS guard.schema_snapshots (
    fingerprint     text PRIMARY KEY CHECK (fingerprint ~ '^sha256:[0-9a-f]{64}$'),
    -- SNAPSHOT_FORMAT of the guard that read it (src/core/drift/schema-snapshot.ts).
    format          integer NOT NULL,
    server_version  integer NOT NULL,
    -- [{"kind": ..., "name": ..., "scope": ..., "attributes": {...}}] in canonical order.
    objects         jsonb NOT NULL,
    captured_at     timestamptz NOT NULL DEFAULT now()
);

-- deployments.schema_fingerprint names the row here; the per-row copy 001 planned is not used.
ALTER TABLE guard.deployments DROP COLUMN IF EXISTS schema_snapshot;
