import type { DriftPolicy } from '../config/validate-config.js';
import { formatHeads } from '../deploy/format-heads.js';
import { waitingForSessions, type MigrationSession } from '../deploy/migration-sessions.js';
import { shortDigest } from '../deploy/short-digest.js';

/**
 * What `guard status` read of one environment, as far as the next promotion
 * into it is concerned. `guard status`'s `EnvironmentStatus` has this shape.
 */
export interface EnvironmentFacts {
  name: string;
  reachable: boolean;
  /** Why it could not be read (already redacted). */
  error?: string | undefined;
  /** Its deploys are recorded in another database (`ledger:`): its own database is ephemeral (CI). */
  separateLedger: boolean;
  lockHolder?: { pid: number; applicationName: string | null; since: string | null } | undefined;
  migrationSessions: readonly MigrationSession[];
  drift?: { state: 'none' | 'drift' | 'unknown' | 'ignored'; differences: number; note?: string | undefined; policy: DriftPolicy } | undefined;
  sets: readonly SetFacts[];
}

/** One migration set of an environment. */
export interface SetFacts {
  dir: string;
  /** What the tool's table reports now. */
  heads: readonly string[];
  /** The chain of the last successful deploy whose ledger row vouches for itself; null when none. */
  chain: string | null;
  ledgerProblem?: string | undefined;
  /** Same heads as the repository's and the same chain digest. */
  matchesRepository: boolean;
  lastDeploy: { status: string; at: string; actor: string; host: string; commit: string | null } | null;
  /** Its newest ledger row is `running`. */
  running: boolean;
  /** File names (relative to the set's dir) of the lockfile's entries it has not applied, in apply order. */
  pending: readonly string[];
  uncheckedPredecessor?: { predecessor: string; state: 'unchecked' | 'differs' | 'confirmed'; note?: string | undefined } | undefined;
}

/** A finding of the deploy gate's step 4 (src/core/deploy/check-target-integrity.ts) for the environment. */
export interface IntegrityFact {
  severity: 'refuse' | 'warn';
  message: string;
}

export type BlockerCode =
  /** The environment itself could not be read. */
  | 'unreachable'
  /** The predecessor could not be read, or was not read by this status. */
  | 'predecessor-unread'
  /** The predecessor has not applied this commit's chain. */
  | 'predecessor-behind'
  /** A ledger row (the environment's or the predecessor's) does not vouch for itself. */
  | 'ledger-untrusted'
  /** Step 4: what the environment applied is not a prefix of this commit's chain (or, as a warning, guard's record of it is incomplete). */
  | 'integrity'
  | 'lock-held'
  /** Sessions of a killed deploy's migration command are still connected. */
  | 'migration-sessions'
  /** A deploy left `running` by a guard that was killed. */
  | 'running-deploy'
  | 'last-deploy-failed'
  | 'drift'
  /** The last deploy went ahead without the predecessor check. */
  | 'unchecked-predecessor';

/**
 * `blocks`: `guard deploy ENV` would refuse, or wait, now. `unknown`: it
 * cannot be told (something could not be read; guard fails closed, so a
 * deploy would stop too). `warns`: the deploy would go on, but someone
 * should look first.
 */
export type BlockerSeverity = 'blocks' | 'unknown' | 'warns';

export interface PromotionBlocker {
  code: BlockerCode;
  severity: BlockerSeverity;
  /** Plain words, with what to do: `staging has not applied 003_add_index.sql yet: deploy staging first`. */
  message: string;
}

/**
 * `blocked`: something blocks; `unknown`: something could not be read;
 * `ready`: nothing blocks and there are migrations to run; `current`:
 * nothing blocks and nothing is pending.
 */
export type PromotionState = 'blocked' | 'unknown' | 'ready' | 'current';

export interface Promotion {
  state: PromotionState;
  /** One line: `nothing blocks: guard deploy production would run 2 migrations`. */
  summary: string;
  /** Migrations `guard deploy ENV` would run (all sets); 0 when unreachable. */
  pending: number;
  /** Blocking first, then unknown, then warnings; each group in the order the deploy gate meets them. */
  blockers: PromotionBlocker[];
}

/** File names a message lists before it gives a count instead. */
const LISTED_FILES = 3;

