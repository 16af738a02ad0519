// The compiled CLI, run as a deploy pipeline runs it (test/run.mjs builds
// dist/ before any test), and a one-off query for checking what it did.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './git-repo.js';

export const GUARD = path.join(PROJECT_ROOT, 'dist/bin/guard.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/bin/guard.js ARGS...` in `cwd` with exactly `env`. */
export function runGuard(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]): Run {
  const result = spawnSync(process.execPath, [GUARD, ...args], { cwd, encoding: 'utf8', env });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The rows of `sql` run on its own connection to `url`. */
export async function queryRows(url: string, sql: string): Promise<any[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
