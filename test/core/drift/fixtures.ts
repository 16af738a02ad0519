import type { CatalogRows } from '../../../src/core/drift/catalog-rows.js';
import type { SchemaDifference } from '../../../src/core/drift/diff-schemas.js';
import { canonicalSnapshot, type ObjectKind, type SchemaObject, type SchemaSnapshot } from '../../../src/core/drift/schema-snapshot.js';

/** PostgreSQL 18.4 and 15.18, as `server_version_num` reports them. */
export const PG18 = 180004;
export const PG15 = 150018;

type Row<K extends keyof CatalogRows> = CatalogRows[K] extends (infer R)[] ? R : never;

/** Catalog rows of an empty database; every list can be given. */
export function catalog(rows: Partial<CatalogRows> = {}): CatalogRows {
  return {
    serverVersion: PG18,
    schemas: [],
    relations: [],
    columns: [],
    constraints: [],
    indexes: [],
    functions: [],
    triggers: [],
    sequences: [],
    types: [],
    rules: [],
    extensions: [],
    policies: [],
    ...rows,
  };
}

/** A plain table owned by `app`, with nothing set; fields can be overridden. */
export const relation = (fields: Partial<Row<'relations'>> = {}): Row<'relations'> => ({
  schema: 'public',
  name: 'orders',
  kind: 'r',
  unlogged: false,
  row_security: false,
  force_row_security: false,
  partition_key: null,
  partition_bound: null,
  parents: null,
  definition: null,
  options: null,
  replica_identity: 'd',
  owner: 'app',
  acl: null,
  ...fields,
});

/** A nullable column of public.orders without default, identity, generation, collation or grants. */
export const column = (fields: Partial<Row<'columns'>> = {}): Row<'columns'> => ({
  schema: 'public',
  table: 'orders',
  name: 'id',
  type: 'integer',
  not_null: false,
  default: null,
  identity: '',
  identity_options: null,
  generated: '',
  collation: null,
  acl: null,
  ...fields,
});

/** A plain SQL function public.add(integer, integer): volatile, parallel unsafe, invoker. */
export const fn = (fields: Partial<Row<'functions'>> = {}): Row<'functions'> => ({
  schema: 'public',
  name: 'add',
  arguments: 'a integer, b integer',
  full_arguments: fields.arguments ?? 'a integer, b integer',
  kind: 'f',
  result: 'integer',
  language: 'sql',
  volatility: 'v',
  security_definer: false,
  strict: false,
  leakproof: false,
  parallel: 'u',
  settings: null,
  body: 'SELECT a + b',
  owner: 'app',
  acl: null,
  ...fields,
});

export const sequence = (fields: Partial<Row<'sequences'>> = {}): Row<'sequences'> => ({
  schema: 'public',
  name: 'invoice_number',
  type: 'bigint',
  start: '1',
  increment: '1',
  min: '1',
  max: '9223372036854775807',
  cache: '1',
  cycle: false,
  owned_by: null,
  owner: 'app',
  acl: null,
  ...fields,
});

export const type = (fields: Partial<Row<'types'>> = {}): Row<'types'> => ({
  schema: 'public',
  name: 'status',
  kind: 'e',
  labels: null,
  base_type: null,
  not_null: false,
  default: null,
  checks: null,
  attributes: null,
  subtype: null,
  owner: 'app',
  acl: null,
  ...fields,
});

export const policy = (fields: Partial<Row<'policies'>> = {}): Row<'policies'> => ({
  schema: 'public',
  table: 'orders',
  name: 'own_rows',
  command: '*',
  permissive: true,
  roles: ['public'],
  using: null,
  with_check: null,
  ...fields,
});

/** A schema object; `scope` defaults to the name (right for schemas, tables, views, sequences, types). */
export const object = (kind: ObjectKind, name: string, attributes: Record<string, string> = {}, scope = name): SchemaObject => ({ kind, name, scope, attributes });

/** A column, constraint, index, trigger or policy of a table: its scope is the table. */
export const onTable = (kind: ObjectKind, table: string, name: string, attributes: Record<string, string> = {}): SchemaObject => ({
  kind,
  name: kind === 'index' ? `${table.split('.')[0]}.${name}` : `${table}.${name}`,
  scope: table,
  attributes,
});

export const snapshot = (objects: SchemaObject[], serverVersion = PG18): SchemaSnapshot => canonicalSnapshot(serverVersion, objects);

/** A `changed` difference of one column's type, numbered so lists of them are easy to tell apart. */
export const changedColumn = (i: number): SchemaDifference => ({
  change: 'changed',
  kind: 'column',
  name: `public.t${String(i).padStart(2, '0')}.total`,
  attributes: [{ attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' }],
});
