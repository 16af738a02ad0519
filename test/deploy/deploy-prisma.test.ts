// guard deploy through `prisma migrate deploy`'s way of writing
// _prisma_migrations (test/helpers/prisma-migrate-deploy.mjs: the real CLI
// downloads its schema engine from binaries.prisma.sh, which this machine
// cannot reach), on a real PostgreSQL: the deploy recorded, then step 4 at
// the next deploy reading Prisma's table.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const MIGRATE_DEPLOY = [process.execPath, path.join(PROJECT_ROOT, 'test/helpers/prisma-migrate-deploy.mjs'), 'prisma/migrations'];
const DIR = 'prisma/migrations';

describe("guard deploy with Prisma's _prisma_migrations on a real PostgreSQL", () => {
  let repo: TempRepo;
  let staging: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (...extra: string[]) => guard('deploy', 'staging', ...extra, '--', ...MIGRATE_DEPLOY);
  const query = (sql: string) => queryRows(staging.url, sql);

  before(async () => {
    staging = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: staging.url };
    repo = new TempRepo();
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${DIR}\n    tool: prisma\nenvironments:\n  - name: local\n  - name: staging\n    database: $STAGING_DATABASE_URL\n`);
    repo.write(`${DIR}/migration_lock.toml`, 'provider = "postgresql"\n');
    repo.write(`${DIR}/20240101000000_init/migration.sql`, '-- CreateTable\nCREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n');
    repo.write(`${DIR}/20240201000000_name/migration.sql`, 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('migrations');
  });
  after(async () => {
    repo?.dispose();
    await staging?.drop();
  });

  it('deploys and records; the next deploy reads _prisma_migrations and has nothing to do', async () => {
    const first = deploy();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual((await query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY started_at')).map((row) => row.migration_name), ['20240101000000_init', '20240201000000_name']);
    const again = deploy();
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /applied-edited|unrecorded|disagrees/);
    const status = guard('status', 'staging');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout + status.stderr, /20240201000000_name/);
  });

  it('a migration applied by hand with other content is named from Prisma\'s checksum', async () => {
    repo.write(`${DIR}/20240301000000_email/migration.sql`, 'ALTER TABLE "User" ADD COLUMN "email" TEXT;\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('email');
    // Someone ran another script under that name, as `prisma migrate resolve --applied` would after a hand fix.
    await query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('00000000-0000-4000-8000-000000000001', encode(sha256('ALTER TABLE "User" ADD COLUMN "mail" TEXT;\n'::bytea), 'hex'), '20240301000000_email', now(), 1)`);
    const result = deploy();
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /prisma\/migrations\/20240301000000_email\/migration\.sql is not what staging ran: _prisma_migrations records sha256/);
    await query(`DELETE FROM "_prisma_migrations" WHERE migration_name = '20240301000000_email'`);
    assert.equal(deploy().code, 0);
  });

  it('a failed migration: the deploy fails, and the next one is refused with prisma migrate resolve', async () => {
    repo.write(`${DIR}/20240401000000_broken/migration.sql`, 'ALTER TABLE "Nope" ADD COLUMN "x" INT;\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('broken');
    const failed = deploy();
    assert.notEqual(failed.code, 0, failed.stderr);
    const next = deploy();
    assert.equal(next.code, 1, next.stderr);
    assert.match(next.stderr, /20240401000000_broken\/migration\.sql started in staging .* and failed \(Database error code: 42P01\)/);
    assert.match(next.stderr, /prisma migrate resolve --rolled-back 20240401000000_broken/);
  });
});
