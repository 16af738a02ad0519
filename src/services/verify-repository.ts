// Verifying a repository: the migrations against the lockfile and, with a
// base, against what the protected ref sealed. Shared by guard verify, the
// deploy gate's step 1, guard doctor and the push hooks' per-commit rules.
import { parseLockfile, type ParsedLockfile } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { compareWithLockfile } from '../core/verify/compare-with-lockfile.js';
import { type Finding, type SetUnderCheck, warningFindings, worstExitCode } from '../core/findings/findings.js';
import { acceptLockedNames, lockedFiles } from '../core/migrations/legacy-names.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { discoverListedSets, listSets } from '../shell/discover-sets.js';
import { memoized, stateKey } from '../shell/cache-file.js';
import { openRepository, type Repository } from '../shell/git/open-repository.js';
import { git } from '../shell/git/run-git.js';
import type { GuardConfig } from '../core/config/validate-config.js';
import { loadConfig, loadConfigAt } from '../shell/load-config.js';
import type { Listing, Source } from '../shell/read-migration-files.js';
import { readLockfileText } from '../shell/read-lockfile.js';
import { checkSealedWithHistory, mergeInProgress, sealedForSource, sealedStateAt, sealedStatesAt, type ResolvedSealedState } from '../shell/sealed-state.js';
import { changedSinceForks, secretFindings, setOfPath } from '../shell/scan-secrets.js';
import { mapTwoAtATime } from '../core/two-at-a-time.js';
import { GuardError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { findConflictMarkers } from '../core/lockfile/conflict-markers.js';
import { preferLockedDuplicates } from '../core/lockfile/prefer-locked-duplicates.js';
import { newAmendments, unionOfAmendments, type NewAmendments } from '../core/seal/new-amendments.js';
import { checkoutRewrites } from '../core/seal/checkout-attributes.js';
import { joinPath } from '../core/paths.js';
import { readAttributesFiles } from '../shell/read-attributes.js';
import { linkedMigrations } from '../shell/linked-migrations.js';
import { alembicLocationFindings, type LocationFindings } from '../shell/alembic-locations.js';
import { ciGateKey, readGateRefs } from './ci-gate-key.js';
import { tipIsWorkTree } from './tip-is-work-tree.js';
import { commitsSince } from '../shell/commits-since.js';
import type { AttributesFile } from '../core/seal/checkout-attributes.js';
import type { CosmeticEdit } from '../shell/cosmetic-edits.js';

import type { SetSummary } from './describe-set.js';
export type { SetSummary };

export interface CommitFindings {
  commit: string;
  subject: string;
  findings: Finding[];
}

export interface VerifyResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'verify';
  ok: boolean;
  exitCode: number;
  /** `worktree`, `index`, or the revision that was checked. */
  source: string;
  /** With `--base`: the ref whose lockfile sealed migrations. */
  base?: string;
  /**
   * With `--base`: amendments the checked lockfile records that the base's
   * does not, each a sanctioned change of something sealed, shown for review.
   */
  amendments?: NewAmendments;
  /**
   * With `--base`: sealed migrations edited in formatting only, in sets
   * under `cosmetic: allow` (README, "Cosmetic edits"): allowed, and shown.
   */
  cosmetic?: CosmeticEdit[];
  /**
   * With `--base` and `range`: each commit between the base and the checked
   * revision (oldest first, the revision itself excluded: its findings are
   * `findings`) that breaks a rule.
   */
  commits?: CommitFindings[];
  sets: SetSummary[];
  findings: Finding[];
  /**
   * Reported, never refused: names that break the scheme on migrations the
   * lockfile already locks, zero-padding that differs, files guard does not read.
   */
  warnings: Finding[];
}

/**
 * The migrations against the lockfile: unlocked files, changed checksums,
 * deleted or renamed migrations, changed heads, and the rules of each tool
 * (naming, duplicate ids, dangling parents, several Alembic heads).
 *
 * @example
 * const result = await verifyRepository({ cwd: process.cwd(), source: { kind: 'worktree' } });
 * if (!result.ok) for (const finding of result.findings) console.error(finding.message);
 */
