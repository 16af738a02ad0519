import { recordCommand as recordDefinition } from '../../commands/record.js';
import { printJson, rendered } from './rendered.js';

/** `guard record` as JSON, the refusal, or what it recorded and settled. */
export const recordCommand = rendered(recordDefinition, (recorded, context) => {
  if (context.format === 'json') printJson(recorded, context);
  else if (recorded.refusal) context.err(`${context.colours.red('refused')} ${recorded.refusal.message}\n  ${context.colours.dim('fix:')} ${recorded.refusal.fix}`);
  else {
    for (const set of recorded.recorded) context.out(`recorded ${recorded.environment}: ${set.set} at ${set.heads.join(', ')} (chain ${set.chain.slice(7, 19)})`);
    if (recorded.settled > 0) context.out(`settled ${recorded.settled} ledger ${recorded.settled === 1 ? 'row' : 'rows'} left running by a crashed deploy`);
  }
  return recorded.exitCode;
});
