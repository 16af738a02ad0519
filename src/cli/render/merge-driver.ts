import { mergeDriverCommand as definition } from '../../commands/merge-driver.js';
import { rendered } from './rendered.js';

/** guard merge-driver prints as it goes (text only) and returns its exit code: nothing is left to render. */
export const mergeDriverCommand = rendered(definition, (exitCode) => exitCode);
