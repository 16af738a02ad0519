import { contentChecksum } from '../../checksum.js';
import { decodeText } from '../../migrations/decode-text.js';
import { displayOf, readingOf, type Migration, type Problem, type ToolAdapter } from '../../migrations/types.js';
import { HeaderSyntaxError, readRevisionHeader, type HeaderValue } from './read-revision-header.js';
import { buildRevisionGraph } from './revision-graph.js';

/**
 * Files Alembic loads from a version location: `*.py` not starting with
 * `__init__` or `.#` (emacs lock files); see `_only_source_rev_file` in
 * alembic/script/base.py. Sourceless `.pyc` deployments are not a source
 * repository's concern.
 */
const REVISION_FILE = /^(?!\.#|__init__)[^/]*\.py$/;

/**
 * `env.py`, the environment script beside the version folder, is not a
 * revision when it declares none (so `dir` may point at the script location
 * with `recursive: true`); one that does is read like any other, because
 * Alembic loads every `.py` file of a version folder, that name included.
 */
const ENVIRONMENT_SCRIPT = 'env.py';

/**
 * A file without a `revision` variable whose whole name is hex: Alembic 0.1
 * took the id from the name (`_legacy_rev` in alembic/script/base.py).
 */
const LEGACY_REVISION_FILE = /^([a-f0-9]+)\.py$/;

/** Characters `Revision.verify_rev_id` refuses in an id. */
const ILLEGAL_ID_CHARACTERS = /[@+-]/;

export const alembicAdapter: ToolAdapter = {
  tool: 'alembic',
  recursiveByDefault: false,

  candidate(path) {
    return isRevisionFile(path);
  },

  readFile(path, bytes, options) {
    const show = displayOf(options);
    const sha256 = contentChecksum(bytes);
    const decoded = decodeText(show(path), bytes, { pythonCoding: true });
    if ('problem' in decoded) return { sha256, problem: { ...decoded.problem, file: path } };
    const parsed = parseRevision(path, show(path), sha256, decoded.text);
    if ('declaresNothing' in parsed) return basename(path) === ENVIRONMENT_SCRIPT ? { sha256 } : { sha256, problem: parsed.problem };
    return { sha256, ...parsed };
  },

  discover(files, options) {
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const ignored: string[] = [];
    const revisions: Migration[] = [];
    const unreadLabels = new Set<string>();

    for (const file of files) {
      if (!isRevisionFile(file.path)) {
        ignored.push(file.path);
        continue;
      }
      const reading = readingOf(alembicAdapter, file, options);
      if (!reading.problem && !reading.migration) {
        ignored.push(file.path); // an environment script that declares no revision
        continue;
      }
      // A revision whose labels guard cannot read still has its place in the
      // graph, its checksum and its lockfile line: a warning, not a refusal.
      if (reading.migration) revisions.push(reading.migration);
      if (reading.problem && reading.migration) warnings.push(reading.problem);
      else if (reading.problem) problems.push(reading.problem);
      if (reading.migration?.labelsUnread) unreadLabels.add(reading.migration.id);
    }

    const graph = buildRevisionGraph(revisions, displayOf(options), unreadLabels);
    const allWarnings = [...warnings, ...(graph.warnings ?? [])];
    return { tool: 'alembic', ...graph, problems: [...problems, ...graph.problems], ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}), ignored };
  },
};

/**
 * A revision file's header as a migration, or why it cannot be one;
 * `declaresNothing` marks a file that assigns no header variable at all.
 */
