// Replays the real release history of public projects, as a new user of guard
// would live it: each release becomes one commit on `main`, committed with the
// pre-commit hook and pushed with the pre-push hook to a bare remote, so every
// release seals the migrations it shipped. A release that only adds migrations
// must pass everywhere; a release that edits, deletes or renames a migration an
// earlier release shipped must be refused by the pre-commit hook, by the
// pre-push hook (when committed with --no-verify) and by `guard verify --base`.
// The replay then goes on as the user would: the upstream change is recorded
// with `guard amend` and committed.
//
// The fixtures (test/fixtures/replay/<project>/) are made by
// scripts/replay-fixtures/npm-sql-history.mjs from the packages' published
// tarballs; this test reads them offline. What a step does (add, edit,
// delete, rename) is computed from the fixture; the counts below are what the
// fixture held when it was made, so a regenerated fixture or a changed rule is
// noticed.
//
// Speed: a replay runs guard a few hundred times, so the CLI is bundled once
// from src/ with esbuild (as scripts/bundle-cli.mjs bundles dist/) instead of
// paying tsx's start-up on every hook.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/replay');

interface History {
  project: string;
  source: { package: string; versions: string; license: string };
  /** The migration dir in the replay repository. */
  dir: string;
  steps: { name: string; files: Record<string, string> }[];
}

/** What each fixture held when it was made (see the file's header). */
const EXPECTED: Record<string, { releases: number; unchanged: number; addOnly: number; touchReleased: number; edited: number; deleted: number; renamed: number; finalMigrations: number }> = {
  // graphile-worker 0.1.0-alpha.0 .. 0.18.0: 0.2.0, 0.5.0, 0.6.0, 0.13.0 and
  // 0.16.0 edit migrations an earlier release shipped (a BEGIN/COMMIT removed,
  // the schema name made a placeholder, a function reformatted, a default
  // dropped, `--! breaking-change` markers added).
  'graphile-worker': { releases: 31, unchanged: 18, addOnly: 7, touchReleased: 5, edited: 13, deleted: 0, renamed: 0, finalMigrations: 20 },
};

interface Change {
  added: string[];
  edited: string[];
  deleted: string[];
  /** [from, to]: a file gone and a new file with the same content. */
  renamed: [string, string][];
}

/** What step `next` does to the migrations of step `previous`. */
function diffSteps(previous: Record<string, string>, next: Record<string, string>): Change {
  const added = Object.keys(next).filter((file) => !(file in previous));
  const edited = Object.keys(next).filter((file) => file in previous && previous[file] !== next[file]);
  const gone = Object.keys(previous).filter((file) => !(file in next));
  const renamed: [string, string][] = [];
  const deleted: string[] = [];
  for (const file of gone) {
    const to = added.find((candidate) => next[candidate] === previous[file] && !renamed.some(([, taken]) => taken === candidate));
    if (to) renamed.push([file, to]);
    else deleted.push(file);
  }
  return { added: added.filter((file) => !renamed.some(([, to]) => to === file)), edited, deleted, renamed };
}

/** The compiled CLI the hooks run (test/run.mjs builds it from the sources under test). */
function bundleCli(): { cli: string; dispose(): void } {
  return { cli: path.join(PROJECT_ROOT, 'dist/bin/guard.js'), dispose: () => undefined };
}

interface Run {
  code: number;
  output: string;
}

/** A replay repository: main, a bare origin, guard's hooks installed. */
class ReplayRepo {
  readonly repo = new TempRepo('guard-replay-');
  readonly remote = mkdtempSync(path.join(tmpdir(), 'guard-replay-remote-'));
  private readonly env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' };

