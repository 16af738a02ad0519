import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CatalogRows } from '../../../src/core/drift/catalog-rows.js';
import { schemaFingerprint, type SchemaObject } from '../../../src/core/drift/schema-snapshot.js';
import { snapshotFromCatalog } from '../../../src/core/drift/snapshot-from-catalog.js';
import { PG15, PG18, catalog, column, fn, policy, relation, sequence, type } from './fixtures.js';

/** The one object of `kind` and `name` in the snapshot of `rows`. */
function only(rows: Partial<CatalogRows>, kind: SchemaObject['kind'], name: string): SchemaObject {
  const found = snapshotFromCatalog(catalog(rows)).objects.filter((o) => o.kind === kind && o.name === name);
  assert.equal(found.length, 1, `expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}

const attributesOf = (rows: Partial<CatalogRows>, kind: SchemaObject['kind'], name: string) => only(rows, kind, name).attributes;

describe('snapshotFromCatalog', () => {
  it('turns every kind of row into objects, in canonical order, keeping the server version', () => {
    const snapshot = snapshotFromCatalog(
      catalog({
        serverVersion: PG15,
        policies: [policy()],
        triggers: [{ schema: 'public', table: 'orders', name: 'orders_audit', definition: 'CREATE TRIGGER orders_audit ...', enabled: 'O' }],
        functions: [fn()],
        indexes: [{ schema: 'public', name: 'orders_created_idx', table: 'orders', definition: 'CREATE INDEX ...', valid: true }],
        constraints: [{ schema: 'public', table: 'orders', name: 'orders_pkey', type: 'p', definition: 'PRIMARY KEY (id)' }],
        columns: [column({ name: 'total' }), column({ name: 'id' })],
        relations: [relation({ name: 'recent_orders', kind: 'v', definition: ' SELECT id FROM public.orders;' }), relation()],
        sequences: [sequence()],
        types: [type({ labels: ['new'] })],
        extensions: [{ name: 'pgcrypto', version: '1.3', schema: 'public' }],
        schemas: [{ schema: 'public', owner: 'pg_database_owner', acl: null }],
      }),
    );
    assert.equal(snapshot.serverVersion, PG15);
    assert.deepEqual(
      snapshot.objects.map((o) => [o.kind, o.name, o.scope]),
      [
        ['schema', 'public', 'public'],
        ['extension', 'pgcrypto', 'public.pgcrypto'],
        ['type', 'public.status', 'public.status'],
        ['sequence', 'public.invoice_number', 'public.invoice_number'],
        ['table', 'public.orders', 'public.orders'],
        ['column', 'public.orders.id', 'public.orders'],
        ['column', 'public.orders.total', 'public.orders'],
        ['constraint', 'public.orders.orders_pkey', 'public.orders'],
        ['index', 'public.orders_created_idx', 'public.orders'],
        ['view', 'public.recent_orders', 'public.recent_orders'],
        ['function', 'public.add(a integer, b integer)', 'public.add'],
        ['trigger', 'public.orders.orders_audit', 'public.orders'],
        ['policy', 'public.orders.own_rows', 'public.orders'],
      ],
    );
  });

  it('gives two databases whose catalogs list the same objects in another order one fingerprint', () => {
    const rows = catalog({
      relations: [relation({ name: 'a' }), relation({ name: 'b', acl: ['reader=r/app', 'app=arwdDxt/app'] })],
      columns: [column({ table: 'a' }), column({ table: 'b', name: 'x' }), column({ table: 'b', name: 'y' })],
      functions: [fn({ settings: ['search_path=public', 'work_mem=64MB'] }), fn({ arguments: 'a bigint, b bigint' })],
    });
    const shuffled = catalog({
      serverVersion: PG15,
      relations: [relation({ name: 'b', acl: ['app=arwdDxt/app', 'reader=r/app'] }), relation({ name: 'a' })],
      columns: [column({ table: 'b', name: 'y' }), column({ table: 'a' }), column({ table: 'b', name: 'x' })],
      functions: [fn({ arguments: 'a bigint, b bigint' }), fn({ settings: ['work_mem=64MB', 'search_path=public'] })],
    });
    assert.equal(schemaFingerprint(snapshotFromCatalog(shuffled)), schemaFingerprint(snapshotFromCatalog(rows)));
  });

  describe('schemas and extensions', () => {
    it('a schema has its owner and, when granted, its privileges', () => {
      assert.deepEqual(attributesOf({ schemas: [{ schema: 'audit', owner: 'app', acl: null }] }, 'schema', 'audit'), { owner: 'app' });
      assert.deepEqual(attributesOf({ schemas: [{ schema: 'audit', owner: 'app', acl: [] }] }, 'schema', 'audit'), { owner: 'app' });
      assert.deepEqual(attributesOf({ schemas: [{ schema: 'audit', owner: 'app', acl: ['reader=U/app', 'app=UC/app'] }] }, 'schema', 'audit'), {
        owner: 'app',
        privileges: 'app=UC/app, reader=U/app',
      });
    });

    it('an extension is named by itself, has its version and schema, and is scoped by its schema and name', () => {
      const extension = only({ extensions: [{ name: 'pg_trgm', version: '1.6', schema: 'extensions' }] }, 'extension', 'pg_trgm');
      assert.deepEqual(extension, { kind: 'extension', name: 'pg_trgm', scope: 'extensions.pg_trgm', attributes: { schema: 'extensions', version: '1.6' } });
    });
  });

  describe('tables and views', () => {
    it('a plain table has only its owner: what is off is left out', () => {
      assert.deepEqual(only({ relations: [relation({ options: [] })] }, 'table', 'public.orders'), {
        kind: 'table',
        name: 'public.orders',
        scope: 'public.orders',
        attributes: { owner: 'app' },
      });
    });

    it('shows unlogged, row level security (enabled, forced, or forced but not enabled), sorted storage options and sorted grants', () => {
      assert.deepEqual(
        attributesOf(
          { relations: [relation({ unlogged: true, row_security: true, options: ['fillfactor=70', 'autovacuum_enabled=false'], acl: ['reader=r/app', 'app=arwdDxtm/app'] })] },
          'table',
          'public.orders',
        ),
        { owner: 'app', unlogged: 'yes', 'row level security': 'enabled', options: 'autovacuum_enabled=false, fillfactor=70', privileges: 'app=arwdDxtm/app, reader=r/app' },
      );
      assert.equal(attributesOf({ relations: [relation({ row_security: true, force_row_security: true })] }, 'table', 'public.orders')['row level security'], 'forced');
      assert.deepEqual(attributesOf({ relations: [relation({ force_row_security: true })] }, 'table', 'public.orders'), { owner: 'app', 'row level security': 'disabled (forced when enabled)' });
    });

    it('a partitioned table, its partitions and an inheritance child', () => {
      const rows = {
        relations: [
          relation({ name: 'events', kind: 'p', partition_key: 'RANGE (created_at)' }),
          relation({ name: 'events_2026', partition_bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", parents: ['public.events'] }),
          relation({ name: 'orders_archive', parents: ['public.orders', 'public.archived'] }),
        ],
      };
      assert.deepEqual(attributesOf(rows, 'table', 'public.events'), { owner: 'app', partitioned: 'yes', 'partitioned by': 'RANGE (created_at)' });
      assert.deepEqual(attributesOf(rows, 'table', 'public.events_2026'), {
        owner: 'app',
        'partition bound': "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        'partition of': 'public.events',
      });
      assert.deepEqual(attributesOf(rows, 'table', 'public.orders_archive'), { owner: 'app', inherits: 'public.orders, public.archived' });
    });

    it('a foreign table is a table marked foreign', () => {
      assert.deepEqual(attributesOf({ relations: [relation({ kind: 'f', name: 'remote_orders' })] }, 'table', 'public.remote_orders'), { owner: 'app', foreign: 'yes' });
    });

    it('a view and a materialized view carry their definition; row level security is a table attribute only', () => {
      const rows = {
        relations: [
          relation({ name: 'recent', kind: 'v', definition: ' SELECT id\n   FROM public.orders;', row_security: true }),
          relation({ name: 'recent_forced', kind: 'v', definition: ' SELECT id\n   FROM public.orders;', force_row_security: true }),
          relation({ name: 'totals', kind: 'm', definition: ' SELECT sum(total) AS sum\n   FROM public.orders;' }),
        ],
      };
      assert.deepEqual(attributesOf(rows, 'view', 'public.recent'), { owner: 'app', definition: ' SELECT id\n   FROM public.orders;' });
      assert.deepEqual(attributesOf(rows, 'view', 'public.recent_forced'), { owner: 'app', definition: ' SELECT id\n   FROM public.orders;' });
      assert.deepEqual(attributesOf(rows, 'materialized view', 'public.totals'), { owner: 'app', definition: ' SELECT sum(total) AS sum\n   FROM public.orders;' });
    });
  });

  describe('columns', () => {
    it('a nullable column without default has only its type', () => {
      assert.deepEqual(only({ columns: [column()] }, 'column', 'public.orders.id'), { kind: 'column', name: 'public.orders.id', scope: 'public.orders', attributes: { type: 'integer' } });
    });

    it('shows not null, the default, a collation of its own and column grants', () => {
      assert.deepEqual(
        attributesOf({ columns: [column({ name: 'code', type: 'text', not_null: true, default: "'x'::text", collation: 'pg_catalog."C"', acl: ['reader=r/app', 'app=w/app'] })] }, 'column', 'public.orders.code'),
        { type: 'text', 'not null': 'yes', default: "'x'::text", collation: 'pg_catalog."C"', privileges: 'app=w/app, reader=r/app' },
      );
    });

    it('renders identity as always or by default, with the sequence options when there are some', () => {
      const options = 'start 1, increment 1, min 1, max 2147483647, cache 1';
      assert.deepEqual(attributesOf({ columns: [column({ not_null: true, identity: 'a', identity_options: options })] }, 'column', 'public.orders.id'), {
        type: 'integer',
        'not null': 'yes',
        identity: `always (${options})`,
      });
      assert.equal(attributesOf({ columns: [column({ identity: 'd', identity_options: `${options}, cycle` })] }, 'column', 'public.orders.id').identity, `by default (${options}, cycle)`);
      assert.equal(attributesOf({ columns: [column({ identity: 'd' })] }, 'column', 'public.orders.id').identity, 'by default');
    });

    it('a generated column shows its expression as generated, not as a default', () => {
      assert.deepEqual(attributesOf({ columns: [column({ name: 'gross', type: 'numeric', default: '(net * 1.2)', generated: 's' })] }, 'column', 'public.orders.gross'), {
        type: 'numeric',
        generated: '(net * 1.2) stored',
      });
      assert.deepEqual(attributesOf({ columns: [column({ name: 'gross', type: 'numeric', default: '(net * 1.2)', generated: 'v' })] }, 'column', 'public.orders.gross'), {
        type: 'numeric',
        generated: '(net * 1.2) virtual',
      });
    });
  });

  describe('constraints and indexes', () => {
    it('names constraints by table and spells out their type', () => {
      const rows = {
        constraints: [
          { schema: 'public', table: 'orders', name: 'orders_pkey', type: 'p', definition: 'PRIMARY KEY (id)' },
          { schema: 'public', table: 'orders', name: 'orders_customer_fkey', type: 'f', definition: 'FOREIGN KEY (customer_id) REFERENCES public.customers(id)' },
          { schema: 'public', table: 'orders', name: 'orders_total_check', type: 'c', definition: 'CHECK (total >= 0::numeric)' },
          { schema: 'public', table: 'orders', name: 'orders_code_key', type: 'u', definition: 'UNIQUE (code)' },
          { schema: 'public', table: 'orders', name: 'orders_no_overlap', type: 'x', definition: 'EXCLUDE USING gist (during WITH &&)' },
          { schema: 'public', table: 'orders', name: 'orders_trigger', type: 't', definition: 'TRIGGER' },
        ],
      };
      const types = snapshotFromCatalog(catalog(rows)).objects.map((o) => [o.name, o.attributes.type]);
      assert.deepEqual(types, [
        ['public.orders.orders_code_key', 'unique'],
        ['public.orders.orders_customer_fkey', 'foreign key'],
        ['public.orders.orders_no_overlap', 'exclusion'],
        ['public.orders.orders_pkey', 'primary key'],
        ['public.orders.orders_total_check', 'check'],
        ['public.orders.orders_trigger', 'trigger'],
      ]);
      assert.deepEqual(attributesOf(rows, 'constraint', 'public.orders.orders_total_check'), { type: 'check', definition: 'CHECK (total >= 0::numeric)' });
    });

    it('an index is named in its schema, scoped by its table, and always says whether it is valid', () => {
      const definition = 'CREATE INDEX orders_created_idx ON public.orders USING btree (created_at)';
      assert.deepEqual(only({ indexes: [{ schema: 'public', name: 'orders_created_idx', table: 'orders', definition, valid: true }] }, 'index', 'public.orders_created_idx'), {
        kind: 'index',
        name: 'public.orders_created_idx',
        scope: 'public.orders',
        attributes: { definition, valid: 'yes' },
      });
      assert.deepEqual(attributesOf({ indexes: [{ schema: 'public', name: 'orders_created_idx', table: 'orders', definition, valid: false }] }, 'index', 'public.orders_created_idx'), {
        definition,
        valid: 'no (a failed CREATE INDEX CONCURRENTLY?)',
      });
    });
  });

  describe('functions, procedures, aggregates and window functions', () => {
    it('a plain function: its signature in the name, returns, language, volatility, parallel safety (unsafe too), body and owner', () => {
      assert.deepEqual(only({ functions: [fn()] }, 'function', 'public.add(a integer, b integer)'), {
        kind: 'function',
        name: 'public.add(a integer, b integer)',
        scope: 'public.add',
        attributes: { body: 'SELECT a + b', language: 'sql', owner: 'app', parallel: 'unsafe', returns: 'integer', volatility: 'volatile' },
      });
    });

    it('overloads are two objects', () => {
      const names = snapshotFromCatalog(catalog({ functions: [fn(), fn({ arguments: 'a numeric, b numeric', result: 'numeric' })] })).objects.map((o) => o.name);
      assert.deepEqual(names, ['public.add(a integer, b integer)', 'public.add(a numeric, b numeric)']);
    });

    it('shows security definer, strict, leakproof, any parallel safety, sorted settings and sorted grants', () => {
      assert.deepEqual(
        attributesOf(
          {
            functions: [
              fn({
                volatility: 'i',
                security_definer: true,
                strict: true,
                leakproof: true,
                parallel: 's',
                settings: ['search_path=pg_catalog, public', 'lock_timeout=1s'],
                acl: ['reader=X/app', 'app=X/app'],
              }),
            ],
          },
          'function',
          'public.add(a integer, b integer)',
        ),
        {
          body: 'SELECT a + b',
          language: 'sql',
          leakproof: 'yes',
          owner: 'app',
          parallel: 'safe',
          privileges: 'app=X/app, reader=X/app',
          returns: 'integer',
          security: 'definer',
          settings: 'lock_timeout=1s, search_path=pg_catalog, public',
          strict: 'yes',
          volatility: 'immutable',
        },
      );
      assert.equal(attributesOf({ functions: [fn({ volatility: 's', parallel: 'r' })] }, 'function', 'public.add(a integer, b integer)').parallel, 'restricted');
      assert.equal(attributesOf({ functions: [fn({ volatility: 's', parallel: 'r' })] }, 'function', 'public.add(a integer, b integer)').volatility, 'stable');
      assert.equal(attributesOf({ functions: [fn({ parallel: 'u' })] }, 'function', 'public.add(a integer, b integer)').parallel, 'unsafe');
    });

    it('a procedure is its own kind, without returns, volatility or parallel safety', () => {
      const procedure = only(
        { functions: [fn({ name: 'archive', arguments: 'before date', kind: 'p', result: null, language: 'plpgsql', volatility: 'v', parallel: 's', body: '\nBEGIN\n  DELETE FROM orders;\nEND\n' })] },
        'procedure',
        'public.archive(before date)',
      );
      assert.deepEqual(procedure, {
        kind: 'procedure',
        name: 'public.archive(before date)',
        scope: 'public.archive',
        attributes: { body: '\nBEGIN\n  DELETE FROM orders;\nEND\n', language: 'plpgsql', owner: 'app' },
      });
    });

    it('an aggregate is its own kind and has no body', () => {
      assert.deepEqual(
        only({ functions: [fn({ name: 'total', arguments: 'numeric', kind: 'a', result: 'numeric', language: 'internal', volatility: 'i', parallel: 's', body: 'aggregate_dummy' })] }, 'aggregate', 'public.total(numeric)'),
        { kind: 'aggregate', name: 'public.total(numeric)', scope: 'public.total', attributes: { language: 'internal', owner: 'app', parallel: 'safe', returns: 'numeric', volatility: 'immutable' } },
      );
    });

    it('a window function is a function marked window', () => {
      const attributes = attributesOf({ functions: [fn({ name: 'rank_of', arguments: '', kind: 'w', result: 'bigint', language: 'c', body: 'window_rank' })] }, 'function', 'public.rank_of()');
      assert.deepEqual(attributes, { body: 'window_rank', language: 'c', owner: 'app', parallel: 'unsafe', returns: 'bigint', volatility: 'volatile', window: 'yes' });
    });
  });

  describe('triggers', () => {
    const trigger = (enabled: string) => ({
      triggers: [{ schema: 'public', table: 'orders', name: 'orders_audit', definition: 'CREATE TRIGGER orders_audit AFTER UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION audit.log()', enabled }],
    });

    it('an enabled trigger has its definition and enabled yes, and is scoped by its table', () => {
      assert.deepEqual(only(trigger('O'), 'trigger', 'public.orders.orders_audit'), {
        kind: 'trigger',
        name: 'public.orders.orders_audit',
        scope: 'public.orders',
        attributes: { definition: 'CREATE TRIGGER orders_audit AFTER UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION audit.log()', enabled: 'yes' },
      });
    });

    it('spells out a disabled, replica-only or always-enabled trigger', () => {
      assert.equal(attributesOf(trigger('D'), 'trigger', 'public.orders.orders_audit').enabled, 'disabled');
      assert.equal(attributesOf(trigger('R'), 'trigger', 'public.orders.orders_audit').enabled, 'replica only');
      assert.equal(attributesOf(trigger('A'), 'trigger', 'public.orders.orders_audit').enabled, 'always');
    });
  });

  describe('sequences', () => {
    it('a sequence has its type, bounds, cache and owner; cycle and owned by only when set', () => {
      assert.deepEqual(attributesOf({ sequences: [sequence()] }, 'sequence', 'public.invoice_number'), {
        cache: '1',
        increment: '1',
        max: '9223372036854775807',
        min: '1',
        owner: 'app',
        start: '1',
        type: 'bigint',
      });
      const serial = attributesOf({ sequences: [sequence({ name: 'orders_id_seq', type: 'integer', max: '2147483647', cycle: true, owned_by: 'public.orders.id' })] }, 'sequence', 'public.orders_id_seq');
      assert.equal(serial.cycle, 'yes');
      assert.equal(serial['owned by'], 'public.orders.id');
    });
  });

  describe('types', () => {
    it('an enum keeps its labels in their order, which is the order of comparison', () => {
      assert.deepEqual(attributesOf({ types: [type({ labels: ['new', 'paid', 'cancelled', 'archived'] })] }, 'type', 'public.status'), {
        owner: 'app',
        type: 'enum',
        values: 'new, paid, cancelled, archived',
      });
    });

    it('a domain has its base type, not null, default and its checks sorted', () => {
      assert.deepEqual(
        attributesOf(
          {
            types: [
              type({
                name: 'positive_money',
                kind: 'd',
                base_type: 'numeric(10,2)',
                not_null: true,
                default: '0',
                checks: ['positive: CHECK (VALUE > 0::numeric)', 'bounded: CHECK (VALUE < 1000000::numeric)'],
              }),
            ],
          },
          'type',
          'public.positive_money',
        ),
        {
          'base type': 'numeric(10,2)',
          checks: 'bounded: CHECK (VALUE < 1000000::numeric); positive: CHECK (VALUE > 0::numeric)',
          default: '0',
          'not null': 'yes',
          owner: 'app',
          type: 'domain',
        },
      );
      assert.deepEqual(attributesOf({ types: [type({ name: 'code', kind: 'd', base_type: 'text', checks: [] })] }, 'type', 'public.code'), { 'base type': 'text', owner: 'app', type: 'domain' });
    });

    it('a composite type keeps its attributes in column order; a range has its subtype', () => {
      assert.deepEqual(attributesOf({ types: [type({ name: 'address', kind: 'c', attributes: ['street text', 'city text', 'zip character(5)'] })] }, 'type', 'public.address'), {
        attributes: 'street text, city text, zip character(5)',
        owner: 'app',
        type: 'composite',
      });
      assert.deepEqual(attributesOf({ types: [type({ name: 'price_range', kind: 'r', subtype: 'numeric' })] }, 'type', 'public.price_range'), {
        owner: 'app',
        subtype: 'numeric',
        type: 'range',
      });
    });
  });

  describe('policies', () => {
    it('a permissive policy for all commands: command, permissive yes, sorted roles, using and with check', () => {
      assert.deepEqual(only({ policies: [policy({ roles: ['reader', 'app'], using: '(owner = CURRENT_USER)', with_check: '(owner = CURRENT_USER)' })] }, 'policy', 'public.orders.own_rows'), {
        kind: 'policy',
        name: 'public.orders.own_rows',
        scope: 'public.orders',
        attributes: { command: 'ALL', permissive: 'yes', roles: 'app, reader', using: '(owner = CURRENT_USER)', 'with check': '(owner = CURRENT_USER)' },
      });
    });

    it('spells out each command and marks a restrictive policy', () => {
      const commands = Object.entries({ r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' });
      for (const [code, command] of commands) assert.equal(attributesOf({ policies: [policy({ command: code })] }, 'policy', 'public.orders.own_rows').command, command);
      assert.equal(attributesOf({ policies: [policy({ permissive: false })] }, 'policy', 'public.orders.own_rows').permissive, 'no (restrictive)');
    });
  });

  it('reads the same from a PostgreSQL 15 catalog as from an 18 one, the server version aside', () => {
    const rows = { relations: [relation()], columns: [column()], functions: [fn()] };
    const on15 = snapshotFromCatalog(catalog({ ...rows, serverVersion: PG15 }));
    const on18 = snapshotFromCatalog(catalog({ ...rows, serverVersion: PG18 }));
    assert.deepEqual(on15.objects, on18.objects);
  });
});
