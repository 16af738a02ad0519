import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo, withSealedRemote } from '../helpers/git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');
// Built at run time, so this file itself holds no complete secret.
const PASSWORD = ['Tr0ub4', 'dor&3x'].join('');
const TOKEN = ['ghp', '_', 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5'].join('');

function commit(repo: TempRepo, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', ['commit', '-q', ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** git's pre-commit hook in `repo` runs guard from source. */
function installPreCommitHook(repo: TempRepo): void {
  const hook = path.join(repo.root, '.git/hooks/pre-commit');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-commit\n`);
  chmodSync(hook, 0o755);
}

/** guard's pre-push hook run as git runs it, for a push of HEAD to a new branch. */
function prePush(repo: TempRepo): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', TSX, CLI, 'hook', 'pre-push', 'origin', 'url'], {
    cwd: repo.root,
    encoding: 'utf8',
    input: `refs/heads/feature ${repo.git('rev-parse', 'HEAD').trim()} refs/heads/feature ${'0'.repeat(40)}\n`,
    env: { ...process.env, NO_COLOR: '1' },
  });
}

describe('secrets in added or changed migrations', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    installPreCommitHook(repo);
  });
  after(() => dispose());

  it('the pre-commit hook refuses a new migration with a password literal, naming file and line, never printing it', () => {
    repo.write('db/migrations/030_role.sql', `-- the app's role\nCREATE ROLE app LOGIN PASSWORD '${PASSWORD}';\n`);
    repo.git('add', 'db/migrations/030_role.sql');
    const result = commit(repo, '-m', 'role');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/030_role\.sql:2: password literal in a migration/);
    assert.match(result.output, /read it at run time/);
    assert.ok(!result.output.includes(PASSWORD), 'the secret itself is never printed');
    assert.equal(repo.git('rev-list', '--count', 'origin/main..HEAD').trim(), '0', 'nothing was committed');
  });

  it('the fix is taken: a placeholder passes, and a fake value can be allowed on its line', () => {
    repo.write('db/migrations/030_role.sql', `CREATE ROLE app LOGIN PASSWORD :'app_password';\nCREATE ROLE fixture LOGIN PASSWORD '${PASSWORD}'; -- guard:allow-secret (test fixture)\n`);
    repo.git('add', 'db/migrations/030_role.sql');
    const result = commit(repo, '-m', 'role');
    assert.equal(result.code, 0, result.output);
  });

  it('an edit of an unsealed migration that adds a token is refused too (the full rules)', () => {
    repo.write('db/migrations/030_role.sql', `CREATE ROLE app LOGIN;\n-- deploy key ${TOKEN}\n`);
    repo.write('db/migrations/040_more.sql', 'SELECT 1;\n');
    repo.git('add', '-A');
    const result = commit(repo, '-m', 'token');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/030_role\.sql:2: GitHub token in a migration \(-- deploy key ghp_\*{4}\)/);
    assert.ok(!result.output.includes(TOKEN));
  });

  it('committed past the hook, the CI gate and the pre-push check refuse it', () => {
    commit(repo, '--no-verify', '-m', 'token');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('relock');
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 1);
    assert.match(gate.stdout, /db\/migrations\/030_role\.sql:2: GitHub token in a migration/);
    const push = prePush(repo);
    assert.equal(push.status, 1, push.stderr);
    assert.match(push.stderr, /GitHub token in a migration/);
  });
});

describe('secrets spelled across a statement, through every gate', () => {
  let repo: TempRepo;
  let dispose: () => void;
  // Built at run time: pieces of one password, each of which must stay unprinted.
  const pieces = ['Zq4', 'Wm8', 'Kx2', 'Vb6', 'Hn3'].map((head, i) => `${head}${String.fromCharCode(103 + i).repeat(2)}${i}p`);
  const migration = [
    '-- migrate:up',
    'CREATE ROLE app',
    '  LOGIN',
    '  PASSWORD',
    `  '${pieces[0]}'`,
    `  '${pieces[1]}' || '${pieces[2]}';`,
    `ALTER ROLE report PASSWORD U&'${pieces[3]}\\0041' /* c */ UESCAPE '\\';`,
    `ALTER ROLE batch PASSWORD $pw$${pieces[4]}$pw$;`,
    '',
  ].join('\n');
  const unprinted = (output: string): void => {
    for (const piece of pieces) assert.ok(!output.includes(piece), `${piece} printed:\n${output}`);
  };

  before(() => {
    ({ repo, dispose } = withSealedRemote());
    installPreCommitHook(repo);
  });
  after(() => dispose());

  it('the pre-commit hook refuses it, naming the line where each value starts, printing no piece', () => {
    repo.write('db/migrations/030_roles.sql', migration);
    repo.git('add', 'db/migrations/030_roles.sql');
    const result = commit(repo, '-m', 'roles');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/030_roles\.sql:5: password literal in a migration/);
    assert.match(result.output, /db\/migrations\/030_roles\.sql:7: password literal in a migration \(ALTER ROLE report PASSWORD U&'\*{4}' \/\* c \*\/ UESCAPE '\\'.*\)/);
    assert.match(result.output, /db\/migrations\/030_roles\.sql:8: password literal in a migration \(ALTER ROLE batch PASSWORD \$pw\$\*{4}\$pw\$;\)/);
    unprinted(result.output);
    assert.equal(repo.git('rev-list', '--count', 'origin/main..HEAD').trim(), '0', 'nothing was committed');
  });

  it('committed past the hook: verify --base refuses it in text, json and GitHub annotations, and so does pre-push', () => {
    commit(repo, '--no-verify', '-m', 'roles');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('relock');
    for (const format of ['text', 'json', 'github']) {
      const gate = repo.guard('verify', '--base', 'origin/main', '--format', format);
      assert.equal(gate.code, 1, `${format}: ${gate.stdout}${gate.stderr}`);
      assert.match(gate.stdout, /030_roles\.sql/);
      unprinted(`${gate.stdout}${gate.stderr}`);
    }
    const push = prePush(repo);
    assert.equal(push.status, 1, push.stderr);
    assert.match(push.stderr, /030_roles\.sql:5: password literal/);
    unprinted(`${push.stdout}${push.stderr}`);
  });
});