export async function verifyRepository(options: {
  cwd: string;
  configPath?: string | undefined;
  source: Source;
  /** Also apply the sealing rules against the lockfile at this ref (the CI gate). */
  base?: string | undefined;
  /** Already opened (a bare repository on a server has no work tree to find). */
  repository?: Repository;
  /** Already loaded (a server reads it from git objects). */
  config?: GuardConfig;
  /** With `base`: also check every commit between the base and the revision, as git holds it. */
  range?: boolean;
  /**
   * With `base`: the sealed state this source is judged against, when the
   * caller already read it (a check of many commits reads each fork point's
   * once). Without it, the state where the source forked from `base`.
   */
  sealed?: ResolvedSealedState;
  /**
   * Whether `$GIT_DIR/guard/` may be read and written (default true). The
   * CI gate in CI passes false: a workspace that survives between jobs may
   * hold a cache an earlier, untrusted job wrote (README, "Performance").
   */
  cache?: boolean;
}): Promise<VerifyResult> {
  const repository = options.repository ?? (await openRepository(options.cwd));
  const disk = options.cache !== false;
  const config = options.config ?? (await loadConfig(repository.root, options.configPath, disk ? repository.gitDir : undefined)).config;
  // The listing first: git's comparison of the work tree is what a check answered from memory waits for.
  const read = Promise.all([readLockfileText(repository.root, options.source), listSets(repository.root, config.migrations, options.source)]);
  read.catch(() => undefined); // awaited below
  // The refs the CI gate's memo is keyed on are read beside the listing.
  const refs = options.base !== undefined && !options.sealed && disk ? readGateRefs(repository.root, repository.gitDir, options.base, options.source) : undefined;
  // Alembic's own config lies outside the listing the memos are keyed on: it is read every time.
  const located = alembicLocationFindings(repository.root, config.migrations, options.source);
  located.catch(() => undefined); // awaited below, unless the check fails first
  const [text, listing] = await read;
  if (options.base) {
    const base = options.base;
    const attributes = await readAttributesFiles(repository.root, options.source, config.migrations.map((set) => set.dir), listing.attributesFiles);
    const keyedOn = await refs;
    // Not kept: an answer that read the work tree outside the listing (a moved
    // set's old dir), or one for refs that moved while it was computed (a fetch).
    let keep = false;
    const gate = async () => {
      const checked = await verifyAgainstBase({ ...options, base, repository, config, text, listing, attributes, located });
      const after = keyedOn && (await readGateRefs(repository.root, repository.gitDir, base, options.source));
      keep = !checked.readOutside && after !== undefined && after.baseCommit === keyedOn!.baseCommit && after.tipCommit === keyedOn!.tipCommit;
      return checked.result;
    };
    // Inside a check of many commits (options.sealed) each commit is judged once anyway: nothing is remembered.
    const key = keyedOn ? ciGateKey({ ...options, base, config, text, listing, attributes, refs: keyedOn }) : undefined;
    const result = key === undefined ? await gate() : await memoized(repository.gitDir, 'verify-base.json', key, gate, () => keep);
    return withLocations(result, await located);
  }
  // The result is a pure function of these inputs; when git vouches for
  // every file's content (no new or edited file), a repeated verify of the
  // same state is answered from $GIT_DIR/guard/ without reading a migration.
  const fingerprint = listing.fingerprint;
  const key = fingerprint === undefined ? undefined : stateKey(JSON.stringify(config.migrations), JSON.stringify(options.source), text ?? '\0none', fingerprint);
  const check = async () => judge(await discoverListedSets(repository.root, config.migrations, listing, repository.gitDir, disk), text, options.source);
  return withLocations(await (key === undefined || !disk ? check() : memoized(repository.gitDir, 'verify.json', key, check)), await located);
}