  constructor(private readonly cli: string) {
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', this.remote]);
    this.repo.git('remote', 'add', 'origin', this.remote);
    // What `npm install migration-guard` gives a project: guard in node_modules/.bin,
    // where the hooks that `guard init` installs look for it.
    mkdirSync(path.join(this.repo.root, 'node_modules/.bin'), { recursive: true });
    const shim = path.join(this.repo.root, 'node_modules/.bin/guard');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${this.cli}" "$@"\n`);
    chmodSync(shim, 0o755);
    writeFileSync(path.join(this.repo.root, '.gitignore'), 'node_modules/\n');
    // The server's hook, as the README tells an admin to install it.
    const receive = path.join(this.remote, 'hooks/pre-receive');
    writeFileSync(receive, `#!/bin/sh\nexec "${process.execPath}" "${this.cli}" hook pre-receive\n`);
    chmodSync(receive, 0o755);
  }

  guard(...args: string[]): Run {
    const result = spawnSync(process.execPath, [this.cli, ...args], { cwd: this.repo.root, encoding: 'utf8', env: this.env });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  }

  /** git with hooks active; what the user sees. */
  run(...args: string[]): Run {
    const result = spawnSync('git', args, { cwd: this.repo.root, encoding: 'utf8', env: this.env });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  }

  rev(ref: string): string {
    return this.repo.git('rev-parse', ref).trim();
  }

  remoteMain(): string {
    return execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: this.remote, encoding: 'utf8' }).trim();
  }

  /** Makes the migration dir hold exactly `files`, and records the release in VERSION (every release is a commit). */
  writeStep(history: History, blobs: string, step: History['steps'][number]): void {
    this.repo.remove(history.dir);
    mkdirSync(path.join(this.repo.root, history.dir), { recursive: true });
    for (const [file, blob] of Object.entries(step.files)) this.repo.write(path.join(history.dir, file), readFileSync(path.join(blobs, blob)));
    this.repo.write('VERSION', `${step.name}\n`);
  }

  dispose(): void {
    this.repo.dispose();
    rmSync(this.remote, { recursive: true, force: true });
  }
}

