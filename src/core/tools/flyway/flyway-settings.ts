/**
 * Whether a project runs Flyway with `outOfOrder` on, read from the files
 * Flyway and Spring Boot take it from, so guard can honour the same choice
 * (`outOfOrder: allow` for the set):
 *
 * - `flyway.conf` (Java properties): `flyway.outOfOrder=true`
 *   (https://documentation.red-gate.com/fd/flyway-out-of-order-setting-277579213.html);
 * - `flyway.toml`: `outOfOrder = true` under `[flyway]` or an environment's
 *   `[environments.NAME.flyway]`;
 * - Spring Boot `application.properties`: `spring.flyway.out-of-order=true`
 *   (relaxed binding also accepts `outOfOrder` and `out_of_order`);
 * - Spring Boot `application.yml` / `.yaml`: `spring:` > `flyway:` > `out-of-order: true`.
 *
 * Pure: a file's base name and text in, `true`/`false` where the file sets
 * it, undefined where it does not (or the file is of another kind).
 */
export function flywayOutOfOrder(fileName: string, text: string): boolean | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  if (base.endsWith('.conf') || base.endsWith('.properties')) return fromProperties(text, base.endsWith('.conf') ? /^flyway\.out[-_]?of[-_]?order$/i : /^spring\.flyway\.out[-_]?of[-_]?order$/i);
  if (base.endsWith('.toml')) return fromToml(text);
  if (base.endsWith('.yml') || base.endsWith('.yaml')) return fromSpringYaml(text);
  return undefined;
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
  let at = dir === '.' ? '' : dir;
  for (;;) {
    for (const name of FLYWAY_SETTINGS_FILES) {
      const file = at ? `${at}/${name}` : name;
      const text = contentOf(file);
      const outOfOrder = text === undefined ? undefined : flywayOutOfOrder(name, text);
      if (outOfOrder !== undefined) return { file, outOfOrder };
    }
    if (at === '') return undefined;
    at = at.includes('/') ? at.slice(0, at.lastIndexOf('/')) : '';
  }
}

function truth(value: string): boolean | undefined {
  const word = value.trim().replace(/^["']|["']$/g, '').toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : undefined;
}

/** Java properties: `key=value`, `key: value` or `key value`; `#` and `!` start comments; the last setting wins. */
function fromProperties(text: string, key: RegExp): boolean | undefined {
  let found: boolean | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match && key.test(match[1]!)) found = truth(match[2]!) ?? found;
  }
  return found;
}

/** TOML: `outOfOrder = true` in `[flyway]` or `[environments.x.flyway]`, or `flyway.outOfOrder = true` at the top. */
function fromToml(text: string): boolean | undefined {
  let table = '';
  let found: boolean | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1]!.replace(/\s+/g, '');
      continue;
    }
    const match = /^([A-Za-z0-9_."-]+)\s*=\s*(.+)$/.exec(line);
    if (!match) continue;
    const key = [table, match[1]!.replace(/"/g, '')].filter(Boolean).join('.');
    if (/(?:^|\.)flyway\.outOfOrder$/.test(key)) found = truth(match[2]!) ?? found;
  }
  return found;
}

/**
 * Spring Boot YAML, read by indentation (no anchors or flow mappings, as
 * Spring configs are written): `spring.flyway.out-of-order` nested or in
 * dotted keys. Several documents (`---`) are read in order, the last wins.
 */
function fromSpringYaml(text: string): boolean | undefined {
  const path: { indent: number; key: string }[] = [];
  let found: boolean | undefined;
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
    const key = path.map((part) => part.key).join('.');
    if (match[3] !== undefined && /^spring\.flyway\.out[-_]?of[-_]?order$/i.test(key)) found = truth(match[3]) ?? found;
  }
  return found;
}
