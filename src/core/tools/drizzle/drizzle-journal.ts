import { contentChecksum } from '../../checksum.js';
import { decodeText } from '../../migrations/decode-text.js';
import { displayOf, type DiscoverOptions, type FileReading, type IndexEntry } from '../../migrations/types.js';

/**
 * Drizzle Kit's journal, `meta/_journal.json` in the migrations folder
 * (`out` of drizzle.config.ts). drizzle-kit appends one entry per
 * `drizzle-kit generate` (`{ idx, version, when, tag, breakpoints }`, `when`
 * being Date.now() then), and drizzle-orm's migrator (`readMigrationFiles`
 * in drizzle-orm/migrator) runs `<tag>.sql` for each entry in journal order,
 * recording the entry's `when` as `created_at` in its table. The journal,
 * not the folder, decides what runs: a `.sql` file it does not list never
 * runs, and an entry without its file stops the migrator.
 */
export const DRIZZLE_JOURNAL = 'meta/_journal.json';

/** One entry of the journal as guard keeps it: the migration's id is its `when` (what the table records). */
export interface JournalEntry extends IndexEntry {
  /** `when`, as decimal text. */
  id: string;
  /** `<tag>.sql`. */
  file: string;
  /** 1-based line of the entry's `tag` in the journal. */
  line: number;
}

/**
 * The reading of the journal: its checksum and the entries it lists, or why
 * drizzle's migrator could not read it either (not JSON, no `entries`, an
 * entry without a numeric `when` or a string `tag`, a tag that names a file
 * outside the folder).
 */
export function readDrizzleJournal(path: string, bytes: Uint8Array, options?: DiscoverOptions): FileReading {
  const sha256 = contentChecksum(bytes);
  const show = displayOf(options)(path);
  const decoded = decodeText(show, bytes);
  if ('problem' in decoded) return { sha256, problem: { ...decoded.problem, file: path } };
  const unreadable = (message: string, line?: number): FileReading => ({
    sha256,
    problem: { code: 'unparseable', exitCode: 2, file: path, ...(line ? { line } : {}), message: `${show}${line ? `:${line}` : ''} ${message}`, fix: `restore ${show} as drizzle-kit wrote it (git log -p ${show}); drizzle-orm's migrator cannot read it either` },
  });
  let journal: unknown;
  try {
    // As drizzle-orm reads it: JSON.parse of the whole text, so a byte-order mark fails there too.
    journal = JSON.parse(decoded.text);
  } catch (error) {
    return unreadable(`is not JSON (${(error as Error).message})`);
  }
  const entries = (journal as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return unreadable('has no `entries` list');
  const lines = tagLines(decoded.text);
  const index: JournalEntry[] = [];
  for (const [position, entry] of entries.entries()) {
    const { when, tag } = (entry ?? {}) as { when?: unknown; tag?: unknown };
    if (typeof tag !== 'string' || tag === '') return unreadable(`entry ${position} has no \`tag\``);
    const line = lines.get(tag) ?? 0;
    if (typeof when !== 'number' || !Number.isSafeInteger(when) || when < 0) return unreadable(`entry ${tag} has no whole-number \`when\` (drizzle records it as created_at)`, line);
    // The migrator reads `${folder}/${tag}.sql`: a tag with a path would run a file guard does not seal as this set's.
    if (/[/\\]/.test(tag) || tag === '.' || tag === '..') return unreadable(`entry ${tag} names a path, not a file of the folder`, line);
    index.push({ id: String(when), file: `${tag}.sql`, line });
  }
  return { sha256, index };
}

/** The line of each `"tag": "..."` in the journal, for messages. */
function tagLines(text: string): Map<string, number> {
  const found = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    const match = /"tag"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (!match) return;
    let tag: string;
    try {
      tag = JSON.parse(`"${match[1]!}"`) as string;
    } catch {
      return;
    }
    if (!found.has(tag)) found.set(tag, index + 1);
  });
  return found;
}
