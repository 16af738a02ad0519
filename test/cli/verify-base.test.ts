import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo, lockWithoutSealedState, runGuard, withSealedRemote } from '../helpers/git-repo.js';

describe('guard verify --base: the CI gate', () => {
  let repo: TempRepo;
  let remote: string;
  let dispose: () => void;
  before(() => ({ repo, remote, dispose } = withSealedRemote()));
  after(() => dispose());

  it('passes a branch that only adds a migration after the sealed ones', () => {
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('items');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /nothing sealed in origin\/main changed/);
  });

  it('refuses an edit of a sealed migration committed with --no-verify and relocked, naming the sealing commit', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    lockWithoutSealedState(repo);
    repo.commitAll('sneaky edit');
    // The lockfile matches the files, so plain verify passes: only the sealed state catches it.
    assert.equal(repo.guard('verify').code, 0);
    const result = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { base: string; findings: { code: string; file: string; message: string; fix: string }[] };
    assert.equal(report.base, 'origin/main');
    // One finding per file: the relocked line is part of the same edit.
    assert.deepEqual(
      report.findings.map((finding) => [finding.code, finding.file]),
      [['sealed-edited', 'db/migrations/010_users.sql']],
    );
    const sealingCommit = repo.git('rev-parse', '--short', 'main').trim();
    assert.match(report.findings[0]!.message, new RegExp(`sealed in origin/main by ${sealingCommit} \\(\\d{4}-\\d\\d-\\d\\d, Test User\\)`));
    assert.match(report.findings[0]!.fix, /write a new migration/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
  });

  const refusedCodes = (message: string, change: () => void): string[] => {
    change();
    lockWithoutSealedState(repo);
    repo.commitAll(message);
    const result = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    return (JSON.parse(result.stdout) as { findings: { code: string }[] }).findings.map((finding) => finding.code);
  };

  it('refuses renaming a sealed migration', () => {
    assert.deepEqual(
      refusedCodes('rename', () => repo.git('mv', 'db/migrations/020_orders.sql', 'db/migrations/025_orders.sql')),
      ['sealed-renamed'],
    );
  });

  it('refuses deleting a sealed migration', () => {
    assert.deepEqual(
      refusedCodes('delete', () => repo.git('rm', '-q', 'db/migrations/020_orders.sql')),
      ['sealed-deleted'],
    );
  });

  it('refuses a new migration that sorts before the sealed ones', () => {
    assert.deepEqual(
      refusedCodes('late', () => repo.write('db/migrations/015_late.sql', 'SELECT 1;\n')),
      ['out-of-order'],
    );
  });

  it('in a shallow clone without the base, exits 3 and says what to fetch', () => {
    const shallow = mkdtempSync(path.join(tmpdir(), 'guard-shallow-'));
    try {
      repo.git('push', '-q', 'origin', 'feature');
      execFileSync('git', ['clone', '-q', '--depth', '1', '--single-branch', '--branch', 'feature', `file://${remote}`, shallow]);
      const result = runGuard(shallow, 'verify', '--base', 'origin/main');
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stderr, /origin\/main is not in this shallow clone/);
      assert.match(result.stderr, /git fetch --depth=1 origin main:refs\/remotes\/origin\/main/);
      execFileSync('git', ['fetch', '-q', '--depth=1', 'origin', 'main:refs/remotes/origin/main'], { cwd: shallow });
      // The base alone is not enough: every commit of the branch since the base is checked.
      const cut = runGuard(shallow, 'verify', '--base', 'origin/main');
      assert.equal(cut.code, 3, cut.stdout + cut.stderr);
      assert.match(cut.stderr, /this shallow clone stops at/);
      execFileSync('git', ['fetch', '-q', '--unshallow', 'origin', 'feature'], { cwd: shallow });
      const fetched = runGuard(shallow, 'verify', '--base', 'origin/main');
      assert.equal(fetched.code, 0, fetched.stdout + fetched.stderr);
    } finally {
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});

describe('guard lock never rewrites a sealed entry; guard amend records a sanctioned change', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = withSealedRemote()));
  after(() => dispose());

  it('guard lock refuses an edited sealed migration, names it and points to guard amend', () => {
    const before = repo.read('checksums.lock.yaml');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const lock = repo.guard('lock');
    assert.equal(lock.code, 1, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /db\/migrations\/010_users\.sql is sealed in origin\/main by [0-9a-f]+ \(/);
    assert.match(lock.stdout, /guard amend db\/migrations\/010_users\.sql/);
    assert.equal(repo.read('checksums.lock.yaml'), before);
  });

  it('guard amend records from, to, reason, author and date, and the gate accepts it', () => {
    const amend = repo.guard('amend', 'db/migrations/010_users.sql', '--reason', 'widen id to bigint');
    assert.equal(amend.code, 0, amend.stdout + amend.stderr);
    const text = repo.read('checksums.lock.yaml');
    assert.match(
      text,
      /^ {2}- \{file: db\/migrations\/010_users\.sql, from: "sha256:[0-9a-f]{64}", to: "sha256:[0-9a-f]{64}", reason: "widen id to bigint", by: "test@example\.com", at: "\d{4}-\d\d-\d\d"\}$/m,
    );
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('amended');
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  });

  it('amending again replaces the unmerged amendment instead of stacking a second', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint NOT NULL);\n');
    assert.equal(repo.guard('amend', 'db/migrations/010_users.sql', '--reason', 'and not null').code, 0);
    const amendments = repo.read('checksums.lock.yaml').split('\n').filter((line) => line.startsWith('  - {file: db/migrations/010_users.sql'));
    assert.equal(amendments.length, 1);
    assert.match(amendments[0]!, /reason: "and not null"/);
  });

  it('refuses to amend a migration that is not sealed, or without a reason', () => {
    repo.write('db/migrations/030_new.sql', 'SELECT 1;\n');
    assert.equal(repo.guard('lock').code, 0);
    const unsealed = repo.guard('amend', 'db/migrations/030_new.sql', '--reason', 'x');
    assert.equal(unsealed.code, 2);
    assert.match(unsealed.stderr, /db\/migrations\/030_new\.sql is not sealed in origin\/main, so it needs no amendment/);
    const noReason = repo.guard('amend', 'db/migrations/010_users.sql');
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /needs --reason/);
  });
});

