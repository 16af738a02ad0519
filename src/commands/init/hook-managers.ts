import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GuardError } from '../../core/guard-error.js';
import { ExitCode } from '../../core/exit-codes.js';
import { detectHookManagers, GUARD_REPOSITORY_URL, type HandEdit, type HookManager } from '../../core/init/hook-managers.js';
import { isFile } from '../../shell/managed-hooks.js';
import { lefthookSnippet, withGuardInLefthook } from '../../core/init/lefthook-config.js';
import { declaresDependency, parseManifest } from '../../core/init/package-json.js';
import { frameworkSnippet, withGuardInFrameworkConfig, type ConfigEdit, type FrameworkSource } from '../../core/init/pre-commit-config.js';
import { simpleGitHooksSnippet, withGuardInSimpleGitHooks } from '../../core/init/simple-git-hooks.js';
import type { HooksLayout } from '../../shell/hooks-dir.js';
import { writeFileAtomic } from '../../shell/write-atomic.js';
import type { InitAction } from './init-action.js';

// `guard init` in a repository whose hooks a manager installs: guard's hooks
// go into that manager's config, and no hook script of guard's goes next to
// it (README, "`guard init`", step 3).

/** What joining a hook manager did, or what a person must add by hand. */
export interface ManagerSetup {
  actions: InitAction[];
  handEdits: HandEdit[];
}

/** What each other clone (and this one) runs so the manager installs the hooks. */
const INSTALL_STEP: Record<'pre-commit framework' | 'lefthook' | 'simple-git-hooks', string> = {
  'pre-commit framework': 'pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push',
  lefthook: 'npx lefthook install (lefthook\'s npm package also runs it on npm install)',
  'simple-git-hooks': 'npx simple-git-hooks (its npm package also runs it on npm install; run it again after each change of its config)',
};

/**
 * The hook manager this repository uses, joined: guard's hooks added to its
 * config, the config otherwise as it was. Undefined when it uses none but
 * husky or plain hook scripts (init installs guard's scripts then). Where
 * guard cannot edit the config safely, or two managers would install the
 * same hooks, it edits nothing and says what to add by hand.
 *
 * @param version guard's version (the pre-commit framework's `rev`)
 */
export async function joinHookManager(root: string, layout: HooksLayout, version: string, notes: string[], toCommit: string[]): Promise<ManagerSetup | undefined> {
  const exists = (file: string) => isFile(path.join(root, file));
  const manifest = exists('package.json') ? parseManifest(readFileSync(path.join(root, 'package.json'), 'utf8')) : undefined;
  const managers = detectHookManagers(exists, manifest, layout.husky ? path.relative(root, layout.scriptDir) || '.' : undefined);
  const configured = managers.filter((manager) => manager.name !== 'husky');
  if (configured.length === 0) return undefined;
  const source: FrameworkSource = { local: manifest !== undefined && declaresDependency(manifest, 'migration-guard'), version };
  const byHand = (manager: HookManager, reason: string): HandEdit => ({ manager: manager.name, file: manager.config, reason, snippet: snippetFor(manager, source) });

  if (managers.length > 1) {
    const names = managers.map((manager) => `${manager.name} (${manager.name === 'husky' ? `core.hooksPath ${layout.hooksPath}` : manager.config})`).join(', ');
    const reason = `this repository has more than one hook manager: ${names}; each would install the same git hooks, so guard edited none. Add guard to the one whose hooks git runs, by hand`;
    return { actions: [], handEdits: configured.map((manager) => byHand(manager, reason)) };
  }
  const manager = configured[0]!;
  if (layout.hooksPath !== undefined && manager.name !== 'simple-git-hooks') {
    const reason = `core.hooksPath is set (${layout.hooksPath}), so git runs the hooks there, not the ${manager.name}'s (${manager.name === 'lefthook' ? 'lefthook install' : 'pre-commit install'} refuses to install while it is set); guard edited nothing. To move the hooks into ${manager.config}: git config --unset core.hooksPath, then guard init again`;
    return { actions: [], handEdits: [byHand(manager, reason)] };
  }
  if (manager.others) {
    return { actions: [], handEdits: [byHand(manager, `lefthook reads one of ${[manager.config, ...manager.others].join(', ')}, and which one is not defined; keep one, then guard init again, or add guard to it by hand`)] };
  }
  const editable = manager.name === 'lefthook' ? /\.ya?ml$/.test(manager.config) : manager.name === 'simple-git-hooks' ? manager.config.endsWith('.json') : true;
  if (!editable) {
    const kind = manager.name === 'lefthook' ? "lefthook's YAML configs" : "simple-git-hooks' JSON configs (package.json, .simple-git-hooks.json)";
    return { actions: [], handEdits: [byHand(manager, `guard edits ${kind}, not ${manager.config}; add guard's commands to it by hand`)] };
  }

  const file = path.join(root, manager.config);
  const text = readFileSync(file, 'utf8');
  let edit: ConfigEdit;
  try {
    edit =
      manager.name === 'pre-commit framework'
        ? await withGuardInFrameworkConfig(text, source)
        : manager.name === 'lefthook'
          ? await withGuardInLefthook(text, manager.config)
          : withGuardInSimpleGitHooks(text, manager.config);
  } catch (error) {
    if (!(error instanceof GuardError) || error.exitCode !== ExitCode.input) throw error;
    return { actions: [], handEdits: [byHand(manager, `${error.message}; guard edited nothing`)] };
  }
  if (edit.changed) writeFileAtomic(file, edit.text);
  toCommit.push(manager.config);
  const step = INSTALL_STEP[manager.name as keyof typeof INSTALL_STEP];
  notes.push(`${manager.name === 'pre-commit framework' ? 'the pre-commit framework' : manager.name} installs guard's hooks: run ${step}${edit.changed ? ' now, and in each other clone' : ' in each clone'}`);
  if (manager.name === 'pre-commit framework' && !source.local && edit.changed) {
    notes.push(`the framework installs guard itself, from ${GUARD_REPOSITORY_URL} at v${version}; a project that has migration-guard as an npm dependency gets a \`repo: local\` hook running that install instead`);
  }
  return { actions: [{ target: manager.config, status: edit.changed ? 'updated' : 'kept', detail: `${manager.name}: ${edit.detail}` }], handEdits: [] };
}

/** What to add to a manager's config by hand. */
function snippetFor(manager: HookManager, source: FrameworkSource): string {
  switch (manager.name) {
    case 'pre-commit framework':
      return frameworkSnippet(source);
    case 'lefthook':
      return lefthookSnippet(manager.config);
    default:
      return simpleGitHooksSnippet(manager.config);
  }
}
