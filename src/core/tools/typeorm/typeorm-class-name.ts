import { TokenCursor, Unreadable } from './typeorm-token-cursor.js';

/** A class as TypeORM would construct it: the name it records is `instanceName ?? staticName ?? name`. */
export interface ClassInfo {
  /** The class's own name (`default` for `export default class {`, '' for another anonymous class). */
  name: string;
  declaredAt: number;
  /** The `name` its instances get, when the class sets one. */
  instanceName?: string;
  /** `static name = '...'`: what `constructor.name` then says. */
  staticName?: string;
}

const MODIFIERS = new Set(['public', 'private', 'protected', 'readonly', 'declare', 'override', 'static', 'accessor', 'abstract']);

/**
 * Reads a class's members for the `name` TypeORM records
 * (`migration.name ?? migration.constructor.name`): a `name` field (as
 * `migration:generate` writes it), `this.name = '...'` in a method (tsc's
 * output for a field), `static name`; a literal only, else Unreadable.
 */
export class ClassReader extends TokenCursor {
  /** A class declaration or expression at `i` (the `class` token), with the `name` its instances get. */
  protected classAt(i: number, anonymous = ''): { info: ClassInfo; end: number } {
    let j = i + 1;
    const own = this.name(j) !== undefined && this.name(j) !== 'extends' && this.name(j) !== 'implements' ? this.name(j++) : undefined;
    while (j < this.tokens.length && !this.punct(j, '{')) j = this.punct(j, '(') || this.punct(j, '[') ? this.skipGroup(j) : j + 1;
    const end = this.skipGroup(j);
    const info: ClassInfo = { name: own ?? anonymous, declaredAt: this.startOf(i) };
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
