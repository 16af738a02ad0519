import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { promotionBlockers, type EnvironmentFacts, type SetFacts } from '../../../src/core/status/promotion-blockers.js';

const HEAD_CHAIN = `sha256:${'c'.repeat(64)}`;
const OLD_CHAIN = `sha256:${'a'.repeat(64)}`;
const repository = { sets: [{ dir: 'db/migrations', heads: ['003'], chain: HEAD_CHAIN }] };

function set(overrides: Partial<SetFacts> = {}): SetFacts {
  return {
    dir: 'db/migrations',
    heads: ['003'],
    chain: HEAD_CHAIN,
    matchesRepository: true,
    lastDeploy: { status: 'succeeded', at: '2026-11-24T10:02:00.000Z', actor: 'ana@example.com', host: 'ci-7', commit: 'f'.repeat(40) },
    running: false,
    pending: [],
    ...overrides,
  };
}

function environment(name: string, overrides: Partial<EnvironmentFacts> = {}, sets: SetFacts[] = [set()]): EnvironmentFacts {
  return { name, reachable: true, separateLedger: false, migrationSessions: [], drift: { state: 'none', differences: 0, policy: 'refuse' }, sets, ...overrides };
}

const behind = set({ heads: ['001'], chain: OLD_CHAIN, matchesRepository: false, pending: ['002_add_email.sql', '003_add_index.sql'] });

