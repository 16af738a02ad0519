import type { Amendment, LockEntry, LockSet } from '../lockfile/types.js';
import { joinPath } from '../paths.js';
import { appliedTable } from './applied-table.js';
import { formatHeads } from './format-heads.js';
import { sameHeads } from './same-heads.js';
import { shortDigest } from './short-digest.js';
import { nameOf, type AppliedState, type Decision, type LedgerDeploy, type Named } from './types.js';

export type IntegrityCode =
  /** The database applied a migration this commit does not have. */
  | 'applied-unknown'
  /** An applied migration's content differs from the lockfile's, and no amendment sanctions it. */
  | 'applied-edited'
  /** A migration of a version-ordered tool is pending while a later one is applied. */
  | 'applied-out-of-order'
  /** The tool's table and guard's ledger name different heads: a run bypassed guard, or a restore. */
  | 'ledger-disagrees'
  /** Migrations are applied but guard never recorded a deploy: their content cannot be checked. */
  | 'unrecorded'
  /** An applied migration's file has another name now (same id and content). */
  | 'applied-renamed'
  /** An applied migration was edited in formatting only since it was applied (same semantic checksum, `cosmetic: allow`). */
  | 'applied-cosmetic'
  /** A migration outside a transaction failed or was stopped part way: part of it may be applied. */
  | 'applied-unfinished';

export interface IntegrityFinding {
  code: IntegrityCode;
  /**
   * `refuse` stops the deploy (exit 1): running the command would build on a
   * history the repository does not describe. `warn` is reported and the
   * deploy goes on: the state is one the repository describes, only guard's
   * record of how it got there is incomplete, and this deploy's ledger row
   * repairs that record.
   */
  severity: 'refuse' | 'warn';
  /** The set's dir. */
  set: string;
  /** Repository-relative path, when one file is at fault. */
  file?: string;
  message: string;
  fix: string;
}

export interface TargetIntegrityCheck {
  environment: Named;
  lockSet: LockSet;
  /** The lockfile's amendments (all sets; matched by repository-relative path). */
  amendments: readonly Amendment[];
  /**
   * The target's latest successful ledger deploy of this set (succeeded,
   * recorded): guard's record of what was applied, with
   * checksums. Undefined when guard never deployed this set there.
   */
  lastDeploy?: LedgerDeploy | undefined;
  /** What the tool's own table says now. */
  applied: AppliedState;
  /**
   * By repository-relative path: the SHA-256 (hex) of each form of this
   * commit's file that guard's checksum reads as the lockfile's (other line
   * ends, a byte-order mark: `digestForms`), for files whose tool checksum
   * differs from the lockfile's. A tool that hashed a CRLF checkout ran this
   * commit's content all the same.
   */
  digestForms?: ReadonlyMap<string, readonly string[]>;
  /** Content checksum -> semantic checksum of the contents step 4 compares, in sets under `cosmetic: allow` (shell/applied-semantics.ts). */
  semantics?: ReadonlyMap<string, string>;
  /**
   * The environment records its deploys in another database (`ledger:`),
   * so its own database may be new on every run (CI): an empty one is
   * expected, not a disagreement.
   */
  separateLedger?: boolean;
  /**
   * The set's `outOfOrder: allow` (README, "Out-of-order release lines"):
   * its tool applies a pending lower version after higher ones (Flyway's
   * `outOfOrder=true`), so that is reported, not refused.
   */
  outOfOrder?: boolean;
}

export interface TargetIntegrity {
  findings: IntegrityFinding[];
  /** Lockfile entries the database has applied, in lockfile order. */
  applied: LockEntry[];
  /** Lockfile entries the command is expected to apply, in apply order (repeatable scripts when their content changed). */
  pending: LockEntry[];
}

