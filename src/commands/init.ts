import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { GuardError, inputError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { withMergeAttribute } from '../core/init/gitattributes.js';
import { detectMigrationDirs, type DetectedSet } from '../core/init/detect-migration-dirs.js';
import { declaresDependency, detectPackageManager, parseManifest, withScript, type PackageManager } from '../core/init/package-json.js';
import { describeUnsupported, detectUnsupportedMigrations, leftOutForUnsupported, SUPPORTED_TOOLS, unsupportedHolding, type UnsupportedSet } from '../core/init/unsupported-tools.js';
import { GUARD_HOOKS, HOOK_BEGIN, mergeDriverCommand, runsGuard, withGuardBlock, type GuardHook } from '../core/init/hook-script.js';
import { HUSKY_HOOKS, WORKTREE_INCLUDE_KEY, WORKTREE_RUNNER_CONFIG, worktreeHookRunner } from '../core/init/worktree-runner.js';
import { yamlList, yamlScalar } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { normaliseDir } from '../core/paths.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit, splitNul, splitNulSkippingNonUtf8 } from '../shell/git/run-git.js';
import { hooksLayout } from '../shell/hooks-dir.js';
import { CONFIG_FILE, loadConfig } from '../shell/load-config.js';
import { git } from '../shell/git/run-git.js';
import { writeFileAtomic } from '../shell/write-atomic.js';
import type { CommandDefinition } from './context.js';
import { lockRepository } from '../services/lock-repository.js';
import { MERGE_DRIVER_NAME } from '../core/init/merge-driver-name.js';

export interface InitAction {
  /** What was looked at: a file, or a git setting. */
  target: string;
  status: 'created' | 'updated' | 'kept';
  detail: string;
}

export interface InitResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'init';
  ok: boolean;
  exitCode: number;
  actions: InitAction[];
  /** Things init did not do and a person should know. */
  warnings: string[];
  /** What each other clone runs, and similar next steps. */
  notes: string[];
  /** Files to commit so every clone gets the same protection. */
  toCommit: string[];
}

export interface InitOptions {
  cwd: string;
  configPath?: string | undefined;
  /** Migration dirs to configure instead of detecting them. */
  dirs?: string[];
}


/**
 * `guard init`: everything a repository needs, and nothing twice. Writes the
 * config (detected migration dirs) unless there is one, locks the migrations,
 * installs the pre-commit and pre-push hooks (husky when the repository has
 * a package.json, else `core.hooksPath`) so that they run in every work tree,
 * and registers the lockfile merge driver. Every step first looks at what is
 * there: a second run reports "kept" for each.
 *
 * @example
 * const result = await initRepository({ cwd: '/path/to/repo' });
 * for (const action of result.actions) console.log(action.status, action.target);
 */
export async function initRepository(options: InitOptions): Promise<InitResult> {
  const repository = await openRepository(options.cwd);
  const root = repository.root;
  const actions: InitAction[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const toCommit: string[] = [];

  actions.push(await ensureConfig(root, options, repository.gitDir, toCommit, warnings));

  const hadLockfile = existsSync(path.join(root, LOCKFILE_NAME));
  const lock = await lockRepository({ cwd: root, configPath: options.configPath });
  if (lock.refusals.length > 0) {
    warnings.push(...lock.refusals.map((finding) => `${finding.message} (fix: ${finding.fix})`));
  } else {
    const count = lock.changes.filter((change) => change.kind === 'added').length;
    actions.push({
      target: LOCKFILE_NAME,
      status: !lock.written ? 'kept' : hadLockfile ? 'updated' : 'created',
      detail: lock.written ? `${count} ${count === 1 ? 'migration' : 'migrations'} locked` : 'matches the migrations',
    });
    warnings.push(...lock.warnings.map((finding) => `${finding.message} (fix: ${finding.fix})`));
    toCommit.push(LOCKFILE_NAME);
  }

  actions.push(...(await installHooks(root, repository.gitDir, warnings, notes, toCommit)));
  actions.push(...(await guardLinkedWorktrees(root)));
  actions.push(...(await registerMergeDriver(root, toCommit)));
  const exitCode = lock.refusals.length > 0 ? lock.exitCode : ExitCode.ok;
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'init', ok: exitCode === 0, exitCode, actions, warnings, notes, toCommit: await uncommitted(root, [...new Set(toCommit)]) };
}

