// The pre-commit hook in the git workflows users really run: merge commits
// after a conflict, --amend, rebase -i, linked worktrees, names with spaces
// and non-ASCII characters, git add -p, commit -a and commit -- path. Each
// test asserts what the user sees: the exit code, the message, the committed
// tree and lockfile, and a clean `guard lock --check` afterwards.
//
// Which git operations run pre-commit (git 2.39; the merge, amend, rebase and
// worktree tests below assert it through each repository's hook log):
// pre-commit runs for `git commit` in all its forms (-a, -- path, --amend, the
// commit that concludes a conflicted merge, `git merge --continue`) and for a
// `reword` in `git rebase -i` (git amends the picked commit, so nothing is
// staged); it does NOT run for rebase picks, squash/fixup, `rebase --continue`
// after a conflict, cherry-pick, revert, nor a clean `git merge`, which runs
// pre-merge-commit instead.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT, TempRepo, runGuard, withSealedRemote } from '../helpers/git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');
const LOCK = 'checksums.lock.yaml';

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

interface Run {
  code: number;
  output: string;
}

/** Any git command with the hooks active, in `cwd`; what the user sees. */
function git(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/**
 * withSealedRemote, with `guard hook pre-commit` installed as git hook `names`
 * (run from source), each run recorded in .git/hook-runs.log.
 */
function setUp(names: string[] = ['pre-commit']): { repo: TempRepo; dispose(): void; hookRuns(): string[] } {
  const sealed = withSealedRemote();
  const { repo } = sealed;
  for (const name of names) installHook(repo, name);
  const log = path.join(repo.root, '.git/hook-runs.log');
  return {
    repo,
    dispose: sealed.dispose,
    /** The hooks that ran since the last call. */
    hookRuns() {
      const runs = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      rmSync(log, { force: true });
      return runs;
    },
  };
}

function installHook(repo: TempRepo, name: string): void {
  const hook = path.join(repo.root, '.git/hooks', name);
  const log = path.join(repo.root, '.git/hook-runs.log');
  writeFileSync(hook, `#!/bin/sh\necho "${name}" >> "${log}"\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-commit\n`);
  chmodSync(hook, 0o755);
}

/** The lockfile line of `file` (its name as the lockfile writes it) in `text`. */
function lockLine(text: string, file: string): string | undefined {
  return text.split('\n').find((line) => line.includes(`file: ${file},`));
}

/** Asserts `guard lock --check` passes in `cwd`. */
function assertLockUpToDate(cwd: string): void {
  const check = runGuard(cwd, 'lock', '--check');
  assert.equal(check.code, 0, check.stdout + check.stderr);
}

describe('a merge commit', () => {
  let repo: TempRepo;
  let dispose: () => void;
  let hookRuns: () => string[];
  before(() => ({ repo, dispose, hookRuns } = setUp()));
  after(() => dispose());

  it('two branches that each added a migration conflict in the lockfile; guard lock merges both sides and the merge commit passes the hook', () => {
    repo.git('checkout', '-q', '-b', 'a', 'feature');
    repo.write('db/migrations/030_a.sql', 'CREATE TABLE a (id int);\n');
    repo.git('add', 'db/migrations/030_a.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'a']).code, 0);
    repo.git('checkout', '-q', '-b', 'b', 'feature');
    repo.write('db/migrations/040_b.sql', 'CREATE TABLE b (id int);\n');
    repo.git('add', 'db/migrations/040_b.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'b']).code, 0);
    assert.deepEqual(hookRuns(), ['pre-commit', 'pre-commit']);
    repo.git('checkout', '-q', 'a');

    const merge = git(repo.root, ['merge', 'b']);
    assert.equal(merge.code, 1, merge.output);
    assert.match(merge.output, /CONFLICT \(content\): Merge conflict in checksums\.lock\.yaml/);
    assert.deepEqual(hookRuns(), [], 'a conflicted merge stops before any hook');

    // Staging the lockfile with its markers is refused, with the way out.
    repo.git('add', LOCK);
    const markers = git(repo.root, ['commit', '-q', '--no-edit']);
    assert.equal(markers.code, 1, markers.output); // git's exit code whatever the hook's
    assert.match(markers.output, /the staged checksums\.lock\.yaml has git conflict markers/);
    assert.match(markers.output, /run `guard lock`, then git add checksums\.lock\.yaml/);

    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /resolved the git conflict in checksums\.lock\.yaml by merging both sides/);
    assert.doesNotMatch(repo.read(LOCK), /^(<<<<<<<|=======|>>>>>>>)/m);
    repo.git('add', LOCK);
    const commit = git(repo.root, ['commit', '-q', '--no-edit']);
    assert.equal(commit.code, 0, commit.output);
    assert.deepEqual(hookRuns(), ['pre-commit', 'pre-commit']);

    assert.equal(repo.git('rev-list', '--parents', '-n', '1', 'HEAD').trim().split(' ').length, 3, 'HEAD is a merge commit');
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '030_a.sql') ?? '', new RegExp(sha256('CREATE TABLE a (id int);\n')));
    assert.match(lockLine(committed, '040_b.sql') ?? '', new RegExp(sha256('CREATE TABLE b (id int);\n')));
    assert.match(committed, /heads: \["040"\]/);
    assert.equal(repo.read(LOCK), committed);
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
    const verify = repo.guard('verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it('a merge that brings an edit of a sealed migration is refused at the merge commit', () => {
    // The edit reached branch c past the hook (--no-verify).
    repo.git('checkout', '-q', '-b', 'c', 'feature');
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    repo.commitAll('sneaky edit');
    repo.git('checkout', '-q', 'a');
    const before = repo.git('rev-parse', 'HEAD').trim();

    const merge = git(repo.root, ['merge', '--no-ff', '--no-commit', 'c']);
    assert.equal(merge.code, 0, merge.output);
    const commit = git(repo.root, ['commit', '-q', '--no-edit']);
    assert.equal(commit.code, 1, commit.output);
    assert.match(commit.output, /db\/migrations\/010_users\.sql is sealed in origin\/main by [0-9a-f]+ \(\d{4}-\d\d-\d\d, Test User\)/);
    assert.match(commit.output, /guard refused the commit/);
    assert.deepEqual(hookRuns(), ['pre-commit']);
    assert.equal(repo.git('rev-parse', 'HEAD').trim(), before);
    repo.git('merge', '--abort');
  });

  it('a clean git merge runs pre-merge-commit, not pre-commit: guard installed there refuses it too', () => {
    const before = repo.git('rev-parse', 'HEAD').trim();
    // Only pre-commit installed: git merges without asking it (the CI gate is what catches this).
    const unguarded = git(repo.root, ['merge', '-q', '--no-ff', '--no-edit', 'c']);
    assert.equal(unguarded.code, 0, unguarded.output);
    assert.deepEqual(hookRuns(), []);
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 1, gate.stdout + gate.stderr);
    assert.match(gate.stdout + gate.stderr, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    repo.git('reset', '-q', '--hard', before);

    installHook(repo, 'pre-merge-commit');
    const merge = git(repo.root, ['merge', '-q', '--no-ff', '--no-edit', 'c']);
    assert.notEqual(merge.code, 0, merge.output);
    assert.match(merge.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.deepEqual(hookRuns(), ['pre-merge-commit']);
    assert.equal(repo.git('rev-parse', 'HEAD').trim(), before);
    git(repo.root, ['merge', '--abort']);
    rmSync(path.join(repo.root, '.git/hooks/pre-merge-commit'));
    assert.equal(repo.git('status', '--porcelain'), '');
  });

  it('two branches that added the same version: guard lock names both, guard renumber moves one after the other, the merge commit passes', () => {
    repo.git('checkout', '-q', '-b', 'x', 'a');
    repo.write('db/migrations/050_x.sql', 'SELECT 50;\n');
    repo.git('add', 'db/migrations/050_x.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'x']).code, 0);
    repo.git('checkout', '-q', '-b', 'y', 'a');
    repo.write('db/migrations/050_y.sql', 'SELECT 50.5;\n');
    repo.git('add', 'db/migrations/050_y.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'y']).code, 0);
    repo.git('checkout', '-q', 'x');
    assert.equal(git(repo.root, ['merge', '-q', 'y']).code, 1);
    hookRuns();

    const lock = repo.guard('lock');
    assert.equal(lock.code, 1, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /version 050 is used twice: db\/migrations\/050_x\.sql and db\/migrations\/050_y\.sql/);
    const renumber = repo.guard('renumber', 'db/migrations/050_y.sql');
    assert.equal(renumber.code, 0, renumber.stdout + renumber.stderr);
    assert.match(renumber.stdout, /renamed db\/migrations\/050_y\.sql -> db\/migrations\/051_y\.sql/);
    repo.git('add', '-A');
    const commit = git(repo.root, ['commit', '-q', '--no-edit']);
    assert.equal(commit.code, 0, commit.output);
    assert.deepEqual(hookRuns(), ['pre-commit']);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '050_x.sql') ?? '', new RegExp(sha256('SELECT 50;\n')));
    assert.match(lockLine(committed, '051_y.sql') ?? '', new RegExp(sha256('SELECT 50.5;\n')));
    assert.equal(lockLine(committed, '050_y.sql'), undefined);
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
  });
});

describe('git commit --amend and git rebase -i', () => {
  let repo: TempRepo;
  let dispose: () => void;
  let hookRuns: () => string[];
  /** An editor for git's todo list: `ACTION` replaces `pick` on the line of commit `SUBJECT`. */
  let todoEditor: string;
  /** An editor for commit messages: the first line becomes `MESSAGE`. */
  let messageEditor: string;
  before(() => {
    ({ repo, dispose, hookRuns } = setUp());
    const todo = path.join(repo.root, '.git/todo-editor.cjs');
    writeFileSync(
      todo,
      `const fs = require('fs');
const file = process.argv[2];
const lines = fs.readFileSync(file, 'utf8').split('\\n');
const i = lines.findIndex((line) => /^pick [0-9a-f]+ /.test(line) && line.replace(/^pick [0-9a-f]+ /, '') === process.env.SUBJECT);
if (i < 0) { console.error('no pick of ' + process.env.SUBJECT); process.exit(1); }
lines[i] = lines[i].replace(/^pick/, process.env.ACTION);
fs.writeFileSync(file, lines.join('\\n'));
`,
    );
    const message = path.join(repo.root, '.git/message-editor.cjs');
    writeFileSync(
      message,
      `const fs = require('fs');
const file = process.argv[2];
const lines = fs.readFileSync(file, 'utf8').split('\\n');
lines[0] = process.env.MESSAGE;
fs.writeFileSync(file, lines.join('\\n'));
`,
    );
    todoEditor = `"${process.execPath}" "${todo}"`;
    messageEditor = `"${process.execPath}" "${message}"`;
  });
  after(() => dispose());

  const v1 = 'CREATE TABLE items (id int);\n';
  const v2 = 'CREATE TABLE items (id int, name text);\n';

  it('amending a commit that added a migration with an edit of it refreshes the lockfile line in the amended commit', () => {
    repo.write('db/migrations/030_items.sql', v1);
    repo.git('add', 'db/migrations/030_items.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'items']).code, 0);
    assert.match(lockLine(repo.git('show', `HEAD:${LOCK}`), '030_items.sql') ?? '', new RegExp(sha256(v1)));

    repo.write('db/migrations/030_items.sql', v2);
    const amend = git(repo.root, ['commit', '-q', '-a', '--amend', '--no-edit']);
    assert.equal(amend.code, 0, amend.output);
    assert.match(amend.output, /locked the staged migrations and staged checksums\.lock\.yaml/);
    assert.deepEqual(hookRuns(), ['pre-commit', 'pre-commit']);
    assert.equal(repo.git('rev-list', '--count', 'origin/main..HEAD').trim(), '1', 'amended, not a new commit');
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '030_items.sql') ?? '', new RegExp(sha256(v2)));
    assert.doesNotMatch(committed, new RegExp(sha256(v1)));
    assert.equal(repo.read(LOCK), committed);
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
  });

  it('amending with an edit of a sealed migration is refused and the commit stays as it was', () => {
    const before = repo.git('rev-parse', 'HEAD').trim();
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const amend = git(repo.root, ['commit', '-q', '-a', '--amend', '--no-edit']);
    assert.equal(amend.code, 1, amend.output);
    assert.match(amend.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.equal(repo.git('rev-parse', 'HEAD').trim(), before);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
    hookRuns();
  });

  it('rebase -i reword of the commit that added a migration: the hook runs once (git amends the picked commit) and lets it through', () => {
    repo.write('db/migrations/040_tags.sql', 'CREATE TABLE tags (id int);\n');
    repo.git('add', 'db/migrations/040_tags.sql');
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'tags']).code, 0);
    hookRuns();

    const rebase = git(repo.root, ['rebase', '-q', '-i', 'origin/main'], {
      env: { GIT_SEQUENCE_EDITOR: todoEditor, GIT_EDITOR: messageEditor, SUBJECT: 'items', ACTION: 'reword', MESSAGE: 'items, reworded' },
    });
    assert.equal(rebase.code, 0, rebase.output);
    // One run, for the reword; the pick of `tags` after it runs no hook.
    assert.deepEqual(hookRuns(), ['pre-commit']);
    assert.deepEqual(repo.git('log', '--format=%s', 'origin/main..HEAD').trim().split('\n'), ['tags', 'items, reworded']);
    assert.equal(repo.git('status', '--porcelain'), '');
    // The lockfile of each rewritten commit is still right.
    assert.doesNotMatch(repo.git('show', `HEAD~1:${LOCK}`), /040_tags/);
    assert.match(lockLine(repo.git('show', `HEAD~1:${LOCK}`), '030_items.sql') ?? '', new RegExp(sha256(v2)));
    const verify = repo.guard('verify', '--rev', 'HEAD');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  });

  it('rebase -i edit, then commit --amend with an edit of the unsealed migration: the hook refreshes it; guard lock resolves the replayed commit\'s lockfile conflict', () => {
    const v3 = 'CREATE TABLE items (id int, name text, price int);\n';
    const rebase = git(repo.root, ['rebase', '-q', '-i', 'origin/main'], { env: { GIT_SEQUENCE_EDITOR: todoEditor, SUBJECT: 'items, reworded', ACTION: 'edit' } });
    assert.equal(rebase.code, 0, rebase.output);
    assert.deepEqual(hookRuns(), []);
    assert.equal(repo.git('log', '-1', '--format=%s').trim(), 'items, reworded');

    repo.write('db/migrations/030_items.sql', v3);
    const amend = git(repo.root, ['commit', '-q', '-a', '--amend', '--no-edit']);
    assert.equal(amend.code, 0, amend.output);
    assert.deepEqual(hookRuns(), ['pre-commit']);
    assert.match(lockLine(repo.git('show', `HEAD:${LOCK}`), '030_items.sql') ?? '', new RegExp(sha256(v3)));

    // Replaying `tags` (which appended its line next to the refreshed one) conflicts in the lockfile.
    const replay = git(repo.root, ['rebase', '--continue'], { env: { GIT_EDITOR: 'true' } });
    assert.notEqual(replay.code, 0, replay.output);
    assert.match(replay.output, /Merge conflict in checksums\.lock\.yaml/);
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    repo.git('add', LOCK);
    const resumed = git(repo.root, ['rebase', '--continue'], { env: { GIT_EDITOR: 'true' } });
    assert.equal(resumed.code, 0, resumed.output);
    assert.deepEqual(hookRuns(), [], 'rebase --continue commits the replayed pick without pre-commit');

    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '030_items.sql') ?? '', new RegExp(sha256(v3)));
    assert.match(lockLine(committed, '040_tags.sql') ?? '', new RegExp(sha256('CREATE TABLE tags (id int);\n')));
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  });
});

