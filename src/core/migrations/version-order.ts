import type { DiscoveredSet, Migration, Problem, Tool } from './types.js';

/** A migration whose place is given by a version number rather than a parent. */
export interface Versioned {
  migration: Migration;
  /** Numeric parts compared left to right (1.10 after 1.9). */
  key: bigint[];
}

/**
 * Orders versioned migrations and reports duplicate versions. Trailing zero
 * parts do not make a new version (Flyway: 1.0 is 1), and leading zeros do
 * not either (001 is 1).
 */
export function orderByVersion(items: Versioned[], show: (path: string) => string = (path) => path): { migrations: Migration[]; problems: Problem[] } {
  const sorted = [...items].sort((a, b) => compareKeys(a.key, b.key) || compareText(a.migration.file, b.migration.file));
  const problems: Problem[] = [];
  const migrations: Migration[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const current = sorted[i]!;
    const previous = sorted[i - 1];
    const kept = migrations.at(-1);
    if (previous && kept && compareKeys(previous.key, current.key) === 0) {
      problems.push(duplicateVersion(kept, current.migration, show));
      continue;
    }
    migrations.push(current.migration);
  }
  return { migrations, problems };
}

/**
 * `leftOut` shares its version with `kept`, which stays in the order: the
 * fix renames the one left out. By default that is the later name; a caller
 * that knows which one is locked swaps them (preferLockedDuplicates), so the
 * fix never names a migration that is already deployed.
 */
export function duplicateVersion(kept: Migration, leftOut: Migration, show: (path: string) => string): Problem {
  return {
    code: 'duplicate-id',
    exitCode: 1,
    file: leftOut.file,
    message: `version ${leftOut.id} is used twice: ${show(kept.file)} and ${show(leftOut.file)}`,
    fix: `give ${show(leftOut.file)} the next free version: \`guard renumber ${show(leftOut.file)}\``,
    duplicate: { kept, leftOut },
  };
}

export function compareKeys(a: readonly bigint[], b: readonly bigint[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Heads and bases of a linear, version-ordered set. */
export function linearEnds(migrations: readonly Migration[]): { heads: string[]; bases: string[] } {
  const last = migrations.at(-1);
  const first = migrations[0];
  return { heads: last ? [last.id] : [], bases: first ? [first.id] : [] };
}

/**
 * The set of a tool whose migrations run in one line (every tool but
 * Alembic): heads and bases from the ends of `ends` (default: all of
 * `migrations`; Flyway's repeatables run after and are no end), no merges
 * or branch labels, `warnings` only when there are some.
 */
export function linearSet(tool: Tool, migrations: Migration[], found: { problems: Problem[]; ignored: string[]; warnings?: Problem[]; ends?: readonly Migration[] }): DiscoveredSet {
  const { problems, ignored, warnings = [], ends = migrations } = found;
  return { tool, migrations, ...linearEnds(ends), mergePoints: [], branchLabels: {}, problems, ignored, ...(warnings.length > 0 ? { warnings } : {}) };
}
