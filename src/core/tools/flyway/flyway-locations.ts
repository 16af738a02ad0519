/** A Flyway location a project configures, resolved to a repository folder. */
export interface FlywayLocation {
  /** Repository-relative folder. */
  dir: string;
  /** The setting and the file that names it, for `guard init`'s report. */
  source: string;
}

/** Where a project sets Flyway's locations, and the key that does. */
const SETTINGS: { file: RegExp; key: string; read: (text: string, key: string) => string[] | undefined }[] = [
  { file: /(?:^|\/)flyway\.conf$/, key: 'flyway.locations', read: propertiesValue },
  { file: /(?:^|\/)flyway\.toml$/, key: 'locations', read: tomlValue },
  { file: /(?:^|\/)application(?:-[\w-]+)?\.properties$/, key: 'spring.flyway.locations', read: propertiesValue },
  { file: /(?:^|\/)application(?:-[\w-]+)?\.ya?ml$/, key: 'spring.flyway.locations', read: yamlValue },
];

/** What Spring Boot puts for `{vendor}` on PostgreSQL (DatabaseDriver.POSTGRESQL's id). */
const POSTGRES_VENDOR = 'postgresql';
const RESOURCES = 'src/main/resources';
/** How much of a config file is read: Flyway's and Spring's are a few kilobytes. */
const CONFIG_HEAD = 256 * 1024;

/**
 * The folders a project's Flyway configuration names as locations:
 * `flyway.locations` in `flyway.conf`, `locations` in `flyway.toml`, and
 * Spring Boot's `spring.flyway.locations` in `application.properties` or
 * `application.yml` (https://documentation.red-gate.com/fd/locations-184127455.html).
 * `classpath:x` (and a location without prefix, which Flyway reads as one)
 * is `x` under the module's `src/main/resources`; `filesystem:x` is relative
 * to the folder of the file that names it (for Spring, the module's). Spring's
 * `{vendor}` is PostgreSQL's; wildcards, placeholders and absolute paths
 * cannot be resolved from the repository and are left out. Only folders that
 * hold files are returned. Pure: the caller lists the files and reads the
 * few config files.
 *
 * @param paths repository-relative POSIX paths of the repository's files
 * @param contentOf the text of a file
 */
export function flywayLocations(paths: readonly string[], contentOf: (path: string) => string | undefined): FlywayLocation[] {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) folders.add(path.slice(0, slash));
  }
  const found = new Map<string, FlywayLocation>();
  for (const path of paths) {
    const setting = SETTINGS.find((candidate) => candidate.file.test(path));
    if (setting === undefined) continue;
    const text = contentOf(path);
    if (text === undefined) continue;
    const values = setting.read(text.slice(0, CONFIG_HEAD), setting.key);
    if (values === undefined) continue;
    const fileDir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const resourcesAt = path.lastIndexOf(`${RESOURCES}/`);
    const moduleDir = resourcesAt !== -1 ? path.slice(0, resourcesAt).replace(/\/$/, '') : fileDir.replace(/(?:^|\/)conf$/, '');
    for (const raw of values) {
      const dir = resolveLocation(raw.trim(), moduleDir);
      if (dir === undefined || !folders.has(dir) || found.has(dir)) continue;
      found.set(dir, { dir, source: `${setting.key === 'locations' ? 'flyway.locations' : setting.key} in ${path}` });
    }
  }
  return [...found.values()];
}

function resolveLocation(location: string, moduleDir: string): string | undefined {
  const filesystem = /^filesystem:/i.test(location);
  let rest = location.replace(/^(?:classpath|filesystem):/i, '').replace(/\{vendor\}/g, POSTGRES_VENDOR);
  if (rest === '' || /[*?{}$]/.test(rest) || rest.startsWith('/') || /^[A-Za-z]:/.test(rest)) return undefined;
  rest = rest.replace(/^\.\//, '');
  const joined = filesystem ? join(moduleDir, rest) : join(join(moduleDir, RESOURCES), rest);
  return joined === '' || joined.startsWith('..') ? undefined : joined;
}

function join(dir: string, relative: string): string {
  const parts: string[] = dir === '' ? [] : dir.split('/');
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return '..';
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** `key=a,b` in a Java properties file (also `key: a`, and Spring's `key[0]=a`). */
function propertiesValue(text: string, key: string): string[] | undefined {
  const values: string[] = [];
  const escaped = key.replace(/\./g, '\\.');
  const pattern = new RegExp(`^[ \\t]*${escaped}(?:\\[\\d+\\])?[ \\t]*[=:](.*)$`, 'gm');
  for (const match of text.matchAll(pattern)) values.push(...match[1]!.trim().split(','));
  return values.length > 0 ? values : undefined;
}

/** `locations = ["filesystem:sql", ...]` in flyway.toml's `[flyway]` (or an environment's) table. */
function tomlValue(text: string): string[] | undefined {
  const match = /^[ \t]*locations[ \t]*=[ \t]*\[([^\]]*)\]/m.exec(text) ?? /^[ \t]*locations[ \t]*=[ \t]*("[^"\n]*")/m.exec(text);
  if (!match) return undefined;
  return [...match[1]!.matchAll(/"([^"]*)"|'([^']*)'/g)].flatMap((item) => (item[1] ?? item[2]!).split(','));
}

/**
 * `spring.flyway.locations` in a Spring YAML file, nested (`spring:` /
 * `flyway:` / `locations:`) or dotted, as a comma list, a flow list or a
 * block list. Read by indentation: Spring's files are plain mappings.
 */
function yamlValue(text: string, key: string): string[] | undefined {
  const wanted = key.split('.');
  const stack: { indent: number; key: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (/^\s*(?:#|$)/.test(line) || /^---/.test(line)) {
      if (/^---/.test(line)) stack.length = 0;
      continue;
    }
    const match = /^([ \t]*)([\w.-]+)[ \t]*:(?:[ \t]+(.*))?$/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    stack.push({ indent, key: match[2]! });
    if (stack.flatMap((entry) => entry.key.split('.')).join('.') !== wanted.join('.')) continue;
    const inline = match[3]?.replace(/[ \t]#.*$/, '').trim();
    if (inline) return inline.replace(/^\[|\]$/g, '').split(',').map((item) => item.trim().replace(/^['"]|['"]$/g, ''));
    const items: string[] = [];
    for (let next = index + 1; next < lines.length; next += 1) {
      const item = /^[ \t]*-[ \t]+(.*)$/.exec(lines[next]!);
      if (!item) break;
      items.push(item[1]!.trim().replace(/^['"]|['"]$/g, ''));
    }
    return items.length > 0 ? items : undefined;
  }
  return undefined;
}
