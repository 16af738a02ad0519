import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';
import { resolveInRepository as join } from '../../paths.js';
import { pgmNumericPrefix } from './pgm-order.js';
import { recognisePgmFolder } from './pgm-recognise.js';

/** The settings of node-pg-migrate's CLI that decide which files it runs, as `guard init` reads them. */
interface PgmSettings {
  /** `-m/--migrations-dir`, relative to the folder the CLI runs in. */
  dir?: string;
  /** `--ignore-pattern`: a regular expression of file names the tool skips (`^(pattern)$`). */
  ignorePattern?: string;
  /** `--no-check-order` / `check-order: false`: the tool runs a migration that sorts before applied ones. */
  checkOrder?: false;
  /** `--use-glob`: `dir` is a glob, which guard does not follow. */
  useGlob?: true;
  /** `-f/--config-file`. */
  configFile?: string;
  /** `-t/--migrations-table`, `--migrations-schema`, `-s/--schema` (whose first schema holds the table otherwise): where `pgmigrations` is. */
  table?: string;
  migrationsSchema?: string;
  schema?: string;
}

/** A script that runs node-pg-migrate's bin (`node-pg-migrate`, `npx node-pg-migrate`, `node node_modules/.bin/node-pg-migrate.js`), not a word that merely contains the name. */
const RUNS_PGM = /(?:^|[\s;&|(/])node-pg-migrate(?:\.[cm]?js)?(?=$|[\s;&|)])/;
/** What a script's words may not hold for guard to follow them: a shell expansion. */
const EXPANDED = /[$`*?[{]/;

/**
 * `guard init`'s node-pg-migrate sets: for each package.json that runs
 * node-pg-migrate in a script or depends on it, the folder its scripts name
 * with `-m`/`--migrations-dir` (or the `migrations-dir` of the `-f` config
 * file, or of `config/default.json`'s `db` section, which the CLI reads
 * through the `config` package), else `migrations` beside package.json: the
 * CLI resolves the folder from the directory it runs in, which npm makes the
 * package's. Everything is read as text, never run. `--ignore-pattern`
 * becomes the set's `exclude:` for the folder's files it matches that have no
 * numeric prefix, and `--no-check-order` its `outOfOrder: allow`. A folder
 * named through a variable or a glob (`--use-glob`) is not followed: the
 * package's folders of node-pg-migrate migrations (recognisePgmFolder) are
 * proposed instead, with a note saying so and what to write.
 */
export function detectPgmSets({ paths, byDir, contentOf, leftOut }: RepositoryFiles): LayoutDiscovery {
  const sets = new Map<string, DetectedSet>();
  for (const manifest of paths.filter((path) => /(?:^|\/)package\.json$/.test(path) && !VENDORED.test(path))) {
    const pkg = parseJson(contentOf(manifest));
    if (!isRecord(pkg)) continue;
    const base = parentOf(manifest);
    const scripts = isRecord(pkg.scripts) ? Object.entries(pkg.scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && RUNS_PGM.test(entry[1])) : [];
    const depends = ['dependencies', 'devDependencies'].some((key) => isRecord(pkg[key]) && 'node-pg-migrate' in (pkg[key] as Record<string, unknown>));
    if (scripts.length === 0 && !depends) continue;
    const notes: string[] = [];
    const found: Array<{ settings: PgmSettings; because: string }> = [];
    for (const [name, command] of scripts) {
      const settings = scriptSettings(command);
      const fromFile = settings.configFile === undefined ? undefined : configFileSettings(join(base, settings.configFile), contentOf);
      // The CLI reads the config file after its flags, and a key there wins (`applyIf` in bin/node-pg-migrate.ts).
      const merged: PgmSettings = { ...settings, ...fromFile };
      if (merged.useGlob || (merged.dir !== undefined && EXPANDED.test(merged.dir))) {
        notes.push(`${manifest}: script "${name}" names node-pg-migrate's migrations with a ${merged.useGlob ? 'glob' : 'shell variable'} (${merged.dir ?? '--use-glob'}), which guard does not follow: the folders below it that hold node-pg-migrate migrations are proposed; check that guard.config.yaml lists the one(s) it runs, as \`- dir: <folder>\` with \`tool: node-pg-migrate\``);
        continue;
      }
      const from = fromFile?.dir !== undefined ? `migrations-dir in ${join(base, settings.configFile!)}` : settings.dir !== undefined ? `-m ${settings.dir} in ${manifest} script "${name}"` : undefined;
      found.push({ settings: merged, because: from ?? `node-pg-migrate's default migrations/ for ${manifest} script "${name}"` });
    }
    const fromConfigPackage = configFileSettings(join(base, 'config/default.json'), contentOf);
    if (fromConfigPackage?.dir !== undefined && found.every((entry) => entry.settings.dir === undefined)) {
      found.push({ settings: fromConfigPackage, because: `migrations-dir in ${join(base, 'config/default.json')} (db)` });
    }
    if (found.length === 0 && notes.length === 0) found.push({ settings: {}, because: `node-pg-migrate's default migrations/ beside ${manifest}` });
    if (found.length === 0) {
      // The folder a script names through a variable or a glob: the package's folders of node-pg-migrate migrations, each with the note.
      for (const [dir, names] of byDir) {
        if (!inside(dir, base) || leftOut(dir) || sets.has(dir)) continue;
        const recognised = recognisePgmFolder(dir, names, contentOf);
        if (recognised) sets.set(dir, { ...recognised, notes });
      }
      continue;
    }
    for (const { settings, because } of found) {
      const dir = join(base, settings.dir ?? 'migrations');
      if (dir === undefined || leftOut(dir) || sets.has(dir)) continue;
      const names = (byDir.get(dir) ?? []).filter((name) => !name.startsWith('.'));
      if (names.length === 0) continue;
      const exclude = ignoredNames(names, settings.ignorePattern);
      const migrations = names.filter((name) => pgmNumericPrefix(name) !== undefined && !exclude.includes(name)).length;
      sets.set(dir, {
        dir,
        tool: 'node-pg-migrate',
        files: migrations,
        because: `${migrations} node-pg-migrate migration${migrations === 1 ? '' : 's'}, ${because}`,
        ...(exclude.length > 0 ? { exclude } : {}),
        ...(settings.checkOrder === false ? { outOfOrder: 'allow' as const } : {}),
        ...(notes.length > 0 ? { notes } : {}),
        ...tableOf(settings),
      });
    }
  }
  const found = [...sets.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
  return { sets: found, claims: (dir) => sets.has(dir) };
}

