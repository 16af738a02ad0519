import { shortDigest } from '../../core/deploy/short-digest.js';
import { formatSchemaDifference, summariseDifferences } from '../../core/drift/format-schema-difference.js';
import { driftCommand as driftDefinition, driftWording } from '../../commands/drift.js';
import { printJson, rendered } from './rendered.js';

/** `guard drift` as JSON, or each difference on stdout and the verdict on stderr. */
export const driftCommand = rendered(driftDefinition, (result, context) => {
  const wording = driftWording(result);
  if (context.format === 'json') {
    printJson(result, context);
    return result.exitCode;
  }
  const { colours } = context;
  const subject = result.mode === 'since-deploy' ? `${result.environment}` : `${result.environment} and ${result.other}`;
  if (result.note && result.differences.length === 0) {
    context.err(`${colours.yellow('not compared')} ${result.note}`);
    return result.exitCode;
  }
  if (result.note) context.err(`${colours.yellow('note')} ${result.note}`);
  if (result.differences.length === 0) {
    context.err(`${colours.green('no drift')} ${result.mode === 'since-deploy' ? `${result.environment}'s schema matches ${result.against}` : `${subject} have the same schema`} (sha256:${shortDigest(result.fingerprints.after)})`);
    return result.exitCode;
  }
  for (const difference of result.differences) context.out(formatSchemaDifference(difference, wording));
  context.err(`${colours.red('drift')} ${result.mode === 'since-deploy' ? `${result.environment}'s schema differs from ${result.against}` : `${subject} differ`}: ${summariseDifferences(result.differences)}`);
  return result.exitCode;
});