/**
 * What stands between `environment` and `guard deploy ENV` of the commit
 * `guard status` compared with, in the order the deploy gate meets it: the
 * predecessor (step 2), the deploy lock and what a killed deploy left
 * (step 3), the ledger and the applied migrations (step 4), drift (step 5);
 * then what would not stop the deploy but deserves a look (a failed last
 * deploy, a deploy that went ahead unchecked).
 *
 * @param predecessor the environment before it in the chain that has a
 *   database: undefined for the first one; `facts` undefined when this
 *   status did not read it (`guard status production` alone)
 * @param repository HEAD's lockfile sets, what a deploy would bring
 * @param integrity the environment's step-4 findings, all sets
 */
export function promotionBlockers(input: {
  environment: EnvironmentFacts;
  predecessor?: { name: string; facts?: EnvironmentFacts | undefined } | undefined;
  repository: { sets: readonly { dir: string; heads: readonly string[]; chain: string }[] };
  integrity?: readonly IntegrityFact[];
}): Promotion {
  const { environment, predecessor, repository } = input;
  const name = environment.name;
  const blockers: PromotionBlocker[] = [];
  const add = (code: BlockerCode, severity: BlockerSeverity, message: string) => blockers.push({ code, severity, message });
  // Set dirs are named only when there is more than one set to tell apart.
  const within = (dir: string) => (repository.sets.length > 1 ? `${dir}: ` : '');

  if (!environment.reachable) add('unreachable', 'unknown', `${name} cannot be read: ${environment.error ?? 'no reason given'}`);

  if (predecessor) {
    const before = predecessor.name;
    const facts = predecessor.facts;
    if (!facts) {
      add('predecessor-unread', 'unknown', `${before}, before ${name} in the chain, was not read by this status (guard status ${before} ${name} reads both)`);
    } else if (!facts.reachable) {
      add('predecessor-unread', 'unknown', `${before}, before ${name} in the chain, cannot be read, so guard deploy ${name} cannot check what it applied (exit 3)`);
    } else {
      for (const set of repository.sets) {
        const theirs = facts.sets.find((candidate) => candidate.dir === set.dir);
        const problem = predecessorProblem(before, set, theirs, facts.separateLedger);
        if (problem) add(problem.code, problem.code === 'predecessor-unread' ? 'unknown' : 'blocks', `${within(set.dir)}${problem.message}`);
      }
    }
  }

  if (environment.reachable) {
    const holder = environment.lockHolder;
    if (holder) {
      // The session's name says who (guard names its own); the pid is the last resort.
      const who = holder.applicationName || `pid ${holder.pid}`;
      add('lock-held', 'blocks', `${name}'s deploy lock is held by ${who}${holder.since ? `, connected since ${clock(holder.since)}` : ''}: guard deploy ${name} would wait for it`);
    } else if (environment.migrationSessions.length > 0) {
      add('migration-sessions', 'blocks', `${waitingForSessions(name, environment.migrationSessions).replace(/^waiting for /, '')}: the next deploy waits for them`);
    }
    // While the lock is held the running row is that deploy's own; a separate ledger's rows are other jobs' ephemeral databases.
    if (!holder && !environment.separateLedger) {
      for (const set of environment.sets) {
        if (!set.running || !set.lastDeploy) continue;
        const last = set.lastDeploy;
        add(
          'running-deploy',
          'blocks',
          `${within(set.dir)}a deploy of ${name} never finished (started ${clock(last.at)} by ${last.actor}@${last.host}; killed or crashed): guard deploy ${name} refuses until someone checks the database (guard record ${name}, or --force --reason)`,
        );
      }
    }
    for (const set of environment.sets) {
      if (set.ledgerProblem) add('ledger-untrusted', 'blocks', `${within(set.dir)}${name}'s last deploy record cannot be trusted: ${set.ledgerProblem}`);
    }
    for (const finding of input.integrity ?? []) {
      if (finding.severity === 'refuse') add('integrity', 'blocks', finding.message);
    }
    const drift = environment.drift;
    if (drift?.state === 'drift' && drift.policy !== 'ignore') {
      const what = `drift in ${name}: ${drift.differences} ${drift.differences === 1 ? 'object differs' : 'objects differ'} from the schema recorded at its last deploy (guard drift ${name} lists ${drift.differences === 1 ? 'it' : 'them'})`;
      if (drift.policy === 'refuse') add('drift', 'blocks', what);
      else add('drift', 'warns', `${what}; under drift: warn the deploy would go on`);
    }
    for (const finding of input.integrity ?? []) {
      if (finding.severity === 'warn') add('integrity', 'warns', finding.message);
    }
    for (const set of environment.sets) {
      const last = set.lastDeploy;
      if (last?.status === 'failed') {
        add(
          'last-deploy-failed',
          'warns',
          `${within(set.dir)}${name}'s last deploy failed (${clock(last.at)} by ${last.actor}${last.commit ? `, commit ${last.commit.slice(0, 12)}` : ''}): find out why before guard deploy ${name} runs it again`,
        );
      }
      const unchecked = set.uncheckedPredecessor;
      if (unchecked && unchecked.state !== 'confirmed') {
        add('unchecked-predecessor', 'warns', `${within(set.dir)}${name}'s last deploy went ahead without checking ${unchecked.predecessor} (--unchecked-predecessor)${unchecked.note ? `: ${unchecked.note}` : ''}`);
      }
    }
  }

  const rank: Record<BlockerSeverity, number> = { blocks: 0, unknown: 1, warns: 2 };
  blockers.sort((a, b) => rank[a.severity] - rank[b.severity]);
  const pending = environment.reachable ? environment.sets.reduce((sum, set) => sum + set.pending.length, 0) : 0;
  const blocking = blockers.filter((blocker) => blocker.severity === 'blocks').length;
  const warnings = blockers.filter((blocker) => blocker.severity === 'warns').length;
  const warned = warnings === 0 ? '' : ` (${warnings} ${warnings === 1 ? 'warning' : 'warnings'})`;
  if (blocking > 0) {
    return { state: 'blocked', summary: `blocked: guard deploy ${name} would not run now (${blocking} ${blocking === 1 ? 'reason' : 'reasons'})`, pending, blockers };
  }
  if (blockers.some((blocker) => blocker.severity === 'unknown')) {
    return { state: 'unknown', summary: `cannot tell: ${environment.reachable ? `${predecessor?.name ?? 'its predecessor'} could not be read` : `${name} could not be read`}`, pending, blockers };
  }
  if (pending === 0) return { state: 'current', summary: `up to date: ${name} has applied every migration of this commit${warned}`, pending, blockers };
  return { state: 'ready', summary: `nothing blocks: guard deploy ${name} would run ${migrations(pending)}${warned}`, pending, blockers };
}

