// One real-tool scenario for the tools whose migrations are script files
// named by the project (Knex, Sequelize CLI, Kysely): the real tool writes
// (where it has a generator) and applies the migrations on a real
// PostgreSQL through `guard deploy ENV -- <the tool's command>`, and guard's
// init, lockfile, hooks, verify, step 4 and status are checked against what
// the tool did. Each tool's test file gives what differs (FileNamedToolSpec).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo } from './git-repo.js';
import { queryRows, runGuard, type Run } from './compiled-guard.js';
import { testDatabase, type TestDatabase } from './postgres.js';
import { installCompiledShim, userGit } from './user-git.js';

export const MODULES = path.join(PROJECT_ROOT, 'node_modules');

/** A project under test: the repository, its databases and the commands a user runs in it. */
export interface FileNamedProject {
  repo: TempRepo;
  env: NodeJS.ProcessEnv;
  /** The tool's own command, run outside guard against `environment`'s database. */
  runTool(command: readonly string[], environment: string): SpawnSyncReturns<string>;
}

export interface FileNamedToolSpec {
  /** The tool as users name it, for test titles. */
  title: string;
  tool: 'knex' | 'sequelize' | 'kysely';
  /** The migrations folder, as the project's config names it. */
  dir: string;
  /** Packages the project has installed (linked from this checkout's node_modules). */
  packages: readonly string[];
  /** The project's own files: the tool's config, its migrate script. */
  files: Record<string, string>;
  /** The deploy command (run in the repository, DATABASE_URL set by guard). */
  deploy: readonly string[];
  /**
   * Writes a migration called `name` whose `up` runs `sql`, with the tool's
   * generator where it has one; returns its path in the repository.
   * Successive names sort in the order they are written.
   */
  write(project: FileNamedProject, name: string, sql: string): string;
  /** A migration file the project writes by hand, named to sort before every migration written so far. */
  early: { name: string; text: string };
  /** The id the tool records for a migration file (its base name, with or without the extension). */
  idOf(file: string): string;
  /** The tool's table: the ids it records, in the order it applied them. */
  appliedSql: string;
  /** Whether a failed run keeps the migrations applied before the failure (no transaction around the run). */
  keepsEarlierOnFailure: boolean;
}

/** Runs the tool's generator (`command`, in the repository) and returns the repository path of the one file it wrote in `dir`. */
export function generated(project: FileNamedProject, dir: string, command: readonly string[]): string {
  const folder = path.join(project.repo.root, dir);
  const list = () => (existsSync(folder) ? readdirSync(folder) : []);
  const before = new Set(list());
  const made = spawnSync(command[0]!, command.slice(1), { cwd: project.repo.root, encoding: 'utf8', env: project.env });
  assert.equal(made.status, 0, `${made.stdout}\n${made.stderr}`);
  const added = list().filter((entry) => !before.has(entry));
  assert.equal(added.length, 1, `${command.join(' ')} wrote ${added.join(', ') || 'nothing'}`);
  return `${dir}/${added[0]}`;
}

