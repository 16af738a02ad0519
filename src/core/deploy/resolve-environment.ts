import type { EnvironmentConfig, GuardConfig } from '../config/validate-config.js';
import { ExitCode } from '../exit-codes.js';
import { GuardError, inputError } from '../guard-error.js';
import { suggestName } from '../suggest-name.js';

/** Where an environment's migrations run and where its deploys are recorded. */
export interface ConnectionUrls {
  databaseUrl: string;
  /** The database holding the `guard` ledger schema: `ledger:`, else the environment's own database. */
  ledgerUrl: string;
}

export interface ResolvedEnvironment extends ConnectionUrls {
  environment: EnvironmentConfig;
  /** Position in the promotion chain (config order). */
  index: number;
  /**
   * The nearest environment before this one that has a database: the one
   * that must have applied what is deployed here. Environments without a
   * database (`local`) are skipped, because nothing of theirs can be read;
   * undefined for the first environment with a database.
   */
  predecessor?: EnvironmentConfig;
  /**
   * The predecessor's URLs, or why they cannot be had. Not thrown here: an
   * unset predecessor variable is "the predecessor cannot be read" (exit 3,
   * fail closed), which the shell reports at the predecessor step, after
   * errors in the target's own configuration.
   */
  predecessorConnection?: { ok: true; urls: ConnectionUrls; ledgerOnly: boolean } | { ok: false; error: GuardError };
}

export type Env = Record<string, string | undefined>;

/**
 * Finds `name` in the config's promotion chain and reads its connection
 * strings from `env` (never from the config: it only names variables).
 *
 * @param source the config's name in messages
 * @throws GuardError (exit 2) for an unknown environment, an empty chain, an
 *   environment without a database, or a variable that is unset or empty
 * @example
 * resolveEnvironment(config, 'production', process.env)
 * // { environment: {name: 'production', ...}, index: 3, predecessor: {name: 'staging', ...},
 * //   databaseUrl: 'postgres://...', ledgerUrl: 'postgres://...', predecessorConnection: {...} }
 */
export function resolveEnvironment(config: GuardConfig, name: string, env: Env, source = 'guard.config.yaml'): ResolvedEnvironment {
  const chain = config.environments;
  if (chain.length === 0) {
    throw inputError(`${source} has no environments, so there is nowhere to deploy ${JSON.stringify(name)}`, {
      fix: `list them in promotion order, each database named by an environment variable:\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL`,
    });
  }
  const index = chain.findIndex((environment) => environment.name === name);
  if (index === -1) {
    const names = chain.map((environment) => environment.name);
    const suggestion = suggestName(name, names);
    throw inputError(`${JSON.stringify(name)} is not an environment of ${source} (chain: ${names.join(' -> ')})`, {
      fix: suggestion === undefined ? `use one of: ${names.join(', ')}` : `did you mean ${suggestion}? \`guard deploy ${suggestion}\``,
    });
  }
  const environment = chain[index]!;
  if (environment.database === undefined) {
    const deployable = chain.filter((other) => other.database !== undefined).map((other) => other.name);
    throw inputError(`environment ${name} has no database to deploy to (no \`database:\` in ${source})`, {
      fix: `${deployable.length ? `deploy to one that has one (${deployable.join(', ')}), or ` : ''}give ${name} one: \`database: $${variableStem(name)}_DATABASE_URL\``,
    });
  }

  const resolved: ResolvedEnvironment = { environment, index, ...connectionUrls(environment, env) };
  const predecessor = chain.slice(0, index).reverse().find((other) => other.database !== undefined);
  if (predecessor !== undefined) {
    resolved.predecessor = predecessor;
    try {
      // A predecessor with a ledger of its own is ephemeral (CI): its database may be gone by
      // now, and what it applied is what its ledger recorded. Only the ledger is read.
      const ledgerOnly = predecessor.ledger !== undefined;
      const urls = ledgerOnly ? { databaseUrl: '', ledgerUrl: readReference(predecessor, 'ledger', predecessor.ledger!, env) } : connectionUrls(predecessor, env);
      resolved.predecessorConnection = { ok: true, urls, ledgerOnly };
    } catch (error) {
      if (!(error instanceof GuardError)) throw error;
      resolved.predecessorConnection = {
        ok: false,
        error: new GuardError(ExitCode.unreadable, `${predecessor.name}, before ${name} in the chain, cannot be read: ${error.message.replace(/^environment \S+: /, '')}`, {
          fix: `${error.fix ?? ''}; guard reads ${predecessor.name}'s ledger and database to check that it applied what ${name} receives, and never deploys unchecked`,
        }),
      };
    }
  }
  return resolved;
}

/**
 * An environment's URLs from `env`: `database:` and `ledger:` hold
 * `$NAME` or `${NAME}`, or a literal URL without a password (a local socket).
 *
 * @throws GuardError (exit 2) naming the variable and the environment when it is unset or empty
 */
export function connectionUrls(environment: EnvironmentConfig, env: Env): ConnectionUrls {
  if (environment.database === undefined) {
    throw inputError(`environment ${environment.name}: has no database (no \`database:\`)`, {
      fix: `give ${environment.name} one: \`database: $${variableStem(environment.name)}_DATABASE_URL\``,
    });
  }
  const databaseUrl = readReference(environment, 'database', environment.database, env);
  const ledgerUrl = environment.ledger === undefined ? databaseUrl : readReference(environment, 'ledger', environment.ledger, env);
  return { databaseUrl, ledgerUrl };
}

/** The variable a `$NAME` / `${NAME}` reference names; undefined for a literal. */
export function referencedVariable(reference: string): string | undefined {
  return /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$/.exec(reference)?.slice(1).find((name) => name !== undefined);
}

function readReference(environment: EnvironmentConfig, key: 'database' | 'ledger', reference: string, env: Env): string {
  const variable = referencedVariable(reference);
  if (variable === undefined) return reference;
  const value = env[variable];
  if (value !== undefined && value.trim() !== '') return value;
  const role =
    key === 'database'
      ? `${environment.name}'s connection string`
      : `the connection string of the database that records ${environment.name}'s deploys`;
  throw inputError(`environment ${environment.name}: \`${key}: ${reference}\` names ${variable}, which is ${value === undefined ? 'not set' : 'empty'}`, {
    fix: `set ${variable} to ${role} where guard runs (a CI secret, or \`export ${variable}=postgres://...\`); the config names the variable so that no URL or password is committed`,
  });
}

/** `staging-eu` -> `STAGING_EU`, for suggested variable names. */
function variableStem(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