describe('a linked worktree (git worktree add), the hook installed in the main repository', () => {
  let repo: TempRepo;
  let dispose: () => void;
  let hookRuns: () => string[];
  let parent: string;
  let wt: string;
  before(() => {
    ({ repo, dispose, hookRuns } = setUp());
    parent = mkdtempSync(path.join(tmpdir(), 'guard-wt-'));
    wt = path.join(parent, 'my wt ñ'); // a space and a non-ASCII letter in the worktree's own path
    repo.git('worktree', 'add', '-q', wt, '-b', 'other');
  });
  after(() => {
    rmSync(parent, { recursive: true, force: true });
    dispose();
  });

  it('fires in the worktree: a new migration is locked and the worktree\'s lockfile staged, the main checkout untouched', () => {
    const mainLock = repo.read(LOCK);
    writeFileSync(path.join(wt, 'db/migrations/030_wt.sql'), 'CREATE TABLE wt (id int);\n');
    assert.equal(git(wt, ['add', 'db/migrations/030_wt.sql']).code, 0);
    const commit = git(wt, ['commit', '-q', '-m', 'wt']);
    assert.equal(commit.code, 0, commit.output);
    assert.match(commit.output, /locked the staged migrations and staged checksums\.lock\.yaml/);
    assert.deepEqual(hookRuns(), ['pre-commit']);

    const committed = git(wt, ['show', `HEAD:${LOCK}`]).output;
    assert.match(lockLine(committed, '030_wt.sql') ?? '', new RegExp(sha256('CREATE TABLE wt (id int);\n')));
    assert.equal(readFileSync(path.join(wt, LOCK), 'utf8'), committed);
    assert.equal(git(wt, ['status', '--porcelain']).output, '');
    // The main checkout, on its own branch, is not touched.
    assert.equal(repo.read(LOCK), mainLock);
    assert.equal(repo.git('status', '--porcelain'), '');
    assert.equal(repo.git('log', '-1', '--format=%s').trim(), 'initial migrations');
  });

  it('an unsealed edit there refreshes the worktree\'s line; a sealed edit there is refused', () => {
    writeFileSync(path.join(wt, 'db/migrations/030_wt.sql'), 'CREATE TABLE wt (id bigint);\n');
    const edit = git(wt, ['commit', '-q', '-a', '-m', 'wt bigint']);
    assert.equal(edit.code, 0, edit.output);
    assert.match(lockLine(git(wt, ['show', `HEAD:${LOCK}`]).output, '030_wt.sql') ?? '', new RegExp(sha256('CREATE TABLE wt (id bigint);\n')));
    assert.equal(git(wt, ['status', '--porcelain']).output, '');
    assertLockUpToDate(wt);

    writeFileSync(path.join(wt, 'db/migrations/020_orders.sql'), 'DROP TABLE orders;\n');
    const sealed = git(wt, ['commit', '-q', '-a', '-m', 'edit sealed']);
    assert.equal(sealed.code, 1, sealed.output);
    assert.match(sealed.output, /db\/migrations\/020_orders\.sql is sealed in origin\/main by [0-9a-f]+/);
    assert.deepEqual(hookRuns(), ['pre-commit', 'pre-commit']);
    assert.equal(git(wt, ['log', '-1', '--format=%s']).output.trim(), 'wt bigint');
    assert.equal(repo.git('status', '--porcelain'), '');
  });
});