/**
 * Where the CLI keeps `pgmigrations` when the flags move it, as the set's
 * `table:`: `--migrations-schema`, else the first `--schema`, else `public`
 * (bin/node-pg-migrate.ts).
 */
function tableOf(settings: PgmSettings): { table?: string } {
  if (settings.table === undefined && settings.migrationsSchema === undefined && settings.schema === undefined) return {};
  if ([settings.table, settings.migrationsSchema, settings.schema].some((value) => value !== undefined && EXPANDED.test(value))) return {};
  return { table: `${settings.migrationsSchema ?? settings.schema ?? 'public'}.${settings.table ?? 'pgmigrations'}` };
}

/** The folder's files without a numeric prefix that `--ignore-pattern` hides from the tool (as `^(pattern)$`, the CLI's reading). */
function ignoredNames(names: readonly string[], pattern: string | undefined): string[] {
  if (pattern === undefined) return [];
  let matcher: RegExp;
  try {
    matcher = new RegExp(`^${pattern}$`);
  } catch {
    return [];
  }
  return names.filter((name) => pgmNumericPrefix(name) === undefined && matcher.test(name)).sort();
}

/** The flags of a node-pg-migrate command line that move or filter its migrations. */
export function scriptSettings(command: string): PgmSettings {
  const at = RUNS_PGM.exec(command);
  if (!at) return {};
  // Up to the end of this command: `node-pg-migrate up && npm run seed` passes nothing after `&&` to it.
  const words = shellWords(command.slice(at.index + at[0].length).split(/&&|\|\||[;|]/, 1)[0]!);
  const settings: PgmSettings = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const [flag, inline] = word.startsWith('-') && word.includes('=') ? [word.slice(0, word.indexOf('=')), unquote(word.slice(word.indexOf('=') + 1))] : [word, undefined];
    const value = () => inline ?? words[++i];
    if (flag === '-m' || flag === '--migrations-dir' || flag === '--migrationsDir') settings.dir = value();
    else if (flag === '--ignore-pattern' || flag === '--ignorePattern') settings.ignorePattern = value();
    else if (flag === '-f' || flag === '--config-file' || flag === '--configFile') settings.configFile = value();
    else if (flag === '--no-check-order' || flag === '--no-checkOrder') settings.checkOrder = false;
    else if ((flag === '--check-order' || flag === '--checkOrder') && (inline ?? words[i + 1]) === 'false') {
      if (inline === undefined) i++;
      settings.checkOrder = false;
    } else if (flag === '--use-glob' || flag === '--useGlob') settings.useGlob = true;
    else if (flag === '-t' || flag === '--migrations-table' || flag === '--migrationsTable') settings.table = value();
    else if (flag === '--migrations-schema' || flag === '--migrationsSchema') settings.migrationsSchema = value();
    else if (flag === '-s' || flag === '--schema') settings.schema ??= value()?.split(',')[0];
  }
  return settings;
}

