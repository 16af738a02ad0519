import { ExitCode } from '../core/exit-codes.js';
import { GuardError, inputError } from '../core/guard-error.js';
import { applicationName, migrationSessionName } from '../core/deploy/application-name.js';
import { checkDeployed } from '../core/deploy/check-deployed.js';
import { applyForce, checkRepository, uncommittedMigrationFiles } from '../core/deploy/check-repository.js';
import { chooseMigrationRun, migrationsToAdopt, RUNNER_NAME, runnerFailure } from '../core/deploy/choose-runner.js';
import { checkPredecessor } from '../core/deploy/check-predecessor.js';
import { checkRunningDeploy } from '../core/deploy/check-running-deploy.js';
import { checkTargetIntegrity, type IntegrityFinding } from '../core/deploy/check-target-integrity.js';
import { checkLedgerRows } from '../core/deploy/ledger-row-integrity.js';
import { commandEnvironment } from '../core/deploy/command-environment.js';
import { redactError, redactUrl } from '../core/deploy/redact-url.js';
import { resolveEnvironment } from '../core/deploy/resolve-environment.js';
import type { AppliedState, Decision } from '../core/deploy/types.js';
import type { MigrationSetConfig } from '../core/config/validate-config.js';
import type { LedgerRow } from '../shell/postgres/deployments.js';
import type { LiveSchema } from '../shell/schema-drift.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { ADAPTERS } from '../core/tools/registry.js';
import { JSON_SCHEMA_VERSION } from '../cli/output.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit, splitNul } from '../shell/git/run-git.js';
import { loadConfig } from '../shell/load-config.js';
import type { CommandDefinition } from './context.js';
import { verifyRepository } from './verify.js';
import { diffSchemas, type SchemaDifference } from '../core/drift/diff-schemas.js';
import { judgeDrift } from '../core/drift/judge-drift.js';
import { SINCE_DEPLOY_WORDING } from '../core/drift/format-schema-difference.js';
import { shortDigest } from '../core/deploy/short-digest.js';
import type { LockEntry, LockSet } from '../core/lockfile/types.js';
import { joinPath } from '../core/paths.js';
import { NO_TRANSACTION_MARKER, readSqlScript } from '../core/tools/sql/sql-script.js';
import { contentChecksum, normaliseContent } from '../core/checksum.js';
import { decodeUtf8Text } from '../core/migrations/decode-text.js';
import type { SqlRunMigration } from '../shell/postgres/sql-runner.js';


export interface DeployStep {
  step: number;
  name: string;
  ok: boolean;
  detail: string;
}

export interface DeployResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'deploy';
  environment: string;
  ok: boolean;
  exitCode: number;
  /** Whether the migration command ran (not with --check, not after a refusal). */
  ran: boolean;
  forced: boolean;
  /** Set when step 2 could not read the predecessor and --unchecked-predecessor let the deploy go on: what was not checked. */
  uncheckedPredecessor?: string;
  steps: DeployStep[];
  /** Warnings that did not stop the deploy (a ledger that disagrees with the tool's table, drift under `warn`). */
  warnings: string[];
  refusal?: { message: string; fix: string };
  /** Step 5: ENV's live schema against its last deploy (absent under `drift: ignore` or when nothing was compared). */
  drift?: SchemaComparison;
  /**
   * What the deploy runs or ran, per set: the migrations step 4 found
   * pending, and how (guard's runner for plain SQL, or the command). With
   * --dry-run, what would run.
   */
  plan?: DeployPlan;
  /** Guard's runner: the migration that failed, where, and PostgreSQL's message. */
  failure?: { file: string; line: number; message: string; transactional: boolean };
  /** After step 7: ENV's new schema against the predecessor's at the same chain. */
  parity?: SchemaComparison;
  /** The fingerprint of ENV's schema after the deploy, as recorded in the ledger. */
  schemaFingerprint?: string;
}

export interface DeployPlan {
  /** `runner`: guard applies the plain SQL itself; `command`: the migration command. */
  by: 'runner' | 'command';
  /** The command line as printed and recorded (secrets as ***), or guard's runner. */
  command: string;
  sets: { dir: string; pending: { id: string; file: string; transactional?: boolean }[] }[];
}

export interface SchemaComparison {
  against: string;
  differences: SchemaDifference[];
}