describe('a migration built to make the scan slow', () => {
  let repo: TempRepo;
  let dispose: () => void;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    installPreCommitHook(repo);
  });
  after(() => dispose());

  it('one line of 800,000 characters of words and operators is scanned in well under a second by the pre-commit hook', () => {
    // The scan before took minutes on it: a regular expression ran from every word to the end of the line.
    repo.write('db/migrations/030_data.sql', `-- data\nSELECT ${'a+'.repeat(400_000)}1;\n`);
    repo.git('add', 'db/migrations/030_data.sql');
    const started = Date.now();
    const result = commit(repo, '-m', 'data');
    assert.equal(result.code, 0, result.output);
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });

  it('a value doubled on every line is refused as too complex to check, naming the line, with a fix', () => {
    repo.write('db/migrations/040_pad.sql', `\\set v 'ab'\n${"\\set v :v:v\nSELECT 'x' || :'v';\n".repeat(40)}CREATE ROLE app PASSWORD '${PASSWORD}';\n`);
    repo.git('add', 'db/migrations/040_pad.sql');
    const result = commit(repo, '-m', 'pad');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /db\/migrations\/040_pad\.sql:\d+: too complex to check for secrets: the scan for secrets stopped here/);
    assert.match(result.output, /guard refuses a migration it could not read to the end/);
    assert.ok(!result.output.includes(PASSWORD));
    commit(repo, '--no-verify', '-m', 'pad');
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('relock');
    const gate = repo.guard('verify', '--base', 'origin/main');
    assert.equal(gate.code, 1, gate.stdout);
    assert.match(gate.stdout, /040_pad\.sql:\d+: too complex to check for secrets/);
  });
});

describe('secrets in a Knex migration, in a `tool: knex` set', () => {
  let repo: TempRepo;
  let dispose: () => void;
  // Built at run time: two pieces of one password, neither of which may be printed.
  const pieces = ['Qm4', 'Tx8'].map((head, i) => `${head}${String.fromCharCode(104 + i).repeat(3)}${i}w`);
  const migration = [
    "const APP_ROLE = 'app';",
    '',
    'exports.up = async function (knex) {',
    "  await knex.schema.createTable('users', (table) => { table.string('password'); });",
    '  await knex.raw(',
    `    \`ALTER ROLE \${APP_ROLE} LOGIN PASSWORD '\` + '${pieces[0]}' +`,
    `    "${pieces[1]}'"`,
    '  );',
    '};',
    '',
    "exports.down = (knex) => knex.raw('ALTER ROLE app PASSWORD NULL');",
    '',
  ].join('\n');

  let start: string;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    repo.write('guard.config.yaml', `${repo.read('guard.config.yaml')}  - dir: db/knex\n    tool: knex\n`);
    repo.write('db/knex/20240101000000_init.js', "exports.up = (knex) => knex.schema.createTable('t', () => {});\nexports.down = (knex) => knex.schema.dropTable('t');\n");
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('a Knex set');
    start = repo.git('rev-parse', 'HEAD').trim();
    installPreCommitHook(repo);
  });
  after(() => dispose());

  it('the pre-commit hook refuses it with the file, the line of the value and a redacted excerpt', () => {
    repo.write('db/knex/20240101120000_app_role.js', migration);
    repo.git('add', 'db/knex/20240101120000_app_role.js');
    const result = commit(repo, '-m', 'app role');
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /db\/knex\/20240101120000_app_role\.js:6: password literal in a migration \(`ALTER ROLE \$\{APP_ROLE\} LOGIN PASSWORD '` \+ '\*{4}' \+\)/);
    for (const piece of pieces) assert.ok(!result.output.includes(piece), `${piece} printed:\n${result.output}`);
    assert.equal(repo.git('rev-parse', 'HEAD').trim(), start, 'nothing was committed');
  });

  it('read from the environment instead, it is committed', () => {
    repo.write('db/knex/20240101120000_app_role.js', migration.replace(`'${pieces[0]}' +\n    "${pieces[1]}'"`, "process.env.APP_PASSWORD + \"'\""));
    repo.git('add', 'db/knex/20240101120000_app_role.js');
    const result = commit(repo, '-m', 'app role');
    assert.equal(result.code, 0, result.output);
  });
});
