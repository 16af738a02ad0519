/**
 * A finding before it is placed on a line and given an excerpt: where the
 * secret is written in the file, every piece of it.
 */
import type { MappedText, Span } from './mapped-text.js';

export interface Candidate {
  /** File offset where the finding is reported (its line and column). */
  at: number;
  /** Every piece of the file that spells the secret: each is redacted. */
  spans: Span[];
  kind: string;
  /** `guard/<rule>` or `secretlint/<rule>`. */
  rule: string;
}

/**
 * The candidate for `source.text.slice(from, to)`, or undefined when no
 * character of it is written in the file (a value the scanner made up).
 */
export function candidateAt(source: MappedText, from: number, to: number, kind: string, rule: string, at?: number): Candidate | undefined {
  const spans = source.spansOf(from, to);
  if (spans.length === 0) return undefined;
  return { at: at ?? spans[0]![0], spans, kind, rule };
}
