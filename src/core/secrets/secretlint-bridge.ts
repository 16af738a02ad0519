/**
 * The bridge to secretlint's recommended preset (pinned; see find-secrets.ts
 * for why a library and not a copy of its patterns): loaded only when its
 * pre-filter says some rule could report, run on one file's text, and its
 * reports turned into guard's candidates (a URL's password, not the whole
 * URL; a placeholder or bind parameter is no secret).
 */
import type { Candidate } from './candidate.js';
import { isBindParameter, isPlaceholder } from './secret-values.js';

/**
 * The rules of @secretlint/secretlint-rule-preset-recommend@12.0.0 that
 * LIBRARY_PREFILTER was checked against. When an upgrade changes the list,
 * the test that compares them fails: read the new rules' patterns and widen
 * the pre-filter before updating this list.
 */
export const REVIEWED_SECRETLINT_RULES: readonly string[] = [
  'aws', 'gcp', 'privatekey', 'npm', 'basicauth', 'slack', 'sendgrid', 'shopify', 'github', 'gitlab',
  'grafana', 'openai', 'anthropic', 'groq', 'huggingface', 'linear', 'notion', '1password',
  'database-connection-string', 'hashicorp-vault', 'vercel', 'databricks', 'docker', 'figma', 'filter-comments',
].map((name) => `@secretlint/secretlint-rule-${name}`);

/**
 * True when some reviewed secretlint rule could report in `text`. Each
 * alternative is a part of a rule's pattern that every report of it
 * contains, loosened (case folded, lookarounds dropped), so the test matches
 * more than the rules, never less:
 *   `://user:password@`: basicauth, database-connection-string (they report
 *     only userinfo with a password; the character classes are theirs);
 *   `hooks.slack.com`, `x-oauth-basic@`: slack webhook, github in package.json;
 *   `-----BEGIN`: privatekey;
 *   aws: an access key ID (prefix and 16 characters) or `secret_access_key`;
 *   npm: `_authToken=`, `npm_` + 36; slack: `xoxb-` ..., `xapp-`;
 *   openai: `sk-proj-`, `sk-svcacct-`, `sk-admin-`, `sk-` + 20 + `T3BlbkFJ`;
 *   anthropic: `sk-ant-api0`; the vendor prefixes of the others
 *   (`SG.`, `ghp_`, `glpat-`, `hvs.`, `dapi` + 32 hex digits, `ops_ey`, ...).
 * gcp reads `.json` files and npm's token-in-config rule `package.json` and
 * `.npmrc`: secretlint always runs on those (LIBRARY_FILES). filter-comments
 * is disabled: the opt-out is guard's marker.
 */
export const LIBRARY_PREFILTER = new RegExp(
  [
    String.raw`:\/\/[^:/\s]*:[^@/\s]*@`,
    String.raw`hooks\.slack\.com`,
    'x-oauth-basic@',
    '-----BEGIN',
    '(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}',
    'secret_?access_?key',
    '_authToken=',
    'npm_[A-Z0-9_]{36}',
    '(?:xox[bpaor]|xapp)-',
    'sk-(?:proj-|svcacct-|admin-|ant-api0|[A-Z0-9]{20}T3BlbkFJ)',
    'gsk_',
    'hf_[A-Z]{34}',
    'lin_api_',
    'ntn_',
    String.raw`SG\.`,
    'shp(?:pa|ca|at|ss)_',
    'gh[pousr]_',
    'github_pat_',
    'glpat-',
    'glc_',
    'glsa_',
    'ops_ey',
    String.raw`hv[sbr]\.`,
    'vc[pciark]_',
    'dapi[0-9A-F]{32}',
    'dckr_pat_',
    'figd_',
  ].join('|'),
  'i',
);

/** Files some secretlint rule reads whatever they hold (gcp: `.json`; npm: `package.json`, `.npmrc`). */
export const LIBRARY_FILES = /\.(?:json|npmrc)$/i;

type Library = {
  lintSource: typeof import('@secretlint/core').lintSource;
  preset: typeof import('@secretlint/secretlint-rule-preset-recommend').creator;
};
let library: Promise<Library> | undefined;

function loadLibrary(): Promise<Library> {
  library ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(
    ([core, preset]) => ({ lintSource: core.lintSource, preset: preset.creator }),
  );
  return library;
}

