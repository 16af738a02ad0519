import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../core/findings/findings.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit, splitNul } from './git/run-git.js';
import type { Source } from './read-migration-files.js';

/** A file that was added or changed, with the content being committed, pushed or checked. */
export interface ChangedFile {
  /** Repository-relative path. */
  path: string;
  /** Git's blob id when git holds the content; absent for a work-tree file. */
  oid?: string;
  bytes: Uint8Array;
}

const ZERO_OID = /^0+$/;

/**
 * The files under `dirs` that `source` adds or changes compared with
 * `from` (a commit; undefined: everything is new), read as git holds them.
 * Raw diff output (https://git-scm.com/docs/git-diff-index#_raw_output_format):
 * ":<old mode> <new mode> <old oid> <new oid> <status>" NUL "<path>" NUL,
 * where an all-zero new oid is a work-tree file git has not hashed.
 */
export async function changedFiles(root: string, dirs: readonly string[], from: string | undefined, source: Source): Promise<ChangedFile[]> {
  const scope = ['--', ...dirs];
  const raw = ['-z', '--raw', '--no-abbrev', '--no-renames', '--diff-filter=AM'];
  let records: string[];
  let untracked: string[] = [];
  if (source.kind === 'revision') {
    records = from
      ? splitNul(await runGit(root, ['diff-tree', '-r', ...raw, from, source.rev, ...scope]))
      : fromListing(splitNul(await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', source.rev, ...scope])), 'tree');
  } else if (source.kind === 'index') {
    records = from
      ? splitNul(await runGit(root, ['diff-index', '--cached', '--ita-invisible-in-index', ...raw, from, ...scope]))
      : fromListing(splitNul(await runGit(root, ['ls-files', '-z', '-s', ...scope])), 'index');
  } else {
    records = from
      ? splitNul(await runGit(root, ['diff-index', ...raw, from, ...scope]))
      : fromListing(splitNul(await runGit(root, ['ls-files', '-z', '-s', ...scope])), 'index');
    untracked = splitNul(await runGit(root, ['ls-files', '-z', '-o', '--exclude-standard', ...scope]));
  }

  const wanted: { path: string; oid: string | undefined }[] = [];
  for (let i = 0; i + 1 < records.length; i += 2) {
    const oid = records[i]!.split(' ')[3];
    wanted.push({ path: records[i + 1]!, oid: oid && !ZERO_OID.test(oid) ? oid : undefined });
  }
  for (const file of untracked) wanted.push({ path: file, oid: undefined });
  const blobs = await readBlobs(root, wanted.flatMap((file) => (file.oid ? [file.oid] : [])));
  return wanted.flatMap((file): ChangedFile[] => {
    if (file.oid) {
      const bytes = blobs.get(file.oid);
      return bytes ? [{ path: file.path, oid: file.oid, bytes }] : [];
    }
    try {
      return [{ path: file.path, bytes: readFileSync(path.join(root, file.path)) }];
    } catch {
      return []; // a file deleted in the work tree has nothing to scan
    }
  });
}

/** ls-tree / ls-files -s records in the shape of raw diff records ("... <oid> A", path). */
function fromListing(records: string[], kind: 'tree' | 'index'): string[] {
  return records.flatMap((record) => {
    const tab = record.indexOf('\t');
    const fields = record.slice(0, tab).split(' ');
    const oid = kind === 'tree' ? fields[2] : fields[1];
    if (kind === 'tree' && fields[1] !== 'blob') return [];
    return [`:000000 ${fields[0]} ${'0'.repeat(40)} ${oid} A`, record.slice(tab + 1)];
  });
}

/** Findings per blob id, for a push of many commits that share files. */
const scanned = new Map<string, Finding[]>();

/**
 * Secrets in the given files, as findings that name the file, the line and
 * the kind, with the secret itself redacted. The scanner (and, for files
 * where one of its rules could match, secretlint) loads only when there is
 * something to scan.
 *
 * @param setOf the migration set dir a path belongs to, for the finding
 */
export async function secretFindings(files: readonly ChangedFile[], setOf: (file: string) => string): Promise<Finding[]> {
  if (files.length === 0) return [];
  const { findSecrets, TOO_COMPLEX_KIND } = await import('../core/secrets/find-secrets.js');
  const decoder = new TextDecoder('utf-8');
  const findings: Finding[] = [];
  for (const file of files) {
    const key = file.oid ? `${file.oid}\0${file.path}` : undefined;
    const known = key ? scanned.get(key) : undefined;
    if (known) {
      findings.push(...known);
      continue;
    }
    const hits = await findSecrets(decoder.decode(file.bytes), file.path);
    const found = hits.map(
      (hit): Finding =>
        hit.kind === TOO_COMPLEX_KIND
          ? {
              code: 'secret',
              exitCode: 1,
              set: setOf(file.path),
              file: file.path,
              line: hit.line,
              message: `${file.path}:${hit.line}: ${hit.kind}: the scan for secrets stopped here (values built from values, or nesting, beyond what a migration needs)`,
              fix: 'write the statement without building one string from another so many times (or split the file); guard refuses a migration it could not read to the end',
            }
          : {
              code: 'secret',
              exitCode: 1,
              set: setOf(file.path),
              file: file.path,
              line: hit.line,
              message: `${file.path}:${hit.line}: ${hit.kind} in a migration (${hit.excerpt})`,
              fix: `take it out of the migration and read it at run time (an environment variable, a secret manager); if it was ever committed or pushed, rotate it. A fake value for a test: add \`guard:allow-secret\` on that line`,
            },
    );
    if (key) scanned.set(key, found);
    findings.push(...found);
  }
  return findings;
}

/** The set dir of a repository path: the longest configured dir that holds it. */
export function setOfPath(dirs: readonly string[]): (file: string) => string {
  const sorted = [...dirs].sort((a, b) => b.length - a.length);
  return (file) => sorted.find((dir) => dir === '.' || file.startsWith(`${dir}/`)) ?? '.';
}

/**
 * The migration files `source` adds or changes compared with its fork
 * points (`sealed.commit`: one commit, several separated by spaces after
 * criss-cross merges, none for an unrelated history): with several, what
 * differs from every one of them, since a file as one fork point holds it
 * came from the protected branch.
 */
export async function changedSinceForks(root: string, dirs: readonly string[], forks: string, source: Source): Promise<ChangedFile[]> {
  const each = forks.split(' ').filter(Boolean);
  if (each.length <= 1) return changedFiles(root, dirs, each[0], source);
  const lists = await Promise.all(each.map((fork) => changedFiles(root, dirs, fork, source)));
  const key = (file: ChangedFile) => `${file.path}\0${file.oid ?? ''}`;
  const inEvery = lists.slice(1).map((list) => new Set(list.map(key)));
  return lists[0]!.filter((file) => inEvery.every((set) => set.has(key(file))));
}