/** The inputs of a check against a base, read by verifyRepository. */
interface GateInputs {
  repository: Repository;
  config: GuardConfig;
  configPath?: string | undefined;
  source: Source;
  base: string;
  range?: boolean;
  sealed?: ResolvedSealedState;
  text: string | undefined;
  listing: Listing;
  attributes: AttributesFile[];
  located: Promise<LocationFindings>;
  cache?: boolean;
}

/**
 * The CI gate: the migrations against the lockfile, the sealing rules
 * against what `base` sealed where the source forked from it, secrets in
 * what changed since, and with `range` each commit on the way.
 */
async function verifyAgainstBase(options: GateInputs): Promise<{ result: VerifyResult; readOutside: boolean }> {
  const { repository, config, text, listing } = options;
  const tip = options.source.kind === 'revision' ? options.source.rev : 'HEAD';
  const sealedTip = options.sealed ? undefined : await sealedStateAt(repository.root, options.base);
  const sealed = options.sealed ?? (await sealedForSource(repository.root, sealedTip!, options.source));
  const parsed = text === undefined || findConflictMarkers(text).length > 0 ? undefined : await parseLockfile(text, LOCKFILE_NAME);
  const lock = parsed?.lock;
  const sets = preferLockedDuplicates(await discoverListedSets(repository.root, config.migrations, listing, repository.gitDir, options.cache !== false), sealed.lock, lock);
  const result = await judge(sets, text, options.source, true, parsed);
  const { findings: sealedFindings, cosmetic } = await checkSealedWithHistory(repository.root, sealed, sets, lock, options.source);
  // A sealed file's own refusal says it all; "changed since it was locked, run guard lock" would contradict it.
  const sealedFiles = new Set(sealedFindings.map((finding) => finding.file));
  const dirs = config.migrations.map((set) => set.dir);
  // Where git vouches for every file of the work tree's dirs, the index holds
  // exactly them: compared without looking at the work tree again, which in a
  // fresh clone git would re-read file by file (racily clean entries).
  const changedSource: Source = options.source.kind === 'worktree' && listing.fingerprint !== undefined ? { kind: 'index' } : options.source;
  const changed = await changedSinceForks(repository.root, dirs, sealed.commit, changedSource);
  const linked = (await linkedMigrations(repository.root, listing)).filter((file) => !changed.some((other) => other.path === file.path && other.oid === file.oid && file.oid));
  const secrets = await secretFindings([...changed.filter((file) => !linked.some((other) => other.path === file.path)), ...linked], setOfPath(dirs));
  const rewritten = checkoutRewrites(options.attributes, migrationPaths(sets));
  const findings = [
    ...result.findings.filter((finding) => !(SUPERSEDED_BY_SEAL.has(finding.code) && sealedFiles.has(finding.file))),
    ...sealedFindings,
    ...rewritten,
    ...secrets,
  ];
  const amendments = newAmendments(sealed.lock, lock);
  // checkSealedWithHistory looks for a moved set's old dir in the work tree itself.
  const movedSet = (lock?.setAmendments ?? []).some((amendment) => amendment.change === 'moved');
  const readOutside = movedSet && options.source.kind === 'worktree';
  const edits = cosmetic.length > 0 ? { cosmetic } : {};
  if (!options.range || !sealedTip) return { result: { ...result, base: options.base, amendments, ...edits, ...verdict(findings) }, readOutside };
  // An amendment made in one commit and taken back in a later one still let
  // that commit change something sealed: the list shows it too.
  const amendedOnTheWay: NewAmendments[] = [];
  const onTheWay = await commitsSince(repository.root, tip, sealedTip, options.source.kind === 'revision');
  // A work tree that is its last commit: that commit's findings are the final state's, shown once.
  // For the work tree the list is HEAD's (commitsSince from `HEAD`), so its last commit is HEAD.
  const head = onTheWay.at(-1);
  if (
    head !== undefined &&
    options.source.kind === 'worktree' &&
    !(await mergeInProgress(repository.root)) &&
    (await tipIsWorkTree({ root: repository.root, head, dirs, listing, text, config, configAt: !options.configPath, attributes: options.attributes, located: options.located, movedSet }))
  ) {
    onTheWay.pop();
  }
  const commits = await verifyCommits({
    repository,
    config,
    ...(options.cache === false ? { cache: false } : {}),
    commits: onTheWay,
    sealed: sealedTip,
    ...(options.configPath ? {} : { configAt: true }),
    amendments: amendedOnTheWay,
  });
  const all = verdict([...findings, ...commits.flatMap((entry) => entry.findings)]);
  return { result: { ...result, base: options.base, amendments: unionOfAmendments([...amendedOnTheWay, amendments]), ...edits, commits, ...all, findings }, readOutside };
}

