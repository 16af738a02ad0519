import type { MigrationTool } from '../../migrations/migration-tool.js';
import { parseVersionedName } from './naming-scheme.js';
import { sqlAdapter } from './sql-adapter.js';
import { SQL_RUNNER_TABLE } from './sql-runner-table.js';

/**
 * Plain SQL: `001_x.sql`, `20260115120000_x.sql` or `2026_01_15_001_x.sql`
 * files ordered by their leading version, run by the project's runner or by
 * guard's own. `guard init` finds them by folder name (no layout of its own).
 */
export const sqlTool: MigrationTool = {
  name: 'sql',
  adapter: sqlAdapter,
  runner: 'a migration runner',
  aMigration: 'a SQL migration',
  setsLabel: 'plain SQL',
  // Every runner reads the leading number of a versioned name.
  runsAsMigration: (path) => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    return base.endsWith('.sql') && parseVersionedName(base).version !== '';
  },
  setKeys: ['naming', 'versions', 'outOfOrder', 'cosmetic'],
  appliedTable: SQL_RUNNER_TABLE,
};
