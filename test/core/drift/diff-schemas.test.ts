import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DRIFT_SETTINGS, diffSchemas, excludeMatcher, type DriftSettings } from '../../../src/core/drift/diff-schemas.js';
import { snapshotFromCatalog } from '../../../src/core/drift/snapshot-from-catalog.js';
import type { SchemaObject } from '../../../src/core/drift/schema-snapshot.js';
import { PG15, PG18, catalog, column, object, onTable, relation, snapshot } from './fixtures.js';

const orders = object('table', 'public.orders', { owner: 'app' });
const id = onTable('column', 'public.orders', 'id', { type: 'integer', 'not null': 'yes' });
const total = onTable('column', 'public.orders', 'total', { type: 'numeric(10,2)' });
const pkey = onTable('constraint', 'public.orders', 'orders_pkey', { type: 'primary key', definition: 'PRIMARY KEY (id)' });
const base = [object('schema', 'public', { owner: 'pg_database_owner' }), orders, id, total, pkey];

const withPrivileges: DriftSettings = { privileges: true, exclude: [] };
const excluding = (...exclude: string[]): DriftSettings => ({ privileges: false, exclude });
const replace = (list: SchemaObject[], from: SchemaObject, to: SchemaObject) => list.map((o) => (o === from ? to : o));

