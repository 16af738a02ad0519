import type { AppliedState } from './types.js';

/**
 * Where an applied state was read, for messages: the reader's own name for
 * it when it gave one, else the tool's usual table.
 *
 * @example appliedTable({ tool: 'alembic', heads: [] }) // 'alembic_version'
 */
export function appliedTable(state: AppliedState): string {
  if (state.table !== undefined) return state.table;
  if (state.tool === 'alembic') return 'alembic_version';
  if (state.tool === 'flyway') return 'flyway_schema_history';
  if (state.tool === 'prisma') return '_prisma_migrations';
  return 'the applied SQL migrations';
}
