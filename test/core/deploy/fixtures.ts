import { chainDigest } from '../../../src/core/lockfile/chain-digest.js';
import type { LockEntry, LockSet } from '../../../src/core/lockfile/types.js';
import type { Tool } from '../../../src/core/migrations/types.js';
import type { LedgerDeploy } from '../../../src/core/deploy/types.js';
import { hex64 } from '../helpers.js';

/** An Alembic chain a1 <- b2 <- c3 <- ..., one revision per id. */
export function alembicEntries(ids: readonly string[]): LockEntry[] {
  return ids.map((id, i) => ({ id, file: `${id}_rev.py`, parents: i === 0 ? [] : [ids[i - 1]!], sha256: hex64(id) }));
}

/** Plain SQL / Flyway entries, version-ordered. */
export function versionEntries(ids: readonly string[], tool: 'sql' | 'flyway' = 'sql'): LockEntry[] {
  return ids.map((id) => ({ id, file: tool === 'flyway' ? `V${id}__step.sql` : `${id}_step.sql`, sha256: hex64(id) }));
}

export function lockSet(dir: string, tool: Tool, migrations: LockEntry[], heads?: string[]): LockSet {
  const versioned = migrations.filter((entry) => !entry.repeatable);
  return {
    dir,
    tool,
    heads: heads ?? (versioned.length ? [versioned.at(-1)!.id] : []),
    chain: chainDigest(tool, migrations),
    migrations,
  };
}

/** A successful ledger row recording `set` as deployed. */
export function deployOf(set: LockSet, environment: string, overrides: Partial<LedgerDeploy> = {}): LedgerDeploy {
  return {
    id: 7,
    environment,
    status: 'succeeded',
    migrationSet: set.dir,
    tool: set.tool,
    heads: [...set.heads],
    chain: set.chain,
    migrations: set.migrations.map((entry) => ({ ...entry })),
    commit: 'abc1234def5678900000000000000000000000000',
    actor: 'ana',
    host: 'ci-7',
    command: 'alembic upgrade head',
    forced: false,
    reason: null,
    uncheckedPredecessor: null,
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:01:00.000Z',
    ...overrides,
  };
}
