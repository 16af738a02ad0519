import type { AppliedTableState } from './applied-table.js';
import type { DetectedSet, LayoutDiscovery, RepositoryFiles } from './layout.js';
import type { MigrationTool } from './migration-tool.js';
import { readTextFile } from './decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type Problem, type Tool, type ToolAdapter } from './types.js';
import { compareText, linearSet } from './version-order.js';

/**
 * What a tool whose migrations are script files named by the project says
 * about them: Knex, Sequelize CLI and Kysely each read one folder (never its
 * sub-folders), take every file of the extensions they load as a migration,
 * name it after its file, run the files in a plain code-unit sort of those
 * names, and record each name in a table with no checksum.
 */
export interface FileNamedRules {
  tool: Tool;
  /** The tool in messages: `Knex`. */
  runner: string;
  /** The extensions the tool loads, with their dot (`.js`), matched at the end of the name. */
  extensions: readonly string[];
  /** Names the tool skips although their extension is loaded (TypeScript declarations: `.d.ts`). */
  skipped?: RegExp;
  /** Whether the id the tool records keeps the extension (Knex, Sequelize) or drops the last one (Kysely). */
  idKeepsExtension: boolean;
  /**
   * A name the tool's generator would not write, and what it writes: a
   * warning, since the tool runs it all the same (by its place in the sort).
   */
  naming?: { pattern: RegExp; expected: string };
}

/** Whether the tool loads `path` (set-relative) as a migration: a file at the top of its folder, of an extension it loads. */
export function isFileNamedMigration(rules: FileNamedRules, path: string): boolean {
  return !path.includes('/') && loadsExtension(rules, path);
}

/**
 * Whether `path` lies in a folder at the top of the set whose name the tool
 * loads (`20240101_x.js/index.js`): the tools list their folder without
 * asking whether a name is a file, and `require` of a folder runs its
 * `index.js`, so the folder runs as a migration guard cannot lock.
 */
export function isInFileNamedFolder(rules: FileNamedRules, path: string): boolean {
  const slash = path.indexOf('/');
  return slash > 0 && loadsExtension(rules, path.slice(0, slash));
}

/** The id the tool records for the file `name`: the file name, or the file name without its last extension. */
export function fileNamedId(rules: Pick<FileNamedRules, 'idKeepsExtension'>, name: string): string {
  return rules.idKeepsExtension ? name : stemOf(name);
}

/**
 * The adapter of such a tool: a file's reading is its checksum (and whether
 * it is text); the set is its migrations in the tool's order (the ids'
 * code-unit order, as `Array.prototype.sort` and lodash's `sortBy` put
 * them), with the names the tool would misread refused: two files with one
 * id (Kysely drops the extension, so `a.js` and `a.mjs` are one migration
 * and the last read wins), two files of one name under two extensions (a
 * compiled `.js` beside its `.ts`: the tool runs both, or one), names that
 * differ only in case (a checkout on macOS or Windows keeps one of them).
 */
