import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GuardError, inputError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { withMergeAttribute } from '../core/init/gitattributes.js';
import { detectMigrationDirs, type DetectedSet } from '../core/init/detect-migration-dirs.js';
import { describeUnsupported, detectUnsupportedMigrations, leftOutForUnsupported, SUPPORTED_TOOLS, unsupportedHolding, type UnsupportedSet } from '../core/init/unsupported-tools.js';
import { mergeDriverCommand } from '../core/init/hook-script.js';
import { yamlList, yamlScalar } from '../core/lockfile/format/index.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { normaliseDir } from '../core/paths.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit, splitNul, splitNulSkippingNonUtf8 } from '../shell/git/run-git.js';
import { CONFIG_FILE, loadConfig } from '../shell/load-config.js';
import { git } from '../shell/git/run-git.js';
import { writeFileAtomic } from '../shell/write-atomic.js';
import type { CommandDefinition } from './context.js';
import { lockRepository } from '../services/lock-repository.js';
import { MERGE_DRIVER_NAME } from '../core/init/merge-driver-name.js';
import type { InitAction } from './init/init-action.js';
import type { HandEdit } from '../core/init/hook-managers.js';
import { guardLinkedWorktrees, installHooks } from './init/install-hooks.js';

export type { InitAction };

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
  /** A hook manager's config guard could not add its hooks to: what to add by hand (exit 2). */
  handEdits: HandEdit[];
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
  const handEdits: HandEdit[] = [];

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

  actions.push(...(await installHooks(root, repository.gitDir, warnings, notes, toCommit, handEdits)));
  actions.push(...(await guardLinkedWorktrees(root)));
  actions.push(...(await registerMergeDriver(root, toCommit)));
  // Hooks left to a person are a config guard could not edit: exit 2 (README, "Exit codes"), after a refusal's 1 only when nothing is worse.
  const exitCode = Math.max(lock.refusals.length > 0 ? lock.exitCode : ExitCode.ok, handEdits.length > 0 ? ExitCode.input : ExitCode.ok);
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'init', ok: exitCode === 0, exitCode, actions, warnings, notes, toCommit: await uncommitted(root, [...new Set(toCommit)]), handEdits };
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
  const sets = options.dirs?.length ? givenDirs(root, options.dirs, listing) : detected(listing);
  for (const set of sets) warnings.push(...(set.notes ?? []));
  for (const other of listing.unsupported) warnings.push(`${describeUnsupported(other)}: not guarded (guard reads ${SUPPORTED_TOOLS})`);
  const lines = ['# migration-guard (guard): which migration dirs to lock and check. Written by guard init; edit freely.', 'migrations:'];
  for (const set of sets) {
    lines.push(`  - dir: ${yamlScalar(set.dir, false)}`);
    if (!('tool' in set)) continue;
    const { tool, recursive, exclude, outOfOrder, table } = set as DetectedSet;
    lines.push(`    tool: ${tool}`);
    if (recursive) lines.push('    recursive: true');
    if (exclude?.length) lines.push(`    exclude: ${yamlList(exclude)}`);
    if (outOfOrder) lines.push(`    outOfOrder: ${outOfOrder}`);
    if (table) lines.push(`    table: ${yamlScalar(table, false)}`);
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
function givenDirs(root: string, dirs: readonly string[], { sets, unsupported }: MigrationListing): Array<{ dir: string; because: string; notes?: string[] } | DetectedSet> {
  return dirs.map((given) => {
    const dir = normaliseDir(given);
    if (!existsSync(path.join(root, dir))) throw inputError(`--dir ${dir} does not exist in ${root}`, { fix: 'give the migration dir relative to the repository root' });
    const other = unsupportedHolding(unsupported, dir);
    if (other !== undefined) {
      throw inputError(`--dir ${dir}: ${describeUnsupported(other)}; guard init wrote nothing`, { fix: `guard reads ${SUPPORTED_TOOLS}; give --dir a folder of those` });
    }
    // A folder detection also found keeps the tool it found (a Knex folder's .js files say nothing to the file-name rules).
    const found = sets.find((set) => set.dir === dir);
    return found ? { ...found, because: `given with --dir; ${found.because}` } : { dir, because: 'given with --dir' };
  });
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
