// The live schema of a database, read from PostgreSQL's system catalogs
// (https://www.postgresql.org/docs/current/catalogs.html) in one round trip:
// a read-only REPEATABLE READ transaction holding one query per kind of
// object, sent as one simple-protocol message. The number of queries never
// grows with the schema: 1,000 tables are read as fast as 10, and a deploy
// to a database across an ocean waits for one round trip, not a thousand.
//
// Objects are rendered by PostgreSQL's own deparsers (format_type,
// pg_get_indexdef, pg_get_constraintdef, pg_get_expr, pg_get_viewdef,
// pg_get_triggerdef: https://www.postgresql.org/docs/current/functions-info.html),
// so two servers describe one object in the same words; no OID, column
// position or creation order reaches the snapshot.
import type pg from 'pg';
import type { CatalogRows } from '../../core/drift/catalog-rows.js';
import { snapshotFromCatalog } from '../../core/drift/snapshot-from-catalog.js';
import type { SchemaSnapshot } from '../../core/drift/schema-snapshot.js';
import { queryError } from './connect.js';

/**
 * Schemas that are not the application's: PostgreSQL's own, per-session
 * temporary ones, and guard's ledger. (A ledger kept in another database has
 * no `guard` schema here.)
 */
const SYSTEM_SCHEMA = `(n.nspname IN ('pg_catalog', 'information_schema', 'guard') OR n.nspname LIKE 'pg\\_toast%' OR n.nspname LIKE 'pg\\_temp\\_%')`;
const APPLICATION_SCHEMA = `NOT ${SYSTEM_SCHEMA}`;

/** The migration tools' own bookkeeping tables: their rows change on every deploy, and they are not the application's schema. */
export const VERSION_TABLES = ['alembic_version', 'flyway_schema_history'] as const;
const NOT_VERSION_TABLE = (alias: string) => `${alias}.relname NOT IN (${VERSION_TABLES.map((name) => `'${name}'`).join(', ')})`;

/** Objects an extension created (pgcrypto's functions, PostGIS's tables) are the extension's: its name and version stand for them. */
const NOT_EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

const TABLE_KINDS = `('r', 'p', 'f')`;

const QUERIES = {
  serverVersion: `SELECT current_setting('server_version_num')::int AS version`,

  schemas: `
    SELECT n.nspname AS schema, pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text[] AS acl
      FROM pg_namespace n
     WHERE ${APPLICATION_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_namespace', 'n.oid')}`,

  relations: `
    SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relpersistence = 'u' AS unlogged,
           c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security,
           CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
           CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
           (SELECT array_agg(pn.nspname || '.' || p.relname ORDER BY i.inhseqno)
              FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhrelid = c.oid) AS parents,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition,
           c.reloptions AS options, c.relreplident::text AS replica_identity,
           pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND c.relpersistence <> 't'
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('c')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  columns: `
    SELECT n.nspname AS schema, c.relname AS "table", a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS "default", a.attidentity::text AS identity,
           CASE WHEN a.attidentity <> '' THEN
             (SELECT 'start ' || s.seqstart || ', increment ' || s.seqincrement || ', min ' || s.seqmin || ', max ' || s.seqmax
                     || ', cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ', cycle' ELSE '' END
                FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
               WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i')
           END AS identity_options,
           a.attgenerated::text AS generated,
           CASE WHEN a.attcollation <> t.typcollation THEN
             (SELECT cn.nspname || '.' || co.collname FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
           END AS collation,
           a.attacl::text[] AS acl
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ${TABLE_KINDS} AND c.relpersistence <> 't'
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('c')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  // NOT NULL is a column attribute; PostgreSQL 18 also lists it here (contype 'n'), 15 does not.
  constraints: `
    SELECT n.nspname AS schema, c.relname AS "table", con.conname AS name, con.contype::text AS type,
           pg_get_constraintdef(con.oid, true) AS definition
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE con.contype IN ('c', 'f', 'p', 'u', 't', 'x') AND c.relkind IN ${TABLE_KINDS} AND c.relpersistence <> 't'
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('c')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  // An index that implements a primary key, unique or exclusion constraint is that constraint.
  indexes: `
    SELECT n.nspname AS schema, ic.relname AS name, tc.relname AS "table", pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
     WHERE tc.relkind IN ('r', 'p', 'f', 'm') AND tc.relpersistence <> 't'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('tc')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'tc.oid')}`,

  // A SQL-standard body (BEGIN ATOMIC, PostgreSQL 14+) has no prosrc: its definition stands for it.
  functions: `
    SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
           pg_get_function_arguments(p.oid) AS full_arguments, p.prokind::text AS kind,
           CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END AS result, l.lanname AS language,
           p.provolatile::text AS volatility, p.prosecdef AS security_definer, p.proisstrict AS strict, p.proleakproof AS leakproof,
           p.proparallel::text AS parallel, p.proconfig AS settings,
           CASE WHEN p.prokind = 'a' THEN NULL WHEN l.lanname = 'sql' AND p.prosrc = '' THEN pg_get_functiondef(p.oid) ELSE p.prosrc END AS body,
           pg_get_userbyid(p.proowner) AS owner, p.proacl::text[] AS acl
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
     WHERE ${APPLICATION_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_proc', 'p.oid')}`,

  triggers: `
    SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS name, pg_get_triggerdef(t.oid, true) AS definition, t.tgenabled::text AS enabled
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND c.relpersistence <> 't'
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('c')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  // An identity column's sequence is part of the column (its options are there).
  sequences: `
    SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
           s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
           (SELECT tn.nspname || '.' || tc.relname || '.' || ta.attname
              FROM pg_depend dep
              JOIN pg_class tc ON tc.oid = dep.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
              JOIN pg_attribute ta ON ta.attrelid = dep.refobjid AND ta.attnum = dep.refobjsubid
             WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.refclassid = 'pg_class'::regclass AND dep.deptype = 'a'
             LIMIT 1) AS owned_by,
           pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relpersistence <> 't'
       AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'i')
       AND ${APPLICATION_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  // Enums, domains, composite types made by CREATE TYPE (not a table's row type) and ranges.
  types: `
    SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
           CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
           CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
           t.typnotnull AS not_null, t.typdefault AS "default",
           CASE WHEN t.typtype = 'd' THEN
             ARRAY(SELECT con.conname || ': ' || pg_get_constraintdef(con.oid, true) FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c')
           END AS checks,
           CASE WHEN t.typtype = 'c' THEN
             ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
           END AS attributes,
           CASE WHEN t.typtype = 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) END AS subtype,
           pg_get_userbyid(t.typowner) AS owner, t.typacl::text[] AS acl
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype IN ('e', 'd', 'c', 'r')
       AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
       AND ${APPLICATION_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_type', 't.oid')}`,

  // Rules other than a view's own (_RETURN): CREATE RULE ... DO INSTEAD NOTHING silently changes what a statement does.
  rules: `
    SELECT n.nspname AS schema, c.relname AS "table", r.rulename AS name, pg_get_ruledef(r.oid, true) AS definition, r.ev_enabled::text AS enabled
      FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE r.rulename <> '_RETURN' AND c.relpersistence <> 't'
       AND ${APPLICATION_SCHEMA} AND ${NOT_VERSION_TABLE('c')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,

  extensions: `
    SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace`,

  policies: `
    SELECT n.nspname AS schema, c.relname AS "table", p.polname AS name, p.polcmd::text AS command, p.polpermissive AS permissive,
           ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) AS r) AS roles,
           pg_get_expr(p.polqual, p.polrelid) AS "using", pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${APPLICATION_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,
} as const;

