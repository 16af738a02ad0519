import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { TempRepo } from '../helpers/git-repo.js';
import { queryRows, runGuard, type Run } from '../helpers/compiled-guard.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { assertSelfContained, cardOf } from '../helpers/status-page.js';

/**
 * Issue 12, item 3: `guard status --format html` on a real chain. ci and
 * staging are deployed; production is behind, its last deploy failed and a
 * table was made there by hand; staging's deploy lock is held by a session.
 */
describe('guard status --format html: the status page of a real chain', () => {
  let repo: TempRepo;
  const databases: Record<string, TestDatabase> = {};
  let env: NodeJS.ProcessEnv;
  let holder: pg.Client | undefined;
  const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
  const deploy = (environment: string, command = 'true'): void => {
    const result = guard('deploy', environment, '--', command);
    assert.equal(result.code, command === 'true' ? 0 : 1, `${environment}:\n${result.stderr}`);
  };
  const commit = (file: string, sql: string) => {
    repo.write(`db/migrations/${file}`, sql);
    assert.equal(guard('lock').code, 0);
    repo.commitAll(file);
  };

  before(async () => {
    for (const name of ['ci', 'staging', 'production']) databases[name] = await testDatabase();
    env = { ...process.env, NO_COLOR: '1', CI_DATABASE_URL: databases.ci!.url, STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
    repo = new TempRepo();
    repo.write(
      'guard.config.yaml',
      `migrations:
  - dir: db/migrations
    tool: sql
environments:
  - name: local
  - name: ci
    database: $CI_DATABASE_URL
  - name: staging
    database: $STAGING_DATABASE_URL
    drift: refuse
  - name: production
    database: $PRODUCTION_DATABASE_URL
    drift: refuse
`,
    );
    commit('001_create_orders.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY);\n');
    for (const environment of ['ci', 'staging', 'production']) deploy(environment);
    commit('002_add_email.sql', 'ALTER TABLE orders ADD COLUMN email text;\n');
    commit('003_add_index.sql', 'CREATE INDEX orders_email ON orders (email);\n');
    deploy('ci');
    deploy('staging');
    // Production's deploy of 002 and 003 fails; the deploying user's address is hostile markup.
    repo.git('config', 'user.email', '<script>alert("owned")</script>@example.com');
    deploy('production', 'false');
    repo.git('config', 'user.email', 'test@example.com');
    await queryRows(databases.production!.url, 'CREATE SEQUENCE hotfix_ticket_seq');
    commit('004_<em>orders_note.sql', 'ALTER TABLE orders ADD COLUMN note text;\n');
    deploy('ci');
    // A deploy of staging is under way: its lock is held.
    const lockKey = (JSON.parse(guard('status', 'staging', '--format', 'json').stdout) as { environments: { lockKey: string }[] }).environments[0]!.lockKey;
    holder = new pg.Client({ connectionString: databases.staging!.url, application_name: 'guard deploy staging by carol@ci-7 pid 4242' });
    await holder.connect();
    await holder.query('SELECT pg_catalog.pg_advisory_lock($1::bigint)', [lockKey]);
  });
  after(async () => {
    await holder?.end();
    repo?.dispose();
    for (const database of Object.values(databases)) await database.drop();
  });

  it('writes guard-status.html in the current directory, prints its path, and the page is self-contained', () => {
    const result = guard('status', '--format', 'html');
    assert.equal(result.code, 0, result.stderr);
    const file = path.join(repo.root, 'guard-status.html');
    assert.equal(result.stdout, `${file}\n`);
    assert.equal(result.stderr, '');
    const html = readFileSync(file, 'utf8');
    assertSelfContained(html);
    assert.deepEqual(
      readdirSync(repo.root).filter((name) => name.includes('guard-status')),
      ['guard-status.html'],
      'no temporary file left beside it',
    );
    // The chain, left to right: local (no database), ci, staging, production.
    const chain = html.slice(html.indexOf('<nav class="chain"'), html.indexOf('</nav>'));
    assert.deepEqual([...chain.matchAll(/<span class="node-name">([^<]*)<\/span>/g)].map((match) => match[1]), ['local', 'ci', 'staging', 'production']);
    assert.match(chain, /local<\/span><span class="node-state">.*no database/);

    const head = repo.git('rev-parse', 'HEAD').trim();
    assert.ok(html.includes(`<code title="${head}">${head.slice(0, 12)}</code> (HEAD)`), 'the header names the commit');
    assert.match(html, /<dt>Generated<\/dt><dd><time datetime="\d{4}-\d\d-\d\dT[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    assert.match(html, /<dt>guard<\/dt><dd title="build [^"]+">0\.\d+\.\d+</);
  });

  it('each card names its head, pending files and what blocks the next promotion into it', () => {
    const html = readFileSync(path.join(repo.root, 'guard-status.html'), 'utf8');
    const ci = cardOf(html, 'ci');
    assert.match(ci, /<span class="badge tone-ok">.*Up to date<\/span>/);
    assert.match(ci, /<dt>Head<\/dt><dd><strong>004<\/strong>/);
    assert.match(ci, /Up to date: ci has applied every migration of this commit/);
    assert.match(ci, /<dt>Pending<\/dt><dd><span class="pill tone-ok">.*none<\/span>/);

    const staging = cardOf(html, 'staging');
    assert.match(staging, /<span class="badge tone-bad">.*Blocked<\/span>/);
    assert.match(staging, /<dt>Head<\/dt><dd><strong>003<\/strong>/);
    assert.match(staging, /1 to apply<\/span><ol class="files"><li><code>004_&lt;em&gt;orders_note\.sql<\/code><\/li><\/ol>/);
    assert.match(staging, /Blocks:<\/span> staging&#39;s deploy lock is held by guard deploy staging by carol@ci-7 pid 4242, connected since .* UTC: guard deploy staging would wait for it/);
    assert.match(staging, /<dt>Lock<\/dt><dd><span class="pill tone-bad">.*held<\/span> <span>by guard deploy staging by carol@ci-7 pid 4242/);

    const production = cardOf(html, 'production');
    assert.match(production, /<span class="badge tone-bad">.*Blocked<\/span>/);
    assert.match(production, /<dt>Head<\/dt><dd><strong>001<\/strong>/);
    assert.match(production, /3 to apply<\/span><ol class="files"><li><code>002_add_email\.sql<\/code><\/li><li><code>003_add_index\.sql<\/code><\/li><li><code>004_&lt;em&gt;orders_note\.sql<\/code><\/li><\/ol>/);
    assert.match(production, /Blocks:<\/span> staging has not applied 004_&lt;em&gt;orders_note\.sql yet: deploy staging first \(guard deploy staging\)/);
    assert.match(production, /Blocks:<\/span> drift in production: 1 object differs from the schema recorded at its last deploy \(guard drift production lists it\)/);
    assert.match(production, /Warning:<\/span> production&#39;s last deploy failed \(.* UTC by &lt;script&gt;alert\(&quot;owned&quot;\)&lt;\/script&gt;@example\.com, commit [0-9a-f]{12}\)/);
    assert.match(ci, /<dt>Last deploy<\/dt><dd><span class="line">.*succeeded<\/span> <span class="when">.* UTC<\/span><\/span><span class="line"><span class="muted">by<\/span> test@example\.com <span class="muted">on<\/span> [^<]+<\/span><span class="line"><span class="muted">commit<\/span> <code title="[0-9a-f]{40}">[0-9a-f]{12}<\/code> <span class="muted">\(HEAD\)<\/span>/);
    assert.match(production, /<dt>Last deploy<\/dt><dd><span class="line"><span class="pill tone-bad">.*FAILED<\/span>/);
    assert.match(production, /<dt>Drift<\/dt><dd><span class="pill tone-bad">.*1 object differs<\/span>/);
    // The hostile address is text, never markup.
    assert.ok(!html.includes('<script') && !html.includes('<em>'), 'no markup from the data');
  });

  it('--format json has each set\'s pending files and each environment\'s promotion and blockers; the table lists the blockers', () => {
    const json = JSON.parse(guard('status', '--format', 'json').stdout) as {
      chain: { name: string; database: boolean }[];
      environments: { name: string; promotion: { state: string; pending: number }; blockers: { code: string; severity: string }[]; sets: { pending: string[] }[] }[];
    };
    assert.deepEqual(json.chain, [
      { name: 'local', database: false },
      { name: 'ci', database: true },
      { name: 'staging', database: true },
      { name: 'production', database: true },
    ]);
    const summary = json.environments.map((environment) => ({
      name: environment.name,
      state: environment.promotion.state,
      pending: environment.sets[0]!.pending,
      blockers: environment.blockers.map((blocker) => `${blocker.severity} ${blocker.code}`),
    }));
    assert.deepEqual(summary, [
      { name: 'ci', state: 'current', pending: [], blockers: [] },
      { name: 'staging', state: 'blocked', pending: ['004_<em>orders_note.sql'], blockers: ['blocks lock-held'] },
      {
        name: 'production',
        state: 'blocked',
        pending: ['002_add_email.sql', '003_add_index.sql', '004_<em>orders_note.sql'],
        blockers: ['blocks predecessor-behind', 'blocks drift', 'warns last-deploy-failed'],
      },
    ]);

    const text = guard('status');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^next deploy of HEAD\n/m);
    assert.match(text.stdout, /^ci {10}up to date: ci has applied every migration of this commit$/m);
    assert.match(text.stdout, /^staging {5}blocked staging's deploy lock is held by guard deploy staging by carol@ci-7 pid 4242/m);
    assert.match(text.stdout, /^production {2}blocked staging has not applied 004_<em>orders_note\.sql yet: deploy staging first \(guard deploy staging\)$/m);
    assert.match(text.stdout, /^ {12}blocked drift in production: 1 object differs/m);
    assert.match(text.stdout, /^ {12}warning production's last deploy failed/m);
  });

  it('--output - writes the page to stdout and no file; --output FILE writes there; --output needs --format html', () => {
    const before = readFileSync(path.join(repo.root, 'guard-status.html'), 'utf8');
    const piped = guard('status', 'production', '--format', 'html', '--output', '-');
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^<!doctype html>\n[\s\S]*<\/html>\n$/);
    assertSelfContained(piped.stdout);
    assert.equal(readFileSync(path.join(repo.root, 'guard-status.html'), 'utf8'), before, 'the default file is untouched');
    // Only production was read: its predecessor's state is unknown, never "nothing blocks".
    assert.match(cardOf(piped.stdout, 'production'), /Unknown:<\/span> staging, before production in the chain, was not read by this status \(guard status staging production reads both\)/);
    assert.match(piped.stdout, /<li class="node tone-muted"><span class="node-name">staging<\/span><span class="node-state">.*not read<\/span><\/li>/);

    repo.write('artifacts/.keep', '');
    const chosen = runGuard(path.join(repo.root, 'artifacts'), env, ['status', '--format', 'html', '--output', 'page.html']);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout, `${path.join(repo.root, 'artifacts', 'page.html')}\n`);
    assertSelfContained(readFileSync(path.join(repo.root, 'artifacts', 'page.html'), 'utf8'));

    const wrong = guard('status', '--output', 'page.html');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--output is where --format html writes the status page/);
    const directory = guard('status', '--format', 'html', '--output', 'artifacts');
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /could not write .*artifacts: a directory is in its place/);
  });

  it('an unreachable environment is shown as such, with the reason and no password; the page is still written (exit 3)', () => {
    const closed = new URL(databases.production!.url);
    closed.port = '1';
    const password = closed.password;
    assert.ok(password.length > 0);
    const result = runGuard(repo.root, { ...env, PRODUCTION_DATABASE_URL: closed.toString() }, ['status', '--format', 'html', '--output', 'down.html']);
    assert.equal(result.code, 3, result.stderr);
    const html = readFileSync(path.join(repo.root, 'down.html'), 'utf8');
    assertSelfContained(html);
    assert.ok(!html.includes(password), 'no password on the page');
    const production = cardOf(html, 'production');
    assert.match(production, /<span class="badge tone-bad">.*Unreachable<\/span>/);
    assert.match(production, /<strong>Could not be read\.<\/strong> .*cannot connect to postgres:\/\/[^:]+:\*\*\*@127\.0\.0\.1:1\//);
    assert.doesNotMatch(production, /Unknown:<\/span> production cannot be read/, 'said once, below the promotion box');
    assert.match(production, /Blocks:<\/span> staging has not applied 004_/, "staging's state still counts");
    assert.doesNotMatch(production, /<dl class="facts">/, 'no facts it could not read');
    assert.ok(existsSync(path.join(repo.root, 'guard-status.html')));
  });
});
