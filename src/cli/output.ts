import type { Finding } from '../core/findings/findings.js';
import { formatLocation, GuardError } from '../core/guard-error.js';

import { createHash } from 'node:crypto';

export const OUTPUT_FORMATS = ['text', 'json', 'github', 'gitlab', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** Formats for CI systems, which only `guard verify` speaks. */
export const CI_FORMATS: readonly OutputFormat[] = ['github', 'gitlab'];
/** Formats beyond text and json, by the command that speaks them (`guard status --format html`: the status page). */
export const COMMAND_FORMATS: Readonly<Record<string, readonly OutputFormat[]>> = { verify: CI_FORMATS, status: ['html'] };

/**
 * GitHub shows at most 10 error annotations per step
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message);
 * the rest would be dropped silently, so guard prints that many and puts the
 * full list in the step summary.
 */
export const GITHUB_ANNOTATION_CAP = 10;

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

/** The findings as a Markdown table for `$GITHUB_STEP_SUMMARY` (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#adding-a-job-summary). */
export function githubStepSummary(title: string, findings: readonly Finding[], verdict: string): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
  const lines = [`### ${title}`, '', verdict, ''];
  if (findings.length > 0) {
    lines.push('| | file | problem | fix |', '|---|---|---|---|');
    for (const finding of findings) {
      const where = finding.file ? `\`${finding.file}${finding.line ? `:${finding.line}` : ''}\`` : '';
      lines.push(`| ${finding.exitCode === 1 ? '❌' : '⚠️'} | ${cell(where)} | ${cell(finding.message)} | ${cell(finding.fix)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * GitLab's code quality report (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
 * a JSON array GitLab shows in the merge request. The fingerprint is stable
 * across runs so GitLab can tell new findings from old ones.
 */
export function gitlabCodeQuality(findings: readonly Finding[]): string {
  const issues = findings.map((finding) => ({
    description: `${finding.message}. Fix: ${finding.fix}`,
    check_name: `guard/${finding.code}`,
    fingerprint: createHash('sha256').update(`${finding.code}\0${finding.file ?? finding.set}\0${finding.message}`).digest('hex'),
    severity: finding.exitCode === 1 ? 'blocker' : 'major',
    location: { path: finding.file ?? 'checksums.lock.yaml', lines: { begin: finding.line ?? 1 } },
  }));
  return JSON.stringify(issues, null, 2);
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
