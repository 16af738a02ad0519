import { readTextFile } from '../decode-text.js';
import { displayOf, readingOf, type DiscoveredSet, type Migration, type NamingScheme, type Problem, type SourceFile, type ToolAdapter } from '../types.js';
import { linearEnds, orderByVersion, type Versioned } from '../version-order.js';
import { parseVersionedName, detectScheme, type ParsedName } from './naming-scheme.js';

/**
 * Plain SQL migrations, one file each (`001_create_users.sql`), or an
 * `.up.sql` / `.down.sql` pair counted as one migration (golang-migrate,
 * dbmate style). The naming scheme is the config's `naming`, or the one most
 * files follow; a file that breaks it is reported, because a misnamed file is
 * one the runner may silently skip or apply out of order.
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

    const names = readable.map((file) => parseVersionedName(file.path));
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
        problems.push({
          code: 'naming',
          exitCode: 1,
          file: file.path,
          message: `${show(file.path)} breaks the ${scheme ?? 'sql'} naming scheme: ${broken}`,
          fix: scheme ? `rename it like ${exampleName(scheme)}` : 'name migrations like 001_create_users.sql',
        });
        return;
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
      versioned.push({ migration, key: name.key(scheme!) });
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

    const ordered = orderByVersion(versioned, show);
    return {
      tool: 'sql',
      migrations: ordered.migrations,
      ...linearEnds(ordered.migrations),
      mergePoints: [],
      branchLabels: {},
      problems: [...problems, ...ordered.problems],
      ignored,
    };
  },
};

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
