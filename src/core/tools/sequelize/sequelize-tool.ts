import { fileNamedAdapter, isFileNamedMigration, recogniseFileNamedFolder, type FileNamedRules } from '../../migrations/file-named-set.js';
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
export const sequelizeTool: MigrationTool = {
  name: 'sequelize',
  adapter: fileNamedAdapter(SEQUELIZE_FILES),
  runner: 'Sequelize',
  aMigration: 'a Sequelize migration',
  setsLabel: 'Sequelize',
  runsAsMigration: (path) => isFileNamedMigration(SEQUELIZE_FILES, path),
  setKeys: ['outOfOrder'],
  whyNot: { naming: 'Sequelize orders migrations by file name', versions: 'Sequelize orders migrations by file name, not by a version number' },
  appliedTable: SEQUELIZE_META_TABLE,
  detectLayout: (repository) => detectSequelizeSets(repository, SEQUELIZE_FILES),
  recogniseFolder: (dir, names, contentOf) => recogniseFileNamedFolder(SEQUELIZE_FILES, dir, names, contentOf, SEQUELIZE_SIGNATURE, 'up(queryInterface, Sequelize)'),
};
