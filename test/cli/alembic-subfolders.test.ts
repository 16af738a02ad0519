// Adoption of an OpenStack-style Alembic tree (one revision graph spread over
// release folders with expand/ and contract/, labels named by constants):
// guard init -> guard doctor -> first commit -> first push, and the heads
// guard locks against real Alembic's with every folder as a version location.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { GUARD } from '../helpers/compiled-guard.js';
import { TempRepo } from '../helpers/git-repo.js';
import { foldersUnder, PYTHON, realAlembicMissing } from '../helpers/alembic-real.js';
import { HEADS, REVISIONS, SCRIPT_DIR, VERSIONS, writeOpenStackTree } from '../helpers/openstack-alembic.js';

/** What `npm install migration-guard` puts in a project: here the compiled guard of this checkout. */
function installShim(root: string): void {
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules/.bin/guard'), `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" "$@"\n`);
  chmodSync(path.join(root, 'node_modules/.bin/guard'), 0o755);
  writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n');
}

function guard(repo: TempRepo, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [GUARD, ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A git command as a user types it, hooks and all. */
function git(repo: TempRepo, ...args: string[]): { code: number; output: string } {
  const run = spawnSync('git', args, { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

/** `alembic heads` with an alembic.ini outside the repository naming every folder under versions/ as a version location. */
function realHeads(repo: TempRepo): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'guard-alembic-ini-'));
  try {
    const locations = foldersUnder(path.join(repo.root, VERSIONS));
    writeFileSync(
      path.join(dir, 'alembic.ini'),
      `[alembic]\nscript_location = ${path.join(repo.root, SCRIPT_DIR)}\nprepend_sys_path = ${repo.root}\nversion_path_separator = os\nversion_locations = ${locations.join(':')}\n`,
    );
    const run = spawnSync(PYTHON, ['-m', 'alembic', '-c', path.join(dir, 'alembic.ini'), 'heads'], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    assert.equal(run.status, 0, `real alembic heads failed: ${run.stderr}`);
    return run.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]!).filter(Boolean).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('an OpenStack-style Alembic tree (release folders with expand/ and contract/)', () => {
  let repo: TempRepo;
  let remote: string;
  let init: { code: number; stdout: string; stderr: string };
  before(() => {
    repo = new TempRepo();
    installShim(repo.root);
    writeOpenStackTree(repo);
    remote = mkdtempSync(path.join(tmpdir(), 'guard-remote-'));
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    repo.git('remote', 'add', 'origin', remote);
    init = guard(repo, 'init');
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });

  it('guard init writes one recursive set for the whole graph, not one set per folder', () => {
    assert.equal(init.code, 0, `${init.stdout}${init.stderr}`);
    const config = parse(repo.read('guard.config.yaml')) as { migrations: Array<Record<string, unknown>> };
    assert.deepEqual(config.migrations, [{ dir: VERSIONS, tool: 'alembic', recursive: true }]);
    assert.match(init.stdout, /one revision graph over \d+ folders/);
  });

  it('locks every revision, in every sub-folder, and none of the files beside them', () => {
    const lock = parse(repo.read('checksums.lock.yaml')) as { sets: Array<{ dir: string; heads: string[]; migrations: Array<{ id: string; file: string }> }> };
    assert.equal(lock.sets.length, 1);
    assert.deepEqual(lock.sets[0]!.migrations.map((entry) => entry.file).sort(), REVISIONS.map((revision) => revision.file).sort());
  });

  it('a label that names a constant is a warning naming the file and line, not a refusal', () => {
    const warned = `${init.stdout}${init.stderr}`;
    assert.match(warned, new RegExp(`warning ${VERSIONS}/liberty/expand/30018084ed99_initial\\.py:13: branch_labels is not written as string literals`));
    assert.match(warned, new RegExp(`warning ${VERSIONS}/liberty/contract/56893333aa52_fix_fk\\.py:13: branch_labels`));
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /^warning .*30018084ed99_initial\.py:13: branch_labels/m);
  });

  it('guard doctor is all ok', () => {
    const doctor = guard(repo, 'doctor');
    assert.equal(doctor.code, 0, doctor.stdout);
    assert.doesNotMatch(doctor.stdout, /FAIL/);
  });

  it('the set-up commit and the first push to an empty bare remote pass, hooks and all', () => {
    const commit = git(repo, 'add', '-A');
    assert.equal(commit.code, 0, commit.output);
    const committed = git(repo, 'commit', '-q', '-m', 'Guard the migrations');
    assert.equal(committed.code, 0, committed.output);
    const pushed = git(repo, 'push', '-q', '-u', 'origin', 'main');
    assert.equal(pushed.code, 0, pushed.output);
  });

  it('guard locks the heads real Alembic computes with every folder as a version location', { skip: realAlembicMissing() }, () => {
    const lock = parse(repo.read('checksums.lock.yaml')) as { sets: Array<{ heads: string[] }> };
    const real = realHeads(repo);
    assert.deepEqual(real, HEADS);
    assert.deepEqual([...lock.sets[0]!.heads].sort(), real);
  });

  it('a revision in a new release folder is locked by the pre-commit hook and verified', () => {
    repo.write(
      `${VERSIONS}/2026.2/expand/842256a43ce2_remove_sha1.py`,
      "revision = '842256a43ce2'\ndown_revision = 'b18aab30fddc'\n\n\ndef upgrade():\n    pass\n",
    );
    git(repo, 'add', '-A');
    const committed = git(repo, 'commit', '-q', '-m', 'Remove SHA-1');
    assert.equal(committed.code, 0, committed.output);
    const lock = parse(repo.read('checksums.lock.yaml')) as { sets: Array<{ heads: string[]; migrations: Array<{ id: string; file: string }> }> };
    assert.ok(lock.sets[0]!.migrations.some((entry) => entry.file === '2026.2/expand/842256a43ce2_remove_sha1.py'));
    assert.deepEqual([...lock.sets[0]!.heads].sort(), ['842256a43ce2', 'e50641731f1a']);
    assert.equal(guard(repo, 'verify', '--rev', 'HEAD').code, 0);
  });
});

describe('the same tree configured through alembic.ini version_locations', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    writeOpenStackTree(repo);
    // Every folder listed, %(here)s-relative, the locations nested in one another.
    const folders = foldersUnder(path.join(repo.root, VERSIONS)).map((folder) => path.relative(path.join(repo.root, 'proj/db/migration'), folder));
    repo.write('proj/db/migration/alembic.ini', `[alembic]\nscript_location = %(here)s/alembic_migrations\nprepend_sys_path = ${repo.root}\nversion_path_separator = os\nversion_locations = ${folders.map((folder) => `%(here)s/${folder}`).join(':')}\n`);
  });
  after(() => repo.dispose());

  it('guard init writes one recursive set at the outermost location, and its heads are Alembic\'s', { skip: realAlembicMissing() }, () => {
    const init = guard(repo, 'init');
    assert.equal(init.code, 0, `${init.stdout}${init.stderr}`);
    const config = parse(repo.read('guard.config.yaml')) as { migrations: Array<Record<string, unknown>> };
    assert.deepEqual(config.migrations, [{ dir: VERSIONS, tool: 'alembic', recursive: true }]);
    const lock = parse(repo.read('checksums.lock.yaml')) as { sets: Array<{ heads: string[] }> };
    assert.deepEqual([...lock.sets[0]!.heads].sort(), realHeads(repo));
    assert.equal(guard(repo, 'verify').code, 0);
  });
});
