import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The real tool's comparator (node-pg-migrate 9.0.0, a devDependency): guard's copy must order exactly as it does.
import { compareMigrationFileNames } from 'node-pg-migrate/utils/comparators';
import { contentChecksum } from '../../src/core/checksum.js';
import { serializeLockfile } from '../../src/core/lockfile/format/index.js';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { mergeLockfileSides } from '../../src/core/lockfile-merge/merge-lockfile-sides.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { pgmAdapter, runsAsPgmMigration } from '../../src/core/tools/node-pg-migrate/pgm-adapter.js';
import { comparePgmFileNames, nextPgmPrefix, pgmNumericPrefix, sortPgmFileNames } from '../../src/core/tools/node-pg-migrate/pgm-order.js';
import { PGM_MIGRATIONS_TABLE, replayPgmMigrations } from '../../src/core/tools/node-pg-migrate/pgm-table.js';
import { TOOL_BY_NAME } from '../../src/core/tools/registry.js';
import { file, prng } from './helpers.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const toolOrder = (names: readonly string[]) => names.toSorted((a, b) => compareMigrationFileNames(a, b, quiet));
const js = (name: string) => file(name, `export const up = (pgm) => {\n  pgm.createTable('${name}', { id: 'id' });\n};\n`);
const discover = (files: SourceFile[]) => pgmAdapter.discover(files, { display: (path) => `migrations/${path}` });
const codes = (result: ReturnType<typeof discover>) => result.problems.map((problem) => `${problem.code}:${problem.file}`);

describe("node-pg-migrate's order, reproduced", () => {
  it('sorts by numeric prefix first, a 17-digit prefix read as a UTC date on the same scale as Date.now() prefixes', () => {
    const names = ['20261207132431276_fourth.js', '1796649870568_first.js', '0002_index.sql', '1796649870569_second.ts', '0010_later.js', '9_plain.js'];
    const expected = ['0002_index.sql', '9_plain.js', '0010_later.js', '1796649870568_first.js', '1796649870569_second.ts', '20261207132431276_fourth.js'];
    assert.deepEqual(toolOrder(names), expected);
    assert.deepEqual(sortPgmFileNames(names, (name) => name), expected);
    assert.equal(pgmNumericPrefix('20261207132431276_fourth.js'), Date.UTC(2026, 11, 7, 13, 24, 31, 276));
    // A plain name sort would put 20261207132431276 (2026-12-07 13:24:31) after 1796649870569 (2026-12-07 13:24:30) only by luck of length.
    assert.ok(comparePgmFileNames('20261207132400000_a.js', '1796649870569_b.js') < 0);
  });

  it('then a numeric, punctuation-blind collation of the whole names: 1000_a10 after 1000_a9, both before 1000_a.js (digits before the j of js)', () => {
    const names = ['1000_a10.js', '1000_a9.js', '1000_B.js', '1000_b.js', '1000-c.js', '1000_a.js', '1000_a.ts'];
    assert.deepEqual(sortPgmFileNames(names, (name) => name), toolOrder(names));
    assert.deepEqual(toolOrder(names), ['1000_a9.js', '1000_a10.js', '1000_a.js', '1000_a.ts', '1000_b.js', '1000_B.js', '1000-c.js']);
  });

  it('agrees with the real comparator on 2,000 random folders of generated-looking names', () => {
    const next = prng(14);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const prefix = () =>
      pick([
        () => String(1_700_000_000_000 + Math.floor(next() * 200_000_000_000)),
        () => new Date(1_700_000_000_000 + Math.floor(next() * 200_000_000_000)).toISOString().replace(/\D/g, ''),
        () => String(Math.floor(next() * 40)).padStart(4, '0'),
        () => String(Math.floor(next() * 40)),
      ])();
    const word = () => pick(['users', 'Users', 'add-email', 'add_email', 'a9', 'a10', 'orders', 'x', 'index2', 'ÿber']);
    for (let folder = 0; folder < 2000; folder++) {
      const names = [...new Set(Array.from({ length: 2 + Math.floor(next() * 8) }, () => `${prefix()}_${word()}.${pick(['js', 'ts', 'sql', 'cjs', 'mts'])}`))];
      const ours = sortPgmFileNames(names, (name) => name);
      // Where the tool's comparator finds two names equal its order is the listing's; the set reports those (below).
      const tied = ours.some((name, i) => i > 0 && compareMigrationFileNames(ours[i - 1]!, name, quiet) === 0);
      if (!tied) assert.deepEqual(ours, toolOrder(names), names.join(' '));
      for (let i = 0; i < names.length - 1; i++) {
        assert.equal(Math.sign(comparePgmFileNames(names[i]!, names[i + 1]!)), Math.sign(compareMigrationFileNames(names[i]!, names[i + 1]!, quiet)), `${names[i]} ~ ${names[i + 1]}`);
      }
    }
  });
});

