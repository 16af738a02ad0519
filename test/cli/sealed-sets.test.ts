// A sealed set stays guarded whatever a branch's config says: dropping it,
// moving it or reading it with another tool is refused by every gate (the
// pre-commit and pre-push hooks, the server's pre-receive and the CI gate),
// unless the lockfile records a set amendment, which the CI gate shows.
// Real git, a bare remote with guard's pre-receive hook, the compiled CLI.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TempRepo, alembicRevision, withSealedRemote } from '../helpers/git-repo.js';
import { GUARD } from '../helpers/compiled-guard.js';

const LOCK = 'checksums.lock.yaml';

interface Run {
  code: number;
  output: string;
  stdout: string;
}

function run(cwd: string, command: string, args: string[]): Run {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

let pushes = 0;
/** A push of HEAD to a branch of its own on the remote, so each test starts from what the server has. */
const pushHead = (repo: TempRepo, ...options: string[]) => git(repo, 'push', ...options, 'origin', `HEAD:refs/heads/pushed-${++pushes}`);
const guard = (repo: TempRepo, ...args: string[]) => run(repo.root, process.execPath, [GUARD, ...args]);
const git = (repo: TempRepo, ...args: string[]) => run(repo.root, 'git', args);

function hook(file: string, command: string): void {
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" ${command}\n`);
  chmodSync(file, 0o755);
}

/** The sealed remote of withSealedRemote, with guard's pre-commit and pre-push hooks here and pre-receive on the server. */
function guardedRemote() {
  const sealed = withSealedRemote();
  hook(path.join(sealed.repo.root, '.git/hooks/pre-commit'), 'hook pre-commit');
  hook(path.join(sealed.repo.root, '.git/hooks/pre-push'), 'hook pre-push "$@"');
  hook(path.join(sealed.remote, 'hooks/pre-receive'), 'hook pre-receive');
  return sealed;
}

/** A lockfile written as if nothing were sealed: what an attacker commits with --no-verify. */
function lockIgnoringSealedState(repo: TempRepo, ...args: string[]): void {
  const config = repo.read('guard.config.yaml');
  repo.write('guard.config.yaml', config.replace(/^protected:.*\n/m, ''));
  // No ref of origin at all (a branch named origin/main included): the clone of an empty remote, where nothing is sealed.
  const others = repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/remotes/origin/').split('\n').filter((line) => line && !line.startsWith('refs/remotes/origin/HEAD ') && !line.startsWith('refs/remotes/origin/main '));
  repo.git('symbolic-ref', '--delete', 'refs/remotes/origin/HEAD');
  repo.git('update-ref', '-d', 'refs/remotes/origin/main');
  for (const line of others) repo.git('update-ref', '-d', line.split(' ')[0]!);
  try {
    const lock = guard(repo, 'lock', ...args);
    assert.equal(lock.code, 0, lock.output);
  } finally {
    repo.write('guard.config.yaml', config);
    repo.git('fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
    repo.git('remote', 'set-head', 'origin', 'main');
    for (const line of others) repo.git('update-ref', ...line.split(' '));
  }
}

const ONLY_NEW_SET = 'migrations:\n  - dir: db/new\n    tool: sql\n';

describe('a sealed set cannot be dropped quietly', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = guardedRemote()));
  after(() => dispose());
  afterEach(() => {
    repo.git('checkout', '-q', '-f', 'feature');
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.git('clean', '-q', '-fdx');
  });

  it('the attack of the issue: config pointed at a new dir, --drop-set, a sealed edit; refused by lock, commit, push, server and CI gate', () => {
    repo.write('db/new/001_x.sql', 'CREATE TABLE x (id int);\n');
    repo.write('guard.config.yaml', ONLY_NEW_SET);
    const before = repo.read(LOCK);
    const drop = guard(repo, 'lock', '--drop-set', 'db/migrations');
    assert.equal(drop.code, 1, drop.output);
    assert.match(drop.output, /db\/migrations is a sealed set in origin\/main \(2 deployed migrations, sql\) and the config no longer lists it/);
    assert.match(drop.output, /guard amend --set db\/migrations --reason/);
    assert.equal(repo.read(LOCK), before, 'nothing written');

    repo.write('db/migrations/010_users.sql', 'DROP TABLE users;\n');
    repo.git('add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'sneaky');
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /db\/migrations/);

    lockIgnoringSealedState(repo, '--drop-set', 'db/migrations');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'sneaky');
    const verify = guard(repo, 'verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(verify.code, 1, verify.output);
    const report = JSON.parse(verify.stdout) as { findings: { code: string; set: string }[] };
    assert.deepEqual(report.findings.map((finding) => [finding.code, finding.set]), [['sealed-set-dropped', 'db/migrations']]);

    const push = pushHead(repo);
    assert.equal(push.code, 1, push.output);
    assert.match(push.output, /sealed set in origin\/main/);
    const server = pushHead(repo, '--no-verify');
    assert.notEqual(server.code, 0, server.output);
    assert.match(server.output, /remote: error db\/migrations is a sealed set in refs\/heads\/main/);
    assert.match(server.output, /pre-receive hook declined/);
  });

  it('a commit that only stops listing the set, with a sealed edit staged, is refused by pre-commit', () => {
    // Nothing staged under the dirs the config lists now: the hook's quick
    // path must not take "no change there" for "nothing sealed changed".
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/other\n    tool: sql\n');
    repo.write('db/migrations/020_orders.sql', 'DROP TABLE orders;\n');
    repo.git('add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'sneaky');
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /db\/migrations/);
    assert.match(commit.output, /guard refused the commit/);
  });

  it('a config that reads the sealed set with another tool is refused', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: flyway\n');
    lockIgnoringSealedState(repo);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'retool');
    const verify = guard(repo, 'verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(verify.code, 1, verify.output);
    const codes = (JSON.parse(verify.stdout) as { findings: { code: string }[] }).findings.map((finding) => finding.code);
    assert.ok(codes.includes('sealed-set-retooled'), codes.join(', '));
  });

  it('guard amend --set records a drop that every gate accepts and the CI gate shows', () => {
    repo.write('db/new/001_x.sql', 'CREATE TABLE x (id int);\n');
    repo.write('guard.config.yaml', ONLY_NEW_SET);
    const amend = guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'moved to the billing repository');
    assert.equal(amend.code, 0, amend.output);
    assert.match(amend.output, /recorded the amendment of the sealed set db\/migrations: dropped/);
    const lock = repo.read(LOCK);
    assert.match(lock, /\n {2}- \{set: db\/migrations, change: dropped, chain: "sha256:[0-9a-f]{64}", reason: "moved to the billing repository", by: "test@example\.com", at: "\d{4}-\d\d-\d\d"\}\n/);
    assert.doesNotMatch(lock, /dir: db\/migrations/);
    repo.git('add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'drop the set');
    assert.equal(commit.code, 0, commit.output);

    const verify = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.output);
    assert.match(verify.output, /amended set db\/migrations \(sealed in origin\/main\) is dropped \(guard no longer checks its migrations\); by test@example\.com on \d{4}-\d\d-\d\d: "moved to the billing repository"/);
    const json = JSON.parse(guard(repo, 'verify', '--base', 'origin/main', '--format', 'json').stdout) as { amendments: { sets: { set: string; change: string }[] } };
    assert.deepEqual(json.amendments.sets.map((amendment) => [amendment.set, amendment.change]), [['db/migrations', 'dropped']]);
    const annotated = spawnSync(process.execPath, [GUARD, 'verify', '--base', 'origin/main'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: 'true' } });
    assert.match(annotated.stdout, /^::notice title=guard amendment::set db\/migrations \(sealed in origin\/main\) is dropped/m);

    const push = pushHead(repo);
    assert.equal(push.code, 0, push.output);
  });

  it('an amendment is printed, never obeyed: terminal control sequences in its fields are shown escaped', () => {
    repo.write('db/new/001_x.sql', 'CREATE TABLE x (id int);\n');
    repo.write('guard.config.yaml', ONLY_NEW_SET);
    assert.equal(guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'x').code, 0);
    // What an attacker could write in the lockfile by hand: erase the line, move the cursor up, a bidi override.
    repo.write(LOCK, repo.read(LOCK).replace('by: "test@example.com"', 'by: "\\r\\u001b[2K\\u001b[1A\\u202e"'));
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'drop');
    const verify = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.output);
    assert.doesNotMatch(verify.output, /[\u001b\r\u202e]/);
    assert.match(verify.output, /by \\u000d\\u001b\[2K\\u001b\[1A\\u202e on /);
  });

  it('an amendment made in one commit and taken back in the next is still listed by the CI gate', () => {
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    assert.equal(guard(repo, 'amend', 'db/migrations/010_users.sql', '--reason', 'briefly').code, 0);
    repo.git('commit', '-q', '--no-verify', '-am', 'amend');
    repo.git('checkout', 'origin/main', '--', 'db/migrations/010_users.sql', LOCK);
    repo.git('commit', '-q', '--no-verify', '-am', 'take it back');
    const verify = guard(repo, 'verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(verify.code, 0, verify.output);
    const report = JSON.parse(verify.stdout) as { amendments: { files: { file: string; reason: string }[] } };
    assert.deepEqual(report.amendments.files.map((amendment) => [amendment.file, amendment.reason]), [['db/migrations/010_users.sql', 'briefly']]);
  });

  it('guard amend --set records a move; the moved migrations stay sealed in the new dir', () => {
    repo.git('mv', 'db/migrations', 'db/sql');
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/sql\n    tool: sql\n');
    const amend = guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'one folder per database');
    assert.equal(amend.code, 0, amend.output);
    assert.match(amend.output, /db\/migrations: moved to db\/sql/);
    repo.git('add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'move').code, 0);
    assert.equal(guard(repo, 'verify', '--base', 'origin/main').code, 0);

    repo.write('db/sql/010_users.sql', 'DROP TABLE users;\n');
    const commit = git(repo, 'commit', '-q', '-am', 'edit after the move');
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /db\/sql\/010_users\.sql is sealed in origin\/main/);
    lockIgnoringSealedState(repo);
    repo.git('commit', '-q', '--no-verify', '-am', 'edit after the move');
    const verify = guard(repo, 'verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(verify.code, 1, verify.output);
    const report = JSON.parse(verify.stdout) as { findings: { code: string; file: string; fix: string }[] };
    assert.deepEqual(report.findings.map((finding) => [finding.code, finding.file]), [['sealed-edited', 'db/sql/010_users.sql']]);
    assert.match(report.findings[0]!.fix, /git show origin\/main:db\/migrations\/010_users\.sql > db\/sql\/010_users\.sql/);
    const server = pushHead(repo, '--no-verify');
    assert.notEqual(server.code, 0, server.output);
    assert.match(server.output, /remote: error db\/sql\/010_users\.sql is sealed in refs\/heads\/main/);
  });

  it('a copy is not a move: amend --set refuses while the old dir still holds files, and so does the CI gate', () => {
    repo.git('checkout', '-q', '-b', 'copy');
    execFileSync('cp', ['-r', path.join(repo.root, 'db/migrations'), path.join(repo.root, 'db/sql')]);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/sql\n    tool: sql\n');
    const amend = guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'move');
    assert.equal(amend.code, 1, amend.output);
    assert.match(amend.output, /records it as moved to db\/sql, but db\/migrations still holds files, and a copy left behind would go unchecked/);
    // The amendment a real move records, committed beside a copy (--no-verify), is refused by the gate.
    repo.remove('db/migrations');
    assert.equal(guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'move').code, 0);
    repo.git('checkout', '--', 'db/migrations');
    repo.write('db/migrations/010_users.sql', 'DROP TABLE users;\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'copy, edit the original');
    const verify = guard(repo, 'verify', '--base', 'origin/main', '--format', 'json');
    assert.equal(verify.code, 1, verify.output);
    const codes = (JSON.parse(verify.stdout) as { findings: { code: string }[] }).findings.map((finding) => finding.code);
    assert.deepEqual(codes, ['sealed-set-dropped']);
  });

  it('amending a set that is still configured as sealed, or is not sealed, changes nothing', () => {
    const before = repo.read(LOCK);
    const same = guard(repo, 'amend', '--set', 'db/migrations', '--reason', 'x');
    assert.equal(same.code, 2, same.output);
    assert.match(same.output, /the config still lists db\/migrations as a sql set, as origin\/main sealed it/);
    const unknown = guard(repo, 'amend', '--set', 'db/none', '--reason', 'x');
    assert.equal(unknown.code, 2, unknown.output);
    assert.match(unknown.output, /db\/none is not a sealed set in origin\/main/);
    assert.equal(repo.read(LOCK), before);
  });

  it('the server accepts a branch that adds a set of its own (each commit is read with its own config)', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: db/reports\n    tool: sql\n');
    repo.write('db/reports/001_daily.sql', 'CREATE TABLE daily (id int);\n');
    repo.git('add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'reports');
    assert.equal(commit.code, 0, commit.output);
    const push = pushHead(repo);
    assert.equal(push.code, 0, push.output);
    assert.match(readFileSync(path.join(repo.root, LOCK), 'utf8'), /dir: db\/reports/);
  });
});

