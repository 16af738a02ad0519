import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { findConflictMarkers } from '../core/lockfile/conflict-markers.js';
import { appendEntries, locksExactlySets, parseLockfile, readSetTail, serializeLockfile, type Addition } from '../core/lockfile/format/index.js';
import { planLock } from '../core/lockfile/plan-lock.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { type Finding, worstExitCode } from '../core/findings/findings.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { discoverListedSets, listSets } from '../shell/discover-sets.js';
import { openRepository } from '../shell/git/open-repository.js';
import { git, runGit, splitNul } from '../shell/git/run-git.js';
import { loadConfig } from '../shell/load-config.js';
import { checkSealedWithHistory, commitOf, protectedRef, sealedForWorkTree, sealedStateIfAny } from '../shell/sealed-state.js';
import { readBlobs } from '../shell/git/read-blobs.js';
import { changedFiles, secretFindings, setOfPath } from '../shell/scan-secrets.js';
import { linkedMigrations } from '../shell/linked-migrations.js';
import { preferLockedDuplicates } from '../core/lockfile/prefer-locked-duplicates.js';
import { toLockEntry } from '../core/lockfile/lock-set.js';
import { ADAPTERS } from '../core/tools/registry.js';
import { joinPath } from '../core/paths.js';
import type { GuardConfig, MigrationSetConfig } from '../core/config/validate-config.js';
import type { CommandDefinition } from './context.js';
import { frameworkPush, prePush, type PrePushResult } from './hook/pre-push.js';
import { gitBlobId, stageLockfile } from './hook/stage-lockfile.js';
import { preReceive, type PreReceiveResult } from './hook/pre-receive.js';

export { prePush, preReceive, type PrePushResult, type PreReceiveResult };
import { lockfileBlobLimits, readLockfileText, readWorktreeLockfile } from '../shell/read-lockfile.js';
import { readFileIfRegular } from '../shell/read-bounded-file.js';
import { unsafeFileName } from '../core/file-names.js';
import { attachSemanticChecksums, type CosmeticEdit } from '../shell/cosmetic-edits.js';

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
  /** Sealed migrations edited in formatting only, under `cosmetic: allow` (README, "Cosmetic edits"): allowed, and locked with their new checksum. */
  cosmetic?: CosmeticEdit[];
}

/** The result of a pre-commit run, its exit code the worst of its findings. */
function preCommitResult(findings: Finding[], staged: boolean, sealedBy?: string, cosmetic: CosmeticEdit[] = []): PreCommitResult {
  const exitCode = worstExitCode(findings);
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'hook pre-commit', ok: exitCode === 0, exitCode, sealedBy, staged, findings, ...(cosmetic.length > 0 ? { cosmetic } : {}) };
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
  let cosmetic: CosmeticEdit[] = [];
  const result = (findings: Finding[], staged: boolean) => preCommitResult(findings, staged, sealed?.ref, cosmetic);
  const sets = preferLockedDuplicates(discovered, sealed?.lock, previous);

  await attachSemanticChecksums(repository.root, sets, [previous, sealed?.lock], source);
  const plan = planLock({ previous, sets });
  if ('refusal' in plan) return result(plan.refusal, false);
  const findings: Finding[] = [...plan.warnings];
  // Judged against the staged lockfile, so a hand edit of a sealed line is
  // refused rather than silently repaired by the relock below.
  const sealedCheck = sealed ? await checkSealedWithHistory(repository.root, sealed, sets, previous ?? plan.lock, source) : undefined;
  if (sealedCheck) findings.push(...sealedCheck.findings);
  cosmetic = sealedCheck?.cosmetic ?? [];
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
    // Under `cosmetic: allow` the new line goes without its semantic checksum: loading a parser would
    // cost this path a quarter of its budget, and every gate computes a missing one from the file
    // (README, "Cosmetic edits"); the next `guard lock` records it.
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
Without git's list on stdin (the pre-commit framework names one ref in
PRE_COMMIT_TO_REF; lefthook without use_stdin), it checks that ref and
every local branch, tag and HEAD the remote lacks.

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
      const framework = frameworkPush(context.env);
      return { hook, result: await prePush({ cwd: context.cwd, configPath: context.configPath, remote: rest[0] ?? framework?.remote ?? 'origin', updates, framework }) };
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
