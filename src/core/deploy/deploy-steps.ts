import type { DriftPolicy } from '../drift/judge-drift.js';
import type { SchemaDifference } from '../drift/diff-schemas.js';
import { SINCE_DEPLOY_WORDING } from '../drift/format-schema-difference.js';
import { judgeDrift } from '../drift/judge-drift.js';
import { ExitCode } from '../exit-codes.js';
import type { Finding } from '../findings/findings.js';
import type { LockSet } from '../lockfile/types.js';
import { checkRepository } from './check-repository.js';
import type { IntegrityFinding } from './check-target-integrity.js';
import { RUNNER_NAME, runnerFailure } from './choose-runner.js';
import { shortDigest } from './short-digest.js';
import type { Decision, Refusal } from './types.js';

/**
 * The deploy gate's seven steps (README, "Deploying") as decisions: each
 * function takes what the shell read for its step and says what the step
 * concluded. `commands/deploy.ts` reads, calls these in order and hands each
 * outcome to {@link settleStep}, the one place `--force` acts.
 */

/** What one step concluded. */
export type StepOutcome =
  /** The deploy goes on. `detail` is the step's progress line (none: the step prints nothing); `warnings` are printed and kept in the result. */
  | { verdict: 'pass'; detail?: string; warnings?: readonly string[] }
  /**
   * The step refuses. `overridable`: whether `--force --reason` may turn it
   * into a warning (never a refusal of something that could not be read, and
   * never once the migrations have run); `detail` replaces the refusal's
   * message on the progress line.
   */
  | { verdict: 'refuse'; refusal: Refusal; overridable: boolean; detail?: string; warnings?: readonly string[] }
  /** Step 2's break-glass: the predecessor was not checked, and the deploy goes on saying so (`--unchecked-predecessor`). */
  | { verdict: 'unchecked'; detail: string; warnings: readonly string[]; unchecked: string };

/** What the deploy does with a step's outcome once `--force` has been applied. */
export interface SettledStep {
  /** The step's progress line: ok or not, and what it says; none when the step prints nothing. */
  line?: { ok: boolean; detail: string };
  warnings: string[];
  /** Set when the deploy stops here. */
  stop?: Refusal;
  /** What step 2 did not check, when the deploy goes on under `--unchecked-predecessor`. */
  unchecked?: string;
}

/**
 * The one `--force` policy over every step's outcome: a refusal that may be
 * overridden becomes a warning the ledger keeps with the reason; anything
 * else stops the deploy. What cannot be read (exit 3), a lock held by
 * another deploy (exit 4) and a step that says so (`overridable: false`)
 * are never overridden.
 *
 * @example
 * settleStep({ verdict: 'refuse', refusal: { ok: false, code: 'schema-drift', exitCode: 1, message: 'drift', fix: '...' }, overridable: true }, { reason: 'index added by hand, reviewed' })
 * // { line: { ok: false, detail: 'drift' }, warnings: ['--force: drift (overridden: index added by hand, reviewed)'] }
 */
export function settleStep(outcome: StepOutcome, force: { reason: string } | undefined): SettledStep {
  const warnings = [...(outcome.warnings ?? [])];
  switch (outcome.verdict) {
    case 'pass':
      return { ...(outcome.detail === undefined ? {} : { line: { ok: true, detail: outcome.detail } }), warnings };
    case 'unchecked':
      return { line: { ok: false, detail: outcome.detail }, warnings, unchecked: outcome.unchecked };
    case 'refuse': {
      const line = { ok: false, detail: outcome.detail ?? outcome.refusal.message };
      const forced = applyForce(outcome.refusal, force, outcome.overridable);
      return forced.stop ? { line, warnings, stop: forced.refusal } : { line, warnings: [...warnings, forced.warning] };
    }
  }
}

/** What `--force --reason` makes of a refusal. */
export type ForcedOutcome = { stop: true; refusal: Refusal } | { stop: false; warning: string };

