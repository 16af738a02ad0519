import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GuardError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { parseLockfile } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME, type LockEntry } from '../core/lockfile/types.js';
import { checkSealed, type SealedState } from '../core/seal/check-sealed.js';
import { reviewCosmeticEdits, type CosmeticEdit } from './cosmetic-edits.js';
import type { Finding, SetUnderCheck } from '../core/findings/findings.js';
import type { Lockfile } from '../core/lockfile/types.js';
import { git, runGit, splitNul } from './git/run-git.js';
import type { Source } from './read-migration-files.js';
import { forkPoints } from './fork-points.js';
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
    if (await commitOf(root, `refs/remotes/${candidate}`)) return candidate;
  }
  // Branches of origin are here but not its default branch (a single-branch
  // clone of another branch, a remote fetched without --set-head): the
  // protected branch exists on origin, this clone only lacks it.
  const fetched = await git(root, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/remotes/origin/']);
  if (fetched) {
    throw new GuardError(ExitCode.unreadable, `origin's default branch is not in this clone (it has ${fetched.replace(/^refs\/remotes\//, '')} but no origin/HEAD, origin/main or origin/master), so guard cannot tell which migrations are sealed`, {
      fix: 'fetch it and record it (git fetch origin && git remote set-head origin --auto), or set `protected:` in the config',
    });
  }
  return undefined;
}

/**
 * The commit of the ref whose lockfile seals, resolved so that nobody who
 * can push a branch or a tag can stand in for it. git's own lookup
 * (https://git-scm.com/docs/gitrevisions#Documentation/gitrevisions.txt-emltrefnamegtemegemmasterememheadsmasterememrefsheadsmasterem)
 * tries `refs/tags/origin/main` and `refs/heads/origin/main` before
 * `refs/remotes/origin/main`, and `git fetch` brings tags along: a pushed tag
 * named `origin/main` would decide what is sealed. So a name with a slash is
 * a remote-tracking branch (`refs/remotes/<name>`), a name without one a
 * local branch (`refs/heads/<name>`), and `refs/...` and `HEAD` exactly
 * that. Anything else (a commit id, `HEAD~3`) is taken as git reads it,
 * unless it is a ref name that git would find somewhere else, such as a
 * tag: exit 3.
 *
 * @returns undefined when the ref does not exist here
 */
export async function sealingCommit(root: string, ref: string): Promise<string | undefined> {
  // A full ref name, or this clone's own pointers (HEAD, FETCH_HEAD, ORIG_HEAD): no push sets them.
  if (ref.startsWith('refs/') || /^[A-Z_]*HEAD$/.test(ref)) return commitOf(root, ref);
  const full = ref.includes('/') ? `refs/remotes/${ref}` : `refs/heads/${ref}`;
  const commit = await commitOf(root, full);
  if (commit) return commit;
  const resolvesTo = await git(root, ['rev-parse', '--verify', '--quiet', '--symbolic-full-name', ref]);
  if (resolvesTo) {
    throw new GuardError(ExitCode.unreadable, `${ref} is not ${full} in this clone: git would read it as ${resolvesTo}, which anyone who can push a ${resolvesTo.startsWith('refs/tags/') ? 'tag' : 'branch'} can set, so guard does not take it for what is sealed`, {
      fix: `fetch the branch (git fetch ${ref.includes('/') ? `${ref.split('/')[0]} ${ref.split('/').slice(1).join('/')}:${full}` : `origin ${ref}:${full}`}), or name the ref in full (${resolvesTo}) if you really mean it`,
    });
  }
  return commitOf(root, ref);
}

/**
 * Whether, by local evidence alone (no network: the pre-commit hook and
 * `guard lock` run offline), the missing protected ref cannot have sealed
 * anything yet:
 * - a local branch (`protected: main`) in a repository before its first
 *   commit, with no branch at all;
 * - a remote-tracking ref (`origin/main`) of a configured remote this clone
 *   holds no ref of at all (no branch, no `origin/HEAD`), in a clone that is
 *   not shallow: a clone of an empty remote, or `git init` + `git remote add`
 *   before any fetch.
 * A clone that holds other refs of that remote (a single-branch clone, a
 * branch deleted by hand) or is shallow lacks a branch that exists: that
 * stays exit 3 (fetch it).
 * The remote itself is asked only by pre-push (protectedOnRemote).
 */
