import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, renderStatusPage } from '../../src/cli/render/status-page.js';
import type { EnvironmentStatus, StatusResult } from '../../src/commands/status.js';
import { assertSelfContained, cardOf } from '../helpers/status-page.js';

const CHAIN = `sha256:${'c'.repeat(64)}`;
const HOSTILE = '<script>alert(1)</script>';
const meta = { generatedAt: new Date('2026-11-24T10:15:00Z'), guardVersion: '0.1.0+abc123' };

function environment(name: string, overrides: Partial<EnvironmentStatus> = {}): EnvironmentStatus {
  return {
    name,
    reachable: true,
    lockKey: '42',
    separateLedger: false,
    migrationSessions: [],
    drift: { state: 'none', differences: 0, policy: 'refuse' },
    promotion: { state: 'current', summary: `up to date: ${name} has applied every migration of this commit`, pending: 0 },
    blockers: [],
    sets: [
      {
        dir: 'db/migrations',
        heads: ['003'],
        chain: CHAIN,
        matchesRepository: true,
        lastDeploy: { status: 'succeeded', at: '2026-11-24T10:02:00Z', actor: 'ana@example.com', host: 'ci-7', commit: 'f'.repeat(40), forced: false },
        running: false,
        pending: [],
      },
    ],
    ...overrides,
  };
}

function status(environments: EnvironmentStatus[]): StatusResult {
  return {
    schemaVersion: 1,
    command: 'status',
    ok: true,
    exitCode: 0,
    repository: { commit: 'e'.repeat(40), sets: [{ dir: 'db/migrations', heads: ['003'], chain: CHAIN }] },
    chain: environments.map((one) => ({ name: one.name, database: true })),
    environments,
  };
}

