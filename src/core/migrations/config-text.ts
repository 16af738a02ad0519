/**
 * Paths read from a JavaScript or TypeScript config file as TEXT (guard
 * never runs project code): a knexfile's `migrations.directory`,
 * `.sequelizerc`'s `'migrations-path'`, a Kysely `FileMigrationProvider`'s
 * `migrationFolder`. Only what is written out can be followed: a string
 * literal, or `path.join` / `path.resolve` of literals after `__dirname`,
 * `import.meta.dirname` or `process.cwd()`, or `new URL('<literal>',
 * import.meta.url)`.
 */

/** A path read from a config file: relative to the file's folder (`__dirname`), or to the folder the tool runs in. */
export interface ConfigPath {
  path: string;
  from: 'file' | 'cwd';
}

const STRING = String.raw`(?:'[^'\\\n]*'|"[^"\\\n]*"|\x60[^\x60\\$\n]*\x60)`;
const LITERAL = new RegExp(`^${STRING}$`);
const FILE_DIR = String.raw`(?:__dirname|import\.meta\.dirname)`;
const JOINED = new RegExp(String.raw`^(?:path\s*\.\s*)?(?:join|resolve)\s*\(\s*(${FILE_DIR}|process\.cwd\(\s*\)\s*)?\s*,?\s*((?:${STRING}\s*,?\s*)*)\)$`);
const URL_OF = new RegExp(String.raw`^new\s+URL\s*\(\s*(${STRING})\s*,\s*import\.meta\.url\s*\)(?:\s*\.\s*pathname)?$`);

/**
 * The path an expression names, or undefined when it is code guard does not
 * follow (a variable, a template with substitutions, a function call).
 */
export function readConfigPath(expression: string): ConfigPath | undefined {
  const text = expression.trim();
  if (LITERAL.test(text)) return { path: text.slice(1, -1), from: 'cwd' };
  const url = URL_OF.exec(text);
  if (url) return { path: url[1]!.slice(1, -1), from: 'file' };
  const joined = JOINED.exec(text);
  if (!joined) return undefined;
  const parts = [...joined[2]!.matchAll(new RegExp(STRING, 'g'))].map((match) => match[0].slice(1, -1));
  if (parts.length === 0) return undefined;
  const base = joined[1]?.trim();
  // path.resolve of relative parts alone resolves against the cwd, as path.join of them does when the tool reads them.
  return { path: parts.join('/'), from: base !== undefined && !base.startsWith('process') ? 'file' : 'cwd' };
}

/**
 * The expression after `key:` (or `'key':`) in `text`: up to the next `,`,
 * `}` or line end outside brackets; an array literal's items one by one.
 * Each occurrence is given, in order.
 */
export function valuesOfKey(text: string, key: string): string[][] {
  const found: string[][] = [];
  const pattern = new RegExp(String.raw`(?:^|[\s{,])(?:${escape(key)}|'${escape(key)}'|"${escape(key)}")\s*:\s*`, 'g');
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const value = expressionAt(text, match.index + match[0].length);
    found.push(value.startsWith('[') && value.endsWith(']') ? splitTopLevel(value.slice(1, -1)) : [value]);
  }
  return found;
}

/**
 * The text of the object literal after `key: {`, each occurrence (a knexfile
 * has one `migrations: { ... }` per environment), braces balanced and
 * strings skipped.
 */
export function objectsOfKey(text: string, key: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(String.raw`(?:^|[\s{,])(?:${escape(key)}|'${escape(key)}'|"${escape(key)}")\s*:\s*\{`, 'g');
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const start = match.index + match[0].length;
    const end = closing(text, start - 1);
    found.push(text.slice(start, end));
  }
  return found;
}

/** Where a tool's config moves the tool's table, read as text (`MovedTable`). */
export interface MovedTable {
  /** `schema.name` or `name` for the set's `table:`, when every setting found is a literal and they agree. */
  table?: string;
  /** The settings guard found but cannot follow (written as code, or different per environment), for a note. */
  unread?: string;
}

/**
 * The table and schema keys of a tool's config (Knex's `tableName` /
 * `schemaName`, Kysely's `migrationTableName` / `migrationTableSchema`) in
 * each of `texts` (one per environment): the set's `table:` when they are
 * string literals and every environment keeps the table in one place (the
 * tool's default name filling an unset one); undefined when none moves it.
 */
export function movedTable(texts: readonly string[], keys: { table: string; schema: string }, defaultTable: string): MovedTable | undefined {
  const unreadKeys = new Set<string>();
  const tables = texts.map((text) => {
    const literal = (key: string) => {
      const values = valuesOfKey(text, key).flat().map((value) => value.trim());
      if (values.length === 0) return '';
      if (values.length > 1 || !LITERAL.test(values[0]!)) unreadKeys.add(key);
      return values[0]!.slice(1, -1);
    };
    const table = literal(keys.table);
    const schema = literal(keys.schema);
    return table || schema ? `${schema ? `${schema}.` : ''}${table || defaultTable}` : defaultTable;
  });
  const distinct = new Set(tables);
  if (unreadKeys.size === 0 && (distinct.size === 0 || (distinct.size === 1 && tables[0] === defaultTable))) return undefined;
  // Environments that keep the table in different places cannot share one `table:`.
  if (unreadKeys.size > 0 || distinct.size > 1) return { unread: `${keys.table} / ${keys.schema}` };
  return { table: tables[0]! };
}

/** The expression starting at `from`: up to a `,`, `}` or `;` or a line end outside brackets and strings. */
function expressionAt(text: string, from: number): string {
  let depth = 0;
  let i = from;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = stringEnd(text, i);
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (ch === ',' || ch === ';' || ch === '\n')) break;
  }
  return text.slice(from, i).trim();
}

/** The items of an array literal's inside, split at top-level commas. */
function splitTopLevel(inside: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= inside.length; i++) {
    const ch = inside[i];
    if (ch === "'" || ch === '"' || ch === '`') i = stringEnd(inside, i);
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === undefined || (ch === ',' && depth === 0)) {
      const item = inside.slice(from, i).trim();
      if (item !== '') items.push(item);
      from = i + 1;
    }
  }
  return items;
}

/** The index of the brace closing the one at `open` (the text's end when none does). */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') i = stringEnd(text, i);
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return text.length;
}

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  const quote = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
    else if (text[i] === '\n' && quote !== '`') return i;
  }
  return text.length;
}

function escape(key: string): string {
  return key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
