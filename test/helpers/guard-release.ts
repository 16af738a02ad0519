// guard as a hook manager installs it: from a git repository of guard (a
// clone of this checkout's HEAD) and a release tag made by
// scripts/release-commit.mjs, and the real pre-commit framework (PyPI).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './git-repo.js';

/** The version in package.json; a release tag is `v<version>`. */
export const GUARD_VERSION: string = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
export const RELEASE_TAG = `v${GUARD_VERSION}`;

/** An environment without the git variables of a surrounding hook. */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
  return { ...env, ...extra };
}

export interface GuardSourceRepository {
  /** A local path git, npm and pre-commit accept as a repository URL. */
  dir: string;
  /** `file://` URL of it, for npm's `git+file://`. */
  url: string;
  dispose(): void;
}

/**
 * A clone of this checkout's HEAD, as guard's public repository would be,
 * with the release tag made by scripts/release-commit.mjs from the dist/
 * this test run built (test/run.mjs builds before any test runs).
 */
export function guardSourceRepository(options: { release?: boolean } = {}): GuardSourceRepository {
  const dir = mkdtempSync(path.join(tmpdir(), 'guard-source-'));
  const env = cleanEnvironment();
  execFileSync('git', ['clone', '-q', '--no-hardlinks', PROJECT_ROOT, dir], { env, stdio: 'ignore' });
  if (options.release ?? true) {
    cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    const release = spawnSync(process.execPath, [path.join(dir, 'scripts/release-commit.mjs'), RELEASE_TAG, '--no-build'], { cwd: dir, env, encoding: 'utf8' });
    if (release.status !== 0) throw new Error(`release-commit.mjs failed (${release.status}):\n${release.stdout}${release.stderr}`);
    rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  }
  return { dir, url: `git+file://${dir}`, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

let preCommit: { command: string } | string | undefined;

/**
 * The pre-commit framework's command, or a skip message when it is not
 * installed (.ci/run installs it from PyPI).
 */
export function preCommitFramework(): { command: string } | string {
  if (preCommit === undefined) {
    const probe = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
    preCommit =
      probe.status === 0
        ? { command: 'pre-commit' }
        : 'SKIPPED: the pre-commit framework is not installed (pip install pre-commit, or apt-get install pre-commit; .ci/run does this)';
  }
  return preCommit;
}
