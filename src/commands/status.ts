import { inputError } from '../core/guard-error.js';
import { connectionUrls } from '../core/deploy/resolve-environment.js';
import { redactSecrets } from '../core/deploy/redact-url.js';
import { sameHeads } from '../core/deploy/same-heads.js';
import { ledgerRowProblem } from '../core/deploy/ledger-row-integrity.js';
import type { MigrationSession } from '../core/deploy/migration-sessions.js';
import { judgeUncheckedPredecessor, type UncheckedVerdict } from '../core/deploy/unchecked-predecessor.js';
import { checkTargetIntegrity, type IntegrityFinding } from '../core/deploy/check-target-integrity.js';
import { promotionBlockers, type PromotionBlocker, type PromotionState } from '../core/status/promotion-blockers.js';
import type { DriftPolicy, EnvironmentConfig } from '../core/config/validate-config.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { loadConfig } from '../shell/load-config.js';
import type { CommandDefinition } from './context.js';

export interface EnvironmentStatus {
  name: string;
  /** False when its variables are unset or its database cannot be read; `error` says why. */
  reachable: boolean;
  error?: string;
  /** The advisory lock key guard deploys of this environment take (for scripts that take it too). */
  lockKey: string;
  /** Its deploys are recorded in another database (`ledger:`): its own database is taken as ephemeral (CI). */
  separateLedger: boolean;
  lockHolder?: { pid: number; applicationName: string | null; since: string | null };
  /**
   * Sessions of a deploy's migration command connected to its database
   * (named `guard migrate #ID ...`). With the lock held, those of the
   * running deploy; with the lock free, left behind by a guard that was
   * killed: the next deploy or record waits for them.
   */
  migrationSessions: MigrationSession[];
  /**
   * The live schema against the one recorded at the last deploy:
   * `none` (equal), `drift` (`differences` objects differ), `unknown`
   * (nothing recorded to compare with: `note` says why) or `ignored`
   * (`drift: ignore`). `policy` is the environment's `drift:`, what a deploy
   * does about it.
   */
  drift?: { state: 'none' | 'drift' | 'unknown' | 'ignored'; differences: number; note?: string; policy: DriftPolicy };
  /**
   * The next promotion into this environment (`guard deploy ENV` of HEAD):
   * `blocked`, `unknown` (something could not be read), `ready` (nothing
   * blocks, `pending` migrations to run) or `current` (nothing to run); the
   * summary says it in one line.
   */
  promotion: { state: PromotionState; summary: string; pending: number };
  /** What stands in its way, in plain words: `blocks`, `unknown`, then `warns` (the deploy would go on). */
  blockers: PromotionBlocker[];
  sets: {
    dir: string;
    /** What the tool's table reports now. */
    heads: string[];
    /** The chain digest of the last successful deploy, when there is one and its row vouches for itself. */
    chain: string | null;
    /** Why the last successful deploy's row is not trusted (its migrations do not produce its chain); the environment then counts as unreadable (exit 3). */
    ledgerProblem?: string;
    /** Same heads as the tool's table reports and the same chain digest as HEAD's lockfile. */
    matchesRepository: boolean;
    lastDeploy: { status: string; at: string; actor: string; host: string; commit: string | null; forced: boolean } | null;
    running: boolean;
    /** File names (relative to `dir`) of HEAD's lockfile entries the environment has not applied, in apply order: what a deploy would run. */
    pending: string[];
    /**
     * The last successful deploy went ahead without the predecessor check
     * (`--unchecked-predecessor`). `state`: `unchecked` (the predecessor
     * still cannot be read, or was not read by this status), `differs` (it
     * is readable and has not applied this chain), `confirmed` (it is
     * readable and has: the text table stops showing it).
     */
    uncheckedPredecessor?: UncheckedPredecessor;
  }[];
}

export interface UncheckedPredecessor extends UncheckedVerdict {
  deployId: number;
  predecessor: string;
  /** What could not be checked, as the deploy recorded it. */
  what: string;
  reason: string | null;
  by: string;
  at: string;
}

