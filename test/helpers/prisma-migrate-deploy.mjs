// A stand-in for `prisma migrate deploy`, which cannot run on this machine
// (Prisma 7's CLI downloads its schema-engine binary from binaries.prisma.sh).
// It writes `_prisma_migrations` exactly as prisma-engines does:
// - the table as sql-schema-connector's PostgreSQL flavour creates it;
// - apply_migrations.rs: refuse while a row has neither finished_at nor
//   rolled_back_at (P3009); apply, in folder order (localeCompare, as the
//   CLI's listMigrations sorts them), every folder without a row that is not
//   rolled back; per migration: insert the row (random UUID, checksum =
//   SHA-256 hex of migration.sql as read, started_at now()), run the script,
//   then applied_steps_count + 1 and finished_at = now(); on an error, logs.
// Usage: node prisma-migrate-deploy.mjs <migrations dir>; DATABASE_URL from guard deploy.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const dir = process.argv[2];
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`);
const rows = (await client.query('SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at')).rows;
const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
if (failed.length > 0) {
  console.error(`Error: P3009\n\nmigrate found failed migrations in the target database: ${failed.map((row) => row.migration_name).join(', ')}`);
  process.exit(1);
}
const folders = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort((a, b) => a.localeCompare(b));
for (const name of folders) {
  if (rows.some((row) => row.migration_name === name && row.rolled_back_at === null)) continue;
  const script = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
  const id = randomUUID();
  await client.query('INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name") VALUES ($1, $2, $3)', [id, createHash('sha256').update(script).digest('hex'), name]);
  try {
    await client.query(script);
  } catch (error) {
    await client.query('UPDATE "_prisma_migrations" SET "logs" = $2 WHERE "id" = $1', [id, `Database error code: ${error.code}\n\n${error.message}`]);
    console.error(`Error: P3018\n\nA migration failed to apply. Migration name: ${name}`);
    process.exit(1);
  }
  await client.query('UPDATE "_prisma_migrations" SET "applied_steps_count" = "applied_steps_count" + 1 WHERE "id" = $1', [id]);
  await client.query('UPDATE "_prisma_migrations" SET "finished_at" = now() WHERE "id" = $1', [id]);
  console.log(`Applying migration \`${name}\``);
}
await client.end();
