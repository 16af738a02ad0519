import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, type TempRepo } from './git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');
/** What `npm install migration-guard` puts in a project, running guard from this checkout's source. */
const SHIM = `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" "$@"\n`;

/** `node_modules/.bin/guard` in `root` (ignored by git), as the hooks guard init writes look for it. */
export function installShim(root: string): void {
  mkdirSync(path.join(root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules/.bin/guard'), SHIM);
  chmodSync(path.join(root, 'node_modules/.bin/guard'), 0o755);
  writeFileSync(path.join(root, '.gitignore'), 'node_modules/\n');
}

/** A fresh bare remote whose pre-receive hook runs guard, as the README tells a server admin to install it. */
export function bareRemoteWithPreReceive(): string {
  const remote = mkdtempSync(path.join(tmpdir(), 'guard-server-'));
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  writeFileSync(path.join(remote, 'hooks/pre-receive'), `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-receive\n`);
  chmodSync(path.join(remote, 'hooks/pre-receive'), 0o755);
  return remote;
}

/** A git command as a user types it, hooks and all. */
export function gitAsUser(repo: TempRepo, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
