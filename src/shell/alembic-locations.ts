import path from 'node:path';
import type { MigrationSetConfig } from '../core/config/validate-config.js';
import { ADAPTERS } from '../core/tools/registry.js';
import { isAlembicConfigFile, readAlembicConfigs, type AlembicConfig } from '../core/tools/alembic/alembic-config.js';
import { unreadLocations } from '../core/tools/alembic/version-locations.js';
import type { Finding } from '../core/findings/findings.js';
import { joinPath } from '../core/paths.js';
import { ALEMBIC_CONFIG_LIMITS, recursionAt } from './discover-sets.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit, splitNul } from './git/run-git.js';
import { wholeTree } from './git/whole-tree.js';
import { CONFIG_MAX_BYTES } from './load-config.js';
import { readRegularFile } from './read-bounded-file.js';
import { listMigrationFiles, type Source } from './read-migration-files.js';

const MODE_SYMLINK = '120000';

export interface LocationFindings {
  /** A version location Alembic reads that holds revisions no set guards; a config guard cannot read. */
  findings: Finding[];
  /** A version location outside the repository. */
  warnings: Finding[];
}

/**
 * What the project's Alembic config makes Alembic read beyond the configured
 * sets, at `source`: each `alembic.ini` section and `pyproject.toml`
 * `[tool.alembic]` of the tree, read as git holds it (a commit, the index) or
 * as it is in the work tree. A version location no set reads (or reads flat
 * while Alembic reads it recursively) that holds revision files is a
 * finding: Alembic would run those revisions in every environment, and guard
 * would never lock or seal them. A config that may name locations but cannot
 * be read is a finding too (fail closed); one outside the repository a
 * warning, since nothing in this repository can be guarded there.
 */
export async function alembicLocationFindings(root: string, sets: readonly MigrationSetConfig[], source: Source): Promise<LocationFindings> {
  const { configs, findings } = await readConfigsAt(root, source);
  if (configs.length === 0) return { findings, warnings: [] };
  const recursion = await recursionAt(root, sets, source);
  const { unread, outside } = unreadLocations(
    configs,
    sets.map((set, i) => ({ dir: set.dir, ...(set.tool ? { tool: set.tool } : {}), recursive: recursion[i]! })),
  );
  const where = (config: AlembicConfig) => `${config.file}:${config.line} [${config.section}]`;
  for (const { config, location, recursive, subFoldersOnly } of unread) {
    const listing = (await (await listMigrationFiles(root, [{ dir: location.dir, recursive }], source)).sets()).get(location.dir);
    const revisions = (listing?.files ?? []).filter((file) => ADAPTERS.alembic.candidate(file.path) && (!subFoldersOnly || file.path.includes('/')));
    if (revisions.length === 0) continue;
    const shown = revisions.slice(0, 3).map((file) => joinPath(location.dir, file.path));
    findings.push({
      code: 'unguarded-location',
      exitCode: 1,
      set: location.dir,
      file: config.file,
      line: config.line,
      message: `${where(config)} makes Alembic read ${subFoldersOnly ? `the sub-folders of ${location.dir}` : `version location ${location.dir}${recursive ? ' and its sub-folders' : ''}`}, which no set of the guard config reads${subFoldersOnly ? ' (the set is not recursive)' : ''}: ${revisions.length} revision ${revisions.length === 1 ? 'file' : 'files'} (${shown.join(', ')}${revisions.length > 3 ? ', ...' : ''}) would run without ever being locked or sealed`,
      fix: subFoldersOnly
        ? `set \`recursive: true\` for ${location.dir} in the guard config, then run guard lock`
        : `add \`- dir: ${location.dir}\` (tool: alembic${recursive ? ', recursive: true' : ''}) to the guard config's migrations and run guard lock, or take the location out of ${config.file}`,
    });
  }
  const warnings = outside.map(({ config, location }): Finding => ({
    code: 'unguarded-location',
    exitCode: 1,
    set: '.',
    file: config.file,
    line: config.line,
    message: `${where(config)} names version location ${location.written}, outside the repository: guard cannot lock or seal what Alembic reads there`,
    fix: `keep the project's revisions in the repository and list that folder in ${config.file} and the guard config`,
  }));
  return { findings, warnings };
}

