import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');
/** What `npm install migration-guard` puts in a project, running guard from this checkout's source. */
const SHIM = `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" "$@"\n`;

function installShim(root: string): void {
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules/.bin/guard'), SHIM);
  chmodSync(path.join(root, 'node_modules/.bin/guard'), 0o755);
  writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n');
}

/** A bare remote whose pre-receive hook runs guard, as the README tells a server admin to install it. */
function bareRemoteWithPreReceive(): string {
  const remote = mkdtempSync(path.join(tmpdir(), 'guard-server-'));
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  writeFileSync(path.join(remote, 'hooks/pre-receive'), `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-receive\n`);
  chmodSync(path.join(remote, 'hooks/pre-receive'), 0o755);
  return remote;
}

/** A git command as a user types it, hooks and all. */
function git(repo: TempRepo, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

describe('a repository set up only with guard init (no package.json: core.hooksPath)', () => {
  let repo: TempRepo;
  let remote: string;
  before(() => {
    remote = bareRemoteWithPreReceive();
    repo = new TempRepo();
    installShim(repo.root);
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    repo.write('db/migrations/020_orders.sql', 'CREATE TABLE orders (id int);\n');
    repo.git('remote', 'add', 'origin', remote);
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });

  it('init detects the migrations, locks them, installs the hooks and the merge driver, and says what to commit', () => {
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /created\s+guard\.config\.yaml\s+db\/migrations \(sql: 2 \.sql files/);
    assert.match(result.stdout, /created\s+checksums\.lock\.yaml\s+2 migrations locked/);
    assert.match(result.stdout, /created\s+core\.hooksPath\s+\.githooks/);
    assert.match(result.stdout, /created\s+\.githooks\/pre-commit/);
    assert.match(result.stdout, /created\s+\.gitattributes\s+checksums\.lock\.yaml merge=guard-lockfile/);
    assert.match(result.stdout, /next: git add guard\.config\.yaml checksums\.lock\.yaml \.githooks\/pre-commit \.githooks\/pre-merge-commit \.githooks\/pre-push \.gitattributes/);
    assert.equal(repo.git('config', '--get', 'core.hooksPath').trim(), '.githooks');
    assert.match(repo.git('config', '--get', 'merge.guard-lockfile.driver').trim(), /^guard_bin=node_modules\/\.bin\/guard; .*exec "\$guard_bin" merge-driver %O %A %B %P$/);
  });

  it('the first commit and push go through the installed hooks', () => {
    assert.equal(git(repo, 'add', '-A').code, 0);
    const commit = git(repo, 'commit', '-q', '-m', 'guard the migrations');
    assert.equal(commit.code, 0, commit.output);
    const push = git(repo, 'push', '-q', '-u', 'origin', 'main');
    assert.equal(push.code, 0, push.output);
    repo.git('remote', 'set-head', 'origin', 'main');
  });

  it('a second init changes nothing and reports every step as kept', () => {
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /created|updated/);
    assert.match(result.stdout, /guard is set up here/);
    assert.equal(repo.git('status', '--porcelain'), '');
  });

  it('init brings an older guard block in a hook script up to date, and keeps the lines around it', () => {
    const file = '.githooks/pre-commit';
    const current = repo.read(file);
    repo.write(file, `${current.replace(/# >>> migration-guard >>>[\s\S]*# <<< migration-guard <<</, '# >>> migration-guard >>>\nnode_modules/.bin/guard hook pre-commit\n# <<< migration-guard <<<')}echo after\n`);
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /updated\s+\.githooks\/pre-commit/);
    assert.equal(repo.read(file), `${current}echo after\n`);
    repo.git('checkout', '--', file);
  });

  it('doctor finds everything active', () => {
    const result = repo.guard('doctor');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /ok {4}hook pre-commit: \.githooks\/pre-commit runs guard/);
    assert.match(result.stdout, /ok {4}merge driver command/);
  });

  it('adding a migration needs no manual step: commit locks it, push and the server accept it', () => {
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    assert.equal(git(repo, 'add', 'db/migrations/030_items.sql').code, 0);
    const commit = git(repo, 'commit', '-q', '-m', 'items');
    assert.equal(commit.code, 0, commit.output);
    assert.match(repo.git('show', 'HEAD:checksums.lock.yaml'), /030_items\.sql/);
    const push = git(repo, 'push', '-q', 'origin', 'feature');
    assert.equal(push.code, 0, push.output);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('an edit of a sealed migration cannot reach the server: not by commit, push, --no-verify push, nor past CI', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const commit = git(repo, 'commit', '-q', '-am', 'widen id');
    assert.notEqual(commit.code, 0);
    assert.match(commit.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);

    const forced = git(repo, 'commit', '-q', '--no-verify', '-am', 'widen id');
    assert.equal(forced.code, 0, forced.output);
    const push = git(repo, 'push', '-q', 'origin', 'feature');
    assert.notEqual(push.code, 0);
    assert.match(push.output, /guard refused the push/);

    const skipped = git(repo, 'push', '-q', '--no-verify', 'origin', 'feature');
    assert.notEqual(skipped.code, 0, 'the server must refuse what the client hook was told to skip');
    assert.match(skipped.output, /remote: .*db\/migrations\/010_users\.sql is sealed in refs\/heads\/main/);
    assert.match(skipped.output, /pre-receive hook declined/);
    assert.notEqual(execFileSync('git', ['rev-parse', 'refs/heads/feature'], { cwd: remote, encoding: 'utf8' }).trim(), repo.git('rev-parse', 'HEAD').trim());

    const ci = repo.guard('verify', '--base', 'origin/main');
    assert.equal(ci.code, 1);
    assert.match(ci.stdout, /010_users\.sql is sealed in origin\/main/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
  });

  it('the merge driver joins two branches that each added a migration, with no conflict', () => {
    repo.git('checkout', '-q', '-b', 'other', 'main');
    repo.write('db/migrations/040_tags.sql', 'CREATE TABLE tags (id int);\n');
    git(repo, 'add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'tags').code, 0);
    repo.git('checkout', '-q', 'feature');
    const merge = git(repo, 'merge', '--no-edit', 'other');
    assert.equal(merge.code, 0, merge.output);
    assert.match(merge.output, /guard: merged checksums\.lock\.yaml/);
    const lock = repo.read('checksums.lock.yaml');
    assert.match(lock, /030_items\.sql[\s\S]*040_tags\.sql/);
    assert.equal(repo.guard('lock', '--check').code, 0, 'the merged lockfile is what guard lock writes');
  });

  it('the merge driver leaves a real conflict, with markers and the reason, when both sides took one version', () => {
    repo.git('checkout', '-q', '-b', 'clash-a', 'main');
    repo.write('db/migrations/050_a.sql', 'SELECT 1;\n');
    git(repo, 'add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'a').code, 0);
    repo.git('checkout', '-q', '-b', 'clash-b', 'main');
    repo.write('db/migrations/050_b.sql', 'SELECT 2;\n');
    git(repo, 'add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'b').code, 0);
    const merge = git(repo, 'merge', '--no-edit', 'clash-a');
    assert.notEqual(merge.code, 0);
    assert.match(merge.output, /both sides added id 050 in db\/migrations, differently/);
    assert.match(repo.read('checksums.lock.yaml'), /^<<<<<<< ours$/m);
    repo.git('merge', '--abort');
  });
});

describe('guard init in an npm project (husky)', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    installShim(repo.root);
    repo.write('package.json', '{\n  "name": "app",\n  "scripts": {\n    "test": "echo ok"\n  },\n  "devDependencies": {\n    "husky": "^9.1.7"\n  }\n}\n');
    repo.write('alembic.ini', '[alembic]\nscript_location = migrations\n');
    repo.write('migrations/env.py', '# env\n');
    repo.write('migrations/versions/a1_init.py', "revision = 'a1'\ndown_revision = None\n");
  });
  after(() => repo.dispose());

  it('installs husky in hooks/, adds prepare, and the hook fires on commit', () => {
    const result = repo.guard('init');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /created\s+guard\.config\.yaml\s+migrations\/versions \(alembic: script_location in alembic\.ini\)/);
    assert.match(result.stdout, /created\s+core\.hooksPath\s+hooks\/_ \(husky\)/);
    assert.equal(repo.git('config', '--get', 'core.hooksPath').trim(), 'hooks/_');
    assert.equal((JSON.parse(repo.read('package.json')) as { scripts: Record<string, string> }).scripts.prepare, 'husky hooks');
    assert.ok(existsSync(path.join(repo.root, 'hooks/_/pre-commit')));
    git(repo, 'add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'init').code, 0);

    repo.write('migrations/versions/b2_next.py', "revision = 'b2'\ndown_revision = 'a1'\n");
    git(repo, 'add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'next');
    assert.equal(commit.code, 0, commit.output);
    assert.match(commit.output, /locked the staged migrations/);
    assert.match(repo.git('show', 'HEAD:checksums.lock.yaml'), /\{id: b2, file: b2_next\.py, parents: \[a1\]/);
  });

});
