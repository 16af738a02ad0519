/**
 * Where Alembic looks for revisions, read from the project's own config
 * without running Python: `alembic.ini` (Python's configparser, every section,
 * since `alembic -n NAME` picks one) and `pyproject.toml`'s `[tool.alembic]`
 * (Alembic 1.16 and later). The keys and their rules are Alembic's
 * (https://alembic.sqlalchemy.org/en/latest/tutorial.html#editing-the-ini-file,
 * `Config.get_version_locations_list` in alembic/config.py):
 *
 * - `version_locations`: in an ini file one string split by `path_separator`
 *   (else the older `version_path_separator`; `space`, `newline`, `os`, `:`
 *   or `;`), or on spaces and commas when neither is set; in TOML a list.
 *   Without it, `<script_location>/versions` is the one location.
 * - `%(here)s` is the folder of the config file; `%%` is a percent sign.
 * - `recursive_version_locations`: `true` in the ini file, a boolean in TOML
 *   (Alembic 1.10 and later): sub-folders of every location are read too.
 *
 * Pure: the caller hands over the file's path and text.
 */
import { readTomlKeys, TomlSyntaxError } from './read-toml-keys.js';

export interface VersionLocation {
  /** As written, after `%(here)s` and the other substitutions. */
  written: string;
  /** Repository-relative folder; undefined when it lies outside the repository (an absolute path, too many `..`). */
  dir?: string;
}

export interface AlembicConfig {
  /** Repository-relative path of alembic.ini or pyproject.toml. */
  file: string;
  /** `[alembic]`, another ini section, or `[tool.alembic]`. */
  section: string;
  /** Line of the section header (ini) or table (TOML), for messages. */
  line: number;
  /** The folders Alembic reads revisions from. */
  locations: VersionLocation[];
  /** Which key named them: `version_locations`, or `script_location` (its `versions` folder). */
  namedBy: 'version_locations' | 'script_location';
  recursive: boolean;
  /** Repository-relative `script_location`, where env.py lives; undefined when unset or outside the repository. */
  scriptDir?: string;
}

/** A config file guard could not read; the caller decides whether that is a warning or a refusal. */
export interface AlembicConfigError {
  file: string;
  line: number;
  message: string;
}

const SEPARATORS: Record<string, string> = { space: ' ', newline: '\n', os: ':', ':': ':', ';': ';' };

/** Whether a repository path is an Alembic config file guard reads. */
export function isAlembicConfigFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name === 'alembic.ini' || name === 'pyproject.toml';
}

/**
 * The Alembic configs `file` declares: one per ini section that names a
 * `script_location` or `version_locations`, the `[tool.alembic]` table of a
 * pyproject.toml; none for a pyproject.toml without one.
 */
export function readAlembicConfigs(file: string, text: string): { configs: AlembicConfig[]; error?: AlembicConfigError } {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  if (file === 'pyproject.toml' || file.endsWith('/pyproject.toml')) return readPyproject(file, folder, text);
  return { configs: readIni(file, folder, text) };
}

function readPyproject(file: string, folder: string, text: string): { configs: AlembicConfig[]; error?: AlembicConfigError } {
  let table;
  try {
    table = readTomlKeys(text, ['tool', 'alembic']);
  } catch (error) {
    if (!(error instanceof TomlSyntaxError)) throw error;
    // A file Alembic may read but guard cannot is only worth a word when it may configure Alembic.
    if (!/alembic/i.test(text)) return { configs: [] };
    return { configs: [], error: { file, line: error.line, message: `${file}:${error.line}: ${error.message}` } };
  }
  if (!table) return { configs: [] };
  const { values, line } = table;
  const here = (value: string) => substitute(value, (name) => (name === 'here' ? HERE : undefined));
  const listed = values.version_locations;
  const written = Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string').map(here) : typeof listed === 'string' ? [here(listed)] : undefined;
  const script = typeof values.script_location === 'string' ? here(values.script_location) : undefined;
  const locations = written ?? (script === undefined ? [] : [`${script}/versions`]);
  return {
    configs: [
      {
        file,
        section: 'tool.alembic',
        line,
        locations: locations.map((path) => resolve(folder, path)),
        namedBy: written ? 'version_locations' : 'script_location',
        recursive: values.recursive_version_locations === true,
        ...scriptDirOf(folder, script),
      },
    ],
  };
}

/** Stands for `%(here)s` until the path is resolved against the config file's folder. */
const HERE = '\u0000here';

