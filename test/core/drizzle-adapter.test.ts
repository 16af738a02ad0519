import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { contentChecksum } from '../../src/core/checksum.js';
import { drizzleAdapter } from '../../src/core/tools/drizzle/drizzle-adapter.js';
import { replayDrizzleMigrations, NULL_WHEN } from '../../src/core/tools/drizzle/drizzle-table.js';
import { TOOL_BY_NAME, detectTool } from '../../src/core/tools/registry.js';
import { runsAsMigration } from '../../src/core/tools/excluded-files.js';
import type { SourceFile } from '../../src/core/migrations/types.js';
import { bytes, file } from './helpers.js';
import { journal } from '../helpers/drizzle-journal.js';

const BASE = 1765100000000;
const three = [
  { tag: '0000_init', when: BASE },
  { tag: '0001_users', when: BASE + 1000 },
  { tag: '0002_orders', when: BASE + 2000 },
];
const sql = (tag: string) => file(`${tag}.sql`, `CREATE TABLE "${tag}" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nCREATE INDEX ON "${tag}" ("id");`);
const folder = (entries = three, extra: SourceFile[] = []): SourceFile[] => [
  ...entries.map((entry) => sql(entry.tag)),
  file('meta/_journal.json', journal(entries)),
  ...entries.map((_, index) => file(`meta/${String(index).padStart(4, '0')}_snapshot.json`, '{"version":"7"}')),
  ...extra,
];
const discover = (files: SourceFile[]) => drizzleAdapter.discover(files, { display: (path) => `drizzle/${path}` });
const codes = (result: ReturnType<typeof discover>) => result.problems.map((problem) => `${problem.code}:${problem.file}`);

describe('Drizzle Kit migrations folder', () => {
  it('reads the migrations the journal lists, in its order, with their `when` as id; snapshots are ignored', () => {
    const result = discover(folder());
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.migrations.map((migration) => [migration.id, migration.file]),
      three.map((entry) => [String(entry.when), `${entry.tag}.sql`]),
    );
    assert.deepEqual(result.heads, [String(BASE + 2000)]);
    assert.deepEqual(result.ignored.sort(), ['meta/0000_snapshot.json', 'meta/0001_snapshot.json', 'meta/0002_snapshot.json']);
    // The breakpoint markers are part of the checksummed content.
    assert.equal(result.migrations[0]!.sha256, contentChecksum(sql('0000_init').bytes));
  });

  it('orders by the journal, not by file name (migrations.prefix: none, timestamp, unix)', () => {
    const entries = [
      { tag: 'zebra', when: BASE },
      { tag: '20261207101010_alpha', when: BASE + 5 },
      { tag: '1765100000_middle', when: BASE + 9 },
    ];
    const result = discover(folder(entries));
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.migrations.map((migration) => migration.file), ['zebra.sql', '20261207101010_alpha.sql', '1765100000_middle.sql']);
  });

  it('a .sql file the journal does not list is a finding: drizzle never runs it', () => {
    const result = discover(folder(three, [file('0003_hand_written.sql')]));
    assert.deepEqual(codes(result), ['index-mismatch:0003_hand_written.sql']);
    assert.match(result.problems[0]!.message, /drizzle\/0003_hand_written\.sql is not in drizzle\/meta\/_journal\.json: drizzle's migrator never runs it/);
    assert.equal(result.migrations.length, 3);
  });

  it('a journal entry without its file is a finding: the migrator stops there', () => {
    const files = folder().filter((source) => source.path !== '0001_users.sql');
    const result = discover(files);
    assert.deepEqual(codes(result), ['index-mismatch:0001_users.sql']);
    assert.match(result.problems[0]!.message, /drizzle\/meta\/_journal\.json:\d+ lists drizzle\/0001_users\.sql, which does not exist/);
  });

  it('a folder without a journal is a finding, and reads no migration', () => {
    const result = discover(folder().filter((source) => source.path !== 'meta/_journal.json'));
    assert.deepEqual(codes(result), ['index-mismatch:meta/_journal.json']);
    assert.deepEqual(result.migrations, []);
  });

  it("an entry whose `when` is before one listed above it is refused: drizzle would skip it on databases that ran the other", () => {
    // Two branches each generated a migration; the merge appended the older one last.
    const entries = [...three, { tag: '0003_from_branch', when: BASE + 1500 }];
    const result = discover(folder(entries));
    assert.deepEqual(codes(result), ['index-order:0003_from_branch.sql']);
    assert.match(result.problems[0]!.message, /skips drizzle\/0003_from_branch\.sql without a word/);
    assert.match(result.problems[0]!.fix, /after 1765100002000/);
  });

  it('two entries with one `when`, or one tag listed twice, are duplicates', () => {
    const sameWhen = discover(folder([...three, { tag: '0003_twin', when: BASE + 2000 }]));
    assert.deepEqual(codes(sameWhen), ['duplicate-id:0003_twin.sql']);
    const sameTag = discover(folder([...three, { tag: '0001_users', when: BASE + 3000 }]));
    assert.deepEqual(codes(sameTag), ['duplicate-id:0001_users.sql']);
    assert.match(sameTag.problems[0]!.message, /run it twice/);
  });

  it('a journal drizzle cannot read is exit 2, naming the file', () => {
    for (const [text, pattern] of [
      ['{ "entries": [ ', /is not JSON/],
      ['{"version":"7"}', /has no `entries` list/],
      [journal([{ tag: '0000_init', when: BASE }]).replace(String(BASE), '"yesterday"'), /entry 0000_init has no whole-number `when`/],
      [journal([{ tag: '../outside', when: BASE }]), /names a path/],
      [`\uFEFF${journal([{ tag: '0000_init', when: BASE }])}`, /is not JSON/],
    ] as const) {
      const result = discover([sql('0000_init'), file('meta/_journal.json', text)]);
      assert.equal(result.problems.length, 1, text);
      assert.equal(result.problems[0]!.exitCode, 2);
      assert.equal(result.problems[0]!.file, 'meta/_journal.json');
      assert.match(result.problems[0]!.message, pattern);
    }
  });

  it('binary and non-UTF-8 migrations are exit 2', () => {
    const result = discover(folder(three.slice(0, 1)).map((source) => (source.path === '0000_init.sql' ? { path: source.path, bytes: new Uint8Array([0x53, 0xff, 0x0a]) } : source)));
    assert.deepEqual(codes(result), ['not-utf8:0000_init.sql']);
  });

  it('reads the journal from a cached reading as well as from bytes', () => {
    const files = folder();
    const cached = files.map((source) => (drizzleAdapter.candidate(source.path) ? { path: source.path, reading: drizzleAdapter.readFile(source.path, source.bytes!) } : source));
    assert.deepEqual(discover(cached).migrations, discover(files).migrations);
  });

  it("the journal may not be hidden by exclude:, and a dir holding one is Drizzle's", () => {
    const tool = TOOL_BY_NAME.drizzle;
    assert.equal(runsAsMigration('drizzle', 'meta/_journal.json', undefined), true);
    assert.deepEqual(tool.controlFiles, ['meta/_journal.json']);
    assert.equal(runsAsMigration('drizzle', 'seed.sql', undefined), false);
    assert.equal(detectTool(['0000_init.sql', 'meta/_journal.json', 'meta/0000_snapshot.json']), 'drizzle');
    assert.equal(detectTool(['0000_init.sql']), 'sql');
  });
});

