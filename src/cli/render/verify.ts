import { appendFileSync } from 'node:fs';
import { LOCKFILE_NAME } from '../../core/lockfile/types.js';
import { GITHUB_ANNOTATION_CAP } from '../../core/output-format.js';
import { printable } from '../../core/printable.js';
import { describeSetChange } from '../../core/seal/new-amendments.js';
import type { CommandContext } from '../../commands/context.js';
import { verifyCommand as verifyDefinition } from '../../commands/verify.js';
import type { VerifyResult } from '../../services/verify-repository.js';
import { describeSet } from '../../services/describe-set.js';
import { cosmeticNotes } from './cosmetic.js';
import { formatFinding, githubAnnotation, githubStepSummary, gitlabCodeQuality } from './findings.js';
import { printJson, rendered } from './rendered.js';

export const verifyCommand = rendered(verifyDefinition, (result, context) => {
  printVerifyResult(result, context);
  return result.exitCode;
});

/** `guard verify`'s result in each of its formats: JSON, GitLab's report, text, and text with GitHub's annotations and step summary. */
export function printVerifyResult(result: VerifyResult, context: CommandContext): void {
  if (context.format === 'json') {
    printJson(result, context);
    return;
  }
  // Findings of earlier commits name their commit, so a reader knows where to look.
  const everything = [
    ...result.findings,
    ...(result.commits ?? []).flatMap((entry) => entry.findings.map((finding) => ({ ...finding, message: `commit ${entry.commit.slice(0, 12)} (${entry.subject}): ${finding.message}` }))),
  ];
  if (context.format === 'gitlab') {
    context.out(gitlabCodeQuality(everything));
    return;
  }
  const { colours } = context;
  for (const finding of result.findings) context.out(formatFinding(finding, colours));
  const amended = amendmentNotes(result);
  for (const note of amended) context.out(`${colours.yellow('amended')} ${note}`);
  const cosmetic = cosmeticNotes(result.cosmetic, result.base);
  for (const note of cosmetic) context.out(`${colours.dim('cosmetic')} ${note}`);
  for (const entry of result.commits ?? []) {
    context.out(`${colours.bold(`commit ${entry.commit.slice(0, 12)}`)} (${entry.subject}):`);
    for (const finding of entry.findings) context.out(formatFinding(finding, colours));
  }
  if (context.format === 'github') {
    for (const finding of everything.slice(0, GITHUB_ANNOTATION_CAP)) context.out(githubAnnotation(finding));
    const more = everything.length - GITHUB_ANNOTATION_CAP;
    const summaryFile = context.env.GITHUB_STEP_SUMMARY;
    if (more > 0) context.out(`::notice title=guard::${more} more ${more === 1 ? 'problem' : 'problems'} than GitHub annotates; ${summaryFile ? 'all are in the job summary' : 'all are listed above'}`);
    for (const note of amended) context.out(`::notice title=guard amendment::${note.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
    for (const note of cosmetic) context.out(`::notice title=guard cosmetic edit::${note.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
    if (summaryFile) {
      const markdown = (note: string) => note.replace(/[\\`*_{}[\]()<>#+!|~-]/g, (ch) => `\\${ch}`);
      const notes =
        (amended.length > 0 ? `\n**Amendments since ${result.base}** (sanctioned changes of sealed migrations; review them):\n\n${amended.map((note) => `- ${markdown(note)}`).join('\n')}\n` : '') +
        (cosmetic.length > 0 ? `\n**Cosmetic edits since ${result.base}** (sealed migrations whose meaning is unchanged, \`cosmetic: allow\`):\n\n${cosmetic.map((note) => `- ${markdown(note)}`).join('\n')}\n` : '');
      appendFileSync(summaryFile, githubStepSummary('migration-guard: guard verify', everything, verdictLine(result, (text) => text)) + notes);
    }
  }
  for (const warning of result.warnings ?? []) context.out(formatFinding(warning, colours, 'warning'));
  for (const set of result.sets) context.out(colours.dim(describeSet(set)));
  context.out(verdictLine(result, result.ok ? colours.green : colours.red));
}

/**
 * One line per amendment since the base, for review:
 * `db/versions/1a2b_x.py (sealed in origin/main) changes from sha256:52ab… to
 * sha256:77e0…; by dev@example.com on 2026-11-23: "fix the downgrade"`.
 */
function amendmentNotes(result: VerifyResult): string[] {
  const { files, sets } = result.amendments ?? { files: [], sets: [] };
  // Every field comes from the branch's lockfile: printed, never obeyed by the terminal.
  const who = (amendment: { by: string; at: string; reason: string }) => `; by ${printable(amendment.by)} on ${printable(amendment.at)}: ${printable(JSON.stringify(amendment.reason))}`;
  const short = (checksum: string) => `${printable(checksum.slice(0, 'sha256:'.length + 12))}…`;
  return [
    ...files.map((amendment) => `${printable(amendment.file)} (sealed in ${result.base}) changes from ${short(amendment.from)} to ${short(amendment.to)}${who(amendment)}`),
    ...sets.map((amendment) => `set ${printable(amendment.set)} (sealed in ${result.base}) is ${printable(describeSetChange(amendment))}${who(amendment)}`),
  ];
}

/** `ok 12 migrations in 1 set match checksums.lock.yaml`, or `refused 2 problems in 12 migrations`. */
function verdictLine(result: VerifyResult, mark: (text: string) => string): string {
  const total = result.sets.reduce((sum, set) => sum + set.migrations, 0);
  const where = result.source === 'worktree' ? '' : ` at ${result.source}`;
  const amendedCount = (result.amendments?.files.length ?? 0) + (result.amendments?.sets.length ?? 0);
  const cosmeticCount = result.cosmetic?.length ?? 0;
  const except = [
    ...(amendedCount > 0 ? [amendedCount === 1 ? 'what the amendment above records' : `what the ${amendedCount} amendments above record`] : []),
    ...(cosmeticCount > 0 ? [cosmeticCount === 1 ? 'the formatting of the file above' : `the formatting of the ${cosmeticCount} files above`] : []),
  ];
  const sealedNote = result.base ? `; nothing sealed in ${result.base} changed${except.length > 0 ? ` but ${except.join(' and ')}` : ''}` : '';
  if (result.ok) {
    return `${mark('ok')} ${total} ${total === 1 ? 'migration' : 'migrations'} in ${result.sets.length} ${result.sets.length === 1 ? 'set' : 'sets'} match ${LOCKFILE_NAME}${where}${sealedNote}`;
  }
  const count = result.findings.length;
  const earlier = result.commits?.length ?? 0;
  const history = earlier > 0 ? `${earlier} earlier ${earlier === 1 ? 'commit breaks' : 'commits break'} the rules` : '';
  if (count === 0) return `${mark('refused')} ${history} (the final state${where} passes: ${total} ${total === 1 ? 'migration' : 'migrations'})`;
  return `${mark('refused')} ${count} ${count === 1 ? 'problem' : 'problems'} in ${total} ${total === 1 ? 'migration' : 'migrations'}${where}${history ? `; ${history}` : ''}`;
}
