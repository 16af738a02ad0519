// The GitHub Action (action.yml) as a workflow runs it: `uses: actions/checkout@v4`
// then `uses: migration-guard/migration-guard@v1`, with nothing else. Each
// test builds a "GitHub" repository (GitHubRemote), clones it as
// actions/checkout does (one commit deep: for a pull request, the merge
// commit refs/pull/N/merge), runs action.yml's steps as the runner does
// (runCompositeAction), and asserts what the user sees: the exit code (the
// README's table), the annotations on the diff, the job summary.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './helpers/git-repo.js';
import { readCompositeAction, runCompositeAction, type ActionCall, type ActionRun } from './helpers/composite-action.js';
import { GitHubRemote } from './helpers/github-remote.js';

const CONFIG = 'migrations:\n  - dir: db/migrations\n    tool: sql\n';

/** A repository whose main seals two migrations, pushed to "GitHub". */
function sealedRemote(): GitHubRemote {
  const remote = new GitHubRemote();
  remote.write('guard.config.yaml', CONFIG);
  remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
  remote.write('db/migrations/020_orders.sql', 'CREATE TABLE orders (id int);\n');
  remote.lock();
  remote.commit('initial migrations');
  remote.push('main');
  return remote;
}

type Options = Partial<Pick<ActionCall, 'with' | 'actionPath'>>;

/** The action in a pull_request workflow, on the merge commit of pull request `number` (`head` into `base`) as GitHub made it. */
function onPullRequest(remote: GitHubRemote, number: number, head: string, base: string, options: Options = {}): ActionRun & { workspace: string } {
  return runOnMerge(remote, remote.openPullRequest(number, head, base), number, head, base, options);
}

function runOnMerge(remote: GitHubRemote, merge: string, number: number, head: string, base: string, options: Options = {}): ActionRun & { workspace: string } {
  const workspace = remote.checkout(merge, `refs/remotes/pull/${number}/merge`);
  const run = runCompositeAction({
    actionPath: PROJECT_ROOT,
    ...options,
    workspace,
    eventName: 'pull_request',
    event: { number, pull_request: { number, base: { ref: base }, head: { ref: head } }, repository: { default_branch: 'main' } },
    variables: { GITHUB_BASE_REF: base, GITHUB_HEAD_REF: head, GITHUB_REF: `refs/pull/${number}/merge`, GITHUB_SHA: merge },
  });
  return { ...run, workspace };
}

/** The action in a push workflow, on `commit` pushed to `branch` (which pointed at `before`). */
function onPush(remote: GitHubRemote, branch: string, commit: string, before: string, options: Options & { into?: string } = {}): ActionRun {
  const { into, ...rest } = options;
  const workspace = remote.checkout(commit, `refs/remotes/origin/${branch}`, into === undefined ? {} : { into });
  return runCompositeAction({
    actionPath: PROJECT_ROOT,
    ...rest,
    workspace,
    eventName: 'push',
    event: { ref: `refs/heads/${branch}`, before, after: commit, repository: { default_branch: 'main' } },
    variables: { GITHUB_REF: `refs/heads/${branch}`, GITHUB_SHA: commit },
  });
}

const annotations = (stdout: string) => stdout.split('\n').filter((line) => /^::(error|warning|notice)/.test(line));

/** A branch from main with one commit, pushed. */
function branch(remote: GitHubRemote, name: string, from: string, change: () => void, message = name): string {
  remote.git('checkout', '-q', '-B', name, from);
  change();
  const commit = remote.commit(message);
  remote.push(name);
  return commit;
}