function parseRevision(
  path: string,
  shown: string,
  sha256: string,
  text: string,
): { migration: Migration; problem?: Problem } | { problem: Problem; declaresNothing?: true } {
  let header;
  try {
    header = readRevisionHeader(text);
  } catch (error) {
    if (!(error instanceof HeaderSyntaxError)) throw error;
    return { problem: unparseable(path, shown, error.line, error.message) };
  }
  const { values, lines } = header;
  let id = values.revision;
  let idLine = lines.revision;
  if (id === undefined) {
    // Alembic imports every *.py file of a version folder and stops at one
    // without `revision` ("Could not determine revision id from filename").
    const legacy = LEGACY_REVISION_FILE.exec(basename(path));
    if (!legacy) {
      return {
        ...(values.down_revision === undefined ? { declaresNothing: true as const } : {}),
        problem: {
          ...unparseable(
            path,
            shown,
            lines.down_revision,
            values.down_revision === undefined
              ? 'declares no module-level `revision`, so it is not a revision; Alembic loads every .py file in a version folder and stops at this one'
              : 'has `down_revision` but no module-level `revision` assignment',
          ),
          fix: 'declare revision = "<id>" at module level, or move the helper out of the version folder (files named __init__*.py are skipped)',
        },
      };
    }
    id = legacy[1]!;
    idLine = lines.down_revision ?? 1;
  }
  if (typeof id !== 'string' || id === '') {
    return { problem: unparseable(path, shown, idLine, '`revision` must be a non-empty string') };
  }
  if (ILLEGAL_ID_CHARACTERS.test(id)) {
    return {
      problem: unparseable(path, shown, idLine, `revision id ${JSON.stringify(id)} contains @, - or +, which Alembic refuses`),
    };
  }
  if (values.down_revision === undefined) {
    return {
      problem: unparseable(
        path,
        shown,
        idLine,
        `revision ${id} has no \`down_revision\` (Alembic requires it; None for a base)`,
      ),
    };
  }
  const migration: Migration = {
    id,
    file: path,
    parents: revisionList(values.down_revision, 'down_revision'),
    sha256,
    ...(idLine === undefined ? {} : { line: idLine }),
  };
  const labels = asList(values.branch_labels ?? null);
  if (labels.length > 0) migration.branchLabels = labels;
  const dependsOn = revisionList(values.depends_on ?? null, 'depends_on');
  if (dependsOn.length > 0) migration.dependsOn = dependsOn;
  const unknown = header.unreadable.branch_labels ?? header.unreadable.depends_on;
  if (unknown) {
    const name = header.unreadable.branch_labels ? 'branch_labels' : 'depends_on';
    if (header.unreadable.branch_labels) migration.labelsUnread = true;
    return {
      migration,
      problem: {
        code: 'unresolved-name',
        exitCode: 1,
        file: path,
        line: unknown.line,
        message: `${shown}:${unknown.line}: ${name} is not written as string literals (a constant such as cli.EXPAND_BRANCH?), which guard cannot read without running Python; revision ${id} is locked and kept in the graph without its ${name}`,
        fix: `nothing to do; to let guard check the labelled branches too, write ${name} as string literals (${name} = ('expand',))`,
      },
    };
  }
  return { migration };
}

function asList(value: HeaderValue): string[] {
  if (value === null) return [];
  return typeof value === 'string' ? [value] : value;
}

/**
 * `down_revision` / `depends_on` the way Alembic reads them
 * (`tuple_rev_as_scalar`): an empty string or an empty tuple means none. A
 * one-element tuple holding an empty string is none for `depends_on` but a
 * missing revision "" for `down_revision`.
 */
function revisionList(value: HeaderValue, kind: 'down_revision' | 'depends_on'): string[] {
  if (value === '') return [];
  const list = asList(value);
  return kind === 'depends_on' && list.length === 1 && list[0] === '' ? [] : list;
}

function unparseable(file: string, shown: string, line: number | undefined, message: string): Problem {
  return {
    code: 'unparseable',
    exitCode: 2,
    file,
    ...(line === undefined ? {} : { line }),
    message: `${shown}${line === undefined ? '' : `:${line}`}: ${message}`,
    fix: 'write the revision header as literals (revision = "abc123", down_revision = None or a string or tuple of strings)',
  };
}

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

function isRevisionFile(path: string): boolean {
  return REVISION_FILE.test(basename(path));
}
