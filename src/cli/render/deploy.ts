import { deployCommand as deployDefinition } from '../../commands/deploy.js';
import { printJson, rendered } from './rendered.js';

/** `guard deploy`'s warnings and verdict on stderr (stdout is the migration command's), or its JSON on stdout. */
export const deployCommand = rendered(deployDefinition, (deployed, context) => {
  const { colours } = context;
  for (const warning of deployed.warnings) context.err(`${colours.yellow('warning')} ${warning}`);
  if (context.format === 'json') {
    printJson(deployed, context);
    return deployed.exitCode;
  }
  if (deployed.refusal) context.err(`${colours.red('refused')} ${deployed.refusal.message}\n  ${colours.dim('fix:')} ${deployed.refusal.fix.replace(/\n/g, '\n       ')}`);
  else if (!deployed.ran && deployed.plan) {
    const lines = deployed.plan.sets.map((set) =>
      set.pending.length === 0
        ? `  ${set.dir}: nothing pending`
        : `  ${set.dir}:\n${set.pending.map((entry) => `    ${entry.file}${entry.transactional === false ? ' (outside a transaction)' : ''}`).join('\n')}`,
    );
    context.err(`${colours.green('ok')} the gate passes for ${deployed.environment}; ${deployed.plan.by === 'runner' ? "guard's SQL runner would apply" : `\`${deployed.plan.command}\` would run, with`}:\n${lines.join('\n')}\n${colours.dim('nothing was run or recorded (--dry-run)')}`);
  } else if (!deployed.ran) context.err(`${colours.green('ok')} the gate passes for ${deployed.environment}; nothing was run (--check)`);
  else context.err(`${colours.green('deployed')} ${deployed.environment}`);
  return deployed.exitCode;
});
