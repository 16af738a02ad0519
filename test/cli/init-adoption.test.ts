// guard init on the layouts of real projects: what it sets up, what it names
// and leaves alone, and what it must not touch (package.json's formatting).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';

const repos: TempRepo[] = [];
after(() => {
  for (const repo of repos) repo.dispose();
});

/** A repository holding `files`, committed, as a team would have it before adopting guard. */
function project(files: Record<string, string>): TempRepo {
  const repo = new TempRepo('guard-adopt-');
  repos.push(repo);
  for (const [file, text] of Object.entries(files)) repo.write(file, text);
  repo.commitAll('the project');
  return repo;
}

function gitConfig(repo: TempRepo, key: string): string {
  try {
    return repo.git('config', '--get', key).trim();
  } catch {
    return '';
  }
}

/** Nothing in the work tree or the clone's git config changed. */
function assertNothingWritten(repo: TempRepo): void {
  assert.equal(repo.git('status', '--porcelain', '--untracked-files=all'), '');
  assert.equal(gitConfig(repo, 'core.hooksPath'), '');
  assert.equal(gitConfig(repo, 'merge.guard-lockfile.driver'), '');
}

const DSPACE = 'dspace-api/src/main/resources/org/dspace/storage/rdbms/sqlmigration';

describe('guard init names the migrations of tools it does not read, and writes nothing for them', () => {
  it('Rails: guard init --dir db/migrate is refused before it writes the config or the hooks', () => {
    const repo = project({
      'db/migrate/20240101120000_create_users.rb': 'class CreateUsers < ActiveRecord::Migration[7.1]\nend\n',
      'db/migrate/20240102120000_add_email.rb': 'class AddEmail < ActiveRecord::Migration[7.1]\nend\n',
      'db/structure.sql': 'CREATE TABLE users ();\n',
    });
    const result = repo.guard('init', '--dir', 'db/migrate');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--dir db\/migrate: db\/migrate holds 2 Rails migrations .*which guard does not read yet; guard init wrote nothing/);
    assert.doesNotMatch(result.stderr, /tool: alembic/);
    assertNothingWritten(repo);
    const detected = repo.guard('init');
    assert.equal(detected.code, 2, 'db/structure.sql, the schema dump beside db/migrate, is not taken for a migration');
    assertNothingWritten(repo);
    repo.write('db/sql/001_reports.sql', 'CREATE VIEW reports AS SELECT 1;\n');
    const beside = repo.guard('init', '--dir', 'db/sql');
    assert.equal(beside.code, 0, `a folder guard reads beside db/migrate can still be named: ${beside.stderr}`);
    assert.match(beside.stderr, /warning db\/migrate holds 2 Rails migrations .*: not guarded/);
  });

  it('a Django app is named as Django, not told to add an Alembic revision', () => {
    const repo = project({
      'app/migrations/__init__.py': '',
      'app/migrations/0001_initial.py': 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n',
    });
    const result = repo.guard('init', '--dir', 'app/migrations');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /app\/migrations holds 1 Django migration/);
    assert.doesNotMatch(result.stderr, /revision =/);
    assertNothingWritten(repo);
  });

  it('a supported set beside an unsupported one: the first is set up, the other named', () => {
    const repo = project({
      'db/migrations/001_users.sql': 'CREATE TABLE users (id int);\n',
      'hc/api/migrations/0001_initial.py': 'class Migration(migrations.Migration):\n    pass\n',
    });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.match(repo.read('guard.config.yaml'), /- dir: db\/migrations\n/);
    assert.doesNotMatch(repo.read('guard.config.yaml'), /hc\/api/);
    assert.match(result.stderr, /warning hc\/api\/migrations holds 1 Django migration .*which guard does not read yet: not guarded/);
  });
});

