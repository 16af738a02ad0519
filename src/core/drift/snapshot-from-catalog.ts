import type { CatalogRows } from './catalog-rows.js';
import { canonicalSnapshot, compare, type SchemaObject, type SchemaSnapshot } from './schema-snapshot.js';

const RELATION_KIND = { r: 'table', p: 'table', f: 'table', v: 'view', m: 'materialized view' } as const;
const CONSTRAINT_TYPE: Record<string, string> = { c: 'check', f: 'foreign key', p: 'primary key', u: 'unique', t: 'trigger', x: 'exclusion' };
const FUNCTION_KIND = { f: 'function', w: 'function', p: 'procedure', a: 'aggregate' } as const;
const VOLATILITY: Record<string, string> = { i: 'immutable', s: 'stable', v: 'volatile' };
const PARALLEL: Record<string, string> = { s: 'safe', r: 'restricted', u: 'unsafe' };
const TRIGGER_ENABLED: Record<string, string> = { O: 'yes', D: 'disabled', R: 'replica only', A: 'always' };
const POLICY_COMMAND: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };
const TYPE_KIND: Record<string, string> = { e: 'enum', d: 'domain', c: 'composite', r: 'range' };
const REPLICA_IDENTITY: Record<string, string> = { n: 'nothing', f: 'full', i: 'index' };

/**
 * The snapshot of the catalog rows: one object per schema, table, column,
 * constraint, index, view, function, trigger, sequence, type, extension and
 * policy. Flags that are off and values that are none are left out, so the
 * common object is small (format-schema-difference.ts says "no" or "none"
 * for them); states whose usual value is "on" (a trigger enabled, an index
 * valid, a policy permissive, a function's parallel safety) are always
 * written, so turning one off reads as `enabled yes -> disabled`.
 */
