/**
 * A value as the scanners see it: the parts an expression joins
 * (`'a' || 'b'`, `"a" "b"`, `f"{x}-2"`), each the text of a constant or
 * unknown (a variable, a call). Unknown parts make the value a template,
 * and only the constant parts are a secret's pieces.
 */
import type { Candidate } from './candidate.js';
import { MappedTextBuilder, sliceMapped, type MappedText, type Span } from './mapped-text.js';
import { passwordValueKind } from './secret-values.js';

/** One part of a value: a constant's text, or undefined for a part that is not one. */
export type Part = MappedText | undefined;

/** What stands for an unknown part: `isPlaceholder` takes a value holding it for a template. */
export const UNKNOWN_PART = '{}';

/**
 * How deep the scanners read expressions inside each other (brackets,
 * calls, f-strings in f-strings). Python itself refuses more than 200
 * nested brackets and 150 nested f-strings (CPython's tokenizer, MAXLEVEL
 * and MAXFSTRINGLEVEL); no migration nests SQL that deep either.
 */
export const MAX_NESTING = 200;

/**
 * Thrown when a file would take more work to scan than its size allows
 * (ScanBudget) or nests deeper than MAX_NESTING. The scan stops and the
 * file is refused as too complex to check (find-secrets.ts): a value
 * treated as unknown instead would let a padded file hide a secret.
 */
export class ScanLimitExceeded extends Error {
  constructor(
    /** File offset where the scan stopped. */
    readonly at: number,
    readonly reason: 'work' | 'nesting',
  ) {
    super(`secret scan limit (${reason}) at offset ${at}`);
  }
}

/**
 * The work one scan may do, counted in characters of values built and
 * parts copied. Every copy of a value (a constant put into an f-string, a
 * `%` argument, a psql variable) costs its length, so the total work is
 * bounded by the budget whatever the file does: rebinding a name many
 * times, a value doubled on every line, one constant used in every string.
 */
class ScanBudget {
  constructor(private left: number) {}

  charge(units: number, at: number): void {
    this.left -= units;
    if (this.left < 0) throw new ScanLimitExceeded(at, 'work');
  }
}

let budget: ScanBudget | undefined;

/**
 * Runs a synchronous scan with `units` of work to spend (charged by
 * appendParts, joinParts and substitute); outside one, work is not counted.
 */
export function withScanBudget<T>(units: number, scan: () => T): T {
  const outer = budget;
  budget = new ScanBudget(units);
  try {
    return scan();
  } finally {
    budget = outer;
  }
}

/** Counts `units` of work against the running scan's budget; `at` is where the scan is. */
export function chargeWork(units: number, at: number): void {
  budget?.charge(units, at);
}

/** Throws ScanLimitExceeded when `nesting` exceeds MAX_NESTING. */
export function checkNesting(nesting: number, at: number): void {
  if (nesting > MAX_NESTING) throw new ScanLimitExceeded(at, 'nesting');
}

/** The first file offset a part spells, for a limit's report. */
function firstOffset(parts: readonly Part[]): number {
  for (const part of parts) {
    const span = part?.spansOf(0, 1)[0];
    if (span) return span[0];
  }
  return 0;
}

/** `source` appended to `target` (no spread: a long value would overflow the call stack). */
export function appendParts(target: Part[], source: readonly Part[]): void {
  chargeWork(source.length, firstOffset(source));
  for (const part of source) target.push(part);
}

/** The parts joined, each unknown part standing as UNKNOWN_PART. */
export function joinParts(parts: readonly Part[]): MappedText {
  if (parts.length === 1 && parts[0]) return parts[0];
  let length = 0;
  for (const part of parts) length += part ? part.text.length : UNKNOWN_PART.length;
  chargeWork(length, firstOffset(parts));
  const out = new MappedTextBuilder();
  for (const part of parts) {
    if (part) out.addMapped(part);
    else out.addMadeUp(UNKNOWN_PART);
  }
  return out.build();
}

/** A string expression as a scanner reads it. */
export interface Value {
  parts: Part[];
  /** Index of the first code token after the expression. */
  next: number;
  /** At least one part comes from a string literal (a number or a name alone is no string expression). */
  isString: boolean;
}

/**
 * `term ('+' term)*` from token `i`: the terms' parts joined, as Python
 * and JavaScript join strings with `+` (`isPlus`: whether a token is `+`).
 */
export function readSum(i: number, term: (i: number) => Value | undefined, isPlus: (i: number) => boolean): Value | undefined {
  const first = term(i);
  if (!first) return undefined;
  const value: Value = { ...first, parts: [] };
  appendParts(value.parts, first.parts);
  while (isPlus(value.next)) {
    const next = term(value.next + 1);
    if (!next) break;
    appendParts(value.parts, next.parts);
    value.next = next.next;
    value.isString ||= next.isString;
  }
  return value;
}

export interface PasswordRule {
  /** Shorter values are no findings (a one-letter keyword argument is rarely a password). */
  minLength: number;
  /** `guard/<rule>`. */
  rule: string;
  /** Further test of the joined value (not a type name, not an identifier). */
  accept?: ((value: string) => boolean) | undefined;
  /** Written where a hash goes (`IDENTIFIED BY VALUES`): a password hash whatever it looks like. */
  hash?: boolean;
  /** An unquoted value: a bind parameter (`:pw`, `$1`) is none. */
  unquoted?: boolean;
}

/**
 * The finding for a value written where a password goes, when its parts
 * joined make one: every constant part is one of its spans.
 */
export function passwordCandidate(parts: readonly Part[], rule: PasswordRule): Candidate | undefined {
  const joined = joinParts(parts).text;
  const kind = passwordValueKind(joined, rule.minLength, rule.unquoted);
  if (!kind || (rule.accept && !rule.accept(joined))) return undefined;
  const spans: Span[] = [];
  for (const part of parts) if (part) for (const span of part.spansOf(0, part.text.length)) spans.push(span);
  if (spans.length === 0) return undefined;
  return { at: spans[0]![0], spans, kind: rule.hash ? 'password hash' : kind, rule: `guard/${rule.rule}` };
}

/**
 * Parts with each match of `pattern` (flag g) in a constant part replaced,
 * as a format function does: by text the match spells (`%%` is `%`), by
 * other parts (an argument), or by an unknown part (null: an argument the
 * scanner cannot tell). `index` counts the matches replaced by parts so far:
 * the next positional argument; `before` is the character before the match.
 */
export function substitute(parts: readonly Part[], pattern: RegExp, replace: (match: string, index: number, before: string) => string | Part[] | null): Part[] {
  const out: Part[] = [];
  let index = 0;
  for (const part of parts) {
    if (!part) {
      out.push(part);
      continue;
    }
    let from = 0;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(part.text); match; match = pattern.exec(part.text)) {
      if (match.index > from) out.push(sliceMapped(part, from, match.index));
      const replacement = replace(match[0], index, part.text[match.index - 1] ?? '');
      if (replacement === null) out.push(undefined);
      else if (typeof replacement === 'string') out.push(new MappedTextBuilder().add(replacement, part, match.index, match.index + match[0].length).build());
      else {
        appendParts(out, replacement);
        index++;
      }
      from = match.index + match[0].length;
    }
    if (from < part.text.length) out.push(sliceMapped(part, from, part.text.length));
    chargeWork(part.text.length, firstOffset([part]));
  }
  return out;
}
