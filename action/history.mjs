// The history `guard verify --base` reads, fetched into the clone
// actions/checkout left: by default one commit deep (for a pull request, the
// merge commit GitHub makes of the branch into its base, refs/pull/N/merge).
// guard needs the base's tip and every commit the checkout adds to it, each
// with its parents (README, "Sealed migrations"); it refuses a shallow clone
// that stops earlier (exit 3), so the action fetches what it needs first.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ActionError, EXIT, say } from './workflow-commands.mjs';

/**
 * How far each round deepens the history of the checkout and of the base
 * (`git fetch --deepen`, counted from the current shallow boundary): most
 * pull requests are done after the first round, a long-lived branch after
 * the third (1,110 commits); past that the rest of both histories is fetched
 * at once (`--unshallow`), so the loop ends after at most four fetches.
 */
export const DEEPEN_STEPS = [10, 100, 1000];

/**
 * Fetches the base and deepens the clone until it holds every commit
 * between the checkout and the base with its parents; returns the name
 * guard reads the base by: `origin/<branch>`, or the commit id.
 *
 * @param {string} cwd a folder of the checked-out repository
 * @param {{ kind: 'branch', name: string } | { kind: 'commit', commit: string }} base
 * @returns {string}
 */
export function fetchHistory(cwd, base) {
  const git = gitIn(cwd);
  const head = git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.status !== 0) throw new ActionError(`no commit is checked out in ${cwd}`, EXIT.unreadable, 'run actions/checkout before this action, and point working-directory at the checkout');
  const headCommit = head.stdout.trim();
  if (git(['remote', 'get-url', 'origin']).status !== 0) {
    throw new ActionError(`the repository in ${cwd} has no remote named origin to fetch the base from`, EXIT.unreadable, 'check it out with actions/checkout, which names its remote origin');
  }
  const { commit: baseCommit, ref } = base.kind === 'branch' ? branchTip(git, base.name) : { commit: base.commit, ref: base.commit };
  const wants = [headCommit, baseCommit];
  if (!has(git, baseCommit)) {
    // --depth=1 only for a commit this clone lacks: the shallow boundary it
    // sets would otherwise hide the parents of a commit already here.
    fetch(git, [...(isShallow(git) ? ['--depth=1'] : []), 'origin', baseCommit], `the base ${ref}`);
  }
  if (base.kind === 'branch') git(['update-ref', `refs/remotes/origin/${base.name}`, baseCommit]);
  for (const step of DEEPEN_STEPS) {
    if (complete(git, headCommit, baseCommit)) break;
    say(`deepening the history of HEAD and ${ref} by ${step} commits (git fetch --deepen=${step})`);
    fetch(git, ['--deepen', String(step), 'origin', ...wants], `the history of HEAD and ${ref}`);
  }
  if (!complete(git, headCommit, baseCommit)) {
    say(`fetching the whole history of HEAD and ${ref} (git fetch --unshallow)`);
    fetch(git, ['--unshallow', 'origin', ...wants], `the history of HEAD and ${ref}`);
  }
  if (!complete(git, headCommit, baseCommit)) {
    throw new ActionError(`the history between HEAD and ${ref} is still incomplete after git fetch --unshallow`, EXIT.unreadable, 'check the clone (git rev-parse --is-shallow-repository), or check it out with actions/checkout and fetch-depth: 0');
  }
  const added = lines(git(['rev-list', headCommit, '--not', baseCommit]).stdout).length;
  say(`HEAD adds ${added} ${added === 1 ? 'commit' : 'commits'} to ${ref}; guard checks each`);
  return base.kind === 'branch' ? `origin/${base.name}` : baseCommit;
}

/**
 * Whether the clone holds every commit between HEAD and the base with its
 * parents, and the base's side reaches back as far as HEAD's, so that what
 * each reaches here is what it reaches on the remote and guard lists exactly
 * the commits HEAD adds and where each forked
 * (https://git-scm.com/docs/shallow: `$GIT_DIR/shallow` lists the commits
 * whose parents are missing, the boundary):
 * - no commit HEAD adds to the base, and none the base adds to HEAD (a base
 *   that moved on since the checkout), is on the boundary;
 * - when the base's own history is cut somewhere, no commit HEAD adds is a
 *   root or older than the newest cut: such a commit may be one the base
 *   holds below its cut (a branch forked long ago in a young repository),
 *   which guard would take for the branch's and judge against an older
 *   sealed state. Commits are dated by their committer date, which git
 *   writes at each commit, rebase and cherry-pick, so a parent is not newer
 *   than its child; when the dates cannot settle it, the loop fetches the
 *   whole history rather than guess.
 */
