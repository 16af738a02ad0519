import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { ALEMBIC_UPGRADE, alembicSqlRevision, alembicWithPostgresMissing, writeAlembicProject } from '../helpers/alembic-project.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const missing = alembicWithPostgresMissing();
if (missing) console.log(`# ${missing}: the drift gate tests with real Alembic are skipped`);

/** A revision whose effect depends on the environment: the seed's anti-pattern, `if ENVIRONMENT == "production"`. */
function conditionalRevision(revision: string, down: string, sql: string): string {
  return `"""${revision}"""
import os
from alembic import op

revision = '${revision}'
down_revision = '${down}'
branch_labels = None
depends_on = None


def upgrade():
    if os.environ.get("ENVIRONMENT") == "production":
        op.execute(${JSON.stringify(sql)})


def downgrade():
    pass
`;
}

describe('drift and parity gates on real Alembic deploys', { skip: missing || false }, () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;

  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', ...ALEMBIC_UPGRADE);
  const sql = (environment: string, text: string) => queryRows(databases[environment]!.url, text);
  const config = (productionPolicy: string) =>
    repo.write(
      'guard.config.yaml',
      `migrations:
  - dir: migrations/versions
    tool: alembic
environments:
  - name: staging
    database: $STAGING_DATABASE_URL
    drift: refuse
  - name: production
    database: $PRODUCTION_DATABASE_URL
    drift: ${productionPolicy}
`,
    );

  before(async () => {
    for (const name of ['staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    writeAlembicProject(repo);
    config('refuse');
    repo.write(
      'migrations/versions/a1_orders.py',
      alembicSqlRevision('a1', null, 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())'),
    );
    assert.equal(guard('lock').code, 0);
    repo.commitAll('orders');
  });
  after(async () => {
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it('records the schema at each deploy: staging and production built by the same migrations have one fingerprint, and parity passes', async () => {
    for (const environment of ['staging', 'production']) {
      const result = deploy(environment);
      assert.equal(result.code, 0, `${environment}:\n${result.stderr}`);
      assert.match(result.stderr, /5\. drift: \w+ has no deploy in its ledger yet: nothing to compare/);
    }
    const rows = await sql('production', "SELECT schema_fingerprint FROM guard.deployments WHERE environment = 'production'");
    const [staging] = await sql('staging', "SELECT schema_fingerprint FROM guard.deployments WHERE environment = 'staging'");
    assert.match(rows[0].schema_fingerprint, /^sha256:[0-9a-f]{64}$/);
    assert.equal(rows[0].schema_fingerprint, staging.schema_fingerprint, 'the same migrations, the same schema');
    const production = JSON.parse(guard('deploy', 'production', '--check', '--format', 'json').stdout) as { ok: boolean; drift: { differences: unknown[] } };
    assert.equal(production.ok, true);
    assert.deepEqual(production.drift.differences, []);
    assert.equal(guard('drift', 'staging', 'production').code, 0);
  });

  it('an index created by hand in production is named by guard drift, shown by guard status, and refuses the next deploy under drift: refuse', async () => {
    await sql('production', 'CREATE INDEX orders_created_idx ON orders (created_at)');
    const drift = guard('drift', 'production');
    assert.equal(drift.code, 1, drift.stderr);
    assert.equal(drift.stdout, 'index public.orders_created_idx: added since the last deploy, not by a migration\n');
    assert.match(drift.stderr, /production's schema differs from the schema recorded at its last deploy \(#\d+, .* UTC, commit [0-9a-f]{12}\): 1 object differs \(1 added\)/);

    const between = guard('drift', 'staging', 'production');
    assert.equal(between.code, 1);
    assert.equal(between.stdout, 'index public.orders_created_idx: only in production\n');

    const status = guard('status');
    assert.match(status.stdout, /^production\s+migrations\/versions\s+a1\s+= HEAD\s+succeeded .*\s+free\s+1 object$/m);
    assert.match(status.stdout, /^staging\s+.*\s+free\s+none$/m);

    repo.write('migrations/versions/b2_note.py', alembicSqlRevision('b2', 'a1', 'ALTER TABLE orders ADD COLUMN note text'));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('note');
    assert.equal(deploy('staging').code, 0);
    const refused = deploy('production');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /5\. drift: production's schema differs from .*: 1 object differs \(1 added\)\n\s+index public\.orders_created_idx: added since the last deploy, not by a migration/);
    assert.match(refused.stderr, /fix: a change made outside the migrations: put it in a migration/);
    assert.deepEqual(await sql('production', 'SELECT version_num FROM alembic_version'), [{ version_num: 'a1' }], 'nothing ran');
  });

  it('warn lets the deploy go on and prints the drift; --force --reason deploys under refuse and makes the new schema the baseline', async () => {
    config('warn');
    repo.commitAll('production warns');
    const warned = deploy('production', '--check');
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /5\. drift: 1 object differs \(1 added\) \(drift: warn\)/);
    assert.match(warned.stderr, /warning production's schema differs/);

    config('refuse');
    repo.commitAll('production refuses');
    const forced = deploy('production', '--force', '--reason', 'index added during the incident of 2026-11-20, migration follows');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /--force: production's schema differs/);
    // The forced deploy's schema (with the hand-made index) is the new baseline...
    assert.equal(guard('drift', 'production').code, 0);
    // ...and parity names the index that staging, built by the same migrations, lacks: a warning under --force.
    assert.match(forced.stderr, /7\. parity: production's schema differs from staging's at the same chain: 1 object differs \(1 added\)\n\s+index public\.orders_created_idx: only in production/);
    assert.match(forced.stderr, /warning --force: production's schema differs from staging's/);
  });

  it('parity after a deploy: a migration that branches on ENVIRONMENT leaves production unlike staging, and refuse says so after the deploy ran', async () => {
    await sql('production', 'DROP INDEX orders_created_idx');
    assert.equal(guard('record', 'production').code, 0, 'the dropped index is the baseline now');
    assert.equal(guard('drift', 'staging', 'production').code, 0);
    repo.write('migrations/versions/c3_conditional.py', conditionalRevision('c3', 'b2', 'CREATE INDEX orders_total_idx ON orders (total) WHERE total > 1000'));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('conditional');
    assert.equal(deploy('staging').code, 0);
    const result = deploy('production');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /7\. record: production is at c3/);
    assert.match(result.stderr, /7\. parity: production's schema differs from staging's at the same chain: 1 object differs \(1 added\)\n\s+index public\.orders_total_idx: only in production/);
    assert.match(result.stderr, /fix: the migrations left a different schema here than in the environment before \(code that branches on ENVIRONMENT/);
    assert.deepEqual(await sql('production', 'SELECT version_num FROM alembic_version'), [{ version_num: 'c3' }], 'the deploy ran');
    const json = JSON.parse(guard('deploy', 'production', '--check', '--format', 'json').stdout) as { ok: boolean };
    assert.equal(json.ok, true, 'the parity finding does not become drift: production is what its deploy left');
  });

  it('an ephemeral CI database (its ledger elsewhere) is not checked for drift, and its recorded schema is what staging\'s parity compares with', async () => {
    const ledger = await testDatabase();
    const firstCi = await testDatabase();
    const secondCi = await testDatabase();
    try {
      repo.write(
        'guard.config.yaml',
        `migrations:
  - dir: migrations/versions
    tool: alembic
environments:
  - name: ci
    database: $CI_DATABASE_URL
    ledger: $GUARD_LEDGER_URL
  - name: staging
    database: $STAGING_DATABASE_URL
    drift: refuse
  - name: production
    database: $PRODUCTION_DATABASE_URL
    drift: refuse
`,
      );
      repo.commitAll('a ci environment with its ledger elsewhere');
      const saved = env;
      try {
        for (const database of [firstCi, secondCi]) {
          env = { ...saved, CI_DATABASE_URL: database.url, GUARD_LEDGER_URL: ledger.url };
          const result = deploy('ci');
          assert.equal(result.code, 0, result.stderr);
          assert.match(result.stderr, /5\. drift: not checked: ci's ledger is in another database, so its database is taken as ephemeral/);
        }
        const staging = deploy('staging');
        assert.equal(staging.code, 0, staging.stderr);
        assert.match(staging.stderr, /7\. parity: staging's schema matches ci's at the same chain/);
      } finally {
        env = saved;
      }
    } finally {
      for (const database of [ledger, firstCi, secondCi]) await database.drop();
      config('refuse');
      repo.commitAll('back to staging and production');
    }
  });

  it('each kind of out-of-band change is refused by the next deploy under drift: refuse', async () => {
    const changes: [string, RegExp][] = [
      ['ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)', /column public\.orders\.total: type numeric\(10,2\) -> numeric\(12,2\)/],
      ['ALTER TABLE orders DROP CONSTRAINT orders_pkey', /constraint public\.orders\.orders_pkey: dropped since the last deploy/],
      ["CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'x'; RETURN NEW; END $$", /function public\.touch\(\): added since the last deploy/],
      ['ALTER TABLE orders ENABLE ROW LEVEL SECURITY; CREATE POLICY big_only ON orders USING (total > 100)', /policy public\.orders\.big_only: added since the last deploy/],
    ];
    for (const [change, expected] of changes) {
      await sql('production', `BEGIN; ${change}; COMMIT`);
      const result = deploy('production', '--check');
      assert.equal(result.code, 1, `${change}\n${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.equal(guard('record', 'production').code, 0);
    }
  });

  it('a changed schema whose recorded snapshot is gone from the ledger is still drift, said as such', async () => {
    await sql('production', 'CREATE INDEX orders_total_idx2 ON orders (total)');
    await sql('production', 'DELETE FROM guard.schema_snapshots');
    const drift = guard('drift', 'production');
    assert.equal(drift.code, 1, drift.stderr);
    assert.match(drift.stdout, /^schema \(the whole database\): fingerprint sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64}\n$/);
    assert.match(drift.stderr, /note the ledger lacks the snapshot of sha256:[0-9a-f]{64}: the schema changed, but guard cannot say where/);
    const refused = deploy('production', '--check');
    assert.equal(refused.code, 1, refused.stderr);
  });
});
