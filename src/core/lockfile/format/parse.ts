import { CONTENT_ALGORITHM } from '../../checksum.js';
import { GuardError, inputError } from '../../guard-error.js';
import { TOOLS, type Tool } from '../../migrations/types.js';
import { escapesDir, normaliseDir } from '../../paths.js';
import { readYaml } from '../../read-yaml.js';
import { findConflictMarkers } from '../conflict-markers.js';
import { LOCKFILE_VERSION, SET_CHANGES, type Amendment, type LockEntry, type LockSet, type Lockfile, type SetAmendment, type SetChange } from '../types.js';
import { ENTRY_KEYS, FILE_AMENDMENT_KEYS, SET_AMENDMENT_KEYS, SET_KEYS, TOP_KEYS } from './grammar.js';
import { readCanonicalLockfile, type LineIndex, type RawDocument } from './read-canonical.js';

export interface ParsedLockfile {
  lock: Lockfile;
  /** Line of each set and entry, for messages (`sets.0.migrations.3` -> 12). */
  lines: LineIndex;
  /** Which reader took it: the canonical line reader, or the YAML parser (a hand-edited file). */
  via: 'canonical' | 'yaml';
}

/**
 * Reads a lockfile without trusting it: malformed YAML, an unknown format
 * version or checksum algorithm, git conflict markers, paths that leave their
 * set's dir and duplicate ids are errors (exit 2) that name the line and the fix.
 *
 * @param name the path shown in messages (`checksums.lock.yaml`)
 */
export async function parseLockfile(text: string, name: string): Promise<ParsedLockfile> {
  const markers = findConflictMarkers(text);
  if (markers.length > 0) {
    throw inputError(`${name}:${markers[0]} has git conflict markers`, {
      fix: 'run `guard lock`: it merges both sides, re-checks the result and rewrites the file',
      location: { file: name, line: markers[0]! },
    });
  }
  const canonical = readCanonicalLockfile(text);
  const document = canonical ?? (await readAnyYaml(text, name));
  return { lock: validateLockfile(document, name), lines: document.lines, via: canonical ? 'canonical' : 'yaml' };
}

/**
 * A text in the canonical shape, read and validated like parseLockfile
 * would, without ever loading the YAML parser: undefined when it is not in
 * that shape or not a valid lockfile (the caller then takes the full path,
 * which reports the problem with its line).
 */
export function parseCanonicalLockfile(text: string, name: string): Lockfile | undefined {
  const canonical = readCanonicalLockfile(text);
  if (!canonical) return undefined;
  try {
    return validateLockfile(canonical, name);
  } catch (error) {
    if (error instanceof GuardError) return undefined;
    throw error;
  }
}

async function readAnyYaml(text: string, name: string): Promise<RawDocument> {
  // Only hand-edited files get here: the yaml package costs more start-up
  // time than the whole canonical read.
  return readYaml(text, name, `restore the file from git (git checkout -- ${name}) and run \`guard lock\``);
}