function complete(git, headCommit, baseCommit) {
  const boundary = shallowBoundary(git);
  if (boundary.size === 0) return true;
  const sides = git(['rev-list', `${headCommit}...${baseCommit}`]);
  if (sides.status !== 0 || lines(sides.stdout).some((commit) => boundary.has(commit))) return false;
  const baseCuts = datedCommits(git, [baseCommit]).filter((commit) => boundary.has(commit.id));
  if (baseCuts.length === 0) return true;
  const newestCut = Math.max(...baseCuts.map((commit) => commit.time));
  return datedCommits(git, [headCommit, '--not', baseCommit]).every((commit) => commit.parents > 0 && commit.time >= newestCut);
}

/** The commits `git log ARGS` lists, with their committer time and number of parents. */
function datedCommits(git, args) {
  const listed = git(['log', '--format=%H %ct %P', ...args]);
  return lines(listed.stdout).map((line) => {
    const [id, time, ...parents] = line.split(' ');
    return { id, time: Number(time), parents: parents.filter(Boolean).length };
  });
}

function shallowBoundary(git) {
  const file = git(['rev-parse', '--git-path', 'shallow']).stdout.trim();
  try {
    return new Set(readFileSync(path.resolve(git.cwd, file), 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

function isShallow(git) {
  return git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
}

function has(git, commit) {
  return git(['cat-file', '-e', `${commit}^{commit}`]).status === 0;
}

/**
 * The commit origin's `branch` points at now (https://git-scm.com/docs/git-ls-remote):
 * asked first, so the fetch names that exact commit and fetches nothing when
 * the clone already has it. A branch origin does not have is the input's
 * fault (exit 2); a remote that cannot be asked, the environment's (exit 3).
 */
function branchTip(git, branch) {
  const ref = `origin/${branch}`;
  if (git(['check-ref-format', `refs/heads/${branch}`]).status !== 0 || branch.startsWith('-')) {
    throw new ActionError(`the base ${JSON.stringify(branch)} is not a branch name git accepts`, EXIT.input, 'pass the name of the branch the changes go into, as with: base: main');
  }
  const listed = git(['ls-remote', '--exit-code', 'origin', `refs/heads/${branch}`]);
  if (listed.status === 2) {
    throw new ActionError(`origin has no branch ${JSON.stringify(branch)} to compare with`, EXIT.input, `name a branch origin has (base: main, not base: origin/main); check git ls-remote --heads origin`);
  }
  const line = listed.stdout.split('\n').find((entry) => entry.endsWith(`\trefs/heads/${branch}`));
  if (listed.status !== 0 || !line) {
    throw new ActionError(`could not ask origin for its branch ${branch}: ${lastLine(listed.stderr)}`, EXIT.unreadable, "check that the runner reaches the repository and that actions/checkout kept its credentials (persist-credentials: true, the default); then run the job again");
  }
  return { commit: line.split('\t')[0], ref };
}

/** `git fetch --no-tags ARGS`, or exit 3 with git's own reason. */
function fetch(git, args, what) {
  const result = git(['fetch', '--no-tags', '--quiet', ...args]);
  if (result.status !== 0) {
    throw new ActionError(`could not fetch ${what} from origin: ${lastLine(result.stderr)}`, EXIT.unreadable, "check that the runner reaches the repository and that actions/checkout kept its credentials (persist-credentials: true, the default); then run the job again");
  }
}

/** git in `cwd`, returning its status and output (never through a shell: names are arguments, not code). */
function gitIn(cwd) {
  const run = (args) => {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (result.error) throw new ActionError(`could not run git: ${result.error.message}`, EXIT.unreadable, 'install git on the runner');
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  run.cwd = cwd;
  return run;
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no message';
}

function lines(text) {
  return text.split('\n').filter(Boolean);
}