describe('a migration dir with a space and file names with non-ASCII characters', () => {
  let repo: TempRepo;
  let dispose: () => void;
  const dir = 'db/my migrations';
  const sealedName = '010_naïve start.sql';
  const cafe = '030_café añadir.sql';
  const japanese = '040_日本語.sql';
  before(() => {
    ({ repo, dispose } = setUp());
    // main gets a second set, with a sealed migration in it.
    repo.git('checkout', '-q', 'main');
    repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: ${dir}\n    tool: sql\n`);
    repo.write(`${dir}/${sealedName}`, 'CREATE TABLE naive (id int);\n');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('a second set');
    repo.git('push', '-q', 'origin', 'main');
    repo.git('checkout', '-q', '-B', 'feature', 'main');
  });
  after(() => dispose());

  it('locks a new migration named with accents and a space; the lockfile quotes it and reads back the same name', () => {
    repo.write(`${dir}/${cafe}`, 'CREATE TABLE café (id int);\n');
    repo.git('add', '--', `${dir}/${cafe}`);
    const commit = git(repo.root, ['commit', '-q', '-m', 'café']);
    assert.equal(commit.code, 0, commit.output);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(committed, /^ {2}- dir: "db\/my migrations"$/m);
    assert.ok(committed.includes(`- {id: "030", file: "${cafe}", sha256: ${sha256('CREATE TABLE café (id int);\n')}}`), committed);
    const parsed = parse(committed) as { sets: { dir: string; migrations: { file: string }[] }[] };
    assert.deepEqual(
      parsed.sets.find((set) => set.dir === dir)?.migrations.map((migration) => migration.file),
      [sealedName, cafe],
    );
    assert.equal(repo.git('status', '--porcelain'), '');
  });

  it('locks a Japanese name together with an edit of the unsealed one (the full rules)', () => {
    repo.write(`${dir}/${japanese}`, 'CREATE TABLE nihongo (id int);\n');
    repo.write(`${dir}/${cafe}`, 'CREATE TABLE café (id bigint);\n');
    repo.git('add', '--', dir);
    const commit = git(repo.root, ['commit', '-q', '-m', 'nihongo']);
    assert.equal(commit.code, 0, commit.output);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.ok(committed.includes(`- {id: "030", file: "${cafe}", sha256: ${sha256('CREATE TABLE café (id bigint);\n')}}`), committed);
    assert.ok(committed.includes(`- {id: "040", file: "${japanese}", sha256: ${sha256('CREATE TABLE nihongo (id int);\n')}}`), committed);
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  });

  it('refuses an edit of the sealed one, naming it as written, not in git\'s quoted octal form', () => {
    repo.write(`${dir}/${sealedName}`, 'DROP TABLE naive;\n');
    const commit = git(repo.root, ['commit', '-q', '-a', '-m', 'edit sealed']);
    assert.equal(commit.code, 1, commit.output);
    assert.ok(commit.output.includes(`${dir}/${sealedName} is sealed in origin/main`), commit.output);
    assert.doesNotMatch(commit.output, /\\\d{3}/);
    repo.git('checkout', '--', `${dir}/${sealedName}`);
  });
});

describe('git add -p, git commit -a and git commit -- path', () => {
  let repo: TempRepo;
  let dispose: () => void;
  const file = 'db/migrations/030_report.sql';
  const body = (first: string, last: string) =>
    [`-- ${first}`, 'CREATE TABLE report (', '  id int,', '  a int,', '  b int,', '  c int,', '  d int,', '  e int,', '  f int', ');', `-- ${last}`, ''].join('\n');
  before(() => ({ repo, dispose } = setUp()));
  after(() => dispose());

  it('add -p: the committed checksum is that of the staged hunk, not the work tree; an unstaged sealed edit does not count', () => {
    repo.write(file, body('first', 'last'));
    repo.git('add', file);
    assert.equal(git(repo.root, ['commit', '-q', '-m', 'report']).code, 0);

    repo.write(file, body('first, staged', 'last, not staged'));
    repo.write('db/migrations/010_users.sql', 'DROP TABLE users;\n'); // never staged
    const add = git(repo.root, ['add', '-p', '--', file], { input: 'y\nn\n' });
    assert.equal(add.code, 0, add.output);
    const staged = repo.git('show', `:${file}`);
    assert.equal(staged, body('first, staged', 'last'));

    const commit = git(repo.root, ['commit', '-q', '-m', 'report, first hunk']);
    assert.equal(commit.code, 0, commit.output);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '030_report.sql') ?? '', new RegExp(sha256(staged)));
    assert.doesNotMatch(committed, new RegExp(sha256(body('first, staged', 'last, not staged'))));
    assert.equal(repo.git('show', `HEAD:${file}`), staged);
    // What was not staged is still there, unstaged; the lockfile is committed and clean.
    assert.equal(repo.git('status', '--porcelain'), ` M db/migrations/010_users.sql\n M ${file}\n`);
    const verify = repo.guard('verify', '--rev', 'HEAD');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    repo.git('checkout', '--', 'db/migrations/010_users.sql');
  });

  it('commit -a with a new migration (git add) and an edit of an unsealed one: both lines in the commit', () => {
    repo.write('db/migrations/040_new.sql', 'SELECT 40;\n');
    repo.git('add', 'db/migrations/040_new.sql');
    const worktree = repo.read(file); // the hunk left unstaged above
    const commit = git(repo.root, ['commit', '-q', '-a', '-m', 'new and edited']);
    assert.equal(commit.code, 0, commit.output);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '030_report.sql') ?? '', new RegExp(sha256(worktree)));
    assert.match(lockLine(committed, '040_new.sql') ?? '', new RegExp(sha256('SELECT 40;\n')));
    assert.equal(repo.read(LOCK), committed);
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
  });

  it('commit -- path with a new and an edited migration: only those go in, locked; another staged migration waits for the next commit', () => {
    repo.write('db/migrations/050_path.sql', 'SELECT 50;\n');
    repo.git('add', 'db/migrations/050_path.sql');
    repo.write('db/migrations/040_new.sql', 'SELECT 40, 41;\n');
    repo.write('db/migrations/060_later.sql', 'SELECT 60;\n');
    repo.git('add', 'db/migrations/060_later.sql');

    const commit = git(repo.root, ['commit', '-q', '-m', 'by path', '--', 'db/migrations/040_new.sql', 'db/migrations/050_path.sql']);
    assert.equal(commit.code, 0, commit.output);
    assert.match(commit.output, /run `git add checksums\.lock\.yaml` afterwards/);
    assert.deepEqual(repo.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), [
      LOCK,
      'db/migrations/040_new.sql',
      'db/migrations/050_path.sql',
    ]);
    const committed = repo.git('show', `HEAD:${LOCK}`);
    assert.match(lockLine(committed, '040_new.sql') ?? '', new RegExp(sha256('SELECT 40, 41;\n')));
    assert.match(lockLine(committed, '050_path.sql') ?? '', new RegExp(sha256('SELECT 50;\n')));
    assert.equal(lockLine(committed, '060_later.sql'), undefined);
    assert.equal(repo.git('show', `HEAD:${LOCK}`), repo.read(LOCK));

    // As the hook says: git add the lockfile, then the staged migration commits with its line.
    repo.git('add', LOCK);
    const next = git(repo.root, ['commit', '-q', '-m', 'later']);
    assert.equal(next.code, 0, next.output);
    assert.match(lockLine(repo.git('show', `HEAD:${LOCK}`), '060_later.sql') ?? '', new RegExp(sha256('SELECT 60;\n')));
    assert.equal(repo.git('status', '--porcelain'), '');
    assertLockUpToDate(repo.root);
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  });

  it('git add -N (intent to add) is not staging: the migration is not committed, so it is not locked; add -p then stages and locks it', () => {
    const draft = 'db/migrations/070_draft.sql';
    repo.write(draft, 'SELECT 70;\n');
    repo.git('add', '-N', draft);
    repo.write('README.md', 'notes\n');
    repo.git('add', 'README.md');
    const commit = git(repo.root, ['commit', '-q', '-m', 'readme']);
    assert.equal(commit.code, 0, commit.output);
    assert.deepEqual(repo.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n'), ['README.md']);
    // Locking the intent-to-add entry would commit a line for a file the commit does not have (with the empty file's checksum).
    assert.equal(repo.git('show', `HEAD:${LOCK}`), repo.git('show', `HEAD~1:${LOCK}`));
    const verify = repo.guard('verify', '--rev', 'HEAD');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    repo.git('checkout', '--', LOCK);
    const add = git(repo.root, ['add', '-p', '--', draft], { input: 'y\n' });
    assert.equal(add.code, 0, add.output);
    const staged = git(repo.root, ['commit', '-q', '-m', 'draft']);
    assert.equal(staged.code, 0, staged.output);
    assert.match(lockLine(repo.git('show', `HEAD:${LOCK}`), '070_draft.sql') ?? '', new RegExp(sha256('SELECT 70;\n')));
    assert.equal(repo.git('status', '--porcelain'), '');
  });
});
