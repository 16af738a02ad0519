import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';

// `guard renumber` on the tools that record a migration by its whole file
// name (Knex, Sequelize, Kysely): only the leading number is a version.
const repos: TempRepo[] = [];
after(() => {
  for (const repo of repos) repo.dispose();
});

function sealed(tool: string, names: readonly string[]): TempRepo {
  const repo = new TempRepo();
  repos.push(repo);
  repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: ${tool}\n`);
  for (const name of names) repo.write(`db/migrations/${name}`, "exports.up = (knex) => knex.raw('SELECT 1');\n");
  assert.equal(repo.guard('lock').code, 0);
  repo.commitAll('sealed');
  repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  return repo;
}

describe('guard renumber on file-named migrations', () => {
  it('gives a Knex migration from an old branch a timestamp after the newest, keeping the rest of its name, and relocks', () => {
    const repo = sealed('knex', ['20240101000000_a.js', '20240102000000_b.js']);
    repo.write('db/migrations/20230101000000_old.js', "exports.up = (knex) => knex.raw('SELECT 2');\n");
    assert.equal(repo.guard('lock').code, 0);
    const refused = repo.guard('verify', '--base', 'origin/main');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /20230101000000_old\.js \(version 20230101000000_old\.js\) sorts before db\/migrations\/20240102000000_b\.js/);
    const result = repo.guard('renumber', 'db/migrations/20230101000000_old.js');
    assert.equal(result.code, 0, result.stderr);
    const renamed = readdirSync(path.join(repo.root, 'db/migrations')).find((name) => name.endsWith('_old.js'))!;
    assert.match(renamed, /^\d{14}_old\.js$/);
    assert.ok(renamed > '20240102000000_b.js', renamed);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('keeps the zero padding of numbered Sequelize names; refuses a name that starts with a date or with no number', () => {
    const repo = sealed('sequelize', ['001-a.js', '002-b.js']);
    repo.write('db/migrations/0015-late.js', 'module.exports = { async up() {} };\n');
    assert.equal(repo.guard('renumber', 'db/migrations/0015-late.js').code, 0);
    assert.ok(readdirSync(path.join(repo.root, 'db/migrations')).includes('003-late.js'));
    const kysely = sealed('kysely', ['2024-01-01_a.ts']);
    kysely.write('db/migrations/2023-01-01_old.ts', 'export async function up() {}\n');
    const dated = kysely.guard('renumber', 'db/migrations/2023-01-01_old.ts');
    assert.equal(dated.code, 2, dated.stderr);
    assert.match(dated.stderr, /does not start with a number guard can renumber/);
  });
});

describe('guard renumber on a Prisma migration folder', () => {
  it('renames the folder to a timestamp after the newest, keeping its name, and relocks', () => {
    const repo = new TempRepo();
    repos.push(repo);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: prisma/migrations\n    tool: prisma\n');
    repo.write('prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    for (const name of ['20240101000000_a', '20240102000000_b']) repo.write(`prisma/migrations/${name}/migration.sql`, `CREATE TABLE "${name}" ();\n`);
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('sealed');
    repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    repo.write('prisma/migrations/20230101000000_old/migration.sql', 'CREATE TABLE "Old" ();\n');
    repo.git('add', '-A');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 1);
    const result = repo.guard('renumber', 'prisma/migrations/20230101000000_old/migration.sql');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const folders = readdirSync(path.join(repo.root, 'prisma/migrations')).filter((name) => name.endsWith('_old'));
    assert.equal(folders.length, 1);
    assert.match(folders[0]!, /^\d{14}_old$/);
    assert.ok(folders[0]! > '20240102000000_b', folders[0]);
    assert.equal(repo.read(`prisma/migrations/${folders[0]}/migration.sql`), 'CREATE TABLE "Old" ();\n');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });
});

describe('guard init --dir on a folder of script migrations', () => {
  it('keeps the tool detection found for that folder; a folder it cannot tell names every tool to set', () => {
    const repo = new TempRepo();
    repos.push(repo);
    repo.write('db/migrations/20240101000000_users.js', "exports.up = (knex) => knex.schema.createTable('users', () => {});\nexports.down = () => {};\n");
    repo.write('db/other/20240101000000_users.js', "exports.up = (knex) => knex.schema.createTable('users', () => {});\n");
    const init = repo.guard('init', '--dir', 'db/migrations');
    assert.equal(init.code, 0, init.stderr);
    assert.match(repo.read('guard.config.yaml'), /- dir: db\/migrations\n {4}tool: knex\n/);
    assert.match(repo.read('checksums.lock.yaml'), /id: 20240101000000_users\.js,/);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/other\n');
    const unknown = repo.guard('lock');
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(`${unknown.stdout}${unknown.stderr}`, /set its `tool:` for db\/other in the config \(one of alembic, sql, flyway, prisma, drizzle, typeorm, knex, sequelize, kysely, node-pg-migrate; only alembic, sql, flyway and drizzle are told from file names\)/);
  });
});
