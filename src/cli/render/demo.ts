import { demoCommand as definition } from '../../commands/demo.js';
import { rendered } from './rendered.js';

/** guard demo prints as it goes (text only) and returns its exit code: nothing is left to render. */
export const demoCommand = rendered(definition, (exitCode) => exitCode);
