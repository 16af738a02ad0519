/** What discovery found in one set, for people and scripts. */
export interface SetSummary {
  dir: string;
  tool: string;
  migrations: number;
  heads: string[];
  bases: string[];
  /** Alembic merge revisions. */
  mergePoints: string[];
  /** Alembic branch label -> revision. */
  branchLabels: Record<string, string>;
  /** Files guard locks and checks: each migration, and its down or undo script. */
  files: number;
  /** Files the config's `exclude:` leaves out, repository-relative. */
  excluded: string[];
}

/**
 * `alembic/versions (alembic): 120 migrations, head ddd444, 3 merge points, branches billing, core`;
 * a set with down scripts or exclusions also says how many files it guards
 * and which it leaves out: `db/sql (sql): 12 migrations (24 files guarded), head 012; excluded (not guarded): db/sql/seed.sql`.
 */
export function describeSet(set: SetSummary): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const files = set.files ?? set.migrations;
  const excluded = set.excluded ?? [];
  const guarded = files !== set.migrations || excluded.length > 0 ? ` (${plural(files, 'file')} guarded)` : '';
  const parts = [`${plural(set.migrations, 'migration')}${guarded}`, `${set.heads.length === 1 ? 'head' : 'heads'} ${set.heads.join(', ') || 'none'}`];
  if (set.bases.length > 1) parts.push(plural(set.bases.length, 'base'));
  if (set.mergePoints.length > 0) parts.push(plural(set.mergePoints.length, 'merge point'));
  const labels = Object.keys(set.branchLabels);
  if (labels.length > 0) parts.push(`${labels.length === 1 ? 'branch' : 'branches'} ${labels.join(', ')}`);
  const left = excluded.length > 0 ? `; excluded (not guarded): ${excluded.join(', ')}` : '';
  return `${set.dir} (${set.tool}): ${parts.join(', ')}${left}`;
}
