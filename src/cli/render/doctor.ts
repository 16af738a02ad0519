import { doctorCommand as doctorDefinition } from '../../commands/doctor.js';
import { printJson, rendered } from './rendered.js';

export const doctorCommand = rendered(doctorDefinition, (result, context) => {
  if (context.format === 'json') {
    printJson(result, context);
    return result.exitCode;
  }
  const { colours } = context;
  for (const check of result.checks) {
    context.out(`${check.ok ? colours.green('ok  ') : colours.red('FAIL')}  ${check.check}: ${check.detail}`);
    if (!check.ok && check.fix) context.out(`      ${colours.dim('fix:')} ${check.fix}`);
  }
  context.out(result.ok ? `${colours.green('ok')} guard protects this checkout` : `${colours.red('not protected')}: fix the lines marked FAIL`);
  return result.exitCode;
});