describe('the status page renderer (StatusResult -> HTML)', () => {
  it('escapes every value from the repository, the config and the databases: markup in them is text', () => {
    const hostileSet = { ...environment('x').sets[0]!, dir: `db/${HOSTILE}`, heads: [HOSTILE], pending: [`004_${HOSTILE.replace('/', '')}.sql`], ledgerProblem: `row says ${HOSTILE}` };
    hostileSet.lastDeploy = { ...hostileSet.lastDeploy!, actor: HOSTILE, host: '"><img src=x onerror=alert(1)>', status: 'failed' };
    const page = renderStatusPage(
      {
        ...status([
          environment(HOSTILE, {
            lockHolder: { pid: 7, applicationName: `guard deploy ${HOSTILE}`, since: '2026-11-24T10:00:00Z' },
            drift: { state: 'unknown', differences: 0, note: HOSTILE, policy: 'warn' },
            promotion: { state: 'blocked', summary: `blocked: ${HOSTILE}`, pending: 1 },
            blockers: [{ code: 'lock-held', severity: 'blocks', message: `held by ${HOSTILE}` }],
            sets: [hostileSet],
          }),
          environment(`${HOSTILE}-down`, { reachable: false, error: `cannot connect: ${HOSTILE}`, sets: [], drift: undefined }),
        ]),
        repository: { commit: `${HOSTILE}${'e'.repeat(40)}`, sets: [{ dir: HOSTILE, heads: [HOSTILE], chain: HOSTILE }] },
      },
      { ...meta, guardVersion: `${HOSTILE}+${HOSTILE}` },
    );
    assert.ok(!page.includes('<script'), 'no script element');
    assert.ok(!page.includes('<img'), 'no img element');
    assert.ok(page.includes('<span class="muted">on</span> &quot;&gt;&lt;img src=x onerror=alert(1)&gt;'), 'a quote cannot end an attribute');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the text is shown');
    assertSelfContained(page);
    // Every place the name lands: the chain, the card's title, the promotion box.
    assert.match(page, /<span class="node-name">&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/span>/);
    assert.match(cardOf(page, escapeHtml(HOSTILE)), /Next promotion into &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(cardOf(page, escapeHtml(`${HOSTILE}-down`)), /Could not be read\.<\/strong> cannot connect: &lt;script&gt;/);
  });

  it('escapeHtml covers text and quoted attributes', () => {
    assert.equal(escapeHtml(`a&b<c>"d"'e'`), 'a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });

  it('the header names the commit, when it was made and by which guard; the chain runs left to right, environments without a database shown dim', () => {
    const result = status([environment('staging'), environment('production')]);
    result.chain = [{ name: 'local', database: false }, ...result.chain];
    const page = renderStatusPage(result, meta);
    assertSelfContained(page);
    assert.match(page, /<code title="e{40}">e{12}<\/code> \(HEAD\)/);
    assert.match(page, /<time datetime="2026-11-24T10:15:00.000Z">2026-11-24 10:15 UTC<\/time>/);
    assert.match(page, /<dt>guard<\/dt><dd title="build abc123">0\.1\.0<\/dd>/);
    assert.match(page, /<title>guard status at e{12}: nothing blocked<\/title>/);
    assert.match(page, /<h1>Nothing is blocked<\/h1>/);
    const order = [...page.matchAll(/<span class="node-name">([^<]+)<\/span>/g)].map((match) => match[1]);
    assert.deepEqual(order, ['local', 'staging', 'production']);
    assert.match(page, /<li class="node tone-muted"><span class="node-name">local<\/span><span class="node-state">.*no database<\/span>/);
    assert.equal(page.match(/<li class="arrow"/g)?.length, 2, 'an arrow between each two');
  });

  it('each state is said in words as well as colour: blocked, unreachable, pending, warning, up to date', () => {
    const page = renderStatusPage(
      status([
        environment('ci'),
        environment('staging', { promotion: { state: 'ready', summary: 'nothing blocks: guard deploy staging would run 2 migrations', pending: 2 } }),
        environment('qa', { blockers: [{ code: 'last-deploy-failed', severity: 'warns', message: 'qa failed' }] }),
        environment('production', { promotion: { state: 'blocked', summary: 'blocked: guard deploy production would not run now (1 reason)', pending: 2 }, blockers: [{ code: 'drift', severity: 'blocks', message: 'drift in production' }] }),
        environment('dr', { reachable: false, error: 'cannot connect', sets: [], drift: undefined, promotion: { state: 'unknown', summary: 'cannot tell: dr could not be read', pending: 0 } }),
      ]),
      meta,
    );
    const badge = (name: string) => /<span class="badge (tone-\w+)">(?:<svg[^]*?<\/svg>)([^<]+)<\/span>/.exec(cardOf(page, name))!.slice(1).join(' ');
    assert.equal(badge('ci'), 'tone-ok Up to date');
    assert.equal(badge('staging'), 'tone-warn 2 pending');
    assert.equal(badge('qa'), 'tone-warn Up to date, 1 warning');
    assert.equal(badge('production'), 'tone-bad Blocked');
    assert.equal(badge('dr'), 'tone-bad Unreachable');
    assert.match(cardOf(page, 'staging'), /<div class="promotion tone-ok">[^]*Nothing blocks: guard deploy staging would run 2 migrations/);
    assert.match(cardOf(page, 'production'), /<li class="tone-bad">.*<span class="label">Blocks:<\/span> drift in production/);
    assert.match(cardOf(page, 'qa'), /<li class="tone-warn">.*<span class="label">Warning:<\/span> qa failed/);
    assert.match(page, /<h1>2 of 5 environments blocked<\/h1>/);
  });

  it('lists at most 8 pending files, then how many more', () => {
    const pending = Array.from({ length: 30 }, (_, i) => `${String(i + 1).padStart(3, '0')}_step.sql`);
    const production = environment('production');
    production.sets[0]!.pending = pending;
    const card = cardOf(renderStatusPage(status([production]), meta), 'production');
    assert.match(card, /30 to apply/);
    assert.equal(card.match(/<li><code>/g)?.length, 8);
    assert.match(card, /<li class="muted">and 22 more<\/li>/);
  });
});
