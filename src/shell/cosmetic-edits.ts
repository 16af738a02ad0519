/**
 * Cosmetic edits of sealed migrations (README, "Cosmetic edits"): in a set
 * under `cosmetic: allow`, an edit of a sealed file whose semantic checksum
 * is the sealed content's passes every gate, and is reported. The semantic
 * checksums are computed here, only for sealed files whose content checksum
 * changed and for lockfile lines that are not the sealed ones, so a commit
 * without such an edit never loads a parser.
 *
 * Both sides are computed from content, never taken from a lockfile: the
 * sealed file is read from the protected ref's commit (and used only when
 * its content checksum is the sealed one), the edited one from what is
 * being checked. A recorded semantic checksum could have been written by
 * hand, or by a branch whose config did not ask guard to check it, and a
 * planted one would let a later edit pass as cosmetic. The recorded values
 * are checked against their files all the same (`semantic-mismatch`), so
 * the lockfile a pull request shows tells the truth.
 */
import { contentChecksum } from '../core/checksum.js';
import type { Finding, SetUnderCheck } from '../core/findings/findings.js';
import type { Lockfile } from '../core/lockfile/types.js';
import { joinPath } from '../core/paths.js';
import { cosmeticKey, type SealedState } from '../core/seal/check-sealed.js';
import { SEMANTIC_ALGORITHM, semanticLanguage, type SemanticLanguage } from '../core/semantic/semantic-checksum.js';
import { readBlobs } from './git/read-blobs.js';
import { readFileIfRegular } from './read-bounded-file.js';
import type { Source } from './read-migration-files.js';
import type { SemanticReading } from './semantic-checksums.js';
import { loadConfigAt } from './load-config.js';
import { allowsCosmeticEdits, type GuardConfig } from '../core/config/validate-config.js';
import path from 'node:path';

/** An edit of a sealed migration that changed only its formatting. */
export interface CosmeticEdit {
  /** The set's dir. */
  set: string;
  /** Repository-relative path. */
  file: string;
  /** Content checksums, sealed and now (64 hex digits). */
  from: string;
  to: string;
}

export interface CosmeticReview {
  /** checkSealed's `cosmetic`: the edits it lets through. */
  allowed: Set<string>;
  edits: CosmeticEdit[];
  /** By repository-relative path: why an edit of a sealed file under `cosmetic: allow` is not cosmetic. */
  refused: Map<string, string>;
  /** Lockfile lines whose semantic checksum is not their file's. */
  findings: Finding[];
}

/** One file whose semantic checksum is wanted: now (in `source`) and, for a sealed edit, as sealed. */
interface Wanted {
  set: string;
  language: SemanticLanguage;
  /** Repository-relative path now. */
  file: string;
  sha256: string;
}

/**
 * Which edits of sealed files under `cosmetic: allow` are cosmetic, and
 * whether the semantic checksums `lock` records for lines that are not
 * sealed as they are are their files'.
 */
