import { spawn, type ChildProcess } from 'node:child_process';

/** A finished process: its exit code and everything it printed. */
export interface Finished {
  /** The exit code; 128 + the signal's number when a signal ended it. */
  code: number;
  /** stdout and stderr together, in the order they arrived. */
  output: string;
}

/** A process running in the background. */
export interface Running {
  /** What it has printed so far (stdout and stderr). */
  output(): string;
  /** Resolves true once its output matches `pattern`, false when it ended or `timeoutMs` passed first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<boolean>;
  finished: Promise<Finished>;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * The processes one run of a command starts, all in one environment and
 * working directory, kept track of so that all of them can be ended at once
 * (an interrupted `guard demo` leaves none behind).
 */
export class ChildProcesses {
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Runs `file ARGS` in `cwd` and waits for it to end. */
  run(cwd: string, file: string, args: readonly string[]): Promise<Finished> {
    return this.start(cwd, file, args).finished;
  }

  /** Starts `file ARGS` in `cwd`; stdin is empty. */
  start(cwd: string, file: string, args: readonly string[]): Running {
    const child = spawn(file, args, { cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.add(child);
    const chunks: string[] = [];
    const listeners = new Set<() => void>();
    const collect = (chunk: Buffer) => {
      chunks.push(chunk.toString('utf8'));
      for (const listener of listeners) listener();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const finished = new Promise<Finished>((resolve) => {
      child.on('error', (error) => {
        chunks.push(`could not run ${file}: ${error.message}\n`);
      });
      child.on('close', (code, signal) => {
        this.running.delete(child);
        for (const listener of listeners) listener();
        resolve({ code: code ?? 128 + (signal ? SIGNAL_NUMBERS[signal] ?? 0 : 0), output: chunks.join('') });
      });
    });
    let ended = false;
    void finished.then(() => {
      ended = true;
    });
    return {
      output: () => chunks.join(''),
      finished,
      waitForOutput: (pattern, timeoutMs) =>
        new Promise<boolean>((resolve) => {
          const check = () => {
            const matched = pattern.test(chunks.join(''));
            if (matched || ended || !this.running.has(child)) {
              listeners.delete(check);
              clearTimeout(timer);
              resolve(matched);
            }
          };
          const timer = setTimeout(() => {
            listeners.delete(check);
            resolve(false);
          }, timeoutMs);
          listeners.add(check);
          check();
        }),
    };
  }

  /** Sends `signal` to every process still running, and waits (up to `timeoutMs`) for them to end. */
  async endAll(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const children = [...this.running];
    const ended = children.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve()))));
    for (const child of children) child.kill(signal);
    await Promise.race([Promise.all(ended), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    for (const child of this.running) child.kill('SIGKILL');
  }
}
