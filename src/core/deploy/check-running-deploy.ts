import { formatHeads } from './format-heads.js';
import { redactCommandText } from './redact-command.js';
import { nameOf, type Decision, type LedgerDeploy, type Named } from './types.js';

/**
 * Deploy gate, step 3 (README, "Deploying"): a ledger row left `running` is a deploy that was
 * killed or crashed (PostgreSQL released its lock with its session, but the
 * row stays). It may have applied part of its migrations, so the next deploy
 * refuses until someone looks: `guard record ENV` records the state the
 * database is really in, `--force --reason` settles the row and goes on.
 *
 * Call it while holding ENV's deploy lock: only then is every `running` row
 * certainly dead, not a deploy still at work.
 *
 * @param running ENV's ledger rows with status `running` (one per set of a
 *   deploy); rows of another status are ignored
 * @param now for "3 h ago" in the message; left out, only the time is shown
 */
export function checkRunningDeploy(check: { environment: Named; running: readonly LedgerDeploy[]; now?: Date }): Decision {
  const environment = nameOf(check.environment);
  const rows = check.running.filter((row) => row.status === 'running' && row.environment === environment);
  if (rows.length === 0) return { ok: true };

  // One deploy writes one row per set: group them back into deploys.
  const deploys = new Map<string, LedgerDeploy[]>();
  for (const row of rows) {
    const key = [row.startedAt, row.actor, row.host, row.command ?? '', row.commit ?? ''].join('\0');
    deploys.set(key, [...(deploys.get(key) ?? []), row]);
  }
  const lines = [...deploys.values()]
    .sort((a, b) => a[0]!.startedAt.localeCompare(b[0]!.startedAt))
    .map((group) => {
      const first = group[0]!;
      const age = check.now ? ` (${ago(check.now, first.startedAt)})` : '';
      const sets = group.map((row) => `${row.migrationSet} to ${formatHeads(row.heads)}`).join(', ');
      return [
        `started ${first.startedAt}${age} by ${first.actor}@${first.host}`,
        // Rows written before guard redacted commands may still hold a password.
        `command: ${first.command === null ? '(none recorded)' : redactCommandText(first.command)}`,
        ...(first.commit ? [`commit ${first.commit.slice(0, 12)}`] : []),
        `deploying ${sets}`,
        `ledger row${group.length === 1 ? '' : 's'} ${group.map((row) => row.id).join(', ')}`,
      ].join('; ');
    });
  const one = deploys.size === 1;
  return {
    ok: false,
    code: 'running-deploy',
    exitCode: 1,
    message: `${one ? 'a deploy' : `${deploys.size} deploys`} of ${environment} never finished (killed or crashed), and may have applied part of ${one ? 'its' : 'their'} migrations:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    fix: `check ${environment}'s database (\`guard status ${environment}\`), then \`guard record ${environment}\` to record the state it is in, or \`guard deploy ${environment} --force --reason "..."\` to settle ${one ? 'the row' : 'the rows'} and deploy`,
  };
}

/** `3 h 5 min ago`, `42 s ago`; `in the future` for clock skew between hosts. */
function ago(now: Date, iso: string): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'at an unreadable time';
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 0) return 'in the future: check the clocks';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
