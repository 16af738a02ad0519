// Deploy step 4 under `cosmetic: allow` (README, "Cosmetic edits"): an
// applied migration whose content changed only in formatting goes ahead.
// The semantic checksums come from the ledger and the lockfile where they
// record them; where either does not (a line the pre-commit hook's quick
// path appended, a deploy recorded before the policy), from the files
// themselves: the commit being deployed, and the commit the ledger says
// applied the old content.
import type { MigrationSetConfig } from '../core/config/validate-config.js';
import type { AppliedState, LedgerDeploy } from '../core/deploy/types.js';
import type { LockSet } from '../core/lockfile/types.js';
import { joinPath } from '../core/paths.js';
import { semanticLanguage, type SemanticLanguage } from '../core/semantic/semantic-checksum.js';
import { TOOL_BY_NAME } from '../core/tools/registry.js';
import { semanticOf } from './cosmetic-edits.js';
import { readBlobs } from './git/read-blobs.js';

/**
 * By content checksum, the semantic checksum of content that step 4 must
 * compare and that no record gives: for each applied migration of a set
 * under `cosmetic: allow` whose applied content differs from the lockfile's.
 * Read with one `git cat-file --batch` (`<commit>:<path>`,
 * https://git-scm.com/docs/gitrevisions); content whose bytes are not the
 * checksum's, or that the parser cannot read, gets none (step 4 then names
 * the edit).
 */
export async function appliedSemantics(
  root: string,
  commit: string,
  sets: readonly LockSet[],
  configured: readonly MigrationSetConfig[],
  applied: ReadonlyMap<string, AppliedState>,
  lastDeploys: ReadonlyMap<string, LedgerDeploy | undefined>,
): Promise<Map<string, string>> {
  const wanted = new Map<string, { name: string; sha256: string; language: SemanticLanguage }>();
  const want = (rev: string | null | undefined, file: string, sha256: string, language: SemanticLanguage) => {
    if (rev && !/[\n\r]/.test(file)) wanted.set(`${rev}:${file}`, { name: `${rev}:${file}`, sha256, language });
  };
  for (const set of sets) {
    const config = configured.find((listed) => listed.dir === set.dir);
    if (config?.cosmetic !== 'allow' || !TOOL_BY_NAME[set.tool].setKeys.includes('cosmetic')) continue;
    const lastDeploy = lastDeploys.get(set.dir);
    const byId = new Map(set.migrations.map((entry) => [entry.id, entry]));
    for (const migration of applied.get(set.dir)?.appliedContent ?? lastDeploy?.migrations ?? []) {
      const entry = byId.get(migration.id);
      const from = migration.sha256.replace(/^sha256:/, '');
      if (!entry || entry.file !== migration.file || entry.sha256 === from) continue;
      const language = semanticLanguage(set.tool, entry.file);
      if (!language) continue;
      const file = joinPath(set.dir, entry.file);
      if (entry.semantic === undefined) want(commit, file, entry.sha256, language);
      const recorded = lastDeploy?.migrations.find((line) => line.id === migration.id && line.sha256.replace(/^sha256:/, '') === from)?.semantic;
      if (recorded === undefined) want(lastDeploy?.commit, file, from, language);
    }
  }
  if (wanted.size === 0) return new Map();
  const blobs = await readBlobs(root, [...wanted.keys()]);
  const semantics = new Map<string, string>();
  for (const { name, sha256, language } of wanted.values()) {
    const semantic = await semanticOf(language, blobs.get(name), sha256);
    if (semantic !== undefined) semantics.set(sha256, semantic);
  }
  return semantics;
}
