import { alembicAdapter } from './alembic-adapter.js';
import { isAlembicConfigFile, readAlembicConfigs } from './alembic-config.js';
import { HeaderSyntaxError, readRevisionHeader } from './read-revision-header.js';
import { isInside } from './version-locations.js';
import { VENDORED } from '../../migrations/layout.js';

/** One Alembic set `guard init` should configure. */
export interface AlembicLayoutSet {
  dir: string;
  tool: 'alembic';
  /** Revision files in `dir` (and, for a recursive set, its sub-folders). */
  files: number;
  /** Read sub-folders too (`recursive: true` in the config). */
  recursive?: true;
  because: string;
  /** `version_table_schema.version_table` when env.py sets them as literals: the set's `table:`. */
  table?: string;
  /** What init should say about the set (a version table env.py sets from code). */
  notes?: string[];
}

export interface AlembicLayout {
  sets: AlembicLayoutSet[];
  /** Whether `dir` lies inside a recursive set, so it must not become a set of its own (sets may not nest). */
  inside(dir: string): boolean;
}

/** Cheap test before a file is parsed: it assigns `revision` at column 0. */
const REVISION_LINE = /^revision\s*(?::[^=\n]*)?=/m;

interface RevisionFolder {
  dir: string;
  revisions: number;
  python: number;
}

/**
 * The Alembic version folders of a repository, as one set per revision graph:
 *
 * - the version locations each `alembic.ini` section and `pyproject.toml`
 *   `[tool.alembic]` names (`version_locations`, else
 *   `<script_location>/versions`), recursive when the config sets
 *   `recursive_version_locations`;
 * - folders of revision files, where revisions in different folders name
 *   each other's ids (`down_revision`, `depends_on`): that is one graph that
 *   Alembic reads with every folder as a version location (OpenStack's
 *   release folders with `expand/` and `contract/`), so it becomes one
 *   recursive set at the folders' common parent instead of one set per
 *   folder, which would cut the graph and nest sets.
 *
 * Locations nested in one another are one recursive set at the outermost.
 * Pure: the caller lists the paths and reads the few files that matter.
 */
