import { alembicAdapter } from './alembic/alembic-adapter.js';
import { flywayAdapter } from './flyway/flyway-adapter.js';
import { sqlAdapter } from './sql/sql-adapter.js';
import type { Tool, ToolAdapter } from '../migrations/types.js';

export const ADAPTERS: Record<Tool, ToolAdapter> = {
  alembic: alembicAdapter,
  sql: sqlAdapter,
  flyway: flywayAdapter,
};

const FLYWAY_NAME = /(?:^|\/)(?:[VU]\d+(?:[._]\d+)*|R)__[^/]*\.sql$/;

/**
 * The tool of a dir whose config names none, from file names alone (so the
 * choice never depends on which contents a cache spared): Alembic when it
 * holds revision candidates (`*.py` other than `__init__.py` and `env.py`),
 * Flyway when most `.sql` names follow `V1__x.sql`, plain SQL otherwise.
 */
export function detectTool(paths: readonly string[]): Tool | undefined {
  if (paths.some((path) => ADAPTERS.alembic.candidate(path))) return 'alembic';
  const sql = paths.filter((path) => path.endsWith('.sql'));
  if (sql.length === 0) return undefined;
  const flyway = sql.filter((path) => FLYWAY_NAME.test(path)).length;
  return flyway * 2 > sql.length ? 'flyway' : 'sql';
}