describe('the GitHub Action on a pull request', () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('passes a clean pull request from a one-commit-deep checkout, and writes the job summary', () => {
    branch(remote, 'add-items', 'main', () => {
      remote.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
      remote.lock();
    });
    const run = onPullRequest(remote, 1, 'add-items', 'main');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(run.steps.map((step) => step.code), [0, 0]);
    assert.deepEqual(annotations(run.stdout), []);
    assert.match(run.stdout, /^migration-guard: base main: the pull request's base branch \(GITHUB_BASE_REF\)$/m);
    assert.match(run.stdout, /^migration-guard: HEAD adds 2 commits to origin\/main; guard checks each$/m);
    assert.match(run.stdout, /^ok 3 migrations in 1 set match checksums\.lock\.yaml at HEAD; nothing sealed in origin\/main changed$/m);
    assert.match(run.summary, /^### migration-guard: guard verify\n\nok 3 migrations in 1 set/);
  });

  it('refuses a pull request that edits a sealed migration: an annotation on the file and a table in the summary', () => {
    branch(remote, 'edit-users', 'main', () => remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n'));
    const run = onPullRequest(remote, 2, 'edit-users', 'main');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    // The merge commit's finding, and the branch commit's, named by commit.
    const errors = annotations(run.stdout);
    assert.equal(errors.length, 2, run.stdout);
    assert.match(errors[0]!, /^::error file=db\/migrations\/010_users\.sql,title=guard sealed-edited::db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.match(errors[1]!, /^::error file=db\/migrations\/010_users\.sql,title=guard sealed-edited::commit [0-9a-f]{12} \(edit-users\): db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.match(run.summary, /^\| \| file \| problem \| fix \|$/m);
    assert.match(run.summary, /^\| ❌ \| `db\/migrations\/010_users\.sql` \| .*sealed in origin\/main/m);
    assert.match(run.summary, /^refused 1 problem in 2 migrations/m);
  });

  it('fetches every commit of a branch whose base moved on: a sealed edit undone in a later commit is still refused, naming the commit', () => {
    remote.git('checkout', '-q', '-B', 'history', 'main');
    remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const sneaky = remote.commit('sneaky edit');
    remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    remote.commit('undo');
    remote.write('db/migrations/030_history.sql', 'CREATE TABLE history (id int);\n');
    remote.lock();
    remote.commit('history');
    remote.push('history');
    const merge = remote.openPullRequest(3, 'history', 'main');
    // main moves on after GitHub made the merge commit: the checkout's base is older than origin/main.
    branch(remote, 'main', 'main', () => {
      remote.write('db/migrations/025_payments.sql', 'CREATE TABLE payments (id int);\n');
      remote.lock();
    }, 'payments');
    branch(remote, 'main', 'main', () => remote.write('README.md', 'app\n'), 'readme');
    const run = runOnMerge(remote, merge, 3, 'history', 'main');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^migration-guard: HEAD adds 4 commits to origin\/main; guard checks each$/m);
    assert.match(run.stdout, new RegExp(`^commit ${sneaky.slice(0, 12)} \\(sneaky edit\\):$`, 'm'));
    assert.match(run.stdout, new RegExp(`^::error file=db/migrations/010_users\\.sql,title=guard sealed-edited::commit ${sneaky.slice(0, 12)} \\(sneaky edit\\)`, 'm'));
    assert.match(run.summary, /refused 1 earlier commit breaks the rules \(the final state at HEAD passes: 3 migrations\)/);
  });

  it('passes branch names with shell metacharacters to git and guard as values, never to a shell', () => {
    const head = 'feature/$(touch${IFS}pwned)';
    branch(remote, head, 'main', () => remote.write('notes.txt', 'notes\n'));
    let number = 5;
    for (const base of ['release/$(touch${IFS}pwned)', "release/`touch${IFS}pwned`;touch${IFS}pwned'\"|%0A"]) {
      remote.push(`main:refs/heads/${base}`);
      // The pull request's base (GITHUB_BASE_REF), and the same name given as the base input.
      for (const run of [onPullRequest(remote, number++, head, base), onPullRequest(remote, number++, head, 'main', { with: { base } })]) {
        for (const dir of [run.workspace, PROJECT_ROOT, process.cwd()]) assert.equal(existsSync(path.join(dir, 'pwned')), false, `a shell ran the branch name in ${dir}`);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.ok(run.stdout.includes(`nothing sealed in origin/${base} changed`), run.stdout);
        assert.deepEqual(annotations(run.stdout), []);
      }
    }
  });

  it('a base branch origin does not have: exit 2, an error annotation and the summary say which', () => {
    branch(remote, 'to-nowhere', 'main', () => remote.write('notes.txt', 'nowhere\n'));
    const merge = remote.openPullRequest(7, 'to-nowhere', 'main');
    const workspace = remote.checkout(merge, 'refs/remotes/pull/7/merge');
    const run = runCompositeAction({ actionPath: PROJECT_ROOT, workspace, eventName: 'pull_request', variables: { GITHUB_BASE_REF: 'nope' } });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.deepEqual(annotations(run.stdout), ['::error title=migration-guard::origin has no branch "nope" to compare with. Fix: name a branch origin has (base: main, not base: origin/main); check git ls-remote --heads origin']);
    assert.match(run.summary, /origin has no branch "nope" to compare with/);
  });

  it("an error that stops guard (a config it cannot read) becomes an error annotation and a summary line too", () => {
    branch(remote, 'bad-config', 'main', () => remote.write('guard.config.yaml', 'migrations: [\n'));
    const run = onPullRequest(remote, 10, 'bad-config', 'main');
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /^error .*guard\.config\.yaml/m);
    const errors = annotations(run.stdout);
    assert.equal(errors.length, 1, run.stdout);
    assert.match(errors[0]!, /^::error title=migration-guard::guard verify stopped \(exit 2\): .*guard\.config\.yaml.*\. Fix: /);
    assert.match(run.summary, /^❌ guard verify stopped \\\(exit 2\\\): guard\.config\.yaml:2 is not valid YAML/m);
  });

  it('a remote it cannot fetch from: exit 3 and an error annotation, never a pass', () => {
    branch(remote, 'offline', 'main', () => remote.write('notes.txt', 'offline\n'));
    const merge = remote.openPullRequest(8, 'offline', 'main');
    const workspace = remote.checkout(merge, 'refs/remotes/pull/8/merge');
    execFileSync('git', ['remote', 'set-url', 'origin', `file://${remote.bare}-gone`], { cwd: workspace });
    const run = runCompositeAction({ actionPath: PROJECT_ROOT, workspace, eventName: 'pull_request', variables: { GITHUB_BASE_REF: 'main' } });
    assert.equal(run.code, 3, run.stdout + run.stderr);
    const errors = annotations(run.stdout);
    assert.equal(errors.length, 1, run.stdout);
    assert.match(errors[0]!, /^::error title=migration-guard::could not ask origin for its branch main: .*Fix: check that the runner reaches the repository/);
  });

  it('fetches the whole history (--unshallow) when deepening three times is not enough', () => {
    branch(remote, 'long-ago', 'main', () => {
      remote.write('db/migrations/040_archive.sql', 'CREATE TABLE archive (id int);\n');
      remote.lock();
    });
    const merge = remote.openPullRequest(9, 'long-ago', 'main');
    // 1,200 commits on main after GitHub made the merge commit: more than 10 + 100 + 1,000.
    remote.git('checkout', '-q', 'main');
    remote.commits(1200, 'busy main');
    remote.push('main');
    const run = runOnMerge(remote, merge, 9, 'long-ago', 'main');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /git fetch --deepen=10\)[\s\S]*git fetch --deepen=100\)[\s\S]*git fetch --deepen=1000\)[\s\S]*\(git fetch --unshallow\)/);
    assert.match(run.stdout, /^migration-guard: HEAD adds 2 commits to origin\/main; guard checks each$/m);
  });
});

