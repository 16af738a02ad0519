import { chainDigest } from '../lockfile/chain-digest.js';
import { sameEntry, toLockEntries } from '../lockfile/lock-set.js';
import type { LockEntry, LockSet, Lockfile } from '../lockfile/types.js';
import type { DiscoveredSet } from '../migrations/types.js';
import { problemFindings, type Finding, type SetUnderCheck } from '../findings/findings.js';
import { joinPath } from '../paths.js';
import { acceptLockedNames, lockedFiles } from '../migrations/legacy-names.js';

const RELOCK = 'if this migration has never been deployed, run `guard lock`; if it has, restore it (git checkout -- FILE) and write a new migration instead';

/**
 * Compares the migrations found in the repository with the lockfile. Pure:
 * the caller reads files and git, this decides.
 *
 * @param lockfileName shown in messages (`checksums.lock.yaml`)
 */
export function compareWithLockfile(
  lock: Lockfile,
  sets: readonly SetUnderCheck[],
  lockfileName: string,
  lines: ReadonlyMap<string, number> = new Map(),
): Finding[] {
  const findings: Finding[] = [];
  const lockSets = new Map(lock.sets.map((set, index) => [set.dir, { set, index }]));

  for (const { dir, discovered } of sets) {
    const locked = lockSets.get(dir);
    // A name that breaks the scheme is a warning for a migration this lockfile already locks.
    findings.push(...problemFindings(dir, acceptLockedNames(discovered, lockedFiles(locked?.set))));
    lockSets.delete(dir);
    if (!locked) {
      findings.push({
        code: 'set-not-locked',
        exitCode: 1,
        set: dir,
        message: `${dir} has no set in ${lockfileName}`,
        fix: 'run `guard lock` and commit the lockfile',
      });
      continue;
    }
    const lineOf = (m: number) => lines.get(`sets.${locked.index}.migrations.${m}`);
    findings.push(...compareSet(locked.set, dir, discovered, lockfileName, lineOf));
  }

  for (const { set, index } of lockSets.values()) {
    const line = lines.get(`sets.${index}`);
    findings.push({
      code: 'set-not-configured',
      exitCode: 2,
      set: set.dir,
      file: lockfileName,
      ...(line === undefined ? {} : { line }),
      message: `${lockfileName}${line === undefined ? '' : `:${line}`} locks ${set.dir} (${set.migrations.length} migrations), which the config no longer lists`,
      fix: `add \`- dir: ${set.dir}\` back to the config's migrations, or drop its record with \`guard lock --drop-set ${set.dir}\``,
    });
  }
  return findings;
}