/**
 * `--force` on one refusal: a rule's refusal (exit 1) that may be overridden
 * becomes a warning naming the reason; anything else stands.
 *
 * @example
 * applyForce({ ok: false, code: 'schema-drift', exitCode: 1, message: 'drift', fix: '...' }, { reason: 'index added by hand, reviewed' }, true)
 * // { stop: false, warning: '--force: drift (overridden: index added by hand, reviewed)' }
 */
export function applyForce(refusal: Refusal, force: { reason: string } | undefined, overridable: boolean): ForcedOutcome {
  if (force && overridable && refusal.exitCode === ExitCode.refused) return { stop: false, warning: `--force: ${refusal.message} (overridden: ${force.reason})` };
  return { stop: true, refusal };
}

/** A gate decision (`Decision`) as a step outcome: passing says `detail` (or nothing); a refusal may be forced unless `overridable` is false. */
export function fromDecision(decision: Decision, detail?: string, overridable = true): StepOutcome {
  if (decision.ok) return { verdict: 'pass', ...(detail === undefined ? {} : { detail }) };
  return { verdict: 'refuse', refusal: decision, overridable };
}

/**
 * Step 1: HEAD's migrations match its lockfile and nothing under a
 * migration dir is uncommitted (`checkRepository`); passing names the
 * commit and each set's heads.
 */
export function repositoryStep(facts: { findings: readonly Finding[]; uncommitted: readonly string[]; commit: string; sets: readonly Pick<LockSet, 'dir' | 'heads'>[] }): StepOutcome {
  const detail = `${facts.commit.slice(0, 12)}: ${facts.sets.map((set) => `${set.dir} at ${set.heads.join(', ') || 'nothing'}`).join('; ')}`;
  return fromDecision(checkRepository(facts), detail);
}

/**
 * Step 2, around `checkPredecessor`'s decision: the first environment has
 * nothing to check; a predecessor that could not be read (exit 3) refuses,
 * unless `--unchecked-predecessor` lets the deploy go on, printed and
 * recorded (never silent); the flag given where it was not needed is a
 * warning.
 *
 * @param decision checkPredecessor's, or the `predecessor-unread` refusal when it could not be read; undefined without a predecessor
 */
export function predecessorStep(facts: { environment: string; predecessor: string | undefined; decision: Decision | undefined; uncheckedPredecessor?: { reason: string } | undefined }): StepOutcome {
  const { environment, predecessor, decision, uncheckedPredecessor } = facts;
  if (predecessor === undefined || decision === undefined) {
    return {
      verdict: 'pass',
      detail: `${environment} is the first environment with a database: nothing before it to check`,
      warnings: uncheckedPredecessor ? [`--unchecked-predecessor was not needed: ${environment} has no predecessor`] : [],
    };
  }
  if (decision.ok) {
    return {
      verdict: 'pass',
      detail: `${predecessor} has applied this head with this chain`,
      warnings: uncheckedPredecessor ? [`--unchecked-predecessor was not needed: ${predecessor} was read and checked, and nothing unchecked is recorded`] : [],
    };
  }
  if (decision.exitCode === ExitCode.unreadable && uncheckedPredecessor) {
    return {
      verdict: 'unchecked',
      unchecked: `${predecessor}: ${decision.message}`,
      detail: `NOT CHECKED (--unchecked-predecessor: ${uncheckedPredecessor.reason}): ${decision.message}`,
      warnings: [
        `--unchecked-predecessor: ${environment} is deployed WITHOUT checking that ${predecessor} applied this head with this chain (${decision.code}); the reason, who and what was not checked go to ${environment}'s ledger, and guard status shows it until ${predecessor} is readable again`,
      ],
    };
  }
  const fix =
    decision.exitCode === ExitCode.unreadable
      ? `${decision.fix}; if ${predecessor} cannot be made readable and this deploy cannot wait, \`guard deploy ${environment} --unchecked-predecessor --reason "..."\` deploys without this check: recorded in ${environment}'s ledger (who, why, what was not checked) and shown by \`guard status\` until ${predecessor} is readable again`
      : decision.fix;
  return { verdict: 'refuse', refusal: { ...decision, fix }, overridable: true };
}

