import type { Problem } from './types.js';

/**
 * Two migration paths of a set that differ only in case (`a/migration.sql`
 * and `A/migration.sql`, `1_users.js` and `1_Users.js`): one file on macOS
 * and Windows, so a checkout there keeps one of them. `kept` is the one
 * read first, `other` the one refused.
 */
export function caseTwinProblem(kept: string, other: string, show: (path: string) => string): Problem {
  return {
    code: 'duplicate-id',
    exitCode: 1,
    file: other,
    message: `${show(kept)} and ${show(other)} differ only in case: a checkout on a case-insensitive file system (macOS, Windows) keeps one of them`,
    fix: `rename one of them (${show(other)})`,
  };
}