function validateLockfile(document: RawDocument, name: string): Lockfile {
  const { value, lines } = document;
  const fail = (path: string, message: string, fix: string): never => {
    const line = lineFor(lines, path);
    throw inputError(`${name}${line === undefined ? '' : `:${line}`}: ${message}`, {
      fix,
      location: { file: name, ...(line === undefined ? {} : { line }) },
    });
  };
  const regenerate = 'restore it from git, or delete it and run `guard lock` to write it anew';

  if (!isObject(value)) fail('', 'is not a lockfile (expected a YAML mapping)', regenerate);
  const root = value as Record<string, unknown>;
  if (root.lockfile !== LOCKFILE_VERSION) {
    if (typeof root.lockfile === 'number' && root.lockfile > LOCKFILE_VERSION) {
      fail(
        'lockfile',
        `lockfile format ${root.lockfile} is newer than this guard understands (${LOCKFILE_VERSION})`,
        'upgrade migration-guard (npm install --save-dev migration-guard@latest)',
      );
    }
    fail('lockfile', `unknown lockfile format version ${JSON.stringify(root.lockfile ?? null)}`, `set \`lockfile: ${LOCKFILE_VERSION}\`, or ${regenerate}`);
  }
  if (root.algorithm !== CONTENT_ALGORITHM) {
    fail(
      'algorithm',
      `unknown checksum algorithm ${JSON.stringify(root.algorithm ?? null)} (this guard computes ${CONTENT_ALGORITHM})`,
      'upgrade migration-guard if a newer version wrote this file; otherwise restore it from git',
    );
  }
  for (const key of Object.keys(root)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      fail(key, `unknown key \`${key}\``, 'remove it; only guard writes this file');
    }
  }
  // Any name/version is read: checksums of another version are not compared (README, "Cosmetic edits").
  const semantic = root.semantic === undefined ? undefined : requireString(root.semantic, 'semantic', 'semantic', fail);
  if (semantic !== undefined && !/^[a-z0-9-]+\/[0-9]+$/.test(semantic)) fail('semantic', `\`semantic\` ${JSON.stringify(semantic)} is not a checksum name/version`, regenerate);

  const rawSets = root.sets ?? [];
  if (!Array.isArray(rawSets)) fail('sets', '`sets` must be a list', regenerate);
  const sets: LockSet[] = [];
  const seenDirs = new Set<string>();
  (rawSets as unknown[]).forEach((rawSet, s) => {
    const at = `sets.${s}`;
    if (!isObject(rawSet)) fail(at, 'each set must be a mapping with dir, tool, heads, chain and migrations', regenerate);
    const set = rawSet as Record<string, unknown>;
    checkKeys(set, SET_KEYS, at, 'a set', regenerate, fail);
    const dir = requireString(set.dir, `${at}.dir`, 'dir', fail);
    if (escapesDir(dir, true)) fail(`${at}.dir`, `set dir ${JSON.stringify(dir)} leaves the repository`, 'use a repository-relative dir without ".."');
    // guard writes dirs normalised; `db/a/` or `./db/a` beside `db/a` would lock one dir twice.
    if (normaliseDir(dir) !== dir) fail(`${at}.dir`, `set dir ${JSON.stringify(dir)} is not written the way guard writes it (${normaliseDir(dir)})`, regenerate);
    if (seenDirs.has(dir)) fail(`${at}.dir`, `set ${dir} appears twice`, regenerate);
    seenDirs.add(dir);
    const tool = requireString(set.tool, `${at}.tool`, 'tool', fail);
    if (!(TOOLS as readonly string[]).includes(tool)) fail(`${at}.tool`, `unknown tool ${JSON.stringify(tool)}`, `use one of ${TOOLS.join(', ')}`);
    const heads = requireStringList(set.heads, `${at}.heads`, 'heads', fail);
    const chain = requireString(set.chain, `${at}.chain`, 'chain', fail);
    if (!/^sha256:[0-9a-f]{64}$/.test(chain)) fail(`${at}.chain`, `chain ${JSON.stringify(chain)} is not sha256:<64 hex digits>`, regenerate);
    const rawEntries = set.migrations ?? [];
    if (!Array.isArray(rawEntries)) fail(`${at}.migrations`, '`migrations` must be a list', regenerate);
    const ids = new Map<string, number>();
    const files = new Set<string>();
    const migrations = (rawEntries as unknown[]).map((rawEntry, m) => {
      const entryAt = `${at}.migrations.${m}`;
      const entry = readEntry(rawEntry, entryAt, fail);
      for (const file of [entry.file, ...(entry.down === undefined ? [] : [entry.down])]) {
        if (escapesDir(file, false)) {
          fail(entryAt, `file ${JSON.stringify(file)} escapes the set's dir ${dir}`, 'file paths are relative to the set dir and never contain ".."; restore the lockfile from git');
        }
      }
      const previous = ids.get(entry.id);
      if (previous !== undefined) {
        fail(entryAt, `id ${entry.id} is listed twice (also on line ${lineFor(lines, `${at}.migrations.${previous}`) ?? '?'})`, 'remove the duplicate line, or run `guard lock` to rewrite the file');
      }
      if (files.has(entry.file)) fail(entryAt, `file ${entry.file} is listed twice`, 'run `guard lock` to rewrite the file');
      ids.set(entry.id, m);
      files.add(entry.file);
      return entry;
    });
    if (semantic === undefined) {
      const carrying = migrations.findIndex((entry) => entry.semantic !== undefined || entry.down_semantic !== undefined);
      if (carrying !== -1) fail(`${at}.migrations.${carrying}`, 'a migration has a `semantic` checksum, but the lockfile names no `semantic:` algorithm', 'run `guard lock` to rewrite the file');
    }
    sets.push({ dir, tool: tool as Tool, heads, chain, migrations });
  });

  const rawAmendments = root.amendments ?? [];
  if (!Array.isArray(rawAmendments)) fail('amendments', '`amendments` must be a list', regenerate);
  const amendments: Amendment[] = [];
  const setAmendments: SetAmendment[] = [];
  const amendmentFix = 'only guard writes amendments (guard amend); restore the lockfile from git';
  (rawAmendments as unknown[]).forEach((raw, a) => {
    const at = `amendments.${a}`;
    if (!isObject(raw)) fail(at, 'each amendment must be a mapping', amendmentFix);
    const record = raw as Record<string, unknown>;
    if (record.set !== undefined) {
      setAmendments.push(readSetAmendment(record, at, amendmentFix, fail));
      return;
    }
    checkKeys(record, FILE_AMENDMENT_KEYS, at, 'an amendment', amendmentFix, fail);
    const amendment = {} as Amendment;
    for (const key of ['file', 'from', 'to', 'reason', 'by', 'at'] as const) {
      amendment[key] = requireString(record[key], at, key, fail);
    }
    if (escapesDir(amendment.file, true)) fail(at, `amendment file ${JSON.stringify(amendment.file)} leaves the repository`, 'restore the lockfile from git');
    amendments.push(amendment);
  });

  return {
    lockfile: LOCKFILE_VERSION,
    algorithm: CONTENT_ALGORITHM,
    ...(semantic === undefined ? {} : { semantic }),
    sets,
    amendments,
    ...(setAmendments.length > 0 ? { setAmendments } : {}),
  };
}

