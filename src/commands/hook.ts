import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError, inputError } from '../core/guard-error.js';
import { findConflictMarkers } from '../core/lockfile/conflict-markers.js';
import { appendEntries, locksExactlySets, parseLockfile, readSetTail, serializeLockfile, type Addition } from '../core/lockfile/format/index.js';
import { planLock } from '../core/lockfile/plan-lock.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { type Finding, worstExitCode } from '../core/findings/findings.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { discoverListedSets, listSets } from '../shell/discover-sets.js';
import { openRepository } from '../shell/git/open-repository.js';
import { git, runGit, splitNul } from '../shell/git/run-git.js';
import { loadConfig, loadConfigAt, type LoadedConfig } from '../shell/load-config.js';
import { checkSealedWithHistory, commitOf, nothingSealedYet, protectedOnRemote, protectedRef, remoteBranchOf, sealedForWorkTree, sealedStateAt, sealedStateIfAny, sealedStateOfCommit, sealingCommit, type ResolvedSealedState } from '../shell/sealed-state.js';
import { writeFileAtomic } from '../shell/write-atomic.js';
import { readBlobs } from '../shell/git/read-blobs.js';
import { changedFiles, secretFindings, setOfPath } from '../shell/scan-secrets.js';
import { linkedMigrations } from '../shell/linked-migrations.js';
import { preferLockedDuplicates } from '../core/lockfile/prefer-locked-duplicates.js';
import { toLockEntry } from '../core/lockfile/lock-set.js';
import { ADAPTERS } from '../core/tools/registry.js';
import { joinPath } from '../core/paths.js';
import type { GuardConfig, MigrationSetConfig } from '../core/config/validate-config.js';
import type { CommandDefinition } from './context.js';
import { lockfileBlobLimits, readLockfileText, readWorktreeLockfile } from '../shell/read-lockfile.js';
import { readFileIfRegular } from '../shell/read-bounded-file.js';
import { unsafeFileName } from '../core/file-names.js';

export interface PreCommitResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'hook pre-commit';
  ok: boolean;
  exitCode: number;
  /** The ref whose lockfile sealed migrations, when there is one. */
  sealedBy: string | undefined;
  /** Whether guard locked new or changed migrations and staged the lockfile. */
  staged: boolean;
  findings: Finding[];
}

/** The result of a pre-commit run, its exit code the worst of its findings. */
function preCommitResult(findings: Finding[], staged: boolean, sealedBy?: string): PreCommitResult {
  const exitCode = worstExitCode(findings);
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'hook pre-commit', ok: exitCode === 0, exitCode, sealedBy, staged, findings };
}

/**
 * `guard hook pre-commit`: the rules over what is being committed, read from
 * the index git is committing (never the work tree): new migrations are
 * locked and the lockfile staged (`autoLock`), an unsealed migration may
 * change, a sealed one may not, nor may a sealed lockfile line; naming,
 * duplicates, order and Alembic heads as in `guard verify`.
 *
 * @example
 * const result = await preCommit({ cwd: '/repo' });
 * // result.staged: true when new migrations were locked; result.findings: what refuses the commit
 */
