import { renumberCommand as renumberDefinition } from '../../commands/renumber.js';
import { printLockResult } from './lock.js';
import { rendered } from './rendered.js';

export const renumberCommand = rendered(renumberDefinition, ({ renames, result, renamedBack }, context) => {
  printLockResult(result, context, false);
  if (renamedBack && context.format === 'text') context.out(`renamed ${renames.map(({ source }) => source).join(', ')} back: nothing was changed`);
  return result.exitCode;
});