/** A result with the findings and warnings about Alembic's configured locations added. */
function withLocations(result: VerifyResult, located: LocationFindings): VerifyResult {
  if (located.findings.length === 0 && located.warnings.length === 0) return result;
  const findings = [...result.findings, ...located.findings];
  const all = verdict([...findings, ...(result.commits ?? []).flatMap((entry) => entry.findings)]);
  return { ...result, ...all, findings, warnings: [...result.warnings, ...located.warnings] };
}

/**
 * The verify result of `sets` against the lockfile `text`. Duplicates prefer
 * the migration that lockfile records, unless the caller already chose with
 * a more trusted one (`preferred`: the sealed lockfile).
 */
async function judge(sets: SetUnderCheck[], text: string | undefined, source: Source, preferred = false, known?: ParsedLockfile): Promise<VerifyResult> {
  const summary = sets.map(
    ({ dir, discovered }): SetSummary => ({
      dir,
      tool: discovered.tool,
      migrations: discovered.migrations.length,
      heads: discovered.heads,
      bases: discovered.bases,
      mergePoints: discovered.mergePoints,
      branchLabels: discovered.branchLabels,
      files: discovered.migrations.reduce((count, migration) => count + (migration.down ? 2 : 1), 0),
      excluded: (discovered.excluded ?? []).map((file) => joinPath(dir, file)),
    }),
  );
  const sourceName = source.kind === 'revision' ? source.rev : source.kind;
  const parsed = text === undefined ? undefined : (known ?? (await parseLockfile(text, LOCKFILE_NAME)));
  const warnings = sets.flatMap(({ dir, discovered }) => warningFindings(dir, acceptLockedNames(discovered, lockedFiles(parsed?.lock.sets.find((set) => set.dir === dir)))));
  const finish = (findings: Finding[]): VerifyResult => ({
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'verify',
    source: sourceName,
    sets: summary,
    ...verdict(findings),
    warnings,
  });
  if (parsed === undefined) {
    return finish([
      {
        code: 'set-not-locked',
        exitCode: 1,
        set: '.',
        file: LOCKFILE_NAME,
        message: `${LOCKFILE_NAME} does not exist${source.kind === 'revision' ? ` at ${source.rev}` : ''}`,
        fix: 'run `guard lock` and commit checksums.lock.yaml',
      },
    ]);
  }
  return finish(compareWithLockfile(parsed.lock, preferred ? sets : preferLockedDuplicates(sets, parsed.lock), LOCKFILE_NAME, parsed.lines));
}

/**
 * Each commit as git holds it, against one sealed state read once by the
 * caller (none: the lockfile and tool rules only): the commits that break a
 * rule, in the order given, with their subjects. Commits in `seen` are
 * skipped and each checked one is added, so a push of several refs checks a
 * shared commit once.
 *
 * With `configAt`, each commit is read with the config it holds itself (a
 * branch that adds or moves a set is read as it was written), and with
 * `config` when it holds none. The config decides only where migrations are
 * read: what is sealed comes from `sealed` alone, whose every set stays
 * checked whatever a commit's config says.
 */
