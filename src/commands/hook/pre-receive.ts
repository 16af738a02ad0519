import { ExitCode } from '../../core/exit-codes.js';
import { GuardError, inputError } from '../../core/guard-error.js';
import { type Finding, worstExitCode } from '../../core/findings/findings.js';
import { JSON_SCHEMA_VERSION } from '../../core/output-format.js';
import { git, runGit } from '../../shell/git/run-git.js';
import { loadConfigAt, type LoadedConfig } from '../../shell/load-config.js';
import { commitOf, sealedStateAt, sealedStateOfCommit } from '../../shell/sealed-state.js';
import { loadVerify, ZERO } from './pushed-commits.js';
import type { PrePushResult } from './pre-push.js';

// `guard hook pre-receive`: the server's gate, which trusts only its own
// protected branch for what is sealed (README, "`guard hook pre-receive`" and
// "What each gate trusts").

export interface PreReceiveResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'hook pre-receive';
  ok: boolean;
  exitCode: number;
  /** The server branch whose lockfile seals (`refs/heads/main`). */
  sealedBy: string | undefined;
  commits: PrePushResult['commits'];
}

/**
 * `guard hook pre-receive`, on the server: git's pre-receive protocol on
 * stdin, "<old-oid> SP <new-oid> SP <ref-name>" per line
 * (https://git-scm.com/docs/githooks#pre-receive), run in the bare
 * repository with the pushed objects still in quarantine (readable through
 * the GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES git sets, which
 * guard passes on to every git it runs;
 * https://git-scm.com/docs/git-receive-pack#_quarantine_environment).
 *
 * The server trusts only itself for what is sealed: the sealed lockfile
 * comes from the protected branch as the server has it now, never from the
 * pushed commits, and every set it seals stays checked whatever a pushed
 * config says (dropping, moving or retooling one needs a set amendment).
 * Each pushed commit is read with its own config (a branch may add a set),
 * or the protected branch's when it has none. Every commit a pushed ref
 * would hold that the protected branch does not is checked, on any branch,
 * against what was sealed where it forked; the protected branch's new tip
 * also against what it seals now (it only moves forward).
 *
 * @example
 * const result = await preReceive({ cwd: '/srv/git/app.git', updates: '91a5... 3f9a... refs/heads/main\n' });
 */
