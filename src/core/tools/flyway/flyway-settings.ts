/**
 * Flyway settings guard honours, read from the files Flyway and Spring Boot
 * take them from:
 *
 * - `flyway.conf` (Java properties): `flyway.outOfOrder=true`
 *   (https://documentation.red-gate.com/fd/flyway-out-of-order-setting-277579213.html),
 *   `flyway.table`, `flyway.defaultSchema`, `flyway.schemas`;
 * - `flyway.toml`: the same keys under `[flyway]` or an environment's
 *   `[environments.NAME.flyway]`;
 * - Spring Boot `application.properties`: `spring.flyway.out-of-order=true`,
 *   `spring.flyway.table`, `spring.flyway.default-schema`,
 *   `spring.flyway.schemas` (relaxed binding also accepts `outOfOrder` and
 *   `out_of_order`);
 * - Spring Boot `application.yml` / `.yaml`: the same keys nested under
 *   `spring:` > `flyway:`.
 *
 * `outOfOrder` becomes the set's `outOfOrder: allow`; the table settings
 * its `table:` (where deploy and status read `flyway_schema_history`).
 * Pure: a file's base name and text in, the value where the file sets it.
 */

/** The settings read, by their name in flyway.conf (camel case). */
export type FlywaySetting = 'outOfOrder' | 'table' | 'defaultSchema' | 'schemas';

/** What one settings file sets `setting` to, as written (quotes removed); undefined where it does not, or the file is of another kind. */
export function flywaySetting(fileName: string, text: string, setting: FlywaySetting): string | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  // `outOfOrder`, `out-of-order` and `out_of_order` alike, as Spring's relaxed binding reads them.
  const relaxed = setting.replace(/[A-Z]/g, (letter) => `[-_]?${letter.toLowerCase()}`);
  if (base.endsWith('.conf')) return fromProperties(text, new RegExp(`^flyway\\.${relaxed}$`, 'i'));
  if (base.endsWith('.properties')) return fromProperties(text, new RegExp(`^spring\\.flyway\\.${relaxed}$`, 'i'));
  if (base.endsWith('.toml')) return fromToml(text, new RegExp(`(?:^|\\.)flyway\\.${setting}$`));
  if (base.endsWith('.yml') || base.endsWith('.yaml')) return fromSpringYaml(text, new RegExp(`^spring\\.flyway\\.${relaxed}$`, 'i'));
  return undefined;
}

/** Whether a settings file runs Flyway with outOfOrder on (`true`/`false`), undefined where it does not say. */
export function flywayOutOfOrder(fileName: string, text: string): boolean | undefined {
  const value = flywaySetting(fileName, text, 'outOfOrder');
  return value === undefined ? undefined : truth(value);
}

/** The file names guard looks for, beside or above a Flyway migration dir. */
export const FLYWAY_SETTINGS_FILES = ['flyway.conf', 'flyway.toml', 'conf/flyway.conf', 'application.properties', 'application.yml', 'application.yaml'] as const;

/**
 * The nearest Flyway or Spring Boot settings file that sets outOfOrder, from
 * `dir` up to the repository root, as `guard doctor` checks it and `guard
 * init` writes it into the config.
 *
 * @param contentOf the text of a repository-relative file, undefined when there is none
 */
export function flywayOutOfOrderAbove(dir: string, contentOf: (file: string) => string | undefined): { file: string; outOfOrder: boolean } | undefined {
  return nearest(dir, contentOf, (name, text) => flywayOutOfOrder(name, text), (file, outOfOrder) => ({ file, outOfOrder }));
}

/**
 * The nearest settings file that moves Flyway's history table, and where to
 * (`schema.table` for the set's `table:`): `table` (default
 * `flyway_schema_history`) in `defaultSchema`, else the first of `schemas`
 * (https://documentation.red-gate.com/fd/default-schema-setting-277578934.html),
 * else the connection's search path.
 */
export function flywayTableAbove(dir: string, contentOf: (file: string) => string | undefined): { file: string; table: string } | undefined {
  const read = (name: string, text: string) => {
    const table = flywaySetting(name, text, 'table');
    const schema = flywaySetting(name, text, 'defaultSchema') ?? firstOf(flywaySetting(name, text, 'schemas'));
    if (!table && !schema) return undefined;
    return `${schema ? `${schema}.` : ''}${table || 'flyway_schema_history'}`;
  };
  return nearest(dir, contentOf, read, (file, table) => ({ file, table }));
}

function nearest<T, R>(dir: string, contentOf: (file: string) => string | undefined, read: (name: string, text: string) => T | undefined, found: (file: string, value: T) => R): R | undefined {
  let at = dir === '.' ? '' : dir;
  for (;;) {
    for (const name of FLYWAY_SETTINGS_FILES) {
      const file = at ? `${at}/${name}` : name;
      const text = contentOf(file);
      const value = text === undefined ? undefined : read(name, text);
      if (value !== undefined) return found(file, value);
    }
    if (at === '') return undefined;
    at = at.includes('/') ? at.slice(0, at.lastIndexOf('/')) : '';
  }
}

/** The first of a comma-separated list (`schemas=a,b`) or a TOML array (`["a", "b"]`). */
function firstOf(list: string | undefined): string | undefined {
  const first = list?.replace(/^\[|\]$/g, '').split(',')[0]?.trim().replace(/^["']|["']$/g, '');
  return first || undefined;
}

function truth(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : undefined;
}

function unquoted(value: string): string {
  return value.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
}

/** Java properties: `key=value`, `key: value` or `key value`; `#` and `!` start comments; the last setting wins. */
function fromProperties(text: string, key: RegExp): string | undefined {
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match && key.test(match[1]!)) found = unquoted(match[2]!);
  }
  return found;
}

/** TOML: `key = value` in `[flyway]` or `[environments.x.flyway]`, or `flyway.key = value` at the top. */
function fromToml(text: string, key: RegExp): string | undefined {
  let table = '';
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1]!.replace(/\s+/g, '');
      continue;
    }
    const match = /^([A-Za-z0-9_."-]+)\s*=\s*(.+)$/.exec(line);
    if (!match) continue;
    const name = [table, match[1]!.replace(/"/g, '')].filter(Boolean).join('.');
    if (key.test(name)) found = unquoted(match[2]!);
  }
  return found;
}

/**
 * Spring Boot YAML, read by indentation (no anchors or flow mappings, as
 * Spring configs are written): `spring.flyway.<key>` nested or in dotted
 * keys. Several documents (`---`) are read in order, the last wins.
 */
function fromSpringYaml(text: string, key: RegExp): string | undefined {
  const path: { indent: number; key: string }[] = [];
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^---/.test(raw)) {
      path.length = 0;
      continue;
    }
    const line = raw.replace(/\s+#.*$/, '');
    const match = /^(\s*)([^\s:#][^:]*?)\s*:(?:\s+(.*))?$/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    while (path.length > 0 && path.at(-1)!.indent >= indent) path.pop();
    path.push({ indent, key: match[2]!.replace(/^["']|["']$/g, '') });
    if (match[3] !== undefined && key.test(path.map((part) => part.key).join('.'))) found = unquoted(match[3]);
  }
  return found;
}
