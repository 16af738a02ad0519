import { inputError } from '../guard-error.js';
import { runsGuard } from './hook-script.js';
import { FRAMEWORK_CONFIG, FRAMEWORK_HOOK_IDS, GUARD_REPOSITORY_URL, guardCommand, yamlLines, type ManagedHook, type YamlValue } from './hook-managers.js';
import { appendToBlock, checkedEdit, openYaml } from './yaml-insert.js';

// guard in the pre-commit framework's `.pre-commit-config.yaml`
// (https://pre-commit.com/#plugins): either guard's repository at a release
// tag, which the framework installs guard from, or, in a project that has
// guard as an npm dependency, a `repo: local` hook running that install.

/** How the framework gets guard. */
export interface FrameworkSource {
  /** `repo: local` running the project's own guard, else guard's repository at `rev`. */
  local: boolean;
  /** guard's version: the release tag is `v<version>`. */
  version: string;
}

/** A manager's config after guard's entries were added, and what was added. */
export interface ConfigEdit {
  text: string;
  changed: boolean;
  /** What guard's entries are, for init's report. */
  detail: string;
}

type Hook = { [key: string]: YamlValue };

/** guard's two hooks as `repo: local` defines them (the framework needs name, entry and language there). */
function localHooks(): { preCommit: Hook; prePush: Hook } {
  const common = { language: 'system', pass_filenames: false, always_run: true };
  return {
    preCommit: { id: FRAMEWORK_HOOK_IDS.preCommit, name: 'migration-guard', entry: guardCommand('pre-commit'), ...common, stages: ['pre-commit', 'pre-merge-commit'] },
    // The framework runs pre-push hooks with git's list of pushed refs read by itself: guard's pre-push reads its variables.
    prePush: { id: FRAMEWORK_HOOK_IDS.prePush, name: 'migration-guard (pre-push)', entry: guardCommand('pre-push'), ...common, require_serial: true, stages: ['pre-push'] },
  };
}

/**
 * Which entry of `repos:` runs guard for `hook` (its hook id, or an entry
 * calling `guard hook ...`), or -1. The framework's pre-merge-commit stage
 * runs the pre-commit hook (its `stages:`).
 */
export function entryRunningGuard(config: unknown, hook: ManagedHook): number {
  const repos = (config as { repos?: unknown } | null)?.repos;
  if (!Array.isArray(repos)) return -1;
  const [id, command] = hook === 'pre-push' ? [FRAMEWORK_HOOK_IDS.prePush, 'pre-push' as const] : [FRAMEWORK_HOOK_IDS.preCommit, 'pre-commit' as const];
  const runs = (entry: unknown) => typeof entry === 'object' && entry !== null && ((entry as Hook).id === id || (typeof (entry as Hook).entry === 'string' && runsGuard((entry as Hook).entry as string, command)));
  return repos.findIndex((repo: { hooks?: unknown } | null) => Array.isArray(repo?.hooks) && repo.hooks.some(runs));
}

/** The repository entry guard adds to `repos:`. */
export function frameworkRepo(source: FrameworkSource): Hook {
  if (source.local) {
    const hooks = localHooks();
    return { repo: 'local', hooks: [hooks.preCommit, hooks.prePush] };
  }
  return { repo: GUARD_REPOSITORY_URL, rev: `v${source.version}`, hooks: [{ id: FRAMEWORK_HOOK_IDS.preCommit }, { id: FRAMEWORK_HOOK_IDS.prePush }] };
}

/** What to add by hand: the whole entry under `repos:`. */
export function frameworkSnippet(source: FrameworkSource): string {
  return ['repos:', ...yamlLines({ x: [frameworkRepo(source)] }).slice(1)].join('\n');
}

/**
 * `.pre-commit-config.yaml` with guard's hooks: a new entry at the end of
 * `repos:`, or, where a repository entry already runs one of guard's two
 * hooks, the other added to that entry's `hooks:`. Every other byte stays.
 * A hook runs guard when its id is guard's or its entry calls `guard hook`.
 *
 * @throws GuardError exit 2 when the file is not YAML guard reads (anchors,
 *   aliases, tags, a syntax error) or `repos:` is not a block list
 */
export async function withGuardInFrameworkConfig(text: string, source: FrameworkSource): Promise<ConfigEdit> {
  const fix = `add guard's hooks to ${FRAMEWORK_CONFIG} by hand:\n${frameworkSnippet(source)}`;
  const yaml = await openYaml(text, FRAMEWORK_CONFIG, fix);
  const value = yaml.value as { repos?: unknown } | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray(value.repos)) {
    throw inputError(`${FRAMEWORK_CONFIG} has no list of repos (\`repos:\`)`, { fix });
  }
  const repos = value.repos as { repo?: unknown; hooks?: unknown }[];
  const preCommitAt = entryRunningGuard(value, 'pre-commit');
  const prePushAt = entryRunningGuard(value, 'pre-push');
  if (preCommitAt !== -1 && prePushAt !== -1) return { text, changed: false, detail: `hooks ${FRAMEWORK_HOOK_IDS.preCommit} and ${FRAMEWORK_HOOK_IDS.prePush}` };

  const expected = structuredClone(value) as { repos: { hooks: unknown[] }[] };
  let edited: string;
  let detail: string;
  if (preCommitAt === -1 && prePushAt === -1) {
    const block = yaml.blockAt(['repos']);
    if (!block || block.kind !== 'seq') throw inputError(`${FRAMEWORK_CONFIG}: \`repos:\` is not a block list guard can add to`, { fix });
    const repo = frameworkRepo(source);
    edited = appendToBlock(yaml, block, [yamlLines(repo)]);
    expected.repos.push(repo as never);
    detail = `${source.local ? 'repo: local' : `${GUARD_REPOSITORY_URL} rev v${source.version}`}, hooks ${FRAMEWORK_HOOK_IDS.preCommit} and ${FRAMEWORK_HOOK_IDS.prePush}`;
  } else {
    // One of the two is there: the other joins the same entry, defined as that entry defines hooks.
    const at = preCommitAt === -1 ? prePushAt : preCommitAt;
    const local = repos[at]!.repo === 'local';
    const hooks = localHooks();
    const missing = preCommitAt === -1 ? (local ? hooks.preCommit : { id: FRAMEWORK_HOOK_IDS.preCommit }) : local ? hooks.prePush : { id: FRAMEWORK_HOOK_IDS.prePush };
    const block = yaml.blockAt(['repos', at, 'hooks']);
    if (!block || block.kind !== 'seq') throw inputError(`${FRAMEWORK_CONFIG}: the \`hooks:\` of the entry that runs guard is not a block list guard can add to`, { fix });
    edited = appendToBlock(yaml, block, [yamlLines(missing)]);
    expected.repos[at]!.hooks.push(missing);
    detail = `hook ${missing.id as string} added beside ${preCommitAt === -1 ? FRAMEWORK_HOOK_IDS.prePush : FRAMEWORK_HOOK_IDS.preCommit}`;
  }
  return { text: await checkedEdit(yaml, edited, expected, fix), changed: true, detail };
}
