import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';
import { declaresDependency, detectPackageManager, parseManifest, withScript, type PackageManager } from '../../core/init/package-json.js';
import { GUARD_HOOKS, HOOK_BEGIN, runsGuard, withGuardBlock, type GuardHook } from '../../core/init/hook-script.js';
import { HUSKY_HOOKS, WORKTREE_INCLUDE_KEY, WORKTREE_RUNNER_CONFIG, worktreeHookRunner } from '../../core/init/worktree-runner.js';
import { runGit } from '../../shell/git/run-git.js';
import { hooksLayout } from '../../shell/hooks-dir.js';
import { git } from '../../shell/git/run-git.js';
import { writeFileAtomic } from '../../shell/write-atomic.js';
import type { InitAction } from './init-action.js';
import type { HandEdit } from '../../core/init/hook-managers.js';
import { packageVersion } from '../../shell/guard-version.js';
import { joinHookManager } from './hook-managers.js';

// `guard init`'s hooks: where this repository keeps them, husky's set-up, and
// linked worktrees (README, "`guard init`" and "Hook managers and CI").

/**
 * The hooks, where this repository keeps them: the config of the hook
 * manager it uses (the pre-commit framework, lefthook, simple-git-hooks;
 * what guard cannot add there safely goes to `handEdits`), else an existing
 * core.hooksPath (husky's or another), else husky in `.husky/` or `hooks/`
 * for npm projects, else `.githooks/` with core.hooksPath. Hooks already in
 * `.git/hooks` are never switched off silently: guard's lines join them there.
 */
export async function installHooks(root: string, gitDir: string, warnings: string[], notes: string[], toCommit: string[], handEdits: HandEdit[]): Promise<InitAction[]> {
  const actions: InitAction[] = [];
  let layout = await hooksLayout(root);
  const joined = await joinHookManager(root, layout, packageVersion(), notes, toCommit);
  if (joined) {
    handEdits.push(...joined.handEdits);
    return joined.actions;
  }
  const hasPackage = existsSync(path.join(root, 'package.json'));
  if (layout.hooksPath === undefined) {
    const local = existingHooks(layout.runDir);
    if (hasPackage) {
      const dir = existsSync(path.join(root, '.husky')) ? '.husky' : 'hooks';
      if (local.length > 0) warnings.push(`husky takes over from .git/hooks (${local.join(', ')}): move what they do into ${dir}/, or they stop running`);
      actions.push(...setUpHusky(root, dir, warnings, notes, toCommit));
    } else if (local.length > 0) {
      warnings.push(`guard's lines were added to the hooks in ${path.relative(root, layout.runDir) || layout.runDir}, which are not committed: other clones need guard init too`);
    } else {
      mkdirSync(path.join(root, '.githooks'), { recursive: true });
      await runGit(root, ['config', 'core.hooksPath', '.githooks']);
      actions.push({ target: 'core.hooksPath', status: 'created', detail: '.githooks (each clone: guard init, or git config core.hooksPath .githooks)' });
    }
    layout = await hooksLayout(root);
  } else {
    actions.push({ target: 'core.hooksPath', status: 'kept', detail: layout.hooksPath });
  }
  mkdirSync(layout.scriptDir, { recursive: true });
  for (const hook of GUARD_HOOKS) {
    const file = path.join(layout.scriptDir, hook);
    let existing: string | undefined;
    try {
      existing = readFileSync(file, 'utf8');
    } catch {
      existing = undefined;
    }
    // A script that calls guard by hand (or through another runner) is left as it is; guard's own block is brought up to date.
    const handWritten = existing !== undefined && !existing.includes(HOOK_BEGIN) && runsGuard(existing, hook);
    const next = handWritten ? existing! : withGuardBlock(existing, hook, !layout.husky);
    const shown = path.relative(root, file) || file;
    if (next !== existing) {
      writeFileAtomic(file, next);
      actions.push({ target: shown, status: existing === undefined ? 'created' : 'updated', detail: `runs guard hook ${hook === 'pre-push' ? 'pre-push' : 'pre-commit'}` });
    } else {
      actions.push({ target: shown, status: 'kept', detail: `runs guard hook ${hook === 'pre-push' ? 'pre-push' : 'pre-commit'}` });
    }
    chmodSync(file, 0o755);
    if (!file.startsWith(gitDir + path.sep)) toCommit.push(shown);
  }
  return actions;
}

function existingHooks(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.endsWith('.sample') && GUARD_HOOKS.includes(name as GuardHook));
  } catch {
    return [];
  }
}

/**
 * husky 9: its own installer points core.hooksPath at `<dir>/_`; `prepare`
 * repeats that on every install, so it is added only where husky is a
 * dependency of the project (else the install would fail on a missing
 * `husky` command). package.json keeps its formatting: only the one script
 * changes.
 */
