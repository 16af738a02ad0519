import type { DiscoveredSet, Migration, Problem } from '../../migrations/types.js';

type Graph = Omit<DiscoveredSet, 'tool' | 'ignored'>;

/**
 * The revision graph the way Alembic builds it (alembic/script/revision.py,
 * `RevisionMap._revision_map`): a head is a revision no other revision names
 * as a `down_revision`; `depends_on` links never hide a head. A
 * `down_revision` must name a revision id exactly (Alembic 1.8 fails with a
 * KeyError on a branch label or an id prefix there); `depends_on` may name a
 * revision id or a branch label, but not a prefix. Problems are reported,
 * never thrown, so one bad file does not hide the rest.
 */
/**
 * @param unreadLabels ids of revisions whose `branch_labels` name a
 *   constant guard cannot read (`(cli.EXPAND_BRANCH,)`): each counts
 *   as carrying a label of its own for the several-heads rule, and a
 *   `depends_on` that may be one of those labels is a warning, not a problem.
 */
export function buildRevisionGraph(revisions: readonly Migration[], show: (path: string) => string = (path) => path, unreadLabels: ReadonlySet<string> = new Set()): Graph {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const byId = new Map<string, Migration>();
  for (const revision of revisions) {
    const existing = byId.get(revision.id);
    if (existing) {
      problems.push({
        code: 'duplicate-id',
        exitCode: 1,
        file: revision.file,
        ...(revision.line === undefined ? {} : { line: revision.line }),
        message: `revision ${revision.id} is declared twice: in ${show(existing.file)} and ${show(revision.file)}`,
        fix: `give one of them a new id (alembic revision generates one) and point its children's down_revision at it`,
      });
      continue;
    }
    byId.set(revision.id, revision);
  }

  const branchLabels: Record<string, string> = {};
  for (const revision of byId.values()) {
    for (const label of revision.branchLabels ?? []) {
      const owner = branchLabels[label] ?? (byId.has(label) ? label : undefined);
      if (owner !== undefined && owner !== revision.id) {
        problems.push({
          code: 'duplicate-branch-label',
          exitCode: 1,
          file: revision.file,
          message: byId.has(label)
            ? `branch label "${label}" of revision ${revision.id} is also a revision id (Alembic refuses it)`
            : `branch label "${label}" is declared by both ${owner} and ${revision.id}`,
          fix: byId.has(label)
            ? 'choose a branch label that is not a revision id'
            : 'keep the label on the first revision of the branch only',
        });
      } else branchLabels[label] = revision.id;
    }
  }

  const resolve = (reference: string): string | undefined =>
    byId.has(reference) ? reference : branchLabels[reference];
  // The first file that declares a branch label; its id, not its label, is what a child names.
  const labelled = (reference: string): string | undefined =>
    byId.has(reference) ? undefined : branchLabels[reference];

  const children = new Map<string, string[]>();
  const notHeads = new Set<string>();
  const resolvedParents = new Map<string, string[]>();
  for (const revision of byId.values()) {
    const parents: string[] = [];
    for (const parent of revision.parents) {
      const target = byId.has(parent) ? parent : undefined;
      if (target === undefined) {
        const owner = labelled(parent);
        problems.push({
          code: 'dangling-parent',
          exitCode: 1,
          file: revision.file,
          ...(revision.line === undefined ? {} : { line: revision.line }),
          message:
            owner === undefined
              ? `revision ${revision.id} (${show(revision.file)}) has down_revision ${parent}, which no file declares`
              : `revision ${revision.id} (${show(revision.file)}) has down_revision ${parent}, a branch label; Alembic needs a revision id there`,
          fix:
            owner === undefined
              ? `restore the revision ${parent}, or set down_revision to an existing revision`
              : `set down_revision to the revision id (${owner} declares the label; use the id of the branch's latest revision)`,
        });
        continue;
      }
      parents.push(target);
      notHeads.add(target);
      const list = children.get(target);
      if (list) list.push(revision.id);
      else children.set(target, [revision.id]);
    }
    resolvedParents.set(revision.id, parents);
    for (const dependency of revision.dependsOn ?? []) {
      if (resolve(dependency) === undefined) {
        const maybeLabel = unreadLabels.size > 0;
        (maybeLabel ? warnings : problems).push({
          code: 'unknown-dependency',
          exitCode: 1,
          file: revision.file,
          message: `revision ${revision.id} (${show(revision.file)}) depends_on ${dependency}, which is neither a revision id nor a branch label${maybeLabel ? ' guard could read (it may be one of the labels that name a constant)' : ''}`,
          fix: 'point depends_on at an existing revision id (in full, not a prefix) or branch label',
        });
      }
    }
  }

  const order = topologicalOrder(byId, resolvedParents, children);
  if (order.length === byId.size) {
    const loop = dependencyCycle(byId, resolvedParents, resolve);
    if (loop) problems.push(loop);
  }
  if (order.length < byId.size) {
    const inCycle = [...byId.keys()].filter((id) => !order.some((m) => m.id === id)).sort();
    problems.push({
      code: 'cycle',
      exitCode: 1,
      file: byId.get(inCycle[0]!)!.file,
      message: `revisions ${inCycle.join(', ')} form a cycle through down_revision`,
      fix: 'make each down_revision point at an older revision',
    });
    for (const id of inCycle) order.push(byId.get(id)!);
  }

  const heads = order.filter((m) => !notHeads.has(m.id)).map((m) => m.id);
  const bases = order.filter((m) => m.parents.length === 0).map((m) => m.id);
  const mergePoints = order.filter((m) => m.parents.length > 1).map((m) => m.id);

  const labelProblem = unlabelledHeads(heads, resolvedParents, byId, unreadLabels);
  if (labelProblem) problems.push(labelProblem);

  return { migrations: order, heads, bases, mergePoints, branchLabels, problems, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** Kahn's algorithm; among ready revisions the smallest id goes first, so the order is reproducible. */
function topologicalOrder(
  byId: Map<string, Migration>,
  parents: Map<string, string[]>,
  children: Map<string, string[]>,
): Migration[] {
  const waiting = new Map<string, number>();
  const ready: string[] = [];
  for (const [id, list] of parents) {
    waiting.set(id, list.length);
    if (list.length === 0) ready.push(id);
  }
  const order: Migration[] = [];
  ready.sort(compareDescending);
  while (ready.length > 0) {
    const id = ready.pop()!;
    order.push(byId.get(id)!);
    let added = false;
    for (const child of children.get(id) ?? []) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) {
        ready.push(child);
        added = true;
      }
    }
    if (added) ready.sort(compareDescending);
  }
  return order;
}