export async function reviewCosmeticEdits(
  root: string,
  sealed: SealedState & { commit?: string },
  sets: readonly SetUnderCheck[],
  lock: Lockfile | undefined,
  source: Source,
): Promise<CosmeticReview> {
  const review: CosmeticReview = { allowed: new Set(), edits: [], refused: new Map(), findings: [] };
  const trustedSealed = sealed.lock.semantic === SEMANTIC_ALGORITHM;
  const edits: { now: Wanted; sealedFile: string; sealedSha: string }[] = [];
  const recorded: { now: Wanted; semantic: string }[] = [];
  for (const set of sets) {
    if (set.cosmetic !== 'allow') continue;
    const tool = set.discovered.tool;
    const sealedSet = sealed.lock.sets.find((candidate) => candidate.dir === set.dir && candidate.tool === tool);
    const sealedById = new Map((sealedSet?.migrations ?? []).map((entry) => [entry.id, entry]));
    const lockSet = lock?.sets.find((candidate) => candidate.dir === set.dir);
    const lockedById = new Map((lockSet?.migrations ?? []).map((entry) => [entry.id, entry]));
    for (const migration of set.discovered.migrations) {
      if (migration.repeatable) continue;
      const sealedEntry = sealedById.get(migration.id);
      const locked = lockedById.get(migration.id);
      const scripts = [
        { file: migration.file, sha256: migration.sha256, sealedFile: sealedEntry?.file, sealedSha: sealedEntry?.sha256, sealedSemantic: sealedEntry?.semantic, lockedSha: locked?.file === migration.file ? locked.sha256 : undefined, lockedSemantic: locked?.semantic },
        ...(migration.down
          ? [{ file: migration.down.file, sha256: migration.down.sha256, sealedFile: sealedEntry?.down, sealedSha: sealedEntry?.down_sha256, sealedSemantic: sealedEntry?.down_semantic, lockedSha: locked?.down === migration.down.file ? locked.down_sha256 : undefined, lockedSemantic: locked?.down_semantic }]
          : []),
      ];
      for (const script of scripts) {
        const language = semanticLanguage(tool, script.file);
        if (!language) continue;
        const now: Wanted = { set: set.dir, language, file: joinPath(set.dir, script.file), sha256: script.sha256 };
        if (sealedSet && script.sealedFile === script.file && script.sealedSha !== undefined && script.sealedSha !== script.sha256) {
          edits.push({ now, sealedFile: joinPath(sealedSet.dir, script.file), sealedSha: script.sealedSha });
        }
        // A recorded value is checked against its file unless its line is sealed as it is (same content, value and algorithm).
        const asSealed = trustedSealed && lock?.semantic === SEMANTIC_ALGORITHM && script.sealedSha === script.sha256 && script.sealedSemantic === script.lockedSemantic;
        if (script.lockedSemantic !== undefined && script.lockedSha === script.sha256 && !asSealed) recorded.push({ now, semantic: script.lockedSemantic });
      }
    }
  }
  if (edits.length === 0 && recorded.length === 0) return review;

  // The sealed state's commit, or the commits of several fork points (a criss-cross merge): each must hold the sealed file.
  const commits = (sealed.commit ?? '').split(' ').filter((commit) => /^[0-9a-f]{40,64}$/.test(commit));
  const [nowBytes, sealedBytes, inForce] = await Promise.all([
    readNow(root, source, [...edits.map((edit) => edit.now), ...recorded.map((entry) => entry.now)]),
    Promise.all(commits.map((commit) => readRevision(root, commit, edits.map((edit) => edit.sealedFile)))),
    edits.length > 0 ? policyInForce(root, commits) : new Set<string>(),
  ]);
  for (const edit of edits) {
    const why = (reason: string) => review.refused.set(edit.now.file, reason);
    if (!inForce.has(edit.now.set)) {
      why(`\`cosmetic: allow\` is not in force for ${edit.now.set} in ${sealed.ref}'s config; a branch cannot turn it on for its own edits (merge the config change first)`);
      continue;
    }
    const now = await semanticReading(edit.now.language, nowBytes.get(edit.now.file), edit.now.sha256);
    const before = await Promise.all(sealedBytes.map((bytes) => semanticReading(edit.now.language, bytes.get(edit.sealedFile), edit.sealedSha)));
    if ('unreadable' in now) why(`${now.unreadable}, so whether its meaning changed cannot be told`);
    else if (before.length === 0 || before.some((reading) => 'unreadable' in reading)) why(`the sealed content cannot be read from ${sealed.ref}`);
    else if (before.some((reading) => 'checksum' in reading && reading.checksum !== now.checksum)) why('its meaning changed (another semantic checksum), not only its formatting');
    else {
      review.allowed.add(cosmeticKey(edit.now.file, edit.sealedSha, edit.now.sha256));
      review.edits.push({ set: edit.now.set, file: edit.now.file, from: edit.sealedSha, to: edit.now.sha256 });
    }
  }
  if (lock && lock.semantic !== undefined && lock.semantic !== SEMANTIC_ALGORITHM && recorded.length > 0) {
    review.findings.push({
      code: 'semantic-mismatch',
      exitCode: 1,
      set: recorded[0]!.now.set,
      message: `the lockfile records semantic checksums as ${lock.semantic}, but this guard computes ${SEMANTIC_ALGORITHM}`,
      fix: 'run `guard lock` to record them anew (or use the guard version that wrote the lockfile)',
    });
    return review;
  }
  for (const entry of recorded) {
    const actual = await semanticOf(entry.now.language, nowBytes.get(entry.now.file), entry.now.sha256);
    if (actual === entry.semantic) continue;
    review.findings.push({
      code: 'semantic-mismatch',
      exitCode: 1,
      set: entry.now.set,
      file: entry.now.file,
      message: `the lockfile line of ${entry.now.file} records a semantic checksum that is not its file's${actual === undefined ? ' (the file has none: its parser cannot read it)' : ''}`,
      fix: 'run `guard lock` to record it anew; only guard writes this field',
    });
  }
  return review;
}

