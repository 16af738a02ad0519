import { ClassReader, type ClassInfo } from './typeorm-class-name.js';
import { lineAt, STATEMENT_START, Unreadable } from './typeorm-token-cursor.js';
import { ScanLimitExceeded } from '../../secrets/value-parts.js';

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

type Value = { kind: 'class'; info: ClassInfo } | { kind: 'function'; name: string; declaredAt: number } | { kind: 'ref'; name: string } | { kind: 'inert' } | { kind: 'unknown' };

const TYPE_ONLY = new Set(['type', 'interface', 'declare', 'namespace', 'module', 'import', 'enum']);
const INERT_FIRST = new Set(['true', 'false', 'null', 'undefined', 'void', 'typeof']);

/** The exports TypeORM would take from `text` as migrations, in file order, or why guard cannot tell. */
export function readTypeormExports(text: string): ReadExports {
  try {
    return { exports: new ExportReader(text).read() };
  } catch (error) {
    if (error instanceof Unreadable) return { unreadable: { line: lineAt(text, error.at), why: error.why } };
    // The tokenizer's nesting limit: a file no migration generator writes.
    if (error instanceof ScanLimitExceeded) return { unreadable: { line: lineAt(text, error.at), why: 'it nests templates too deeply to be read' } };
    throw error;
  }
}

class ExportReader extends ClassReader {
  private readonly locals = new Map<string, Value>();
  private readonly exported: Array<{ value: Value; at: number }> = [];

  read(): TypeormExport[] {
    let i = 0;
    while (i < this.tokens.length) i = this.statement(i);
    const found: TypeormExport[] = [];
    for (const { value, at } of this.exported) {
      const resolved = this.resolve(value, at);
      if (resolved === undefined) continue;
      const line = this.lineOf(at);
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

}