function setUpHusky(root: string, dir: string, warnings: string[], notes: string[], toCommit: string[]): InitAction[] {
  const actions: InitAction[] = [];
  const manifestPath = path.join(root, 'package.json');
  const text = readFileSync(manifestPath, 'utf8');
  const manifest = parseManifest(text);
  const ownHusky = path.join(root, 'node_modules/husky/bin.js');
  const installed = declaresDependency(manifest, 'husky') || existsSync(ownHusky);
  const bin = existsSync(ownHusky) ? ownHusky : path.join(path.dirname(createRequire(import.meta.url).resolve('husky')), 'bin.js');
  const run = spawnSync(process.execPath, [bin, dir], { cwd: root, encoding: 'utf8' });
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.status !== 0 || said !== '') {
    throw new GuardError(ExitCode.unreadable, `husky could not install the hooks: ${said || `exit ${run.status}`}`, { fix: 'run guard init in the repository top level, with git on PATH (and HUSKY unset)' });
  }
  actions.push({ target: 'core.hooksPath', status: 'created', detail: `${dir}/_ (husky)` });

  const manager = detectPackageManager(manifest, new Set(readdirSync(root)));
  const install = dir === '.husky' ? 'husky' : `husky ${dir}`;
  const scripts = manifest.scripts as Record<string, unknown> | undefined;
  const prepare = typeof scripts?.prepare === 'string' ? scripts.prepare : undefined;
  if (prepare?.includes('husky')) {
    actions.push({ target: 'package.json', status: 'kept', detail: `scripts.prepare: ${prepare}` });
    notes.push(otherClones(manager));
    return actions;
  }
  const wanted = prepare ? `${prepare} && ${install}` : install;
  if (!installed) {
    warnings.push(
      `husky is not a dependency in package.json, so guard init added no "prepare" script (\`${manager.install}\` would fail on it): the hooks are active in this clone only, and each other clone runs guard init. To have \`${manager.install}\` activate them in every clone: ${manager.addDev('husky')}, then guard init again (it adds "prepare": "${wanted}")`,
    );
    return actions;
  }
  writeFileAtomic(manifestPath, withScript(text, 'prepare', wanted).text);
  actions.push({ target: 'package.json', status: 'updated', detail: `scripts.prepare: ${wanted} (${manager.install} activates the hooks)` });
  notes.push(otherClones(manager));
  toCommit.push('package.json');
  return actions;
}

/** What each other clone runs (the package manager's install runs husky through `prepare`). */
function otherClones(manager: PackageManager): string {
  return `each other clone: ${manager.install} (husky activates the hooks), then guard init (the merge driver)`;
}

/**
 * A husky repository's hooks in every linked worktree, present and future:
 * husky's `core.hooksPath` (`<dir>/_`) is relative, so git resolves it in each
 * work tree, and the folder exists only where npm install ran. guard writes a
 * runner per husky hook into the common git dir and, through an include that
 * only linked worktrees match, points their `core.hooksPath` at it; husky's
 * `prepare` resets only its own line, which the include overrides (see
 * worktreeHookRunner). Other layouts need nothing: `.git/hooks`, an absolute
 * or a tracked `core.hooksPath` are the same in every work tree. A runner
 * left from a husky layout that is gone is switched off.
 */
export async function guardLinkedWorktrees(root: string): Promise<InitAction[]> {
  const layout = await hooksLayout(root);
  const included = (await git(root, ['config', '--get', WORKTREE_INCLUDE_KEY])) === WORKTREE_RUNNER_CONFIG;
  if (layout.huskyDir === undefined) {
    if (!included) return [];
    await runGit(root, ['config', '--unset-all', WORKTREE_INCLUDE_KEY]);
    return [{ target: 'linked worktrees', status: 'updated', detail: `core.hooksPath ${layout.hooksPath ?? 'unset'} is the same in every work tree: guard's runner for husky switched off` }];
  }
  let changed = false;
  mkdirSync(layout.runnerDir, { recursive: true });
  for (const hook of HUSKY_HOOKS) {
    const file = path.join(layout.runnerDir, hook);
    const text = worktreeHookRunner(hook, layout.huskyDir);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      writeFileAtomic(file, text);
      changed = true;
    }
    chmodSync(file, 0o755);
  }
  const settings: [string[], string, string][] = [
    [['--file', path.join(layout.commonDir, WORKTREE_RUNNER_CONFIG)], 'core.hooksPath', layout.runnerDir],
    [[], WORKTREE_INCLUDE_KEY, WORKTREE_RUNNER_CONFIG],
  ];
  for (const [file, key, value] of settings) {
    if ((await git(root, ['config', ...file, '--get', key])) === value) continue;
    await runGit(root, ['config', ...file, key, value]);
    changed = true;
  }
  return [{ target: 'linked worktrees', status: changed ? 'created' : 'kept', detail: `core.hooksPath ${layout.runnerDir} (runs ${layout.huskyDir}/<hook> where husky's ${layout.huskyDir}/_ was never generated)` }];
}
