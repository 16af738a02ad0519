import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_ALGORITHM } from '../../src/core/checksum.js';
import { chainDigest } from '../../src/core/lockfile/chain-digest.js';
import { parseLockfile, serializeLockfile } from '../../src/core/lockfile/format/index.js';
import type { LockEntry, Lockfile } from '../../src/core/lockfile/types.js';
import { guardError, hex64 } from './helpers.js';

const NAME = 'checksums.lock.yaml';
const entries: LockEntry[] = [
  { id: '001', file: '001_users.sql', sha256: hex64('1') },
  { id: '002', file: '002_orders.sql', sha256: hex64('2'), down: '002_orders.down.sql', down_sha256: hex64('2d') },
];
const good: Lockfile = {
  lockfile: 1,
  algorithm: CONTENT_ALGORITHM,
  sets: [
    { dir: 'db/a', tool: 'sql', heads: ['002'], chain: chainDigest('sql', entries), migrations: entries },
    { dir: 'db/b', tool: 'sql', heads: ['002'], chain: chainDigest('sql', entries), migrations: entries },
  ],
  amendments: [{ file: 'db/a/001_users.sql', from: `sha256:${hex64('o')}`, to: `sha256:${hex64('n')}`, reason: 'typo', by: 'dev@example.com', at: '2026-11-23' }],
};
const text = serializeLockfile(good);
const lineOf = (needle: string, from = 0) => text.slice(0, text.indexOf(needle, from)).split('\n').length;

/** Parses `input`, expects exit code 2 with `line` in the message and location, and returns the error. */
async function refused(input: string, line: number) {
  const error = await guardError(() => parseLockfile(input, NAME));
  assert.equal(error.exitCode, 2, error.message);
  assert.match(error.message, new RegExp(`^${NAME.replaceAll('.', '\\.')}:${line}\\b`), error.message);
  assert.equal(error.location?.line, line, error.message);
  assert.ok(error.fix && error.fix.length > 10, `no fix for: ${error.message}`);
  return error;
}

