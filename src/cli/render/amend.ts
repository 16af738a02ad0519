import { LOCKFILE_NAME } from '../../core/lockfile/types.js';
import { describeSetChange } from '../../core/seal/new-amendments.js';
import { amendCommand as amendDefinition } from '../../commands/amend.js';
import { printLockResult } from './lock.js';
import { rendered } from './rendered.js';

export const amendCommand = rendered(amendDefinition, ({ result, files }, context) => {
  printLockResult(result, context, false);
  if (result.exitCode === 0 && context.format === 'text') {
    for (const file of files) context.out(`recorded the amendment of ${file}; commit ${LOCKFILE_NAME} with the change`);
    for (const amendment of result.setAmendments ?? []) {
      context.out(`recorded the amendment of the sealed set ${amendment.set}: ${describeSetChange(amendment)}; commit ${LOCKFILE_NAME} with the config`);
    }
  }
  return result.exitCode;
});
