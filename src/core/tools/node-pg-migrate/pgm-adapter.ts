import { readTextFile } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type Problem, type ToolAdapter } from '../../migrations/types.js';
import { linearSet } from '../../migrations/version-order.js';
import { caseTwinProblem } from '../../migrations/case-twins.js';
import { pgmNumericPrefix, pgmPrefixIsNotADate, pgmTies, sortPgmFileNames } from './pgm-order.js';

/**
 * The extensions node-pg-migrate 9 loads by default (`getDefaultStrategies`
 * in `src/migrationLoader.ts`): `.sql` with its SQL loader (`-- Up
 * Migration` / `-- Down Migration` sections), the others with jiti, so
 * TypeScript runs without ts-node. A file of any other extension goes to
 * jiti too, and fails there or when it runs.
 */
const LOADED = /\.(?:[cm]?js|[cm]?ts|sql)$/;
/** TypeScript declarations: jiti loads them as TypeScript, and they export no `up`. */
const DECLARATION = /\.d\.[cm]?ts$/;

/** Whether node-pg-migrate reads a set-relative path at all: the folder's own files, not its sub-folders, and no dotfile (the default `--ignore-pattern` is `\..*`). */
function inFolder(path: string): boolean {
  return !path.includes('/') && !path.startsWith('.');
}

/**
 * Whether node-pg-migrate runs a file of this name as a migration: a
 * non-dotfile with a numeric prefix, of any extension (jiti loads what is
 * not `.sql`, and Node's loader runs an unknown extension as JavaScript), so
 * an `exclude:` may not hide it. A file of the folder without a numeric
 * prefix is not one: it stops every run (pgmAdapter reports it) unless the
 * project's `--ignore-pattern` hides it, which the set's `exclude:` then says.
 * Tested on the base name, so a migration-like file in a sub-folder, which the
 * tool never reads, is reported as not read.
 */
export function runsAsPgmMigration(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return !name.startsWith('.') && /^\d/.test(name);
}

/** The migration's name in `pgmigrations`: the file name without its last extension (`basename(path, extname(path))`). */
export function pgmMigrationName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/**
 * node-pg-migrate's migrations folder (`migrations` in the directory it runs
 * in, or `-m/--migrations-dir`): every regular file directly in it that is
 * not a dotfile is a migration, in the order pgm-order.ts reproduces, known
 * by its name without extension. Its own rules become this set's problems:
 * a file without a numeric prefix stops every run, a 17-digit prefix that is
 * not a date or two names its sort finds equal leave the order to the file
 * system, two files of one name (extensions aside) both run and record that
 * name twice, a quote in a name breaks the SQL the tool writes to record it,
 * and an `X.down.sql` beside `X.up.sql` is a migration of its own that undoes
 * the other.
 */
export const pgmAdapter: ToolAdapter = {
  tool: 'node-pg-migrate',
  recursiveByDefault: false,

  candidate: inFolder,

  readFile(path, bytes, options) {
    return readTextFile(path, bytes, options);
  },

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const ignored: string[] = [];
    const found: Migration[] = [];
    for (const file of files) {
      if (!inFolder(file.path)) {
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(pgmAdapter, file, options);
      if (reading.problem) {
        problems.push(reading.problem);
        continue;
      }
      if (pgmNumericPrefix(file.path) === undefined) {
        problems.push({
          code: 'naming',
          exitCode: 1,
          file: file.path,
          message: `${show(file.path)} has no numeric prefix: node-pg-migrate takes every file of its migrations folder for a migration and stops every run with "Cannot determine numeric prefix for "${file.path}""`,
          fix: `move it out of the folder, or name it <timestamp>_<name> (\`node-pg-migrate create\`); if the project hides it with --ignore-pattern, add it to the set's \`exclude:\` in the config`,
        });
        continue;
      }
      found.push({ id: pgmMigrationName(file.path), file: file.path, parents: [], sha256: reading.sha256 });
      if (!LOADED.test(file.path) || DECLARATION.test(file.path)) {
        warnings.push({
          code: 'naming',
          exitCode: 1,
          file: file.path,
          message: `${show(file.path)} is not a migration script (.js .cjs .mjs .ts .cts .mts .sql), but node-pg-migrate loads every file of its folder: it runs it with jiti, and the run fails there unless --ignore-pattern hides it; guard locks it as a migration`,
          fix: `move it out of the migrations folder`,
        });
      }
    }
    const sorted = sortPgmFileNames(found, (migration) => migration.file);
    problems.push(...orderProblems(sorted, show));
    const migrations = withoutDuplicates(sorted, show, problems);
    return linearSet('node-pg-migrate', migrations, { problems, ignored, warnings });
  },
};

