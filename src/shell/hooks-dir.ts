import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runsGuard, type GuardHook } from '../core/init/hook-script.js';
import { WORKTREE_RUNNER_CONFIG, WORKTREE_RUNNER_DIR, worktreeHookRunner } from '../core/init/worktree-runner.js';
import { runGit, splitNul } from './git/run-git.js';
import { git } from './git/run-git.js';

export interface HooksLayout {
  /** `core.hooksPath` as the repository sets it (guard's linked-worktree override left out), when it is set. */
  hooksPath: string | undefined;
  /** Absolute dir git runs hooks from in this work tree. */
  runDir: string;
  /** Absolute dir of the scripts people edit in this work tree: husky's hook dir, else runDir. */
  scriptDir: string;
  /** husky 9 layout: core.hooksPath points at `<dir>/_`, whose stubs run `<dir>/<hook>`. */
  husky: boolean;
  /** Absolute common git dir, shared by every work tree of the repository. */
  commonDir: string;
  /** Whether this is a linked worktree (its git dir is not the common dir). */
  linked: boolean;
  /**
   * husky's hook dir relative to the work tree, when core.hooksPath is
   * husky's relative `<dir>/_`: linked worktrees then need guard's runner
   * (see worktreeHookRunner). `.git/hooks`, or a core.hooksPath that is
   * absolute or tracked, are the same in every work tree.
   */
  huskyDir: string | undefined;
  /** Absolute dir of guard's linked-worktree runner, in the common git dir. */
  runnerDir: string;
  /** Whether guard's include sets this work tree's core.hooksPath (a linked worktree of a repository set up by guard init). */
  overridden: boolean;
}

/**
 * Where git looks for hooks in the work tree at `root`
 * (https://git-scm.com/docs/githooks#_description: `core.hooksPath`, relative
 * to the work tree's top level, else `$GIT_COMMON_DIR/hooks`).
 */
export async function hooksLayout(root: string): Promise<HooksLayout> {
  const [shown, gitPath, common, gitDir] = await Promise.all([
    // https://git-scm.com/docs/git-config#Documentation/git-config.txt---show-origin: "origin NUL value NUL" with -z; exit 1 when unset.
    runGit(root, ['config', '--show-origin', '-z', '--get', 'core.hooksPath'], { allowExit: [1] }).then(splitNul),
    git(root, ['rev-parse', '--git-path', 'hooks']),
    git(root, ['rev-parse', '--path-format=absolute', '--git-common-dir']),
    git(root, ['rev-parse', '--absolute-git-dir']),
  ]);
  const commonDir = common ?? path.join(root, '.git');
  const runDir = path.resolve(root, gitPath ?? '.git/hooks');
  const runnerDir = path.join(commonDir, WORKTREE_RUNNER_DIR);
  // guard's override for linked worktrees: the repository's own value is the one without includes.
  const overridden = shown[0]?.endsWith(`/${WORKTREE_RUNNER_CONFIG}`) === true;
  const hooksPath = overridden ? await git(root, ['config', '--no-includes', '--get', 'core.hooksPath']) : shown[1];
  const husky = hooksPath !== undefined && path.basename(path.resolve(root, hooksPath)) === '_';
  const scriptDir = husky ? path.dirname(path.resolve(root, hooksPath)) : runDir;
  const huskyDir = husky && !path.isAbsolute(hooksPath) ? path.posix.dirname(hooksPath.replace(/\/+$/, '')) : undefined;
  return {
    hooksPath,
    runDir,
    scriptDir,
    husky,
    commonDir,
    linked: gitDir !== undefined && path.resolve(gitDir) !== path.resolve(commonDir),
    huskyDir,
    runnerDir,
    overridden,
  };
}

export type HookState =
  | { active: true; script: string }
  | { active: false; reason: string; fix: string };

/** Whether git would run guard for `hook` in this layout, and if not, why and what to do. */
export function hookState(layout: HooksLayout, hook: GuardHook): HookState {
  const runner = path.join(layout.runDir, hook);
  const rerunInit = 'run guard init (once per clone: it makes git run the hooks in every linked worktree, present and future)';
  if (layout.overridden && layout.huskyDir === undefined) {
    return { active: false, reason: `guard's linked-worktree runner is configured, but core.hooksPath is ${layout.hooksPath ?? 'unset'}, not husky's`, fix: rerunInit };
  }
  if (!existsSync(runner)) {
    if (!layout.husky) return { active: false, reason: `${runner} does not exist`, fix: 'run guard init' };
    return layout.linked
      ? { active: false, reason: `${runner} is missing: husky generates ${path.basename(layout.scriptDir)}/_ per work tree (npm install), so git runs no hook in this linked worktree`, fix: rerunInit }
      : { active: false, reason: `${runner} is missing (husky's generated folder)`, fix: `run npm install (or npx husky ${path.basename(layout.scriptDir)}) in this work tree` };
  }
  if (!executable(runner)) return { active: false, reason: `${runner} is not executable`, fix: `chmod +x ${runner}` };
  if (layout.overridden && layout.huskyDir !== undefined && readText(runner) !== worktreeHookRunner(hook, layout.huskyDir)) {
    return { active: false, reason: `${runner} is not the runner guard init writes for ${layout.huskyDir}/`, fix: rerunInit };
  }
  const script = layout.husky ? path.join(layout.scriptDir, hook) : runner;
  const text = readText(script);
  if (text === undefined) return { active: false, reason: `${script} does not exist`, fix: 'run guard init, and commit the hook scripts it writes' };
  if (!runsGuard(text, hook)) return { active: false, reason: `${script} does not run guard hook ${hook}`, fix: 'run guard init (it adds guard to the script)' };
  return { active: true, script };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