/**
 * Deploy gate, step 4 (README, "Deploying"): what the target has applied must be exactly a
 * prefix of the lockfile's chain with the same checksums.
 *
 * Applied state comes from the tool's table (the truth about the database):
 * the ordered versions where the tool keeps them (Flyway, plain SQL), else
 * the heads and their ancestors in the lockfile's graph (Alembic, which
 * applies by graph, so for it "prefix" means ancestor-closed, not a
 * position). Checksums come from guard's ledger, the only place that keeps
 * what content was applied.
 *
 * Refusals (the command would build on a history the repository does not
 * describe, and the tool itself would fail or, worse, not notice):
 * - `applied-unknown`: an applied id the repository lacks (deployed from another branch);
 * - `applied-edited`: an applied checksum differs, not sanctioned by an amendment (amendments are followed
 *   transitively: X -> Y -> Z accepts X), by guard's record or by the checksum the tool's table keeps (Drizzle's);
 * - `applied-out-of-order`: a version-ordered migration sorts before an applied one but is not applied, or versions
 *   were applied in another order (the tool would skip it); a warning under `outOfOrder: allow` (late by design).
 *
 * Warnings (the database holds a state the repository describes; only the
 * record of how it got there is incomplete, and refusing would leave only
 * `--force`):
 * - `ledger-disagrees`: the tool's heads differ from the ledger's last deploy
 *   (a run that bypassed guard, a downgrade or a restore). Migrations applied
 *   outside guard are named: their content was never checked;
 * - `unrecorded`: migrations applied before guard recorded any deploy;
 * - `applied-renamed`: same id and content under another file name;
 * - `applied-cosmetic`: the applied content and this commit's have the same semantic checksum (README,
 *   "Cosmetic edits"), as `semantics` gives them, read from the contents in the shell.
 */
