// How the action's own scripts speak to GitHub Actions when they, not guard,
// have something to say: an error annotation, a line in the job summary, an
// exit code from the README's table. guard's findings are guard's to print.
import { appendFileSync } from 'node:fs';

/** guard's exit codes (README, "Exit codes"): the action ends with the same ones. */
export const EXIT = { ok: 0, refused: 1, input: 2, unreadable: 3 };

/** A reason the action stops before guard has judged anything, with what the user should do. */
export class ActionError extends Error {
  /**
   * @param {string} message what went wrong, naming the value or command
   * @param {number} exitCode one of EXIT
   * @param {string} fix what to do next
   */
  constructor(message, exitCode, fix) {
    super(message);
    this.exitCode = exitCode;
    this.fix = fix;
  }
}

/** One line of the action's own log, marked as its own. */
export function say(line) {
  process.stdout.write(`migration-guard: ${line}\n`);
}

/**
 * Reports `error` as GitHub shows an error: an `::error::` line
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message),
 * and the same in the job summary when the runner gives one; returns the exit code.
 *
 * @param {unknown} error
 * @param {NodeJS.ProcessEnv} env
 * @returns {number}
 */
export function reportFailure(error, env) {
  if (!(error instanceof ActionError)) {
    const what = error instanceof Error ? error.message : String(error);
    return reportFailure(new ActionError(`internal error in the action: ${what}`, EXIT.input, 'this is a bug in the action, not a problem with your repository: please report it at the migration-guard issue tracker with this log'), env);
  }
  process.stdout.write(`::error title=migration-guard::${escapeData(`${error.message}. Fix: ${error.fix}`)}\n`);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, `### migration-guard: guard verify\n\n❌ ${markdown(error.message)}\n\n**fix:** ${markdown(error.fix)}\n`);
    } catch {
      // The annotation above already says it; a summary that cannot be written changes nothing.
    }
  }
  return error.exitCode;
}

/** A workflow command's message, one line whatever it holds (the escaping the runner undoes). */
function escapeData(text) {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Text shown as written in the summary's Markdown: a branch name may hold `*`, `<` or `|`. */
function markdown(text) {
  return text.replace(/[\\`*_{}[\]()<>#+!|~-]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
}
