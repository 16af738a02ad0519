// Over 400 lines: one reader of one small grammar (the header assignments of a Python module), its lexical scanner included; its parts share the scanner's position and the rules of what may bind a header name.
/**
 * Reads the module-level `revision`, `down_revision`, `branch_labels` and
 * `depends_on` assignments of an Alembic revision file without running Python.
 *
 * Alembic itself imports the module and reads these attributes
 * (alembic/script/base.py, `Script._from_filename`). Running project code to
 * check it is what guard must not do, so this is a small scanner of Python's
 * lexical structure (https://docs.python.org/3/reference/lexical_analysis.html):
 * strings (any prefix, triple-quoted), comments, brackets, backslash line
 * joins and `;`. It accepts the forms real projects write:
 *
 *     revision = 'ae1027a6acf'
 *     down_revision: Union[str, None] = "1975ea83b712"
 *     down_revision = ('27c6a30d7c24', '3e1a5c1b4a5d')
 *     branch_labels = ['billing']
 *     depends_on = None
 *     revision = u'1f2e'            # Python 2
 *
 * and reports anything else (`revision = make_id()`) by line, because guessing
 * an id would be worse than asking.
 */

export const HEADER_NAMES = ['revision', 'down_revision', 'branch_labels', 'depends_on'] as const;
export type HeaderName = (typeof HEADER_NAMES)[number];

export type HeaderValue = string | null | string[];

export interface RevisionHeader {
  values: Partial<Record<HeaderName, HeaderValue>>;
  /** Line of the (last) assignment of each name. */
  lines: Partial<Record<HeaderName, number>>;
  /**
   * `branch_labels` / `depends_on` assigned something other than literals
   * (`branch_labels = (cli.EXPAND_BRANCH,)`): the revision is still known,
   * these two are not.
   */
  unreadable: Partial<Record<'branch_labels' | 'depends_on', HeaderSyntaxError>>;
}

