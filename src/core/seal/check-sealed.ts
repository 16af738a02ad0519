import { toLockEntries } from '../lockfile/lock-set.js';
import type { LockEntry, LockSet, Lockfile, SetAmendment } from '../lockfile/types.js';
import { joinPath } from '../paths.js';
import { lockedFiles, newMisnamedMigrations } from '../migrations/legacy-names.js';
import type { Tool } from '../migrations/types.js';
import type { Finding, SetUnderCheck } from '../findings/findings.js';

/**
 * A migration is sealed (treated as deployed) when the lockfile at the
 * protected ref lists it. Sealed migrations never change: not their content,
 * not their name, not their place. Repeatable scripts (Flyway `R__`) change by
 * design and are never sealed.
 */
export interface SealedState {
  /** The ref whose lockfile seals, for messages (`origin/main`). */
  ref: string;
  lock: Lockfile;
}

/** Where a sealed entry came from, found only for the entries a message names. */
export type SealedAt = (set: string, entry: LockEntry) => string | undefined;

const NEW_MIGRATION = 'write a new migration that makes the change instead';

/**
 * The sealing rules over the migrations as they are now (`sets`) and the
 * lockfile that will be committed with them (`lock`):
 *
 * - every set of the sealed lockfile stays checked, whatever the config says
 *   now: a sealed set the config no longer lists, or reads with another tool,
 *   is refused unless `lock` records a set amendment for exactly that sealed
 *   state (dropped, moved to another dir, retooled);
 * - a sealed migration is edited, deleted or renamed (an edit recorded in
 *   `amendments` is allowed);
 * - a sealed line of the lockfile was changed by hand;
 * - a new migration of a version-ordered tool sorts before the newest sealed
 *   one (out of order: environments that already ran the sealed ones would
 *   skip it or apply it out of sequence), unless the set says `outOfOrder: allow`;
 * - a sealed migration or down script that the config's `exclude:` leaves out;
 * - a new migration whose name breaks the scheme, even when the lockfile
 *   under check locks it (only sealed ones keep a legacy name).
 *
 * @param sealedAt names the commit and date that sealed an entry, for messages
 * @param leftBehind dirs that still hold files: a set recorded as moved from
 *   one of them was copied, not moved, and the copy left behind is unchecked
 * @param cosmetic edits of sealed files that change only their formatting,
 *   in a set under `cosmetic: allow` (cosmeticKey; judged in the shell by
 *   the files' semantic checksums): allowed, like an amendment
 */
export function checkSealed(
  sealed: SealedState,
  sets: readonly SetUnderCheck[],
  lock: Lockfile | undefined,
  sealedAt: SealedAt = () => undefined,
  leftBehind: ReadonlySet<string> = new Set(),
  cosmetic: ReadonlySet<string> = new Set(),
): Finding[] {
  const findings: Finding[] = [];
  const current = new Map(sets.map((set) => [set.dir, set]));
  const amended = new Set(lock?.amendments.map((amendment) => `${amendment.file}\0${amendment.from}\0${amendment.to}`) ?? []);
  const context: SetContext = {
    ref: sealed.ref,
    sealedAt,
    isAmended: (file, from, to) => amended.has(`${file}\0sha256:${from}\0sha256:${to}`) || cosmetic.has(cosmeticKey(file, from, to)),
  };
  for (const sealedSet of sealed.lock.sets) {
    if (!sealedSet.migrations.some((entry) => !entry.repeatable)) continue; // nothing sealed in it
    const where = whereSealedSetIs(sealedSet, current, lock?.setAmendments ?? [], sealed.ref, leftBehind);
    if (where.kind === 'refused') findings.push(where.finding);
    else if (where.kind === 'checked') {
      findings.push(...checkSealedSet(sealedSet, where.under, lock?.sets.find((set) => set.dir === where.under.dir), where.match, context));
    }
  }
  return findings;
}

