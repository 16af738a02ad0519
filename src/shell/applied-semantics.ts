// Deploy step 4 under `cosmetic: allow` (README, "Cosmetic edits"): an
// applied migration whose content changed only in formatting goes ahead.
// Both semantic checksums are computed from the contents, never taken from a
// record: the lockfile being deployed (and the ledger lines copied from it)
// may come from a branch no gate has checked, so a recorded value could be
// the checksum of other content. The applied content is read from the
// commit the ledger says deployed it, else from the commit that took it out
// of the lockfile.
import { allowsCosmeticEdits, type MigrationSetConfig } from '../core/config/validate-config.js';
import type { AppliedState, LedgerDeploy } from '../core/deploy/types.js';
import { LOCKFILE_NAME, type LockSet } from '../core/lockfile/types.js';
import { joinPath } from '../core/paths.js';
import { semanticLanguage, type SemanticLanguage } from '../core/semantic/semantic-checksum.js';
import { semanticOf } from './cosmetic-edits.js';
import { readBlobs } from './git/read-blobs.js';
import { git } from './git/run-git.js';

interface Content {
  file: string;
  sha256: string;
  language: SemanticLanguage;
  /** Commits whose `file` may hold this content, tried in order. */
  commits: string[];
}

/**
 * By content checksum, the semantic checksums step 4 compares: for each
 * applied migration of a set under `cosmetic: allow` whose applied content
 * differs from the lockfile's, that content's and this commit's. Content
 * whose bytes cannot be found (a shallow clone without the deploying
 * commit), are not the checksum's, or cannot be parsed gets none, and step 4
 * names the edit.
 */
export async function appliedSemantics(
  root: string,
  commit: string,
  sets: readonly LockSet[],
  configured: readonly MigrationSetConfig[],
  applied: ReadonlyMap<string, AppliedState>,
  lastDeploys: ReadonlyMap<string, LedgerDeploy | undefined>,
): Promise<Map<string, string>> {
  const contents: Content[] = [];
  for (const set of sets) {
    const config = configured.find((listed) => listed.dir === set.dir);
    if (!config || !allowsCosmeticEdits(config, set.tool)) continue;
    const lastDeploy = lastDeploys.get(set.dir);
    const byId = new Map(set.migrations.map((entry) => [entry.id, entry]));
    for (const migration of applied.get(set.dir)?.appliedContent ?? lastDeploy?.migrations ?? []) {
      const entry = byId.get(migration.id);
      const from = migration.sha256.replace(/^sha256:/, '');
      if (!entry || entry.file !== migration.file || entry.sha256 === from) continue;
      const language = semanticLanguage(set.tool, entry.file);
      const file = joinPath(set.dir, entry.file);
      // A path with a line break cannot be named on cat-file's input.
      if (!language || /[\n\r]/.test(file)) continue;
      contents.push({ file, sha256: entry.sha256, language, commits: [commit] });
      contents.push({ file, sha256: from, language, commits: lastDeploy?.commit ? [lastDeploy.commit] : [] });
    }
  }
  const semantics = new Map<string, string>();
  if (contents.length === 0) return semantics;
  await readInto(root, contents, semantics);
  // Content the last deploy's commit does not hold (guard's runner keeps what it applied long ago):
  // the commit that took its checksum out of the lockfile, and its parent, hold it.
  const missing = contents.filter((content) => !semantics.has(content.sha256));
  for (const content of missing) {
    const changed = await git(root, ['log', '-1', '--format=%H', `-S${content.sha256}`, commit, '--', LOCKFILE_NAME]);
    content.commits = changed ? [`${changed}^`, changed] : [];
  }
  if (missing.length > 0) await readInto(root, missing, semantics);
  return semantics;
}

async function readInto(root: string, contents: readonly Content[], semantics: Map<string, string>): Promise<void> {
  const names = contents.flatMap((content) => content.commits.map((commit) => `${commit}:${content.file}`));
  const blobs = await readBlobs(root, names);
  for (const content of contents) {
    for (const commit of content.commits) {
      const semantic = await semanticOf(content.language, blobs.get(`${commit}:${content.file}`), content.sha256);
      if (semantic !== undefined) {
        semantics.set(content.sha256, semantic);
        break;
      }
    }
  }
}
