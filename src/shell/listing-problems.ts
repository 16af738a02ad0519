import type { Problem } from '../core/migrations/types.js';

// The problems of listing a set's migration files (read-migration-files.ts),
// with the fix each one needs. `file.path` is relative to the set's dir,
// `file.full` to the repository root.

/** A migration that is a symlink leading out of the repository. */
export function symlinkEscape(file: { path: string; full: string }, target: string): Problem {
  return {
    code: 'symlink-escape',
    exitCode: 2,
    file: file.path,
    message: `${file.full} is a symlink to ${target}, outside the repository`,
    fix: 'replace the symlink with the migration file itself; guard only checks content the repository holds',
  };
}

/** A migration file that cannot be read, and `why`. */
export function unreadable(file: { path: string; full: string }, why: string): Problem {
  return {
    code: 'unreadable',
    exitCode: 2,
    file: file.path,
    message: `${file.full} cannot be read: ${why}`,
    fix: `restore the file (git checkout -- ${file.full}) or remove it from the migration dir`,
  };
}

/** A configured migration dir that does not exist. */
export function missingDir(dir: string): Problem {
  return {
    code: 'missing-dir',
    exitCode: 2,
    message: `migration dir ${dir} does not exist`,
    fix: `fix the dir in the config (paths are relative to the repository root), or create ${dir} with its first migration`,
  };
}

/** A configured migration dir with no file in it. */
export function emptyDir(dir: string): Problem {
  return {
    code: 'empty-dir',
    exitCode: 2,
    message: `migration dir ${dir} holds no files`,
    fix: `add the first migration to ${dir}, or remove the dir from the config`,
  };
}
