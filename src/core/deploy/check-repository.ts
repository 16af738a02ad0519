import type { Finding } from '../findings/findings.js';
import { ExitCode } from '../exit-codes.js';
import type { Decision } from './types.js';

/**
 * Deploy gate, step 1 (README, "Deploying"): what HEAD ships matches its
 * lockfile, and nothing under a migration dir is uncommitted. A deploy
 * ships what git holds, and its ledger row names a commit that must have
 * it.
 *
 * @param findings what `guard verify` of HEAD found (the lockfile against HEAD's migrations)
 * @param uncommitted repository paths under a migration dir (or the lockfile) that differ from HEAD
 * @example
 * checkRepository({ findings: [], uncommitted: ['db/migrations/003_x.sql'] })
 * // { ok: false, code: 'target-integrity', exitCode: 1, message: 'uncommitted changes under the migration dirs: db/migrations/003_x.sql', fix: 'commit or stash them: ...' }
 */
export function checkRepository(check: { findings: readonly Finding[]; uncommitted: readonly string[] }): Decision {
  const [first] = check.findings;
  if (first) {
    return { ok: false, code: 'target-integrity', exitCode: ExitCode.refused, message: `HEAD does not match its lockfile: ${first.message}`, fix: first.fix };
  }
  if (check.uncommitted.length > 0) {
    return {
      ok: false,
      code: 'target-integrity',
      exitCode: ExitCode.refused,
      message: `uncommitted changes under the migration dirs: ${check.uncommitted.join(', ')}`,
      fix: 'commit or stash them: a deploy ships what git holds, and the record must name a commit that has it',
    };
  }
  return { ok: true };
}

/**
 * Which of `git status`'s paths count for step 1: the lockfile, and what
 * could be a migration of a set (its tool's `candidate` rule), not Python's
 * `__pycache__` or an editor's backup beside them. A path under no locked
 * set counts, to be safe.
 *
 * @param sets each locked set's dir and whether a set-relative path could be one of its migrations
 */
export function uncommittedMigrationFiles(paths: readonly string[], lockfileName: string, sets: readonly { dir: string; candidate(relative: string): boolean }[]): string[] {
  return paths.filter((file) => {
    if (file === lockfileName) return true;
    const set = sets.find((candidate) => candidate.dir === '.' || file.startsWith(`${candidate.dir}/`));
    return set === undefined || set.candidate(set.dir === '.' ? file : file.slice(set.dir.length + 1));
  });
}
