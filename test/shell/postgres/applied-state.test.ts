import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { GuardError } from '../../../src/core/guard-error.js';
import type { AppliedTable } from '../../../src/core/migrations/applied-table.js';
import { readAlembicState, readAppliedState, readAppliedTable, readFlywayState, readSqlRunnerState, readSqlState, replayFlywayHistory, replaySqlRunnerRecords, type FlywayRecord, type SqlRunnerRecord } from '../../../src/shell/postgres/applied-state.js';
import { connect, disconnect } from '../../../src/shell/postgres/connect.js';
import { ensureLedger } from '../../../src/shell/postgres/ledger.js';
import { finishDeploy, startDeploy } from '../../../src/shell/postgres/deployments.js';
import { testDatabase, type TestDatabase } from '../../helpers/postgres.js';

let db: TestDatabase;
let client: pg.Client;
before(async () => {
  db = await testDatabase();
  client = await connect(db.url, { applicationName: 'guard applied-state test' });
});
after(async () => {
  await disconnect(client);
  await db?.drop();
});

/** Counts the round trips of `run`. */
async function roundTrips<T>(run: () => Promise<T>): Promise<{ value: T; count: number }> {
  let count = 0;
  const query = client.query.bind(client);
  (client as { query: unknown }).query = (...args: Parameters<typeof query>) => {
    count++;
    return query(...args);
  };
  try {
    return { value: await run(), count };
  } finally {
    (client as { query: unknown }).query = query;
  }
}

/** Flyway's own table, as Flyway 10 creates it on PostgreSQL. */
const FLYWAY_TABLE = (name: string) => `CREATE TABLE ${name} (
  installed_rank integer NOT NULL PRIMARY KEY,
  version varchar(50),
  description varchar(200) NOT NULL,
  type varchar(20) NOT NULL,
  script varchar(1000) NOT NULL,
  checksum integer,
  installed_by varchar(100) NOT NULL,
  installed_on timestamp NOT NULL DEFAULT now(),
  execution_time integer NOT NULL,
  success boolean NOT NULL)`;

describe('alembic', () => {
  it('no table: nothing applied, in one round trip', async () => {
    const { value, count } = await roundTrips(() => readAlembicState(client));
    assert.deepEqual(value, { tool: 'alembic', heads: [], table: 'alembic_version' });
    assert.equal(count, 1);
    assert.deepEqual(await readAlembicState(client, { schema: 'no_such_schema' }), { tool: 'alembic', heads: [], table: 'no_such_schema.alembic_version' });
  });

  it('one row per head; several rows are several heads', async () => {
    await client.query('CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)');
    assert.deepEqual((await readAlembicState(client)).heads, []);
    await client.query(`INSERT INTO alembic_version VALUES ('b2c3')`);
    assert.deepEqual((await readAlembicState(client)).heads, ['b2c3']);
    await client.query(`INSERT INTO alembic_version VALUES ('a1f0')`);
    const { value, count } = await roundTrips(() => readAppliedState(client, { tool: 'alembic' }));
    assert.deepEqual(value, { tool: 'alembic', heads: ['a1f0', 'b2c3'], table: 'alembic_version' });
    assert.equal(count, 1);
  });

  it("reads alembic's version_table_schema and version_table", async () => {
    await client.query('CREATE SCHEMA "App Meta"');
    await client.query(`CREATE TABLE "App Meta".my_versions (version_num varchar(32) PRIMARY KEY); INSERT INTO "App Meta".my_versions VALUES ('ffee')`);
    assert.deepEqual(await readAlembicState(client, { schema: 'App Meta', table: 'my_versions' }), { tool: 'alembic', heads: ['ffee'], table: 'App Meta.my_versions' });
  });

  it('a table guard may not read: exit 3, not "nothing applied"', async () => {
    await client.query('CREATE TABLE locked_versions (version_num text)');
    // Roles belong to the server, not the database: a unique name, dropped after.
    const role = `guard_reader_${process.pid}_${Date.now()}`;
    await client.query(`CREATE ROLE ${role}`);
    await client.query(`SET ROLE ${role}`);
    try {
      await assert.rejects(readAlembicState(client, { table: 'locked_versions' }), (error: unknown) => {
        assert.ok(error instanceof GuardError);
        assert.equal(error.exitCode, ExitCode.unreadable);
        assert.match(error.message, /^cannot read locked_versions: permission denied/);
        return true;
      });
    } finally {
      await client.query('RESET ROLE');
      await client.query(`DROP ROLE ${role}`);
    }
  });
});

