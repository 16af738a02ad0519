/**
 * The keys of one table of a TOML document (https://toml.io/en/v1.0.0),
 * however the document spells them: `[tool.alembic]`, `[tool]` with
 * `alembic.x = ...`, a root `tool.alembic.x = ...`, quoted keys, inline
 * tables. A reader that only knew `[tool.alembic]` would let a project
 * configure Alembic in a way guard does not see. Anything that is not TOML
 * is an error with its line, never skipped.
 */

export type TomlValue = string | boolean | TomlValue[] | TomlScalar | { [key: string]: TomlValue };

/** A number or a date: kept as written, guard has no use for its value. */
export class TomlScalar {
  constructor(readonly written: string) {}
}

export class TomlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * The values under `table` (keys below it joined with `.`), and the line
 * where the table is first named; undefined when the document never names it.
 */
export function readTomlKeys(text: string, table: readonly string[]): { values: Record<string, TomlValue>; line: number } | undefined {
  const reader = new Reader(text.replace(/^\uFEFF/, ''));
  const values: Record<string, TomlValue> = {};
  let line: number | undefined;
  const assign = (path: string[], value: TomlValue, at: number) => {
    if (isTable(value)) {
      for (const [key, inner] of Object.entries(value)) assign([...path, key], inner, at);
      if (Object.keys(value).length === 0 && startsWith(path, table)) line ??= reader.lineOf(at);
      return;
    }
    if (!startsWith(path, table) || path.length === table.length) return;
    line ??= reader.lineOf(at);
    values[path.slice(table.length).join('.')] = value;
  };
  let current: string[] = [];
  for (reader.skipBlankLines(); !reader.done(); reader.skipBlankLines()) {
    const at = reader.pos;
    if (reader.peek() === '[') {
      const array = reader.text.startsWith('[[', reader.pos);
      reader.pos += array ? 2 : 1;
      current = reader.readKey();
      reader.expect(array ? ']]' : ']');
      if (startsWith(current, table)) line ??= reader.lineOf(at);
    } else {
      const key = reader.readKey();
      reader.expect('=');
      assign([...current, ...key], reader.readValue(), at);
    }
    reader.endOfLine();
  }
  return line === undefined ? undefined : { values, line };
}

function isTable(value: TomlValue): value is { [key: string]: TomlValue } {
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof TomlScalar);
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return path.length >= prefix.length && prefix.every((part, i) => path[i] === part);
}

