import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem, SourceFile } from '../core/migrations/types.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit, splitNul } from './git/run-git.js';

/** Which state of the repository to read. */
export type Source =
  /** What the user is about to commit: the index where a file is unchanged, the file itself where it is new or edited. */
  | { kind: 'worktree' }
  /** A commit, as git holds it (`HEAD`, `origin/main`, a sha). */
  | { kind: 'revision'; rev: string };

export interface SetRequest {
  /** Repository-relative dir, normalised. */
  dir: string;
  recursive: boolean;
  /** Files whose content is needed; the rest are only listed. */
  wants(path: string): boolean;
}

export interface SetFiles {
  /** Paths relative to the dir; content only for wanted files (others empty). */
  files: SourceFile[];
  problems: Problem[];
}

const EMPTY = new Uint8Array(0);
const MODE_SYMLINK = '120000';
const MODE_GITLINK = '160000';

/**
 * Lists and reads the files of several migration dirs with a constant number
 * of git processes, whatever the number of files: one `ls-files` for the
 * index, one for what differs from it, one `cat-file --batch` for contents.
 * Files unchanged since they were staged are read from git's objects, so a
 * checkout that git converts (autocrlf, working-tree-encoding) is judged by
 * what git holds.
 */
export async function readMigrationFiles(root: string, requests: readonly SetRequest[], source: Source): Promise<Map<string, SetFiles>> {
  const dirs = requests.map((request) => request.dir);
  return source.kind === 'worktree' ? readWorktree(root, requests, dirs) : readRevision(root, requests, dirs, source.rev);
}

interface Listed {
  request: SetRequest;
  /** Relative to the set dir. */
  relative: string;
  /** Repository-relative. */
  full: string;
}

async function readWorktree(root: string, requests: readonly SetRequest[], dirs: string[]): Promise<Map<string, SetFiles>> {
  // https://git-scm.com/docs/git-ls-files: -s gives "<mode> <object> <stage>\t<file>";
  // -t -m -d -o tags modified (C), deleted (R) and untracked (?) files.
  const [staged, changed] = await Promise.all([
    runGit(root, ['ls-files', '-z', '-s', '--', ...dirs]),
    runGit(root, ['ls-files', '-z', '-t', '-m', '-d', '-o', '--exclude-standard', '--', ...dirs]),
  ]);
  const index = new Map<string, { mode: string; oid: string }>();
  const conflicted = new Set<string>();
  for (const record of splitNul(staged)) {
    const tab = record.indexOf('\t');
    const [mode, oid, stage] = record.slice(0, tab).split(' ');
    const file = record.slice(tab + 1);
    if (stage !== '0') conflicted.add(file);
    index.set(file, { mode: mode!, oid: oid! });
  }
  const modified = new Set<string>(conflicted);
  const deleted = new Set<string>();
  const untracked: string[] = [];
  for (const record of splitNul(changed)) {
    const tag = record[0];
    const file = record.slice(2);
    if (tag === '?') untracked.push(file);
    else if (tag === 'R') deleted.add(file);
    else modified.add(file);
  }

  const results = emptyResults(requests);
  const wanted: { listed: Listed; oid?: string }[] = [];
  const consider = (file: string, fromIndex: { mode: string; oid: string } | undefined) => {
    const listed = place(file, requests);
    if (!listed) return;
    if (fromIndex?.mode === MODE_GITLINK) return;
    if (!listed.request.wants(listed.relative)) {
      results.get(listed.request.dir)!.files.push({ path: listed.relative, bytes: EMPTY });
      return;
    }
    const clean = fromIndex && !modified.has(file) && fromIndex.mode !== MODE_SYMLINK;
    wanted.push(clean ? { listed, oid: fromIndex.oid } : { listed });
  };
  for (const [file, entry] of index) if (!deleted.has(file)) consider(file, entry);
  for (const file of untracked) consider(file, undefined);

  const blobs = await readBlobs(root, wanted.flatMap((item) => (item.oid ? [item.oid] : [])));
  for (const { listed, oid } of wanted) {
    const result = results.get(listed.request.dir)!;
    if (oid) {
      const bytes = blobs.get(oid);
      if (bytes) result.files.push({ path: listed.relative, bytes });
      else result.problems.push(unreadable(listed, `git has no object ${oid}`));
      continue;
    }
    const read = readFromDisk(root, listed);
    if ('problem' in read) result.problems.push(read.problem);
    else result.files.push({ path: listed.relative, bytes: read.bytes });
  }

  for (const request of requests) {
    const result = results.get(request.dir)!;
    if (result.files.length > 0 || result.problems.length > 0) continue;
    let isDir = false;
    try {
      isDir = statSync(path.join(root, request.dir)).isDirectory();
    } catch {
      isDir = false;
    }
    result.problems.push(isDir ? emptyDir(request.dir) : missingDir(request.dir));
  }
  return sortResults(results);
}