/** Names the tool cannot order or record as they are. */
function orderProblems(sorted: readonly Migration[], show: (path: string) => string): Problem[] {
  const problems: Problem[] = [];
  const present = new Set(sorted.map((migration) => migration.file));
  for (const migration of sorted) {
    if (pgmPrefixIsNotADate(migration.file)) {
      problems.push({
        code: 'naming',
        exitCode: 1,
        file: migration.file,
        message: `${show(migration.file)}: its 17-digit prefix ${migration.file.slice(0, 17)} is not a date (YYYYMMDDhhmmssSSS), so node-pg-migrate compares it by name with the other files and by number among themselves: the order it runs the folder in depends on the file system`,
        fix: `rename it with a real UTC date and time (\`node-pg-migrate create --migration-filename-format utc\` writes one) before it is deployed anywhere`,
      });
    }
    if (migration.file.includes("'")) {
      problems.push({
        code: 'naming',
        exitCode: 1,
        file: migration.file,
        message: `${show(migration.file)}: node-pg-migrate records a migration with \`INSERT ... VALUES ('${migration.id}', NOW())\`, unquoted, so the quote in its name breaks that statement and the run fails after the migration's own SQL`,
        fix: `rename it without a quote before it is deployed anywhere`,
      });
    }
    const up = /^(.*)\.down\.sql$/.exec(migration.file);
    if (up && present.has(`${up[1]}.up.sql`)) {
      problems.push({
        code: 'naming',
        exitCode: 1,
        file: migration.file,
        message: `${show(migration.file)} is a migration of its own to node-pg-migrate's CLI (named ${migration.id}), not the down script of ${up[1]}.up.sql: it runs after it, and undoes it`,
        fix: `put both in one ${up[1]}.sql, the up part under \`-- Up Migration\` and this one under \`-- Down Migration\``,
      });
    }
  }
  for (const [first, second] of pgmTies(sorted, (migration) => migration.file)) {
    problems.push({
      code: 'naming',
      exitCode: 1,
      file: second.file,
      message: `${show(first.file)} and ${show(second.file)} are equal to node-pg-migrate's sort (same number, names alike once punctuation is ignored): the order it runs them in is the order the file system lists them, so databases may differ and its order check stops later runs`,
      fix: `rename ${show(second.file)} with a later prefix before it is deployed anywhere`,
    });
  }
  return problems;
}

/**
 * The migrations with one of each name: a name the tool would record twice
 * (`X.js` and `X.sql` both run as X) or that a case-insensitive checkout
 * keeps once is a problem, and the later file is left out of the order.
 */
function withoutDuplicates(sorted: readonly Migration[], show: (path: string) => string, problems: Problem[]): Migration[] {
  const kept: Migration[] = [];
  const byName = new Map<string, Migration>();
  const byFolded = new Map<string, Migration>();
  for (const migration of sorted) {
    const same = byName.get(migration.id);
    if (same) {
      problems.push({
        code: 'duplicate-id',
        exitCode: 1,
        file: migration.file,
        message: `${show(same.file)} and ${show(migration.file)} are both migration ${migration.id} (node-pg-migrate names a migration by its file name without extension): it runs both and records ${migration.id} twice`,
        fix: `rename or remove ${show(migration.file)}`,
        duplicate: { kept: same, leftOut: migration },
      });
      continue;
    }
    const folded = migration.file.toLowerCase();
    const twin = byFolded.get(folded);
    if (twin) {
      problems.push(caseTwinProblem(twin.file, migration.file, show));
      continue;
    }
    byName.set(migration.id, migration);
    byFolded.set(folded, migration);
    kept.push(migration);
  }
  return kept;
}
