// The GitHub Action's check (action.yml, step "guard verify"): finds the base,
// fetches the history guard needs into the checkout, then runs `guard verify
// --rev HEAD --base BASE` on the checked-out commit as git holds it, with
// GitHub's output (annotations on the diff, a table in the job summary), and
// ends with guard's exit code (README, "Exit codes").
//
// Inputs arrive as environment variables (GUARD_BASE, GUARD_WORKING_DIRECTORY,
// GUARD_CONFIG), never spliced into a script: a branch named `$(curl evil)`
// is a value here, passed to git and guard as one argument, never to a shell.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBase } from './base.mjs';
import { fetchHistory } from './history.mjs';
import { ActionError, EXIT, reportFailure, say } from './workflow-commands.mjs';

const actionPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

process.exitCode = main(process.env);

/** @returns {number} the step's exit code */
function main(env) {
  try {
    const guard = path.join(actionPath, 'dist/bin/guard.js');
    if (!existsSync(guard)) throw new ActionError(`${guard} is missing`, EXIT.unreadable, "the action's first step builds it: check that step's log");
    const cwd = path.resolve(env.GITHUB_WORKSPACE || process.cwd(), env.GUARD_WORKING_DIRECTORY || '.');
    if (!existsSync(cwd)) throw new ActionError(`the working directory ${cwd} does not exist`, EXIT.input, 'point working-directory at the checkout (the path given to actions/checkout)');
    const base = resolveBase(env);
    say(`base ${base.kind === 'branch' ? base.name : base.kind === 'commit' ? base.commit : '(none)'}: ${base.why}`);
    const args = ['verify', '--rev', 'HEAD', '--format', 'github', ...(env.GUARD_CONFIG ? ['--config', env.GUARD_CONFIG] : [])];
    if (base.kind !== 'none') args.push('--base', fetchHistory(cwd, base));
    say(`guard ${args.join(' ')}`);
    // guard's findings (stdout) are annotations already; an error that ends it early (stderr) is one more.
    const run = spawnSync(process.execPath, [guard, ...args], { cwd, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: { ...env, GITHUB_ACTIONS: 'true' }, maxBuffer: 1 << 26 });
    if (run.error) throw new ActionError(`could not run guard: ${run.error.message}`, EXIT.unreadable, 'check the node on the runner (actions/setup-node)');
    process.stderr.write(run.stderr);
    // A guard killed by a signal never said "passed".
    const code = run.status ?? EXIT.unreadable;
    const error = code > EXIT.refused ? guardError(run.stderr, code) : undefined;
    return error ? reportFailure(error, env) : code;
  } catch (error) {
    return reportFailure(error, env);
  }
}

/**
 * The error guard printed before it stopped (`error MESSAGE` then `  fix: FIX`,
 * README "Exit codes"), as the action's own, so it too reaches the diff and
 * the job summary; undefined when guard printed none.
 */
function guardError(stderr, code) {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const at = lines.findIndex((line) => line.startsWith('error ') || line.startsWith('internal error '));
  if (at === -1) return undefined;
  const fixAt = lines.findIndex((line, index) => index > at && line.startsWith('  fix: '));
  const message = lines.slice(at, fixAt === -1 ? at + 1 : fixAt).join(' ').replace(/^error /, '');
  const fix = fixAt === -1 ? 'see guard\'s output above' : lines.slice(fixAt).map((line) => line.trim()).join(' ').replace(/^fix: /, '');
  return new ActionError(`guard verify stopped (exit ${code}): ${message}`, code, fix);
}
