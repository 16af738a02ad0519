import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SNAPSHOT_FORMAT, canonicalSnapshot, schemaFingerprint, type SchemaObject } from '../../../src/core/drift/schema-snapshot.js';
import { PG15, PG18, object, onTable } from './fixtures.js';

const orders = object('table', 'public.orders', { owner: 'app' });
const total = onTable('column', 'public.orders', 'total', { type: 'numeric(10,2)', 'not null': 'yes', default: '0' });
const createdIdx = onTable('index', 'public.orders', 'orders_created_idx', { definition: 'CREATE INDEX orders_created_idx ON public.orders USING btree (created_at)' });
const publicSchema = object('schema', 'public', { owner: 'pg_database_owner' });
const addFn = object('function', 'public.add(a integer, b integer)', { language: 'sql', returns: 'integer' }, 'public.add');
const statusType = object('type', 'public.status', { type: 'enum', values: 'new, paid' });
const objects: SchemaObject[] = [total, addFn, createdIdx, orders, statusType, publicSchema];

describe('canonicalSnapshot', () => {
  it('orders objects by kind (schema, extension, type, ... table, column, index, ... function), then by name', () => {
    const snapshot = canonicalSnapshot(PG18, objects);
    assert.equal(snapshot.format, SNAPSHOT_FORMAT);
    assert.equal(snapshot.serverVersion, PG18);
    assert.deepEqual(
      snapshot.objects.map((o) => `${o.kind} ${o.name}`),
      ['schema public', 'type public.status', 'table public.orders', 'column public.orders.total', 'index public.orders_created_idx', 'function public.add(a integer, b integer)'],
    );
  });

  it('orders names by code point, not by locale (upper case, then "_", then lower case)', () => {
    const names = ['public.orders', 'public.Orders', 'public.order_items', 'public.orders2'];
    const snapshot = canonicalSnapshot(PG18, names.map((name) => object('table', name)));
    assert.deepEqual(snapshot.objects.map((o) => o.name), ['public.Orders', 'public.order_items', 'public.orders', 'public.orders2']);
  });

  it('sorts each attribute map by key', () => {
    const snapshot = canonicalSnapshot(PG18, [object('column', 'public.orders.total', { type: 'integer', default: '0', 'not null': 'yes' }, 'public.orders')]);
    assert.deepEqual(Object.keys(snapshot.objects[0]!.attributes), ['default', 'not null', 'type']);
  });

  it('leaves the objects it was given untouched', () => {
    const given = [object('table', 'public.b', { owner: 'x', definition: 'y' }), object('table', 'public.a')];
    canonicalSnapshot(PG18, given);
    assert.deepEqual(given.map((o) => o.name), ['public.b', 'public.a']);
    assert.deepEqual(Object.keys(given[0]!.attributes), ['owner', 'definition']);
  });
});

describe('schemaFingerprint', () => {
  const fingerprint = (list: SchemaObject[], serverVersion = PG18) => schemaFingerprint(canonicalSnapshot(serverVersion, list));

  it('is sha256: and 64 hex digits', () => {
    assert.match(fingerprint(objects), /^sha256:[0-9a-f]{64}$/);
  });

  it('is the same whatever order the catalog returned the objects in', () => {
    const expected = fingerprint(objects);
    assert.equal(fingerprint([...objects].reverse()), expected);
    assert.equal(fingerprint([objects[3]!, objects[0]!, objects[5]!, objects[1]!, objects[4]!, objects[2]!]), expected);
  });

  it('is the same whatever order the attributes were set in', () => {
    const reordered = { ...total, attributes: { default: '0', type: 'numeric(10,2)', 'not null': 'yes' } };
    assert.equal(fingerprint([reordered]), fingerprint([total]));
  });

  it('leaves the server version out: one schema on PostgreSQL 15 and 18 has one fingerprint', () => {
    assert.equal(fingerprint(objects, PG15), fingerprint(objects, PG18));
  });

  it('changes with any attribute value, any name, any kind and any added or dropped object', () => {
    const base = fingerprint(objects);
    const variants: SchemaObject[][] = [
      objects.map((o) => (o === total ? { ...o, attributes: { ...o.attributes, type: 'numeric(12,2)' } } : o)),
      objects.map((o) => (o === total ? { ...o, attributes: { type: 'numeric(10,2)', default: '0' } } : o)),
      objects.map((o) => (o === orders ? { ...o, attributes: { owner: 'postgres' } } : o)),
      objects.map((o) => (o === orders ? { ...o, name: 'public.orders_old' } : o)),
      objects.map((o) => (o === orders ? { ...o, kind: 'view' as const } : o)),
      objects.filter((o) => o !== createdIdx),
      [...objects, object('extension', 'pgcrypto', { version: '1.3', schema: 'public' }, 'public')],
    ];
    const fingerprints = variants.map((variant) => fingerprint(variant));
    for (const [i, other] of fingerprints.entries()) assert.notEqual(other, base, `variant ${i} has the base's fingerprint`);
    assert.equal(new Set(fingerprints).size, fingerprints.length, 'two different schemas share a fingerprint');
  });

  it('tells an attribute value apart from the next attribute (no ambiguous concatenation)', () => {
    const a = object('column', 'public.t.c', { a: 'x, b', b: 'y' }, 'public.t');
    const b = object('column', 'public.t.c', { a: 'x', b: 'b, y' }, 'public.t');
    assert.notEqual(fingerprint([a]), fingerprint([b]));
  });

  it('of an empty schema is stable', () => {
    assert.equal(fingerprint([]), fingerprint([], PG15));
    assert.notEqual(fingerprint([]), fingerprint([publicSchema]));
  });
});
