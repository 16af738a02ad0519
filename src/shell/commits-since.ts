import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GuardError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { git } from './git/run-git.js';
import { commitOf, type ResolvedSealedState } from './sealed-state.js';

/**
 * The commits `tip` adds to `base`, oldest first, without `tip` itself when
 * it is checked as the final state. A shallow clone that stops before
 * reaching `base` would hide commits, so it is exit 3 with what to fetch
 * (https://git-scm.com/docs/shallow: the boundary commits are listed in
 * `$GIT_DIR/shallow`).
 */
export async function commitsSince(root: string, tip: string, sealed: ResolvedSealedState, tipIsRevision: boolean): Promise<string[]> {
  const base = sealed.ref;
  const head = await commitOf(root, tip);
  if (!head) throw new GuardError(ExitCode.unreadable, `${tip} does not name a commit`, { fix: 'check the revision (git log)' });
  const listed = ((await git(root, ['rev-list', '--reverse', '--topo-order', head, '--not', sealed.commit])) ?? '').split('\n').filter(Boolean);
  if ((await git(root, ['rev-parse', '--is-shallow-repository'])) === 'true') {
    const shallowFile = await git(root, ['rev-parse', '--git-path', 'shallow']);
    let boundary: Set<string>;
    try {
      boundary = new Set(readFileSync(path.resolve(root, shallowFile ?? '.git/shallow'), 'utf8').split('\n').filter(Boolean));
    } catch {
      boundary = new Set();
    }
    const cut = listed.find((commit) => boundary.has(commit));
    if (cut) {
      throw new GuardError(ExitCode.unreadable, `this shallow clone stops at ${cut.slice(0, 12)} before reaching ${base}, so guard cannot check every commit since ${base}`, {
        fix: `fetch the branch's history back to ${base}: git fetch --unshallow (actions/checkout: fetch-depth: 0; GitLab: GIT_DEPTH: 0), or at least git fetch --deepen=${listed.length + 1} and run again until this message goes away`,
      });
    }
  }
  // A checked revision's own findings are the final state's; a work tree's HEAD is history like the rest.
  return tipIsRevision ? listed.filter((commit) => commit !== head) : listed;
}

