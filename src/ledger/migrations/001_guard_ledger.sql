-- guard's ledger: one row per deploy that `guard deploy` or `guard record` ran.
-- Applied by guard itself, under the deploy lock, in each environment's database
-- (or the database named by `ledger:`). Locked in checksums.lock.yaml: never
-- edit this file once released; add 002_... instead.

CREATE SCHEMA IF NOT EXISTS guard;

CREATE TABLE IF NOT EXISTS guard.schema_migrations (
    version     text PRIMARY KEY,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS guard.deployments (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment         text NOT NULL,
    -- 'running' until the deploy finishes; a row left 'running' marks a crashed deploy.
    status              text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'recorded', 'settled')),
    migration_set       text NOT NULL,
    tool                text NOT NULL,
    heads               text[] NOT NULL,
    chain               text NOT NULL CHECK (chain ~ '^sha256:[0-9a-f]{64}$'),
    -- [{"id": ..., "file": ..., "sha256": ...}] in apply order, as the lockfile had them.
    migrations          jsonb NOT NULL,
    commit_sha          text,
    actor               text NOT NULL,
    host                text NOT NULL,
    command             text,
    forced              boolean NOT NULL DEFAULT false,
    reason              text,
    schema_fingerprint  text,
    schema_snapshot     jsonb,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    CHECK (NOT forced OR reason IS NOT NULL),
    CHECK (status = 'running' OR finished_at IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS deployments_environment_started_idx
    ON guard.deployments (environment, started_at DESC);
