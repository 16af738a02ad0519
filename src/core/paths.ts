/**
 * Whether a path from a config or lockfile would reach outside where it
 * belongs: absolute, drive-lettered, backslashed, or with a `..` segment.
 * Paths in guard's files are always relative and POSIX.
 *
 * @param allowDot whether `.` (the repository itself) is acceptable
 */
export function escapesDir(path: string, allowDot: boolean): boolean {
  if (path === '' || path.includes('\0') || path.includes('\\')) return true;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return true;
  if (path === '.') return !allowDot;
  return path.includes('..') && path.split('/').some((segment) => segment === '..');
}

/** `db//versions/` -> `db/versions`, `./db` -> `db`. */
export function normaliseDir(dir: string): string {
  const parts = dir.split('/').filter((part) => part !== '' && part !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

/** `dir` + `file` as a repository-relative path. */
export function joinPath(dir: string, file: string): string {
  return dir === '.' ? file : `${dir}/${file}`;
}

/** The folder of a repository-relative path (`.` for a file at the root). */
export function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/**
 * `relative` (as a tool's config writes it: `./out`, `../migrations`) from the
 * repository folder `dir`, POSIX; undefined when it leaves the repository or
 * is absolute.
 */
export function resolveWithin(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) return undefined;
  const parts = dir === '.' ? [] : dir.split('/');
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}
