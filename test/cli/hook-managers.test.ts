// `guard init` in a repository that already uses a hook manager, with the
// real manager (lefthook and simple-git-hooks from npm, the pre-commit
// framework from PyPI): init adds guard to the manager's config, the
// manager's own install command installs the hooks, and then a new
// migration is locked at commit, a sealed edit is refused at commit, and a
// push of a branch that edits a sealed migration (committed with
// --no-verify) is refused at pre-push, also when it is not the first ref of
// the push. The README's snippets for lefthook and the pre-commit framework
// are read from the README and run as they are (README, "Hook managers and CI").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, withSealedRemote } from '../helpers/git-repo.js';
import { GUARD } from '../helpers/compiled-guard.js';
import { cleanEnvironment, guardSourceRepository, preCommitFramework, RELEASE_TAG, type GuardSourceRepository } from '../helpers/guard-release.js';

type Sealed = ReturnType<typeof withSealedRemote>;

const env = cleanEnvironment({ NO_COLOR: '1', CI: '' });

function run(command: string, args: readonly string[], cwd: string, environment: NodeJS.ProcessEnv = env) {
  const result = spawnSync(command, args, { cwd, env: environment, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

/** This checkout's compiled guard as `npm install migration-guard` puts it in a project: node_modules/.bin/guard. */
function installGuardBin(root: string): void {
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules/.bin/guard'), `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" "$@"\n`);
  chmodSync(path.join(root, 'node_modules/.bin/guard'), 0o755);
  writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n');
}

/** The fenced block of the README that follows `marker` (the line naming the manager). */
function readmeBlock(marker: string): string {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  assert.notEqual(at, -1, `README.md has ${marker}`);
  const fence = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(fence, `a code block follows ${marker} in README.md`);
  return fence[1]!;
}

/**
 * What every manager must do once its hooks are installed: lock a new
 * migration in the commit, refuse a sealed edit at commit, and refuse at
 * pre-push a branch that edits a sealed migration with the hooks skipped
 * at commit, alone or behind a harmless branch in the same push.
 */
function gateTests(setUp: () => Sealed, label: RegExp, environment: () => NodeJS.ProcessEnv = () => env): void {
  let sealed: Sealed;
  const git = (...args: string[]) => run('git', args, sealed.repo.root, environment());

  before(() => {
    sealed = setUp();
  });

  it("guard doctor sees guard in each of the manager's hooks", () => {
    const doctor = run(process.execPath, [GUARD, 'doctor'], sealed.repo.root, environment());
    for (const hook of ['pre-commit', 'pre-merge-commit', 'pre-push']) assert.match(doctor.output, new RegExp(`ok +hook ${hook}: `), doctor.output);
  });

  it('locks a new migration in the same commit', () => {
    sealed.repo.write('db/migrations/030_items.sql', 'CREATE TABLE items (id int);\n');
    sealed.repo.git('add', 'db/migrations/030_items.sql');
    const commit = git('commit', '-m', 'add items');
    assert.equal(commit.code, 0, commit.output);
    assert.match(commit.output, label);
    assert.match(sealed.repo.git('show', 'HEAD:checksums.lock.yaml'), /file: 030_items\.sql, sha256: [0-9a-f]{64}/);
    assert.equal(sealed.repo.git('status', '--porcelain'), '');
  });

  it('refuses an edit of a sealed migration at commit, naming it', () => {
    const head = sealed.repo.git('rev-parse', 'HEAD');
    sealed.repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    const commit = git('commit', '-a', '-m', 'edit a sealed migration');
    assert.notEqual(commit.code, 0, commit.output);
    assert.match(commit.output, /db\/migrations\/010_users\.sql is sealed in origin\/main/);
    assert.equal(sealed.repo.git('rev-parse', 'HEAD'), head, 'the commit did not happen');
    sealed.repo.git('checkout', '--', 'db/migrations/010_users.sql');
  });

  it('pushes a branch that breaks nothing', () => {
    const push = git('push', 'origin', 'feature');
    assert.equal(push.code, 0, push.output);
  });

  it('refuses at pre-push a branch whose sealed edit was committed with --no-verify, alone and behind a harmless branch', () => {
    sealed.repo.git('checkout', '-q', '-b', 'sneaky', 'origin/main');
    sealed.repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    sealed.repo.git('commit', '-q', '--no-verify', '-am', 'edit a sealed migration');
    sealed.repo.git('checkout', '-q', '-b', 'harmless', 'feature');
    sealed.repo.write('docs/notes.md', 'notes\n');
    sealed.repo.git('add', 'docs/notes.md');
    sealed.repo.git('commit', '-q', '--no-verify', '-m', 'notes');

    const alone = git('push', 'origin', 'sneaky');
    assert.notEqual(alone.code, 0, alone.output);
    assert.match(alone.output, /010_users\.sql is sealed/);
    // The pre-commit framework hands a hook only the first pushed ref that adds commits.
    const behind = git('push', 'origin', 'harmless', 'sneaky');
    assert.notEqual(behind.code, 0, behind.output);
    assert.match(behind.output, /010_users\.sql is sealed/);
    assert.equal(run('git', ['ls-remote', sealed.remote, 'refs/heads/sneaky', 'refs/heads/harmless'], sealed.repo.root).output.trim(), '', 'neither branch reached the remote');
  });

  after(() => sealed?.dispose());
}

describe('lefthook (npm, real binary)', () => {
  const lefthook = path.join(PROJECT_ROOT, 'node_modules/.bin/lefthook');

  describe('guard init adds guard to lefthook.yml; lefthook install; the gates hold', () => {
    gateTests(() => {
      const sealed = withSealedRemote();
      installGuardBin(sealed.repo.root);
      const config = '# the team\'s hooks\npre-commit:\n  commands:\n    hello:\n      run: echo hello from the team\n';
      sealed.repo.write('lefthook.yml', config);
      sealed.repo.commitAll('use lefthook');
      const init = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
      assert.equal(init.code, 0, init.output);
      assert.match(init.output, /updated +lefthook\.yml +lefthook: migration-guard added to pre-commit, pre-merge-commit, pre-push/);
      assert.match(init.output, /lefthook installs guard's hooks: run npx lefthook install/);
      assert.ok(sealed.repo.read('lefthook.yml').startsWith(config), "the team's lines come first, unchanged");
      assert.equal(run('git', ['config', '--get', 'core.hooksPath'], sealed.repo.root).output, '', 'guard installed no hooks of its own');
      const install = run(lefthook, ['install'], sealed.repo.root);
      assert.equal(install.code, 0, install.output);
      sealed.repo.commitAll('guard in lefthook');
      return sealed;
    }, /hello from the team/);
  });

  describe("the README's lefthook.yml, as it is", () => {
    gateTests(() => {
      const sealed = withSealedRemote();
      installGuardBin(sealed.repo.root);
      sealed.repo.write('lefthook.yml', readmeBlock('[lefthook](https://lefthook.dev), `lefthook.yml`'));
      const install = run(lefthook, ['install'], sealed.repo.root);
      assert.equal(install.code, 0, install.output);
      sealed.repo.commitAll('use lefthook');
      return sealed;
    }, /migration-guard/);
  });
});

describe('simple-git-hooks (npm)', () => {
  describe('guard init adds guard to package.json\'s "simple-git-hooks"; npx simple-git-hooks; the gates hold', () => {
    gateTests(() => {
      const sealed = withSealedRemote();
      installGuardBin(sealed.repo.root);
      const manifest = '{\n  "name": "app",\n  "private": true,\n  "simple-git-hooks": {\n    "pre-commit": "echo hello from the team"\n  },\n  "devDependencies": {\n    "simple-git-hooks": "2.14.0"\n  }\n}\n';
      sealed.repo.write('package.json', manifest);
      sealed.repo.commitAll('use simple-git-hooks');
      const init = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
      assert.equal(init.code, 0, init.output);
      assert.match(init.output, /updated +package\.json +simple-git-hooks: guard's commands added to pre-commit, pre-merge-commit, pre-push/);
      assert.equal(
        sealed.repo.read('package.json'),
        manifest.replace(
          '"pre-commit": "echo hello from the team"',
          '"pre-commit": "node_modules/.bin/guard hook pre-commit || exit $?; echo hello from the team",\n    "pre-merge-commit": "node_modules/.bin/guard hook pre-commit",\n    "pre-push": "node_modules/.bin/guard hook pre-push \\"$@\\""',
        ),
      );
      const install = run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/simple-git-hooks/cli.js')], sealed.repo.root);
      assert.match(install.output, /Successfully set all git hooks/, install.output);
      sealed.repo.commitAll('guard in simple-git-hooks');
      return sealed;
    }, /hello from the team/);
  });
});

const framework = preCommitFramework();

describe('the pre-commit framework (PyPI)', { skip: typeof framework === 'string' ? framework : false }, () => {
  let source: GuardSourceRepository;
  let home: string;
  const frameworkEnv = () => cleanEnvironment({ NO_COLOR: '1', PRE_COMMIT_HOME: home });
  const install = (root: string) => {
    const installed = run('pre-commit', ['install', '--hook-type', 'pre-commit', '--hook-type', 'pre-merge-commit', '--hook-type', 'pre-push'], root, frameworkEnv());
    assert.equal(installed.code, 0, installed.output);
  };

  before(() => {
    source = guardSourceRepository();
    // One cache of hook environments for the describes below: the framework installs guard from the tag once.
    home = mkdtempSync(path.join(tmpdir(), 'guard-pre-commit-home-'));
  });
  after(() => {
    source?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  describe("guard init adds guard's repository to .pre-commit-config.yaml; pre-commit install; the gates hold", () => {
    gateTests(
      () => {
        const sealed = withSealedRemote();
        const config = '# the team\'s hooks\nrepos:\n-   repo: local\n    hooks:\n    -   id: hello\n        name: hello from the team\n        entry: "true"\n        language: system\n';
        sealed.repo.write('.pre-commit-config.yaml', config);
        sealed.repo.commitAll('use the pre-commit framework');
        const init = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
        assert.equal(init.code, 0, init.output);
        assert.match(init.output, /pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push/);
        const written = sealed.repo.read('.pre-commit-config.yaml');
        assert.equal(written, `${config}-   repo: https://github.com/migration-guard/migration-guard\n    rev: ${RELEASE_TAG}\n    hooks:\n      - id: migration-guard\n      - id: migration-guard-pre-push\n`);
        // guard's public repository, as this run's clone of it.
        sealed.repo.write('.pre-commit-config.yaml', written.replace('https://github.com/migration-guard/migration-guard', source.dir));
        install(sealed.repo.root);
        sealed.repo.commitAll('guard in the pre-commit framework');
        return sealed;
      },
      /migration-guard\.+Passed/,
      frameworkEnv,
    );
  });

  describe("the README's .pre-commit-config.yaml, as it is", () => {
    gateTests(
      () => {
        const sealed = withSealedRemote();
        const snippet = readmeBlock('The [pre-commit framework](https://pre-commit.com), `.pre-commit-config.yaml`');
        assert.match(snippet, /rev: v\d+\.\d+\.\d+/);
        sealed.repo.write('.pre-commit-config.yaml', snippet.replace('https://github.com/migration-guard/migration-guard', source.dir).replace(/rev: v\d+\.\d+\.\d+/, `rev: ${RELEASE_TAG}`));
        install(sealed.repo.root);
        sealed.repo.commitAll('use the pre-commit framework');
        return sealed;
      },
      /migration-guard\.+Passed/,
      frameworkEnv,
    );
  });

  describe('a project with guard as an npm dependency: a `repo: local` hook running node_modules/.bin/guard', () => {
    gateTests(
      () => {
        const sealed = withSealedRemote();
        installGuardBin(sealed.repo.root);
        sealed.repo.write('package.json', '{\n  "name": "app",\n  "devDependencies": {\n    "migration-guard": "^0.1.0"\n  }\n}\n');
        sealed.repo.write('.pre-commit-config.yaml', 'repos:\n  - repo: local\n    hooks:\n      - id: hello\n        name: hello\n        entry: "true"\n        language: system\n');
        sealed.repo.commitAll('use the pre-commit framework');
        const init = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
        assert.equal(init.code, 0, init.output);
        // The README's `repo: local` form, line for line.
        const readme = readmeBlock('form there: one version of guard').split('\n').slice(1).join('\n');
        assert.ok(sealed.repo.read('.pre-commit-config.yaml').endsWith(readme), sealed.repo.read('.pre-commit-config.yaml'));
        install(sealed.repo.root);
        sealed.repo.commitAll('guard in the pre-commit framework');
        return sealed;
      },
      /migration-guard\.+Passed/,
      frameworkEnv,
    );
  });
});

describe('guard init where it cannot join the manager safely', () => {
  it('two managers: edits neither, installs nothing, says what to add to each, exit 2', () => {
    const sealed = withSealedRemote();
    try {
      sealed.repo.write('lefthook.yml', 'pre-commit:\n  commands:\n    a:\n      run: "true"\n');
      sealed.repo.write('.pre-commit-config.yaml', 'repos: []\n');
      sealed.repo.commitAll('two managers');
      const init = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
      assert.equal(init.code, 2, init.output);
      assert.match(init.output, /guard added no hooks to \.pre-commit-config\.yaml: this repository has more than one hook manager: pre-commit framework \(\.pre-commit-config\.yaml\), lefthook \(lefthook\.yml\)/);
      assert.match(init.output, /add this to lefthook\.yml, then run guard init again:\n {4}pre-commit:\n {6}commands:\n {8}migration-guard:\n/);
      assert.equal(sealed.repo.git('status', '--porcelain', '--', 'lefthook.yml', '.pre-commit-config.yaml'), '', 'both configs as they were');
      assert.equal(run('git', ['config', '--get', 'core.hooksPath'], sealed.repo.root).output, '');
    } finally {
      sealed.dispose();
    }
  });

  it('a lefthook config in TOML, and a YAML one with a syntax error: the snippet in its language, exit 2, the file untouched', () => {
    const sealed = withSealedRemote();
    try {
      sealed.repo.write('lefthook.toml', '[pre-commit.commands.lint]\nrun = "true"\n');
      const toml = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
      assert.equal(toml.code, 2, toml.output);
      assert.match(toml.output, /guard edits lefthook's YAML configs, not lefthook\.toml/);
      assert.match(toml.output, /\[pre-push\.commands\.migration-guard\]\n {4}run = "node_modules\/\.bin\/guard hook pre-push \{1\} \{2\}"\n {4}use_stdin = true/);
      sealed.repo.remove('lefthook.toml');
      sealed.repo.write('lefthook.yml', 'pre-commit:\n  commands: [\n');
      const broken = run(process.execPath, [GUARD, 'init'], sealed.repo.root);
      assert.equal(broken.code, 2, broken.output);
      assert.match(broken.output, /guard added no hooks to lefthook\.yml: lefthook\.yml:\d+ is not valid YAML/);
      assert.equal(sealed.repo.read('lefthook.yml'), 'pre-commit:\n  commands: [\n');
    } finally {
      sealed.dispose();
    }
  });
});

describe('guard hook pre-push without git\'s list of pushed refs', () => {
  let sealed: Sealed;
  let harmless: string;
  let sneaky: string;
  const prePush = (stdin: string, extra: Record<string, string> = {}, ...args: string[]) => {
    const result = spawnSync(process.execPath, [GUARD, 'hook', 'pre-push', ...args], { cwd: sealed.repo.root, env: cleanEnvironment({ NO_COLOR: '1', ...extra }), input: stdin, encoding: 'utf8' });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  };

  before(() => {
    sealed = withSealedRemote();
    sealed.repo.git('checkout', '-q', '-b', 'sneaky', 'origin/main');
    sealed.repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    sealed.repo.git('commit', '-q', '--no-verify', '-am', 'edit a sealed migration');
    sneaky = sealed.repo.git('rev-parse', 'HEAD').trim();
    sealed.repo.git('checkout', '-q', 'feature');
    sealed.repo.write('docs/notes.md', 'notes\n');
    sealed.repo.git('add', 'docs/notes.md');
    sealed.repo.git('commit', '-q', '--no-verify', '-m', 'notes');
    harmless = sealed.repo.git('rev-parse', 'HEAD').trim();
  });
  after(() => sealed?.dispose());

  it("the pre-commit framework names only the first ref (PRE_COMMIT_TO_REF): a second one, not named, is still checked", () => {
    const framework = { PRE_COMMIT: '1', PRE_COMMIT_REMOTE_NAME: 'origin', PRE_COMMIT_REMOTE_URL: sealed.remote, PRE_COMMIT_FROM_REF: sealed.repo.git('rev-parse', 'origin/main').trim(), PRE_COMMIT_TO_REF: harmless, PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/feature', PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/feature' };
    const run = prePush('', framework);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`commit ${sneaky.slice(0, 12)} \\(edit a sealed migration\\) on refs/heads/sneaky:`));
    assert.match(run.output, /010_users\.sql is sealed/);
    assert.match(run.output, /the pre-commit framework passes only the first pushed ref, so guard checked every local branch, tag and HEAD this remote does not have/);
  });

  it('lefthook without use_stdin (an empty stdin): every local branch is checked', () => {
    const run = prePush('', {}, 'origin', sealed.remote);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /on refs\/heads\/sneaky:/);
    assert.match(run.output, /no list of pushed refs on stdin \(lefthook: use_stdin: true\)/);
  });

  it("with git's list, only the pushed refs are checked, as before", () => {
    const zero = '0'.repeat(40);
    const run = prePush(`refs/heads/feature ${harmless} refs/heads/feature ${zero}\n`, {}, 'origin', sealed.remote);
    assert.equal(run.code, 0, run.output);
  });

  it('nothing new anywhere: nothing to check', () => {
    sealed.repo.git('branch', '-D', 'sneaky');
    sealed.repo.git('push', '-q', '--no-verify', 'origin', 'feature');
    const run = prePush('', {}, 'origin', sealed.remote);
    assert.equal(run.code, 0, run.output);
  });
});
