/**
 * Text with the file offsets it came from. A string literal's value differs
 * from its spelling (`'it''s'` is `it's`, `E'\x41'` is `A`, `'a' || 'b'` is
 * `ab`), yet a secret found in the value must be reported and redacted where
 * it is written. Each character of a mapped text knows the span of the file
 * that spelled it; characters made up by the scanner (the stand-in for an
 * expression whose value is unknown) come from nowhere.
 */

/** Half-open range of UTF-16 offsets into the scanned file. */
export type Span = readonly [start: number, end: number];

/** A text whose characters can be traced back to the scanned file. */
export interface MappedText {
  readonly text: string;
  /** The file spans that spelled `text.slice(from, to)`, in order, adjacent ones merged; made-up characters have none. */
  spansOf(from: number, to: number): Span[];
}

/** `text` as it stands at offset `base` of the file (the file itself: base 0). */
export function sourceText(text: string, base = 0): MappedText {
  return new SourceText(text, base);
}

class SourceText implements MappedText {
  constructor(
    readonly text: string,
    readonly base: number,
  ) {}

  spansOf(from: number, to: number): Span[] {
    return to > from ? [[this.base + from, this.base + to]] : [];
  }
}

/** Builds a mapped text one piece at a time. */
export class MappedTextBuilder {
  private readonly parts: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /**
   * `value` spelled by `source.text.slice(from, to)`: one character per
   * character of the slice (length equal), or all of `value` from the whole
   * slice (an escape sequence).
   */
  add(value: string, source: MappedText, from: number, to: number): this {
    if (value.length === 0) return this;
    if (value.length === to - from && source instanceof SourceText) {
      this.parts.push(value);
      for (let i = 0; i < value.length; i++) {
        this.starts.push(source.base + from + i);
        this.ends.push(source.base + from + i + 1);
      }
    } else if (value.length === to - from) {
      for (let i = 0; i < value.length; i++) this.push(value[i]!, source, from + i, from + i + 1);
    } else {
      for (const ch of value) this.push(ch, source, from, to);
    }
    return this;
  }

  /** Characters the file does not spell: the stand-in for an unknown value. */
  addMadeUp(value: string): this {
    for (const ch of value) {
      this.parts.push(ch);
      for (let i = 0; i < ch.length; i++) {
        this.starts.push(-1);
        this.ends.push(-1);
      }
    }
    return this;
  }

  /** All of another mapped text. */
  addMapped(other: MappedText): this {
    if (other instanceof BuiltText) {
      this.parts.push(other.text);
      // No spread: a long text would overflow the call stack.
      for (const start of other.starts) this.starts.push(start);
      for (const end of other.ends) this.ends.push(end);
      return this;
    }
    return this.add(other.text, other, 0, other.text.length);
  }

  build(): MappedText {
    return new BuiltText(this.parts.join(''), this.starts, this.ends);
  }

  private push(ch: string, source: MappedText, from: number, to: number): void {
    const spans = source.spansOf(from, to);
    const start = spans.length === 0 ? -1 : spans[0]![0];
    const end = spans.length === 0 ? -1 : spans[spans.length - 1]![1];
    this.parts.push(ch);
    for (let i = 0; i < ch.length; i++) {
      this.starts.push(start);
      this.ends.push(end);
    }
  }
}

class BuiltText implements MappedText {
  constructor(
    readonly text: string,
    readonly starts: readonly number[],
    readonly ends: readonly number[],
  ) {}

  spansOf(from: number, to: number): Span[] {
    const spans: Array<[number, number]> = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.starts.length); i++) {
      const start = this.starts[i]!;
      if (start === -1) continue;
      const end = this.ends[i]!;
      const last = spans[spans.length - 1];
      if (last && start <= last[1] && end >= last[0]) {
        last[0] = Math.min(last[0], start);
        last[1] = Math.max(last[1], end);
      } else spans.push([start, end]);
    }
    return spans;
  }
}

/**
 * What a spelling stands for at one offset: a value and the offset after
 * its spelling, or undefined where the character stands for itself.
 */
export type EscapeAt = (at: number) => readonly [value: string, end: number] | undefined;

/**
 * Decodes `source.text[from, to)` into `out`, each escape (as `escapeAt`
 * finds them) mapped to the whole of its spelling, every other character to
 * itself.
 */
export function decodeInto(out: MappedTextBuilder, source: MappedText, from: number, to: number, escapeAt: EscapeAt): void {
  const text = source.text;
  let run = from;
  let j = from;
  while (j < to) {
    const escape = escapeAt(j);
    if (escape === undefined) {
      j++;
      continue;
    }
    out.add(text.slice(run, j), source, run, j).add(escape[0], source, j, escape[1]);
    j = run = Math.max(escape[1], j + 1);
  }
  out.add(text.slice(run, to), source, run, to);
}

/** A slice of a mapped text, itself mapped. */
export function sliceMapped(source: MappedText, from: number, to: number): MappedText {
  return {
    text: source.text.slice(from, to),
    spansOf: (a, b) => source.spansOf(from + a, from + Math.min(b, to - from)),
  };
}
