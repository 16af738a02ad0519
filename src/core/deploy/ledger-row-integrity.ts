import { chainDigest } from '../lockfile/chain-digest.js';
import type { LockEntry, LockSet } from '../lockfile/types.js';
import { shortDigest } from './short-digest.js';
import { nameOf, type Decision, type LedgerDeploy, type Named } from './types.js';

/**
 * Why a ledger row cannot vouch for itself, or undefined when it can.
 *
 * A row of `guard.deployments` says what a deploy applied twice: its
 * `migrations` (every entry with its checksum, what step 4 compares the
 * lockfile with) and its `chain` (the digest of those entries, what the
 * predecessor check compares). Only a row whose entries produce its chain
 * (src/core/lockfile/chain-digest.ts) is trusted: a checksum rewritten in
 * `migrations` (to hide a migration edited after it was applied) or a chain
 * rewritten alone (to pass the predecessor check) makes them disagree.
 *
 * Rows are written with every field of each lockfile entry (parents, down
 * scripts...). Rows written by guard before it kept them hold only `id`,
 * `file` and `sha256`; for those the other fields are taken from the
 * lockfile's entry of the same id, and a row that names an id the lockfile
 * does not have cannot be checked, so it is not trusted either.
 *
 * This is consistency, not authenticity: whoever may write the ledger can
 * write a row that agrees with itself. It catches a column changed alone, a
 * row copied between sets, and corruption.
 */
export function ledgerRowProblem(row: LedgerDeploy, lockSet?: LockSet): string | undefined {
  const what = `ledger row #${row.id} (${row.environment}, ${row.migrationSet}, ${row.status} ${row.finishedAt ?? row.startedAt} by ${row.actor}@${row.host})`;
  const entries = row.migrations as unknown;
  if (!Array.isArray(entries) || !entries.every(isEntry)) return `${what} does not list its migrations as entries with an id, a file and a sha256`;
  const own = chainDigest(row.tool, entries);
  if (own === row.chain) return undefined;
  if (lockSet && entries.every(isBare)) {
    const byId = new Map(lockSet.migrations.map((entry) => [entry.id, entry]));
    const unknown = entries.filter((entry) => !byId.has(entry.id));
    if (unknown.length === 0) {
      const completed = entries.map((entry) => ({ ...extras(byId.get(entry.id)!), id: entry.id, file: entry.file, sha256: entry.sha256 }));
      const digest = chainDigest(row.tool, completed);
      if (digest === row.chain) return undefined;
      return `${what} does not vouch for itself: its ${count(entries.length)} ${entries.length === 1 ? 'gives' : 'give'} chain ${shortDigest(digest)}, but its chain column says ${shortDigest(row.chain)}`;
    }
    return `${what} was written by an older guard that kept only each migration's id, file and sha256, and names ${unknown.slice(0, 3).map((entry) => entry.id).join(', ')}${unknown.length > 3 ? ', ...' : ''}, which this lockfile lacks: its chain cannot be recomputed`;
  }
  return `${what} does not vouch for itself: its ${count(entries.length)} ${entries.length === 1 ? 'gives' : 'give'} chain ${shortDigest(own)}, but its chain column says ${shortDigest(row.chain)}`;
}

/**
 * Step 4's first check: every row the gate is about to trust (ENV's last
 * successful deploy of each set) vouches for itself. A row that does not is
 * refused with exit 3, like a ledger that cannot be read: guard cannot know
 * what was applied, and fails closed. `--force` does not override it.
 */
export function checkLedgerRows(check: { environment: Named; rows: ReadonlyArray<{ row: LedgerDeploy | undefined; lockSet: LockSet }> }): Decision {
  const problems = check.rows.flatMap(({ row, lockSet }) => {
    const problem = row && ledgerRowProblem(row, lockSet);
    return problem ? [problem] : [];
  });
  if (problems.length === 0) return { ok: true };
  return untrustedLedger(nameOf(check.environment), problems);
}

/** The refusal for rows that do not vouch for themselves (exit 3, code `ledger-untrusted`). */
export function untrustedLedger(environment: string, problems: readonly string[]): Decision & { ok: false } {
  return {
    ok: false,
    code: 'ledger-untrusted',
    exitCode: 3,
    message: `${environment}'s ledger cannot be trusted: ${problems.length === 1 ? 'a row' : 'rows'} of guard.deployments ${problems.length === 1 ? 'was' : 'were'} changed after guard wrote ${problems.length === 1 ? 'it' : 'them'}, or ${problems.length === 1 ? 'is' : 'are'} corrupt:\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
    fix: `find out who changed ${environment}'s guard.deployments (restore it from a backup if it was tampered with); once you have checked what ${environment}'s database really holds, \`guard record ${environment}\` at the commit it is at writes a fresh row. guard never deploys on a record that does not vouch for itself`,
  };
}

function isEntry(value: unknown): value is LockEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const strings = (list: unknown) => list === undefined || (Array.isArray(list) && list.every((item) => typeof item === 'string'));
  const optional = (text: unknown) => text === undefined || typeof text === 'string';
  return (
    typeof entry.id === 'string' &&
    typeof entry.file === 'string' &&
    typeof entry.sha256 === 'string' &&
    strings(entry.parents) &&
    strings(entry.branch_labels) &&
    strings(entry.depends_on) &&
    optional(entry.down) &&
    optional(entry.down_sha256) &&
    (entry.repeatable === undefined || typeof entry.repeatable === 'boolean')
  );
}

/** An entry as guard wrote them before it kept every field: id, file and sha256 only. */
function isBare(entry: LockEntry): boolean {
  return Object.keys(entry).every((key) => key === 'id' || key === 'file' || key === 'sha256');
}

/** The fields of a lockfile entry besides id, file and sha256. */
function extras(entry: LockEntry): Omit<LockEntry, 'id' | 'file' | 'sha256'> {
  const { id: _id, file: _file, sha256: _sha256, ...rest } = entry;
  return rest;
}

function count(n: number): string {
  return n === 1 ? '1 migration' : `${n} migrations`;
}