/**
 * Step 4, over every set's `checkTargetIntegrity` findings: a finding that
 * warns is printed and the deploy goes on; any that refuses stops it, naming
 * them all with the first one's fix.
 */
export function integrityStep(environment: string, findings: readonly IntegrityFinding[]): StepOutcome {
  const warnings = findings.filter((item) => item.severity === 'warn').map((item) => `${item.message} (${item.fix})`);
  const refusals = findings.filter((item) => item.severity === 'refuse');
  if (refusals.length === 0) return { verdict: 'pass', detail: `${environment} has applied a prefix of the lockfile's chain`, warnings };
  return {
    verdict: 'refuse',
    refusal: { ok: false, code: 'target-integrity', exitCode: ExitCode.refused, message: refusals.map((item) => item.message).join('; '), fix: refusals[0]!.fix },
    overridable: true,
    warnings,
  };
}

/**
 * Whether step 5 reads the live schema at all: not under `drift: ignore`,
 * and not for a database whose ledger is elsewhere (an ephemeral CI
 * database built afresh: its last deploy was another database).
 *
 * @returns the step's line when it is not checked, undefined when it is
 */
export function driftNotChecked(environment: string, policy: DriftPolicy, separateLedger: boolean): string | undefined {
  if (policy === 'ignore') return `not checked (drift: ignore for ${environment})`;
  if (separateLedger) return `not checked: ${environment}'s ledger is in another database, so its database is taken as ephemeral; the schema this deploy leaves is recorded for the parity of the next environment`;
  return undefined;
}

/** What the shell found comparing the live schema with the last deploy's. */
export interface DriftReading {
  /** Undefined when there was nothing to compare (no deploy yet, none with a snapshot). */
  differences: readonly SchemaDifference[] | undefined;
  against: string | undefined;
  note: string | undefined;
  /** The live schema's fingerprint. */
  fingerprint: string;
}

/** Step 5: the live schema is the one recorded at ENV's last deploy, judged under ENV's policy (`judgeDrift`). */
export function driftStep(environment: string, policy: DriftPolicy, drift: DriftReading): StepOutcome {
  if (drift.differences === undefined || drift.against === undefined) return { verdict: 'pass', detail: drift.note ?? 'nothing to compare' };
  const verdict = judgeDrift({ check: 'drift', environment, policy, against: drift.against, differences: drift.differences, wording: SINCE_DEPLOY_WORDING, listCommand: `guard drift ${environment}` });
  if (verdict.outcome === 'refuse') return { verdict: 'refuse', refusal: verdict.refusal, overridable: true };
  if (verdict.outcome === 'warn') return { verdict: 'pass', detail: verdict.detail, warnings: [verdict.warning] };
  return { verdict: 'pass', detail: `${verdict.detail} (sha256:${shortDigest(drift.fingerprint)})` };
}

/**
 * Step 6: the migration command's exit status, or guard's runner's first
 * failure. The migrations have run (or part of them), so a refusal here is
 * never overridden.
 */
export function migrationRunStep(
  environment: string,
  run: { by: 'command'; shown: string; exit: number } | { by: 'runner'; failure?: { path: string; line: number; message: string; transactional: boolean }; applied: readonly { dir: string; count: number }[] },
): StepOutcome {
  if (run.by === 'command') {
    if (run.exit === 0) return { verdict: 'pass', detail: `${run.shown} exited 0` };
    return {
      verdict: 'refuse',
      detail: `${run.shown} exited ${run.exit}`,
      refusal: { ok: false, code: 'migration-failed', exitCode: ExitCode.refused, message: `the migration command failed on ${environment}: ${run.shown} exited ${run.exit}`, fix: `read its output above; the deploy is recorded as failed in ${environment}'s ledger` },
      overridable: false,
    };
  }
  if (run.failure) return { verdict: 'refuse', detail: `${run.failure.path} line ${run.failure.line}: ${run.failure.message}`, refusal: runnerFailure(environment, run.failure), overridable: false };
  return { verdict: 'pass', detail: `${RUNNER_NAME}: ${run.applied.map((set) => `${set.dir}: ${count(set.count)} applied`).join('; ')}` };
}

