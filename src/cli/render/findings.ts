// Findings as each format shows them: two lines of text for a person,
// GitHub workflow commands and step summary, GitLab's code quality report.
import { createHash } from 'node:crypto';
import type { Finding } from '../../core/findings/findings.js';
import type { Paint } from '../../core/output-format.js';

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
