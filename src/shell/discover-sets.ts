import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MigrationSetConfig } from '../core/config/validate-config.js';
import { ADAPTERS, detectTool } from '../core/migrations/adapters.js';
import type { DiscoveredSet, Tool } from '../core/migrations/types.js';
import type { SetUnderCheck } from '../core/verify/compare-with-lockfile.js';
import { readMigrationFiles, type Source } from './read-migration-files.js';

/**
 * Reads every configured migration dir at `source` and runs its tool's
 * adapter. Tools the config leaves out are detected from the files.
 */
export async function discoverSets(root: string, sets: readonly MigrationSetConfig[], source: Source): Promise<SetUnderCheck[]> {
  const requests = sets.map((set) => {
    const adapter = set.tool ? ADAPTERS[set.tool] : undefined;
    return {
      dir: set.dir,
      recursive: set.recursive ?? (set.tool === 'alembic' ? alembicIniRecursive(root, set.dir) : (adapter?.recursiveByDefault ?? false)),
      // Undetected tools: read both kinds of candidate, then decide.
      wants: adapter ? (file: string) => adapter.candidate(file) : (file: string) => file.endsWith('.py') || file.endsWith('.sql'),
    };
  });
  const listings = await readMigrationFiles(root, requests, source);
  return sets.map((set) => {
    const { files, problems } = listings.get(set.dir)!;
    const contents = new Map(files.map((file) => [file.path, file.bytes]));
    const tool: Tool | undefined =
      set.tool ?? detectTool(files.map((file) => file.path), (file) => Buffer.from(contents.get(file) ?? []).toString('utf8'));
    if (!tool) {
      return { dir: set.dir, discovered: emptySet('sql', problems.length > 0 ? problems : [noTool(set.dir, files.length)]) };
    }
    const discovered = ADAPTERS[tool].discover(files, set.naming ? { naming: set.naming } : {});
    discovered.problems.unshift(...problems);
    if (discovered.migrations.length === 0 && discovered.problems.length === 0) {
      discovered.problems.push({
        code: 'empty-dir',
        exitCode: 2,
        message: `migration dir ${set.dir} holds no ${tool} migrations${discovered.ignored.length ? ` (ignored: ${discovered.ignored.slice(0, 3).join(', ')}${discovered.ignored.length > 3 ? ', ...' : ''})` : ''}`,
        fix: `check \`dir\` and \`tool\` for ${set.dir} in the config, or add the first migration`,
      });
    }
    return { dir: set.dir, discovered };
  });
}

/**
 * Alembic reads sub-folders of a version location only with
 * `recursive_version_locations = true` in alembic.ini
 * (https://alembic.sqlalchemy.org/en/latest/branches.html#working-with-multiple-bases).
 * The nearest alembic.ini above the dir, up to the repository root, decides.
 */
function alembicIniRecursive(root: string, dir: string): boolean {
  let at = path.join(root, dir);
  for (;;) {
    let text: string | undefined;
    try {
      text = readFileSync(path.join(at, 'alembic.ini'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) return /^\s*recursive_version_locations\s*=\s*(?:true|1|yes|on)\s*$/im.test(text);
    if (path.resolve(at) === path.resolve(root)) return false;
    at = path.dirname(at);
  }
}

function emptySet(tool: Tool, problems: DiscoveredSet['problems']): DiscoveredSet {
  return { tool, migrations: [], heads: [], bases: [], mergePoints: [], branchLabels: {}, problems, ignored: [] };
}

function noTool(dir: string, files: number) {
  return {
    code: 'empty-dir' as const,
    exitCode: 2 as const,
    message: `cannot tell which migration tool ${dir} belongs to (${files} files, none an Alembic revision or .sql migration)`,
    fix: `set \`tool: alembic\`, \`tool: sql\` or \`tool: flyway\` for ${dir} in the config`,
  };
}
