import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runsGuard, type GuardHook } from '../core/init/hook-script.js';
import { git } from './sealed-state.js';

export interface HooksLayout {
  /** `core.hooksPath` as configured, when it is set. */
  hooksPath: string | undefined;
  /** Absolute dir git runs hooks from in this work tree. */
  runDir: string;
  /** Absolute dir of the scripts people edit: husky's hook dir, else runDir. */
  scriptDir: string;
  /** husky 9 layout: core.hooksPath points at `<dir>/_`, whose wrappers run `<dir>/<hook>`. */
  husky: boolean;
}

/**
 * Where git looks for hooks in the work tree at `root`
 * (https://git-scm.com/docs/githooks#_description: `core.hooksPath`, relative
 * to the work tree's top level, else `$GIT_COMMON_DIR/hooks`).
 */
export async function hooksLayout(root: string): Promise<HooksLayout> {
  const hooksPath = await git(root, ['config', '--get', 'core.hooksPath']);
  const runDir = path.resolve(root, (await git(root, ['rev-parse', '--git-path', 'hooks'])) ?? '.git/hooks');
  const husky = hooksPath !== undefined && path.basename(runDir) === '_' && (existsSync(path.join(runDir, 'h')) || /(^|\/)_\/?$/.test(hooksPath));
  return { hooksPath, runDir, scriptDir: husky ? path.dirname(runDir) : runDir, husky };
}

export type HookState =
  | { active: true; script: string }
  | { active: false; reason: string };

/** Whether git would run guard for `hook` in this layout, and if not, why. */
export function hookState(layout: HooksLayout, hook: GuardHook): HookState {
  const runner = path.join(layout.runDir, hook);
  if (!existsSync(runner)) {
    return { active: false, reason: layout.husky ? `${runner} is missing (husky's generated folder; run npx husky ${path.basename(layout.scriptDir)} in this work tree)` : `${runner} does not exist` };
  }
  if (!executable(runner)) return { active: false, reason: `${runner} is not executable (chmod +x ${runner})` };
  const script = layout.husky ? path.join(layout.scriptDir, hook) : runner;
  let text: string;
  try {
    text = readFileSync(script, 'utf8');
  } catch {
    return { active: false, reason: `${script} does not exist` };
  }
  if (!runsGuard(text, hook)) return { active: false, reason: `${script} does not run guard hook ${hook}` };
  return { active: true, script };
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
