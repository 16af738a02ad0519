/**
 * What every check reports: one finding per thing wrong, with what to do
 * about it, and the exit code a list of them ends a command with. Below
 * everything that reports (the lockfile, sealing, verify, secrets, the
 * commands and the CLI's renderers), so none of them imports another to
 * share these types.
 */
import type { DiscoveredSet, Problem } from '../migrations/types.js';
import { joinPath } from '../paths.js';

export type FindingCode =
  | Problem['code']
  | 'set-not-locked'
  | 'set-not-configured'
  | 'tool-changed'
  | 'unlocked'
  | 'checksum-mismatch'
  | 'down-mismatch'
  | 'deleted'
  | 'renamed'
  | 'heads-changed'
  | 'order-changed'
  | 'chain-mismatch'
  | 'sealed-edited'
  | 'sealed-deleted'
  | 'sealed-renamed'
  | 'sealed-line-edited'
  /** A set sealed in the protected ref that the config no longer lists, without a set amendment. */
  | 'sealed-set-dropped'
  /** A set sealed in the protected ref that the config reads with another tool, without a set amendment. */
  | 'sealed-set-retooled'
  | 'out-of-order'
  /** A sealed migration (or its down script) that the config's `exclude:` leaves out. */
  | 'sealed-excluded'
  | 'sealed-unknown'
  /** A push that would delete the protected branch (pre-receive). */
  | 'protected-rewritten'
  /** Alembic's config (alembic.ini, pyproject.toml) names a version location holding revisions no set reads. */
  | 'unguarded-location'
  /** A `.gitattributes` line makes a migration's checkout differ from what git stores (working-tree-encoding, ident). */
  | 'checkout-rewritten'
  /** A secret (key, token, password) in an added or changed migration. */
  | 'secret'
  /** Under `cosmetic: allow`, a lockfile line's semantic checksum is not its file's (or is missing). */
  | 'semantic-mismatch';

/** One thing wrong, with everything a user needs to act on it. */
export interface Finding {
  code: FindingCode;
  /** 1: a rule is broken. 2: guard cannot read its input. */
  exitCode: 1 | 2;
  /** The set's dir. */
  set: string;
  /** Repository-relative path, when one file is at fault. */
  file?: string;
  line?: number;
  message: string;
  fix: string;
}

/** The exit code a set of findings ends a command with: the worst of them, 0 for none. */
export function worstExitCode(findings: readonly Finding[]): number {
  return findings.reduce((worst, finding) => Math.max(worst, finding.exitCode), 0);
}

export interface SetUnderCheck {
  dir: string;
  discovered: DiscoveredSet;
  /**
   * The config's `outOfOrder: allow`: the set's tool applies a new migration
   * with a lower version than applied ones (Flyway's `outOfOrder=true`), so a
   * new one sorting before sealed ones is not refused.
   */
  outOfOrder?: 'allow';
  /**
   * The config's `cosmetic: allow` on a set whose tool honours it (Alembic,
   * plain SQL): an edit of a sealed migration that keeps its semantic
   * checksum passes (README, "Cosmetic edits").
   */
  cosmetic?: 'allow';
}

/**
 * The adapters' problems as findings of the set `dir`. Adapters name files in
 * messages the way the shell asks them to (`DiscoverOptions.display`), so only
 * the structured `file` needs its set's dir.
 */
export function problemFindings(dir: string, discovered: DiscoveredSet): Finding[] {
  return asFindings(dir, discovered.problems);
}

/** The set's warnings (reported, never refused) as findings of the set `dir`. */
export function warningFindings(dir: string, discovered: DiscoveredSet): Finding[] {
  return asFindings(dir, discovered.warnings ?? []);
}

function asFindings(dir: string, problems: readonly Problem[]): Finding[] {
  return problems.map(({ duplicate: _, ...problem }) => ({
    ...problem,
    set: dir,
    ...(problem.file === undefined ? {} : { file: joinPath(dir, problem.file) }),
  }));
}
