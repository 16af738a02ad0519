import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filesNamed, holdsSymlink } from '../../src/shell/listing-keys.js';

const z = (...records: string[]) => Buffer.from(records.map((record) => `${record}\0`).join(''));
const OID = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

describe('what a listing says before it is parsed', () => {
  it('holds a symlink only when a record starts with mode 120000', () => {
    assert.equal(holdsSymlink(z(`100644 ${OID} 0\tdb/010.sql`, `120000 ${OID} 0\tdb/020.sql`)), true);
    assert.equal(holdsSymlink(z(`120000 blob ${OID}\tdb/020.sql`)), true, 'ls-tree records too');
    assert.equal(holdsSymlink(z(`100644 ${OID} 0\tdb/120000 notes.sql`, `100644 ${OID} 0\tdb/x 120000 y.sql`)), false, 'a name holding the digits is no symlink');
    assert.equal(holdsSymlink(Buffer.alloc(0)), false);
  });

  it('finds .gitattributes files in ls-files -s, ls-tree and ls-files -t records, not files that only end like one', () => {
    assert.deepEqual(filesNamed('.gitattributes', z(`100644 ${OID} 0\tdb/migrations/.gitattributes`, `100644 ${OID} 0\tdb/migrations/010.sql`)), ['db/migrations/.gitattributes']);
    assert.deepEqual(filesNamed('.gitattributes', z(`100644 blob ${OID}\tdb/sub/.gitattributes`)), ['db/sub/.gitattributes']);
    assert.deepEqual(filesNamed('.gitattributes', z('? db/new/.gitattributes', 'C db/migrations/.gitattributes')), ['db/new/.gitattributes', 'db/migrations/.gitattributes']);
    assert.deepEqual(filesNamed('.gitattributes', z(`100644 ${OID} 0\tdb/not.gitattributes`, `100644 ${OID} 0\tdb/.gitattributes.bak`)), []);
    assert.deepEqual(filesNamed('.gitattributes', z(`100644 ${OID} 0\tdb/010.sql`)), []);
  });
});
