import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TempRepo, alembicRevision, commitSealedEditPastHooks, lockWithoutSealedState, runGuardWithEnv, withSealedRemote } from '../helpers/git-repo.js';

const MEMO = '.git/guard/verify-base.json';

function memoEntries(repo: TempRepo): number {
  const file = path.join(repo.root, MEMO);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] }).entries.length : 0;
}

describe('guard verify --base remembers its answer, and only for the same inputs', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('items');
  });
  after(() => dispose());

  it('a repeated check of the same state gives the same answer from $GIT_DIR/guard/', () => {
    const first = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(memoEntries(repo), 1);
    const again = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(again.code, 0);
    assert.equal(again.stdout, first.stdout);
    assert.equal(memoEntries(repo), 1);
  });

  it('a base that moved on is a new question, though HEAD did not move', () => {
    // One commit on the way edits a sealed migration (relocked, hooks skipped), the next takes it back.
    const users = repo.read('db/migrations/010_users.sql');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    lockWithoutSealedState(repo);
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'sneaky edit', '--no-verify');
    repo.write('db/migrations/010_users.sql', users);
    repo.git('checkout', 'HEAD~1', '--', 'checksums.lock.yaml');
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'taken back', '--no-verify');
    const refused = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.deepEqual((JSON.parse(refused.stdout) as { commits: { subject: string }[] }).commits.map((commit) => commit.subject), ['sneaky edit']);
    // main takes the whole branch (fast-forward): nothing is on the way any more.
    repo.git('push', '-q', 'origin', 'HEAD:main');
    repo.git('fetch', '-q', 'origin');
    const passed = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.deepEqual((JSON.parse(passed.stdout) as { commits: unknown[] }).commits, []);
    assert.ok(memoEntries(repo) >= 3);
  });

  it('a .gitattributes file in the work tree, outside the migration dirs, is part of the question', () => {
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
    repo.write('.gitattributes', 'db/migrations/*.sql ident\n');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /\.gitattributes:1 gives db\/migrations\/\S+ `ident`/);
    repo.remove('.gitattributes');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('so is one in a folder above the migration dir, untracked or ignored; one beside it is not', () => {
    repo.write('web/.gitattributes', '* ident\n');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0, 'a file in another folder gives no migration an attribute');
    repo.write('.gitignore', 'db/.gitattributes\n');
    repo.write('db/.gitattributes', 'migrations/*.sql working-tree-encoding=UTF-16\n');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /db\/\.gitattributes:1 gives db\/migrations\/\S+ `working-tree-encoding=UTF-16`/);
    for (const file of ['db/.gitattributes', '.gitignore', 'web/.gitattributes']) repo.remove(file);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('one that is a symlink is not read, as git does not follow it', () => {
    writeFileSync(path.join(repo.root, 'elsewhere.attributes'), 'db/migrations/*.sql ident\n');
    symlinkSync('elsewhere.attributes', path.join(repo.root, '.gitattributes'));
    assert.match(repo.git('check-attr', 'ident', '--', 'db/migrations/010_users.sql'), /ident: unspecified/, 'git does not follow it');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
    repo.remove('.gitattributes');
    repo.remove('elsewhere.attributes');
  });

  it('an edit in the work tree is judged, never answered from the memo', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
  });

  it('a forged or corrupt memo is a miss, never a pass', () => {
    // A commit that edits a sealed migration, relocked: refused.
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'edit', '--no-verify');
    const refused = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(refused.code, 1);
    // An entry that says it passed, under every key the file holds, with a forged one beside them.
    const memo = JSON.parse(readFileSync(path.join(repo.root, MEMO), 'utf8')) as { entries: { key: string; value: { ok: boolean; exitCode: number; findings: unknown[] } }[] };
    const passing = JSON.parse(readFileSync(path.join(repo.root, MEMO), 'utf8')).entries.find((entry: { value: { ok: boolean } }) => entry.value.ok).value;
    writeFileSync(path.join(repo.root, MEMO), JSON.stringify({ entries: [{ key: 'f'.repeat(64), value: passing }, ...memo.entries.filter((entry) => !entry.value.ok)] }));
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 1);
    writeFileSync(path.join(repo.root, MEMO), '{"entries": [');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
  });
});

