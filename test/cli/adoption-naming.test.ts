import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';
import { bareRemoteWithPreReceive as bareRemote, gitAsUser as git, installShim } from '../helpers/hooked-repo.js';

// Issue 11, items 4 to 6, on layouts of real projects (fixtures built here, never copied):
// a supabase-auth-style golang-migrate set, a supabase-storage-style set with mixed
// zero-padding, a DSpace-style Flyway folder with a helper script, Flyway release lines.

/** Versions as golang-migrate writes them (YYYYMMDDHHMMSS), one every few weeks, and two whose "hour" is impossible. */
function authStyleNames(): string[] {
  const names = ['00_init_auth_schema.up.sql'];
  const start = Date.UTC(2021, 6, 10, 3, 54, 47);
  for (let i = 0; i < 66; i++) {
    const stamp = new Date(start + i * 17 * 86_400_000 + i * 3_607_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    names.push(`${stamp}_step_${i}.up.sql`);
  }
  names.push('20220614074223_add_ip_address_to_audit_log.postgres.up.sql');
  names.push('20230322519590_add_flow_state_table.up.sql');
  names.push('20230402418590_add_authentication_method_to_flow_state_table.up.sql');
  return names;
}

/** Every migration file of `dir` is in the lockfile, or listed as excluded by verify. */
function everyFileLocked(repo: TempRepo, files: readonly string[]): void {
  const lock = repo.read('checksums.lock.yaml');
  const missing = files.filter((file) => !lock.includes(` file: ${path.posix.basename(file)},`) && !lock.includes(`file: "${path.posix.basename(file)}"`));
  assert.deepEqual(missing, []);
}

/** guard init, doctor all ok, the set-up commit and the first push to a fresh bare remote (with pre-receive). */
function adopt(repo: TempRepo, remote: string, ...initArgs: string[]): { init: string; doctor: string } {
  repo.git('remote', 'add', 'origin', remote);
  const init = repo.guard('init', ...initArgs);
  assert.equal(init.code, 0, init.stdout + init.stderr);
  const doctor = repo.guard('doctor');
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
  assert.doesNotMatch(doctor.stdout, /FAIL/);
  assert.equal(git(repo, 'add', '-A').code, 0);
  const commit = git(repo, 'commit', '-q', '-m', 'the project, guarded');
  assert.equal(commit.code, 0, commit.output);
  const push = git(repo, 'push', '-q', '-u', 'origin', 'main');
  assert.equal(push.code, 0, push.output);
  repo.git('remote', 'set-head', 'origin', 'main');
  return { init: init.stdout + init.stderr, doctor: doctor.stdout };
}

describe('a supabase-auth-style set: golang-migrate .up.sql names, a 00_ file, 14-digit versions with impossible hours', () => {
  let repo: TempRepo;
  let remote: string;
  const names = authStyleNames();
  before(() => {
    remote = bareRemote();
    repo = new TempRepo();
    installShim(repo.root);
    for (const [i, name] of names.entries()) repo.write(`migrations/${name}`, `-- ${name}\nSELECT ${i};\n`);
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });

  it('init locks all 70 files (the misnamed ones with a warning), doctor is all ok, the set-up commit and the first push pass', () => {
    assert.equal(names.length, 70);
    const { init, doctor } = adopt(repo, remote);
    assert.match(init, /70 migrations locked/);
    assert.match(init, /warning .*00_init_auth_schema\.up\.sql breaks the timestamp naming scheme/);
    assert.match(init, /warning .*20230322519590_add_flow_state_table\.up\.sql breaks the timestamp naming scheme: hour 51/);
    everyFileLocked(repo, names);
    assert.match(doctor, /ok {4}set migrations: \(sql\): 70 migrations, head \d{14}; 3 warnings/);
  });

  it('verify orders 00_ first and the hour-51 versions by number, accepting the locked names as warnings', () => {
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /warning migrations\/20230402418590_add_authentication_method_to_flow_state_table\.up\.sql breaks .*hour 41.*it was locked before, so it keeps its name/);
    const lock = repo.read('checksums.lock.yaml');
    assert.ok(lock.indexOf('00_init_auth_schema') < lock.indexOf('20210710'));
    assert.ok(lock.indexOf('20230322519590') < lock.indexOf('20230402418590'));
  });

  it('the scheme applies to new files: a new hour-51 version is refused by the commit once the set is sealed', () => {
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('migrations/20991231516000_new.up.sql', 'SELECT 1;\n');
    git(repo, 'add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'new misnamed');
    assert.notEqual(commit.code, 0);
    assert.match(commit.output, /20991231516000_new\.up\.sql breaks the timestamp naming scheme: hour 51/);
    // Locked by hand and committed anyway: still refused (by the sealed state, not the branch's lockfile).
    assert.equal(repo.guard('lock').code, 0);
    git(repo, 'add', '-A');
    const again = git(repo, 'commit', '-q', '-m', 'new misnamed, locked');
    assert.notEqual(again.code, 0);
    assert.match(again.output, /new since origin\/main/);
  });

  it('versions: numbers: the tool reads versions as numbers, so the new one and the old hour-51 ones are no problem', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: migrations\n    tool: sql\n    versions: numbers\n');
    git(repo, 'add', '-A');
    const commit = git(repo, 'commit', '-q', '-m', 'versions are numbers');
    assert.equal(commit.code, 0, commit.output);
    const verify = repo.guard('verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.stdout);
    assert.doesNotMatch(verify.stdout, /hour 51/);
    assert.match(verify.stdout, /warning migrations\/00_init_auth_schema\.up\.sql/, 'the 00_ file still breaks the scheme, and stays accepted');
  });

  it('naming: sequential drops no entry: the 14-digit versions stay locked', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: migrations\n    tool: sql\n    naming: sequential\n');
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.doesNotMatch(lock.stdout, /^\s+- /m, 'nothing removed');
    assert.equal(repo.guard('verify').code, 0);
    repo.git('checkout', '--', 'guard.config.yaml');
  });
});

