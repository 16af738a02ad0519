import path from 'node:path';
import { waitingForSessions } from '../../core/deploy/migration-sessions.js';
import { shortDigest } from '../../core/deploy/short-digest.js';
import { statusCommand as statusDefinition, type EnvironmentStatus } from '../../commands/status.js';
import { printJson, rendered } from './rendered.js';

/** `guard status` as JSON, the HTML status page (a file, or stdout), or the table and the next deploy's blockers. */
export const statusCommand = rendered(statusDefinition, async ({ status, output }, context) => {
  if (context.format === 'json') {
    printJson(status, context);
    return status.exitCode;
  }
  if (context.format === 'html') {
    const [{ renderStatusPage }, { guardVersion }] = await Promise.all([import('./status-page.js'), import('../../shell/guard-version.js')]);
    const page = renderStatusPage(status, { generatedAt: new Date(), guardVersion: guardVersion() });
    if (output === '-') {
      // The line writer ends it with the page's own final newline.
      context.out(page.replace(/\n$/, ''));
      return status.exitCode;
    }
    const { writeFileAtomic } = await import('../../shell/write-atomic.js');
    const file = path.resolve(context.cwd, output ?? 'guard-status.html');
    writeFileAtomic(file, page);
    context.out(file);
    return status.exitCode;
  }
  const rows: string[][] = [['environment', 'set', 'head', 'chain', 'last deploy', 'lock', 'drift']];
  for (const environment of status.environments) {
    if (!environment.reachable) {
      rows.push([environment.name, '-', 'unreachable', '-', environment.error ?? '', '-', '-']);
      continue;
    }
    const sessions = environment.migrationSessions;
    const lockText = environment.lockHolder
      ? `held by ${environment.lockHolder.applicationName ?? `pid ${environment.lockHolder.pid}`}`
      : sessions.length > 0
        ? `free, but ${sessions.length} orphaned migration ${sessions.length === 1 ? 'session' : 'sessions'} (${sessions.map((session) => `pid ${session.pid} of deploy #${session.deployId}, ${session.state ?? 'state hidden'}`).join('; ')})`
        : 'free';
    for (const set of environment.sets) {
      const flagged = set.uncheckedPredecessor && set.uncheckedPredecessor.state !== 'confirmed';
      const last = set.lastDeploy ? `${set.lastDeploy.status}${set.lastDeploy.forced ? ' (forced)' : ''}${flagged ? ` (UNCHECKED ${set.uncheckedPredecessor!.predecessor})` : ''} ${set.lastDeploy.at.slice(0, 16).replace('T', ' ')} by ${set.lastDeploy.actor}${set.lastDeploy.commit ? ` at ${set.lastDeploy.commit.slice(0, 12)}` : ''}` : 'never deployed';
      const chain = set.ledgerProblem ? 'UNTRUSTED ledger row' : set.chain === null ? '-' : set.matchesRepository ? '= HEAD' : `differs (${shortDigest(set.chain)})`;
      rows.push([environment.name, set.dir, set.heads.join(', ') || '(empty)', chain, last, lockText, driftText(environment.drift)]);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [i, row] of rows.entries()) {
    const line = row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
    context.out(i === 0 ? context.colours.bold(line) : line);
  }
  // What blocks the next promotion into each environment: one line per blocker, else the verdict.
  if (status.environments.length > 0) {
    context.out(context.colours.bold('next deploy of HEAD'));
    const width = Math.max(...status.environments.map((environment) => environment.name.length));
    for (const environment of status.environments) {
      const lines = environment.blockers
        .filter((blocker) => blocker.severity !== 'warns')
        .map((blocker) => (blocker.severity === 'blocks' ? context.colours.red('blocked') : context.colours.yellow('unknown')) + ` ${blocker.message}`);
      if (lines.length === 0) lines.push(context.colours.green(environment.promotion.summary.replace(/ \(\d+ warnings?\)$/, '')));
      for (const blocker of environment.blockers) if (blocker.severity === 'warns') lines.push(`${context.colours.yellow('warning')} ${blocker.message}`);
      for (const [i, line] of lines.entries()) context.out(`${(i === 0 ? environment.name : '').padEnd(width)}  ${line}`);
    }
  }
  for (const environment of status.environments) {
    for (const set of environment.sets) {
      if (set.ledgerProblem) context.err(`${context.colours.red('untrusted')} ${set.ledgerProblem}`);
      const unchecked = set.uncheckedPredecessor;
      if (unchecked && unchecked.state !== 'confirmed') {
        context.err(
          `${context.colours.red('unchecked')} ${environment.name}'s deploy #${unchecked.deployId} of ${set.dir} (${unchecked.at.slice(0, 16).replace('T', ' ')} by ${unchecked.by}) went ahead without checking ${unchecked.predecessor} (--unchecked-predecessor, reason: ${JSON.stringify(unchecked.reason ?? '')}); not checked: ${unchecked.what}; now: ${unchecked.note ?? ''}`,
        );
      }
    }
    if (!environment.lockHolder && environment.migrationSessions.length > 0) {
      context.err(`${context.colours.yellow('orphaned')} ${environment.name}: ${waitingForSessions(environment.name, environment.migrationSessions).replace(/^waiting for /, '')}; the next deploy or record waits for them`);
    }
  }
  context.out(context.colours.dim(`HEAD ${status.repository.commit.slice(0, 12)}: ${status.repository.sets.map((set) => `${set.dir} at ${set.heads.join(', ')} (chain ${shortDigest(set.chain)})`).join('; ')}`));
  return status.exitCode;
});

/** `none`, `3 objects (guard drift ENV)`, `unknown`, `ignored`. */
function driftText(drift: EnvironmentStatus['drift']): string {
  if (!drift) return '-';
  if (drift.state === 'drift') return `${drift.differences} ${drift.differences === 1 ? 'object' : 'objects'}`;
  return drift.state;
}
