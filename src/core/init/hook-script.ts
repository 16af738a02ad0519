/**
 * guard's lines in a git hook script, kept between two marker comments so
 * `guard init` can add them to a script the project already has, and find
 * them again instead of adding them twice.
 */
export const HOOK_BEGIN = '# >>> migration-guard >>>';
export const HOOK_END = '# <<< migration-guard <<<';

/**
 * The hooks guard runs in: pre-commit, pre-merge-commit (a merge without
 * conflicts commits without running pre-commit, and could bring a sealed edit
 * in; https://git-scm.com/docs/githooks#_pre_merge_commit) and pre-push.
 */
export type GuardHook = 'pre-commit' | 'pre-merge-commit' | 'pre-push';
export const GUARD_HOOKS: readonly GuardHook[] = ['pre-commit', 'pre-merge-commit', 'pre-push'];

/**
 * sh that sets `guard_bin` to the guard a hook or the merge driver runs: this
 * work tree's `node_modules/.bin`, else the main work tree's (a linked
 * worktree has no node_modules until someone installs there, and its common
 * dir is the main work tree's `.git`,
 * https://git-scm.com/docs/git-rev-parse#Documentation/git-rev-parse.txt---git-common-dir),
 * else guard on PATH. Empty when guard is nowhere. git runs hooks and merge
 * drivers at the work tree's top level, so the first path is relative to it.
 * husky runs hook scripts with `sh -e`, which would end the script silently
 * on a failed search (exit 127) before it can say what to install: hence `|| :`.
 */
export const FIND_GUARD: readonly string[] = [
  'guard_bin=node_modules/.bin/guard',
  '[ -x "$guard_bin" ] || guard_bin="$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || :)/../node_modules/.bin/guard"',
  '[ -x "$guard_bin" ] || guard_bin="$(command -v guard || :)"',
];

const INSTALL_GUARD = 'run npm install (or npm install -g migration-guard)';

/**
 * The block for one hook. When guard is nowhere ({@link FIND_GUARD}) the
 * hook fails closed with what to install, rather than letting the commit or
 * push through unchecked.
 */
export function guardHookBlock(hook: GuardHook): string {
  // pre-merge-commit judges the merge's index exactly as pre-commit judges a commit's.
  const args = hook === 'pre-push' ? 'hook pre-push "$@"' : 'hook pre-commit';
  return [
    HOOK_BEGIN,
    `# ${hook === 'pre-push' ? 'Checks every commit being pushed' : hook === 'pre-merge-commit' ? 'Checks a merge that git commits without pre-commit' : 'Locks new migrations and refuses edits of sealed ones'} (added by guard init).`,
    ...FIND_GUARD,
    'if [ -z "$guard_bin" ]; then',
    `  echo "migration-guard: guard is not installed here; ${INSTALL_GUARD}" >&2`,
    '  exit 1',
    'fi',
    `"$guard_bin" ${args} || exit $?`,
    HOOK_END,
  ].join('\n');
}

/**
 * The command git runs as the lockfile merge driver
 * (https://git-scm.com/docs/gitattributes#_defining_a_custom_merge_driver),
 * through the shell, at the top level of whichever work tree merges. It
 * finds guard as the hooks do; when guard is nowhere it leaves what git
 * itself would (the file with conflict markers, https://git-scm.com/docs/git-merge-file)
 * and exits 1, so the merge stops on a conflict instead of keeping one side.
 * (git quotes what it puts in for `%P`, so it stays outside the double quotes.)
 *
 * @param invocation a fixed way to start guard instead of the search (guard's own repository runs its build)
 */
export function mergeDriverCommand(invocation?: string): string {
  const run = 'merge-driver %O %A %B %P';
  if (invocation !== undefined) return `${invocation} ${run}`;
  const missing = `echo "migration-guard: guard is not installed here, so" %P "is left as a conflict; ${INSTALL_GUARD}" >&2; git merge-file -L ours -L base -L theirs %A %O %B; exit 1`;
  return `${FIND_GUARD.join('; ')}; if [ -z "$guard_bin" ]; then ${missing}; fi; exec "$guard_bin" ${run}`;
}

/**
 * A hook script with guard's block in it: a new script when there is none,
 * the block added at the end of one that has none, the block replaced where
 * it is. Returns the text unchanged when it already holds the current block.
 *
 * @param shebang whether the script needs `#!/bin/sh` (husky's scripts are sourced through its wrapper and have none)
 */
export function withGuardBlock(existing: string | undefined, hook: GuardHook, shebang: boolean): string {
  const block = guardHookBlock(hook);
  if (existing === undefined || existing.trim() === '') return `${shebang ? '#!/bin/sh\n' : ''}${block}\n`;
  const begin = existing.indexOf(HOOK_BEGIN);
  const end = existing.indexOf(HOOK_END);
  if (begin !== -1 && end > begin) return `${existing.slice(0, begin)}${block}${existing.slice(end + HOOK_END.length)}`;
  return `${existing.endsWith('\n') ? existing : `${existing}\n`}\n${block}\n`;
}

/** Whether a hook script runs guard (its block, or a hand-written call). */
export function runsGuard(script: string, hook: GuardHook): boolean {
  const command = hook === 'pre-merge-commit' ? 'pre-commit' : hook;
  return script.includes(HOOK_BEGIN) || new RegExp(`guard(?:\\.js)?["']?\\s+hook\\s+${command}`).test(script);
}
