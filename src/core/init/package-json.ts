import { inputError } from '../guard-error.js';

/** The parts of a package.json guard init looks at. */
export interface PackageManifest {
  scripts?: unknown;
  dependencies?: unknown;
  devDependencies?: unknown;
  optionalDependencies?: unknown;
  packageManager?: unknown;
  workspaces?: unknown;
}

/** package.json's text with one script set, and what changed. */
export interface ScriptEdit {
  text: string;
  /** False when the script already had this value. */
  changed: boolean;
}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

interface ObjectSpan {
  open: number;
  close: number;
  members: Member[];
}

/**
 * Parses package.json as npm does (a leading byte-order mark is allowed).
 *
 * @throws GuardError (exit 2) when it is not a JSON object
 */
export function parseManifest(text: string): PackageManifest {
  return parseJsonObject(text, 'package.json') as PackageManifest;
}

/**
 * A JSON file that must hold an object (a leading byte-order mark is allowed).
 *
 * @throws GuardError (exit 2) naming the file when it does not
 */
export function parseJsonObject(text: string, file: string): object {
  let value: unknown;
  try {
    value = JSON.parse(withoutBom(text));
  } catch (error) {
    throw inputError(`${file} is not valid JSON: ${(error as Error).message}`, { fix: `repair ${file}, then run guard init again` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw inputError(`${file} does not hold a JSON object`, { fix: `repair ${file}, then run guard init again` });
  }
  return value;
}

/**
 * `text` with `scripts[name]` set to `value`, every other byte as it was
 * (see withMember).
 *
 * @throws GuardError (exit 2) when package.json is not a JSON object, or `scripts` is not an object
 */
export function withScript(text: string, name: string, value: string): ScriptEdit {
  return withMember(text, 'package.json', 'scripts', name, value);
}

/**
 * A JSON file's text with `container[name]` (or, with no container, the
 * top-level `name`) set to `value`, every other byte as it was: the file's
 * indentation (tabs or spaces), line endings, key order, final newline (or
 * its absence) and the spelling of every other value are kept. A new member
 * goes after the container's last one; a new container after the last
 * top-level key, indented like its neighbours. The result is checked by
 * parsing it again, so a file this editor does not understand is refused
 * rather than damaged.
 *
 * @param file the file's name, for messages
 * @throws GuardError (exit 2) when the file is not a JSON object, or the container is not an object
 */
export function withMember(text: string, file: string, container: string | undefined, name: string, value: string): ScriptEdit {
  const manifest = parseJsonObject(text, file) as Record<string, unknown>;
  const members = container === undefined ? manifest : manifest[container];
  const shown = container === undefined ? file : `${file}: \`${container}\``;
  if (members !== undefined && (typeof members !== 'object' || members === null || Array.isArray(members))) {
    throw inputError(`${shown} is not an object`, { fix: `make \`${container}\` an object, then run guard init again` });
  }
  if (members !== undefined && (members as Record<string, unknown>)[name] === value) return { text, changed: false };

  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const top = readObject(body, skipSpace(body, 0));
  const topIndent = memberIndent(body, top) ?? '  ';
  const containerMember = container === undefined ? undefined : lastMember(top, container);
  const entry = (colon: string) => `${JSON.stringify(name)}${colon}${JSON.stringify(value)}`;

  let next: string;
  if (container !== undefined && containerMember === undefined) {
    const colon = colonOf(body, top) ?? ': ';
    const inner = isOneLine(body, top) ? `{${entry(colon)}}` : `{${eol}${topIndent}${topIndent}${entry(colon)}${eol}${topIndent}}`;
    next = insertMember(body, top, `${JSON.stringify(container)}${colon}${inner}`, topIndent, eol);
  } else {
    const object = containerMember === undefined ? top : readObject(body, containerMember.valueStart);
    const indent = containerMember === undefined ? topIndent : `${topIndent}${topIndent}`;
    const existing = lastMember(object, name);
    if (existing !== undefined) {
      next = `${body.slice(0, existing.valueStart)}${JSON.stringify(value)}${body.slice(existing.valueEnd)}`;
    } else if (object.members.length === 0 && containerMember !== undefined) {
      const colon = colonOf(body, top) ?? ': ';
      const inner = isOneLine(body, top) ? `{${entry(colon)}}` : `{${eol}${topIndent}${topIndent}${entry(colon)}${eol}${topIndent}}`;
      next = `${body.slice(0, object.open)}${inner}${body.slice(object.close + 1)}`;
    } else {
      next = insertMember(body, object, entry(colonOf(body, object) ?? ': '), indent, eol);
    }
  }

  const expected = container === undefined ? { ...manifest, [name]: value } : { ...manifest, [container]: { ...(members as Record<string, unknown> | undefined), [name]: value } };
  let reparsed: unknown;
  try {
    reparsed = JSON.parse(next);
  } catch {
    reparsed = undefined;
  }
  if (JSON.stringify(reparsed) !== JSON.stringify(expected)) {
    throw inputError(`${file} could not be edited without reformatting it`, { fix: `add "${name}": ${JSON.stringify(value)} to ${container === undefined ? 'it' : `its "${container}"`} by hand` });
  }
  return { text: `${bom}${next}`, changed: true };
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** `member` added after the object's last member, separated as its members are. */
function insertMember(text: string, object: ObjectSpan, member: string, indentIfEmpty: string, eol: string): string {
  const last = object.members.at(-1);
  if (last === undefined) {
    const multiLine = text.slice(object.open, object.close).includes('\n');
    const closingIndent = multiLine ? /[ \t]*$/.exec(text.slice(0, object.close))![0] : '';
    const inside = multiLine ? `${eol}${indentIfEmpty}${member}${eol}${closingIndent}` : member;
    return `${text.slice(0, object.open + 1)}${inside}${text.slice(object.close)}`;
  }
  const previous = object.members.at(-2);
  // The whitespace before the last key, after the comma (or the brace) that precedes it.
  const from = previous === undefined ? object.open + 1 : text.indexOf(',', previous.valueEnd) + 1;
  const separator = text.slice(from, last.keyStart);
  return `${text.slice(0, last.valueEnd)},${/^\s*$/.test(separator) ? separator : ' '}${member}${text.slice(last.valueEnd)}`;
}

/** The indentation of the object's members (the whitespace after the line break before the first key). */
function memberIndent(text: string, object: ObjectSpan): string | undefined {
  const first = object.members[0];
  if (first === undefined) return undefined;
  const before = text.slice(object.open + 1, first.keyStart);
  const newline = before.lastIndexOf('\n');
  return newline === -1 ? undefined : before.slice(newline + 1);
}

/** How the object's last member joins its key and value (`: `, `:`, ` : `). */
function colonOf(text: string, object: ObjectSpan): string | undefined {
  const member = object.members.at(-1);
  if (member === undefined) return undefined;
  const keyEnd = readString(text, member.keyStart);
  return text.slice(keyEnd, member.valueStart);
}

function isOneLine(text: string, object: ObjectSpan): boolean {
  return !text.slice(object.open, object.close).includes('\n');
}

function lastMember(object: ObjectSpan, key: string): Member | undefined {
  return object.members.filter((member) => member.key === key).at(-1);
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r')) at += 1;
  return at;
}

/** The object starting at `at` (its `{`), with its members' positions. The text is valid JSON (parsed before). */
function readObject(text: string, at: number): ObjectSpan {
  const members: Member[] = [];
  let position = skipSpace(text, at + 1);
  if (text[position] === '}') return { open: at, close: position, members };
  for (;;) {
    const keyStart = position;
    const keyEnd = readString(text, keyStart);
    const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const valueEnd = readValue(text, valueStart);
    members.push({ key, keyStart, valueStart, valueEnd });
    position = skipSpace(text, valueEnd);
    if (text[position] === '}') return { open: at, close: position, members };
    position = skipSpace(text, position + 1);
  }
}

/** The end (exclusive) of the string starting at `at`. */
function readString(text: string, at: number): number {
  let position = at + 1;
  while (text[position] !== '"') position += text[position] === '\\' ? 2 : 1;
  return position + 1;
}

const LITERAL = /[^\s,}\]]+/y;

/** The end (exclusive) of the JSON value starting at `at`. */
function readValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return readString(text, at);
  if (first !== '{' && first !== '[') {
    // A number, true, false or null: up to the next separator.
    LITERAL.lastIndex = at;
    LITERAL.exec(text);
    return LITERAL.lastIndex;
  }
  let depth = 0;
  let position = at;
  while (position < text.length) {
    const char = text[position];
    if (char === '"') {
      position = readString(text, position);
      continue;
    }
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return position + 1;
    }
    position += 1;
  }
  return position;
}

