import { readTextFile } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type Problem, type ToolAdapter } from '../../migrations/types.js';
import { linearSet } from '../../migrations/version-order.js';
import { DRIZZLE_JOURNAL, readDrizzleJournal, type JournalEntry } from './drizzle-journal.js';

/**
 * Drizzle Kit's migrations folder: `<tag>.sql` files (`0000_<name>.sql` by
 * default; `migrations.prefix` may make the prefix a timestamp or nothing)
 * and `meta/`, which holds the journal and one schema snapshot per migration
 * (`meta/0000_snapshot.json`). drizzle-orm's migrator runs what the journal
 * lists, in its order (DRIZZLE_JOURNAL), and records each entry's `when` as
 * `created_at`; it runs an entry only when its `when` is after the newest
 * `created_at` recorded (pg-core's `PgDialect.migrate`). So a migration's id
 * here is its `when`, the set's order is the journal's, and the journal
 * agreeing with the files is a rule. Snapshots are drizzle-kit's memory of
 * the schema for its next diff; nothing runs them, so they are ignored.
 */
export const drizzleAdapter: ToolAdapter = {
  tool: 'drizzle',
  // The journal sits in meta/.
  recursiveByDefault: true,

  candidate(path) {
    return path === DRIZZLE_JOURNAL || (path.endsWith('.sql') && !path.startsWith('meta/'));
  },

  readFile(path, bytes, options) {
    return path === DRIZZLE_JOURNAL ? readDrizzleJournal(path, bytes, options) : readTextFile(path, bytes, options);
  },

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const ignored: string[] = [];
    const scripts = new Map<string, string>();
    // Files that exist but cannot be read: already reported, never "missing".
    const unreadable = new Set<string>();
    let journal: JournalEntry[] | undefined;
    for (const file of files) {
      if (!drizzleAdapter.candidate(file.path)) {
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(drizzleAdapter, file, options);
      if (reading.problem) {
        problems.push(reading.problem);
        unreadable.add(file.path);
      } else if (file.path === DRIZZLE_JOURNAL) journal = (reading.index ?? []) as JournalEntry[];
      else scripts.set(file.path, reading.sha256);
    }
    const journalShown = show(DRIZZLE_JOURNAL);
    if (journal === undefined) {
      if (!problems.some((problem) => problem.file === DRIZZLE_JOURNAL)) {
        problems.push({
          code: 'index-mismatch',
          exitCode: 1,
          file: DRIZZLE_JOURNAL,
          message: `${journalShown} is missing: drizzle's migrator runs only the migrations its journal lists, and stops without one`,
          fix: `restore ${journalShown} (drizzle-kit generate writes it), or check the set's dir in the config: it is drizzle.config.ts's \`out\``,
        });
      }
      return result([], problems, ignored, [...scripts.keys()]);
    }
    const migrations = journalOrder(journal.filter((entry) => !unreadable.has(entry.file)), scripts, show, problems);
    const listed = new Set(journal.map((entry) => entry.file));
    for (const file of scripts.keys()) {
      if (listed.has(file)) continue;
      problems.push({
        code: 'index-mismatch',
        exitCode: 1,
        file,
        message: `${show(file)} is not in ${journalShown}: drizzle's migrator never runs it`,
        fix: `write migrations with \`drizzle-kit generate\` (or \`drizzle-kit generate --custom\` for hand-written SQL), which adds the journal entry; or delete ${show(file)}`,
      });
    }
    return result(migrations, problems, ignored, []);
  },
};

/** The journal's entries as migrations, in its order, with what drizzle's migrator would stop at or skip. */
function journalOrder(journal: readonly JournalEntry[], scripts: ReadonlyMap<string, string>, show: (path: string) => string, problems: Problem[]): Migration[] {
  const at = (entry: JournalEntry) => `${show(DRIZZLE_JOURNAL)}${entry.line ? `:${entry.line}` : ''}`;
  const migrations: Migration[] = [];
  const byId = new Map<string, JournalEntry>();
  const byFile = new Set<string>();
  let newest: JournalEntry | undefined;
  for (const entry of journal) {
    const sha256 = scripts.get(entry.file);
    if (sha256 === undefined) {
      problems.push({
        code: 'index-mismatch',
        exitCode: 1,
        file: entry.file,
        message: `${at(entry)} lists ${show(entry.file)}, which does not exist: drizzle's migrator stops there ("No file ${entry.file} found")`,
        fix: `restore ${show(entry.file)}, or remove its entry from ${show(DRIZZLE_JOURNAL)} with \`drizzle-kit drop\` if it was never deployed`,
      });
      continue;
    }
    if (byFile.has(entry.file)) {
      problems.push({ code: 'duplicate-id', exitCode: 1, file: entry.file, message: `${at(entry)} lists ${show(entry.file)} twice: drizzle's migrator would run it twice`, fix: `remove the second entry of ${entry.file.replace(/\.sql$/, '')} from ${show(DRIZZLE_JOURNAL)}` });
      continue;
    }
    const twin = byId.get(entry.id);
    if (twin) {
      problems.push({
        code: 'duplicate-id',
        exitCode: 1,
        file: entry.file,
        message: `${show(twin.file)} and ${show(entry.file)} have the same journal \`when\` ${entry.id} (${at(entry)}): a database that applied one records that time and skips the other`,
        fix: `give ${show(entry.file)}'s entry in ${show(DRIZZLE_JOURNAL)} a \`when\` after every earlier entry's`,
      });
      continue;
    }
    if (newest && BigInt(entry.id) < BigInt(newest.id)) {
      problems.push({
        code: 'index-order',
        exitCode: 1,
        file: entry.file,
        message: `${show(entry.file)} has journal \`when\` ${entry.id} (${at(entry)}), before ${show(newest.file)}'s ${newest.id} listed above it: drizzle's migrator runs an entry only when its \`when\` is after the newest it recorded, so every database that applied ${show(newest.file)} skips ${show(entry.file)} without a word`,
        fix: `if ${show(entry.file)} was never deployed, set its \`when\` in ${show(DRIZZLE_JOURNAL)} after ${newest.id} (and after every entry above it); otherwise apply it by hand where it was skipped`,
      });
    }
    byId.set(entry.id, entry);
    byFile.add(entry.file);
    if (!newest || BigInt(entry.id) > BigInt(newest.id)) newest = entry;
    migrations.push({ id: entry.id, file: entry.file, parents: [], sha256 });
  }
  return migrations;
}

function result(migrations: Migration[], problems: Problem[], ignored: string[], unlisted: string[]): DiscoveredSet {
  return linearSet('drizzle', migrations, { problems, ignored: [...ignored, ...unlisted] });
}