describe('promotionBlockers: what stands between an environment and the next deploy, in plain words', () => {
  it('nothing blocks a first environment that is behind: the deploy would run its pending migrations', () => {
    const promotion = promotionBlockers({ environment: environment('ci', {}, [behind]), repository });
    assert.deepEqual(promotion, { state: 'ready', summary: 'nothing blocks: guard deploy ci would run 2 migrations', pending: 2, blockers: [] });
  });

  it('an environment at HEAD with a predecessor at HEAD is up to date', () => {
    const promotion = promotionBlockers({ environment: environment('production'), predecessor: { name: 'staging', facts: environment('staging') }, repository });
    assert.equal(promotion.state, 'current');
    assert.equal(promotion.summary, 'up to date: production has applied every migration of this commit');
  });

  it('a predecessor that has not applied a migration blocks, naming the file and the deploy to run first', () => {
    const staging = environment('staging', {}, [set({ heads: ['002'], chain: OLD_CHAIN, matchesRepository: false, pending: ['003_add_index.sql'] })]);
    const promotion = promotionBlockers({ environment: environment('production', {}, [behind]), predecessor: { name: 'staging', facts: staging }, repository });
    assert.equal(promotion.state, 'blocked');
    assert.deepEqual(promotion.blockers, [
      { code: 'predecessor-behind', severity: 'blocks', message: 'staging has not applied 003_add_index.sql yet: deploy staging first (guard deploy staging)' },
    ]);
    assert.equal(promotion.summary, 'blocked: guard deploy production would not run now (1 reason)');
  });

  it('many pending files in the predecessor are counted, not listed', () => {
    const pending = Array.from({ length: 12 }, (_, i) => `${String(i + 2).padStart(3, '0')}_step.sql`);
    const staging = environment('staging', {}, [set({ heads: ['001'], chain: OLD_CHAIN, matchesRepository: false, pending })]);
    const [blocker] = promotionBlockers({ environment: environment('production', {}, [behind]), predecessor: { name: 'staging', facts: staging }, repository }).blockers;
    assert.equal(blocker!.message, 'staging has not applied 12 migrations (002_step.sql ... 013_step.sql) yet: deploy staging first (guard deploy staging)');
  });

  it('a predecessor with nothing deployed, or at another chain with nothing pending (ahead, or other content), blocks too', () => {
    const empty = environment('staging', {}, [set({ heads: [], chain: null, matchesRepository: false, lastDeploy: null })]);
    assert.match(promotionBlockers({ environment: environment('production'), predecessor: { name: 'staging', facts: empty }, repository }).blockers[0]!.message, /^staging has nothing deployed yet: deploy staging first/);
    const ahead = environment('staging', {}, [set({ heads: ['004'], chain: OLD_CHAIN, matchesRepository: false })]);
    assert.match(
      promotionBlockers({ environment: environment('production'), predecessor: { name: 'staging', facts: ahead }, repository }).blockers[0]!.message,
      /^staging is at another chain \(004, chain aaaaaaaaaaaa\) than this commit's \(cccccccccccc\)/,
    );
    const restored = environment('staging', {}, [set({ heads: ['001'], matchesRepository: false })]);
    assert.match(
      promotionBlockers({ environment: environment('production'), predecessor: { name: 'staging', facts: restored }, repository }).blockers[0]!.message,
      /^staging's ledger records this commit's chain, but its table is at 001, not 003: its database changed outside guard/,
    );
  });

  it('a predecessor read through its ledger only (ephemeral CI database) counts by its chain, not its empty tables', () => {
    const ci = environment('ci', { separateLedger: true }, [set({ heads: [], matchesRepository: false, pending: ['001_a.sql', '002_b.sql', '003_c.sql'] })]);
    assert.equal(promotionBlockers({ environment: environment('staging'), predecessor: { name: 'ci', facts: ci }, repository }).state, 'current');
  });

  it('a predecessor that was not read, or cannot be read, makes the verdict unknown, never "nothing blocks"', () => {
    const notRead = promotionBlockers({ environment: environment('production', {}, [behind]), predecessor: { name: 'staging' }, repository });
    assert.equal(notRead.state, 'unknown');
    assert.deepEqual(notRead.blockers, [{ code: 'predecessor-unread', severity: 'unknown', message: 'staging, before production in the chain, was not read by this status (guard status staging production reads both)' }]);
    const down = promotionBlockers({ environment: environment('production', {}, [behind]), predecessor: { name: 'staging', facts: environment('staging', { reachable: false, error: 'cannot connect', sets: [] }) }, repository });
    assert.equal(down.state, 'unknown');
    assert.equal(down.summary, 'cannot tell: staging could not be read');
    assert.match(down.blockers[0]!.message, /guard deploy production cannot check what it applied \(exit 3\)/);
  });

  it('an unreachable environment says why, and counts nothing as pending', () => {
    const promotion = promotionBlockers({ environment: environment('production', { reachable: false, error: 'cannot connect to postgres://app:***@db/prod', sets: [], drift: undefined }), repository });
    assert.deepEqual(promotion, {
      state: 'unknown',
      summary: 'cannot tell: production could not be read',
      pending: 0,
      blockers: [{ code: 'unreachable', severity: 'unknown', message: 'production cannot be read: cannot connect to postgres://app:***@db/prod' }],
    });
  });

  it('a held deploy lock blocks (a deploy would wait), naming the holder', () => {
    const promotion = promotionBlockers({
      environment: environment('staging', { lockHolder: { pid: 4242, applicationName: 'guard deploy staging by carol@ci-7 pid 99', since: '2026-11-24T10:05:00Z' } }, [set({ running: true, lastDeploy: { ...set().lastDeploy!, status: 'running' } })]),
      repository,
    });
    assert.deepEqual(promotion.blockers, [
      { code: 'lock-held', severity: 'blocks', message: "staging's deploy lock is held by guard deploy staging by carol@ci-7 pid 99, connected since 2026-11-24 10:05 UTC: guard deploy staging would wait for it" },
    ]);
  });

  it('sessions of a killed deploy, and a deploy left running with the lock free, block', () => {
    const sessions = [{ pid: 8812, applicationName: 'guard migrate #41 staging by ana@ci-7 pid 7', deployId: 41, state: 'active', since: null }];
    const promotion = promotionBlockers({ environment: environment('staging', { migrationSessions: sessions }, [set({ running: true, lastDeploy: { ...set().lastDeploy!, status: 'running' } })]), repository });
    assert.deepEqual(
      promotion.blockers.map((blocker) => blocker.code),
      ['migration-sessions', 'running-deploy'],
    );
    assert.match(promotion.blockers[0]!.message, /^a session of the migration command of staging's deploy #41, still connected though its guard is gone: pid 8812 .*: the next deploy waits for them$/);
    assert.match(promotion.blockers[1]!.message, /^a deploy of staging never finished \(started 2026-11-24 10:02 UTC by ana@example\.com@ci-7; killed or crashed\): guard deploy staging refuses until/);
  });

  it('a running row in a separate ledger is not about this database (other CI jobs)', () => {
    const promotion = promotionBlockers({ environment: environment('ci', { separateLedger: true }, [set({ running: true, lastDeploy: { ...set().lastDeploy!, status: 'running' } })]), repository });
    assert.deepEqual(promotion.blockers, []);
  });

  it('drift blocks under drift: refuse, warns under drift: warn, and is not mentioned when ignored or unknown', () => {
    const refuse = promotionBlockers({ environment: environment('production', { drift: { state: 'drift', differences: 1, policy: 'refuse' } }), repository });
    assert.deepEqual(refuse.blockers, [
      { code: 'drift', severity: 'blocks', message: 'drift in production: 1 object differs from the schema recorded at its last deploy (guard drift production lists it)' },
    ]);
    const warn = promotionBlockers({ environment: environment('production', { drift: { state: 'drift', differences: 3, policy: 'warn' } }), repository });
    assert.equal(warn.state, 'current');
    assert.equal(warn.summary, 'up to date: production has applied every migration of this commit (1 warning)');
    assert.match(warn.blockers[0]!.message, /3 objects differ .*under drift: warn the deploy would go on$/);
    for (const state of ['unknown', 'ignored', 'none'] as const) {
      assert.deepEqual(promotionBlockers({ environment: environment('production', { drift: { state, differences: 0, policy: 'refuse' } }), repository }).blockers, []);
    }
  });

  it('a failed last deploy and a deploy that skipped the predecessor check warn; the deploy would still go on', () => {
    const failed = set({ heads: ['001'], chain: OLD_CHAIN, matchesRepository: false, pending: ['002_add_email.sql', '003_add_index.sql'], lastDeploy: { ...set().lastDeploy!, status: 'failed' } });
    const unchecked = { ...failed, uncheckedPredecessor: { predecessor: 'staging', state: 'differs' as const, note: 'staging is readable now and has chain x' } };
    const promotion = promotionBlockers({ environment: environment('production', {}, [unchecked]), repository });
    assert.equal(promotion.state, 'ready');
    assert.equal(promotion.summary, 'nothing blocks: guard deploy production would run 2 migrations (2 warnings)');
    assert.deepEqual(
      promotion.blockers.map((blocker) => [blocker.code, blocker.severity]),
      [
        ['last-deploy-failed', 'warns'],
        ['unchecked-predecessor', 'warns'],
      ],
    );
    assert.match(promotion.blockers[0]!.message, /^production's last deploy failed \(2026-11-24 10:02 UTC by ana@example\.com, commit ffffffffffff\): find out why/);
  });

  it("step 4's refusals block and its warnings warn; an untrusted ledger row blocks, the environment's or the predecessor's", () => {
    const promotion = promotionBlockers({
      environment: environment('production', {}, [set({ ledgerProblem: 'ledger row #9 does not vouch for itself' })]),
      predecessor: { name: 'staging', facts: environment('staging', {}, [set({ ledgerProblem: 'ledger row #4 does not vouch for itself' })]) },
      repository,
      integrity: [
        { severity: 'warn', message: 'production has 1 migration of db/migrations applied, but guard has no deploy of it on record' },
        { severity: 'refuse', message: 'db/migrations/002_a.sql was edited after production applied it' },
      ],
    });
    assert.deepEqual(
      promotion.blockers.map((blocker) => [blocker.code, blocker.severity]),
      [
        ['ledger-untrusted', 'blocks'],
        ['ledger-untrusted', 'blocks'],
        ['integrity', 'blocks'],
        ['integrity', 'warns'],
      ],
    );
    assert.match(promotion.blockers[0]!.message, /^staging's last deploy record cannot be trusted/);
  });

  it('every blocker at once, blocking ones first, in the order the deploy gate meets them', () => {
    const staging = environment('staging', {}, [set({ heads: ['002'], chain: OLD_CHAIN, matchesRepository: false, pending: ['003_add_index.sql'] })]);
    const production = environment('production', { lockHolder: { pid: 1, applicationName: '', since: null }, drift: { state: 'drift', differences: 2, policy: 'refuse' } }, [
      set({ ...behind, lastDeploy: { ...set().lastDeploy!, status: 'failed' } }),
    ]);
    const promotion = promotionBlockers({ environment: production, predecessor: { name: 'staging', facts: staging }, repository });
    assert.deepEqual(
      promotion.blockers.map((blocker) => blocker.code),
      ['predecessor-behind', 'lock-held', 'drift', 'last-deploy-failed'],
    );
    assert.match(promotion.blockers[1]!.message, /held by pid 1: /);
    assert.equal(promotion.summary, 'blocked: guard deploy production would not run now (3 reasons)');
  });

  it('with several migration sets, each message names its set', () => {
    const two = { sets: [...repository.sets, { dir: 'db/audit', heads: ['a1'], chain: HEAD_CHAIN }] };
    const staging = environment('staging', {}, [set(), set({ dir: 'db/audit', heads: [], chain: null, matchesRepository: false, pending: ['a1_audit.sql'] })]);
    const promotion = promotionBlockers({ environment: environment('production'), predecessor: { name: 'staging', facts: staging }, repository: two });
    assert.deepEqual(
      promotion.blockers.map((blocker) => blocker.message),
      ['db/audit: staging has not applied a1_audit.sql yet: deploy staging first (guard deploy staging)'],
    );
  });
});
