import { ExitCode } from '../core/exit-codes.js';
import { inputError } from '../core/guard-error.js';
import { applicationName, migrationSessionName } from '../core/deploy/application-name.js';
import { checkDeployed } from '../core/deploy/check-deployed.js';
import { chooseMigrationRun, type MigrationRun } from '../core/deploy/choose-runner.js';
import { checkRunningDeploy } from '../core/deploy/check-running-deploy.js';
import { checkTargetIntegrity } from '../core/deploy/check-target-integrity.js';
import { checkLedgerRows } from '../core/deploy/ledger-row-integrity.js';
import { commandEnvironment } from '../core/deploy/command-environment.js';
import { deployedStep, driftNotChecked, driftStep, fromDecision, integrityStep, migrationRunStep, parityStep, predecessorStep, repositoryStep, settleStep, type StepOutcome } from '../core/deploy/deploy-steps.js';
import { redactError, redactUrl } from '../core/deploy/redact-url.js';
import { resolveEnvironment } from '../core/deploy/resolve-environment.js';
import type { AppliedState, Decision, Refusal } from '../core/deploy/types.js';
import { LOCKFILE_NAME, type LockEntry, type LockSet } from '../core/lockfile/types.js';
import { NO_TRANSACTION_MARKER } from '../core/tools/sql/sql-script.js';
import { joinPath } from '../core/paths.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { toolDigestForms } from '../shell/tool-digest-forms.js';
import { appliedSemantics } from '../shell/applied-semantics.js';
import { actorOf, appliedStateOf, committedLockfile, connectEnvironment, deployLockKey, deployRow, readEnvironmentState, tableLocations } from '../shell/environment-state.js';
import { openRepository } from '../shell/git/open-repository.js';
import { loadConfig } from '../shell/load-config.js';
import { runMigrationCommand } from '../shell/migration-process.js';
import { finishDeploy, settleRunning, startDeploy } from '../shell/postgres/deployments.js';
import { releaseLock } from '../shell/postgres/advisory-lock.js';
import { ensureLedger } from '../shell/postgres/ledger.js';
import { recordSqlMigrations, type SqlRunMigration } from '../shell/postgres/sql-runner.js';
import { driftSinceLastDeploy, recordLiveSchema, type LiveSchema } from '../shell/schema-drift.js';
import type { CommandDefinition } from './context.js';
import { holdDeployLock } from './deploy/hold-deploy-lock.js';
import type { DeployOptions, DeployPlan, DeployResult, DeployStep } from './deploy/deploy-result.js';
import { readParity } from './deploy/read-parity.js';
import { readPredecessor } from './deploy/read-predecessor.js';
import { readRepositoryFacts } from './deploy/read-repository.js';
import { readPendingScripts, runSqlSets } from './deploy/sql-sets.js';

export type { DeployOptions, DeployPlan, DeployResult, DeployStep, SchemaComparison } from './deploy/deploy-result.js';

/**
 * `guard deploy ENV`: the seven steps of the README's Deploying section, in order, stopping at the first
 * refusal. Each decision is a pure function of src/core/deploy; this shell
 * reads git and PostgreSQL, holds the lock, runs the command and records it.
 *
 * 1. HEAD's migrations match its lockfile and nothing under a migration dir
 *    is uncommitted; 2. the predecessor applied exactly this head and chain;
 * 3. the deploy lock (a session advisory lock: a killed guard leaves none);
 * 4. the target applied a prefix of the chain; 5. no drift since the last deploy; 6. the
 * command, with ENV's settings; 7. the database reports the head, the deploy
 * is recorded, the lock released.
 *
 * With `force`, a refusal of steps 1, 2, 4, 5 or a left-over running deploy is
 * reported and recorded as overridden (the reason goes to the ledger); a lock
 * held by another deploy is never overridden.
 *
 * @example
 * // A plain SQL set, run by guard's own runner (no command):
 * const result = await deployEnvironment({ cwd: '/repo', environment: 'staging', env: process.env, lockWaitMs: 60_000, commandStdout: 'inherit' });
 * // result.ok, result.steps (1-7), result.plan.sets[0].pending, result.failure (file, line, message) when a migration failed
 * // With a migration tool: { ..., command: ['alembic', 'upgrade', 'head'] }; the gate alone: { ..., check: true }
 */