describe('a supabase-storage-style project: three sets, hyphenated names, 0002- beside 00010-', () => {
  let repo: TempRepo;
  let remote: string;
  const tenant = Array.from({ length: 63 }, (_, i) => (i + 1 === 10 ? '00010-search-files-search-function.sql' : `${String(i + 1).padStart(4, '0')}-step-${i + 1}.sql`));
  before(() => {
    remote = bareRemote();
    repo = new TempRepo();
    installShim(repo.root);
    for (const name of tenant) repo.write(`migrations/tenant/${name}`, `-- ${name}\nSELECT 1;\n`);
    for (let i = 1; i <= 28; i++) repo.write(`migrations/multitenant/${String(i).padStart(4, '0')}-m${i}.sql`, `SELECT ${i};\n`);
    repo.write('migrations/vector_store/0001-init.sql', 'SELECT 1;\n');
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });

  it('init, doctor all ok, set-up commit and first push; every file locked; 00010 ordered after 0009 with a padding warning', () => {
    const { doctor } = adopt(repo, remote, '--dir', 'migrations/tenant', '--dir', 'migrations/multitenant', '--dir', 'migrations/vector_store');
    everyFileLocked(repo, tenant);
    assert.match(doctor, /ok {4}set migrations\/tenant: \(sql\): 63 migrations, head 0063; 1 warning .*00010-search-files-search-function\.sql is zero-padded to another width/);
    const lock = repo.read('checksums.lock.yaml');
    assert.ok(lock.indexOf('0009-step-9.sql') < lock.indexOf('00010-search') && lock.indexOf('00010-search') < lock.indexOf('0011-step-11.sql'));
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /warning migrations\/tenant\/00010-search-files-search-function\.sql is zero-padded .*ordered by number, as the migration tools do/);
  });
});

