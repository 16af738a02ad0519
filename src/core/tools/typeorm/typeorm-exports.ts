// Over 400 lines: one reader of what a file exports, declarations, export forms and class members sharing its token cursor.
import { jsName, tokenizeJs, type JsToken } from '../../secrets/js-tokens.js';

/**
 * What TypeORM would take as migrations from one file, read from its text
 * without running it. TypeORM imports every file its `migrations` globs
 * match and takes every exported function as a migration class, including
 * functions inside exported arrays and objects (`loadFileClasses` in
 * typeorm's util/DirectoryExportedClassesLoader.ts); the migration's name,
 * the id it records, is the instance's `name` property, else the class's
 * name (`migration.name ?? migration.constructor.name`,
 * migration/MigrationExecutor.ts). Export forms read: `export class`,
 * `export default class`, `export { A }`, `export default A`, `export const
 * A = class ...`, `module.exports = class ...`, `module.exports = A`,
 * `exports.A = A` (what tsc writes for CommonJS), `export function`; a `name`
 * from a class field (`name = '...'`, as `migration:generate` writes it),
 * `this.name = '...'` (tsc's output for a field) or `static name = '...'`.
 */
export interface TypeormExport {
  /** The name TypeORM records: the `name` property, else the class name (`default` for an anonymous default export, empty for another anonymous class). */
  name: string;
  /** 1-based line of the export, for messages. */
  line: number;
  /** A function that is not a class (`export function f`, an arrow): TypeORM takes it too, and cannot run it. */
  notAClass?: true;
  /** The class it exports, to tell one class exported twice. */
  declaredAt: number;
}

/** Why guard cannot tell what a file exports, with the line: guard reports it rather than guessing. */
export interface UnreadableExport {
  line: number;
  why: string;
}

export type ReadExports = { exports: TypeormExport[] } | { unreadable: UnreadableExport };

interface ClassInfo {
  /** The class's own name (`default` for `export default class {`, '' for another anonymous class). */
  name: string;
  line: number;
  declaredAt: number;
  /** The `name` its instances get, when the class sets one. */
  instanceName?: string;
  staticName?: string;
}

type Value = { kind: 'class'; info: ClassInfo } | { kind: 'function'; name: string; declaredAt: number } | { kind: 'ref'; name: string } | { kind: 'inert' } | { kind: 'unknown' };

class Unreadable extends Error {
  constructor(readonly at: number, readonly why: string) {
    super(why);
  }
}

const MODIFIERS = new Set(['public', 'private', 'protected', 'readonly', 'declare', 'override', 'static', 'accessor', 'abstract']);
const STATEMENT_START = new Set(['export', 'import', 'class', 'const', 'let', 'var', 'function', 'module', 'exports', 'async']);
const TYPE_ONLY = new Set(['type', 'interface', 'declare', 'namespace', 'module', 'import', 'enum']);
const INERT_FIRST = new Set(['true', 'false', 'null', 'undefined', 'void', 'typeof']);

