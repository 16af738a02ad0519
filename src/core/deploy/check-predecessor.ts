import type { LockEntry, LockSet } from '../lockfile/types.js';
import { joinPath } from '../paths.js';
import { appliedTable } from './applied-table.js';
import { formatHeads } from './format-heads.js';
import { ledgerRowProblem, untrustedLedger } from './ledger-row-integrity.js';
import { sameHeads } from './same-heads.js';
import { shortDigest } from './short-digest.js';
import { isSuccessful, nameOf, type AppliedState, type Decision, type LedgerDeploy, type LedgerMigration, type Named } from './types.js';

export interface PredecessorCheck {
  environment: Named;
  /** Undefined for the first environment with a database: nothing to check. */
  predecessor?: Named | undefined;
  /** The lockfile's sets, as this commit deploys them. */
  lockSets: readonly LockSet[];
  /**
   * Per set dir, the predecessor's latest successful deploy (status
   * succeeded or recorded; a settled crash does not count), undefined when it has none. Every set
   * needs a key: a set without one was not read, which refuses with exit 3
   * (never "passed").
   */
  predecessorDeploys: ReadonlyMap<string, LedgerDeploy | undefined>;
  /**
   * Per set dir, what the predecessor's migration tool table says, when the
   * shell read it: a predecessor whose database moved away from its ledger
   * (a downgrade, a restore) has not applied what its ledger says.
   */
  predecessorApplied?: ReadonlyMap<string, AppliedState>;
}

/**
 * Deploy gate, step 2 (README, "Deploying"): the environment before ENV in the chain has
 * applied exactly this commit's heads with this chain digest. Heads alone
 * are not enough: a migration edited after the predecessor applied it keeps
 * its id, and only the chain digest shows that the predecessor ran other
 * content.
 *
 * The refusal names the predecessor, what it has (heads, short chain, when
 * and by whom, or "nothing deployed yet"), what is being deployed, how the
 * two differ (behind, ahead, first differing migration), and the fix.
 */
export function checkPredecessor(check: PredecessorCheck): Decision {
  if (check.predecessor === undefined) return { ok: true };
  const environment = nameOf(check.environment);
  const predecessor = nameOf(check.predecessor);
  const problems: string[] = [];
  // The fixes that apply, as alternatives: a predecessor that is ahead needs another commit, not a deploy to it.
  let deployPredecessor = false;
  const otherCommits = new Set<string>();
  let unread = false;
  const untrusted: string[] = [];

  for (const set of check.lockSets) {
    const deploying = `this commit brings ${formatHeads(set.heads)} (chain ${shortDigest(set.chain)})`;
    if (!check.predecessorDeploys.has(set.dir)) {
      unread = true;
      problems.push(`${set.dir}: ${predecessor}'s ledger was not read for this set; ${deploying}`);
      continue;
    }
    const deploy = check.predecessorDeploys.get(set.dir);
    if (deploy === undefined || !isSuccessful(deploy)) {
      problems.push(
        deploy === undefined
          ? `${set.dir}: ${predecessor} has nothing deployed yet; ${deploying}`
          : `${set.dir}: ${predecessor} has no successful deploy on record (its last, ${deploy.startedAt} by ${deploy.actor}@${deploy.host}, is ${deploy.status}); ${deploying}`,
      );
      deployPredecessor = true;
      continue;
    }
    // Only a row whose migrations produce its chain says anything about the predecessor.
    const problem = ledgerRowProblem(deploy, set);
    if (problem) {
      untrusted.push(problem);
      continue;
    }
    const has = `${predecessor} has ${formatHeads(deploy.heads)} (chain ${shortDigest(deploy.chain)}, ${deploy.status} ${deploy.finishedAt ?? deploy.startedAt} by ${deploy.actor}@${deploy.host}${deploy.commit ? `, commit ${deploy.commit.slice(0, 12)}` : ''})`;
    if (!sameHeads(deploy.heads, set.heads) || deploy.chain !== set.chain) {
      const { difference, ahead } = describeDifference(set, deploy, predecessor);
      problems.push(`${set.dir}: ${has}; ${deploying}: ${difference}`);
      if (ahead) otherCommits.add(deploy.commit ? deploy.commit.slice(0, 12) : '');
      else deployPredecessor = true;
      continue;
    }
    const applied = check.predecessorApplied?.get(set.dir);
    if (applied !== undefined && !sameHeads(applied.heads, set.heads)) {
      problems.push(
        `${set.dir}: ${predecessor}'s ledger records ${formatHeads(set.heads)} (chain ${shortDigest(set.chain)}), but its ${appliedTable(applied)} is at ${formatHeads(applied.heads)}: its database changed outside guard (a downgrade or a restore?)`,
      );
      deployPredecessor = true;
    }
  }

  if (problems.length === 0 && untrusted.length === 0) return { ok: true };
  if (untrusted.length > 0 && !unread) {
    const refusal = untrustedLedger(predecessor, untrusted);
    return { ...refusal, message: `${environment} follows ${predecessor} in the chain, and ${refusal.message}` };
  }
  if (unread) {
    return {
      ok: false,
      code: 'predecessor-unread',
      exitCode: 3,
      message: `${environment} follows ${predecessor} in the chain, and what ${predecessor} has applied could not be read:\n${indent([...problems, ...untrusted])}`,
      fix: `make ${predecessor}'s ledger readable from here and retry; guard never treats "could not check" as "passed"`,
    };
  }
  return {
    ok: false,
    code: 'predecessor-mismatch',
    exitCode: 1,
    message: `${environment} receives only what ${predecessor} has applied, with the same chain digest, and ${predecessor} has not applied this:\n${indent(problems)}`,
    fix: [
      ...(deployPredecessor ? [`deploy to ${predecessor} first: \`guard deploy ${predecessor}\``] : []),
      ...[...otherCommits].map((commit) => `deploy the commit ${predecessor} has${commit ? ` (${commit})` : ''} to ${environment}`),
      `to deploy anyway, \`guard deploy ${environment} --force --reason "..."\` (the override is recorded in the ledger)`,
    ].join('; or '),
  };
}

