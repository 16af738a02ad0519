import type { LockSet } from '../lockfile/types.js';
import { appliedTable } from './applied-table.js';
import { formatHeads } from './format-heads.js';
import { sameHeads } from './same-heads.js';
import { nameOf, type AppliedState, type Decision, type Named } from './types.js';

/**
 * Deploy gate, step 7 (README, "Deploying"): after the command, the tool's table reports
 * exactly the lockfile's heads. A command that exits 0 but stopped short
 * (`alembic upgrade +1`, a target pinned in a script, another branch's
 * head) is a failed deploy, not a successful one.
 *
 * @param command shown in the message, when known
 */
export function checkDeployed(check: { environment: Named; lockSet: LockSet; appliedAfter: AppliedState; command?: string }): Decision {
  const { lockSet, appliedAfter } = check;
  if (sameHeads(appliedAfter.heads, lockSet.heads)) return { ok: true };
  const environment = nameOf(check.environment);
  const table = appliedTable(appliedAfter);
  const missing = lockSet.heads.filter((head) => !appliedAfter.heads.includes(head));
  const extra = appliedAfter.heads.filter((head) => !lockSet.heads.includes(head));
  const details = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...(extra.length ? [`not in the lockfile: ${extra.join(', ')}`] : [])];
  return {
    ok: false,
    code: 'not-at-head',
    exitCode: 1,
    message: `after ${check.command ? `\`${check.command}\`` : 'the command'}, ${environment}'s ${table} reports ${formatHeads(appliedAfter.heads)} for ${lockSet.dir}, but the lockfile's head is ${formatHeads(lockSet.heads)} (${details.join('; ')})`,
    fix: `check the command's output and that it upgrades to the head (for Alembic: \`alembic upgrade heads\`); the deploy is recorded as failed, and \`guard deploy ${environment}\` runs it again`,
  };
}
