/**
 * The rows guard reads from PostgreSQL's catalogs (src/shell/postgres/read-schema.ts),
 * one list per query, already rendered as text by PostgreSQL's own functions
 * (`format_type`, `pg_get_indexdef`, `pg_get_constraintdef`, ...), so two
 * servers describe one object in the same words. `null` where the catalog
 * has nothing (no default, no partition key).
 */
export interface CatalogRows {
  serverVersion: number;
  schemas: { schema: string; owner: string; acl: string[] | null }[];
  relations: {
    schema: string;
    name: string;
    /** pg_class.relkind: r table, p partitioned table, f foreign table, v view, m materialized view. */
    kind: 'r' | 'p' | 'f' | 'v' | 'm';
    unlogged: boolean;
    row_security: boolean;
    force_row_security: boolean;
    partition_key: string | null;
    partition_bound: string | null;
    /** `schema.parent` for partitions and inheritance children, in inheritance order. */
    parents: string[] | null;
    definition: string | null;
    options: string[] | null;
    /** pg_class.relreplident: d default (the primary key), n nothing, f full, i an index. */
    replica_identity: string;
    owner: string;
    acl: string[] | null;
  }[];
  columns: {
    schema: string;
    table: string;
    name: string;
    type: string;
    not_null: boolean;
    /** The default, or the generation expression when `generated` is `s`. */
    default: string | null;
    /** pg_attribute.attidentity: '' none, a always, d by default. */
    identity: string;
    /** The identity sequence's options (`start 1, increment 1, ...`), or null. */
    identity_options: string | null;
    /** pg_attribute.attgenerated: '' none, s stored, v virtual (PostgreSQL 18). */
    generated: string;
    /** The column's collation when it is not its type's default. */
    collation: string | null;
    acl: string[] | null;
  }[];
  constraints: {
    schema: string;
    table: string;
    name: string;
    /** pg_constraint.contype: c check, f foreign key, p primary key, u unique, t trigger, x exclusion. */
    type: string;
    definition: string;
  }[];
  indexes: { schema: string; name: string; table: string; definition: string; valid: boolean }[];
  functions: {
    schema: string;
    name: string;
    /** pg_get_function_identity_arguments: the part of the signature that names the function. */
    arguments: string;
    /** pg_get_function_arguments: with defaults and OUT parameters. */
    full_arguments: string;
    /** pg_proc.prokind: f function, p procedure, a aggregate, w window. */
    kind: string;
    result: string | null;
    language: string;
    /** i immutable, s stable, v volatile. */
    volatility: string;
    security_definer: boolean;
    strict: boolean;
    leakproof: boolean;
    /** s safe, r restricted, u unsafe. */
    parallel: string;
    settings: string[] | null;
    body: string | null;
    owner: string;
    acl: string[] | null;
  }[];
  triggers: { schema: string; table: string; name: string; definition: string; enabled: string }[];
  sequences: {
    schema: string;
    name: string;
    type: string;
    start: string;
    increment: string;
    min: string;
    max: string;
    cache: string;
    cycle: boolean;
    /** `schema.table.column` of a serial column's sequence. */
    owned_by: string | null;
    owner: string;
    acl: string[] | null;
  }[];
  types: {
    schema: string;
    name: string;
    /** pg_type.typtype: e enum, d domain, c composite, r range. */
    kind: string;
    labels: string[] | null;
    base_type: string | null;
    not_null: boolean;
    default: string | null;
    checks: string[] | null;
    attributes: string[] | null;
    subtype: string | null;
    owner: string;
    acl: string[] | null;
  }[];
  /** Rules besides a view's own: pg_get_ruledef, and pg_rewrite.ev_enabled. */
  rules: { schema: string; table: string; name: string; definition: string; enabled: string }[];
  extensions: { name: string; version: string; schema: string }[];
  policies: {
    schema: string;
    table: string;
    name: string;
    /** pg_policy.polcmd: r SELECT, a INSERT, w UPDATE, d DELETE, * ALL. */
    command: string;
    permissive: boolean;
    roles: string[];
    using: string | null;
    with_check: string | null;
  }[];
}