function compareSet(
  locked: LockSet,
  dir: string,
  discovered: DiscoveredSet,
  lockfileName: string,
  lineOf: (index: number) => number | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const at = (file: string) => joinPath(dir, file);
  const where = (index: number) => {
    const line = lineOf(index);
    return line === undefined ? lockfileName : `${lockfileName}:${line}`;
  };

  if (locked.tool !== discovered.tool) {
    findings.push({
      code: 'tool-changed',
      exitCode: 1,
      set: dir,
      message: `${dir} is locked as ${locked.tool} but read as ${discovered.tool}`,
      fix: `set \`tool: ${locked.tool}\` for ${dir} in the config, or run \`guard lock\` if the tool really changed`,
    });
    return findings;
  }

  const expected = { heads: discovered.heads, migrations: toLockEntries(discovered) };
  const lockedById = new Map(locked.migrations.map((entry, index) => [entry.id, { entry, index }]));
  // A locked file that shares its version with another is still there: the duplicate says so, it was not renamed.
  const duplicates = new Set(discovered.problems.filter((problem) => problem.code === 'duplicate-id' && problem.file !== undefined).map((problem) => problem.file!));
  const matched = new Set<string>();
  const unlocked: LockEntry[] = [];

  for (const entry of expected.migrations) {
    const previous = lockedById.get(entry.id);
    if (!previous) {
      unlocked.push(entry);
      continue;
    }
    matched.add(entry.id);
    const lockedEntry = previous.entry;
    if (lockedEntry.file !== entry.file) {
      if (duplicates.has(lockedEntry.file)) continue;
      findings.push({
        code: 'renamed',
        exitCode: 1,
        set: dir,
        file: at(entry.file),
        message: `${at(lockedEntry.file)} was renamed to ${at(entry.file)} (${where(previous.index)} locks the old name)`,
        fix: `rename it back (git mv ${at(entry.file)} ${at(lockedEntry.file)}); if it was never deployed, run \`guard lock\` instead`,
      });
      continue;
    }
    if (lockedEntry.sha256 !== entry.sha256) {
      findings.push({
        code: 'checksum-mismatch',
        exitCode: 1,
        set: dir,
        file: at(entry.file),
        message: `${at(entry.file)} changed since it was locked (${where(previous.index)}: sha256 ${short(lockedEntry.sha256)}, file: ${short(entry.sha256)})`,
        fix: RELOCK.replaceAll('FILE', at(entry.file)),
      });
    } else if (!sameList(lockedEntry.parents, entry.parents)) {
      findings.push({
        code: 'checksum-mismatch',
        exitCode: 1,
        set: dir,
        file: at(entry.file),
        message: `${where(previous.index)} records parents [${(lockedEntry.parents ?? []).join(', ')}] for ${entry.id}, but ${at(entry.file)} has [${(entry.parents ?? []).join(', ')}]`,
        fix: 'run `guard lock` to rewrite the lockfile; do not edit it by hand',
      });
    }
    if (lockedEntry.down !== entry.down || lockedEntry.down_sha256 !== entry.down_sha256) {
      const file = entry.down ?? lockedEntry.down!;
      findings.push({
        code: 'down-mismatch',
        exitCode: 1,
        set: dir,
        file: at(file),
        message:
          entry.down === undefined
            ? `down script ${at(lockedEntry.down!)} of ${entry.id} was deleted`
            : lockedEntry.down === undefined
              ? `down script ${at(entry.down)} of ${entry.id} is not locked`
              : `down script ${at(file)} of ${entry.id} changed since it was locked`,
        fix: RELOCK.replaceAll('FILE', at(file)),
      });
    }
  }

  const gone = locked.migrations.filter((entry) => !matched.has(entry.id));
  for (const entry of unlocked) {
    const twin = gone.findIndex((old) => old.sha256 === entry.sha256);
    if (twin !== -1) {
      const old = gone.splice(twin, 1)[0]!;
      findings.push({
        code: 'renamed',
        exitCode: 1,
        set: dir,
        file: at(entry.file),
        message: `${at(old.file)} (id ${old.id}) was renamed to ${at(entry.file)} (id ${entry.id})`,
        fix: `rename it back (git mv ${at(entry.file)} ${at(old.file)}); if it was never deployed, run \`guard lock\` instead`,
      });
      continue;
    }
    findings.push({
      code: 'unlocked',
      exitCode: 1,
      set: dir,
      file: at(entry.file),
      message: `${at(entry.file)} is not in ${lockfileName}`,
      fix: 'run `guard lock` and commit the lockfile with the migration',
    });
  }
  for (const entry of gone) {
    findings.push({
      code: 'deleted',
      exitCode: 1,
      set: dir,
      file: at(entry.file),
      message: `${at(entry.file)} (id ${entry.id}) is locked but was deleted`,
      fix: `restore it (git checkout HEAD -- ${at(entry.file)}); if it was never deployed, run \`guard lock\` to drop it`,
    });
  }

  if (!sameSet(locked.heads, expected.heads)) {
    findings.push({
      code: 'heads-changed',
      exitCode: 1,
      set: dir,
      message: `heads of ${dir} are [${expected.heads.join(', ')}], the lockfile says [${locked.heads.join(', ')}]`,
      fix: 'run `guard lock` and review the new heads in the diff',
    });
  }

  const recordedChain = chainDigest(locked.tool, locked.migrations);
  if (recordedChain !== locked.chain) {
    findings.push({
      code: 'chain-mismatch',
      exitCode: 1,
      set: dir,
      file: lockfileName,
      message: `the chain digest of ${dir} in ${lockfileName} does not match its entries (edited by hand?)`,
      fix: 'restore the lockfile from git, or run `guard lock` to rewrite it',
    });
  } else if (findings.length === 0 && !(discovered.tool === locked.tool && sameOrder(expected.migrations, locked.migrations)) && chainDigest(discovered.tool, expected.migrations) !== locked.chain) {
    findings.push({
      code: 'order-changed',
      exitCode: 1,
      set: dir,
      message: `the apply order of ${dir} differs from the lockfile's`,
      fix: 'run `guard lock` and review the reordering in the diff',
    });
  }
  return findings;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((item, i) => item === y[i]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * The same entries in the same order: then the files' chain is the
 * lockfile's, already checked, and hashing it again would only repeat it.
 */
function sameOrder(a: readonly LockEntry[], b: readonly LockEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => sameEntry(entry, b[i]!));
}
