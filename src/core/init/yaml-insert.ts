import { inputError } from '../guard-error.js';
import { loadYaml, readYaml } from '../read-yaml.js';

// Additions to a hook manager's YAML config (`.pre-commit-config.yaml`,
// `lefthook.yml`) as text: the user's file keeps every byte it had (comments,
// order, quoting, blank lines), and guard's lines go in where a person would
// type them. Re-serializing the document would reformat it. Each result is
// parsed again and must mean the old value plus guard's entry, or the edit is
// refused (README, "`guard init`").

/** A block mapping or sequence of the document, with where its text is. */
export interface YamlBlock {
  kind: 'map' | 'seq';
  /** Offset just past the block's last line (its range end). */
  end: number;
  /** Column of its keys (map) or of its `-` indicators (seq). */
  column: number;
  /** A sequence's columns from `-` to its items' content (`-   repo:` is 4), so guard's item lines up with the others. */
  itemOffset: number;
  /** The items: `[key, value]` for a map, the item for a sequence. */
  node: unknown;
}

/** A hook manager's YAML config, read for editing. */
export interface EditableYaml {
  name: string;
  text: string;
  /** The plain value (readYaml's: no anchors, aliases, tags or merge keys). */
  value: unknown;
  /** The block at a path of keys and indexes; undefined when absent; null when it is not a block collection. */
  blockAt(path: readonly (string | number)[]): YamlBlock | undefined | null;
  /** Whether the document has no content at all (empty, or only comments). */
  empty: boolean;
}

/**
 * `text` read for editing: it must be YAML guard reads (readYaml refuses
 * anchors, aliases, tags and merge keys, naming the line).
 *
 * @param fix what to do when guard cannot edit it, shown with the error
 * @throws GuardError exit 2 naming the line
 */
export async function openYaml(text: string, name: string, fix: string): Promise<EditableYaml> {
  const { value } = await readYaml(text, name, fix);
  const { parseDocument, isMap, isSeq } = await loadYaml();
  const document = parseDocument(text, { uniqueKeys: false, merge: false, resolveKnownTags: false, logLevel: 'error' });
  const columnOf = (offset: number) => offset - (text.lastIndexOf('\n', offset - 1) + 1);
  return {
    name,
    text,
    value,
    empty: document.contents === null,
    blockAt(path) {
      const node = path.length === 0 ? document.contents : document.getIn(path, true);
      if (node === undefined) return undefined;
      if (isMap(node) && !node.flow && node.items.length > 0) {
        const first = node.items[0]!.key as { range: [number, number, number] };
        return { kind: 'map', end: node.range![1], column: columnOf(first.range[0]), itemOffset: 0, node };
      }
      if (isSeq(node) && !node.flow && node.items.length > 0) {
        const dash = node.range![0];
        const content = (node.items[0] as { range?: [number, number, number] } | null)?.range?.[0];
        const sameLine = content !== undefined && content > dash && !text.slice(dash, content).includes('\n');
        return { kind: 'seq', end: node.range![1], column: columnOf(dash), itemOffset: sameLine ? content - dash : 2, node };
      }
      return null;
    },
  };
}

/**
 * `lines` (guard's block, indented relative to its first line) added after
 * the block's last line at its indentation: for a sequence each entry of
 * `items` becomes one `- ` item; for a mapping the lines are its new keys.
 */
export function appendToBlock(yaml: EditableYaml, block: YamlBlock, items: readonly (readonly string[])[]): string {
  const pad = ' '.repeat(block.column);
  const dash = `-${' '.repeat(Math.max(1, block.itemOffset - 1))}`;
  const under = ' '.repeat(dash.length);
  const lines = items.flatMap((item) =>
    block.kind === 'seq' ? item.map((line, index) => `${pad}${index === 0 ? dash : under}${line}`) : item.map((line) => `${pad}${line}`),
  );
  return insertLines(yaml.text, block.end, lines);
}

/** `lines` added as top-level keys at the end of the document. */
export function appendToDocument(yaml: EditableYaml, lines: readonly string[]): string {
  return insertLines(yaml.text, yaml.text.length, lines);
}

/**
 * The edited text, when it parses to `expected` (the old value with guard's
 * entry added); else the edit is refused rather than written.
 *
 * @throws GuardError exit 2 with `fix`
 */
export async function checkedEdit(yaml: EditableYaml, edited: string, expected: unknown, fix: string): Promise<string> {
  let value: unknown;
  try {
    ({ value } = await readYaml(edited, yaml.name, fix));
  } catch {
    value = undefined;
  }
  if (!sameValue(value, expected)) throw inputError(`${yaml.name} could not be edited without changing what else it says`, { fix });
  return edited;
}

/** `lines` inserted at the start of the line after `at` (or at the end), in the file's line endings. */
function insertLines(text: string, at: number, lines: readonly string[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let position = at;
  // A block ends after its last line's break; without one (the end of the file, a comment after the value) the line is finished first.
  if (position > 0 && text[position - 1] !== '\n') {
    const lineEnd = text.indexOf('\n', position);
    position = lineEnd === -1 ? text.length : lineEnd + 1;
  }
  const before = text.slice(0, position);
  const separator = before.length > 0 && !before.endsWith('\n') ? eol : '';
  return `${before}${separator}${lines.map((line) => `${line}${eol}`).join('')}${text.slice(position)}`;
}

/** Deep equality of plain YAML values (mappings compared without regard to key order). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, index) => sameValue(item, (b as unknown[])[index]));
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