export async function preCommit(options: { cwd: string; configPath?: string | undefined }): Promise<PreCommitResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  const fast = await onlyAdditions(repository.root, config);
  if (fast !== 'full') return fast;
  const source = { kind: 'index' } as const;
  const head = commitOf(repository.root, 'HEAD');
  const [text, listing, sealedRef] = await Promise.all([
    readLockfileText(repository.root, source),
    listSets(repository.root, config.migrations, source),
    sealingRef(repository.root, head, config.seal, config.protected),
  ]);
  if (text !== undefined && findConflictMarkers(text).length > 0) {
    throw inputError(`the staged ${LOCKFILE_NAME} has git conflict markers`, { fix: `run \`guard lock\`, then git add ${LOCKFILE_NAME}` });
  }
  const [discovered, sealed, previous] = await Promise.all([
    discoverListedSets(repository.root, config.migrations, listing, repository.gitDir),
    sealedRef ? sealedStateIfAny(repository.root, sealedRef).then((sealed) => sealed && sealedForWorkTree(repository.root, sealed)) : undefined,
    text === undefined ? undefined : parseLockfile(text, `${LOCKFILE_NAME} (staged)`).then((parsed) => parsed.lock),
  ]);
  const result = (findings: Finding[], staged: boolean) => preCommitResult(findings, staged, sealed?.ref);
  const sets = preferLockedDuplicates(discovered, sealed?.lock, previous);

  const plan = planLock({ previous, sets });
  if ('refusal' in plan) return result(plan.refusal, false);
  const findings: Finding[] = [...plan.warnings];
  // Judged against the staged lockfile, so a hand edit of a sealed line is
  // refused rather than silently repaired by the relock below.
  if (sealed) findings.push(...(await checkSealedWithHistory(repository.root, sealed, sets, previous ?? plan.lock, source)));
  const dirs = config.migrations.map((set) => set.dir);
  const changed = await changedFiles(repository.root, dirs, await head, source);
  const linked = await linkedMigrations(repository.root, listing);
  findings.push(...(await secretFindings([...changed.filter((file) => !linked.some((other) => other.path === file.path)), ...linked], setOfPath(dirs))));
  if (findings.length > 0) return result(findings, false);

  const next = serializeLockfile(plan.lock);
  if (next === text) return result([], false);
  if (!config.autoLock) {
    return result(
      [
        {
          code: 'unlocked',
          exitCode: 1,
          set: '.',
          file: LOCKFILE_NAME,
          message: `the staged migrations do not match the staged ${LOCKFILE_NAME}`,
          fix: `run \`guard lock\` and git add ${LOCKFILE_NAME} (or set autoLock: true to let the hook do it)`,
        },
      ],
      false,
    );
  }
  await stageLockfile(repository.root, text, next);
  return result([], true);
}

/**
 * The common commit, answered without reading the whole repository: what is
 * staged differs from HEAD only by new migration files, at most one per set,
 * each the new last migration of its set (SQL and Flyway: a version after
 * the last one; Alembic: a revision on the single head). Nothing sealed can
 * change in such a commit, and HEAD's lockfile, which the CI gate checks,
 * needs one line more (appendEntry). Anything else, or anything this path
 * cannot vouch for, returns 'full' and the complete rules run.
 *
 * The staged changes come from git's plumbing
 * (https://git-scm.com/docs/git-diff-index#_raw_output_format).
 */
