import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChecksum } from '../../src/core/checksum.js';
import { parseLockfile, serializeLockfile } from '../../src/core/lockfile/format/index.js';
import { planLock } from '../../src/core/lockfile/plan-lock.js';
import type { Lockfile } from '../../src/core/lockfile/types.js';
import { sqlAdapter } from '../../src/core/tools/sql/sql-adapter.js';
import type { DiscoveredSet, Migration, SourceFile } from '../../src/core/migrations/types.js';
import { compareWithLockfile } from '../../src/core/verify/compare-with-lockfile.js';
import { type Finding } from '../../src/core/findings/findings.js';
import { bytes, file } from './helpers.js';
import { joinPath } from '../../src/core/paths.js';

const NAME = 'checksums.lock.yaml';
/** A set as the shell builds it: the adapter names files by their repository path. */
const sqlSet = (dir: string, files: SourceFile[]) => ({ dir, discovered: sqlAdapter.discover(files, { display: (file) => joinPath(dir, file) }) });
const base = [file('001_users.sql'), file('002_orders.up.sql'), file('002_orders.down.sql', 'DROP TABLE orders;\n'), file('003_items.sql')];

async function locked(sets: ReturnType<typeof sqlSet>[]) {
  const plan = planLock({ previous: undefined, sets });
  assert.ok(!('refusal' in plan));
  return parseLockfile(serializeLockfile(plan.lock), NAME);
}

async function compare(files: SourceFile[], lockFiles = base): Promise<Finding[]> {
  const { lock, lines } = await locked([sqlSet('db', lockFiles)]);
  return compareWithLockfile(lock, [sqlSet('db', files)], NAME, lines);
}

const codes = (findings: Finding[]) => findings.map((f) => f.code);
const replace = (files: SourceFile[], path: string, next: SourceFile | undefined) =>
  files.flatMap((f) => (f.path === path ? (next ? [next] : []) : [f]));

