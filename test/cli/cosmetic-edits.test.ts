import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo, alembicRevision, withSealedRemote } from '../helpers/git-repo.js';

const TSX = import.meta.resolve('tsx');
const CLI = path.join(PROJECT_ROOT, 'src/cli/guard.ts');

interface Report {
  findings: { code: string; file?: string; message: string }[];
  cosmetic?: { set: string; file: string; from: string; to: string }[];
}

/** A repository on branch `feature` whose remote's main sealed `files`, locked with `config` (withSealedRemote). */
function sealedRepository(config: string, files: Record<string, string>, branchConfig = config): { repo: TempRepo; remote: string; dispose(): void } {
  return withSealedRemote({ config, files, branchConfig });
}

const SQL_CONFIG = 'migrations:\n  - dir: db/migrations\n    tool: sql\ncosmetic: allow\n';
const SQL_FILES = {
  'db/migrations/010_users.sql': "CREATE TABLE users (id int, status text DEFAULT 'Active');\n",
  'db/migrations/020_orders.sql': 'create table orders (id int, user_id int references users (id));\ncreate index orders_user on orders (user_id);\n',
};
/** What a SQL formatter makes of SQL_FILES: case, layout, comments. */
const SQL_REFORMATTED = {
  'db/migrations/010_users.sql': "-- The users.\nCREATE TABLE users (\n    id     INT,\n    status TEXT DEFAULT 'Active'\n);\n",
  'db/migrations/020_orders.sql': '/* orders */\nCREATE TABLE orders (\n  id INT,\n  user_id INT REFERENCES users (id)\n);\n\nCREATE INDEX orders_user ON orders (user_id);\n',
};

const sealedTip = (repo: TempRepo) => repo.git('rev-parse', 'origin/main').trim();

