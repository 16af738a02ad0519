import { ExitCode } from './exit-codes.js';

/** Where in which file a problem sits, so messages can point at it. */
export interface Location {
  /** Repository-relative path, POSIX separators. */
  file: string;
  /** 1-based line number, when known. */
  line?: number;
}

/**
 * An error that ends a command: it carries the exit code, what went wrong and
 * what the user should do next. Anything else that escapes is a bug.
 */
export class GuardError extends Error {
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
