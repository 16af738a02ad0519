import { runGit } from './git/run-git.js';

/**
 * Where each commit forked from the protected branch: its merge-base with
 * `protectedCommit` (https://git-scm.com/docs/git-merge-base), the newest
 * commit of that branch it contains. A commit can only change what it
 * inherited, so what was sealed there is what it is judged against: a branch
 * written before main sealed a migration is not refused for lacking it, and
 * a commit that already holds the sealing commit is judged against it,
 * whenever it is pushed.
 *
 * One `git rev-list --boundary --parents` lists the commits between them
 * and the protected branch's commits they stand on (the boundary); a commit
 * that stands on one boundary commit forked there. Only a commit that stands
 * on several asks `git merge-base --all`, once per distinct set: after
 * criss-cross merges a commit has several best common ancestors, none older
 * than another, and it inherited what was sealed at each of them. A commit
 * the protected branch already contains forked at itself.
 *
 * @returns the fork points of every commit given (none: a history unrelated to the protected branch)
 */
export async function forkPoints(root: string, commits: readonly string[], protectedCommit: string): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (commits.length === 0) return result;
  // https://git-scm.com/docs/git-rev-list#Documentation/git-rev-list.txt---boundary: excluded parents print as "-<id>".
  const output = await runGit(root, ['rev-list', '--parents', '--boundary', '--stdin'], { input: `${commits.join('\n')}\n^${protectedCommit}\n` });
  const parentsOf = new Map<string, string[]>();
  const boundary = new Set<string>();
  for (const line of output.toString('utf8').split('\n')) {
    if (line === '') continue;
    if (line.startsWith('-')) {
      boundary.add(line.slice(1).split(' ')[0]!);
      continue;
    }
    const [commit, ...parents] = line.split(' ');
    parentsOf.set(commit!, parents);
  }
  // The boundary commits each range commit stands on, found parents first
  // without recursion (a long branch would overflow the stack).
  const standsOn = new Map<string, Set<string>>();
  const visit = (start: string): Set<string> => {
    const stack = [start];
    while (stack.length > 0) {
      const commit = stack.at(-1)!;
      if (standsOn.has(commit)) {
        stack.pop();
        continue;
      }
      const pending = (parentsOf.get(commit) ?? []).filter((parent) => parentsOf.has(parent) && !standsOn.has(parent));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      const forks = new Set<string>();
      for (const parent of parentsOf.get(commit) ?? []) {
        if (boundary.has(parent)) forks.add(parent);
        else for (const fork of standsOn.get(parent) ?? []) forks.add(fork);
      }
      standsOn.set(commit, forks);
      stack.pop();
    }
    return standsOn.get(start)!;
  };
  const asked = new Map<string, Promise<string[]>>();
  await Promise.all(
    commits.map(async (commit) => {
      if (!parentsOf.has(commit)) {
        result.set(commit, [commit]); // the protected branch holds it already
        return;
      }
      const forks = [...visit(commit)].sort();
      // One boundary commit is the fork point; none, a history unrelated to the protected branch.
      if (forks.length <= 1) {
        result.set(commit, forks);
        return;
      }
      const key = forks.join(' ');
      if (!asked.has(key)) {
        asked.set(
          key,
          runGit(root, ['merge-base', '--all', commit, protectedCommit]).then((found) => found.toString('utf8').split('\n').filter(Boolean).sort()),
        );
      }
      result.set(commit, await asked.get(key)!);
    }),
  );
  return result;
}