async function onlyAdditions(root: string, config: GuardConfig): Promise<PreCommitResult | 'full'> {
  // A set with `exclude:` takes the full rules: they know whether an excluded file is sealed or runs as a migration.
  if (!config.autoLock || config.migrations.some((set) => !set.tool || set.recursive || set.exclude)) return 'full';
  const lockName = `HEAD:${LOCKFILE_NAME}`;
  let raw: string[];
  let headBytes: Buffer | undefined;
  // The staged lockfile is HEAD's (else 'full' below): the work-tree copy has
  // no edits of its own when its bytes are HEAD's.
  let worktreeLockClean = false;
  try {
    // Both at once: the staged changes, and the id of HEAD's lockfile, that
    // most commits need. Its 1.5 MB (at 10,000 migrations) are read from the
    // work tree when they hash to that id, as they do unless it was edited:
    // git need not inflate and pipe them.
    const [diff, headLockId] = await Promise.all([
      runGit(root, ['diff-index', '--cached', '--ita-invisible-in-index', '-z', '--raw', '--no-abbrev', '--no-renames', 'HEAD', '--', ...config.migrations.map((set) => set.dir), LOCKFILE_NAME]),
      runGit(root, ['rev-parse', '--verify', '--quiet', lockName]),
    ]);
    raw = splitNul(diff);
    const id = headLockId.toString('utf8').trim();
    let worktree: Buffer | undefined;
    try {
      worktree = readWorktreeLockfile(root);
    } catch {
      worktree = undefined; // not a readable file in the work tree: HEAD's is read from git
    }
    if (worktree && gitBlobId(worktree, id.length) === id) {
      headBytes = worktree;
      worktreeLockClean = true;
    } else {
      headBytes = (await readBlobs(root, [lockName], lockfileBlobLimits(`${LOCKFILE_NAME} at HEAD`))).get(lockName);
    }
  } catch {
    return 'full'; // no HEAD yet (a first commit), or no lockfile in it
  }
  // A set HEAD's lockfile holds that the config no longer lists (or lists
  // with another tool) is outside the staged diff below: the full rules judge it.
  const headText = headBytes && isUtf8(headBytes) ? headBytes.toString('utf8') : undefined;
  if (headText === undefined || !locksExactlySets(headText, config.migrations.map((set) => ({ dir: set.dir, tool: set.tool! })))) return 'full';
  const added = new Map<MigrationSetConfig, { path: string; oid: string }>();
  const every: { path: string; oid: string }[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [, mode, , oid, status] = raw[i]!.split(' ');
    const file = raw[i + 1]!;
    // Anything but a new regular file (a symlink's blob is its target's path, not its content) takes the full rules.
    if (status !== 'A' || (mode !== '100644' && mode !== '100755') || file === LOCKFILE_NAME || unsafeFileName(file)) return 'full';
    const set = config.migrations.find((candidate) => candidate.dir === '.' || file.startsWith(`${candidate.dir}/`));
    if (!set) return 'full';
    const relative = set.dir === '.' ? file : file.slice(set.dir.length + 1);
    if (relative.includes('/')) return 'full';
    every.push({ path: file, oid: oid! });
    if (!ADAPTERS[set.tool!].candidate(relative)) continue;
    if (added.has(set)) return 'full';
    added.set(set, { path: relative, oid: oid! });
  }
  if (every.length === 0) return preCommitResult([], false);

  const blobs = await stagedBlobs(root, every);
  const secrets = await secretFindings(
    every.map((file) => ({ path: file.path, oid: file.oid, bytes: blobs.get(file.oid)! })),
    setOfPath(config.migrations.map((set) => set.dir)),
  );
  if (secrets.length > 0 || added.size === 0) return preCommitResult(secrets, false);
  const additions: Addition[] = [];
  for (const [set, file] of added) {
    const tool = set.tool!;
    const adapter = ADAPTERS[tool];
    const display = (path: string) => joinPath(set.dir, path);
    const reading = adapter.readFile(file.path, blobs.get(file.oid)!, { ...(set.naming ? { naming: set.naming } : {}), display });
    if (reading.problem) return 'full';
    const tail = readSetTail(headText, set.dir);
    if (!tail || tail.tool !== tool) return 'full';
    const last = tail.last;
    // The last locked migration and the new one, through the adapter's own rules.
    const discovered = adapter.discover(
      [
        { path: last.file, reading: { sha256: last.sha256, ...(tool === 'alembic' ? { migration: { id: last.id, file: last.file, parents: last.parents ?? [], sha256: last.sha256 } } : {}) } },
        { path: file.path, reading },
      ],
      { ...(set.naming ? { naming: set.naming } : {}), display },
    );
    const migration = discovered.migrations.at(-1);
    if (!migration || migration.file !== file.path || discovered.migrations.length !== 2 || migration.repeatable) return 'full';
    if (tool === 'alembic') {
      if (tail.heads.length !== 1 || migration.parents.length !== 1 || migration.parents[0] !== tail.heads[0]) return 'full';
      if (migration.branchLabels || migration.dependsOn) return 'full';
    } else if (discovered.problems.length > 0) {
      return 'full';
    }
    additions.push({ dir: set.dir, tool, entry: toLockEntry(tool, migration) });
  }
  const next = appendEntries(headText, additions);
  if (next === undefined) return 'full';
  await stageLockfile(root, headText, next, worktreeLockClean);
  return preCommitResult([], true);
}

/**
 * The staged content of new files. A file staged as it is in the work tree
 * (the usual `git add`, then `git commit`) is read from disk: its git blob
 * id, computed here (https://git-scm.com/book/en/v2/Git-Internals-Git-Objects:
 * the hash of "blob <size>\0" and the bytes), proves it is the staged
 * content, and a git process is spared. Anything else comes from git.
 */