describe('cosmetic: allow, plain SQL', () => {
  const { repo, remote, dispose } = sealedRepository(SQL_CONFIG, SQL_FILES);
  after(dispose);

  it('records a semantic checksum per migration, and the algorithm, in the lockfile', () => {
    const text = repo.read('checksums.lock.yaml');
    assert.match(text, /^semantic: guard-semantic\/1$/m);
    assert.equal(text.match(/, semantic: [0-9a-f]{64}\}/g)?.length, 2);
  });

  it('lets the pre-commit hook take a reformat of sealed files, relocking their content checksums', () => {
    for (const [file, content] of Object.entries(SQL_REFORMATTED)) repo.write(file, content);
    repo.git('add', '-A');
    const before = repo.read('checksums.lock.yaml');
    const hook = repo.guard('hook', 'pre-commit');
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, /cosmetic db\/migrations\/010_users\.sql: only formatting changed \(sealed in origin\/main; sha256 /);
    assert.match(hook.stderr, /cosmetic db\/migrations\/020_orders\.sql: only formatting changed/);
    const after = repo.git('show', ':checksums.lock.yaml');
    assert.notEqual(after, before);
    // The semantic checksums are the sealed ones; only the content checksums moved.
    const semantics = (text: string) => text.match(/semantic: [0-9a-f]{64}/g);
    assert.deepEqual(semantics(after), semantics(before));
    repo.git('commit', '-q', '--no-verify', '-m', 'format the SQL');
  });

  it('passes the CI gate, which names the cosmetic edits', () => {
    const text = repo.guard('verify', '--base', 'origin/main');
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /cosmetic db\/migrations\/010_users\.sql: only formatting changed/);
    assert.match(text.stdout, /nothing sealed in origin\/main changed but the formatting of the 2 files above/);
    const json = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    const report = JSON.parse(json.stdout) as Report;
    assert.deepEqual(report.cosmetic?.map((edit) => edit.file), ['db/migrations/010_users.sql', 'db/migrations/020_orders.sql']);
  });

  it('passes the pre-push hook and the server\'s pre-receive, which refuse a change of meaning', () => {
    const head = repo.git('rev-parse', 'HEAD').trim();
    const push = spawnSync(process.execPath, ['--import', TSX, CLI, 'hook', 'pre-push', 'origin', remote], {
      cwd: repo.root,
      input: `refs/heads/feature ${head} refs/heads/feature ${'0'.repeat(40)}\n`,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CI: '' },
    });
    assert.equal(push.status, 0, push.stdout + push.stderr);
    writeFileSync(path.join(remote, 'hooks/pre-receive'), `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${CLI}" hook pre-receive\n`);
    chmodSync(path.join(remote, 'hooks/pre-receive'), 0o755);
    const accepted = spawnSync('git', ['push', '-q', 'origin', 'feature'], { cwd: repo.root, encoding: 'utf8' });
    assert.equal(accepted.status, 0, accepted.stderr);
    repo.write('db/migrations/010_users.sql', "CREATE TABLE users (id int, status text DEFAULT 'gone');\n");
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'a change of meaning');
    const refused = spawnSync('git', ['push', '-q', 'origin', 'feature'], { cwd: repo.root, encoding: 'utf8' });
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.notEqual(refused.status, 0, refused.stderr);
    assert.match(refused.stderr, /010_users\.sql is sealed in refs\/heads\/main .*not a cosmetic edit: its meaning changed/);
  });

  const refusedByHook = (file: string, content: string): Report => {
    repo.write(file, content);
    repo.git('add', '-A');
    const hook = repo.guard('hook', 'pre-commit', '--format', 'json');
    repo.git('reset', '-q', '--hard', 'HEAD');
    assert.equal(hook.code, 1, hook.stdout + hook.stderr);
    return JSON.parse(hook.stdout) as Report;
  };

  for (const [what, content] of [
    ['a literal', "CREATE TABLE users (\n    id     INT,\n    status TEXT DEFAULT 'active'\n);\n"],
    ['a type', "CREATE TABLE users (\n    id     BIGINT,\n    status TEXT DEFAULT 'Active'\n);\n"],
    ['a keyword turned into a quoted identifier', 'CREATE TABLE users (\n    id     INT,\n    status TEXT DEFAULT "Active"\n);\n'],
    ['an added statement', "CREATE TABLE users (\n    id     INT,\n    status TEXT DEFAULT 'Active'\n);\nDROP TABLE orders;\n"],
    ['a psql command the parser cannot read', "\\set ON_ERROR_STOP on\nCREATE TABLE users (id int, status text DEFAULT 'Active');\n"],
  ] as const) {
    it(`refuses ${what} in a sealed file, as it would without the policy`, () => {
      const report = refusedByHook('db/migrations/010_users.sql', content);
      assert.deepEqual(report.findings.map((finding) => [finding.code, finding.file]), [['sealed-edited', 'db/migrations/010_users.sql']]);
      assert.match(report.findings[0]!.message, /; not a cosmetic edit: (?:its meaning changed|PostgreSQL's parser cannot read it)/);
      // The earlier commit's reformat of 020 is still shown; 010's edit is not cosmetic.
      assert.deepEqual(report.cosmetic?.map((edit) => edit.file), ['db/migrations/020_orders.sql']);
    });
  }

  it('refuses reordered statements', () => {
    const report = refusedByHook('db/migrations/020_orders.sql', 'CREATE INDEX orders_user ON orders (user_id);\nCREATE TABLE orders (id INT, user_id INT REFERENCES users (id));\n');
    assert.deepEqual(report.findings.map((finding) => finding.code), ['sealed-edited']);
  });

  it('refuses a branch whose lockfile plants a semantic checksum for a new migration that is not its own', () => {
    // The attack: lock a harmless migration with the semantic checksum of a harmful one; once
    // sealed, swapping in the harmful content would look cosmetic.
    const harmless = 'SELECT 1;\n';
    repo.write('db/migrations/030_later.sql', harmless);
    assert.equal(repo.guard('lock').code, 0);
    const lock = repo.read('checksums.lock.yaml');
    const own = /030_later\.sql, sha256: [0-9a-f]{64}, semantic: ([0-9a-f]{64})/.exec(lock)![1]!;
    const other = /010_users\.sql, sha256: [0-9a-f]{64}, semantic: ([0-9a-f]{64})/.exec(lock)![1]!;
    repo.write('checksums.lock.yaml', lock.replace(own, other));
    repo.commitAll('planted');
    const json = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.equal(json.code, 1, json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as Report;
    assert.deepEqual(report.findings.map((finding) => [finding.code, finding.file]), [['semantic-mismatch', 'db/migrations/030_later.sql']]);
  });

  it('refuses a hand edit of a sealed line\'s semantic checksum', () => {
    const lock = repo.read('checksums.lock.yaml');
    const sealedSemantic = /010_users\.sql, sha256: [0-9a-f]{64}, semantic: ([0-9a-f]{64})/.exec(lock)![1]!;
    repo.write('checksums.lock.yaml', lock.replace(sealedSemantic, 'f'.repeat(64)));
    repo.commitAll('edited line');
    const json = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.equal(json.code, 1, json.stdout + json.stderr);
    assert.ok((JSON.parse(json.stdout) as Report).findings.some((finding) => finding.code === 'semantic-mismatch' && finding.file === 'db/migrations/010_users.sql'));
  });

  it('refuses, in the CI gate, a semantic edit on the way even when a later commit is cosmetic', () => {
    repo.write('db/migrations/010_users.sql', "CREATE TABLE users (id int, status text DEFAULT 'gone');\n");
    assert.equal(repo.guard('lock').code, 1); // guard lock itself refuses to rewrite a sealed line
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'semantic');
    repo.write('db/migrations/010_users.sql', SQL_REFORMATTED['db/migrations/010_users.sql']);
    repo.commitAll('back to the sealed meaning');
    const json = repo.guard('verify', '--base', 'origin/main', '--format', 'json');
    repo.git('reset', '-q', '--hard', 'HEAD~2');
    assert.equal(json.code, 1, json.stdout + json.stderr);
  });

  it('still seals what main sealed: the tip of main is unchanged', () => {
    assert.equal(repo.git('rev-parse', 'origin/main').trim(), sealedTip(repo));
  });
});