/** The key of an edit of `file` (repository-relative) from one content checksum to another, in checkSealed's `cosmetic`. */
export function cosmeticKey(file: string, from: string, to: string): string {
  return `${file}\0${from}\0${to}`;
}

/** How the sealed set `sealedSet` is found among the sets read now. */
type SealedSetPlace =
  | { kind: 'checked'; under: SetUnderCheck; match: 'id' | 'file' }
  | { kind: 'dropped' }
  | { kind: 'refused'; finding: Finding };

/**
 * The set under the same dir and tool is the sealed one. Anything else needs
 * a set amendment recorded against this sealed state (its chain digest): a
 * branch's config cannot make guard forget what the protected ref sealed.
 */
function whereSealedSetIs(
  sealedSet: LockSet,
  current: ReadonlyMap<string, SetUnderCheck>,
  amendments: readonly SetAmendment[],
  ref: string,
  leftBehind: ReadonlySet<string> = new Set(),
): SealedSetPlace {
  const { dir, tool } = sealedSet;
  const here = current.get(dir);
  if (here && here.discovered.tool === tool) return { kind: 'checked', under: here, match: 'id' };
  const amendment = amendments.find((candidate) => candidate.set === dir && candidate.chain === sealedSet.chain);
  const count = sealedSet.migrations.filter((entry) => !entry.repeatable).length;
  const sealedText = `${dir} is a sealed set in ${ref} (${count} deployed ${count === 1 ? 'migration' : 'migrations'}, ${tool})`;
  const stale = amendments.find((candidate) => candidate.set === dir && candidate.chain !== sealedSet.chain);
  const staleText = stale
    ? `; the set amendment of ${dir} in the lockfile was recorded when ${ref} sealed ${shortChain(stale.chain)}, but it now seals ${shortChain(sealedSet.chain)}, so it no longer applies`
    : '';
  const amend = `record the change for review with \`guard amend --set ${dir} --reason "..."\``;
  const refused = (code: 'sealed-set-dropped' | 'sealed-set-retooled', message: string, fix: string): SealedSetPlace => ({
    kind: 'refused',
    finding: { code, exitCode: 1, set: dir, message, fix },
  });
  if (here) {
    if (amendment?.change === 'retooled' && amendment.from === tool && amendment.to === here.discovered.tool) return { kind: 'checked', under: here, match: 'file' };
    return refused(
      'sealed-set-retooled',
      `${sealedText} and the config now reads it as ${here.discovered.tool}${staleText}`,
      `set \`tool: ${tool}\` for ${dir} in the config; if the migrations really move to another tool, ${amend}`,
    );
  }
  if (amendment?.change === 'dropped') return { kind: 'dropped' };
  if (amendment?.change === 'moved' && amendment.to !== undefined) {
    if (leftBehind.has(dir)) {
      return refused(
        'sealed-set-dropped',
        `${sealedText}; the lockfile records it as moved to ${amendment.to}, but ${dir} still holds files, and a copy left behind would go unchecked`,
        `finish the move (git rm -r ${dir}, or git mv it), or list ${dir} in the config again`,
      );
    }
    const target = current.get(amendment.to);
    if (target && target.discovered.tool === tool) return { kind: 'checked', under: target, match: 'id' };
    return refused(
      'sealed-set-dropped',
      `${sealedText}; the lockfile records it as moved to ${amendment.to}, but the config lists no ${tool} set ${amendment.to}`,
      `list \`- dir: ${amendment.to}\` with \`tool: ${tool}\` in the config's migrations, or list ${dir} again`,
    );
  }
  return refused(
    'sealed-set-dropped',
    `${sealedText} and the config no longer lists it, so its migrations would go unchecked${staleText}`,
    `list \`- dir: ${dir}\` (tool: ${tool}) in the config's migrations again; if the set really leaves guard's care or moved to another dir, ${amend}`,
  );
}