/**
 * Step 7: every set's `checkDeployed` decision (the database reports the
 * lockfile's heads); the first refusal stops the deploy, which has run, so
 * it is never overridden. Passing names the heads and where the deploy is
 * recorded.
 */
export function deployedStep(facts: { environment: string; decisions: readonly Decision[]; heads: readonly (readonly string[])[]; recordedIn: string; fingerprint: string | null }): StepOutcome {
  const refused = facts.decisions.find((decision): decision is Refusal => !decision.ok);
  if (refused) return { verdict: 'refuse', refusal: refused, overridable: false };
  const schema = facts.fingerprint ? ` with schema sha256:${shortDigest(facts.fingerprint)}` : '';
  return { verdict: 'pass', detail: `${facts.environment} is at ${facts.heads.map((heads) => heads.join(', ')).join('; ')}; recorded in ${facts.recordedIn}${schema}` };
}

/** What the shell found comparing ENV's new schema with the predecessor's at the same chain. */
export type ParityReading =
  /** No schema fingerprint of the predecessor at this chain. */
  | { kind: 'no-fingerprint' }
  | { kind: 'same-fingerprint' }
  /** The predecessor's ledger could not be read after the deploy. */
  | { kind: 'unreadable'; message: string }
  /** The fingerprints differ and one of the two snapshots is missing. */
  | { kind: 'no-snapshot' }
  | { kind: 'compared'; differences: readonly SchemaDifference[] };

/**
 * After step 7, parity: the same migrations left the same schema here as in
 * the environment before, judged under ENV's policy. The deploy has run and
 * is recorded, so what cannot be read is a warning, and a refusal (exit 1)
 * reports a deploy that ran; `--force` (which let drift through at step 5)
 * turns it into a warning too.
 */
export function parityStep(facts: { environment: string; predecessor: string; policy: DriftPolicy; reading: ParityReading }): StepOutcome {
  const { environment, predecessor, reading } = facts;
  const against = `${predecessor}'s at the same chain`;
  switch (reading.kind) {
    case 'no-fingerprint':
      return { verdict: 'pass', detail: `not compared: ${predecessor} has no schema fingerprint recorded at this chain` };
    case 'same-fingerprint':
      return { verdict: 'pass', detail: `${environment}'s schema matches ${against}` };
    case 'unreadable':
      return { verdict: 'pass', warnings: [`parity not checked: ${reading.message}`] };
    case 'no-snapshot':
      return { verdict: 'pass', warnings: [`${environment}'s schema fingerprint differs from ${against}, but ${predecessor}'s ledger lacks its snapshot: guard drift ${predecessor} ${environment} compares the live schemas`] };
    case 'compared': {
      const verdict = judgeDrift({
        check: 'parity',
        environment,
        policy: facts.policy,
        against,
        differences: reading.differences,
        wording: { added: `only in ${environment}`, removed: `only in ${predecessor}` },
        listCommand: `guard drift ${predecessor} ${environment}`,
      });
      if (verdict.outcome === 'refuse') return { verdict: 'refuse', refusal: verdict.refusal, overridable: true };
      return { verdict: 'pass', detail: verdict.detail, warnings: verdict.outcome === 'warn' ? [verdict.warning] : [] };
    }
  }
}

function count(n: number): string {
  return n === 1 ? '1 migration' : `${n} migrations`;
}
