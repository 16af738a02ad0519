import { contentChecksum } from '../../checksum.js';
import { decodeText } from '../decode-text.js';
import type { Migration, Problem, SourceFile, ToolAdapter } from '../types.js';
import { HeaderSyntaxError, readRevisionHeader, type HeaderValue } from './read-revision-header.js';
import { buildRevisionGraph } from './revision-graph.js';

/**
 * Files Alembic loads from a version location: `*.py` not starting with
 * `__init__` or `.#` (emacs lock files); see `_only_source_rev_file` in
 * alembic/script/base.py. Sourceless `.pyc` deployments are not a source
 * repository's concern.
 */
const REVISION_FILE = /^(?!\.#|__init__)[^/]*\.py$/;

export const alembicAdapter: ToolAdapter = {
  tool: 'alembic',
  recursiveByDefault: false,

  candidate(path) {
    return isRevisionFile(path);
  },

  discover(files) {
    const problems: Problem[] = [];
    const ignored: string[] = [];
    const revisions: Migration[] = [];

    for (const file of files) {
      if (!isRevisionFile(file.path)) {
        ignored.push(file.path);
        continue;
      }
      const decoded = decodeText(file.path, file.bytes, { pythonCoding: true });
      if ('problem' in decoded) {
        problems.push(decoded.problem);
        continue;
      }
      const parsed = parseRevision(file, decoded.text);
      if ('problem' in parsed) problems.push(parsed.problem);
      else if (parsed.migration) revisions.push(parsed.migration);
      else ignored.push(file.path);
    }

    const graph = buildRevisionGraph(revisions);
    return { tool: 'alembic', ...graph, problems: [...problems, ...graph.problems], ignored };
  },
};

function parseRevision(file: SourceFile, text: string): { migration?: Migration } | { problem: Problem } {
  let header;
  try {
    header = readRevisionHeader(text);
  } catch (error) {
    if (!(error instanceof HeaderSyntaxError)) throw error;
    return { problem: unparseable(file.path, error.line, error.message) };
  }
  const { values, lines } = header;
  if (values.revision === undefined) {
    if (values.down_revision === undefined) return {}; // a helper module, not a revision
    return {
      problem: unparseable(file.path, lines.down_revision, 'has `down_revision` but no `revision` assignment'),
    };
  }
  if (typeof values.revision !== 'string' || values.revision === '') {
    return { problem: unparseable(file.path, lines.revision, '`revision` must be a non-empty string') };
  }
  if (values.down_revision === undefined) {
    return {
      problem: unparseable(
        file.path,
        lines.revision,
        `revision ${values.revision} has no \`down_revision\` (Alembic requires it; None for a base)`,
      ),
    };
  }
  const migration: Migration = {
    id: values.revision,
    file: file.path,
    parents: asList(values.down_revision),
    sha256: contentChecksum(file.bytes),
    line: lines.revision!,
  };
  const labels = asList(values.branch_labels ?? null);
  if (labels.length > 0) migration.branchLabels = labels;
  const dependsOn = asList(values.depends_on ?? null);
  if (dependsOn.length > 0) migration.dependsOn = dependsOn;
  return { migration };
}

function asList(value: HeaderValue): string[] {
  if (value === null) return [];
  return typeof value === 'string' ? [value] : value;
}

function unparseable(file: string, line: number | undefined, message: string): Problem {
  return {
    code: 'unparseable',
    exitCode: 2,
    file,
    ...(line === undefined ? {} : { line }),
    message: `${file}${line === undefined ? '' : `:${line}`}: ${message}`,
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
