import { extendChain } from '../chain-digest.js';
import { findConflictMarkers } from '../conflict-markers.js';
import { LOCKFILE_NAME, type LockEntry } from '../types.js';
import { yamlList, yamlScalar } from './grammar.js';
import { parseCanonicalLockfile } from './parse.js';
import { entryLine } from './serialize.js';

/** Where the set `dir` sits in a canonical lockfile text, found without splitting 10,000 lines. */
interface SetSpan {
  /** Offset of the `  - dir:` line. */
  start: number;
  /** Offsets of the heads and chain lines, and of the line after the chain. */
  heads: number;
  chain: number;
  afterChain: number;
  /** Offset of the first entry line, and of the line after the last one. */
  entries: number;
  end: number;
  /** The five header lines (dir, tool, heads, chain, migrations). */
  header: string[];
}

/** A newline not followed by an entry line: where a set's entries end (one native scan, not a loop over 10,000 lines). */
const AFTER_ENTRIES = /\n(?! {6}- \{)/g;

/** The last span found: the hook asks for the same set of the same text twice (readSetTail, then appendEntries). */
let lastSpan: { text: string; dir: string; span: SetSpan | undefined } | undefined;

function findSet(text: string, dir: string): SetSpan | undefined {
  if (lastSpan && lastSpan.text === text && lastSpan.dir === dir) return lastSpan.span;
  const span = locateSet(text, dir);
  lastSpan = { text, dir, span };
  return span;
}

function locateSet(text: string, dir: string): SetSpan | undefined {
  const marker = `\n  - dir: ${yamlScalar(dir, false)}\n`;
  const found = text.indexOf(marker);
  if (found === -1) return undefined;
  const start = found + 1;
  const header: string[] = [];
  const offsets: number[] = [];
  let at = start;
  for (let i = 0; i < 5; i++) {
    const newline = text.indexOf('\n', at);
    if (newline === -1) return undefined;
    offsets.push(at);
    header.push(text.slice(at, newline));
    at = newline + 1;
  }
  if (header[4] !== '    migrations:') return undefined;
  const entries = at;
  // Each entry is one line; the set ends after the last line that is one
  // (its newline included: an entry without one is not canonical).
  AFTER_ENTRIES.lastIndex = entries - 1;
  const after = AFTER_ENTRIES.exec(text);
  if (!after) return undefined;
  at = after.index + 1;
  if (at === entries) return undefined;
  return { start, heads: offsets[2]!, chain: offsets[3]!, afterChain: offsets[4]!, entries, end: at, header };
}

/**
 * The lockfile text with one migration appended at the end of the set `dir`
 * as its new single head: one new line, the heads line and the chain line
 * rewritten, the chain extended by one hash. Byte for byte what `guard lock`
 * would write for the same files, in a fraction of the time, which is what
 * a pre-commit hook on a 10,000-migration repository needs.
 *
 * Undefined when the text is not in the shape this edit assumes (not
 * canonical, an empty set, repeatable scripts that must stay last): the
 * caller then relocks in full.
 */
export function appendEntry(text: string, dir: string, tool: string, entry: LockEntry): string | undefined {
  const span = findSet(text, dir);
  if (!span) return undefined;
  if (span.header[1] !== `    tool: ${yamlScalar(tool, false)}` || !span.header[2]!.startsWith('    heads: [')) return undefined;
  const chain = /^ {4}chain: sha256:([0-9a-f]{64})$/.exec(span.header[3]!);
  if (!chain) return undefined;
  const repeatable = text.indexOf(', repeatable: true}', span.entries);
  if (repeatable !== -1 && repeatable < span.end) return undefined;
  return [
    text.slice(0, span.heads),
    `    heads: ${yamlList([entry.id])}\n`,
    `    chain: sha256:${extendChain(chain[1]!, entry)}\n`,
    text.slice(span.afterChain, span.end),
    `      - ${entryLine(entry)}\n`,
    text.slice(span.end),
  ].join('');
}

/** What an append to a set reads of it: its tool, its heads and its last entry. */
export interface SetTail {
  tool: string;
  heads: string[];
  last: LockEntry;
}

/**
 * The tool, heads and last entry of the set `dir`, read from its header and
 * last line only (as a small lockfile text of their own, so the one parser
 * reads and validates them). Undefined when the set is not found in
 * canonical shape, is empty, or its lines are not valid: the caller then
 * relocks in full, whose parser reports the problem with its line.
 */
export function readSetTail(text: string, dir: string): SetTail | undefined {
  const span = findSet(text, dir);
  if (!span) return undefined;
  const last = text.slice(text.lastIndexOf('\n', span.end - 2) + 1, span.end - 1);
  const top = text.slice(0, span.start);
  const algorithm = /^algorithm: (.*)$/m.exec(top)?.[1] ?? '';
  const semantic = /^semantic: (.*)$/m.exec(top)?.[1];
  const tail = ['lockfile: 1', `algorithm: ${algorithm}`, ...(semantic === undefined ? [] : [`semantic: ${semantic}`]), 'sets:', ...span.header, last, 'amendments: []', ''].join('\n');
  const set = parseCanonicalLockfile(tail, LOCKFILE_NAME)?.sets[0];
  const entry = set?.migrations[0];
  return set && entry ? { tool: set.tool, heads: set.heads, last: entry } : undefined;
}

/** One migration to append: the new last entry of the set `dir`, read by `tool`. */
export interface Addition {
  dir: string;
  tool: string;
  entry: LockEntry;
}

/**
 * The lockfile text with each addition appended to its set (appendEntry),
 * byte for byte what `guard lock` writes for the same files. Undefined when
 * any of them cannot be appended exactly: the text has CRLF line ends or
 * conflict markers, an id is already locked anywhere in it (Alembic ids are
 * free text: the full rules name the duplicate), or appendEntry declines.
 */
export function appendEntries(text: string, additions: readonly Addition[]): string | undefined {
  if (text.includes('\r') || findConflictMarkers(text).length > 0) return undefined;
  let next = text;
  for (const { dir, tool, entry } of additions) {
    if (next.includes(`- {id: ${yamlScalar(entry.id)}, `)) return undefined;
    const appended = appendEntry(next, dir, tool, entry);
    if (appended === undefined) return undefined;
    next = appended;
  }
  return next;
}

/**
 * Whether the canonical lockfile `text` locks exactly these sets, each with
 * its tool: the pre-commit hook's quick path vouches only for commits whose
 * config and lockfile agree on the sets (a set the config stopped listing
 * needs the full rules, which know what the protected ref sealed).
 */
export function locksExactlySets(text: string, sets: readonly { dir: string; tool: string }[]): boolean {
  const wanted = new Set(sets.map((set) => `  - dir: ${yamlScalar(set.dir, false)}\n    tool: ${yamlScalar(set.tool, false)}`));
  const found = new Set<string>();
  for (let at = text.indexOf('\n  - dir: '); at !== -1; at = text.indexOf('\n  - dir: ', at + 1)) {
    const endOfDir = text.indexOf('\n', at + 1);
    const endOfTool = endOfDir === -1 ? -1 : text.indexOf('\n', endOfDir + 1);
    const set = endOfTool === -1 ? undefined : text.slice(at + 1, endOfTool);
    // A set listed twice is not canonical (the parser refuses it): the full rules say so.
    if (set === undefined || !wanted.has(set) || found.has(set)) return false;
    found.add(set);
  }
  return found.size === wanted.size;
}
