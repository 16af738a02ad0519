import type { NamingScheme, VersionReading } from '../../migrations/types.js';

/**
 * The three naming schemes of plain SQL migrations:
 *
 * - sequential: `001_create_users.sql` (a counter, zero-padded or not)
 * - timestamp:  `20260115120000_create_users.sql` (YYYYMMDDHHMMSS, dbmate, golang-migrate -format)
 * - hybrid:     `2026_01_15_001_create_users.sql` (a date and a counter for the day)
 *
 * The description after the version is optional and separated by `_` or `-`.
 *
 * With `versions: numbers` a timestamp or hybrid version is not checked as a
 * date: golang-migrate and dbmate parse the version as an integer and order
 * by it, so `20230322519590` ("hour 51") is as good a version as any.
 */
export interface ParsedName {
  /** Name without `.sql` and without `.up` / `.down`. */
  stem: string;
  direction: 'up' | 'down' | 'single';
  /** Version as written (`001`, `20260115120000`, `2026_01_15_001`); empty when none. */
  version: string;
  /** Schemes this name fits. */
  fits: NamingScheme[];
  /** Why the name does not fit `scheme`, or undefined when it does. */
  breaks(scheme: NamingScheme): string | undefined;
  /** Sort key under `scheme`. */
  key(scheme: NamingScheme): bigint[];
}

const HYBRID = /^(\d{4})_(\d{2})_(\d{2})_(\d+)(?:[_-]|$)/;
const TIMESTAMP = /^(\d{14})(?:[_-]|$)/;
const SEQUENTIAL = /^(\d+)(?:[_-]|$)/;
/** Longer counters are almost always a timestamp typed into a sequential set. */
const MAX_SEQUENTIAL_DIGITS = 9;

export function parseVersionedName(path: string, versions: VersionReading = 'dates'): ParsedName {
  const dates = versions === 'dates';
  const base = path.slice(path.lastIndexOf('/') + 1);
  let stem = base.replace(/\.sql$/, '');
  let direction: ParsedName['direction'] = 'single';
  if (stem.endsWith('.up')) {
    direction = 'up';
    stem = stem.slice(0, -3);
  } else if (stem.endsWith('.down')) {
    direction = 'down';
    stem = stem.slice(0, -5);
  }

  const hybrid = HYBRID.exec(stem);
  const timestamp = TIMESTAMP.exec(stem);
  const sequential = SEQUENTIAL.exec(stem);
  const fits: NamingScheme[] = [];
  const hybridDate = !hybrid ? 'not YYYY_MM_DD_NNN' : dates ? invalidDate(hybrid[1]!, hybrid[2]!, hybrid[3]!) : undefined;
  if (hybrid && !hybridDate) fits.push('hybrid');
  const t = timestamp?.[1];
  const timestampProblem = !t
    ? 'the version is not 14 digits (YYYYMMDDHHMMSS)'
    : dates
      ? (invalidDate(t.slice(0, 4), t.slice(4, 6), t.slice(6, 8)) ?? invalidTime(t.slice(8, 10), t.slice(10, 12), t.slice(12, 14)))
      : undefined;
  if (timestamp && !timestampProblem) fits.push('timestamp');
  const sequentialProblem = !sequential
    ? 'the name does not start with a number'
    : hybrid
      ? 'it is named like a date (hybrid scheme)'
      : sequential[1]!.length > MAX_SEQUENTIAL_DIGITS
        ? `the version ${sequential[1]} has ${sequential[1]!.length} digits, which looks like a timestamp`
        : undefined;
  if (!sequentialProblem) fits.push('sequential');

  const version = hybrid ? hybrid[0].replace(/[_-]$/, '') : (sequential?.[1] ?? '');
  return {
    stem,
    direction,
    version,
    fits,
    breaks(scheme) {
      switch (scheme) {
        case 'hybrid':
          return hybrid ? hybridDate : 'the name does not start with YYYY_MM_DD_NNN';
        case 'timestamp':
          return timestamp ? timestampProblem : hybrid ? 'it is named like YYYY_MM_DD_NNN (hybrid scheme)' : timestampProblem;
        case 'sequential':
          return sequentialProblem;
      }
    },
    key(scheme) {
      if (scheme === 'hybrid' && hybrid) return hybrid.slice(1, 5).map((part) => BigInt(part));
      return [BigInt(sequential?.[1] ?? '0')];
    },
  };
}

/**
 * The scheme most names follow (ties: hybrid, then timestamp, then sequential,
 * the more specific first). Undefined when no name has a version at all.
 */
export function detectScheme(names: readonly ParsedName[]): NamingScheme | undefined {
  const best = (name: ParsedName): NamingScheme | undefined =>
    name.fits.includes('hybrid') ? 'hybrid' : name.fits.includes('timestamp') ? 'timestamp' : name.fits[0];
  const counts = new Map<NamingScheme, number>();
  for (const name of names) {
    const scheme = best(name);
    if (scheme) counts.set(scheme, (counts.get(scheme) ?? 0) + 1);
  }
  let winner: NamingScheme | undefined;
  for (const scheme of ['hybrid', 'timestamp', 'sequential'] as const) {
    if ((counts.get(scheme) ?? 0) > (winner ? counts.get(winner)! : 0)) winner = scheme;
  }
  return winner;
}

function invalidDate(year: string, month: string, day: string): string | undefined {
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12) return `month ${month} is not 01-12`;
  const daysInMonth = new Date(Date.UTC(Number(year), m, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return `day ${day} is not a day of ${year}-${month}`;
  return undefined;
}

function invalidTime(hour: string, minute: string, second: string): string | undefined {
  if (Number(hour) > 23) return `hour ${hour} is not 00-23`;
  if (Number(minute) > 59) return `minute ${minute} is not 00-59`;
  if (Number(second) > 59) return `second ${second} is not 00-59`;
  return undefined;
}
