import { parentDir, resolveWithin } from '../../paths.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';
import { DRIZZLE_JOURNAL } from './drizzle-journal.js';
import { DRIZZLE_MIGRATIONS_TABLE } from './drizzle-table.js';

/** drizzle-kit's config files (https://orm.drizzle.team/docs/drizzle-config-file); `--config` may name others. */
const CONFIG_FILE = /(?:^|\/)drizzle(?:[.-][\w-]+)?\.config\.(?:ts|mts|cts|js|mjs|cjs|json)$/;
/** `out: './drizzle'` in a TypeScript or JavaScript config, `"out": "drizzle"` in JSON: a literal string only. */
const OUT = /(?:^|[\s{,])["']?out["']?\s*:\s*(["'`])([^"'`$\n]*)\1/m;
/** `migrations: { table: '...', schema: '...' }` (https://orm.drizzle.team/docs/drizzle-config-file#migrations): where drizzle-orm's migrator keeps its table. */
const MIGRATIONS_BLOCK = /(?:^|[\s{,])["']?migrations["']?\s*:\s*\{([^{}]*)\}/m;
const literal = (key: string) => new RegExp(`(?:^|[\\s{,])["']?${key}["']?\\s*:\\s*(["'\`])([^"'\`$\\n]*)\\1`, 'm');

/**
 * Drizzle Kit's migration folders: every folder holding `meta/_journal.json`
 * (the default `drizzle/`, a package's in a monorepo, or wherever `out`
 * points), and the `out` of each drizzle.config file, read as text (guard
 * never runs project code; only a literal string is read). A folder `out`
 * names that holds `.sql` files but no journal is a set too, whose check
 * then reports the missing journal. `out` is relative to the folder
 * drizzle-kit runs in: the config's own, as projects run it.
 */
export function detectDrizzleSets({ paths, contentOf, leftOut }: RepositoryFiles): LayoutDiscovery {
  const present = paths.filter((path) => !VENDORED.test(path));
  const journals = new Set(present.filter((path) => path === DRIZZLE_JOURNAL || path.endsWith(`/${DRIZZLE_JOURNAL}`)).map((path) => parentDir(parentDir(path))));
  const because = new Map<string, string>();
  const tables = new Map<string, string>();
  for (const config of present.filter((path) => CONFIG_FILE.test(path))) {
    const text = contentOf(config) ?? '';
    const out = OUT.exec(text)?.[2];
    if (out === undefined) continue;
    const dir = resolveWithin(parentDir(config), out);
    if (dir === undefined || because.has(dir)) continue;
    // A folder `out` names that holds SQL but no journal is still Drizzle's: the set then reports the missing journal.
    if (journals.has(dir) || present.some((path) => parentDir(path) === dir && path.endsWith('.sql'))) {
      journals.add(dir);
      because.set(dir, `out: ${out} in ${config}`);
      const table = migrationsTable(text);
      if (table !== undefined) tables.set(dir, table);
    }
  }
  const sets: DetectedSet[] = [];
  for (const dir of [...journals].sort()) {
    if (leftOut(dir)) continue;
    const inside = (path: string) => dir === '.' || path.startsWith(`${dir}/`);
    const scripts = present.filter((path) => inside(path) && path.endsWith('.sql') && !path.slice(dir === '.' ? 0 : dir.length + 1).includes('/')).length;
    const table = tables.get(dir);
    sets.push({ dir, tool: 'drizzle', files: scripts, because: because.get(dir) ?? `Drizzle Kit journal ${dir === '.' ? '' : `${dir}/`}${DRIZZLE_JOURNAL}`, ...(table ? { table } : {}) });
  }
  const roots = sets.map((set) => set.dir);
  return { sets, claims: (dir) => roots.some((root) => root === '.' || dir === root || dir.startsWith(`${root}/`)) };
}

/**
 * The table a config's `migrations` block moves drizzle's to, as the set's
 * `table:` (`schema.name`; drizzle's defaults fill the half not written);
 * undefined when the block is absent or names neither as a literal.
 */
export function migrationsTable(config: string): string | undefined {
  const block = MIGRATIONS_BLOCK.exec(config)?.[1];
  if (block === undefined) return undefined;
  const table = literal('table').exec(block)?.[2];
  const schema = literal('schema').exec(block)?.[2];
  if (!table && !schema) return undefined;
  return `${schema || DRIZZLE_MIGRATIONS_TABLE.schema}.${table || DRIZZLE_MIGRATIONS_TABLE.table}`;
}