describe('guard renumber', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = withSealedRemote()));
  after(() => dispose());

  it('renames an out-of-order migration after the newest one, with its down script, and relocks', () => {
    repo.write('db/migrations/015_late.up.sql', 'CREATE INDEX users_id ON users (id);\n');
    repo.write('db/migrations/015_late.down.sql', 'DROP INDEX users_id;\n');
    repo.git('add', 'db/migrations/015_late.up.sql');
    const refused = repo.guard('lock');
    assert.equal(refused.code, 0, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /warning db\/migrations\/015_late\.up\.sql \(version 015\) sorts before db\/migrations\/020_orders\.sql/);
    const result = repo.guard('renumber', 'db/migrations/015_late.up.sql');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /renamed db\/migrations\/015_late\.up\.sql -> db\/migrations\/021_late\.up\.sql/);
    assert.match(result.stdout, /renamed db\/migrations\/015_late\.down\.sql -> db\/migrations\/021_late\.down\.sql/);
    // The staged file moved with git mv; the untracked down script moved on disk.
    const status = repo.git('status', '--porcelain');
    assert.match(status, /^A {2}db\/migrations\/021_late\.up\.sql$/m);
    assert.match(status, /^\?\? db\/migrations\/021_late\.down\.sql$/m);
    assert.doesNotMatch(status, /015_late/);
    assert.match(repo.read('checksums.lock.yaml'), /\{id: "021", file: 021_late\.up\.sql, sha256: [0-9a-f]{64}, down: 021_late\.down\.sql, down_sha256: [0-9a-f]{64}\}/);
    repo.commitAll('late index');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
  });

  it('a new migration that takes a sealed version: the fix names the new file, and renumbering the sealed one is refused with nothing changed', () => {
    repo.write('db/migrations/020_audit.sql', 'CREATE TABLE audit (id int);\n');
    const lock = repo.guard('lock');
    assert.equal(lock.code, 1, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /version 020 is used twice: db\/migrations\/020_orders\.sql and db\/migrations\/020_audit\.sql/);
    assert.match(lock.stdout, /guard renumber db\/migrations\/020_audit\.sql/);
    assert.doesNotMatch(lock.stdout, /renumber db\/migrations\/020_orders/);
    // Plain verify, without the sealed state, reads the lockfile: no false "renamed" either.
    const verify = repo.guard('verify', '--format', 'json');
    const report = JSON.parse(verify.stdout) as { findings: { code: string; file: string; fix: string }[] };
    assert.deepEqual(report.findings.map((finding) => [finding.code, finding.file]), [['duplicate-id', 'db/migrations/020_audit.sql']]);

    const statusBefore = repo.git('status', '--porcelain');
    const lockBefore = repo.read('checksums.lock.yaml');
    const sealedRenumber = repo.guard('renumber', 'db/migrations/020_orders.sql');
    assert.equal(sealedRenumber.code, 1, sealedRenumber.stdout + sealedRenumber.stderr);
    assert.match(sealedRenumber.stderr, /db\/migrations\/020_orders\.sql is sealed in origin\/main: it has been deployed/);
    assert.match(sealedRenumber.stderr, /guard renumber db\/migrations\/020_audit\.sql/);
    assert.equal(repo.git('status', '--porcelain'), statusBefore);
    assert.equal(repo.read('checksums.lock.yaml'), lockBefore);

    const renumbered = repo.guard('renumber', 'db/migrations/020_audit.sql');
    assert.equal(renumbered.code, 0, renumbered.stdout + renumbered.stderr);
    assert.match(renumbered.stdout, /renamed db\/migrations\/020_audit\.sql -> db\/migrations\/02[1-9]_audit\.sql/);
    repo.commitAll('audit');
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
  });

  it('a renumber whose new lockfile is refused puts the file back', () => {
    repo.write('db/migrations/015_late.sql', 'SELECT 15;\n');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n'); // a sealed edit: the lockfile is refused
    const result = repo.guard('renumber', 'db/migrations/015_late.sql');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /renamed db\/migrations\/015_late\.sql back: nothing was changed/);
    assert.equal(repo.read('db/migrations/015_late.sql'), 'SELECT 15;\n');
    assert.doesNotMatch(repo.git('status', '--porcelain'), /021_late/);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
    repo.remove('db/migrations/015_late.sql');
  });

  it('explains that Alembic revisions are ordered by down_revision', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: versions\n');
    repo.write('versions/a1_base.py', "revision = 'a1'\ndown_revision = None\n");
    const result = repo.guard('renumber', 'versions/a1_base.py');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Alembic orders revisions by down_revision/);
  });
});

