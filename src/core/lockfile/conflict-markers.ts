/**
 * Git's conflict markers, in the default (merge) and diff3/zdiff3 styles
 * (https://git-scm.com/docs/git-merge#_how_conflicts_are_presented).
 */
const OURS = /^<{7}(?: |\r?$)/;
const BASE = /^\|{7}(?: |\r?$)/;
const SEPARATOR = /^={7}\r?$/;
const THEIRS = /^>{7}(?: |\r?$)/;

/** 1-based lines that hold a conflict marker. */
export function findConflictMarkers(text: string): number[] {
  if (!text.includes('<<<<<<<') && !text.includes('>>>>>>>')) return [];
  const found: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (OURS.test(line) || BASE.test(line) || SEPARATOR.test(line) || THEIRS.test(line)) found.push(i + 1);
  });
  return found;
}

/**
 * The two sides of a conflicted file: lines outside conflicts go to both, the
 * `<<<<<<<` part to ours, the `>>>>>>>` part to theirs, a diff3 base to neither.
 * Undefined when the markers are not properly nested.
 */
export function splitConflictSides(text: string): { ours: string; theirs: string } | undefined {
  const ours: string[] = [];
  const theirs: string[] = [];
  let state: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  for (const line of text.split('\n')) {
    if (OURS.test(line)) {
      if (state !== 'both') return undefined;
      state = 'ours';
    } else if (BASE.test(line)) {
      if (state !== 'ours') return undefined;
      state = 'base';
    } else if (SEPARATOR.test(line) && (state === 'ours' || state === 'base')) {
      state = 'theirs';
    } else if (THEIRS.test(line)) {
      if (state !== 'theirs') return undefined;
      state = 'both';
    } else if (state === 'both') {
      ours.push(line);
      theirs.push(line);
    } else if (state === 'ours') ours.push(line);
    else if (state === 'theirs') theirs.push(line);
  }
  if (state !== 'both') return undefined;
  return { ours: ours.join('\n'), theirs: theirs.join('\n') };
}
