import type { MigrationTool } from '../../migrations/migration-tool.js';
import { isPrismaMigrationFile, PRISMA_LOCK_FILE, prismaAdapter } from './prisma-adapter.js';
import { detectPrismaSets } from './prisma-layout.js';
import { PRISMA_MIGRATIONS_TABLE } from './prisma-migrations-table.js';

/** Prisma Migrate: `<timestamp>_<name>/migration.sql` folders ordered by name, recorded in `_prisma_migrations`. */
export const prismaTool: MigrationTool = {
  name: 'prisma',
  adapter: prismaAdapter,
  runner: 'Prisma',
  aMigration: 'a Prisma migration',
  setsLabel: 'Prisma',
  runsAsMigration: (path) => isPrismaMigrationFile(path),
  // Its provider decides whether Prisma runs the history at all (P3019).
  controlFiles: [PRISMA_LOCK_FILE],
  setKeys: ['outOfOrder'],
  whyNot: {
    naming: 'Prisma names every migration folder <timestamp>_<name>',
    versions: 'Prisma orders migration folders by name, not by a version number',
    cosmetic: 'Prisma keeps a checksum of every migration.sql it applied and reports an edited one',
  },
  appliedTable: PRISMA_MIGRATIONS_TABLE,
  detectLayout: (repository) => detectPrismaSets(repository),
};
