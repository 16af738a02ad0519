import path from 'node:path';
import { allowsCosmeticEdits, type MigrationSetConfig } from '../core/config/validate-config.js';
import { ADAPTERS, detectTool } from '../core/tools/registry.js';
import { TOOLS, type DiscoveredSet, type DiscoverOptions, type FileReading, type Problem, type SourceFile, type Tool } from '../core/migrations/types.js';
import { joinPath } from '../core/paths.js';
import type { SetUnderCheck } from '../core/findings/findings.js';
import { readCache, writeCache } from './cache-file.js';
import { guardVersion } from './guard-version.js';
import { readFileIfRegular } from './read-bounded-file.js';
import { readBlobs, type BlobLimits } from './git/read-blobs.js';
import { CONFIG_MAX_BYTES } from './load-config.js';
import { readAlembicConfigs } from '../core/tools/alembic/alembic-config.js';
import { GuardError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { listMigrationFiles, readListedFiles, type ListedFile, type Listing, type SetListing, type Source } from './read-migration-files.js';
import { excludedMigration, globMatcher, inMigrationFolder, migrationFolder, notRead, runsAsMigration, unusedExclude } from '../core/tools/excluded-files.js';

const READINGS_CACHE = 'readings.json';
/** Entries kept beyond the ones this run used, so switching branches stays warm. */
const READINGS_CACHE_LIMIT = 50_000;

interface ReadingsCache {
  version: string;
  /** `tool \0 repository path \0 blob id` -> reading */
  entries: Record<string, FileReading>;
}

/**
 * Reads every configured migration dir at `source` and runs its tool's
 * adapter. Tools the config leaves out are detected from the file names.
 *
 * A file's reading (checksum, parsed header) depends only on its path and
 * content, so readings of files git holds are kept in `$GIT_DIR/guard/`
 * under their blob id: an unchanged file is never read, hashed or parsed
 * twice. Edited and new files, which have no blob id yet, are always read.
 */
export async function discoverSets(
  root: string,
  sets: readonly MigrationSetConfig[],
  source: Source,
  gitDir?: string,
): Promise<SetUnderCheck[]> {
  return discoverListedSets(root, sets, await listSets(root, sets, source), gitDir);
}

/** Alembic and TypeORM files declare their migration inside: only their reading tells a migration from a helper. */
function declaresInFile(tool: Tool): boolean {
  return tool === 'alembic' || tool === 'typeorm';
}

/** The files of each configured set, without their content. */
export async function listSets(root: string, sets: readonly MigrationSetConfig[], source: Source): Promise<Listing> {
  const recursion = await recursionAt(root, sets, source);
  const requests = sets.map((set, i) => ({ dir: set.dir, recursive: recursion[i]! }));
  return listMigrationFiles(root, requests, source);
}

/**
 * @param disk false: readings are kept for this process only, never read
 *   from or written to `$GIT_DIR/guard/` (the CI gate in CI trusts nothing it
 *   did not compute itself)
 */
export async function discoverListedSets(
  root: string,
  sets: readonly MigrationSetConfig[],
  listing: Listing,
  gitDir?: string,
  disk = true,
): Promise<SetUnderCheck[]> {
  const listings = await listing.sets();
  const cached = gitDir ? knownReadings(gitDir, disk) : {};
  const used: Record<string, FileReading> = {};
  let misses = 0;

  const plans = sets.map((set) => {
    const listing = listings.get(set.dir)!;
    const tool: Tool | undefined = set.tool ?? detectTool(listing.files.map((file) => file.path));
    const adapter = tool ? ADAPTERS[tool] : undefined;
    const scope = tool ? inScope(set, listing, tool) : { files: listing.files, excluded: [], nested: [], unused: [] };
    const wanted = adapter ? scope.files.filter((file) => adapter.candidate(file.path)) : [];
    const keyOf = (file: ListedFile) => (file.oid && !file.onDisk ? `${tool}\0${file.full}\0${file.oid}` : undefined);
    // Files outside the set whose reading says whether the tool would run them (an Alembic revision, a TypeORM class).
    const asked = tool !== undefined && declaresInFile(tool) ? [...scope.excluded.filter((file) => !file.nested), ...scope.nested].map(({ file }) => file).filter((file) => adapter!.candidate(file.path)) : [];
    const toRead = [...wanted, ...asked].filter((file) => {
      const key = keyOf(file);
      return key === undefined || wellFormed(cached[key]) === undefined;
    });
    return { set, listing, tool, scope, wanted, asked, keyOf, toRead };
  });

  // Readings are computed as contents arrive, so no file's bytes are kept.
  const fresh = new Map<string, FileReading>();
  const planOf = new Map(plans.flatMap((plan) => plan.toRead.map((file) => [file.full, plan] as const)));
  const readProblems = await readListedFiles(root, plans.flatMap((plan) => plan.toRead), (file, bytes) => {
    const plan = planOf.get(file.full)!;
    fresh.set(file.full, ADAPTERS[plan.tool!].readFile(file.path, bytes, optionsFor(plan.set)));
  });
  const readingOf = (file: ListedFile, keyOf: (file: ListedFile) => string | undefined): FileReading | undefined => {
    const key = keyOf(file);
    const reading = (key === undefined ? undefined : wellFormed(cached[key])) ?? fresh.get(file.full);
    if (reading && key !== undefined) {
      if (used[key] === undefined && wellFormed(cached[key]) === undefined) misses++;
      used[key] = reading;
    }
    return reading;
  };

  const result = plans.map(({ set, listing, tool, scope, wanted, keyOf }): SetUnderCheck => {
    if (!tool) {
      const problems = listing.problems.length > 0 ? listing.problems : [noTool(set.dir, listing.files.length)];
      return { dir: set.dir, discovered: emptySet('sql', problems) };
    }
    const adapter = ADAPTERS[tool];
    const options = optionsFor(set);
    const problems: Problem[] = [...listing.problems];
    const wantedPaths = new Set(wanted.map((file) => file.full));
    const files: SourceFile[] = [];
    for (const file of scope.files) {
      if (!wantedPaths.has(file.full)) {
        files.push({ path: file.path, bytes: new Uint8Array(0) });
        continue;
      }
      const reading = readingOf(file, keyOf);
      if (!reading) {
        const problem = readProblems.get(file.full);
        if (problem) problems.push(problem);
        continue;
      }
      files.push({ path: file.path, reading });
    }
    const discovered = adapter.discover(files, options);
    discovered.problems.unshift(...problems);
    const show = (file: string) => joinPath(set.dir, file);
    // What the set leaves out is said, never silent: excluded files are listed,
    // one the tool runs is refused, a sub-folder's migration-like file is reported.
    const reported: Problem[] = [];
    // A folder the tool loads as a migration is refused wherever it is listed: read, excluded or in a sub-folder.
    const folders = new Set<string>();
    const inSubFolders = [...scope.files, ...scope.excluded.map(({ file }) => file), ...scope.nested.map(({ file }) => file)].map((file) => file.path).filter((path) => path.includes('/'));
    for (const path of inSubFolders.concat(listing.nestedLinks ?? [])) {
      const folder = path.slice(0, path.indexOf('/'));
      if (folders.has(folder) || !inMigrationFolder(tool, path)) continue;
      folders.add(folder);
      discovered.problems.push(migrationFolder(path, tool, show));
    }
    for (const { file, pattern, nested } of scope.excluded) {
      if (!nested && runsAsMigration(tool, file.path, declaresInFile(tool) ? readingOf(file, keyOf) : undefined)) {
        discovered.problems.push(excludedMigration(file.path, tool, pattern, show));
      }
    }
    for (const { file } of scope.nested) {
      const looksLike = declaresInFile(tool) ? adapter.candidate(file.path) && readingOf(file, keyOf)?.migration !== undefined : runsAsMigration(tool, file.path, undefined);
      if (looksLike) reported.push(notRead(file.path, tool, show));
    }
    for (const pattern of scope.unused) reported.push(unusedExclude(set.dir, pattern));
    if (reported.length > 0) discovered.warnings = [...(discovered.warnings ?? []), ...reported];
    if (scope.excluded.length > 0) discovered.excluded = scope.excluded.map(({ file }) => file.path);
    if (discovered.migrations.length === 0 && discovered.problems.length === 0) {
      const ignored = discovered.ignored;
      discovered.problems.push({
        code: 'empty-dir',
        exitCode: 2,
        message: `migration dir ${set.dir} holds no ${tool} migrations${ignored.length ? ` (ignored: ${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', ...' : ''})` : ''}`,
        fix: `check \`dir\` and \`tool\` for ${set.dir} in the config, or add the first migration`,
      });
    }
    return {
      dir: set.dir,
      discovered,
      ...(set.outOfOrder === 'allow' ? { outOfOrder: 'allow' as const } : {}),
      ...(allowsCosmeticEdits(set, tool) ? { cosmetic: 'allow' as const } : {}),
    };
  });

  if (gitDir && misses > 0) {
    const entries: Record<string, FileReading> = { ...used };
    let kept = Object.keys(entries).length;
    for (const [key, reading] of Object.entries(cached)) {
      if (kept >= READINGS_CACHE_LIMIT) break;
      if (entries[key] === undefined) {
        entries[key] = reading;
        kept++;
      }
    }
    if (disk) writeCache(gitDir, READINGS_CACHE, { version: guardVersion(), entries } satisfies ReadingsCache);
    inMemory = { gitDir, disk, entries };
  }
  return result;
}

/**
 * The readings this process last read or wrote for `gitDir`: a check of many
 * commits (the CI gate, a push) reads and parses the cache file once, not once
 * per commit. Entries are still checked by wellFormed where they are used.
 */
let inMemory: { gitDir: string; disk: boolean; entries: Record<string, FileReading> } | undefined;

function knownReadings(gitDir: string, disk: boolean): Record<string, FileReading> {
  // Readings that came from the file are not used where the file is not trusted.
  if (inMemory?.gitDir === gitDir && (disk || !inMemory.disk)) return inMemory.entries;
  const cache = disk ? readCache<ReadingsCache>(gitDir, READINGS_CACHE) : undefined;
  const entries = cache?.version === guardVersion() && typeof cache.entries === 'object' && cache.entries !== null ? cache.entries : {};
  inMemory = { gitDir, disk, entries };
  return entries;
}

/** Adapter options for a set: its naming scheme and reading of versions, and messages that name repository paths. */
function optionsFor(set: MigrationSetConfig): DiscoverOptions {
  return { ...(set.naming ? { naming: set.naming } : {}), ...(set.versions ? { versions: set.versions } : {}), display: (file: string) => joinPath(set.dir, file) };
}

interface SetScope {
  /** The files of the set, for its adapter. */
  files: ListedFile[];
  /** What `exclude:` leaves out (in the set, or in a sub-folder it does not read), with the pattern that did. */
  excluded: { file: ListedFile; pattern: string; nested: boolean }[];
  /** Files in sub-folders of a set that is not recursive, not excluded. */
  nested: { file: ListedFile }[];
  /** Patterns that match no file. */
  unused: string[];
}

/** The set's files after its `exclude:` globs. */
function inScope(set: MigrationSetConfig, listing: SetListing, tool: Tool): SetScope {
  const patterns = (set.exclude ?? []).map((pattern) => ({ pattern, matches: globMatcher(pattern), used: false }));
  const excludedBy = (file: ListedFile) => {
    const hit = patterns.find((candidate) => candidate.matches(file.path));
    if (hit) hit.used = true;
    return hit?.pattern;
  };
  const scope: SetScope = { files: [], excluded: [], nested: [], unused: [] };
  for (const file of listing.files) {
    const pattern = excludedBy(file);
    if (pattern === undefined) scope.files.push(file);
    else scope.excluded.push({ file, pattern, nested: false });
  }
  // Sub-folders the set does not read are only looked at for files that could be the tool's.
  for (const file of listing.nested) {
    const pattern = excludedBy(file);
    if (!ADAPTERS[tool].candidate(file.path)) continue;
    if (pattern === undefined) scope.nested.push({ file });
    else scope.excluded.push({ file, pattern, nested: true });
  }
  scope.unused = patterns.filter((candidate) => !candidate.used).map((candidate) => candidate.pattern);
  return scope;
}

/** A cached reading in the shape guard writes; anything else is a miss. */
function wellFormed(reading: unknown): FileReading | undefined {
  if (typeof reading !== 'object' || reading === null) return undefined;
  const { sha256, problem, migration, index } = reading as Partial<FileReading>;
  if (typeof sha256 !== 'string') return undefined;
  if (problem !== undefined && (typeof problem?.message !== 'string' || typeof problem.fix !== 'string')) return undefined;
  if (migration !== undefined && (typeof migration?.id !== 'string' || typeof migration.file !== 'string' || !Array.isArray(migration.parents))) return undefined;
  if (index !== undefined && (!Array.isArray(index) || index.some((entry) => typeof entry?.id !== 'string' || typeof entry.file !== 'string'))) return undefined;
  return reading as FileReading;
}

/**
 * Whether guard reads the sub-folders of each set: its `recursive`, else what
 * Alembic's own config says for it, else the tool's default. Alembic (1.10
 * and later) reads sub-folders of a version location only with
 * `recursive_version_locations` (https://alembic.sqlalchemy.org/en/latest/branches.html#working-with-multiple-bases):
 * the nearest folder at or above the dir, up to the repository root, that
 * holds an `alembic.ini` or a `pyproject.toml` with `[tool.alembic]` decides.
 * Those files are read as `source` holds them: a commit's own (the server
 * has no work tree), else the work tree's, which the hooks' speed budget
 * affords.
 */
export async function recursionAt(root: string, sets: readonly MigrationSetConfig[], source: Source): Promise<boolean[]> {
  const asked = sets.filter((set) => set.recursive === undefined && (set.tool === 'alembic' || set.tool === undefined));
  let textOf = (file: string) => readFileIfRegular(path.join(root, file), { followSymlinks: true })?.toString('utf8');
  if (source.kind === 'revision' && asked.length > 0) {
    const names = [...new Set(asked.flatMap((set) => foldersUp(set.dir).flatMap((folder) => ALEMBIC_CONFIG_NAMES.map((name) => joinPath(folder, name)))))];
    const blobs = await readBlobs(root, names.map((name) => `${source.rev}:${name}`), ALEMBIC_CONFIG_LIMITS);
    textOf = (file) => blobs.get(`${source.rev}:${file}`)?.toString('utf8');
  }
  return sets.map((set) => {
    if (set.recursive !== undefined) return set.recursive;
    // Undetected tools are listed flat unless Alembic's config says otherwise.
    if ((set.tool === 'alembic' || set.tool === undefined) && alembicConfigRecursive(set.dir, textOf)) return true;
    return set.tool ? ADAPTERS[set.tool].recursiveByDefault : false;
  });
}

const ALEMBIC_CONFIG_NAMES = ['alembic.ini', 'pyproject.toml'];

/** Alembic's config files are read no larger than guard's own config (README, "Limits"). */
export const ALEMBIC_CONFIG_LIMITS: BlobLimits = {
  maxBytes: CONFIG_MAX_BYTES,
  refuse: (id, found) =>
    new GuardError(ExitCode.input, `${id} is ${found.type === 'blob' ? `${found.size} bytes, more than an Alembic config holds` : `a ${found.type}, not a file`}`, {
      fix: 'keep alembic.ini and pyproject.toml under 1 MiB (README, "Limits")',
    }),
};

function alembicConfigRecursive(dir: string, textOf: (file: string) => string | undefined): boolean {
  for (const folder of foldersUp(dir)) {
    let decided = false;
    let recursive = false;
    for (const name of ALEMBIC_CONFIG_NAMES) {
      const file = joinPath(folder, name);
      const text = textOf(file);
      if (text === undefined) continue;
      const configs = readAlembicConfigs(file, text).configs;
      // An alembic.ini decides even without a [alembic] section naming locations; a pyproject.toml only with [tool.alembic].
      decided ||= name === 'alembic.ini' || configs.length > 0;
      recursive ||= configs.some((config) => config.recursive) || (name === 'alembic.ini' && /^\s*recursive_version_locations\s*=\s*true\s*$/im.test(text));
    }
    if (decided) return recursive;
  }
  return false;
}

/** `a/b/c`, `a/b`, `a`, `.`: where an Alembic config for `dir` may sit. */
function foldersUp(dir: string): string[] {
  const folders: string[] = [];
  for (let at = dir; ; at = at.includes('/') ? at.slice(0, at.lastIndexOf('/')) : '.') {
    folders.push(at);
    if (at === '.') return folders;
  }
}

function emptySet(tool: Tool, problems: Problem[]): DiscoveredSet {
  return { tool, migrations: [], heads: [], bases: [], mergePoints: [], branchLabels: {}, problems, ignored: [] };
}

function noTool(dir: string, files: number): Problem {
  return {
    code: 'empty-dir',
    exitCode: 2,
    message: `cannot tell which migration tool ${dir} belongs to (${files} files, none an Alembic revision or .sql migration)`,
    fix: `set its \`tool:\` for ${dir} in the config (one of ${TOOLS.join(', ')}; only alembic, sql, flyway and drizzle are told from file names)`,
  };
}