/** The Alembic configs of the tree at `source`, and why any that may configure Alembic could not be read. */
async function readConfigsAt(root: string, source: Source): Promise<{ configs: AlembicConfig[]; findings: Finding[] }> {
  const files = await configFilesAt(root, source);
  const configs: AlembicConfig[] = [];
  const findings: Finding[] = [];
  const unreadable = (file: string, message: string, line?: number): Finding => ({
    code: 'unreadable',
    exitCode: 2,
    set: '.',
    file,
    ...(line === undefined ? {} : { line }),
    message,
    fix: `make ${file} a plain file of ${file.endsWith('.toml') ? 'TOML' : 'ini'} syntax (guard reads where it tells Alembic to look for revisions)`,
  });
  for (const { file, text } of files) {
    if (text === undefined) {
      findings.push(unreadable(file, `${file} is a symlink or not UTF-8 text, so guard cannot tell which version locations it gives Alembic`));
      continue;
    }
    const read = readAlembicConfigs(file, text);
    configs.push(...read.configs);
    if (read.error) findings.push(unreadable(file, `${read.error.message}; guard cannot tell which version locations it gives Alembic`, read.error.line));
  }
  return { configs, findings };
}

/** The config files and their text (undefined: a symlink, or not UTF-8), as `source` holds them. */
async function configFilesAt(root: string, source: Source): Promise<Array<{ file: string; text: string | undefined }>> {
  const decode = (bytes: Buffer | undefined) => {
    if (bytes === undefined) return undefined;
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    try {
      return text.decode(bytes);
    } catch {
      return undefined;
    }
  };
  const limits = ALEMBIC_CONFIG_LIMITS;
  // guard runs git with literal pathspecs (no globs): the whole listing, filtered here.
  const named = (records: string[]) =>
    records.filter((record) => isAlembicConfigFile(record.slice(record.indexOf('\t') + 1)));
  if (source.kind === 'worktree') {
    // The files git tracks, as they are on disk: an untracked alembic.ini is not part of what is verified.
    const listed = named(splitNul(await runGit(root, ['ls-files', '-z', '--cached'])));
    return [...new Set(listed)].flatMap((file) => {
      const read = readRegularFile(path.join(root, file), { maxBytes: CONFIG_MAX_BYTES, followSymlinks: false });
      if (read === undefined) return []; // deleted in the work tree
      if (!Buffer.isBuffer(read) && read.code === 'EFBIG') throw limits.refuse(file, { size: CONFIG_MAX_BYTES + 1, type: 'blob' });
      return [{ file, text: Buffer.isBuffer(read) ? decode(read) : undefined }];
    });
  }
  // "<mode> <object> <stage>\t<file>" (ls-files -s) or "<mode> <type> <object>\t<file>" (ls-tree).
  const records = named(source.kind === 'index' ? splitNul(await runGit(root, ['ls-files', '-z', '-s'])) : await wholeTree(root, source.rev)).map((record) => {
    const tab = record.indexOf('\t');
    const fields = record.slice(0, tab).split(' ');
    return { file: record.slice(tab + 1), mode: fields[0]!, oid: source.kind === 'index' ? fields[1]! : fields[2]! };
  });
  const regular = records.filter((record) => record.mode !== MODE_SYMLINK && record.mode !== '160000');
  const blobs = await readBlobs(root, regular.map((record) => record.oid), limits);
  return records
    .filter((record) => record.mode !== '160000')
    .map((record) => ({ file: record.file, text: record.mode === MODE_SYMLINK ? undefined : decode(blobs.get(record.oid)) }));
}
