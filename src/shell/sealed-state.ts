import { GuardError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { parseLockfile } from '../core/lockfile/parse-lockfile.js';
import { LOCKFILE_NAME, type LockEntry } from '../core/lockfile/types.js';
import { checkSealed, type SealedState } from '../core/seal/check-sealed.js';
import type { Finding, SetUnderCheck } from '../core/verify/compare-with-lockfile.js';
import type { Lockfile } from '../core/lockfile/types.js';
import { runGit } from './git/run-git.js';
import { readLockfileText } from './read-lockfile.js';

/**
 * The ref whose lockfile seals migrations: the config's `protected`, else the
 * remote's default branch (`refs/remotes/origin/HEAD`, which `git clone`
 * sets; https://git-scm.com/docs/git-remote#Documentation/git-remote.txt-emset-headem),
 * else `origin/main` or `origin/master` when they exist. Undefined when the
 * repository has none of them (a repository without a remote seals nothing
 * under `seal: merged`).
 */
export async function protectedRef(root: string, configured: string | undefined): Promise<string | undefined> {
  if (configured) return configured;
  const head = await git(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (head) return head;
  for (const candidate of ['origin/main', 'origin/master']) {
    if (await commitOf(root, candidate)) return candidate;
  }
  return undefined;
}

/** A sealed state, with the commit its ref named when it was read. */
export type ResolvedSealedState = SealedState & { commit: string };

/**
 * The lockfile at `ref`, as the sealed state. A ref that does not resolve is
 * exit 3 (fail closed), with what to fetch; a shallow clone is told how much
 * history the check needs.
 */
export async function sealedStateAt(root: string, ref: string): Promise<ResolvedSealedState> {
  const commit = await commitOf(root, ref);
  if (!commit) {
    const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'])) === 'true';
    const [remote, ...branch] = ref.split('/');
    throw new GuardError(ExitCode.unreadable, `${ref} is not in this ${shallow ? 'shallow ' : ''}clone, so guard cannot tell which migrations are sealed`, {
      fix: branch.length > 0
        ? `fetch it: git fetch ${shallow ? '--depth=1 ' : ''}${remote} ${branch.join('/')}:refs/remotes/${ref}${shallow ? ` (the hooks need only that commit; guard verify --base also reads every commit since it: git fetch --unshallow, or actions/checkout with fetch-depth: 0)` : ''}`
        : `check the ref name, or set \`protected:\` in the config`,
    });
  }
  const text = await readLockfileText(root, { kind: 'revision', rev: commit });
  if (text === undefined) return { ref, commit, lock: { lockfile: 1, algorithm: 'sha256-lf/1', sets: [], amendments: [] } };
  return { ref, commit, lock: (await parseLockfile(text, `${ref}:${LOCKFILE_NAME}`)).lock };
}

/**
 * The sealing rules, with each refused migration's message naming the commit
 * and date that sealed it (the first commit on `ref` whose lockfile records
 * its checksum; https://git-scm.com/docs/git-log#Documentation/git-log.txt--Sltstringgt).
 */
export async function checkSealedWithHistory(root: string, sealed: SealedState, sets: readonly SetUnderCheck[], lock: Lockfile | undefined): Promise<Finding[]> {
  // First pass: which sealed entries do the messages name?
  const wanted = new Map<string, LockEntry>();
  const first = checkSealed(sealed, sets, lock, (_, entry) => {
    wanted.set(entry.sha256, entry);
    return undefined;
  });
  if (first.length === 0) return first;
  const named = new Map<string, string | undefined>();
  await Promise.all(
    [...wanted.values()].slice(0, 20).map(async (entry) => {
      const found = await git(root, ['log', '--reverse', '--format=%h (%cs, %an)', `-S${entry.sha256}`, sealed.ref, '--', LOCKFILE_NAME]);
      named.set(entry.sha256, found?.split('\n')[0]);
    }),
  );
  return checkSealed(sealed, sets, lock, (_, entry) => named.get(entry.sha256));
}

/** The commit `ref` names, or undefined when it does not resolve. */
export async function commitOf(root: string, ref: string): Promise<string | undefined> {
  return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
}

/** git's trimmed output, or undefined when it fails (a missing ref is an answer, not an error). */
export async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const output = (await runGit(root, args)).toString('utf8').trim();
    return output === '' ? undefined : output;
  } catch {
    return undefined;
  }
}
