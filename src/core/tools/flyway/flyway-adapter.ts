import { readTextFile } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type Problem, type SourceFile, type ToolAdapter } from '../../migrations/types.js';
import { compareText, linearSet, orderByVersion, type Versioned } from '../../migrations/version-order.js';

/**
 * Flyway SQL scripts with the default prefixes and separator
 * (https://documentation.red-gate.com/fd/migrations-184127470.html):
 *
 * - `V1__init.sql`, `V1.1__x.sql`, `V1_1__x.sql`, `V2026.01.15.1__x.sql`: versioned
 * - `U1__init.sql`: undoes V1, kept beside it as its down script
 * - `R__views.sql`: repeatable, re-applied whenever it changes, so never sealed
 *
 * Flyway scans locations recursively and, by default, skips a `.sql` file it
 * cannot parse without a word (`validateMigrationNaming=false`). `V1_init.sql`
 * (one underscore) is the classic way to lose a migration, so guard reports it.
 */
const VERSIONED = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;
/**
 * SQL callbacks (`beforeMigrate.sql`, `afterEachMigrate__log.sql`): Flyway runs
 * them around its commands by event name; they are not migrations
 * (https://documentation.red-gate.com/fd/callback-concept-184127466.html).
 */
const CALLBACK = /^(?:before|after)[A-Z][A-Za-z]*(?:__.*)?\.sql$/;

/** Whether Flyway reads a file of this name as a migration (versioned, undo or repeatable). */
export function isFlywayMigrationName(base: string): boolean {
  return VERSIONED.test(base) || REPEATABLE.test(base);
}

export const flywayAdapter: ToolAdapter = {
  tool: 'flyway',
  recursiveByDefault: true,

  candidate(path) {
    return path.endsWith('.sql');
  },

  readFile: readTextFile,

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const ignored: string[] = [];
    const versioned: Versioned[] = [];
    const undo = new Map<string, { file: SourceFile; version: string; sha256: string }>();
    const repeatable = new Map<string, Migration>();

    for (const file of files) {
      if (!file.path.endsWith('.sql')) {
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(flywayAdapter, file, options);
      if (reading.problem) {
        problems.push(reading.problem);
        continue;
      }
      const sha256 = reading.sha256;
      const base = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (CALLBACK.test(base)) {
        ignored.push(file.path);
        continue;
      }
      const match = VERSIONED.exec(base);
      if (match) {
        const version = match[2]!.replace(/_/g, '.');
        if (match[1] === 'U') {
          const existing = undo.get(normalVersion(version));
          if (existing) {
            problems.push({
              code: 'duplicate-id',
              exitCode: 1,
              file: file.path,
              message: `undo version ${version} is used twice: ${show(existing.file.path)} and ${show(file.path)}`,
              fix: `keep one undo script for V${version}`,
            });
            continue;
          }
          undo.set(normalVersion(version), { file, version, sha256 });
          continue;
        }
        const migration: Migration = { id: version, file: file.path, parents: [], sha256 };
        versioned.push({ migration, key: version.split('.').map((part) => BigInt(part)) });
        continue;
      }
      const repeat = REPEATABLE.exec(base);
      if (repeat) {
        const id = `R__${repeat[1]}`;
        const existing = repeatable.get(id);
        if (existing) {
          problems.push({
            code: 'duplicate-id',
            exitCode: 1,
            file: file.path,
            message: `repeatable script ${id} exists twice: ${show(existing.file)} and ${show(file.path)}`,
            fix: 'give one of them another description',
          });
          continue;
        }
        repeatable.set(id, { id, file: file.path, parents: [], sha256, repeatable: true });
        continue;
      }
      problems.push({
        code: 'naming',
        exitCode: 1,
        file: file.path,
        message: `${show(file.path)} is not a Flyway migration name, so Flyway would skip it silently`,
        fix: "name it V<version>__<description>.sql (two underscores), U<version>__... for undo, or R__<description>.sql; if it is a helper Flyway should not run, add it to the set's `exclude:` list in the config",
      });
    }

    const ordered = orderByVersion(versioned, show);
    for (const migration of ordered.migrations) {
      const down = undo.get(normalVersion(migration.id));
      if (!down) continue;
      migration.down = { file: down.file.path, sha256: down.sha256 };
      undo.delete(normalVersion(migration.id));
    }
    for (const { file, version } of undo.values()) {
      problems.push({
        code: 'orphan-down',
        exitCode: 1,
        file: file.path,
        message: `undo script ${show(file.path)} has no versioned script V${version}__*.sql`,
        fix: `add the V${version} migration or delete the undo script`,
      });
    }

    // Flyway applies repeatables after all versioned scripts, by description.
    const repeatables = [...repeatable.values()].sort((a, b) => compareText(a.id, b.id));
    return linearSet('flyway', [...ordered.migrations, ...repeatables], { problems: [...problems, ...ordered.problems], ignored, ends: ordered.migrations });
  },
};

/** 1.0.0 and 1 are one Flyway version. */
function normalVersion(version: string): string {
  const parts = version.split('.').map((part) => BigInt(part).toString());
  while (parts.length > 1 && parts.at(-1) === '0') parts.pop();
  return parts.join('.');
}
