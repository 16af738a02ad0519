/**
 * The canonical form of a Python migration (an Alembic revision) for the
 * semantic checksum (README, "Cosmetic edits"): its syntax tree without what
 * cannot change what the file does. Dropped:
 *
 * - comments, line continuations and `;` between statements (the tree keeps
 *   each statement), except a PEP 263 coding declaration, which decides how
 *   the file's bytes are read (https://peps.python.org/pep-0263/);
 * - module, class and function docstrings: a plain string literal as the
 *   first statement of the body (never an f-string, which runs code, nor
 *   bytes, which are not a docstring);
 * - redundant parentheses: a parenthesized expression is its inner
 *   expression (the tree already holds the grouping: `(a + b) * c` and
 *   `a + b * c` are different trees);
 * - a trailing comma where Python gives it no meaning: call arguments,
 *   parameters, list, set, dict and tuple displays, a parenthesized import
 *   list. Never in a subscript (`a[1,]` is `a[(1,)]`), and `(1,)` stays a
 *   tuple, unlike `(1)`;
 * - the order of the import statements at the top of the module, when no
 *   two of them bind the same name (then the later one wins, and the order
 *   is kept) and none is a `*` import.
 *
 * String literals are compared by value (`'a'` is `"a"` is `"""a"""`, and
 * `'\x41'` is `'A'`; `'a b'` is not `'a  b'`, `b'a'` is not `'a'`), numbers
 * by value (`0xff` is `255`). Everything else, every keyword, operator,
 * name and the nesting of blocks, is kept: a statement indented out of an
 * `if` is another tree.
 *
 * Pure: it reads a tree from tree-sitter-python
 * (https://github.com/tree-sitter/tree-sitter-python), parsed in the shell.
 */

/** The part of a tree-sitter node this module reads. */
export interface PythonSyntaxNode {
  readonly type: string;
  readonly isNamed: boolean;
  readonly text: string;
  readonly children: readonly (PythonSyntaxNode | null)[];
  readonly startPosition: { readonly row: number };
}

/** Node types whose last comma before the closing bracket means nothing. */
const TRAILING_COMMA_FREE = new Set(['argument_list', 'parameters', 'lambda_parameters', 'list', 'set', 'dictionary', 'tuple', 'import_from_statement']);
const CLOSING = new Set([')', ']', '}']);
/** Whose body may start with a docstring. */
const DEFINITIONS = new Set(['function_definition', 'class_definition']);
const IMPORTS = new Set(['import_statement', 'import_from_statement']);
/** https://peps.python.org/pep-0263/#defining-the-encoding */
const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

/**
 * The canonical form of a module, as text; undefined when the tree holds a
 * construct this form does not know how to read safely (the caller treats
 * the file as changed in meaning).
 *
 * @example
 * pythonCanonicalForm(parse("op.execute('SELECT 1')  # why\n")) === pythonCanonicalForm(parse('op.execute("SELECT 1")\n'))
 */
export function pythonCanonicalForm(module: PythonSyntaxNode): string {
  const out: string[] = [];
  const body = significant(module.children);
  for (const comment of module.children) {
    if (comment?.type === 'comment' && comment.startPosition.row <= 1) {
      const coding = CODING.exec(comment.text);
      if (coding) out.push(`coding ${coding[1]!.toLowerCase()}`);
    }
  }
  const statements = withoutDocstring(body);
  const { imports, rest } = leadingImports(statements);
  out.push(...imports);
  for (const statement of rest) emit(statement, out);
  return out.join('\n');
}

/** Children that are code: no comments, line continuations or `;`. */
function significant(children: readonly (PythonSyntaxNode | null)[]): PythonSyntaxNode[] {
  return children.filter((child): child is PythonSyntaxNode => child !== null && child.type !== 'comment' && child.type !== 'line_continuation' && !(child.type === ';' && !child.isNamed));
}

/** The statements of a body without its docstring. */
function withoutDocstring(statements: PythonSyntaxNode[]): PythonSyntaxNode[] {
  const first = statements[0];
  if (!first || first.type !== 'expression_statement') return statements;
  const inner = significant(first.children);
  if (inner.length !== 1 || !isPlainText(inner[0]!)) return statements;
  return statements.slice(1);
}