export async function nothingSealedYet(root: string, ref: string): Promise<boolean> {
  const remoteRef = remoteBranchOf(ref);
  if (!remoteRef) {
    if (ref.startsWith('refs/') && !ref.startsWith('refs/heads/')) return false;
    const [branches, head] = await Promise.all([git(root, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads/']), commitOf(root, 'HEAD')]);
    return branches === undefined && head === undefined;
  }
  const [url, fetched, remoteHead, shallow] = await Promise.all([
    git(root, ['config', '--get', `remote.${remoteRef.remote}.url`]),
    git(root, ['for-each-ref', '--count=1', '--format=%(refname)', `refs/remotes/${remoteRef.remote}/`]),
    // Even one that no longer resolves: git clone records the remote's default branch only when it has one.
    git(root, ['symbolic-ref', '--quiet', `refs/remotes/${remoteRef.remote}/HEAD`]),
    git(root, ['rev-parse', '--is-shallow-repository']),
  ]);
  return url !== undefined && fetched === undefined && remoteHead === undefined && shallow === 'false';
}

/** The remote and branch a remote-tracking ref names (`origin/main`, `refs/remotes/origin/main`); undefined for anything else. */
export function remoteBranchOf(ref: string): { remote: string; branch: string } | undefined {
  const name = ref.startsWith('refs/remotes/') ? ref.slice('refs/remotes/'.length) : ref.startsWith('refs/') || /^[A-Z_]*HEAD$/.test(ref) ? undefined : ref;
  const slash = name?.indexOf('/') ?? -1;
  if (!name || slash <= 0 || slash === name.length - 1) return undefined;
  return { remote: name.slice(0, slash), branch: name.slice(slash + 1) };
}

/**
 * Whether `remote` has `ref` now (`refs/heads/main`, or `HEAD`: a default
 * branch with a commit): one round trip (https://git-scm.com/docs/git-ls-remote;
 * `--exit-code` exits 2 when no ref matches, as on an empty remote). A remote
 * that cannot be reached is exit 3: guard cannot tell whether something is
 * sealed there.
 */
export async function protectedOnRemote(root: string, remote: string, ref: string): Promise<boolean> {
  let listed: Buffer;
  try {
    listed = await runGit(root, ['ls-remote', '--exit-code', remote, ref], { allowExit: [2] });
  } catch (error) {
    throw new GuardError(ExitCode.unreadable, `guard could not ask ${remote} whether it has ${ref}, which this clone does not hold, so it cannot tell which migrations are sealed`, {
      fix: `fetch it (git fetch ${remote}), or push again when ${remote} can be reached`,
      cause: error,
    });
  }
  return listed.toString('utf8').split('\n').some((line) => line.endsWith(`\t${ref}`));
}

/** A sealed state, with the commit its ref named when it was read. */
export type ResolvedSealedState = SealedState & { commit: string };

/**
 * The lockfile at `ref`, as the sealed state. A ref that does not resolve is
 * exit 3 (fail closed), with what to fetch; a shallow clone is told how much
 * history the check needs.
 */
export async function sealedStateAt(root: string, ref: string): Promise<ResolvedSealedState> {
  return stateAtResolved(root, ref, await sealingCommit(root, ref));
}

/**
 * As sealedStateAt, but undefined when the protected ref is missing because
 * nothing can have been sealed yet (nothingSealedYet: a new repository, a
 * clone of an empty remote). Asks nothing more of git when the ref resolves.
 */
export async function sealedStateIfAny(root: string, ref: string): Promise<ResolvedSealedState | undefined> {
  const commit = await sealingCommit(root, ref);
  if (!commit && (await nothingSealedYet(root, ref))) return undefined;
  return stateAtResolved(root, ref, commit);
}

/** The sealed state at `commit`, the commit `ref` names now (a missing one: exit 3 with what to fetch). */
async function stateAtResolved(root: string, ref: string, commit: string | undefined): Promise<ResolvedSealedState> {
  if (!commit) {
    const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'])) === 'true';
    const [remote, ...branch] = ref.split('/');
    throw new GuardError(ExitCode.unreadable, `${ref} is not in this ${shallow ? 'shallow ' : ''}clone, so guard cannot tell which migrations are sealed`, {
      fix: branch.length > 0
        ? `fetch it: git fetch ${shallow ? '--depth=1 ' : ''}${remote} ${branch.join('/')}:refs/remotes/${ref}${shallow ? ` (the hooks need only that commit; guard verify --base also reads every commit since it: git fetch --unshallow, or actions/checkout with fetch-depth: 0)` : ''}`
        : `check the ref name, or set \`protected:\` in the config`,
    });
  }
  return lockfileAt(root, ref, commit, false);
}

/** The sealed state of `commit`, a commit the protected branch `ref` will hold (a first push that creates it). */
export async function sealedStateOfCommit(root: string, ref: string, commit: string): Promise<ResolvedSealedState> {
  return lockfileAt(root, ref, commit, false);
}

/**
 * What was sealed where each commit forked from the sealed ref (forkPoints):
 * the ref's own state for a commit that holds its tip, the lockfile of an
 * older commit of that branch for one written before the branch moved on,
 * nothing for a history unrelated to it. Each distinct fork point's lockfile
 * is read once.
 */
export async function sealedStatesAt(root: string, sealed: ResolvedSealedState, commits: readonly string[]): Promise<Map<string, ResolvedSealedState>> {
  return statesAtForks(root, sealed, await forkPoints(root, commits, sealed.commit), commits);
}

/**
 * The sealed state of each commit from its fork points: the lockfile at the
 * one fork point, the union of them at several (criss-cross merges: what was
 * sealed at any of them), nothing at none.
 */
async function statesAtForks(root: string, sealed: ResolvedSealedState, forks: ReadonlyMap<string, readonly string[]>, commits: readonly string[]): Promise<Map<string, ResolvedSealedState>> {
  const states = new Map<string, Promise<ResolvedSealedState>>([[sealed.commit, Promise.resolve(sealed)]]);
  const stateAt = (fork: string): Promise<ResolvedSealedState> => {
    let state = states.get(fork);
    if (!state) {
      state = lockfileAt(root, sealed.ref, fork);
      states.set(fork, state);
    }
    return state;
  };
  const result = new Map<string, ResolvedSealedState>();
  for (const commit of commits) {
    const at = forks.get(commit) ?? [commit];
    if (at.length === 1) result.set(commit, await stateAt(at[0]!));
    else {
      const each = await Promise.all(at.map(stateAt));
      result.set(commit, { ref: sealed.ref, commit: at.join(' '), lock: unionOfSealedLocks(each.map((state) => state.lock)) });
    }
  }
  return result;
}

/**
 * The sealed state for what is being committed in the work tree: where HEAD
 * forked from the sealed ref, or, in a merge that is not committed yet,
 * where the merge commit will have forked (`git merge-base REF HEAD
 * MERGE_HEAD...` reads the merge as the hypothetical commit it will be,
 * https://git-scm.com/docs/git-merge-base#_discussion). Before the first
 * commit, the ref's tip.
 */
export async function sealedForWorkTree(root: string, sealed: ResolvedSealedState): Promise<ResolvedSealedState> {
  const head = await commitOf(root, 'HEAD');
  if (!head || head === sealed.commit) return sealed;
  const mergeHeads = await readMergeHeads(root);
  if (mergeHeads.length === 0) return (await sealedStatesAt(root, sealed, [head])).get(head)!;
  const forks = ((await git(root, ['merge-base', '--all', sealed.commit, head, ...mergeHeads])) ?? '').split('\n').filter(Boolean).sort();
  return (await statesAtForks(root, sealed, new Map([[head, forks]]), [head])).get(head)!;
}

/** Whether a merge is in progress in the work tree (its next commit will have several parents). */
export async function mergeInProgress(root: string): Promise<boolean> {
  return (await readMergeHeads(root)).length > 0;
}

/** The commits a merge in progress brings in (`$GIT_DIR/MERGE_HEAD`, one per line), none outside a merge. */
async function readMergeHeads(root: string): Promise<string[]> {
  const file = await git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'MERGE_HEAD']);
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => /^[0-9a-f]{40,64}$/.test(line));
  } catch {
    return [];
  }
}

