import { VENDORED, type LayoutDiscovery } from '../migrations/layout.js';
import { MIGRATION_TOOLS } from '../tools/registry.js';

/** A folder of migrations written for a tool guard does not read yet. */
export interface UnsupportedSet {
  dir: string;
  /** The tool's name, as its users know it. */
  tool: string;
  /** Migrations found (files, or Sqitch's per-migration entries). */
  files: number;
  /** What gave it away, for the report. */
  because: string;
  /** The folders that hold its files, when not `dir` and everything under it (Sqitch's deploy/, revert/, verify/). */
  covers?: string[];
  /** Folders beside it that hold the tool's other files, not migrations (Rails' db/ with structure.sql): not searched for migrations. */
  beside?: string[];
}

/** Rails: `db/migrate/<14-digit timestamp>_<name>.rb` (https://guides.rubyonrails.org/active_record_migrations.html). */
const RAILS_MIGRATION = /^\d{14}_\w+\.rb$/;
/** Django: `<app>/migrations/0001_initial.py` (https://docs.djangoproject.com/en/stable/topics/migrations/). */
const DJANGO_NAME = /^\d{4}_\w+\.py$/;
const DJANGO_CLASS = /^class\s+Migration\s*\(\s*migrations\.Migration\s*\)/m;
/** Script migrations of a Node.js tool guard does not read (db-migrate, umzug on its own, MikroORM), recognised by their `up`. */
const SCRIPT = /\.(?:js|cjs|mjs|ts)$/;
const SCRIPT_UP = /\bexports\.up\b|\bexport\s+(?:async\s+)?function\s+up\b|\bup\s*:\s*(?:async\s*)?(?:function|\()/;
/** Folders script migrations live in. */
const SCRIPT_DIR = /(?:^|\/)(?:migrations?|migrate)$/i;
/** Files of the same script migrations read to recognise them; the rest are assumed alike. */
const SCRIPT_SAMPLE = 3;
/** How much of a file the patterns look at: a migration says what it is near its top. */
const HEAD = 64 * 1024;

/**
 * The migration folders of tools guard does not read yet: Rails,
 * Django, Sqitch, and script migrations (`exports.up`) in a folder no tool
 * guard reads takes (TypeORM, Knex, Sequelize, Kysely and node-pg-migrate
 * folders are read). `guard init` names them
 * instead of reporting no migrations, or locking them as something they are
 * not. Pure: the caller lists the files and reads the few whose content
 * matters (a sample of each candidate folder).
 *
 * @param paths repository-relative POSIX paths of tracked and untracked files
 * @param contentOf the text of a file
 */
export function detectUnsupportedMigrations(paths: readonly string[], contentOf: (path: string) => string | undefined): UnsupportedSet[] {
  const byDir = new Map<string, string[]>();
  const found = new Map<string, UnsupportedSet>();
  for (const path of paths) {
    if (VENDORED.test(path)) continue;
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '.' : path.slice(0, slash);
    const names = byDir.get(dir) ?? [];
    names.push(path.slice(slash + 1));
    byDir.set(dir, names);
  }
  const at = (dir: string, name: string) => (dir === '.' ? name : `${dir}/${name}`);
  const head = (file: string) => (contentOf(file) ?? '').slice(0, HEAD);
  // A folder of scripts a tool guard reads names or recognises (a knexfile's directory, Sequelize's queryInterface) is that tool's.
  let layouts: LayoutDiscovery[] | undefined;
  const read = (dir: string, names: readonly string[]) => {
    layouts ??= MIGRATION_TOOLS.flatMap((tool) => (tool.detectLayout ? [tool.detectLayout({ paths, byDir, contentOf, leftOut: () => false })] : []));
    return layouts.some((layout) => layout.claims(dir)) || MIGRATION_TOOLS.some((tool) => tool.recogniseFolder?.(dir, names, contentOf) !== undefined);
  };

  for (const [dir, names] of byDir) {
    if (found.has(dir)) continue;
    if (names.includes('sqitch.plan')) {
      const deploy = byDir.get(at(dir, 'deploy'))?.filter((name) => name.endsWith('.sql')).length ?? 0;
      const covers = ['deploy', 'revert', 'verify'].map((name) => at(dir, name));
      found.set(dir, { dir, tool: 'Sqitch', files: deploy, because: `sqitch.plan${deploy > 0 ? ' with deploy/, revert/, verify/' : ''}`, covers });
      continue;
    }
    const rails = names.filter((name) => RAILS_MIGRATION.test(name));
    if (rails.length > 0 && rails.length * 2 >= names.filter((name) => name.endsWith('.rb')).length) {
      // Rails dumps the schema beside db/migrate (db/structure.sql): a file rewritten by every migration, not one.
      const beside = /(?:^|\/)db\/migrate$/.test(dir) ? [dir.slice(0, -'/migrate'.length)] : undefined;
      found.set(dir, { dir, tool: 'Rails', files: rails.length, because: 'db/migrate/<timestamp>_<name>.rb', ...(beside ? { beside } : {}) });
      continue;
    }
    const django = names.filter((name) => DJANGO_NAME.test(name)).sort();
    if (django.length > 0 && django.slice(0, SCRIPT_SAMPLE).some((name) => DJANGO_CLASS.test(head(at(dir, name))))) {
      found.set(dir, { dir, tool: 'Django', files: django.length, because: 'class Migration(migrations.Migration)' });
      continue;
    }
    if (!SCRIPT_DIR.test(dir) || read(dir, names)) continue;
    const scripts = names.filter((name) => SCRIPT.test(name) && /^\d/.test(name) && !name.endsWith('.d.ts')).sort();
    if (scripts.length === 0) continue;
    const texts = scripts.slice(0, SCRIPT_SAMPLE).map((name) => head(at(dir, name)));
    if (!texts.some((text) => SCRIPT_UP.test(text)) || read(dir, names)) continue;
    found.set(dir, { dir, tool: 'JavaScript', files: scripts.length, because: 'exports.up / exports.down' });
  }
  return [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/** What guard reads, for messages about what it does not. */
export const SUPPORTED_TOOLS = 'Alembic revisions, plain SQL files, Flyway scripts, and Prisma, Drizzle, TypeORM, Knex, Sequelize, Kysely and node-pg-migrate migrations';

/** "<dir> holds <Tool> migrations, which guard does not read yet". */
export function describeUnsupported(set: UnsupportedSet): string {
  const where = set.dir === '.' ? 'the repository root' : set.dir;
  const what = set.files > 0 ? `${set.files} ${set.tool} migration${set.files === 1 ? '' : 's'}` : `${set.tool} migrations`;
  return `${where} holds ${what} (${set.because}), which guard does not read yet`;
}

/** The unsupported set `dir` is, or lies inside (Sqitch's deploy/). */
export function unsupportedHolding(sets: readonly UnsupportedSet[], dir: string): UnsupportedSet | undefined {
  return sets.find((set) => (set.covers ?? [set.dir]).some((covered) => within(dir, covered)));
}

/** Whether detection should not look in `dir`: a folder of an unsupported set, or beside one (Rails' db/structure.sql). */
export function leftOutForUnsupported(sets: readonly UnsupportedSet[], dir: string): boolean {
  return sets.some((set) => [...(set.covers ?? [set.dir]), ...(set.beside ?? [])].some((covered) => within(dir, covered)));
}

function within(dir: string, folder: string): boolean {
  return folder === '.' || dir === folder || dir.startsWith(`${folder}/`);
}
