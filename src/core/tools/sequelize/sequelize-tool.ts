import { fileNamedTool, type FileNamedRules } from '../../migrations/file-named-set.js';
import type { MigrationTool } from '../../migrations/migration-tool.js';
import { detectSequelizeSets } from './sequelize-layout.js';
import { SEQUELIZE_META_TABLE } from './sequelize-table.js';

/**
 * sequelize-cli 6 (lib/core/migrator.js, umzug 2.3.0): every file at the top
 * of the migrations path matching `/^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts)$/`,
 * with or without a timestamp, sorted by file name (a plain string
 * comparison), recorded by file name with its extension.
 */
export const SEQUELIZE_FILES: FileNamedRules = {
  tool: 'sequelize',
  runner: 'Sequelize',
  extensions: ['.js', '.cjs', '.ts', '.cts'],
  skipped: /\.d\.ts$/,
  idKeepsExtension: true,
  naming: { pattern: /^\d/, expected: '`<YYYYMMDDHHmmss>-<name>.js` (as `sequelize-cli migration:generate` names them)' },
};

/** What a Sequelize migration receives: `up(queryInterface, Sequelize)`. */
export const SEQUELIZE_SIGNATURE = /\bqueryInterface\b/;

/** Sequelize CLI: migration scripts named by file, in `"SequelizeMeta"`. */
export const sequelizeTool: MigrationTool = fileNamedTool(SEQUELIZE_FILES, {
  aMigration: 'a Sequelize migration',
  appliedTable: SEQUELIZE_META_TABLE,
  detectLayout: detectSequelizeSets,
  signature: SEQUELIZE_SIGNATURE,
  signatureShown: 'up(queryInterface, Sequelize)',
});
