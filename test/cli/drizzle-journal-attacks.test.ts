// Drizzle's journal decides what its migrator runs and which `when` it
// records, so a change of a sealed entry is a change of a sealed migration:
// each way to slip one past drizzle-orm's migrator, committed through guard's
// pre-commit hook with `seal: committed` (anything committed is sealed).
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/git-repo.js';
import { commitAll, installPreCommitHook } from '../helpers/user-git.js';
import { journal } from '../helpers/drizzle-journal.js';

const BASE = 1765100000000;
const JOURNAL = 'drizzle/meta/_journal.json';
const entries = [
  { tag: '0000_users', when: BASE },
  { tag: '0001_orders', when: BASE + 3000 },
];

describe('Drizzle journal: changes that would make the migrator skip or rerun a migration are refused at commit', () => {
  let repo: TempRepo;
  let sealed: string;
  const commit = () => commitAll(repo);

  before(() => {
    repo = new TempRepo();
    installPreCommitHook(repo);
    repo.write('guard.config.yaml', 'migrations:\n  - dir: drizzle\n    tool: drizzle\nseal: committed\n');
    for (const entry of entries) repo.write(`drizzle/${entry.tag}.sql`, `CREATE TABLE "${entry.tag}" ("id" integer);`);
    repo.write(JOURNAL, journal(entries));
    repo.write('drizzle/meta/0000_snapshot.json', '{}');
    assert.equal(repo.guard('lock').code, 0);
    assert.equal(commit().code, 0);
    sealed = repo.git('rev-parse', 'HEAD').trim();
  });
  afterEach(() => {
    repo.git('reset', '-q', '--hard', sealed);
    repo.git('clean', '-qfd');
  });
  after(() => repo.dispose());

  it('a new migration listed between sealed ones (drizzle skips it where the later one ran)', () => {
    repo.write('drizzle/0002_between.sql', 'CREATE TABLE "between" ("id" integer);');
    repo.write(JOURNAL, journal([entries[0]!, { tag: '0002_between', when: BASE + 1000 }, entries[1]!]));
    repo.guard('lock');
    const result = commit();
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /drizzle\/0002_between\.sql \(version \d+\) sorts before drizzle\/0001_orders\.sql/);
    assert.match(result.output, /list it after drizzle\/0001_orders\.sql in drizzle\/meta\/_journal\.json, with a `when` after \d+/);
  });

  it("a sealed entry's `when` changed (drizzle reruns it on every database)", () => {
    repo.write(JOURNAL, journal([entries[0]!, { ...entries[1]!, when: BASE + 9000 }]));
    repo.guard('lock');
    const result = commit();
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`drizzle/0001_orders\\.sql is sealed .* and its id changed from ${BASE + 3000} to ${BASE + 9000}`));
  });

  it('a sealed entry removed from the journal (drizzle never runs it again, on a new database never)', () => {
    repo.write(JOURNAL, journal([entries[0]!]));
    repo.guard('lock');
    const result = commit();
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /0001_orders\.sql/);
  });

  it('the journal may not be excluded from the set', () => {
    repo.write('guard.config.yaml', 'migrations:\n  - dir: drizzle\n    tool: drizzle\n    exclude: [meta/_journal.json]\nseal: committed\n');
    const result = commit();
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /meta\/_journal\.json is left out by `exclude: meta\/_journal\.json`, but Drizzle reads it to decide what it runs/);
  });

  it('a snapshot edit is no migration change', () => {
    repo.write('drizzle/meta/0000_snapshot.json', '{"edited":true}');
    assert.equal(commit().code, 0);
  });
});
