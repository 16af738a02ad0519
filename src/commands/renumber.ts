import { existsSync, readFileSync, renameSync } from 'node:fs';
import { ADAPTERS } from '../core/tools/registry.js';
import type { DiscoveredSet, Migration } from '../core/migrations/types.js';
import path from 'node:path';
import { GuardError, inputError } from '../core/guard-error.js';
import { ExitCode } from '../core/exit-codes.js';
import { findConflictMarkers } from '../core/lockfile/conflict-markers.js';
import { parseLockfile } from '../core/lockfile/format/index.js';
import { preferLockedDuplicates } from '../core/lockfile/prefer-locked-duplicates.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { nextVersion } from '../core/migrations/next-version.js';
import { parseVersionedName, detectScheme } from '../core/tools/sql/naming-scheme.js';
import { joinPath } from '../core/paths.js';
import { nextPgmPrefix } from '../core/tools/node-pg-migrate/pgm-order.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { discoverSets } from '../shell/discover-sets.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit } from '../shell/git/run-git.js';
import { loadConfig } from '../shell/load-config.js';
import { readLockfileText } from '../shell/read-lockfile.js';
import { protectedRef, sealedForWorkTree, sealedStateIfAny } from '../shell/sealed-state.js';
import type { CommandDefinition } from './context.js';
import { lockRepository, type LockResult } from '../services/lock-repository.js';

const FLYWAY_VERSION = /^([VU])(\d+(?:[._]\d+)*)__/;

/**
 * `guard renumber FILE`: gives a new migration that sorts before the sealed
 * ones (out of order) the next free version after the set's newest, renames
 * it (with its down or undo script) and re-locks.
 */
/** What `guard renumber` did: the files it renamed, the lock that followed, and whether a refused lock made it rename them back. */
export interface RenumberResult {
  renames: { source: string; target: string }[];
  result: LockResult;
  renamedBack: boolean;
}

