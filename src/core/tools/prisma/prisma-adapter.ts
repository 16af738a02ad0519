import { readTextFile } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type Problem, type ToolAdapter } from '../../migrations/types.js';
import { linearSet } from '../../migrations/version-order.js';
import { readPrismaLock } from './prisma-lock.js';
import { caseTwinProblem } from '../../migrations/case-twins.js';

/**
 * Prisma Migrate's migrations directory (https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories):
 * one folder per migration, `<timestamp>_<name>/migration.sql`, and
 * `migration_lock.toml` beside them. Prisma 7's CLI lists the folders
 * directly inside the directory (not deeper), reads each one's
 * `migration.sql` as UTF-8, and orders them by folder name with
 * `localeCompare`; the folder name is the migration's name in
 * `_prisma_migrations`. Anything else in a folder (a hand-written `down.sql`,
 * a README) is not run.
 */
const MIGRATION_FILE = /^([^/]+)\/migration\.sql$/;
/** `prisma migrate dev` names folders `YYYYMMDDHHMMSS_<name>`; a baseline made by hand is often `0_init` (Prisma's baselining guide). */
const FOLDER_NAME = /^(\d+)_(.+)$/;
export const PRISMA_LOCK_FILE = 'migration_lock.toml';

/**
 * Prisma's order of migration folders: `localeCompare`, pinned to one locale
 * so the lockfile's order (and its chain) is the same on every machine.
 */
export function comparePrismaNames(a: string, b: string): number {
  return a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether Prisma runs a file of this set-relative path: a `migration.sql` one folder down. */
export function isPrismaMigrationFile(path: string): boolean {
  return MIGRATION_FILE.test(path);
}

export const prismaAdapter: ToolAdapter = {
  tool: 'prisma',
  recursiveByDefault: true,

  candidate(path) {
    return isPrismaMigrationFile(path) || path === PRISMA_LOCK_FILE;
  },

  readFile(path, bytes, options) {
    const reading = readTextFile(path, bytes, options);
    if (path !== PRISMA_LOCK_FILE || reading.problem) return reading;
    const problem = readPrismaLock(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), displayOf(options)(path));
    return problem ? { ...reading, problem } : reading;
  },

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const ignored: string[] = [];
    const migrations: Migration[] = [];
    const byFolded = new Map<string, Migration>();

    for (const file of files) {
      const match = MIGRATION_FILE.exec(file.path);
      if (file.path === PRISMA_LOCK_FILE) {
        const reading = readingOf(prismaAdapter, file, options);
        if (reading.problem) problems.push(reading.problem);
        else ignored.push(file.path);
        continue;
      }
      if (!match) {
        const nested = /\/migration\.sql$/.test(file.path);
        if (nested) {
          warnings.push({
            code: 'not-read',
            exitCode: 1,
            file: file.path,
            message: `${show(file.path)} is not one folder below the migrations directory, so Prisma never runs it`,
            fix: `move its folder up into ${show('.')}, or delete it if it is a leftover`,
          });
        }
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(prismaAdapter, file, options);
      if (reading.problem) {
        problems.push(reading.problem);
        continue;
      }
      const name = match[1]!;
      if (!FOLDER_NAME.test(name)) {
        problems.push({
          code: 'naming',
          exitCode: 1,
          file: file.path,
          message: `${show(file.path)}: the folder ${name} does not start with a timestamp (\`<timestamp>_<name>\`), so Prisma orders it by its name, after every dated migration`,
          fix: `rename the folder \`<YYYYMMDDHHMMSS>_${name}\` (as \`prisma migrate dev\` names them) before it is deployed anywhere`,
        });
        continue;
      }
      const migration: Migration = { id: name, file: file.path, parents: [], sha256: reading.sha256 };
      // Folders that differ only in case are one folder on macOS and Windows: one of them would be lost on checkout.
      const folded = name.toLowerCase();
      const existing = byFolded.get(folded);
      if (existing) {
        problems.push(caseTwinProblem(existing.file, file.path, show));
        continue;
      }
      byFolded.set(folded, migration);
      migrations.push(migration);
    }

    migrations.sort((a, b) => comparePrismaNames(a.id, b.id));
    return linearSet('prisma', migrations, { problems, ignored, warnings });
  },
};
