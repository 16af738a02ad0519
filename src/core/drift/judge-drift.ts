import type { SchemaDifference } from './diff-schemas.js';
import { formatSchemaDifference, summariseDifferences, type DifferenceWording } from './format-schema-difference.js';

/** An environment's `drift:` policy (README, "Drift"): what a difference does to a deploy. */
export const DRIFT_POLICIES = ['refuse', 'warn', 'ignore'] as const;
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];

/** A drift or parity refusal; the deploy gate's `Refusal` accepts it as it is. */
export interface DriftRefusal {
  ok: false;
  code: 'schema-drift' | 'schema-parity';
  exitCode: 1;
  message: string;
  fix: string;
}

/** What a drift or parity check concluded, under the environment's policy. */
export type DriftVerdict =
  | { outcome: 'clean'; detail: string }
  | { outcome: 'warn'; detail: string; warning: string }
  | { outcome: 'refuse'; refusal: DriftRefusal };

/** Lines of differences a message shows; `guard drift` lists them all. */
export const SHOWN_DIFFERENCES = 20;

export interface DriftComparison {
  /** `drift` (step 5: the live schema against the last deploy) or `parity` (after the deploy: against the predecessor at the same chain). */
  check: 'drift' | 'parity';
  environment: string;
  policy: DriftPolicy;
  /** What the schema was compared with: `the schema recorded at its last deploy (2026-11-20, commit 1a2b3c4d5e6f)`. */
  against: string;
  differences: readonly SchemaDifference[];
  wording: DifferenceWording;
  /** The command that lists every difference: `guard drift production`. */
  listCommand: string;
}

/**
 * The verdict of a drift or parity check. No differences: clean. Otherwise
 * the policy decides: `refuse` stops the deploy (exit 1; `--force --reason`
 * overrides it), `warn` lets it go on with the differences printed,
 * `ignore` never gets here (the check is not run).
 *
 * @example
 * judgeDrift({ check: 'drift', environment: 'production', policy: 'refuse', against: 'its last deploy', differences, wording, listCommand: 'guard drift production' })
 * // { outcome: 'refuse', refusal: { code: 'schema-drift', exitCode: 1, message: "production's schema differs from ...", fix: '...' } }
 */
export function judgeDrift(comparison: DriftComparison): DriftVerdict {
  const { differences, environment } = comparison;
  if (differences.length === 0) return { outcome: 'clean', detail: `${environment}'s schema matches ${comparison.against}` };
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((difference) => `  ${formatSchemaDifference(difference, comparison.wording)}`);
  if (differences.length > SHOWN_DIFFERENCES) shown.push(`  ... and ${differences.length - SHOWN_DIFFERENCES} more (${comparison.listCommand} lists them all)`);
  const headline = `${environment}'s schema differs from ${comparison.against}: ${summariseDifferences(differences)}`;
  const message = `${headline}\n${shown.join('\n')}`;
  if (comparison.policy !== 'refuse') return { outcome: 'warn', detail: `${summariseDifferences(differences)} (drift: ${comparison.policy})`, warning: message };
  const fix =
    comparison.check === 'drift'
      ? `a change made outside the migrations: put it in a migration (so every environment gets it) or undo it by hand; ${comparison.listCommand} lists it. To deploy anyway: --force --reason TEXT (the schema after this deploy becomes the new baseline)`
      : `the migrations left a different schema here than in the environment before (code that branches on ENVIRONMENT, or a change made by hand before the deploy); ${comparison.listCommand} compares the live schemas. The deploy ran and is recorded`;
  return { outcome: 'refuse', refusal: { ok: false, code: comparison.check === 'drift' ? 'schema-drift' : 'schema-parity', exitCode: 1, message, fix } };
}
