/** A `meta/_journal.json` as drizzle-kit 0.31 writes it (JSON.stringify(journal, null, 2)), for tests that build a Drizzle folder. */
export function journal(entries: ReadonlyArray<{ tag: string; when: number }>): string {
  return JSON.stringify(
    { version: '7', dialect: 'postgresql', entries: entries.map((entry, idx) => ({ idx, version: '7', when: entry.when, tag: entry.tag, breakpoints: true })) },
    null,
    2,
  );
}