/**
 * The settings a node-pg-migrate config file holds under the kebab-case
 * names of its flags, at the top or in the `db` section (`--config-value`'s
 * default): JSON parsed, JavaScript and TypeScript read for literal strings
 * and booleans only (guard never runs project code).
 */
function configFileSettings(path: string | undefined, contentOf: (path: string) => string | undefined): PgmSettings | undefined {
  if (path === undefined) return undefined;
  const text = contentOf(path);
  if (text === undefined) return undefined;
  const settings: PgmSettings = {};
  const json = parseJson(text);
  if (isRecord(json)) {
    const section = isRecord(json.db) ? json.db : json;
    if (typeof section['migrations-dir'] === 'string') settings.dir = section['migrations-dir'];
    if (typeof section['ignore-pattern'] === 'string') settings.ignorePattern = section['ignore-pattern'];
    if (section['check-order'] === false) settings.checkOrder = false;
    if (section['use-glob'] === true) settings.useGlob = true;
    if (typeof section['migrations-table'] === 'string') settings.table = section['migrations-table'];
    if (typeof section['migrations-schema'] === 'string') settings.migrationsSchema = section['migrations-schema'];
    const schema = Array.isArray(section.schema) ? section.schema[0] : section.schema;
    if (typeof schema === 'string') settings.schema = schema;
    return settings;
  }
  const string = (key: string) => new RegExp(`["']${key}["']\\s*:\\s*(["'\`])([^"'\`\\n]*)\\1`).exec(text)?.[2];
  const dir = string('migrations-dir');
  if (dir !== undefined) settings.dir = dir;
  const ignore = string('ignore-pattern');
  if (ignore !== undefined) settings.ignorePattern = ignore;
  if (/["']check-order["']\s*:\s*false\b/.test(text)) settings.checkOrder = false;
  if (/["']use-glob["']\s*:\s*true\b/.test(text)) settings.useGlob = true;
  const table = string('migrations-table');
  if (table !== undefined) settings.table = table;
  const migrationsSchema = string('migrations-schema');
  if (migrationsSchema !== undefined) settings.migrationsSchema = migrationsSchema;
  return settings;
}

/** Words of a shell command as npm's shell splits them: quotes removed, no expansion. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

function unquote(text: string): string {
  return /^(["']).*\1$/.test(text) ? text.slice(1, -1) : text;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inside(dir: string, base: string): boolean {
  return base === '.' || dir === base || dir.startsWith(`${base}/`);
}

function parentOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
}