export function detectAlembicLayout(paths: readonly string[], contentOf: (path: string) => string | undefined): AlembicLayout {
  const folders = new Map<string, RevisionFolder>();
  const declaredIn = new Map<string, string>();
  const links: Array<{ from: string; ids: string[] }> = [];
  for (const path of paths) {
    if (VENDORED.test(path) || !alembicAdapter.candidate(path)) continue;
    const dir = parentOf(path);
    const folder = folders.get(dir) ?? { dir, revisions: 0, python: 0 };
    folders.set(dir, folder);
    folder.python++;
    const text = contentOf(path);
    if (text === undefined || !REVISION_LINE.test(text)) continue;
    let header;
    try {
      header = readRevisionHeader(text).values;
    } catch (error) {
      if (!(error instanceof HeaderSyntaxError)) throw error;
      folder.revisions++; // a revision guard will report when it locks the set
      continue;
    }
    if (typeof header.revision !== 'string') continue;
    folder.revisions++;
    declaredIn.set(header.revision, dir);
    const ids = [header.down_revision, header.depends_on].flatMap((value) => (value === undefined || value === null ? [] : typeof value === 'string' ? [value] : value));
    links.push({ from: dir, ids });
  }
  const revisionFolders = [...folders.values()].filter((folder) => folder.revisions > 0 && folder.revisions * 2 >= folder.python);
  const countUnder = (dir: string, recursive: boolean) =>
    revisionFolders.filter((folder) => folder.dir === dir || (recursive && isInside(folder.dir, dir))).reduce((sum, folder) => sum + folder.revisions, 0);

  // Folders joined by a revision that names an id declared in the other one.
  const group = new UnionFind();
  for (const { from, ids } of links) {
    for (const id of ids) {
      const to = declaredIn.get(id);
      if (to !== undefined && to !== from) group.join(from, to);
    }
  }
  const graphs = new Map<string, string[]>();
  for (const folder of revisionFolders) {
    const root = group.find(folder.dir);
    graphs.set(root, [...(graphs.get(root) ?? []), folder.dir]);
  }

  const candidates: Array<{ dir: string; recursive: boolean; because: string; table?: VersionTable }> = [];
  for (const path of paths) {
    if (VENDORED.test(path) || !isAlembicConfigFile(path)) continue;
    const text = contentOf(path);
    if (text === undefined) continue;
    for (const config of readAlembicConfigs(path, text).configs) {
      for (const location of config.locations) {
        if (location.dir === undefined) continue;
        // A location nothing in the repository lies in (a package resource found elsewhere on sys.path, a
        // folder not created yet) is no set to write, except the plain default that `alembic init` made.
        const holdsFiles = paths.some((other) => isInside(other, location.dir!));
        if (!holdsFiles && (config.namedBy !== 'script_location' || location.written.includes(':'))) continue;
        // The usual sections go without saying; another is the one `alembic -n NAME` reads.
        const section = config.section === 'alembic' || config.section === 'tool.alembic' ? '' : ` [${config.section}]`;
        const table = config.scriptDir === undefined ? undefined : readVersionTable(`${config.scriptDir}/env.py`, contentOf);
        candidates.push({ dir: location.dir, recursive: config.recursive, because: `${config.namedBy} in ${path}${section}${config.recursive ? ' with recursive_version_locations' : ''}`, ...(table ? { table } : {}) });
      }
    }
  }
  for (const members of graphs.values()) {
    if (members.length < 2) continue;
    const top = commonParent(members);
    // Folders that share nothing below the repository root are kept apart rather than guarded as the whole repository.
    if (top === '.') continue;
    candidates.push({ dir: top, recursive: true, because: `one revision graph over ${members.length} folders (revisions name ids declared in other folders), read as Alembic does with every folder as a version location` });
  }

  // Nested locations are one recursive set at the outermost; a location holding sub-folders of revisions is read recursively.
  const sets: AlembicLayoutSet[] = [];
  const byDir = new Map<string, { dir: string; recursive: boolean; because: string; table?: VersionTable }>();
  for (const candidate of candidates) {
    const existing = byDir.get(candidate.dir);
    if (existing) {
      existing.recursive ||= candidate.recursive;
      existing.table ??= candidate.table;
    } else byDir.set(candidate.dir, { ...candidate });
  }
  const all = [...byDir.values()];
  for (const candidate of all) {
    if (all.some((other) => other !== candidate && isInside(candidate.dir, other.dir))) continue;
    const nested = all.some((other) => other !== candidate && isInside(other.dir, candidate.dir));
    const recursive = candidate.recursive || nested;
    const table = candidate.table;
    sets.push({
      dir: candidate.dir,
      tool: 'alembic',
      files: countUnder(candidate.dir, recursive),
      ...(recursive ? { recursive: true as const } : {}),
      because: nested && !candidate.recursive ? `${candidate.because}, and version locations inside it` : candidate.because,
      ...(table?.table ? { table: table.table } : {}),
      ...(table?.note ? { notes: [table.note] } : {}),
    });
  }
  sets.sort((a, b) => (a.dir < b.dir ? -1 : 1));
  const recursiveDirs = sets.filter((set) => set.recursive).map((set) => set.dir);
  return { sets, inside: (dir) => recursiveDirs.some((top) => isInside(dir, top)) };
}

/** What env.py says of Alembic's version table: the set's `table:`, or a note when code computes it. */
interface VersionTable {
  table?: string;
  note?: string;
}

const VERSION_TABLE = /\bversion_table\s*=\s*(?:(['"])([^'"\n]+)\1)?/;
const VERSION_TABLE_SCHEMA = /\bversion_table_schema\s*=\s*(?:(['"])([^'"\n]+)\1)?/;

/**
 * `context.configure(version_table='...', version_table_schema='...')` in
 * env.py (https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.environment.EnvironmentContext.configure),
 * read as text: string literals only. A keyword given a value guard cannot
 * read (a constant, a setting) is a note telling the user to write `table:`.
 */
function readVersionTable(envPy: string, contentOf: (path: string) => string | undefined): VersionTable | undefined {
  const text = contentOf(envPy)?.replace(/^\s*#.*$/gm, '');
  if (text === undefined) return undefined;
  const table = VERSION_TABLE.exec(text);
  const schema = VERSION_TABLE_SCHEMA.exec(text);
  if (!table && !schema) return undefined;
  if ((table && table[2] === undefined) || (schema && schema[2] === undefined)) {
    return { note: `${envPy} sets Alembic's version_table or version_table_schema from code: write the table it names as the set's \`table: schema.name\` in guard.config.yaml, or deploy and status read alembic_version` };
  }
  return { table: `${schema ? `${schema[2]}.` : ''}${table ? table[2] : 'alembic_version'}` };
}

class UnionFind {
  private readonly parent = new Map<string, string>();

  find(item: string): string {
    let root = item;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(item, root);
    return root;
  }

  join(a: string, b: string): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(rootA, rootB);
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

function commonParent(dirs: readonly string[]): string {
  let common = dirs[0]!.split('/');
  for (const dir of dirs.slice(1)) {
    const parts = dir === '.' ? [] : dir.split('/');
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.length === 0 || dirs.includes('.') ? '.' : common.join('/');
}