async function stagedBlobs(root: string, files: readonly { path: string; oid: string }[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const missing: string[] = [];
  for (const file of files) {
    const bytes = readFileIfRegular(path.join(root, file.path));
    if (bytes && gitBlobId(bytes, file.oid.length) === file.oid) found.set(file.oid, bytes);
    else missing.push(file.oid);
  }
  if (missing.length > 0) for (const [oid, bytes] of await readBlobs(root, missing)) found.set(oid, bytes);
  return found;
}

/**
 * The per-commit rules of pushes, loaded only by pre-push and pre-receive:
 * the pre-commit hook, which runs on every commit, never parses them (the
 * bundle keeps the verify service in a file of its own).
 */
const loadVerify = () => import('../services/verify-repository.js');

export interface PrePushResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'hook pre-push';
  ok: boolean;
  exitCode: number;
  /** Every pushed commit that was checked, oldest first, with what it broke. */
  commits: { ref: string; commit: string; subject: string; findings: Finding[] }[];
}

const ZERO = /^0+$/;

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
export async function prePush(options: { cwd: string; configPath?: string | undefined; remote: string; updates: string }): Promise<PrePushResult> {
  const repository = await openRepository(options.cwd);
  const { config } = await loadConfig(repository.root, options.configPath, repository.gitDir);
  // What the remote already has seals: the protected ref, never the local tip being pushed.
  const sealedRef = await protectedRef(repository.root, config.protected);
  const updates = options.updates
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [localRef, localOid, remoteRef, remoteOid] = line.trim().split(' ');
      if (!localRef || !localOid || !remoteRef || !remoteOid) throw inputError(`unexpected pre-push input: ${JSON.stringify(line)}`, { fix: 'guard hook pre-push is run by git with the refs on stdin' });
      return { localRef, localOid, remoteRef, remoteOid };
    });
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
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'hook pre-push', ok: exitCode === 0, exitCode, commits };
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

/**
 * Which ref's lockfile seals: with `seal: committed`, HEAD (anything
 * committed); otherwise the protected ref, or HEAD when the protected ref is
 * the local branch being committed to (`protected: main` on main: what is
 * committed there is merged). A remote-tracking protected ref stays what
 * seals on the local branch of the same name, so a commit on main that was
 * never pushed can still be amended. Undefined when there is no protected
 * ref (a missing one that cannot exist yet is sealedStateIfAny's to tell).
 */
async function sealingRef(root: string, headCommit: Promise<string | undefined>, seal: 'merged' | 'committed', configured: string | undefined): Promise<string | undefined> {
  const head = await headCommit;
  if (seal === 'committed') return head ? 'HEAD' : undefined;
  const ref = await protectedRef(root, configured);
  if (!ref) return undefined;
  const branch = await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']); // undefined when detached
  if (head && branch !== undefined && (ref === branch || ref === `refs/heads/${branch}`)) return 'HEAD';
  return ref;
}

/**
 * The id git gives `bytes` as a blob: the object format's hash (SHA-1, or
 * SHA-256 in a repository made with --object-format=sha256, told apart by
 * the length of an id) of `blob <size>\0` and the bytes
 * (https://git-scm.com/book/en/v2/Git-Internals-Git-Objects).
 */
