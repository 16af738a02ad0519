import type { MigrationTool } from '../../migrations/migration-tool.js';
import { isTypeormSource, typeormAdapter } from './typeorm-adapter.js';
import { detectTypeormSets, recogniseTypeormFolder } from './typeorm-layout.js';
import { TYPEORM_MIGRATIONS_TABLE } from './typeorm-table.js';

/** TypeORM: migration classes in the files of the DataSource's `migrations` globs, ordered by the timestamp ending each name, recorded in `migrations`. */
export const typeormTool: MigrationTool = {
  name: 'typeorm',
  adapter: typeormAdapter,
  runner: 'TypeORM',
  aMigration: 'a TypeORM migration',
  setsLabel: 'TypeORM',
  // TypeORM imports every file its glob matches and runs each exported class: a file that exports one may not be
  // excluded, nor one guard cannot read (`export * from '../elsewhere'` would run classes guard never locked).
  runsAsMigration: (path, reading) => (reading === undefined ? isTypeormSource(path) : reading.migration !== undefined || reading.problem !== undefined),
  setKeys: ['outOfOrder'],
  whyNot: {
    naming: 'TypeORM names each migration <Name><13-digit timestamp> in its class',
    versions: 'TypeORM orders migrations by the millisecond timestamp ending each class name',
  },
  appliedTable: TYPEORM_MIGRATIONS_TABLE,
  detectLayout: (repository) => detectTypeormSets(repository),
  recogniseFolder: (dir, names, contentOf) => recogniseTypeormFolder(dir, names, contentOf),
};