describe('a prefix for a migration renumbered after the newest (guard renumber)', () => {
  it('keeps the format of the newest prefix: Date.now(), utc, index; never at or before it', () => {
    const now = new Date(Date.UTC(2026, 11, 7, 15, 0, 0, 123));
    assert.equal(nextPgmPrefix('1700000000000_a.js', now), String(now.getTime()));
    assert.equal(nextPgmPrefix('9999999999999_future.js', now), '10000000000000');
    assert.equal(nextPgmPrefix('20261207132431276_a.sql', now), '20261207150000123');
    assert.equal(nextPgmPrefix('20271207132431276_a.sql', now), '20271207132431277');
    assert.equal(nextPgmPrefix('0009_a.js', now), '0010');
    for (const latest of ['1700000000000_a.js', '20271207132431276_a.sql', '0009_a.js']) {
      assert.ok(comparePgmFileNames(`${nextPgmPrefix(latest, now)}_a.js`, latest) > 0, latest);
    }
  });
});

describe('node-pg-migrate migrations folder', () => {
  it('every file of the folder is a migration, known by its name without extension, in the tool order; dotfiles and sub-folders are not read', () => {
    const sql = file('1796649870570_third.sql', '-- Up Migration\nCREATE TABLE t (id int);\n-- Down Migration\nDROP TABLE t;\n');
    const result = discover([js('1796649870568_first.js'), file('1796649870569_second.ts', 'export async function up(pgm: MigrationBuilder) {}\n'), sql, file('1796649870571_fourth.mts'), file('1796649870572_fifth.cts'), file('1796649870573_sixth.cjs'), file('1796649870574_seventh.mjs'), file('.eslintrc.js'), file('.gitkeep', ''), file('helpers/db.js'), file('old/1700000000000_moved.js')]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.migrations.map((migration) => migration.id),
      ['1796649870568_first', '1796649870569_second', '1796649870570_third', '1796649870571_fourth', '1796649870572_fifth', '1796649870573_sixth', '1796649870574_seventh'],
    );
    assert.deepEqual(result.heads, ['1796649870574_seventh']);
    assert.deepEqual(result.ignored.sort(), ['.eslintrc.js', '.gitkeep', 'helpers/db.js', 'old/1700000000000_moved.js']);
    // The SQL loader's markers are part of the checksummed content.
    assert.equal(result.migrations[2]!.sha256, contentChecksum(sql.bytes));
  });

  it('a file without a numeric prefix is a finding: node-pg-migrate stops every run on it', () => {
    const result = discover([js('1796649870568_first.js'), file('README.md', '# migrations\n')]);
    assert.deepEqual(codes(result), ['naming:README.md']);
    assert.match(result.problems[0]!.message, /migrations\/README\.md has no numeric prefix: .*"Cannot determine numeric prefix for "README\.md""/);
    assert.match(result.problems[0]!.fix, /--ignore-pattern, add it to the set's `exclude:`/);
    assert.equal(result.migrations.length, 1);
  });

  it('two files of one name (extensions aside) both run and record the name twice; names that differ only in case are one file on macOS', () => {
    const twice = discover([js('1796649870568_users.js'), file('1796649870568_users.sql')]);
    assert.deepEqual(codes(twice), ['duplicate-id:1796649870568_users.sql']);
    assert.match(twice.problems[0]!.message, /both migration 1796649870568_users .* records 1796649870568_users twice/);
    assert.deepEqual(twice.migrations.map((migration) => migration.file), ['1796649870568_users.js']);
    const cased = discover([js('1796649870568_users.js'), js('1796649870568_Users.js')]);
    assert.deepEqual(codes(cased), ['duplicate-id:1796649870568_Users.js']);
    assert.match(cased.problems[0]!.message, /differ only in case/);
  });

  it('names the tool finds equal (01_ and 1_, _ and -) are a finding: their order is the file system listing', () => {
    const result = discover([js('1_users.js'), js('01_users.js'), js('2_add-email.js'), js('2_add_email.js')]);
    assert.deepEqual(codes(result), ['naming:1_users.js', 'naming:2_add_email.js']);
    assert.match(result.problems[0]!.message, /migrations\/01_users\.js and migrations\/1_users\.js are equal to node-pg-migrate's sort/);
  });

  it("a 17-digit prefix that is not a date, a quote in a name, and X.down.sql beside X.up.sql are findings", () => {
    const result = discover([js('20241301000000000_month13.js'), js("1796649870568_it's.js"), file('1796649870569_users.up.sql'), file('1796649870569_users.down.sql')]);
    assert.deepEqual(codes(result).sort(), ["naming:1796649870568_it's.js", 'naming:1796649870569_users.down.sql', 'naming:20241301000000000_month13.js']);
    const message = (name: string) => result.problems.find((problem) => problem.file === name)!.message;
    assert.match(message('20241301000000000_month13.js'), /20241301000000000 is not a date/);
    assert.match(message("1796649870568_it's.js"), /breaks that statement/);
    assert.match(message('1796649870569_users.down.sql'), /a migration of its own .* runs after it, and undoes it/);
  });

  it('a numbered file that is no script (a .d.ts, a source map) is locked as the migration the tool takes it for (1796649870568_users.d), with a warning', () => {
    const result = discover([js('1796649870568_users.js'), file('1796649870568_users.d.ts', 'export declare const up: unknown;\n'), file('1796649870568_users.js.map', '{}')]);
    assert.deepEqual(codes(result), []);
    assert.deepEqual(result.migrations.map((migration) => migration.id), toolOrder(['1796649870568_users.js', '1796649870568_users.d.ts', '1796649870568_users.js.map']).map((name) => name.replace(/\.[^.]*$/, '')));
    assert.ok(result.migrations.some((migration) => migration.id === '1796649870568_users.d'));
    assert.deepEqual((result.warnings ?? []).map((warning) => warning.file), ['1796649870568_users.d.ts', '1796649870568_users.js.map']);
  });

  it('binary and non-UTF-8 files are problems guard cannot read', () => {
    const result = discover([js('1796649870568_a.js'), { path: '1796649870569_b.js', bytes: Uint8Array.of(0x61, 0x00, 0x62) }, { path: '1796649870570_c.sql', bytes: Uint8Array.of(0x2d, 0x2d, 0xff) }]);
    assert.deepEqual(codes(result), ['binary-file:1796649870569_b.js', 'not-utf8:1796649870570_c.sql']);
  });

  it('runs as a migration: any numbered non-dotfile (an exclude: may not hide it), not README.md nor a dotfile', () => {
    const runs = TOOL_BY_NAME['node-pg-migrate'].runsAsMigration;
    assert.equal(runs('1796649870568_users.js', undefined), true);
    assert.equal(runs('1796649870568_users.txt', undefined), true);
    assert.equal(runs('README.md', undefined), false);
    assert.equal(runs('.1796649870568_hidden.js', undefined), false);
    assert.equal(runsAsPgmMigration('sub/1796649870568_users.js'), true);
    assert.equal(pgmAdapter.candidate('sub/1796649870568_users.js'), false);
  });
});

describe('pgmigrations', () => {
  it('is public.pgmigrations, read by name in id order', () => {
    assert.equal(PGM_MIGRATIONS_TABLE.table, 'pgmigrations');
    assert.equal(PGM_MIGRATIONS_TABLE.schema, 'public');
    assert.deepEqual(PGM_MIGRATIONS_TABLE.columns, { id: 'name' });
    assert.equal(PGM_MIGRATIONS_TABLE.orderBy, 'id');
  });

  it('replays rows as the applied names in the order they were written, the head last in the tool order', () => {
    const state = replayPgmMigrations([
      { id: 1, name: '1796649870568_first' },
      { id: 2, name: '20261207132431276_fourth' },
      // Run with --no-check-order after the one above.
      { id: 3, name: '1796649870569_second' },
      // Two files of one name record it twice.
      { id: 4, name: '1796649870569_second' },
    ]);
    assert.deepEqual(state, { tool: 'node-pg-migrate', heads: ['20261207132431276_fourth'], applied: ['1796649870568_first', '20261207132431276_fourth', '1796649870569_second'] });
    assert.deepEqual(replayPgmMigrations([]), { tool: 'node-pg-migrate', heads: [], applied: [] });
  });
});

describe("the lockfile merge driver on node-pg-migrate sets", () => {
  const lockOf = (files: SourceFile[]): Lockfile => {
    const plan = planLock({ previous: undefined, sets: [{ dir: 'migrations', discovered: discover(files) }] });
    assert.ok(!('refusal' in plan), JSON.stringify(plan));
    return plan.lock;
  };
  const base = [js('1796649870568_users.js'), file('1796649870569_orders.sql')];

  it('merges two branches that each added a migration, in the tool order, whatever their prefix formats', () => {
    const ours = lockOf([...base, js('1796649870570_items.ts')]);
    const theirs = lockOf([...base, js('20261207132431000_tags.js')]);
    const result = mergeLockfileSides({ base: lockOf(base), ours, theirs });
    assert.ok(result.merged, !result.merged ? result.reasons.join('; ') : '');
    assert.equal(serializeLockfile(result.lock), serializeLockfile(lockOf([...base, js('1796649870570_items.ts'), js('20261207132431000_tags.js')])));
    assert.deepEqual(result.lock.sets[0]!.migrations.map((entry) => entry.id), ['1796649870568_users', '1796649870569_orders', '1796649870570_items', '20261207132431000_tags']);
  });

  it('refuses two branches that added one name as different files (X.js and X.sql both run as X)', () => {
    const result = mergeLockfileSides({ base: lockOf(base), ours: lockOf([...base, js('1796649870570_items.js')]), theirs: lockOf([...base, file('1796649870570_items.sql')]) });
    assert.ok(!result.merged);
    assert.match(result.reasons.join('\n'), /both sides added id 1796649870570_items in migrations, differently/);
  });
});
