// The migration command of `guard deploy` (step 6) as a child that never
// outlives guard. Two mechanisms, each enough on its own for the common case:
//
// - Linux, util-linux `setpriv` with `--pdeathsig` (2.33+): the command is
//   started as `setpriv --pdeathsig KILL -- COMMAND...`, so the kernel sends it
//   SIGKILL when guard dies, however guard dies (prctl(2) PR_SET_PDEATHSIG,
//   kept across execve). It reaches the direct child only: its own children
//   (psql started by a shell script, a worker of a Python tool) do not inherit it.
// - everywhere (Linux with or without setpriv, macOS): the command runs in a
//   process group of its own, and a watchdog (`/bin/sh`, in a session of its
//   own, so that a signal to guard's group does not reach it) holds a pipe
//   from guard: when guard dies the kernel closes the pipe, the watchdog reads
//   end-of-file and kills the command's whole group, grandchildren included.
//   When the command ends normally, guard kills what is left of its group
//   (a process it left running in the background) and tells the watchdog to
//   stand down. SIGINT and SIGTERM sent to guard are passed to the group.
//
// What neither mechanism covers: a process that left the group (setsid, a
// daemon), and the database session of a killed client, which PostgreSQL
// ends only when it next reads from or writes to the closed socket (a long
// statement runs on; a multi-statement query sent in one message may even
// commit). The deploy gate's second line covers both: every session of the
// command carries a tag (`PGAPPNAME`), and the next deploy waits while a
// tagged session is connected (src/shell/postgres/migration-sessions.ts).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';
import { redactCommandText } from '../core/deploy/redact-command.js';

/** How the command is kept from outliving guard on this machine, for messages and tests. */
export interface Supervision {
  /** The `setpriv` giving the direct child a parent-death signal; undefined where there is none (macOS, old util-linux). */
  setpriv: string | undefined;
  /** Process group of its own, killed on guard's exit by guard or by the watchdog (POSIX). */
  processGroup: boolean;
}

/**
 * Runs `command` with `env`, its output streamed, and resolves to its exit
 * code (128 + n after signal n). The command never outlives guard; see the
 * top of this file for how, and what remains.
 *
 * @throws GuardError exit 2 when the command cannot be found or started
 */
export async function runMigrationCommand(command: readonly string[], options: { env: Record<string, string>; stdout: 'inherit' | 'stderr' }): Promise<number> {
  const [program, ...args] = command;
  const cannotRun = (why: string) =>
    new GuardError(ExitCode.input, `cannot run ${redactCommandText(program ?? '')}: ${redactCommandText(why)}`, { fix: 'check the command after --, or deploy.command in the config' });
  if (!program) throw cannotRun('no command');
  // Looked up here, not by setpriv, so that a missing command stays a usage error and never runs as "exited 127".
  if (!findExecutable(program, options.env.PATH)) throw cannotRun(program.includes('/') ? 'no such executable file' : `not found on PATH`);
  const supervision = supervisionHere(options.env.PATH);
  const argv = supervision.setpriv ? [supervision.setpriv, '--pdeathsig', 'KILL', '--', '/bin/sh', '-c', STILL_GUARDS_CHILD, String(process.pid), program, ...args] : [program, ...args];

  return new Promise((resolve, reject) => {
    // The watchdog starts first, so that only the write of one line separates the command's start from its watch.
    const watchdog = supervision.processGroup ? startWatchdog() : undefined;
    const child = spawn(argv[0]!, argv.slice(1), {
      env: options.env,
      stdio: ['inherit', options.stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'],
      detached: supervision.processGroup,
    });
    const pid = child.pid;
    if (pid !== undefined) watchdog?.watch(pid);
    const signalGroup = (signal: NodeJS.Signals) => {
      if (pid === undefined) return;
      try {
        if (supervision.processGroup) process.kill(-pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    const forward = (signal: NodeJS.Signals) => signalGroup(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const finish = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      // Whatever the command left running in its group (a background job) dies with the deploy.
      if (supervision.processGroup) signalGroup('SIGKILL');
      watchdog?.standDown();
    };
    child.on('error', (error) => {
      finish();
      reject(cannotRun(error.message));
    });
    child.on('close', (code, signal) => {
      finish();
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

/**
 * Run by setpriv after it has set the parent-death signal, before the
 * command: the signal is only sent for a death that happens after it was
 * set (prctl(2) PR_SET_PDEATHSIG), so a guard killed between the fork and
 * setpriv's prctl would leave the command unwatched; the shell sees that
 * guard (`$0`) is no longer its parent and ends instead of running the
 * command. `exec` keeps the command's pid, so the signal and the process
 * group stay its own.
 */
export const STILL_GUARDS_CHILD = 'if [ "$PPID" = "$0" ]; then exec "$@"; fi; exit 137';

/**
 * How this machine keeps the command from outliving guard: setpriv when it
 * is on PATH and knows `--pdeathsig`, a process group on every POSIX system.
 */
export function supervisionHere(searchPath: string | undefined): Supervision {
  const posix = process.platform !== 'win32';
  if (process.platform !== 'linux') return { setpriv: undefined, processGroup: posix };
  const setpriv = findExecutable('setpriv', searchPath);
  if (!setpriv) return { setpriv: undefined, processGroup: posix };
  const help = spawnSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5000 });
  return { setpriv: help.status === 0 && help.stdout.includes('--pdeathsig') ? setpriv : undefined, processGroup: posix };
}

/**
 * A `/bin/sh` that, once told the process group to watch, kills it when
 * guard's end of its stdin closes without `done` having been written: guard
 * died. In a session of its own, not waited for.
 */
function startWatchdog(): { watch(group: number): void; standDown(): void } {
  const watchdog = spawn('/bin/sh', ['-c', 'read group || exit 0; read line; [ "$line" = done ] || kill -s KILL -- -"$group" 2>/dev/null', 'guard-watchdog'], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?(): void } | null)?.unref?.();
  return {
    watch(group: number) {
      watchdog.stdin?.write(`${group}\n`);
    },
    standDown() {
      watchdog.stdin?.end('done\n');
    },
  };
}

/** The path `program` runs from with `searchPath` (a path with a slash is taken as is), or undefined. */
export function findExecutable(program: string, searchPath: string | undefined): string | undefined {
  // Windows finds programs by PATHEXT as well: leave the lookup to spawn there.
  if (process.platform === 'win32') return program;
  const candidates = program.includes('/') ? [program] : (searchPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

