import type { DetectedSet, LayoutDiscovery } from '../../migrations/layout.js';
import { flywayOutOfOrderAbove, flywayTableAbove } from './flyway-settings.js';
import { flywayLocations } from './flyway-locations.js';

/** Folder names of per-database copies of one migration history (Spring's `{vendor}`, DSpace's `sqlmigration/<db>`). */
const VENDOR_DIR = /^(?:postgres|postgresql|pg|pgsql|h2|hsql|hsqldb|oracle|mysql|mariadb|sqlserver|mssql|db2|derby|sqlite|sybase|informix|firebird|cockroachdb|redshift|snowflake)$/i;
const POSTGRES_DIR = /^(?:postgres|postgresql|pg|pgsql)$/i;
/** Flyway's default location, `classpath:db/migration` (https://documentation.red-gate.com/fd/locations-184127455.html). */
const FLYWAY_DEFAULT = /(?:^|\/)db\/migration$/;

/**
 * Flyway sets wherever they sit (a `src/main/resources/...` tree is as good
 * as `db/flyway`): the locations the project configures (flywayLocations),
 * Flyway's default `db/migration`, and any folder whose `.sql` files are
 * mostly `V1__x.sql`. Flyway reads a location's sub-folders, so a folder
 * inside a set is part of it. Per-database copies of one history (`h2/`,
 * `oracle/`, `postgres/` side by side) are one set: the PostgreSQL one,
 * which guard deploys to, and the report says the others were left out.
 */
