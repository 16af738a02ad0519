// Existing history pushed to a new remote (a mirror, a fork, a move to
// another host): commits the protected branch already holds were judged when
// they reached it, and commits from before guard was adopted are not judged
// by rules they never had. What the push adds on top is judged as ever, and
// the protected branch as guard trusts it (this clone's remote-tracking ref,
// the server's own branch) cannot be stood in for by the pushed commits.
// Real git, bare remotes with guard's hooks, the compiled CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git, gitOk, guard, hook, identity, write } from '../helpers/git-cli.js';

/** A fresh bare repository; with `pre-receive`, guard's server hook installed as the README says. */
function bare(dir: string, name: string, preReceive = false): string {
  const remote = path.join(dir, name);
  gitOk(dir, 'init', '-q', '--bare', '-b', 'main', remote);
  if (preReceive) hook(path.join(remote, 'hooks/pre-receive'), 'hook pre-receive');
  return remote;
}

const BOTH_SETS = 'migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: db/ts\n    tool: sql\n';
const MOVED = 'migrations:\n  - dir: db/migrations\n    tool: sql\n  - dir: db/timescale\n    tool: sql\n';

/**
 * A project's history on its old host: two commits from before guard, the
 * adoption, a set later moved (with its set amendment), a migration locked
 * and deleted again before it was sealed; every step pushed to main. The
 * clone is on main with guard's pre-commit and pre-push hooks.
 */
function oldHistory(dir: string): string {
  const old = bare(dir, 'old.git');
  const clone = path.join(dir, 'work');
  gitOk(dir, 'clone', '-q', old, clone);
  identity(clone);
  write(clone, 'db/migrations/001_t1.sql', 'CREATE TABLE t1 (id int);\n');
  write(clone, 'db/ts/001_x.sql', 'CREATE TABLE x (id int);\n');
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'before guard 1');
  write(clone, 'db/migrations/002_t2.sql', 'CREATE TABLE t2 (id int);\n');
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'before guard 2');
  gitOk(clone, 'push', '-q', 'origin', 'main');
  hook(path.join(clone, '.git/hooks/pre-commit'), 'hook pre-commit');
  hook(path.join(clone, '.git/hooks/pre-push'), 'hook pre-push "$@"');
  write(clone, 'guard.config.yaml', BOTH_SETS);
  assert.equal(guard(clone, 'lock').code, 0);
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'adopt guard');
  gitOk(clone, 'push', '-q', 'origin', 'main');
  gitOk(clone, 'remote', 'set-head', 'origin', 'main');
  gitOk(clone, 'mv', 'db/ts', 'db/timescale');
  write(clone, 'guard.config.yaml', MOVED);
  const amend = guard(clone, 'amend', '--set', 'db/ts', '--reason', 'rename');
  assert.equal(amend.code, 0, amend.output);
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'move ts');
  write(clone, 'db/migrations/003_t3.sql', 'CREATE TABLE t3 (id int);\n');
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'add 003');
  gitOk(clone, 'rm', '-q', 'db/migrations/003_t3.sql');
  assert.equal(guard(clone, 'lock').code, 0);
  gitOk(clone, 'add', '-A');
  gitOk(clone, 'commit', '-q', '-m', 'drop 003 again');
  gitOk(clone, 'push', '-q', 'origin', 'main');
  return clone;
}

describe('existing history pushed to a new remote', () => {
  let dir: string;
  let clone: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'guard-history-'));
    clone = oldHistory(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the pre-push hook lets a mirror push of the whole history through (only what it adds on top of origin/main is judged)', () => {
    const mirror = bare(dir, 'mirror.git');
    gitOk(clone, 'remote', 'add', 'mirror', mirror);
    const push = git(clone, 'push', 'mirror', 'main');
    assert.equal(push.code, 0, push.output);
  });

  it('a server with pre-receive and no branch yet takes the first push of the whole history (trusted on first use), then seals what it holds', () => {
    const server = bare(dir, 'server.git', true);
    gitOk(clone, 'remote', 'add', 'server', server);
    const push = git(clone, 'push', '--no-verify', 'server', 'main');
    assert.equal(push.code, 0, push.output);
    // From then on the server's main seals: a branch that edits a migration it holds is refused.
    gitOk(clone, 'checkout', '-q', '-b', 'edit-sealed');
    write(clone, 'db/migrations/001_t1.sql', 'DROP TABLE t1;\n');
    gitOk(clone, 'commit', '-q', '--no-verify', '-am', 'edit a sealed migration');
    const edit = git(clone, 'push', '--no-verify', 'server', 'edit-sealed');
    assert.notEqual(edit.code, 0, edit.output);
    assert.match(edit.output, /db\/migrations\/001_t1\.sql is sealed in refs\/heads\/main/);
    gitOk(clone, 'checkout', '-q', 'main');
    gitOk(clone, 'branch', '-q', '-D', 'edit-sealed');
  });

  it('the CI gate of the new host passes a branch on the moved history and refuses one that edits what its main sealed', () => {
    const server = path.join(dir, 'server.git');
    const ci = path.join(dir, 'ci');
    gitOk(dir, 'clone', '-q', server, ci);
    identity(ci);
    gitOk(ci, 'checkout', '-q', '-b', 'feature');
    write(ci, 'db/migrations/004_t4.sql', 'CREATE TABLE t4 (id int);\n');
    assert.equal(guard(ci, 'lock').code, 0);
    gitOk(ci, 'add', '-A');
    gitOk(ci, 'commit', '-q', '-m', 'add 004');
    const ok = guard(ci, 'verify', '--base', 'origin/main');
    assert.equal(ok.code, 0, ok.output);
    write(ci, 'db/timescale/001_x.sql', 'DROP TABLE x;\n');
    assert.notEqual(guard(ci, 'lock').code, 0);
    gitOk(ci, 'commit', '-q', '-am', 'edit');
    const refused = guard(ci, 'verify', '--base', 'origin/main');
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /db\/timescale\/001_x\.sql is sealed in origin\/main/);
  });

  it('moved to a new host under the name origin (the old one renamed): the first push passes, and it seals from then on', () => {
    const moved = path.join(dir, 'moved');
    gitOk(dir, 'clone', '-q', path.join(dir, 'old.git'), moved);
    identity(moved);
    hook(path.join(moved, '.git/hooks/pre-commit'), 'hook pre-commit');
    hook(path.join(moved, '.git/hooks/pre-push'), 'hook pre-push "$@"');
    gitOk(moved, 'remote', 'rename', 'origin', 'old');
    gitOk(moved, 'remote', 'add', 'origin', bare(dir, 'host2.git', true));
    const push = git(moved, 'push', '-q', '-u', 'origin', 'main');
    assert.equal(push.code, 0, push.output);
    write(moved, 'db/migrations/002_t2.sql', 'DROP TABLE t2;\n');
    gitOk(moved, 'add', '-A');
    const edit = git(moved, 'commit', '-q', '-m', 'edit');
    assert.notEqual(edit.code, 0, edit.output);
    assert.match(edit.output, /002_t2\.sql is sealed in origin\/main/);
    gitOk(moved, 'reset', '-q', '--hard', 'HEAD');
  });
});

