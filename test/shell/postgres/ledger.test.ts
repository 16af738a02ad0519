import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type pg from 'pg';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { GuardError } from '../../../src/core/guard-error.js';
import { connect, disconnect } from '../../../src/shell/postgres/connect.js';
import { ensureLedger, readLedgerMigrations } from '../../../src/shell/postgres/ledger.js';
import { finishDeploy, readDeploys, recordDeploy, settleRunning, startDeploy, type NewDeploy } from '../../../src/shell/postgres/deployments.js';
import { testDatabase, type TestDatabase } from '../../helpers/postgres.js';

const dbs: TestDatabase[] = [];
const clients: pg.Client[] = [];
after(async () => {
  await Promise.all(clients.map(disconnect));
  for (const db of dbs) await db.drop();
});

/** A fresh database and a session on it. */
async function fresh(): Promise<{ db: TestDatabase; client: pg.Client }> {
  const db = await testDatabase();
  dbs.push(db);
  const client = await connect(db.url, { applicationName: 'guard ledger test' });
  clients.push(client);
  return { db, client };
}

const sha = (c: string) => c.repeat(64);
const chain = (c: string) => `sha256:${sha(c)}`;

function deploy(overrides: Partial<NewDeploy> = {}): NewDeploy {
  return {
    environment: 'staging',
    migrationSet: 'db/versions',
    tool: 'alembic',
    heads: ['a1'],
    chain: chain('a'),
    migrations: [{ id: 'a1', file: 'a1_init.py', sha256: sha('1') }],
    commit: '0123456789abcdef0123456789abcdef01234567',
    actor: 'alice',
    host: 'ci-1',
    command: 'alembic upgrade head',
    forced: false,
    reason: null,
    uncheckedPredecessor: null,
    ...overrides,
  };
}

