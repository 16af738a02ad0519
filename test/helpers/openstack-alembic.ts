// An Alembic tree laid out the way OpenStack projects lay theirs out (see
// neutron-vpnaas in ../shared/corpus): revisions at the top of versions/,
// then release folders each with expand/ and contract/, two branches
// labelled through constants imported from the project's own module, a
// merge revision, and files beside them that are not revisions.
import type { TempRepo } from './git-repo.js';

export const SCRIPT_DIR = 'proj/db/migration/alembic_migrations';
export const VERSIONS = `${SCRIPT_DIR}/versions`;

interface Revision {
  file: string;
  id: string;
  down: string | string[] | null;
  labels?: 'EXPAND_BRANCH' | 'CONTRACT_BRANCH';
  dependsOn?: string;
}

/** The revisions, relative to versions/. */
export const REVISIONS: readonly Revision[] = [
  { file: 'start_proj.py', id: 'start_proj', down: null },
  { file: '3ea02b2a773e_add_index.py', id: '3ea02b2a773e', down: 'start_proj' },
  { file: 'kilo_release.py', id: 'kilo', down: '3ea02b2a773e' },
  { file: 'liberty/expand/30018084ed99_initial.py', id: '30018084ed99', down: 'kilo', labels: 'EXPAND_BRANCH' },
  { file: 'liberty/expand/24f28869838b_add_fields.py', id: '24f28869838b', down: '30018084ed99' },
  { file: 'liberty/contract/56893333aa52_fix_fk.py', id: '56893333aa52', down: 'kilo', labels: 'CONTRACT_BRANCH' },
  { file: 'liberty/contract/333dfd6afaa2_populate.py', id: '333dfd6afaa2', down: '56893333aa52', dependsOn: '24f28869838b' },
  { file: 'mitaka/expand/41b509d10b5e_endpoint_groups.py', id: '41b509d10b5e', down: '24f28869838b' },
  { file: 'mitaka/contract/2cb4ee992b41_local_subnets.py', id: '2cb4ee992b41', down: '333dfd6afaa2', dependsOn: '41b509d10b5e' },
  { file: 'newton/expand/52783a36bd67_local_id.py', id: '52783a36bd67', down: '41b509d10b5e' },
  { file: 'newton/expand/fe637dc3f042_sha256.py', id: 'fe637dc3f042', down: '41b509d10b5e' },
  { file: 'newton/expand/aa11bb22cc33_merge.py', id: 'aa11bb22cc33', down: ['52783a36bd67', 'fe637dc3f042'] },
  { file: 'rocky/contract/e50641731f1a_drop_map.py', id: 'e50641731f1a', down: '2cb4ee992b41' },
  { file: '2025.1/expand/b18aab30fddc_more_ciphers.py', id: 'b18aab30fddc', down: 'aa11bb22cc33' },
];

/** The heads real Alembic computes for REVISIONS (the expand and contract branches). */
export const HEADS = ['b18aab30fddc', 'e50641731f1a'];

function revisionText(revision: Revision): string {
  const down = revision.down === null ? 'None' : Array.isArray(revision.down) ? `(${revision.down.map((id) => `'${id}'`).join(', ')})` : `'${revision.down}'`;
  return [
    `"""${revision.id}`,
    '',
    `Revision ID: ${revision.id}`,
    '"""',
    '',
    'from alembic import op',
    ...(revision.labels ? ['', 'from proj.db.migration import cli'] : []),
    '',
    '# revision identifiers, used by Alembic.',
    `revision = '${revision.id}'`,
    `down_revision = ${down}`,
    ...(revision.labels ? [`branch_labels = (cli.${revision.labels},)`] : []),
    ...(revision.dependsOn ? [`depends_on = '${revision.dependsOn}'`] : []),
    '',
    '',
    'def upgrade():',
    '    op.execute("SELECT 1")',
    '',
  ].join('\n');
}

/** Writes the tree into `repo` (nothing is committed). */
export function writeOpenStackTree(repo: TempRepo): void {
  for (const dir of ['proj', 'proj/db', 'proj/db/migration', SCRIPT_DIR]) repo.write(`${dir}/__init__.py`, '');
  repo.write('proj/db/migration/cli.py', "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n");
  repo.write(`${SCRIPT_DIR}/README`, 'Generic single-database configuration.');
  repo.write(`${SCRIPT_DIR}/env.py`, 'from alembic import context\n\ncontext.configure()\n');
  repo.write(`${SCRIPT_DIR}/script.py.mako`, '"""${message}"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n');
  repo.write(`${VERSIONS}/EXPAND_HEAD`, 'b18aab30fddc\n');
  repo.write(`${VERSIONS}/CONTRACT_HEAD`, 'e50641731f1a\n');
  repo.write(`${VERSIONS}/README`, 'Release folders hold expand/ and contract/ branches.\n');
  repo.write(`${VERSIONS}/liberty/__init__.py`, '');
  for (const revision of REVISIONS) repo.write(`${VERSIONS}/${revision.file}`, revisionText(revision));
}

/** Every folder of versions/ that holds revisions, the way the project's CLI hands them to Alembic. */
export function revisionFolders(): string[] {
  return [...new Set(REVISIONS.map((revision) => (revision.file.includes('/') ? `${VERSIONS}/${revision.file.slice(0, revision.file.lastIndexOf('/'))}` : VERSIONS)))].sort();
}
