import { folderOf, nearestAbove, resolveInRepository } from '../../paths.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';
import { jsName, tokenizeJs, type JsToken } from '../../secrets/js-tokens.js';
import { ScanLimitExceeded } from '../../secrets/value-parts.js';
import { isTypeormSource } from './typeorm-adapter.js';

/** Files a DataSource is usually written in (data-source.ts, ormconfig.ts, typeorm.config.ts, database.ts, app.module.ts ...). */
const CONFIG_NAME = /(?:^|\/)[^/]*(?:data-?source|ormconfig|typeorm|database|connection|app\.module|config)[^/]*\.(?:[cm]?[jt]s|json)$/i;
/** What a DataSource's options look like from afar. */
const TYPEORM_CONFIG = /\bDataSource\b|\btypeorm\b|\bTypeOrm\w*\b|\bormconfig\b/i;
/** A class as `typeorm migration:create` names it, and what TypeORM migrations do. */
const MIGRATION_CLASS = /\bclass\s+[\w$]*\d{13}\b/;
const MIGRATION_BODY = /\bMigrationInterface\b|\bqueryRunner\b/;
/** A file name with a 13-digit timestamp (`1700000000000-CreateUsers.ts`). */
const TIMESTAMPED = /\d{13}/;
const GLOB_CHARS = /[*?[\]{}()!]/;

/** One `migrations:` entry of a DataSource, as guard reads it. */
type Entry = { glob: string; base: 'config' | 'package' } | { unreadable: string };

/**
 * `guard init`'s TypeORM sets: the folders a DataSource's `migrations` globs
 * name (`new DataSource({ migrations: ['src/migration/*.ts'] })`,
 * `__dirname + '/migration/**\/*{.js,.ts}'`, `path.join(__dirname, ...)`,
 * also in `TypeOrmModule.forRoot({...})` and ormconfig.json), read as text:
 * guard never runs project code. TypeORM resolves a plain glob against the
 * directory it runs in, taken to be the package's (the nearest package.json);
 * `__dirname` is the config's folder. The glob's fixed folders are the set's
 * dir, recursive when the rest holds `**`; a glob into compiled output
 * (`dist/migrations/*.js`) is followed back to its sources (`src/migrations`)
 * when those hold migrations. A `migrations` guard cannot read (a variable,
 * imported classes) leaves a note on the folders found by their files.
 */
