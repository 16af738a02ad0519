import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMigrationDirs } from '../../src/core/init/detect-migration-dirs.js';
import { withMergeAttribute } from '../../src/core/init/gitattributes.js';
import { FIND_GUARD, HOOK_BEGIN, HOOK_END, mergeDriverCommand, runsGuard, withGuardBlock } from '../../src/core/init/hook-script.js';
import { HUSKY_HOOKS, worktreeHookRunner } from '../../src/core/init/worktree-runner.js';

describe('detectMigrationDirs', () => {
  it('finds alembic.ini script_location, Alembic revision folders, SQL and Flyway folders, and ignores vendored code', () => {
    const files: Record<string, string> = {
      'alembic.ini': '[alembic]\nscript_location = %(here)s/app/migrations\n',
      'app/migrations/env.py': 'from alembic import context\n',
      'app/migrations/versions/a1_init.py': "revision = 'a1'\n",
      'billing/versions/b1_x.py': "revision: str = 'b1'\ndown_revision = None\n",
      'db/sql/001_init.sql': 'CREATE TABLE t ();',
      'db/flyway/V1__init.sql': '',
      'db/flyway/V2__more.sql': '',
      'reports/daily.sql': 'SELECT 1;',
      'node_modules/pkg/migrations/001.sql': '',
      'scripts/tool.py': 'print(1)\n',
    };
    const found = detectMigrationDirs(Object.keys(files), (file) => files[file]);
    assert.deepEqual(
      found.map(({ dir, tool, files: count }) => ({ dir, tool, count })),
      [
        { dir: 'app/migrations/versions', tool: 'alembic', count: 1 },
        { dir: 'billing/versions', tool: 'alembic', count: 1 },
        { dir: 'db/flyway', tool: 'flyway', count: 2 },
        { dir: 'db/sql', tool: 'sql', count: 1 },
      ],
    );
    assert.match(found[0]!.because, /script_location in alembic\.ini/);
  });

  it('finds nothing in a repository without migrations', () => {
    assert.deepEqual(detectMigrationDirs(['src/index.ts', 'queries/report.sql'], () => ''), []);
  });
});

describe('hook scripts and .gitattributes', () => {
  it('adds guard once to a new or existing script, and keeps what was there', () => {
    const fresh = withGuardBlock(undefined, 'pre-commit', true);
    assert.match(fresh, /^#!\/bin\/sh\n# >>> migration-guard >>>/);
    assert.match(fresh, /"\$guard_bin" hook pre-commit \|\| exit \$\?/);
    const existing = '#!/bin/sh\nnpm run lint\n';
    const added = withGuardBlock(existing, 'pre-push', true);
    assert.ok(added.startsWith(existing));
    assert.match(added, /"\$guard_bin" hook pre-push "\$@"/);
    assert.equal(withGuardBlock(added, 'pre-push', true), added, 'idempotent');
    assert.equal(added.split(HOOK_BEGIN).length, 2);
    assert.match(withGuardBlock(undefined, 'pre-merge-commit', false), /^# >>> migration-guard >>>[\s\S]*hook pre-commit/);
  });

  it('replaces an older guard block where it is, keeping the lines around it', () => {
    const old = `#!/bin/sh\nnpm run lint\n${HOOK_BEGIN}\nnode_modules/.bin/guard hook pre-commit\n${HOOK_END}\necho done\n`;
    const next = withGuardBlock(old, 'pre-commit', true);
    assert.ok(next.startsWith('#!/bin/sh\nnpm run lint\n# >>> migration-guard >>>'));
    assert.ok(next.endsWith(`${HOOK_END}\necho done\n`));
    for (const line of FIND_GUARD) assert.ok(next.includes(line));
  });

  it('knows a script that already calls guard', () => {
    assert.ok(runsGuard('node dist/bin/guard.js hook pre-commit\n', 'pre-commit'));
    assert.ok(runsGuard('npx guard hook pre-commit\n', 'pre-merge-commit'));
    assert.ok(!runsGuard('npm test\n', 'pre-push'));
  });

  it('adds the merge attribute once, after what is there', () => {
    assert.equal(withMergeAttribute(undefined, 'checksums.lock.yaml', 'guard-lockfile'), 'checksums.lock.yaml merge=guard-lockfile\n');
    const existing = '*.png binary';
    const next = withMergeAttribute(existing, 'checksums.lock.yaml', 'guard-lockfile');
    assert.equal(next, '*.png binary\nchecksums.lock.yaml merge=guard-lockfile\n');
    assert.equal(withMergeAttribute(next, 'checksums.lock.yaml', 'guard-lockfile'), next);
  });
});

describe('linked worktrees and the merge driver', () => {
  it('the merge driver looks for guard as the hooks do, and leaves a conflict with markers when guard is nowhere', () => {
    const driver = mergeDriverCommand();
    assert.ok(driver.startsWith(`${FIND_GUARD.join('; ')}; `));
    assert.match(driver, /if \[ -z "\$guard_bin" \]; then echo .*>&2; git merge-file -L ours -L base -L theirs %A %O %B; exit 1; fi; exec "\$guard_bin" merge-driver %O %A %B %P$/);
    assert.match(driver, /so" %P "is left as a conflict/, 'git quotes %P itself, so it stays outside the double quotes');
    assert.equal(mergeDriverCommand('node dist/bin/guard.js'), 'node dist/bin/guard.js merge-driver %O %A %B %P');
  });

  it("the worktree runner hands over to husky's stub when the worktree has one, else runs the hook script as husky does", () => {
    const runner = worktreeHookRunner('pre-push', "git hooks/it's");
    assert.match(runner, /^#!\/bin\/sh\n/);
    assert.match(runner, /^dir='git hooks\/it'\\''s'$/m, 'the dir is one shell word whatever it holds');
    assert.match(runner, /^if \[ -x "\$dir\/_\/pre-push" \]; then exec "\$dir\/_\/pre-push" "\$@"; fi$/m);
    assert.match(runner, /^\[ "\$\{HUSKY-\}" = "0" \] && exit 0$/m);
    assert.match(runner, /^exec sh -e "\$dir\/pre-push" "\$@"$/m);
    assert.ok(HUSKY_HOOKS.includes('pre-commit') && HUSKY_HOOKS.includes('pre-merge-commit') && HUSKY_HOOKS.includes('pre-push') && HUSKY_HOOKS.includes('commit-msg'));
  });
});
