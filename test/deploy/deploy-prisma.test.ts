// guard deploy through the real `prisma migrate deploy` (devDependencies
// prisma 6.19.3 and @prisma/adapter-pg), on a real PostgreSQL. Prisma's CLI
// downloads its native schema engine on first use, which this machine cannot
// do; with a driver adapter in prisma.config.ts (`engine: 'js'`) it runs the
// WebAssembly schema engine the prisma package ships, and with
// `engineType = "client"` in the schema it needs no native query engine
// either: nothing beyond npm. The real `prisma migrate diff` writes the
// migrations' SQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const MODULES = path.join(PROJECT_ROOT, 'node_modules');
const PRISMA = [process.execPath, path.join(MODULES, 'prisma', 'build', 'index.js')];
const DIR = 'prisma/migrations';
/** The project's prisma.config.ts, importing from this checkout (ESM imports ignore NODE_PATH). */
const PRISMA_CONFIG = `import { defineConfig } from ${JSON.stringify(path.join(MODULES, 'prisma', 'config.js'))};
import { PrismaPg } from ${JSON.stringify(path.join(MODULES, '@prisma', 'adapter-pg', 'dist', 'index.mjs'))};

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: '${DIR}' },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
`;
const schema = (models: string) => `generator client {
  provider   = "prisma-client-js"
  engineType = "client"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
${models}`;
const USER = 'model User {\n  id Int @id @default(autoincrement())\n}\n';
const USER_NAME = 'model User {\n  id   Int     @id @default(autoincrement())\n  name String?\n}\n';

describe('guard deploy with the real prisma migrate deploy on a real PostgreSQL', () => {
  let repo: TempRepo;
  let staging: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (...extra: string[]) => guard('deploy', 'staging', ...extra, '--', ...PRISMA, 'migrate', 'deploy');
  const query = (sql: string) => queryRows(staging.url, sql);
  /** `prisma migrate diff --script` from one schema to the next: the SQL Prisma writes for a migration. */
  const diff = (from: string, to: string): string => {
    repo.write('prisma/from.prisma', schema(from));
    repo.write('prisma/schema.prisma', schema(to));
    const fromArgs = from === '' ? ['--from-empty'] : ['--from-schema-datamodel', 'prisma/from.prisma'];
    const result = spawnSync(PRISMA[0]!, [PRISMA[1]!, 'migrate', 'diff', ...fromArgs, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: staging.url } });
    repo.remove('prisma/from.prisma');
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const sha256 = (file: string) => createHash('sha256').update(repo.read(file)).digest('hex');

  before(async () => {
    staging = await testDatabase();
    // CHECKPOINT_DISABLE: no version check against Prisma's servers.
    env = { ...process.env, NO_COLOR: '1', CHECKPOINT_DISABLE: '1', STAGING_DATABASE_URL: staging.url };
    repo = new TempRepo();
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${DIR}\n    tool: prisma\nenvironments:\n  - name: local\n  - name: staging\n    database: $STAGING_DATABASE_URL\n`);
    repo.write('prisma.config.ts', PRISMA_CONFIG);
    repo.write(`${DIR}/migration_lock.toml`, 'provider = "postgresql"\n');
    repo.write(`${DIR}/20240101000000_init/migration.sql`, diff('', USER));
    repo.write(`${DIR}/20240201000000_name/migration.sql`, diff(USER, USER_NAME));
    assert.match(repo.read(`${DIR}/20240201000000_name/migration.sql`), /ALTER TABLE "User" ADD COLUMN\s+"name" TEXT/);
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
    assert.match(first.stdout + first.stderr, /All migrations have been successfully applied/);
    const rows = await query('SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY started_at');
    assert.deepEqual(rows, ['20240101000000_init', '20240201000000_name'].map((name) => ({
      migration_name: name, checksum: sha256(`${DIR}/${name}/migration.sql`), logs: null, rolled_back_at: null, applied_steps_count: 1,
    })));
    // The columns guard reads (src/core/tools/prisma/prisma-migrations-table.ts), as Prisma created them.
    const columns = await query(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '_prisma_migrations' AND column_name IN ('migration_name', 'checksum', 'started_at', 'finished_at', 'rolled_back_at', 'logs') ORDER BY column_name`);
    assert.deepEqual(columns, [
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
    ]);
    const again = deploy();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /No pending migrations to apply/);
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
    const redeploy = deploy();
    assert.equal(redeploy.code, 0, redeploy.stderr);
    assert.deepEqual(await query(`SELECT checksum FROM "_prisma_migrations" WHERE migration_name = '20240301000000_email'`), [{ checksum: sha256(`${DIR}/20240301000000_email/migration.sql`) }]);
  });

  it('a failed migration: the deploy fails, and the next one is refused with prisma migrate resolve', async () => {
    repo.write(`${DIR}/20240401000000_broken/migration.sql`, 'ALTER TABLE "Nope" ADD COLUMN "x" INT;\n');
    assert.equal(guard('lock').code, 0);
    repo.commitAll('broken');
    const failed = deploy();
    assert.notEqual(failed.code, 0, failed.stderr);
    const [row] = await query(`SELECT finished_at, rolled_back_at, logs FROM "_prisma_migrations" WHERE migration_name = '20240401000000_broken'`);
    assert.equal(row.finished_at, null);
    assert.equal(row.rolled_back_at, null);
    assert.match(row.logs, /^external connector error\nNo such table: Nope\n/);
    const next = deploy();
    assert.equal(next.code, 1, next.stderr);
    assert.match(next.stderr, /20240401000000_broken\/migration\.sql started in staging .* and failed \(external connector error: No such table: Nope\)/);
    assert.match(next.stderr, /prisma migrate resolve --rolled-back 20240401000000_broken/);
  });

  it('once resolved as rolled back, the next deploy lets Prisma run the migration again', async () => {
    // What `prisma migrate resolve --rolled-back` writes (it needs the native engine, which this machine cannot fetch).
    await query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '20240401000000_broken' AND finished_at IS NULL`);
    await query('CREATE TABLE "Nope" ("id" INT)');
    const result = deploy();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await query(`SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" WHERE migration_name = '20240401000000_broken' ORDER BY started_at`), [
      { finished: false, rolled_back: true },
      { finished: true, rolled_back: false },
    ]);
    const status = guard('status', 'staging');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout + status.stderr, /20240401000000_broken/);
  });
});