describe('cosmetic: refuse (the default)', () => {
  const { repo, dispose } = sealedRepository('migrations:\n  - dir: db/migrations\n    tool: sql\n', SQL_FILES);
  after(dispose);

  it('records no semantic checksums and refuses the same reformat', () => {
    assert.doesNotMatch(repo.read('checksums.lock.yaml'), /semantic/);
    for (const [file, content] of Object.entries(SQL_REFORMATTED)) repo.write(file, content);
    repo.git('add', '-A');
    const hook = repo.guard('hook', 'pre-commit', '--format', 'json');
    assert.equal(hook.code, 1);
    assert.deepEqual((JSON.parse(hook.stdout) as Report).findings.map((finding) => finding.code), ['sealed-edited', 'sealed-edited']);
    repo.git('reset', '-q', '--hard', 'HEAD');
  });
});

describe('cosmetic: allow turned on in the branch that reformats', () => {
  const { repo, dispose } = sealedRepository('migrations:\n  - dir: db/migrations\n    tool: sql\n', SQL_FILES, SQL_CONFIG);
  after(dispose);

  it('is not in force for the branch\'s own edits: the protected ref\'s config decides, and the refusal says so', () => {
    for (const [file, content] of Object.entries(SQL_REFORMATTED)) repo.write(file, content);
    const lock = repo.guard('lock');
    assert.equal(lock.code, 1, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /010_users\.sql is sealed in origin\/main.*; not a cosmetic edit: `cosmetic: allow` is not in force for db\/migrations in origin\/main's config/);
    repo.git('checkout', '-q', '--', 'db');
  });

  it('once merged, judges the sealed side from the sealed files, though the sealed lockfile records no semantic checksums', () => {
    repo.git('push', '-q', 'origin', 'feature:main');
    repo.git('fetch', '-q', 'origin');
    assert.doesNotMatch(repo.git('show', 'origin/main:checksums.lock.yaml'), /semantic/);
    for (const [file, content] of Object.entries(SQL_REFORMATTED)) repo.write(file, content);
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /cosmetic db\/migrations\/010_users\.sql: only formatting changed/);
    repo.commitAll('reformat');
    const verify = repo.guard('verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});

describe('cosmetic: allow, Alembic', () => {
  const dir = 'alembic/versions';
  const base = alembicRevision('a1b2c3d4e5f6', null).replace('def upgrade():\n    op.execute("SELECT 1")', "def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(length=50), nullable=False))\n    if op.get_context().dialect.name == 'postgresql':\n        op.execute('CREATE EXTENSION IF NOT EXISTS pgcrypto')\n    op.execute('ANALYZE users')");
  const second = alembicRevision('b2c3d4e5f6a1', 'a1b2c3d4e5f6');
  const files = { [`${dir}/a1b2c3d4e5f6_users.py`]: base, [`${dir}/b2c3d4e5f6a1_more.py`]: second };
  const { repo, dispose } = sealedRepository(`migrations:\n  - dir: ${dir}\n    tool: alembic\ncosmetic: allow\n`, files);
  after(dispose);
  /** What black makes of `base`: double quotes, one argument per line with trailing commas, a new docstring, sorted imports. */
  const blacked = base
    .replace('"""revision a1b2c3d4e5f6', '"""Create the users table (revision a1b2c3d4e5f6)')
    .replace('from alembic import op\nimport sqlalchemy as sa', 'import sqlalchemy as sa\nfrom alembic import op')
    .replace(
      "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(length=50), nullable=False))",
      '    op.create_table(\n        "users",\n        sa.Column("id", sa.Integer(), primary_key=True),\n        sa.Column("name", sa.String(length=50), nullable=False),\n    )  # the first table',
    )
    .replace(/'/g, '"');

  it('passes a black-style reformat of a sealed revision through the hook and the CI gate', () => {
    repo.write(`${dir}/a1b2c3d4e5f6_users.py`, blacked);
    repo.git('add', '-A');
    const hook = repo.guard('hook', 'pre-commit');
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stderr, /cosmetic alembic\/versions\/a1b2c3d4e5f6_users\.py: only formatting changed/);
    repo.git('commit', '-q', '--no-verify', '-m', 'black');
    const verify = repo.guard('verify', '--base', 'origin/main');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /cosmetic alembic\/versions\/a1b2c3d4e5f6_users\.py/);
  });

  for (const [what, edit] of [
    ['a changed string inside op.execute', (text: string) => text.replace('ANALYZE users', 'ANALYZE  users')],
    ['a statement indented out of its if', (text: string) => text.replace("        op.execute('CREATE EXTENSION", "    op.execute('CREATE EXTENSION")],
    ['an edited downgrade', (text: string) => text.replace('def downgrade():\n    pass', "def downgrade():\n    op.drop_table('users')")],
    ['reordered statements', (text: string) => text.replace("    op.execute('ANALYZE users')", '').replace("def upgrade():\n", "def upgrade():\n    op.execute('ANALYZE users')\n")],
    ['a literal\'s case', (text: string) => text.replace("'users', sa.Column", "'Users', sa.Column")],
    ['a changed revision id', (text: string) => text.replace("revision = 'a1b2c3d4e5f6'", "revision = 'a1b2c3d4e5f7'")],
  ] as const) {
    it(`refuses ${what}`, () => {
      repo.write(`${dir}/a1b2c3d4e5f6_users.py`, edit(base));
      repo.git('add', '-A');
      const hook = repo.guard('hook', 'pre-commit', '--format', 'json');
      repo.git('reset', '-q', '--hard', 'HEAD');
      assert.equal(hook.code, 1, hook.stdout + hook.stderr);
      const report = JSON.parse(hook.stdout) as Report;
      assert.ok(report.findings.some((finding) => finding.code === 'sealed-edited' || finding.code === 'sealed-renamed'), hook.stdout);
      assert.equal(report.cosmetic, undefined);
    });
  }
});

describe('cosmetic: allow on a tool that checksums its own files', () => {
  it('is a config error naming why, for a Flyway set', () => {
    const repo = new TempRepo();
    try {
      repo.write('guard.config.yaml', 'migrations:\n  - dir: db\n    tool: flyway\n    cosmetic: allow\n');
      repo.write('db/V1__init.sql', 'CREATE TABLE a (id int);\n');
      const lock = repo.guard('lock');
      assert.equal(lock.code, 2, lock.stdout + lock.stderr);
      assert.match(lock.stderr, /cosmetic.*not flyway: Flyway checks its own checksum/);
    } finally {
      repo.dispose();
    }
  });

  it('leaves a Flyway set byte-exact under a top-level cosmetic: allow', () => {
    const { repo, dispose } = sealedRepository('migrations:\n  - dir: db\n    tool: flyway\ncosmetic: allow\n', { 'db/V1__init.sql': 'CREATE TABLE a (id int);\n' });
    try {
      assert.doesNotMatch(repo.read('checksums.lock.yaml'), /semantic/);
      repo.write('db/V1__init.sql', 'create table a (id int);\n');
      repo.git('add', '-A');
      const hook = repo.guard('hook', 'pre-commit', '--format', 'json');
      assert.equal(hook.code, 1);
      assert.deepEqual((JSON.parse(hook.stdout) as Report).findings.map((finding) => finding.code), ['sealed-edited']);
    } finally {
      dispose();
    }
  });
});

describe('a semantic checksum planted in the sealed lockfile', () => {
  it('is never trusted: the swap it was planted for is refused', () => {
    // Sealed under `cosmetic: refuse`, whose gates never look at semantic checksums, with a
    // hand-written one: the checksum of the content the attacker means to swap in later.
    const harmful = "CREATE TABLE users (id int, status text DEFAULT 'Active');\nGRANT ALL ON users TO PUBLIC;\n";
    const planter = sealedRepository(SQL_CONFIG, { ...SQL_FILES, 'db/migrations/010_users.sql': harmful });
    const plantedValue = /010_users\.sql, sha256: [0-9a-f]{64}, semantic: ([0-9a-f]{64})/.exec(planter.repo.read('checksums.lock.yaml'))![1]!;
    planter.dispose();
    const { repo, dispose } = sealedRepository('migrations:\n  - dir: db/migrations\n    tool: sql\n', SQL_FILES, SQL_CONFIG);
    try {
      // Rewrite main's history as a hand edit would have made it: the planted line, sealed.
      repo.git('checkout', '-q', 'main');
      const text = repo.read('checksums.lock.yaml').replace('algorithm: sha256-lf/1\n', 'algorithm: sha256-lf/1\nsemantic: guard-semantic/1\n').replace(/(010_users\.sql, sha256: [0-9a-f]{64})\}/, `$1, semantic: ${plantedValue}}`);
      repo.write('checksums.lock.yaml', text);
      repo.commitAll('planted');
      repo.git('push', '-q', 'origin', 'main');
      repo.git('checkout', '-q', 'feature');
      repo.git('merge', '-q', '--no-edit', 'main');
      repo.write('db/migrations/010_users.sql', harmful);
      repo.git('add', '-A');
      const hook = repo.guard('hook', 'pre-commit', '--format', 'json');
      assert.equal(hook.code, 1, hook.stdout + hook.stderr);
      assert.deepEqual((JSON.parse(hook.stdout) as Report).findings.map((finding) => finding.code), ['sealed-edited']);
    } finally {
      dispose();
    }
  });
});
