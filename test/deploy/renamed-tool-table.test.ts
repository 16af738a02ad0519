// A project whose tool config renames or moves the tool's table (Alembic's
// version_table and version_table_schema here): the set's `table:` tells
// deploy and status where to read it (README, "Config reference").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { ALEMBIC_UPGRADE, alembicSqlRevision, alembicWithPostgresMissing, writeAlembicProject } from '../helpers/alembic-project.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';

const missing = alembicWithPostgresMissing();
if (missing) console.log(`# ${missing}: the renamed-table deploy tests are skipped`);

const config = (table: string) => `migrations:
  - dir: migrations/versions
    tool: alembic${table}
environments:
  - name: staging
    database: $STAGING_DATABASE_URL
`;

describe('a tool table the project renamed and moved, named by `table:`', { skip: missing || false }, () => {
  let repo: TempRepo;
  let staging: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (...extra: string[]) => guard('deploy', 'staging', ...extra, '--', ...ALEMBIC_UPGRADE);

  before(async () => {
    staging = await testDatabase();
    await queryRows(staging.url, 'CREATE SCHEMA audit');
    env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: staging.url };
    repo = new TempRepo();
    writeAlembicProject(repo);
    repo.write('migrations/env.py', repo.read('migrations/env.py').replace('target_metadata=None,', "target_metadata=None,\n            version_table='Schema_History',\n            version_table_schema='audit',"));
    repo.write('guard.config.yaml', config(''));
    repo.write('migrations/versions/a1_users.py', alembicSqlRevision('a1', null, 'CREATE TABLE users (id int)'));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('migrations');
  });
  after(async () => {
    repo?.dispose();
    await staging?.drop();
  });

  it('without `table:`, the deploy cannot see what Alembic recorded and says which table it read', () => {
    const result = deploy();
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /7\. record: .*alembic_version/);
  });

  it('with `table: audit.Schema_History`, deploy and status read the table Alembic wrote', async () => {
    repo.write('guard.config.yaml', config('\n    table: audit.Schema_History'));
    repo.commitAll('the table is renamed');
    assert.deepEqual(await queryRows(staging.url, 'SELECT version_num FROM audit."Schema_History"'), [{ version_num: 'a1' }]);
    const result = deploy();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /7\. record: /);
    const status = guard('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^staging\s+migrations\/versions\s+a1\s+= HEAD/m);
  });

  it('a revision applied by hand is seen in the renamed table at the next deploy', () => {
    repo.write('migrations/versions/b2_orders.py', alembicSqlRevision('b2', 'a1', 'CREATE TABLE orders (id int)'));
    assert.equal(guard('lock').code, 0);
    repo.commitAll('orders');
    const byHand = spawnSync(ALEMBIC_UPGRADE[0]!, ALEMBIC_UPGRADE.slice(1), { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: staging.url } });
    assert.equal(byHand.status, 0, byHand.stderr);
    const check = deploy('--check');
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /audit\.Schema_History is at b2, but guard's last deploy left it at a1/);
  });
});