describe('a protected ref that is not in the clone', () => {
  it('guard lock fails closed (exit 3, what to fetch, nothing written); the hook passes a new last migration and fails closed on changes', () => {
    const repo = new TempRepo();
    try {
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db\n    tool: sql\n');
      repo.write('db/001_a.sql', 'SELECT 1;\n');
      assert.equal(repo.guard('lock').code, 0);
      repo.commitAll('first');
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db\n    tool: sql\nprotected: origin/release\n');
      repo.write('db/001_a.sql', 'SELECT 100;\n');
      const before = repo.read('checksums.lock.yaml');
      const lock = repo.guard('lock');
      assert.equal(lock.code, 3, lock.stdout + lock.stderr);
      assert.match(lock.stderr, /origin\/release is not in this clone, so guard cannot tell which migrations are sealed/);
      assert.match(lock.stderr, /git fetch origin release:refs\/remotes\/origin\/release/);
      assert.equal(repo.read('checksums.lock.yaml'), before);
      repo.write('db/001_a.sql', 'SELECT 1;\n');
      repo.commitAll('protect');
      // Adding the new last migration needs no sealed state: nothing existing changes.
      repo.write('db/002_b.sql', 'SELECT 2;\n');
      repo.git('add', 'db/002_b.sql');
      assert.equal(repo.guard('hook', 'pre-commit').code, 0);
      repo.commitAll('second');
      // Changing an existing one does, and without it the hook fails closed.
      repo.write('db/001_a.sql', 'SELECT 10;\n');
      repo.git('add', 'db/001_a.sql');
      const hook = repo.guard('hook', 'pre-commit');
      assert.equal(hook.code, 3, hook.stdout + hook.stderr);
      assert.match(hook.stderr, /origin\/release is not in this clone/);
    } finally {
      repo.dispose();
    }
  });
});

