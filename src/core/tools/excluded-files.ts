import type { FileReading, Problem, Tool } from '../migrations/types.js';
import { TOOL_BY_NAME } from './registry.js';

/**
 * A glob of the config's `exclude:` as a test of set-relative paths: `*` and
 * `?` stay within one folder name, `**` spans folders (`helpers/**`,
 * `**` + `/seed.sql`), everything else is literal.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 'u');
  return (path) => regex.test(path);
}

/**
 * Whether the set's tool would run `path` as a migration, from what guard
 * knows of it (each tool's `runsAsMigration`: a versioned plain SQL name, a
 * Flyway `V`/`U`/`R` script, an Alembic file that declares a revision).
 * Such a file cannot be excluded: the tool would run what guard does not
 * check. Only files the tool reads at all are asked (not those in
 * sub-folders of a set that is not recursive).
 */
export function runsAsMigration(tool: Tool, path: string, reading: FileReading | undefined): boolean {
  return TOOL_BY_NAME[tool].runsAsMigration(path, reading) || isControlFile(tool, path);
}

/** Whether the tool reads `path` to decide what it runs (its `controlFiles`). */
function isControlFile(tool: Tool, path: string): boolean {
  return TOOL_BY_NAME[tool].controlFiles?.includes(path) ?? false;
}

/** The problem of an excluded file the tool runs, or reads to decide what runs (runsAsMigration). */
export function excludedMigration(path: string, tool: Tool, pattern: string, show: (path: string) => string): Problem {
  const { runner } = TOOL_BY_NAME[tool];
  const use = isControlFile(tool, path) ? `reads it to decide what it runs` : 'runs it as a migration';
  return {
    code: 'excluded-migration',
    exitCode: 1,
    file: path,
    message: `${show(path)} is left out by \`exclude: ${pattern}\`, but ${runner} ${use}, which guard would then not check`,
    fix: `take it out of the set's \`exclude:\` (guard lock then locks it); exclude is for helpers the tool does not run`,
  };
}

/** A warning for an `exclude:` pattern that matches nothing (a typo would leave the helper it meant reported, or a migration it did not mean hidden later). */
export function unusedExclude(dir: string, pattern: string): Problem {
  return {
    code: 'exclude-unused',
    exitCode: 1,
    message: `\`exclude: ${pattern}\` of ${dir} matches no file`,
    fix: 'fix the pattern (globs are relative to the set\'s dir) or remove it',
  };
}

/** A warning for a file in a sub-folder that looks like a migration of the tool, which neither guard nor the tool reads. */
export function notRead(path: string, tool: Tool, show: (path: string) => string): Problem {
  return {
    code: 'not-read',
    exitCode: 1,
    file: path,
    message: `${show(path)} looks like ${TOOL_BY_NAME[tool].aMigration} but lies in a sub-folder, which this set does not read, so guard does not lock it`,
    fix: `if the tool runs it, set \`recursive: true\` for the set (guard lock then locks it); if not, add it to the set's \`exclude:\``,
  };
}

/** Whether `path` lies in a folder the set's tool loads as one migration (MigrationTool.runsFolder). */
export function inMigrationFolder(tool: Tool, path: string): boolean {
  return TOOL_BY_NAME[tool].runsFolder?.(path) ?? false;
}

/** The problem of a file in a folder the tool loads as a migration: guard locks files, not what a folder's `index.js` requires. */
export function migrationFolder(path: string, tool: Tool, show: (path: string) => string): Problem {
  const folder = path.slice(0, path.indexOf('/'));
  const { runner } = TOOL_BY_NAME[tool];
  return {
    code: 'migration-folder',
    exitCode: 1,
    file: path,
    message: `${show(folder)} is a folder named like a migration: ${runner} loads it as one (require runs its index.js), which guard cannot lock`,
    fix: `rename the folder so its name does not end in an extension ${runner} loads, or move it out of the set's folder; a migration is one file`,
  };
}