export function checkTargetIntegrity(check: TargetIntegrityCheck): TargetIntegrity {
  const environment = nameOf(check.environment);
  const { lockSet, applied: state, lastDeploy } = check;
  const dir = lockSet.dir;
  const path = (file: string) => joinPath(dir, file);
  const findings: IntegrityFinding[] = [];
  const byId = new Map(lockSet.migrations.map((entry, index) => [entry.id, { entry, index }]));
  const versioned = lockSet.migrations.filter((entry) => !entry.repeatable);
  const table = appliedTable(state);
  const since = lastDeploy ? ` (guard's last deploy there: ${describe(lastDeploy)})` : '';

  // 1. What the database has applied, by the tool's table.
  let appliedIds: string[];
  let unknown: string[];
  if (state.applied !== undefined) {
    appliedIds = state.applied.filter((id) => byId.has(id));
    unknown = state.applied.filter((id) => !byId.has(id));
  } else if (state.tool === 'alembic') {
    unknown = state.heads.filter((head) => !byId.has(head));
    const closure = ancestors(state.heads.filter((head) => byId.has(head)), byId);
    appliedIds = lockSet.migrations.filter((entry) => closure.has(entry.id)).map((entry) => entry.id);
  } else {
    // A version-ordered tool read by heads only: everything up to the newest head.
    unknown = state.heads.filter((head) => !byId.has(head));
    const last = Math.max(-1, ...state.heads.map((head) => versioned.findIndex((entry) => entry.id === head)));
    appliedIds = versioned.slice(0, last + 1).map((entry) => entry.id);
  }
  if (unknown.length > 0) {
    findings.push({
      code: 'applied-unknown',
      severity: 'refuse',
      set: dir,
      message: `${environment} has applied ${list(unknown)} (${table}), which this commit's ${dir} does not have${since}: deployed from another branch, or a migration deleted after it was deployed`,
      fix: `deploy from a commit that has ${unknown.length === 1 ? 'it' : 'them'} (merge that branch, or restore the deleted migration); to undo ${unknown.length === 1 ? 'it' : 'them'}, write a new migration that reverts the change`,
    });
  }
  const appliedSet = new Set(appliedIds);

  // 2. Version-ordered tools: the applied versions are exactly the first ones, in order.
  if (state.tool !== 'alembic') {
    const lastApplied = Math.max(-1, ...appliedIds.map((id) => versioned.findIndex((entry) => entry.id === id)));
    const skipped = versioned.slice(0, lastApplied + 1).filter((entry) => !appliedSet.has(entry.id));
    if (skipped.length > 0) {
      const newest = versioned[lastApplied]!;
      const files = list(skipped.map((entry) => path(entry.file)));
      const one = skipped.length === 1;
      findings.push(
        check.outOfOrder
          ? {
              code: 'applied-out-of-order',
              severity: 'warn',
              set: dir,
              file: path(skipped[0]!.file),
              message: `${files} ${one ? 'is' : 'are'} pending in ${environment} while the later ${path(newest.file)} (version ${newest.id}) is applied: the tool applies ${one ? 'it' : 'them'} out of order, as ${dir}'s \`outOfOrder: allow\` says`,
              fix: `nothing to do if the tool runs out of order (Flyway: outOfOrder=true); otherwise remove \`outOfOrder: allow\` from ${dir} in the config`,
            }
          : {
              code: 'applied-out-of-order',
              severity: 'refuse',
              set: dir,
              file: path(skipped[0]!.file),
              message: `${files} ${one ? 'is' : 'are'} not applied in ${environment}, but the later ${path(newest.file)} (version ${newest.id}) is: the tool would skip ${one ? 'it' : 'them'} or apply ${one ? 'it' : 'them'} out of order`,
              fix: `if ${one ? 'it was' : 'they were'} never deployed anywhere, give ${one ? 'it' : 'them'} a version after ${newest.id}: ${skipped.map((entry) => `\`guard renumber ${path(entry.file)}\``).join(', ')}; otherwise apply ${one ? 'it' : 'them'} to ${environment} by hand and \`guard record ${environment}\``,
            },
      );
    } else {
      const order = appliedIds.findIndex((id, i) => versioned[i]?.id !== id);
      // A set that runs out of order by design applied its versions in another order than their names sort.
      if (order !== -1 && !check.outOfOrder) {
        findings.push({
          code: 'applied-out-of-order',
          severity: 'refuse',
          set: dir,
          message: `${environment} applied ${dir}'s versions in another order than the lockfile's (${table} has ${appliedIds[order]} where the lockfile has ${versioned[order]!.id}): its chain is not a prefix of this commit's`,
          fix: `check ${table} in ${environment}; a database that applied the same versions in another order may differ, so compare it with \`guard drift ${environment} OTHER\` before overriding with --force --reason`,
        });
      }
    }
  }

  // 3. Checksums: what guard recorded as applied (in the runner's table, else its ledger) against what the lockfile says now.
  const recorded = new Set<string>();
  const edited = new Set<string>();
  for (const migration of state.appliedContent ?? lastDeploy?.migrations ?? []) {
    const known = byId.get(migration.id);
    if (!known || !appliedSet.has(migration.id) || known.entry.repeatable) continue;
    recorded.add(migration.id);
    const entry = known.entry;
    const from = bare(migration.sha256);
    const to = bare(entry.sha256);
    // Read from the contents themselves (shell/applied-semantics.ts), never from a record a branch could have written.
    const appliedSemantic = check.semantics?.get(from);
    if (from !== to && appliedSemantic !== undefined && appliedSemantic === check.semantics?.get(to) && migration.file === entry.file) {
      const message = `${path(entry.file)} changed since ${environment} applied it, in formatting only (same semantic checksum; \`cosmetic: allow\`): sha256 ${shortDigest(from)} then, ${shortDigest(to)} now`;
      findings.push({ code: 'applied-cosmetic', severity: 'warn', set: dir, file: path(entry.file), message, fix: 'nothing to do: this deploy records the new content' });
    } else if (from !== to && !amended(check.amendments, [path(entry.file), path(migration.file)], from, to)) {
      edited.add(migration.id);
      findings.push({
        code: 'applied-edited',
        severity: 'refuse',
        set: dir,
        file: path(entry.file),
        message: `${path(entry.file)} was edited after ${environment} applied it: ${environment} ran sha256 ${shortDigest(from)}, this commit has ${shortDigest(to)}, and no amendment records the change${since}`,
        fix: `restore it (${lastDeploy?.commit ? `git checkout ${lastDeploy.commit.slice(0, 12)} -- ${path(migration.file)}` : `git checkout -- ${path(entry.file)} from the deployed commit`}) and write a new migration for the change; if ${environment} must keep the old content, sanction it with \`guard amend ${path(entry.file)} --reason "..."\``,
      });
    } else if (migration.file !== entry.file) {
      findings.push({
        code: 'applied-renamed',
        severity: 'warn',
        set: dir,
        file: path(entry.file),
        message: `${path(migration.file)}, applied in ${environment}, is now ${path(entry.file)} (same id ${entry.id}, same content)`,
        fix: `rename it back (git mv ${path(entry.file)} ${path(migration.file)}) so the repository names it as deployed databases know it`,
      });
    }
  }

  // The tool's own checksum of what it ran (Prisma's SHA-256 of migration.sql, Drizzle's hash): an edit after it ran,
  // or content run by hand, even when guard's ledger never saw that deploy.
  for (const migration of state.toolChecksums ?? []) {
    const known = byId.get(migration.id);
    // A checksum of another form (older Prisma engines wrote it without zero padding) cannot be compared;
    // an edit the ledger already showed is named once.
    if (!known || !appliedSet.has(migration.id) || known.entry.repeatable || !/^[0-9a-f]{64}$/.test(migration.sha256) || edited.has(migration.id)) continue;
    const entry = known.entry;
    const to = bare(entry.sha256);
    if (migration.sha256 === to || check.digestForms?.get(path(entry.file))?.includes(migration.sha256)) continue;
    if (amended(check.amendments, [path(entry.file), ...(migration.file ? [path(migration.file)] : [])], migration.sha256, to)) continue;
    findings.push({
      code: 'applied-edited',
      severity: 'refuse',
      set: dir,
      file: path(entry.file),
      message: `${path(entry.file)} is not what ${environment} ran: ${table} records sha256 ${shortDigest(migration.sha256)}, this commit has ${shortDigest(to)} (edited after it was applied, or applied by hand with other content)`,
      fix: `restore the content ${environment} ran (git log -p -- ${path(entry.file)}) and write a new migration for the change; if ${environment} must keep what it ran, sanction this commit's content with \`guard amend ${path(entry.file)} --reason "..."\``,
    });
  }

  // A migration that failed or was cut short may have left part of its work.
  // (One no longer in the lockfile is not run again: what it left is not this commit's to judge.)
  for (const unfinished of (state.unfinished ?? []).filter((item) => byId.has(item.id))) {
    const file = path(unfinished.file);
    if (unfinished.runner !== undefined) {
      const how = unfinished.status === 'failed' ? `failed${unfinished.error ? ` (${unfinished.error})` : ''}` : 'never finished (failed without a log, or still running)';
      findings.push({
        code: 'applied-unfinished',
        severity: 'refuse',
        set: dir,
        file,
        message: `${file} started in ${environment} (${unfinished.at}) and ${how}; ${unfinished.runner} refuses to migrate until it is resolved, and part of it may be applied`,
        fix: unfinished.fix ?? `resolve it as ${unfinished.runner} documents`,
      });
      continue;
    }
    const how = unfinished.status === 'failed' ? `failed${unfinished.line ? ` at line ${unfinished.line}` : ''}${unfinished.error ? ` (${unfinished.error})` : ''}` : 'never finished (guard was stopped while it ran)';
    findings.push({
      code: 'applied-unfinished',
      severity: 'refuse',
      set: dir,
      file,
      message: `${file} ran outside a transaction in ${environment} (${unfinished.at}) and ${how}: the statements before that point stay applied, so running it again may fail or apply them twice`,
      fix: `look at what it left in ${environment} and undo it by hand (an INVALID index from CREATE INDEX CONCURRENTLY: DROP INDEX CONCURRENTLY), or make the file safe to run again (IF NOT EXISTS); then \`guard deploy ${environment} --force --reason "..."\` runs it again`,
    });
  }

  // 4. The tool's table against guard's ledger (not for a table guard keeps per migration itself).
  if (state.appliedContent !== undefined) {
    // guard.sql_migrations is the runner's own record, with content: nothing to reconcile.
  } else if (lastDeploy === undefined) {
    if (appliedIds.length > 0) {
      findings.push({
        code: 'unrecorded',
        severity: 'warn',
        set: dir,
        message: `${environment} has ${count(appliedIds.length)} of ${dir} applied (${table} at ${formatHeads(state.heads)}), but guard has no deploy of it on record: their content cannot be checked`,
        fix: `if ${environment} is at this commit's head, \`guard record ${environment}\` records it; otherwise this deploy records the state it leaves`,
      });
    }
  } else if (!sameHeads(lastDeploy.heads, state.heads) && !(check.separateLedger && state.heads.length === 0)) {
    const ledgerIds = new Set(lastDeploy.migrations.map((migration) => migration.id));
    const outside = appliedIds.filter((id) => !ledgerIds.has(id));
    const undone = lastDeploy.migrations.filter((migration) => !appliedSet.has(migration.id) && !unknown.includes(migration.id)).map((migration) => migration.id);
    // With a head the repository lacks, its ancestry is unknown: name no migrations rather than wrong ones.
    const details =
      unknown.length > 0
        ? []
        : [
            ...(outside.length ? [`applied without guard, content unchecked: ${list(outside)}`] : []),
            ...(undone.length ? [`no longer applied: ${list(undone)}`] : []),
          ];
    findings.push({
      code: 'ledger-disagrees',
      severity: 'warn',
      set: dir,
      message: `${environment}'s ${table} is at ${formatHeads(state.heads)}, but guard's last deploy left it at ${formatHeads(lastDeploy.heads)} (${describe(lastDeploy)}): someone migrated it without guard, or it was restored${details.length ? ` (${details.join('; ')})` : ''}`,
      fix: `find out who migrated ${environment} outside guard (${table} keeps its history); this deploy records the state it leaves, and \`guard record ${environment}\` records a database already at the head`,
    });
  }

  const pending = lockSet.migrations.filter((entry) => {
    if (!entry.repeatable) return !appliedSet.has(entry.id);
    // Repeatable scripts run again when their content changed since the last deploy.
    const before = lastDeploy?.migrations.find((migration) => migration.id === entry.id);
    return before === undefined || bare(before.sha256) !== bare(entry.sha256);
  });
  return {
    findings,
    applied: lockSet.migrations.filter((entry) => appliedSet.has(entry.id)),
    pending,
  };
}

