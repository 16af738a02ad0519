import type { AppliedTable } from '../../migrations/applied-table.js';
import type { MigrationTool } from '../../migrations/migration-tool.js';
import { alembicAdapter } from './alembic-adapter.js';
import { detectAlembicLayout } from './alembic-layout.js';

/** One row of `alembic_version`. */
export interface AlembicVersionRow {
  version_num: string;
}

/**
 * `alembic_version`: one row per head, several rows for several heads
 * (https://alembic.sqlalchemy.org/en/latest/branches.html). The project may
 * rename it or move it to another schema (`version_table`,
 * `version_table_schema` of `context.configure` in env.py).
 */
export const ALEMBIC_VERSION_TABLE: AppliedTable<AlembicVersionRow> = {
  table: 'alembic_version',
  renamedBy: ['version_table', 'version_table_schema'],
  columns: { id: 'version_num' },
  noRows: 'nothing applied',
  replay: (rows) => ({ tool: 'alembic', heads: [...new Set(rows.map((row) => row.version_num))].sort() }),
};

/** A Python file that declares an Alembic revision (`revision = '...'`, also annotated). */
const ALEMBIC_REVISION = /^revision\s*(?::\s*\w+\s*)?=\s*[rRuU]?['"]/m;

/** Alembic: Python revisions that name their parents (`down_revision`), found through alembic.ini and pyproject.toml. */
export const alembicTool: MigrationTool = {
  name: 'alembic',
  adapter: alembicAdapter,
  runner: 'Alembic',
  aMigration: 'an Alembic revision',
  setsLabel: 'Alembic',
  runsAsMigration: (_path, reading) => reading?.migration !== undefined,
  setKeys: ['cosmetic'],
  whyNot: { outOfOrder: 'Alembic orders revisions by their parents' },
  appliedTable: ALEMBIC_VERSION_TABLE,
  detectLayout: ({ paths, contentOf, leftOut }) => {
    const layout = detectAlembicLayout(paths.filter((path) => !leftOut(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.')), contentOf);
    return { sets: layout.sets, claims: layout.inside };
  },
  // A folder of revisions no alembic.ini names: at least half its Python files declare one.
  recogniseFolder: (dir, names, contentOf) => {
    const python = names.filter((name) => alembicAdapter.candidate(name));
    const revisions = python.filter((name) => ALEMBIC_REVISION.test(contentOf(dir === '.' ? name : `${dir}/${name}`) ?? ''));
    if (revisions.length === 0 || revisions.length * 2 < python.length) return undefined;
    return { dir, tool: 'alembic', files: revisions.length, because: `${revisions.length} Alembic revision${revisions.length === 1 ? '' : 's'}` };
  },
};
