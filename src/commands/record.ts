import { ExitCode } from '../core/exit-codes.js';
import { inputError } from '../core/guard-error.js';
import { applicationName } from '../core/deploy/application-name.js';
import { checkDeployed } from '../core/deploy/check-deployed.js';
import { redactError } from '../core/deploy/redact-url.js';
import { resolveEnvironment } from '../core/deploy/resolve-environment.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { loadConfig } from '../shell/load-config.js';
import type { CommandDefinition } from './context.js';

export interface RecordResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'record';
  environment: string;
  ok: boolean;
  exitCode: number;
  /** Ledger rows left `running` by a crashed deploy that this record settled. */
  settled: number;
  recorded: { set: string; heads: string[]; chain: string }[];
  refusal?: { message: string; fix: string };
  /** The fingerprint of the schema recorded as the new drift baseline. */
  schemaFingerprint?: string;
}

/**
 * `guard record ENV`: records a deploy another tool ran (or settles one that
 * crashed), after checking that ENV's database really reports the
 * lockfile's heads. Under the deploy lock, so it never races a deploy.
 *
 * @example
 * const result = await recordEnvironment({ cwd: '/repo', environment: 'production', env: process.env, lockWaitMs: 60_000 });
 * // result.recorded: [{ set: 'migrations/versions', heads: ['b2c3'], chain: 'sha256:...' }]
 */
export async function recordEnvironment(options: {
  cwd: string;
  configPath?: string | undefined;
  environment: string;
  env: NodeJS.ProcessEnv;
  lockWaitMs: number;
  /** Progress while waiting for the sessions of a migration left running by a killed guard. */
  onWaiting?(message: string): void;
}): Promise<RecordResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const resolved = resolveEnvironment(config, options.environment, options.env);
  const name = resolved.environment.name;
  const { committedLockfile, actorOf, connectEnvironment, deployLockKey, deployRow, appliedStateOf, tableLocations } = await import('../shell/environment-state.js');
  const { acquireLock, releaseLock, formatWait } = await import('../shell/postgres/advisory-lock.js');
  const { waitForMigrationSessions } = await import('../shell/postgres/migration-sessions.js');
  const { ensureLedger } = await import('../shell/postgres/ledger.js');
  const { recordDeploy, settleRunning } = await import('../shell/postgres/deployments.js');
  const { lock, commit } = await committedLockfile(repository.root);
  const tables = tableLocations(config);
  const { actor, host } = await actorOf(repository.root);
  const urls = [resolved.databaseUrl, resolved.ledgerUrl];
  const result = (exitCode: number, settled: number, recorded: RecordResult['recorded'], refusal?: RecordResult['refusal'], schemaFingerprint?: string): RecordResult => ({
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'record',
    environment: name,
    ok: exitCode === 0,
    exitCode,
    settled,
    recorded,
    ...(refusal ? { refusal } : {}),
    ...(schemaFingerprint ? { schemaFingerprint } : {}),
  });

  const appName = applicationName({ environment: name, actor, host, pid: process.pid, verb: 'record' });
  const { database, ledger, close } = await connectEnvironment(resolved.environment, resolved, appName);
  const key = deployLockKey(config, name);
  let locked = false;
  const lockDeadline = performance.now() + options.lockWaitMs;
  try {
    await acquireLock(database, key, { waitMs: options.lockWaitMs, name: `the deploy lock of ${name}` });
    locked = true;
    // A migration left running by a killed guard may still move the database: record nothing until it is gone.
    await waitForMigrationSessions(database, { environment: name, deadline: lockDeadline, waited: () => formatWait(options.lockWaitMs), onWaiting: options.onWaiting });
    await ensureLedger(ledger);
    for (const set of lock.sets) {
      if (set.tool === 'sql') {
        return result(ExitCode.refused, 0, [], {
          message: `${set.dir} is plain SQL: ${name}'s database has no version table guard could check it against`,
          fix: `deploy it with guard deploy ${name} (guard's runner records each migration it applies) or guard deploy ${name} -- <your command>; to move past a crashed deploy, guard deploy ${name} --force --reason "..."`,
        });
      }
      const decision = checkDeployed({ environment: name, lockSet: set, appliedAfter: await appliedStateOf(set, name, database, ledger, tables.get(set.dir)), command: 'the deploy being recorded' });
      if (!decision.ok) return result(decision.exitCode, 0, [], { message: decision.message, fix: `bring ${name} to the lockfile's head first (guard deploy ${name}), or check out the commit it is at` });
    }
    const settled = await settleRunning(ledger, name, { reason: `settled by guard record at ${commit.slice(0, 12)}` });
    // The schema as it is now becomes the baseline drift is judged against.
    const { recordLiveSchema } = await import('../shell/schema-drift.js');
    const { fingerprint } = await recordLiveSchema(database, ledger, name);
    const recorded: RecordResult['recorded'] = [];
    for (const set of lock.sets) {
      await recordDeploy(ledger, deployRow(set, { environment: name, commit, actor, host, command: null, reason: null }), { schemaFingerprint: fingerprint });
      recorded.push({ set: set.dir, heads: set.heads, chain: set.chain });
    }
    return result(ExitCode.ok, settled.length, recorded, undefined, fingerprint);
  } catch (error) {
    throw redactError(error, urls);
  } finally {
    if (locked) await releaseLock(database, key).catch(() => undefined);
    await close();
  }
}

export const recordCommand: CommandDefinition<RecordResult> = {
  name: 'record',
  summary: 'record a deploy another tool ran, after checking the database is at the head',
  help: `Usage: guard record ENV [--lock-wait SECONDS] [--format text|json]

Records in ENV's ledger that ENV is at HEAD's lockfile (heads and chain
digest), after checking that ENV's database really reports those heads
(alembic_version, flyway_schema_history). Settles a deploy left \`running\`
by a crash. Records ENV's schema as it is now (its fingerprint and
snapshot): the baseline \`guard drift ENV\` and the next deploy's drift
check compare with. Under the deploy lock, so it never races a deploy.

Use it after migrating without guard (a hotfix run by hand), or after a
crashed deploy that you finished by hand: the next environment's deploy
then sees what this one has. While a session of a killed deploy's
migration command is still connected to ENV's database, it waits (up to
--lock-wait, naming the sessions) and records nothing; exit 4 if they
are still there.

Options:
  --lock-wait SECS   how long to wait for the deploy lock (default 60)
  --format FORMAT    text (default) or json
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 recorded; 1 the database is not at the lockfile's head;
2 usage or config error; 3 a database could not be read; 4 the deploy lock
was not obtained in time.`,
  options: { 'lock-wait': { type: 'string' } },
  allowPositionals: true,
  async run(context, values, positionals) {
    if (positionals.length !== 1) throw inputError('guard record takes one environment', { fix: 'guard record staging' });
    const wait = values['lock-wait'] === undefined ? 60 : Number(values['lock-wait']);
    if (!Number.isFinite(wait) || wait < 0) throw inputError(`--lock-wait ${String(values['lock-wait'])} is not a number of seconds`, { fix: '--lock-wait 120' });
    return recordEnvironment({
      cwd: context.cwd,
      configPath: context.configPath,
      environment: positionals[0]!,
      env: context.env,
      lockWaitMs: wait * 1000,
      onWaiting: (message) => context.err(`${context.colours.yellow('waiting')} ${message}`),
    });
  },
};
