// Which commit the action judges the checkout against (guard verify --base),
// from the `base` input or, without one, from the event that started the
// workflow. The README's "Hook managers and CI" documents the same rules.
import { readFileSync } from 'node:fs';
import { ActionError, EXIT } from './workflow-commands.mjs';

/**
 * @typedef {{ kind: 'branch', name: string, why: string }
 *   | { kind: 'commit', commit: string, why: string }
 *   | { kind: 'none', why: string }} Base
 * A branch of origin, a commit id, or nothing to compare with (a push that
 * created the default branch: nothing was sealed before it).
 */

const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The base, in this order:
 * - the `base` input (a branch of origin, `refs/heads/<branch>`, or a commit id);
 * - `GITHUB_BASE_REF`: the pull request's base branch (`pull_request`, `pull_request_target`);
 * - a `merge_group` event: the merge queue's base branch;
 * - a `push` to the default branch: the commit the branch pointed at before
 *   the push (the event's `before`), so the pushed commits are judged
 *   against what was there; none when the push created the branch;
 * - any other event (a push to another branch or a tag, `workflow_dispatch`,
 *   `schedule`): the repository's default branch.
 *
 * @param {NodeJS.ProcessEnv} env the step's environment (GitHub's variables, GUARD_BASE from the input)
 * @returns {Base}
 */
export function resolveBase(env) {
  const given = (env.GUARD_BASE ?? '').trim();
  if (given !== '') return parseGiven(given);
  if (env.GITHUB_BASE_REF) return { kind: 'branch', name: env.GITHUB_BASE_REF, why: "the pull request's base branch (GITHUB_BASE_REF)" };
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const queueBase = event?.merge_group?.base_ref;
  if (eventName === 'merge_group' && typeof queueBase === 'string') {
    return { kind: 'branch', name: queueBase.replace(/^refs\/heads\//, ''), why: "the merge queue's base branch" };
  }
  const defaultBranch = event?.repository?.default_branch;
  if (typeof defaultBranch === 'string' && defaultBranch !== '') {
    if (eventName === 'push' && event.ref === `refs/heads/${defaultBranch}` && typeof event.before === 'string') {
      if (/^0+$/.test(event.before)) return { kind: 'none', why: `this push created ${defaultBranch}: nothing was sealed before it` };
      if (COMMIT_ID.test(event.before)) return { kind: 'commit', commit: event.before, why: `the commit ${defaultBranch} pointed at before this push` };
    }
    return { kind: 'branch', name: defaultBranch, why: "the repository's default branch" };
  }
  throw new ActionError(`the action cannot tell which branch to compare with on a ${eventName || 'workflow'} event (no GITHUB_BASE_REF, no default branch in the event)`, EXIT.input, 'name the branch the changes go into: with: base: main');
}

/** @returns {Base} */
function parseGiven(given) {
  if (COMMIT_ID.test(given)) {
    if (/^0+$/.test(given)) return { kind: 'none', why: 'the base input is the all-zero commit id (a push that created its branch): nothing was sealed before it' };
    return { kind: 'commit', commit: given, why: 'the base input' };
  }
  return { kind: 'branch', name: given.replace(/^refs\/heads\//, ''), why: 'the base input' };
}

/** The webhook payload GitHub writes for the run (GITHUB_EVENT_PATH); undefined when there is none or it is not JSON. */
function readEvent(file) {
  if (!file) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
