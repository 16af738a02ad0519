import { formatLocation, GuardError } from '../core/guard-error.js';

import { JSON_SCHEMA_VERSION, OUTPUT_FORMATS, type OutputFormat, type Paint } from '../core/output-format.js';

export { OUTPUT_FORMATS, type OutputFormat };

/** Formats for CI systems, which only `guard verify` speaks. */
export const CI_FORMATS: readonly OutputFormat[] = ['github', 'gitlab'];
/** Formats beyond text and json, by the command that speaks them (`guard status --format html`: the status page). */
export const COMMAND_FORMATS: Readonly<Record<string, readonly OutputFormat[]>> = { verify: CI_FORMATS, status: ['html'] };

/**
 * Colour only where a person reads it: on a terminal, and never when
 * `NO_COLOR` is set (https://no-color.org/).
 */
export function useColour(stream: NodeJS.WriteStream, disabled: boolean): boolean {
  if (disabled || process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export function formatError(error: GuardError, colours: Paint): string {
  const where = formatLocation(error.location);
  const message = where && !error.message.includes(where) ? `${where}: ${error.message}` : error.message;
  return `${colours.red('error')} ${message}${error.fix ? `\n  ${colours.dim('fix:')} ${error.fix.replace(/\n/g, '\n       ')}` : ''}`;
}

export function errorJson(command: string, error: GuardError): string {
  return JSON.stringify(
    {
      schemaVersion: JSON_SCHEMA_VERSION,
      command,
      ok: false,
      exitCode: error.exitCode,
      error: { message: error.message, fix: error.fix ?? null, ...(error.location ? { location: error.location } : {}) },
    },
    null,
    2,
  );
}

/**
 * An error guard did not expect: a bug, never the user's input. Users get
 * what failed and where to report it; the JavaScript stack only with
 * `GUARD_DEBUG=1` (README, "Exit codes"), as it names guard's internals and
 * not the user's files.
 */
export function formatInternalError(error: unknown, colours: Paint, debug: boolean): string {
  const summary = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const firstLine = summary.split('\n')[0]!.slice(0, 500);
  const details = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `${colours.red('internal error')} ${firstLine}${details}
  ${colours.dim('fix:')} this is a bug in guard, not a problem with your files: please report it at the migration-guard issue tracker with the command you ran${debug ? ' and the details above' : ' (run it again with GUARD_DEBUG=1 for the details to include)'}`;
}

/** Whether `GUARD_DEBUG` asks for internal details (a JavaScript stack) on an internal error. */
export function debugEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.GUARD_DEBUG !== undefined && env.GUARD_DEBUG !== '' && env.GUARD_DEBUG !== '0';
}

/**
 * A writer of lines to `stream` that goes quiet once the reader has gone:
 * `guard verify | head -1` closes the pipe, and the next write fails with
 * EPIPE. Like git, guard then prints nothing more and no error; unlike git,
 * which dies of SIGPIPE, it finishes its work and exits with its verdict, so
 * a refusal is still exit 1 for a pipeline with `set -o pipefail`.
 */
export function lineWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  // The failed write is reported as an 'error' event, which without a listener kills the process with a stack.
  stream.on('error', () => {
    open = false;
  });
  return (text: string) => {
    if (!open || stream.destroyed) return;
    try {
      stream.write(`${text}\n`);
    } catch {
      open = false;
    }
  };
}