export function snapshotFromCatalog(rows: CatalogRows): SchemaSnapshot {
  const objects: SchemaObject[] = [];
  const add = (kind: SchemaObject['kind'], name: string, scope: string, attributes: Record<string, string | null | undefined>) => {
    const kept: Record<string, string> = {};
    for (const [key, value] of Object.entries(attributes)) if (value !== null && value !== undefined) kept[key] = value;
    objects.push({ kind, name, scope, attributes: kept });
  };
  const privileges = (owner: string | null, acl: string[] | null) => ({ owner, privileges: aclText(acl) });

  for (const row of rows.schemas) add('schema', row.schema, row.schema, privileges(row.owner, row.acl));
  for (const row of rows.extensions) add('extension', row.name, `${row.schema}.${row.name}`, { version: row.version, schema: row.schema });

  for (const row of rows.relations) {
    const name = `${row.schema}.${row.name}`;
    const table = RELATION_KIND[row.kind] === 'table';
    add(RELATION_KIND[row.kind], name, name, {
      ...(row.kind === 'p' ? { partitioned: 'yes' } : {}),
      ...(row.kind === 'f' ? { foreign: 'yes' } : {}),
      'partitioned by': row.partition_key,
      'partition of': row.partition_bound !== null ? (row.parents ?? []).join(', ') : null,
      'partition bound': row.partition_bound,
      inherits: row.partition_bound === null && row.parents && row.parents.length > 0 ? row.parents.join(', ') : null,
      unlogged: row.unlogged ? 'yes' : null,
      'row level security': !table ? null : row.row_security ? (row.force_row_security ? 'forced' : 'enabled') : row.force_row_security ? 'disabled (forced when enabled)' : null,
      options: row.options && row.options.length > 0 ? [...row.options].sort(compare).join(', ') : null,
      'replica identity': table && row.replica_identity !== 'd' ? (REPLICA_IDENTITY[row.replica_identity] ?? row.replica_identity) : null,
      definition: row.definition,
      ...privileges(row.owner, row.acl),
    });
  }

  for (const row of rows.columns) {
    const table = `${row.schema}.${row.table}`;
    add('column', `${table}.${row.name}`, table, {
      type: row.type,
      'not null': row.not_null ? 'yes' : null,
      default: row.generated === '' ? row.default : null,
      generated: row.generated === '' ? null : `${row.default ?? ''} ${row.generated === 's' ? 'stored' : 'virtual'}`.trim(),
      identity: row.identity === '' ? null : `${row.identity === 'a' ? 'always' : 'by default'}${row.identity_options ? ` (${row.identity_options})` : ''}`,
      collation: row.collation,
      privileges: aclText(row.acl),
    });
  }

  for (const row of rows.constraints) {
    const table = `${row.schema}.${row.table}`;
    add('constraint', `${table}.${row.name}`, table, { type: CONSTRAINT_TYPE[row.type] ?? row.type, definition: row.definition });
  }

  for (const row of rows.indexes) {
    add('index', `${row.schema}.${row.name}`, `${row.schema}.${row.table}`, { definition: row.definition, valid: row.valid ? 'yes' : 'no (a failed CREATE INDEX CONCURRENTLY?)' });
  }

  for (const row of rows.functions) {
    const name = `${row.schema}.${row.name}(${row.arguments})`;
    add(FUNCTION_KIND[row.kind as keyof typeof FUNCTION_KIND] ?? 'function', name, `${row.schema}.${row.name}`, {
      ...(row.kind === 'w' ? { window: 'yes' } : {}),
      // Defaults and OUT parameters are not in the name: a changed default is a change.
      arguments: row.full_arguments !== row.arguments ? row.full_arguments : null,
      returns: row.result,
      language: row.language,
      volatility: row.kind === 'p' ? null : (VOLATILITY[row.volatility] ?? row.volatility),
      security: row.security_definer ? 'definer' : null,
      strict: row.strict ? 'yes' : null,
      leakproof: row.leakproof ? 'yes' : null,
      parallel: row.kind === 'p' ? null : (PARALLEL[row.parallel] ?? row.parallel),
      settings: row.settings && row.settings.length > 0 ? [...row.settings].sort(compare).join(', ') : null,
      body: row.kind === 'a' ? null : row.body,
      ...privileges(row.owner, row.acl),
    });
  }

  for (const row of rows.triggers) {
    const table = `${row.schema}.${row.table}`;
    add('trigger', `${table}.${row.name}`, table, { definition: row.definition, enabled: TRIGGER_ENABLED[row.enabled] ?? row.enabled });
  }

  for (const row of rows.sequences) {
    const name = `${row.schema}.${row.name}`;
    // A serial column's sequence goes with its table (excluding the table excludes it).
    const scope = row.owned_by ? row.owned_by.slice(0, row.owned_by.lastIndexOf('.')) : name;
    add('sequence', name, scope, {
      type: row.type,
      start: row.start,
      increment: row.increment,
      min: row.min,
      max: row.max,
      cache: row.cache,
      cycle: row.cycle ? 'yes' : null,
      'owned by': row.owned_by,
      ...privileges(row.owner, row.acl),
    });
  }

  for (const row of rows.types) {
    const name = `${row.schema}.${row.name}`;
    add('type', name, name, {
      type: TYPE_KIND[row.kind] ?? row.kind,
      values: row.labels ? row.labels.join(', ') : null,
      'base type': row.base_type,
      'not null': row.not_null ? 'yes' : null,
      default: row.default,
      checks: row.checks && row.checks.length > 0 ? [...row.checks].sort(compare).join('; ') : null,
      attributes: row.attributes ? row.attributes.join(', ') : null,
      subtype: row.subtype,
      ...privileges(row.owner, row.acl),
    });
  }

  for (const row of rows.rules) {
    const table = `${row.schema}.${row.table}`;
    add('rule', `${table}.${row.name}`, table, { definition: row.definition, enabled: TRIGGER_ENABLED[row.enabled] ?? row.enabled });
  }

  for (const row of rows.policies) {
    const table = `${row.schema}.${row.table}`;
    add('policy', `${table}.${row.name}`, table, {
      command: POLICY_COMMAND[row.command] ?? row.command,
      permissive: row.permissive ? 'yes' : 'no (restrictive)',
      roles: [...row.roles].sort(compare).join(', '),
      using: row.using,
      'with check': row.with_check,
    });
  }

  return canonicalSnapshot(rows.serverVersion, objects);
}

/** An ACL as text, its entries sorted (their order in the catalog is history, not meaning); null when default. */
function aclText(acl: string[] | null): string | null {
  if (!acl || acl.length === 0) return null;
  return [...acl].sort(compare).join(', ');
}
