import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../../src/core/init/detect-migration-dirs.js';
import { detectUnsupportedMigrations, leftOutForUnsupported } from '../../../src/core/init/unsupported-tools.js';
import { scriptSettings } from '../../../src/core/tools/node-pg-migrate/pgm-layout.js';

/** What guard init does: the folders of tools it does not read are left out first. */
function detect(files: Record<string, string>) {
  const paths = Object.keys(files);
  const unsupported = detectUnsupportedMigrations(paths, (file) => files[file]);
  return detectMigrationDirs(paths, (file) => files[file], (dir) => leftOutForUnsupported(unsupported, dir));
}

const shape = (found: ReturnType<typeof detect>) => found.map(({ dir, tool, files, exclude, outOfOrder }) => ({ dir, tool, files, ...(exclude ? { exclude } : {}), ...(outOfOrder ? { outOfOrder } : {}) }));
const pkg = (scripts: Record<string, string>, dependencies: Record<string, string> = { 'node-pg-migrate': '^9.0.0' }) => JSON.stringify({ name: 'app', scripts, dependencies });
/** Migrations as `node-pg-migrate create` writes them, with a body. */
function folder(dir: string, names = ['1765100000000_users.js', '1765100001000_orders.js']): Record<string, string> {
  return Object.fromEntries(names.map((name) => [`${dir}/${name}`, name.endsWith('.sql') ? '-- Up Migration\nCREATE TABLE t (id int);\n\n-- Down Migration\nDROP TABLE t;\n' : "export const up = (pgm) => {\n  pgm.createTable('t', { id: 'id' });\n};\n"]));
}