export interface DeployOptions {
  cwd: string;
  configPath?: string | undefined;
  environment: string;
  /** The migration command; default: the config's deploy.command (run by sh). */
  command?: string[] | undefined;
  /** The gate only: steps 1 to 5, nothing run or recorded. */
  check?: boolean;
  /** Steps 1 to 5, then what would run (`plan`): nothing run or recorded. */
  dryRun?: boolean;
  force?: { reason: string } | undefined;
  /**
   * The break-glass of step 2: a predecessor that cannot be read (exit 3)
   * does not stop the deploy; what was not checked is printed, recorded in
   * the ledger with the reason, and shown by `guard status`.
   */
  uncheckedPredecessor?: { reason: string } | undefined;
  /** How long to wait for the deploy lock (step 3). */
  lockWaitMs: number;
  env: NodeJS.ProcessEnv;
  /** Where the command's output goes: the terminal, or stderr when stdout carries JSON. */
  commandStdout: 'inherit' | 'stderr';
  /** Progress lines, as each step finishes. */
  progress?(step: DeployStep): void;
}

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
  const resolved = resolveEnvironment(config, options.environment, options.env);
  const name = resolved.environment.name;
  const steps: DeployStep[] = [];
  const warnings: string[] = [];
  const urls = [resolved.databaseUrl, resolved.ledgerUrl];
  const result = (exitCode: number, ran: boolean, refusal?: { message: string; fix: string }): DeployResult => ({
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'deploy',
    environment: name,
    ok: exitCode === 0,
    exitCode,
    ran,
    forced: options.force !== undefined,
    ...(unchecked ? { uncheckedPredecessor: unchecked } : {}),
    steps,
    warnings,
    ...(refusal ? { refusal } : {}),
    ...schema,
  });
  const schema: Pick<DeployResult, 'drift' | 'parity' | 'schemaFingerprint' | 'plan' | 'failure'> = {};
  /** What step 2 did not check, when the deploy goes on under --unchecked-predecessor. */
  let unchecked: string | undefined;
  const policy = resolved.environment.drift;
  const done = (step: number, stepName: string, detail: string) => {
    const entry = { step, name: stepName, ok: true, detail };
    steps.push(entry);
    options.progress?.(entry);
  };
  /** A refusal, or with --force a recorded override (applyForce). Returns the result to stop with, or undefined to go on. */
  const refuse = (step: number, stepName: string, decision: Exclude<Decision, { ok: true }>, overridable = true): DeployResult | undefined => {
    const entry = { step, name: stepName, ok: false, detail: decision.message };
    steps.push(entry);
    options.progress?.(entry);
    const outcome = applyForce(decision, options.force, overridable);
    if (!outcome.stop) {
      warnings.push(outcome.warning);
      return undefined;
    }
    return result(outcome.refusal.exitCode, false, { message: outcome.refusal.message, fix: outcome.refusal.fix });
  };

  // 1. What HEAD ships matches its lockfile, and the work tree adds nothing unseen.
  const { committedLockfile, actorOf, connectEnvironment, deployLockKey, deployRow, readEnvironmentState, appliedStateOf } = await import('../shell/environment-state.js');
  const { lock, commit } = await committedLockfile(repository.root);
  const verified = await verifyRepository({ cwd: repository.root, configPath: options.configPath, source: { kind: 'revision', rev: commit } });
  const dirs = config.migrations.map((set) => set.dir);
  // https://git-scm.com/docs/git-status#_porcelain_format_version_1: "XY PATH" records, -z separated.
  const status = splitNul(await runGit(repository.root, ['status', '--porcelain', '-z', '--untracked-files=all', '--', ...dirs, LOCKFILE_NAME])).flatMap((record) => (record.length > 3 ? [record.slice(3)] : []));
  const uncommitted = uncommittedMigrationFiles(status, LOCKFILE_NAME, lock.sets.map((set) => ({ dir: set.dir, candidate: (file: string) => ADAPTERS[set.tool].candidate(file) })));
  const repositoryCheck = checkRepository({ findings: verified.findings, uncommitted });
  if (!repositoryCheck.ok) {
    const stop = refuse(1, 'repository', repositoryCheck);
    if (stop) return stop;
  } else {
    done(1, 'repository', `${commit.slice(0, 12)}: ${lock.sets.map((set) => `${set.dir} at ${set.heads.join(', ') || 'nothing'}`).join('; ')}`);
  }

  const { connect, disconnect } = await import('../shell/postgres/connect.js');
  const { acquireLock, releaseLock, describeHolder, formatWait } = await import('../shell/postgres/advisory-lock.js');
  const { waitForMigrationSessions } = await import('../shell/postgres/migration-sessions.js');
  const { ensureLedger } = await import('../shell/postgres/ledger.js');
  const { startDeploy, finishDeploy, settleRunning } = await import('../shell/postgres/deployments.js');
  const { actor, host } = await actorOf(repository.root);
  const appName = applicationName({ environment: name, actor, host, pid: process.pid });

  // 2. The predecessor applied exactly this head with this chain digest.
  type PredecessorConnection = Extract<NonNullable<typeof resolved.predecessorConnection>, { ok: true }>;
  let predecessorSchema: { fingerprint: string; connection: PredecessorConnection } | undefined;
  if (resolved.predecessor) {
    const predecessorConfig = resolved.predecessor;
    const predecessor = predecessorConfig.name;
    /** Reads the predecessor and decides; a predecessor that cannot be read throws GuardError exit 3. */
    const readPredecessor = async (): Promise<Decision> => {
      const connection = resolved.predecessorConnection;
      if (!connection || !connection.ok) throw connection?.error ?? new GuardError(ExitCode.unreadable, `cannot read ${predecessor}`, { fix: `set its database variable` });
      const predecessorUrls = [connection.urls.databaseUrl, connection.urls.ledgerUrl].filter(Boolean);
      const appNameCheck = `guard check ${predecessor} for ${name}`;
      const predecessorLedger = await connect(connection.urls.ledgerUrl, { applicationName: appNameCheck, role: connection.ledgerOnly ? 'ledger' : 'target', source: connection.ledgerOnly ? predecessorConfig.ledger : predecessorConfig.database });
      let predecessorDb: Awaited<ReturnType<typeof connect>> | undefined;
      try {
        let deploys: Map<string, LedgerRow | undefined>;
        let applied: Map<string, import('../core/deploy/types.js').AppliedState> | undefined;
        if (connection.ledgerOnly) {
          const { readDeploys } = await import('../shell/postgres/deployments.js');
          const rows = await readDeploys(predecessorLedger, predecessor);
          deploys = new Map(lock.sets.map((set) => [set.dir, rows.find((row) => row.migrationSet === set.dir)?.lastSuccessful]));
        } else {
          predecessorDb = connection.urls.databaseUrl === connection.urls.ledgerUrl ? predecessorLedger : await connect(connection.urls.databaseUrl, { applicationName: appNameCheck, source: predecessorConfig.database });
          const state = await readEnvironmentState(predecessor, lock, predecessorDb, predecessorLedger);
          deploys = new Map([...state.deploys].map(([dir, rows]) => [dir, rows?.lastSuccessful]));
          applied = state.applied;
        }
        const decision = checkPredecessor({ environment: name, predecessor, lockSets: lock.sets, predecessorDeploys: deploys, ...(applied ? { predecessorApplied: applied } : {}) });
        // When the check passes, each set's last deploy there is at this chain, so their fingerprint (one per deploy) is the predecessor's schema at this chain: parity compares with it.
        const fingerprints = new Set([...deploys.values()].map((row) => row?.schemaFingerprint));
        const [only] = fingerprints;
        if (decision.ok && fingerprints.size === 1 && only) predecessorSchema = { fingerprint: only, connection };
        return decision;
      } catch (error) {
        throw redactError(error, [...urls, ...predecessorUrls]);
      } finally {
        await disconnect(predecessorLedger);
        if (predecessorDb && predecessorDb !== predecessorLedger) await disconnect(predecessorDb);
      }
    };
    let decision: Decision;
    try {
      decision = await readPredecessor();
    } catch (error) {
      if (!(error instanceof GuardError) || error.exitCode !== ExitCode.unreadable) throw error;
      decision = { ok: false, code: 'predecessor-unread', exitCode: 3, message: error.message, fix: error.fix ?? `make ${predecessor} readable from here and retry` };
    }
    if (decision.ok) {
      done(2, 'predecessor', `${predecessor} has applied this head with this chain`);
      if (options.uncheckedPredecessor) warnings.push(`--unchecked-predecessor was not needed: ${predecessor} was read and checked, and nothing unchecked is recorded`);
    } else if (decision.exitCode === ExitCode.unreadable && options.uncheckedPredecessor) {
      // The break-glass: never silent. Printed here, kept in the ledger, shown by guard status until the predecessor is readable again.
      unchecked = `${predecessor}: ${decision.message}`;
      const entry = { step: 2, name: 'predecessor', ok: false, detail: `NOT CHECKED (--unchecked-predecessor: ${options.uncheckedPredecessor.reason}): ${decision.message}` };
      steps.push(entry);
      options.progress?.(entry);
      warnings.push(
        `--unchecked-predecessor: ${name} is deployed WITHOUT checking that ${predecessor} applied this head with this chain (${decision.code}); the reason, who and what was not checked go to ${name}'s ledger, and guard status shows it until ${predecessor} is readable again`,
      );
    } else {
      const fix =
        decision.exitCode === ExitCode.unreadable
          ? `${decision.fix}; if ${predecessor} cannot be made readable and this deploy cannot wait, \`guard deploy ${name} --unchecked-predecessor --reason "..."\` deploys without this check: recorded in ${name}'s ledger (who, why, what was not checked) and shown by \`guard status\` until ${predecessor} is readable again`
          : decision.fix;
      const stop = refuse(2, 'predecessor', { ...decision, fix });
      if (stop) return stop;
    }
  } else {
    done(2, 'predecessor', `${name} is the first environment with a database: nothing before it to check`);
    if (options.uncheckedPredecessor) warnings.push(`--unchecked-predecessor was not needed: ${name} has no predecessor`);
  }

  // 3. The deploy lock, on ENV's own database: a session lock, so a guard killed mid-way leaves none.
  const separateLedger = resolved.ledgerUrl !== resolved.databaseUrl;
  const { database, ledger, close } = await connectEnvironment(resolved.environment, resolved, appName);
  const key = deployLockKey(config, name);
  let locked = false;
  const lockDeadline = performance.now() + options.lockWaitMs;
  try {
    await acquireLock(database, key, {
      waitMs: options.lockWaitMs,
      name: `the deploy lock of ${name}`,
      onWaiting: (holder) => options.progress?.({ step: 3, name: 'lock', ok: true, detail: `waiting for ${describeHolder(holder)}` }),
    });
    locked = true;
    // The lock is ours, so no guard is deploying here; a migration session still connected belongs to a
    // guard that was killed: wait for it (never run a second migration beside it), up to --lock-wait.
    await waitForMigrationSessions(database, {
      environment: name,
      deadline: lockDeadline,
      waited: () => formatWait(options.lockWaitMs),
      onWaiting: (message) => options.progress?.({ step: 3, name: 'lock', ok: true, detail: message }),
    });
    // A check changes nothing: a database without a ledger simply has no deploys yet.
    const readOnly = options.check === true || options.dryRun === true;
    if (!readOnly) await ensureLedger(ledger);
    done(3, 'lock', `holding the deploy lock of ${name} (key ${key})`);

    const state = await readEnvironmentState(name, lock, database, ledger);
    const appliedBefore = state.applied;
    // A row left `running` is a deploy that died mid-way: someone must look before the next one runs.
    // With a separate ledger (ephemeral CI databases), other jobs' running rows are not about this database.
    if (!separateLedger) {
      const running = [...state.deploys.values()].flatMap((rows) => (rows?.latest.status === 'running' ? [rows.latest] : []));
      const decision = checkRunningDeploy({ environment: name, running, now: new Date() });
      if (!decision.ok) {
        const stop = refuse(3, 'lock', decision);
        if (stop) return stop;
        if (!readOnly) await settleRunning(ledger, name, { reason: `settled by a forced deploy: ${options.force!.reason}` });
      }
    }

    // 4. What the target applied is a prefix of the lockfile's chain, judged on ledger rows that vouch for themselves.
    const trusted = checkLedgerRows({ environment: name, rows: lock.sets.map((set) => ({ row: state.deploys.get(set.dir)?.lastSuccessful, lockSet: set })) });
    if (!trusted.ok) {
      const stop = refuse(4, 'integrity', trusted);
      if (stop) return stop;
    }
    const findings: IntegrityFinding[] = [];
    /** Per set dir: the lockfile's entries ENV has not applied, in apply order. */
    const pending = new Map<string, LockEntry[]>();
    for (const set of lock.sets) {
      const integrity = checkTargetIntegrity({
        environment: name,
        lockSet: set,
        amendments: lock.amendments,
        lastDeploy: state.deploys.get(set.dir)?.lastSuccessful,
        applied: state.applied.get(set.dir)!,
        separateLedger,
        outOfOrder: config.migrations.some((listed) => listed.dir === set.dir && listed.outOfOrder === 'allow'),
      });
      findings.push(...integrity.findings);
      pending.set(set.dir, integrity.pending);
    }
    for (const finding of findings.filter((item) => item.severity === 'warn')) warnings.push(`${finding.message} (${finding.fix})`);
    const refusals = findings.filter((item) => item.severity === 'refuse');
    if (refusals.length > 0) {
      const stop = refuse(4, 'integrity', { ok: false, code: 'target-integrity', exitCode: 1, message: refusals.map((item) => item.message).join('; '), fix: refusals[0]!.fix });
      if (stop) return stop;
    } else {
      done(4, 'integrity', `${name} has applied a prefix of the lockfile's chain`);
    }

    // 5. Drift: the live schema is the one recorded at ENV's last deploy.
    const { driftSinceLastDeploy, recordLiveSchema } = await import('../shell/schema-drift.js');
    if (policy === 'ignore') {
      done(5, 'drift', `not checked (drift: ignore for ${name})`);
    } else if (separateLedger) {
      // A database whose ledger lives elsewhere is ephemeral (a CI database built afresh): its last deploy was another database.
      done(5, 'drift', `not checked: ${name}'s ledger is in another database, so its database is taken as ephemeral; the schema this deploy leaves is recorded for the parity of the next environment`);
    } else {
      const drift = await driftSinceLastDeploy(database, ledger, name, config.drift);
      if (drift.differences === undefined || drift.against === undefined) {
        done(5, 'drift', drift.note ?? 'nothing to compare');
      } else {
        schema.drift = { against: drift.against, differences: drift.differences };
        const verdict = judgeDrift({ check: 'drift', environment: name, policy, against: drift.against, differences: drift.differences, wording: SINCE_DEPLOY_WORDING, listCommand: `guard drift ${name}` });
        if (verdict.outcome === 'refuse') {
          const stop = refuse(5, 'drift', verdict.refusal);
          if (stop) return stop;
        } else {
          if (verdict.outcome === 'warn') warnings.push(verdict.warning);
          done(5, 'drift', verdict.outcome === 'clean' ? `${verdict.detail} (sha256:${shortDigest(drift.live.fingerprint)})` : verdict.detail);
        }
      }
    }

    if (options.check) return result(ExitCode.ok, false);

    // 6. The command, with ENV's settings, recorded as running first; or, for plain SQL without a command, guard's runner.
    const run = chooseMigrationRun({ environment: name, argv: options.command ?? [], configured: config.deploy.command, sets: lock.sets });
    const command = run.by === 'command' ? run.argv : undefined;
    // What is printed and recorded: the command line with its secrets redacted (a URL's password, PGPASSWORD=, tokens).
    const shown = run.shown;
    const scripts = command ? undefined : await readPendingScripts(repository.root, commit, config.migrations, lock.sets, pending);
    schema.plan = {
      by: command ? 'command' : 'runner',
      command: shown,
      sets: lock.sets.map((set) => ({
        dir: set.dir,
        pending: (pending.get(set.dir) ?? []).map((entry) => ({ id: entry.id, file: entry.file, ...(scripts ? { transactional: scripts.get(joinPath(set.dir, entry.file))!.script.transactional } : {}) })),
      })),
    };
    if (options.dryRun) return result(ExitCode.ok, false);
    if (!command && resolved.environment.settings.transaction_per_migration === false) {
      warnings.push(`settings.transaction_per_migration: false of ${name} is for a migration command: guard's runner runs each migration in its own transaction (or none, with -- ${NO_TRANSACTION_MARKER})`);
    }
    const ids: number[] = [];
    for (const set of lock.sets) {
      ids.push(
        await startDeploy(
          ledger,
          deployRow(set, { environment: name, commit, actor, host, command: shown, reason: options.force?.reason ?? options.uncheckedPredecessor?.reason ?? null, forced: options.force !== undefined, uncheckedPredecessor: unchecked ?? null }),
        ),
      );
    }
    // Every session of the command carries the deploy's first ledger row id: a session left behind by a killed guard is found and named by it.
    const sessionName = migrationSessionName({ deployId: ids[0] ?? 0, environment: name, actor, host, pid: process.pid });
    const environment = commandEnvironment({ environment: name, databaseUrl: resolved.databaseUrl, settings: resolved.environment.settings, inherited: options.env, sessionName });
    // What a deploy left, failed or not, is the next deploy's baseline: a half-run migration changed the schema too.
    let after: LiveSchema | undefined;
    const schemaAfter = async (): Promise<string | null> => {
      try {
        const live = await recordLiveSchema(database, ledger, name);
        after = live;
        schema.schemaFingerprint = live.fingerprint;
        return live.fingerprint;
      } catch (error) {
        warnings.push(`the schema after the deploy could not be recorded: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }
    };
    let exit: number;
    try {
      if (command) {
        const { runMigrationCommand } = await import('../shell/migration-process.js');
        exit = await runMigrationCommand(command, { env: environment, stdout: options.commandStdout });
      } else {
        const failure = await runSqlSets(sessionName, ids[0] ?? 0);
        if (failure) {
          schema.failure = { file: failure.path, line: failure.line, message: failure.message, transactional: failure.transactional };
          const fingerprint = await schemaAfter();
          for (const id of ids) await finishDeploy(ledger, id, { status: 'failed', schemaFingerprint: fingerprint });
          steps.push({ step: 6, name: 'run', ok: false, detail: `${failure.path} line ${failure.line}: ${failure.message}` });
          const refusal = runnerFailure(name, failure);
          return result(refusal.exitCode, true, { message: refusal.message, fix: refusal.fix });
        }
        exit = 0;
      }
    } catch (error) {
      for (const id of ids) await finishDeploy(ledger, id, { status: 'failed' }).catch(() => undefined);
      throw error;
    }
    if (command && exit !== 0) {
      const fingerprint = await schemaAfter();
      for (const id of ids) await finishDeploy(ledger, id, { status: 'failed', schemaFingerprint: fingerprint });
      steps.push({ step: 6, name: 'command', ok: false, detail: `${shown} exited ${exit}` });
      return result(ExitCode.refused, true, { message: `the migration command failed on ${name}: ${shown} exited ${exit}`, fix: `read its output above; the deploy is recorded as failed in ${name}'s ledger` });
    }
    if (command) {
      done(6, 'command', `${shown} exited 0`);
      // A set whose runner table exists keeps it complete: what the command applied is recorded there too.
      const { recordSqlMigrations } = await import('../shell/postgres/sql-runner.js');
      for (const set of lock.sets) {
        if (set.tool === 'sql' && keptByRunner(state.applied.get(set.dir))) await recordSqlMigrations(database, set.dir, pending.get(set.dir) ?? [], ids[0] ?? 0);
      }
    } else {
      done(6, 'run', `${RUNNER_NAME}: ${lock.sets.map((set) => `${set.dir}: ${count(pending.get(set.dir)?.length ?? 0)} applied`).join('; ')}`);
    }

    // 7. The database reports the lockfile's heads; record and release.
    for (const set of lock.sets) {
      const decision = checkDeployed({ environment: name, lockSet: set, appliedAfter: await appliedStateAfter(set) });
      if (!decision.ok) {
        const fingerprint = await schemaAfter();
        for (const id of ids) await finishDeploy(ledger, id, { status: 'failed', schemaFingerprint: fingerprint });
        steps.push({ step: 7, name: 'record', ok: false, detail: decision.message });
        return result(decision.exitCode, true, { message: decision.message, fix: decision.fix });
      }
    }
    const fingerprint = await schemaAfter();
    for (const id of ids) await finishDeploy(ledger, id, { status: 'succeeded', schemaFingerprint: fingerprint });
    done(7, 'record', `${name} is at ${lock.sets.map((set) => set.heads.join(', ')).join('; ')}; recorded in ${separateLedger ? redactUrl(resolved.ledgerUrl) : `${name}'s ledger`}${fingerprint ? ` with schema sha256:${shortDigest(fingerprint)}` : ''}`);

    // Parity: the same migrations left the same schema here as in the environment before.
    if (policy !== 'ignore' && fingerprint) {
      const parity = await checkParity(fingerprint);
      if (parity) return parity;
    }
    return result(ExitCode.ok, true);

    async function checkParity(ours: string): Promise<DeployResult | undefined> {
      if (!resolved.predecessor) return undefined;
      const before = resolved.predecessor.name;
      if (!predecessorSchema) {
        done(7, 'parity', `not compared: ${before} has no schema fingerprint recorded at this chain`);
        return undefined;
      }
      const against = `${before}'s at the same chain`;
      if (predecessorSchema.fingerprint === ours) {
        schema.parity = { against, differences: [] };
        done(7, 'parity', `${name}'s schema matches ${against}`);
        return undefined;
      }
      // The deploy has run and is recorded: a predecessor that cannot be read now is a warning, not a failure.
      const urls = predecessorSchema.connection.urls;
      const { loadSchemaSnapshot } = await import('../shell/postgres/schema-snapshots.js');
      let recorded;
      try {
        const theirs = await connect(urls.ledgerUrl, { applicationName: `guard parity ${before} for ${name}`, role: 'ledger', source: predecessorSchema.connection.ledgerOnly ? resolved.predecessor.ledger : resolved.predecessor.database });
        try {
          recorded = await loadSchemaSnapshot(theirs, predecessorSchema.fingerprint);
        } finally {
          await disconnect(theirs);
        }
      } catch (error) {
        const message = redactError(error, [urls.databaseUrl, urls.ledgerUrl]);
        warnings.push(`parity not checked: ${message instanceof Error ? message.message : String(message)}`);
        return undefined;
      }
      if (!recorded || !after) {
        warnings.push(`${name}'s schema fingerprint differs from ${against}, but ${before}'s ledger lacks its snapshot: guard drift ${before} ${name} compares the live schemas`);
        return undefined;
      }
      const differences = diffSchemas(recorded, after.snapshot, config.drift);
      schema.parity = { against, differences };
      const verdict = judgeDrift({ check: 'parity', environment: name, policy, against, differences, wording: { added: `only in ${name}`, removed: `only in ${before}` }, listCommand: `guard drift ${before} ${name}` });
      if (verdict.outcome === 'refuse') {
        // The deploy ran either way; --force (which let drift through at step 5) turns this into a warning too.
        const stop = refuse(7, 'parity', verdict.refusal);
        return stop ? { ...stop, ran: true } : undefined;
      }
      if (verdict.outcome === 'warn') warnings.push(verdict.warning);
      done(7, 'parity', verdict.detail);
      return undefined;
    }

    // A SQL set run by a command is recorded by guard itself: after the command, the set is at the lockfile head.
    // Run by guard's runner, its table says what was applied.
    async function appliedStateAfter(set: (typeof lock.sets)[number]) {
      if (set.tool === 'sql' && command) return { tool: 'sql' as const, heads: set.heads };
      return appliedStateOf(set, name, database, ledger);
    }

    /** guard's runner over every set's pending migrations, in lockfile order; the first failure stops it. */
    async function runSqlSets(sessionName: string, deployId: number) {
      const { ensureSqlRunnerTable, runSqlMigrations } = await import('../shell/postgres/sql-runner.js');
      await ensureSqlRunnerTable(database);
      for (const set of lock.sets) {
        const state = appliedBefore.get(set.dir);
        const before = pending.get(set.dir) ?? [];
        const migrations = before.map((entry) => scripts!.get(joinPath(set.dir, entry.file))!);
        // A set deployed by a command before: what the ledger vouched for is adopted into the runner's table.
        const adopt = migrationsToAdopt(set.migrations, state);
        if (migrations.length === 0 && adopt.length === 0) continue;
        const run = await runSqlMigrations({
          databaseUrl: resolved.databaseUrl,
          sessionName,
          settings: resolved.environment.settings,
          set: set.dir,
          deployId,
          migrations,
          adopt,
          source: resolved.environment.database,
          onApplied: (migration, ms) => options.progress?.({ step: 6, name: 'run', ok: true, detail: `applied ${migration.path}${migration.script.transactional ? '' : ' (outside a transaction)'} in ${Math.round(ms)} ms` }),
        });
        if (run.failure) return run.failure;
      }
      return undefined;
    }
  } catch (error) {
    throw redactError(error, urls);
  } finally {
    if (locked) await releaseLock(database, key).catch(() => undefined);
    await close();
  }
}

export const deployCommand: CommandDefinition = {
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
    const deployed = await deployEnvironment({
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
    for (const warning of deployed.warnings) context.err(`${colours.yellow('warning')} ${warning}`);
    if (context.format === 'json') {
      context.out(JSON.stringify(deployed, null, 2));
      return deployed.exitCode;
    }
    if (deployed.refusal) context.err(`${colours.red('refused')} ${deployed.refusal.message}\n  ${colours.dim('fix:')} ${deployed.refusal.fix.replace(/\n/g, '\n       ')}`);
    else if (!deployed.ran && deployed.plan) {
      const lines = deployed.plan.sets.map((set) =>
        set.pending.length === 0
          ? `  ${set.dir}: nothing pending`
          : `  ${set.dir}:\n${set.pending.map((entry) => `    ${entry.file}${entry.transactional === false ? ' (outside a transaction)' : ''}`).join('\n')}`,
      );
      context.err(`${colours.green('ok')} the gate passes for ${deployed.environment}; ${deployed.plan.by === 'runner' ? "guard's SQL runner would apply" : `\`${deployed.plan.command}\` would run, with`}:\n${lines.join('\n')}\n${colours.dim('nothing was run or recorded (--dry-run)')}`);
    } else if (!deployed.ran) context.err(`${colours.green('ok')} the gate passes for ${deployed.environment}; nothing was run (--check)`);
    else context.err(`${colours.green('deployed')} ${deployed.environment}`);
    return deployed.exitCode;
  },
};

/** Whether guard's runner keeps this set's record in the database (guard.sql_migrations has rows of it, with content). */
function keptByRunner(state: AppliedState | undefined): boolean {
  return state?.appliedContent !== undefined;
}

/**
 * The pending migrations of plain SQL sets as the deployed commit holds them
 * (listed as every gate lists them, a symlink read through its link; one
 * `git cat-file --batch`), checked against the lockfile's checksums and read
 * for the runner as they were sealed: the checksum's normal form (no
 * byte-order mark, LF line ends) is what runs, so a file turned to CRLF on a
 * branch, which the gates rightly let through, runs as the same SQL. A
 * script the runner cannot run (a psql meta-command, a COMMIT in a
 * transactional migration, CREATE INDEX CONCURRENTLY without the marker)
 * stops the deploy here, before anything runs.
 *
 * @throws GuardError exit 2 naming the file and line
 */
async function readPendingScripts(
  root: string,
  commit: string,
  configured: readonly MigrationSetConfig[],
  sets: readonly LockSet[],
  pending: ReadonlyMap<string, readonly LockEntry[]>,
): Promise<Map<string, SqlRunMigration>> {
  const wanted = sets.flatMap((set) => (pending.get(set.dir) ?? []).map((entry) => ({ set, entry, path: joinPath(set.dir, entry.file) })));
  if (wanted.length === 0) return new Map();
  const { listSets } = await import('../shell/discover-sets.js');
  const { readBlobs } = await import('../shell/git/read-blobs.js');
  const listing = await listSets(root, configured.filter((set) => wanted.some((item) => item.set.dir === set.dir)), { kind: 'revision', rev: commit });
  const blobOf = new Map<string, string>();
  for (const set of (await listing.sets()).values()) for (const file of set.files) if (file.oid) blobOf.set(file.full, file.oid);
  const blobs = await readBlobs(root, [...new Set(wanted.flatMap((item) => blobOf.get(item.path) ?? []))]);
  const scripts = new Map<string, SqlRunMigration>();
  for (const { entry, path } of wanted) {
    const oid = blobOf.get(path);
    const bytes = oid === undefined ? undefined : blobs.get(oid);
    if (!bytes) throw new GuardError(ExitCode.unreadable, `${path} is in ${LOCKFILE_NAME} but commit ${commit.slice(0, 12)} does not hold it as a file`, { fix: 'run guard verify: the lockfile and the migrations disagree' });
    if (contentChecksum(bytes) !== entry.sha256.replace(/^sha256:/, '')) {
      throw new GuardError(ExitCode.refused, `${path} at ${commit.slice(0, 12)} does not match its checksum in ${LOCKFILE_NAME}`, { fix: 'run guard verify and fix what it reports before deploying' });
    }
    const decoded = decodeUtf8Text(path, normaliseContent(bytes));
    if ('problem' in decoded) throw inputError(decoded.problem, { fix: 'save it as UTF-8: guard sends SQL to PostgreSQL as UTF-8', location: { file: path, line: decoded.line } });
    const script = readSqlScript(decoded.text);
    const [problem] = script.problems;
    if (problem) {
      throw inputError(`${path} line ${problem.line}: ${problem.message}`, { fix: problem.fix, location: { file: path, line: problem.line } });
    }
    scripts.set(path, { id: entry.id, file: entry.file, path, sha256: entry.sha256, script });
  }
  return scripts;
}

function count(n: number): string {
  return n === 1 ? '1 migration' : `${n} migrations`;
}