export function fileNamedAdapter(rules: FileNamedRules): ToolAdapter {
  const adapter: ToolAdapter = {
    tool: rules.tool,
    recursiveByDefault: false,
    candidate: (path) => isFileNamedMigration(rules, path) || isInFileNamedFolder(rules, path),
    readFile: (path, bytes, options) => readTextFile(path, bytes, options),
    discover(files, options): DiscoveredSet {
      const show = displayOf(options);
      const problems: Problem[] = [];
      const warnings: Problem[] = [];
      const ignored: string[] = [];
      const migrations: Migration[] = [];
      const byId = new Map<string, Migration>();
      const byFolded = new Map<string, Migration>();
      for (const file of files) {
        if (!isFileNamedMigration(rules, file.path)) {
          // A folder named like a migration is refused by the caller (MigrationTool.runsFolder) whether or not the set recurses.
          if (isInFileNamedFolder(rules, file.path)) {
            ignored.push(file.path);
            continue;
          }
          // Only a set given `recursive: true` hands over sub-folders; the tool never reads them.
          if (file.path.includes('/') && loadsExtension(rules, file.path)) {
            warnings.push({
              code: 'not-read',
              exitCode: 1,
              file: file.path,
              message: `${show(file.path)} lies in a sub-folder, which ${rules.runner} never reads, so it is not a migration and guard does not lock it`,
              fix: `move it up into the set's folder if ${rules.runner} should run it; remove \`recursive: true\` from the set (${rules.runner} does not recurse)`,
            });
          }
          ignored.push(file.path);
          continue;
        }
        const reading = readingOf(adapter, file, options);
        if (reading.problem) {
          problems.push(reading.problem);
          continue;
        }
        const migration: Migration = { id: fileNamedId(rules, file.path), file: file.path, parents: [], sha256: reading.sha256 };
        const problem = collision(rules, migration, byId, byFolded, show);
        if (problem) {
          problems.push(problem);
          continue;
        }
        if (rules.naming && !rules.naming.pattern.test(file.path)) {
          warnings.push({
            code: 'naming',
            exitCode: 1,
            file: file.path,
            message: `${show(file.path)} is not named ${rules.naming.expected}: ${rules.runner} runs it all the same, in name order, after every name that starts with a digit`,
            fix: `rename it ${rules.naming.expected} before it is deployed anywhere, if it should run in the order it was written`,
          });
        }
        byId.set(migration.id, migration);
        byFolded.set(stemOf(migration.file).toLowerCase(), migration);
        migrations.push(migration);
      }
      migrations.sort((a, b) => compareText(a.id, b.id) || compareText(a.file, b.file));
      warnings.push(...paddingWarnings(rules, migrations, show));
      return linearSet(rules.tool, migrations, { problems, ignored, warnings });
    },
  };
  return adapter;
}

/** The problem when `migration` shares its id, or its name without extension up to case, with one already kept. */
function collision(rules: FileNamedRules, migration: Migration, byId: ReadonlyMap<string, Migration>, byFolded: ReadonlyMap<string, Migration>, show: (path: string) => string): Problem | undefined {
  const same = byId.get(migration.id);
  const stem = stemOf(migration.file);
  const twin = same ?? byFolded.get(stem.toLowerCase());
  if (!twin) return undefined;
  const both = `${show(twin.file)} and ${show(migration.file)}`;
  const message = same
    ? `${both} are one migration to ${rules.runner}, ${migration.id} (it drops the extension): it runs whichever it reads last and never the other`
    : stemOf(twin.file) === stem
      ? `${both} are one migration under two extensions: ${rules.runner} runs both, as two migrations (a compiled copy beside its source?)`
      : `${both} differ only in case: a checkout on a case-insensitive file system (macOS, Windows) keeps one of them`;
  return {
    code: 'duplicate-id',
    exitCode: 1,
    file: migration.file,
    message,
    // Which of the two is deployed is the lockfile's to say, not the listing order's: the fix names both.
    fix: `keep the one already deployed (the one checksums.lock.yaml holds) and delete or rename the other: ${both}`,
  };
}

/**
 * Numbered names of different widths sort by their characters, not their
 * numbers: `9_b.js` runs after `10_a.js`. Reported once per set, naming the
 * first pair the tool runs against their numbers.
 */
function paddingWarnings(rules: FileNamedRules, migrations: readonly Migration[], show: (path: string) => string): Problem[] {
  const numbered = migrations.map((migration) => ({ migration, prefix: /^\d+/.exec(migration.id)?.[0] })).filter((item): item is { migration: Migration; prefix: string } => item.prefix !== undefined);
  for (let i = 1; i < numbered.length; i++) {
    const [before, after] = [numbered[i - 1]!, numbered[i]!];
    if (BigInt(before.prefix) <= BigInt(after.prefix)) continue;
    return [
      {
        code: 'padding',
        exitCode: 1,
        file: after.migration.file,
        message: `${show(before.migration.file)} runs before ${show(after.migration.file)}: ${rules.runner} sorts names by their characters, so ${before.prefix} comes before ${after.prefix}`,
        fix: 'give new migrations numbers of the same width as the others (Knex and sequelize-cli write 14-digit timestamps), so the names sort as their numbers',
      },
    ];
  }
  return [];
}