describe("drizzle.__drizzle_migrations", () => {
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');

  it('replays the rows in id order: applied `when`s, the newest as head, and the hash drizzle recorded for each', () => {
    const state = replayDrizzleMigrations([
      { id: 1, hash: hash('a'), created_at: String(BASE) },
      { id: 2, hash: hash('b'), created_at: String(BASE + 1000) },
    ]);
    assert.deepEqual(state.applied, [String(BASE), String(BASE + 1000)]);
    assert.deepEqual(state.heads, [String(BASE + 1000)]);
    assert.deepEqual(state.toolChecksums, [
      { id: String(BASE), sha256: hash('a') },
      { id: String(BASE + 1000), sha256: hash('b') },
    ]);
  });

  it('drizzle hashes the text it runs: the same SHA-256 as guard for a file drizzle-kit wrote', () => {
    const text = sql('0000_init').bytes;
    assert.equal(createHash('sha256').update(Buffer.from(text).toString()).digest('hex'), contentChecksum(text));
  });

  it('a row without created_at is an id no journal has (the migrator would rerun everything), a repeated one counts once', () => {
    const state = replayDrizzleMigrations([
      { id: 1, hash: 'x', created_at: String(BASE) },
      { id: 2, hash: 'y', created_at: String(BASE) },
      { id: 3, hash: 'z', created_at: null },
    ]);
    assert.deepEqual(state.applied, [String(BASE), NULL_WHEN]);
    assert.deepEqual(state.heads, [String(BASE)]);
    assert.deepEqual(state.toolChecksums![0], { id: String(BASE), sha256: 'x' });
  });

  it('nothing applied without rows', () => {
    assert.deepEqual(replayDrizzleMigrations([]), { tool: 'drizzle', heads: [], applied: [], toolChecksums: [] });
    assert.ok(bytes);
  });
});