describe('diffSchemas', () => {
  it('finds nothing between equal schemas, whatever order their objects were listed in', () => {
    assert.deepEqual(diffSchemas(snapshot(base), snapshot([...base].reverse())), []);
  });

  it('names an added object with its attributes', () => {
    const index = onTable('index', 'public.orders', 'orders_created_idx', { definition: 'CREATE INDEX orders_created_idx ON public.orders USING btree (created_at)' });
    assert.deepEqual(diffSchemas(snapshot(base), snapshot([...base, index])), [
      { change: 'added', kind: 'index', name: 'public.orders_created_idx', attributes: { definition: 'CREATE INDEX orders_created_idx ON public.orders USING btree (created_at)' } },
    ]);
  });

  it('names a removed object with its attributes', () => {
    assert.deepEqual(diffSchemas(snapshot(base), snapshot(base.filter((o) => o !== pkey))), [
      { change: 'removed', kind: 'constraint', name: 'public.orders.orders_pkey', attributes: { definition: 'PRIMARY KEY (id)', type: 'primary key' } },
    ]);
  });

  it('lists each changed attribute of a changed object, by attribute name, absent ones as undefined', () => {
    const after = replace(base, total, { ...total, attributes: { type: 'numeric(12,2)', 'not null': 'yes', default: '0' } });
    const changedId = { ...id, attributes: { type: 'integer' } };
    assert.deepEqual(diffSchemas(snapshot(base), snapshot(replace(after, id, changedId))), [
      { change: 'changed', kind: 'column', name: 'public.orders.id', attributes: [{ attribute: 'not null', before: 'yes', after: undefined }] },
      {
        change: 'changed',
        kind: 'column',
        name: 'public.orders.total',
        attributes: [
          { attribute: 'default', before: undefined, after: '0' },
          { attribute: 'not null', before: undefined, after: 'yes' },
          { attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' },
        ],
      },
    ]);
  });

  it('lists differences in canonical order: by kind (schema, type, table, column, index, view, function, ...), then name', () => {
    const before = [...base, onTable('index', 'public.orders', 'orders_total_idx', { definition: 'CREATE INDEX ...' }), object('view', 'public.b_view', { definition: 'x' })];
    const after = [
      ...base.filter((o) => o !== orders),
      object('table', 'public.orders', { owner: 'app', unlogged: 'yes' }),
      onTable('column', 'public.orders', 'created_at', { type: 'timestamp with time zone' }),
      object('schema', 'audit', { owner: 'app' }),
      object('function', 'public.f()', { body: 'x' }, 'public.f'),
      object('view', 'public.a_view', { definition: 'y' }),
      object('type', 'public.status', { type: 'enum', values: 'new' }),
    ];
    assert.deepEqual(
      diffSchemas(snapshot(before), snapshot(after)).map((d) => `${d.change} ${d.kind} ${d.name}`),
      [
        'added schema audit',
        'added type public.status',
        'changed table public.orders',
        'added column public.orders.created_at',
        'removed index public.orders_total_idx',
        'added view public.a_view',
        'removed view public.b_view',
        'added function public.f()',
      ],
    );
  });

  it('an object that changed kind (a table replaced by a view) is one removed and one added', () => {
    const after = [...base.filter((o) => o !== orders), object('view', 'public.orders', { owner: 'app', definition: ' SELECT 1;' })];
    assert.deepEqual(
      diffSchemas(snapshot(base), snapshot(after)).map((d) => `${d.change} ${d.kind} ${d.name}`),
      ['removed table public.orders', 'added view public.orders'],
    );
  });

  describe('privileges', () => {
    const granted = (o: SchemaObject, attributes: Record<string, string>) => ({ ...o, attributes: { ...o.attributes, ...attributes } });

    it('owners and grants are not drift by default', () => {
      const after = replace(replace(base, orders, granted(orders, { owner: 'postgres', privileges: 'app=arwdDxt/app, reader=r/app' })), total, granted(total, { privileges: 'reader=r/app' }));
      assert.deepEqual(diffSchemas(snapshot(base), snapshot(after)), []);
      assert.deepEqual(diffSchemas(snapshot(base), snapshot(after), DEFAULT_DRIFT_SETTINGS), []);
    });

    it('added and removed objects are shown without owner and privileges by default', () => {
      const sequence = object('sequence', 'public.n', { type: 'bigint', owner: 'app', privileges: 'reader=U/app' });
      assert.deepEqual(diffSchemas(snapshot(base), snapshot([...base, sequence])), [{ change: 'added', kind: 'sequence', name: 'public.n', attributes: { type: 'bigint' } }]);
      assert.deepEqual(diffSchemas(snapshot([...base, sequence]), snapshot(base)), [{ change: 'removed', kind: 'sequence', name: 'public.n', attributes: { type: 'bigint' } }]);
    });

    it('a change of privileges alongside a real change shows the real change only', () => {
      const after = replace(base, total, { ...total, attributes: { type: 'numeric(12,2)', privileges: 'reader=r/app' } });
      assert.deepEqual(diffSchemas(snapshot(base), snapshot(after)), [
        { change: 'changed', kind: 'column', name: 'public.orders.total', attributes: [{ attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' }] },
      ]);
    });

    it('with privileges: true, owners and grants are drift', () => {
      const after = replace(base, orders, granted(orders, { owner: 'postgres', privileges: 'reader=r/app' }));
      assert.deepEqual(diffSchemas(snapshot(base), snapshot(after), withPrivileges), [
        {
          change: 'changed',
          kind: 'table',
          name: 'public.orders',
          attributes: [
            { attribute: 'owner', before: 'app', after: 'postgres' },
            { attribute: 'privileges', before: undefined, after: 'reader=r/app' },
          ],
        },
      ]);
      const sequence = object('sequence', 'public.n', { type: 'bigint', owner: 'app' });
      assert.deepEqual(diffSchemas(snapshot(base), snapshot([...base, sequence]), withPrivileges), [
        { change: 'added', kind: 'sequence', name: 'public.n', attributes: { owner: 'app', type: 'bigint' } },
      ]);
    });
  });

  describe('exclude', () => {
    const audit = [
      object('schema', 'audit', { owner: 'app' }),
      object('table', 'audit.log', { owner: 'app' }),
      onTable('column', 'audit.log', 'at', { type: 'timestamp with time zone' }),
      onTable('index', 'audit.log', 'log_at_idx', { definition: 'CREATE INDEX log_at_idx ON audit.log USING btree (at)' }),
      object('function', 'audit.record()', { returns: 'trigger', body: 'BEGIN ... END' }, 'audit.record'),
      object('sequence', 'audit.log_id_seq', { type: 'bigint' }),
    ];
    /** Look-alikes that `audit.*` must not hide. */
    const auditLookalikes = [object('schema', 'auditing', { owner: 'app' }), object('table', 'public.audit', { owner: 'app' }), object('table', 'auditing.log', { owner: 'app' })];

    it('audit.* hides schema audit and everything in it, on either side, and nothing else', () => {
      const before = snapshot(base);
      const after = snapshot([...base, ...audit, ...auditLookalikes]);
      assert.deepEqual(
        diffSchemas(before, after, excluding('audit.*')).map((d) => `${d.change} ${d.kind} ${d.name}`),
        ['added schema auditing', 'added table auditing.log', 'added table public.audit'],
      );
      assert.deepEqual(
        diffSchemas(after, before, excluding('audit.*')).map((d) => `${d.change} ${d.kind} ${d.name}`),
        ['removed schema auditing', 'removed table auditing.log', 'removed table public.audit'],
      );
    });

    it('an excluded object that changed is not reported either', () => {
      const before = [...base, ...audit];
      const after = [...base, ...audit.map((o) => ({ ...o, attributes: { ...o.attributes, comment: 'changed' } }))];
      assert.deepEqual(diffSchemas(snapshot(before), snapshot(after), excluding('audit.*')), []);
      assert.equal(diffSchemas(snapshot(before), snapshot(after)).length, audit.length);
    });

    it('a table name hides the table and its columns, constraints, indexes, triggers and policies', () => {
      const extra = [
        onTable('index', 'public.orders', 'orders_total_idx', { definition: 'CREATE INDEX ...' }),
        onTable('trigger', 'public.orders', 'orders_audit', { definition: 'CREATE TRIGGER ...' }),
        onTable('policy', 'public.orders', 'own_rows', { command: 'ALL', roles: 'public' }),
        object('table', 'public.orders_archive', { owner: 'app' }),
        onTable('column', 'public.orders_archive', 'id', { type: 'integer' }),
        object('table', 'public.order_items', { owner: 'app' }),
      ];
      const after = [...base.filter((o) => o !== pkey).map((o) => (o.kind === 'column' ? { ...o, attributes: { type: 'text' } } : o)), ...extra];
      assert.deepEqual(
        diffSchemas(snapshot(base), snapshot(after), excluding('public.orders')).map((d) => `${d.change} ${d.kind} ${d.name}`),
        ['added table public.order_items', 'added table public.orders_archive', 'added column public.orders_archive.id'],
      );
    });

    it('`*` matches any run of characters, dots included; everything else in a pattern is literal', () => {
      const tables = ['public.spatial_ref_sys', 'gis.spatial_ref_sys', 'public.tmp_1', 'public.tmp_import', 'publicXorders', 'public.a+b', 'public.aab'].map((name) => object('table', name, { owner: 'app' }));
      const kept = (...patterns: string[]) => diffSchemas(snapshot([]), snapshot(tables), excluding(...patterns)).map((d) => d.name);
      assert.deepEqual(kept('*.spatial_ref_sys'), ['public.a+b', 'public.aab', 'public.tmp_1', 'public.tmp_import', 'publicXorders']);
      assert.deepEqual(kept('public.tmp_*'), ['gis.spatial_ref_sys', 'public.a+b', 'public.aab', 'public.spatial_ref_sys', 'publicXorders']);
      assert.deepEqual(kept('public.orders', 'public.a+b'), ['gis.spatial_ref_sys', 'public.aab', 'public.spatial_ref_sys', 'public.tmp_1', 'public.tmp_import', 'publicXorders']);
      assert.deepEqual(kept('*'), []);
    });

    it('a function name hides every overload of it', () => {
      const overloads = [object('function', 'public.add(integer, integer)', { body: 'x' }, 'public.add'), object('function', 'public.add(numeric, numeric)', { body: 'x' }, 'public.add')];
      const addable = object('function', 'public.add_all(integer[])', { body: 'x' }, 'public.add_all');
      assert.deepEqual(diffSchemas(snapshot([]), snapshot([...overloads, addable]), excluding('public.add')).map((d) => d.name), ['public.add_all(integer[])']);
    });

    it('patterns work on catalog snapshots too (columns and indexes of an excluded table)', () => {
      const before = snapshotFromCatalog(catalog({ relations: [relation()], columns: [column()] }));
      const after = snapshotFromCatalog(
        catalog({
          relations: [relation({ owner: 'postgres' })],
          columns: [column({ type: 'bigint' }), column({ name: 'note', type: 'text' })],
          indexes: [{ schema: 'public', name: 'orders_note_idx', table: 'orders', definition: 'CREATE INDEX orders_note_idx ON public.orders USING btree (note)', valid: true }],
        }),
      );
      assert.equal(diffSchemas(before, after).length, 3);
      assert.deepEqual(diffSchemas(before, after, excluding('public.orders')), []);
    });
  });

  describe('across PostgreSQL major versions', () => {
    // PostgreSQL 16 stopped qualifying the columns of a one-table view.
    const on15 = object('view', 'public.recent', { owner: 'app', definition: ' SELECT orders.id,\n    orders.total\n   FROM public.orders\n  WHERE orders.total > 0::numeric;' });
    const on18 = object('view', 'public.recent', { owner: 'app', definition: ' SELECT id,\n    total\n   FROM public.orders\n  WHERE total > 0::numeric;' });

    it('compares view definitions without qualifiers between 15 and 18, either way', () => {
      assert.deepEqual(diffSchemas(snapshot([on15], PG15), snapshot([on18], PG18)), []);
      assert.deepEqual(diffSchemas(snapshot([on18], PG18), snapshot([on15], PG15)), []);
    });

    it('does the same for materialized views and quoted identifiers', () => {
      const mv15 = object('materialized view', 'public.totals', { definition: ' SELECT "Orders".id,\n    "Orders"."Total"\n   FROM public."Orders";' });
      const mv18 = object('materialized view', 'public.totals', { definition: ' SELECT id,\n    "Total"\n   FROM public."Orders";' });
      assert.deepEqual(diffSchemas(snapshot([mv15], PG15), snapshot([mv18], PG18)), []);
    });

    it('still reports a view whose definition really changed', () => {
      const changed = object('view', 'public.recent', { owner: 'app', definition: ' SELECT id,\n    total,\n    note\n   FROM public.orders\n  WHERE total > 0::numeric;' });
      const differences = diffSchemas(snapshot([on15], PG15), snapshot([changed], PG18));
      assert.equal(differences.length, 1);
      assert.equal(differences[0]!.change, 'changed');
      assert.equal(differences[0]!.name, 'public.recent');
    });

    // Suspected false negatives: every `identifier.` is stripped, not only the
    // column qualifiers PostgreSQL 16 stopped printing (one-table views), so a
    // view that now reads another schema's table, or the other side of a join,
    // compares equal across majors.
    it('still reports a view that now reads a table of another schema', () => {
      const moved = object('view', 'public.recent', { owner: 'app', definition: ' SELECT id,\n    total\n   FROM archive.orders\n  WHERE total > 0::numeric;' });
      assert.equal(diffSchemas(snapshot([on15], PG15), snapshot([moved], PG18)).length, 1);
    });

    it('still reports a join view that now returns the other table’s column (qualifiers PostgreSQL 16+ still prints)', () => {
      const join = (column: string) => ` SELECT ${column}.id\n   FROM public.orders o\n     JOIN public.customers c ON c.id = o.customer_id;`;
      const before = object('view', 'public.order_customers', { definition: join('o') });
      const after = object('view', 'public.order_customers', { definition: join('c') });
      assert.equal(diffSchemas(snapshot([before], PG18), snapshot([after], PG18)).length, 1, 'within one major');
      assert.equal(diffSchemas(snapshot([before], PG15), snapshot([after], PG18)).length, 1, 'across majors');
    });

    it('within one major version, compares view definitions exactly', () => {
      const differences = diffSchemas(snapshot([on15], 180001), snapshot([on18], PG18));
      assert.deepEqual(differences, [
        { change: 'changed', kind: 'view', name: 'public.recent', attributes: [{ attribute: 'definition', before: on15.attributes.definition, after: on18.attributes.definition }] },
      ]);
      assert.equal(diffSchemas(snapshot([on15], PG15), snapshot([on18], 150002)).length, 1);
    });

    it('compares anything but views exactly, even across majors', () => {
      const before = onTable('column', 'public.orders', 'id', { type: 'integer', default: "nextval('public.orders_id_seq'::regclass)" });
      const after = onTable('column', 'public.orders', 'id', { type: 'integer', default: "nextval('orders_id_seq'::regclass)" });
      assert.equal(diffSchemas(snapshot([before], PG15), snapshot([after], PG18)).length, 1);
      const check15 = onTable('constraint', 'public.orders', 'positive', { type: 'check', definition: 'CHECK (orders.total > 0)' });
      const check18 = onTable('constraint', 'public.orders', 'positive', { type: 'check', definition: 'CHECK (total > 0)' });
      assert.equal(diffSchemas(snapshot([check15], PG15), snapshot([check18], PG18)).length, 1);
    });
  });
});

describe('excludeMatcher', () => {
  it('matches nothing without patterns', () => {
    const matches = excludeMatcher([]);
    assert.equal(matches({ kind: 'schema', name: 'audit', scope: 'audit' }), false);
    assert.equal(matches({ kind: 'table', name: 'public.orders', scope: 'public.orders' }), false);
  });

  it('audit.* matches the schema audit itself, not a schema or table merely starting with audit', () => {
    const matches = excludeMatcher(['audit.*']);
    assert.equal(matches({ kind: 'schema', name: 'audit', scope: 'audit' }), true);
    assert.equal(matches({ kind: 'table', name: 'audit.log', scope: 'audit.log' }), true);
    assert.equal(matches({ kind: 'column', name: 'audit.log.at', scope: 'audit.log' }), true);
    assert.equal(matches({ kind: 'schema', name: 'auditing', scope: 'auditing' }), false);
    assert.equal(matches({ kind: 'table', name: 'public.audit', scope: 'public.audit' }), false);
    // An extension named audit, installed in public, is not in schema audit.
    assert.equal(matches({ kind: 'extension', name: 'audit', scope: 'public.audit' }), false);
  });

  it('an extension installed in an excluded schema is hidden with the schema (its scope is schema.name)', () => {
    const matches = excludeMatcher(['audit.*']);
    assert.equal(matches({ kind: 'extension', name: 'pgaudit_helpers', scope: 'audit.pgaudit_helpers' }), true);
    const before = snapshot([]);
    const after = snapshot([object('schema', 'audit', { owner: 'app' }), object('extension', 'pgaudit_helpers', { version: '1.0', schema: 'audit' }, 'audit.pgaudit_helpers')]);
    assert.deepEqual(diffSchemas(before, after, excluding('audit.*')), []);
  });
});
