import { shortDigest } from './short-digest.js';

/** What `guard status` finds, now, about a deploy that went ahead without the predecessor check. */
export interface UncheckedVerdict {
  /**
   * `unchecked`: the predecessor still cannot be read, or was not read by
   * this status; `differs`: it is readable and has not applied the chain the
   * environment received; `confirmed`: it is readable and has (no longer shown).
   */
  state: 'unchecked' | 'differs' | 'confirmed';
  /** For `unchecked` and `differs`: what was found, for the user. */
  note?: string;
}

/**
 * The after-the-fact predecessor check of a deploy made with
 * `--unchecked-predecessor`: run by `guard status` on what it read of both
 * environments, so that the flag is shown until the predecessor is readable
 * again and has the same chain.
 *
 * @param predecessor what this status read of the predecessor's set:
 *   undefined when it did not read that environment; `chain` is its last
 *   trusted successful deploy's (null: none); `problem` says why it could
 *   not be read or trusted
 */
export function judgeUncheckedPredecessor(check: {
  environment: string;
  predecessor: string;
  /** The chain the environment received (its last successful deploy's). */
  chain: string | null;
  read: { problem?: string | undefined; chain: string | null } | undefined;
}): UncheckedVerdict {
  const { environment, predecessor, chain, read } = check;
  if (!read) return { state: 'unchecked', note: `${predecessor} was not read by this status (guard status ${predecessor} ${environment} checks it)` };
  if (read.problem !== undefined) return { state: 'unchecked', note: `${predecessor} still cannot be read: ${read.problem}` };
  if (read.chain !== null && read.chain === chain) return { state: 'confirmed' };
  return {
    state: 'differs',
    note: `${predecessor} is readable now and has ${read.chain ? `chain ${shortDigest(read.chain)}` : 'no deploy of this set'}, not ${environment}'s${chain ? ` ${shortDigest(chain)}` : ''}: ${environment} received what ${predecessor} has not applied`,
  };
}