describe('ensureLedger', () => {
  it('creates schema guard once and is idempotent', async () => {
    const { client } = await fresh();
    const shipped = readLedgerMigrations();
    assert.deepEqual(await ensureLedger(client), ['001', '002', '003']);
    assert.deepEqual(await ensureLedger(client), []);
    const { rows } = await client.query<{ version: string; sha256: string }>('SELECT version, sha256 FROM guard.schema_migrations ORDER BY version');
    assert.deepEqual(rows, shipped.map((migration) => ({ version: migration.version, sha256: migration.sha256 })));
  });

  it('concurrent first runs serialise on the ledger lock: one applies, the other finds it done', async () => {
    const { db, client } = await fresh();
    const other = await connect(db.url, { applicationName: 'guard ledger test 2' });
    clients.push(other);
    const results = await Promise.all([ensureLedger(client), ensureLedger(other)]);
    assert.deepEqual(results.map((applied) => applied.length).sort(), [0, readLedgerMigrations().length]);
  });

  it('applies a new shipped migration after the ones already applied', async () => {
    const { client } = await fresh();
    const shipped = readLedgerMigrations();
    await ensureLedger(client, shipped);
    const next = { version: '999', file: '999_note.sql', sql: 'ALTER TABLE guard.deployments ADD COLUMN note text;', sha256: sha('2') };
    assert.deepEqual(await ensureLedger(client, [...shipped, next]), ['999']);
    assert.deepEqual(await ensureLedger(client, [...shipped, next]), []);
    // An older guard meets a ledger a newer one upgraded: refused, exit 3.
    await assert.rejects(ensureLedger(client, shipped), (error: unknown) => {
      assert.ok(error instanceof GuardError);
      assert.equal(error.exitCode, ExitCode.unreadable);
      assert.match(error.message, /migration 999, which this guard does not know/);
      return true;
    });
  });

  it('refuses a ledger whose applied migration differs from the shipped one (exit 3)', async () => {
    const { client } = await fresh();
    await ensureLedger(client);
    await client.query(`UPDATE guard.schema_migrations SET sha256 = $1 WHERE version = '001'`, [sha('f')]);
    await assert.rejects(ensureLedger(client), (error: unknown) => {
      assert.ok(error instanceof GuardError);
      assert.equal(error.exitCode, ExitCode.unreadable);
      assert.match(error.message, /^guard's ledger was changed: its migration 001 was applied with sha256 f{64}, but this guard ships 001_guard_ledger\.sql with sha256 [0-9a-f]{64}$/);
      assert.match(error.fix ?? '', /never be edited/);
      return true;
    });
  });

  it('a failing migration leaves nothing half-applied', async () => {
    const { client } = await fresh();
    const broken = [...readLedgerMigrations(), { version: '999', file: '999_broken.sql', sql: 'CREATE TABLE guard.x (id int); SELECT 1/0;', sha256: sha('3') }];
    await assert.rejects(ensureLedger(client, broken), (error: unknown) => error instanceof GuardError && error.exitCode === ExitCode.unreadable && /division by zero/.test(error.message));
    const { rows } = await client.query<{ present: boolean }>("SELECT to_regclass('guard.deployments') IS NOT NULL AS present");
    assert.equal(rows[0]?.present, false);
  });
});

describe('deploys', () => {
  let client: pg.Client;
  beforeEach(async () => {
    ({ client } = await fresh());
    await ensureLedger(client);
  });

  it('readDeploys: nothing without a ledger or without rows', async () => {
    const { client: bare } = await fresh();
    assert.deepEqual(await readDeploys(bare, 'staging'), []);
    assert.deepEqual(await readDeploys(client, 'staging'), []);
  });

  it('start, finish and read back: one row as the plain type', async () => {
    const id = await startDeploy(client, deploy());
    let [set] = await readDeploys(client, 'staging');
    assert.equal(set?.latest.id, id);
    assert.equal(set?.latest.status, 'running');
    assert.equal(set?.latest.finishedAt, null);
    assert.equal(set?.lastSuccessful, undefined);

    await finishDeploy(client, id, { status: 'succeeded', schemaFingerprint: 'fp1' });
    [set] = await readDeploys(client, 'staging');
    const row = set!.latest;
    assert.deepEqual(set!.lastSuccessful, row);
    assert.deepEqual({ ...row, startedAt: '', finishedAt: '' }, {
      ...deploy(),
      id,
      status: 'succeeded',
      startedAt: '',
      finishedAt: '',
      schemaFingerprint: 'fp1',
    });
    assert.match(row.startedAt, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.ok(row.finishedAt! >= row.startedAt);

    // Finishing twice: the row is not running any more.
    await assert.rejects(finishDeploy(client, id, { status: 'failed' }), (error: unknown) => error instanceof GuardError && error.exitCode === ExitCode.unreadable);
  });

  it('keeps every field of each entry and what a break-glass deploy did not check; reads a ledger not yet at 003', async () => {
    const entries = [{ id: 'a1', file: 'a1_init.py', parents: [], sha256: sha('1'), down: 'a1.down.sql', down_sha256: sha('2'), branch_labels: ['main'] }];
    const id = await startDeploy(client, deploy({ migrations: entries, reason: 'staging is down', uncheckedPredecessor: 'staging: cannot connect' }));
    const [set] = await readDeploys(client, 'staging');
    assert.deepEqual(set!.latest.migrations, entries);
    assert.equal(set!.latest.uncheckedPredecessor, 'staging: cannot connect');
    await assert.rejects(startDeploy(client, deploy({ uncheckedPredecessor: 'staging: down', reason: null })), /cannot record the deploy/, 'never unchecked without a reason');

    // A ledger an older guard created (001 and 002 only), read by --check, status or as a predecessor.
    const { client: older } = await fresh();
    await ensureLedger(older, readLedgerMigrations().filter((migration) => Number(migration.version) <= 2));
    await older.query(
      `INSERT INTO guard.deployments (environment, status, migration_set, tool, heads, chain, migrations, actor, host, finished_at)
       VALUES ('staging', 'succeeded', 'db/versions', 'alembic', '{a1}', $1, '[]', 'alice', 'ci-1', now())`,
      [chain('a')],
    );
    const [old] = await readDeploys(older, 'staging');
    assert.equal(old!.lastSuccessful?.uncheckedPredecessor, null);
    assert.ok(id > 0);
  });

  it('readDeploys returns, per set, the latest row and the latest successful one, in one query', async () => {
    const a1 = await startDeploy(client, deploy());
    await finishDeploy(client, a1, { status: 'succeeded' });
    const a2 = await startDeploy(client, deploy({ heads: ['a2'], chain: chain('b') }));
    await finishDeploy(client, a2, { status: 'failed' });
    const a3 = await startDeploy(client, deploy({ heads: ['a3'], chain: chain('c') }));
    const sqlSet = await recordDeploy(client, deploy({ migrationSet: 'db/sql', tool: 'sql', heads: ['002'] }));
    // Other environments do not count.
    const prod = await startDeploy(client, deploy({ environment: 'production' }));
    await finishDeploy(client, prod, { status: 'succeeded' });

    let count = 0;
    const query = client.query.bind(client);
    (client as { query: unknown }).query = (...args: Parameters<typeof query>) => {
      count++;
      return query(...args);
    };
    const sets = await readDeploys(client, 'staging');
    (client as { query: unknown }).query = query;
    assert.equal(count, 1);

    assert.deepEqual(
      sets.map((set) => [set.migrationSet, set.latest.id, set.latest.status, set.lastSuccessful?.id, set.lastSuccessful?.status]),
      [
        ['db/sql', sqlSet, 'recorded', sqlSet, 'recorded'],
        ['db/versions', a3, 'running', a1, 'succeeded'],
      ],
    );
  });

  it('settleRunning marks left-over running rows settled, keeping their reason', async () => {
    const crashed = await startDeploy(client, deploy({ forced: true, reason: 'hotfix' }));
    const other = await startDeploy(client, deploy({ migrationSet: 'db/sql', tool: 'sql' }));
    const settled = await settleRunning(client, 'staging', { reason: 'settled by alice: the crash left the schema at a1', migrationSet: 'db/versions' });
    assert.deepEqual(settled.map((row) => [row.id, row.status, row.reason]), [[crashed, 'settled', 'hotfix; settled by alice: the crash left the schema at a1']]);
    assert.ok(settled[0]!.finishedAt);
    const rest = await settleRunning(client, 'staging', { reason: 'guard record staging' });
    assert.deepEqual(rest.map((row) => row.id), [other]);
    assert.deepEqual(await settleRunning(client, 'staging', { reason: 'again' }), []);
    const sets = await readDeploys(client, 'staging');
    // A settled crash is the latest row, but never the last successful one.
    assert.ok(sets.every((set) => set.latest.status === 'settled' && set.lastSuccessful?.id !== set.latest.id));
  });

  it('the ledger refuses a forced deploy without a reason (exit 3, redacted pg message)', async () => {
    await assert.rejects(startDeploy(client, deploy({ forced: true, reason: null })), (error: unknown) => {
      assert.ok(error instanceof GuardError);
      assert.equal(error.exitCode, ExitCode.unreadable);
      assert.match(error.message, /^cannot record the deploy of db\/versions to staging in the ledger: .*check constraint/);
      return true;
    });
  });
});