const ok = (run: Run, what: string) => assert.equal(run.code, 0, `${what} failed (exit ${run.code}):\n${run.output}`);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const project of Object.keys(EXPECTED)) {
  const history = JSON.parse(readFileSync(path.join(FIXTURES, project, 'history.json'), 'utf8')) as History;
  const blobs = path.join(FIXTURES, project, 'blobs');
  const expected = EXPECTED[project]!;
  const changes = history.steps.map((step, index) => (index === 0 ? null : diffSteps(history.steps[index - 1]!.files, step.files)));

  describe(`replay: ${project} (${history.source.package} ${history.source.versions}, ${history.source.license})`, () => {
    let cli: { cli: string; dispose(): void };
    let replay: ReplayRepo;
    let broken: string | undefined;
    const observed = { accepted: 0, refused: 0, amended: 0 };
    const migrationPath = (file: string) => `${history.dir}/${file}`;

    before(() => {
      cli = bundleCli();
      replay = new ReplayRepo(cli.cli);
    });
    after(() => {
      replay?.dispose();
      cli?.dispose();
    });

    it('the fixture holds the history it held when it was made', () => {
      const touching = changes.filter((change): change is Change => change !== null && change.edited.length + change.deleted.length + change.renamed.length > 0);
      const unchanged = changes.filter((change) => change !== null && change.added.length + change.edited.length + change.deleted.length + change.renamed.length === 0);
      const addOnly = changes.filter((change) => change !== null && change.added.length > 0 && change.edited.length + change.deleted.length + change.renamed.length === 0);
      assert.deepEqual(
        {
          releases: history.steps.length,
          unchanged: unchanged.length,
          addOnly: addOnly.length,
          touchReleased: touching.length,
          edited: touching.reduce((sum, change) => sum + change.edited.length, 0),
          deleted: touching.reduce((sum, change) => sum + change.deleted.length, 0),
          renamed: touching.reduce((sum, change) => sum + change.renamed.length, 0),
          finalMigrations: Object.keys(history.steps.at(-1)!.files).length,
        },
        expected,
      );
    });

    history.steps.forEach((step, index) => {
      const change = changes[index] ?? null;
      const sealedChanges = change ? [...change.edited, ...change.deleted, ...change.renamed.map(([from]) => from)] : [];
      const label =
        change === null
          ? `${step.name}: a new user adopts guard (config, guard lock, commit, push)`
          : sealedChanges.length > 0
            ? `${step.name}: ${[change.edited.length && `edits ${change.edited.join(', ')}`, change.deleted.length && `deletes ${change.deleted.join(', ')}`, change.renamed.length && `renames ${change.renamed.map(([a, b]) => `${a} -> ${b}`).join(', ')}`, change.added.length && `adds ${change.added.join(', ')}`].filter(Boolean).join('; ')} (released before): refused by pre-commit, pre-push and verify --base; then amended`
            : change.added.length > 0
              ? `${step.name}: adds ${change.added.join(', ')}: accepted by commit, push and verify --base`
              : `${step.name}: no migration changed: accepted by commit and push`;

      it(label, (t) => {
        if (broken) return t.skip(`an earlier step failed (${broken})`);
        broken = step.name;
        replay.writeStep(history, blobs, step);

        if (change === null) {
          // A new user's set-up: guard init finds the migrations, locks them, installs the hooks.
          const init = replay.guard('init');
          ok(init, 'guard init');
          assert.match(init.output, new RegExp(`created\\s+guard\\.config\\.yaml\\s+${escape(history.dir)} \\(sql`), init.output);
          ok(replay.run('add', '-A'), 'git add');
          ok(replay.run('commit', '-q', '-m', `release ${step.name}`), 'first commit');
          ok(replay.run('push', '-q', '-u', 'origin', 'main'), 'first push');
          ok(replay.guard('verify'), 'guard verify');
          observed.accepted++;
          broken = undefined;
          return;
        }

        const previousMain = replay.remoteMain();
        ok(replay.run('add', '-A'), 'git add');

        if (sealedChanges.length === 0) {
          ok(replay.run('commit', '-q', '-m', `release ${step.name}`), 'git commit (pre-commit hook)');
          assert.equal(replay.run('status', '--porcelain').output, '', 'the hook left nothing unstaged or uncommitted');
          const lockfile = replay.repo.git('show', 'HEAD:checksums.lock.yaml');
          for (const file of change.added) assert.match(lockfile, new RegExp(`file: ${escape(file)}, sha256: [0-9a-f]{64}`), `${file} locked in the commit`);
          ok(replay.run('push', '-q', 'origin', 'main'), 'git push (pre-push hook)');
          assert.equal(replay.remoteMain(), replay.rev('HEAD'));
          // The CI gate and a full lock agree with the hook (byte for byte);
          // a release that changed no migration needs only the hooks (time).
          if (change.added.length > 0) {
            ok(replay.guard('verify', '--base', 'origin/main~1'), 'guard verify --base origin/main~1');
            ok(replay.guard('lock', '--check'), 'guard lock --check');
          }
          observed.accepted++;
          broken = undefined;
          return;
        }

        // 1. The pre-commit hook refuses, naming every released migration touched.
        const commit = replay.run('commit', '-q', '-m', `release ${step.name}`);
        assert.notEqual(commit.code, 0, `pre-commit accepted ${sealedChanges.join(', ')}:\n${commit.output}`);
        // On main itself the protected ref is HEAD (README: Sealed migrations).
        for (const file of sealedChanges) assert.match(commit.output, new RegExp(`${escape(migrationPath(file))} is sealed in (HEAD|origin/main) by [0-9a-f]+`), commit.output);
        assert.equal(replay.rev('HEAD'), previousMain, 'no commit was made');

        // 2. Committed with --no-verify, the push is refused and origin/main does not move.
        ok(replay.run('commit', '-q', '--no-verify', '-m', `release ${step.name} (--no-verify)`), 'git commit --no-verify');
        const push = replay.run('push', '-q', 'origin', 'main');
        assert.notEqual(push.code, 0, `pre-push accepted ${sealedChanges.join(', ')}:\n${push.output}`);
        for (const file of sealedChanges) assert.match(push.output, new RegExp(`${escape(migrationPath(file))} is sealed in (HEAD|origin/main) by [0-9a-f]+`), push.output);
        assert.match(push.output, /guard refused the push/);
        assert.equal(replay.remoteMain(), previousMain, 'origin/main did not move');

        // 2b. Pushed past the client hook, the server's pre-receive refuses it.
        const forced = replay.run('push', '-q', '--no-verify', 'origin', 'main');
        assert.notEqual(forced.code, 0, `pre-receive accepted ${sealedChanges.join(', ')}:\n${forced.output}`);
        for (const file of sealedChanges) assert.match(forced.output, new RegExp(`remote: .*${escape(migrationPath(file))} is sealed in refs/heads/main`), forced.output);
        assert.equal(replay.remoteMain(), previousMain, 'origin/main did not move');

        // 3. The CI gate refuses it too.
        const gate = replay.guard('verify', '--base', 'origin/main');
        assert.equal(gate.code, 1, `verify --base accepted ${sealedChanges.join(', ')}:\n${gate.output}`);
        for (const file of sealedChanges) assert.match(gate.output, new RegExp(escape(migrationPath(file))), gate.output);
        observed.refused++;

        // 4. The way forward: the upstream change is real, so record it with guard amend and commit with the hook.
        // Every sealed file the release changed, amended in one run.
        replay.repo.git('reset', '-q', '--soft', 'HEAD~1');
        const amend = replay.guard('amend', ...sealedChanges.map(migrationPath), '--reason', `upstream ${history.source.package} ${step.name} changed these released migrations`);
        ok(amend, `guard amend ${sealedChanges.join(' ')}`);
        for (const file of sealedChanges) assert.match(amend.output, new RegExp(`recorded the amendment of ${escape(migrationPath(file))}`));
        ok(replay.run('add', '-A'), 'git add');
        ok(replay.run('commit', '-q', '-m', `release ${step.name} (amended)`), 'git commit after guard amend');
        const lockfile = replay.repo.git('show', 'HEAD:checksums.lock.yaml');
        for (const file of sealedChanges) assert.match(lockfile, new RegExp(`- \\{file: ${escape(migrationPath(file))}, from: "sha256:`), `amendment of ${file} committed`);
        for (const file of change.added) assert.match(lockfile, new RegExp(`file: ${escape(file)}, sha256: [0-9a-f]{64}`), `${file} locked in the commit`);
        ok(replay.run('push', '-q', 'origin', 'main'), 'git push after guard amend');
        assert.equal(replay.remoteMain(), replay.rev('HEAD'));
        ok(replay.guard('verify', '--base', 'origin/main~1'), 'guard verify --base origin/main~1 after guard amend');
        ok(replay.guard('lock', '--check'), 'guard lock --check');
        observed.amended++;
        broken = undefined;
      });
    });

    it('every release was accepted or refused as its change demands', (t) => {
      if (broken) return t.skip(`step ${broken} failed`);
      const refusedSteps = changes.filter((change) => change !== null && change.edited.length + change.deleted.length + change.renamed.length > 0).length;
      assert.deepEqual(observed, { accepted: history.steps.length - refusedSteps, refused: expected.touchReleased, amended: expected.touchReleased });
      const lockfile = replay.repo.git('show', 'origin/main:checksums.lock.yaml');
      assert.equal(lockfile.split('\n').filter((line) => /^ {6}- \{id: /.test(line)).length, expected.finalMigrations);
      assert.equal(lockfile.split('\n').filter((line) => /^ {2}- \{file: /.test(line)).length, expected.edited + expected.deleted + expected.renamed);
    });
  });
}