type QueryName = keyof typeof QUERIES;
const ORDER = Object.keys(QUERIES) as QueryName[];

/**
 * Before the queries: a transaction that sees one state of the catalogs,
 * and the session settings the deparsers print by, pinned, so that no
 * server's, database's or role's own setting reaches the text. The search
 * path leaves out the schema of what it shows, so only pg_catalog is on it
 * and every name is qualified; TimeZone, DateStyle and IntervalStyle shape
 * timestamp defaults and partition bounds; extra_float_digits shapes float
 * literals.
 */
const PREAMBLE = [
  'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY',
  'SET LOCAL search_path TO pg_catalog',
  "SET LOCAL TimeZone TO 'UTC'",
  "SET LOCAL DateStyle TO 'ISO, YMD'",
  "SET LOCAL IntervalStyle TO 'postgres'",
  'SET LOCAL extra_float_digits TO 1',
  "SET LOCAL bytea_output TO 'hex'",
];

/**
 * The whole read, as one message: the preamble, a query per kind, COMMIT.
 * It opens its own transaction, so the client must not be in one.
 */
export const READ_SCHEMA_SQL = [...PREAMBLE, ...ORDER.map((name) => QUERIES[name].trim()), 'COMMIT'].join(';\n');

/**
 * The catalog rows of the database `client` is connected to, in one round
 * trip. Throws GuardError exit 3 when the catalogs cannot be read.
 */
export async function readCatalogRows(client: pg.Client, what: string): Promise<CatalogRows> {
  let results: pg.QueryResult[];
  try {
    // No parameters: the simple query protocol, which alone takes several statements in one message.
    results = (await client.query(READ_SCHEMA_SQL)) as unknown as pg.QueryResult[];
  } catch (error) {
    // A failed statement leaves the transaction open and aborted.
    await client.query('ROLLBACK').catch(() => undefined);
    throw queryError(error, `cannot read the schema of ${what} from its catalogs`, []);
  }
  const rows = (name: QueryName) => results[PREAMBLE.length + ORDER.indexOf(name)]!.rows;
  return {
    serverVersion: Number((rows('serverVersion')[0] as { version: number }).version),
    schemas: rows('schemas'),
    relations: rows('relations'),
    columns: rows('columns'),
    constraints: rows('constraints'),
    indexes: rows('indexes'),
    functions: rows('functions'),
    triggers: rows('triggers'),
    sequences: rows('sequences'),
    types: rows('types'),
    rules: rows('rules'),
    extensions: rows('extensions'),
    policies: rows('policies'),
  } as CatalogRows;
}

/** The snapshot of the live schema `client` is connected to. */
export async function readSchemaSnapshot(client: pg.Client, what: string): Promise<SchemaSnapshot> {
  return snapshotFromCatalog(await readCatalogRows(client, what));
}
