import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../../src/core/init/detect-migration-dirs.js';
import { detectUnsupportedMigrations, leftOutForUnsupported } from '../../../src/core/init/unsupported-tools.js';

/** As `guard init` asks: the folders of tools guard does not read are left out first. */
function detect(files: Record<string, string>) {
  const contentOf = (path: string) => files[path];
  const unsupported = detectUnsupportedMigrations(Object.keys(files), contentOf);
  return detectMigrationDirs(Object.keys(files), contentOf, (dir) => leftOutForUnsupported(unsupported, dir));
}

const migration = (name: string, timestamp: number) =>
  `import { MigrationInterface, QueryRunner } from "typeorm";\n\nexport class ${name}${timestamp} implements MigrationInterface {\n    public async up(queryRunner: QueryRunner): Promise<void> {}\n    public async down(queryRunner: QueryRunner): Promise<void> {}\n}\n`;
/** A folder as `typeorm migration:create` fills it. */
function migrations(dir: string, names = ['CreateUsers', 'AddOrders']): Record<string, string> {
  return Object.fromEntries(names.map((name, index) => [`${dir}/${1700000000000 + index}-${name}.ts`, migration(name, 1700000000000 + index)]));
}
const dataSource = (options: string) => `import { DataSource } from "typeorm";\n\nexport const AppDataSource = new DataSource({\n    type: "postgres",\n    url: process.env.DATABASE_URL,\n    entities: [User],\n${options}\n});\n`;
const shape = (found: ReturnType<typeof detect>) => found.map(({ dir, tool, files, recursive }) => ({ dir, tool, files, ...(recursive ? { recursive } : {}) }));

