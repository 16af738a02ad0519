import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo, alembicRevision } from '../helpers/git-repo.js';

const SQL_CONFIG = 'migrations:\n  - dir: db/migrations\n    tool: sql\n';
const ALEMBIC_CONFIG = 'migrations:\n  - dir: alembic/versions\n';

describe('guard lock and guard verify on a plain SQL repository', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('guard.config.yaml', SQL_CONFIG);
    repo.write('db/migrations/001_create_users.sql', 'CREATE TABLE users (id int);\n');
    repo.write('db/migrations/002_add_email.sql', 'ALTER TABLE users ADD email text;\n');
  });
  after(() => repo.dispose());

  it('locks untracked migrations, one line each, and verify passes', () => {
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stderr);
    assert.match(lock.stdout, /\+ db\/migrations\/001_create_users\.sql/);
    const text = repo.read('checksums.lock.yaml');
    assert.match(text, /^lockfile: 1$/m);
    assert.match(text, /^algorithm: sha256-lf\/1$/m);
    assert.match(text, /^ {6}- \{id: "001", file: 001_create_users\.sql, sha256: [0-9a-f]{64}\}$/m);
    assert.match(text, /^ {4}heads: \["002"\]$/m);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it('is deterministic: a second lock changes no byte', () => {
    const before = repo.read('checksums.lock.yaml');
    const again = repo.guard('lock');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /up to date/);
    assert.equal(repo.read('checksums.lock.yaml'), before);
  });

  it('names the file when one byte of a locked migration changes (exit 1)', () => {
    repo.commitAll('initial');
    repo.write('db/migrations/001_create_users.sql', 'CREATE TABLE users (id int) ;\n');
    const verify = repo.guard('verify');
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /db\/migrations\/001_create_users\.sql changed since it was locked \(checksums\.lock\.yaml:\d+/);
    // The committed state is still fine.
    assert.equal(repo.guard('verify', '--rev', 'HEAD').code, 0);
    repo.git('checkout', '--', 'db/migrations/001_create_users.sql');
    assert.equal(repo.guard('verify').code, 0);
  });

  it('does not call a CRLF checkout or a BOM an edit', () => {
    repo.write('db/migrations/002_add_email.sql', '\uFEFFALTER TABLE users ADD email text;\r\n');
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout);
    repo.git('checkout', '--', 'db/migrations/002_add_email.sql');
  });

  it('reports an unlocked migration, then locks it as a one-line diff', () => {
    repo.write('db/migrations/003_add_orders.sql', 'CREATE TABLE orders (id int);\n');
    const verify = repo.guard('verify');
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /db\/migrations\/003_add_orders\.sql is not in checksums\.lock\.yaml/);
    assert.match(verify.stdout, /run `guard lock`/);
    assert.equal(repo.guard('lock').code, 0);
    const diff = repo.git('diff', '--numstat', '--', 'checksums.lock.yaml').trim();
    // One migration line added; heads and chain lines rewritten.
    assert.match(diff, /^3\t2\tchecksums\.lock\.yaml$/);
    repo.commitAll('orders');
  });

  it('reports a deleted and a renamed migration', () => {
    repo.git('mv', 'db/migrations/003_add_orders.sql', 'db/migrations/004_add_orders.sql');
    let verify = repo.guard('verify', '--format', 'json');
    assert.equal(verify.code, 1);
    let result = JSON.parse(verify.stdout) as { findings: { code: string; file: string }[] };
    // For SQL the version is the id: the rename also moves the head.
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file ?? null]),
      [
        ['renamed', 'db/migrations/004_add_orders.sql'],
        ['heads-changed', null],
      ],
    );
    repo.git('mv', 'db/migrations/004_add_orders.sql', 'db/migrations/003_add_orders.sql');
    repo.remove('db/migrations/003_add_orders.sql');
    verify = repo.guard('verify', '--format', 'json');
    result = JSON.parse(verify.stdout);
    assert.equal(verify.code, 1);
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ['deleted', 'heads-changed'],
    );
    repo.git('checkout', '--', '.');
  });

  it('prints JSON with a schema version on stdout only', () => {
    const verify = repo.guard('verify', '--format', 'json');
    assert.equal(verify.code, 0);
    const result = JSON.parse(verify.stdout) as { schemaVersion: number; ok: boolean; sets: unknown[] };
    assert.equal(result.schemaVersion, 1);
    assert.equal(result.ok, true);
    assert.deepEqual(result.sets, [{ dir: 'db/migrations', tool: 'sql', migrations: 3, heads: ['003'], bases: ['001'], mergePoints: [], branchLabels: {}, files: 3, excluded: [] }]);
  });

  it('lock --check exits 1 when the lockfile is out of date and writes nothing', () => {
    repo.write('db/migrations/004_more.sql', 'SELECT 1;\n');
    const before = repo.read('checksums.lock.yaml');
    const check = repo.guard('lock', '--check');
    assert.equal(check.code, 1);
    assert.equal(repo.read('checksums.lock.yaml'), before);
    repo.remove('db/migrations/004_more.sql');
    assert.equal(repo.guard('lock', '--check').code, 0);
  });
});