describe('parseLockfile: hostile input (exit 2, the line, the fix)', () => {
  it('accepts the canonical file', async () => {
    assert.deepEqual((await parseLockfile(text, NAME)).lock, good);
  });

  it('malformed YAML', async () => {
    const broken = text.replace('    tool: sql\n', '    tool: sql: x\n');
    const error = await refused(broken, lineOf('    tool: sql'));
    assert.match(error.message, /not valid YAML/);
    assert.match(error.fix!, /git checkout -- checksums\.lock\.yaml|guard lock/);
    const tabs = await guardError(() => parseLockfile('lockfile: 1\nsets:\n\t- dir: x\n', NAME));
    assert.equal(tabs.exitCode, 2);
    assert.equal(tabs.location?.line, 3);
  });

  it('a document that is not a mapping', async () => {
    const error = await guardError(() => parseLockfile('- just\n- a list\n', NAME));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /not a lockfile/);
  });

  it('an unknown (newer) format version says to upgrade', async () => {
    const error = await refused(text.replace('lockfile: 1', 'lockfile: 2'), 2);
    assert.match(error.message, /lockfile format 2 is newer/);
    assert.match(error.fix!, /upgrade|npm install/);
    const old = await refused(text.replace('lockfile: 1', 'lockfile: "1"'), 2);
    assert.match(old.message, /unknown lockfile format version "1"/);
  });

  it('an unknown checksum algorithm', async () => {
    const error = await refused(text.replace('algorithm: sha256-lf/1', 'algorithm: sha512-lf/2'), 3);
    assert.match(error.message, /unknown checksum algorithm "sha512-lf\/2"/);
    assert.match(error.fix!, /upgrade/);
  });

  it('git conflict markers, default style', async () => {
    const conflicted = text.replace(
      /( {6}- \{id: "002".*\n)/,
      '<<<<<<< HEAD\n$1=======\n      - {id: "002", file: 002_other.sql, sha256: ' + hex64('x') + '}\n>>>>>>> feature\n',
    );
    const error = await refused(conflicted, lineOf('      - {id: "002"'));
    assert.match(error.message, /conflict markers/);
    assert.match(error.fix!, /guard lock/);
  });

  it('git conflict markers, diff3 style', async () => {
    const conflicted = text.replace(
      /( {6}- \{id: "002".*\n)/,
      '<<<<<<< ours\n$1||||||| base\n=======\n      - {id: "003", file: 003_x.sql, sha256: ' + hex64('x') + '}\n>>>>>>> theirs\n',
    );
    const error = await refused(conflicted, lineOf('      - {id: "002"'));
    assert.match(error.fix!, /guard lock/);
  });

  for (const [what, hostile] of [
    ['a parent dir', '../x.sql'],
    ['a nested parent dir', 'sub/../../x.sql'],
    ['an absolute path', '/etc/passwd'],
    ['backslashes', '..\\\\x.sql'],
    ['a drive letter', 'C:/x.sql'],
  ] as const) {
    it(`a migration file that escapes its set's dir: ${what}`, async () => {
      const edited = text.replace('file: 002_orders.sql', `file: "${hostile}"`);
      const error = await refused(edited, lineOf('      - {id: "002"'));
      assert.match(error.message, /escapes the set's dir/);
    });
  }

  it('a down script that escapes its set\'s dir', async () => {
    const edited = text.replace('down: 002_orders.down.sql', 'down: "../../etc/passwd"');
    const error = await refused(edited, lineOf('      - {id: "002"'));
    assert.match(error.message, /escapes/);
  });

  it('a set dir or amendment file outside the repository', async () => {
    const error = await refused(text.replace('dir: db/b', 'dir: "../elsewhere"'), lineOf('  - dir: db/b'));
    assert.match(error.message, /leaves the repository/);
    const amendment = await refused(text.replace('{file: db/a/001_users.sql', '{file: /etc/passwd'), lineOf('  - {file:'));
    assert.match(amendment.message, /leaves the repository/);
  });

  it('duplicate ids name both lines', async () => {
    const dup = text.replace('{id: "002", file: 002_orders.sql', '{id: "001", file: 002_orders.sql');
    const first = lineOf('      - {id: "001"');
    const second = lineOf('      - {id: "002"');
    const error = await refused(dup, second);
    assert.match(error.message, /id 001 is listed twice/);
    assert.match(error.message, new RegExp(`line ${first}\\b`));
    assert.match(error.fix!, /remove the duplicate|guard lock/);
  });

  it('duplicate files', async () => {
    const dup = text.replace('{id: "002", file: 002_orders.sql', '{id: "002", file: 001_users.sql');
    const error = await refused(dup, lineOf('      - {id: "002"'));
    assert.match(error.message, /listed twice/);
  });

  it('duplicate set dirs, also when spelled differently', async () => {
    const error = await refused(text.replace('dir: db/b', 'dir: db/a'), lineOf('  - dir: db/b'));
    assert.match(error.message, /db\/a appears twice/);
    const spelled = await refused(text.replace('dir: db/b', 'dir: db/a/'), lineOf('  - dir: db/b'));
    assert.match(spelled.message, /db\/a/);
  });

  it('a bad sha256', async () => {
    for (const bad of ['abc', hex64('1').toUpperCase(), `${hex64('1')}0`, `sha256:${hex64('1')}`]) {
      const edited = text.replace(`sha256: ${hex64('1')}`, `sha256: "${bad}"`);
      const error = await refused(edited, lineOf('      - {id: "001"'));
      assert.match(error.message, /sha256.*64 lowercase hex/);
    }
    const chain = await refused(text.replace(/chain: sha256:[0-9a-f]{64}/, 'chain: sha256:1234'), lineOf('    chain:'));
    assert.match(chain.message, /chain/);
  });

  it('an id that YAML reads as a number or boolean is refused, not silently turned into text', async () => {
    const error = await refused(text.replace('{id: "001"', '{id: 001'), lineOf('      - {id: "001"'));
    assert.match(error.message, /`id` must be a non-empty string, found 1/);
    const yes = await refused(text.replace('{id: "001"', '{id: true'), lineOf('      - {id: "001"'));
    assert.match(yes.message, /found true/);
  });

  it('unknown keys at the top, in a set, in an entry and in an amendment', async () => {
    const top = await refused(text.replace('amendments:', 'extra: 1\namendments:'), lineOf('amendments:'));
    assert.match(top.message, /unknown key `extra`/);
    const inSet = await refused(text.replace('    chain:', '    chian: x\n    chain:'), lineOf('    chain:'));
    assert.match(inSet.message, /unknown key `chian`/);
    const inEntry = await refused(text.replace('{id: "001", file', '{id: "001", flie: x, file'), lineOf('      - {id: "001"'));
    assert.match(inEntry.message, /unknown key `flie`/);
    const inAmendment = await refused(text.replace('reason: typo', 'reason: typo, approved: yes'), lineOf('  - {file:'));
    assert.match(inAmendment.message, /unknown key `approved`/);
  });

  it('an unknown tool, missing fields and wrong types', async () => {
    const tool = await refused(text.replace('tool: sql', 'tool: liquibase'), lineOf('    tool: sql'));
    assert.match(tool.message, /unknown tool "liquibase"/);
    const heads = await refused(text.replace('heads: ["002"]', 'heads: "002"'), lineOf('    heads:'));
    assert.match(heads.message, /`heads` must be a list/);
    const noFile = await refused(text.replace('file: 001_users.sql, ', ''), lineOf('      - {id: "001"'));
    assert.match(noFile.message, /`file` must be a non-empty string, found nothing/);
    const repeatable = await refused(text.replace('down_sha256: ' + hex64('2d'), `down_sha256: ${hex64('2d')}, repeatable: false`), lineOf('      - {id: "002"'));
    assert.match(repeatable.message, /repeatable/);
  });

  it('set amendments: read back exactly, and every malformed one refused with its line', async () => {
    const chain = `sha256:${hex64('c')}`;
    const amended: Lockfile = {
      ...good,
      setAmendments: [
        { set: 'db/old', change: 'dropped', chain, reason: 'left for the billing service', by: 'dev@example.com', at: '2026-12-06' },
        { set: 'db/a2', change: 'moved', to: 'db/a', chain, reason: 'rename', by: 'dev@example.com', at: '2026-12-06' },
        { set: 'db/b', change: 'retooled', from: 'flyway', to: 'sql', chain, reason: 'plain files', by: 'dev@example.com', at: '2026-12-06' },
      ],
    };
    const written = serializeLockfile(amended);
    assert.match(written, /\n {2}- \{set: db\/old, change: dropped, chain: "sha256:[0-9a-f]{64}", reason: "left for the billing service", by: "dev@example\.com", at: "2026-12-06"\}\n/);
    const parsed = await parseLockfile(written, NAME);
    assert.deepEqual(parsed.lock, amended);
    assert.equal(parsed.via, 'canonical');
    const at = (needle: string) => written.slice(0, written.indexOf(needle)).split('\n').length;
    const bad = async (set: string, from: string, to: string, pattern: RegExp) => {
      const error = await guardError(() => parseLockfile(written.replace(from, to), NAME));
      assert.equal(error.exitCode, 2);
      assert.equal(error.location?.line, at(`  - {set: ${set},`), error.message);
      assert.match(error.message, pattern);
    };
    await bad('db/old', 'change: dropped', 'change: forgotten', /unknown set change "forgotten"/);
    await bad('db/old', '{set: db/old, change: dropped, ', '{set: db/old, change: dropped, to: db/x, ', /a dropped set has no `from` or `to`/);
    await bad('db/a2', 'change: moved, to: db/a, ', 'change: moved, ', /`to` must be a non-empty string/);
    await bad('db/a2', 'change: moved, to: db/a, ', 'change: moved, to: ../x, ', /is not another repository-relative dir/);
    await bad('db/b', 'from: flyway, to: sql', 'from: sql, to: sql', /from and to are both sql/);
    await bad('db/b', 'from: flyway, to: sql', 'from: flyway, to: liquibase', /unknown tool "liquibase"/);
    await bad('db/old', '{set: db/old, change: dropped, chain: "sha256:', '{set: db/old, change: dropped, chain: "sha1:', /is not sha256:<64 hex digits>/);
    await bad('db/old', '{set: db/old, ', '{set: db/old, file: x, ', /unknown key `file` in a set amendment/);
  });
});
