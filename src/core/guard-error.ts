import { ExitCode } from './exit-codes.js';

/** Where in which file a problem sits, so messages can point at it. */
export interface Location {
  /** Repository-relative path, POSIX separators. */
  file: string;
  /** 1-based line number, when known. */
  line?: number;
}

/** Marks guard's errors in the global symbol registry, which every copy of this module shares. */
const GUARD_ERROR = Symbol.for('migration-guard.GuardError');

/**
 * An error that ends a command: it carries the exit code, what went wrong and
 * what the user should do next. Anything else that escapes is a bug.
 *
 * `instanceof` answers by the brand, not by the class object: the CLI's entry
 * and each command are bundled as separate files, each with its own copy of
 * this class, and an error a command throws must still be recognised as
 * guard's by the entry that prints it.
 */
export class GuardError extends Error {
  readonly [GUARD_ERROR] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [GUARD_ERROR]?: unknown })[GUARD_ERROR] === true;
  }

  readonly exitCode: ExitCode;
  readonly fix: string | undefined;
  readonly location: Location | undefined;

  constructor(
    exitCode: ExitCode,
    message: string,
    options: { fix?: string; location?: Location; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GuardError';
    this.exitCode = exitCode;
    this.fix = options.fix;
    this.location = options.location;
  }
}

export const inputError = (message: string, options?: { fix?: string; location?: Location }) =>
  new GuardError(ExitCode.input, message, options);

/** `file:line` for messages, the form editors and terminals make clickable. */
export function formatLocation(location: Location | undefined): string {
  if (!location) return '';
  return location.line === undefined ? location.file : `${location.file}:${location.line}`;
}
