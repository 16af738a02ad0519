import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTargetIntegrity } from '../../src/core/deploy/check-target-integrity.js';
import { detectMigrationDirs } from '../../src/core/init/detect-migration-dirs.js';
import { detectUnsupportedMigrations, leftOutForUnsupported } from '../../src/core/init/unsupported-tools.js';
import type { LockEntry } from '../../src/core/lockfile/types.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { TOOL_BY_NAME } from '../../src/core/tools/registry.js';
import { KNEX_MIGRATIONS_TABLE } from '../../src/core/tools/knex/knex-table.js';
import { replayKyselyMigrations } from '../../src/core/tools/kysely/kysely-table.js';
import { SEQUELIZE_META_TABLE } from '../../src/core/tools/sequelize/sequelize-table.js';
import { file, hex64 } from './helpers.js';
import { deployOf, lockSet } from './deploy/fixtures.js';

const KNEX = "exports.up = function (knex) {\n  return knex.schema.createTable('users', (t) => { t.increments(); });\n};\nexports.down = (knex) => knex.schema.dropTable('users');\n";
const KNEX_TS = "import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {}\nexport async function down(knex: Knex): Promise<void> {}\n";
const SEQUELIZE = "'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.createTable('Users', {});\n  },\n  async down(queryInterface) {},\n};\n";
const KYSELY = "import { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>): Promise<void> {\n  await db.schema.createTable('person').execute();\n}\n";
const TYPEORM = "import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Users1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {}\n}\n";

const discover = (tool: 'knex' | 'sequelize' | 'kysely', files: SourceFile[]) => TOOL_BY_NAME[tool].adapter.discover(files, {});
const ids = (result: ReturnType<typeof discover>) => result.migrations.map((migration) => migration.id);

describe('Knex, Sequelize CLI and Kysely migration files', () => {
  it("Knex: its default loadExtensions and .mjs (which migrate:make -x mjs writes), ids with the extension, in file-name order", () => {
    const result = discover('knex', [file('20240102000000_b.cjs'), file('20240101000000_a.js'), file('20240103000000_c.ts'), file('20240104000000_d.mjs'), file('20240105000000_e.coffee'), file('knexfile.json'), file('20240106000000_f.sql')]);
    assert.deepEqual(ids(result), ['20240101000000_a.js', '20240102000000_b.cjs', '20240103000000_c.ts', '20240104000000_d.mjs', '20240105000000_e.coffee']);
    assert.deepEqual(result.ignored.sort(), ['20240106000000_f.sql', 'knexfile.json']);
  });

  it('Sequelize: .js .cjs .ts .cts, not .mjs or .d.ts; any name, a name without a timestamp warned', () => {
    const result = discover('sequelize', [file('20240101000000-a.js'), file('20240102000000-b.cts'), file('20240103000000-c.mjs'), file('types.d.ts'), file('zzz-no-timestamp.js')]);
    assert.deepEqual(ids(result), ['20240101000000-a.js', '20240102000000-b.cts', 'zzz-no-timestamp.js']);
    assert.deepEqual(result.warnings?.map((warning) => `${warning.code}:${warning.file}`), ['naming:zzz-no-timestamp.js']);
    assert.match(result.warnings![0]!.message, /Sequelize runs it all the same, in name order/);
  });

  it('Kysely: ids without the extension, declaration files skipped, a.ts beside a.js refused as one migration', () => {
    const result = discover('kysely', [file('2024_01_01_a.ts'), file('2024_01_02_b.mts'), file('index.d.ts'), file('x.d.mts')]);
    assert.deepEqual(ids(result), ['2024_01_01_a', '2024_01_02_b']);
    const twice = discover('kysely', [file('2024_01_01_a.ts'), file('2024_01_01_a.js')]);
    assert.deepEqual(twice.problems.map((problem) => problem.code), ['duplicate-id']);
    assert.equal(twice.warnings, undefined, 'Kysely names are the project\'s: no naming rule');
  });

  it('runsAsMigration: a file of a loaded extension at the top of the folder may not be excluded; a helper in a sub-folder may', () => {
    assert.equal(TOOL_BY_NAME.knex.runsAsMigration('20240101000000_a.js', undefined), true);
    assert.equal(TOOL_BY_NAME.knex.runsAsMigration('helpers/db.js', undefined), false);
    assert.equal(TOOL_BY_NAME.sequelize.runsAsMigration('a.mjs', undefined), false);
    assert.equal(TOOL_BY_NAME.kysely.runsAsMigration('a.d.ts', undefined), false);
    assert.equal(TOOL_BY_NAME.kysely.runsAsMigration('a.mts', undefined), true);
  });
});

