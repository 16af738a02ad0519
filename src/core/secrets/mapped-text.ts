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
    /** A slice answers for its own characters only; the file itself also for the offset just past its end. */
    readonly isSlice = false,
  ) {}

  spansOf(from: number, to: number): Span[] {
    const end = this.isSlice ? Math.min(to, this.text.length) : to;
    return end > from ? [[this.base + from, this.base + end]] : [];
  }
}

/**
 * Where the characters of a built text come from: a run of the file
 * (`base` + i), characters of another built text, or made-up ones (-1).
 */
type Chunk =
  | { kind: 'file'; base: number; length: number }
  | { kind: 'copied'; starts: Int32Array | number[]; ends: Int32Array | number[] }
  | { kind: 'made-up'; length: number };

/**
 * Builds a mapped text one piece at a time. Whole texts are added as
 * chunks and copied once, into typed arrays, when it is built: joining a
 * long value costs a memory copy, not a call per character.
 */
export class MappedTextBuilder {
  private readonly parts: string[] = [];
  private readonly chunks: Chunk[] = [];
  /** Characters added one at a time, not yet closed into a chunk. */
  private starts: number[] = [];
  private ends: number[] = [];

  /**
   * `value` spelled by `source.text.slice(from, to)`: one character per
   * character of the slice (length equal), or all of `value` from the whole
   * slice (an escape sequence).
   */
  add(value: string, source: MappedText, from: number, to: number): this {
    if (value.length === 0) return this;
    if (value.length === to - from && (source instanceof SourceText || source instanceof BuiltText)) {
      return this.addMapped(sliceMapped(source, from, to));
    }
    if (value.length === to - from) {
      for (let i = 0; i < value.length; i++) this.push(value[i]!, source, from + i, from + i + 1);
    } else {
      for (const ch of value) this.push(ch, source, from, to);
    }
    return this;
  }

  /** Characters the file does not spell: the stand-in for an unknown value. */
  addMadeUp(value: string): this {
    this.flush();
    this.parts.push(value);
    this.chunks.push({ kind: 'made-up', length: value.length });
    return this;
  }

  /** All of another mapped text. */
  addMapped(other: MappedText): this {
    if (other.text.length === 0) return this;
    if (other instanceof SourceText) {
      this.flush();
      this.parts.push(other.text);
      this.chunks.push({ kind: 'file', base: other.base, length: other.text.length });
      return this;
    }
    if (other instanceof BuiltText) {
      this.flush();
      this.parts.push(other.text);
      this.chunks.push({ kind: 'copied', starts: other.starts, ends: other.ends });
      return this;
    }
    for (let i = 0; i < other.text.length; i++) this.push(other.text[i]!, other, i, i + 1);
    return this;
  }

  build(): MappedText {
    this.flush();
    const text = this.parts.join('');
    const starts = new Int32Array(text.length);
    const ends = new Int32Array(text.length);
    let at = 0;
    for (const chunk of this.chunks) {
      if (chunk.kind === 'file') {
        for (let i = 0; i < chunk.length; i++) {
          starts[at + i] = chunk.base + i;
          ends[at + i] = chunk.base + i + 1;
        }
        at += chunk.length;
      } else if (chunk.kind === 'copied') {
        starts.set(chunk.starts, at);
        ends.set(chunk.ends, at);
        at += chunk.starts.length;
      } else {
        starts.fill(-1, at, at + chunk.length);
        ends.fill(-1, at, at + chunk.length);
        at += chunk.length;
      }
    }
    return new BuiltText(text, starts, ends);
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

  /** Closes the characters added one at a time into a chunk. */
  private flush(): void {
    if (this.starts.length === 0) return;
    this.chunks.push({ kind: 'copied', starts: this.starts, ends: this.ends });
    this.starts = [];
    this.ends = [];
  }
}

class BuiltText implements MappedText {
  constructor(
    readonly text: string,
    readonly starts: Int32Array,
    readonly ends: Int32Array,
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

/** A slice of a mapped text, itself mapped (of the file or of a built text: without a copy). */
export function sliceMapped(source: MappedText, from: number, to: number): MappedText {
  const end = Math.max(from, Math.min(to, source.text.length));
  if (source instanceof SourceText) return new SourceText(source.text.slice(from, end), source.base + from, true);
  if (source instanceof BuiltText) return new BuiltText(source.text.slice(from, end), source.starts.subarray(from, end), source.ends.subarray(from, end));
  return {
    text: source.text.slice(from, to),
    spansOf: (a, b) => source.spansOf(from + a, from + Math.min(b, to - from)),
  };
}
