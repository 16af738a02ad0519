import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../../src/core/init/detect-migration-dirs.js';

function detect(files: Record<string, string>) {
  return detectMigrationDirs(Object.keys(files), (file) => files[file]);
}

const DSPACE = 'dspace-api/src/main/resources/org/dspace/storage/rdbms/sqlmigration';

describe('guard init finds Flyway folders wherever a project keeps them', () => {
  it('DSpace: per-database copies nested in a resources path; the PostgreSQL one is the set, and the report says so', () => {
    const found = detect({
      [`${DSPACE}/h2/V1.3__x.sql`]: '',
      [`${DSPACE}/h2/V1.4__y.sql`]: '',
      [`${DSPACE}/oracle/V1.3__x.sql`]: '',
      [`${DSPACE}/postgres/V1.3__x.sql`]: '',
      [`${DSPACE}/postgres/V1.4__y.sql`]: '',
      'dspace-api/src/main/java/org/dspace/storage/rdbms/DatabaseUtils.java': 'class DatabaseUtils {}',
    });
    assert.deepEqual(found.map(({ dir, tool, files }) => ({ dir, tool, files })), [{ dir: `${DSPACE}/postgres`, tool: 'flyway', files: 2 }]);
    assert.match(found[0]!.because, /PostgreSQL's of the per-database folders h2\/, oracle\/, postgres\//);
    assert.match(found[0]!.notes!.join('\n'), /guards postgres\/ and leaves out h2\/, oracle\//);
  });

  it('names the helper scripts Flyway does not run (DSpace update-sequences.sql), does not count them, and excludes them', () => {
    const [set] = detect({ [`${DSPACE}/postgres/V1.3__x.sql`]: '', [`${DSPACE}/postgres/update-sequences.sql`]: '', [`${DSPACE}/postgres/extra/seed.sql`]: '' });
    assert.equal(set!.files, 1);
    assert.deepEqual(set!.exclude, ['update-sequences.sql', 'extra/seed.sql']);
    assert.match(set!.notes!.join('\n'), /holds 2 \.sql files Flyway does not run \(update-sequences\.sql, extra\/seed\.sql\): guard\.config\.yaml leaves them out with exclude:/);
  });

  it('reads outOfOrder from the Flyway or Spring Boot settings at or above the set', () => {
    const [set] = detect({ [`${DSPACE}/postgres/V1.3__x.sql`]: '', 'dspace-api/src/main/resources/application.properties': 'spring.flyway.out-of-order=true\n' });
    assert.equal(set!.outOfOrder, 'allow');
    const [off] = detect({ [`${DSPACE}/postgres/V1.3__x.sql`]: '', 'flyway.conf': 'flyway.outOfOrder=false\n' });
    assert.equal(off!.outOfOrder, undefined);
  });

  it("writes where flyway.conf, flyway.toml or Spring Boot moves Flyway's history table as the set's table:", () => {
    const tableOf = (settings: Record<string, string>) => detect({ 'db/migration/V1__x.sql': '', ...settings })[0]!.table;
    assert.equal(tableOf({ 'flyway.conf': 'flyway.table=schema_log\nflyway.schemas=app,audit\n' }), 'app.schema_log');
    assert.equal(tableOf({ 'flyway.conf': 'flyway.defaultSchema = ops\n' }), 'ops.flyway_schema_history');
    assert.equal(tableOf({ 'flyway.toml': '[environments.prod.flyway]\ntable = "history"\nschemas = ["billing", "x"]\n' }), 'billing.history');
    assert.equal(tableOf({ 'src/main/resources/application.properties': 'spring.flyway.default-schema=core\n' }), undefined, 'a settings file below the set is not read');
    assert.equal(tableOf({ 'application.yml': 'spring:\n  flyway:\n    table: "migrations_log"\n    out-of-order: true\n' }), 'migrations_log');
    assert.equal(tableOf({ 'flyway.conf': 'flyway.outOfOrder=true\n' }), undefined);
  });

  it("Flyway's default db/migration under src/main/resources is one set with its sub-folders", () => {
    const found = detect({
      'app/src/main/resources/db/migration/V1__init.sql': '',
      'app/src/main/resources/db/migration/release2/V2__more.sql': '',
      'app/src/main/resources/db/migration/release2/V3__again.sql': '',
    });
    assert.deepEqual(found.map(({ dir, files }) => ({ dir, files })), [{ dir: 'app/src/main/resources/db/migration', files: 3 }]);
    assert.match(found[0]!.because, /Flyway's default location db\/migration/);
  });

  it('keeps every per-database folder when none is PostgreSQL', () => {
    assert.deepEqual(detect({ 'sql/h2/V1__a.sql': '', 'sql/mysql/V1__a.sql': '' }).map((set) => set.dir), ['sql/h2', 'sql/mysql']);
  });

  for (const [file, text, expected] of [
    ['flyway.conf', 'flyway.url=jdbc:postgresql://localhost/app\nflyway.locations=filesystem:database/scripts\n', 'database/scripts'],
    ['flyway.toml', '[flyway]\nlocations = ["filesystem:database/scripts"]\n', 'database/scripts'],
    ['svc/src/main/resources/application.properties', 'spring.flyway.locations=classpath:database/scripts\n', 'svc/src/main/resources/database/scripts'],
    ['svc/src/main/resources/application.yml', 'spring:\n  datasource:\n    url: x\n  flyway:\n    locations:\n      - "classpath:database/{vendor}"\n', 'svc/src/main/resources/database/postgresql'],
    ['svc/src/main/resources/application-prod.yaml', 'spring.flyway.locations: classpath:database/scripts, classpath:missing\n', 'svc/src/main/resources/database/scripts'],
  ] as const) {
    it(`reads the locations ${file} sets`, () => {
      const found = detect({
        [file]: text,
        'database/scripts/V1__init.sql': '',
        'database/scripts/afterMigrate.sql': '',
        'svc/src/main/resources/database/scripts/V1__init.sql': '',
        'svc/src/main/resources/database/postgresql/V1__init.sql': '',
        'svc/src/main/resources/database/h2/V1__init.sql': '',
      });
      const configured = found.find((set) => set.dir === expected);
      assert.ok(configured, `${expected} in ${JSON.stringify(found.map((set) => set.dir))}`);
      assert.match(configured.because, new RegExp(`locations in ${file.replace(/\./g, '\\.')}`));
      assert.equal(configured.tool, 'flyway');
      assert.ok(!found.some((set) => set.dir.endsWith('/h2')), 'another database copy beside a configured {vendor} folder is left out');
    });
  }

  it('plain SQL sets inside a migrations folder (supabase: migrations/tenant, migrations/multitenant)', () => {
    assert.deepEqual(
      detect({ 'migrations/tenant/0001-initialmigration.sql': '', 'migrations/multitenant/0001-x.sql': '', 'queries/report.sql': '' }).map(({ dir, tool }) => ({ dir, tool })),
      [
        { dir: 'migrations/multitenant', tool: 'sql' },
        { dir: 'migrations/tenant', tool: 'sql' },
      ],
    );
  });
});