describe('flyway', () => {
  it('no table: nothing applied', async () => {
    assert.deepEqual(await readFlywayState(client, { table: 'no_history' }), { tool: 'flyway', heads: [], applied: [], history: [], failed: [], repeatable: {}, table: 'no_history' });
  });

  it('reads a history table that lacks columns guard does not need (installed_on, execution_time)', async () => {
    await client.query(`CREATE TABLE lean_history (installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, success boolean NOT NULL)`);
    await client.query(`INSERT INTO lean_history VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', 5, true)`);
    const state = await readFlywayState(client, { table: 'lean_history' });
    assert.deepEqual([state.heads, state.applied], [['1'], ['1']]);
  });

  it('replays flyway_schema_history: baseline, versioned, out of order, undo, repair deletes, failures, repeatables', async () => {
    await client.query('CREATE SCHEMA flyway');
    await client.query(FLYWAY_TABLE('flyway.flyway_schema_history'));
    await client.query(`INSERT INTO flyway.flyway_schema_history
      (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES
      (1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '"flyway"', NULL, 'app', 0, true),
      (2, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'app', 0, true),
      (3, '1.1', 'users', 'SQL', 'V1.1__users.sql', 123, 'app', 5, true),
      (4, '2', 'orders', 'SQL', 'V2__orders.sql', -456, 'app', 5, true),
      (5, NULL, 'views', 'SQL', 'R__views.sql', 11, 'app', 5, true),
      (6, '1.5', 'late', 'SQL', 'V1.5__late.sql', 789, 'app', 5, true),
      (7, '3', 'bad', 'SQL', 'V3__bad.sql', 1, 'app', 5, false),
      (8, '2', 'orders', 'UNDO_SQL', 'U2__orders.sql', 2, 'app', 5, true),
      (9, '2', 'orders', 'SQL', 'V2__orders.sql', -456, 'app', 5, true),
      (10, '1.1', 'users', 'DELETE', 'V1.1__users.sql', 123, 'app', 0, true),
      (11, NULL, 'views', 'SQL', 'R__views.sql', 12, 'app', 5, true),
      (12, '10', 'ten', 'JDBC', 'db.migration.V10__ten', NULL, 'app', 5, true)`);
    const { value, count } = await roundTrips(() => readAppliedState(client, { tool: 'flyway', schema: 'flyway' }));
    assert.equal(count, 1);
    assert.ok(value.tool === 'flyway');
    const state = value as Awaited<ReturnType<typeof readFlywayState>>;
    assert.equal(state.table, 'flyway.flyway_schema_history');
    // 10 > 2 > 1.5 numerically, not as text.
    assert.deepEqual(state.heads, ['10']);
    assert.deepEqual(state.applied, ['1', '1.5', '2', '10']);
    assert.deepEqual(
      state.history.map((row) => [row.installedRank, row.version, row.type, row.checksum]),
      [
        [2, '1', 'BASELINE', null],
        [6, '1.5', 'SQL', 789],
        [9, '2', 'SQL', -456],
        [12, '10', 'JDBC', null],
      ],
    );
    assert.deepEqual(state.failed, ['3']);
    assert.deepEqual(state.repeatable, { 'R__views.sql': 12 });
  });

  it('versions are equal as Flyway compares them (1.0 is 1, 1_1 is 1.1)', () => {
    const row = (rank: number, version: string, type = 'SQL'): FlywayRecord => ({ installed_rank: rank, version, description: '', type, script: `V${version}__x.sql`, checksum: 1, success: true });
    const state = replayFlywayHistory([row(1, '1.0'), row(2, '1_1'), row(3, '1.1', 'DELETE')]);
    assert.deepEqual(state.applied, ['1.0']);
    assert.deepEqual(state.heads, ['1.0']);
  });
});

describe('sql (guard ledger)', () => {
  it('no ledger: nothing applied; then the last successful deploy of the set', async () => {
    assert.deepEqual(await readSqlState(client, 'staging', 'db/sql'), { tool: 'sql', heads: [], applied: [], migrations: [], table: 'guard.deployments' });
    await ensureLedger(client);
    const migrations = [
      { id: '001', file: '001_a.sql', sha256: 'a'.repeat(64) },
      { id: '002', file: '002_b.sql', sha256: 'b'.repeat(64) },
    ];
    const base = { environment: 'staging', migrationSet: 'db/sql', tool: 'sql' as const, chain: `sha256:${'c'.repeat(64)}`, commit: null, actor: 'a', host: 'h', command: null, forced: false, reason: null, uncheckedPredecessor: null };
    const ok = await startDeploy(client, { ...base, heads: ['002'], migrations });
    await finishDeploy(client, ok, { status: 'succeeded' });
    const failed = await startDeploy(client, { ...base, heads: ['003'], migrations: [...migrations, { id: '003', file: '003_c.sql', sha256: 'd'.repeat(64) }] });
    await finishDeploy(client, failed, { status: 'failed' });
    const { value, count } = await roundTrips(() => readAppliedState(client, { tool: 'sql', environment: 'staging', migrationSet: 'db/sql' }));
    assert.equal(count, 1);
    assert.deepEqual(value, { tool: 'sql', heads: ['002'], applied: ['001', '002'], migrations, deployId: ok, table: 'guard.deployments' });
    assert.deepEqual((await readSqlState(client, 'production', 'db/sql')).heads, []);
  });
});