/**
 * The deploy gate's step 2 on what status read: the predecessor's last
 * trusted successful deploy has this commit's chain, and (unless its
 * database is ephemeral, read through its ledger alone) its tool's table is
 * at this commit's heads.
 */
function predecessorProblem(
  before: string,
  set: { dir: string; heads: readonly string[]; chain: string },
  theirs: SetFacts | undefined,
  ledgerOnly: boolean,
): { code: BlockerCode; message: string } | undefined {
  if (!theirs) return { code: 'predecessor-unread', message: `${before}'s ${set.dir} was not read by this status` };
  if (theirs.ledgerProblem) return { code: 'ledger-untrusted', message: `${before}'s last deploy record cannot be trusted, so guard deploy cannot check it: ${theirs.ledgerProblem}` };
  const fine = ledgerOnly ? theirs.chain === set.chain : theirs.matchesRepository;
  if (fine) return undefined;
  const first = `deploy ${before} first (guard deploy ${before})`;
  if (theirs.chain === set.chain) {
    return { code: 'predecessor-behind', message: `${before}'s ledger records this commit's chain, but its table is at ${formatHeads(theirs.heads)}, not ${formatHeads(set.heads)}: its database changed outside guard (a downgrade or a restore?); ${first}` };
  }
  if (theirs.pending.length > 0) return { code: 'predecessor-behind', message: `${before} has not applied ${files(theirs.pending)} yet: ${first}` };
  if (theirs.chain === null) return { code: 'predecessor-behind', message: `${before} has nothing deployed yet: ${first}` };
  // Nothing pending, yet another chain: it is ahead of this commit, or applied other content.
  return {
    code: 'predecessor-behind',
    message: `${before} is at another chain (${formatHeads(theirs.heads)}, chain ${shortDigest(theirs.chain)}) than this commit's (${shortDigest(set.chain)}): deploy the commit ${before} has, or this commit to ${before} first`,
  };
}

/** `003_add_index.sql`, `002_a.sql and 003_b.sql`, `12 migrations (002_a.sql ... 013_x.sql)`. */
function files(names: readonly string[]): string {
  if (names.length === 1) return names[0]!;
  if (names.length <= LISTED_FILES) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${names.length} migrations (${names[0]} ... ${names.at(-1)})`;
}

function migrations(count: number): string {
  return count === 1 ? '1 migration' : `${count} migrations`;
}

/** `2026-11-24 10:02 UTC` from an ISO time; the text itself when it is not one. */
export function clock(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