describe('exclude: and out-of-order release lines on a Flyway project (DSpace style)', () => {
  let repo: TempRepo;
  let remote: string;
  const dir = 'dspace-api/src/main/resources/org/dspace/storage/rdbms/sqlmigration/postgres';
  before(() => {
    remote = bareRemote();
    repo = new TempRepo();
    installShim(repo.root);
    repo.write(`${dir}/V1__init.sql`, 'CREATE TABLE item (id int);\n');
    repo.write(`${dir}/V7_0_2024_01_01__seven.sql`, 'CREATE TABLE seven (id int);\n');
    repo.write(`${dir}/update-sequences.sql`, 'SELECT setval(\'item_seq\', 1);\n');
    repo.write(`${dir}/archive/V0_9__old.sql`, 'SELECT 1;\n');
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${dir}\n    tool: flyway\n    recursive: false\n    exclude: [update-sequences.sql]\n`);
  });
  after(() => {
    repo.dispose();
    rmSync(remote, { recursive: true, force: true });
  });

  it('the helper is excluded and listed, the script in a sub-folder the set does not read is reported, and adoption passes', () => {
    adopt(repo, remote);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /\(flyway\): 2 migrations \(2 files guarded\), head 7\.0\.2024\.01\.01; excluded \(not guarded\): .*postgres\/update-sequences\.sql/);
    assert.match(verify.stdout, /warning .*archive\/V0_9__old\.sql looks like a Flyway migration but lies in a sub-folder/);
    assert.doesNotMatch(repo.read('checksums.lock.yaml'), /update-sequences/);
  });

  it('an excluded file is still scanned for secrets', () => {
    repo.git('checkout', '-q', '-b', 'helper');
    repo.write(`${dir}/update-sequences.sql`, "CREATE ROLE app PASSWORD 'hunter2-secret';\n");
    const commit = git(repo, 'commit', '-q', '-am', 'role in the helper');
    assert.notEqual(commit.code, 0);
    assert.match(commit.output, /update-sequences\.sql:1: .*password/i);
    repo.git('checkout', '-q', '--', '.');
    repo.git('checkout', '-q', 'main');
  });

  it('exclude cannot hide a script Flyway runs, nor unguard a sealed one (refused by the commit, the server and CI)', () => {
    repo.git('checkout', '-q', '-b', 'hide');
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${dir}\n    tool: flyway\n    recursive: false\n    exclude: [update-sequences.sql, "V1__*"]\n`);
    const commit = git(repo, 'commit', '-q', '-am', 'exclude V1');
    assert.notEqual(commit.code, 0);
    assert.match(commit.output, /V1__init\.sql is left out by `exclude: V1__\*`, but Flyway runs it as a migration/);
    assert.equal(git(repo, 'commit', '-q', '--no-verify', '-am', 'exclude V1').code, 0);
    const push = git(repo, 'push', '-q', '--no-verify', 'origin', 'hide');
    assert.notEqual(push.code, 0, 'the server refuses it');
    assert.match(push.output, /remote: .*V1__init\.sql, sealed in refs\/heads\/main .*, is left out by the config's `exclude:`/);
    const ci = repo.guard('verify', '--base', 'origin/main');
    assert.equal(ci.code, 1);
    assert.match(ci.stdout, /V1__init\.sql, sealed in origin\/main .*, is left out by the config's `exclude:`/);
    repo.git('checkout', '-q', 'main');
  });

  it('a lower version for an older release line is refused with renumber by default, and passes with outOfOrder: allow; an edit never', () => {
    repo.git('checkout', '-q', '-f', 'main');
    repo.git('checkout', '-q', '-b', 'release-6');
    repo.write(`${dir}/V6_4_2024_06_01__backport.sql`, 'CREATE TABLE backport (id int);\n');
    git(repo, 'add', '-A');
    const refused = git(repo, 'commit', '-q', '-m', 'backport');
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /sorts before .*V7_0_2024_01_01__seven\.sql.*guard renumber/s);
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${dir}\n    tool: flyway\n    recursive: false\n    exclude: [update-sequences.sql]\n    outOfOrder: allow\n`);
    git(repo, 'add', '-A');
    const allowed = git(repo, 'commit', '-q', '-m', 'backport, out of order by design');
    assert.equal(allowed.code, 0, allowed.output);
    const push = git(repo, 'push', '-q', 'origin', 'release-6');
    assert.equal(push.code, 0, push.output);
    assert.equal(repo.guard('verify', '--base', 'origin/main').code, 0);
    repo.write(`${dir}/V1__init.sql`, 'DROP TABLE item;\n');
    const edit = git(repo, 'commit', '-q', '-am', 'edit a sealed script');
    assert.notEqual(edit.code, 0);
    assert.match(edit.output, /V1__init\.sql is sealed in origin\/main/);
  });

  it("doctor says when the project's Flyway settings run out of order but the config does not say outOfOrder", () => {
    repo.git('checkout', '-q', '-f', 'main');
    repo.write('flyway.conf', 'flyway.url=jdbc:postgresql://localhost/dspace\nflyway.outOfOrder=true\n');
    const doctor = repo.guard('doctor');
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.match(doctor.stdout, /FAIL {2}set .*postgres order: flyway\.conf runs Flyway with outOfOrder on, but the config does not say so/);
    assert.match(doctor.stdout, /fix: add `outOfOrder: allow`/);
    repo.write('guard.config.yaml', `migrations:\n  - dir: ${dir}\n    tool: flyway\n    recursive: false\n    exclude: [update-sequences.sql]\n    outOfOrder: allow\n`);
    assert.equal(repo.guard('doctor').code, 0);
    repo.remove('flyway.conf');
    repo.git('checkout', '-q', '--', 'guard.config.yaml');
  });
});

describe('a non-recursive Alembic set with a revision in a sub-folder', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('db/versions/a1_init.py', "revision = 'a1'\ndown_revision = None\n");
    repo.write('db/versions/sub/b2_next.py', "revision = 'b2'\ndown_revision = 'a1'\n");
    repo.write('db/versions/sub/helpers.py', 'def helper():\n    return 1\n');
  });
  after(() => repo.dispose());

  it('the revision guard does not read is reported (not the helper), and an exclude lists it instead', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/versions\n    tool: alembic\n');
    assert.equal(repo.guard('lock').code, 0);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /warning db\/versions\/sub\/b2_next\.py looks like an Alembic revision but lies in a sub-folder, which this set does not read/);
    assert.match(verify.stdout, /fix: if the tool runs it, set `recursive: true`/);
    assert.doesNotMatch(verify.stdout, /helpers\.py/);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/versions\n    tool: alembic\n    exclude: ["sub/**"]\n');
    const excluded = repo.guard('verify', '--format', 'json');
    assert.equal(excluded.code, 0, excluded.stdout);
    const result = JSON.parse(excluded.stdout) as { sets: { excluded: string[]; files: number }[]; warnings: unknown[] };
    assert.deepEqual(result.sets[0]!.excluded, ['db/versions/sub/b2_next.py', 'db/versions/sub/helpers.py']);
    assert.equal(result.sets[0]!.files, 1);
    assert.deepEqual(result.warnings, []);
  });

  it('an exclude that takes in a revision Alembic runs is refused', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/versions\n    tool: alembic\n    exclude: ["a1_*.py"]\n');
    const verify = repo.guard('verify');
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(verify.stdout, /db\/versions\/a1_init\.py is left out by `exclude: a1_\*\.py`, but Alembic runs it as a migration/);
  });
});
