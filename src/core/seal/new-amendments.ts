import type { Amendment, Lockfile, SetAmendment } from '../lockfile/types.js';

/** The amendments a lockfile adds to the protected ref's: what a reviewer must look at. */
export interface NewAmendments {
  files: Amendment[];
  sets: SetAmendment[];
}

/**
 * The amendments `lock` records that the sealed lockfile does not: each one
 * lets a sealed migration or set change, so the CI gate shows them all, even
 * when every rule passes (an amendment is allowed, never silent).
 */
export function newAmendments(sealed: Lockfile, lock: Lockfile | undefined): NewAmendments {
  if (!lock) return { files: [], sets: [] };
  const known = new Set([...sealed.amendments, ...(sealed.setAmendments ?? [])].map(amendmentKey));
  return {
    files: lock.amendments.filter((amendment) => !known.has(amendmentKey(amendment))),
    sets: (lock.setAmendments ?? []).filter((amendment) => !known.has(amendmentKey(amendment))),
  };
}

/** Each amendment of `lists` once, in the order first seen. */
export function unionOfAmendments(lists: readonly NewAmendments[]): NewAmendments {
  const seen = new Set<string>();
  const once = <T extends Amendment | SetAmendment>(amendment: T) => {
    const key = amendmentKey(amendment);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return { files: lists.flatMap((list) => list.files).filter(once), sets: lists.flatMap((list) => list.sets).filter(once) };
}

function amendmentKey(amendment: Amendment | SetAmendment): string {
  return JSON.stringify(Object.entries(amendment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What a set amendment records, for messages: `moved to db/sql`. */
export function describeSetChange(amendment: SetAmendment): string {
  if (amendment.change === 'moved') return `moved to ${amendment.to} (its migrations stay sealed there)`;
  if (amendment.change === 'retooled') return `read by ${amendment.to} instead of ${amendment.from} (its files stay sealed by name)`;
  return 'dropped (guard no longer checks its migrations)';
}
