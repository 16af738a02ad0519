import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIND_GUARD, GUARD_HOOKS, mergeDriverCommand } from '../core/init/hook-script.js';
import { HUSKY_HOOKS, WORKTREE_INCLUDE_KEY, WORKTREE_RUNNER_CONFIG, worktreeHookRunner } from '../core/init/worktree-runner.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit, splitNul } from '../shell/git/run-git.js';
import { hookState, hooksLayout } from '../shell/hooks-dir.js';
import { loadConfig } from '../shell/load-config.js';
import { git } from '../shell/git/run-git.js';
import type { CommandDefinition } from './context.js';
import { managedHookState } from '../shell/managed-hooks.js';
import { MERGE_DRIVER_NAME } from '../core/init/merge-driver-name.js';
import { verifyRepository, type VerifyResult } from '../services/verify-repository.js';
import { describeSet } from '../services/describe-set.js';
import type { GuardConfig } from '../core/config/validate-config.js';
import { connectionUrls } from '../core/deploy/resolve-environment.js';
import { redactUrl } from '../core/deploy/redact-url.js';
import { flywayOutOfOrderAbove } from '../core/tools/flyway/flyway-settings.js';
import { readFileIfRegular } from '../shell/read-bounded-file.js';

export interface DoctorCheck {
  /** `config`, `lockfile`, `hook pre-commit (/path/to/worktree)`, `merge driver`. */
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'doctor';
  ok: boolean;
  exitCode: number;
  checks: DoctorCheck[];
}

/**
 * `guard doctor`: is guard really protecting this checkout? The config is
 * valid, the lockfile matches, git would run guard's pre-commit and pre-push
 * hooks in this work tree and in each linked worktree (a husky `_` folder
 * is generated per work tree and missing in a fresh one, see
 * worktreeHookRunner), and in worktrees added later; guard can be started
 * from each; and the lockfile merge driver is registered.
 *
 * @example
 * const { ok, checks } = await diagnoseRepository({ cwd: process.cwd() });
 */
export async function diagnoseRepository(options: { cwd: string; configPath?: string | undefined; env?: NodeJS.ProcessEnv }): Promise<DoctorResult> {
  const repository = await openRepository(options.cwd);
  const root = repository.root;
  const checks: DoctorCheck[] = [];

  let configOk = false;
  let config: GuardConfig | undefined;
  try {
    const loaded = await loadConfig(root, options.configPath, repository.gitDir);
    config = loaded.config;
    const source = loaded.source;
    configOk = true;
    checks.push({ check: 'config', ok: true, detail: `${source}: ${config.migrations.map((set) => set.dir).join(', ')}` });
  } catch (error) {
    checks.push({ check: 'config', ok: false, detail: (error as Error).message, fix: (error as { fix?: string }).fix ?? 'run guard init' });
  }
  if (configOk) {
    try {
      const result = await verifyRepository({ cwd: root, configPath: options.configPath, source: { kind: 'worktree' } });
      const first = result.findings[0];
      checks.push(
        first
          ? { check: 'lockfile', ok: false, detail: `${result.findings.length} problem(s), first: ${first.message}`, fix: first.fix }
          : { check: 'lockfile', ok: true, detail: `${LOCKFILE_NAME} matches the migrations` },
      );
      checks.push(...setChecks(result));
      checks.push(...flywayOrderChecks(root, config!));
    } catch (error) {
      checks.push({ check: 'lockfile', ok: false, detail: (error as Error).message, fix: (error as { fix?: string }).fix ?? 'run guard lock' });
    }
  }

  const all = await worktrees(root);
  for (const worktree of all) {
    const layout = await hooksLayout(worktree);
    const where = worktree === root ? '' : ` (worktree ${worktree})`;
    for (const hook of GUARD_HOOKS) {
      const state = hookState(layout, hook);
      // The pre-commit framework's and lefthook's scripts run what their config says (README, "Hook managers and CI").
      const managed = state.active || layout.husky ? undefined : await managedHookState(worktree, path.join(layout.runDir, hook), hook);
      if (managed) {
        const runner = path.relative(worktree, path.join(layout.runDir, hook));
        checks.push(
          managed.runs
            ? { check: `hook ${hook}${where}`, ok: true, detail: `${runner} (${managed.manager}) runs guard from ${managed.config}` }
            : { check: `hook ${hook}${where}`, ok: false, detail: `${runner} is the ${managed.manager}'s, and ${managed.config} does not run guard hook ${hook === 'pre-push' ? 'pre-push' : 'pre-commit'} there`, fix: `run guard init (it adds guard to ${managed.config})` },
        );
        continue;
      }
      checks.push(
        state.active
          ? { check: `hook ${hook}${where}`, ok: true, detail: `${path.relative(worktree, state.script) || state.script} runs guard` }
          : { check: `hook ${hook}${where}`, ok: false, detail: state.reason, fix: state.fix },
      );
    }
    checks.push({ ...guardReachable(worktree, layout.commonDir), check: `guard command${where}` });
  }
  checks.push(...(await futureWorktrees(root)));
  checks.push(...(await mergeDriver(root, all)));
  if (config) checks.push(...(await environmentsReachable(config, options.env ?? process.env)));

  const ok = checks.every((check) => check.ok);
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'doctor', ok, exitCode: ok ? 0 : 1, checks };
}

