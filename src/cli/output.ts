import type { Finding } from '../core/verify/compare-with-lockfile.js';
import { formatLocation, GuardError } from '../core/guard-error.js';

export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Version of the JSON documents guard prints; bumped on any incompatible change. */
export const JSON_SCHEMA_VERSION = 1 as const;

/**
 * Colour only where a person reads it: on a terminal, and never when
 * `NO_COLOR` is set (https://no-color.org/).
 */
export function useColour(stream: NodeJS.WriteStream, disabled: boolean): boolean {
  if (disabled || process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** A finding as two lines: what is wrong, then what to do. */
export function formatFinding(finding: Finding, colours: Paint, severity: 'error' | 'warning' = 'error'): string {
  const label = severity === 'error' ? colours.red('error') : colours.yellow('warning');
  return `${label} ${finding.message}\n  ${colours.dim('fix:')} ${finding.fix.replace(/\n/g, '\n       ')}`;
}

/**
 * GitHub Actions workflow commands, so findings appear on the pull request's
 * diff (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
 */
export function githubAnnotation(finding: Finding, severity: 'error' | 'warning' = 'error'): string {
  const properties = [finding.file ? `file=${escapeProperty(finding.file)}` : '', finding.line ? `line=${finding.line}` : '', `title=guard ${finding.code}`]
    .filter(Boolean)
    .join(',');
  return `::${severity} ${properties}::${escapeData(`${finding.message}. Fix: ${finding.fix}`)}`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
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
