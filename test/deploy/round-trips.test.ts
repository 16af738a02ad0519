import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const GUARD = path.join(PROJECT_ROOT, 'dist/bin/guard.js');

/**
 * SPEC: `guard deploy --check` and `guard status` make a constant number of
 * database round trips, whatever the number of migrations. Counted by the
 * server itself: every statement outside a transaction is one committed
 * transaction in pg_stat_database.
 */
describe('round trips do not grow with the number of migrations', () => {
  const databases: TestDatabase[] = [];
  const repos: TempRepo[] = [];
  after(async () => {
    for (const repo of repos) repo.dispose();
    for (const database of databases) await database.drop();
  });

  async function transactions(url: string, name: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Stats reach the shared view when a session ends; guard's sessions have ended.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.query('SELECT pg_stat_clear_snapshot()');
      return Number((await client.query('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [name])).rows[0].n);
    } finally {
      await client.end();
    }
  }

  async function measure(migrations: number): Promise<{ status: number; check: number }> {
    const database = await testDatabase();
    databases.push(database);
    const repo = new TempRepo();
    repos.push(repo);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n');
    for (let i = 1; i <= migrations; i++) repo.write(`db/migrations/${String(i).padStart(4, '0')}_step.sql`, `SELECT ${i};\n`);
    const env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: database.url };
    const guard = (...args: string[]) => {
      const result = spawnSync(process.execPath, [GUARD, ...args], { cwd: repo.root, encoding: 'utf8', env });
      assert.equal(result.status, 0, `${args.join(' ')}:\n${result.stderr}`);
    };
    guard('lock');
    repo.commitAll('migrations');
    guard('deploy', 'staging', '--', 'true');
    const maintenance = database.url; // the same server; the counter is per database
    const before = await transactions(maintenance, database.name);
    guard('status', 'staging');
    const afterStatus = await transactions(maintenance, database.name);
    guard('deploy', 'staging', '--check');
    const afterCheck = await transactions(maintenance, database.name);
    // The measuring sessions themselves add the same count to every sample.
    return { status: afterStatus - before, check: afterCheck - afterStatus };
  }

  it('guard status and guard deploy --check: the same count for 5 and 500 migrations', async () => {
    const small = await measure(5);
    const large = await measure(500);
    console.log(`# statements: ${JSON.stringify(small)} for 5 migrations, ${JSON.stringify(large)} for 500`);
    assert.deepEqual(large, small);
    assert.ok(small.status > 0 && small.check > 0, `the counter moved: ${JSON.stringify(small)}`);
    assert.ok(small.status < 20 && small.check < 30, `a handful of statements, not one per migration: ${JSON.stringify(small)}`);
  });
});
