import { LOCKFILE_NAME } from '../../core/lockfile/types.js';
import { cosmeticNotes } from './cosmetic.js';
import type { LockChange } from '../../core/lockfile/plan-lock.js';
import { joinPath } from '../../core/paths.js';
import type { CommandContext } from '../../commands/context.js';
import { lockCommand as lockDefinition } from '../../commands/lock.js';
import type { LockResult } from '../../services/lock-repository.js';
import { formatFinding } from './findings.js';
import { printJson, rendered } from './rendered.js';

export const lockCommand = rendered(lockDefinition, ({ result, check }, context) => {
  printLockResult(result, context, check);
  return result.exitCode;
});

/** `guard lock`'s result (and `guard amend`'s, `guard renumber`'s): JSON, or the changes and the verdict as text. */
export function printLockResult(result: LockResult, context: CommandContext, check: boolean): void {
  if (context.format === 'json') {
    printJson(result, context);
    return;
  }
  const { colours } = context;
  for (const finding of result.refusals) context.out(formatFinding(finding, colours));
  if (result.refusals.length > 0) {
    context.out(`${colours.red('refused')} ${LOCKFILE_NAME} was not changed`);
    return;
  }
  if (result.conflict) {
    context.out(`resolved the git conflict in ${LOCKFILE_NAME} by merging both sides and re-reading the migrations`);
    for (const clash of result.conflict.clashes) context.out(`  both sides locked ${clash} differently; the file as it is now was locked`);
  }
  for (const change of result.changes) context.out(`  ${describeChange(change)}`);
  for (const finding of result.warnings) context.out(formatFinding(finding, colours, 'warning'));
  for (const note of cosmeticNotes(result.cosmetic, undefined)) context.out(`${colours.dim('cosmetic')} ${note}`);
  if (check) {
    context.out(result.exitCode === 0 ? `${colours.green('ok')} ${LOCKFILE_NAME} is up to date` : `${colours.red('out of date')} ${LOCKFILE_NAME}: run \`guard lock\``);
  } else if (result.written) {
    context.out(`${colours.green('wrote')} ${LOCKFILE_NAME} (${summarise(result.changes)}); review and commit it with the migrations`);
  } else {
    context.out(`${colours.green('ok')} ${LOCKFILE_NAME} is up to date`);
  }
}

function describeChange(change: LockChange): string {
  switch (change.kind) {
    case 'added':
      return `+ ${joinPath(change.set, change.file)} (${change.id})`;
    case 'updated':
      return `~ ${joinPath(change.set, change.file)} (${change.id}): checksum refreshed`;
    case 'removed':
      return `- ${joinPath(change.set, change.file)} (${change.id})`;
    case 'renamed':
      return `> ${joinPath(change.set, change.from)} -> ${change.file} (${change.id})`;
    case 'heads':
      return `heads of ${change.set}: [${change.from.join(', ')}] -> [${change.to.join(', ')}]`;
    case 'set-added':
      return `new set ${change.set}`;
    case 'set-dropped':
      return `dropped set ${change.set} (${change.migrations} migrations)`;
  }
}

function summarise(changes: readonly LockChange[]): string {
  const count = (kind: LockChange['kind']) => changes.filter((change) => change.kind === kind).length;
  const parts = [
    [count('added'), 'added'],
    [count('updated'), 'updated'],
    [count('renamed'), 'renamed'],
    [count('removed'), 'removed'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, word]) => `${n} ${word}`);
  return parts.length > 0 ? parts.join(', ') : 'digests rewritten';
}