describe('compareWithLockfile', () => {
  it('finds nothing when the migrations match', async () => {
    assert.deepEqual(await compare(base), []);
  });

  it('a CRLF or BOM checkout of the same files matches', async () => {
    const crlf = base.map((f) => ({ path: f.path, bytes: bytes(`\uFEFF${Buffer.from(f.bytes).toString().replaceAll('\n', '\r\n')}`) }));
    assert.deepEqual(await compare(crlf), []);
  });

  it('an unlocked file', async () => {
    const findings = await compare([...base, file('004_tags.sql')]);
    const unlocked = findings.find((f) => f.code === 'unlocked')!;
    assert.equal(unlocked.file, 'db/004_tags.sql');
    assert.match(unlocked.message, /db\/004_tags\.sql is not in checksums\.lock\.yaml/);
    assert.match(unlocked.fix, /guard lock/);
    assert.ok(codes(findings).includes('heads-changed'));
  });

  it('a checksum mismatch names the file and the lockfile line', async () => {
    const findings = await compare(replace(base, '001_users.sql', file('001_users.sql', 'DROP TABLE users;\n')));
    assert.deepEqual(codes(findings), ['checksum-mismatch']);
    const [finding] = findings;
    assert.equal(finding!.file, 'db/001_users.sql');
    assert.equal(finding!.exitCode, 1);
    assert.match(finding!.message, /db\/001_users\.sql changed since it was locked \(checksums\.lock\.yaml:10: sha256 [0-9a-f]{12}, file: [0-9a-f]{12}\)/);
    assert.match(finding!.fix, /git checkout -- db\/001_users\.sql\) and write a new migration/);
  });

  it('a deleted migration', async () => {
    const findings = await compare(replace(base, '003_items.sql', undefined));
    assert.deepEqual(codes(findings).sort(), ['deleted', 'heads-changed']);
    const deleted = findings.find((f) => f.code === 'deleted')!;
    assert.equal(deleted.file, 'db/003_items.sql');
    assert.match(deleted.fix, /git checkout HEAD -- db\/003_items\.sql/);
  });

  it('a renamed migration: same version, new name', async () => {
    const findings = await compare(replace(base, '001_users.sql', { path: '001_people.sql', bytes: base[0]!.bytes }));
    assert.deepEqual(codes(findings), ['renamed']);
    assert.match(findings[0]!.message, /db\/001_users\.sql was renamed to db\/001_people\.sql \(checksums\.lock\.yaml:10 locks the old name\)/);
    assert.match(findings[0]!.fix, /git mv db\/001_people\.sql db\/001_users\.sql/);
  });

  it('a renamed migration: same content, new version', async () => {
    const findings = await compare(replace(base, '003_items.sql', { path: '004_items.sql', bytes: base[3]!.bytes }));
    const renamed = findings.find((f) => f.code === 'renamed')!;
    assert.ok(renamed, JSON.stringify(findings));
    assert.match(renamed.message, /db\/003_items\.sql \(id 003\) was renamed to db\/004_items\.sql \(id 004\)/);
    assert.ok(!codes(findings).includes('deleted'));
    assert.ok(!codes(findings).includes('unlocked'));
  });

  it('down script edited, deleted or added', async () => {
    const edited = await compare(replace(base, '002_orders.down.sql', file('002_orders.down.sql', 'DROP TABLE orders CASCADE;\n')));
    assert.deepEqual(codes(edited), ['down-mismatch']);
    assert.equal(edited[0]!.file, 'db/002_orders.down.sql');
    assert.match(edited[0]!.message, /changed since it was locked/);
    const deleted = await compare(replace(base, '002_orders.down.sql', undefined));
    assert.deepEqual(codes(deleted), ['down-mismatch']);
    assert.match(deleted[0]!.message, /was deleted/);
    const added = await compare([...base, file('001_users.down.sql')]);
    assert.deepEqual(codes(added), ['down-mismatch']);
    assert.match(added[0]!.message, /down script db\/001_users\.down\.sql of 001 is not locked/);
  });

  it('heads changed by hand in the lockfile', async () => {
    const { lock, lines } = await locked([sqlSet('db', base)]);
    const edited: Lockfile = { ...lock, sets: [{ ...lock.sets[0]!, heads: ['002'] }] };
    const findings = compareWithLockfile(edited, [sqlSet('db', base)], NAME, lines);
    assert.deepEqual(codes(findings), ['heads-changed']);
    assert.match(findings[0]!.message, /heads of db are \[003\], the lockfile says \[002\]/);
  });

  it('a chain digest or an entry edited by hand', async () => {
    const { lock } = await locked([sqlSet('db', base)]);
    const chain: Lockfile = { ...lock, sets: [{ ...lock.sets[0]!, chain: `sha256:${'0'.repeat(64)}` }] };
    const findings = compareWithLockfile(chain, [sqlSet('db', base)], NAME);
    assert.deepEqual(codes(findings), ['chain-mismatch']);
    assert.match(findings[0]!.message, /edited by hand/);
    // an entry's checksum edited to match an edited file, chain left alone
    const editedFile = file('001_users.sql', 'DROP TABLE users;\n');
    const set = lock.sets[0]!;
    const forged: Lockfile = {
      ...lock,
      sets: [{ ...set, migrations: set.migrations.map((e, i) => (i === 0 ? { ...e, sha256: contentChecksum(editedFile.bytes) } : e)) }],
    };
    assert.deepEqual(codes(compareWithLockfile(forged, [sqlSet('db', replace(base, '001_users.sql', editedFile))], NAME)), ['chain-mismatch']);
  });

  it('a set the lockfile does not have, and a locked set the config does not list', async () => {
    const { lock, lines } = await locked([sqlSet('db', base), sqlSet('old', base)]);
    const findings = compareWithLockfile(lock, [sqlSet('db', base), sqlSet('new', base)], NAME, lines);
    assert.deepEqual(codes(findings).sort(), ['set-not-configured', 'set-not-locked']);
    const notLocked = findings.find((f) => f.code === 'set-not-locked')!;
    assert.equal(notLocked.set, 'new');
    assert.match(notLocked.fix, /guard lock/);
    const notConfigured = findings.find((f) => f.code === 'set-not-configured')!;
    assert.equal(notConfigured.exitCode, 2);
    assert.equal(notConfigured.set, 'old');
    assert.equal(notConfigured.line, lines.get('sets.1'));
    assert.match(notConfigured.message, /checksums\.lock\.yaml:\d+ locks old \(3 migrations\)/);
    assert.match(notConfigured.fix, /--drop-set old/);
  });

  it('a set read as another tool than it was locked with', async () => {
    const { lock } = await locked([sqlSet('db', base)]);
    const asFlyway: DiscoveredSet = { ...sqlSet('db', base).discovered, tool: 'flyway' };
    const findings = compareWithLockfile(lock, [{ dir: 'db', discovered: asFlyway }], NAME);
    assert.deepEqual(codes(findings), ['tool-changed']);
  });

  it('adapter problems come through with repository paths', async () => {
    const findings = await compare([...base, file('init.sql')]);
    const naming = findings.find((f) => f.code === 'naming')!;
    assert.equal(naming.file, 'db/init.sql');
    assert.match(naming.message, /^db\/init\.sql breaks/);
    const dup = (await compare([...base, file('3_again.sql')])).find((f) => f.code === 'duplicate-id')!;
    assert.match(dup.message, /used twice: db\/003_items\.sql and db\/3_again\.sql$/);
    const spaced = compareWithLockfile((await locked([sqlSet('my db', base)])).lock, [sqlSet('my db', [...base, file('my 3.sql')])], NAME);
    assert.match(spaced.find((f) => f.code === 'naming')!.message, /^my db\/my 3\.sql breaks/);
  });

  it('parents changed in a tool with parents (Alembic)', async () => {
    const revision = (id: string, parents: string[]): Migration => ({ id, file: `${id}_x.py`, parents, sha256: contentChecksum(bytes(id)) });
    const discovered = (parents: string[]): DiscoveredSet => ({
      tool: 'alembic',
      migrations: [revision('a1', []), revision('b2', parents)],
      heads: ['b2'],
      bases: ['a1'],
      mergePoints: [],
      branchLabels: {},
      problems: [],
      ignored: [],
    });
    const plan = planLock({ previous: undefined, sets: [{ dir: 'v', discovered: discovered(['a1']) }] });
    assert.ok(!('refusal' in plan));
    const findings = compareWithLockfile(plan.lock, [{ dir: 'v', discovered: discovered([]) }], NAME);
    assert.ok(codes(findings).includes('checksum-mismatch'), JSON.stringify(findings));
    assert.match(findings.find((f) => f.code === 'checksum-mismatch')!.message, /records parents \[a1\] for b2/);
  });
});