/** Pure: the applied state of a table that records one row per migration by name: the names in the order given (the first of a repeated name), the head the highest in the tools' code-unit order. */
export function replayNamedRows(tool: Tool, names: readonly string[]): AppliedTableState {
  const applied = [...new Set(names)];
  const head = [...applied].sort(compareText).at(-1);
  return { tool, heads: head === undefined ? [] : [head], applied };
}

function loadsExtension(rules: FileNamedRules, path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return rules.extensions.some((extension) => name.endsWith(extension) && name.length > extension.length) && !rules.skipped?.test(name);
}

function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

/** Folders script migrations live in when no config names them. */
const SCRIPT_FOLDER = /(?:^|\/)(?:migrations?|migrate)$/i;
/** Files of a folder read to recognise the tool: a migration says what it is near its top. */
const SAMPLE = 5;

/**
 * `guard init`, for a folder no config named: the tool's set when the
 * folder is named like a migrations folder and most of a sample of its
 * migration files carry the tool's mark (`signature`: what `up` receives,
 * what it imports).
 */
export function recogniseFileNamedFolder(rules: FileNamedRules, dir: string, names: readonly string[], contentOf: (path: string) => string | undefined, signature: RegExp, because: string): DetectedSet | undefined {
  if (!SCRIPT_FOLDER.test(dir)) return undefined;
  const migrations = names.filter((name) => isFileNamedMigration(rules, name)).sort(compareText);
  const sample = migrations.slice(0, SAMPLE);
  const marked = sample.filter((name) => signature.test(contentOf(dir === '.' ? name : `${dir}/${name}`) ?? '')).length;
  if (marked === 0 || marked * 2 <= sample.length) return undefined;
  return { dir, tool: rules.tool, files: migrations.length, because: `${migrations.length} ${rules.runner} migration${migrations.length === 1 ? '' : 's'} (${because})` };
}

/** How many of the tool's migrations `dir` holds (at its top), from init's listing. */
export function countFileNamed(rules: FileNamedRules, byDir: ReadonlyMap<string, readonly string[]>, dir: string): number {
  return (byDir.get(dir) ?? []).filter((name) => isFileNamedMigration(rules, name)).length;
}

/** What a file-named tool adds to its rules: how messages name its migrations, its table, how init finds its folders. */
export interface FileNamedToolParts {
  aMigration: string;
  appliedTable: MigrationTool['appliedTable'];
  detectLayout: (repository: RepositoryFiles, rules: FileNamedRules) => LayoutDiscovery;
  /** What its migrations carry, for a folder no config names (recogniseFileNamedFolder), and how init says it. */
  signature: RegExp;
  signatureShown: string;
}

/**
 * The MigrationTool of a file-named tool: every file it loads at the top of
 * its folder runs as a migration (so `exclude:` may not hide one), the
 * order is the names', and `outOfOrder` is the only set key it reads.
 */
export function fileNamedTool(rules: FileNamedRules, parts: FileNamedToolParts): MigrationTool {
  return {
    name: rules.tool,
    adapter: fileNamedAdapter(rules),
    runner: rules.runner,
    aMigration: parts.aMigration,
    setsLabel: rules.runner,
    runsAsMigration: (path) => isFileNamedMigration(rules, path),
    runsFolder: (path) => isInFileNamedFolder(rules, path),
    setKeys: ['outOfOrder'],
    whyNot: { naming: `${rules.runner} orders migrations by file name`, versions: `${rules.runner} orders migrations by file name, not by a version number` },
    appliedTable: parts.appliedTable,
    detectLayout: (repository) => parts.detectLayout(repository, rules),
    recogniseFolder: (dir, names, contentOf) => recogniseFileNamedFolder(rules, dir, names, contentOf, parts.signature, parts.signatureShown),
  };
}
