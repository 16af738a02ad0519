/**
 * From candidates to what a user sees: one hit per secret with its line and
 * column, the line's excerpt with every secret on it redacted, guard's
 * allow markers applied, and at most MAX_HITS_PER_FILE per file.
 */
import { lineIndex } from '../line-index.js';
import type { Candidate } from './candidate.js';
import type { Span } from './mapped-text.js';

/** One secret found in a file. The secret itself is never part of it. */
export interface SecretHit {
  /** The file name as given to findSecrets. */
  file: string;
  /** 1-based line where the secret starts. */
  line: number;
  /** 1-based column (UTF-16 code units) where the secret starts. */
  column: number;
  /** Human name: "AWS access key ID", "private key", "URL with a password", "password literal", ... */
  kind: string;
  /** Which rule found it: `secretlint/<rule>` or `guard/<rule>`. */
  rule: string;
  /** The line, trimmed and with every secret on it redacted (first 4 characters of a long secret, then `****`). */
  excerpt: string;
}

/** Marker that silences findings on its own line. */
export const ALLOW_SECRET_MARKER = 'guard:allow-secret';
/** Marker that silences findings on the next line. */
export const ALLOW_SECRET_NEXT_LINE_MARKER = 'guard:allow-secret-next-line';

/** Kind of the finding for a file the tokenizers stopped reading (SCAN_WORK_PER_CHARACTER, MAX_NESTING). */
export const TOO_COMPLEX_KIND = 'too complex to check for secrets';

/** Findings kept per file: a file with more is refused either way, and its first ones say why. */
export const MAX_HITS_PER_FILE = 100;

export function toHits(text: string, file: string, candidates: Candidate[]): SecretHit[] {
  const { starts: lineStarts, lineOf } = lineIndex(text);
  const lineText = (index: number): string => {
    const start = lineStarts[index]!;
    const next = lineStarts[index + 1];
    return text.slice(start, next === undefined ? text.length : next - 1).replace(/\r$/, '');
  };

  // Every piece of every secret is redacted on its line, whichever finding
  // the excerpt is for; a piece over several lines (a dollar-quoted value)
  // on each of them.
  const redactionsByLine = new Map<number, Redaction[]>();
  // A constant used in many places makes many findings with the same spans: each is redacted once.
  const redacted = new Set<string>();
  for (const candidate of candidates) {
    candidate.spans.forEach(([start, end], index) => {
      const key = `${start},${end},${index === 0 && showsPrefix(candidate.kind)}`;
      if (redacted.has(key)) return;
      redacted.add(key);
      for (let from = start; from < end; ) {
        const line = lineOf(from);
        const lineStart = lineStarts[line]!;
        const next = lineStarts[line + 1] ?? text.length;
        const to = Math.min(end, next);
        const redactions = redactionsByLine.get(line) ?? [];
        const showPrefix = index === 0 && from === start && showsPrefix(candidate.kind);
        const startColumn = from - lineStart;
        redactions.push([startColumn, Math.max(Math.min(to - lineStart, lineText(line).length), startColumn + 1), showPrefix]);
        redactionsByLine.set(line, redactions);
        from = next;
      }
    });
  }

  // The finding that covers most is kept when several find one secret
  // (secretlint and a rule, or a statement's value and a piece of it).
  const covered = new Map(candidates.map((candidate) => [candidate, candidate.spans.reduce((sum, [start, end]) => sum + end - start, 0)]));
  const sorted = [...candidates].sort((a, b) => a.spans[0]![0] - b.spans[0]![0] || covered.get(b)! - covered.get(a)!);
  const kept = new KeptSpans();
  // One excerpt per line, however many findings it has (a long line is redacted once).
  const excerpts = new Map<number, string>();
  const excerptOf = (line: number): string => {
    let excerpt = excerpts.get(line);
    if (excerpt === undefined) {
      excerpt = redactLine(lineText(line), redactionsByLine.get(line) ?? []);
      excerpts.set(line, excerpt);
    }
    return excerpt;
  };
  const hits: SecretHit[] = [];
  for (const candidate of sorted) {
    if (hits.length >= MAX_HITS_PER_FILE) break;
    const line = lineOf(candidate.at);
    const current = lineText(line);
    const tooComplex = candidate.kind === TOO_COMPLEX_KIND;
    if (!tooComplex) {
      // The markers are for fake secrets; a scan cut short is no secret to allow.
      if (current.includes(ALLOW_SECRET_MARKER) && !current.includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
      if (line > 0 && lineText(line - 1).includes(ALLOW_SECRET_NEXT_LINE_MARKER)) continue;
      if (kept.overlaps(candidate.spans)) continue;
      kept.add(candidate.spans);
    }
    hits.push({
      file,
      line: line + 1,
      column: candidate.at - lineStarts[line]! + 1,
      kind: candidate.kind,
      rule: candidate.rule,
      // Where a scan stopped, nothing of the line is shown: it was not read for secrets.
      excerpt: tooComplex ? '' : excerptOf(line),
    });
  }
  return hits.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The spans of the findings kept so far, merged and sorted, for a binary search of each new one. */
class KeptSpans {
  private spans: Array<[number, number]> = [];

  overlaps(spans: readonly Span[]): boolean {
    for (const [start, end] of spans) {
      // The last kept span that starts before `end`.
      let lo = 0;
      let hi = this.spans.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.spans[mid]![0] < end) lo = mid + 1;
        else hi = mid;
      }
      const before = this.spans[lo - 1];
      if (before && before[1] > start) return true;
    }
    return false;
  }

  /** Adds a finding's spans (at most MAX_HITS_PER_FILE times a file: a sort each time is cheap). */
  add(spans: readonly Span[]): void {
    const all = [...this.spans, ...spans.map(([start, end]): [number, number] => [start, end])].sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const span of all) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    this.spans = merged;
  }
}

/**
 * Whether a redacted secret keeps its first 4 characters (when 16 or more
 * long): a token's prefix names its vendor (`ghp_`, `sk_l`); a password
 * chosen by a person shows nothing of itself.
 */
function showsPrefix(kind: string): boolean {
  return kind !== 'password literal' && kind !== 'URL with a password';
}

/** Columns [start, end) of a line to redact, and whether the first 4 characters may stay. */
export type Redaction = readonly [start: number, end: number, showPrefix?: boolean];

const MAX_EXCERPT = 160;

/** The line with each span replaced by `****` (after its first 4 characters when it may show them and is 16 or more long); trimmed, and cut when long. */
export function redactLine(line: string, spans: ReadonlyArray<Redaction>): string {
  const merged: Array<[number, number, boolean]> = [];
  for (const [start, end, showPrefix = false] of [...spans].sort((a, b) => a[0] - b[0] || b[1] - a[1])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end, showPrefix]);
  }
  let out = '';
  let at = 0;
  let firstSecret = -1;
  for (const [start, end, showPrefix] of merged) {
    out += line.slice(at, start);
    if (firstSecret === -1) firstSecret = out.length;
    out += `${showPrefix && end - start >= 16 ? line.slice(start, start + 4) : ''}****`;
    at = end;
  }
  out += line.slice(at);
  const leading = out.length - out.trimStart().length;
  out = out.trim();
  if (out.length <= MAX_EXCERPT) return out;
  const from = Math.max(0, Math.min(firstSecret - leading - 40, out.length - MAX_EXCERPT));
  return `${from > 0 ? '…' : ''}${out.slice(from, from + MAX_EXCERPT)}${from + MAX_EXCERPT < out.length ? '…' : ''}`;
}
