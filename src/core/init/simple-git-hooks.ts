import { inputError } from '../guard-error.js';
import { runsGuard } from './hook-script.js';
import { guardCommand, MANAGED_HOOKS, type ManagedHook } from './hook-managers.js';
import { parseJsonObject, withMember } from './package-json.js';
import type { ConfigEdit } from './pre-commit-config.js';

// guard's commands in simple-git-hooks' config
// (https://github.com/toplenboren/simple-git-hooks): a JSON object of git
// hook names to shell commands, under "simple-git-hooks" in package.json or
// in a .simple-git-hooks.json file. simple-git-hooks writes each command
// into .git/hooks/<hook> after its own `#!/bin/sh` lines, so the command
// sees git's arguments as "$@" and git's stdin.

export const SIMPLE_GIT_HOOKS_KEY = 'simple-git-hooks';

/** guard's command for `hook` in simple-git-hooks. */
export function simpleGitHooksCommand(hook: ManagedHook): string {
  return guardCommand(hook, '"$@"');
}

/** What to add by hand. */
export function simpleGitHooksSnippet(file: string): string {
  const hooks = Object.fromEntries(MANAGED_HOOKS.map((hook) => [hook, simpleGitHooksCommand(hook)]));
  return JSON.stringify(file === 'package.json' ? { [SIMPLE_GIT_HOOKS_KEY]: hooks } : hooks, null, 2);
}

/**
 * simple-git-hooks' JSON config with guard's pre-commit, pre-merge-commit and
 * pre-push commands. A hook that has a command of the project's keeps it,
 * after guard's: `guard ... || exit $?; <the project's command>`, so guard's
 * refusal stops the hook whatever the command does, and the command runs
 * as it did when guard lets it through (at pre-push without git's stdin,
 * which guard has read). A hook that runs guard already is left as it is.
 * Every other byte of the file stays (withMember).
 *
 * @param file package.json (its "simple-git-hooks" key) or a .simple-git-hooks.json
 * @throws GuardError exit 2 when the config is not an object of commands
 */
export function withGuardInSimpleGitHooks(text: string, file: string): ConfigEdit {
  const fix = `add guard's commands to ${file} by hand (before the commands a hook has):\n${simpleGitHooksSnippet(file)}`;
  const container = file === 'package.json' ? SIMPLE_GIT_HOOKS_KEY : undefined;
  let next = text;
  const added: string[] = [];
  for (const hook of MANAGED_HOOKS) {
    const parsed = parseJsonObject(next, file) as Record<string, unknown>;
    const hooks = container === undefined ? parsed : parsed[container];
    if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks))) {
      throw inputError(`${file}: "${container}" is not an object of hook commands (${typeof hooks === 'string' ? `it names another config file, ${hooks}` : JSON.stringify(hooks)})`, { fix });
    }
    const existing = (hooks as Record<string, unknown> | undefined)?.[hook];
    if (existing !== undefined && typeof existing !== 'string') throw inputError(`${file}: the ${hook} command is not a string`, { fix });
    if (existing !== undefined && runsGuard(existing, hook === 'pre-push' ? 'pre-push' : 'pre-commit')) continue;
    const command = simpleGitHooksCommand(hook);
    next = withMember(next, file, container, hook, existing === undefined || existing.trim() === '' ? command : `${command} || exit $?; ${existing}`).text;
    added.push(hook);
  }
  return {
    text: next,
    changed: added.length > 0,
    detail: added.length > 0 ? `guard's commands added to ${added.join(', ')}` : `${MANAGED_HOOKS.join(', ')} run guard`,
  };
}
