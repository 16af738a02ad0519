import type { LineIndex } from '../../read-yaml.js';
import { AMENDMENT_KEYS, ENTRY_KEYS, isPlainSafe, SET_KEYS, TOP_KEYS } from './grammar.js';

/** A value as a YAML parser would give it for the lockfile's subset of YAML. */
export type RawValue = string | boolean | number | string[] | RawObject | RawObject[];
export interface RawObject {
  [key: string]: RawValue;
}

export type { LineIndex };

/** A YAML document's value, with the line of each set, entry and amendment (`sets.0.migrations.3` -> 12). */
export interface RawDocument {
  value: unknown;
  lines: LineIndex;
}

const TOP_KEY = /^([a-z_]+):(?: (.*))?$/;
const SET_KEY = /^ {2}- (dir): (.+)$/;
const SET_FIELD = /^ {4}([a-z_]+):(?: (.+))?$/;
const ENTRY = /^ {6}- (\{.*\})$/;
const AMENDMENT = /^ {2}- (\{.*\})$/;

/**
 * Whether `key` may follow the keys already in `record`, in the order the
 * grammar gives. A file with keys in any other order (or unknown ones) was
 * edited by hand and goes to the YAML parser, which also gives validation its
 * line numbers for such files.
 */
function inOrder(record: object, key: string, order: readonly string[]): boolean {
  const rank = order.indexOf(key);
  if (rank === -1) return false;
  const keys = Object.keys(record);
  const last = keys.length === 0 ? -1 : order.indexOf(keys[keys.length - 1]!);
  return rank > last;
}

/**
 * Reads a lockfile in exactly the shape `serializeLockfile` writes, line by
 * line, in a few milliseconds for 10,000 migrations (a general YAML parser
 * takes over a second). Returns undefined as soon as a line is not in that
 * shape, and the caller falls back to a full YAML parse; so the result is
 * always what a YAML parser would have produced, never a guess.
 */
export function readCanonicalLockfile(text: string): RawDocument | undefined {
  if (!text.endsWith('\n')) return undefined;
  const lines = text.split('\n');
  lines.pop();
  const document: RawObject = {};
  const index: LineIndex = new Map();
  let section: 'sets' | 'amendments' | undefined;
  let currentSet: RawObject | undefined;
  let inMigrations = false;
  // `key:` followed by no item is null to a YAML parser, not an empty list.
  const emptyBlock = () =>
    (section !== undefined && (document[section] as RawObject[]).length === 0) ||
    (inMigrations && (currentSet!.migrations as RawObject[]).length === 0);

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNumber = i + 1;
    if (line.startsWith('#')) continue;

    if (section === 'sets' && currentSet && inMigrations) {
      const entry = ENTRY.exec(line);
      if (entry) {
        const value = readCommonEntry(line) ?? readFlowMap(entry[1]!, ENTRY_KEYS);
        if (!value) return undefined;
        const migrations = currentSet.migrations as RawObject[];
        index.set(`sets.${(document.sets as RawObject[]).length - 1}.migrations.${migrations.length}`, lineNumber);
        migrations.push(value);
        continue;
      }
      if (emptyBlock()) return undefined;
      inMigrations = false;
    }
    if (section === 'sets') {
      const setStart = SET_KEY.exec(line);
      if (setStart) {
        const scalar = readBlockScalar(setStart[2]!);
        if (scalar === undefined) return undefined;
        currentSet = { [setStart[1]!]: scalar };
        const sets = document.sets as RawObject[];
        index.set(`sets.${sets.length}`, lineNumber);
        index.set(`sets.${sets.length}.${setStart[1]}`, lineNumber);
        sets.push(currentSet);
        continue;
      }
      const field = currentSet && SET_FIELD.exec(line);
      if (field && currentSet) {
        const [, key, raw] = field;
        if (!inOrder(currentSet, key!, SET_KEYS)) return undefined;
        index.set(`sets.${(document.sets as RawObject[]).length - 1}.${key}`, lineNumber);
        if (key === 'migrations') {
          if (raw === undefined) {
            currentSet.migrations = [];
            inMigrations = true;
          } else if (raw === '[]') currentSet.migrations = [];
          else return undefined;
          continue;
        }
        if (raw === undefined) return undefined;
        const value = raw.startsWith('[') ? readFlowList(raw) : readBlockScalar(raw);
        if (value === undefined) return undefined;
        currentSet[key!] = value;
        continue;
      }
    }
    if (section === 'amendments') {
      const amendment = AMENDMENT.exec(line);
      if (amendment) {
        const value = readFlowMap(amendment[1]!, AMENDMENT_KEYS);
        if (!value) return undefined;
        const amendments = document.amendments as RawObject[];
        index.set(`amendments.${amendments.length}`, lineNumber);
        amendments.push(value);
        continue;
      }
    }

    const top = TOP_KEY.exec(line);
    if (!top) return undefined;
    const [, key, raw] = top;
    if (emptyBlock() || !inOrder(document, key!, TOP_KEYS)) return undefined;
    index.set(key!, lineNumber);
    section = undefined;
    currentSet = undefined;
    inMigrations = false;
    if (key === 'sets' || key === 'amendments') {
      if (raw === undefined) {
        document[key] = [];
        section = key;
      } else if (raw === '[]') document[key] = [];
      else return undefined;
      continue;
    }
    if (raw === undefined) return undefined;
    if (/^[1-9][0-9]{0,8}$/.test(raw)) document[key!] = Number(raw);
    else {
      const scalar = readBlockScalar(raw);
      if (scalar === undefined) return undefined;
      document[key!] = scalar;
    }
  }
  if (emptyBlock()) return undefined;
  return { value: document, lines: index };
}

