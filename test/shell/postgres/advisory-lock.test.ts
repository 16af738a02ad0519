import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { GuardError } from '../../../src/core/guard-error.js';
import { acquireLock, describeHolder, lockHolder, releaseLock, splitKey, type LockHolder } from '../../../src/shell/postgres/advisory-lock.js';
import { connect, disconnect } from '../../../src/shell/postgres/connect.js';
import { PROJECT_ROOT } from '../../helpers/git-repo.js';
import { testDatabase, type TestDatabase } from '../../helpers/postgres.js';

const TSX = import.meta.resolve('tsx');
let db: TestDatabase;
const clients: pg.Client[] = [];

before(async () => {
  db = await testDatabase();
});
after(async () => {
  await Promise.all(clients.map(disconnect));
  await db?.drop();
});

async function session(applicationName: string): Promise<pg.Client> {
  const client = await connect(db.url, { applicationName });
  clients.push(client);
  return client;
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

describe('splitKey', () => {
  it('gives the high and low 32 bits as pg_locks shows them (unsigned)', () => {
    assert.deepEqual(splitKey(0x0000_0001_0000_0002n), [1n, 2n]);
    assert.deepEqual(splitKey(-1n), [0xffff_ffffn, 0xffff_ffffn]);
    assert.deepEqual(splitKey(-(2n ** 63n)), [0x8000_0000n, 0n]);
    assert.throws(() => splitKey(2n ** 63n), RangeError);
  });
});

describe('advisory lock', () => {
  it('a second session waits, reports the holder, and exits 4 naming it', async () => {
    const key = 0x1234_5678_9abc_def0n;
    const first = await session('guard deploy staging by alice@ci-1 pid 111');
    const second = await session('guard deploy staging by bob@ci-2 pid 222');
    await acquireLock(first, key, { waitMs: 0 });
    const firstPid = await backendPid(first);

    const seen: Array<LockHolder | undefined> = [];
    const started = performance.now();
    const error = await acquireLock(second, key, { waitMs: 600, pollMs: 100, name: 'the deploy lock of staging', onWaiting: (holder) => seen.push(holder) }).then(
      () => assert.fail('second session took the lock'),
      (caught: unknown) => caught,
    );
    const waited = performance.now() - started;
    assert.ok(error instanceof GuardError);
    assert.equal(error.exitCode, ExitCode.lockTimeout);
    assert.ok(waited >= 550 && waited < 3000, `waited ${waited} ms`);
    assert.match(error.message, /^the deploy lock of staging was not obtained within 0\.6 s: held by "guard deploy staging by alice@ci-1 pid 111" \(pid \d+, since \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    assert.ok(error.message.includes(`(pid ${firstPid},`));
    assert.match(error.fix ?? '', /--lock-wait/);
    // Reported once while waiting (the holder did not change).
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.applicationName, 'guard deploy staging by alice@ci-1 pid 111');
    assert.equal(seen[0]?.pid, firstPid);

    const holder = await lockHolder(second, key);
    assert.equal(holder?.pid, firstPid);

    // The holder disconnects: the lock is free at once.
    await first.end();
    await acquireLock(second, key, { waitMs: 0 });
    assert.equal((await lockHolder(second, key))?.pid, await backendPid(second));
    assert.equal(await releaseLock(second, key), true);
    assert.equal(await releaseLock(second, key), false);
    assert.equal(await lockHolder(second, key), undefined);
  });

  it('a waiting session gets the lock as soon as the holder releases it', async () => {
    const key = -42n;
    const first = await session('holder');
    const second = await session('waiter');
    await acquireLock(first, key, { waitMs: 0 });
    setTimeout(() => void releaseLock(first, key), 300);
    const started = performance.now();
    await acquireLock(second, key, { waitMs: 5000, pollMs: 50 });
    assert.ok(performance.now() - started < 4000);
    assert.equal((await lockHolder(first, key))?.pid, await backendPid(second));
    await releaseLock(second, key);
  });

  it('keys are per database and per key: another key is free', async () => {
    const first = await session('one');
    const second = await session('two');
    await acquireLock(first, 7n, { waitMs: 0 });
    await acquireLock(second, 8n, { waitMs: 0 });
    assert.equal(await lockHolder(first, 9n), undefined);
    await releaseLock(first, 7n);
    await releaseLock(second, 8n);
  });

  it('a holder killed with SIGKILL leaves no lock behind', async () => {
    const key = 987654321987654321n;
    const script = `
      const { connect } = await import(${JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'src/shell/postgres/connect.ts')).href)});
      const { acquireLock } = await import(${JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'src/shell/postgres/advisory-lock.ts')).href)});
      const client = await connect(process.env.LOCK_URL, { applicationName: 'guard deploy production by carol@box pid ' + process.pid });
      await acquireLock(client, ${key}n, { waitMs: 0 });
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
      env: { ...process.env, LOCK_URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      child.on('exit', () => reject(new Error(`the child ended before taking the lock: ${stderr}`)));
    });

    const observer = await session('observer');
    const holder = await lockHolder(observer, key);
    assert.equal(holder?.applicationName, `guard deploy production by carol@box pid ${child.pid}`);
    await assert.rejects(acquireLock(observer, key, { waitMs: 0 }), (error: unknown) => error instanceof GuardError && error.exitCode === ExitCode.lockTimeout && error.message.includes('carol@box'));

    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    // PostgreSQL ends the dead client's session when its socket closes.
    await acquireLock(observer, key, { waitMs: 5000, pollMs: 50 });
    assert.equal((await lockHolder(observer, key))?.pid, await backendPid(observer));
    await releaseLock(observer, key);
  });

  it('describes an unidentified holder honestly', () => {
    assert.match(describeHolder(undefined), /^another session/);
    assert.equal(describeHolder({ pid: 5, applicationName: '', since: null }), 'a session without application_name (pid 5)');
  });
});