const EMPTY_LOCKFILE: Lockfile = { lockfile: 1, algorithm: 'sha256-lf/1', sets: [], amendments: [] };

/**
 * What several fork points sealed together: every set and entry sealed at
 * any of them (the first lockfile's wins where they differ), every amendment.
 * None: nothing sealed.
 */
function unionOfSealedLocks(locks: readonly Lockfile[]): Lockfile {
  const sets = new Map<string, Lockfile['sets'][number]>();
  for (const lock of locks) {
    for (const set of lock.sets) {
      const known = sets.get(set.dir);
      if (!known) sets.set(set.dir, { ...set, migrations: [...set.migrations] });
      else for (const entry of set.migrations) if (!known.migrations.some((other) => other.id === entry.id)) known.migrations.push(entry);
    }
  }
  const amendments = locks.flatMap((lock) => lock.amendments);
  const setAmendments = locks.flatMap((lock) => lock.setAmendments ?? []);
  return { ...EMPTY_LOCKFILE, sets: [...sets.values()], amendments, ...(setAmendments.length > 0 ? { setAmendments } : {}) };
}

async function lockfileAt(root: string, ref: string, commit: string, named = true): Promise<ResolvedSealedState> {
  const text = await readLockfileText(root, { kind: 'revision', rev: commit });
  if (text === undefined) return { ref, commit, lock: EMPTY_LOCKFILE };
  return { ref, commit, lock: (await parseLockfile(text, named ? `${ref}:${LOCKFILE_NAME} (at ${commit.slice(0, 12)})` : `${ref}:${LOCKFILE_NAME}`)).lock };
}

