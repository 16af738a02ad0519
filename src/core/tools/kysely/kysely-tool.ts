import { fileNamedTool, type FileNamedRules } from '../../migrations/file-named-set.js';
import type { MigrationTool } from '../../migrations/migration-tool.js';
import { detectKyselySets } from './kysely-layout.js';
import { KYSELY_MIGRATION_TABLE } from './kysely-table.js';

/**
 * Kysely 0.29's `FileMigrationProvider`
 * (dist/migration/file-migration-provider.js): every file at the top of
 * `migrationFolder` ending `.js .ts .mjs .mts .cjs .cts`, not a declaration
 * file, named by its file name without the last extension (so `a.js` and
 * `a.mjs` are one migration), sorted with a plain `.sort()` of those names.
 * Kysely has no generator: the project names its files.
 */
export const KYSELY_FILES: FileNamedRules = {
  tool: 'kysely',
  runner: 'Kysely',
  extensions: ['.js', '.ts', '.mjs', '.mts', '.cjs', '.cts'],
  skipped: /\.d\.[mc]?ts$/,
  idKeepsExtension: false,
};

/** What a Kysely migration receives and imports: `up(db: Kysely<any>)`, `from 'kysely'`. */
export const KYSELY_SIGNATURE = /\bKysely\s*</;

/** Kysely's Migrator: migration files named by the project, in `kysely_migration`. */
export const kyselyTool: MigrationTool = fileNamedTool(KYSELY_FILES, {
  aMigration: 'a Kysely migration',
  appliedTable: KYSELY_MIGRATION_TABLE,
  detectLayout: detectKyselySets,
  signature: KYSELY_SIGNATURE,
  signatureShown: 'up(db: Kysely<any>)',
});
