import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TempRepo, withSealedRemote } from '../helpers/git-repo.js';

/**
 * Local state that makes git read history other than the commits record:
 * `$GIT_DIR/info/grafts` and replacement refs with the repository's own
 * `core.useReplaceRefs=true`. A CI workspace that survives between jobs can
 * hold either, left by an earlier job.
 */
describe('guard reads history as the commits record it', () => {
  let repo: TempRepo;
  let dispose: () => void;
  let tip: string;
  let base: string;
  before(() => {
    ({ repo, dispose } = withSealedRemote());
    base = repo.git('rev-parse', 'HEAD').trim();
    // A sealed edit in one commit, taken back in the next: only history shows it.
    repo.write('db/migrations/010_users.sql', 'CREATE TABLE users (id bigint);\n');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qam', 'sneaky edit', '--no-verify');
    repo.git('checkout', '-q', 'HEAD~1', '--', 'db/migrations/010_users.sql');
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qam', 'taken back', '--no-verify');
    tip = repo.git('rev-parse', 'HEAD').trim();
  });
  after(() => dispose());

  const refusesTheSneakyEdit = () => {
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /commit [0-9a-f]{12} \(sneaky edit\):\s+error db\/migrations\/010_users\.sql is sealed in origin\/main/);
  };

  it('a grafts file that hides a commit does not hide it from guard', () => {
    refusesTheSneakyEdit();
    writeFileSync(path.join(repo.root, '.git/info/grafts'), `${tip} ${base}\n`);
    try {
      assert.equal(repo.git('rev-list', '--count', `${base}..${tip}`).trim(), '1', 'git itself follows the graft');
      refusesTheSneakyEdit();
    } finally {
      repo.remove('.git/info/grafts');
    }
  });

  it('nor does a replacement ref, even with core.useReplaceRefs=true in the repository config', () => {
    repo.git('config', 'core.useReplaceRefs', 'true');
    repo.git('replace', '--graft', tip, base);
    try {
      refusesTheSneakyEdit();
    } finally {
      repo.git('replace', '-d', tip);
      repo.git('config', '--unset', 'core.useReplaceRefs');
    }
  });
});
