import { clock, type BlockerSeverity } from '../../core/status/promotion-blockers.js';
import { formatHeads } from '../../core/deploy/format-heads.js';
import { shortDigest } from '../../core/deploy/short-digest.js';
import type { EnvironmentStatus, StatusResult } from '../../commands/status.js';

/** Where and when the page was made, for its header. */
export interface StatusPageMeta {
  generatedAt: Date;
  /** `0.1.0+<build>`: the package version, then the build. */
  guardVersion: string;
}

/** The colour family of a state; each is also said in words and by an icon, so it reads without colour. */
type Tone = 'ok' | 'warn' | 'bad' | 'muted';

/** Pending file names a card lists before it says how many more there are. */
const LISTED_PENDING = 8;

/**
 * `guard status --format html`: one self-contained page (inline CSS and SVG;
 * nothing fetched, and a Content-Security-Policy that forbids fetching) for
 * a pipeline to publish as an artifact. The chain left to right, then a card
 * per environment: what blocks the next promotion into it, its heads, chain,
 * last deploy, lock, pending migrations and drift.
 *
 * Every value from the repository, the config or a database goes through
 * `escapeHtml`: an environment or file named `<script>` is text.
 */
export function renderStatusPage(status: StatusResult, meta: StatusPageMeta): string {
  const [version, build] = meta.guardVersion.split('+');
  const commit = status.repository.commit;
  const blocked = status.environments.filter((environment) => !environment.reachable || environment.promotion.state === 'blocked').length;
  const headline = status.environments.length === 0 ? 'no environment with a database' : blocked === 0 ? 'nothing blocked' : `${blocked} of ${status.environments.length} blocked`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="migration-guard ${escapeHtml(meta.guardVersion)}">
<title>guard status at ${escapeHtml(commit.slice(0, 12))}: ${escapeHtml(headline)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="page">
  <p class="eyebrow">migration-guard · promotion status</p>
  <h1>${status.environments.length === 0 ? 'No environment to show' : blocked === 0 ? 'Nothing is blocked' : `${blocked} of ${status.environments.length} ${status.environments.length === 1 ? 'environment' : 'environments'} blocked`}</h1>
  <dl class="meta">
    <div><dt>Commit</dt><dd><code title="${escapeHtml(commit)}">${escapeHtml(commit.slice(0, 12))}</code> (HEAD)</dd></div>
    <div><dt>Generated</dt><dd><time datetime="${escapeHtml(meta.generatedAt.toISOString())}">${escapeHtml(clock(meta.generatedAt.toISOString()))}</time></dd></div>
    <div><dt>guard</dt><dd${build ? ` title="build ${escapeHtml(build)}"` : ''}>${escapeHtml(version ?? meta.guardVersion)}</dd></div>
  </dl>
  <p class="brings">This commit brings ${status.repository.sets
    .map((set) => `<span class="set"><code>${escapeHtml(set.dir)}</code> at <strong>${escapeHtml(formatHeads(set.heads))}</strong> <span class="digest">chain ${escapeHtml(shortDigest(set.chain))}</span></span>`)
    .join('; ')}</p>
</header>
${chainSection(status)}
<main class="cards">
${status.environments.map((environment) => card(environment, status)).join('\n')}
</main>
<footer class="page">
  <p class="legend">${legend('ok', 'ok, up to date, nothing blocks')} ${legend('warn', 'pending or warning')} ${legend('bad', 'blocked, failed or unreachable')} ${legend('muted', 'not known or not checked')}</p>
  <p>Written by <code>guard status --format html</code>. What blocks a promotion is what <code>guard deploy ENV</code> of this commit would meet now; <code>guard deploy ENV --check</code> runs the gate itself.</p>
</footer>
</body>
</html>
`;
}

/** `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The environment's overall state: its badge in the chain and on its card. */
function verdict(environment: EnvironmentStatus): { tone: Tone; icon: Icon; word: string } {
  if (!environment.reachable) return { tone: 'bad', icon: 'cross', word: 'Unreachable' };
  const { state, pending } = environment.promotion;
  const warnings = environment.blockers.filter((blocker) => blocker.severity === 'warns').length;
  if (state === 'blocked') return { tone: 'bad', icon: 'cross', word: 'Blocked' };
  if (state === 'unknown') return { tone: 'warn', icon: 'question', word: 'Cannot tell' };
  if (state === 'ready') return { tone: 'warn', icon: 'clock', word: `${pending} pending` };
  if (warnings > 0) return { tone: 'warn', icon: 'bang', word: `Up to date, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` };
  return { tone: 'ok', icon: 'check', word: 'Up to date' };
}

function chainSection(status: StatusResult): string {
  const nodes = status.chain.map((link) => {
    const environment = status.environments.find((candidate) => candidate.name === link.name);
    if (!environment) {
      const why = link.database ? 'not read' : 'no database';
      return `<li class="node tone-muted"><span class="node-name">${escapeHtml(link.name)}</span><span class="node-state">${icon('dash')}${why}</span></li>`;
    }
    const { tone, icon: mark, word } = verdict(environment);
    return `<li class="node tone-${tone}"><a href="#${anchor(environment.name)}"><span class="node-name">${escapeHtml(environment.name)}</span><span class="node-state">${icon(mark)}${escapeHtml(word)}</span><span class="node-detail">${escapeHtml(nodeDetail(environment))}</span></a></li>`;
  });
  return `<nav class="chain" aria-label="promotion chain, in order"><ol>${nodes.join(`<li class="arrow" aria-hidden="true">${ARROW}</li>`)}</ol></nav>`;
}

/** `at 004`, `at 001 · 3 pending`, `db/a at 004, db/b at a1`: where the environment is, under its name in the chain. */
function nodeDetail(environment: EnvironmentStatus): string {
  if (!environment.reachable) return 'could not be read';
  const several = environment.sets.length > 1;
  const heads = environment.sets.map((set) => `${several ? `${set.dir} ` : ''}at ${set.heads.length ? formatHeads(set.heads) : 'nothing'}`).join(', ');
  const pending = environment.sets.reduce((sum, set) => sum + set.pending.length, 0);
  return pending ? `${heads} · ${pending} pending` : heads;
}

function card(environment: EnvironmentStatus, status: StatusResult): string {
  const { tone, icon: mark, word } = verdict(environment);
  const name = escapeHtml(environment.name);
  return `<section class="card tone-${tone}" id="${anchor(environment.name)}" aria-labelledby="${anchor(environment.name)}-title">
  <header><h2 id="${anchor(environment.name)}-title">${name}</h2><span class="badge tone-${tone}">${icon(mark)}${escapeHtml(word)}</span></header>
  ${promotionBox(environment)}
  ${environment.reachable ? facts(environment, status) : `<p class="unreachable">${icon('cross')}<span><strong>Could not be read.</strong> ${escapeHtml(environment.error ?? 'no reason given')}</span></p>`}
</section>`;
}

function promotionBox(environment: EnvironmentStatus): string {
  const { state, summary } = environment.promotion;
  const tone: Tone = state === 'blocked' ? 'bad' : state === 'unknown' ? 'warn' : 'ok';
  const mark: Icon = state === 'blocked' ? 'cross' : state === 'unknown' ? 'question' : 'check';
  // An unreachable environment's card says why below, in full: the list does not repeat it.
  const items = environment.blockers.filter((blocker) => blocker.code !== 'unreachable').map((blocker) => {
    const [itemTone, itemIcon, label] = SEVERITY[blocker.severity];
    return `<li class="tone-${itemTone}">${icon(itemIcon)}<span><span class="label">${label}</span> ${escapeHtml(blocker.message)}</span></li>`;
  });
  return `<div class="promotion tone-${tone}">
    <p class="promotion-title">Next promotion into ${escapeHtml(environment.name)}</p>
    <p class="summary">${icon(mark)}<span>${escapeHtml(capitalise(summary))}</span></p>
    ${items.length ? `<ul class="blockers">${items.join('')}</ul>` : ''}
  </div>`;
}

const SEVERITY: Record<BlockerSeverity, [Tone, Icon, string]> = {
  blocks: ['bad', 'cross', 'Blocks:'],
  unknown: ['warn', 'question', 'Unknown:'],
  warns: ['warn', 'bang', 'Warning:'],
};

function facts(environment: EnvironmentStatus, status: StatusResult): string {
  const rows: string[] = [];
  const several = environment.sets.length > 1;
  for (const set of environment.sets) {
    const repository = status.repository.sets.find((candidate) => candidate.dir === set.dir);
    const prefix = several ? `<code class="dir">${escapeHtml(set.dir)}</code> ` : '';
    rows.push(row('Head', `${prefix}<strong>${escapeHtml(set.heads.length ? formatHeads(set.heads) : 'nothing applied')}</strong>${several ? '' : ` <span class="muted">${escapeHtml(set.dir)}</span>`}`));
    const chain = set.ledgerProblem
      ? `${pill('bad', 'cross', 'untrusted')} <span>${escapeHtml(set.ledgerProblem)}</span>`
      : set.chain === null
        ? '<span class="muted">no successful deploy</span>'
        : `<code>${escapeHtml(shortDigest(set.chain))}</code> ${set.matchesRepository ? pill('ok', 'check', '= HEAD') : pill('warn', 'bang', `HEAD has ${repository ? shortDigest(repository.chain) : 'another'}`)}`;
    rows.push(row('Chain', `${prefix}${chain}`));
    rows.push(row('Last deploy', `${prefix}${lastDeploy(set, status.repository.commit)}`));
    rows.push(row('Pending', `${prefix}${pendingList(set.pending)}`));
  }
  rows.splice(several ? rows.length : 3, 0, row('Lock', lock(environment)));
  rows.push(row('Drift', drift(environment)));
  return `<dl class="facts">${rows.join('')}</dl>`;
}

function row(term: string, value: string): string {
  return `<div class="fact"><dt>${term}</dt><dd>${value}</dd></div>`;
}

function lastDeploy(set: EnvironmentStatus['sets'][number], head: string): string {
  const last = set.lastDeploy;
  if (!last) return '<span class="muted">never deployed</span>';
  const tone: Tone = last.status === 'failed' ? 'bad' : last.status === 'running' || last.status === 'settled' ? 'warn' : 'ok';
  const mark: Icon = tone === 'bad' ? 'cross' : tone === 'warn' ? 'clock' : 'check';
  const flagged = set.uncheckedPredecessor && set.uncheckedPredecessor.state !== 'confirmed';
  const first = [pill(tone, mark, last.status === 'failed' ? 'FAILED' : last.status), last.forced ? pill('warn', 'bang', 'forced') : '', flagged ? pill('warn', 'bang', `unchecked ${set.uncheckedPredecessor!.predecessor}`) : '', `<span class="when">${escapeHtml(clock(last.at))}</span>`];
  return [
    `<span class="line">${first.filter(Boolean).join(' ')}</span>`,
    `<span class="line"><span class="muted">by</span> ${escapeHtml(last.actor)} <span class="muted">on</span> ${escapeHtml(last.host)}</span>`,
    last.commit ? `<span class="line"><span class="muted">commit</span> <code title="${escapeHtml(last.commit)}">${escapeHtml(last.commit.slice(0, 12))}</code>${last.commit === head ? ' <span class="muted">(HEAD)</span>' : ''}</span>` : '',
  ].join('');
}

function pendingList(pending: readonly string[]): string {
  if (pending.length === 0) return `${pill('ok', 'check', 'none')}`;
  const shown = pending.slice(0, LISTED_PENDING).map((file) => `<li><code>${escapeHtml(file)}</code></li>`);
  const more = pending.length > LISTED_PENDING ? `<li class="muted">and ${pending.length - LISTED_PENDING} more</li>` : '';
  return `${pill('warn', 'clock', `${pending.length} to apply`)}<ol class="files">${shown.join('')}${more}</ol>`;
}

function lock(environment: EnvironmentStatus): string {
  const holder = environment.lockHolder;
  if (holder) {
    return `${pill('bad', 'lock', 'held')} <span>by ${escapeHtml(holder.applicationName || 'a session without a name')} <span class="muted">(pid ${holder.pid}${holder.since ? `, connected since ${escapeHtml(clock(holder.since))}` : ''})</span></span>`;
  }
  const sessions = environment.migrationSessions;
  if (sessions.length > 0) {
    const list = sessions.map((session) => `pid ${session.pid} of deploy #${session.deployId} (${session.state ?? 'state hidden'})`).join('; ');
    return `${pill('bad', 'bang', 'free, but')} <span>${sessions.length} migration ${sessions.length === 1 ? 'session' : 'sessions'} of a killed deploy still connected: ${escapeHtml(list)}</span>`;
  }
  return pill('ok', 'check', 'free');
}

function drift(environment: EnvironmentStatus): string {
  const found = environment.drift;
  if (!found) return '<span class="muted">not read</span>';
  const note = found.note ? ` <span class="muted">${escapeHtml(found.note)}</span>` : '';
  switch (found.state) {
    case 'none':
      return pill('ok', 'check', 'none');
    case 'drift': {
      const objects = `${found.differences} ${found.differences === 1 ? 'object differs' : 'objects differ'}`;
      return `${pill(found.policy === 'refuse' ? 'bad' : 'warn', 'bang', objects)} <span class="muted">(drift: ${escapeHtml(found.policy)}; <code>guard drift ${escapeHtml(environment.name)}</code> lists ${found.differences === 1 ? 'it' : 'them'})</span>`;
    }
    case 'unknown':
      return `${pill('muted', 'question', 'unknown')}${note}`;
    case 'ignored':
      return `${pill('muted', 'dash', 'ignored')}${note}`;
  }
}

function pill(tone: Tone, mark: Icon, text: string): string {
  return `<span class="pill tone-${tone}">${icon(mark)}${escapeHtml(text)}</span>`;
}

function legend(tone: Tone, text: string): string {
  const mark: Icon = tone === 'ok' ? 'check' : tone === 'warn' ? 'clock' : tone === 'bad' ? 'cross' : 'question';
  return pill(tone, mark, text);
}

/** A fragment id for an environment: its name's characters that are safe in a URL, plus a hash of the name so two names never collide. */
function anchor(name: string): string {
  let hash = 0;
  for (const character of name) hash = (Math.imul(hash, 31) + character.codePointAt(0)!) >>> 0;
  return `env-${name.replace(/[^A-Za-z0-9_-]/g, '') || 'x'}-${hash.toString(36)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Icon = 'check' | 'cross' | 'clock' | 'bang' | 'question' | 'dash' | 'lock';

/** Icons drawn inline (no font or image is fetched); decorative: the word beside each says the same. */
function icon(name: Icon): string {
  return `<svg class="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">${ICONS[name]}</svg>`;
}

const STROKE = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
const ICONS: Record<Icon, string> = {
  check: `<path ${STROKE} d="M3 8.5l3.2 3.2L13 4.8"/>`,
  cross: `<path ${STROKE} d="M4 4l8 8M12 4l-8 8"/>`,
  clock: `<circle ${STROKE} cx="8" cy="8" r="6"/><path ${STROKE} d="M8 4.5V8l2.5 1.8"/>`,
  bang: `<path ${STROKE} d="M8 3v6.5"/><circle cx="8" cy="12.8" r="1.2" fill="currentColor"/>`,
  question: `<path ${STROKE} d="M5.5 5.8a2.6 2.6 0 1 1 3.6 2.4c-.7.3-1.1.9-1.1 1.6v.4"/><circle cx="8" cy="13" r="1.1" fill="currentColor"/>`,
  dash: `<path ${STROKE} d="M4 8h8"/>`,
  lock: `<rect ${STROKE} x="3.5" y="7" width="9" height="6.5" rx="1.2"/><path ${STROKE} d="M5.5 7V5.2a2.5 2.5 0 0 1 5 0V7"/>`,
};

const ARROW = `<svg viewBox="0 0 40 16" aria-hidden="true" focusable="false"><path d="M2 8h32M28 3l6 5-6 5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

const STYLE = `
:root {
  --ink: #1f2328; --soft: #59636e; --line: #d1d9e0; --paper: #ffffff; --ground: #f6f8fa;
  --ok: #1a7f37; --ok-bg: #dafbe1; --ok-line: #4ac26b;
  --warn: #8a5a00; --warn-bg: #fff8c5; --warn-line: #d4a72c;
  --bad: #c21c2c; --bad-bg: #ffebe9; --bad-line: #ff8182;
  --muted: #59636e; --muted-bg: #eff2f5; --muted-line: #d1d9e0;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--ground); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; overflow-wrap: break-word; }
code { font: 0.9em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
header.page, .chain, main.cards, footer.page { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header.page { padding-top: 28px; }
.eyebrow { margin: 0; color: var(--soft); font-size: 13px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; }
h1 { margin: 4px 0 12px; font-size: 28px; line-height: 1.2; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0 0 6px; }
.meta div { display: flex; gap: 8px; }
.meta dt { color: var(--soft); }
.meta dd { margin: 0; font-weight: 600; }
.brings { margin: 0; color: var(--soft); }
.brings strong { color: var(--ink); }
.digest { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .85em; }
.chain { margin-top: 22px; margin-bottom: 22px; }
.chain ol { list-style: none; margin: 0; padding: 0; display: flex; align-items: stretch; flex-wrap: wrap; gap: 8px 0; }
.node { flex: 1 1 0; min-width: 150px; border: 2px solid var(--tone-line); background: var(--tone-bg); border-radius: 12px; }
.node a, .node > .node-name { color: inherit; text-decoration: none; }
.node a, .node:not(:has(a)) { display: flex; flex-direction: column; gap: 2px; padding: 10px 14px; height: 100%; }
.node-name { font-size: 18px; font-weight: 700; }
.node-state { display: flex; align-items: center; gap: 6px; color: var(--tone); font-weight: 600; }
.node-detail { color: var(--soft); font-size: 13px; }
.arrow { flex: 0 0 48px; display: flex; align-items: center; justify-content: center; color: var(--soft); }
.arrow svg { width: 36px; height: 16px; }
main.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 18px; align-items: start; }
.card { background: var(--paper); border: 1px solid var(--line); border-top: 6px solid var(--tone-line); border-radius: 12px; padding: 16px 18px 12px; box-shadow: 0 1px 2px rgba(31,35,40,.06); }
.card > header { display: flex; align-items: center; justify-content: space-between; gap: 10px; flex-wrap: wrap; }
h2 { margin: 0; font-size: 22px; }
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; background: var(--tone-bg); color: var(--tone); border: 1px solid var(--tone-line); font-weight: 700; font-size: 14px; }
.promotion { margin: 12px 0 4px; padding: 10px 12px; border-radius: 8px; background: var(--tone-bg); border-left: 4px solid var(--tone-line); }
.promotion-title { margin: 0 0 2px; font-size: 12px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; color: var(--soft); }
.summary { margin: 0; display: flex; gap: 8px; align-items: flex-start; font-weight: 600; color: var(--tone); }
.blockers { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; }
.blockers li { display: flex; gap: 8px; align-items: flex-start; color: var(--ink); }
.blockers li .icon { color: var(--tone); }
.label { font-weight: 700; color: var(--tone); }
.facts { margin: 8px 0 0; }
.fact { display: grid; grid-template-columns: 96px 1fr; gap: 10px; padding: 7px 0; border-top: 1px solid var(--ground); }
.fact:first-child { border-top: 0; }
.fact dt { color: var(--soft); font-size: 13px; padding-top: 2px; }
.fact dd { margin: 0; min-width: 0; }
.line { display: block; }
.when { white-space: nowrap; }
.card, .summary > span, .blockers li > span, .unreachable > span { min-width: 0; }
.muted { color: var(--soft); }
.pill { display: inline-flex; align-items: center; gap: 4px; padding: 0 8px; border-radius: 6px; background: var(--tone-bg); color: var(--tone); font-weight: 600; font-size: 13px; line-height: 22px; white-space: nowrap; }
.files { margin: 6px 0 0; padding-left: 20px; }
.files li { margin: 1px 0; }
.unreachable { display: flex; gap: 8px; align-items: flex-start; margin: 10px 0 4px; color: var(--ink); }
.unreachable .icon { color: var(--bad); }
.icon { width: 16px; height: 16px; flex: 0 0 16px; margin-top: 0.2em; }
.pill .icon, .badge .icon, .node-state .icon { margin-top: 0; width: 14px; height: 14px; flex-basis: 14px; }
footer.page { margin-top: 28px; padding-bottom: 32px; color: var(--soft); font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 8px; }
.tone-ok { --tone: var(--ok); --tone-bg: var(--ok-bg); --tone-line: var(--ok-line); }
.tone-warn { --tone: var(--warn); --tone-bg: var(--warn-bg); --tone-line: var(--warn-line); }
.tone-bad { --tone: var(--bad); --tone-bg: var(--bad-bg); --tone-line: var(--bad-line); }
.tone-muted { --tone: var(--muted); --tone-bg: var(--muted-bg); --tone-line: var(--muted-line); }
@media (max-width: 640px) {
  body { font-size: 15px; }
  header.page, .chain, main.cards, footer.page { padding: 0 12px; }
  header.page { padding-top: 18px; }
  h1 { font-size: 23px; }
  .chain ol { flex-direction: column; }
  .node { min-width: 0; }
  .node a, .node:not(:has(a)) { flex-direction: row; align-items: baseline; flex-wrap: wrap; gap: 2px 12px; padding: 8px 12px; }
  .node-name { flex: 1 1 auto; }
  .node-detail { order: 3; flex-basis: 100%; }
  .arrow { flex-basis: 20px; }
  .arrow svg { transform: rotate(90deg); width: 22px; }
  main.cards { grid-template-columns: 1fr; }
  .fact { grid-template-columns: 84px 1fr; }
}
`;