describe("sql (guard's runner: guard.sql_migrations)", () => {
  it('a table of several sets is never read whole: the set must be named', async () => {
    const { SQL_RUNNER_TABLE } = await import('../../../src/core/tools/sql/sql-runner-table.js');
    await assert.rejects(readAppliedTable(client, SQL_RUNNER_TABLE), /holds several sets \(migration_set\); name the set to read/);
  });

  const row = (id: string, status: SqlRunnerRecord['status'], transactional = true, extra: Partial<SqlRunnerRecord> = {}): SqlRunnerRecord => ({
    id,
    file: `${id}_x.sql`,
    sha256: id.repeat(64).slice(0, 64),
    status,
    transactional,
    error: null,
    error_line: null,
    started_at: '2026-12-07T05:00:00Z',
    ...extra,
  });

  it("each id's last attempt decides: applied and recorded count, a failed transactional attempt left nothing, an unfinished one outside a transaction is named", () => {
    const state = replaySqlRunnerRecords([row('1', 'recorded'), row('2', 'failed'), row('2', 'applied'), row('3', 'failed'), row('4', 'failed', false, { error: 'boom', error_line: 7 }), row('5', 'running', false)]);
    assert.deepEqual(state.applied, ['1', '2']);
    assert.deepEqual(state.heads, ['2']);
    assert.deepEqual(state.appliedContent?.map((entry) => entry.id), ['1', '2']);
    assert.deepEqual(state.unfinished, [
      { id: '4', file: '4_x.sql', status: 'failed', error: 'boom', line: 7, at: '2026-12-07T05:00:00Z' },
      { id: '5', file: '5_x.sql', status: 'running', at: '2026-12-07T05:00:00Z' },
    ]);
  });

  it('no table, or no row of the set: undefined (the ledger is the record)', async () => {
    assert.equal(await readSqlRunnerState(client, 'db/sql'), undefined);
    await client.query(`CREATE SCHEMA IF NOT EXISTS guard; CREATE TABLE guard.sql_migrations (rank bigint GENERATED ALWAYS AS IDENTITY, migration_set text, id text, file text, sha256 text, status text, transactional boolean, error text, error_line int, started_at timestamptz DEFAULT now())`);
    assert.equal(await readSqlRunnerState(client, 'db/sql'), undefined);
    await client.query(`INSERT INTO guard.sql_migrations (migration_set, id, file, sha256, status, transactional) VALUES ('db/sql', '001', '001_a.sql', $1, 'applied', true)`, ['a'.repeat(64)]);
    assert.deepEqual((await readSqlRunnerState(client, 'db/sql'))?.applied, ['001']);
    assert.equal(await readSqlRunnerState(client, 'db/other'), undefined);
    await client.query('DROP TABLE guard.sql_migrations');
  });
});