describe('guard lock fails closed without the protected ref', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => ({ repo, dispose } = withSealedRemote()));
  after(() => dispose());

  it('exit 3 with what to fetch, and the sealed line is not rewritten', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nprotected: origin/main\n');
    repo.write('db/migrations/010_users.sql', 'DROP TABLE users;\n');
    repo.git('update-ref', '-d', 'refs/remotes/origin/main');
    const before = repo.read(LOCK);
    const lock = guard(repo, 'lock');
    assert.equal(lock.code, 3, lock.output);
    assert.match(lock.output, /origin\/main is not in this clone, so guard cannot tell which migrations are sealed/);
    assert.match(lock.output, /git fetch origin main:refs\/remotes\/origin\/main/);
    assert.equal(repo.read(LOCK), before);
    repo.git('fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
    const fetched = guard(repo, 'lock');
    assert.equal(fetched.code, 1, fetched.output);
    assert.match(fetched.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
  });
});

describe('before the first commit, nothing is sealed', () => {
  it('with protected: main and no branch yet, guard lock and the first commit through the hook go on', () => {
    const repo = new TempRepo();
    try {
      hook(path.join(repo.root, '.git/hooks/pre-commit'), 'hook pre-commit');
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nprotected: main\n');
      repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
      const lock = guard(repo, 'lock');
      assert.equal(lock.code, 0, lock.output);
      repo.git('add', '-A');
      const commit = git(repo, 'commit', '-q', '-m', 'first');
      assert.equal(commit.code, 0, commit.output);
      // With a protected remote-tracking ref that is missing, lock still fails closed.
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nprotected: origin/main\n');
      assert.equal(guard(repo, 'lock').code, 3);
    } finally {
      repo.dispose();
    }
  });
});