/** A string literal (or several side by side) that is text, not bytes and not an f-string. */
function isPlainText(node: PythonSyntaxNode): boolean {
  if (node.type === 'concatenated_string') return significant(node.children).every(isPlainText);
  if (node.type !== 'string') return false;
  const prefix = stringPrefix(node);
  return prefix !== undefined && !prefix.includes('b') && !prefix.includes('f') && !prefix.includes('t');
}

/**
 * The imports at the top of the module as one binding each (`import a, b`
 * is `import a` and `import b`), sorted when their order cannot matter.
 * `from __future__` imports stay first, as Python requires.
 */
function leadingImports(statements: PythonSyntaxNode[]): { imports: string[]; rest: PythonSyntaxNode[] } {
  const futures: string[] = [];
  let index = 0;
  while (statements[index]?.type === 'future_import_statement') {
    const out: string[] = [];
    emit(statements[index]!, out);
    futures.push(out.join('\n'));
    index++;
  }
  const bindings: { name: string; form: string }[] = [];
  let sortable = true;
  while (statements[index] && IMPORTS.has(statements[index]!.type)) {
    const each = importBindings(statements[index]!);
    if (each === undefined) {
      sortable = false;
      break;
    }
    bindings.push(...each);
    index++;
  }
  if (!sortable) return { imports: futures, rest: statements.slice(futures.length) };
  const names = new Set(bindings.map((binding) => binding.name));
  const forms = bindings.map((binding) => binding.form);
  if (names.size === bindings.length) forms.sort();
  return { imports: [...futures, ...forms], rest: statements.slice(index) };
}

/** What one import statement binds, one entry per name; undefined for a `*` import or a shape not known here. */
function importBindings(statement: PythonSyntaxNode): { name: string; form: string }[] | undefined {
  const parts = significant(statement.children).filter((child) => child.isNamed);
  if (statement.type === 'import_statement') {
    return parts.map((part) => {
      const { module, alias } = importedName(part);
      return { name: alias ?? module.split('.')[0]!, form: `import ${module}${alias ? ` as ${alias}` : ''}` };
    });
  }
  const [from, ...names] = parts;
  if (!from || names.length === 0 || names.some((name) => name.type === 'wildcard_import')) return undefined;
  const module = from.text.replace(/\s+/g, '');
  return names.map((part) => {
    const { module: name, alias } = importedName(part);
    return { name: alias ?? name, form: `from ${module} import ${name}${alias ? ` as ${alias}` : ''}` };
  });
}

function importedName(part: PythonSyntaxNode): { module: string; alias?: string } {
  if (part.type !== 'aliased_import') return { module: part.text.replace(/\s+/g, '') };
  const named = significant(part.children).filter((child) => child.isNamed);
  return { module: named[0]!.text.replace(/\s+/g, ''), alias: named[1]!.text };
}

/** Appends the canonical form of `node` to `out`. */
function emit(node: PythonSyntaxNode, out: string[]): void {
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = significant(node.children).filter((child) => child.isNamed);
      if (inner.length === 1) return emit(inner[0]!, out);
      break;
    }
    case 'string':
    case 'concatenated_string':
      out.push(stringForm(node));
      return;
    case 'integer':
      out.push(`int ${integerValue(node.text)}`);
      return;
    case 'float':
      out.push(`float ${floatValue(node.text)}`);
      return;
  }
  const children = significant(node.children);
  if (children.length === 0) {
    out.push(node.isNamed ? `${node.type} ${JSON.stringify(node.text)}` : JSON.stringify(node.text));
    return;
  }
  out.push(`(${node.type}`);
  const dropCommas = TRAILING_COMMA_FREE.has(node.type);
  children.forEach((child, i) => {
    if (dropCommas && child.type === ',' && !child.isNamed && (i === children.length - 1 || CLOSING.has(children[i + 1]!.type))) return;
    if (node.type === 'import_from_statement' && !child.isNamed && (child.type === '(' || child.type === ')')) return;
    if (child.type === 'block' && DEFINITIONS.has(node.type)) {
      out.push('(block');
      for (const statement of withoutDocstring(significant(child.children))) emit(statement, out);
      out.push(')');
      return;
    }
    emit(child, out);
  });
  out.push(')');
}

