import type { MigrationTool } from '../../migrations/migration-tool.js';
import { drizzleAdapter } from './drizzle-adapter.js';
import { DRIZZLE_JOURNAL } from './drizzle-journal.js';
import { detectDrizzleSets } from './drizzle-layout.js';
import { DRIZZLE_MIGRATIONS_TABLE } from './drizzle-table.js';

/** Drizzle Kit: `<tag>.sql` files run in the order of `meta/_journal.json`, recorded in `drizzle.__drizzle_migrations`. */
export const drizzleTool: MigrationTool = {
  name: 'drizzle',
  adapter: drizzleAdapter,
  runner: 'Drizzle',
  aMigration: 'a Drizzle migration',
  setsLabel: 'Drizzle',
  // A `.sql` file the journal does not list never runs; an excluded one it lists is reported as missing.
  runsAsMigration: () => false,
  controlFiles: [DRIZZLE_JOURNAL],
  setKeys: [],
  whyNot: {
    outOfOrder: "drizzle-orm's migrator never applies out of order: it skips an entry whose `when` is not after the newest one it recorded",
    cosmetic: 'drizzle-orm records a hash of every migration it applied',
  },
  appliedTable: DRIZZLE_MIGRATIONS_TABLE,
  detectLayout: (repository) => detectDrizzleSets(repository),
};
