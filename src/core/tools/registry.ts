import type { MigrationTool } from '../migrations/migration-tool.js';
import type { Tool, ToolAdapter } from '../migrations/types.js';
import { alembicTool } from './alembic/alembic-tool.js';
import { DRIZZLE_JOURNAL } from './drizzle/drizzle-journal.js';
import { drizzleTool } from './drizzle/drizzle-tool.js';
import { flywayTool } from './flyway/flyway-tool.js';
import { knexTool } from './knex/knex-tool.js';
import { kyselyTool } from './kysely/kysely-tool.js';
import { nodePgMigrateTool } from './node-pg-migrate/node-pg-migrate-tool.js';
import { prismaTool } from './prisma/prisma-tool.js';
import { sequelizeTool } from './sequelize/sequelize-tool.js';
import { sqlTool } from './sql/sql-tool.js';
import { typeormTool } from './typeorm/typeorm-tool.js';

/**
 * Every migration tool guard reads, one line each (docs/ADDING-A-TOOL.md),
 * in the order `guard init` asks for their layouts: a folder the first
 * claims is no later one's (a Flyway location stays Flyway's even when an
 * Alembic revision graph reaches into it; Prisma's per-migration folders of
 * `migration.sql` are never read as plain SQL sets; a folder of `.sql` files
 * that a package.json's node-pg-migrate script names is node-pg-migrate's).
 */
export const MIGRATION_TOOLS: readonly MigrationTool[] = [prismaTool, drizzleTool, typeormTool, knexTool, sequelizeTool, kyselyTool, nodePgMigrateTool, flywayTool, alembicTool, sqlTool];

/** A tool by the name the config and the lockfile use. */
export const TOOL_BY_NAME = Object.fromEntries(MIGRATION_TOOLS.map((tool) => [tool.name, tool])) as Record<Tool, MigrationTool>;

/** Each tool's file reader and set rules, by name. */
export const ADAPTERS = Object.fromEntries(MIGRATION_TOOLS.map((tool) => [tool.name, tool.adapter])) as Record<Tool, ToolAdapter>;

const FLYWAY_NAME = /(?:^|\/)(?:[VU]\d+(?:[._]\d+)*|R)__[^/]*\.sql$/;

/**
 * The tool of a dir whose config names none, from file names alone (so the
 * choice never depends on which contents a cache spared): Alembic when it
 * holds revision candidates (`*.py` other than `__init__.py` and `env.py`),
 * Drizzle when it holds Drizzle Kit's `meta/_journal.json`, Flyway when
 * most `.sql` names follow `V1__x.sql`, plain SQL otherwise.
 */
export function detectTool(paths: readonly string[]): Tool | undefined {
  if (paths.includes(DRIZZLE_JOURNAL)) return 'drizzle';
  if (paths.some((path) => ADAPTERS.alembic.candidate(path))) return 'alembic';
  const sql = paths.filter((path) => path.endsWith('.sql'));
  if (sql.length === 0) return undefined;
  const flyway = sql.filter((path) => FLYWAY_NAME.test(path)).length;
  return flyway * 2 > sql.length ? 'flyway' : 'sql';
}
