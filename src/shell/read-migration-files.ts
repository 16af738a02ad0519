import { isUtf8 } from 'node:buffer';
import { lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { escapeFileName, unsafeFileName } from '../core/file-names.js';
import type { Problem } from '../core/migrations/types.js';
import { emptyDir, missingDir, symlinkEscape, unreadable } from './listing-problems.js';
import { readBlobs, streamBlobs } from './git/read-blobs.js';
import { ATTRIBUTES, digest, filesNamed, holdsSymlink } from './listing-keys.js';
import { fileNameUnsafe, runGit, splitNul } from './git/run-git.js';
import { readRegularFile } from './read-bounded-file.js';

/** Which state of the repository to read. */
export type Source =
  /** What the user is about to commit: the index where a file is unchanged, the file itself where it is new or edited. */
  | { kind: 'worktree' }
  /** A commit, as git holds it (`HEAD`, `origin/main`, a sha). */
  | { kind: 'revision'; rev: string }
  /**
   * What is being committed: the index git points at, which for `git commit -a`
   * and `git commit -- path` is a temporary one named by GIT_INDEX_FILE
   * (https://git-scm.com/docs/githooks#_pre_commit).
   */
  | { kind: 'index' };

export interface SetRequest {
  /** Repository-relative dir, normalised. */
  dir: string;
  recursive: boolean;
}

/** A file of a set, before its content is read. */
export interface ListedFile {
  /** Relative to the set's dir. */
  path: string;
  /** Repository-relative. */
  full: string;
  /** Blob id, when git holds exactly this content (clean in the index, or in the commit). */
  oid?: string;
  /** Work-tree files that must be read from disk: new, edited, or symlinks. */
  onDisk?: true;
  /**
   * A symlink, listed with its target's content: git's diff of the dir shows
   * only the link (its target path), so a scan of changed content must read
   * such a file through its listing.
   */
  link?: true;
}

export interface SetListing {
  files: ListedFile[];
  problems: Problem[];
  /**
   * Regular files in sub-folders of a set that is not recursive: not part of
   * the set, listed so that one that looks like a migration is reported
   * rather than left unguarded without a word. Never read unless asked.
   */
  nested: ListedFile[];
  /** Symbolic links in those sub-folders, by set-relative path: never read, only named (a folder the tool loads as a migration may hold one). */
  nestedLinks?: string[];
}

const MODE_SYMLINK = '120000';
const MODE_GITLINK = '160000';

/**
 * The files of several migration dirs, listed with a constant number of git
 * processes whatever the number of files: in the work tree one `ls-files` for
 * the index and one for what differs from it; in a commit one `ls-tree`.
 * Files unchanged since they were staged keep their blob id, so their content
 * comes from git's objects (a checkout that git converts, autocrlf or
 * working-tree-encoding, is judged by what git holds) and can be cached.
 */
export interface Listing {
  /**
   * A digest of git's own listing when git vouches for every file (nothing
   * new or edited in the work tree, no symlink whose target lies outside
   * the listing): the same digest means the same paths with the same
   * contents. Undefined otherwise.
   */
  fingerprint: string | undefined;
  /** The files per set dir, parsed from git's output on first use. */
  sets(): Promise<Map<string, SetListing>>;
  /**
   * Repository paths of the `.gitattributes` files git lists in the dirs
   * (tracked, or untracked and not ignored), found without parsing the
   * listing: the CI gate reads them beside the ones above the dirs.
   */
  attributesFiles: string[];
  /** The dirs listed and whether each was listed with its sub-folders (Alembic's config can decide it). */
  requests: readonly SetRequest[];
}

export async function listMigrationFiles(root: string, requests: readonly SetRequest[], source: Source): Promise<Listing> {
  const dirs = requests.map((request) => request.dir);
  // The requests (dirs, recursion) and which dirs exist are part of what a listing means.
  const context = JSON.stringify([source, requests, requests.map((request) => isDirectory(path.join(root, request.dir)))]);
  if (source.kind === 'index') {
    // Exactly the tree the commit will record: `write-tree` leaves out
    // intent-to-add entries (`git add -N`), which ls-files would list as
    // empty files (https://git-scm.com/docs/git-write-tree).
    const tree = (await runGit(root, ['write-tree'])).toString('utf8').trim();
    const staged = await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', tree, '--', ...dirs]);
    return lazyListing(requests, holdsSymlink(staged) ? undefined : digest(context, staged), () => parseRevision(root, requests, staged, tree), filesNamed(ATTRIBUTES, staged));
  }
  if (source.kind === 'worktree') {
    // https://git-scm.com/docs/git-ls-files: -s gives "<mode> <object> <stage>\t<file>";
    // -t -m -d -o tags modified (C), deleted (R) and untracked (?) files.
    const [staged, changed] = await Promise.all([
      runGit(root, ['ls-files', '-z', '-s', '--', ...dirs]),
      runGit(root, ['ls-files', '-z', '-t', '-m', '-d', '-o', '--exclude-standard', '--', ...dirs]),
    ]);
    return lazyListing(requests, changed.length === 0 && !holdsSymlink(staged) ? digest(context, staged) : undefined, async () => parseWorktree(root, requests, staged, changed), filesNamed(ATTRIBUTES, staged, changed));
  }
  // https://git-scm.com/docs/git-ls-tree#_output_format: "<mode> SP <type> SP <object> TAB <file>"
  const tree = await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', source.rev, '--', ...dirs]);
  return lazyListing(requests, holdsSymlink(tree) ? undefined : digest(context, tree), () => parseRevision(root, requests, tree, source.rev), filesNamed(ATTRIBUTES, tree));
}

function lazyListing(requests: readonly SetRequest[], fingerprint: string | undefined, parse: () => Promise<Map<string, SetListing>>, attributesFiles: string[]): Listing {
  let parsed: Promise<Map<string, SetListing>> | undefined;
  return {
    fingerprint,
    sets: () => (parsed ??= parse()),
    attributesFiles,
    requests,
  };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads the content of listed files: one `cat-file --batch` for everything git
 * holds, the file system for the rest, handing each file to `onContent` as it
 * arrives. Symlinks that lead out of the repository and files that vanished
 * are problems, never silently skipped.
 *
 * @returns repository path -> why that file could not be read
 */
export async function readListedFiles(
  root: string,
  files: readonly ListedFile[],
  onContent: (file: ListedFile, bytes: Uint8Array) => void,
): Promise<Map<string, Problem>> {
  const problems = new Map<string, Problem>();
  const byOid = new Map<string, ListedFile[]>();
  for (const file of files) {
    if (file.onDisk || !file.oid) continue;
    const same = byOid.get(file.oid);
    if (same) same.push(file);
    else byOid.set(file.oid, [file]);
  }
  const missing = await streamBlobs(root, [...byOid.keys()], (oid, bytes) => {
    for (const file of byOid.get(oid)!) onContent(file, bytes);
  });
  for (const oid of missing) {
    for (const file of byOid.get(oid)!) problems.set(file.full, unreadable(file, `git has no object ${oid}`));
  }
  for (const file of files) {
    if (!file.onDisk) continue;
    const read = readFromDisk(root, file);
    if ('problem' in read) problems.set(file.full, read.problem);
    else onContent(file, read.bytes);
  }
  return problems;
}

function parseWorktree(root: string, requests: readonly SetRequest[], staged: Buffer, changed: Buffer): Map<string, SetListing> {
  const index = new Map<string, { mode: string; oid: string; stage: string }>();
  for (const record of splitNul(staged)) {
    const tab = record.indexOf('\t');
    const [mode, oid, stage] = record.slice(0, tab).split(' ');
    index.set(record.slice(tab + 1), { mode: mode!, oid: oid!, stage: stage! });
  }
  const modified = new Set<string>();
  const deleted = new Set<string>();
  const untracked: string[] = [];
  for (const record of splitNul(changed, 2)) {
    const tag = record[0];
    const file = record.slice(2);
    if (tag === '?') untracked.push(file);
    else if (tag === 'R') deleted.add(file);
    else modified.add(file);
  }

  const results = emptyResults(requests);
  for (const [file, entry] of index) {
    if (deleted.has(file) || entry.mode === MODE_GITLINK) continue;
    const listed = place(file, requests);
    if (!listed) continue;
    // Conflicted (stage > 0), edited and symlinked files are read as they are on disk.
    const clean = entry.stage === '0' && !modified.has(file) && entry.mode !== MODE_SYMLINK;
    if (listed.nested) {
      if (entry.mode !== MODE_SYMLINK) results.get(listed.dir)!.nested.push(clean ? { ...listed.file, oid: entry.oid } : { ...listed.file, onDisk: true });
      else nestedLink(results, listed.dir, listed.file.path);
      continue;
    }
    results.get(listed.dir)!.files.push(clean ? { ...listed.file, oid: entry.oid } : { ...listed.file, onDisk: true, ...(entry.mode === MODE_SYMLINK ? { link: true as const } : {}) });
  }
  for (const file of untracked) {
    const listed = place(file, requests);
    if (listed) results.get(listed.dir)![listed.nested ? 'nested' : 'files'].push({ ...listed.file, onDisk: true });
  }

  for (const request of requests) {
    const result = results.get(request.dir)!;
    if (result.files.length > 0) continue;
    result.problems.push(isDirectory(path.join(root, request.dir)) ? emptyDir(request.dir) : missingDir(request.dir));
  }
  return sortResults(results);
}

async function parseRevision(root: string, requests: readonly SetRequest[], output: Buffer, rev: string): Promise<Map<string, SetListing>> {
  const listing = splitNul(output);
  const tree = new Map<string, { mode: string; oid: string }>();
  for (const record of listing) {
    const tab = record.indexOf('\t');
    const [mode, , oid] = record.slice(0, tab).split(' ');
    tree.set(record.slice(tab + 1), { mode: mode!, oid: oid! });
  }
  const results = emptyResults(requests);
  const links: { dir: string; file: ListedFile; oid: string }[] = [];
  for (const [file, entry] of tree) {
    const listed = place(file, requests);
    if (!listed || entry.mode === MODE_GITLINK) continue;
    if (listed.nested) {
      if (entry.mode !== MODE_SYMLINK) results.get(listed.dir)!.nested.push({ ...listed.file, oid: entry.oid });
      else nestedLink(results, listed.dir, listed.file.path);
      continue;
    }
    if (entry.mode === MODE_SYMLINK) links.push({ dir: listed.dir, file: listed.file, oid: entry.oid });
    else results.get(listed.dir)!.files.push({ ...listed.file, oid: entry.oid });
  }
  if (links.length > 0) {
    // A committed symlink's blob is its target path; follow it inside the commit only.
    const targets = await readBlobs(root, links.map((link) => link.oid));
    const resolvedLinks: { link: (typeof links)[number]; target: string; path: string }[] = [];
    for (const link of links) {
      const bytes = targets.get(link.oid) ?? Buffer.alloc(0);
      const result = results.get(link.dir)!;
      if (!isUtf8(bytes)) {
        result.problems.push(unreadable(link.file, `it is a symlink to ${escapeFileName(bytes)}, a path that is not UTF-8`));
        continue;
      }
      const target = bytes.toString('utf8');
      const resolved = path.posix.isAbsolute(target) ? { escapes: true as const } : resolveInTree(path.posix.dirname(link.file.full), target, tree);
      if ('escapes' in resolved) {
        result.problems.push(symlinkEscape(link.file, target));
        continue;
      }
      if ('through' in resolved) {
        result.problems.push(unreadable(link.file, `it is a symlink to ${target}, a path that goes up again after ${resolved.through}, which the operating system resolves through any symlink on the way, not as written`));
        continue;
      }
      resolvedLinks.push({ link, target, path: resolved.path });
    }
    // Targets outside the listed dirs (a shared `ops/role.sql`): one more ls-tree for all of them.
    const outside = [...new Set(resolvedLinks.map(({ path: target }) => target).filter((target) => !tree.has(target)))];
    if (outside.length > 0) {
      for (const record of splitNul(await runGit(root, ['ls-tree', '-z', '--full-tree', rev, '--', ...outside]))) {
        const tab = record.indexOf('\t');
        const [mode, , oid] = record.slice(0, tab).split(' ');
        tree.set(record.slice(tab + 1), { mode: mode!, oid: oid! });
      }
    }
    for (const { link, target, path: resolvedPath } of resolvedLinks) {
      const result = results.get(link.dir)!;
      const inside = tree.get(resolvedPath);
      if (!inside || inside.mode === MODE_SYMLINK || inside.mode === MODE_GITLINK || inside.mode === '040000') {
        result.problems.push(unreadable(link.file, `it is a symlink to ${target}, which ${rev} does not hold as a file`));
      } else result.files.push({ ...link.file, oid: inside.oid, link: true });
    }
  }
  for (const request of requests) {
    const result = results.get(request.dir)!;
    if (result.files.length === 0 && result.problems.length === 0) {
      result.problems.push({ ...missingDir(request.dir), message: `migration dir ${request.dir} does not exist at ${rev}` });
    }
  }
  return sortResults(results);
}

/**
 * Where a committed symlink's `target` leads from `dir` (the link's own
 * folder, a real directory of the tree), resolved as the operating system
 * would or not at all. The system resolves one component at a time, and a
 * `..` after a component that is itself a symlink goes up from that
 * symlink's target, not from the component (path_resolution(7)); the tree
 * listing guard reads may not show which components are symlinks, so a
 * `..` that comes after a name of the target is refused (`through`), as is
 * a path through a symlink it does show. `escapes` when it leaves the
 * repository.
 */
function resolveInTree(dir: string, target: string, tree: ReadonlyMap<string, { mode: string }>): { path: string } | { through: string } | { escapes: true } {
  const parts = dir === '.' || dir === '' ? [] : dir.split('/');
  let real = parts.length; // the first `real` parts are directories of the tree itself
  const segments = target.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return { escapes: true };
      if (parts.length > real) return { through: parts.join('/') };
      parts.pop();
      real = parts.length;
      continue;
    }
    parts.push(segment);
    const rest = segments.slice(i + 1).some((next) => next !== '' && next !== '.');
    if (rest && tree.get(parts.join('/'))?.mode === MODE_SYMLINK) return { through: parts.join('/') };
  }
  return parts.length === 0 ? { escapes: true } : { path: parts.join('/') };
}