/**
 * `{set, change, from?, to?, chain, reason, by, at}`: `moved` names the new
 * dir in `to`, `retooled` the old and new tools in `from` and `to`, `dropped`
 * neither.
 */
function readSetAmendment(record: Record<string, unknown>, at: string, fix: string, fail: Fail): SetAmendment {
  checkKeys(record, SET_AMENDMENT_KEYS, at, 'a set amendment', fix, fail);
  const set = requireString(record.set, at, 'set', fail);
  if (escapesDir(set, true) || normaliseDir(set) !== set) fail(at, `amended set ${JSON.stringify(set)} is not a repository-relative dir as guard writes it`, fix);
  const change = requireString(record.change, at, 'change', fail);
  if (!(SET_CHANGES as readonly string[]).includes(change)) fail(at, `unknown set change ${JSON.stringify(change)} (known: ${SET_CHANGES.join(', ')})`, fix);
  const chain = requireString(record.chain, at, 'chain', fail);
  if (!/^sha256:[0-9a-f]{64}$/.test(chain)) fail(at, `chain ${JSON.stringify(chain)} is not sha256:<64 hex digits>`, fix);
  const amendment: SetAmendment = { set, change: change as SetChange, chain, reason: '', by: '', at: '' };
  if (change === 'dropped') {
    if (record.from !== undefined || record.to !== undefined) fail(at, 'a dropped set has no `from` or `to`', fix);
  } else if (change === 'moved') {
    if (record.from !== undefined) fail(at, 'a moved set has no `from` (the set is the old dir)', fix);
    const to = requireString(record.to, at, 'to', fail);
    if (escapesDir(to, true) || normaliseDir(to) !== to || to === set) fail(at, `a moved set's new dir ${JSON.stringify(to)} is not another repository-relative dir`, fix);
    amendment.to = to;
  } else {
    for (const key of ['from', 'to'] as const) {
      const tool = requireString(record[key], at, key, fail);
      if (!(TOOLS as readonly string[]).includes(tool)) fail(at, `unknown tool ${JSON.stringify(tool)} in \`${key}\``, `use one of ${TOOLS.join(', ')}`);
      amendment[key] = tool;
    }
    if (amendment.from === amendment.to) fail(at, `a retooled set changes its tool, but from and to are both ${amendment.from}`, fix);
  }
  for (const key of ['reason', 'by', 'at'] as const) amendment[key] = requireString(record[key], at, key, fail);
  return amendment;
}

