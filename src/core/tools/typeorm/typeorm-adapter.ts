import { contentChecksum } from '../../checksum.js';
import { decodeText } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type FileReading, type Migration, type Problem, type ToolAdapter } from '../../migrations/types.js';
import { compareText, linearSet } from '../../migrations/version-order.js';
import { caseTwinProblem } from '../../migrations/case-twins.js';
import { readTypeormExports, type TypeormExport } from './typeorm-exports.js';

/**
 * The files TypeORM imports from its `migrations` globs
 * (`importClassesFromDirectories` in util/DirectoryExportedClassesLoader.ts):
 * these extensions, never a `.d.ts`.
 */
const LOADED = /\.(?:js|mjs|cjs|ts|mts|cts)$/;

/** Whether TypeORM would import the file when its glob matches it. */
export function isTypeormSource(path: string): boolean {
  return LOADED.test(path) && !path.endsWith('.d.ts');
}

/**
 * TypeORM's timestamp of a migration name, exactly as MigrationExecutor's
 * `getMigrations` computes it: `parseInt(name.slice(-13), 10)`. Undefined
 * where TypeORM refuses the name (NaN or 0: "migration name is wrong").
 */
export function typeormTimestamp(name: string): number | undefined {
  const timestamp = parseInt(name.slice(-13), 10);
  return !timestamp || Number.isNaN(timestamp) ? undefined : timestamp;
}

/**
 * TypeORM migrations (https://typeorm.io/docs/migrations/setup): classes in
 * files the DataSource's `migrations` globs match, one per file as
 * `typeorm migration:create` and `migration:generate` write them
 * (`<timestamp>-<Name>.ts` holding `class <Name><timestamp>`). The id is
 * what TypeORM records in its table: the class's `name` property, else its
 * class name; the file name plays no part. The order is TypeORM's:
 * numeric by the last 13 characters of the name (epoch milliseconds); names
 * with one timestamp keep the glob's order, which is the order the file
 * system lists the files in, so guard orders them by file and warns.
 */
