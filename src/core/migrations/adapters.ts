import { alembicAdapter } from './alembic/alembic-adapter.js';
import { flywayAdapter } from './flyway/flyway-adapter.js';
import { sqlAdapter } from './sql/sql-adapter.js';
import type { Tool, ToolAdapter } from './types.js';

export const ADAPTERS: Record<Tool, ToolAdapter> = {
  alembic: alembicAdapter,
  sql: sqlAdapter,
  flyway: flywayAdapter,
};

const ALEMBIC_HEADER = /^(?:revision|down_revision)\s*(?::[^=\n]*)?=/m;
const FLYWAY_NAME = /(?:^|\/)(?:[VU]\d+(?:[._]\d+)*|R)__[^/]*\.sql$/;

/**
 * The tool of a dir whose config names none: Alembic when a `.py` file
 * assigns `revision`, Flyway when most `.sql` names follow `V1__x.sql`, plain
 * SQL otherwise. `peek` reads a file's text (the first few are enough).
 */
export function detectTool(paths: readonly string[], peek: (path: string) => string | undefined): Tool | undefined {
  const python = paths.filter((path) => path.endsWith('.py') && !path.endsWith('__init__.py'));
  if (python.slice(0, 20).some((path) => ALEMBIC_HEADER.test(peek(path) ?? ''))) return 'alembic';
  const sql = paths.filter((path) => path.endsWith('.sql'));
  if (sql.length === 0) return undefined;
  const flyway = sql.filter((path) => FLYWAY_NAME.test(path)).length;
  return flyway * 2 > sql.length ? 'flyway' : 'sql';
}