describe('guard init finds node-pg-migrate folders', () => {
  it("the default migrations/ beside a package.json that runs node-pg-migrate", () => {
    const found = detect({ 'package.json': pkg({ migrate: 'node-pg-migrate' }), ...folder('migrations') });
    assert.deepEqual(shape(found), [{ dir: 'migrations', tool: 'node-pg-migrate', files: 2 }]);
    assert.equal(found[0]!.because, `2 node-pg-migrate migrations, node-pg-migrate's default migrations/ for package.json script "migrate"`);
  });

  it('-m and --migrations-dir= in scripts, relative to their package.json in a monorepo', () => {
    const found = detect({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['packages/*'] }),
      'packages/db/package.json': pkg({ 'migrate:up': 'node-pg-migrate up -m src/migrations --check-order', 'migrate:create': 'node-pg-migrate create -m src/migrations -j sql' }),
      ...folder('packages/db/src/migrations', ['1765100000000_init.sql', '1765100001000_users.sql']),
      'packages/api/package.json': pkg({ migrate: 'dotenv -- node-pg-migrate --migrations-dir="db/pg migrations" up && npm run seed' }),
      ...folder('packages/api/db/pg migrations'),
    });
    assert.deepEqual(shape(found), [
      { dir: 'packages/api/db/pg migrations', tool: 'node-pg-migrate', files: 2 },
      { dir: 'packages/db/src/migrations', tool: 'node-pg-migrate', files: 2 },
    ]);
    assert.match(found[1]!.because, /-m src\/migrations in packages\/db\/package\.json script "migrate:up"/);
  });

  it("-f's config file (JSON, or literal strings of a JavaScript one) and config/default.json's db section; --ignore-pattern makes exclude:, --no-check-order outOfOrder: allow", () => {
    const json = detect({
      'package.json': pkg({ migrate: 'node-pg-migrate -f config/pgm.json' }),
      'config/pgm.json': JSON.stringify({ db: { 'migrations-dir': 'sql/pgm', 'ignore-pattern': '(README\\.md|.*\\.map)', 'check-order': false } }),
      ...folder('sql/pgm'),
      'sql/pgm/README.md': '# how to write one',
    });
    assert.deepEqual(shape(json), [{ dir: 'sql/pgm', tool: 'node-pg-migrate', files: 2, exclude: ['README.md'], outOfOrder: 'allow' }]);
    assert.match(json[0]!.because, /migrations-dir in config\/pgm\.json/);

    const js = detect({ 'package.json': pkg({ migrate: 'node-pg-migrate --config-file pgm.config.cjs --no-check-order' }), 'pgm.config.cjs': "module.exports = {\n  'migrations-dir': 'database/migrations',\n  'migrations-table': 'pgmigrations',\n};\n", ...folder('database/migrations') });
    assert.deepEqual(shape(js), [{ dir: 'database/migrations', tool: 'node-pg-migrate', files: 2, outOfOrder: 'allow' }]);

    const config = detect({ 'package.json': pkg({ migrate: 'node-pg-migrate' }), 'config/default.json': JSON.stringify({ db: { url: 'postgres://localhost/app', 'migrations-dir': 'db/pgm' } }), ...folder('db/pgm') });
    assert.deepEqual(shape(config), [{ dir: 'db/pgm', tool: 'node-pg-migrate', files: 2 }]);
  });

  it('a folder named through a shell variable or a glob is not followed: the folder is found by its files, and init says what to check', () => {
    const found = detect({ 'package.json': pkg({ migrate: 'node-pg-migrate -m $MIGRATIONS_DIR' }), ...folder('db/migrations') });
    assert.deepEqual(shape(found), [{ dir: 'db/migrations', tool: 'node-pg-migrate', files: 2 }]);
    assert.equal(found[0]!.because, '2 node-pg-migrate migrations (up(pgm))');
    assert.deepEqual(found[0]!.notes, ['package.json: script "migrate" names node-pg-migrate\'s migrations with a shell variable ($MIGRATIONS_DIR), which guard does not follow: the folders below it that hold node-pg-migrate migrations are proposed; check that guard.config.yaml lists the one(s) it runs, as `- dir: <folder>` with `tool: node-pg-migrate`']);
    const glob = detect({ 'packages/db/package.json': pkg({ migrate: 'node-pg-migrate --use-glob -m "src/**/migrations/*.ts"' }), ...folder('packages/db/src/a/migrations', ['1765100000000_x.ts']) });
    assert.deepEqual(shape(glob), [{ dir: 'packages/db/src/a/migrations', tool: 'node-pg-migrate', files: 1 }]);
    assert.match(glob[0]!.notes![0]!, /with a glob \(src\/\*\*\/migrations\/\*\.ts\)/);
  });

  it('a folder of node-pg-migrate migrations without any package.json, .sql ones by their -- Up Migration marker', () => {
    assert.deepEqual(shape(detect(folder('server/pgm'))), [{ dir: 'server/pgm', tool: 'node-pg-migrate', files: 2 }]);
    const sql = detect(folder('db/migrations', ['1765100000000_init.sql', '1765100001000_users.sql']));
    assert.deepEqual(shape(sql), [{ dir: 'db/migrations', tool: 'node-pg-migrate', files: 2 }]);
    assert.match(sql[0]!.because, /-- Up Migration/);
  });

  it('is not taken for Knex, Sequelize, TypeORM or plain SQL folders', () => {
    const found = detect({
      'knexfile.js': 'module.exports = {};',
      'migrations/20240101000000_users.js': 'exports.up = function (knex) {\n  return knex.schema.createTable("users", () => {});\n};\n',
      'server/migrations/20240101000000-create-user.js': "module.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.createTable('Users', {});\n  },\n};\n",
      'src/migration/1700000000000-Init.ts': 'export class Init1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {}\n}\n',
      'db/sql/001_init.sql': 'CREATE TABLE t (id int);',
    });
    // Knex's, Sequelize's and TypeORM's folders are theirs.
    assert.deepEqual(shape(found), [
      { dir: 'db/sql', tool: 'sql', files: 1 },
      { dir: 'migrations', tool: 'knex', files: 1 },
      { dir: 'server/migrations', tool: 'sequelize', files: 1 },
      { dir: 'src/migration', tool: 'typeorm', files: 1 },
    ]);
  });

  it("a table the flags or the -f config file move becomes the set's table: (--migrations-schema, else the first --schema, else public)", () => {
    const tableOf = (files: Record<string, string>) => detect({ ...folder('migrations'), ...files })[0]!.table;
    assert.equal(tableOf({ 'package.json': pkg({ migrate: 'node-pg-migrate up -t schema_log --migrations-schema ops' }) }), 'ops.schema_log');
    assert.equal(tableOf({ 'package.json': pkg({ migrate: 'node-pg-migrate up -s app,public' }) }), 'app.pgmigrations');
    assert.equal(tableOf({ 'package.json': pkg({ migrate: 'node-pg-migrate up -f pgm.json' }), 'pgm.json': '{ "db": { "migrations-table": "history" } }' }), 'public.history');
    assert.equal(tableOf({ 'package.json': pkg({ migrate: 'node-pg-migrate up -t $TABLE' }) }), undefined);
    assert.equal(tableOf({ 'package.json': pkg({ migrate: 'node-pg-migrate up' }) }), undefined);
  });

  it("reads a script's flags as the shell passes them, up to the end of its command", () => {
    assert.deepEqual(scriptSettings('node-pg-migrate up -m db/m --ignore-pattern "README\\.md" --check-order false'), { dir: 'db/m', ignorePattern: 'README\\.md', checkOrder: false });
    assert.deepEqual(scriptSettings("npx node-pg-migrate -m='db/m' up; node-pg-migrate-helper -m other"), { dir: 'db/m' });
    assert.deepEqual(scriptSettings('node ./node_modules/node-pg-migrate/bin/node-pg-migrate.js up --use-glob -m "db/**/*.js"'), { useGlob: true, dir: 'db/**/*.js' });
    assert.deepEqual(scriptSettings('echo node-pg-migrate-like && tsc'), {});
  });
});