/**
 * The sealing rules, with each refused migration's message naming the commit
 * and date that sealed it (the first commit on `ref` whose lockfile records
 * its checksum; https://git-scm.com/docs/git-log#Documentation/git-log.txt--Sltstringgt).
 * A set the lockfile records as moved must have left its old dir: the old
 * dir is looked at in `source`, as the migrations were. In a set under
 * `cosmetic: allow`, an edit that changes only a sealed file's formatting
 * passes and is returned in `cosmetic` (reviewCosmeticEdits).
 */
export async function checkSealedWithHistory(
  root: string,
  sealed: SealedState & { commit?: string },
  sets: readonly SetUnderCheck[],
  lock: Lockfile | undefined,
  source: Source,
): Promise<SealedCheck> {
  const movedFrom = (lock?.setAmendments ?? []).filter((amendment) => amendment.change === 'moved').map((amendment) => amendment.set);
  const [leftBehind, review] = await Promise.all([
    movedFrom.length > 0 ? dirsHoldingFiles(root, source, movedFrom) : new Set<string>(),
    reviewCosmeticEdits(root, sealed, sets, lock, source),
  ]);
  const cosmetic = review.edits;
  // First pass: which sealed entries do the messages name?
  const wanted = new Map<string, LockEntry>();
  const first = checkSealed(sealed, sets, lock, (_, entry) => {
    wanted.set(entry.sha256, entry);
    return undefined;
  }, leftBehind, review.allowed);
  if (first.length === 0) return { findings: review.findings, cosmetic };
  const named = new Map<string, string | undefined>();
  const cut = await shallowBoundary(root);
  await Promise.all(
    [...wanted.values()].slice(0, 20).map(async (entry) => {
      const found = await git(root, ['log', '--reverse', '--format=%H %h (%cs, %an)', `-S${entry.sha256}`, sealed.commit || sealed.ref, '--', LOCKFILE_NAME]);
      const [commit, ...described] = (found?.split('\n')[0] ?? '').split(' ');
      // A shallow clone's oldest commit seems to add the whole lockfile: the sealing commit is older than the clone, so none is named.
      named.set(entry.sha256, commit && !cut.has(commit) ? described.join(' ') : undefined);
    }),
  );
  const findings = checkSealed(sealed, sets, lock, (_, entry) => named.get(entry.sha256), leftBehind, review.allowed).map((finding) => {
    // Under `cosmetic: allow`, an edit that is not cosmetic says why.
    const why = finding.code === 'sealed-edited' && finding.file !== undefined ? review.refused.get(finding.file) : undefined;
    return why ? { ...finding, message: `${finding.message}; not a cosmetic edit: ${why}` } : finding;
  });
  return { findings: [...findings, ...review.findings], cosmetic };
}

/** The sealing rules' findings, and the sealed files whose edits they let through as cosmetic. */
export interface SealedCheck {
  findings: Finding[];
  cosmetic: CosmeticEdit[];
}

/** The commits a shallow clone holds without their parents (`$GIT_DIR/shallow`, https://git-scm.com/docs/shallow); none in a full clone. */
async function shallowBoundary(root: string): Promise<Set<string>> {
  const file = await git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'shallow']);
  try {
    return new Set(readFileSync(file ?? '', 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/** Which of `dirs` hold at least one file in `source` (git's tree or index, or the work tree on disk). */
async function dirsHoldingFiles(root: string, source: Source, dirs: readonly string[]): Promise<Set<string>> {
  if (source.kind === 'worktree') {
    return new Set(
      dirs.filter((dir) => {
        try {
          return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true }).some((entry) => !entry.isDirectory());
        } catch {
          return false;
        }
      }),
    );
  }
  const listed =
    source.kind === 'revision'
      ? await runGit(root, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', source.rev, '--', ...dirs])
      : await runGit(root, ['ls-files', '-z', '--', ...dirs]);
  const files = splitNul(listed);
  return new Set(dirs.filter((dir) => files.some((file) => dir === '.' || file.startsWith(`${dir}/`))));
}

/** The commit `ref` names, or undefined when it does not resolve. */
export async function commitOf(root: string, ref: string): Promise<string | undefined> {
  return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
}

/**
 * The sealed state a source is judged against: what `sealed`'s ref had
 * sealed where the checked revision forked from it (sealedStatesAt), or
 * where the work tree's next commit will have (sealedForWorkTree).
 */
export async function sealedForSource(root: string, sealed: ResolvedSealedState, source: Source): Promise<ResolvedSealedState> {
  if (source.kind !== 'revision') return sealedForWorkTree(root, sealed);
  const commit = await commitOf(root, source.rev);
  if (!commit) return sealed;
  return (await sealedStatesAt(root, sealed, [commit])).get(commit)!;
}
