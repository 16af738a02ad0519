/**
 * node-pg-migrate's order of migration files, reproduced from its source
 * (node-pg-migrate 9.0.0, `src/utils/comparators.ts` and
 * `src/utils/fileNameUtils.ts`): the numeric prefix first, where a 17-digit
 * prefix (`--migration-filename-format utc`, `YYYYMMDDhhmmssSSS`) is read as
 * a UTC date and turned into epoch milliseconds so it sorts on the same scale
 * as the default `Date.now()` prefix; then, for equal prefixes, a numeric,
 * punctuation-blind `localeCompare` of the whole file names (extension
 * included). The tool sorts the folder's files this way before it loads them
 * and again after (`getMigrationFilePaths`, `loadMigrationUnits`), and its
 * order check (`checkOrder` in `src/runner.ts`) holds the database's applied
 * names against this order position by position.
 */

/**
 * The collation node-pg-migrate sorts with. It passes no locale, so it uses
 * the process's default one; guard pins `en-US` (what Node picks under
 * `LANG=C.UTF-8` and `en_US.UTF-8`) so the lockfile's order is the same on
 * every machine. Names of ASCII digits, letters, `_` and `-` sort alike in
 * every locale's root collation.
 */
let collator: Intl.Collator | undefined;
/** Made on first use: building it costs some 15 ms, which a hook that reads no node-pg-migrate set must not pay. */
function collate(a: string, b: string): number {
  collator ??= new Intl.Collator('en-US', { usage: 'sort', numeric: true, sensitivity: 'variant', ignorePunctuation: true });
  return collator.compare(a, b);
}

/** The numeric prefix of a file name as node-pg-migrate reads it; undefined where the tool stops ("Cannot determine numeric prefix"). */
export function pgmNumericPrefix(fileName: string): number | undefined {
  const prefix = /^(\d+)/.exec(fileName)?.[1];
  if (prefix === undefined) return undefined;
  if (prefix.length === 17) {
    const [year, month, day, hours, minutes, seconds, ms] = [[0, 4], [4, 6], [6, 8], [8, 10], [10, 12], [12, 14], [14, 17]].map(([from, to]) => prefix.slice(from, to));
    // As the tool does it, Date's own parser included: `20240230...` is 1 March, `20241301...` is NaN.
    return new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${ms}Z`).valueOf();
  }
  return Number(prefix);
}

/** Whether a 17-digit prefix is not a date the tool can read: it then compares that file by name with every other (see comparePgmFileNames). */
export function pgmPrefixIsNotADate(fileName: string): boolean {
  return /^\d{17}(?!\d)/.test(fileName) && Number.isNaN(pgmNumericPrefix(fileName));
}

/**
 * node-pg-migrate's comparator (`compareMigrationFileNames`), for file names
 * that have a numeric prefix: the prefixes' difference, or where that is 0
 * (or NaN, from a 17-digit prefix that is not a date) the names'
 * collation. 0 for two different names means the tool's order of the two is
 * the file system's listing order, which no one controls.
 */
export function comparePgmFileNames(a: string, b: string): number {
  const difference = (pgmNumericPrefix(a) ?? Number.NaN) - (pgmNumericPrefix(b) ?? Number.NaN);
  return difference || collate(a, b);
}

/** node-pg-migrate's order, made total for the lockfile: names the tool finds equal keep code-unit order (the set reports them, pgmTies). */
export function sortPgmFileNames<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  return [...items].sort((x, y) => comparePgmFileNames(nameOf(x), nameOf(y)) || codeUnitOrder(nameOf(x), nameOf(y)));
}

/** Neighbours in `sorted` (sortPgmFileNames' order) that the tool's comparator finds equal: it may run them in either order. */
export function pgmTies<T>(sorted: readonly T[], nameOf: (item: T) => string): Array<[T, T]> {
  const ties: Array<[T, T]> = [];
  for (let i = 1; i < sorted.length; i++) {
    if (comparePgmFileNames(nameOf(sorted[i - 1]!), nameOf(sorted[i]!)) === 0) ties.push([sorted[i - 1]!, sorted[i]!]);
  }
  return ties;
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A numeric prefix for a migration that must run after `latestFile` (the
 * set's last, in node-pg-migrate's order), in the format `latestFile`'s
 * prefix has, as `node-pg-migrate create` would write it now: `utc` (17
 * digits) and `timestamp` (`Date.now()`) prefixes take `now`, or one
 * millisecond after the latest when that is later; an `index` prefix
 * (`0001`) the next number at the same width. Its value is above the
 * latest's, so the renamed file sorts after it whatever its name.
 */
export function nextPgmPrefix(latestFile: string, now: Date): string {
  const prefix = /^\d+/.exec(latestFile)?.[0] ?? '';
  const latest = pgmNumericPrefix(latestFile);
  if (prefix.length === 17 || prefix.length === 13) {
    const at = Math.max(now.getTime(), Number.isNaN(latest) || latest === undefined ? 0 : latest + 1);
    return prefix.length === 17 ? new Date(at).toISOString().replace(/\D/g, '') : String(at);
  }
  return String(BigInt(prefix || '0') + 1n).padStart(prefix.length, '0');
}