export async function preReceive(options: { cwd: string; updates: string }): Promise<PreReceiveResult> {
  const gitDir = (await runGit(options.cwd, ['rev-parse', '--absolute-git-dir'])).toString('utf8').trim();
  const repository = { root: gitDir, gitDir };
  const lines = options.updates.split('\n').map((line) => line.trim()).filter(Boolean);
  const updates = lines.map((line) => {
    const [oldOid, newOid, ref] = line.split(' ');
    if (!oldOid || !newOid || !ref) throw inputError(`unexpected pre-receive input: ${JSON.stringify(line)}`, { fix: 'guard hook pre-receive is run by git on the server, with the updates on stdin' });
    return { oldOid, newOid, ref };
  });
  const branch = await serverProtectedBranch(gitDir);
  const protectedTip = branch ? await commitOf(gitDir, branch) : undefined;
  // A first push creates the protected branch: its own config then applies.
  const firstTip = updates.find((update) => !ZERO.test(update.newOid))?.newOid;
  const configRev = protectedTip ?? (branch ? updates.find((update) => update.ref === branch && !ZERO.test(update.newOid))?.newOid : undefined) ?? firstTip;
  const loaded = configRev ? await loadConfigAt(gitDir, configRev) : undefined;
  const result = (commits: PrePushResult['commits']): PreReceiveResult => {
    const exitCode = worstExitCode(commits.flatMap((entry) => entry.findings));
    return { schemaVersion: JSON_SCHEMA_VERSION, command: 'hook pre-receive', ok: exitCode === 0, exitCode, sealedBy: protectedTip ? branch : undefined, commits };
  };
  if (!loaded) return result([]); // no guard config on the protected branch: this repository does not use guard
  if (branch && !protectedTip && !updates.some((update) => update.ref === branch && !ZERO.test(update.newOid))) {
    // The protected branch is gone (renamed, deleted by hand) from a repository that has branches:
    // nothing would be sealed, so every push would pass. A first push creates it instead.
    const anyBranch = await git(gitDir, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads/']);
    if (anyBranch) {
      throw new GuardError(ExitCode.unreadable, `the protected branch ${branch} does not exist on this server, so guard cannot tell what is sealed`, {
        fix: `create ${branch} again (or set protected: in the config on the server's default branch to the branch that is protected now)`,
      });
    }
  }
  // A server without its protected branch yet has sealed nothing: the push
  // that creates it is trusted on first use. Its commits are not judged one
  // by one (they were judged, if ever, where they came from; a mirror or a
  // move brings years of them), only its tip's state; from then on it seals,
  // also for the other branches of the same push.
  const created = !protectedTip && branch ? updates.find((update) => update.ref === branch && !ZERO.test(update.newOid)) : undefined;
  const createdTip = created ? await commitOf(gitDir, created.newOid) : undefined;
  const sealed = protectedTip && branch ? await sealedStateAt(gitDir, branch) : createdTip && branch ? await sealedStateOfCommit(gitDir, branch, createdTip) : undefined;
  const seen = new Set<string>();
  const commits: PrePushResult['commits'] = [];
  for (const { oldOid, newOid, ref: pushed } of updates) {
    // A symbolic ref on the server (refs/heads/trunk -> main) updates the branch it names.
    const ref = (await git(gitDir, ['symbolic-ref', '--quiet', pushed])) ?? pushed;
    const onProtected = protectedTip !== undefined && ref === branch;
    if (ref.startsWith('refs/replace/')) {
      // A replacement makes git read another commit in place of this one, for guard and for every clone that fetches it.
      commits.push({ ref: pushed, commit: newOid, subject: '(replacement)', findings: [replacementRefused(pushed)] });
      continue;
    }
    if (ZERO.test(newOid)) {
      // A deletion adds no commit, but deleting the protected branch would forget everything it sealed.
      if (onProtected) commits.push({ ref, commit: oldOid, subject: '(deletion)', findings: [protectedRewritten(ref, 'deleting it')] });
      continue;
    }
    const tip = await commitOf(gitDir, newOid);
    if (!tip) continue;
    if (onProtected) {
      const kept = await protectedConfigKept(gitDir, tip, branch!);
      if (kept) {
        commits.push({ ref, commit: tip, subject: (await git(gitDir, ['log', '-1', '--format=%s', tip])) ?? '', findings: [kept] });
        continue;
      }
    }
    // Every commit the ref would hold that the protected branch does not,
    // not only those new to the server: a commit pushed earlier, when what it
    // changes was not sealed yet, is judged again against what is sealed now
    // (refs are updated only after this hook says yes).
    const exclude = protectedTip ? [protectedTip] : createdTip ? [createdTip, '--all'] : ['--all'];
    const { verifyCommits } = await loadVerify();
    if (createdTip && ref === branch) {
      for (const entry of await verifyCommits({ repository, config: loaded.config, commits: [tip], sealed: undefined, seen, configAt: true })) commits.push({ ref, ...entry });
      continue;
    }
    const listed = (await runGit(gitDir, ['rev-list', '--reverse', '--topo-order', tip, '--not', ...exclude])).toString('utf8').split('\n').filter(Boolean);
    // Before the protected branch exists here, a commit from before guard was adopted is not judged by rules it never had.
    for (const entry of await verifyCommits({ repository, config: loaded.config, commits: listed, sealed, seen, configAt: true, beforeAdoption: !protectedTip })) commits.push({ ref, ...entry });
    // The protected branch itself never forgets what it sealed: its new tip
    // (also one that moves it back, or a rewritten history's) is judged
    // against what it seals now, whatever its commits inherited.
    if (onProtected && sealed) {
      for (const entry of await verifyCommits({ repository, config: loaded.config, commits: [tip], sealed, seen: new Set(), configAt: true, judgeAt: 'tip' })) {
        if (!commits.some((found) => found.commit === entry.commit && found.ref === ref)) commits.push({ ref, ...entry });
      }
    }
  }
  return result(commits);
}

/**
 * Whether the protected branch's new tip still tells the server to guard it:
 * a readable config that names the same protected branch. A tip that removes
 * or breaks the config, or points `protected:` elsewhere, would turn the
 * server hook off for every push after it; undefined when the tip keeps it.
 */
async function protectedConfigKept(gitDir: string, tip: string, branch: string): Promise<Finding | undefined> {
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfigAt(gitDir, tip);
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    return protectedRewritten(branch, `a guard config that cannot be read (${error.message})`);
  }
  if (!loaded) return protectedRewritten(branch, 'removing its guard config');
  const configured = loaded.config.protected;
  // Without `protected:`, the branch the bare repository's HEAD names.
  const next = configured !== undefined ? serverBranchOf(configured) : await git(gitDir, ['symbolic-ref', '--quiet', 'HEAD']);
  if (next !== branch) {
    return protectedRewritten(
      branch,
      configured !== undefined ? `\`protected: ${configured}\` (the server's ${next})` : `a config without \`protected:\` (the server's HEAD names ${next ?? 'no branch'})`,
      'a push cannot move the protected branch: rename it on the server first (git branch -m, and point the bare repository\'s HEAD at it), then push the config that names it',
    );
  }
  return undefined;
}

/** The refusal of a replacement ref, which would make git read another commit in place of one it has. */
function replacementRefused(ref: string): Finding {
  return {
    code: 'protected-rewritten',
    exitCode: 1,
    set: '.',
    message: `${ref} would make git read another commit in place of an existing one (git replace), which could stand in for what the protected branch sealed`,
    fix: 'push the commits themselves; guard accepts no replacement refs',
  };
}

/** The refusal of a push that would make the protected branch forget what it sealed. */
function protectedRewritten(ref: string, how: string, fix = 'push to another branch; the protected branch only moves forward, and keeps its guard config'): Finding {
  return {
    code: 'protected-rewritten',
    exitCode: 1,
    set: '.',
    message: `${ref} is the protected branch: ${how} would stop guard from keeping the migrations it sealed`,
    fix,
  };
}

/**
 * The server's protected branch: the config's `protected` as the server
 * names it, else the branch the bare repository's HEAD names. The mapping
 * reads only the name, never which branches exist, so nobody can stand in
 * for the protected branch by pushing one called `origin/main`.
 */
async function serverProtectedBranch(gitDir: string): Promise<string | undefined> {
  const head = await git(gitDir, ['symbolic-ref', '--quiet', 'HEAD']);
  const configured = head ? (await loadConfigAt(gitDir, head).catch(() => undefined))?.config.protected : undefined;
  return configured ? serverBranchOf(configured) : head;
}

/**
 * `protected:` as the server's branch, read as guard reads it in a clone
 * (sealingCommit): `origin/main` names the remote's `main` (refs/heads/main),
 * `main` a branch, `refs/heads/x` and `refs/remotes/origin/x` what they say.
 */
function serverBranchOf(configured: string): string {
  if (configured.startsWith('refs/heads/')) return configured;
  if (configured.startsWith('refs/remotes/')) return `refs/heads/${configured.split('/').slice(3).join('/')}`;
  const slash = configured.indexOf('/');
  return `refs/heads/${slash === -1 ? configured : configured.slice(slash + 1)}`;
}