export function detectFlywaySets(paths: readonly string[], byDir: ReadonlyMap<string, readonly string[]>, contentOf: (path: string) => string | undefined): LayoutDiscovery {
  const scripts = new Map<string, number>();
  for (const [dir, names] of byDir) {
    const sql = names.filter((name) => name.endsWith('.sql'));
    const named = sql.filter((name) => FLYWAY_MIGRATION.test(name)).length;
    if (named > 0 && named * 2 >= sql.filter((name) => !FLYWAY_FILE.test(name)).length + named) scripts.set(dir, sql.length);
  }
  const inside = (dir: string, root: string) => root === '.' || dir === root || dir.startsWith(`${root}/`);
  const sqlUnder = (root: string) => [...byDir].filter(([dir]) => inside(dir, root)).flatMap(([dir, names]) => names.filter((name) => name.endsWith('.sql')).map((name) => `${dir}/${name}`));
  const sets: DetectedSet[] = [];
  const claimedRoots: string[] = [];
  const present = new Set(paths);
  const take = (dir: string, because: string | ((scripts: string) => string), notes: string[] = []) => {
    const files = sqlUnder(dir);
    const helpers = files.filter((file) => !FLYWAY_FILE.test(file.slice(file.lastIndexOf('/') + 1))).map((file) => (dir === '.' ? file : file.slice(dir.length + 1)));
    // Left out by name; a name with glob characters would match other files too, so it stays a note to act on.
    const exclude = helpers.filter((name) => !/[*?[\]{}\\]/.test(name));
    const unnamed = helpers.filter((name) => !exclude.includes(name));
    const some = (names: string[]) => `${names.length} .sql file${names.length === 1 ? '' : 's'} Flyway does not run (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`;
    const them = (names: string[]) => (names.length === 1 ? 'it' : 'them');
    if (exclude.length > 0) notes.push(`${dir} holds ${some(exclude)}: guard.config.yaml leaves ${them(exclude)} out with exclude:; rename ${them(exclude)} V<version>__<name>.sql instead if Flyway should run ${them(exclude)}`);
    if (unnamed.length > 0) notes.push(`${dir} holds ${some(unnamed)}: list ${them(unnamed)} under the set's exclude: in guard.config.yaml (escaping the glob characters), or rename ${them(unnamed)} V<version>__<name>.sql if Flyway should run ${them(unnamed)}`);
    const count = files.length - helpers.length;
    const described = typeof because === 'string' ? because : because(`${count} Flyway script${count === 1 ? '' : 's'} (V1__x.sql)`);
    const order = flywayOutOfOrderAbove(dir, (file) => (present.has(file) ? contentOf(file) : undefined));
    if (order?.outOfOrder) notes.push(`${order.file} runs Flyway with outOfOrder on: the set says outOfOrder: allow, so a migration added to an older release line is not refused`);
    const moved = flywayTableAbove(dir, (file) => (present.has(file) ? contentOf(file) : undefined));
    sets.push({
      dir,
      tool: 'flyway',
      files: count,
      because: described,
      ...(notes.length > 0 ? { notes } : {}),
      ...(exclude.length > 0 ? { exclude } : {}),
      ...(order?.outOfOrder ? { outOfOrder: 'allow' as const } : {}),
      ...(moved ? { table: moved.table } : {}),
    });
    claimedRoots.push(dir);
  };
  const claimed = (dir: string) => claimedRoots.some((root) => inside(dir, root));

  const configured = flywayLocations(paths, contentOf);
  for (const location of configured) {
    if (!claimed(location.dir) && !sets.some((set) => inside(set.dir, location.dir))) take(location.dir, location.source);
  }
  const defaults = new Set([...scripts.keys()].map((dir) => /^(.*?(?:^|\/)db\/migration)(?:\/|$)/.exec(dir)?.[1]).filter((dir): dir is string => dir !== undefined && FLYWAY_DEFAULT.test(dir)));
  for (const dir of defaults) {
    const vendorChildren = [...scripts.keys()].some((child) => child.startsWith(`${dir}/`) && VENDOR_DIR.test(child.slice(dir.length + 1).split('/')[0]!));
    if (!vendorChildren && !claimed(dir)) take(dir, (count) => `${count} in Flyway's default location db/migration`);
  }

  const remaining = [...scripts.keys()].filter((dir) => !claimed(dir)).sort();
  const tops = remaining.filter((dir) => !remaining.some((other) => other !== dir && inside(dir, other)));
  const parentOf = (dir: string) => (dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.');
  const nameOf = (dir: string) => dir.slice(dir.lastIndexOf('/') + 1);
  for (const dir of tops) {
    // Siblings include folders a configured location already took (Spring's `{vendor}`).
    const vendors = [...scripts.keys()].filter((other) => parentOf(other) === parentOf(dir) && VENDOR_DIR.test(nameOf(other))).sort();
    const postgres = vendors.find((other) => POSTGRES_DIR.test(nameOf(other)));
    const others = vendors.filter((other) => other !== postgres).map((other) => `${nameOf(other)}/`);
    if (postgres === undefined || vendors.length < 2 || !vendors.includes(dir)) {
      take(dir, (count) => count);
    } else if (dir === postgres) {
      take(dir, (count) => `${count}, PostgreSQL's of the per-database folders ${vendors.map((other) => `${nameOf(other)}/`).join(', ')}`, [
        `${dir}: guard deploys to PostgreSQL, so of the per-database copies of these migrations it guards ${nameOf(dir)}/ and leaves out ${others.join(', ')} (add them as sets of their own to lock them too)`,
      ]);
    } else {
      claimedRoots.push(dir);
      const chosen = sets.find((set) => set.dir === postgres && !set.because.includes('per-database'));
      if (chosen) (chosen.notes ??= []).push(`${dir} is another database's copy of ${postgres}: left out (add it as a set of its own to lock it too)`);
    }
  }
  return { sets, claims: claimed };
}

/** A Flyway migration's name: versioned, undo or repeatable. */
const FLYWAY_MIGRATION = /^(?:[VU]\d+(?:[._]\d+)*|R)__.+\.sql$/;
/** A file name Flyway runs: a migration, or a callback. */
const FLYWAY_FILE = /^(?:(?:[VU]\d+(?:[._]\d+)*|R)__.+|(?:before|after)[A-Z][A-Za-z]*(?:__.*)?)\.sql$/;