export function detectTypeormSets({ paths, byDir, contentOf, leftOut }: RepositoryFiles): LayoutDiscovery {
  const present = paths.filter((path) => !VENDORED.test(path));
  const packages = new Set(present.filter((path) => path === 'package.json' || path.endsWith('/package.json')).map(folderOf));
  const sets = new Map<string, DetectedSet>();
  const unread: string[] = [];
  for (const config of present.filter((path) => CONFIG_NAME.test(path) && !path.endsWith('.d.ts'))) {
    const text = contentOf(config);
    if (text === undefined || !text.includes('migrations') || !TYPEORM_CONFIG.test(text)) continue;
    let entries: Entry[] | undefined;
    try {
      entries = migrationEntries(text, config.endsWith('.json'));
    } catch (error) {
      // The tokenizer's nesting limit: a config no one writes by hand, read as one guard cannot follow.
      if (!(error instanceof ScanLimitExceeded)) throw error;
      entries = [{ unreadable: 'code nested too deeply to read' }];
    }
    if (entries === undefined) continue;
    for (const entry of entries) {
      if ('unreadable' in entry) {
        unread.push(`${config} lists its migrations as ${entry.unreadable}, which guard does not run to resolve`);
        continue;
      }
      const base = entry.base === 'config' ? folderOf(config) : nearestAbove(folderOf(config), packages);
      const found = globDir(resolveInRepository(base, entry.glob));
      if ('unreadable' in found) {
        unread.push(`${config}: the migrations glob ${entry.glob} ${found.unreadable}`);
        continue;
      }
      const dir = sourcesOf(found.dir, found.recursive, present);
      if (dir === undefined || leftOut(dir.dir) || sets.has(dir.dir)) continue;
      const files = countSources(dir.dir, found.recursive, present);
      const table = tableOf(text, config);
      sets.set(dir.dir, {
        dir: dir.dir,
        tool: 'typeorm',
        files,
        ...(found.recursive ? { recursive: true as const } : {}),
        because: `migrations: ${entry.glob} in ${config}${dir.dir === found.dir ? '' : ` (the sources of ${found.dir})`}`,
        ...(table.table ? { table: table.table } : {}),
        ...(table.note ? { notes: [table.note] } : {}),
      });
    }
  }
  if (unread.length > 0) {
    // The configs could not say where the migrations are: the folders that hold them say it, with the reason.
    for (const [dir, names] of byDir) {
      if (sets.has(dir) || [...sets.values()].some((set) => inside(dir, set))) continue;
      const recognised = recogniseTypeormFolder(dir, names, contentOf);
      if (recognised) sets.set(dir, { ...recognised, notes: [...unread.map((why) => `${why}: guard took ${dir} for its migrations folder, from its files; check it is the folder the DataSource loads`)] });
    }
  }
  const found = [...sets.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
  return { sets: found, claims: (dir) => found.some((set) => inside(dir, set)) };
}

/**
 * A folder of TypeORM migrations no DataSource named: at least half its
 * JavaScript and TypeScript files are named with a timestamp and declare a
 * class named `<Name><13 digits>`
 * that implements MigrationInterface or takes a queryRunner. Knex,
 * Sequelize, node-pg-migrate and Kysely migrations export functions, not
 * such classes.
 */
export function recogniseTypeormFolder(dir: string, names: readonly string[], contentOf: (path: string) => string | undefined): DetectedSet | undefined {
  const sources = names.filter(isTypeormSource);
  // Only files named with a timestamp are read (`migration:create` names them so): init does not read a whole source tree.
  const migrations = sources.filter((name) => TIMESTAMPED.test(name)).filter((name) => {
    const text = contentOf(dir === '.' ? name : `${dir}/${name}`) ?? '';
    return MIGRATION_CLASS.test(text) && MIGRATION_BODY.test(text);
  });
  if (migrations.length === 0 || migrations.length * 2 < sources.length) return undefined;
  return { dir, tool: 'typeorm', files: migrations.length, because: `${migrations.length} TypeORM migration${migrations.length === 1 ? '' : 's'} (classes <Name><timestamp> implementing MigrationInterface)` };
}

/**
 * Where the DataSource moves TypeORM's table: `migrationsTableName` renames
 * it, `schema` moves it (MigrationExecutor builds the table's name from
 * both), as literals; a note when either is set by code.
 */
function tableOf(text: string, config: string): { table?: string; note?: string } {
  const tokens = tokenizeJs(text).filter((token) => token.kind !== 'comment');
  const spelled = (token: JsToken | undefined) => (token ? text.slice(token.start, token.end) : '');
  const found: Record<string, string | null> = {};
  for (let i = 0; i + 2 < tokens.length; i++) {
    const key = spelled(tokens[i]).replace(/^["'](.*)["']$/, '$1');
    if ((key !== 'migrationsTableName' && key !== 'schema') || key in found || spelled(tokens[i + 1]) !== ':') continue;
    const value = tokens[i + 2]!;
    const raw = spelled(value);
    const plain = value.kind === 'string' || (value.kind === 'template' && value.template?.substitutions.length === 0);
    const ends = [',', '}'].includes(spelled(tokens[i + 3])) || tokens[i + 3]?.newlineBefore === true;
    found[key] = plain && ends && !raw.includes('\\') ? raw.slice(1, -1) : null;
  }
  if (found.migrationsTableName === null || found.schema === null) {
    return { note: `${config} sets ${found.migrationsTableName === null ? '`migrationsTableName`' : 'the DataSource `schema`'} with code guard does not run: if it moves TypeORM's table, write the set's \`table: <schema>.<name>\` in guard.config.yaml` };
  }
  if (found.migrationsTableName === undefined && found.schema === undefined) return {};
  return { table: `${found.schema ? `${found.schema}.` : ''}${found.migrationsTableName ?? 'migrations'}` };
}

/** The entries of the first `migrations: [...]` in a config's text; undefined when it has none. */
function migrationEntries(text: string, json: boolean): Entry[] | undefined {
  const tokens = tokenizeJs(text).filter((token) => token.kind !== 'comment');
  const spelled = (token: JsToken | undefined) => (token ? text.slice(token.start, token.end) : '');
  for (let i = 0; i + 2 < tokens.length; i++) {
    const key = tokens[i]!;
    const isKey = key.kind === 'name' ? jsName(spelled(key)) === 'migrations' : key.kind === 'string' && /^["']migrations["']$/.test(spelled(key));
    if (!isKey || spelled(tokens[i + 1]) !== ':') continue;
    if (spelled(tokens[i + 2]) !== '[') return json ? undefined : [{ unreadable: `\`migrations: ${spelled(tokens[i + 2])}...\`` }];
    const entries: Entry[] = [];
    let element: JsToken[] = [];
    let depth = 0;
    for (let j = i + 3; j < tokens.length; j++) {
      const token = tokens[j]!;
      const value = spelled(token);
      if (token.kind === 'punctuator' && '([{'.includes(value)) depth++;
      if (token.kind === 'punctuator' && ')]}'.includes(value)) {
        if (depth === 0) {
          if (element.length > 0) entries.push(entryOf(element, text));
          return entries;
        }
        depth--;
      }
      if (depth === 0 && value === ',' && token.kind === 'punctuator') {
        if (element.length > 0) entries.push(entryOf(element, text));
        element = [];
        continue;
      }
      element.push(token);
    }
    return entries;
  }
  return undefined;
}

/** One element of `migrations: [...]`: a glob string, `__dirname + '...'`, `` `${__dirname}/...` ``, `path.join(__dirname, ...)`. */
function entryOf(tokens: readonly JsToken[], text: string): Entry {
  const spelled = tokens.map((token) => text.slice(token.start, token.end));
  const literal = (index: number): string | undefined => {
    const token = tokens[index];
    if (!token) return undefined;
    const raw = spelled[index]!;
    if (raw.includes('\\')) return undefined;
    if (token.kind === 'string') return raw.slice(1, -1);
    if (token.kind === 'template' && token.template?.substitutions.length === 0) return raw.slice(1, -1);
    return undefined;
  };
  const shown = `\`${text.slice(tokens[0]!.start, tokens.at(-1)!.end).replace(/\s+/g, ' ')}\``;
  if (tokens.length === 1) {
    const glob = literal(0);
    if (glob !== undefined) return { glob, base: 'package' };
    const token = tokens[0]!;
    const template = token.template;
    // `${__dirname}/migration/*.ts`
    if (token.kind === 'template' && template?.substitutions.length === 1) {
      const substitution = template.substitutions[0]!;
      const inner = substitution.tokens.filter((one) => one.kind !== 'comment');
      const [before, after] = template.quasis.map(([start, end]) => text.slice(start, end));
      if (before === '' && inner.length === 1 && text.slice(inner[0]!.start, inner[0]!.end) === '__dirname' && after !== undefined && !after.includes('\\')) return { glob: `.${after}`, base: 'config' };
    }
    return { unreadable: shown };
  }
  // __dirname + '/migration/*.ts', __dirname + '/../' + 'migration/*.ts'
  if (spelled[0] === '__dirname' && tokens.length % 2 === 1) {
    const pieces = tokens.map((_, index) => (index % 2 === 1 ? (spelled[index] === '+' ? '' : undefined) : index === 0 ? '' : literal(index)));
    const rest = pieces.every((piece) => piece !== undefined) ? pieces.join('') : undefined;
    if (rest !== undefined && rest !== '') return { glob: `.${rest.startsWith('/') ? '' : '/'}${rest}`, base: 'config' };
  }
  // path.join(__dirname, 'migration', '*.ts'), join(...), resolve(...), path.resolve(process.cwd(), ...)
  const call = spelled[0] === 'path' && spelled[1] === '.' ? 2 : 0;
  if (['join', 'resolve'].includes(spelled[call] ?? '') && spelled[call + 1] === '(' && spelled.at(-1) === ')') {
    const args = spelled.slice(call + 2, -1);
    const parts: string[] = [];
    let base: 'config' | 'package' | undefined;
    for (let k = 0; k < args.length; k += 2) {
      if (k + 1 < args.length && args[k + 1] !== ',') return { unreadable: shown };
      if (k === 0 && args[0] === '__dirname') base = 'config';
      else if (k === 0 && args[0] === 'process') return cwdJoin(args, shown);
      else {
        const part = literal(call + 2 + k);
        if (part === undefined) return { unreadable: shown };
        parts.push(part);
      }
    }
    if (parts.length > 0) return { glob: parts.join('/'), base: base ?? 'package' };
  }
  return { unreadable: shown };
}

/** `path.resolve(process.cwd(), 'src/migration/*.ts')`. */
function cwdJoin(args: readonly string[], shown: string): Entry {
  if (args.slice(0, 6).join('') !== 'process.cwd(),') return { unreadable: shown };
  const parts = args.slice(6).filter((_, index) => index % 2 === 0);
  if (parts.length === 0 || parts.some((part) => !/^(['"`]).*\1$/.test(part))) return { unreadable: shown };
  return { glob: parts.map((part) => part.slice(1, -1)).join('/'), base: 'package' };
}

/** The fixed folders of a repository-relative glob, and whether the rest descends into sub-folders. */
function globDir(glob: string | undefined): { dir: string; recursive: boolean } | { unreadable: string } {
  if (glob === undefined) return { unreadable: 'leaves the repository' };
  const parts = glob.split('/');
  const fixed: string[] = [];
  while (parts.length > 1 && !GLOB_CHARS.test(parts[0]!)) fixed.push(parts.shift()!);
  const rest = parts.join('/');
  if (rest.includes('**')) return { dir: fixed.join('/') || '.', recursive: true };
  if (parts.length > 1) return { unreadable: 'matches files in several folders, which one set of guard cannot follow: list each folder in guard.config.yaml' };
  return { dir: fixed.join('/') || '.', recursive: false };
}

/** The folder itself when it holds migration sources; else, for compiled output (dist/, build/, out/), the sources it was built from. */
function sourcesOf(dir: string, recursive: boolean, present: readonly string[]): { dir: string } | undefined {
  if (countSources(dir, recursive, present) > 0) return { dir };
  const parts = dir.split('/');
  const compiled = parts.findIndex((part) => ['dist', 'build', 'out', 'lib'].includes(part));
  if (compiled === -1) return undefined;
  const candidates = [
    [...parts.slice(0, compiled), 'src', ...parts.slice(compiled + 1)],
    [...parts.slice(0, compiled), ...parts.slice(compiled + 1)],
  ].map((candidate) => candidate.join('/') || '.');
  const source = candidates.find((candidate) => countSources(candidate, recursive, present) > 0);
  return source === undefined ? undefined : { dir: source };
}

function countSources(dir: string, recursive: boolean, present: readonly string[]): number {
  return present.filter((path) => {
    if (!isTypeormSource(path)) return false;
    if (dir !== '.' && !path.startsWith(`${dir}/`)) return false;
    const rest = dir === '.' ? path : path.slice(dir.length + 1);
    return recursive || !rest.includes('/');
  }).length;
}

function inside(dir: string, set: DetectedSet): boolean {
  return set.dir === '.' ? set.recursive === true || dir === '.' : dir === set.dir || (set.recursive === true && dir.startsWith(`${set.dir}/`));
}