/** The exports TypeORM would take from `text` as migrations, in file order, or why guard cannot tell. */
export function readTypeormExports(text: string): ReadExports {
  let reader: ExportReader;
  try {
    reader = new ExportReader(text);
    return { exports: reader.read() };
  } catch (error) {
    if (error instanceof Unreadable) return { unreadable: { line: lineAt(text, error.at), why: error.why } };
    // The tokenizer's nesting limit: a file no migration generator writes.
    return { unreadable: { line: 1, why: 'it nests too deeply to be read' } };
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

class ExportReader {
  private readonly tokens: JsToken[];
  private readonly locals = new Map<string, Value>();
  private readonly exported: Array<{ value: Value; at: number }> = [];

  constructor(private readonly text: string) {
    this.tokens = tokenizeJs(text).filter((token) => token.kind !== 'comment');
  }

  read(): TypeormExport[] {
    let i = 0;
    while (i < this.tokens.length) i = this.statement(i);
    const found: TypeormExport[] = [];
    for (const { value, at } of this.exported) {
      const resolved = this.resolve(value, at);
      if (resolved === undefined) continue;
      const line = lineAt(this.text, at);
      if (resolved.kind === 'class') {
        found.push({ name: resolved.info.instanceName ?? resolved.info.staticName ?? resolved.info.name, line, declaredAt: resolved.info.declaredAt });
      } else found.push({ name: resolved.name, line, notAClass: true, declaredAt: resolved.declaredAt });
    }
    return found;
  }

  private resolve(value: Value, at: number): Extract<Value, { kind: 'class' | 'function' }> | undefined {
    if (value.kind === 'class' || value.kind === 'function') return value;
    if (value.kind === 'inert') return undefined;
    if (value.kind === 'ref') {
      const local = this.locals.get(value.name);
      if (local && local.kind !== 'ref') return this.resolve(local, at);
      throw new Unreadable(at, `it exports \`${value.name}\`, which guard cannot trace to a class or a constant in the file`);
    }
    throw new Unreadable(at, 'it exports a value guard cannot read without running the file (TypeORM takes every function inside it as a migration)');
  }

  private name(i: number): string | undefined {
    const token = this.tokens[i];
    return token?.kind === 'name' ? jsName(this.text.slice(token.start, token.end)) : undefined;
  }

  private punct(i: number, value: string): boolean {
    const token = this.tokens[i];
    return token?.kind === 'punctuator' && this.text.slice(token.start, token.end) === value;
  }

  private startOf(i: number): number {
    return this.tokens[i]?.start ?? this.text.length;
  }

  /** The index after the bracket that closes the one at `i`. */
  private skipGroup(i: number): number {
    let depth = 0;
    for (let j = i; j < this.tokens.length; j++) {
      const token = this.tokens[j]!;
      if (token.kind !== 'punctuator') continue;
      const ch = this.text[token.start];
      if (ch === '{' || ch === '(' || ch === '[') depth++;
      else if (ch === '}' || ch === ')' || ch === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return this.tokens.length;
  }

  /** The end of an expression or statement starting at `i`: a `,` or `;` outside brackets, a closing bracket, or a new top-level statement on a new line. */
  private skipExpression(i: number): number {
    let j = i;
    while (j < this.tokens.length) {
      const token = this.tokens[j]!;
      if (j > i && token.newlineBefore && STATEMENT_START.has(this.name(j) ?? '')) return j;
      if (token.kind === 'punctuator') {
        const ch = this.text[token.start];
        if (ch === '{' || ch === '(' || ch === '[') {
          j = this.skipGroup(j);
          continue;
        }
        if (ch === ',' || ch === ';' || ch === '}' || ch === ')' || ch === ']') return j;
      }
      j++;
    }
    return j;
  }

  /** One top-level statement from `i`; the index after it. */
  private statement(i: number): number {
    const word = this.name(i);
    const token = this.tokens[i]!;
    if (word === 'export') return this.exportStatement(i + 1);
    if (word === 'module' && this.punct(i + 1, '.') && this.name(i + 2) === 'exports') {
      if (this.punct(i + 3, '=') ) return this.exportValue(i + 4, this.startOf(i));
      if (this.punct(i + 3, '.') && this.name(i + 4) !== undefined && this.punct(i + 5, '=')) return this.exportValue(i + 6, this.startOf(i));
    }
    if (word === 'exports' && this.punct(i + 1, '.') && this.name(i + 2) !== undefined && this.punct(i + 3, '=')) return this.exportValue(i + 4, this.startOf(i));
    if (word === 'class' || (word === 'abstract' && this.name(i + 1) === 'class')) {
      const { info, end } = this.classAt(word === 'class' ? i : i + 1);
      if (info.name) this.locals.set(info.name, { kind: 'class', info });
      return end;
    }
    if (word === 'function' || (word === 'async' && this.name(i + 1) === 'function')) {
      const { value, end } = this.functionAt(word === 'function' ? i : i + 1);
      this.locals.set(value.name, value);
      return end;
    }
    if (word === 'const' || word === 'let' || word === 'var') return this.declarations(i + 1, false);
    if (token.kind === 'punctuator' && '{(['.includes(this.text[token.start]!)) return this.skipGroup(i);
    return i + 1;
  }

  private exportStatement(i: number): number {
    const at = this.startOf(i - 1);
    const word = this.name(i);
    if (word === 'default') {
      const next = this.name(i + 1);
      if (next === 'class' || (next === 'abstract' && this.name(i + 2) === 'class')) {
        const { info, end } = this.classAt(next === 'class' ? i + 1 : i + 2, 'default');
        this.exported.push({ value: { kind: 'class', info }, at });
        return end;
      }
      return this.exportValue(i + 1, at);
    }
    if (word === 'class' || (word === 'abstract' && this.name(i + 1) === 'class')) {
      const { info, end } = this.classAt(word === 'class' ? i : i + 1);
      this.locals.set(info.name, { kind: 'class', info });
      this.exported.push({ value: { kind: 'class', info }, at });
      return end;
    }
    if (word === 'function' || (word === 'async' && this.name(i + 1) === 'function')) {
      const { value, end } = this.functionAt(word === 'function' ? i : i + 1);
      this.locals.set(value.name, value);
      this.exported.push({ value, at });
      return end;
    }
    if (word === 'const' || word === 'let' || word === 'var') return this.declarations(i + 1, true);
    if (this.punct(i, '=')) return this.exportValue(i + 1, at); // TypeScript's `export = A`
    if (this.punct(i, '*')) throw new Unreadable(at, 'it re-exports another module (`export * from`), whose classes TypeORM would take too');
    if (this.punct(i, '{')) {
      const end = this.skipGroup(i);
      if (this.name(end) === 'from') {
        if (end - i > 2) throw new Unreadable(at, 'it re-exports from another module (`export { ... } from`), whose classes TypeORM would take too');
        return end + 2;
      }
      for (let j = i + 1; j < end - 1; ) {
        const local = this.name(j);
        if (local === 'type') {
          j = this.skipExpression(j);
        } else if (local !== undefined) this.exported.push({ value: { kind: 'ref', name: local }, at: this.startOf(j) });
        j = this.skipExpression(j);
        if (this.punct(j, ',')) j++;
      }
      return end;
    }
    if (word !== undefined && TYPE_ONLY.has(word)) return this.skipTypeOnly(i);
    return i;
  }

  /** `export type X = ...`, `export interface X {}`, `export enum`, `export declare ...`: no function TypeORM would take (an enum's values are strings and numbers). */
  private skipTypeOnly(i: number): number {
    let j = i;
    while (j < this.tokens.length && !this.punct(j, '{') && !this.punct(j, '=') && !this.punct(j, ';')) j++;
    if (this.punct(j, '{')) return this.skipGroup(j);
    if (this.punct(j, '=')) return this.skipExpression(j + 1);
    return j + 1;
  }

  /** `const A = ..., B = ...`; `exported`: each binding is exported. */
  private declarations(i: number, exported: boolean): number {
    let j = i;
    for (;;) {
      const binding = this.name(j);
      if (binding === undefined) return this.skipExpression(j); // destructuring: nothing guard reads
      const at = this.startOf(j);
      j++;
      if (this.punct(j, '!')) j++;
      if (this.punct(j, ':')) {
        j++;
        while (j < this.tokens.length && !this.punct(j, '=') && !this.punct(j, ',') && !this.punct(j, ';') && !(this.tokens[j]!.newlineBefore && STATEMENT_START.has(this.name(j) ?? ''))) {
          j = this.punct(j, '{') || this.punct(j, '(') || this.punct(j, '[') ? this.skipGroup(j) : j + 1;
        }
      }
      let value: Value = { kind: 'inert' };
      if (this.punct(j, '=')) {
        const read = this.valueAt(j + 1, binding);
        value = read.value;
        j = read.end;
      }
      this.locals.set(binding, value);
      if (exported) this.exported.push({ value, at });
      if (!this.punct(j, ',')) return this.punct(j, ';') ? j + 1 : j;
      j++;
    }
  }

  /** `module.exports = X`, `exports.A = X`, `export default X`. */
  private exportValue(i: number, at: number): number {
    if (this.punct(i, '{')) {
      // `module.exports = { A, B: B }`: shorthand and plain references only.
      const end = this.skipGroup(i);
      for (let j = i + 1; j < end - 1; ) {
        const key = this.name(j);
        if (key === undefined) throw new Unreadable(this.startOf(j), 'it exports an object guard cannot read without running the file (TypeORM takes every function inside it as a migration)');
        if (this.punct(j + 1, ':')) {
          const read = this.valueAt(j + 2, key);
          this.exported.push({ value: read.value, at: this.startOf(j) });
          j = read.end;
        } else {
          this.exported.push({ value: { kind: 'ref', name: key }, at: this.startOf(j) });
          j++;
        }
        if (this.punct(j, ',')) j++;
        else if (j < end - 1) throw new Unreadable(this.startOf(j), 'it exports an object guard cannot read without running the file (TypeORM takes every function inside it as a migration)');
      }
      return end;
    }
    const read = this.valueAt(i, '');
    this.exported.push({ value: read.value, at });
    return this.punct(read.end, ';') ? read.end + 1 : read.end;
  }

  /** The value of an expression at `i` as far as guard reads one; `binding` names an anonymous class or function (`const A = class {}`). */
  private valueAt(i: number, binding: string): { value: Value; end: number } {
    const token = this.tokens[i];
    const word = this.name(i);
    if (word === 'class') {
      const { info, end } = this.classAt(i, binding);
      return { value: { kind: 'class', info }, end };
    }
    if (word === 'function' || (word === 'async' && this.name(i + 1) === 'function')) {
      const { value, end } = this.functionAt(word === 'function' ? i : i + 1, binding);
      return { value, end };
    }
    const end = this.skipExpression(i);
    if (token === undefined) return { value: { kind: 'inert' }, end };
    // `'users' as const`, `[...] satisfies string[]`: the value is what comes before.
    let valueEnd = i;
    while (valueEnd < end && !['as', 'satisfies'].includes(this.name(valueEnd) ?? '')) valueEnd = this.punct(valueEnd, '{') || this.punct(valueEnd, '[') || this.punct(valueEnd, '(') ? this.skipGroup(valueEnd) : valueEnd + 1;
    if ((this.punct(i, '[') || this.punct(i, '{')) && this.skipGroup(i) === valueEnd && this.onlyLiterals(i + 1, valueEnd - 1)) return { value: { kind: 'inert' }, end };
    const only = valueEnd === i + 1;
    if (token.kind === 'string' || token.kind === 'number' || token.kind === 'template' || token.kind === 'regex') {
      return { value: only || this.isArithmetic(i, valueEnd) ? { kind: 'inert' } : { kind: 'unknown' }, end };
    }
    if (this.punct(i, '-') && this.tokens[i + 1]?.kind === 'number') return { value: { kind: 'inert' }, end };
    if (word !== undefined && INERT_FIRST.has(word) && (only || word === 'void' || word === 'typeof')) return { value: { kind: 'inert' }, end };
    if (this.isArrow(i, end)) return { value: { kind: 'function', name: binding, declaredAt: token.start }, end };
    if (word !== undefined && only) return { value: { kind: 'ref', name: word }, end };
    return { value: { kind: 'unknown' }, end };
  }

  /** An array or object literal of strings, numbers and nested such literals (`['a', 'b']`, `{ table: 'users' }`): no function in it. */
  private onlyLiterals(i: number, end: number): boolean {
    for (let j = i; j < end; j++) {
      const token = this.tokens[j]!;
      if (token.kind === 'string' || token.kind === 'number' || (token.kind === 'template' && token.template?.substitutions.length === 0)) continue;
      if (token.kind === 'punctuator' && [',', ':', '[', ']', '{', '}', '-'].includes(this.text.slice(token.start, token.end))) continue;
      if (token.kind === 'name' && (this.punct(j + 1, ':') || INERT_FIRST.has(this.name(j)!))) continue;
      return false;
    }
    return true;
  }

  /** Literals joined by `+`: a constant. */
  private isArithmetic(i: number, end: number): boolean {
    for (let j = i; j < end; j++) {
      const token = this.tokens[j]!;
      if ((j - i) % 2 === 1 ? !this.punct(j, '+') : !['string', 'number', 'template'].includes(token.kind)) return false;
    }
    return true;
  }

  private isArrow(i: number, end: number): boolean {
    let j = this.name(i) === 'async' ? i + 1 : i;
    if (this.punct(j, '(')) j = this.skipGroup(j);
    else if (this.name(j) !== undefined) j++;
    else return false;
    // A return type annotation `(): Promise<void> =>`.
    if (this.punct(j, ':')) while (j < end && !this.punct(j, '=>')) j++;
    return this.punct(j, '=>');
  }

  private functionAt(i: number, binding = ''): { value: { kind: 'function'; name: string; declaredAt: number }; end: number } {
    let j = i + 1;
    if (this.punct(j, '*')) j++;
    const own = this.name(j);
    if (own !== undefined) j++;
    while (j < this.tokens.length && !this.punct(j, '{')) j = this.punct(j, '(') ? this.skipGroup(j) : j + 1;
    return { value: { kind: 'function', name: own ?? binding, declaredAt: this.startOf(i) }, end: this.skipGroup(j) };
  }

  /** A class declaration or expression at `i` (the `class` token), with the `name` its instances get. */
  private classAt(i: number, anonymous = ''): { info: ClassInfo; end: number } {
    let j = i + 1;
    const own = this.name(j) !== undefined && this.name(j) !== 'extends' && this.name(j) !== 'implements' ? this.name(j++) : undefined;
    while (j < this.tokens.length && !this.punct(j, '{')) j = this.punct(j, '(') || this.punct(j, '[') ? this.skipGroup(j) : j + 1;
    const end = this.skipGroup(j);
    const info: ClassInfo = { name: own ?? anonymous, line: lineAt(this.text, this.startOf(i)), declaredAt: this.startOf(i) };
    this.classBody(j + 1, end - 1, info);
    return { info, end };
  }

  /** The class members from `i` up to `end` (the closing `}`): a `name` field, `this.name = ...`. */
  private classBody(i: number, end: number, info: ClassInfo): void {
    const instance = new Map<string, number>();
    let memberStart = true;
    let isStatic = false;
    for (let j = i; j < end; ) {
      const word = this.name(j);
      if (this.punct(j, ';')) {
        memberStart = true;
        isStatic = false;
        j++;
        continue;
      }
      if (word !== undefined && memberStart && MODIFIERS.has(word) && (this.name(j + 1) !== undefined || this.punct(j + 1, '#'))) {
        if (word === 'static') isStatic = true;
        j++;
        continue;
      }
      if (memberStart && (word === 'get' || word === 'set') && this.name(j + 1) === 'name' && this.punct(j + 2, '(')) {
        throw new Unreadable(this.startOf(j), `class ${info.name || '(anonymous)'} computes its \`name\` in an accessor`);
      }
      const key = memberStart ? this.nameKey(j) : 0;
      if (key > 0) {
        let k = j + key;
        if (this.punct(k, '?') || this.punct(k, '!')) k++;
        if (this.punct(k, ':')) while (k < end && !this.punct(k, '=') && !this.punct(k, ';') && !(this.tokens[k]!.newlineBefore && k > j + 2)) k++;
        if (this.punct(k, '=')) {
          const value = this.literal(k + 1, info);
          if (isStatic) info.staticName = value;
          else instance.set(value, this.startOf(j));
          j = k + 2;
          memberStart = true;
          isStatic = false;
          continue;
        }
        if (this.punct(k, '(')) {
          // A method called `name()`.
          j = this.skipGroup(k);
          if (this.punct(j, '{')) j = this.skipGroup(j);
          memberStart = true;
          isStatic = false;
          continue;
        }
        j = k;
        memberStart = true;
        isStatic = false;
        continue;
      }
      if (this.punct(j, '{')) {
        // A method body or a static block: members start after it; `this.name = ...` inside is read (tsc writes fields so).
        const close = this.skipGroup(j);
        this.thisNameIn(j + 1, close - 1, info, instance);
        j = close;
        memberStart = true;
        isStatic = false;
        continue;
      }
      if (this.punct(j, '(') || this.punct(j, '[')) {
        j = this.skipGroup(j);
        continue;
      }
      memberStart = this.tokens[j + 1]?.newlineBefore === true && !this.punct(j + 1, '.') && !this.punct(j, '=');
      j++;
    }
    if (instance.size > 1) throw new Unreadable([...instance.values()][1]!, `class ${info.name || '(anonymous)'} sets \`name\` to ${[...instance.keys()].map((name) => `'${name}'`).join(' and ')}`);
    const [only] = instance.keys();
    if (only !== undefined) info.instanceName = only;
  }

  /** `this.name = '...'` in a method body (the constructor, as tsc writes a field for older targets). */
  private thisNameIn(i: number, end: number, info: ClassInfo, instance: Map<string, number>): void {
    for (let j = i; j < end; j++) {
      if (this.name(j) === 'this' && this.punct(j + 1, '.') && this.name(j + 2) === 'name' && this.punct(j + 3, '=')) instance.set(this.literal(j + 4, info), this.startOf(j));
    }
  }

  /** How many tokens spell the key `name` at `j` (`name`, `'name'`, `["name"]`); 0: another key. */
  private nameKey(j: number): number {
    const quoted = (k: number) => this.tokens[k]?.kind === 'string' && /^["']name["']$/.test(this.text.slice(this.tokens[k]!.start, this.tokens[k]!.end));
    if (this.name(j) === 'name' || quoted(j)) return 1;
    return this.punct(j, '[') && quoted(j + 1) && this.punct(j + 2, ']') ? 3 : 0;
  }

  /** A string literal's value at `i`, or Unreadable: the `name` TypeORM records must be a literal guard can read. */
  private literal(i: number, info: ClassInfo): string {
    const token = this.tokens[i];
    const raw = token ? this.text.slice(token.start, token.end) : '';
    const next = this.tokens[i + 1];
    const ends = next === undefined || next.newlineBefore || this.punct(i + 1, ';') || this.punct(i + 1, '}') || this.punct(i + 1, ',');
    if (token && ends && !raw.includes('\\')) {
      if (token.kind === 'string') return raw.slice(1, -1);
      if (token.kind === 'template' && token.template?.substitutions.length === 0) return raw.slice(1, -1);
    }
    throw new Unreadable(token?.start ?? this.text.length, `class ${info.name || '(anonymous)'} sets \`name\` to something other than a string literal`);
  }
}
