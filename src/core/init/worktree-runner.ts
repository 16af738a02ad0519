/**
 * The git hooks husky 9 puts a stub for in its generated `<dir>/_` folder
 * (the list in husky's index.js), hence the ones guard's linked-worktree
 * runner stands in for.
 */
export const HUSKY_HOOKS: readonly string[] = [
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-rebase',
  'post-rewrite',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-auto-gc',
];

/**
 * Where guard keeps the runner, inside the repository's common git dir
 * (shared by every work tree, https://git-scm.com/docs/gitrepository-layout),
 * and the config file that points the linked worktrees' `core.hooksPath` at it.
 */
export const WORKTREE_RUNNER_DIR = 'migration-guard/worktree-hooks';
export const WORKTREE_RUNNER_CONFIG = 'migration-guard/worktree.config';

/**
 * The conditional include, in the common `config`, that only linked
 * worktrees match: their git dir is `<common dir>/worktrees/<name>`, and a
 * `gitdir:` pattern starting with `./` is relative to the config file's own
 * directory, so it survives moving the repository
 * (https://git-scm.com/docs/git-config#_conditional_includes). The main work
 * tree keeps husky's own `core.hooksPath`.
 */
export const WORKTREE_INCLUDE_KEY = 'includeIf.gitdir:./worktrees/.path';

/**
 * The runner git starts for `hook` in a linked worktree of a husky
 * repository. husky points `core.hooksPath` at `<dir>/_`, a relative path
 * git resolves in each work tree (https://git-scm.com/docs/git-config#Documentation/git-config.txt-corehooksPath),
 * and generates that folder only where `npm install` ran: a new worktree has
 * none, and git runs no hook at all there. The runner hands over to husky's
 * own stub when the worktree has one, else does what husky's runner
 * (node_modules/husky/husky) does: run `<dir>/<hook>` with `sh -e`, after
 * `~/.config/husky/init.sh`, unless HUSKY=0, with `node_modules/.bin` (this
 * work tree's, then the main one's) first on PATH.
 *
 * @param huskyDir husky's hook dir relative to the work tree, as in `core.hooksPath` without `/_`
 */
export function worktreeHookRunner(hook: string, huskyDir: string): string {
  const dir = `'${huskyDir.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# migration-guard: git runs this ${hook} hook in the linked worktrees of this
# repository (guard init; guard doctor checks it). husky's $dir/_ is
# generated per work tree by npm install, so a new worktree would run no hook.
dir=${dir}
if [ -x "$dir/_/${hook}" ]; then exec "$dir/_/${hook}" "$@"; fi
[ -f "$dir/${hook}" ] || exit 0
init="\${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$init" ] && . "$init"
[ "\${HUSKY-}" = "0" ] && exit 0
PATH="node_modules/.bin:$(git rev-parse --path-format=absolute --git-common-dir)/../node_modules/.bin:$PATH"
export PATH
exec sh -e "$dir/${hook}" "$@"
`;
}
