import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { appliedColumns } from '../../../src/core/migrations/applied-table.js';
import { TOOL_SET_KEYS } from '../../../src/core/migrations/migration-tool.js';
import { TOOLS } from '../../../src/core/migrations/types.js';
import { ADAPTERS, MIGRATION_TOOLS, TOOL_BY_NAME } from '../../../src/core/tools/registry.js';
import { validateConfig } from '../../../src/core/config/validate-config.js';
import { guardError } from '../helpers.js';
import { PROJECT_ROOT } from '../../helpers/git-repo.js';

// The shape docs/ADDING-A-TOOL.md asks of every tool folder, checked on each registered tool.
describe('the tool registry', () => {
  it('lists every tool the config and the lockfile name, once, each with its own adapter', () => {
    assert.deepEqual(MIGRATION_TOOLS.map((tool) => tool.name).sort(), [...TOOLS].sort());
    for (const name of TOOLS) {
      assert.equal(TOOL_BY_NAME[name].name, name);
      assert.equal(ADAPTERS[name], TOOL_BY_NAME[name].adapter);
      assert.equal(ADAPTERS[name].tool, name);
    }
  });

  it("asks Prisma's layout first, the JavaScript tools' configs next, then Flyway's before Alembic's: a Flyway location stays Flyway's, Prisma's migration folders are never plain SQL sets", () => {
    const withLayout = MIGRATION_TOOLS.filter((tool) => tool.detectLayout).map((tool) => tool.name);
    assert.deepEqual(withLayout, ['prisma', 'drizzle', 'typeorm', 'knex', 'sequelize', 'kysely', 'node-pg-migrate', 'flyway', 'alembic']);
  });

  it('describes each table with an id column, and replays no rows as nothing applied', () => {
    for (const tool of MIGRATION_TOOLS) {
      const table = tool.appliedTable;
      assert.ok(table.table && table.columns.id, tool.name);
      assert.equal(new Set(appliedColumns(table)).size, appliedColumns(table).length, tool.name);
      const state = table.replay([]);
      assert.equal(state.tool, tool.name);
      assert.deepEqual(state.heads, []);
    }
  });

  it('names the tool-specific config keys each tool reads', () => {
    for (const tool of MIGRATION_TOOLS) for (const key of tool.setKeys) assert.ok((TOOL_SET_KEYS as readonly string[]).includes(key), `${tool.name}: ${key}`);
    assert.deepEqual(TOOL_BY_NAME.sql.setKeys, ['naming', 'versions', 'outOfOrder', 'cosmetic']);
    assert.deepEqual(TOOL_BY_NAME.flyway.setKeys, ['outOfOrder']);
    assert.deepEqual(TOOL_BY_NAME.alembic.setKeys, ['cosmetic']);
    assert.deepEqual(TOOL_BY_NAME.prisma.setKeys, ['outOfOrder']);
    for (const tool of ['typeorm', 'knex', 'sequelize', 'kysely', 'node-pg-migrate'] as const) assert.deepEqual(TOOL_BY_NAME[tool].setKeys, ['outOfOrder']);
  });

  it("the config refuses a key the set's tool does not read, naming the tools that read it and the fix", async () => {
    const refusal = async (set: Record<string, string>) => guardError(() => validateConfig({ migrations: [{ dir: 'db', ...set }] }, 'guard.config.yaml'));
    const naming = await refusal({ tool: 'flyway', naming: 'timestamp' });
    assert.equal(naming.message, 'guard.config.yaml: `migrations.0.naming` applies to plain SQL sets only, not flyway');
    assert.equal(naming.fix, 'remove `naming`, or set `tool: sql`');
    const outOfOrder = await refusal({ tool: 'alembic', outOfOrder: 'allow' });
    assert.equal(outOfOrder.message, 'guard.config.yaml: `migrations.0.outOfOrder` applies to plain SQL, Flyway, Prisma, TypeORM, Knex, Sequelize, Kysely and node-pg-migrate sets only, not alembic: Alembic orders revisions by their parents');
    assert.equal(outOfOrder.fix, 'remove `outOfOrder`');
  });

  it("the config's JSON Schema offers exactly the registered tools", () => {
    const schema: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas', 'config.schema.json'), 'utf8'));
    const tools = JSON.stringify(schema).match(/"tool":\{"enum":(\[[^\]]*\])/);
    assert.ok(tools, 'the schema names the tools');
    assert.deepEqual(JSON.parse(tools[1]!), [...TOOLS]);
  });

  it('tells which files each tool runs as migrations (an exclude: may not hide them)', () => {
    assert.equal(TOOL_BY_NAME.sql.runsAsMigration('sub/001_init.sql', undefined), true);
    assert.equal(TOOL_BY_NAME.sql.runsAsMigration('seed.sql', undefined), false);
    assert.equal(TOOL_BY_NAME.flyway.runsAsMigration('sub/V1__init.sql', undefined), true);
    assert.equal(TOOL_BY_NAME.flyway.runsAsMigration('beforeMigrate.sql', undefined), false);
    assert.equal(TOOL_BY_NAME.prisma.runsAsMigration('20240101000000_init/migration.sql', undefined), true);
    assert.equal(TOOL_BY_NAME.prisma.runsAsMigration('20240101000000_init/down.sql', undefined), false);
    assert.equal(TOOL_BY_NAME.prisma.runsAsMigration('migration_lock.toml', undefined), false);
    assert.equal(TOOL_BY_NAME.prisma.runsAsMigration('a/b/migration.sql', undefined), false);
    assert.equal(TOOL_BY_NAME['node-pg-migrate'].runsAsMigration('1700000000000_init.sql', undefined), true);
    assert.equal(TOOL_BY_NAME['node-pg-migrate'].runsAsMigration('README.md', undefined), false);
    assert.equal(TOOL_BY_NAME.alembic.runsAsMigration('helpers.py', { sha256: 'x' }), false);
    assert.equal(TOOL_BY_NAME.alembic.runsAsMigration('a1.py', { sha256: 'x', migration: { id: 'a1', file: 'a1.py', parents: [], sha256: 'x' } }), true);
  });
});
