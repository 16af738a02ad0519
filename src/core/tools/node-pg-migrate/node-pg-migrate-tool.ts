import type { MigrationTool } from '../../migrations/migration-tool.js';
import { pgmAdapter, runsAsPgmMigration } from './pgm-adapter.js';
import { detectPgmSets } from './pgm-layout.js';
import { recognisePgmFolder } from './pgm-recognise.js';
import { PGM_MIGRATIONS_TABLE } from './pgm-table.js';

/** node-pg-migrate: every file of its folder a migration, ordered by numeric prefix, recorded by name in `public.pgmigrations`. */
export const nodePgMigrateTool: MigrationTool = {
  name: 'node-pg-migrate',
  adapter: pgmAdapter,
  runner: 'node-pg-migrate',
  aMigration: 'a node-pg-migrate migration',
  setsLabel: 'node-pg-migrate',
  runsAsMigration: (path) => runsAsPgmMigration(path),
  // node-pg-migrate refuses a migration that sorts before applied ones unless run with --no-check-order: `outOfOrder: allow` says the project does.
  setKeys: ['outOfOrder'],
  whyNot: {
    naming: 'node-pg-migrate names every migration <numeric prefix>_<name>',
    versions: "node-pg-migrate reads a 17-digit prefix as a UTC date and any other as a number, whatever the set says",
  },
  appliedTable: PGM_MIGRATIONS_TABLE,
  detectLayout: (repository) => detectPgmSets(repository),
  recogniseFolder: (dir, names, contentOf) => recognisePgmFolder(dir, names, contentOf),
};
