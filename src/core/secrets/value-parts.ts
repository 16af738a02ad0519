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
 * Limits on what the scanners build, so that hostile input ends quickly
 * and never exhausts the stack: a value of more parts or characters than
 * this is unknown (`S = S + S` repeated doubles a value each line), and an
 * expression nested deeper than MAX_NESTING (brackets, calls) is not read.
 */
export const MAX_PARTS = 10_000;
export const MAX_VALUE_LENGTH = 1_000_000;
export const MAX_NESTING = 64;

/** `parts`, or a single unknown part when they exceed MAX_PARTS or MAX_VALUE_LENGTH. */
export function bounded(parts: Part[]): Part[] {
  if (parts.length > MAX_PARTS) return [undefined];
  let length = 0;
  for (const part of parts) {
    length += part ? part.text.length : UNKNOWN_PART.length;
    if (length > MAX_VALUE_LENGTH) return [undefined];
  }
  return parts;
}

/** `source` appended to `target` (no spread: a long value would overflow the call stack). */
export function appendParts(target: Part[], source: readonly Part[]): void {
  for (const part of source) target.push(part);
}

/** The parts joined, each unknown part standing as UNKNOWN_PART. */
export function joinParts(parts: readonly Part[]): MappedText {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new MappedTextBuilder();
  for (const part of parts) {
    if (part) out.addMapped(part);
    else out.addMadeUp(UNKNOWN_PART);
  }
  return out.build();
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
 * the next positional argument.
 */
export function substitute(parts: readonly Part[], pattern: RegExp, replace: (match: string, index: number) => string | Part[] | null): Part[] {
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
      const replacement = replace(match[0], index);
      if (replacement === null) out.push(undefined);
      else if (typeof replacement === 'string') out.push(new MappedTextBuilder().add(replacement, part, match.index, match.index + match[0].length).build());
      else {
        appendParts(out, replacement);
        index++;
      }
      from = match.index + match[0].length;
    }
    if (from < part.text.length) out.push(sliceMapped(part, from, part.text.length));
  }
  return bounded(out);
}
