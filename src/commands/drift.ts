import { ExitCode } from '../core/exit-codes.js';
import { inputError } from '../core/guard-error.js';
import { redactError } from '../core/deploy/redact-url.js';
import { resolveEnvironment } from '../core/deploy/resolve-environment.js';
import { diffSchemas, type SchemaDifference } from '../core/drift/diff-schemas.js';
import { SINCE_DEPLOY_WORDING, type DifferenceWording } from '../core/drift/format-schema-difference.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { loadConfig } from '../shell/load-config.js';
import type { CommandDefinition } from './context.js';

export interface DriftResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'drift';
  /** `since-deploy`: ENV's live schema against its last deploy; `environments`: ENV's live schema against OTHER's. */
  mode: 'since-deploy' | 'environments';
  environment: string;
  other?: string;
  ok: boolean;
  /** 0 no drift; 1 drift; 3 a database could not be read, or nothing to compare with. */
  exitCode: number;
  /** Fingerprints of the two sides (the recorded one for since-deploy). */
  fingerprints: { before: string | null; after: string };
  /** What the live schema was compared with, in words. */
  against: string | null;
  differences: SchemaDifference[];
  /** Why nothing was compared (no deploy recorded yet, ...). */
  note?: string;
}

/**
 * `guard drift ENV`: ENV's live schema against the one recorded at its last
 * deploy. `guard drift ENV OTHER`: two live schemas (staging against
 * production): what OTHER has that ENV does not is "only in OTHER".
 *
 * @example
 * const drift = await schemaDrift({ cwd: '/repo', environment: 'production', env: process.env });
 * // drift.differences: [{ kind: 'index', name: 'public.users_created_at_idx', change: 'added', ... }]
 */
export async function schemaDrift(options: { cwd: string; configPath?: string | undefined; environment: string; other?: string | undefined; env: NodeJS.ProcessEnv }): Promise<DriftResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const first = resolveEnvironment(config, options.environment, options.env);
  const second = options.other === undefined ? undefined : resolveEnvironment(config, options.other, options.env);
  if (second && second.environment.name === first.environment.name) throw inputError(`guard drift ${options.environment} ${options.other} compares an environment with itself`, { fix: `guard drift ${options.environment} (against its last deploy), or name another environment` });
  const { connectEnvironment } = await import('../shell/environment-state.js');
  const { driftSinceLastDeploy, readLiveSchema } = await import('../shell/schema-drift.js');
  const base = { schemaVersion: JSON_SCHEMA_VERSION, command: 'drift' as const, environment: first.environment.name };
  const urls = [first.databaseUrl, first.ledgerUrl, second?.databaseUrl, second?.ledgerUrl].filter((url): url is string => url !== undefined);
  try {
    const one = await connectEnvironment(first.environment, first, `guard drift ${first.environment.name}`);
    try {
      if (!second) {
        const drift = await driftSinceLastDeploy(one.database, one.ledger, first.environment.name, config.drift);
        const differences = drift.differences ?? [];
        const compared = drift.differences !== undefined;
        return {
          ...base,
          mode: 'since-deploy',
          ok: compared && differences.length === 0,
          exitCode: !compared ? ExitCode.unreadable : differences.length === 0 ? ExitCode.ok : ExitCode.refused,
          fingerprints: { before: drift.baseline?.fingerprint ?? null, after: drift.live.fingerprint },
          against: drift.against ?? null,
          differences,
          ...(drift.note ? { note: drift.note } : {}),
        };
      }
      const two = await connectEnvironment(second.environment, second, `guard drift ${second.environment.name}`);
      try {
        const [mine, theirs] = await Promise.all([readLiveSchema(one.database, first.environment.name), readLiveSchema(two.database, second.environment.name)]);
        const differences = mine.fingerprint === theirs.fingerprint ? [] : diffSchemas(mine.snapshot, theirs.snapshot, config.drift);
        return {
          ...base,
          mode: 'environments',
          other: second.environment.name,
          ok: differences.length === 0,
          exitCode: differences.length === 0 ? ExitCode.ok : ExitCode.refused,
          fingerprints: { before: mine.fingerprint, after: theirs.fingerprint },
          against: `${second.environment.name}'s live schema`,
          differences,
        };
      } finally {
        await two.close();
      }
    } finally {
      await one.close();
    }
  } catch (error) {
    throw redactError(error, urls);
  }
}

/** How a result names the sides of a difference. */
export function driftWording(result: Pick<DriftResult, 'mode' | 'environment' | 'other'>): DifferenceWording {
  return result.mode === 'since-deploy' ? SINCE_DEPLOY_WORDING : { added: `only in ${result.other}`, removed: `only in ${result.environment}` };
}

export const driftCommand: CommandDefinition<DriftResult> = {
  name: 'drift',
  summary: "compare an environment's live schema with its last deploy, or with another environment",
  help: `Usage: guard drift ENV [OTHER] [--format text|json]

Schema drift, object by object: tables, columns (type, nullability,
default, identity, generated, collation), constraints, indexes (partial and
expression ones too), views and materialized views, functions and
procedures, triggers, sequences, enums, domains, composite and range types,
extensions and row-level-security policies. Owners and GRANTs count only
with \`drift: { privileges: true }\` in the config; \`drift: { exclude: [...] }\`
leaves objects out. guard's own schema and the migration tool's table
(alembic_version, flyway_schema_history) are never compared.

  guard drift ENV          ENV's live schema against the one guard recorded
                           at its last deploy (or guard record ENV): what was
                           added, dropped or changed since, not by a migration
  guard drift ENV OTHER    ENV's live schema against OTHER's (staging against
                           production): what is only in one, what differs

  column public.orders.total: type numeric(10,2) -> numeric(12,2)
  index public.orders_created_idx: only in production

The catalogs are read in one round trip, whatever the size of the schema.

Options:
  --format FORMAT    text (default) or json (every difference, attribute by attribute)
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 no drift; 1 drift; 2 usage or config error; 3 a database
could not be read, or ENV has no recorded schema to compare with yet.`,
  options: {},
  allowPositionals: true,
  async run(context, _values, positionals) {
    const [environment, other, ...rest] = positionals;
    if (!environment || rest.length > 0) throw inputError('guard drift takes one or two environments', { fix: 'guard drift production, or guard drift staging production' });
    return schemaDrift({ cwd: context.cwd, configPath: context.configPath, environment, other, env: context.env });
  },
};
