import { fileNamedTool, type FileNamedRules } from '../../migrations/file-named-set.js';
import type { MigrationTool } from '../../migrations/migration-tool.js';
import { detectKnexSets } from './knex-layout.js';
import { KNEX_MIGRATIONS_TABLE } from './knex-table.js';

/**
 * Knex 3 (lib/migrations/migrate/sources/fs-migrations.js): every file at
 * the top of `migrations.directory` whose `path.extname` is in
 * `loadExtensions`, sorted by file name (lodash `sortBy`), recorded by file
 * name with its extension. The default `loadExtensions`
 * (lib/migrations/common/MigrationsLoader.js) leaves out `.mjs`, which
 * `knex migrate:make -x mjs` writes: guard locks `.mjs` files too, so one
 * Knex skips is seen never applied at deploy rather than not at all.
 */
export const KNEX_FILES: FileNamedRules = {
  tool: 'knex',
  runner: 'Knex',
  extensions: ['.co', '.coffee', '.eg', '.iced', '.js', '.cjs', '.litcoffee', '.ls', '.ts', '.mjs'],
  idKeepsExtension: true,
  naming: { pattern: /^\d/, expected: '`<YYYYMMDDHHMMSS>_<name>.js` (as `knex migrate:make` names them)' },
};

/** What a Knex migration receives and imports: `up(knex)`, `knex.schema`, `import { Knex } from 'knex'`. */
export const KNEX_SIGNATURE = /\bknex\s*\.\s*(?:schema|raw|transaction)\b|\bfunction\s+up\s*\(\s*knex\b|\(\s*knex\s*(?::\s*Knex\s*)?\)\s*(?::[^=]{0,40})?=>|\bfrom\s+['"]knex['"]|\brequire\(\s*['"]knex['"]\s*\)/;

/** Knex: migration scripts named by file, in `knex_migrations`. */
export const knexTool: MigrationTool = fileNamedTool(KNEX_FILES, {
  aMigration: 'a Knex migration',
  appliedTable: KNEX_MIGRATIONS_TABLE,
  detectLayout: detectKnexSets,
  signature: KNEX_SIGNATURE,
  signatureShown: 'up(knex)',
});
