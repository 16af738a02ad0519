// A revision that Alembic runs but guard does not read is the bypass of
// every sealing rule: these tests name each way a branch could point Alembic
// at one through alembic.ini or pyproject.toml, and check that verify (the
// CI gate, and pre-push / pre-receive through it) says so.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { GUARD } from '../helpers/compiled-guard.js';
import { alembicRevision, TempRepo } from '../helpers/git-repo.js';

function guard(repo: TempRepo, ...args: string[]): { code: number; out: string } {
  const run = spawnSync(process.execPath, [GUARD, ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
  return { code: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
}

describe('version locations Alembic reads that no set guards', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = new TempRepo();
    repo.write('guard.config.yaml', 'migrations:\n  - dir: migrations/versions\n    tool: alembic\n');
    repo.write('migrations/versions/a1_init.py', alembicRevision('a1', null));
    repo.write('extra/b1_hidden.py', alembicRevision('b1', null, "branch_labels = ('hidden',)"));
  });
  afterEach(() => repo.dispose());

  const lockAndCommit = () => {
    assert.equal(guard(repo, 'lock').code, 0);
    repo.commitAll('set up');
  };

  it('alembic.ini version_locations naming an unguarded folder of revisions is refused, in the work tree and in a commit', () => {
    repo.write('alembic.ini', '[alembic]\nscript_location = migrations\nversion_path_separator = space\nversion_locations = %(here)s/migrations/versions %(here)s/extra\n');
    lockAndCommit();
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 1, verify.out);
    assert.match(verify.out, /error alembic\.ini:1 \[alembic\] makes Alembic read version location extra, which no set of the guard config reads: 1 revision file \(extra\/b1_hidden\.py\) would run without ever being locked or sealed/);
    assert.match(verify.out, /fix: add `- dir: extra`/);
    const atCommit = guard(repo, 'verify', '--rev', 'HEAD');
    assert.equal(atCommit.code, 1, atCommit.out);
    // Guarded, it passes.
    repo.write('guard.config.yaml', 'migrations:\n  - dir: migrations/versions\n    tool: alembic\n  - dir: extra\n    tool: alembic\n');
    assert.equal(guard(repo, 'lock').code, 0);
    assert.equal(guard(repo, 'verify').code, 0);
  });

  it('the default separators and sections count too: legacy commas, an `alembic -n` section, DEFAULT interpolation', () => {
    repo.write('alembic.ini', '[DEFAULT]\nbase = %(here)s\n\n[alembic]\nscript_location = migrations\n\n[reporting]\nscript_location = migrations\nversion_locations = %(base)s/migrations/versions, %(base)s/extra\n');
    lockAndCommit();
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 1, verify.out);
    assert.match(verify.out, /alembic\.ini:7 \[reporting\] makes Alembic read version location extra/);
  });

  it('pyproject.toml [tool.alembic] is read however TOML spells the table', () => {
    for (const toml of [
      '[tool.alembic]\nscript_location = "migrations"\nversion_locations = [\n  "%(here)s/migrations/versions",\n  "%(here)s/extra",  # the hidden one\n]\n',
      '[tool]\nalembic.version_locations = ["migrations/versions", \'extra\']\n',
      'tool = { alembic = { version_locations = ["extra"] } }\n',
      '[ "tool" . \'alembic\' ]\nversion_locations = ["""extra"""]\n',
    ]) {
      repo.write('pyproject.toml', `${toml}\n[project]\nname = "app"\n`);
      lockAndCommit();
      const verify = guard(repo, 'verify');
      assert.equal(verify.code, 1, `${toml}\n${verify.out}`);
      assert.match(verify.out, /pyproject\.toml:\d+ \[tool\.alembic\] makes Alembic read version location extra/, toml);
    }
  });

  it('a pyproject.toml guard cannot read, that may configure Alembic, fails closed (exit 2)', () => {
    repo.write('pyproject.toml', '[tool.alembic]\nversion_locations = ["extra"\nscript_location = "migrations"\n');
    lockAndCommit();
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 2, verify.out);
    assert.match(verify.out, /pyproject\.toml:\d+: .*guard cannot tell which version locations it gives Alembic/);
  });

  it('recursive_version_locations over a set read flat is refused: its sub-folders would run unguarded', () => {
    repo.remove('extra');
    repo.write('guard.config.yaml', 'migrations:\n  - dir: migrations/versions\n    tool: alembic\n    recursive: false\n');
    repo.write('migrations/versions/2026/c1_sub.py', alembicRevision('c1', 'a1'));
    repo.write('alembic.ini', '[alembic]\nscript_location = migrations\nrecursive_version_locations = true\n');
    lockAndCommit();
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 1, verify.out);
    assert.match(verify.out, /makes Alembic read the sub-folders of migrations\/versions, which no set of the guard config reads \(the set is not recursive\): 1 revision file \(migrations\/versions\/2026\/c1_sub\.py\)/);
  });

  it('a location outside the repository is a warning, not a refusal', () => {
    repo.remove('extra');
    repo.write('alembic.ini', '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions /opt/shared/versions\n');
    lockAndCommit();
    const verify = guard(repo, 'verify');
    assert.equal(verify.code, 0, verify.out);
    assert.match(verify.out, /warning alembic\.ini:1 \[alembic\] names version location \/opt\/shared\/versions, outside the repository/);
  });

  it("a commit is read with its own alembic.ini, not the work tree's (the server has no work tree)", () => {
    repo.remove('extra');
    repo.write('migrations/versions/2026/c1_sub.py', alembicRevision('c1', 'a1'));
    repo.write('alembic.ini', '[alembic]\nscript_location = migrations\nrecursive_version_locations = true\n');
    lockAndCommit();
    assert.match(repo.read('checksums.lock.yaml'), /2026\/c1_sub\.py/);
    repo.remove('alembic.ini');
    const verify = guard(repo, 'verify', '--rev', 'HEAD');
    assert.equal(verify.code, 0, verify.out);
    assert.match(verify.out, /2 migrations in 1 set match checksums\.lock\.yaml at HEAD/);
  });
});