describe('a table described as data (the next tool needs no reader code)', () => {
  // golang-migrate's `schema_migrations`: one row, the current version and whether the last run left it dirty.
  interface GolangMigrateRow {
    version: string;
    dirty: boolean;
  }
  const golangMigrate: AppliedTable<GolangMigrateRow> = {
    table: 'schema_migrations',
    columns: { id: 'version', other: ['dirty'] },
    noRows: 'nothing applied',
    replay: (rows) => ({ tool: 'sql', heads: rows.filter((row) => !row.dirty).map((row) => String(row.version)) }),
  };
  // A history kept per set, with an applied-at column: selected as ISO 8601 text, filtered by set, in order.
  interface HistoryRow {
    name: string;
    applied_at: string;
  }
  const history: AppliedTable<HistoryRow> = {
    table: 'history',
    schema: 'Tool Meta',
    columns: { id: 'name', appliedAt: 'applied_at' },
    orderBy: 'seq',
    setColumn: 'set_dir',
    noRows: 'not the record',
    replay: (rows) => ({ tool: 'sql', heads: rows.length ? [rows.at(-1)!.name] : [], applied: rows.map((row) => `${row.name}@${row.applied_at}`) }),
  };

  it('reads the columns the description names, in one round trip; no table is nothing applied', async () => {
    assert.deepEqual(await readAppliedTable(client, golangMigrate), { tool: 'sql', heads: [], table: 'schema_migrations' });
    await client.query('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    await client.query('INSERT INTO schema_migrations VALUES (20260115120000, false)');
    const { value, count } = await roundTrips(() => readAppliedTable(client, golangMigrate));
    assert.equal(count, 1);
    assert.deepEqual(value, { tool: 'sql', heads: ['20260115120000'], table: 'schema_migrations' });
    await client.query('DROP TABLE schema_migrations');
  });

  it("keeps the set's rows in order, applied-at as text; no row of the set: not the record", async () => {
    await client.query(`CREATE SCHEMA "Tool Meta"; CREATE TABLE "Tool Meta".history (seq int, set_dir text, name text, applied_at timestamptz)`);
    await client.query(`INSERT INTO "Tool Meta".history VALUES (2, 'db/a', 'second', '2026-12-07 05:00:01+00'), (1, 'db/a', 'first', '2026-12-07 05:00:00+00'), (3, 'db/b', 'other', '2026-12-07 05:00:02+00')`);
    await client.query(`SET TIME ZONE 'UTC'`);
    assert.deepEqual(await readAppliedTable(client, history, { set: 'db/a' }), {
      tool: 'sql',
      heads: ['second'],
      applied: ['first@2026-12-07T05:00:00+00:00', 'second@2026-12-07T05:00:01+00:00'],
      table: 'Tool Meta.history',
    });
    assert.equal(await readAppliedTable(client, history, { set: 'db/c' }), undefined);
    await client.query(`DROP SCHEMA "Tool Meta" CASCADE; RESET TIME ZONE`);
  });
});

// Knex, Sequelize CLI and Kysely's tables as each tool creates them on
// PostgreSQL (knex 3 table-creator.js, umzug 2.3.0's SequelizeStorage,
// kysely 0.29 migrator.js), read by the one reader.
describe('knex, sequelize and kysely tables', () => {
  it('no table is nothing applied; knex_migrations in id order, with a gap left by a rolled-back insert', async () => {
    assert.deepEqual(await readAppliedState(client, { tool: 'knex' }), { tool: 'knex', heads: [], applied: [], table: 'knex_migrations' });
    await client.query('CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz)');
    await client.query(`INSERT INTO knex_migrations (id, name, batch, migration_time) VALUES (1, '20240101000000_a.js', 1, now()), (3, '20230101000000_late.js', 2, now())`);
    assert.deepEqual(await readAppliedState(client, { tool: 'knex' }), { tool: 'knex', heads: ['20240101000000_a.js'], applied: ['20240101000000_a.js', '20230101000000_late.js'], table: 'knex_migrations' });
  });

  it('"SequelizeMeta" (mixed case, one column): the names in code-unit order, whatever the collation', async () => {
    await client.query('CREATE TABLE "SequelizeMeta" (name varchar(255) NOT NULL UNIQUE PRIMARY KEY)');
    await client.query(`INSERT INTO "SequelizeMeta" VALUES ('b-x.js'), ('B-y.js'), ('a-z.js')`);
    assert.deepEqual(await readAppliedState(client, { tool: 'sequelize' }), { tool: 'sequelize', heads: ['b-x.js'], applied: ['B-y.js', 'a-z.js', 'b-x.js'], table: 'SequelizeMeta' });
  });

  it('kysely_migration by its ISO timestamp text, ties by name', async () => {
    await client.query('CREATE TABLE kysely_migration (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)');
    await client.query(`INSERT INTO kysely_migration VALUES ('003_c', '2026-01-02T00:00:00.000Z'), ('002_b', '2026-01-01T00:00:00.000Z'), ('001_a', '2026-01-01T00:00:00.000Z')`);
    assert.deepEqual(await readAppliedState(client, { tool: 'kysely' }), { tool: 'kysely', heads: ['003_c'], applied: ['001_a', '002_b', '003_c'], table: 'kysely_migration' });
  });
});

describe('node-pg-migrate (public.pgmigrations)', () => {
  it("no table: nothing applied; then its rows as the tool writes them, each run's sharing run_on, in the order they were written", async () => {
    assert.deepEqual(await readAppliedState(client, { tool: 'node-pg-migrate' }), { tool: 'node-pg-migrate', heads: [], applied: [], table: 'public.pgmigrations' });
    // As ensureMigrationsTable (node-pg-migrate 9, src/runner.ts) creates it, and Migration._getMarkAsRun writes a row.
    await client.query('CREATE TABLE "public"."pgmigrations" (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)');
    await client.query('BEGIN');
    for (const name of ['1765100000000_users', '1765100001000_orders']) await client.query(`INSERT INTO "public"."pgmigrations" (name, run_on) VALUES ('${name}', NOW());`);
    await client.query('COMMIT');
    await client.query(`INSERT INTO "public"."pgmigrations" (name, run_on) VALUES ('20251207100000000_email', NOW());`);
    const state = await readAppliedState(client, { tool: 'node-pg-migrate' });
    assert.deepEqual(state, { tool: 'node-pg-migrate', heads: ['20251207100000000_email'], applied: ['1765100000000_users', '1765100001000_orders', '20251207100000000_email'], table: 'public.pgmigrations' });
  });
});
