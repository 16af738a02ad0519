import type { DetectedSet, LayoutDiscovery, RepositoryFiles } from '../../migrations/layout.js';
import { PRISMA_LOCK_FILE } from './prisma-adapter.js';

/** Prisma's config file (Prisma 6.x and later): `prisma.config.ts` and its JavaScript forms (https://www.prisma.io/docs/orm/reference/prisma-config-reference). */
const CONFIG_FILE = /(?:^|\/)prisma\.config\.(?:ts|mts|cts|js|mjs|cjs)$/;
/** `migrations: { path: '...' }` in prisma.config.ts, read as text: guard never runs project code. */
const MIGRATIONS_PATH = /migrations\s*:\s*\{[^{}]*?\bpath\s*:\s*(['"`])([^'"`\n]+)\1/;
/** `schema: '...'` in prisma.config.ts. */
const SCHEMA_PATH = /\bschema\s*:\s*(['"`])([^'"`\n]+)\1/;
/** A migration folder as `prisma migrate dev` names it, or a baseline such as `0_init`. */
const FOLDER_NAME = /^\d+_./;

/**
 * `guard init`'s Prisma sets: the migrations directories that hold
 * `<folder>/migration.sql` files, wherever they are (`prisma/migrations` at
 * the root, `packages/*\/prisma/migrations` or `packages/prisma/migrations`
 * in a monorepo). A directory is Prisma's when its config names it
 * (`prisma.config.ts` `migrations.path`, or the folder beside the schema
 * that its `schema`, package.json's `prisma.schema` or a `schema.prisma`
 * file points to: Prisma's default), when it holds `migration_lock.toml`,
 * or when most of its folders are named `<timestamp>_<name>`. Config files
 * are read as text; a path built by code is not followed.
 */
export function detectPrismaSets({ paths, contentOf, leftOut }: RepositoryFiles): LayoutDiscovery {
  const folders = new Map<string, Set<string>>();
  for (const path of paths) {
    const match = /^(?:(.*)\/)?([^/]+)\/migration\.sql$/.exec(path);
    if (!match) continue;
    const dir = match[1] ?? '.';
    if (leftOut(dir)) continue;
    let names = folders.get(dir);
    if (!names) folders.set(dir, (names = new Set()));
    names.add(match[2]!);
  }
  const present = new Set(paths);
  const named = new Map<string, string>();
  const name = (dir: string, because: string) => {
    if (!named.has(dir)) named.set(dir, because);
  };
  for (const path of paths) {
    const base = parentOf(path);
    if (CONFIG_FILE.test(path)) {
      const text = contentOf(path);
      if (text === undefined) continue;
      const migrations = MIGRATIONS_PATH.exec(text)?.[2];
      if (migrations !== undefined) name(join(base, migrations), `named by ${path} (migrations.path)`);
      const schema = SCHEMA_PATH.exec(text)?.[2];
      if (schema !== undefined) name(beside(join(base, schema)), `beside the schema ${path} names`);
    } else if (path.endsWith('package.json')) {
      if (!present.has(path)) continue;
      const schema = packageSchema(contentOf(path));
      if (schema !== undefined) name(beside(join(base, schema)), `beside the schema ${path} names (prisma.schema)`);
    } else if (path.endsWith('.prisma') && !path.includes('/migrations/')) {
      name(join(base, 'migrations'), `beside ${path}`);
    }
  }

  const sets: DetectedSet[] = [];
  for (const [dir, names] of [...folders].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (sets.some((set) => inside(dir, set.dir))) continue;
    const dated = [...names].filter((folder) => FOLDER_NAME.test(folder)).length;
    const lock = present.has(join(dir, PRISMA_LOCK_FILE));
    const configured = named.get(dir);
    if (configured === undefined && !lock && dated * 2 <= names.size) continue;
    const count = `${names.size} Prisma migration${names.size === 1 ? '' : 's'} (<timestamp>_<name>/migration.sql)`;
    sets.push({ dir, tool: 'prisma', files: names.size, because: `${count}, ${configured ?? (lock ? `with ${PRISMA_LOCK_FILE}` : 'in folders named as prisma migrate dev names them')}` });
  }
  return { sets, claims: (dir) => sets.some((set) => inside(dir, set.dir)) };
}

/** Prisma keeps migrations in `migrations` beside the schema file, or inside a schema folder (multi-file schemas). */
function beside(schema: string): string {
  return schema.endsWith('.prisma') ? join(parentOf(schema), 'migrations') : join(schema, 'migrations');
}

function packageSchema(text: string | undefined): string | undefined {
  if (text === undefined || !text.includes('"prisma"')) return undefined;
  try {
    const schema = (JSON.parse(text) as { prisma?: { schema?: unknown } }).prisma?.schema;
    return typeof schema === 'string' ? schema : undefined;
  } catch {
    return undefined;
  }
}

function parentOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
}

/** A repository-relative path from a folder and a relative path (`./x`, `../y`); one that leaves the repository stays unnamed. */
function join(base: string, relative: string): string {
  const parts = base === '.' ? [] : base.split('/');
  for (const part of relative.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

function inside(dir: string, root: string): boolean {
  return root === '.' || dir === root || dir.startsWith(`${root}/`);
}