/**
 * One line per set: how many files guard guards there and what the config
 * excludes, so nothing in a migration dir is left out without a word. The
 * set's warnings (legacy names, zero-padding, files in sub-folders the set
 * does not read, exclude patterns that match nothing) are said, not failed.
 */
function setChecks(result: VerifyResult): DoctorCheck[] {
  return result.sets.map((set): DoctorCheck => {
    const warnings = (result.warnings ?? []).filter((warning) => warning.set === set.dir);
    const noted = warnings.length === 0 ? '' : `; ${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'} (guard verify lists them), first: ${warnings[0]!.message}`;
    return { check: `set ${set.dir}`, ok: true, detail: `${describeSet(set).slice(set.dir.length + 1)}${noted}` };
  });
}

/**
 * A Flyway set whose project runs Flyway with `outOfOrder=true` (flyway.conf,
 * flyway.toml, Spring Boot's application.properties or .yml, in the set's dir
 * or a folder above it) but whose config does not say `outOfOrder:`: guard
 * would refuse every migration added to an older release line.
 */
function flywayOrderChecks(root: string, config: GuardConfig): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const set of config.migrations) {
    if (set.tool !== 'flyway' || set.outOfOrder !== undefined) continue;
    const setting = flywayOutOfOrderAbove(set.dir, (file) => readFileIfRegular(path.join(root, file), { followSymlinks: true })?.toString('utf8'));
    if (setting?.outOfOrder !== true) continue;
    checks.push({
      check: `set ${set.dir} order`,
      ok: false,
      detail: `${setting.file} runs Flyway with outOfOrder on, but the config does not say so: guard would refuse every migration added to an older release line`,
      fix: `add \`outOfOrder: allow\` to ${set.dir} in the config (or \`outOfOrder: refuse\` to keep refusing them)`,
    });
  }
  return checks;
}

/**
 * Each environment whose variables are set here can be connected to (and its
 * password never shown). An environment whose variable is not set on this
 * machine is normal (a laptop has no production URL): it is listed as not
 * checked, not as a failure.
 */
async function environmentsReachable(config: GuardConfig, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const environment of config.environments) {
    if (environment.database === undefined) continue;
    let urls: { databaseUrl: string; ledgerUrl: string };
    try {
      urls = connectionUrls(environment, env);
    } catch (error) {
      checks.push({ check: `environment ${environment.name}`, ok: true, detail: `not checked here: ${(error as Error).message.replace(/^environment \S+: /, '')}` });
      continue;
    }
    const { connect, disconnect } = await import('../shell/postgres/connect.js');
    try {
      const client = await connect(urls.databaseUrl, { applicationName: `guard doctor ${environment.name}`, source: environment.database, connectTimeoutMs: 5000 });
      await disconnect(client);
      checks.push({ check: `environment ${environment.name}`, ok: true, detail: `${redactUrl(urls.databaseUrl)} answers` });
    } catch (error) {
      checks.push({ check: `environment ${environment.name}`, ok: false, detail: (error as Error).message, fix: (error as { fix?: string }).fix ?? 'check the URL and the network' });
    }
  }
  return checks;
}

/** Every work tree of the repository (https://git-scm.com/docs/git-worktree#_porcelain_format), main first. */
async function worktrees(root: string): Promise<string[]> {
  const records = splitNul(await runGit(root, ['worktree', 'list', '--porcelain', '-z']));
  const found: string[] = [];
  let current: string | undefined;
  let usable = true;
  const flush = () => {
    if (current && usable && existsSync(current)) found.push(current);
    current = undefined;
    usable = true;
  };
  for (const record of records) {
    if (record === '') flush();
    else if (record.startsWith('worktree ')) current = record.slice('worktree '.length);
    else if (record === 'bare' || record.startsWith('prunable')) usable = false;
  }
  flush();
  return found.length > 0 ? found : [root];
}

/**
 * Whether the hooks and the merge driver of `worktree` can start guard, looked
 * up as they look it up (FIND_GUARD): this work tree's node_modules/.bin, the
 * main work tree's, else PATH (guard's own repository runs its build).
 */
function guardReachable(worktree: string, commonDir: string): DoctorCheck {
  const candidates = [
    path.join(worktree, 'node_modules/.bin/guard'),
    path.join(commonDir, '../node_modules/.bin/guard'),
    path.join(worktree, 'dist/bin/guard.js'),
  ];
  const found = candidates.find((file) => usable(file, file.endsWith('.js') ? constants.R_OK : constants.X_OK)) ?? onPath('guard');
  return found
    ? { check: 'guard command', ok: true, detail: found }
    : { check: 'guard command', ok: false, detail: 'the hooks cannot find guard (not in node_modules/.bin here nor in the main work tree, not on PATH)', fix: 'npm install --save-dev migration-guard (or npm install -g migration-guard)' };
}

