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
 * The block for one hook. `guard` is found in the project's node_modules
 * (this work tree's, then the main work tree's, for linked worktrees), else
 * on PATH; when it is nowhere the hook fails closed with what to install,
 * rather than letting the commit or push through unchecked.
 */
export function guardHookBlock(hook: GuardHook): string {
  // pre-merge-commit judges the merge's index exactly as pre-commit judges a commit's.
  const args = hook === 'pre-push' ? 'hook pre-push "$@"' : 'hook pre-commit';
  return [
    HOOK_BEGIN,
    `# ${hook === 'pre-push' ? 'Checks every commit being pushed' : hook === 'pre-merge-commit' ? 'Checks a merge that git commits without pre-commit' : 'Locks new migrations and refuses edits of sealed ones'} (added by guard init).`,
    'guard_bin=node_modules/.bin/guard',
    '[ -x "$guard_bin" ] || guard_bin="$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../node_modules/.bin/guard"',
    '[ -x "$guard_bin" ] || guard_bin="$(command -v guard)"',
    'if [ -z "$guard_bin" ]; then',
    '  echo "migration-guard: guard is not installed here; run npm install (or npm install -g migration-guard)" >&2',
    '  exit 1',
    'fi',
    `"$guard_bin" ${args} || exit $?`,
    HOOK_END,
  ].join('\n');
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