export async function deployEnvironment(options: DeployOptions): Promise<DeployResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const tables = tableLocations(config);
  const resolved = resolveEnvironment(config, options.environment, options.env);
  const name = resolved.environment.name;
  const policy = resolved.environment.drift;
  const separateLedger = resolved.ledgerUrl !== resolved.databaseUrl;
  const urls = [resolved.databaseUrl, resolved.ledgerUrl];
  const readOnly = options.check === true || options.dryRun === true;
  const log = deployLog(name, options);

  // 1. What HEAD ships matches its lockfile, and the work tree adds nothing unseen.
  const { lock, commit } = await committedLockfile(repository.root);
  const repositoryFacts = await readRepositoryFacts(repository.root, options.configPath, config.migrations, lock, commit);
  let stop = log.settle(1, 'repository', repositoryStep({ ...repositoryFacts, commit, sets: lock.sets }));
  if (stop) return log.result(stop, false);

  // 2. The predecessor applied exactly this head with this chain digest.
  const predecessor = resolved.predecessor ? await readPredecessor({ ...resolved, predecessor: resolved.predecessor }, lock, urls, tables) : undefined;
  stop = log.settle(2, 'predecessor', predecessorStep({ environment: name, predecessor: resolved.predecessor?.name, decision: predecessor?.decision, uncheckedPredecessor: options.uncheckedPredecessor }));
  if (stop) return log.result(stop, false);

  // 3. The deploy lock, on ENV's own database: a session lock, so a guard killed mid-way leaves none.
  const { actor, host } = await actorOf(repository.root);
  const { database, ledger, close } = await connectEnvironment(resolved.environment, resolved, applicationName({ environment: name, actor, host, pid: process.pid }));
  const key = deployLockKey(config, name);
  let locked = false;
  try {
    await holdDeployLock(database, key, name, options);
    locked = true;
    // A check changes nothing: a database without a ledger simply has no deploys yet.
    if (!readOnly) await ensureLedger(ledger);
    log.settle(3, 'lock', { verdict: 'pass', detail: `holding the deploy lock of ${name} (key ${key})` });
    const state = await readEnvironmentState(name, lock, database, ledger, tables);
    // A row left `running` is a deploy that died mid-way: someone must look before the next one runs.
    // With a separate ledger (ephemeral CI databases), other jobs' running rows are not about this database.
    if (!separateLedger) {
      const running = [...state.deploys.values()].flatMap((rows) => (rows?.latest.status === 'running' ? [rows.latest] : []));
      const decision = checkRunningDeploy({ environment: name, running, now: new Date() });
      stop = log.settle(3, 'lock', fromDecision(decision));
      if (stop) return log.result(stop, false);
      if (!decision.ok && !readOnly) await settleRunning(ledger, name, { reason: `settled by a forced deploy: ${options.force!.reason}` });
    }

    // 4. What the target applied is a prefix of the lockfile's chain, judged on ledger rows that vouch for themselves.
    stop = log.settle(4, 'integrity', fromDecision(checkLedgerRows({ environment: name, rows: lock.sets.map((set) => ({ row: state.deploys.get(set.dir)?.lastSuccessful, lockSet: set })) })));
    if (stop) return log.result(stop, false);
    const digestForms = await toolDigestForms(repository.root, commit, lock.sets, state.applied);
    const lastDeploys = new Map(lock.sets.map((set) => [set.dir, state.deploys.get(set.dir)?.lastSuccessful]));
    const semantics = await appliedSemantics(repository.root, commit, lock.sets, config.migrations, state.applied, lastDeploys);
    const integrity = lock.sets.map((set) => ({
      set,
      ...checkTargetIntegrity({
        environment: name,
        lockSet: set,
        amendments: lock.amendments,
        lastDeploy: state.deploys.get(set.dir)?.lastSuccessful,
        applied: state.applied.get(set.dir)!,
        digestForms,
        semantics,
        separateLedger,
        outOfOrder: config.migrations.some((listed) => listed.dir === set.dir && listed.outOfOrder === 'allow'),
      }),
    }));
    /** Per set dir: the lockfile's entries ENV has not applied, in apply order. */
    const pending = new Map(integrity.map((checked) => [checked.set.dir, checked.pending]));
    stop = log.settle(4, 'integrity', integrityStep(name, integrity.flatMap((checked) => checked.findings)));
    if (stop) return log.result(stop, false);

    // 5. Drift: the live schema is the one recorded at ENV's last deploy.
    const notChecked = driftNotChecked(name, policy, separateLedger);
    if (notChecked) {
      log.settle(5, 'drift', { verdict: 'pass', detail: notChecked });
    } else {
      const drift = await driftSinceLastDeploy(database, ledger, name, config.drift);
      if (drift.differences !== undefined && drift.against !== undefined) log.schema.drift = { against: drift.against, differences: drift.differences };
      stop = log.settle(5, 'drift', driftStep(name, policy, { ...drift, fingerprint: drift.live.fingerprint }));
      if (stop) return log.result(stop, false);
    }
    if (options.check) return log.result(undefined, false);

    // 6. The command, with ENV's settings, recorded as running first; or, for plain SQL without a command, guard's runner.
    const run = chooseMigrationRun({ environment: name, argv: options.command ?? [], configured: config.deploy.command, sets: lock.sets });
    const scripts = run.by === 'runner' ? await readPendingScripts(repository.root, commit, config.migrations, lock.sets, pending) : undefined;
    log.schema.plan = deployPlan(run, lock.sets, pending, scripts);
    if (options.dryRun) return log.result(undefined, false);
    if (run.by === 'runner' && resolved.environment.settings.transaction_per_migration === false) {
      log.warnings.push(`settings.transaction_per_migration: false of ${name} is for a migration command: guard's runner runs each migration in its own transaction (or none, with -- ${NO_TRANSACTION_MARKER})`);
    }
    const reason = options.force?.reason ?? options.uncheckedPredecessor?.reason ?? null;
    const ids: number[] = [];
    for (const set of lock.sets) {
      ids.push(await startDeploy(ledger, deployRow(set, { environment: name, commit, actor, host, command: run.shown, reason, forced: options.force !== undefined, uncheckedPredecessor: log.unchecked ?? null })));
    }
    /** Finishes every set's ledger row with the schema the deploy left, failed or not: it is the next deploy's baseline. */
    let after: LiveSchema | undefined;
    const finish = async (status: 'succeeded' | 'failed'): Promise<string | null> => {
      let fingerprint: string | null = null;
      try {
        after = await recordLiveSchema(database, ledger, name);
        fingerprint = log.schema.schemaFingerprint = after.fingerprint;
      } catch (error) {
        log.warnings.push(`the schema after the deploy could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
      }
      for (const id of ids) await finishDeploy(ledger, id, { status, schemaFingerprint: fingerprint });
      return fingerprint;
    };
    // Every session of the command carries the deploy's first ledger row id: a session left behind by a killed guard is found and named by it.
    const sessionName = migrationSessionName({ deployId: ids[0] ?? 0, environment: name, actor, host, pid: process.pid });
    let ran: Parameters<typeof migrationRunStep>[1];
    try {
      if (run.by === 'command') {
        const environment = commandEnvironment({ environment: name, databaseUrl: resolved.databaseUrl, settings: resolved.environment.settings, inherited: options.env, sessionName });
        ran = { by: 'command', shown: run.shown, exit: await runMigrationCommand(run.argv, { env: environment, stdout: options.commandStdout }) };
      } else {
        // A progress line only: the result's steps say what each step concluded (README, "Deploying").
        const onApplied = (migration: SqlRunMigration, ms: number) => options.progress?.({ step: 6, name: 'run', ok: true, detail: `applied ${migration.path}${migration.script.transactional ? '' : ' (outside a transaction)'} in ${Math.round(ms)} ms` });
        const failure = await runSqlSets({ database, resolved, sets: lock.sets, appliedBefore: state.applied, pending, scripts: scripts!, sessionName, deployId: ids[0] ?? 0, onApplied });
        if (failure) log.schema.failure = { file: failure.path, line: failure.line, message: failure.message, transactional: failure.transactional };
        ran = { by: 'runner', ...(failure ? { failure } : {}), applied: lock.sets.map((set) => ({ dir: set.dir, count: pending.get(set.dir)?.length ?? 0 })) };
      }
    } catch (error) {
      for (const id of ids) await finishDeploy(ledger, id, { status: 'failed' }).catch(() => undefined);
      throw error;
    }
    const runOutcome = migrationRunStep(name, ran);
    if (runOutcome.verdict === 'refuse') await finish('failed');
    stop = log.settle(6, run.by === 'command' ? 'command' : 'run', runOutcome);
    if (stop) return log.result(stop, true);
    if (run.by === 'command') {
      // A set whose runner table exists keeps it complete: what the command applied is recorded there too.
      for (const set of lock.sets) {
        if (set.tool === 'sql' && keptByRunner(state.applied.get(set.dir))) await recordSqlMigrations(database, set.dir, pending.get(set.dir) ?? [], ids[0] ?? 0);
      }
    }

    // 7. The database reports the lockfile's heads; record and release.
    const decisions: Decision[] = [];
    for (const set of lock.sets) {
      // A SQL set run by a command is recorded by guard itself: after the command, the set is at the lockfile head. Run by guard's runner, its table says.
      const appliedAfter = set.tool === 'sql' && run.by === 'command' ? { tool: 'sql' as const, heads: set.heads } : await appliedStateOf(set, name, database, ledger, tables.get(set.dir));
      decisions.push(checkDeployed({ environment: name, lockSet: set, appliedAfter }));
    }
    const fingerprint = await finish(decisions.every((decision) => decision.ok) ? 'succeeded' : 'failed');
    const recordedIn = separateLedger ? redactUrl(resolved.ledgerUrl) : `${name}'s ledger`;
    stop = log.settle(7, 'record', deployedStep({ environment: name, decisions, heads: lock.sets.map((set) => set.heads), recordedIn, fingerprint }));
    if (stop) return log.result(stop, true);

    // Parity: the same migrations left the same schema here as in the environment before.
    if (policy !== 'ignore' && fingerprint && resolved.predecessor) {
      const reading = await readParity({ environment: name, predecessor: resolved.predecessor, predecessorSchema: predecessor?.schema, ours: fingerprint, after, settings: config.drift });
      if (reading.kind === 'same-fingerprint' || reading.kind === 'compared') log.schema.parity = { against: `${resolved.predecessor.name}'s at the same chain`, differences: reading.kind === 'compared' ? [...reading.differences] : [] };
      stop = log.settle(7, 'parity', parityStep({ environment: name, predecessor: resolved.predecessor.name, policy, reading }));
      if (stop) return log.result(stop, true);
    }
    return log.result(undefined, true);
  } catch (error) {
    throw redactError(error, urls);
  } finally {
    if (locked) await releaseLock(database, key).catch(() => undefined);
    await close();
  }
}

/**
 * What a deploy has said so far (its steps' lines, warnings, the schemas it
 * compared), and `settle`: each step's outcome through the one `--force`
 * policy (`settleStep`), its line printed as it happens.
 */
function deployLog(environment: string, options: Pick<DeployOptions, 'force' | 'progress'>) {
  const steps: DeployStep[] = [];
  const warnings: string[] = [];
  const schema: Pick<DeployResult, 'drift' | 'parity' | 'schemaFingerprint' | 'plan' | 'failure'> = {};
  const log = {
    warnings,
    schema,
    /** What step 2 did not check, when the deploy goes on under --unchecked-predecessor. */
    unchecked: undefined as string | undefined,
    progress(step: number, name: string, detail: string, ok = true) {
      const entry = { step, name, ok, detail };
      steps.push(entry);
      options.progress?.(entry);
    },
    /** Records the step's outcome; returns the refusal that stops the deploy, or undefined to go on. */
    settle(step: number, name: string, outcome: StepOutcome): Refusal | undefined {
      const settled = settleStep(outcome, options.force);
      if (settled.line) log.progress(step, name, settled.line.detail, settled.line.ok);
      warnings.push(...settled.warnings);
      if (settled.unchecked) log.unchecked = settled.unchecked;
      return settled.stop;
    },
    result(refusal: Refusal | undefined, ran: boolean): DeployResult {
      const exitCode = refusal ? refusal.exitCode : ExitCode.ok;
      return {
        schemaVersion: JSON_SCHEMA_VERSION,
        command: 'deploy',
        environment,
        ok: exitCode === 0,
        exitCode,
        ran,
        forced: options.force !== undefined,
        ...(log.unchecked ? { uncheckedPredecessor: log.unchecked } : {}),
        steps,
        warnings,
        ...(refusal ? { refusal: { message: refusal.message, fix: refusal.fix } } : {}),
        ...schema,
      };
    },
  };
  return log;
}

/** What step 6 runs or would run, per set (`--dry-run` prints it). */
function deployPlan(run: MigrationRun, sets: readonly LockSet[], pending: ReadonlyMap<string, readonly LockEntry[]>, scripts: ReadonlyMap<string, SqlRunMigration> | undefined): DeployPlan {
  return {
    by: run.by,
    command: run.shown,
    sets: sets.map((set) => ({
      dir: set.dir,
      pending: (pending.get(set.dir) ?? []).map((entry) => ({ id: entry.id, file: entry.file, ...(scripts ? { transactional: scripts.get(joinPath(set.dir, entry.file))!.script.transactional } : {}) })),
    })),
  };
}

export const deployCommand: CommandDefinition<DeployResult> = {
  name: 'deploy',
  summary: 'the pre-deploy gate: check, lock, run the migration command, record',
  help: `Usage: guard deploy ENV [--check | --dry-run] [--force] [--unchecked-predecessor] [--reason TEXT] [--lock-wait SECONDS] [-- COMMAND...]

Deploys the migrations HEAD holds to ENV (an environment of the config's
promotion chain), in seven steps, stopping at the first refusal:

  1. HEAD's migrations match ${LOCKFILE_NAME}, nothing under a migration dir
     is uncommitted;
  2. the environment before ENV has applied exactly this head with this
     chain digest (read from its database and ledger; unreadable, or a
     ledger row whose migrations do not produce its chain: exit 3, unless
     --unchecked-predecessor);
  3. the deploy lock: a PostgreSQL session advisory lock on ENV's database,
     waited for up to --lock-wait, naming who holds it; then, under the same
     wait, the sessions a killed guard's migration command left connected
     (named guard migrate #ID ...: a second migration never runs beside
     them, not even with --force); a deploy left \`running\` in the ledger (a
     crash) refuses until guard record ENV or --force --reason;
  4. ENV's ledger rows vouch for themselves (their migrations produce their
     chain digest; else exit 3), and what ENV has applied is a prefix of the
     lockfile's chain, with the same checksums (recorded amendments accepted);
  5. drift: ENV's live schema equals the one recorded at its last deploy
     (guard drift ENV lists what differs); ENV's \`drift:\` policy decides:
     refuse (exit 1; --force --reason overrides), warn (printed, the deploy
     goes on) or ignore (not checked; default warn). Not checked for an
     environment whose ledger: is another database (taken as ephemeral);
  6. COMMAND (or deploy.command) runs with ENVIRONMENT and GUARD_ENV=ENV,
     DATABASE_URL, PGOPTIONS carrying ENV's lock_timeout, statement_timeout
     and idle_in_transaction_session_timeout, GUARD_TRANSACTION_PER_MIGRATION,
     and PGAPPNAME naming its sessions after the deploy; it dies with guard
     (Linux: setpriv --pdeathsig; everywhere: its process group is killed
     when guard ends). It is printed and recorded with its secrets as ***.
     With no command, guard runs plain SQL sets (tool: sql) itself: each
     pending migration in its own transaction, with ENV's timeouts, recorded
     in ENV's guard.sql_migrations in that transaction; a file whose first
     line is \`-- guard:no-transaction\` (CREATE INDEX CONCURRENTLY) runs
     outside one. The first failure stops the run, recorded with
     PostgreSQL's message and the file's line; the migrations before it stay
     applied and recorded;
  7. ENV's database reports the lockfile's heads; the deploy is recorded in
     the ledger (schema guard) with the fingerprint and snapshot of the
     schema it left (also after a failed command), the lock released. Then
     parity: that schema against the predecessor's recorded at the same
     chain digest, under the same policy (refuse: exit 1, the deploy having
     run; warn: printed).

Options:
  --check            the gate only (steps 1-5): nothing is run or recorded
  --dry-run          the gate, then what would run (the pending migrations
                     of each set, and the command): nothing is run or recorded
  --force            override a refusal of steps 1, 2, 4 or 5 or a left-over
                     running deploy; needs --reason, which the ledger keeps
  --unchecked-predecessor
                     deploy even though the predecessor cannot be read
                     (step 2's exit 3); needs --reason; printed, recorded in
                     the ledger and shown by guard status until the
                     predecessor is readable again
  --reason TEXT      why the override is right
  --lock-wait SECS   how long to wait for the deploy lock (default 60)
  --format FORMAT    text (default) or json (stdout; the command's output goes to stderr)
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 deployed (or --check / --dry-run passed); 1 refused, the
command or a migration failed, or parity refused after the deploy ran; 2
usage or config error (an unknown environment, an unset variable, no
command for a set guard does not run itself, a SQL migration guard's
runner cannot run: a psql meta-command, a COMMIT, CONCURRENTLY without the
marker); 3 a database could not be read, or a ledger row does not vouch
for itself; 4 the deploy lock was not obtained in time, or a killed
deploy's migration sessions were still connected.`,
  options: { check: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, 'unchecked-predecessor': { type: 'boolean' }, reason: { type: 'string' }, 'lock-wait': { type: 'string' } },
  allowPositionals: true,
  async run(context, values, positionals) {
    const [environment, ...command] = positionals;
    if (!environment) throw inputError('guard deploy needs the environment', { fix: 'guard deploy staging -- alembic upgrade head' });
    const reason = (values.reason as string | undefined)?.trim();
    const unchecked = values['unchecked-predecessor'] === true;
    if (values.check && values['dry-run']) throw inputError('--check and --dry-run go alone', { fix: '--check runs the gate (steps 1-5); --dry-run also lists what would run: use one' });
    if (values.force && !reason) throw inputError('--force needs --reason TEXT', { fix: 'say why the refusal is wrong: --force --reason "restored from backup, checked by hand"' });
    if (unchecked && !reason) {
      throw inputError('--unchecked-predecessor needs --reason TEXT', { fix: 'say why deploying without the predecessor check is right: --unchecked-predecessor --reason "staging is down; this hotfix passed staging yesterday (INC-42)"' });
    }
    if (reason && !values.force && !unchecked) throw inputError('--reason goes with --force or --unchecked-predecessor', { fix: 'add --force (or --unchecked-predecessor), or drop --reason' });
    const wait = values['lock-wait'] === undefined ? 60 : Number(values['lock-wait']);
    if (!Number.isFinite(wait) || wait < 0) throw inputError(`--lock-wait ${String(values['lock-wait'])} is not a number of seconds`, { fix: '--lock-wait 120' });
    const { colours } = context;
    // Each step is reported as it ends, on stderr, before the migration command's own output.
    return deployEnvironment({
      cwd: context.cwd,
      configPath: context.configPath,
      environment,
      command,
      check: values.check === true,
      dryRun: values['dry-run'] === true,
      force: values.force ? { reason: reason! } : undefined,
      uncheckedPredecessor: unchecked ? { reason: reason! } : undefined,
      lockWaitMs: wait * 1000,
      env: context.env,
      commandStdout: context.format === 'json' ? 'stderr' : 'inherit',
      progress: (step) => context.err(`${step.ok ? colours.green(`${step.step}.`) : colours.red(`${step.step}.`)} ${step.name}: ${step.detail}`),
    });
  },
};

/** Whether guard's runner keeps this set's record in the database (guard.sql_migrations has rows of it, with content). */
function keptByRunner(state: AppliedState | undefined): boolean {
  return state?.appliedContent !== undefined;
}
