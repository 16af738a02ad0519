import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkoutRewrites } from '../../src/core/seal/checkout-attributes.js';

const migrations = ['db/migrations/001_users.sql', 'db/migrations/002_orders.down.sql', 'db/versions/a1_base.py'];
const hits = (files: { path: string; text: string }[]) => checkoutRewrites(files, migrations).map((finding) => finding.file);

describe('checkoutRewrites: attributes that make a checkout differ from what git stores', () => {
  it('finds working-tree-encoding and ident on migration files, by every pattern form', () => {
    assert.deepEqual(hits([{ path: '.gitattributes', text: 'db/migrations/001_users.sql working-tree-encoding=UTF-7\n' }]), ['db/migrations/001_users.sql']);
    assert.deepEqual(hits([{ path: '.gitattributes', text: '*.sql working-tree-encoding=UTF-16LE\n' }]), ['db/migrations/001_users.sql', 'db/migrations/002_orders.down.sql']);
    assert.deepEqual(hits([{ path: '.gitattributes', text: '/db/**/*.py ident\n' }]), ['db/versions/a1_base.py']);
    assert.deepEqual(hits([{ path: 'db/.gitattributes', text: 'migrations/00?_*.sql ident\n' }]), ['db/migrations/001_users.sql', 'db/migrations/002_orders.down.sql']);
    assert.deepEqual(hits([{ path: 'db/migrations/.gitattributes', text: '*users* working-tree-encoding=ISO-8859-1\r\n' }]), ['db/migrations/001_users.sql']);
    assert.deepEqual(hits([{ path: '.gitattributes', text: '"db/migrations/001_users.sql" ident\n' }]), ['db/migrations/001_users.sql']);
    assert.deepEqual(hits([{ path: '.gitattributes', text: 'db/migrations/[0-9]*.sql ident\n' }]), ['db/migrations/001_users.sql', 'db/migrations/002_orders.down.sql']);
  });

  it('unquotes a quoted pattern as git does: octal bytes of a UTF-8 name, C escapes', () => {
    // git quotes a name that is not ASCII byte by byte: "db/migrations/003_caf\303\251.sql".
    const named = ['db/migrations/003_café.sql', 'db/migrations/001_users.sql', 'db/migrations/tab\tname.sql', 'db/migrations/quote".sql'];
    const found = (text: string) => checkoutRewrites([{ path: '.gitattributes', text }], named).map((finding) => finding.file);
    assert.deepEqual(found('"db/migrations/003_caf\\303\\251.sql" ident\n'), ['db/migrations/003_café.sql']);
    assert.deepEqual(found('"db/migrations/001\\137users.sql" working-tree-encoding=UTF-16\n'), ['db/migrations/001_users.sql']);
    assert.deepEqual(found('"db/migrations/tab\\tname.sql" ident\n'), ['db/migrations/tab\tname.sql']);
    assert.deepEqual(found('"db/migrations/quote\\".sql" ident\n'), ['db/migrations/quote".sql']);
    assert.deepEqual(found('"db/migrations/café.sql" ident\n'), [], 'an unquoted non-ASCII name is compared as written');
    assert.deepEqual(found('"db/migrations/003_café.sql" ident\n'), ['db/migrations/003_café.sql']);
  });

  it('expands macros defined at the top level', () => {
    assert.deepEqual(hits([{ path: '.gitattributes', text: '[attr]legacy ident -diff\n*.py legacy\n' }]), ['db/versions/a1_base.py']);
  });

  it('names the file, its line and the attribute', () => {
    const [finding] = checkoutRewrites([{ path: '.gitattributes', text: '# comment\n*.txt text\n*.sql working-tree-encoding=UTF-7\n' }], ['db/x.sql']);
    assert.equal(finding!.code, 'checkout-rewritten');
    assert.equal(finding!.exitCode, 1);
    assert.match(finding!.message, /^\.gitattributes:3 gives db\/x\.sql `working-tree-encoding=UTF-7`/);
  });

  it('leaves line endings, UTF-8, other files and other attributes alone', () => {
    assert.deepEqual(hits([{ path: '.gitattributes', text: '*.sql text eol=crlf\n*.sql working-tree-encoding=UTF-8\n*.md ident\n*.sql -diff linguist-generated\nother/*.sql ident\n' }]), []);
    assert.deepEqual(hits([{ path: 'elsewhere/.gitattributes', text: '*.sql ident\n' }]), []);
  });
});