const compareDescending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/**
 * Several heads are fine only when each sits on its own labelled branch
 * (`branch_labels`), the way Alembic's multiple-bases layout is meant to be
 * used; otherwise `alembic upgrade head` fails and `alembic merge heads` is due.
 */
function unlabelledHeads(
  heads: string[],
  parents: Map<string, string[]>,
  byId: Map<string, Migration>,
  unreadLabels: ReadonlySet<string>,
): Problem | undefined {
  if (heads.length < 2) return undefined;
  const labelsOf = heads.map((head) => {
    const labels = new Set<string>();
    const stack = [head];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const label of byId.get(id)?.branchLabels ?? []) labels.add(label);
      // A label guard could not read is, as far as it can tell, the branch's own.
      if (unreadLabels.has(id)) labels.add(`\0unread ${id}`);
      stack.push(...(parents.get(id) ?? []));
    }
    return labels;
  });
  const unlabelled = heads.filter((_, i) =>
    [...labelsOf[i]!].every((label) => labelsOf.some((other, j) => j !== i && other.has(label))),
  );
  if (unlabelled.length === 0) return undefined;
  return {
    code: 'multiple-heads',
    exitCode: 1,
    file: byId.get(unlabelled[0]!)!.file,
    message: `${heads.length} heads (${heads.join(', ')}); ${unlabelled.length === 1 ? `${unlabelled[0]} is not on a branch with a label of its own` : `${unlabelled.join(' and ')} are not each on a branch with a label of their own`}`,
    fix: 'run `alembic merge heads` and commit the merge revision, or give each branch its own branch_labels',
  };
}

/**
 * Alembic also refuses a loop that only closes through `depends_on`
 * (`DependencyCycleDetected`): a revision that depends on one of its own
 * descendants.
 */
function dependencyCycle(
  byId: Map<string, Migration>,
  parents: Map<string, string[]>,
  resolve: (reference: string) => string | undefined,
): Problem | undefined {
  let anyDependency = false;
  for (const revision of byId.values()) if (revision.dependsOn?.length) anyDependency = true;
  if (!anyDependency) return undefined;
  const edges = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const [id, list] of parents) {
    const all = [...list];
    for (const dependency of byId.get(id)!.dependsOn ?? []) {
      const target = resolve(dependency);
      if (target !== undefined && !all.includes(target)) all.push(target);
    }
    edges.set(id, all);
    for (const parent of all) {
      const list2 = children.get(parent);
      if (list2) list2.push(id);
      else children.set(parent, [id]);
    }
  }
  const order = topologicalOrder(byId, edges, children);
  if (order.length === byId.size) return undefined;
  const placed = new Set(order.map((m) => m.id));
  const inCycle = [...byId.keys()].filter((id) => !placed.has(id)).sort();
  return {
    code: 'cycle',
    exitCode: 1,
    file: byId.get(inCycle[0]!)!.file,
    message: `revisions ${inCycle.join(', ')} form a cycle through depends_on (a revision depends on its own descendant)`,
    fix: 'remove the depends_on that points at a newer revision of the same history',
  };
}