async function readRevision(root: string, requests: readonly SetRequest[], dirs: string[], rev: string): Promise<Map<string, SetFiles>> {
  // https://git-scm.com/docs/git-ls-tree#_output_format: "<mode> SP <type> SP <object> TAB <file>"
  const listing = splitNul(await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', rev, '--', ...dirs]));
  const tree = new Map<string, { mode: string; oid: string }>();
  for (const record of listing) {
    const tab = record.indexOf('\t');
    const [mode, , oid] = record.slice(0, tab).split(' ');
    tree.set(record.slice(tab + 1), { mode: mode!, oid: oid! });
  }
  const results = emptyResults(requests);
  const wanted: { listed: Listed; oid: string }[] = [];
  const links: { listed: Listed; oid: string }[] = [];
  for (const [file, entry] of tree) {
    const listed = place(file, requests);
    if (!listed || entry.mode === MODE_GITLINK) continue;
    if (!listed.request.wants(listed.relative)) results.get(listed.request.dir)!.files.push({ path: listed.relative, bytes: EMPTY });
    else if (entry.mode === MODE_SYMLINK) links.push({ listed, oid: entry.oid });
    else wanted.push({ listed, oid: entry.oid });
  }
  const targets = await readBlobs(root, links.map((link) => link.oid));
  for (const link of links) {
    const target = targets.get(link.oid)?.toString('utf8') ?? '';
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(link.listed.full), target));
    const inside = tree.get(resolved);
    if (path.posix.isAbsolute(target) || resolved.startsWith('../') || resolved === '..') {
      results.get(link.listed.request.dir)!.problems.push(symlinkEscape(link.listed, target));
    } else if (!inside) {
      results.get(link.listed.request.dir)!.problems.push(unreadable(link.listed, `it is a symlink to ${target}, which ${rev} does not have`));
    } else wanted.push({ listed: link.listed, oid: inside.oid });
  }
  const blobs = await readBlobs(root, wanted.map((item) => item.oid));
  for (const { listed, oid } of wanted) {
    const bytes = blobs.get(oid);
    const result = results.get(listed.request.dir)!;
    if (bytes) result.files.push({ path: listed.relative, bytes });
    else result.problems.push(unreadable(listed, `git has no object ${oid}`));
  }
  for (const request of requests) {
    const result = results.get(request.dir)!;
    if (result.files.length === 0 && result.problems.length === 0) {
      result.problems.push({ ...missingDir(request.dir), message: `${request.dir} does not exist at ${rev}` });
    }
  }
  return sortResults(results);
}

/** The set a repository path belongs to, honouring `recursive`. */
function place(file: string, requests: readonly SetRequest[]): Listed | undefined {
  for (const request of requests) {
    const prefix = request.dir === '.' ? '' : `${request.dir}/`;
    if (!file.startsWith(prefix)) continue;
    const relative = file.slice(prefix.length);
    if (!request.recursive && relative.includes('/')) return undefined;
    return { request, relative, full: file };
  }
  return undefined;
}

function readFromDisk(root: string, listed: Listed): { bytes: Uint8Array } | { problem: Problem } {
  const absolute = path.join(root, listed.full);
  try {
    if (lstatSync(absolute).isSymbolicLink()) {
      const real = realpathSync(absolute);
      const realRoot = realpathSync(root);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return { problem: symlinkEscape(listed, real) };
      return { bytes: readFileSync(real) };
    }
    return { bytes: readFileSync(absolute) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: unreadable(listed, code === 'ENOENT' ? 'it is a broken symlink' : `it cannot be read (${code ?? String(error)})`) };
  }
}

function emptyResults(requests: readonly SetRequest[]): Map<string, SetFiles> {
  return new Map(requests.map((request) => [request.dir, { files: [], problems: [] }]));
}

/** Adapters and messages see files in one order, whatever git listed first. */
function sortResults(results: Map<string, SetFiles>): Map<string, SetFiles> {
  for (const result of results.values()) result.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return results;
}

function symlinkEscape(listed: Listed, target: string): Problem {
  return {
    code: 'symlink-escape',
    exitCode: 2,
    file: listed.relative,
    message: `${listed.relative} is a symlink to ${target}, outside the repository`,
    fix: 'replace the symlink with the migration file itself; guard only checks content the repository holds',
  };
}

function unreadable(listed: Listed, why: string): Problem {
  return {
    code: 'unreadable',
    exitCode: 2,
    file: listed.relative,
    message: `${listed.relative} cannot be read: ${why}`,
    fix: 'restore the file (git checkout -- FILE) or remove it from the migration dir'.replace('FILE', listed.full),
  };
}

function missingDir(dir: string): Problem {
  return {
    code: 'missing-dir',
    exitCode: 2,
    message: `migration dir ${dir} does not exist`,
    fix: `fix the dir in the config (paths are relative to the repository root), or create ${dir} with its first migration`,
  };
}

function emptyDir(dir: string): Problem {
  return {
    code: 'empty-dir',
    exitCode: 2,
    message: `migration dir ${dir} holds no files`,
    fix: `add the first migration to ${dir}, or remove the dir from the config`,
  };
}
