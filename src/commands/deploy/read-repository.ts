import type { MigrationSetConfig } from '../../core/config/validate-config.js';
import { uncommittedMigrationFiles } from '../../core/deploy/check-repository.js';
import type { Finding } from '../../core/findings/findings.js';
import { LOCKFILE_NAME, type Lockfile } from '../../core/lockfile/types.js';
import { ADAPTERS } from '../../core/tools/registry.js';
import { verifyRepository } from '../../services/verify-repository.js';
import { runGit, splitNul } from '../../shell/git/run-git.js';

/** Step 1's facts: `guard verify` of HEAD's commit, and what `git status` shows under the migration dirs. */
export async function readRepositoryFacts(root: string, configPath: string | undefined, configured: readonly MigrationSetConfig[], lock: Lockfile, commit: string): Promise<{ findings: Finding[]; uncommitted: string[] }> {
  const verified = await verifyRepository({ cwd: root, configPath, source: { kind: 'revision', rev: commit } });
  // https://git-scm.com/docs/git-status#_porcelain_format_version_1: "XY PATH" records, -z separated.
  const status = splitNul(await runGit(root, ['status', '--porcelain', '-z', '--untracked-files=all', '--', ...configured.map((set) => set.dir), LOCKFILE_NAME])).flatMap((record) => (record.length > 3 ? [record.slice(3)] : []));
  const uncommitted = uncommittedMigrationFiles(status, LOCKFILE_NAME, lock.sets.map((set) => ({ dir: set.dir, candidate: (file: string) => ADAPTERS[set.tool].candidate(file) })));
  return { findings: verified.findings, uncommitted };
}
