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

/**
 * `relative`, a path a config file gives (`./drizzle`, `../db/migrations`,
 * `src\migrations`), resolved against the repository folder `dir`, POSIX;
 * undefined when it is absolute or leaves the repository.
 */
export function resolveInRepository(dir: string, relative: string): string | undefined {
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) return undefined;
  const parts = dir === '.' ? [] : dir.split('/');
  for (const part of relative.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** The folder of a repository-relative path (`.` at the root). */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/** The nearest of `folders` at or above the folder `dir` (a script's package among the folders holding a package.json), else the repository root. */
export function nearestAbove(dir: string, folders: ReadonlySet<string>): string {
  for (let current = dir; ; current = folderOf(current)) {
    if (folders.has(current)) return current;
    if (current === '.') return '.';
  }
}
