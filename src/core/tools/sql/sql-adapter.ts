import { readTextFile } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type NamingScheme, type Problem, type SourceFile, type ToolAdapter } from '../../migrations/types.js';
import { linearSet, orderByVersion, type Versioned } from '../../migrations/version-order.js';
import { parseVersionedName, detectScheme, type ParsedName } from './naming-scheme.js';

/**
 * Plain SQL migrations, one file each (`001_create_users.sql`), or an
 * `.up.sql` / `.down.sql` pair counted as one migration (golang-migrate,
 * dbmate style). The naming scheme is the config's `naming`, or the one most
 * files follow; a file that breaks it is reported, because a misnamed file is
 * one the runner may silently skip or apply out of order. A misnamed file
 * whose name still starts with a version is a migration to the tools (they
 * read the number), so it stays one here too: ordered by that number, and
 * locked, its problem a warning once it was locked (acceptLockedNames).
 */
export const sqlAdapter: ToolAdapter = {
  tool: 'sql',
  recursiveByDefault: false,

  candidate(path) {
    return path.endsWith('.sql');
  },

  readFile: readTextFile,

  discover(files, options): DiscoveredSet {
    const show = displayOf(options);
    const problems: Problem[] = [];
    const ignored: string[] = [];
    const readable: SourceFile[] = [];
    const checksums = new Map<string, string>();
    for (const file of files) {
      if (!file.path.endsWith('.sql')) {
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(sqlAdapter, file, options);
      if (reading.problem) problems.push(reading.problem);
      else {
        readable.push(file);
        checksums.set(file.path, reading.sha256);
      }
    }

    const names = readable.map((file) => parseVersionedName(file.path, options?.versions));
    const scheme: NamingScheme | undefined = options?.naming ?? detectScheme(names);

    // Keyed by path without `.sql` / `.up.sql` / `.down.sql`, so pairs match
    // within one folder only. Every up file is kept: two with one version
    // (`001_a.sql` and `001_a.up.sql`) are reported as duplicates by orderByVersion.
    const ups: Array<{ file: SourceFile; name: ParsedName; pair: string }> = [];
    const downs = new Map<string, SourceFile>();
    const versioned: Versioned[] = [];
    readable.forEach((file, i) => {
      const name = names[i]!;
      const broken = scheme === undefined ? 'no naming scheme fits' : name.breaks(scheme);
      if (broken) {
        problems.push(namingProblem(file.path, name, scheme, broken, show));
        // A name with a version is still a migration to the tools, which read
        // the number whatever the scheme: it is locked and ordered by it, and
        // the problem is a warning once it was locked (acceptLockedNames).
        if (name.version === '') return;
      }
      const pair = `${file.path.slice(0, file.path.lastIndexOf('/') + 1)}${name.stem}`;
      if (name.direction === 'down') downs.set(pair, file);
      else ups.push({ file, name, pair });
    });

    for (const { file, name, pair } of ups) {
      const migration: Migration = { id: name.version, file: file.path, parents: [], sha256: checksums.get(file.path)! };
      const down = downs.get(pair);
      if (down) {
        migration.down = { file: down.path, sha256: checksums.get(down.path)! };
        downs.delete(pair);
      }
      versioned.push({ migration, key: name.key(scheme ?? 'sequential') });
    }
    for (const down of downs.values()) {
      problems.push({
        code: 'orphan-down',
        exitCode: 1,
        file: down.path,
        message: `${show(down.path)} has no matching .up.sql file`,
        fix: `add ${show(down.path.replace(/\.down\.sql$/, '.up.sql'))} or delete the down file`,
      });
    }
    const warnings = scheme === 'sequential' ? paddingWarnings(ups.map(({ file, name }) => ({ path: file.path, version: name.version })), show) : [];

    const ordered = orderByVersion(versioned, show);
    return linearSet('sql', ordered.migrations, { problems: [...problems, ...ordered.problems], ignored, warnings });
  },
};

function namingProblem(path: string, name: ParsedName, scheme: NamingScheme | undefined, broken: string, show: (path: string) => string): Problem {
  const example = scheme ? exampleName(scheme) : '001_create_users.sql';
  // Only the date is wrong: the tool may well read the version as a number.
  const onlyTheDate = scheme !== undefined && scheme !== 'sequential' && parseVersionedName(path, 'numbers').breaks(scheme) === undefined;
  return {
    code: 'naming',
    exitCode: 1,
    file: path,
    message: `${show(path)} breaks the ${scheme ?? 'sql'} naming scheme: ${broken}`,
    fix:
      name.version === ''
        ? `rename it like ${example}; if it is not a migration (a helper or seed the tool does not run), add it to the set's \`exclude:\` list in the config`
        : onlyTheDate
          ? `if the migration tool reads versions as numbers (golang-migrate, dbmate), set \`versions: numbers\` for this set in the config; otherwise rename it like ${example} before it is deployed`
          : `rename it like ${example} before it is deployed`,
  };
}

/**
 * Versions padded to different widths in one set (`0002-x.sql` beside
 * `00010-y.sql`): the tools order them by number, and so does guard, but a
 * listing by name shows another order, so the set says so once. A version
 * is padded differently when it has leading zeros and another width than
 * most, or fewer digits than most without them.
 */
function paddingWarnings(versions: readonly { path: string; version: string }[], show: (path: string) => string): Problem[] {
  const widths = new Map<number, number>();
  for (const { version } of versions) widths.set(version.length, (widths.get(version.length) ?? 0) + 1);
  let width = 0;
  for (const [length, count] of widths) if (count > (widths.get(width) ?? 0)) width = length;
  const odd = versions.filter(({ version }) => (version.startsWith('0') && version.length > 1 ? version.length !== width : version.length < width));
  if (odd.length === 0 || !versions.some(({ version }) => version.startsWith('0'))) return [];
  const named = odd.slice(0, 3).map(({ path }) => show(path)).join(', ') + (odd.length > 3 ? `, and ${odd.length - 3} more` : '');
  return [
    {
      code: 'padding',
      exitCode: 1,
      file: odd[0]!.path,
      message: `${named} ${odd.length === 1 ? 'is' : 'are'} zero-padded to another width than the other versions (${width} digits): ordered by number, as the migration tools do, not by name`,
      fix: `nothing to change in files already deployed (a renamed one would run again); name new migrations with ${width} digits`,
    },
  ];
}

function exampleName(scheme: NamingScheme): string {
  switch (scheme) {
    case 'sequential':
      return '042_add_orders.sql';
    case 'timestamp':
      return '20260115120000_add_orders.sql';
    case 'hybrid':
      return '2026_01_15_001_add_orders.sql';
  }
}