const BARE_KEY = /[A-Za-z0-9_-]+/y;
const DATE_TIME = /\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?/y;
const SCALAR = /[+-]?(?:inf|nan|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9_]+(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)/y;
const LINE_ENDING_BACKSLASH = /\\[ \t]*\r?\n\s*/y;
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  lineOf(offset: number): number {
    let line = 1;
    for (let at = this.text.indexOf('\n'); at !== -1 && at < offset; at = this.text.indexOf('\n', at + 1)) line++;
    return line;
  }

  fail(message: string): never {
    throw new TomlSyntaxError(message, this.lineOf(this.pos));
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** Spaces, comments and newlines: between statements, and inside arrays. */
  skipBlankLines(): void {
    for (;;) {
      this.skipSpaces();
      const ch = this.peek();
      if (ch === '#') {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end === -1 ? this.text.length : end;
      } else if (ch === '\n' || (ch === '\r' && this.text[this.pos + 1] === '\n')) {
        this.pos += ch === '\r' ? 2 : 1;
      } else return;
    }
  }

  endOfLine(): void {
    this.skipSpaces();
    if (this.peek() === '#') {
      const end = this.text.indexOf('\n', this.pos);
      this.pos = end === -1 ? this.text.length : end;
    }
    if (this.done()) return;
    if (this.peek() === '\n') this.pos++;
    else if (this.text.startsWith('\r\n', this.pos)) this.pos += 2;
    else this.fail('expected the end of the line');
  }

  expect(token: string): void {
    this.skipSpaces();
    if (!this.text.startsWith(token, this.pos)) this.fail(`expected ${token}`);
    this.pos += token.length;
  }

  /** A dotted key: `a.b`, `"a b".c`, `'x'`. */
  readKey(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const ch = this.peek();
      if (ch === '"' || ch === "'") {
        if (this.text.startsWith(ch.repeat(3), this.pos)) this.fail('a key may not be a multi-line string');
        parts.push(this.readString());
      } else {
        BARE_KEY.lastIndex = this.pos;
        const match = BARE_KEY.exec(this.text);
        if (!match) this.fail('expected a key');
        parts.push(match[0]);
        this.pos = BARE_KEY.lastIndex;
      }
      this.skipSpaces();
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  readValue(): TomlValue {
    this.skipSpaces();
    const ch = this.peek();
    if (ch === '"' || ch === "'") return this.readString();
    if (ch === '[') return this.readArray();
    if (ch === '{') return this.readInlineTable();
    for (const [word, value] of [['true', true], ['false', false]] as const) {
      if (this.text.startsWith(word, this.pos) && !/[\w-]/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return value;
      }
    }
    for (const pattern of [DATE_TIME, SCALAR]) {
      pattern.lastIndex = this.pos;
      const match = pattern.exec(this.text);
      if (match && match[0] !== '' && !/[\w.:+-]/.test(this.text[pattern.lastIndex] ?? '')) {
        this.pos = pattern.lastIndex;
        return new TomlScalar(match[0]);
      }
    }
    return this.fail('expected a value');
  }

  /** Arrays and inline tables open at this point; a hostile file may not exhaust the stack. */
  private depth = 0;

  private enter(): void {
    if (++this.depth > 64) this.fail('arrays or inline tables nested more than 64 deep');
    this.pos++;
  }

  private readArray(): TomlValue[] {
    this.enter();
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlankLines();
      if (this.peek() === ']') {
        this.pos++;
        this.depth--;
        return items;
      }
      items.push(this.readValue());
      this.skipBlankLines();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.fail('expected , or ] in an array');
    }
  }

  private readInlineTable(): { [key: string]: TomlValue } {
    this.enter();
    const table: { [key: string]: TomlValue } = {};
    this.skipSpaces();
    if (this.peek() === '}') {
      this.pos++;
      this.depth--;
      return table;
    }
    for (;;) {
      const key = this.readKey();
      this.expect('=');
      let target = table;
      for (const part of key.slice(0, -1)) {
        const next = target[part];
        if (next === undefined) target = target[part] = {};
        else if (isTable(next)) target = next;
        else this.fail(`key ${part} is defined twice`);
      }
      target[key[key.length - 1]!] = this.readValue();
      this.skipSpaces();
      if (this.peek() === '}') {
        this.pos++;
        this.depth--;
        return table;
      }
      if (this.peek() !== ',') this.fail('expected , or } in an inline table');
      this.pos++;
    }
  }

  readString(): string {
    const quote = this.peek()!;
    const multi = this.text.startsWith(quote.repeat(3), this.pos);
    const delimiter = multi ? quote.repeat(3) : quote;
    this.pos += delimiter.length;
    // A newline right after the opening delimiter is not part of the string.
    if (multi && this.text.startsWith('\r\n', this.pos)) this.pos += 2;
    else if (multi && this.peek() === '\n') this.pos++;
    let value = '';
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      if (this.text.startsWith(delimiter, this.pos)) {
        // Up to two quotes may end a multi-line string's content: '''a''''' is a''.
        let run = delimiter.length;
        while (multi && run < 5 && this.text[this.pos + run] === quote) run++;
        value += quote.repeat(run - delimiter.length);
        this.pos += run;
        return value;
      }
      const ch = this.text[this.pos]!;
      if (ch === '\n' && !multi) this.fail('unterminated string');
      if (ch === '\\' && quote === '"') {
        const next = this.text[this.pos + 1];
        if (multi && (next === '\n' || next === ' ' || next === '\t' || next === '\r')) {
          // A line-ending backslash drops the newline and the whitespace after it.
          LINE_ENDING_BACKSLASH.lastIndex = this.pos;
          if (!LINE_ENDING_BACKSLASH.test(this.text)) this.fail('invalid escape');
          this.pos = LINE_ENDING_BACKSLASH.lastIndex;
          continue;
        }
        if (next === 'u' || next === 'U') {
          const length = next === 'u' ? 4 : 8;
          const hex = this.text.slice(this.pos + 2, this.pos + 2 + length);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) this.fail('invalid unicode escape');
          value += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + length;
          continue;
        }
        const escaped = next === undefined ? undefined : ESCAPES[next];
        if (escaped === undefined) this.fail('invalid escape');
        value += escaped;
        this.pos += 2;
        continue;
      }
      value += ch;
      this.pos++;
    }
  }
}
