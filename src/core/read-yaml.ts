import { inputError } from './guard-error.js';

/** Where each part of a document starts: `sets.0.migrations.3` -> line 12. */
export type LineIndex = Map<string, number>;

export interface YamlWithLines {
  value: unknown;
  lines: LineIndex;
}

/**
 * Parses YAML and records the line of every key and list item, so validation
 * errors can name the line a user must fix. Duplicate keys are errors.
 * The yaml package is imported here, on demand: guard's own lockfile and a
 * cached config never need it.
 *
 * @param name shown in messages
 * @param fix what to do when the text is not YAML
 * @throws GuardError exit 2 naming the line
 */
type YamlModule = typeof import('yaml');

/**
 * yaml's Node entry is CommonJS; bundled into a chunk of its own, its exports
 * arrive as the namespace's `default` rather than as named exports.
 */
async function loadYaml(): Promise<YamlModule> {
  const imported = (await import('yaml')) as YamlModule & { default?: YamlModule };
  return typeof imported.parseDocument === 'function' ? imported : imported.default!;
}

export async function readYaml(text: string, name: string, fix: string): Promise<YamlWithLines> {
  const { parseDocument, LineCounter, isMap, isSeq } = await loadYaml();
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    const line = counter.linePos(error.pos[0]).line;
    throw inputError(`${name}:${line} is not valid YAML: ${error.message.split('\n')[0]}`, { fix, location: { file: name, line } });
  }
  const lines: LineIndex = new Map();
  const lineOf = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  const visit = (node: unknown, path: string) => {
    const line = lineOf(node);
    if (line !== undefined && path && !lines.has(path)) lines.set(path, line);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        const childPath = path ? `${path}.${key}` : key;
        const keyLine = lineOf(pair.key);
        if (keyLine !== undefined) lines.set(childPath, keyLine);
        visit(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}.${i}`));
    }
  };
  visit(document.contents, '');
  return { value: document.toJS(), lines };
}
