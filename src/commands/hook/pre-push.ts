import { ExitCode } from '../../core/exit-codes.js';
import { GuardError, inputError } from '../../core/guard-error.js';
import { type Finding, worstExitCode } from '../../core/findings/findings.js';
import { JSON_SCHEMA_VERSION } from '../../core/output-format.js';
import { openRepository } from '../../shell/git/open-repository.js';
import { git, runGit } from '../../shell/git/run-git.js';
import { loadConfig } from '../../shell/load-config.js';
import { commitOf, nothingSealedYet, protectedOnRemote, protectedRef, remoteBranchOf, sealedStateAt, sealingCommit, type ResolvedSealedState } from '../../shell/sealed-state.js';
import { loadVerify, ZERO } from './pushed-commits.js';

// `guard hook pre-push`: every commit a push would add to the remote, checked
// as git holds it against what the remote's protected branch seals (README,
// "`guard hook pre-push`").

export interface PrePushResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'hook pre-push';
  ok: boolean;
  exitCode: number;
  /** Every pushed commit that was checked, oldest first, with what it broke. */
  commits: { ref: string; commit: string; subject: string; findings: Finding[] }[];
  /**
   * Where the pushed refs came from: git's list on stdin, or, without one,
   * the pre-commit framework's one ref plus every local branch, tag and HEAD
   * the remote lacks (`pre-commit framework`), or those alone (`local refs`).
   */
  refsFrom: 'git' | 'pre-commit framework' | 'local refs';
}

/**
 * The one pushed ref the pre-commit framework names when it runs a pre-push
 * hook (it reads git's list itself and passes the first ref that adds
 * commits in PRE_COMMIT_TO_REF and PRE_COMMIT_LOCAL_BRANCH, never on stdin;
 * https://pre-commit.com/#pre-commit-during-push).
 */
export interface FrameworkPush {
  remote: string;
  toRef: string | undefined;
  localRef: string | undefined;
}

/** The pre-commit framework's pushed ref, from the variables it sets for its pre-push hooks; undefined outside it. */
export function frameworkPush(env: NodeJS.ProcessEnv): FrameworkPush | undefined {
  const remote = env.PRE_COMMIT_REMOTE_NAME;
  return remote ? { remote, toRef: env.PRE_COMMIT_TO_REF, localRef: env.PRE_COMMIT_LOCAL_BRANCH } : undefined;
}

interface RefUpdate {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}


/**
 * `guard hook pre-push`: git's pre-push protocol on stdin, one line per ref,
 * "<local ref> SP <local oid> SP <remote ref> SP <remote oid>"
 * (https://git-scm.com/docs/githooks#_pre_push). Every commit the push would
 * add to the remote is checked as git holds it, not only the tip: a sealed
 * edit made in one commit and reverted in the next still reached history.
 * Deleted refs (all-zero local id) need no check; tags are peeled to commits;
 * a remote id this clone does not have is exit 3 (fetch first).
 *
 * @example
 * const result = await prePush({ cwd: '/repo', remote: 'origin', updates: 'refs/heads/main 3f9a... refs/heads/main 91a5...\n' });
 */
export async function prePush(options: { cwd: string; configPath?: string | undefined; remote: string; updates: string; framework?: FrameworkPush | undefined }): Promise<PrePushResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  // What the remote already has seals: the protected ref, never the local tip being pushed.
  const sealedRef = await protectedRef(repository.root, config.protected);
  let updates: RefUpdate[] = options.updates
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [localRef, localOid, remoteRef, remoteOid] = line.trim().split(' ');
      if (!localRef || !localOid || !remoteRef || !remoteOid) throw inputError(`unexpected pre-push input: ${JSON.stringify(line)}`, { fix: 'guard hook pre-push is run by git with the refs on stdin' });
      return { localRef, localOid, remoteRef, remoteOid };
    });
  let refsFrom: PrePushResult['refsFrom'] = 'git';
  if (updates.length === 0) {
    refsFrom = options.framework ? 'pre-commit framework' : 'local refs';
    updates = await unlistedPush(repository.root, options.remote, options.framework);
  }
  // Read once, and only when a commit needs it: a push that only deletes refs needs no sealed state.
  let sealed: Promise<ResolvedSealedState | undefined> | undefined;
  const seen = new Set<string>();
  const commits: PrePushResult['commits'] = [];
  for (const { localRef, localOid, remoteRef, remoteOid } of updates) {
    if (ZERO.test(localOid)) continue; // a deletion adds no commit
    const tip = await commitOf(repository.root, localOid);
    if (!tip) continue; // a tag of a tree or blob carries no migrations
    let range: string[];
    if (ZERO.test(remoteOid)) {
      // A new ref: what no ref of this remote has yet.
      range = ['--not', `--remotes=${options.remote}`];
    } else {
      if (!(await commitOf(repository.root, remoteOid))) {
        throw new GuardError(ExitCode.unreadable, `${remoteRef} on ${options.remote} is at ${remoteOid.slice(0, 12)}, which this clone does not have`, {
          fix: `fetch first (git fetch ${options.remote}), then push again`,
        });
      }
      range = [`^${remoteOid}`];
    }
    const added = (revs: string[]) => runGit(repository.root, ['rev-list', '--reverse', '--topo-order', tip, ...revs]).then((output) => output.toString('utf8').split('\n').filter(Boolean));
    let listed = await added(range);
    if (listed.length === 0) continue;
    sealed ??= pushSealedState(repository.root, sealedRef, options.remote, updates);
    const state = await sealed;
    // Commits the protected branch holds were judged when they reached it: a
    // push of old history to a new remote (a mirror, a fork, a move) checks
    // only what it adds on top of the protected branch as this clone has it
    // (its remote-tracking ref: a local branch is what is being pushed).
    if (state && remoteBranchOf(state.ref)) listed = await added([...range, `^${state.commit}`]);
    const { verifyCommits } = await loadVerify();
    const configAt = options.configPath === undefined;
    for (const entry of await verifyCommits({ repository, config, commits: listed, sealed: state, seen, configAt, beforeAdoption: configAt })) {
      commits.push({ ref: localRef, ...entry });
    }
  }
  const exitCode = worstExitCode(commits.flatMap((entry) => entry.findings));
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'hook pre-push', ok: exitCode === 0, exitCode, commits, refsFrom };
}