type Fail = (path: string, message: string, fix: string) => never;


function checkKeys(record: Record<string, unknown>, known: readonly string[], at: string, what: string, fix: string, fail: Fail): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) fail(`${at}.${key}`, `unknown key \`${key}\` in ${what} (known: ${known.join(', ')})`, fix);
  }
}

function readEntry(raw: unknown, at: string, fail: Fail): LockEntry {
  const fix = 'run `guard lock` to rewrite the line';
  if (!isObject(raw)) fail(at, 'each migration must be a mapping {id, file, sha256}', fix);
  const record = raw as Record<string, unknown>;
  checkKeys(record, ENTRY_KEYS, at, 'a migration entry', fix, fail);
  const entry: LockEntry = {
    id: requireString(record.id, at, 'id', fail),
    file: requireString(record.file, at, 'file', fail),
    sha256: requireHex(record.sha256, at, 'sha256', fail),
  };
  if (record.parents !== undefined) entry.parents = requireStringList(record.parents, at, 'parents', fail);
  if (record.down !== undefined) entry.down = requireString(record.down, at, 'down', fail);
  if (record.down_sha256 !== undefined) entry.down_sha256 = requireHex(record.down_sha256, at, 'down_sha256', fail);
  if (record.semantic !== undefined) entry.semantic = requireHex(record.semantic, at, 'semantic', fail);
  if (record.down_semantic !== undefined) {
    if (entry.down === undefined) fail(at, '`down_semantic` without a `down` script', fix);
    entry.down_semantic = requireHex(record.down_semantic, at, 'down_semantic', fail);
  }
  if (record.branch_labels !== undefined) entry.branch_labels = requireStringList(record.branch_labels, at, 'branch_labels', fail);
  if (record.depends_on !== undefined) entry.depends_on = requireStringList(record.depends_on, at, 'depends_on', fail);
  if (record.repeatable !== undefined) {
    if (record.repeatable !== true) fail(at, '`repeatable` may only be true', fix);
    entry.repeatable = true;
  }
  return entry;
}

function requireString(value: unknown, at: string, key: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '') fail(at, `\`${key}\` must be a non-empty string, found ${describe(value)}`, 'run `guard lock` to rewrite the file');
  return value as string;
}

function requireHex(value: unknown, at: string, key: string, fail: Fail): string {
  const text = requireString(value, at, key, fail);
  if (!/^[0-9a-f]{64}$/.test(text)) fail(at, `\`${key}\` must be 64 lowercase hex digits, found ${JSON.stringify(text)}`, 'run `guard lock` to rewrite the file');
  return text;
}

function requireStringList(value: unknown, at: string, key: string, fail: Fail): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    fail(at, `\`${key}\` must be a list of strings, found ${describe(value)}`, 'run `guard lock` to rewrite the file');
  }
  return value as string[];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The line of `path`, or of its nearest ancestor that has one. */
function lineFor(lines: LineIndex, path: string): number | undefined {
  let at = path;
  for (;;) {
    const line = lines.get(at);
    if (line !== undefined) return line;
    const dot = at.lastIndexOf('.');
    if (dot === -1) return lines.get(at);
    at = at.slice(0, dot);
  }
}
