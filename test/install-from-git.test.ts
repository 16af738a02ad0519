// guard installed from its git repository, as the pre-commit framework and
// `npm install git+https://...` install it (README, "Installing guard from
// its git repository"): a release tag carries the built dist/, any other
// commit builds itself in npm's `prepare` without a dev toolchain.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withSealedRemote } from './helpers/git-repo.js';
import { cleanEnvironment, GUARD_VERSION, guardSourceRepository, preCommitFramework, RELEASE_TAG, type GuardSourceRepository } from './helpers/guard-release.js';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 300_000) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
  return { code: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

const preCommit = preCommitFramework();

describe('the pre-commit framework installs guard from a release tag', { skip: typeof preCommit === 'string' ? preCommit : false }, () => {
  let source: GuardSourceRepository;
  let sealed: ReturnType<typeof withSealedRemote>;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const command = typeof preCommit === 'string' ? 'pre-commit' : preCommit.command;

  before(() => {
    source = guardSourceRepository();
    sealed = withSealedRemote();
    // Its own cache of hook environments: the framework installs guard here, from scratch.
    home = mkdtempSync(path.join(tmpdir(), 'guard-pre-commit-home-'));
    env = cleanEnvironment({ PRE_COMMIT_HOME: home });
    // The README's snippet, with this run's repository for guard's.
    sealed.repo.write('.pre-commit-config.yaml', `repos:\n  - repo: ${source.dir}\n    rev: ${RELEASE_TAG}\n    hooks:\n      - id: migration-guard\n`);
    sealed.repo.commitAll('use the pre-commit framework');
    const install = run(command, ['install'], sealed.repo.root, env);
    assert.equal(install.code, 0, install.output);
  });

  after(() => {
    sealed?.dispose();
    source?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('locks a new migration in the same commit', () => {
    sealed.repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    sealed.repo.git('add', 'db/migrations/030_items.sql');
    const commit = run('git', ['commit', '-m', 'add items'], sealed.repo.root, env);
    assert.equal(commit.code, 0, commit.output);
    assert.match(commit.output, /migration-guard\.+Passed/);
    assert.match(sealed.repo.git('show', 'HEAD:checksums.lock.yaml'), /file: 030_items\.sql, sha256: [0-9a-f]{64}/);
    assert.equal(sealed.repo.git('status', '--porcelain'), '');
  });

  it('refuses an edit of a sealed migration, naming it', () => {
    const head = sealed.repo.git('rev-parse', 'HEAD');
    sealed.repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const commit = run('git', ['commit', '-a', '-m', 'edit a sealed migration'], sealed.repo.root, env);
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /migration-guard\.+Failed/);
    assert.match(commit.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.equal(sealed.repo.git('rev-parse', 'HEAD'), head, 'the commit did not happen');
  });
});

// The first report: `rev:` a commit without dist/, npm's `prepare`
// in the framework's install found no `tsc`.
describe('the pre-commit framework installs guard from a commit that is not a release', { skip: typeof preCommit === 'string' ? preCommit : false }, () => {
  let source: GuardSourceRepository;
  let repo: ReturnType<typeof withSealedRemote>;
  let home: string;
  const command = typeof preCommit === 'string' ? 'pre-commit' : preCommit.command;

  before(() => {
    source = guardSourceRepository({ release: false });
    repo = withSealedRemote();
    home = mkdtempSync(path.join(tmpdir(), 'guard-pre-commit-home-'));
  });

  after(() => {
    repo?.dispose();
    source?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('builds guard in prepare, and the hook locks a new migration', () => {
    const env = cleanEnvironment({ PRE_COMMIT_HOME: home });
    const rev = run('git', ['rev-parse', 'HEAD'], source.dir, env).output.trim();
    repo.repo.write('.pre-commit-config.yaml', `repos:\n  - repo: ${source.dir}\n    rev: ${rev}\n    hooks:\n      - id: migration-guard\n`);
    repo.repo.commitAll('use the pre-commit framework');
    const install = run(command, ['install', '--install-hooks'], repo.repo.root, env);
    assert.equal(install.code, 0, install.output);
    repo.repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    repo.repo.git('add', 'db/migrations/030_items.sql');
    const commit = run('git', ['commit', '-m', 'add items'], repo.repo.root, env);
    assert.equal(commit.code, 0, commit.output);
    assert.match(repo.repo.git('show', 'HEAD:checksums.lock.yaml'), /file: 030_items\.sql, sha256: [0-9a-f]{64}/);
  });
});

describe('npm installs guard from a git commit that is not a release', () => {
  let source: GuardSourceRepository;
  let prefix: string;

  before(() => {
    source = guardSourceRepository({ release: false });
    prefix = mkdtempSync(path.join(tmpdir(), 'guard-npm-global-'));
  });

  after(() => {
    source?.dispose();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  // npm leaks npm_config_global into the prepare of a git dependency, so the
  // dev toolchain is not where tsc is looked for: scripts/prepare.mjs installs it.
  it('npm install -g git+file://... builds guard in prepare and installs a working guard', () => {
    const install = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', source.url], tmpdir(), cleanEnvironment());
    assert.equal(install.code, 0, install.output);
    const version = run(path.join(prefix, 'bin/guard'), ['--version'], tmpdir(), cleanEnvironment());
    assert.equal(version.code, 0, version.output);
    assert.equal(version.output.trim(), GUARD_VERSION);
  });
});

describe('scripts/release-commit.mjs', () => {
  let source: GuardSourceRepository;

  before(() => {
    source = guardSourceRepository();
  });

  after(() => {
    source?.dispose();
  });

  const release = (cwd: string, ...args: string[]) => run(process.execPath, [path.join(cwd, 'scripts/release-commit.mjs'), ...args], cwd, cleanEnvironment());

  it('tags a commit that holds the built dist/ and a package.json without prepare, leaving the branch where it was', () => {
    const git = (...args: string[]) => run('git', args, source.dir, cleanEnvironment()).output;
    const files = git('ls-tree', '-r', '--name-only', RELEASE_TAG).split('\n');
    assert.ok(files.includes('dist/bin/guard.js'), 'dist/bin/guard.js is in the release commit');
    assert.ok(files.includes('dist/index.js'), 'the library entry is in the release commit');
    assert.ok(!files.some((file) => file.endsWith('.map')), 'no source maps');
    assert.equal(JSON.parse(git('show', `${RELEASE_TAG}:package.json`)).scripts.prepare, undefined);
    assert.equal(git('rev-parse', `${RELEASE_TAG}^`).trim(), git('rev-parse', 'HEAD').trim(), 'the release commit is a child of HEAD');
    assert.equal(git('status', '--porcelain', '--untracked-files=no'), '', 'the work tree is untouched');
  });

  it('refuses a tag that exists, a tag that is not the version, and uncommitted changes', () => {
    const again = release(source.dir, RELEASE_TAG, '--no-build');
    assert.equal(again.code, 1);
    assert.match(again.output, new RegExp(`the tag ${RELEASE_TAG.replaceAll('.', '\\.')} exists already`));

    const other = release(source.dir, 'v99.0.0', '--no-build');
    assert.equal(other.code, 1);
    assert.match(other.output, /the tag v99\.0\.0 does not match package\.json's version/);

    writeFileSync(path.join(source.dir, 'README.md'), 'edited\n');
    const dirty = release(source.dir, 'v0.0.0-dirty', '--no-build');
    assert.equal(dirty.code, 1);
    assert.match(dirty.output, /the work tree has uncommitted changes \(README\.md\)/);
    assert.equal(existsSync(path.join(source.dir, 'dist')), false);
  });

  it('says how to call it when the tag is missing', () => {
    const usage = release(source.dir);
    assert.equal(usage.code, 2);
    assert.match(usage.output, /usage: node scripts\/release-commit\.mjs vX\.Y\.Z/);
  });
});
