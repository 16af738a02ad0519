/**
 * Names bound to string values where a scanner met their binding
 * (`ROLE_PW = "..."`, `const pw = '...'`), so that a value assigned in one
 * place and used in another is read as the same value.
 */
import type { MappedText } from './mapped-text.js';

/** Names bound to a string value, each binding where it is made; looked up by position with a binary search. */
export class Bindings {
  private readonly byName = new Map<string, Array<{ at: number; value: MappedText }>>();
  /** The values bound, which the scan of the binding's own expression has read. */
  readonly values = new WeakSet<MappedText>();

  add(name: string, at: number, value: MappedText): void {
    const list = this.byName.get(name) ?? [];
    // Bindings come in order of position but for a few (parameters, walrus): keep the list sorted.
    let index = list.length;
    while (index > 0 && list[index - 1]!.at > at) index--;
    list.splice(index, 0, { at, value });
    this.byName.set(name, list);
    this.values.add(value);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The value of `name` at file offset `at`: its latest binding before, else its first one. */
  at(name: string, at: number): MappedText | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return list[Math.max(0, lo - 1)]!.value;
  }
}