/**
 * The gate's decision over the integrity findings of every set: refused when
 * any finding refuses, naming every refusal; warnings are left to the caller
 * to print.
 */
export function integrityDecision(environment: Named, findings: readonly IntegrityFinding[]): Decision {
  const refusals = findings.filter((finding) => finding.severity === 'refuse');
  if (refusals.length === 0) return { ok: true };
  const name = nameOf(environment);
  return {
    ok: false,
    code: 'target-integrity',
    exitCode: 1,
    message: `${name}'s applied migrations are not a prefix of this commit's chain:\n${refusals.map((finding) => `  ${finding.message}`).join('\n')}`,
    fix: [...new Set(refusals.map((finding) => finding.fix))].join('\n'),
  };
}

/** Whether recorded amendments lead from the applied checksum to the lockfile's, one or more steps. */
function amended(amendments: readonly Amendment[], files: readonly string[], from: string, to: string): boolean {
  const edges = amendments.filter((amendment) => files.includes(amendment.file));
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const edge of edges) {
      if (bare(edge.from) !== at) continue;
      const next = bare(edge.to);
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** The heads and every revision they descend from (parents and depends_on), in the lockfile's graph. */
function ancestors(heads: readonly string[], byId: ReadonlyMap<string, { entry: LockEntry }>): Set<string> {
  const seen = new Set<string>();
  const stack = [...heads];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    const known = byId.get(id);
    if (!known) continue;
    seen.add(id);
    stack.push(...(known.entry.parents ?? []), ...(known.entry.depends_on ?? []));
  }
  return seen;
}

function describe(deploy: LedgerDeploy): string {
  return `${formatHeads(deploy.heads)}, chain ${shortDigest(deploy.chain)}, ${deploy.status} ${deploy.finishedAt ?? deploy.startedAt} by ${deploy.actor}@${deploy.host}${deploy.commit ? `, commit ${deploy.commit.slice(0, 12)}` : ''}`;
}

function bare(sha: string): string {
  return sha.replace(/^sha256:/, '');
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, 5);
  return items.length > 5 ? `${shown.join(', ')}, ... ${items.length - 5} more` : shown.join(', ');
}

function count(n: number): string {
  return n === 1 ? '1 migration' : `${n} migrations`;
}
