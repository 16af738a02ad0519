import { OBJECT_KINDS, PRIVILEGE_ATTRIBUTES, compare, type ObjectKind, type SchemaObject, type SchemaSnapshot } from './schema-snapshot.js';

/** What the config says drift is about (`drift:` at the top of guard.config.yaml). */
export interface DriftSettings {
  /** Owners and GRANTs count as drift. Default false: see README "Drift" for why. */
  privileges: boolean;
  /** Patterns of qualified names left out (`audit.*`, `public.spatial_ref_sys`); `*` matches any run of characters. */
  exclude: string[];
}

export const DEFAULT_DRIFT_SETTINGS: DriftSettings = { privileges: false, exclude: [] };

/** One object that differs between two snapshots. */
export type SchemaDifference =
  | { change: 'added'; kind: ObjectKind; name: string; attributes: Record<string, string> }
  | { change: 'removed'; kind: ObjectKind; name: string; attributes: Record<string, string> }
  | { change: 'changed'; kind: ObjectKind; name: string; attributes: AttributeChange[] };

export interface AttributeChange {
  attribute: string;
  /** undefined: the attribute is absent ("none") on that side. */
  before: string | undefined;
  after: string | undefined;
}

/**
 * The objects that differ from `before` to `after`: added (only in after),
 * removed (only in before) and changed (with each attribute that differs),
 * in canonical order, after leaving out what `settings` excludes.
 *
 * @example
 * diffSchemas(atLastDeploy, live, DEFAULT_DRIFT_SETTINGS)
 * // [{ change: 'changed', kind: 'column', name: 'public.orders.total',
 * //    attributes: [{ attribute: 'type', before: 'numeric(10,2)', after: 'numeric(12,2)' }] }]
 */
export function diffSchemas(before: SchemaSnapshot, after: SchemaSnapshot, settings: DriftSettings = DEFAULT_DRIFT_SETTINGS): SchemaDifference[] {
  const excluded = excludeMatcher(settings.exclude);
  const acrossMajors = major(before.serverVersion) !== major(after.serverVersion);
  const partitions = acrossMajors
    ? new Set([...before.objects, ...after.objects].filter((object) => object.kind === 'table' && object.attributes['partition of'] !== undefined).map((object) => object.name))
    : new Set<string>();
  const index = (snapshot: SchemaSnapshot) =>
    new Map(
      snapshot.objects
        .filter((object) => !excluded(object))
        .map((object) => [`${object.kind}\0${object.name}`, acrossMajors ? comparableAcrossMajors(object, partitions) : object]),
    );
  const left = index(before);
  const right = index(after);
  const differences: SchemaDifference[] = [];
  for (const [key, object] of left) {
    const other = right.get(key);
    if (!other) {
      differences.push({ change: 'removed', kind: object.kind, name: object.name, attributes: visible(object.attributes, settings) });
      continue;
    }
    const changes = attributeChanges(visible(object.attributes, settings), visible(other.attributes, settings));
    if (changes.length > 0) differences.push({ change: 'changed', kind: object.kind, name: object.name, attributes: changes });
  }
  for (const [key, object] of right) {
    if (!left.has(key)) differences.push({ change: 'added', kind: object.kind, name: object.name, attributes: visible(object.attributes, settings) });
  }
  return differences.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || compare(a.name, b.name));
}

function major(serverVersion: number): number {
  return Math.floor(serverVersion / 10_000);
}

/**
 * An object as two major versions can agree on it; within one major every
 * object is compared exactly.
 *
 * - A view: PostgreSQL 16 stopped qualifying the columns of a view that
 *   reads one relation (`SELECT orders.id FROM public.orders` became
 *   `SELECT id FROM public.orders`), so the qualifier of that one relation
 *   (its name or alias) is dropped from column references. Views over
 *   several relations print their qualifiers in every version.
 * - A partition's column: PostgreSQL 17 gave partitions their parent's
 *   identity; before, the partition's column is plain. The parent's column
 *   still carries the identity.
 */
function comparableAcrossMajors(object: SchemaObject, partitions: ReadonlySet<string>): SchemaObject {
  // PostgreSQL 17 gave a partition its parent's identity column; 16 and before leave the partition's column plain.
  if (object.kind === 'column' && partitions.has(object.scope) && object.attributes.identity !== undefined) {
    const { identity: _inherited, ...rest } = object.attributes;
    return { ...object, attributes: rest };
  }
  const definition = object.attributes.definition;
  if ((object.kind !== 'view' && object.kind !== 'materialized view') || definition === undefined) return object;
  const relations = [...definition.matchAll(RELATION_REFERENCE)];
  if (relations.length !== 1 || /\(\s*SELECT\b/i.test(definition)) return object;
  const [, table, alias] = relations[0]!;
  const qualifier = alias && !SQL_KEYWORDS.has(alias.toUpperCase()) ? alias : table!.replace(/^.*\./, '');
  const unqualified = definition.replace(new RegExp(`(?<![\\w."])${escapeRegExp(qualifier)}\\.(?=["A-Za-z_])`, 'g'), '');
  return { ...object, attributes: { ...object.attributes, definition: unqualified } };
}

/** `FROM schema.table [alias]` / `JOIN schema.table [alias]` (the catalog read qualifies every relation). */
const RELATION_REFERENCE = /\b(?:FROM|JOIN)\s+((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))(?:\s+(?:AS\s+)?([A-Za-z_][\w$]*))?/gi;
const SQL_KEYWORDS = new Set(['WHERE', 'JOIN', 'ON', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'INTERSECT', 'EXCEPT', 'LEFT', 'RIGHT', 'INNER', 'FULL', 'CROSS', 'NATURAL', 'HAVING', 'WINDOW', 'FETCH', 'FOR', 'WITH']);

function kindRank(kind: ObjectKind): number {
  return OBJECT_KINDS.indexOf(kind);
}

function visible(attributes: Record<string, string>, settings: DriftSettings): Record<string, string> {
  if (settings.privileges) return attributes;
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) if (!(PRIVILEGE_ATTRIBUTES as readonly string[]).includes(key)) kept[key] = value;
  return kept;
}

function attributeChanges(before: Record<string, string>, after: Record<string, string>): AttributeChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compare);
  return keys.filter((key) => before[key] !== after[key]).map((key) => ({ attribute: key, before: before[key], after: after[key] }));
}

/**
 * Whether an object is left out by the patterns: a pattern matches the
 * object's scope (its qualified table for a column, index, constraint,
 * trigger or policy), its own name, or, for a schema, `name.*`.
 */
export function excludeMatcher(patterns: readonly string[]): (object: Pick<SchemaObject, 'kind' | 'name' | 'scope'>) => boolean {
  if (patterns.length === 0) return () => false;
  const expressions = patterns.map((pattern) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`));
  return (object) => expressions.some((expression) => expression.test(object.scope) || expression.test(object.name) || (object.kind === 'schema' && expression.test(`${object.name}.`)));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