describe('the GitHub Action on a young repository whose branch forked long ago', () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('deepens until the base reaches the fork point, so a sealed edit relocked and undone later is refused', () => {
    remote.git('checkout', '-q', '-B', 'old-branch', 'main');
    remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    remote.lockWithoutSealedState();
    const sneaky = remote.commit('sneaky edit');
    remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id int);\n');
    remote.lockWithoutSealedState();
    remote.commit('undo');
    remote.push('old-branch');
    // main moves on by more commits than the branch and all history before the fork:
    // the branch's side reaches the root commit long before main's side reaches the fork.
    remote.git('checkout', '-q', 'main');
    remote.commits(30, 'main moves on');
    remote.push('main');
    const run = onPullRequest(remote, 1, 'old-branch', 'main');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /deepening the history of HEAD and origin\/main by 100 commits/);
    assert.match(run.stdout, /^migration-guard: HEAD adds 3 commits to origin\/main; guard checks each$/m);
    assert.match(run.stdout, new RegExp(`^::error file=db/migrations/010_users\\.sql,title=guard sealed-edited::commit ${sneaky.slice(0, 12)} \\(sneaky edit\\)`, 'm'));
  });
});

describe('the GitHub Action where the commit that sealed a migration is older than what it fetched', () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('does not name the oldest commit fetched as the one that sealed it', () => {
    remote.git('checkout', '-q', 'main');
    remote.commits(40, 'later work on main');
    remote.push('main');
    branch(remote, 'edit-users', 'main', () => remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n'));
    const run = onPullRequest(remote, 1, 'edit-users', 'main');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const errors = annotations(run.stdout);
    assert.ok(errors.length > 0, run.stdout);
    // The shallow clone's oldest commit seems to add the whole lockfile; the sealing commit is not in the clone.
    for (const error of errors) assert.match(error, /010_users\.sql is sealed in origin\/main: it has been deployed/);
  });
});

