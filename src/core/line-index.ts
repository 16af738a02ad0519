/**
 * Offsets to lines in a text read once: where each line starts, and the
 * line of any offset by binary search (a file with thousands of findings or
 * statements is not rescanned for each).
 */
export interface LineIndex {
  /** Offset of the first character of each line, 0-based line numbers. */
  starts: number[];
  /** The 0-based line `offset` falls on. */
  lineOf(offset: number): number;
}

/** @example lineIndex('a\nb').lineOf(2) // 1 */
export function lineIndex(text: string): LineIndex {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    starts,
    lineOf(offset: number): number {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (starts[mid]! <= offset) low = mid;
        else high = mid - 1;
      }
      return low;
    },
  };
}