describe('guard verify in CI: GitHub annotations and step summary, GitLab code quality', () => {
  let repo: TempRepo;
  let dispose: () => void;
  let summary: string;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    // Twelve unlocked migrations: more problems than GitHub annotates in one step.
    for (let i = 30; i < 42; i++) repo.write(`db/migrations/0${i}_t.sql`, `SELECT ${i};\n`);
    summary = path.join(repo.root, '..', `${path.basename(repo.root)}-summary.md`);
  });
  after(() => {
    dispose();
    rmSync(summary, { force: true });
  });

  it('under GITHUB_ACTIONS=true annotates at most 10 problems and writes all of them to the step summary', () => {
    const result = spawnGuard(repo.root, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }, 'verify');
    assert.equal(result.code, 1);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::error '));
    assert.equal(annotations.length, 10);
    assert.match(annotations[0]!, /^::error file=db\/migrations\/030_t\.sql,title=guard unlocked::/);
    assert.match(result.stdout, /::notice title=guard::3 more problems than GitHub annotates; all are in the job summary/);
    const table = readFileSync(summary, 'utf8');
    assert.equal(table.split('\n').filter((line) => line.startsWith("| ❌")).length, 13);
    assert.match(table, /refused 13 problems/);
  });

  it('--format gitlab prints a code quality report with stable fingerprints', () => {
    const first = runGuard(repo.root, 'verify', '--format', 'gitlab');
    assert.equal(first.code, 1);
    const report = JSON.parse(first.stdout) as { check_name: string; severity: string; fingerprint: string; location: { path: string; lines: { begin: number } } }[];
    assert.equal(report.length, 13);
    assert.deepEqual(report[0]!.location, { path: 'db/migrations/030_t.sql', lines: { begin: 1 } });
    assert.equal(report[0]!.check_name, 'guard/unlocked');
    assert.equal(report[0]!.severity, 'blocker');
    const again = JSON.parse(runGuard(repo.root, 'verify', '--format', 'gitlab').stdout) as typeof report;
    assert.deepEqual(again.map((issue) => issue.fingerprint), report.map((issue) => issue.fingerprint));
  });

  it('other commands refuse the CI formats', () => {
    const result = runGuard(repo.root, 'lock', '--format', 'gitlab');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--format gitlab is not supported by guard lock/);
  });
});

function spawnGuard(cwd: string, env: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(PROJECT_ROOT, 'src/cli/guard.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('guard verify --base checks every commit since the base, and needs their history', () => {
  let repo: TempRepo;
  let remote: string;
  let dispose: () => void;
  before(() => {
    ({ repo, remote, dispose } = withSealedRemote());
    // A sealed edit committed past the hooks, then undone: the final state is clean, the history is not.
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    repo.commitAll('widen users.id');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    repo.commitAll('undo the widening');
    repo.git('push', '-q', 'origin', 'feature');
  });
  after(() => dispose());

  it('refuses a sealed edit made in one commit and reverted in the next, naming the commit', () => {
    assert.equal(repo.guard('verify', '--rev', 'HEAD').code, 0, 'the final state alone is clean');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /commit [0-9a-f]{12} \(widen users\.id\):\nerror db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.match(result.stdout, /1 earlier commit breaks the rules/);
    const json = JSON.parse(repo.guard('verify', '--base', 'origin/main', '--format', 'json').stdout) as { ok: boolean; findings: unknown[]; commits: { subject: string }[] };
    assert.equal(json.ok, false);
    assert.deepEqual(json.findings, []);
    assert.deepEqual(json.commits.map((entry) => entry.subject), ['widen users.id']);
  });

  it('on a shallow clone that stops before the base, exits 3 and says what history to fetch', () => {
    const clone = mkdtempSync(path.join(tmpdir(), 'guard-shallow-'));
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', 'feature', `file://${remote}`, clone]);
      execFileSync('git', ['fetch', '-q', '--depth', '1', 'origin', 'main:refs/remotes/origin/main'], { cwd: clone });
      const result = runGuard(clone, 'verify', '--base', 'origin/main');
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stderr, /this shallow clone stops at [0-9a-f]{12} before reaching origin\/main/);
      assert.match(result.stderr, /fetch-depth: 0/);
      execFileSync('git', ['fetch', '-q', '--unshallow', 'origin'], { cwd: clone });
      assert.equal(runGuard(clone, 'verify', '--base', 'origin/main').code, 1, 'with the history, the sealed edit in the first commit is found');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