describe('their tables', () => {
  it('knex_migrations by id, SequelizeMeta in name order (it keeps none), kysely_migration by timestamp then name', () => {
    assert.deepEqual(KNEX_MIGRATIONS_TABLE.replay([{ name: '2_b.js', id: 1, migration_time: null }, { name: '1_a.js', id: 2, migration_time: null }]), { tool: 'knex', heads: ['2_b.js'], applied: ['2_b.js', '1_a.js'] });
    assert.deepEqual(SEQUELIZE_META_TABLE.replay([{ name: 'b.js' }, { name: 'B.js' }, { name: 'a.js' }]).applied, ['B.js', 'a.js', 'b.js']);
    assert.deepEqual(
      replayKyselyMigrations([
        { name: 'c', timestamp: '2026-01-01T00:00:00.002Z' },
        { name: 'b', timestamp: '2026-01-01T00:00:00.001Z' },
        { name: 'a', timestamp: '2026-01-01T00:00:00.001Z' },
      ]),
      { tool: 'kysely', heads: ['c'], applied: ['a', 'b', 'c'] },
    );
  });

  it('deploy step 4: an applied name the lockfile lacks, a pending one before applied ones, an edit seen by the ledger', () => {
    const entries = (names: string[], content = (name: string) => name): LockEntry[] => names.map((name) => ({ id: name, file: name, sha256: hex64(content(name)) }));
    const set = lockSet('db/migrations', 'knex', entries(['1_a.js', '2_b.js', '3_c.js']));
    const applied = (names: string[]) => KNEX_MIGRATIONS_TABLE.replay(names.map((name, id) => ({ name, id, migration_time: null })));
    const check = (names: string[], extra = {}) => checkTargetIntegrity({ environment: 'staging', lockSet: set, amendments: [], applied: applied(names), ...extra }).findings.map((finding) => `${finding.code}:${finding.severity}`);
    assert.deepEqual(check(['1_a.js', '9_gone.js']), ['applied-unknown:refuse', 'unrecorded:warn']);
    assert.deepEqual(check(['1_a.js', '3_c.js']), ['applied-out-of-order:refuse', 'unrecorded:warn']);
    assert.deepEqual(check(['1_a.js', '3_c.js'], { outOfOrder: true }), ['applied-out-of-order:warn', 'unrecorded:warn']);
    const deployed = deployOf(lockSet('db/migrations', 'knex', entries(['1_a.js', '2_b.js'], (name) => (name === '2_b.js' ? 'before' : name))), 'staging');
    assert.deepEqual(check(['1_a.js', '2_b.js'], { lastDeploy: deployed }), ['applied-edited:refuse']);
  });
});