describe('a pushed branch cannot make its own commits "already judged"', () => {
  let dir: string;
  let clone: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'guard-history-attack-'));
    clone = oldHistory(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pre-push: a sealed edit pushed as main of a new remote is judged against origin/main as this clone has it', () => {
    gitOk(clone, 'checkout', '-q', '-b', 'sneaky');
    write(clone, 'db/migrations/001_t1.sql', 'DROP TABLE t1;\n');
    gitOk(clone, 'commit', '-q', '--no-verify', '-am', 'edit a sealed migration');
    gitOk(clone, 'remote', 'add', 'fresh', bare(dir, 'fresh.git'));
    const push = git(clone, 'push', 'fresh', 'sneaky:main');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /001_t1\.sql is sealed in origin\/main/);
    gitOk(clone, 'checkout', '-q', 'main');
  });

  it('pre-receive: once the server has its main, a branch that rewrites history it sealed, pushed as a new branch, is judged where it forked; a history without a guard config that carries a password is still refused', () => {
    const server = bare(dir, 'guarded.git', true);
    gitOk(clone, 'remote', 'add', 'guarded', server);
    assert.equal(git(clone, 'push', '-q', '--no-verify', 'guarded', 'main').code, 0);
    // The sneaky branch again, now to the server: its main seals 001.
    const push = git(clone, 'push', '--no-verify', 'guarded', 'sneaky');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /001_t1\.sql is sealed in refs\/heads\/main/);
    // An unrelated history without any guard config is not "from before guard" on a server that has sealed: it is read with main's config.
    gitOk(clone, 'checkout', '-q', '--orphan', 'orphan');
    gitOk(clone, 'rm', '-q', '-rf', '.');
    write(clone, 'db/migrations/900_secret.sql', "CREATE ROLE app PASSWORD 'hunter2-very-secret';\n");
    gitOk(clone, 'add', '-A');
    gitOk(clone, 'commit', '-q', '--no-verify', '-m', 'orphan');
    const orphan = git(clone, 'push', '--no-verify', 'guarded', 'orphan');
    assert.notEqual(orphan.code, 0, orphan.output);
    assert.match(orphan.output, /900_secret\.sql:1: .*password/i);
    gitOk(clone, 'checkout', '-q', '-f', 'main');
  });

  it('pre-receive, first push: other branches of the same push are judged against the main it creates', () => {
    const server = bare(dir, 'first.git', true);
    gitOk(clone, 'remote', 'add', 'first', server);
    const push = git(clone, 'push', '--no-verify', 'first', 'main', 'sneaky');
    assert.notEqual(push.code, 0, push.output);
    assert.match(push.output, /001_t1\.sql is sealed in refs\/heads\/main/);
  });

  it('pre-receive, first push: an old branch written before guard was adopted goes through with main', () => {
    const server = bare(dir, 'first2.git', true);
    gitOk(clone, 'remote', 'add', 'first2', server);
    gitOk(clone, 'branch', '-q', 'legacy', 'main~4');
    gitOk(clone, 'checkout', '-q', 'legacy');
    write(clone, 'db/migrations/002_t2.sql', 'CREATE TABLE t2 (id bigint);\n');
    gitOk(clone, 'commit', '-q', '--no-verify', '-am', 'old work before guard');
    gitOk(clone, 'checkout', '-q', 'main');
    const push = git(clone, 'push', '--no-verify', 'first2', 'main', 'legacy');
    assert.equal(push.code, 0, push.output);
    // And through the client hook to another new remote: the same.
    gitOk(clone, 'remote', 'add', 'plain', bare(dir, 'plain.git'));
    const client = git(clone, 'push', 'plain', 'main', 'legacy');
    assert.equal(client.code, 0, client.output);
  });
});