function gitBlobId(bytes: Buffer, idLength: number): string {
  return createHash(idLength === 64 ? 'sha256' : 'sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Writes the new lockfile into the index being committed
 * (https://git-scm.com/docs/git-update-index#Documentation/git-update-index.txt---cacheinfoltmodegtltobjectgtltpathgt),
 * and into the work tree when the work-tree copy had no changes of its own,
 * so the user's unstaged edits are never overwritten.
 */
async function stageLockfile(root: string, staged: string | undefined, next: string, worktreeClean?: boolean): Promise<void> {
  const file = path.join(root, LOCKFILE_NAME);
  let clean = worktreeClean;
  if (clean === undefined) {
    let onDisk: string | undefined;
    try {
      onDisk = readWorktreeLockfile(root)?.toString('utf8');
    } catch {
      onDisk = undefined;
    }
    clean = onDisk === staged || onDisk === undefined;
  }
  // The lockfile is rewritten on most commits and is the largest file guard
  // writes (1.5 MB at 10,000 migrations); deflating it, even at zlib's
  // fastest level, takes as long as the rest of `git add`. The loose object
  // is stored as is instead: larger on disk until the next `git gc` packs it
  // (packs compress by pack.compression, not this setting), nothing lasting
  // (https://git-scm.com/docs/git-config#Documentation/git-config.txt-corelooseCompression).
  const fastWrite = ['-c', 'core.looseCompression=0'];
  if (clean) {
    // The work-tree copy had no edits of its own: write it and stage it in one step.
    writeFileAtomic(file, next);
    await runGit(root, [...fastWrite, 'add', '--', LOCKFILE_NAME]);
    return;
  }
  const oid = (await runGit(root, [...fastWrite, 'hash-object', '-w', '--stdin'], { input: next })).toString('utf8').trim();
  await runGit(root, ['update-index', '--add', '--cacheinfo', `100644,${oid},${LOCKFILE_NAME}`]);
}

function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** What `guard hook` ran, and its result. */
export type HookRun = { hook: 'pre-commit'; result: PreCommitResult } | { hook: 'pre-push'; result: PrePushResult } | { hook: 'pre-receive'; result: PreReceiveResult };

export const hookCommand: CommandDefinition<HookRun> = {
  name: 'hook',
  summary: 'run the rules for a git hook (pre-commit, pre-push, pre-receive)',
  help: `Usage: guard hook pre-commit [--format text|json]
       guard hook pre-push REMOTE URL < refs   (git's pre-push protocol)
       guard hook pre-receive < updates        (on the server, in the bare repository)

pre-push checks every commit the push adds to the remote on top of the
protected ref, as git holds it: the lockfile matches the migrations, and
nothing sealed in the protected ref changed. Deleted refs need no check; a
remote commit this clone does not have is exit 3 (git fetch first). A
protected branch missing here is asked of the remote: absent there, nothing
is sealed yet (a new repository's first push); present, exit 3 (fetch it).

pre-receive applies the same rules on the server, where --no-verify cannot
skip them: every commit a push adds, read from git's quarantine. The config
and the sealed lockfile come from the server's protected branch (the
config's protected without its remote name, else the branch HEAD names),
never from the pushed commits. On a server without any branch yet, the
push that creates the protected branch is trusted (only its tip is
checked). Install it in the bare repository:
  printf '#!/bin/sh\\nexec guard hook pre-receive\\n' > hooks/pre-receive
  chmod +x hooks/pre-receive      (guard on the server's PATH: npm i -g migration-guard)

pre-commit checks what is being committed (the index
git commits, including the temporary one of git commit -a and
git commit -- path), never the work tree:

  - new migrations are locked and ${LOCKFILE_NAME} is staged (config
    autoLock, default true; with autoLock: false the commit is refused
    until you run guard lock);
  - a migration that is not sealed yet may change; its line is refreshed;
  - a sealed migration (in the lockfile of the protected ref, default the
    remote's default branch; HEAD when protected names the local branch
    being committed to; any commit with seal: committed) may not be
    edited, deleted or renamed, nor its line in the lockfile;
  - secrets (private keys, cloud keys, tokens, URLs with passwords,
    password literals) in added or changed migrations, named by file and
    line with the secret redacted (a fake one: guard:allow-secret on the line);
  - naming scheme, duplicate versions, new migrations that sort before the
    sealed ones, several or dangling Alembic heads.

Options:
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 the commit may go on; 1 refused; 2 bad config, lockfile or
migration file; 3 git could not be read.`,
  options: {},
  allowPositionals: true,
  async run(context, _values, positionals) {
    const [hook, ...rest] = positionals;
    if (hook === 'pre-push') {
      const updates = await readStdin();
      return { hook, result: await prePush({ cwd: context.cwd, configPath: context.configPath, remote: rest[0] ?? 'origin', updates }) };
    }
    if (hook === 'pre-receive') {
      const updates = await readStdin();
      return { hook, result: await preReceive({ cwd: context.cwd, updates }) };
    }
    if (hook !== 'pre-commit' || rest.length > 0) {
      throw inputError(`unknown hook ${JSON.stringify(positionals.join(' '))}`, { fix: 'guard hook pre-commit, guard hook pre-push REMOTE URL, or guard hook pre-receive (refs on stdin)' });
    }
    return { hook, result: await preCommit({ cwd: context.cwd, configPath: context.configPath }) };
  },
};
