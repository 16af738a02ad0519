import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A test must never see the git variables of a hook it happens to run in.
for (const key of Object.keys(process.env)) if (key.startsWith('GIT_')) delete process.env[key];

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');
/** tsx resolved from this project, so the CLI runs from source in any cwd. */
const TSX = import.meta.resolve('tsx');

/** A real, temporary git repository; removed by `dispose()`. */
export class TempRepo {
  readonly root: string;

  constructor(prefix = 'guard-test-') {
    this.root = mkdtempSync(path.join(tmpdir(), prefix));
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', 'Test User');
    this.git('config', 'user.email', 'test@example.com');
    this.git('config', 'commit.gpgsign', 'false');
    this.git('config', 'core.autocrlf', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  write(file: string, content: string | Uint8Array): void {
    const full = path.join(this.root, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  read(file: string): string {
    return readFileSync(path.join(this.root, file), 'utf8');
  }

  remove(file: string): void {
    rmSync(path.join(this.root, file), { force: true, recursive: true });
  }

  commitAll(message = 'change'): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--no-verify', '-m', message);
  }

  /** Runs the real CLI in this repository. */
  guard(...args: string[]): GuardRun {
    return runGuard(this.root, ...args);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface GuardRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (from source, through tsx) in `cwd` and returns what a
 * user sees, outside CI whatever runs the tests (`CI` decides whether the
 * CI gate uses guard's cache).
 */
export function runGuard(cwd: string, ...args: string[]): GuardRun {
  return runGuardWithEnv(cwd, {}, ...args);
}

/** runGuard with these environment variables added or replaced. */
export function runGuardWithEnv(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): GuardRun {
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', CI: '', ...env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A minimal Alembic revision file. */
export function alembicRevision(revision: string, downRevision: string | string[] | null, extra = ''): string {
  const down = downRevision === null ? 'None' : Array.isArray(downRevision) ? `(${downRevision.map((id) => `'${id}'`).join(', ')})` : `'${downRevision}'`;
  return `"""revision ${revision}

Revision ID: ${revision}
Revises: ${Array.isArray(downRevision) ? downRevision.join(', ') : (downRevision ?? '')}
"""
from alembic import op
import sqlalchemy as sa

revision = '${revision}'
down_revision = ${down}
branch_labels = None
depends_on = None
${extra}

def upgrade():
    op.execute("SELECT 1")


def downgrade():
    pass
`;
}

/**
 * A repository on branch `feature` whose bare remote's main holds two locked,
 * hence sealed, SQL migrations (db/migrations/010_users.sql, 020_orders.sql),
 * with origin/HEAD set as `git clone` sets it. `sealed` replaces the config and
 * the files main seals; `branchConfig`, committed on `feature`, the config there.
 */
export function withSealedRemote(sealed?: { config: string; files: Record<string, string>; branchConfig?: string }): { repo: TempRepo; remote: string; dispose(): void } {
  const remote = mkdtempSync(path.join(tmpdir(), 'guard-remote-'));
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const repo = new TempRepo();
  const config = sealed?.config ?? 'migrations:\n  - dir: db/migrations\n    tool: sql\n';
  repo.write('guard.config.yaml', config);
  const files = sealed?.files ?? { 'db/migrations/010_users.sql': 'CREATE TABLE users (id int);\n', 'db/migrations/020_orders.sql': 'CREATE TABLE orders (id int);\n' };
  for (const [file, content] of Object.entries(files)) repo.write(file, content);
  const lock = repo.guard('lock');
  assert.equal(lock.code, 0, lock.stdout + lock.stderr);
  repo.commitAll('initial migrations');
  repo.git('remote', 'add', 'origin', remote);
  repo.git('push', '-q', '-u', 'origin', 'main');
  repo.git('remote', 'set-head', 'origin', 'main');
  repo.git('checkout', '-q', '-b', 'feature');
  if (sealed?.branchConfig !== undefined && sealed.branchConfig !== config) {
    repo.write('guard.config.yaml', sealed.branchConfig);
    repo.commitAll('config');
  }
  return {
    repo,
    remote,
    dispose() {
      repo.dispose();
      rmSync(remote, { recursive: true, force: true });
    },
  };
}

/**
 * What a developer without guard's refusal ends up with (no hooks, a clone
 * that never fetched main): the lockfile relocked over a sealed edit. For a
 * repository made by withSealedRemote.
 */
export function lockWithoutSealedState(repo: TempRepo): void {
  repo.git('symbolic-ref', '--delete', 'refs/remotes/origin/HEAD');
  repo.git('update-ref', '-d', 'refs/remotes/origin/main');
  try {
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
  } finally {
    repo.git('fetch', '-q', 'origin', 'main:refs/remotes/origin/main');
    repo.git('remote', 'set-head', 'origin', 'main');
  }
}

/** A commit, past every hook, that edits the sealed db/migrations/010_users.sql and relocks it (withSealedRemote). */
export function commitSealedEditPastHooks(repo: TempRepo, subject = 'sneaky edit'): void {
  repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
  lockWithoutSealedState(repo);
  repo.git('add', '-A');
  repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qm', subject, '--no-verify');
}
