// `guard demo` (npm run demo) run as a newcomer runs it: the compiled CLI
// (test/run.mjs builds dist/ first), its own embedded PostgreSQL, nothing
// else. The demo checks every step itself and exits 1 when one did not
// behave as narrated, so a passing run here is also an end-to-end test of
// init, the hooks, the CI gate, the deploy gate, drift and status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './helpers/git-repo.js';

const GUARD = path.join(PROJECT_ROOT, 'dist/bin/guard.js');

const STEP_HEADINGS = [
  /^1\. guard init; a new migration is locked by the pre-commit hook$/m,
  /^2\. an edit of a sealed migration is refused by the commit, the push and the CI gate$/m,
  /^3\. production before staging is refused; ci, staging, production in order succeed$/m,
  /^4\. a second deploy of the same environment waits, and names who holds the lock$/m,
  /^5\. a hand-made index in production is named, and the next deploy is refused$/m,
  /^6\. guard status prints the chain; the status page is written$/m,
];

/** The demo's environment: its temporary directory made under `parent`, so a test can see what it leaves there. */
function demoEnvironment(parent: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
  return { ...inherited, TMPDIR: parent, NO_COLOR: '1' };
}

/** Processes whose command line mentions `text` (PostgreSQL's mentions its data dir). */
function processesMentioning(text: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes(text));
}

describe('guard demo', () => {
  let parent: string;
  before(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'guard-demo-test-'));
    // Run as root, the demo's PostgreSQL runs as user `postgres`, who must reach the demo's directory.
    chmodSync(parent, 0o755);
  });
  after(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it('walks through the six steps, each checked, in under a minute, and leaves nothing behind', () => {
    const run = spawnSync(process.execPath, [GUARD, 'demo'], { cwd: parent, encoding: 'utf8', env: demoEnvironment(parent), timeout: 180_000 });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output);
    for (const heading of STEP_HEADINGS) assert.match(run.stdout, heading);
    assert.doesNotMatch(output, /FAILED/);
    // What each step is about, in guard's own words (the demo wraps long lines: matched with spaces for line breaks).
    const flat = run.stdout.replace(/\s+/g, ' ');
    assert.match(flat, /guard locked the staged migrations and staged checksums\.lock\.yaml/);
    assert.match(run.stdout, /^ {7}\+ .*002_create_orders\.sql/m);
    assert.match(flat, /\$ git commit -am "Widen orders\.total" error db\/migrations\/002_create_orders\.sql is sealed in origin\/main/);
    assert.match(flat, /\$ git push error db\/migrations\/002_create_orders\.sql is sealed/);
    assert.match(flat, /\$ guard verify --base origin\/main error db\/migrations\/002_create_orders\.sql is sealed/);
    assert.match(flat, /staging has not applied this/);
    assert.match(run.stdout, /^ +deployed production$/m);
    assert.match(flat, /the deploy lock of production was not obtained within 1 s: held by "guard deploy production by /);
    assert.match(flat, /index public\.users_created_at_idx: added since the last deploy/);
    assert.match(run.stdout, /^ +refused production's schema differs/m);
    assert.match(run.stdout, /^ +production +db\/migrations +003 +.*1 object$/m);
    assert.match(run.stdout, /the status page: .*status\.html/);
    const elapsed = /Every step behaved as narrated in (\d+\.\d) s\./.exec(run.stdout);
    assert.ok(elapsed, run.stdout);
    assert.ok(Number(elapsed[1]) < 60, `the demo took ${elapsed[1]} s`);
    const dir = /^PostgreSQL stopped; (.+) removed\.$/m.exec(run.stdout)?.[1] ?? '';
    assert.ok(dir.startsWith(parent), run.stdout);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(processesMentioning(dir), []);
  });

  it('on Ctrl-C (SIGINT) mid-way, stops PostgreSQL, ends what it started and removes its directory', async () => {
    const child = spawn(process.execPath, [GUARD, 'demo'], { cwd: parent, env: demoEnvironment(parent), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Mid-way: PostgreSQL and its databases are up, and step 3 is deploying.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`step 3 did not start within 120 s:\n${output}`)), 120_000);
      child.on('close', () => reject(new Error(`the demo ended before step 3:\n${output}`)));
      const look = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/^3\. /m.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
    });
    const dir = /^guard demo: .* in (\S+)$/m.exec(output)?.[1] ?? '';
    assert.ok(dir.startsWith(parent), output);
    assert.notDeepEqual(processesMentioning(dir), [], 'PostgreSQL runs before the interrupt');
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, output);
    assert.match(output, /interrupted \(SIGINT\): stopping PostgreSQL and removing the directory/);
    assert.doesNotMatch(output, /FAILED/);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(processesMentioning(dir), []);
  });

  it('exits 1 naming the check when guard does not behave as narrated (a pre-commit hook that locks nothing)', () => {
    // A copy of this build whose `guard hook` does nothing: the demo must notice.
    const broken = path.join(parent, 'broken-guard');
    mkdirSync(path.join(broken, 'dist'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'dist/bin'), path.join(broken, 'dist/bin'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(broken, 'package.json'));
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(broken, 'node_modules'));
    writeFileSync(path.join(broken, 'dist/bin/command-hook.js'), `module.exports = { hookCommand: { name: 'hook', summary: '', help: '', options: {}, allowPositionals: true, run: async () => 0 } };\n`);
    const demos = path.join(parent, 'demos');
    mkdirSync(demos);
    try {
      const run = spawnSync(process.execPath, [path.join(broken, 'dist/bin/guard.js'), 'demo'], { cwd: parent, encoding: 'utf8', env: demoEnvironment(demos), timeout: 180_000 });
      assert.equal(run.status, 1, `${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /FAILED git commit -m "Add orders": expected exit 0 and \/guard locked\/ in its output \(committed, the migration locked by the hook\); got exit 0/);
      assert.match(run.stdout, /The demo stopped after [\d.]+ s: git commit -m "Add orders"/);
      assert.doesNotMatch(run.stdout, /^2\. /m);
      assert.deepEqual(readdirSync(demos), []);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