export async function verifyCommits(options: {
  repository: Repository;
  config: GuardConfig;
  commits: readonly string[];
  sealed: ResolvedSealedState | undefined;
  seen?: Set<string>;
  configAt?: boolean;
  /** Whether `$GIT_DIR/guard/` may be read and written (verifyRepository's `cache`). */
  cache?: boolean;
  /** Receives the amendments each checked commit adds to what was sealed where it forked. */
  amendments?: NewAmendments[];
  /**
   * `fork` (default): each commit against what was sealed where it forked
   * from the sealed ref; `tip`: against what the ref seals now (commits that
   * would become the protected branch itself).
   */
  judgeAt?: 'fork' | 'tip';
  /**
   * With `configAt`: a commit without a guard config that forked where none
   * was either (written before guard was adopted, or with nothing sealed
   * anywhere) is not judged by rules it never had.
   */
  beforeAdoption?: boolean;
}): Promise<CommitFindings[]> {
  const { repository, sealed } = options;
  const found: CommitFindings[] = [];
  const commits = options.commits.filter((commit) => !options.seen?.has(commit));
  const sealedAt = !sealed
    ? undefined
    : options.judgeAt === 'tip'
      ? new Map(commits.map((commit) => [commit, sealed]))
      : await sealedStatesAt(repository.root, sealed, commits);
  const configuredAt = new Map<string, Promise<boolean>>();
  const adopted = (fork: string) => {
    let known = configuredAt.get(fork);
    if (!known) {
      known = loadConfigAt(repository.root, fork).then((loaded) => loaded !== undefined, () => true);
      configuredAt.set(fork, known);
    }
    return known;
  };
  for (const commit of commits) options.seen?.add(commit);
  // Two commits at a time: git lists and reads one while guard judges the other.
  const judged = await mapTwoAtATime(commits, async (commit): Promise<{ findings: Finding[]; amendments?: NewAmendments } | undefined> => {
    const judgedBy = sealedAt?.get(commit);
    try {
      const own = options.configAt ? (await loadConfigAt(repository.root, commit))?.config : undefined;
      if (options.configAt && options.beforeAdoption && !own) {
        const forks = judgedBy?.commit.split(' ').filter(Boolean) ?? [];
        if (!(await Promise.all(forks.map(adopted))).some(Boolean)) return undefined;
      }
      const config = own ?? options.config;
      const checked = await verifyRepository({
        cwd: repository.root,
        repository,
        config,
        source: { kind: 'revision', rev: commit },
        ...(judgedBy ? { base: judgedBy.ref, sealed: judgedBy } : {}),
        ...(options.cache === false ? { cache: false } : {}),
      });
      return { findings: checked.findings, ...(checked.amendments ? { amendments: checked.amendments } : {}) };
    } catch (error) {
      // A commit whose own config or lockfile cannot be read is refused for
      // that reason, beside the others, rather than ending the whole check.
      if (!(error instanceof GuardError) || error.exitCode !== ExitCode.input) throw error;
      return { findings: [{ code: 'unreadable', exitCode: 2, set: '.', ...(error.location ? { file: error.location.file } : {}), message: error.message, fix: error.fix ?? 'fix the file and commit again' }] };
    }
  });
  for (const [i, commit] of commits.entries()) {
    const result = judged[i];
    if (!result) continue;
    if (result.amendments) options.amendments?.push(result.amendments);
    if (result.findings.length === 0) continue;
    found.push({ commit, subject: (await git(repository.root, ['log', '-1', '--format=%s', commit])) ?? '', findings: result.findings });
  }
  return found;
}

/** Repository-relative paths of every migration file and down script of `sets`. */
function migrationPaths(sets: readonly SetUnderCheck[]): string[] {
  return sets.flatMap(({ dir, discovered }) =>
    discovered.migrations.flatMap((migration) => [joinPath(dir, migration.file), ...(migration.down ? [joinPath(dir, migration.down.file)] : [])]),
  );
}

/** Lockfile findings that a sealing finding for the same file replaces. */
const SUPERSEDED_BY_SEAL = new Set<Finding['code']>(['checksum-mismatch', 'down-mismatch', 'deleted', 'renamed']);

function verdict(findings: Finding[]): { ok: boolean; exitCode: number; findings: Finding[] } {
  const exitCode = worstExitCode(findings);
  return { ok: findings.length === 0, exitCode, findings };
}