/**
 * The set a repository path belongs to, honouring `recursive`: a file in a
 * sub-folder of a set that is not recursive is `nested` (listed, not part of
 * the set; one whose name guard would refuse is left out, as it is no
 * migration).
 *
 * @throws GuardError exit 2 for a file of a set whose name holds control or
 *   formatting characters (unsafeFileName): refused, never locked
 */
function place(full: string, requests: readonly SetRequest[]): { dir: string; file: ListedFile; nested?: true } | undefined {
  for (const request of requests) {
    const prefix = request.dir === '.' ? '' : `${request.dir}/`;
    if (!full.startsWith(prefix)) continue;
    const relative = full.slice(prefix.length);
    if (!request.recursive && relative.includes('/')) return unsafeFileName(relative) ? undefined : { dir: request.dir, file: { path: relative, full }, nested: true };
    const unsafe = unsafeFileName(relative);
    if (unsafe) throw fileNameUnsafe(full, unsafe);
    return { dir: request.dir, file: { path: relative, full } };
  }
  return undefined;
}

/**
 * A new or edited file's content from the work tree. Read as
 * readRegularFile does: a FIFO or device in a migration dir is a problem,
 * never a read that waits forever.
 */
function readFromDisk(root: string, file: ListedFile): { bytes: Uint8Array } | { problem: Problem } {
  const absolute = path.join(root, file.full);
  try {
    if (lstatSync(absolute).isSymbolicLink()) {
      // As bytes: a target path that is not UTF-8 is compared exactly, never decoded lossily.
      const real = realpathSync(absolute, { encoding: 'buffer' });
      const realRoot = Buffer.from(realpathSync(root) + path.sep);
      if (!real.subarray(0, realRoot.length).equals(realRoot)) return { problem: symlinkEscape(file, escapeFileName(real)) };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: unreadable(file, code === 'ENOENT' ? 'it is a broken symlink or vanished while guard ran' : `it cannot be read (${code ?? String(error)})`) };
  }
  const read = readRegularFile(absolute, { maxBytes: Number.MAX_SAFE_INTEGER, followSymlinks: true });
  if (read === undefined) return { problem: unreadable(file, 'it is a broken symlink or vanished while guard ran') };
  if (Buffer.isBuffer(read)) return { bytes: read };
  return { problem: unreadable(file, `it ${read.why}`) };
}

function nestedLink(results: Map<string, SetListing>, dir: string, path: string): void {
  const listing = results.get(dir)!;
  (listing.nestedLinks ??= []).push(path);
}

function emptyResults(requests: readonly SetRequest[]): Map<string, SetListing> {
  return new Map(requests.map((request) => [request.dir, { files: [], problems: [], nested: [] }]));
}

/** Adapters and messages see files in one order, whatever git listed first. */
function sortResults(results: Map<string, SetListing>): Map<string, SetListing> {
  const byPath = (a: ListedFile, b: ListedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  for (const result of results.values()) {
    result.files.sort(byPath);
    result.nested.sort(byPath);
  }
  return results;
}
