// git and the compiled guard run as a user runs them, in any directory
// (clones, bare remotes), with guard's hooks installed as real git hooks.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GUARD } from './compiled-guard.js';

export interface Run {
  code: number;
  /** stdout then stderr. */
  output: string;
}

function run(cwd: string, command: string, args: string[]): Run {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** git in `cwd`, whatever its exit code. */
export const git = (cwd: string, ...args: string[]): Run => run(cwd, 'git', args);
/** The compiled guard in `cwd`. */
export const guard = (cwd: string, ...args: string[]): Run => run(cwd, process.execPath, [GUARD, ...args]);
/** git in `cwd`, throwing when it fails; its stdout. */
export const gitOk = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Writes `file` under `root`, creating its folders. */
export function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

/** A hook script at `file` that runs the compiled guard with `command`. */
export function hook(file: string, command: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${GUARD}" ${command}\n`);
  chmodSync(file, 0o755);
}

/** The identity to commit with, and no signing. */
export function identity(root: string): void {
  gitOk(root, 'config', 'user.name', 'Test User');
  gitOk(root, 'config', 'user.email', 'test@example.com');
  gitOk(root, 'config', 'commit.gpgsign', 'false');
}