describe('guard init finds nested Flyway folders', () => {
  it('DSpace: the PostgreSQL copy in a resources path is the set, the other databases are named as left out', () => {
    const repo = project({
      [`${DSPACE}/h2/V1.3__x.sql`]: 'CREATE TABLE a (id int);\n',
      [`${DSPACE}/oracle/V1.3__x.sql`]: 'CREATE TABLE a (id number);\n',
      [`${DSPACE}/postgres/V1.3__x.sql`]: 'CREATE TABLE a (id int);\n',
      [`${DSPACE}/postgres/V1.4__y.sql`]: 'CREATE TABLE b (id int);\n',
    });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(repo.read('guard.config.yaml').split('\n').filter((line) => line.includes('- dir:')).join('\n'), `  - dir: ${DSPACE}/postgres`);
    assert.match(repo.read('guard.config.yaml'), /tool: flyway/);
    assert.match(result.stdout, /PostgreSQL's of the per-database folders h2\/, oracle\/, postgres\//);
    assert.match(result.stderr, /guards postgres\/ and leaves out h2\/, oracle\//);
    assert.match(result.stdout, /2 migrations locked/);
  });

  it('helper scripts beside the Flyway scripts (update-sequences.sql) are excluded by name in the config it writes, and said so', () => {
    const repo = project({
      [`${DSPACE}/postgres/V1.3__x.sql`]: 'CREATE TABLE a (id int);\n',
      [`${DSPACE}/postgres/V1.4__y.sql`]: 'CREATE TABLE b (id int);\n',
      [`${DSPACE}/postgres/update-sequences.sql`]: "SELECT setval('a_seq', 1);\n",
      [`${DSPACE}/postgres/etc/fix-[old].sql`]: 'SELECT 1;\n',
    });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`${DSPACE}/postgres \\(flyway`));
    assert.match(repo.read('guard.config.yaml'), /tool: flyway\n    exclude: \[update-sequences\.sql\]\n/);
    assert.match(result.stderr, /holds 1 \.sql file Flyway does not run \(update-sequences\.sql\): guard\.config\.yaml leaves it out with exclude:/);
    // A name with glob characters would match other files too: init writes no pattern it cannot write exactly.
    assert.match(result.stderr, /holds 1 \.sql file Flyway does not run \(etc\/fix-\[old\]\.sql\): list it under the set's exclude:/);

    const plain = project({
      [`${DSPACE}/postgres/V1.3__x.sql`]: 'CREATE TABLE a (id int);\n',
      [`${DSPACE}/postgres/update-sequences.sql`]: "SELECT setval('a_seq', 1);\n",
    });
    const adopted = plain.guard('init');
    assert.equal(adopted.code, 0, adopted.stdout + adopted.stderr);
    assert.match(plain.read('guard.config.yaml'), /tool: flyway\n    exclude: \[update-sequences\.sql\]\n/);
    assert.match(adopted.stderr, /guard\.config\.yaml leaves it out with exclude:/);
    const verify = plain.guard('verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /excluded \(not guarded\): .*update-sequences\.sql/);
  });

  it('a project that runs Flyway out of order (flyway.conf) gets outOfOrder: allow, and doctor agrees', () => {
    const repo = project({
      'dspace-api/flyway.conf': 'flyway.locations=classpath:org/dspace/storage/rdbms/sqlmigration/postgres\nflyway.outOfOrder=true\n',
      [`${DSPACE}/postgres/V1.3__x.sql`]: 'CREATE TABLE a (id int);\n',
      [`${DSPACE}/postgres/V1.4__y.sql`]: 'CREATE TABLE b (id int);\n',
    });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(repo.read('guard.config.yaml'), /tool: flyway\n    outOfOrder: allow\n/);
    assert.match(result.stderr, /dspace-api\/flyway\.conf runs Flyway with outOfOrder on: the set says outOfOrder: allow/);
    const doctor = repo.guard('doctor');
    assert.doesNotMatch(doctor.stdout, /order/i, doctor.stdout);
  });
});

describe('guard init respects package.json and the package manager', () => {
  it('keeps 4-space indentation, key order and the missing final newline: only the prepare line is added', () => {
    const before = '{\n    "name": "app",\n    "scripts": {\n        "test": "node --test"\n    },\n    "devDependencies": {\n        "husky": "^9.1.7"\n    }\n}';
    const repo = project({ 'package.json': before, 'db/migrations/001_users.sql': 'CREATE TABLE users (id int);\n' });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(repo.read('package.json'), before.replace('"test": "node --test"', '"test": "node --test",\n        "prepare": "husky hooks"'));
    const diff = repo.git('diff', '--numstat', '--', 'package.json').trim();
    assert.equal(diff, '2\t1\tpackage.json');
    assert.match(result.stdout, /note: each other clone: npm install \(husky activates the hooks\)/);
  });

  it('a pnpm workspace without husky: package.json untouched, and the pnpm command to add husky', () => {
    const before = '{\n\t"name": "monorepo",\n\t"private": true,\n\t"packageManager": "pnpm@9.12.0"\n}\n';
    const repo = project({ 'package.json': before, 'pnpm-workspace.yaml': 'packages:\n  - apps/*\n', 'db/migrations/001_users.sql': 'CREATE TABLE users (id int);\n' });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(repo.read('package.json'), before);
    assert.match(result.stderr, /husky is not a dependency in package\.json, so guard init added no "prepare" script \(`pnpm install` would fail on it\)/);
    assert.match(result.stderr, /pnpm add -D -w husky, then guard init again \(it adds "prepare": "husky hooks"\)/);
    assert.doesNotMatch(result.stdout, /git add .*package\.json/);
    assert.equal(gitConfig(repo, 'core.hooksPath'), 'hooks/_', 'the hooks are active in this clone');
    assert.ok(existsSync(path.join(repo.root, 'hooks/pre-commit')));
  });

  it('a yarn project with husky: prepare added, yarn install named for the other clones', () => {
    const repo = project({
      'package.json': '{\n  "name": "app",\n  "devDependencies": { "husky": "^9.1.7" }\n}\n',
      'yarn.lock': '# yarn lockfile v1\n',
      'db/migrations/001_users.sql': 'CREATE TABLE users (id int);\n',
    });
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(repo.read('package.json'), '{\n  "name": "app",\n  "devDependencies": { "husky": "^9.1.7" },\n  "scripts": {\n    "prepare": "husky hooks"\n  }\n}\n');
    assert.match(result.stdout, /note: each other clone: yarn install/);
  });
});

describe('guard init reads only regular files to recognise migrations', () => {
  it('a tracked symlink to /dev/zero among the candidates does not hang it', () => {
    const repo = project({ 'db/migrations/001_users.sql': 'CREATE TABLE users (id int);\n', 'src/main/resources/db/migration/V1__a.sql': 'CREATE TABLE a ();\n' });
    mkdirSync(path.join(repo.root, 'hc/migrations'), { recursive: true });
    symlinkSync('/dev/zero', path.join(repo.root, 'hc/migrations/0001_initial.py'));
    symlinkSync('/dev/zero', path.join(repo.root, 'src/main/resources/application.yml'));
    repo.commitAll('links');
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.match(repo.read('guard.config.yaml'), /- dir: src\/main\/resources\/db\/migration\n {4}tool: flyway/);
  });
});
