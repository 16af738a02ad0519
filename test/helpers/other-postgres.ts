// A second PostgreSQL server, of another major version than the embedded one
// (test/helpers/postgres.ts), for cross-version tests: Debian's packages
// (/usr/lib/postgresql/<N>/bin) when one is installed, in a throwaway cluster
// that is removed when stopped or when the process ends.
//
// PostgreSQL refuses to run as root: running as root (as on CI), initdb,
// pg_ctl and the server run as Debian's `postgres` system user, which owns the
// cluster's directory.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { dataParent, freePort } from './postgres.js';

/** A second PostgreSQL server of another major version (Debian's packages, e.g. /usr/lib/postgresql/15/bin), for cross-version tests. */
export interface OtherServer {
  major: number;
  /** `postgres://user:password@127.0.0.1:port/postgres` */
  url: string;
  /** Stops the server and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
}

const DEBIAN_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';
const BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;

/** The newest major found under /usr/lib/postgresql/<N>/bin with initdb, pg_ctl and postgres, other than `excludeMajor`; undefined when none is installed. */
export function findOtherPostgres(excludeMajor: number): { major: number; bin: string } | undefined {
  let entries: string[];
  try {
    entries = readdirSync(DEBIAN_ROOT);
  } catch {
    return undefined;
  }
  const majors = entries
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((major) => major !== excludeMajor)
    .sort((a, b) => b - a);
  for (const major of majors) {
    const bin = path.join(DEBIAN_ROOT, String(major), 'bin');
    if (BINARIES.every((name) => isExecutable(path.join(bin, name)))) return { major, bin };
  }
  return undefined;
}

/** Initialises a throwaway cluster in a temp dir (prefer /dev/shm when writable, like the existing helper), starts it on a free 127.0.0.1 port with password auth, returns its URL. Stopped and removed by stop(), and also on process exit (best effort). */
export async function startOtherPostgres(found: { major: number; bin: string }): Promise<OtherServer> {
  const { major, bin } = found;
  const initdb = path.join(bin, 'initdb');
  const pgCtl = path.join(bin, 'pg_ctl');
  for (const name of BINARIES) {
    const file = path.join(bin, name);
    if (!isExecutable(file)) throw new Error(`PostgreSQL ${major}: ${file} is missing or not executable`);
  }
  const owner = runAs();

  const root = mkdtempSync(path.join(dataParent(), `guard-pg${major}-`));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const pwFile = path.join(root, 'pwfile');
  const logFile = path.join(root, 'server.log');
  const password = randomBytes(18).toString('hex');

  let removed = false;
  const removeSync = () => {
    if (removed) return;
    removed = true;
    stopByPidFileSync(dataDir);
    rmSync(root, { recursive: true, force: true });
  };
  // The last resort when the process ends without stop() (a failed test, process.exit, an uncaught error).
  process.on('exit', removeSync);
  const remove = () => {
    removeSync();
    process.off('exit', removeSync);
  };

  try {
    // The server's user must own the cluster's directory: the data dir must be
    // its own (mode 0700), the log is written by pg_ctl, the socket by the server.
    chmodSync(root, 0o700);
    mkdirSync(dataDir, { mode: 0o700 });
    mkdirSync(socketDir, { mode: 0o700 });
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner) for (const file of [root, dataDir, socketDir, pwFile]) chownSync(file, owner.uid, owner.gid);

    const context = `PostgreSQL ${major} (data dir ${dataDir}, log ${logFile}${owner ? `, run as uid ${owner.uid} gid ${owner.gid}` : ''}; removed)`;
    try {
      await run(
        initdb,
        [
          '-D', dataDir,
          '-U', SUPERUSER,
          `--pwfile=${pwFile}`,
          // scram-sha-256 is the default password_encryption only from PostgreSQL 14 on.
          `--auth=${major >= 14 ? 'scram-sha-256' : 'md5'}`,
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
          ...(major >= 13 ? ['--no-instructions'] : []),
        ],
        root,
        owner,
      );
    } catch (error) {
      throw new Error(`${initdb} failed for ${context}: ${describe(error)}`);
    }
    rmSync(pwFile, { force: true });

    // A free port, found by binding port 0; another process may take it before
    // PostgreSQL binds it, so a failed start is retried on a new port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const serverOptions = [
        `-p ${port}`,
        `-k ${shellQuote(socketDir)}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        await run(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions], root, owner);
      } catch (error) {
        const log = logTail(logFile);
        if (attempt < 5 && /could not bind|could not create any TCP\/IP sockets/.test(log)) {
          rmSync(logFile, { force: true });
          continue;
        }
        throw new Error(`${pgCtl} start failed for ${context} on port ${port}: ${describe(error)}\n--- tail of ${logFile} ---\n${log}`);
      }
      let stopped: Promise<void> | undefined;
      return {
        major,
        url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
        stop() {
          stopped ??= (async () => {
            try {
              await run(pgCtl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', dataDir], root, owner);
            } catch {
              // removeSync signals the server itself and waits for it
            }
            remove();
          })();
          return stopped;
        },
      };
    }
  } catch (error) {
    remove();
    throw error;
  }
}

/** Whom to run PostgreSQL as: undefined for the current user, Debian's `postgres` user when running as root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) return { uid, gid };
  } catch {
    // no such user
  }
  throw new Error(
    'running as root, which PostgreSQL refuses, and there is no unprivileged `postgres` user to run it as ' +
      "(Debian's postgresql packages create one; or run the tests as another user)",
  );
}

/** Runs `file` to completion (as `owner` when given), with a locale and an environment that do not depend on the machine. */
function run(file: string, args: string[], cwd: string, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // PGDATA, PGPORT, PGHOST, ... of the surrounding shell must not steer initdb or pg_ctl.
    if (!key.startsWith('PG') && !key.startsWith('LC_') && key !== 'LANG') env[key] = value;
  }
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024, ...(owner ?? {}) },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve(stdout);
      },
    );
  });
}

/** A failed command's message and output, trimmed. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { stdout, stderr } = error as Error & { stdout?: string; stderr?: string };
  const output = [stderr, stdout].map((text) => text?.trim()).filter(Boolean).join('\n');
  return output ? `${error.message.split('\n')[0]}\n${output}` : error.message;
}

function logTail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

/**
 * Stops the server of `dataDir`, if one runs, without waiting on the event
 * loop (for the 'exit' handler): a fast shutdown (SIGINT), then SIGKILL after
 * 5 s. PostgreSQL removes postmaster.pid as the last step of a shutdown.
 */
function stopByPidFileSync(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!(pid > 0)) return;
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    for (let i = 0; i < 250 && existsSync(pidFile); i++) Atomics.wait(wait, 0, 0, 20);
    if (!existsSync(pidFile)) return;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `text` as one word for the shell that pg_ctl starts the server with. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

