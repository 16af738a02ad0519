import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSchemas, type SchemaDifference } from '../../../src/core/drift/diff-schemas.js';
import { formatAttributeChange, formatSchemaDifference, summariseDifferences } from '../../../src/core/drift/format-schema-difference.js';
import { snapshotFromCatalog } from '../../../src/core/drift/snapshot-from-catalog.js';
import type { CatalogRows } from '../../../src/core/drift/catalog-rows.js';
import { catalog, column, fn, type } from './fixtures.js';

const between = { added: 'only in production', removed: 'only in staging' };
const sinceDeploy = { added: 'added since the last deploy, not by a migration', removed: 'dropped since the last deploy, not by a migration' };

const added: SchemaDifference = { change: 'added', kind: 'index', name: 'public.orders_created_idx', attributes: { definition: 'CREATE INDEX ...' } };
const removed: SchemaDifference = { change: 'removed', kind: 'constraint', name: 'public.orders.orders_total_check', attributes: { type: 'check' } };
const changed: SchemaDifference = {
  change: 'changed',
  kind: 'column',
  name: 'public.orders.total',
  attributes: [{ attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' }],
};

describe('formatSchemaDifference', () => {
  it('an added or removed object: its kind, name and the wording of its side', () => {
    assert.equal(formatSchemaDifference(added, between), 'index public.orders_created_idx: only in production');
    assert.equal(formatSchemaDifference(removed, between), 'constraint public.orders.orders_total_check: only in staging');
    assert.equal(formatSchemaDifference(added, sinceDeploy), 'index public.orders_created_idx: added since the last deploy, not by a migration');
    assert.equal(formatSchemaDifference(removed, sinceDeploy), 'constraint public.orders.orders_total_check: dropped since the last deploy, not by a migration');
  });

  it('a changed object: each attribute as `name before -> after`, separated by "; "', () => {
    assert.equal(formatSchemaDifference(changed, between), 'column public.orders.total: type numeric(10,2) -> numeric(12,2)');
    assert.equal(
      formatSchemaDifference(
        {
          ...changed,
          attributes: [
            { attribute: 'default', before: undefined, after: '0' },
            { attribute: 'not null', before: 'yes', after: undefined },
            { attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' },
          ],
        },
        between,
      ),
      'column public.orders.total: default none -> 0; not null yes -> no; type numeric(10,2) -> numeric(12,2)',
    );
  });
});

describe('formatAttributeChange', () => {
  it('short values on one line: `attribute before -> after`, `none` for an absent value', () => {
    assert.equal(formatAttributeChange({ attribute: 'type', before: 'integer', after: 'bigint' }), 'type integer -> bigint');
    assert.equal(formatAttributeChange({ attribute: 'default', before: undefined, after: 'now()' }), 'default none -> now()');
    assert.equal(formatAttributeChange({ attribute: 'default', before: 'now()', after: undefined }), 'default now() -> none');
  });

  it('a value of 72 characters is still short; 73 is shown by its first differing line', () => {
    const at72 = `CHECK (${'x'.repeat(64)})`;
    assert.equal(at72.length, 72);
    assert.equal(formatAttributeChange({ attribute: 'definition', before: 'CHECK (true)', after: at72 }), `definition CHECK (true) -> ${at72}`);
    const at73 = `CHECK (${'x'.repeat(65)})`;
    assert.equal(formatAttributeChange({ attribute: 'definition', before: 'CHECK (true)', after: at73 }), `definition changed: "CHECK (true)" -> "${at73.slice(0, 71)}…"`);
  });

  it('a multi-line value (a function body) is shown by its first differing line', () => {
    assert.equal(
      formatAttributeChange({ attribute: 'body', before: '\nBEGIN\n  RETURN a + b;\nEND\n', after: '\nBEGIN\n  RETURN a - b;\nEND\n' }),
      'body changed at line 3: "  RETURN a + b;" -> "  RETURN a - b;"',
    );
    // Short, but on several lines: still by line.
    assert.equal(formatAttributeChange({ attribute: 'body', before: 'a\nb', after: 'a\nc' }), 'body changed at line 2: "b" -> "c"');
  });

  it('a line added at the end, or removed from it, is shown against (no line)', () => {
    assert.equal(formatAttributeChange({ attribute: 'body', before: 'BEGIN\n  RETURN 1;', after: 'BEGIN\n  RETURN 1;\nEND' }), 'body changed at line 3: (no line) -> "END"');
    assert.equal(formatAttributeChange({ attribute: 'body', before: 'BEGIN\n  RETURN 1;\nEND', after: 'BEGIN\n  RETURN 1;' }), 'body changed at line 3: "END" -> (no line)');
  });

  it('cuts a long differing line to 72 characters, ending in …', () => {
    const long = `  RETURN ${'a + '.repeat(30)}b;`;
    const text = formatAttributeChange({ attribute: 'body', before: 'BEGIN\n  RETURN 0;\nEND', after: `BEGIN\n${long}\nEND` });
    assert.equal(text, `body changed at line 2: "  RETURN 0;" -> "${long.slice(0, 71)}…"`);
  });

  it('escapes quotes and tabs in shown lines, so the line reads unambiguously', () => {
    assert.equal(formatAttributeChange({ attribute: 'body', before: 'x\nSELECT "a"', after: 'x\nSELECT\t"b"' }), 'body changed at line 2: "SELECT \\"a\\"" -> "SELECT\\t\\"b\\""');
  });

  it('a long value that differs beyond its first 72 characters is shown around its first difference', () => {
    const before = 'CREATE INDEX orders_customer_created_idx ON public.orders USING btree (customer_id, created_at)';
    const after = 'CREATE INDEX orders_customer_created_idx ON public.orders USING btree (customer_id, created_at DESC)';
    assert.equal(formatAttributeChange({ attribute: 'definition', before, after }), 'definition changed: "…(customer_id, created_at)" -> "…(customer_id, created_at DESC)"');
  });

  it('an absent value next to a long one reads `none`, not the text "none"', () => {
    // Suspected wording issue: `"none"` in quotes reads as a value whose text is none.
    const sequenceDefault = `nextval('public.orders_order_number_for_the_invoicing_department_seq'::regclass)`;
    const text = formatAttributeChange({ attribute: 'default', before: undefined, after: sequenceDefault });
    assert.doesNotMatch(text, /"none"/, text);
    assert.match(text, /\bnone\b/, text);
  });
});

describe('summariseDifferences', () => {
  it('counts the objects and each kind of change, leaving out kinds that did not happen', () => {
    assert.equal(summariseDifferences([added, removed, changed]), '3 objects differ (1 added, 1 removed, 1 changed)');
    assert.equal(summariseDifferences([changed]), '1 object differs (1 changed)');
    assert.equal(summariseDifferences([added]), '1 object differs (1 added)');
    assert.equal(summariseDifferences([added, added, changed]), '3 objects differ (2 added, 1 changed)');
    assert.equal(summariseDifferences([removed, removed]), '2 objects differ (2 removed)');
  });

  it('zero differences', () => {
    assert.equal(summariseDifferences([]), '0 objects differ');
  });
});

describe('what a user reads for a change made by hand', () => {
  const lines = (before: Partial<CatalogRows>, after: Partial<CatalogRows>) =>
    diffSchemas(snapshotFromCatalog(catalog(before)), snapshotFromCatalog(catalog(after))).map((d) => formatSchemaDifference(d, sinceDeploy));

  it('ALTER TABLE orders ALTER created_at SET DEFAULT now(), SET NOT NULL', () => {
    assert.deepEqual(lines({ columns: [column({ name: 'created_at', type: 'timestamp with time zone' })] }, { columns: [column({ name: 'created_at', type: 'timestamp with time zone', default: 'now()', not_null: true })] }), [
      'column public.orders.created_at: default none -> now(); not null no -> yes',
    ]);
  });

  it("ALTER TYPE status ADD VALUE 'shipped' BEFORE 'cancelled'", () => {
    assert.deepEqual(lines({ types: [type({ labels: ['new', 'paid', 'cancelled'] })] }, { types: [type({ labels: ['new', 'paid', 'shipped', 'cancelled'] })] }), [
      'type public.status: values new, paid, cancelled -> new, paid, shipped, cancelled',
    ]);
  });

  it('CREATE OR REPLACE FUNCTION with another body, and SECURITY DEFINER', () => {
    assert.deepEqual(
      lines({ functions: [fn({ language: 'plpgsql', body: '\nBEGIN\n  RETURN a + b;\nEND\n' })] }, { functions: [fn({ language: 'plpgsql', body: '\nBEGIN\n  RETURN a - b;\nEND\n', security_definer: true })] }),
      ['function public.add(a integer, b integer): body changed at line 3: "  RETURN a + b;" -> "  RETURN a - b;"; security invoker -> definer'],
    );
  });

  it('CREATE INDEX by hand, and DROP of a column', () => {
    const index = { schema: 'public', name: 'orders_created_idx', table: 'orders', definition: 'CREATE INDEX orders_created_idx ON public.orders USING btree (created_at)', valid: true };
    assert.deepEqual(lines({ columns: [column({ name: 'note', type: 'text' })] }, { indexes: [index] }), [
      'column public.orders.note: dropped since the last deploy, not by a migration',
      'index public.orders_created_idx: added since the last deploy, not by a migration',
    ]);
  });

  it('ALTER TABLE orders DISABLE TRIGGER orders_audit does not read as if the trigger had been off', () => {
    // Suspected wording bug: an enabled trigger has no `enabled` attribute, so
    // disabling it reads `enabled none -> disabled`, as if it had not been enabled.
    const trigger = (enabled: string) => ({ triggers: [{ schema: 'public', table: 'orders', name: 'orders_audit', definition: 'CREATE TRIGGER orders_audit ...', enabled }] });
    const [line] = lines(trigger('O'), trigger('D'));
    assert.ok(line);
    assert.match(line, /^trigger public\.orders\.orders_audit: enabled .* -> disabled$/);
    assert.doesNotMatch(line, /enabled none/, line);
  });
});
