import { fileNamedDeployScenario } from '../helpers/file-named-deploy.js';

// Kysely has no CLI and no generator: the project names its migration files
// and runs its own script, which calls the real Migrator (kysely/migration,
// devDependency) with a FileMigrationProvider and exits non-zero on `error`.
const DIR = 'db/migrations';
const MIGRATE = `import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';

const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) }) });
const migrator = new Migrator({
  db,
  provider: new FileMigrationProvider({ fs, path, migrationFolder: path.join(import.meta.dirname, 'migrations') }),
});
const { error, results } = await migrator.migrateToLatest();
for (const result of results ?? []) console.log(\`\${result.status} \${result.migrationName}\`);
await db.destroy();
if (error) {
  console.error(error);
  process.exitCode = 1;
}
`;
const migration = (sql: string) => `import { sql } from 'kysely';\n\nexport async function up(db) {\n  await sql.raw(${JSON.stringify(sql)}).execute(db);\n}\n\nexport async function down(db) {}\n`;
let count = 0;

fileNamedDeployScenario({
  title: 'Kysely',
  tool: 'kysely',
  dir: DIR,
  packages: ['kysely', 'pg'],
  files: { 'db/migrate.mjs': MIGRATE },
  deploy: [process.execPath, 'db/migrate.mjs'],
  write({ repo }, name, sql) {
    const file = `${DIR}/${String(++count).padStart(3, '0')}_${name}.mjs`;
    repo.write(file, migration(sql));
    return file;
  },
  early: { name: '000_early.mjs', text: migration('SELECT 1') },
  idOf: (file) => file.slice(0, file.lastIndexOf('.')),
  appliedSql: 'SELECT name FROM kysely_migration ORDER BY timestamp, name',
  keepsEarlierOnFailure: false,
});