/** The lowercase prefix letters of a string literal (`rb`, `f`, ``), sorted; undefined when it cannot be read. */
function stringPrefix(node: PythonSyntaxNode): string | undefined {
  const start = node.children.find((child) => child?.type === 'string_start');
  const match = start ? /^([A-Za-z]*)('''|"""|'|")$/.exec(start.text) : null;
  return match ? [...match[1]!.toLowerCase()].sort().join('') : undefined;
}

/**
 * A string literal by value: its kind (text, bytes, f-string) and its
 * decoded parts. Literals side by side are one value, as Python joins them
 * (https://docs.python.org/3/reference/lexical_analysis.html#string-literal-concatenation).
 */
function stringForm(node: PythonSyntaxNode): string {
  const pieces = node.type === 'concatenated_string' ? significant(node.children) : [node];
  const parts: string[] = [];
  let kind: string | undefined;
  let text = '';
  for (const piece of pieces) {
    const prefix = piece.type === 'string' ? stringPrefix(piece) : undefined;
    if (prefix === undefined) return `raw ${JSON.stringify(node.text)}`;
    const bytes = prefix.includes('b');
    const pieceKind = bytes ? 'bytes' : 'str';
    if (kind !== undefined && kind !== pieceKind) return `raw ${JSON.stringify(node.text)}`;
    kind = pieceKind;
    if (prefix.includes('t')) return `raw ${JSON.stringify(node.text)}`; // a template string (PEP 750) builds another type
    const raw = prefix.includes('r');
    const formatted = prefix.includes('f');
    for (const child of piece.children) {
      if (!child || child.type === 'string_start' || child.type === 'string_end') continue;
      if (child.type === 'string_content') {
        // An escape in an f-string's text could spell a brace: kept as written (only makes files differ).
        if (formatted && child.text.includes('\\')) return `raw ${JSON.stringify(node.text)}`;
        text += formatted ? child.text.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : decodeLiteral(child.text, raw, bytes);
      } else if (child.type === 'interpolation') {
        parts.push(JSON.stringify(text));
        text = '';
        const out: string[] = [];
        emit(child, out);
        parts.push(out.join('\n'));
      } else return `raw ${JSON.stringify(node.text)}`;
    }
  }
  parts.push(JSON.stringify(text));
  const fString = parts.length > 1;
  return `(${fString ? 'f' : ''}${kind} ${parts.join(' ')})`;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The value of a literal's text between its quotes
 * (https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences).
 * `\N{...}` is kept as written: resolving Unicode names needs their table,
 * and a literal kept as written can only make two files differ.
 */
export function decodeLiteral(text: string, raw: boolean, bytes: boolean): string {
  if (raw || !text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\' || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[i + 1]!;
    if (next === '\n') {
      i++;
      continue;
    }
    if (next in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[next];
      i++;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
    if (octal) {
      out += String.fromCodePoint(parseInt(octal[0], 8));
      i += octal[0].length;
      continue;
    }
    const width = next === 'x' ? 2 : bytes ? 0 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    const hex = width > 0 ? text.slice(i + 2, i + 2 + width) : '';
    if (width > 0 && hex.length === width && /^[0-9a-fA-F]+$/.test(hex) && parseInt(hex, 16) <= 0x10ffff) {
      out += String.fromCodePoint(parseInt(hex, 16));
      i += 1 + width;
      continue;
    }
    out += ch; // an unknown escape keeps its backslash, as Python does
  }
  return out;
}

/** An integer literal's value in decimal; an imaginary literal as written, without `_`. */
export function integerValue(text: string): string {
  const plain = text.replace(/_/g, '').toLowerCase();
  if (plain.endsWith('j') || plain.endsWith('l')) return plain;
  try {
    return BigInt(plain).toString();
  } catch {
    return plain;
  }
}

/** A float literal's value (IEEE 754 double, as Python reads it); an imaginary literal as written, without `_`. */
export function floatValue(text: string): string {
  const plain = text.replace(/_/g, '').toLowerCase();
  if (plain.endsWith('j')) return plain;
  const value = Number(plain);
  return Number.isNaN(value) ? plain : String(value);
}
