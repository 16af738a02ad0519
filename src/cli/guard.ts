#!/usr/bin/env node
import { ExitCode } from '../core/exit-codes.js';
import { main, standardError } from './main.js';
import { debugEnabled, formatInternalError, paint, useColour } from './output.js';

/**
 * Anything that escapes main() is a bug: reported as one (no JavaScript
 * stack unless GUARD_DEBUG=1), exit 2. Errors thrown outside main's promise
 * chain (an event handler, a rejected promise nobody awaited) land here too
 * instead of Node's own report.
 */
function internalError(error: unknown): void {
  standardError(formatInternalError(error, paint(useColour(process.stderr, process.argv.includes('--no-color'))), debugEnabled(process.env)));
  process.exitCode = ExitCode.input;
}

process.on('uncaughtException', (error) => {
  internalError(error);
  process.exit(ExitCode.input);
});
process.on('unhandledRejection', (error) => {
  internalError(error);
  process.exit(ExitCode.input);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  internalError,
);