export class HeaderSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const ASSIGNMENT = /(revision|down_revision|branch_labels|depends_on)[ \t]*(?::([^=\n]*))?=(?!=)/y;
const STRING_START = /([rRuUbBfF]{0,2})('''|"""|'|")/y;
const NAME = /[A-Za-z_][A-Za-z_0-9]*/y;
const INTERESTING = /['"#()[\]{}\n\\;]/g;

export function readRevisionHeader(source: string): RevisionHeader {
  // A UTF-8 byte order mark is not part of the first statement.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const scanner = new Scanner(text);
  const header: RevisionHeader = { values: {}, lines: {}, unreadable: {} };
  // Nothing after the last place a header name could start a statement can
  // assign one, so the scan stops there: revision headers sit near the top,
  // and 10,000 files are read on every verify.
  const limit = lastCandidate(text);
  const read = new Set<number>();
  while (!scanner.done() && scanner.pos <= limit) {
    // At the start of a statement at column 0 (module level).
    scanner.moduleLevel = scanner.atColumnZero();
    if (scanner.moduleLevel) {
      ASSIGNMENT.lastIndex = scanner.pos;
      const match = ASSIGNMENT.exec(text);
      if (match) {
        read.add(scanner.pos);
        const name = match[1] as HeaderName;
        const line = scanner.line;
        const start = scanner.mark();
        scanner.pos = ASSIGNMENT.lastIndex;
        header.lines[name] = line;
        if (name === 'branch_labels' || name === 'depends_on') {
          try {
            header.values[name] = scanner.readValue(name);
            delete header.unreadable[name];
          } catch (error) {
            if (!(error instanceof HeaderSyntaxError)) throw error;
            delete header.values[name];
            header.unreadable[name] = error;
            scanner.reset(start);
          }
        } else {
          header.values[name] = scanner.readValue(name);
        }
      }
    }
    scanner.skipStatement();
  }
  const other = otherAssignment(text, read);
  if (other) throw other;
  return header;
}

const HEADER_WORD = /(?<![\w.])(revision|down_revision|branch_labels|depends_on)(?![\w])/g;
const BINDS_NEXT_NAME = /(?:^|[^\w.])(?:for|as|import|global|nonlocal|del|def|class)[ \t]+$/;
const AUGMENTED = /^(?:\/\/|\*\*|>>|<<|[-+*/%&|^@])=/;
const DYNAMIC = /\b(?:globals|vars|locals|setattr|exec|eval|__import__)[ \t]*\(|__dict__|sys\.modules/;

/**
 * Python binds a header name in more ways than the module-level literal
 * assignments this scanner reads, and the last binding is what Alembic sees:
 * `if True:` with an indented `revision = '...'`, `revision, x = ...`,
 * `(revision := ...)`, `for revision in ...`, `import x as revision`,
 * `globals()['revision'] = ...`. Any such binding besides the ones read
 * (`read`: offsets of the names of the assignments read) is refused, by
 * line: a revision id guard reads differently from Alembic would let a file
 * stand in for a sealed revision. A name only read (`print(revision)`,
 * `f(revision=x)`, `context.revision`) is fine.
 */
function otherAssignment(text: string, read: ReadonlySet<number>): HeaderSyntaxError | undefined {
  HEADER_WORD.lastIndex = 0;
  const others: number[] = [];
  for (let match = HEADER_WORD.exec(text); match; match = HEADER_WORD.exec(text)) if (!read.has(match.index)) others.push(match.index);
  const dynamicQuoted = /(['"])(?:revision|down_revision|branch_labels|depends_on)\1/.test(text);
  if (others.length === 0 && !dynamicQuoted) return undefined;
  const code = codeOnly(text);
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  for (const at of others) {
    if (code[at] === ' ') continue; // inside a string or a comment
    const name = HEADER_WORD.exec(text.slice(at))?.[1] ?? 'revision';
    HEADER_WORD.lastIndex = 0;
    if (bindsName(code, at, name.length)) {
      return new HeaderSyntaxError(
        `\`${name}\` is bound here besides the module-level literal assignment guard reads; Alembic would use whichever runs last, so guard cannot tell which revision this file is`,
        lineOf(at),
      );
    }
  }
  if (dynamicQuoted && DYNAMIC.test(code)) {
    const at = code.search(DYNAMIC);
    return new HeaderSyntaxError('a header variable may be set dynamically here (globals(), setattr, exec, sys.modules ...); guard reads revision headers only as literals', lineOf(at));
  }
  return undefined;
}

/** Whether the header name at `at` (of `length`) in code-only text is bound there, at module level, rather than read. */
function bindsName(code: string, at: number, length: number): boolean {
  if (inFunctionOrClass(code, at)) return /(?:^|[^\w.])global[ \t]+[^\n]*$/.test(code.slice(code.lastIndexOf('\n', at - 1) + 1, at));
  const lineStart = code.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = code.indexOf('\n', at) === -1 ? code.length : code.indexOf('\n', at);
  const after = code.slice(at + length, lineEnd).replace(/^[ \t]+/, '');
  const before = code.slice(lineStart, at);
  if (after.startsWith(':=')) return true;
  // Inside brackets, `name=` is a keyword argument or a parameter's default.
  if ((/^=(?!=)/.test(after) || AUGMENTED.test(after)) && bracketDepth(code, at) === 0) return true;
  // An annotated target (`revision: str = ...`), but not a keyword argument's or a dict key's colon.
  if (after.startsWith(':') && /^[ \t]*$/.test(before)) return true;
  if (BINDS_NEXT_NAME.test(before) || /^[ \t]*(?:from[ \t].*[ \t])?import[ \t]/.test(before)) return true;
  // One of several targets: `revision, x = ...`, `(a, revision) = ...`, `for a, revision in ...`.
  if (/^[ \t]*(?:async[ \t]+)?for[ \t]/.test(before) && /(?:^|[\s,)\]])in[ \t(\[]/.test(after)) return true;
  if (/^[,)\]]/.test(after)) {
    let depth = 0;
    for (let i = lineStart; i < lineEnd; i++) {
      const ch = code[i]!;
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      else if (ch === '=' && depth === 0 && i > at && !'=<>!:+-*/%&|^@'.includes(code[i - 1]!) && code[i + 1] !== '=') return true;
    }
  }
  return false;
}

/** How many brackets are open at `at` in code-only text. */
function bracketDepth(code: string, at: number): number {
  let depth = 0;
  for (let i = 0; i < at; i++) {
    const ch = code[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return depth;
}

/**
 * Whether `at` lies in the body of a `def` or `class` (a binding there is
 * local, not the module's), judged by indentation: the nearest less
 * indented line ending in `:` above it, and so on out to column 0.
 */
function inFunctionOrClass(code: string, at: number): boolean {
  const lineStart = code.lastIndexOf('\n', at - 1) + 1;
  const indentOf = (line: string) => line.length - line.trimStart().length;
  let line = code.slice(lineStart, at);
  if (/^[ \t]*(?:async[ \t]+)?(?:def|class)\b/.test(line)) return true; // def f(): revision = 1
  let indent = indentOf(line);
  let end = lineStart - 1;
  while (indent > 0 && end > 0) {
    const start = code.lastIndexOf('\n', end - 1) + 1;
    line = code.slice(start, end);
    end = start - 1;
    const trimmed = line.trim();
    if (trimmed === '' || indentOf(line) >= indent || !trimmed.endsWith(':')) continue;
    if (/^(?:async[ \t]+)?(?:def|class)\b/.test(trimmed)) return true;
    indent = indentOf(line);
  }
  return false;
}

/**
 * The text with comments and the bodies of string literals (f-strings
 * excepted: their braces hold code) blanked to spaces, newlines kept, so
 * offsets and lines stay those of the source.
 */
function codeOnly(text: string): string {
  const out = text.split('');
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
      continue;
    }
    if (ch === "'" || ch === '"' || isStringPrefix(text, i)) {
      STRING_START.lastIndex = i;
      const match = STRING_START.exec(text);
      if (!match) {
        i++;
        continue;
      }
      const quote = match[2]!;
      const formatted = match[1]!.toLowerCase().includes('f');
      let j = STRING_START.lastIndex;
      for (; j < text.length; j++) {
        if (text[j] === '\\') {
          j++;
          continue;
        }
        if (quote.length === 1 && text[j] === '\n') break;
        if (text.startsWith(quote, j)) break;
      }
      const end = Math.min(text.length, j + quote.length);
      if (!formatted) for (let k = i; k < end; k++) if (out[k] !== '\n') out[k] = ' ';
      i = end;
      continue;
    }
    i++;
  }
  return out.join('');
}

const CANDIDATE = /(?:^|;)[ \t]*(?:revision|down_revision|branch_labels|depends_on)\b/gm;

/** Offset just past the last header name at the start of a line or after `;`; -1 when there is none. */
function lastCandidate(text: string): number {
  let last = -1;
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) last = match.index + match[0].length;
  return last;
}

class Scanner {
  pos = 0;
  line = 1;
  /** Whether the statement being scanned started at column 0. */
  moduleLevel = true;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  /** Where the scanner is, to come back to the start of a statement. */
  mark(): { pos: number; line: number; lineStart: number } {
    return { pos: this.pos, line: this.line, lineStart: this.lineStart };
  }

  reset(mark: { pos: number; line: number; lineStart: number }): void {
    this.pos = mark.pos;
    this.line = mark.line;
    this.lineStart = mark.lineStart;
  }

  done(): boolean {
    return this.pos >= this.text.length;
  }

  /** At the start of a line (or after a module-level `;`), not indented. */
  atColumnZero(): boolean {
    const ch = this.text[this.pos];
    return this.pos === this.lineStart && ch !== ' ' && ch !== '\t' && ch !== '\f';
  }

  /**
   * Advances past the rest of the logical line (or to the next `;` at bracket
   * depth 0), leaving `pos` at the start of the next statement.
   */
  skipStatement(): void {
    const text = this.text;
    let depth = 0;
    for (;;) {
      INTERESTING.lastIndex = this.pos;
      const found = INTERESTING.exec(text);
      if (!found) {
        this.pos = text.length;
        return;
      }
      this.pos = found.index;
      const ch = found[0];
      if (ch === '\n') {
        this.newline();
        if (depth === 0) return;
      } else if (ch === '#') {
        const end = text.indexOf('\n', this.pos);
        this.pos = end === -1 ? text.length : end;
      } else if (ch === '\\') {
        // A backslash outside a string joins lines; skip what it escapes.
        if (text[this.pos + 1] === '\r') this.pos++;
        if (text[this.pos + 1] === '\n') {
          this.pos++;
          this.newline();
        } else this.pos++;
      } else if (ch === '(' || ch === '[' || ch === '{') {
        depth++;
        this.pos++;
      } else if (ch === ')' || ch === ']' || ch === '}') {
        if (depth > 0) depth--;
        this.pos++;
      } else if (ch === ';') {
        this.pos++;
        if (depth === 0) {
          this.skipBlanks(false);
          // `a = 1; revision = 'x'`: the next statement is as module-level as
          // this one (and inside `def f(): x = 1; revision = 'y'` it is not).
          if (this.moduleLevel) this.lineStart = this.pos;
          return;
        }
      } else {
        // A quote: string prefixes (r, b, u, f) change escapes, never where a literal ends.
        this.skipString();
      }
    }
  }

  /** Reads the right-hand side of a header assignment. */
  readValue(name: HeaderName): HeaderValue {
    const startLine = this.line;
    this.skipBlanks(false);
    const value = this.readExpression(0, name);
    this.skipBlanks(false);
    const ch = this.text[this.pos];
    if (ch !== undefined && ch !== '\n' && ch !== ';' && ch !== '#' && ch !== '\r') {
      throw this.unsupported(name, startLine);
    }
    return value;
  }

  private readExpression(depth: number, name: HeaderName): HeaderValue {
    const text = this.text;
    const ch = text[this.pos];
    if (ch === '(' || ch === '[' || ch === '{') {
      const close = ch === '(' ? ')' : ch === '[' ? ']' : '}';
      const startLine = this.line;
      this.pos++;
      const items: string[] = [];
      let sawComma = false;
      for (;;) {
        this.skipBlanks(true);
        if (text[this.pos] === close) {
          this.pos++;
          break;
        }
        const item = this.readExpression(depth + 1, name);
        if (item === null) throw this.unsupported(name, startLine);
        if (Array.isArray(item)) items.push(...item);
        else items.push(item);
        this.skipBlanks(true);
        if (text[this.pos] === ',') {
          sawComma = true;
          this.pos++;
        } else if (text[this.pos] !== close) {
          throw this.unsupported(name, startLine);
        }
      }
      // `('abc')` is just a parenthesised string, `('abc',)` a tuple.
      if (ch === '(' && !sawComma && items.length === 1) return items[0]!;
      return items;
    }
    NAME.lastIndex = this.pos;
    const nameMatch = NAME.exec(text);
    if (nameMatch && nameMatch[0] === 'None' && !isStringPrefix(text, this.pos)) {
      this.pos = NAME.lastIndex;
      return null;
    }
    if (ch === "'" || ch === '"' || isStringPrefix(text, this.pos)) {
      let value = '';
      // Adjacent literals concatenate: 'abc' 'def' == 'abcdef'.
      while (text[this.pos] === "'" || text[this.pos] === '"' || isStringPrefix(text, this.pos)) {
        const literal = this.readString();
        if (literal === undefined) throw this.unsupported(name, this.line);
        value += literal;
        this.skipBlanks(depth > 0);
      }
      return value;
    }
    throw this.unsupported(name, this.line);
  }

  /** Reads a string literal's value; undefined for f-strings (not constants). */
  private readString(): string | undefined {
    const startLine = this.line;
    STRING_START.lastIndex = this.pos;
    const match = STRING_START.exec(this.text)!;
    const prefix = match[1]!.toLowerCase();
    const quote = match[2]!;
    const raw = prefix.includes('r');
    const bodyStart = STRING_START.lastIndex;
    const end = this.findStringEnd(bodyStart, quote);
    if (end === -1) throw new HeaderSyntaxError('unterminated string literal', startLine);
    const body = this.text.slice(bodyStart, end);
    this.countLines(this.pos, end + quote.length);
    this.pos = end + quote.length;
    if (prefix.includes('f')) return undefined;
    return raw ? body : unescape(body);
  }

  /** Skips the string literal whose opening quote is at `pos`. */
  private skipString(): void {
    STRING_START.lastIndex = this.pos;
    const match = STRING_START.exec(this.text)!;
    const startLine = this.line;
    const end = this.findStringEnd(STRING_START.lastIndex, match[2]!);
    if (end === -1) throw new HeaderSyntaxError('unterminated string literal', startLine);
    const stop = end + match[2]!.length;
    this.countLines(this.pos, stop);
    this.pos = stop;
  }

  private findStringEnd(from: number, quote: string): number {
    const text = this.text;
    const single = quote.length === 1;
    for (let i = from; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\\') {
        // An escaped CRLF is one escaped line end, as Python reads it.
        i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 2 : 1;
        continue;
      }
      if (single && ch === '\n') return -1;
      if (ch === quote[0] && text.startsWith(quote, i)) return i;
    }
    return -1;
  }

  private countLines(from: number, to: number): void {
    let at = this.text.indexOf('\n', from);
    while (at !== -1 && at < to) {
      this.line++;
      this.lineStart = at + 1;
      at = this.text.indexOf('\n', at + 1);
    }
  }

  /** Skips spaces, comments and line joins; newlines too inside brackets. */
  private skipBlanks(insideBrackets: boolean): void {
    const text = this.text;
    while (this.pos < text.length) {
      const ch = text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\f') this.pos++;
      else if (ch === '\r' && text[this.pos + 1] === '\n' && insideBrackets) this.pos++;
      else if (ch === '\n' && insideBrackets) {
        this.pos++;
        this.newline(false);
      } else if (ch === '\\' && text[this.pos + 1] === '\n') {
        this.pos += 2;
        this.newline(false);
      } else if (ch === '\\' && text[this.pos + 1] === '\r' && text[this.pos + 2] === '\n') {
        this.pos += 3;
        this.newline(false);
      } else if (ch === '#' && insideBrackets) {
        const end = text.indexOf('\n', this.pos);
        this.pos = end === -1 ? text.length : end;
      } else return;
    }
  }

  /** Counts the newline at `pos - 1` (advance = false) or at `pos`. */
  private newline(advance = true): void {
    if (advance) this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private unsupported(name: HeaderName, line: number): HeaderSyntaxError {
    const expected =
      name === 'revision' ? 'a string literal' : 'a string literal, None, or a tuple or list of string literals';
    return new HeaderSyntaxError(`cannot read \`${name}\` without running Python: expected ${expected}`, line);
  }
}

function isStringPrefix(text: string, pos: number): boolean {
  const ch = text[pos];
  if (ch === undefined || !'rRuUbBfF'.includes(ch)) return false;
  // A prefix is part of the literal only when it is not the tail of a name.
  const before = pos > 0 ? text[pos - 1]! : ' ';
  if (/[A-Za-z0-9_]/.test(before)) return false;
  STRING_START.lastIndex = pos;
  const match = STRING_START.exec(text);
  return match !== null && match[1]!.length > 0;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '\n': '' };

function unescape(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(.)/gs, (whole, ch: string) => ESCAPES[ch] ?? whole);
}