const PLAIN = String.raw`[A-Za-z0-9_][A-Za-z0-9_./+-]*`;
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const SCALAR = `(${PLAIN}|${QUOTED})`;
/**
 * The entry line nearly every migration has (`{id, file, parents?, sha256, semantic?}`),
 * matched by one regular expression: 10,000 such lines are read on every
 * verify. Anything else, or any value the regex cannot vouch for, goes
 * through readFlowMap.
 */
const COMMON_ENTRY = new RegExp(
  String.raw`^ {6}- \{id: ${SCALAR}, file: ${SCALAR}, (parents: \[((?:${PLAIN}|${QUOTED})(?:, (?:${PLAIN}|${QUOTED}))*)?\], )?sha256: ([0-9a-f]{64})(?:, semantic: ([0-9a-f]{64}))?\}$`,
);

function readCommonEntry(line: string): RawObject | undefined {
  const match = COMMON_ENTRY.exec(line);
  if (!match) return undefined;
  const [, rawId, rawFile, hasParents, rawParents, sha256, semantic] = match;
  const id = readFlowScalar(rawId!);
  const file = readFlowScalar(rawFile!);
  if (id === undefined || file === undefined || !isPlainSafe(sha256!, true) || (semantic !== undefined && !isPlainSafe(semantic, true))) return undefined;
  const entry: RawObject = { id, file };
  if (hasParents !== undefined) {
    if (rawParents === undefined) entry.parents = [];
    else if (rawParents.includes('"')) {
      const parents = readList(`[${rawParents}]`, 0)?.[0];
      if (!parents) return undefined;
      entry.parents = parents;
    } else {
      const parents = rawParents.split(', ');
      if (!parents.every((parent) => isPlainSafe(parent, true))) return undefined;
      entry.parents = parents;
    }
  }
  entry.sha256 = sha256!;
  if (semantic !== undefined) entry.semantic = semantic;
  return entry;
}

function readFlowScalar(raw: string): string | undefined {
  if (raw.startsWith('"')) return readWholeQuoted(raw);
  return isPlainSafe(raw, true) ? raw : undefined;
}

function readBlockScalar(raw: string): string | undefined {
  if (raw.startsWith('"')) return readWholeQuoted(raw);
  return isPlainSafe(raw, false) ? raw : undefined;
}

/** `raw` as one quoted scalar; undefined when anything follows the closing quote (`dir: "a"  tool: sql` is not YAML). */
function readWholeQuoted(raw: string): string | undefined {
  const quoted = readQuoted(raw, 0);
  return quoted && quoted[1] === raw.length ? quoted[0] : undefined;
}

/** `[a, "b c"]` */
function readFlowList(raw: string): string[] | undefined {
  const result = readList(raw, 0);
  return result && result[1] === raw.length ? result[0] : undefined;
}

/** `{id: a, file: "b c", parents: [x], repeatable: true}` */
function readFlowMap(raw: string, order: readonly string[]): RawObject | undefined {
  const map: RawObject = {};
  let pos = 1;
  let lastRank = -1;
  if (raw === '{}') return map;
  for (;;) {
    const colon = raw.indexOf(': ', pos);
    if (colon === -1) return undefined;
    const key = raw.slice(pos, colon);
    const rank = order.indexOf(key);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    pos = colon + 2;
    const ch = raw[pos];
    if (ch === '[') {
      const list = readList(raw, pos);
      if (!list) return undefined;
      map[key] = list[0];
      pos = list[1];
    } else if (ch === '"') {
      const quoted = readQuoted(raw, pos);
      if (!quoted) return undefined;
      map[key] = quoted[0];
      pos = quoted[1];
    } else {
      let end = pos;
      while (end < raw.length && raw[end] !== ',' && raw[end] !== '}') end++;
      const plain = raw.slice(pos, end);
      if (plain === 'true') map[key] = true;
      else if (isPlainSafe(plain, true)) map[key] = plain;
      else return undefined;
      pos = end;
    }
    if (raw[pos] === '}') return pos === raw.length - 1 ? map : undefined;
    if (raw[pos] !== ',' || raw[pos + 1] !== ' ') return undefined;
    pos += 2;
  }
}

function readList(raw: string, start: number): [string[], number] | undefined {
  const items: string[] = [];
  let pos = start + 1;
  if (raw[pos] === ']') return [items, pos + 1];
  for (;;) {
    if (raw[pos] === '"') {
      const quoted = readQuoted(raw, pos);
      if (!quoted) return undefined;
      items.push(quoted[0]);
      pos = quoted[1];
    } else {
      let end = pos;
      while (end < raw.length && raw[end] !== ',' && raw[end] !== ']') end++;
      const plain = raw.slice(pos, end);
      if (!isPlainSafe(plain, true)) return undefined;
      items.push(plain);
      pos = end;
    }
    if (raw[pos] === ']') return [items, pos + 1];
    if (raw[pos] !== ',' || raw[pos + 1] !== ' ') return undefined;
    pos += 2;
  }
}

/** A JSON string literal starting at `start`; JSON strings are valid YAML double-quoted scalars. */
function readQuoted(raw: string, start: number): [string, number] | undefined {
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === '\\') {
      i++;
      continue;
    }
    if (raw[i] === '"') {
      try {
        return [JSON.parse(raw.slice(start, i + 1)) as string, i + 1];
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