describe('the GitHub Action on other events', () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('a push to the default branch is judged against the commit it replaced (the event\'s before)', () => {
    const before = remote.git('rev-parse', 'main').trim();
    const pushed = branch(remote, 'main', 'main', () => remote.write('db/migrations/020_orders.sql', 'CREATE TABLE orders (id bigint);\n'), 'edit orders on main');
    const run = onPush(remote, 'main', pushed, before);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^migration-guard: base ${before}: the commit main pointed at before this push$`, 'm'));
    assert.match(run.stdout, new RegExp(`^::error file=db/migrations/020_orders\\.sql,title=guard sealed-edited::.*sealed in ${before}`, 'm'));
    remote.git('reset', '-q', '--hard', before);
    remote.push('main');
  });

  it('a push that creates the default branch checks the final state only: nothing was sealed before it', () => {
    const fresh = sealedRemote();
    try {
      const tip = fresh.git('rev-parse', 'main').trim();
      const run = onPush(fresh, 'main', tip, '0'.repeat(40));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^migration-guard: base \(none\): this push created main: nothing was sealed before it$/m);
      assert.match(run.stdout, /^migration-guard: guard verify --rev HEAD --format github$/m);
    } finally {
      fresh.dispose();
    }
  });

  it('a push to another branch, checked out in a folder of the workspace, is judged against the default branch', () => {
    const pushed = branch(remote, 'topic', 'main', () => remote.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n'));
    const run = onPush(remote, 'topic', pushed, '0'.repeat(40), { into: 'app', with: { 'working-directory': 'app' } });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^migration-guard: base main: the repository's default branch$/m);
    assert.match(run.stdout, /^::error file=db\/migrations\/010_users\.sql,title=guard sealed-edited::/m);
  });

  it('an event without a base to default to asks for the base input: exit 2', () => {
    const tip = remote.git('rev-parse', 'main').trim();
    const workspace = remote.checkout(tip, 'refs/remotes/origin/main');
    const run = runCompositeAction({ actionPath: PROJECT_ROOT, workspace, eventName: 'repository_dispatch', event: {} });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(annotations(run.stdout)[0]!, /^::error title=migration-guard::the action cannot tell which branch to compare with on a repository_dispatch event.*Fix: name the branch the changes go into: with: base: main$/);
  });
});

describe('action.yml', () => {
  it('passes its inputs to the scripts through env: no expression in a script', () => {
    const { steps } = readCompositeAction(PROJECT_ROOT);
    for (const step of steps) assert.doesNotMatch(step.run!, /\$\{\{/, `step ${step.name}: an expression in run: is pasted into the script before the shell reads it`);
  });

  it('the runner the tests use refuses an action.yml that names an input it does not declare', () => {
    const remote = new GitHubRemote();
    try {
      const copy = remote.temp('guard-action-copy-');
      const metadata = readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8');
      assert.match(metadata, /\$\{\{ inputs\.base \}\}/);
      writeFileSync(path.join(copy, 'action.yml'), metadata.replace('${{ inputs.base }}', '${{ inputs.base-branch }}'));
      assert.throws(() => runCompositeAction({ actionPath: copy, workspace: copy, eventName: 'pull_request' }), /\$\{\{ inputs\.base-branch \}\} is not a context this runner provides/);
      writeFileSync(path.join(copy, 'action.yml'), metadata.replace(/^ {6}shell: bash\n/m, ''));
      assert.throws(() => runCompositeAction({ actionPath: copy, workspace: copy, eventName: 'pull_request' }), /needs shell:/);
    } finally {
      remote.dispose();
    }
  });
});

/** The YAML block that follows `after` in the README's "Hook managers and CI". */
function readmeYaml(after: string): any {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Hook managers and CI'));
  const from = section.indexOf(after);
  assert.ok(from >= 0, `README: "${after}" not found in "Hook managers and CI"`);
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(from));
  assert.ok(block, `README: no yaml block after "${after}"`);
  return parse(block[1]!);
}

describe("the README's GitHub Actions snippets", () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('the workflow is actions/checkout with its defaults, then the action without inputs: what the tests above run', () => {
    const workflow = readmeYaml('GitHub Actions, the gate');
    assert.deepEqual(Object.keys(workflow.on), ['pull_request', 'push']);
    assert.deepEqual(workflow.permissions, { contents: 'read' });
    assert.deepEqual(workflow.jobs.guard.steps, [{ uses: 'actions/checkout@v4' }, { uses: 'migration-guard/migration-guard@v1' }]);
    assert.equal(readCompositeAction(PROJECT_ROOT).steps.length, 2);
  });

  it('the long form refuses a sealed edit in a full clone, with the base branch passed through env', () => {
    const { steps } = readmeYaml('The long form') as { steps: { uses?: string; with?: Record<string, unknown>; run?: string; env?: Record<string, string> }[] };
    assert.deepEqual(steps[0], { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    const gate = steps.find((step) => step.run?.includes('guard verify'))!;
    const base = 'release/$(touch${IFS}pwned)';
    remote.push(`main:refs/heads/${base}`);
    branch(remote, 'edit-orders', 'main', () => remote.write('db/migrations/020_orders.sql', 'CREATE TABLE orders (id bigint);\n'));
    const merge = remote.openPullRequest(1, 'edit-orders', base);
    const workspace = remote.checkout(merge, 'refs/remotes/pull/1/merge', { fetchDepth: 0 });
    // npm ci put guard in node_modules/.bin, where npx finds it.
    mkdirSync(path.join(workspace, 'node_modules/.bin'), { recursive: true });
    writeFileSync(path.join(workspace, 'node_modules/.bin/guard'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(PROJECT_ROOT, 'dist/bin/guard.js')}" "$@"\n`, { mode: 0o755 });
    const env = Object.fromEntries(Object.entries(gate.env ?? {}).map(([key, value]) => {
      assert.equal(value, '${{ github.base_ref }}');
      return [key, base];
    }));
    assert.doesNotMatch(gate.run!, /\$\{\{/);
    // A run: step without shell: is `bash -e {0}` on Linux.
    const run = spawnSync('bash', ['-e', '-c', gate.run!], { cwd: workspace, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_ACTIONS: 'true', NO_COLOR: '1', ...env } });
    assert.equal(existsSync(path.join(workspace, 'pwned')), false);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^::error file=db\/migrations\/020_orders\.sql,title=guard sealed-edited::db\/migrations\/020_orders\.sql is sealed in origin\/release\/\$\(touch\$\{IFS\}pwned\)/m);
  });
});

