import type { MigrationTool } from '../../migrations/migration-tool.js';
import { flywayAdapter, isFlywayMigrationName } from './flyway-adapter.js';
import { FLYWAY_SCHEMA_HISTORY } from './flyway-history.js';
import { detectFlywaySets } from './flyway-layout.js';

/** Flyway: `V1__x.sql` scripts ordered by version, found in its configured or default locations. */
export const flywayTool: MigrationTool = {
  name: 'flyway',
  adapter: flywayAdapter,
  runner: 'Flyway',
  aMigration: 'a Flyway migration',
  setsLabel: 'Flyway',
  runsAsMigration: (path) => isFlywayMigrationName(path.slice(path.lastIndexOf('/') + 1)),
  setKeys: ['outOfOrder'],
  whyNot: { cosmetic: 'Flyway checks its own checksum of every script it applied (flyway validate) and would refuse a reformatted one' },
  appliedTable: FLYWAY_SCHEMA_HISTORY,
  detectLayout: ({ paths, byDir, contentOf }) => detectFlywaySets(paths, byDir, contentOf),
};
