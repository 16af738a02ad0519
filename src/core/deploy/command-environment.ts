import type { EnvironmentSettings } from '../config/validate-config.js';
import { inputError } from '../guard-error.js';
import { withoutApplicationName } from './application-name.js';

/** The session settings that travel to the migration command's connections through PGOPTIONS. */
const SESSION_SETTINGS = ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'] as const;

/**
 * The environment the migration command runs with (README, "Deploying", step 6):
 * everything inherited, plus
 *
 * - `ENVIRONMENT`, `GUARD_ENV`: the environment's name;
 * - `DATABASE_URL`: its connection string, less any `application_name` of
 *   its own (which would win over PGAPPNAME);
 * - `PGAPPNAME`: `sessionName` when given (`guard migrate #42 production by
 *   ana@ci-7 pid 4242`): every session the command opens through libpq,
 *   psycopg2 or node-postgres carries it, so that a session left behind by
 *   a killed guard is found in `pg_stat_activity` by the next deploy;
 * - `PGOPTIONS`: the inherited options, then `-c name=value` for each
 *   configured timeout. libpq sends PGOPTIONS to the server at connection
 *   start, so every session the command opens (psycopg2, psql, JDBC via
 *   libpq-compatible drivers) runs with the environment's timeouts without
 *   the command knowing. Ours come last because the server applies `-c`
 *   options in order: the configured value wins over an inherited one;
 * - `GUARD_TRANSACTION_PER_MIGRATION`: `true` / `false` when configured, for
 *   an `env.py` to pass to `context.configure(transaction_per_migration=...)`.
 *   When not configured an inherited value is dropped: it would describe some
 *   other environment (a guard run inside a guard run), not this one.
 *
 * @throws GuardError (exit 2) for a setting value PGOPTIONS cannot carry (a NUL or control character)
 * @example
 * commandEnvironment({ environment: 'production', databaseUrl: url, settings: { lock_timeout: '10s' }, inherited: process.env })
 * // { ...process.env, ENVIRONMENT: 'production', GUARD_ENV: 'production', DATABASE_URL: url, PGOPTIONS: '-c lock_timeout=10s' }
 */
export function commandEnvironment(options: {
  environment: string;
  databaseUrl: string;
  settings: EnvironmentSettings;
  inherited: Record<string, string | undefined>;
  /** The `application_name` of the command's sessions (PGAPPNAME). */
  sessionName?: string;
}): Record<string, string> {
  const { environment, settings, inherited } = options;
  const databaseUrl = options.sessionName === undefined ? options.databaseUrl : withoutApplicationName(options.databaseUrl);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined) result[key] = value;
  }
  result.ENVIRONMENT = environment;
  result.GUARD_ENV = environment;
  result.DATABASE_URL = databaseUrl;
  if (options.sessionName !== undefined) result.PGAPPNAME = options.sessionName;

  const added = SESSION_SETTINGS.filter((name) => settings[name] !== undefined).map(
    (name) => `-c ${name}=${pgOptionsEscape(settings[name]!, `environment ${environment}: settings.${name}`)}`,
  );
  if (added.length > 0) {
    const before = inherited.PGOPTIONS?.trim();
    result.PGOPTIONS = [...(before ? [before] : []), ...added].join(' ');
  }

  if (settings.transaction_per_migration === undefined) delete result.GUARD_TRANSACTION_PER_MIGRATION;
  else result.GUARD_TRANSACTION_PER_MIGRATION = String(settings.transaction_per_migration);
  return result;
}

/**
 * A value as one PGOPTIONS word. The server splits PGOPTIONS on whitespace
 * with backslash as the only escape (libpq docs, "options"; pg_split_opts):
 * spaces and backslashes are escaped with a backslash; quotes mean nothing
 * there and pass through. Control characters (tabs and newlines included)
 * are refused rather than escaped: no timeout takes one, so one is a
 * config mistake, and an environment variable cannot carry a NUL anyway.
 *
 * @example pgOptionsEscape('my schema', 'search_path') // 'my\\ schema'
 */
export function pgOptionsEscape(value: string, what: string): string {
  if (/[\0-\x1f\x7f]/.test(value) || value === '') {
    throw inputError(`${what}: ${JSON.stringify(value)} cannot be passed to PostgreSQL in PGOPTIONS`, {
      fix: 'write a plain value such as 10s or 500ms',
    });
  }
  return value.replace(/[\\ ]/g, '\\$&');
}
