import { movedTable, objectsOfKey, readConfigPath, valuesOfKey } from '../../migrations/config-text.js';
import { folderOf, resolveInRepository } from '../../paths.js';
import { countFileNamed, type FileNamedRules } from '../../migrations/file-named-set.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';

/** The knexfiles the Knex CLI finds (bin/cli.js, the ones a project writes in JavaScript or TypeScript). */
const KNEXFILE = /(?:^|\/)knexfile\.(?:js|ts|cjs|mjs)$/;

/**
 * `guard init`'s Knex sets: for each knexfile, the folders its
 * `migrations: { directory }` names (a string or a list, in any
 * environment), read as text, relative to the knexfile's folder (where
 * projects run `knex`; Knex itself resolves them against the cwd), else
 * Knex's default `migrations` beside it; a folder that holds Knex
 * migrations. A directory written as code guard does not run falls back to
 * the default folder, with a note saying what to write in the config.
 */
export function detectKnexSets({ paths, byDir, contentOf, leftOut }: RepositoryFiles, rules: FileNamedRules): LayoutDiscovery {
  const sets = new Map<string, DetectedSet>();
  for (const knexfile of paths.filter((path) => KNEXFILE.test(path) && !VENDORED.test(path))) {
    const base = folderOf(knexfile);
    const blocks = objectsOfKey(contentOf(knexfile) ?? '', 'migrations');
    const written = blocks.flatMap((block) => valuesOfKey(block, 'directory').flat());
    const notes: string[] = [];
    const named: { dir: string; because: string }[] = [];
    for (const expression of written) {
      const read = readConfigPath(expression);
      const dir = read && resolveInRepository(base, read.path);
      if (dir === undefined) notes.push(`${knexfile} sets migrations.directory to \`${expression}\`, which guard cannot read without running it: if Knex runs another folder than the ones guard init found, name it in guard.config.yaml (\`- dir: <folder>\` with \`tool: knex\`)`);
      else named.push({ dir, because: `migrations.directory in ${knexfile}` });
    }
    if (named.length === 0) named.push({ dir: resolveInRepository(base, 'migrations')!, because: `Knex's default folder beside ${knexfile}` });
    // Where Knex keeps knex_migrations: the set's table:, or a note when guard cannot read it.
    const moved = movedTable(blocks, { table: 'tableName', schema: 'schemaName' }, 'knex_migrations');
    if (moved?.unread) notes.push(`${knexfile} moves Knex's table with migrations.${moved.unread} written as code or differently per environment: write the table Knex uses as the set's \`table: schema.name\` in guard.config.yaml, or guard deploy and guard status read knex_migrations`);
    for (const { dir, because } of named) {
      const files = countFileNamed(rules, byDir, dir);
      if (files === 0 || leftOut(dir) || sets.has(dir)) continue;
      sets.set(dir, { dir, tool: 'knex', files, because: `${files} Knex migration${files === 1 ? '' : 's'}, ${because}`, ...(notes.length > 0 ? { notes } : {}), ...(moved?.table ? { table: moved.table } : {}) });
    }
  }
  const found = [...sets.values()];
  return { sets: found, claims: (dir) => sets.has(dir) };
}