export interface StatusResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'status';
  ok: boolean;
  exitCode: number;
  /** HEAD's lockfile, what the chain is compared with. */
  repository: { commit: string; sets: { dir: string; heads: string[]; chain: string }[] };
  /** The config's environments in promotion order; those without a database are not deployed by guard and have no entry in `environments`. */
  chain: { name: string; database: boolean }[];
  environments: EnvironmentStatus[];
}

/**
 * `guard status [ENV...]`: per environment of the chain, what it has applied,
 * whether that is HEAD's chain, its last deploy and who holds its lock. A
 * constant number of queries per environment (the ledger's latest rows, one
 * per set for the tool's table, the lock holder), whatever the number of
 * migrations; environments are read in parallel.
 *
 * @example
 * const status = await environmentStatus({ cwd: '/repo', environments: [], env: process.env });
 * // status.environments[0].promotion: { state: 'blocked', summary: '...', pending: 2 }; status.environments[0].blockers
 */
export async function environmentStatus(options: { cwd: string; configPath?: string | undefined; environments: string[]; env: NodeJS.ProcessEnv }): Promise<StatusResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const known = config.environments.map((environment) => environment.name);
  for (const name of options.environments) {
    if (!known.includes(name)) throw inputError(`${JSON.stringify(name)} is not an environment of the config (chain: ${known.join(' -> ') || 'none'})`, { fix: `use one of: ${known.join(', ')}` });
  }
  const chosen = config.environments.filter((environment) => environment.database !== undefined && (options.environments.length === 0 || options.environments.includes(environment.name)));
  const { committedLockfile, connectEnvironment, deployLockKey, readEnvironmentState, tableLocations } = await import('../shell/environment-state.js');
  const { driftSinceLastDeploy } = await import('../shell/schema-drift.js');
  const { toolDigestForms } = await import('../shell/tool-digest-forms.js');
  const { appliedSemantics } = await import('../shell/applied-semantics.js');
  const { lock, commit } = await committedLockfile(repository.root);
  const tables = tableLocations(config);

  /** The environment before `name` in the chain that has a database (the one its deploys are checked against). */
  const predecessorOf = (name: string): string | undefined => {
    const index = config.environments.findIndex((environment) => environment.name === name);
    return config.environments.slice(0, Math.max(0, index)).reverse().find((environment) => environment.database !== undefined)?.name;
  };
  /** Step 4's findings per environment, for its blockers (not part of the output: the blockers say what matters). */
  const integrity = new Map<string, IntegrityFinding[]>();
  const one = async (environment: EnvironmentConfig): Promise<EnvironmentStatus> => {
    const lockKey = deployLockKey(config, environment.name);
    const separateLedger = environment.ledger !== undefined;
    const base: EnvironmentStatus = {
      name: environment.name,
      reachable: false,
      lockKey: lockKey.toString(),
      separateLedger,
      migrationSessions: [],
      promotion: { state: 'unknown', summary: '', pending: 0 },
      blockers: [],
      sets: [],
    };
    let urls: string[] = [];
    try {
      const resolvedUrls = connectionUrls(environment, options.env);
      urls = [resolvedUrls.databaseUrl, resolvedUrls.ledgerUrl];
      const { readLockState } = await import('../shell/postgres/migration-sessions.js');
      const { database, ledger, close } = await connectEnvironment(environment, resolvedUrls, `guard status ${environment.name}`);
      try {
        const [state, { holder, sessions }] = await Promise.all([readEnvironmentState(environment.name, lock, database, ledger, tables), readLockState(database, lockKey)]);
        const policy = environment.drift;
        let drift: NonNullable<EnvironmentStatus['drift']> = { state: 'ignored', differences: 0, policy };
        if (separateLedger) {
          drift = { state: 'ignored', differences: 0, note: 'its ledger is in another database: an ephemeral database has no schema of its own to drift from', policy };
        } else if (policy !== 'ignore') {
          const found = await driftSinceLastDeploy(database, ledger, environment.name, config.drift);
          drift =
            found.differences === undefined
              ? { state: 'unknown', differences: 0, ...(found.note ? { note: found.note } : {}), policy }
              : { state: found.differences.length === 0 ? 'none' : 'drift', differences: found.differences.length, policy };
        }
        const findings: IntegrityFinding[] = [];
        integrity.set(environment.name, findings);
        const digestForms = await toolDigestForms(repository.root, commit, lock.sets, state.applied);
        const lastDeploys = new Map(lock.sets.map((set) => [set.dir, state.deploys.get(set.dir)?.lastSuccessful]));
        const semantics = await appliedSemantics(repository.root, commit, lock.sets, config.migrations, state.applied, lastDeploys);
        return {
          ...base,
          reachable: true,
          ...(holder ? { lockHolder: holder } : {}),
          migrationSessions: sessions,
          drift,
          sets: lock.sets.map((set) => {
            const rows = state.deploys.get(set.dir);
            const applied = state.applied.get(set.dir)!;
            const problem = rows?.lastSuccessful && ledgerRowProblem(rows.lastSuccessful, set);
            // A row that does not vouch for itself says nothing about the chain.
            const last = problem ? undefined : rows?.lastSuccessful;
            // Step 4 of a deploy, on what was read: its findings become blockers, its pending list is what a deploy would run.
            const checked = checkTargetIntegrity({
              environment: environment.name,
              lockSet: set,
              amendments: lock.amendments,
              lastDeploy: last,
              applied,
              digestForms,
              semantics,
              separateLedger,
              outOfOrder: config.migrations.some((listed) => listed.dir === set.dir && listed.outOfOrder === 'allow'),
            });
            findings.push(...checked.findings);
            return {
              dir: set.dir,
              heads: applied.heads,
              chain: last?.chain ?? null,
              ...(problem ? { ledgerProblem: problem } : {}),
              matchesRepository: last !== undefined && last.chain === set.chain && sameHeads(applied.heads, set.heads),
              lastDeploy: rows ? { status: rows.latest.status, at: rows.latest.finishedAt ?? rows.latest.startedAt, actor: rows.latest.actor, host: rows.latest.host, commit: rows.latest.commit, forced: rows.latest.forced } : null,
              running: rows?.latest.status === 'running',
              pending: checked.pending.map((entry) => entry.file),
              ...(last?.uncheckedPredecessor
                ? {
                    uncheckedPredecessor: {
                      deployId: last.id,
                      predecessor: predecessorOf(environment.name) ?? '(none in the config now)',
                      what: last.uncheckedPredecessor,
                      reason: last.reason,
                      by: `${last.actor}@${last.host}`,
                      at: last.finishedAt ?? last.startedAt,
                      state: 'unchecked' as const,
                    },
                  }
                : {}),
            };
          }),
        };
      } finally {
        await close();
      }
    } catch (error) {
      return { ...base, error: redactSecrets((error as Error).message, urls) };
    }
  };
  const environments = await Promise.all(chosen.map(one));
  // A deploy that went ahead without the predecessor check stays flagged until the predecessor is readable again and has the same chain.
  for (const environment of environments) {
    for (const set of environment.sets) {
      const unchecked = set.uncheckedPredecessor;
      if (!unchecked) continue;
      const before = environments.find((other) => other.name === unchecked.predecessor);
      const theirs = before?.sets.find((other) => other.dir === set.dir);
      const problem = !before ? undefined : !before.reachable ? (before.error ?? 'unreachable') : !theirs ? 'this set was not read' : theirs.ledgerProblem;
      const verdict = judgeUncheckedPredecessor({ environment: environment.name, predecessor: unchecked.predecessor, chain: set.chain, read: before && { problem, chain: theirs?.chain ?? null } });
      unchecked.state = verdict.state;
      if (verdict.note) unchecked.note = verdict.note;
    }
  }
  const repositorySets = lock.sets.map((set) => ({ dir: set.dir, heads: set.heads, chain: set.chain }));
  for (const environment of environments) {
    const before = predecessorOf(environment.name);
    const { blockers, ...promotion } = promotionBlockers({
      environment,
      predecessor: before === undefined ? undefined : { name: before, facts: environments.find((other) => other.name === before) },
      repository: { sets: repositorySets },
      integrity: integrity.get(environment.name) ?? [],
    });
    environment.promotion = promotion;
    environment.blockers = blockers;
  }
  const ok = environments.every((environment) => environment.reachable && environment.sets.every((set) => set.ledgerProblem === undefined));
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'status',
    ok,
    exitCode: ok ? 0 : 3,
    repository: { commit, sets: repositorySets },
    chain: config.environments.map((environment) => ({ name: environment.name, database: environment.database !== undefined })),
    environments,
  };
}

