import { initCommand as initDefinition } from '../../commands/init.js';
import { printJson, rendered } from './rendered.js';

export const initCommand = rendered(initDefinition, (result, context) => {
  if (context.format === 'json') {
    printJson(result, context);
    return result.exitCode;
  }
  const { colours } = context;
  const width = Math.max(...result.actions.map((action) => action.target.length));
  for (const action of result.actions) {
    const status = action.status === 'kept' ? colours.dim('kept   ') : colours.green(action.status.padEnd(7));
    context.out(`  ${status}  ${action.target.padEnd(width)}  ${colours.dim(action.detail)}`);
  }
  for (const warning of result.warnings) context.err(`${colours.yellow('warning')} ${warning}`);
  for (const edit of result.handEdits) {
    context.err(`${colours.red('error')} guard added no hooks to ${edit.file}: ${edit.reason}`);
    context.err(`  ${colours.dim('fix:')} add this to ${edit.file}, then run guard init again:`);
    for (const line of edit.snippet.split('\n')) context.err(`    ${line}`);
  }
  for (const note of result.notes) context.out(`note: ${note}`);
  if (result.toCommit.length > 0) context.out(`next: git add ${result.toCommit.map(shellWord).join(' ')} && git commit -m "Guard the migrations with migration-guard"`);
  else if (result.ok && result.handEdits.length === 0) context.out(`${colours.green('ok')} guard is set up here; guard doctor checks it`);
  return result.exitCode;
});

/** `word` as one word for a POSIX shell: quoted unless plain. */
function shellWord(word: string): string {
  return /^[\w./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
