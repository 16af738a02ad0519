import { yamlList, yamlScalar } from '../lockfile/format/index.js';
import type { PackageManifest } from './package-json.js';

// The hook managers `guard init` joins instead of installing hooks next to
// them (README, "`guard init`" and "Hook managers and CI"), what it adds to
// each, and what it says to add by hand where it cannot.

/** guard's public repository, which the pre-commit framework installs guard from (`.pre-commit-hooks.yaml`). */
export const GUARD_REPOSITORY_URL = 'https://github.com/migration-guard/migration-guard';

/**
 * How a manager's entries start guard: the project's own install, with no
 * npx in between (npx costs a second per hook run resolving the dependency
 * tree, and without a local install `npx guard` fetches an unrelated package
 * named guard from the registry). Missing, the shell says so and the hook
 * fails, so the commit or push stops.
 */
export const GUARD_BIN = 'node_modules/.bin/guard';

/** The pre-commit framework's ids for guard's hooks (`.pre-commit-hooks.yaml`). */
export const FRAMEWORK_HOOK_IDS = { preCommit: 'migration-guard', prePush: 'migration-guard-pre-push' } as const;

/** The name of guard's command in lefthook's config. */
export const LEFTHOOK_COMMAND = 'migration-guard';

/** The git hooks guard joins in a manager (pre-merge-commit: a merge without conflicts skips pre-commit). */
export type ManagedHook = 'pre-commit' | 'pre-merge-commit' | 'pre-push';
export const MANAGED_HOOKS: readonly ManagedHook[] = ['pre-commit', 'pre-merge-commit', 'pre-push'];

/** The config files the pre-commit framework reads: only this name, unless `-c` is given to every command. */
export const FRAMEWORK_CONFIG = '.pre-commit-config.yaml';

/** lefthook's main config names, as lefthook looks them up (https://lefthook.dev/configuration/#config-file-name). */
export const LEFTHOOK_CONFIGS: readonly string[] = ['yml', 'yaml', 'toml', 'json', 'jsonc'].flatMap((ext) => [`lefthook.${ext}`, `.lefthook.${ext}`, `.config/lefthook.${ext}`]);

/**
 * simple-git-hooks' config files in the order it reads them, before the
 * "simple-git-hooks" key of package.json (its `_getConfig`).
 */
export const SIMPLE_GIT_HOOKS_CONFIGS: readonly string[] = [
  '.simple-git-hooks.cjs',
  '.simple-git-hooks.js',
  '.simple-git-hooks.mjs',
  'simple-git-hooks.cjs',
  'simple-git-hooks.js',
  'simple-git-hooks.mjs',
  '.simple-git-hooks.json',
  'simple-git-hooks.json',
];

export type HookManagerName = 'pre-commit framework' | 'lefthook' | 'simple-git-hooks' | 'husky';

/** A hook manager a repository uses, and the file that configures it. */
export interface HookManager {
  name: HookManagerName;
  /** The config file guard would edit (package.json for its "simple-git-hooks" key; husky: its hooks dir). */
  config: string;
  /** Other config files of the same manager, of which it reads only one. */
  others?: string[];
}

/**
 * The hook managers a repository uses, read from the files at its root:
 * `.pre-commit-config.yaml`; any of lefthook's config names; a
 * simple-git-hooks config file or its package.json key; husky when
 * `core.hooksPath` is husky's `<dir>/_`.
 *
 * @param exists whether a path relative to the repository root is a file
 */
export function detectHookManagers(exists: (file: string) => boolean, manifest: PackageManifest | undefined, huskyDir: string | undefined): HookManager[] {
  const managers: HookManager[] = [];
  if (exists(FRAMEWORK_CONFIG)) managers.push({ name: 'pre-commit framework', config: FRAMEWORK_CONFIG });
  const lefthook = LEFTHOOK_CONFIGS.filter(exists);
  if (lefthook.length > 0) managers.push({ name: 'lefthook', config: lefthook[0]!, ...(lefthook.length > 1 ? { others: lefthook.slice(1) } : {}) });
  const simple = SIMPLE_GIT_HOOKS_CONFIGS.find(exists);
  // As a dependency alone it installs nothing (its install fails without a config): guard's own repository has it so.
  const inManifest = manifest !== undefined && (manifest as Record<string, unknown>)['simple-git-hooks'] !== undefined;
  if (simple !== undefined || inManifest) managers.push({ name: 'simple-git-hooks', config: simple ?? 'package.json' });
  if (huskyDir !== undefined) managers.push({ name: 'husky', config: huskyDir });
  return managers;
}

/** The shell command a manager runs for `hook`; `pushArgs`: how the manager hands on git's arguments (remote, URL) to pre-push. */
export function guardCommand(hook: ManagedHook, pushArgs?: string): string {
  if (hook !== 'pre-push') return `${GUARD_BIN} hook pre-commit`;
  return pushArgs ? `${GUARD_BIN} hook pre-push ${pushArgs}` : `${GUARD_BIN} hook pre-push`;
}

/** A plain value (scalars, flow lists of scalars, nested mappings, lists of mappings) as block YAML lines. */
export type YamlValue = string | boolean | readonly string[] | { readonly [key: string]: YamlValue } | readonly { readonly [key: string]: YamlValue }[];

/**
 * A string as a person writes it in a block mapping: plain where YAML 1.1
 * (PyYAML, the pre-commit framework's) and 1.2 (lefthook's, the yaml
 * package's) both read it back as that string, else quoted.
 */
function blockScalar(value: string): string {
  const plain = /^[A-Za-z0-9_./][^\n\r\t]*$/.test(value) && !/: | #|:$| $/.test(value) && !/^(?:true|false|yes|no|on|off|null|y|n|[-+.\d_:eE]+)$/i.test(value);
  return plain ? value : yamlScalar(value, false);
}

/** `value` (a mapping) as block YAML lines at column 0, two spaces per level. */
export function yamlLines(value: { readonly [key: string]: YamlValue }): string[] {
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') lines.push(`${key}: ${blockScalar(item)}`);
    else if (typeof item === 'boolean') lines.push(`${key}: ${item}`);
    else if (Array.isArray(item) && item.every((entry) => typeof entry === 'string')) lines.push(`${key}: ${yamlList(item as string[])}`);
    else if (Array.isArray(item)) {
      lines.push(`${key}:`);
      for (const entry of item as { [key: string]: YamlValue }[]) lines.push(...yamlLines(entry).map((line, index) => `  ${index === 0 ? '- ' : '  '}${line}`));
    } else {
      lines.push(`${key}:`, ...yamlLines(item as { [key: string]: YamlValue }).map((line) => `  ${line}`));
    }
  }
  return lines;
}

/** A manager's config file and what to put in it, for a person to do by hand. */
export interface HandEdit {
  manager: HookManagerName;
  file: string;
  /** Why guard did not make the edit itself. */
  reason: string;
  /** What to add, in the file's own language. */
  snippet: string;
}