interface SetContext {
  ref: string;
  sealedAt: SealedAt;
  isAmended: (file: string, from: string, to: string) => boolean;
}

/** Where a tool whose ids are not file names keeps a migration's id, for the fix of an id that changed. */
const ID_SOURCE: Partial<Record<Tool, string>> = {
  drizzle: "Drizzle: its entry's `when` in meta/_journal.json",
  typeorm: 'TypeORM: its class name, or its `name` property',
  alembic: 'Alembic: its `revision`',
};

/**
 * The rules for one sealed set, found now in `under`. Its entries are matched
 * by id, or by file name when the set is read by another tool (ids are the
 * tool's own reading of the names).
 */
function checkSealedSet(sealedSet: LockSet, under: SetUnderCheck, lockSet: LockSet | undefined, match: 'id' | 'file', context: SetContext): Finding[] {
  const findings: Finding[] = [];
  const { dir, discovered } = under;
  const { ref } = context;
  const where = (entry: LockEntry) => {
    const at = context.sealedAt(sealedSet.dir, entry);
    return at ? `sealed in ${ref} by ${at}` : `sealed in ${ref}`;
  };
  const keyOf = (entry: LockEntry) => (match === 'id' ? entry.id : entry.file);
  const currentEntries = toLockEntries(discovered);
  const currentByKey = new Map(currentEntries.map((entry) => [keyOf(entry), entry]));
  const currentBySha = new Map(currentEntries.map((entry) => [entry.sha256, entry]));
  const sealedIds = new Set<string>();
  // A moved set's files were sealed under the old dir; restoring one means taking it from there.
  const restore = (entry: LockEntry, path: string) =>
    sealedSet.dir === dir ? `git checkout ${ref} -- ${path}` : `git show ${ref}:${joinPath(sealedSet.dir, entry.file)} > ${path}`;

  const excluded = new Set(discovered.excluded ?? []);
  for (const entry of sealedSet.migrations) {
    if (entry.repeatable) continue;
    const path = joinPath(dir, entry.file);
    const now = currentByKey.get(keyOf(entry));
    if (now) sealedIds.add(now.id);
    if (!now && excluded.has(entry.file)) {
      findings.push(sealedExcluded(dir, path, where(entry)));
      continue;
    }
    if (!now) {
      // Same file under another id: the id lives outside the file (Drizzle's journal `when`) or is written in it (a TypeORM class's `name`).
      const moved = currentBySha.get(entry.sha256) ?? currentEntries.find((current) => current.file === entry.file);
      findings.push(
        moved?.file === entry.file
          ? {
              code: 'sealed-renamed',
              exitCode: 1,
              set: dir,
              file: path,
              message: `${path} is ${where(entry)} and its id changed from ${entry.id} to ${moved.id}`,
              fix: `give it back id ${entry.id} (${ID_SOURCE[discovered.tool] ?? 'its name'}); deployed databases know it by that id`,
            }
          : moved
          ? {
              code: 'sealed-renamed',
              exitCode: 1,
              set: dir,
              file: joinPath(dir, moved.file),
              message: `${path} is ${where(entry)} and was renamed to ${joinPath(dir, moved.file)}`,
              fix: `rename it back (git mv ${joinPath(dir, moved.file)} ${path}); deployed databases know it by its old name and id`,
            }
          : {
              code: 'sealed-deleted',
              exitCode: 1,
              set: dir,
              file: path,
              message: `${path} is ${where(entry)} and was deleted`,
              fix: `restore it (${restore(entry, path)}); to undo what it did, ${NEW_MIGRATION}`,
            },
      );
      continue;
    }
    if (now.file !== entry.file) {
      findings.push({
        code: 'sealed-renamed',
        exitCode: 1,
        set: dir,
        file: joinPath(dir, now.file),
        message: `${path} is ${where(entry)} and was renamed to ${joinPath(dir, now.file)}`,
        fix: `rename it back (git mv ${joinPath(dir, now.file)} ${path})`,
      });
      continue;
    }
    if (now.sha256 !== entry.sha256 && !context.isAmended(path, entry.sha256, now.sha256)) {
      findings.push({
        code: 'sealed-edited',
        exitCode: 1,
        set: dir,
        file: path,
        message: `${path} is ${where(entry)}: it has been deployed and must not change`,
        fix: `restore it (${restore(entry, path)}) and ${NEW_MIGRATION}, or, if the change must reach databases that ran the old content, record it with \`guard amend ${path} --reason "..."\``,
      });
    }
    findings.push(...sealedDownScript(entry, now, dir, where(entry), context, restore, excluded));
  }

  // A sealed line changed in the lockfile that is committed (the files may be fine).
  if (lockSet) {
    const lockedByKey = new Map(lockSet.migrations.map((entry) => [keyOf(entry), entry]));
    for (const entry of sealedSet.migrations) {
      if (entry.repeatable) continue;
      const line = lockedByKey.get(keyOf(entry));
      if (!line || line.file !== entry.file) continue; // deletions and renames are reported above
      const path = joinPath(dir, entry.file);
      const downPath = entry.down === undefined ? undefined : joinPath(dir, entry.down);
      const downChanged =
        downPath !== undefined &&
        (line.down !== entry.down || (line.down_sha256 !== entry.down_sha256 && !context.isAmended(downPath, entry.down_sha256!, line.down_sha256 ?? '')));
      if ((line.sha256 !== entry.sha256 && !context.isAmended(path, entry.sha256, line.sha256)) || downChanged) {
        if (findings.some((finding) => finding.file === path || (downPath !== undefined && finding.file === downPath))) continue;
        findings.push({
          code: 'sealed-line-edited',
          exitCode: 1,
          set: dir,
          file: path,
          message: `the lockfile line of ${path}, ${where(entry)}, was changed`,
          fix: `restore the line from ${ref} (guard lock does it), and record a sanctioned change with \`guard amend ${path} --reason "..."\``,
        });
      }
    }
  }

  if (under.outOfOrder !== 'allow') findings.push(...outOfOrder(dir, discovered, sealedIds, ref));
  findings.push(...newMisnamed(dir, discovered, sealedSet, lockSet, ref));
  return findings;
}