describe('guard lock on an Alembic repository', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('guard.config.yaml', ALEMBIC_CONFIG);
    repo.write('alembic/versions/__init__.py', '');
    repo.write('alembic/versions/aaa111_initial.py', alembicRevision('aaa111', null));
    repo.write('alembic/versions/bbb222_users.py', alembicRevision('bbb222', 'aaa111'));
  });
  after(() => repo.dispose());

  it('detects the tool, records parents and heads, and ignores __init__.py', () => {
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stderr);
    const text = repo.read('checksums.lock.yaml');
    assert.match(text, /tool: alembic/);
    assert.match(text, /heads: \[bbb222\]/);
    assert.match(text, /\{id: aaa111, file: aaa111_initial\.py, parents: \[\], sha256: [0-9a-f]{64}\}/);
    assert.match(text, /\{id: bbb222, file: bbb222_users\.py, parents: \[aaa111\], sha256: [0-9a-f]{64}\}/);
    assert.doesNotMatch(text, /__init__/);
  });

  it('locks two heads but verify refuses them and names `alembic merge heads`', () => {
    repo.write('alembic/versions/ccc333_orders.py', alembicRevision('ccc333', 'aaa111'));
    const lock = repo.guard('lock');
    assert.equal(lock.code, 0);
    assert.match(lock.stdout, /warning .*2 heads/);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /alembic merge heads/);
  });

  it('a merge revision brings it back to one head', () => {
    repo.write('alembic/versions/ddd444_merge.py', alembicRevision('ddd444', ['bbb222', 'ccc333']));
    assert.equal(repo.guard('lock').code, 0);
    assert.match(repo.read('checksums.lock.yaml'), /heads: \[ddd444\]/);
    assert.match(repo.read('checksums.lock.yaml'), /parents: \[bbb222, ccc333\]/);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /^alembic\/versions \(alembic\): 4 migrations, head ddd444, 1 merge point$/m);
  });

  it('resolves a lockfile with git conflict markers by merging both sides', () => {
    repo.commitAll('base');
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('alembic/versions/eee555_feature.py', alembicRevision('eee555', 'ddd444'));
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('feature');
    repo.git('checkout', '-q', 'main');
    repo.write('alembic/versions/fff666_main.py', alembicRevision('fff666', 'ddd444'));
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('main work');
    const merge = (() => {
      try {
        repo.git('merge', '-q', 'feature', '-m', 'merge');
        return 'clean';
      } catch {
        return 'conflict';
      }
    })();
    assert.equal(merge, 'conflict');
    assert.match(repo.read('checksums.lock.yaml'), /^<{7} /m);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 2);
    assert.match(verify.stderr, /conflict markers/);
    assert.match(verify.stderr, /guard lock/);

    const lock = repo.guard('lock');
    assert.equal(lock.code, 0, lock.stdout + lock.stderr);
    assert.match(lock.stdout, /resolved the git conflict/);
    const text = repo.read('checksums.lock.yaml');
    assert.doesNotMatch(text, /^[<=>]{7}/m);
    assert.match(text, /id: eee555/);
    assert.match(text, /id: fff666/);
    // Both branches added a revision on ddd444: two heads until someone merges them.
    assert.match(text, /heads: \[eee555, fff666\]/);
    assert.equal(repo.guard('verify').code, 1);
  });
});
