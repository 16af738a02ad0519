// Drizzle (like Prisma) records a hash of the file's bytes as the deploying
// checkout has them; guard's lockfile checksum reads CRLF as LF. A deploy
// from a CRLF checkout (core.autocrlf=true) ran the commit's content all
// the same: the next deploy must not call it an edit, while other content
// under the same migration still is one (README, "Drizzle").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { drizzleMigrateScript, journal } from '../helpers/drizzle-journal.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const OUT = 'drizzle';
const USERS = 'CREATE TABLE "users" (\n  "id" integer\n);\n';

describe("a deploy from a CRLF checkout: the tool's hash of the same content is no edit", () => {
  let repo: TempRepo;
  let staging: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (...extra: string[]) => guard('deploy', 'staging', ...extra, '--', process.execPath, 'migrate.mjs');
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  before(async () => {
    staging = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: staging.url };
    repo = new TempRepo();
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${OUT}\n    tool: drizzle\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n`);
    repo.write('migrate.mjs', drizzleMigrateScript(OUT));
    repo.write(`${OUT}/0000_users.sql`, USERS);
    repo.write(`${OUT}/meta/_journal.json`, journal([{ tag: '0000_users', when: 1765100000000 }]));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('users');
    // A Windows-style checkout: the work tree gets CRLF, git still holds LF.
    repo.git('config', 'core.autocrlf', 'true');
    rmSync(path.join(repo.root, OUT, '0000_users.sql'));
    repo.git('checkout', '--', OUT);
    assert.match(readFileSync(path.join(repo.root, OUT, '0000_users.sql'), 'utf8'), /\r\n/);
  });
  after(async () => {
    repo?.dispose();
    await staging?.drop();
  });

  it('drizzle records the CRLF bytes, and the next deploy and status accept them', async () => {
    const first = deploy();
    assert.equal(first.code, 0, first.stderr);
    const [row] = await queryRows(staging.url, 'SELECT hash FROM drizzle.__drizzle_migrations');
    assert.equal(row.hash, sha(USERS.replace(/\n/g, '\r\n')));
    const next = deploy('--check');
    assert.equal(next.code, 0, next.stderr);
    assert.doesNotMatch(next.stderr, /is not what staging ran/);
    const status = guard('status');
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout + status.stderr, /is not what staging ran/);
  });

  it('other content recorded under that migration is still named', async () => {
    await queryRows(staging.url, `UPDATE drizzle.__drizzle_migrations SET hash = '${sha('CREATE TABLE "users" ("id" bigint);\r\n')}'`);
    const next = deploy('--check');
    assert.equal(next.code, 1, next.stderr);
    assert.match(next.stderr, /drizzle\/0000_users\.sql is not what staging ran: drizzle\.__drizzle_migrations records sha256/);
  });
});
