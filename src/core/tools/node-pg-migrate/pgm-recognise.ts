import type { DetectedSet } from '../../migrations/layout.js';
import { pgmNumericPrefix } from './pgm-order.js';

/** node-pg-migrate's migration scripts, by extension (its default loaders). */
const SCRIPT = /\.(?:[cm]?js|[cm]?ts|sql)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
/**
 * What a node-pg-migrate migration says near its top: `up(pgm)` and calls on
 * the builder (`pgm.createTable(...)`), its types from `node-pg-migrate`, or
 * in a `.sql` file the `-- Up Migration` marker its SQL loader splits on
 * (`^\s*--[\s-]*up\s+migration`, case-insensitive, src/sqlMigration.ts).
 */
const PGM_SCRIPT = /\bpgm\s*\.\s*\w+\s*\(|\(\s*pgm\s*[:,)]|['"]node-pg-migrate['"]/;
const PGM_SQL = /^[ \t]*--[\s-]*up\s+migration/im;
/** Signs of the other Node.js tools: a folder showing one of them is not taken for node-pg-migrate's. */
const OTHER_TOOL = /\bqueryInterface\b|\bMigrationInterface\b|\bknex\s*\.\s*(?:schema|raw)\b|\bKysely\s*</;
/** Files read to recognise a folder; a migration says what it is near its top. */
const SAMPLE = 5;
const HEAD = 64 * 1024;

/**
 * `guard init`, for a folder no layout claimed: node-pg-migrate's when most
 * of its files are migration scripts with a numeric prefix and the first
 * ones read as node-pg-migrate migrations (and none as Knex, Sequelize,
 * TypeORM or Kysely ones), whatever the folder is called.
 */
export function recognisePgmFolder(dir: string, names: readonly string[], contentOf: (path: string) => string | undefined): DetectedSet | undefined {
  const visible = names.filter((name) => !name.startsWith('.'));
  const scripts = visible.filter((name) => SCRIPT.test(name) && !DECLARATION.test(name) && pgmNumericPrefix(name) !== undefined).sort();
  if (scripts.length === 0 || scripts.length * 2 <= visible.length) return undefined;
  const heads = scripts.slice(0, SAMPLE).map((name) => ({ name, text: (contentOf(dir === '.' ? name : `${dir}/${name}`) ?? '').slice(0, HEAD) }));
  if (heads.some(({ text }) => OTHER_TOOL.test(text))) return undefined;
  const pgm = heads.filter(({ name, text }) => (name.endsWith('.sql') ? PGM_SQL : PGM_SCRIPT).test(text));
  if (pgm.length === 0) return undefined;
  const what = pgm.some(({ name }) => !name.endsWith('.sql')) ? 'up(pgm)' : '-- Up Migration';
  return { dir, tool: 'node-pg-migrate', files: scripts.length, because: `${scripts.length} node-pg-migrate migration${scripts.length === 1 ? '' : 's'} (${what})` };
}