/** Which of `files` git does not hold as they are now (https://git-scm.com/docs/git-status#_porcelain_format_version_1). */
async function uncommitted(root: string, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const records = splitNul(await runGit(root, ['status', '--porcelain', '-z', '--untracked-files=all', '--', ...files]));
  const changed = new Set(records.filter((record) => record.length > 3 && record[2] === ' ').map((record) => record.slice(3)));
  return files.filter((file) => changed.has(file));
}

async function ensureConfig(root: string, options: InitOptions, gitDir: string, toCommit: string[], warnings: string[]): Promise<InitAction> {
  try {
    const loaded = await loadConfig(root, options.configPath, gitDir);
    if (options.dirs && options.dirs.length > 0) {
      throw inputError(`${loaded.source} already exists; --dir only applies to a new config`, { fix: `add the dirs to ${loaded.source} by hand, then run guard init again` });
    }
    if (loaded.source === CONFIG_FILE) toCommit.push(CONFIG_FILE);
    return { target: loaded.source, status: 'kept', detail: loaded.config.migrations.map((set) => `${set.dir}${set.tool ? ` (${set.tool})` : ''}`).join(', ') };
  } catch (error) {
    if (!(error instanceof GuardError) || !error.message.startsWith(`no ${CONFIG_FILE}`)) throw error;
  }
  const listing = await listMigrationCandidates(root);
  const sets = options.dirs?.length ? givenDirs(root, options.dirs, listing.unsupported) : detected(listing);
  for (const set of sets) warnings.push(...(set.notes ?? []));
  for (const other of listing.unsupported) warnings.push(`${describeUnsupported(other)}: not guarded (guard reads ${SUPPORTED_TOOLS})`);
  const lines = ['# migration-guard (guard): which migration dirs to lock and check. Written by guard init; edit freely.', 'migrations:'];
  for (const set of sets) {
    lines.push(`  - dir: ${yamlScalar(set.dir, false)}`);
    if (!('tool' in set)) continue;
    const { tool, recursive, exclude, outOfOrder } = set as DetectedSet;
    lines.push(`    tool: ${tool}`);
    if (recursive) lines.push('    recursive: true');
    if (exclude?.length) lines.push(`    exclude: ${yamlList(exclude)}`);
    if (outOfOrder) lines.push(`    outOfOrder: ${outOfOrder}`);
  }
  writeFileAtomic(path.join(root, CONFIG_FILE), `${lines.join('\n')}\n`);
  toCommit.push(CONFIG_FILE);
  return { target: CONFIG_FILE, status: 'created', detail: sets.map((set) => `${set.dir}${'tool' in set ? ` (${set.tool}: ${set.because})` : ''}`).join('; ') };
}

/** The largest file init reads to recognise a migration folder. */
const DETECTION_MAX_BYTES = 16 * 1024 * 1024;

/** What init found: the sets guard reads, and the folders of tools it does not. */
interface MigrationListing {
  sets: DetectedSet[];
  unsupported: UnsupportedSet[];
}

