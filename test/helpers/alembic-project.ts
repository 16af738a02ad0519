import { spawnSync } from 'node:child_process';
import { PYTHON } from './alembic-real.js';
import type { TempRepo } from './git-repo.js';

export { PYTHON };

/**
 * A skip message when real Alembic with psycopg2 cannot run here (`.ci/run`
 * installs Debian's python3-alembic and python3-psycopg2), false when it can.
 */
export function alembicWithPostgresMissing(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import alembic, psycopg2'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `SKIPPED: ${PYTHON} lacks alembic or psycopg2 (apt-get install python3-alembic python3-psycopg2)`;
}

/**
 * A real Alembic project in `repo`, as a team would have it: alembic.ini,
 * an env.py that reads DATABASE_URL (what `guard deploy` sets) and honours
 * GUARD_TRANSACTION_PER_MIGRATION, and revisions under migrations/versions.
 */
export function writeAlembicProject(repo: TempRepo): void {
  repo.write('alembic.ini', '[alembic]\nscript_location = migrations\n\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n[logger_root]\nlevel = WARN\nhandlers = console\n\n[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n[formatter_generic]\nformat = %(levelname)s %(message)s\n');
  repo.write(
    'migrations/env.py',
    `import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)


def run_migrations_online():
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=None,
            transaction_per_migration=os.environ.get("GUARD_TRANSACTION_PER_MIGRATION") == "true",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`,
  );
  repo.write('migrations/script.py.mako', '"""${message}"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n');
}

/** One Alembic revision whose upgrade runs `sql`. */
export function alembicSqlRevision(revision: string, down: string | null, sql: string): string {
  return `"""${revision}"""
from alembic import op

revision = '${revision}'
down_revision = ${down === null ? 'None' : `'${down}'`}
branch_labels = None
depends_on = None


def upgrade():
    op.execute(${JSON.stringify(sql)})


def downgrade():
    pass
`;
}

/** The command guard deploy runs in these tests: Debian's Alembic. */
export const ALEMBIC_UPGRADE = [PYTHON, '-m', 'alembic', 'upgrade', 'head'];