export const typeormAdapter: ToolAdapter = {
  tool: 'typeorm',
  recursiveByDefault: false,

  candidate: isTypeormSource,

  readFile(path, bytes, options): FileReading {
    const sha256 = contentChecksum(bytes);
    const show = displayOf(options)(path);
    const decoded = decodeText(show, bytes);
    if ('problem' in decoded) return { sha256, problem: { ...decoded.problem, file: path } };
    const read = readTypeormExports(decoded.text);
    if ('unreadable' in read) {
      const { line, why } = read.unreadable;
      return {
        sha256,
        problem: {
          code: 'unparseable',
          exitCode: 2,
          file: path,
          line,
          message: `${show}:${line}: guard cannot read which migration TypeORM takes from this file: ${why}`,
          fix: `export the migration as \`export class <Name><13-digit timestamp> implements MigrationInterface\` (as \`typeorm migration:create\` writes it), with \`name\`, if any, a string literal; move helpers to a file the DataSource's migrations glob does not match`,
        },
      };
    }
    return readingOfExports(path, show, sha256, read.exports);
  },

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const ignored: string[] = [];
    const named: Array<{ migration: Migration; timestamp: number }> = [];
    const byFoldedPath = new Map<string, string>();
    for (const file of files) {
      if (!typeormAdapter.candidate(file.path)) {
        ignored.push(file.path);
        continue;
      }
      const folded = file.path.toLowerCase();
      const twin = byFoldedPath.get(folded);
      if (twin !== undefined) {
        problems.push(caseTwinProblem(twin, file.path, show));
        continue;
      }
      byFoldedPath.set(folded, file.path);
      const reading = readingOf(typeormAdapter, file, options);
      if (reading.problem) problems.push(reading.problem);
      const migration = reading.migration;
      if (!migration) {
        if (!reading.problem) ignored.push(file.path);
        continue;
      }
      const timestamp = typeormTimestamp(migration.id);
      if (timestamp === undefined) {
        problems.push({
          code: 'naming',
          exitCode: 1,
          file: migration.file,
          ...(migration.line ? { line: migration.line } : {}),
          message: `${at(show, migration)}: TypeORM refuses to run any migration with ${migration.id === '' ? 'an anonymous class' : `\`${migration.id}\``} among them ("${migration.id} migration name is wrong. Migration class name should have a JavaScript timestamp appended."): its last 13 characters are not a timestamp`,
          fix: `name the class (or its \`name\`) <Name><Date.now()>, as \`typeorm migration:create\` does; a helper belongs in a file the migrations glob does not match`,
        });
        continue;
      }
      named.push({ migration, timestamp });
    }

    // MigrationExecutor.checkForDuplicateMigrations: one name twice stops the whole run.
    const byId = new Map<string, Migration>();
    const unique = named.filter(({ migration }) => {
      const first = byId.get(migration.id);
      if (!first) {
        byId.set(migration.id, migration);
        return true;
      }
      problems.push({
        code: 'duplicate-id',
        exitCode: 1,
        file: migration.file,
        message: `${at(show, first)} and ${at(show, migration)} are both migration ${migration.id}: TypeORM refuses to run anything ("Duplicate migrations: ${migration.id}")`,
        fix: `give ${show(migration.file)}'s class a new name and timestamp (\`typeorm migration:create\`), or delete the copy (a compiled .js beside its .ts is one when the glob matches both)`,
      });
      return false;
    });

    // Array.prototype.sort is stable: TypeORM keeps the glob's order among equal timestamps.
    unique.sort((a, b) => a.timestamp - b.timestamp || compareText(a.migration.file, b.migration.file));
    for (let i = 1; i < unique.length; i++) {
      const previous = unique[i - 1]!;
      const current = unique[i]!;
      if (previous.timestamp !== current.timestamp) continue;
      warnings.push({
        code: 'naming',
        exitCode: 1,
        file: current.migration.file,
        message: `${at(show, previous.migration)} and ${at(show, current.migration)} have one timestamp, ${current.timestamp}: TypeORM runs them in the order its glob lists the files (the file system's), which may differ between machines; guard locks them in file-name order`,
        fix: `if they must run in a given order and neither is deployed, give ${show(current.migration.file)}'s class a later timestamp`,
      });
    }
    const migrations = unique.map(({ migration }) => migration);
    return linearSet('typeorm', migrations, { problems, ignored, warnings });
  },
};

function at(show: (path: string) => string, migration: Migration): string {
  return `${show(migration.file)}${migration.line ? `:${migration.line}` : ''}`;
}

/** The file's reading from what it exports: one migration, nothing (a helper of constants), or a problem. */
function readingOfExports(path: string, show: string, sha256: string, exported: readonly TypeormExport[]): FileReading {
  const [first, second] = exported;
  if (!first) return { sha256 };
  const migration: Migration = { id: first.name, file: path, parents: [], sha256, line: first.line };
  if (!second) return { sha256, migration };
  const shown = exported.slice(0, 5).map((one) => `${one.name || '(anonymous)'} (line ${one.line})`);
  const list = `${shown.join(', ')}${exported.length > shown.length ? ', ...' : ''}`;
  const twice = new Set(exported.map((one) => one.declaredAt)).size < exported.length;
  return {
    sha256,
    migration,
    problem: twice
      ? {
          code: 'duplicate-id',
          exitCode: 1,
          file: path,
          line: second.line,
          message: `${show}:${second.line} exports one class twice (${list}): TypeORM takes each export as a migration and refuses to run anything ("Duplicate migrations")`,
          fix: 'export the class once (`export class`, without a second `export default`)',
        }
      : {
          code: 'naming',
          exitCode: 1,
          file: path,
          line: second.line,
          message: `${show} exports ${exported.length} functions TypeORM would each run as a migration: ${list}; guard locks one migration per file`,
          fix: 'move each migration class into a file of its own (`typeorm migration:create`), and helpers into a file the migrations glob does not match',
        },
  };
}
