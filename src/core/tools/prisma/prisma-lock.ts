import type { Problem } from '../../migrations/types.js';

/** The only provider guard deploys to: PostgreSQL. */
const POSTGRES_PROVIDER = 'postgresql';

/**
 * The provider `migration_lock.toml` names, read as Prisma reads it
 * (`read_provider_from_lock_file` in prisma-engines'
 * schema-connector/src/migrations_directory.rs): the first line that starts
 * with `provider`, without a leading `provider = ` and the quotes around it.
 * Prisma refuses to apply migrations when it differs from the schema's
 * datasource provider (error P3019).
 */
export function prismaLockProvider(text: string): string {
  const line = text.split('\n').map((raw) => raw.replace(/\r$/, '')).find((raw) => raw.startsWith('provider'));
  if (line === undefined) return '<PROVIDER NOT FOUND>';
  return line.replace(/^(?:provider = )+/, '').replace(/^"+|"+$/g, '');
}

/**
 * `migration_lock.toml` is not a migration and is not in the lockfile, but
 * its provider says which database every migration of the folder was
 * written for: guard deploys to PostgreSQL only, so a provider other than
 * `postgresql` (a switch to MySQL or SQLite, a typo Prisma would reject) is a
 * problem in every gate, sealed migrations or not. Deleting the file is
 * Prisma's way to start over and is not refused: Prisma then checks nothing,
 * and the migrations themselves stay sealed.
 */
export function readPrismaLock(text: string, shown: string): Problem | undefined {
  const provider = prismaLockProvider(text);
  if (provider === POSTGRES_PROVIDER) return undefined;
  return {
    code: 'provider',
    exitCode: 1,
    file: 'migration_lock.toml',
    message: `${shown} names provider ${JSON.stringify(provider)}, but these migrations were written for PostgreSQL, the database guard deploys them to: Prisma refuses to apply them under another provider`,
    fix: `keep \`provider = "postgresql"\` in ${shown}; a project moving to another database starts a new migrations directory`,
  };
}