/** How the predecessor's applied list and the lockfile's set differ, by the ledger's per-migration record. */
function describeDifference(set: LockSet, deploy: LedgerDeploy, predecessor: string): { difference: string; ahead?: boolean } {
  const ours = set.migrations;
  const theirs = deploy.migrations;
  const common = Math.min(ours.length, theirs.length);
  let first = 0;
  while (first < common && same(ours[first]!, theirs[first]!)) first++;

  if (first === theirs.length && first < ours.length) {
    const missing = ours.slice(first);
    return { difference: `${predecessor} lacks ${count(missing.length)} (${ids(missing)})` };
  }
  if (first === ours.length && first < theirs.length) {
    const extra = theirs.slice(first);
    return { difference: `${predecessor} is ahead of this commit by ${count(extra.length)} (${ids(extra)})`, ahead: true };
  }
  if (first < common) {
    const a = theirs[first]!;
    const b = ours[first]!;
    if (a.id === b.id) {
      return {
        difference: `${joinPath(set.dir, b.file)} differs: ${predecessor} applied sha256 ${shortDigest(a.sha256)}, this commit has ${shortDigest(b.sha256)} (edited after ${predecessor} applied it?)`,
      };
    }
    return { difference: `the histories part at migration ${first + 1}: ${predecessor} applied ${a.id}, this commit has ${b.id} there (deployed from another branch?)` };
  }
  const renamed = ours.findIndex((entry, i) => entry.file !== theirs[i]?.file);
  if (renamed !== -1) {
    return { difference: `${joinPath(set.dir, theirs[renamed]!.file)} was renamed to ${joinPath(set.dir, ours[renamed]!.file)} after ${predecessor} applied it` };
  }
  // Same ids, files and checksums, yet another digest: a field the ledger does not keep.
  return { difference: `the same migrations, but the chains differ in what the ledger does not list (parents or down scripts)` };
}

function same(entry: LockEntry, applied: LedgerMigration): boolean {
  return entry.id === applied.id && bare(entry.sha256) === bare(applied.sha256);
}

function bare(sha: string): string {
  return sha.replace(/^sha256:/, '');
}

function ids(entries: readonly { id: string }[]): string {
  const shown = entries.slice(0, 5).map((entry) => entry.id);
  return entries.length > 5 ? `${shown.join(', ')}, ... ${entries.length - 5} more` : shown.join(', ');
}

function count(n: number): string {
  return n === 1 ? '1 migration' : `${n} migrations`;
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `  ${line}`).join('\n');
}