describe('a symlinked migration whose target lies outside the migration dir', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\n');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    mkdirSync(path.join(repo.root, 'shared'), { recursive: true });
    writeFileSync(path.join(repo.root, 'shared/roles.sql'), 'CREATE ROLE app;\n');
    symlinkSync('../../shared/roles.sql', path.join(repo.root, 'db/migrations/020_roles.sql'));
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('migrations');
  });
  after(() => repo.dispose());

  it('an edit of the target is found by a repeated verify (no answer remembered for it)', () => {
    assert.equal(repo.guard('verify').code, 0);
    assert.equal(repo.guard('verify').code, 0);
    writeFileSync(path.join(repo.root, 'shared/roles.sql'), 'CREATE ROLE app SUPERUSER;\n');
    const result = repo.guard('verify');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /db\/migrations\/020_roles\.sql changed since it was locked/);
    repo.git('checkout', '--', 'shared/roles.sql');
  });

  it('so is a committed edit of the target, checked at HEAD', () => {
    assert.equal(repo.guard('verify', '--rev', 'HEAD').code, 0);
    writeFileSync(path.join(repo.root, 'shared/roles.sql'), 'CREATE ROLE app SUPERUSER;\n');
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'edit the target', '--no-verify');
    const result = repo.guard('verify', '--rev', 'HEAD');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /db\/migrations\/020_roles\.sql changed since it was locked/);
  });
});

describe('guard verify --base: the last commit, when the work tree is it', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    commitSealedEditPastHooks(repo);
  });
  after(() => dispose());

  it('is judged once, as the final state, its refusal shown once', () => {
    const result = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { code: string; file: string }[]; commits: unknown[] };
    assert.deepEqual(report.findings.map((finding) => [finding.code, finding.file]), [['sealed-edited', 'db/migrations/010_users.sql']]);
    assert.deepEqual(report.commits, []);
    const text = repo.guard('verify', '--base', 'origin/main');
    assert.equal(text.stdout.match(/010_users\.sql is sealed in origin\/main/g)?.length, 1, text.stdout);
  });

  it('is judged on its own when the work tree differs from it: an edit, or a config not committed', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    const edited = JSON.parse(repo.guard('verify', '--base', 'origin/main', '--format', 'json').stdout) as { commits: { subject: string }[] };
    assert.deepEqual(edited.commits.map((commit) => commit.subject), ['sneaky edit']);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\n    outOfOrder: allow\n');
    const configured = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    const report = JSON.parse(configured.stdout) as { commits: { subject: string }[] };
    assert.deepEqual(report.commits.map((commit) => commit.subject), ['sneaky edit'], configured.stdout + configured.stderr);
    repo.git('checkout', '--', 'guard.config.yaml');
  });
});

describe('guard verify --base: .gitattributes in the migration dir, in a commit on the way', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = withSealedRemote()));
  after(() => dispose());

  it('is read from that commit, and named with it', () => {
    repo.write('db/migrations/.gitattributes', '*.sql ident\n');
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'expand $Id$', '--no-verify');
    repo.remove('db/migrations/.gitattributes');
    repo.git('add', '-A');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'no more', '--no-verify');
    const result = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { findings: unknown[]; commits: { subject: string; findings: { code: string; message: string }[] }[] };
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.commits.map((commit) => [commit.subject, commit.findings.map((finding) => finding.code)]), [['expand $Id$', ['checkout-rewritten', 'checkout-rewritten']]]);
    assert.match(report.commits[0]!.findings[0]!.message, /^db\/migrations\/\.gitattributes:1 gives db\/migrations\/010_users\.sql `ident`/);
  });
});

