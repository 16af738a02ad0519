import path from 'node:path';
import { LOCKFILE_NAME } from '../../core/lockfile/types.js';
import type { CommandContext } from '../../commands/context.js';
import { hookCommand as hookDefinition, type PreCommitResult, type PrePushResult, type PreReceiveResult } from '../../commands/hook.js';
import { cosmeticNotes } from './cosmetic.js';
import { formatFinding, githubAnnotation } from './findings.js';
import { printJson, rendered } from './rendered.js';

export const hookCommand = rendered(hookDefinition, (run, context) => {
  if (run.hook === 'pre-push') printPushedCommits(run.result, context, `: fix the commits above (a new commit, or rewrite them) and push again${unlistedNote(run.result)}`);
  else if (run.hook === 'pre-receive') printPushedCommits(run.result, context, ` (server side${run.result.sealedBy ? `, sealed by ${run.result.sealedBy}` : ''}): fix the commits above and push again`);
  else printPreCommit(run.result, context);
  return run.result.exitCode;
});

/** Why a refused push names refs that may not be in it: guard was not given git's list. */
function unlistedNote(result: PrePushResult): string {
  if (result.refsFrom === 'git') return '';
  const given = result.refsFrom === 'pre-commit framework' ? 'the pre-commit framework passes only the first pushed ref' : 'no list of pushed refs on stdin (lefthook: use_stdin: true)';
  return `\n  (${given}, so guard checked every local branch, tag and HEAD this remote does not have: fix or delete the branch named above even if you are not pushing it)`;
}

/** The pre-commit's findings and verdict, on stderr (git shows it to the committer). */
function printPreCommit(result: PreCommitResult, context: CommandContext): void {
  if (context.format === 'json') {
    printJson(result, context);
    return;
  }
  const { colours } = context;
  for (const finding of result.findings) context.err(formatFinding(finding, colours));
  if (context.env.GITHUB_ACTIONS === 'true') for (const finding of result.findings) context.err(githubAnnotation(finding));
  for (const note of cosmeticNotes(result.cosmetic, result.sealedBy)) context.err(`${colours.dim('cosmetic')} ${note}`);
  if (result.staged) {
    context.err(`${colours.green('guard')} locked the staged migrations and staged ${LOCKFILE_NAME}`);
    // `git commit -- PATH` commits from a temporary index (next-index-*.lock) while
    // it holds the real one: the commit gets the lockfile, the real index cannot.
    if (path.basename(context.env.GIT_INDEX_FILE ?? '').startsWith('next-index')) {
      context.err(`  this commit includes the new ${LOCKFILE_NAME}; run \`git add ${LOCKFILE_NAME}\` afterwards so your index agrees`);
    }
  }
  if (!result.ok) context.err(`${colours.red('guard refused the commit')} (the commit did not happen; fix the above and commit again)`);
}

/** The commits a push or receive refused, each with what it broke, on stderr (git shows it to the pusher). */
function printPushedCommits(result: PrePushResult | PreReceiveResult, context: CommandContext, refusalTail: string): void {
  if (context.format === 'json') {
    printJson(result, context);
    return;
  }
  for (const entry of result.commits) {
    context.err(`${context.colours.bold(`commit ${entry.commit.slice(0, 12)}`)} (${entry.subject}) on ${entry.ref}:`);
    for (const finding of entry.findings) context.err(formatFinding(finding, context.colours));
  }
  if (!result.ok) context.err(`${context.colours.red('guard refused the push')}${refusalTail}`);
}