export const renumberCommand: CommandDefinition<RenumberResult> = {
  name: 'renumber',
  summary: 'rename an out-of-order new migration after the newest one',
  help: `Usage: guard renumber FILE [--format text|json]

Renames FILE (a plain SQL or Flyway migration that sorts before sealed ones,
or shares its version with another) to the next free version after the
newest migration of its set, in the set's naming scheme (001 -> 021,
a timestamp -> now, 2026_01_15_001 -> today's next counter, Flyway 1.2 -> 1.3),
renames its .down.sql or U script with it (git mv when tracked), and runs
guard lock. Alembic orders revisions by down_revision, not by name: point the
revision's down_revision at the current head instead.

Options:
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

A sealed FILE (deployed: in the protected ref's lockfile) is refused and
nothing is renamed; when the new lockfile is refused, the files are renamed
back, so a refusal changes nothing.

Exit codes: 0 renamed and locked; 1 FILE is sealed, or the new lockfile was
refused; 2 FILE is not a versioned migration of a configured set; 3 git
could not be read (the protected ref is missing: fetch it).`,
  options: {},
  allowPositionals: true,
  async run(context, _values, positionals) {
    if (positionals.length !== 1) throw inputError('guard renumber takes one FILE', { fix: 'guard renumber db/migrations/015_add_index.sql' });
    const repository = await openRepository(context.cwd);
    const file = path.relative(repository.root, path.resolve(context.cwd, positionals[0]!)).split(path.sep).join('/');
    const { config } = await loadConfig(repository.root, context.configPath, repository.gitDir);
    const setConfig = config.migrations.find((set) => set.dir === '.' || file.startsWith(`${set.dir}/`));
    if (!setConfig) throw inputError(`${file} is not in a migration dir of the config`, { fix: `migration dirs: ${config.migrations.map((set) => set.dir).join(', ')}` });
    // What is sealed is known before anything moves: a sealed file is never renamed.
    const sealedName = await protectedRef(repository.root, config.protected);
    // A protected branch that cannot exist yet (a new repository) seals nothing; one not fetched is exit 3.
    const sealedState = sealedName ? await sealedStateIfAny(repository.root, sealedName) : undefined;
    const sealed = sealedState ? await sealedForWorkTree(repository.root, sealedState) : undefined;
    const text = await readLockfileText(repository.root, { kind: 'worktree' });
    const locked = text === undefined || findConflictMarkers(text).length > 0 ? undefined : (await parseLockfile(text, LOCKFILE_NAME)).lock;
    const [set] = preferLockedDuplicates(await discoverSets(repository.root, [setConfig], { kind: 'worktree' }, repository.gitDir), sealed?.lock, locked);
    const { discovered } = set!;
    if (discovered.tool === 'alembic') {
      throw inputError(`${file} is an Alembic revision: Alembic orders revisions by down_revision, not by name`, {
        fix: `set its down_revision to the current head (${discovered.heads.join(', ') || 'none'}) instead`,
      });
    }
    if (discovered.tool === 'drizzle') {
      throw inputError(`${file} is a Drizzle migration: drizzle-orm runs migrations in the order of meta/_journal.json, by each entry's \`when\`, not by file name`, {
        fix: `set its entry's \`when\` in ${joinPath(setConfig.dir, 'meta/_journal.json')} after the newest one (${discovered.heads.join(', ') || 'none'}), and move the entry last`,
      });
    }
    if (discovered.tool === 'typeorm') {
      throw inputError(`${file} is a TypeORM migration: TypeORM orders migrations by the timestamp ending each class name (or its \`name\`), not by file name`, {
        fix: `rename its class (and its \`name\`, if it sets one) to end in a timestamp after the newest one (${discovered.heads.join(', ') || 'none'}): \`npx typeorm migration:create\` writes Date.now()`,
      });
    }
    const relative = setConfig.dir === '.' ? file : file.slice(setConfig.dir.length + 1);
    const sealedEntry = sealed?.lock.sets.find((candidate) => candidate.dir === setConfig.dir)?.migrations.find((entry) => entry.file === relative && !entry.repeatable);
    if (sealed && sealedEntry) {
      const clash = discovered.problems.find((problem) => problem.duplicate?.kept.file === relative);
      throw new GuardError(ExitCode.refused, `${file} is sealed in ${sealed.ref}: it has been deployed, and databases know it by this name and version`, {
        fix: clash
          ? `renumber the new migration that took its version instead: guard renumber ${joinPath(setConfig.dir, clash.duplicate!.leftOut.file)}`
          : 'renumber the new migration that sorts before it or shares its version, never the sealed one',
      });
    }
    const migration = discovered.migrations.find((candidate) => candidate.file === relative) ?? duplicateOf(repository.root, setConfig.dir, relative, discovered);
    if (!migration || migration.repeatable) throw inputError(`${file} is not a versioned migration guard found in ${setConfig.dir}`, { fix: 'give the path of a migration file, relative to the repository or the current directory' });
    const others = discovered.migrations.filter((candidate) => candidate !== migration && !candidate.repeatable);
    const latest = others.at(-1);
    if (!latest) throw inputError(`${file} is the only migration of ${setConfig.dir}; there is nothing to sort after`, { fix: 'nothing to do' });

    // Knex, Sequelize and Kysely record the whole file name, Prisma the folder's: only its leading number is a version.
    const named = FILE_NAMED_TOOLS.has(discovered.tool);
    const own = named ? leadingNumber(migration.id, file) : migration.id;
    const after = named ? leadingNumber(latest.id, joinPath(setConfig.dir, latest.file)) : latest.id;
    const scheme = discovered.tool === 'sql' ? (setConfig.naming ?? detectScheme(discovered.migrations.map((m) => parseVersionedName(m.file)))) : named && after.length === 14 ? 'timestamp' : undefined;
    // node-pg-migrate's id is the whole name too, its numeric prefix read as the tool reads it.
    const version = discovered.tool === 'node-pg-migrate' ? nextPgmPrefix(latest.file, new Date()) : nextVersion(discovered.tool, scheme, after, new Date());
    // A Prisma migration is its folder: the folder is renamed, migration.sql and all.
    const renames =
      discovered.tool === 'prisma'
        ? [[migration.id, `${version}${migration.id.slice(own.length)}`] as const]
        : [migration.file, ...(migration.down ? [migration.down.file] : [])].map((from) => [from, renamed(from, own, version, discovered.tool)] as const);
    const moves = renames.map(([from, to]) => ({ source: joinPath(setConfig.dir, from), target: joinPath(setConfig.dir, to) }));
    for (const { source, target } of moves) {
      if (existsSync(path.join(repository.root, target))) throw inputError(`cannot rename ${source}: ${target} exists`, { fix: 'move it aside and run guard renumber again' });
    }
    const done: { source: string; target: string; tracked: boolean }[] = [];
    for (const { source, target } of moves) {
      const tracked = (await runGit(repository.root, ['ls-files', '-z', '--', source])).length > 0;
      await move(repository.root, source, target, tracked);
      done.push({ source, target, tracked });
      // Said as it happens: a lock that then fails with an error leaves the files renamed.
      if (context.format === 'text') context.out(`renamed ${source} -> ${target}`);
    }
    const moved = done.map(({ source, target }) => ({ source, target }));
    const result = await lockRepository({ cwd: context.cwd, configPath: context.configPath });
    if (result.exitCode === 0) return { renames: moved, result, renamedBack: false };
    // The lockfile was refused: put every file back where it was, so a refusal changes nothing.
    for (const { source, target, tracked } of done.reverse()) await move(repository.root, target, source, tracked);
    return { renames: moved, result, renamedBack: true };
  },
};

