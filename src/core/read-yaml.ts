import { inputError } from './guard-error.js';

/** Where each part of a document starts: `sets.0.migrations.3` -> line 12. */
export type LineIndex = Map<string, number>;

export interface YamlWithLines {
  value: unknown;
  lines: LineIndex;
}

type YamlModule = typeof import('yaml');

/**
 * The most YAML nodes (scalars, lists, mappings) guard lets the general
 * parser build (README, "Limits"). Only a hand-edited lockfile or a config
 * reaches it: guard reads its own lockfile format with a line reader of its
 * own. A parsed node costs the yaml package about 1 KB and 20 µs, so 200,000
 * nodes (a hand-edited lockfile of some 25,000 migrations) bound a hostile
 * file to a few hundred megabytes and seconds.
 */
export const YAML_MAX_NODES = 200_000;
/** Deepest nesting accepted; guard's own files nest four levels. */
export const YAML_MAX_DEPTH = 64;
/** Longest mapping key accepted; guard's keys are short words. */
export const YAML_MAX_KEY_LENGTH = 256;

/**
 * yaml's Node entry is CommonJS; bundled into a chunk of its own, its exports
 * arrive as the namespace's `default` rather than as named exports.
 */
export async function loadYaml(): Promise<YamlModule> {
  const imported = (await import('yaml')) as YamlModule & { default?: YamlModule };
  return typeof imported.parseDocument === 'function' ? imported : imported.default!;
}

/**
 * Parses YAML and records the line of every key and list item, so validation
 * errors can name the line a user must fix. The yaml package is imported
 * here, on demand: guard's own lockfile and a cached config never need it.
 *
 * guard's files are plain data, so only plain YAML is read: one document of
 * mappings, lists and scalars with unique, short scalar keys. Anchors and
 * aliases (the "billion laughs" expansion), tags (`!!js/function`, `!!binary`,
 * custom ones), merge keys, complex keys, nesting deeper than YAML_MAX_DEPTH
 * and documents of more than YAML_MAX_NODES nodes are refused before any
 * JavaScript value is built, each naming its line.
 *
 * @param name shown in messages
 * @param fix what to do when the text is not YAML guard reads
 * @throws GuardError exit 2 naming the line
 */
export async function readYaml(text: string, name: string, fix: string): Promise<YamlWithLines> {
  const budget = nodeBound(text);
  if (budget > YAML_MAX_NODES) {
    throw inputError(`${name} has too many YAML nodes for guard to read (up to ${budget.toLocaleString('en-US')}; the limit is ${YAML_MAX_NODES.toLocaleString('en-US')})`, {
      fix: `${fix} (README, "Limits")`,
      location: { file: name },
    });
  }
  const { parseDocument, LineCounter, isMap, isSeq, isScalar, isAlias } = await loadYaml();
  const counter = new LineCounter();
  const lineAt = (offset: number) => counter.linePos(offset).line;
  const refuse = (line: number | undefined, message: string) =>
    inputError(`${name}${line === undefined ? '' : `:${line}`} ${message}`, { fix, location: { file: name, ...(line === undefined ? {} : { line }) } });

  let document: ReturnType<YamlModule['parseDocument']>;
  try {
    // Keys are checked for uniqueness below, in linear time: the yaml
    // package's own check compares every key with every other one.
    document = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false, schema: 'core', merge: false, resolveKnownTags: false, logLevel: 'error' });
  } catch (error) {
    throw refuse(undefined, `could not be read as YAML (${(error as Error).message})`);
  }
  const error = document.errors[0];
  if (error) {
    const detail = error.code === 'RESOURCE_EXHAUSTION' ? `nests deeper than guard reads (more than ${YAML_MAX_DEPTH} levels)` : `is not valid YAML: ${error.message.split('\n')[0]}`;
    throw refuse(lineAt(error.pos[0]), detail);
  }

  const lines: LineIndex = new Map();
  const lineOf = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineAt(range[0]) : undefined;
  };
  const visit = (node: unknown, path: string, depth: number) => {
    const line = lineOf(node);
    if (depth > YAML_MAX_DEPTH) throw refuse(line, `nests deeper than guard reads (more than ${YAML_MAX_DEPTH} levels)`);
    if (isAlias(node)) throw refuse(line, `uses an alias (*${node.source}); guard reads plain YAML without anchors or aliases`);
    const { anchor, tag } = (node ?? {}) as { anchor?: string; tag?: string };
    // A collection's range starts at its first item, after the `&name` or `!tag` before it.
    const markedAt = (marker: string) => {
      const at = text.lastIndexOf(marker, (node as { range: [number] }).range[0]);
      return at === -1 ? line : lineAt(at);
    };
    if (anchor) throw refuse(markedAt(`&${anchor}`), `sets an anchor (&${anchor}); guard reads plain YAML without anchors or aliases`);
    if (tag) throw refuse(markedAt('!'), `has a tag (${tag}); guard reads plain YAML without tags`);
    if (line !== undefined && path && !lines.has(path)) lines.set(path, line);
    if (isMap(node)) {
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const keyLine = lineOf(pair.key);
        if (!isScalar(pair.key)) throw refuse(keyLine ?? line, `has a key that is not a plain word (${pair.key === null ? 'an empty key' : isAlias(pair.key) ? 'an alias' : 'a list or mapping'})`);
        visit(pair.key, '', depth + 1);
        const key = String(pair.key.value);
        if (key.length > YAML_MAX_KEY_LENGTH) throw refuse(keyLine, `has a key of ${key.length.toLocaleString('en-US')} characters (guard's keys are short words)`);
        if (key === '<<') throw refuse(keyLine, 'uses a merge key (<<); guard reads plain YAML without merge keys');
        if (seen.has(key)) {
          const first = seen.get(key);
          throw refuse(keyLine, `repeats the key \`${key}\`${first === undefined ? '' : ` (first on line ${first})`}`);
        }
        seen.set(key, keyLine);
        const childPath = path ? `${path}.${key}` : key;
        if (keyLine !== undefined) lines.set(childPath, keyLine);
        visit(pair.value, childPath, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}.${i}`, depth + 1));
    }
  };
  visit(document.contents, '', 0);
  try {
    return { value: document.toJS({ maxAliasCount: 0 }), lines };
  } catch (error) {
    throw refuse(undefined, `could not be read as YAML (${(error as Error).message})`);
  }
}

/**
 * An upper bound on the nodes a YAML parser can build from `text`, counted
 * without parsing: every node but the first is introduced by a block list
 * item (`-`), the first item of a flow list (`[`), or a mapping entry, key
 * and value (`:`, `?`, and in flow collections `{` and `,`, where a key may
 * stand without a value).
 */
function nodeBound(text: string): number {
  let bound = 1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2d /* - */ || code === 0x5b /* [ */) bound += 1;
    else if (code === 0x3a /* : */ || code === 0x3f /* ? */ || code === 0x2c /* , */ || code === 0x7b /* { */) bound += 2;
  }
  return bound;
}