/** The scenario, as `describe` blocks of node:test. */
export function fileNamedDeployScenario(spec: FileNamedToolSpec): void {
  describe(`guard with a real ${spec.title} project on a real PostgreSQL`, () => {
    let repo: TempRepo;
    const databases: Record<string, TestDatabase> = {};
    let env: NodeJS.ProcessEnv;
    let project: FileNamedProject;
    const written: string[] = [];

    const guard = (...args: string[]): Run => runGuard(repo.root, env, args);
    const deploy = (environment: string, ...extra: string[]) => guard('deploy', environment, ...extra, '--', ...spec.deploy);
    const applied = async (environment: string) => (await queryRows(databases[environment]!.url, spec.appliedSql)).map((row: { name: string }) => row.name);
    const { git, commit, commitSkippingHooks } = userGit(() => repo.root, () => env);
    const write = (name: string, sql: string) => {
      const file = spec.write(project, name, sql);
      written.push(file);
      return file;
    };
    const idOf = (index: number) => spec.idOf(path.basename(written[index]!));
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    before(async () => {
      for (const name of ['staging', 'production']) databases[name] = await testDatabase();
      env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', STAGING_DATABASE_URL: databases.staging!.url, PRODUCTION_DATABASE_URL: databases.production!.url };
      repo = new TempRepo();
      // What `npm install` puts in the project: guard (the hooks run it) and the tool with its driver.
      installCompiledShim(repo);
      for (const name of spec.packages) {
        mkdirSync(path.dirname(path.join(repo.root, 'node_modules', name)), { recursive: true });
        symlinkSync(path.join(MODULES, name), path.join(repo.root, 'node_modules', name));
      }
      for (const [file, text] of Object.entries(spec.files)) repo.write(file, text);
      project = {
        repo,
        env,
        runTool: (command, environment) => spawnSync(command[0]!, command.slice(1), { cwd: repo.root, encoding: 'utf8', env: { ...env, DATABASE_URL: databases[environment]!.url } }),
      };
      write('a_users', 'CREATE TABLE users (id serial PRIMARY KEY, name text)');
      write('b_orders', 'CREATE TABLE orders (id serial PRIMARY KEY, user_id integer)');
    });
    after(async () => {
      repo?.dispose();
      for (const database of Object.values(databases)) await database.drop();
    });

    it('guard init finds the folder the tool reads and locks every migration by the id the tool records', () => {
      const init = guard('init');
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, new RegExp(`${escaped(spec.dir)} \\(${spec.tool}: `));
      assert.match(repo.read('guard.config.yaml'), new RegExp(`dir: ${escaped(spec.dir)}\\n\\s+tool: ${spec.tool}`));
      const lock = repo.read('checksums.lock.yaml');
      assert.deepEqual([...lock.matchAll(/id: ([^,]+),/g)].map((match) => match[1]), [idOf(0), idOf(1)]);
      repo.write('guard.config.yaml', `${repo.read('guard.config.yaml').trimEnd()}\nseal: committed\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n`);
      const first = commit(`${spec.title} migrations, guarded`);
      assert.equal(first.status, 0, first.stderr);
    });

    it("deploys staging then production through the tool's own command; the tool's table and guard status agree", async () => {
      for (const environment of ['staging', 'production']) {
        const result = deploy(environment);
        assert.equal(result.code, 0, `${environment}:\n${result.stdout}\n${result.stderr}`);
      }
      assert.deepEqual(await applied('production'), [idOf(0), idOf(1)]);
      const again = deploy('production');
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stderr, /unrecorded|disagrees|without guard/);
      const status = guard('status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^production\\s+${escaped(spec.dir)}\\s+${escaped(idOf(1))}\\s+= HEAD`, 'm'));
    });

    it('an edit of a sealed migration is refused by pre-commit, and by guard verify --base when the hooks were skipped', () => {
      const start = git('rev-parse', 'HEAD').stdout.trim();
      repo.write(written[0]!, `${repo.read(written[0]!)}\n// sneaky\n`);
      const refused = commit('edit an applied migration');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, new RegExp(escaped(path.basename(written[0]!))));
      assert.equal(guard('lock').code, 0);
      assert.equal(commitSkippingHooks('edit, hooks skipped').status, 0);
      const verify = guard('verify', '--base', start);
      assert.equal(verify.code, 1, verify.stderr);
      assert.match(`${verify.stdout}${verify.stderr}`, new RegExp(escaped(path.basename(written[0]!))));
      git('reset', '-q', '--hard', start);
    });

    it('a new migration named before sealed ones is refused at commit (outOfOrder: refuse)', () => {
      const start = git('rev-parse', 'HEAD').stdout.trim();
      repo.write(`${spec.dir}/${spec.early.name}`, spec.early.text);
      const refused = commit('a migration from an old branch');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, new RegExp(`${escaped(spec.early.name)} .*sorts before`));
      git('reset', '-q', '--hard', start);
      git('clean', '-qfd', spec.dir);
    });

    it('a migration applied by hand outside guard is named at the next deploy', async () => {
      write('c_email', 'ALTER TABLE users ADD COLUMN email text');
      assert.equal(guard('lock').code, 0);
      const added = commit('add email');
      assert.equal(added.status, 0, added.stderr);
      const byHand = project.runTool(spec.deploy, 'staging');
      assert.equal(byHand.status, 0, `${byHand.stdout}\n${byHand.stderr}`);
      const check = deploy('staging', '--check');
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stderr, new RegExp(`applied without guard, content unchecked: ${escaped(idOf(2))}`));
      for (const environment of ['staging', 'production']) assert.equal(deploy(environment).code, 0, environment);
      assert.deepEqual(await applied('staging'), [idOf(0), idOf(1), idOf(2)]);
    });

    it("a migration edited after guard deployed it (hooks skipped) is refused at the next deploy: guard's ledger recorded what ran", () => {
      const start = git('rev-parse', 'HEAD').stdout.trim();
      repo.write(written[1]!, repo.read(written[1]!).replace('user_id integer', 'user_id bigint'));
      assert.equal(guard('lock').code, 0);
      assert.equal(commitSkippingHooks('edit the orders migration, hooks skipped').status, 0);
      const refused = deploy('staging');
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`${escaped(written[1]!)} was edited after staging applied it`));
      git('reset', '-q', '--hard', start);
    });

    it("a failed migration fails the deploy, the ledger says failed, and the tool's table is as the tool leaves it", async () => {
      write('d_ok', 'CREATE TABLE ok (id integer)');
      write('e_broken', 'SELECT 1/0');
      assert.equal(guard('lock').code, 0);
      assert.equal(commit('a migration that fails').status, 0);
      const failed = deploy('staging');
      assert.notEqual(failed.code, 0);
      assert.match(`${failed.stdout}${failed.stderr}`, /division by zero/);
      const [last] = await queryRows(databases.staging!.url, "SELECT status FROM guard.deployments WHERE environment = 'staging' ORDER BY id DESC LIMIT 1");
      assert.equal(last.status, 'failed');
      const kept = spec.keepsEarlierOnFailure ? [idOf(3)] : [];
      assert.deepEqual(await applied('staging'), [idOf(0), idOf(1), idOf(2), ...kept]);
      const [{ ok }] = await queryRows(databases.staging!.url, "SELECT to_regclass('public.ok') IS NOT NULL AS ok");
      assert.equal(ok, spec.keepsEarlierOnFailure);
    });
  });
}