/**
 * `exclude:` is for files the tool does not run; a pattern that takes in a
 * sealed migration or its down script would stop guard from checking what
 * every environment ran, as dropping the set would (`sealed-set-dropped`).
 */
function sealedExcluded(dir: string, path: string, where: string, of = ''): Finding {
  return {
    code: 'sealed-excluded',
    exitCode: 1,
    set: dir,
    file: path,
    message: `${path}${of}, ${where}, is left out by the config's \`exclude:\`, which would stop guard from checking a deployed migration`,
    fix: `take ${path} out of the \`exclude:\` patterns of ${dir} (exclude is for files the migration tool does not run)`,
  };
}

/**
 * Only migrations the protected ref already holds keep a name that breaks the
 * scheme (acceptLockedNames); a new one, even one a branch's lockfile locked,
 * is refused once the set is sealed. Those the lockfile under check does not
 * hold are refused by the lockfile rules already.
 */
function newMisnamed(dir: string, discovered: SetUnderCheck['discovered'], sealedSet: LockSet, lockSet: LockSet | undefined, ref: string): Finding[] {
  if (!lockSet) return [];
  const locked = lockedFiles(lockSet);
  return newMisnamedMigrations(discovered, lockedFiles(sealedSet))
    .filter((problem) => locked.has(problem.file!))
    .map((problem) => ({
      ...problem,
      set: dir,
      file: joinPath(dir, problem.file!),
      message: `${problem.message}; it is new since ${ref}, where only the migrations already sealed keep names that break the scheme`,
    }));
}