describe('guard init finds TypeORM migrations through the DataSource, read as text', () => {
  it("typeorm init's layout: src/data-source.ts with migrations: ['src/migration/*.ts'] (relative to the package)", () => {
    const found = detect({ 'package.json': '{}', ...migrations('src/migration'), 'src/data-source.ts': dataSource('    migrations: ["src/migration/*.ts"],'), 'src/entity/User.ts': 'export class User {}' });
    assert.deepEqual(shape(found), [{ dir: 'src/migration', tool: 'typeorm', files: 2 }]);
    assert.equal(found[0]!.because, 'migrations: src/migration/*.ts in src/data-source.ts');
  });

  it("the docs' __dirname + '/migration/**/*{.js,.ts}': relative to the config, recursive", () => {
    const found = detect({ ...migrations('src/db/migration'), ...migrations('src/db/migration/2024', ['Later']), 'src/db/data-source.ts': dataSource("    migrations: [__dirname + '/migration/**/*{.js,.ts}'],") });
    assert.deepEqual(shape(found), [{ dir: 'src/db/migration', tool: 'typeorm', files: 3, recursive: true }]);
  });

  it('path.join(__dirname, ...) and `${__dirname}/...` in a NestJS module of a monorepo package', () => {
    const join = detect({ 'apps/api/package.json': '{}', ...migrations('apps/api/src/database/migrations'), 'apps/api/src/app.module.ts': "TypeOrmModule.forRoot({\n  type: 'postgres',\n  migrations: [path.join(__dirname, 'database', 'migrations', '*.{ts,js}')],\n  migrationsRun: false,\n})\n" });
    assert.deepEqual(shape(join), [{ dir: 'apps/api/src/database/migrations', tool: 'typeorm', files: 2 }]);
    const template = detect({ ...migrations('packages/db/migrations'), 'packages/db/src/typeorm.config.ts': dataSource('    migrations: [`${__dirname}/../migrations/*.ts`],') });
    assert.deepEqual(shape(template), [{ dir: 'packages/db/migrations', tool: 'typeorm', files: 2 }]);
  });

  it("migrationsTableName and the DataSource's schema, as literals, become the set's table:; set by code, a note says to write it", () => {
    const moved = detect({ ...migrations('src/migration'), 'src/data-source.ts': dataSource("    schema: 'app',\n    migrationsTableName: 'typeorm_migrations',\n    migrations: ['src/migration/*.ts'],") });
    assert.equal(moved[0]!.table, 'app.typeorm_migrations');
    const renamed = detect({ ...migrations('src/migration'), 'src/data-source.ts': dataSource("    migrationsTableName: \"schema_history\",\n    migrations: ['src/migration/*.ts'],") });
    assert.equal(renamed[0]!.table, 'schema_history');
    const schemaOnly = detect({ ...migrations('src/migration'), 'src/data-source.ts': dataSource("    schema: 'app',\n    migrations: ['src/migration/*.ts'],") });
    assert.equal(schemaOnly[0]!.table, 'app.migrations');
    const byCode = detect({ ...migrations('src/migration'), 'src/data-source.ts': dataSource("    schema: process.env.DB_SCHEMA,\n    migrations: ['src/migration/*.ts'],") });
    assert.equal(byCode[0]!.table, undefined);
    assert.match(byCode[0]!.notes![0]!, /src\/data-source\.ts sets the DataSource `schema` with code guard does not run: if it moves TypeORM's table, write the set's `table: <schema>\.<name>`/);
    assert.equal(detect({ ...migrations('src/migration'), 'src/data-source.ts': dataSource("    migrations: ['src/migration/*.ts'],") })[0]!.table, undefined);
  });

  it('a glob into compiled output (dist/migrations/*.js) is followed back to the sources', () => {
    const found = detect({ 'package.json': '{}', ...migrations('src/migrations'), 'ormconfig.ts': dataSource("    migrations: ['dist/migrations/*.js'],") });
    assert.deepEqual(shape(found), [{ dir: 'src/migrations', tool: 'typeorm', files: 2 }]);
    assert.match(found[0]!.because, /\(the sources of dist\/migrations\)/);
  });

  it('migrations the config lists in a way guard does not run (a variable, imported classes) leave a note on the folder found by its files', () => {
    const found = detect({ ...migrations('server/migrations'), 'server/data-source.ts': dataSource('    migrations: MIGRATIONS,') });
    assert.deepEqual(shape(found), [{ dir: 'server/migrations', tool: 'typeorm', files: 2 }]);
    assert.match(found[0]!.notes![0]!, /^server\/data-source\.ts lists its migrations as `migrations: MIGRATIONS\.\.\.`, which guard does not run to resolve: guard took server\/migrations for its migrations folder, from its files/);
  });

  it('a folder of TypeORM migrations without any config is recognised by its classes, and no longer reported as a tool guard does not read', () => {
    const found = detect(migrations('db/migrations'));
    assert.deepEqual(shape(found), [{ dir: 'db/migrations', tool: 'typeorm', files: 2 }]);
    assert.match(found[0]!.because, /2 TypeORM migrations \(classes <Name><timestamp> implementing MigrationInterface\)/);
    assert.deepEqual(detectUnsupportedMigrations(Object.keys(migrations('db/migrations')), (path) => migrations('db/migrations')[path]), []);
  });

  it('a folder of Knex or Sequelize migrations is not taken for TypeORM', () => {
    const found = detect({
      'knexfile.js': "module.exports = { client: 'pg', migrations: { directory: './migrations' } };\n",
      'migrations/20240101000000_users.js': 'exports.up = function (knex) { return knex.schema.createTable("users", () => {}); };\n',
      'db/migrate/20240101000000-users.js': 'module.exports = { async up(queryInterface, Sequelize) { await queryInterface.createTable("users", {}); } };\n',
    });
    assert.equal(found.filter((set) => set.tool === 'typeorm').length, 0);
  });

  it('a config nested too deeply to tokenize is one guard cannot follow, never a crash', () => {
    let nested = 'x';
    for (let i = 0; i < 300; i++) nested = `\`\${${nested}}\``;
    const found = detect({ ...migrations('src/migration'), 'src/data-source.ts': `const a = ${nested};\n${dataSource("    migrations: ['src/migration/*.ts'],")}` });
    assert.deepEqual(shape(found), [{ dir: 'src/migration', tool: 'typeorm', files: 2 }]);
    assert.match(found[0]!.notes![0]!, /src\/data-source\.ts lists its migrations as code nested too deeply to read/);
  });

  it('never a library under node_modules', () => {
    const found = detect({ ...migrations('node_modules/lib/migrations'), ...migrations('src/migration') });
    assert.deepEqual(shape(found), [{ dir: 'src/migration', tool: 'typeorm', files: 2 }]);
  });
});