/** Tools whose migrations are named by the project's file (or, for Prisma, folder) names, numbered by convention only. */
const FILE_NAMED_TOOLS: ReadonlySet<string> = new Set(['knex', 'sequelize', 'kysely', 'prisma']);

/** The leading number of a file-named migration's id (`20240101120000` of `20240101120000_users.js`); a name without one, or one that starts with a date (`2024-01-01_x`), is renamed by hand. */
function leadingNumber(id: string, shown: string): string {
  const number = /^\d+/.exec(id)?.[0];
  if (number === undefined || /^-\d/.test(id.slice(number.length))) {
    throw inputError(`${shown} does not start with a number guard can renumber`, { fix: 'rename it by hand so that its name sorts after the newest migration, then run guard lock' });
  }
  return number;
}

/** `git mv` for a tracked file (the rename is staged), a plain rename otherwise. */
async function move(root: string, source: string, target: string, tracked: boolean): Promise<void> {
  if (tracked) await runGit(root, ['mv', '--', source, target]);
  else renameSync(path.join(root, source), path.join(root, target));
}

/**
 * A file that lost its version to another (a duplicate, as after a merge of
 * two branches that both took 050) is not among the set's migrations; read
 * it, with its down or undo script, as a set of its own.
 */
function duplicateOf(root: string, dir: string, file: string, discovered: DiscoveredSet): Migration | undefined {
  if (!discovered.problems.some((problem) => problem.code === 'duplicate-id' && problem.file === file)) return undefined;
  const companions = discovered.tool === 'flyway' ? [file.replace(/^(.*\/)?V/, '$1U')] : [file.replace(/\.up\.sql$/, '.down.sql')];
  const files = [file, ...companions.filter((companion) => companion !== file)].flatMap((name) => {
    try {
      return [{ path: name, bytes: readFileSync(path.join(root, joinPath(dir, name))) }];
    } catch {
      return [];
    }
  });
  return ADAPTERS[discovered.tool].discover(files).migrations.find((candidate) => candidate.file === file);
}

/** `015_late.sql` with version 015 -> `021_late.sql`; Flyway `V1_2__x.sql` -> `V1.3__x.sql`. */
function renamed(file: string, oldVersion: string, newVersion: string, tool: string): string {
  const slash = file.lastIndexOf('/');
  const folder = file.slice(0, slash + 1);
  const base = file.slice(slash + 1);
  if (tool === 'flyway') return `${folder}${base.replace(FLYWAY_VERSION, (_, prefix: string) => `${prefix}${newVersion}__`)}`;
  if (tool === 'node-pg-migrate') return `${folder}${base.replace(/^\d+/, newVersion)}`;
  return `${folder}${newVersion}${base.slice(oldVersion.length)}`;
}