describe('what seals when committing on the protected branch itself', () => {
  for (const [name, config] of [
    ['protected: main, on main', 'protected: main\n'],
    ['seal: committed', 'seal: committed\n'],
  ] as const) {
    it(`${name}: HEAD seals, and a sealed edit is refused by the hook and by lock`, () => {
      const repo = new TempRepo();
      try {
        hook(path.join(repo.root, '.git/hooks/pre-commit'), 'hook pre-commit');
        repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: sql\n${config}`);
        repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
        repo.git('add', '-A');
        assert.equal(git(repo, 'commit', '-q', '-m', 'first').code, 0);
        repo.write('db/migrations/001_users.sql', 'DROP TABLE users;\n');
        repo.git('add', '-A');
        const commit = git(repo, 'commit', '-q', '-m', 'edit');
        assert.equal(commit.code, 1, commit.output);
        assert.match(commit.output, /db\/migrations\/001_users\.sql is sealed in HEAD/);
        assert.equal(guard(repo, 'lock').code, name.startsWith('seal') ? 0 : 1);
      } finally {
        repo.dispose();
      }
    });
  }
});

describe('nothing stands in for the protected branch, and each commit is judged where it forked', () => {
  let repo: TempRepo;
  let remote: string;
  let dispose: () => void;
  before(() => ({ repo, remote, dispose } = guardedRemote()));
  after(() => dispose());
  afterEach(() => {
    repo.git('checkout', '-q', '-f', 'feature');
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.git('clean', '-q', '-fdx');
  });

  /** main, on the server, gets `file` (a new migration, sealed from then on), as another developer would push it. */
  function sealOnMain(file: string, content: string): void {
    const other = new TempRepo('guard-other-');
    try {
      other.git('remote', 'add', 'origin', remote);
      other.git('fetch', '-q', 'origin');
      other.git('checkout', '-q', '-b', 'main', 'origin/main');
      other.write(file, content);
      assert.equal(run(other.root, process.execPath, [GUARD, 'lock']).code, 0);
      other.git('add', '-A');
      other.git('commit', '-q', '-m', `main: ${file}`);
      other.git('push', '-q', 'origin', 'main');
    } finally {
      other.dispose();
    }
    repo.git('fetch', '-q', 'origin');
  }

  it('a tag named origin/main in the CI clone does not decide what is sealed', () => {
    const first = repo.git('rev-list', '--max-parents=0', 'HEAD').trim();
    repo.write('db/migrations/020_orders.sql', 'DROP TABLE orders;\n');
    lockIgnoringSealedState(repo);
    repo.git('commit', '-q', '--no-verify', '-am', 'sneaky');
    repo.git('tag', 'origin/main', first);
    try {
      const verify = guard(repo, 'verify', '--base', 'origin/main');
      assert.equal(verify.code, 1, verify.output);
      assert.match(verify.output, /db\/migrations\/020_orders\.sql is sealed in origin\/main/);
      // Without the remote-tracking branch, the tag is not taken for it: exit 3.
      repo.git('update-ref', '-d', 'refs/remotes/origin/main');
      const missing = guard(repo, 'verify', '--base', 'origin/main');
      assert.equal(missing.code, 3, missing.output);
      assert.match(missing.output, /origin\/main is not refs\/remotes\/origin\/main in this clone: git would read it as refs\/tags\/origin\/main/);
    } finally {
      repo.git('tag', '-d', 'origin/main');
      repo.git('fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
    }
  });

  it('the server maps protected: origin/main to its main even when a branch named origin/main exists', () => {
    const first = repo.git('rev-list', '--max-parents=0', 'HEAD').trim();
    repo.git('checkout', '-q', 'main');
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nprotected: origin/main\n');
    repo.git('commit', '-q', '-am', 'protect main');
    repo.git('push', '-q', 'origin', 'main');
    repo.git('checkout', '-q', 'feature');
    repo.git('reset', '-q', '--hard', 'origin/main');
    assert.equal(git(repo, 'push', '-q', '--no-verify', 'origin', `${first}:refs/heads/origin/main`).code, 0);
    repo.write('db/migrations/020_orders.sql', 'DROP TABLE orders;\n');
    lockIgnoringSealedState(repo);
    repo.git('commit', '-q', '--no-verify', '-am', 'sneaky');
    const push = pushHead(repo, '--no-verify');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /remote: error db\/migrations\/020_orders\.sql is sealed in refs\/heads\/main/);
  });

  it('a commit pushed before its migration was sealed is judged again when a ref points at it later', () => {
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    repo.git('add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'items').code, 0);
    const adds = repo.git('rev-parse', 'HEAD').trim();
    repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id bigint);\n');
    assert.equal(git(repo, 'commit', '-q', '-am', 'items: bigint').code, 0, 'not sealed yet: may change');
    const tweaks = repo.git('rev-parse', 'HEAD').trim();
    assert.equal(pushHead(repo).code, 0);
    // main takes the first commit: 030 is sealed with its first content.
    assert.equal(git(repo, 'push', '-q', 'origin', `${adds}:refs/heads/main`).code, 0);
    repo.git('fetch', '-q', 'origin');
    const again = git(repo, 'push', '--no-verify', 'origin', `${tweaks}:refs/heads/again`);
    assert.notEqual(again.code, 0, again.output);
    assert.match(again.output, /remote: error db\/migrations\/030_items\.sql is sealed in refs\/heads\/main/);
    const fastForward = git(repo, 'push', '--no-verify', 'origin', `${tweaks}:refs/heads/main`);
    assert.notEqual(fastForward.code, 0, fastForward.output);
    assert.equal(repo.git('ls-remote', remote, 'refs/heads/main').split('\t')[0], adds);
  });

  it('a sealed file replaced by a symlink whose target goes up again after another symlink is refused, as git holds it and on disk', () => {
    // guard reading `s/..` as nothing would read the sealed copy; the system follows s first and reads the edit.
    repo.write('b/c/.keep', '');
    repo.write('b/db/migrations/.orig', 'DROP TABLE orders;\n');
    repo.write('db/migrations/.orig', repo.read('db/migrations/020_orders.sql'));
    symlinkSync('b/c', path.join(repo.root, 's'));
    repo.remove('db/migrations/020_orders.sql');
    symlinkSync('../../s/../db/migrations/.orig', path.join(repo.root, 'db/migrations/020_orders.sql'));
    assert.equal(repo.read('db/migrations/020_orders.sql'), 'DROP TABLE orders;\n', 'what a migration tool reads');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'innocent refactor');
    const verify = guard(repo, 'verify', '--rev', 'HEAD', '--base', 'origin/main');
    assert.equal(verify.code, 2, verify.output);
    assert.match(verify.output, /db\/migrations\/020_orders\.sql cannot be read: it is a symlink to \.\.\/\.\.\/s\/\.\.\/db\/migrations\/\.orig, a path that goes up again after s/);
    assert.notEqual(guard(repo, 'verify', '--base', 'origin/main').code, 0);
    const push = pushHead(repo, '--no-verify');
    assert.notEqual(push.code, 0, push.output);
  });

  it('a .gitattributes line that re-encodes a sealed file at checkout is refused by the CI gate and the server', () => {
    repo.write('.gitattributes', 'db/migrations/020_orders.sql working-tree-encoding=UTF-7\n');
    repo.git('add', '.gitattributes');
    repo.git('commit', '-q', '--no-verify', '-m', 'attributes');
    const verify = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /\.gitattributes:1 gives db\/migrations\/020_orders\.sql `working-tree-encoding=UTF-7`/);
    const push = pushHead(repo, '--no-verify');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /remote: error \.gitattributes:1 gives db\/migrations\/020_orders\.sql/);
  });

  it('the protected branch only moves forward: deleting it, moving it back or rewriting a sealed migration in its history is refused', () => {
    const before = repo.git('ls-remote', remote, 'refs/heads/main').split('\t')[0]!;
    const deletion = git(repo, 'push', '--no-verify', 'origin', ':refs/heads/main');
    assert.notEqual(deletion.code, 0, deletion.output);
    assert.match(deletion.output, /remote: error refs\/heads\/main is the protected branch: deleting it would stop guard from keeping the migrations it sealed/);
    // Back to the first commit, which lacks what main sealed since.
    sealOnMain('db/migrations/080_more.sql', 'CREATE TABLE more (id int);\n');
    const back = git(repo, 'push', '--no-verify', '--force', 'origin', `${before}:refs/heads/main`);
    assert.notEqual(back.code, 0, back.output);
    assert.match(back.output, /remote: error db\/migrations\/080_more\.sql is sealed in refs\/heads\/main/);
    // A rewritten main whose history forks before 080 and brings another 080.
    repo.git('checkout', '-q', '-B', 'rewrite', before);
    repo.write('db/migrations/080_more.sql', 'DROP TABLE users;\n');
    lockIgnoringSealedState(repo);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'rewrite');
    const rewrite = git(repo, 'push', '--no-verify', '--force', 'origin', 'HEAD:refs/heads/main');
    assert.notEqual(rewrite.code, 0, rewrite.output);
    assert.match(rewrite.output, /remote: error db\/migrations\/080_more\.sql is sealed in refs\/heads\/main/);
  });

  it('the protected branch keeps its guard: removing or breaking its config, or pointing protected: elsewhere, is refused', () => {
    repo.git('checkout', '-q', '-B', 'config-main', 'origin/main');
    const pushMain = () => git(repo, 'push', '--no-verify', 'origin', 'HEAD:refs/heads/main');
    repo.git('rm', '-q', 'guard.config.yaml');
    repo.git('commit', '-q', '--no-verify', '-m', 'no config');
    assert.match(pushMain().output, /remote: error refs\/heads\/main is the protected branch: removing its guard config would stop guard/);
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nprotected: origin/elsewhere\n');
    repo.git('commit', '-q', '--no-verify', '-am', 'protect elsewhere');
    assert.match(pushMain().output, /remote: error refs\/heads\/main is the protected branch: `protected: origin\/elsewhere` \(the server's refs\/heads\/elsewhere\)/);
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.write('guard.config.yaml', 'migrations: [\n');
    repo.git('commit', '-q', '--no-verify', '-am', 'broken config');
    assert.match(pushMain().output, /remote: error refs\/heads\/main is the protected branch: a guard config that cannot be read/);
    assert.equal(repo.git('ls-remote', remote, 'refs/heads/main').split('\t')[0], repo.git('rev-parse', 'origin/main').trim());
    // The protected branch gone from the server by hand (a rename, a deletion there): pushes fail closed.
    const tip = repo.git('rev-parse', 'origin/main').trim();
    execFileSync('git', ['--git-dir', remote, 'update-ref', '-d', 'refs/heads/main']);
    try {
      repo.git('reset', '-q', '--hard', 'origin/main');
      repo.write('db/migrations/020_orders.sql', 'DROP TABLE orders;\n');
      repo.git('commit', '-q', '--no-verify', '-am', 'edit while main is gone');
      const gone = pushHead(repo, '--no-verify');
      assert.notEqual(gone.code, 0, gone.output);
      assert.match(gone.output, /the protected branch refs\/heads\/main does not exist on this server, so guard cannot tell what is sealed/);
    } finally {
      execFileSync('git', ['--git-dir', remote, 'update-ref', 'refs/heads/main', tip]);
    }
  });

  it('neither a replacement ref nor a symbolic ref on the server stands in for the protected branch', () => {
    const first = repo.git('rev-list', '--max-parents=0', 'HEAD').trim();
    // A commit of unrelated history, pushed as a replacement of main's tip.
    repo.git('checkout', '-q', '--orphan', 'orphan');
    repo.write('db/migrations/020_orders.sql', 'DROP TABLE orders;\n');
    lockIgnoringSealedState(repo);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'orphan');
    const tipOfMain = repo.git('rev-parse', 'origin/main').trim();
    const replace = git(repo, 'push', '--no-verify', 'origin', `HEAD:refs/replace/${tipOfMain}`);
    assert.notEqual(replace.code, 0, replace.output);
    assert.match(replace.output, /would make git read another commit in place of an existing one/);
    // main moved back through a symbolic ref the server has (a master -> main alias).
    execFileSync('git', ['--git-dir', remote, 'symbolic-ref', 'refs/heads/trunk', 'refs/heads/main']);
    try {
      sealOnMain('db/migrations/085_later.sql', 'CREATE TABLE later (id int);\n');
      const back = git(repo, 'push', '--no-verify', '--force', 'origin', `${first}:refs/heads/trunk`);
      assert.notEqual(back.code, 0, back.output);
      assert.match(back.output, /remote: error db\/migrations\/085_later\.sql is sealed in refs\/heads\/main/);
    } finally {
      execFileSync('git', ['--git-dir', remote, 'symbolic-ref', '--delete', 'refs/heads/trunk']);
    }
  });

  it('criss-cross merges: a commit inherits what was sealed at every merge-base, so editing it there is refused', () => {
    // main seals 086 (S1), then merges a branch Y forked before S1; C merges Y and S1 and edits 086.
    const beforeS1 = repo.git('rev-parse', 'origin/main').trim();
    sealOnMain('db/migrations/086_cross.sql', 'CREATE TABLE cross_t (id int);\n');
    const s1 = repo.git('rev-parse', 'origin/main').trim();
    repo.git('checkout', '-q', '-B', 'y', beforeS1);
    repo.write('docs/y.md', 'y\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'Y');
    const y = repo.git('rev-parse', 'HEAD').trim();
    repo.git('checkout', '-q', '-B', 'main-merge', s1);
    repo.git('merge', '-q', '--no-edit', '--no-ff', y);
    assert.equal(git(repo, 'push', '--no-verify', 'origin', 'HEAD:refs/heads/main').code, 0);
    repo.git('fetch', '-q', 'origin');
    repo.git('checkout', '-q', '-B', 'cross', y);
    git(repo, 'merge', '-q', '--no-ff', '--no-commit', s1);
    repo.write('db/migrations/086_cross.sql', 'DROP TABLE users;\n');
    lockIgnoringSealedState(repo);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'C');
    assert.equal(repo.git('merge-base', '--all', 'HEAD', 'origin/main').trim().split('\n').length, 2, 'two merge-bases');
    const verify = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /db\/migrations\/086_cross\.sql is sealed in origin\/main/);
    assert.notEqual(pushHead(repo, '--no-verify').code, 0);
  });

  it('a symlinked migration is read through its link: its target outside the migration dirs is found in a commit, and a password in it is refused', () => {
    repo.write('ops/role.sql', "CREATE ROLE app LOGIN PASSWORD 'Kq7vR2xLw9pZ';\n");
    symlinkSync('../../ops/role.sql', path.join(repo.root, 'db/migrations/087_role.sql'));
    repo.git('add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'role');
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /db\/migrations\/087_role\.sql:1: password literal/);
    assert.doesNotMatch(commit.output, /Kq7vR2xLw9pZ/);
    lockIgnoringSealedState(repo);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'role');
    const verify = guard(repo, 'verify', '--rev', 'HEAD', '--base', 'origin/main');
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /db\/migrations\/087_role\.sql:1: password literal/);
    assert.doesNotMatch(verify.output, /does not hold as a file/);
  });

  it('a branch written before main sealed a migration, then merging main, passes every gate', () => {
    repo.write('db/migrations/100_feature.sql', 'CREATE TABLE feature (id int);\n');
    repo.git('add', '-A');
    assert.equal(git(repo, 'commit', '-q', '-m', 'feature').code, 0);
    sealOnMain('db/migrations/095_other.sql', 'CREATE TABLE other (id int);\n');
    // Before merging: the branch lacks 095, which it never had; nothing it changed was sealed.
    const stale = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(stale.code, 0, stale.output);
    assert.equal(pushHead(repo).code, 0);
    // Both sides changed the lockfile; without the merge driver, guard lock resolves it.
    const merge = git(repo, 'merge', '-q', '--no-edit', 'origin/main');
    if (merge.code !== 0) {
      assert.equal(guard(repo, 'lock').code, 0);
      repo.git('add', LOCK);
      assert.equal(git(repo, 'commit', '-q', '--no-edit').code, 0);
    }
    const verify = guard(repo, 'verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.output);
    const push = pushHead(repo);
    assert.equal(push.code, 0, push.output);
    // And main takes the branch with a merge commit: its older commits lack 095, which main sealed since.
    repo.git('checkout', '-q', '-B', 'merge-into-main', 'origin/main');
    repo.git('merge', '-q', '--no-ff', '--no-edit', 'feature');
    const intoMain = git(repo, 'push', 'origin', 'HEAD:refs/heads/main');
    assert.equal(intoMain.code, 0, intoMain.output);
  });
});

describe('an Alembic file cannot stand in for a sealed revision', () => {
  let repo: TempRepo;
  let remote: string;
  before(() => {
    remote = mkdtempSync(path.join(tmpdir(), 'guard-remote-'));
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    hook(path.join(remote, 'hooks/pre-receive'), 'hook pre-receive');
    repo = new TempRepo();
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/versions\n    tool: alembic\n');
    repo.write('db/versions/aaa111_users.py', alembicRevision('aaa111', null));
    repo.write('db/versions/bbb222_orders.py', alembicRevision('bbb222', 'aaa111'));
    assert.equal(guard(repo, 'lock').code, 0);
    repo.commitAll('sealed revisions');
    repo.git('remote', 'add', 'origin', remote);
    repo.git('push', '-q', '-u', 'origin', 'main');
    repo.git('checkout', '-q', '-b', 'feature');
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });
  afterEach(() => {
    repo.git('reset', '-q', '--hard', 'origin/main');
    repo.git('clean', '-q', '-fdx');
  });

  const gates = (file: string, content: string) => {
    repo.write(file, content);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'stand-in');
    return { verify: guard(repo, 'verify', '--base', 'origin/main'), push: pushHead(repo, '--no-verify') };
  };

  it('env.py in the versions folder declaring the sealed head is a duplicate revision, as Alembic loads it', () => {
    const { verify, push } = gates('db/versions/env.py', alembicRevision('bbb222', 'aaa111', "op_extra = 'DROP TABLE users'"));
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /revision bbb222 is declared twice: in db\/versions\/bbb222_orders\.py and db\/versions\/env\.py/);
    assert.notEqual(push.code, 0, push.output);
  });

  it('a new file whose header binds revision again where Python would run it is refused, by line', () => {
    const text = "revision = 'ccc333'\ndown_revision = 'bbb222'\nif True:\n    revision = 'bbb222'\n    down_revision = 'aaa111'\n";
    const { verify, push } = gates('db/versions/ccc333_new.py', text);
    assert.equal(verify.code, 2, verify.output);
    assert.match(verify.output, /db\/versions\/ccc333_new\.py:4: `revision` is bound here besides the module-level literal assignment/);
    assert.notEqual(push.code, 0, push.output);
  });
});