/** `name` as the shell finds it on PATH, when it does. */
function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)).find((file) => usable(file, constants.X_OK));
}

function usable(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * A husky repository: a worktree added later runs the hooks only through
 * guard's runner (husky's `<dir>/_` is generated per work tree), so its
 * include and its scripts must be in place before any worktree exists.
 */
async function futureWorktrees(root: string): Promise<DoctorCheck[]> {
  const layout = await hooksLayout(root);
  if (layout.huskyDir === undefined) return [];
  const check = 'hooks in new linked worktrees';
  const fix = 'run guard init (once per clone)';
  const include = await git(root, ['config', '--get', WORKTREE_INCLUDE_KEY]);
  const target = await git(root, ['config', '--file', path.join(layout.commonDir, WORKTREE_RUNNER_CONFIG), '--get', 'core.hooksPath']);
  if (include !== WORKTREE_RUNNER_CONFIG || target !== layout.runnerDir) {
    return [{ check, ok: false, detail: `a new worktree has no ${layout.huskyDir}/_ (husky generates it per work tree), and git would run no hook there`, fix }];
  }
  const stale = HUSKY_HOOKS.filter((hook) => {
    try {
      return readFileSync(path.join(layout.runnerDir, hook), 'utf8') !== worktreeHookRunner(hook, layout.huskyDir!);
    } catch {
      return true;
    }
  });
  if (stale.length > 0) return [{ check, ok: false, detail: `guard's runner in ${layout.runnerDir} is missing or outdated: ${stale.join(', ')}`, fix }];
  return [{ check, ok: true, detail: `run ${layout.huskyDir}/<hook> through ${layout.runnerDir}` }];
}

async function mergeDriver(root: string, all: string[]): Promise<DoctorCheck[]> {
  // https://git-scm.com/docs/git-check-attr#_output: "<path> NUL <attribute> NUL <info> NUL"
  const attribute = splitNul(await runGit(root, ['check-attr', '-z', 'merge', '--', LOCKFILE_NAME]))[2];
  const driver = await git(root, ['config', '--get', `merge.${MERGE_DRIVER_NAME}.driver`]);
  const checks: DoctorCheck[] = [
    attribute === MERGE_DRIVER_NAME
      ? { check: 'merge driver attribute', ok: true, detail: `${LOCKFILE_NAME} merge=${MERGE_DRIVER_NAME}` }
      : { check: 'merge driver attribute', ok: false, detail: `${LOCKFILE_NAME} has merge=${attribute ?? 'unspecified'}`, fix: `run guard init (adds "${LOCKFILE_NAME} merge=${MERGE_DRIVER_NAME}" to .gitattributes)` },
  ];
  const check = 'merge driver command';
  if (!driver) {
    checks.push({ check, ok: false, detail: `merge.${MERGE_DRIVER_NAME}.driver is not set in this clone's git config`, fix: 'run guard init (git config is per clone)' });
  } else if (driver === mergeDriverCommand()) {
    // The search is the hooks' own; each work tree's "guard command" line says whether it finds guard.
    checks.push({ check, ok: true, detail: 'guard merge-driver, with guard from node_modules/.bin (each work tree\'s, else the main one\'s) or PATH' });
  } else if (driver.startsWith(FIND_GUARD[0]!)) {
    checks.push({ check, ok: false, detail: `merge.${MERGE_DRIVER_NAME}.driver was written by another version of guard init`, fix: 'run guard init' });
  } else {
    // A fixed command runs at the top level of whichever work tree merges.
    const words = driver.split(' ');
    const program = words[0] === 'node' && words[1] ? words[1] : words[0]!;
    const missing = program === 'guard' ? (onPath('guard') ? [] : ['PATH']) : all.filter((worktree) => !existsSync(path.resolve(worktree, program)));
    checks.push(
      missing.length === 0
        ? { check, ok: true, detail: driver }
        : { check, ok: false, detail: `${driver}: ${program} does not exist in ${missing.join(', ')}`, fix: 'run guard init again (the driver then finds guard from every work tree)' },
    );
  }
  return checks;
}

export const doctorCommand: CommandDefinition<DoctorResult> = {
  name: 'doctor',
  summary: 'check that guard really protects this checkout',
  help: `Usage: guard doctor [--format text|json]

Checks, and says how to fix each problem:
  - the config is valid and ${LOCKFILE_NAME} matches the migrations;
  - git would run guard's pre-commit, pre-merge-commit and pre-push hooks, here and in every
    linked worktree (core.hooksPath, husky's generated _ folder or guard's
    runner for worktrees without one, the executable bit, the scripts
    really calling guard), and in worktrees added later;
  - the hooks of each work tree can start guard (node_modules/.bin there or
    in the main work tree, or PATH);
  - the lockfile merge driver is registered (.gitattributes and git config);
  - each environment whose database variable is set here answers (one
    whose variable is not set, like production on a laptop, is not checked).

Options:
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 all good; 1 something is not set up (each line says the fix);
3 git could not be read.`,
  options: {},
  allowPositionals: false,
  async run(context) {
    return diagnoseRepository({ cwd: context.cwd, configPath: context.configPath, env: context.env });
  },
};