/** What `guard status` found, and where `--format html` writes its page (`--output`; `-` for stdout). */
export interface StatusCommandResult {
  status: StatusResult;
  output: string | undefined;
}

export const statusCommand: CommandDefinition<StatusCommandResult> = {
  name: 'status',
  summary: 'one table for the chain: applied head, chain match, last deploy, lock, drift',
  help: `Usage: guard status [ENV...] [--format text|json|html] [--output FILE]

One table for the promotion chain (or the environments named): per
environment and migration set, the head its database reports, whether it
has HEAD's chain digest (= HEAD) or another, its last deploy (status, when,
by whom, which commit), who holds its deploy lock, and drift: how many
objects of its live schema differ from the one recorded at its last deploy
(none; N objects, which guard drift ENV lists; unknown when nothing was
recorded yet; ignored under drift: ignore). A constant number of queries
per environment, whatever the number of migrations or tables.

Also shown, on stderr as well: sessions of a deploy's migration command
still connected while nobody holds the lock (left by a killed guard; the
next deploy or record waits for them); a last deploy whose ledger row does
not vouch for itself (its migrations do not produce its chain: exit 3);
and a last deploy that went ahead without the predecessor check
(--unchecked-predecessor), until the predecessor is readable again and has
the same chain.

Below the table, per environment, what blocks the next promotion into it
(guard deploy ENV of HEAD), in the order the deploy gate would meet it: its
predecessor has not applied HEAD's migrations, its deploy lock is held,
sessions of a killed deploy, a deploy left running, a ledger row that does
not vouch for itself, applied migrations that are not a prefix of HEAD's,
drift under drift: refuse; then warnings (a failed last deploy, drift under
drift: warn); else "nothing blocks: guard deploy ENV would run N
migrations", or "up to date".

--format json adds each environment's advisory lock key, so a script that
migrates without guard can take the same lock (pg_advisory_lock(KEY)), each
set's pending migrations (file names) and each environment's promotion
state and blockers.

--format html writes the status page: one self-contained HTML file (no
script, nothing fetched: a pipeline can publish it as an artifact) with the
chain left to right and a card per environment; prints the file's path.
The page is written even when an environment cannot be read (it says so;
the exit code is 3 as for the table).

Options:
  --format FORMAT    text (default), json or html
  --output FILE      with --format html: where to write the page (default
                     guard-status.html in the current directory; - for
                     stdout); written atomically
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 every environment was read; 2 usage or config error; 3 an
environment could not be read (its row says why), or a ledger row does not
vouch for itself.`,
  options: { output: { type: 'string' } },
  allowPositionals: true,
  async run(context, values, positionals) {
    const output = values.output as string | undefined;
    if (output !== undefined && context.format !== 'html') throw inputError('--output is where --format html writes the status page', { fix: 'add --format html, or leave out --output' });
    if (output === '') throw inputError('--output is empty', { fix: 'give a file name (--output guard-status.html), or - for stdout' });
    const status = await environmentStatus({ cwd: context.cwd, configPath: context.configPath, environments: positionals, env: context.env });
    return { status, output };
  },
};