/** Whether package.json lists `name` in its dependencies, devDependencies or optionalDependencies. */
export function declaresDependency(manifest: PackageManifest, name: string): boolean {
  return [manifest.dependencies, manifest.devDependencies, manifest.optionalDependencies].some(
    (list) => typeof list === 'object' && list !== null && Object.prototype.hasOwnProperty.call(list, name),
  );
}

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The package manager a project uses, and the commands guard init tells its users to run. */
export interface PackageManager {
  name: PackageManagerName;
  /** Why guard thinks so: a lockfile, or `packageManager`. */
  because: string;
  /** Installs the dependencies (and runs `prepare`). */
  install: string;
  /** Adds a development dependency to the root package.json. */
  addDev: (dependency: string) => string;
}

/**
 * The package manager of a project, from `packageManager` in its
 * package.json (https://nodejs.org/api/packages.html#packagemanager) or,
 * without it, from its lockfile or workspace file at the root. A workspace
 * root needs `-w` (pnpm) or `-W` (yarn 1) to add a dependency to itself.
 *
 * @param rootFiles the names of the files at the repository root
 */
export function detectPackageManager(manifest: PackageManifest, rootFiles: ReadonlySet<string>): PackageManager {
  const declared = typeof manifest.packageManager === 'string' ? /^(npm|pnpm|yarn|bun)@(\d+)?/.exec(manifest.packageManager) : null;
  let name: PackageManagerName = 'npm';
  let because = 'no other lockfile';
  if (declared) {
    name = declared[1] as PackageManagerName;
    because = `packageManager ${manifest.packageManager as string} in package.json`;
  } else {
    const lockfiles: [string, PackageManagerName][] = [
      ['pnpm-lock.yaml', 'pnpm'],
      ['pnpm-workspace.yaml', 'pnpm'],
      ['yarn.lock', 'yarn'],
      ['bun.lockb', 'bun'],
      ['bun.lock', 'bun'],
      ['package-lock.json', 'npm'],
    ];
    const found = lockfiles.find(([file]) => rootFiles.has(file));
    if (found) [because, name] = [found[0], found[1]];
  }
  const workspace = rootFiles.has('pnpm-workspace.yaml') || manifest.workspaces !== undefined;
  const yarnClassic = name === 'yarn' && (declared ? declared[2] === '1' : !rootFiles.has('.yarnrc.yml'));
  switch (name) {
    case 'pnpm':
      return { name, because, install: 'pnpm install', addDev: (dependency) => `pnpm add -D${workspace ? ' -w' : ''} ${dependency}` };
    case 'yarn':
      return { name, because, install: 'yarn install', addDev: (dependency) => `yarn add -D${workspace && yarnClassic ? ' -W' : ''} ${dependency}` };
    case 'bun':
      return { name, because, install: 'bun install', addDev: (dependency) => `bun add -d ${dependency}` };
    default:
      return { name, because, install: 'npm install', addDev: (dependency) => `npm install --save-dev ${dependency}` };
  }
}
