import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../../src/core/init/detect-migration-dirs.js';
import { describeUnsupported, detectUnsupportedMigrations, leftOutForUnsupported } from '../../../src/core/init/unsupported-tools.js';

function detect(files: Record<string, string>) {
  const unsupported = detectUnsupportedMigrations(Object.keys(files), (file) => files[file]);
  const sets = detectMigrationDirs(Object.keys(files), (file) => files[file], (dir) => leftOutForUnsupported(unsupported, dir));
  return { unsupported: unsupported.map(({ dir, tool, files: count }) => ({ dir, tool, count })), sets: sets.map((set) => set.dir) };
}

describe('detectUnsupportedMigrations names the tools guard does not read', () => {
  it('Prisma in a monorepo is read now: one set of its migrations directory, none of its folders taken for a plain SQL set', () => {
    const found = detect({
      'packages/prisma/schema.prisma': 'model User {}',
      'packages/prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'packages/prisma/migrations/20230404095503_initial/migration.sql': 'CREATE TABLE "User" ();',
      'packages/prisma/migrations/20230411134605_doc/migration.sql': 'ALTER TABLE "User" ADD x int;',
    });
    assert.deepEqual(found, { unsupported: [], sets: ['packages/prisma/migrations'] });
  });

  it('Rails engines, with db/structure.sql beside db/migrate left out (a dump, not a migration)', () => {
    const found = detect({
      'core/db/migrate/20160101010000_create_users.rb': 'class CreateUsers < ActiveRecord::Migration[7.0]\nend\n',
      'core/db/migrate/20160202010000_add_email.rb': 'class AddEmail < ActiveRecord::Migration[7.0]\nend\n',
      'core/db/structure.sql': 'CREATE TABLE users ();',
      'api/db/migrate/20200101010000_x.rb': '',
    });
    assert.deepEqual(found, {
      unsupported: [
        { dir: 'api/db/migrate', tool: 'Rails', count: 1 },
        { dir: 'core/db/migrate', tool: 'Rails', count: 2 },
      ],
      sets: [],
    });
  });

  it('Django apps (never told to add an Alembic revision), beside an Alembic project that is set up', () => {
    const found = detect({
      'hc/api/migrations/__init__.py': '',
      'hc/api/migrations/0001_initial.py': 'from django.db import migrations\n\nclass Migration(migrations.Migration):\n    initial = True\n',
      'hc/api/migrations/0002_x.py': 'class Migration(migrations.Migration):\n    dependencies = [("api", "0001_initial")]\n',
      'alembic.ini': '[alembic]\nscript_location = db\n',
      'db/versions/a1_init.py': "revision = 'a1'\ndown_revision = None\n",
    });
    assert.deepEqual(found, { unsupported: [{ dir: 'hc/api/migrations', tool: 'Django', count: 2 }], sets: ['db/versions'] });
    assert.equal(
      describeUnsupported(detectUnsupportedMigrations(['hc/api/migrations/0001_initial.py'], () => 'class Migration(migrations.Migration):\n')[0]!),
      'hc/api/migrations holds 1 Django migration (class Migration(migrations.Migration)), which guard does not read yet',
    );
  });

  it('Sqitch (deploy/, revert/, verify/ are not plain SQL sets)', () => {
    const found = detect({
      'sqitch.plan': '%project=app\n',
      'deploy/users.sql': 'BEGIN; CREATE TABLE users (); COMMIT;',
      'revert/users.sql': 'DROP TABLE users;',
      'verify/users.sql': 'SELECT 1;',
      'migrations/001_other.sql': 'CREATE TABLE t ();',
    });
    assert.deepEqual(found, { unsupported: [{ dir: '.', tool: 'Sqitch', count: 1 }], sets: ['migrations'] });
  });

  it('TypeORM, Knex, Sequelize and node-pg-migrate folders are read, not named', () => {
    const found = detect({
      'knexfile.js': 'module.exports = {};',
      'migrations/20240101000000_users.js': 'exports.up = function (knex) {\n  return knex.schema.createTable("users", () => {});\n};\n',
      'server/migrations/20240101000000-create-user.js': "module.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.createTable('Users', {});\n  },\n};\n",
      'src/migration/1700000000000-Init.ts': 'export class Init1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {}\n}\n',
      'db/migrations/1700000000000_init.js': "exports.up = (pgm) => {\n  pgm.createTable('users', {});\n};\n",
      'src/utils/helpers.js': 'exports.up = 1;',
    });
    assert.deepEqual(found.unsupported, []);
    assert.deepEqual(found.sets, ['db/migrations', 'migrations', 'server/migrations', 'src/migration']);
    // A tool guard does not read (db-migrate here) is named, never locked as something it is not.
    const other = detect({ 'migrations/20240101000000-users.js': "exports.up = function (db) {\n  return db.createTable('users', {});\n};\n" });
    assert.deepEqual(other.unsupported, [{ dir: 'migrations', tool: 'JavaScript', count: 1 }]);
  });

  it('leaves Alembic, plain SQL and Flyway alone', () => {
    assert.deepEqual(
      detectUnsupportedMigrations(['db/migrations/001_init.sql', 'db/flyway/V1__init.sql', 'app/versions/a1_init.py', 'app/env.py'], () => "revision = 'a1'\n"),
      [],
    );
  });
});

describe('recognising migrations costs linear time on hostile files', () => {
  it('a megabyte-long line of look-alikes in a script migration or a Flyway setting is read in well under a second', () => {
    const line = 'up(up(up(knex'.repeat(80_000);
    const spaces = `spring.flyway.locations=${' '.repeat(500_000)}x\n`;
    const yaml = `spring:\n  flyway:\n    locations:${' '.repeat(500_000)}#\n`;
    const files: Record<string, string> = {
      'migrations/20240101_a.js': line,
      'migrations/20240102_b.js': `${'queryInterface '.repeat(1)}${' '.repeat(1_000_000)}`,
      'src/main/resources/application.properties': spaces,
      'src/main/resources/application.yml': yaml,
      'src/main/resources/db/migration/V1__a.sql': '',
    };
    const started = performance.now();
    detect(files);
    assert.ok(performance.now() - started < 5_000, `took ${Math.round(performance.now() - started)} ms`);
  });
});