function readIni(file: string, folder: string, text: string): AlembicConfig[] {
  const sections = parseIni(text);
  const defaults = sections.get('DEFAULT')?.options ?? new Map<string, string>();
  const configs: AlembicConfig[] = [];
  for (const [name, section] of sections) {
    if (name === 'DEFAULT') continue;
    const raw = (key: string) => section.options.get(key) ?? defaults.get(key);
    if (!section.options.has('script_location') && !section.options.has('version_locations')) continue;
    const get = (key: string) => {
      const value = raw(key);
      return value === undefined ? undefined : interpolate(value, raw);
    };
    const listed = get('version_locations');
    const script = get('script_location');
    let written: string[];
    if (listed) {
      const separator = get('path_separator') ?? get('version_path_separator');
      if (separator === undefined) written = listed.split(/, *| +/);
      else if (SEPARATORS[separator] !== undefined) written = listed.split(SEPARATORS[separator]!).map((part) => part.trim());
      // Alembic stops with "not a valid value for path_separator"; any reading will do, the widest is safest.
      else written = listed.split(/[\s,:;]+/);
      written = written.filter((part) => part !== '');
    } else {
      written = script === undefined ? [] : [`${script}/versions`];
    }
    configs.push({
      file,
      section: name,
      line: section.line,
      locations: written.map((path) => resolve(folder, path)),
      namedBy: listed ? 'version_locations' : 'script_location',
      recursive: get('recursive_version_locations') === 'true',
      ...scriptDirOf(folder, script),
    });
  }
  return configs;
}

interface IniSection {
  line: number;
  options: Map<string, string>;
}

/**
 * Python's configparser with its defaults: `key = value` or `key: value`,
 * keys lower-cased, `#` and `;` full-line comments, indented lines continue
 * the value above, a later duplicate wins (configparser would refuse it, and
 * so would Alembic).
 */
function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let current: IniSection | undefined;
  let key: string | undefined;
  // configparser keeps empty lines inside a value (empty_lines_in_values) when an indented line follows.
  let blanks = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (trimmed === '') {
      blanks++;
      return;
    }
    if (/^\s/.test(line) && current && key !== undefined) {
      current.options.set(key, `${current.options.get(key)}${'\n'.repeat(blanks + 1)}${trimmed}`);
      blanks = 0;
      return;
    }
    blanks = 0;
    const header = /^\[([^\]]+)\]/.exec(trimmed);
    if (header) {
      current = sections.get(header[1]!) ?? { line: index + 1, options: new Map() };
      sections.set(header[1]!, current);
      key = undefined;
      return;
    }
    const option = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!option || !current) return;
    key = option[1]!.toLowerCase();
    current.options.set(key, option[2]!);
  });
  return sections;
}

/**
 * configparser's BasicInterpolation: `%(name)s` from the section or DEFAULT,
 * `%(here)s` the file's folder, `%%` a percent sign. configparser gives up
 * past 10 levels (InterpolationDepthError), and so does this; `budget` bounds
 * the characters produced, so a file of references to references cannot
 * make a verify run for hours.
 */
function interpolate(value: string, raw: (key: string) => string | undefined, depth = 0, budget = { left: 1 << 22 }): string {
  const result = substitute(value, (name) => {
    if (name === 'here') return HERE;
    const other = raw(name.toLowerCase());
    if (other === undefined || depth >= 10 || budget.left <= 0) return undefined;
    return interpolate(other, raw, depth + 1, budget);
  });
  budget.left -= result.length;
  return result;
}

function substitute(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/%%|%\(([^)]*)\)s/g, (whole, name: string | undefined) => (name === undefined ? '%' : (lookup(name) ?? whole)));
}

/**
 * A location as a repository-relative folder. Relative paths are taken from
 * the config file's folder, where Alembic is run; a package resource
 * (`myapp.db:versions`) from the folder its dotted name spells there.
 */
function scriptDirOf(folder: string, script: string | undefined): { scriptDir?: string } {
  const dir = script === undefined ? undefined : resolve(folder, script).dir;
  return dir === undefined ? {} : { scriptDir: dir };
}

function resolve(folder: string, written: string): VersionLocation {
  const shown = written.replaceAll(HERE, folder === '.' ? '.' : folder);
  let path = written;
  if (path.startsWith(HERE)) path = `${folder}/${path.slice(HERE.length)}`;
  else if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.includes(HERE)) return { written: shown };
  else {
    const resource = /^([A-Za-z_][\w.]*):(.*)$/.exec(path);
    if (resource) path = `${resource[1]!.replaceAll('.', '/')}/${resource[2]!}`;
    path = `${folder}/${path}`;
  }
  const parts: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { written: shown };
      parts.pop();
    } else parts.push(part);
  }
  return { written: shown, dir: parts.join('/') || '.' };
}