/** Semantic checksums already computed in this process, by language and content checksum. */
const computed = new Map<string, Promise<SemanticReading>>();

/** The semantic checksum of bytes whose content checksum must be `sha256`; undefined when they are missing, are other bytes, or cannot be parsed. */
export async function semanticOf(language: SemanticLanguage, bytes: Buffer | undefined, sha256: string): Promise<string | undefined> {
  const reading = await semanticReading(language, bytes, sha256);
  return 'checksum' in reading ? reading.checksum : undefined;
}

/** semanticOf, with why there is none. */
function semanticReading(language: SemanticLanguage, bytes: Buffer | undefined, sha256: string): Promise<SemanticReading> {
  if (!bytes) return Promise.resolve({ unreadable: 'its content cannot be read' });
  if (contentChecksum(bytes) !== sha256) return Promise.resolve({ unreadable: 'its content is not the one checked (a link, or a filter)' });
  const key = `${language}\0${sha256}`;
  let known = computed.get(key);
  if (!known) {
    // The canonical forms and the parsers' loader are a file of their own in the bundle, read at the first edit judged.
    known = import('./semantic-checksums.js').then(({ semanticChecksum }) => semanticChecksum(language, bytes));
    computed.set(key, known);
  }
  return known;
}

/**
 * The set dirs whose policy is `cosmetic: allow` in the config of every
 * commit given (the protected ref's, where the sealed state was read), for
 * a tool that honours it. The policy that lets a sealed file change is the
 * one already merged: a branch's own config could otherwise turn it on for
 * its own edits. A commit whose config cannot be read allows nothing.
 */
async function policyInForce(root: string, commits: readonly string[]): Promise<Set<string>> {
  const configs = await Promise.all(commits.map((commit) => loadConfigAt(root, commit).then((loaded) => loaded?.config, () => undefined)));
  if (configs.length === 0 || configs.some((config) => config === undefined)) return new Set();
  const allowed = (config: GuardConfig) => new Set(config.migrations.filter((set) => allowsCosmeticEdits(set, set.tool)).map((set) => set.dir));
  const [first, ...rest] = configs.map((config) => allowed(config!));
  return new Set([...first!].filter((dir) => rest.every((other) => other.has(dir))));
}

/** The bytes of `wanted` files as `source` holds them, by repository-relative path. */
async function readNow(root: string, source: Source, wanted: readonly Wanted[]): Promise<Map<string, Buffer>> {
  const files = [...new Set(wanted.map((entry) => entry.file))];
  if (source.kind === 'revision') return readRevision(root, source.rev, files);
  if (source.kind === 'index') return readObjects(root, files, (file) => `:${file}`);
  const bytes = new Map<string, Buffer>();
  for (const file of files) {
    const read = readFileIfRegular(path.join(root, file), { followSymlinks: true });
    if (read) bytes.set(file, read);
  }
  return bytes;
}

