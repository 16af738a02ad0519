import { inputError } from '../guard-error.js';
import type { LockSet } from '../lockfile/types.js';
import { redactCommandLine, redactCommandText } from './redact-command.js';
import type { Refusal } from './types.js';

/** How guard's runner for plain SQL is named where a command would be: in progress lines and the ledger's `command`. */
export const RUNNER_NAME = "guard's SQL runner";

/** What step 6 runs: the migration command, or guard's own runner for plain SQL sets. */
export type MigrationRun =
  /** `argv` is run; `shown` is printed and recorded, its secrets as `***`. */
  | { by: 'command'; argv: string[]; shown: string }
  | { by: 'runner'; shown: typeof RUNNER_NAME };

/**
 * Deploy gate, step 6 (README, "Deploying"): the command given after `--`,
 * else the config's `deploy.command` (run by sh), else guard's runner when
 * every set is plain SQL.
 *
 * @throws GuardError exit 2 when no command is given and a set is not plain SQL
 * @example
 * chooseMigrationRun({ environment: 'staging', argv: [], configured: undefined, sets: [{ dir: 'db/migrations', tool: 'sql' }] })
 * // { by: 'runner', shown: "guard's SQL runner" }
 */
export function chooseMigrationRun(choice: { environment: string; argv: readonly string[]; configured: string | undefined; sets: readonly Pick<LockSet, 'dir' | 'tool'>[] }): MigrationRun {
  if (choice.argv.length > 0) return { by: 'command', argv: [...choice.argv], shown: redactCommandLine([...choice.argv]) };
  if (choice.configured) return { by: 'command', argv: ['sh', '-c', choice.configured], shown: redactCommandText(choice.configured) };
  const notSql = choice.sets.filter((set) => set.tool !== 'sql');
  if (notSql.length > 0) {
    const one = notSql.length === 1;
    throw inputError(`no migration command for ${choice.environment}: ${notSql.map((set) => `${set.dir} (${set.tool})`).join(', ')} ${one ? 'is' : 'are'} run by ${one ? 'its' : 'their'} own tool`, {
      fix: 'give it after --: guard deploy staging -- alembic upgrade head (or set deploy.command in the config); guard runs plain SQL sets itself only',
    });
  }
  return { by: 'runner', shown: RUNNER_NAME };
}

/**
 * The refusal when guard's runner stopped at a failed migration: where, what
 * PostgreSQL said, and what is left applied. A transactional migration left
 * nothing; one outside a transaction left the statements before `line`.
 */
export function runnerFailure(environment: string, failure: { path: string; line: number; message: string; transactional: boolean }): Refusal {
  return {
    ok: false,
    code: 'migration-failed',
    exitCode: 1,
    message: `${failure.path} failed on ${environment} at line ${failure.line}: ${failure.message}`,
    fix: failure.transactional
      ? `its transaction was rolled back, and the migrations before it stay applied and recorded (guard.sql_migrations); correct ${failure.path} (if it is sealed: guard amend ${failure.path} --reason "...") and deploy again`
      : `it ran outside a transaction: the statements before line ${failure.line} stay applied; undo them by hand (or make the file safe to run again: IF NOT EXISTS), correct it, then guard deploy ${environment} --force --reason "..." runs it again`,
  };
}

/**
 * What guard's runner adopts into its table the first time it runs a set
 * that a command deployed before: the lockfile's entries that guard's ledger
 * vouched for as applied. None when the runner already keeps the set.
 */
export function migrationsToAdopt<Entry extends { id: string }>(entries: readonly Entry[], state: { applied?: readonly string[]; appliedContent?: unknown } | undefined): Entry[] {
  if (state === undefined || state.appliedContent !== undefined) return [];
  const applied = new Set(state.applied ?? []);
  return entries.filter((entry) => applied.has(entry.id));
}