async function listMigrationCandidates(root: string): Promise<MigrationListing> {
  // Tracked and untracked-but-not-ignored files (https://git-scm.com/docs/git-ls-files).
  const paths = splitNulSkippingNonUtf8(await runGit(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']));
  // Only regular files of a sane size: a symlink to /dev/zero or a FIFO must not hang init.
  const contentOf = (file: string) => {
    try {
      const full = path.join(root, file);
      const stat = statSync(full);
      return stat.isFile() && stat.size <= DETECTION_MAX_BYTES ? readFileSync(full, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  const unsupported = detectUnsupportedMigrations(paths, contentOf);
  return { sets: detectMigrationDirs(paths, contentOf, (dir) => leftOutForUnsupported(unsupported, dir)), unsupported };
}

/** The detected sets, or why there are none; nothing is written before this answers. */
function detected(listing: MigrationListing): DetectedSet[] {
  if (listing.sets.length > 0) return listing.sets;
  if (listing.unsupported.length > 0) {
    throw inputError(`guard init found no migrations it reads, and wrote nothing:\n${listing.unsupported.map((set) => `  ${describeUnsupported(set)}`).join('\n')}`, {
      fix: `guard reads ${SUPPORTED_TOOLS}; other tools are not supported yet. If a folder of those was missed: guard init --dir DIR`,
    });
  }
  throw inputError('guard init found no migration dir (no alembic.ini, no Alembic revisions, no .sql files in a folder named like migrations)', {
    fix: 'name it: guard init --dir db/migrations (repeat --dir for several)',
  });
}

/** The dirs named with --dir, refused (before anything is written) when one is missing or holds another tool's migrations. */
function givenDirs(root: string, dirs: readonly string[], unsupported: readonly UnsupportedSet[]): { dir: string; because: string; notes?: string[] }[] {
  return dirs.map((given) => {
    const dir = normaliseDir(given);
    if (!existsSync(path.join(root, dir))) throw inputError(`--dir ${dir} does not exist in ${root}`, { fix: 'give the migration dir relative to the repository root' });
    const other = unsupportedHolding(unsupported, dir);
    if (other !== undefined) {
      throw inputError(`--dir ${dir}: ${describeUnsupported(other)}; guard init wrote nothing`, { fix: `guard reads ${SUPPORTED_TOOLS}; give --dir a folder of those` });
    }
    return { dir, because: 'given with --dir' };
  });
}

/**
 * The hooks, where this repository keeps them: an existing core.hooksPath
 * (husky's or another), else husky in `.husky/` or `hooks/` for npm
 * projects, else `.githooks/` with core.hooksPath. Hooks already in
 * `.git/hooks` are never switched off silently: guard's lines join them there.
 */
async function installHooks(root: string, gitDir: string, warnings: string[], notes: string[], toCommit: string[]): Promise<InitAction[]> {
  const actions: InitAction[] = [];
  let layout = await hooksLayout(root);
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
async function guardLinkedWorktrees(root: string): Promise<InitAction[]> {
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

/**
 * `.gitattributes` sends the lockfile through `guard merge-driver`; git's
 * config says how to run it (config is per clone, so each clone runs init;
 * the one command serves every work tree of the clone).
 */
async function registerMergeDriver(root: string, toCommit: string[]): Promise<InitAction[]> {
  const actions: InitAction[] = [];
  const attributesPath = path.join(root, '.gitattributes');
  let existing: string | undefined;
  try {
    existing = readFileSync(attributesPath, 'utf8');
  } catch {
    existing = undefined;
  }
  const next = withMergeAttribute(existing, LOCKFILE_NAME, MERGE_DRIVER_NAME);
  if (next !== (existing ?? '')) writeFileAtomic(attributesPath, next);
  toCommit.push('.gitattributes');
  actions.push({ target: '.gitattributes', status: next === (existing ?? '') ? 'kept' : existing === undefined ? 'created' : 'updated', detail: `${LOCKFILE_NAME} merge=${MERGE_DRIVER_NAME}` });

  const ownBuild = ownBuildInvocation(root);
  const driver = mergeDriverCommand(ownBuild);
  const settings: [string, string][] = [
    [`merge.${MERGE_DRIVER_NAME}.name`, `migration-guard lockfile (merges new migrations of both sides)`],
    [`merge.${MERGE_DRIVER_NAME}.driver`, driver],
  ];
  let changed = false;
  for (const [key, value] of settings) {
    if ((await git(root, ['config', '--get', key])) === value) continue;
    await runGit(root, ['config', key, value]);
    changed = true;
  }
  const detail = ownBuild === undefined ? `guard merge-driver, with guard from node_modules/.bin (this work tree's, else the main one's) or PATH` : driver;
  actions.push({ target: `merge.${MERGE_DRIVER_NAME}.driver`, status: changed ? 'created' : 'kept', detail });
  return actions;
}

/**
 * guard's own repository runs its build (`node dist/bin/guard.js`), which is
 * in no node_modules; anywhere else the driver searches (mergeDriverCommand).
 */
function ownBuildInvocation(root: string): string | undefined {
  const running = process.argv[1] ? path.resolve(process.argv[1]) : '';
  const relative = path.relative(root, running);
  if (running.endsWith('.js') && !relative.startsWith('..') && !path.isAbsolute(relative) && !relative.includes('node_modules')) return `node ${relative.split(path.sep).join('/')}`;
  return undefined;
}

export const initCommand: CommandDefinition<InitResult> = {
  name: 'init',
  summary: 'set up guard in a repository: config, lockfile, hooks, merge driver',
  help: `Usage: guard init [--dir DIR]... [--format text|json]

Sets up guard in this repository, and says what it did. Safe to run again:
what is already in place is kept.

  1. ${CONFIG_FILE}: written when there is none, with the migration dirs it
     finds (alembic.ini's script_location, folders of Alembic revisions,
     .sql files in folders named like migrations, Flyway locations the
     project configures and folders of V1__x.sql scripts at any depth, the
     PostgreSQL one of per-database copies); --dir names them instead.
     Migrations of tools guard does not read yet (Prisma, Rails, Django,
     Sqitch, Knex, Sequelize, TypeORM, node-pg-migrate) are named; when
     nothing else is found, init writes nothing and exits 2.
  2. ${LOCKFILE_NAME}: every migration locked (guard lock).
  3. Hooks: pre-commit and pre-merge-commit (guard hook pre-commit; a merge
     without conflicts runs only the latter) and pre-push (guard hook
     pre-push). Where they go: an existing core.hooksPath (husky's or
     another) keeps its place; a repository with package.json gets husky
     (.husky/ or hooks/, and "prepare" so the install sets them up in every
     clone, when husky is a dependency there; package.json keeps its
     formatting); otherwise .githooks/ with core.hooksPath. Existing hook scripts
     keep their lines; guard's are added between marker comments. They find
     guard in node_modules/.bin (this work tree's, else the main one's), else
     on PATH, and fail closed when it is nowhere. With husky, linked
     worktrees (which have no generated _ folder) run the hooks through a
     runner in .git/migration-guard/, set for them by an includeIf.
  4. The lockfile merge driver: ${LOCKFILE_NAME} merge=${MERGE_DRIVER_NAME} in
     .gitattributes, and merge.${MERGE_DRIVER_NAME}.driver in git config, which
     finds guard as the hooks do from any worktree.

Commit what it lists; each other clone runs its package manager's install
(husky; init names the command) and guard init (core.hooksPath, the worktree runner and the merge driver live in each
clone's git config).
guard doctor checks that everything is active.

Options:
  --dir DIR          a migration dir (repeatable), instead of detecting them
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of ${CONFIG_FILE}

Exit codes: 0 done; 1 the migrations break a rule (locked anyway; fix
before committing); 2 no migration dir found (or only those of tools guard
does not read: nothing written), or a bad config; 3 git or
husky could not be run.`,
  options: { dir: { type: 'string', multiple: true } },
  allowPositionals: false,
  async run(context, values) {
    return initRepository({ cwd: context.cwd, configPath: context.configPath, dirs: values.dir as string[] | undefined });
  },
};