function readRevision(root: string, rev: string, files: readonly string[]): Promise<Map<string, Buffer>> {
  return readObjects(root, files, (file) => `${rev}:${file}`);
}

/** The objects named `rev:path` or `:path` (https://git-scm.com/docs/gitrevisions), by path. */
async function readObjects(root: string, files: readonly string[], name: (file: string) => string): Promise<Map<string, Buffer>> {
  const blobs = await readBlobs(root, files.map(name));
  return new Map(files.flatMap((file) => (blobs.has(name(file)) ? [[file, blobs.get(name(file))!] as const] : [])));
}

/**
 * Gives the migrations (and down scripts) of sets under `cosmetic: allow`
 * their semantic checksums, for the lockfile guard writes: the one a
 * lockfile already records for the same content under this algorithm
 * (`previous`, then the sealed one), else computed from `source`. A file the
 * parser cannot read gets none, and so does a line `previous` holds with the
 * same content and none (the hook's quick path appends new lines without
 * one): filling it in would rewrite lines nothing changed, and make
 * `guard lock --check` fail after every such commit. The gates check
 * recorded values that are not sealed as they are (reviewCosmeticEdits), so
 * a value taken from `previous` is checked before it is sealed.
 */
export async function attachSemanticChecksums(root: string, sets: readonly SetUnderCheck[], known: readonly [Lockfile | undefined, ...(Lockfile | undefined)[]], source: Source): Promise<void> {
  const recorded = new Map<string, string>();
  // Lines `previous` holds without a semantic checksum, under a policy already in force.
  const without = new Set<string>();
  const previous = known[0];
  if (previous?.semantic !== undefined) {
    for (const { key, semantic } of lockedScripts(previous)) if (semantic === undefined) without.add(key);
  }
  for (const lock of known) {
    if (lock?.semantic !== SEMANTIC_ALGORITHM) continue;
    for (const { key, semantic } of lockedScripts(lock)) if (semantic !== undefined) recorded.set(key, semantic);
  }
  const targets: { script: { sha256: string; semantic?: string }; wanted: Wanted }[] = [];
  for (const set of sets) {
    if (set.cosmetic !== 'allow') continue;
    for (const migration of set.discovered.migrations) {
      if (migration.repeatable) continue;
      for (const script of [{ script: migration, file: migration.file }, ...(migration.down ? [{ script: migration.down, file: migration.down.file }] : [])]) {
        const language = semanticLanguage(set.discovered.tool, script.file);
        if (!language) continue;
        const file = joinPath(set.dir, script.file);
        const key = `${file}\0${script.script.sha256}`;
        const known = recorded.get(key);
        if (known !== undefined) script.script.semantic = known;
        else if (!without.has(key)) targets.push({ script: script.script, wanted: { set: set.dir, language, file, sha256: script.script.sha256 } });
      }
    }
  }
  if (targets.length === 0) return;
  const bytes = await readNow(root, source, targets.map((target) => target.wanted));
  for (const { script, wanted } of targets) {
    const semantic = await semanticOf(wanted.language, bytes.get(wanted.file), wanted.sha256);
    if (semantic !== undefined) script.semantic = semantic;
  }
}

/** Each file a lockfile locks (a migration, its down script), keyed by repository-relative path and content checksum, with its semantic checksum. */
function lockedScripts(lock: Lockfile): { key: string; semantic: string | undefined }[] {
  return lock.sets.flatMap((set) =>
    set.migrations.flatMap((entry) => [
      { key: `${joinPath(set.dir, entry.file)}\0${entry.sha256}`, semantic: entry.semantic },
      ...(entry.down !== undefined && entry.down_sha256 !== undefined ? [{ key: `${joinPath(set.dir, entry.down)}\0${entry.down_sha256}`, semantic: entry.down_semantic }] : []),
    ]),
  );
}
