import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../../src/core/init/detect-migration-dirs.js';
import { journal } from '../../helpers/drizzle-journal.js';

function detect(files: Record<string, string>) {
  return detectMigrationDirs(Object.keys(files), (file) => files[file]);
}

/** A migrations folder as drizzle-kit generate leaves it. */
function drizzleFolder(dir: string, tags = ['0000_init', '0001_users']): Record<string, string> {
  const files: Record<string, string> = { [`${dir}/meta/_journal.json`]: journal(tags.map((tag, index) => ({ tag, when: 1765100000000 + index }))) };
  tags.forEach((tag, index) => {
    files[`${dir}/${tag}.sql`] = `CREATE TABLE "t${index}" ("id" serial);`;
    files[`${dir}/meta/${tag.slice(0, 4)}_snapshot.json`] = '{"version":"7"}';
  });
  return files;
}

const shape = (found: ReturnType<typeof detect>) => found.map(({ dir, tool, files }) => ({ dir, tool, files }));

describe('guard init finds Drizzle Kit folders by their journal', () => {
  it("drizzle-kit's default drizzle/ at the root, with drizzle.config.ts", () => {
    const found = detect({ ...drizzleFolder('drizzle'), 'drizzle.config.ts': 'import { defineConfig } from "drizzle-kit";\nexport default defineConfig({ dialect: "postgresql", schema: "./src/schema.ts", out: "./drizzle" });\n' });
    assert.deepEqual(shape(found), [{ dir: 'drizzle', tool: 'drizzle', files: 2 }]);
    assert.equal(found[0]!.because, 'out: ./drizzle in drizzle.config.ts');
  });

  it('a monorepo package, its out relative to its own config; snapshots and meta/ are no set of their own', () => {
    const found = detect({
      ...drizzleFolder('packages/db/src/migrations', ['0000_a', '0001_b', '0002_c']),
      'packages/db/drizzle.config.ts': "export default {\n  out: './src/migrations',\n  schema: './src/schema.ts',\n} satisfies Config;\n",
      'packages/web/src/page.tsx': 'export {}',
    });
    assert.deepEqual(shape(found), [{ dir: 'packages/db/src/migrations', tool: 'drizzle', files: 3 }]);
    assert.match(found[0]!.because, /out: \.\/src\/migrations in packages\/db\/drizzle\.config\.ts/);
  });

  it('drizzle/0000_x.sql beside meta/_journal.json, whatever the folder is called; a .sql file elsewhere is not counted', () => {
    const found = detect({ ...drizzleFolder('out/here'), 'src/report.sql': 'SELECT 1;' });
    assert.deepEqual(shape(found), [{ dir: 'out/here', tool: 'drizzle', files: 2 }]);
    assert.equal(found[0]!.because, 'Drizzle Kit journal out/here/meta/_journal.json');
  });

  it("a config's migrations block that moves drizzle's table becomes the set's table:, drizzle's defaults filling the half not written", () => {
    const config = (block: string) => `export default defineConfig({\n  out: './drizzle',\n  tablesFilter: ['app_*'],\n  migrations: ${block},\n});\n`;
    const tableOf = (block: string) => detect({ ...drizzleFolder('drizzle'), 'drizzle.config.ts': config(block) })[0]!.table;
    assert.equal(tableOf("{ table: 'my_migrations', schema: 'public' }"), 'public.my_migrations');
    assert.equal(tableOf('{ table: "journal" }'), 'drizzle.journal');
    assert.equal(tableOf("{ schema: 'ops' }"), 'ops.__drizzle_migrations');
    assert.equal(tableOf('{ prefix: "timestamp" }'), undefined);
    assert.equal(detect({ ...drizzleFolder('drizzle'), 'drizzle.config.ts': "export default { out: './drizzle' };\n" })[0]!.table, undefined);
  });

  it('a journal without any config (drizzle-kit --out), and drizzle.config.json', () => {
    assert.deepEqual(shape(detect(drizzleFolder('server/db/migrations'))), [{ dir: 'server/db/migrations', tool: 'drizzle', files: 2 }]);
    const json = detect({ ...drizzleFolder('sql'), 'drizzle.config.json': '{ "dialect": "postgresql", "out": "sql" }' });
    assert.equal(json[0]!.because, 'out: sql in drizzle.config.json');
  });

  it("a folder out names that lost its journal is still Drizzle's, so its check reports the journal missing", () => {
    const files = drizzleFolder('db/drizzle');
    delete files['db/drizzle/meta/_journal.json'];
    const found = detect({ ...files, 'drizzle.config.js': "module.exports = { out: 'db/drizzle' };\n" });
    assert.deepEqual(shape(found), [{ dir: 'db/drizzle', tool: 'drizzle', files: 2 }]);
  });

  it("never a library's migrations under node_modules, nor plain SQL folders without a journal", () => {
    const found = detect({ ...drizzleFolder('node_modules/some-lib/drizzle'), 'db/migrations/001_init.sql': 'CREATE TABLE a ();' });
    assert.deepEqual(shape(found), [{ dir: 'db/migrations', tool: 'sql', files: 1 }]);
  });
});