describe('guard verify --base: what lies outside the listing of the migration dirs', () => {
  it('a moved set, however its lockfile spells it, has its old dir looked at on every run', () => {
    const { repo, dispose } = withSealedRemote();
    try {
      repo.git('mv', 'db/migrations', 'db/sql');
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db/sql\n    tool: sql\n');
      assert.equal(repo.guard('amend', '--set', 'db/migrations', '--reason', 'move').code, 0);
      // The same YAML value, escaped: guard reads the lockfile, not its spelling.
      repo.write('checksums.lock.yaml', repo.read('checksums.lock.yaml').replace('change: moved', 'change: "mov\\x65d"'));
      repo.git('add', '-A');
      repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'move', '--no-verify');
      assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
      assert.equal(memoEntries(repo), 0, 'an answer that read the work tree outside the listing is not kept');
      repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
      const result = repo.guard('verify', '--base', 'origin/main');
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /db\/migrations is a sealed set in origin\/main .* still holds files/);
    } finally {
      dispose();
    }
  });

  it('HEAD is checked on its own when its alembic.ini reads sub-folders and the work tree\'s does not', () => {
    const repo = new TempRepo();
    const remote = mkdtempSync(path.join(tmpdir(), 'guard-remote-'));
    try {
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
      repo.write('guard.config.yaml', 'migrations:\n  - dir: alembic/versions\n    tool: alembic\n');
      repo.write('alembic.ini', '[alembic]\nscript_location = alembic\n');
      repo.write('alembic/versions/a1_init.py', alembicRevision('a1', null));
      assert.equal(repo.guard('lock').code, 0);
      repo.commitAll('init');
      repo.git('remote', 'add', 'origin', remote);
      repo.git('push', '-q', '-u', 'origin', 'main');
      repo.git('remote', 'set-head', 'origin', 'main');
      repo.git('checkout', '-q', '-b', 'feature');
      repo.write('alembic/versions/sub/b2_more.py', alembicRevision('b2', 'a1'));
      repo.write('alembic.ini', '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n');
      repo.git('add', '-A');
      repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'alembic reads sub-folders now', '--no-verify');
      repo.write('alembic.ini', '[alembic]\nscript_location = alembic\n');
      const result = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout) as { commits: { subject: string; findings: { file?: string }[] }[] };
      assert.deepEqual(report.commits.map((commit) => commit.subject), ['alembic reads sub-folders now']);
      assert.ok(report.commits[0]!.findings.some((finding) => finding.file === 'alembic/versions/sub/b2_more.py'));
    } finally {
      repo.dispose();
      rmSync(remote, { recursive: true, force: true });
    }
  });
});

describe('guard verify --base in CI (the CI variable set)', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    commitSealedEditPastHooks(repo);
  });
  after(() => dispose());

  it('ignores a cache an earlier job left in the workspace, and writes none', () => {
    // Outside CI the answer is remembered; an earlier job on a runner whose workspace survives rewrites it as a pass.
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 1);
    const file = path.join(repo.root, MEMO);
    const memo = JSON.parse(readFileSync(file, 'utf8')) as { entries: { key: string; value: Record<string, unknown> }[] };
    for (const entry of memo.entries) Object.assign(entry.value, { ok: true, exitCode: 0, findings: [], commits: [] });
    writeFileSync(file, JSON.stringify(memo));
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0, 'outside CI the cache is trusted (README, "Performance")');
    const inCi = runGuardWithEnv(repo.root, { CI: 'true' }, 'verify', '--base', 'origin/main');
    assert.equal(inCi.code, 1, inCi.stdout + inCi.stderr);
    assert.match(inCi.stdout, /010_users\.sql is sealed in origin\/main/);
    repo.remove('.git/guard');
    assert.equal(runGuardWithEnv(repo.root, { CI: '1' }, 'verify', '--base', 'origin/main').code, 1);
    assert.equal(existsSync(path.join(repo.root, '.git/guard')), false, 'nothing written');
    assert.equal(runGuardWithEnv(repo.root, { CI: 'false' }, 'verify', '--base', 'origin/main').code, 1);
    assert.equal(existsSync(file), true, 'CI=false is not CI');
  });
});

describe('guard verify --base: a .gitattributes pattern quoted as git quotes names', () => {
  it('is unquoted as git unquotes it (octal bytes), so the rewrite it gives a sealed migration is refused', () => {
    const { repo, dispose } = withSealedRemote();
    try {
      repo.write('.gitattributes', '"db/migrations/010\\137users.sql" working-tree-encoding=UTF-16\n');
      // Only the attributes file: git add -A could re-read a racily clean 010 through the new encoding and fail.
      repo.git('add', '.gitattributes');
      repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'attributes', '--no-verify');
      assert.match(repo.git('check-attr', 'working-tree-encoding', '--', 'db/migrations/010_users.sql'), /UTF-16/, 'git applies it');
      const result = repo.guard('verify', '--base', 'origin/main');
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /\.gitattributes:1 gives db\/migrations\/010_users\.sql `working-tree-encoding=UTF-16`/);
    } finally {
      dispose();
    }
  });
});
