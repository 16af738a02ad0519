import path from 'node:path';
import { PROJECT_ROOT } from './git-repo.js';

/** A `meta/_journal.json` as drizzle-kit 0.31 writes it (JSON.stringify(journal, null, 2)), for tests that build a Drizzle folder. */
export function journal(entries: ReadonlyArray<{ tag: string; when: number }>): string {
  return JSON.stringify(
    { version: '7', dialect: 'postgresql', entries: entries.map((entry, idx) => ({ idx, version: '7', when: entry.when, tag: entry.tag, breakpoints: true })) },
    null,
    2,
  );
}

/**
 * A project's migration script running the real drizzle-orm migrator
 * (node-postgres) on `DATABASE_URL` over the folder `out`, importing from
 * this checkout's node_modules (ESM imports ignore NODE_PATH).
 */
export function drizzleMigrateScript(out: string): string {
  const modules = path.join(PROJECT_ROOT, 'node_modules');
  return `import pg from ${JSON.stringify(path.join(modules, 'pg', 'lib', 'index.js'))};
const { drizzle } = await import(${JSON.stringify(path.join(modules, 'drizzle-orm', 'node-postgres', 'index.js'))});
const { migrate } = await import(${JSON.stringify(path.join(modules, 'drizzle-orm', 'node-postgres', 'migrator.js'))});
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
try {
  await migrate(drizzle(client), { migrationsFolder: './${out}' });
} finally {
  await client.end();
}
`;
}