/** Human names of the preset's findings, by rule (and message id where one rule finds several kinds). */
const LIBRARY_KINDS: Record<string, string> = {
  'aws/AWSAccessKeyID': 'AWS access key ID',
  'aws/AWSSecretAccessKey': 'AWS secret access key',
  gcp: 'GCP service account key',
  privatekey: 'private key',
  npm: 'npm token',
  basicauth: 'URL with a password',
  slack: 'Slack token',
  'slack/IncomingWebhook': 'Slack webhook URL',
  sendgrid: 'SendGrid API key',
  shopify: 'Shopify API key',
  github: 'GitHub token',
  gitlab: 'GitLab token',
  grafana: 'Grafana token',
  openai: 'OpenAI API key',
  anthropic: 'Anthropic API key',
  groq: 'Groq API key',
  huggingface: 'Hugging Face token',
  linear: 'Linear API key',
  notion: 'Notion token',
  '1password': '1Password service account token',
  'database-connection-string': 'URL with a password',
  'hashicorp-vault': 'HashiCorp Vault token',
  vercel: 'Vercel token',
  databricks: 'Databricks token',
  docker: 'Docker Hub token',
  figma: 'Figma token',
};

export async function libraryCandidates(text: string, file: string): Promise<Candidate[]> {
  const { lintSource, preset } = await loadLibrary();
  const ext = /\.[^./\\]+$/.exec(file)?.[0] ?? '';
  const result = await lintSource({
    source: {
      content: text,
      filePath: file,
      // The GCP rule reads a `.p12` file from disk; a migration is never one.
      ext: ext.toLowerCase() === '.p12' ? '' : ext,
      contentType: 'text',
    },
    options: {
      // Messages carry the secret unless masked; guard prints its own excerpt anyway.
      maskSecrets: true,
      noPhysicFilePath: true,
      config: {
        rules: [
          {
            id: preset.meta.id,
            rule: preset,
            rules: [
              // Access key IDs (AKIA...) are only scanned with this option. It
              // also turns on "AWS Account ID" (`account_id = 123456789012`),
              // which every table with an account_id column would trip: dropped below.
              { id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } },
              // `secretlint-disable` comments: guard has one opt-out, its own marker.
              { id: '@secretlint/secretlint-rule-filter-comments', disabled: true },
            ],
          },
        ],
      },
    },
  });
  const out: Candidate[] = [];
  for (const message of result.messages) {
    if (message.messageId === 'AWSAccountID') continue;
    const rule = message.ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
    const kind = LIBRARY_KINDS[`${rule}/${message.messageId}`] ?? LIBRARY_KINDS[rule] ?? `secret (secretlint ${rule})`;
    const span = librarySecretSpan(text, message.range[0], message.range[1], kind, message.messageId);
    if (span) out.push({ at: kind === 'private key' ? message.range[0] : span.start, spans: [[span.start, span.end]], kind, rule: `secretlint/${rule}` });
  }
  return out;
}

/**
 * The part of a secretlint finding to redact, or undefined to drop it. The
 * preset's ranges cover the whole match: for a URL, only the password is the
 * secret; a placeholder password (`%(password)s`, which the preset does not
 * know) is no finding, nor is one with a quote in it, which is code
 * (`"postgres://u:"+pw+"@h"`), not a literal. The AWS secret key's range is
 * the name's start with the key's length, so the key is looked up again.
 */
function librarySecretSpan(text: string, start: number, end: number, kind: string, messageId: string): { start: number; end: number } | undefined {
  if (kind === 'URL with a password') {
    // The preset's grammar: quotes may be part of the password.
    const userinfo = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/y;
    for (let at = start; at < end; at++) {
      userinfo.lastIndex = at;
      const match = userinfo.exec(text);
      if (!match) continue;
      const password = match[1]!;
      if (/['"\x60]/.test(password) || isPlaceholder(password) || isBindParameter(password)) return undefined;
      const from = at + match[0].length - password.length - 1;
      return { start: from, end: from + password.length };
    }
    return { start, end };
  }
  if (messageId === 'AWSSecretAccessKey') {
    const key = /[A-Za-z0-9/+=]{40}/g;
    key.lastIndex = start;
    const match = key.exec(text);
    if (match) return { start: match.index, end: match.index + 40 };
  }
  if (kind === 'private key') {
    // Keep the header readable, redact the body.
    const header = /PRIVATE KEY(?: BLOCK)?-----/y;
    for (let at = start; at < Math.min(end, start + 80); at++) {
      header.lastIndex = at;
      if (header.test(text)) return { start: header.lastIndex, end: Math.max(end, header.lastIndex + 1) };
    }
  }
  return { start, end };
}