describe('the GitHub Action used at a commit without a build (a branch, not a release)', () => {
  let remote: GitHubRemote;
  before(() => {
    remote = sealedRemote();
  });
  after(() => remote.dispose());

  it('builds guard in the action folder (npm ci, npm run build), says so, then checks', () => {
    // The action's files as GitHub downloads them at a commit: the repository's, without dist/ or node_modules/.
    const actionPath = remote.temp('guard-action-');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(path.join(PROJECT_ROOT, file))) continue;
      mkdirSync(path.dirname(path.join(actionPath, file)), { recursive: true });
      copyFileSync(path.join(PROJECT_ROOT, file), path.join(actionPath, file));
    }
    assert.equal(existsSync(path.join(actionPath, 'dist')), false);
    branch(remote, 'add-items', 'main', () => {
      remote.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
      remote.lock();
    });
    const run = onPullRequest(remote, 1, 'add-items', 'main', { actionPath });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /holds no build of guard \(dist\/bin\/guard\.js\): this is a branch or commit, not a release; building it \(npm ci, npm run build\)/);
    assert.ok(existsSync(path.join(actionPath, 'dist/bin/guard.js')));
    assert.match(run.stdout, /^ok 3 migrations in 1 set match checksums\.lock\.yaml at HEAD; nothing sealed in origin\/main changed$/m);
    // A second job with the same folder finds the build and does not build again.
    renameSync(path.join(actionPath, 'node_modules'), path.join(actionPath, 'node_modules.moved'));
    const again = onPullRequest(remote, 2, 'add-items', 'main', { actionPath });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /building it/);
  });
});