/**
 * What a push could add when guard is not given git's list of pushed refs:
 * git always runs pre-push with the list on stdin (empty only when nothing
 * is pushed), but the pre-commit framework keeps it and names only the
 * first ref that adds commits, and a runner such as lefthook passes stdin
 * only when told to (use_stdin). Any ref may be in the push, so each local
 * branch, tag and HEAD is treated as a new ref on the remote (its commits
 * that no ref of the remote has), with the framework's ref among them: a
 * superset of the push, never less. Nothing new anywhere: nothing to check.
 */
async function unlistedPush(root: string, remote: string, framework: FrameworkPush | undefined): Promise<RefUpdate[]> {
  const zero = '0'.repeat(40);
  // Ref names hold no spaces or line breaks (https://git-scm.com/docs/git-check-ref-format).
  const listed = (await runGit(root, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', 'refs/tags/'])).toString('utf8').split('\n').filter(Boolean);
  const tips: { localRef: string; localOid: string }[] = [];
  if (framework?.toRef) tips.push({ localRef: framework.localRef || framework.toRef, localOid: framework.toRef });
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (head) tips.push({ localRef: 'HEAD', localOid: head });
  for (const line of listed) tips.push({ localRef: line.slice(line.indexOf(' ') + 1), localOid: line.slice(0, line.indexOf(' ')) });
  if (tips.length === 0) return [];
  // One walk answers the usual case (every ref already on the remote) before any per-ref work.
  const anything = await runGit(root, ['rev-list', '--max-count=1', ...new Set(tips.map((tip) => tip.localOid)), '--not', `--remotes=${remote}`]);
  if (anything.toString('utf8').trim() === '') return [];
  return tips.map((tip) => ({ ...tip, remoteRef: '', remoteOid: zero }));
}

/**
 * What seals a push: the protected ref as this clone has it. When the clone
 * lacks it, pre-push is the exact gate that the offline pre-commit hook
 * cannot be: a push to the protected branch's remote knows from git whether
 * the remote has that branch (an all-zero remote id: it does not), and any
 * other push asks the remote once (git ls-remote). A remote without it has
 * sealed nothing yet (undefined: a new repository's first push); a remote
 * with it, or a clone that holds other branches of that remote or is
 * shallow, is exit 3 with what to fetch.
 */
async function pushSealedState(
  root: string,
  ref: string | undefined,
  pushedTo: string,
  updates: readonly { remoteRef: string; remoteOid: string }[],
): Promise<ResolvedSealedState | undefined> {
  // No protected ref named: origin, if there is one, has never been fetched; its default branch decides.
  const target = ref ? remoteBranchOf(ref) : (await git(root, ['config', '--get', 'remote.origin.url'])) ? { remote: 'origin', branch: 'HEAD' } : undefined;
  if (!ref) {
    if (!target) return undefined; // no remote: nothing is sealed under seal: merged
  } else {
    const commit = await sealingCommit(root, ref);
    if (commit || !target || !(await nothingSealedYet(root, ref))) return sealedStateAt(root, ref);
  }
  const { remote, branch } = target!;
  const full = branch === 'HEAD' ? 'HEAD' : `refs/heads/${branch}`;
  const known = pushedTo === remote ? updates.find((update) => update.remoteRef === full) : undefined;
  const exists = known ? !ZERO.test(known.remoteOid) : await protectedOnRemote(root, remote, full);
  if (!exists) return undefined;
  throw new GuardError(ExitCode.unreadable, `${remote} has ${branch === 'HEAD' ? 'a default branch' : branch}, which this clone has never fetched, so guard cannot tell which migrations are sealed`, {
    fix: `fetch it (git fetch ${remote}${branch === 'HEAD' ? ` && git remote set-head ${remote} --auto` : ` ${branch}:refs/remotes/${remote}/${branch}`}), then push again`,
  });
}