/**
 * A sealed migration's down or undo script (`x.down.sql`, Flyway `U1__x.sql`)
 * is part of what was deployed: the rollback every environment would run. It
 * may not be edited, deleted or renamed either (an edit recorded as an
 * amendment of the script's path is allowed). A script added to a sealed
 * migration that had none changes nothing that ran, and is allowed.
 */
function sealedDownScript(
  entry: LockEntry,
  now: LockEntry,
  dir: string,
  where: string,
  context: SetContext,
  restore: (entry: LockEntry, path: string) => string,
  excluded: ReadonlySet<string>,
): Finding[] {
  if (entry.down === undefined || entry.down_sha256 === undefined) return [];
  const path = joinPath(dir, entry.down);
  const of = `the down script of ${joinPath(dir, entry.file)}, ${where}`;
  if (now.down === undefined && excluded.has(entry.down)) return [sealedExcluded(dir, path, where, `, the down script of ${joinPath(dir, entry.file)}`)];
  if (now.down === undefined) {
    return [{ code: 'sealed-deleted', exitCode: 1, set: dir, file: path, message: `${path}, ${of}, was deleted`, fix: `restore it (${restore({ ...entry, file: entry.down }, path)})` }];
  }
  if (now.down !== entry.down) {
    const renamed = joinPath(dir, now.down);
    return [{ code: 'sealed-renamed', exitCode: 1, set: dir, file: renamed, message: `${path}, ${of}, was renamed to ${renamed}`, fix: `rename it back (git mv ${renamed} ${path})` }];
  }
  if (now.down_sha256 !== entry.down_sha256 && !context.isAmended(path, entry.down_sha256, now.down_sha256!)) {
    return [
      {
        code: 'sealed-edited',
        exitCode: 1,
        set: dir,
        file: path,
        message: `${path}, ${of}, changed: it is what a rollback runs on every database that applied it`,
        fix: `restore it (${restore({ ...entry, file: entry.down }, path)}), or, if the change must reach those databases, record it with \`guard amend ${path} --reason "..."\``,
      },
    ];
  }
  return [];
}

/** `sha256:3f9a1c2b…`, enough to tell two chain digests apart in a message. */
function shortChain(chain: string): string {
  return `${chain.slice(0, 'sha256:'.length + 12)}…`;
}

/**
 * New migrations of version-ordered tools must sort after every sealed one.
 * Alembic orders by parents, so a new revision on an old parent shows up as a
 * second head instead.
 */
function outOfOrder(dir: string, discovered: SetUnderCheck['discovered'], sealedIds: Set<string>, ref: string): Finding[] {
  if (discovered.tool === 'alembic') return [];
  const versioned = discovered.migrations.filter((migration) => !migration.repeatable);
  let lastSealed = -1;
  versioned.forEach((migration, index) => {
    if (sealedIds.has(migration.id)) lastSealed = index;
  });
  if (lastSealed === -1) return [];
  const head = versioned[lastSealed]!;
  return versioned.slice(0, lastSealed).flatMap((migration): Finding[] => {
    if (sealedIds.has(migration.id)) return [];
    const path = joinPath(dir, migration.file);
    return [
      {
        code: 'out-of-order',
        exitCode: 1,
        set: dir,
        file: path,
        message: `${path} (version ${migration.id}) sorts before ${joinPath(dir, head.file)} (version ${head.id}), which is already sealed in ${ref}`,
        fix:
          discovered.tool === 'drizzle'
            ? `list it after ${joinPath(dir, head.file)} in ${joinPath(dir, 'meta/_journal.json')}, with a \`when\` after ${head.id}`
            : discovered.tool === 'typeorm'
            ? `rename its class (and its \`name\`, if it sets one) to end in a timestamp after ${head.id}'s, or set \`outOfOrder: allow\` for ${dir} if TypeORM may run it late (it does)`
            : `give it a version after ${head.id}: \`guard renumber ${path}\` renames it and re-locks`,
      },
    ];
  });
}