describe("guard init: Knex, Sequelize and Kysely folders", () => {
  const detect = (files: Record<string, string>) => {
    const paths = Object.keys(files);
    const contentOf = (path: string) => files[path];
    const unsupported = detectUnsupportedMigrations(paths, contentOf);
    return {
      sets: detectMigrationDirs(paths, contentOf, (dir) => leftOutForUnsupported(unsupported, dir)).map(({ dir, tool, files: count, outOfOrder, notes, table }) => ({ dir, tool, count, ...(outOfOrder ? { outOfOrder } : {}), ...(notes ? { notes } : {}), ...(table ? { table } : {}) })),
      unsupported: unsupported.map((set) => `${set.dir}:${set.tool}`),
    };
  };

  it("a knexfile's migrations.directory (a string, a list, path.join(__dirname, ...)), relative to the knexfile; else ./migrations beside it", () => {
    assert.deepEqual(
      detect({
        'packages/api/knexfile.ts': "import path from 'node:path';\nexport default {\n  development: { client: 'pg', migrations: { directory: path.join(__dirname, 'db', 'migrations'), extension: 'ts' }, seeds: { directory: './seeds' } },\n};\n",
        'packages/api/db/migrations/20240101000000_users.ts': KNEX_TS,
        'packages/api/seeds/01_users.ts': KNEX_TS,
        'services/billing/knexfile.js': "module.exports = { client: 'pg', migrations: { directory: ['./migrations/core', './migrations/reports'] } };\n",
        'services/billing/migrations/core/20240101000000_a.js': KNEX,
        'services/billing/migrations/reports/20240101000001_b.js': KNEX,
        'knexfile.cjs': "module.exports = { client: 'pg' };\n",
        'migrations/20240101000000_first.js': KNEX,
      }).sets,
      [
        { dir: 'migrations', tool: 'knex', count: 1 },
        { dir: 'packages/api/db/migrations', tool: 'knex', count: 1 },
        { dir: 'services/billing/migrations/core', tool: 'knex', count: 1 },
        { dir: 'services/billing/migrations/reports', tool: 'knex', count: 1 },
      ],
    );
  });

  it('a directory written as code falls back to the default folder with a note; a renamed table becomes the set\'s table:', () => {
    const { sets } = detect({
      'knexfile.js': "const dir = process.env.DIR;\nmodule.exports = { migrations: { directory: dir, tableName: 'schema_migrations' } };\n",
      'migrations/20240101000000_a.js': KNEX,
    });
    assert.equal(sets.length, 1);
    assert.equal(sets[0]!.dir, 'migrations');
    assert.match(sets[0]!.notes![0]!, /knexfile\.js sets migrations\.directory to `dir`, which guard cannot read without running it: .*`tool: knex`/);
    assert.equal(sets[0]!.table, 'schema_migrations');
  });

  it("Knex's tableName / schemaName and Kysely's migrationTableName / migrationTableSchema: the set's table: when written as literals that agree, else a note", () => {
    const knex = (knexfile: string) => detect({ 'knexfile.js': knexfile, 'migrations/20240101000000_a.js': KNEX }).sets[0]!;
    assert.equal(knex("module.exports = { development: { migrations: { schemaName: 'ops' } }, production: { migrations: { schemaName: 'ops', tableName: \"history\" } } };\n").table, undefined, 'environments that disagree');
    assert.match(knex("module.exports = { development: { migrations: { schemaName: 'ops' } }, production: { migrations: { schemaName: 'ops', tableName: \"history\" } } };\n").notes![0]!, /moves Knex's table with migrations\.tableName \/ schemaName written as code or differently per environment/);
    assert.equal(knex("module.exports = { migrations: { schemaName: 'ops', tableName: \"history\" } };\n").table, 'ops.history');
    assert.equal(knex("module.exports = { migrations: { schemaName: 'ops' } };\n").table, 'ops.knex_migrations');
    assert.equal(knex("module.exports = { migrations: { tableName: TABLE } };\n").table, undefined);
    assert.equal(knex("module.exports = { client: 'pg' };\n").table, undefined);
    assert.equal(knex("module.exports = { client: 'pg' };\n").notes, undefined);
    const kysely = detect({
      'src/migrate.ts': "new Migrator({ db, migrationTableSchema: 'audit', provider: new FileMigrationProvider({ fs, path, migrationFolder: path.join(__dirname, 'migrations') }) });\n",
      'src/migrations/2024-01-01_person.ts': KYSELY,
    }).sets[0]!;
    assert.equal(kysely.table, 'audit.kysely_migration');
  });

  it(".sequelizerc's 'migrations-path', a package.json script's --migrations-path, and the default folder", () => {
    assert.deepEqual(
      detect({
        'server/.sequelizerc': "const path = require('path');\nmodule.exports = {\n  'config': path.resolve('config', 'database.json'),\n  'migrations-path': path.resolve('db', 'migrations'),\n};\n",
        'server/db/migrations/20240101000000-create-user.js': SEQUELIZE,
        'api/package.json': '{ "scripts": { "migrate": "sequelize-cli db:migrate --migrations-path src/migrations" } }',
        'api/src/migrations/20240101000000-create-user.js': SEQUELIZE,
        'web/.sequelizerc': 'module.exports = {};\n',
        'web/migrations/20240101000000-a.js': SEQUELIZE,
      }).sets,
      [
        { dir: 'api/src/migrations', tool: 'sequelize', count: 1 },
        { dir: 'server/db/migrations', tool: 'sequelize', count: 1 },
        { dir: 'web/migrations', tool: 'sequelize', count: 1 },
      ],
    );
  });

  it("a Kysely FileMigrationProvider's migrationFolder, relative to the script or its package; allowUnorderedMigrations gives outOfOrder: allow", () => {
    assert.deepEqual(
      detect({
        'packages/db/package.json': '{}',
        'packages/db/src/migrate.ts': "import { FileMigrationProvider, Migrator } from 'kysely/migration';\nconst migrator = new Migrator({\n  db,\n  provider: new FileMigrationProvider({ fs, path, migrationFolder: path.join(__dirname, 'migrations') }),\n});\n",
        'packages/db/src/migrations/2024-01-01_person.ts': KYSELY,
        'apps/web/package.json': '{}',
        'apps/web/scripts/db-migrate.mjs': "new Migrator({ db, allowUnorderedMigrations: true, provider: new FileMigrationProvider({ fs, path, migrationFolder: 'db/migrations' }) });\n",
        'apps/web/db/migrations/001_person.mjs': KYSELY,
      }).sets,
      [
        { dir: 'apps/web/db/migrations', tool: 'kysely', count: 1, outOfOrder: 'allow' },
        { dir: 'packages/db/src/migrations', tool: 'kysely', count: 1 },
      ],
    );
  });

  it('a migrations folder with no config is told apart by what up() receives, TypeORM\'s too', () => {
    const { sets, unsupported } = detect({
      'a/migrations/20240101000000_users.js': KNEX,
      'b/migrations/20240101000000-users.js': SEQUELIZE,
      'c/migrations/2024_01_01_person.ts': KYSELY,
      'd/migrations/1700000000000-Users.ts': TYPEORM,
      'e/src/util/helpers.ts': KYSELY,
    });
    assert.deepEqual(sets, [
      { dir: 'a/migrations', tool: 'knex', count: 1 },
      { dir: 'b/migrations', tool: 'sequelize', count: 1 },
      { dir: 'c/migrations', tool: 'kysely', count: 1 },
      { dir: 'd/migrations', tool: 'typeorm', count: 1 },
    ]);
    assert.deepEqual(unsupported, []);
  });
});
