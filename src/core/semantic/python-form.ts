/**
 * The canonical form of a Python migration (an Alembic revision) for the
 * semantic checksum (README, "Cosmetic edits"): its syntax tree without what
 * cannot change what the file does. Dropped: comments, `\` line ends and
 * `;` (a PEP 263 coding line is kept); docstrings (a plain string first in a
 * module, class or def body), unless the file reads `__doc__`; redundant
 * parentheses and trailing commas; the order of the imports at the top when
 * no two bind one name and none is `*`. Strings and numbers are compared by
 * value (`'\x41'` is `"A"`, `0xff` is `255`; `b'a'` is not `'a'`); `a, b` is
 * `(a, b)`. Every keyword, operator, name and the nesting of blocks is kept.
 *
 * Parentheses are kept inside an operator (tree-sitter-python reads
 * `a ^ b & c` as `(a ^ b) & c`; Python as `a ^ (b & c)`), around `:=`,
 * `yield`, `lambda` and `*a`, and in f-strings' braces; `a[1,]` is not
 * `a[1]`. What tree-sitter accepts and Python refuses (an `else` off its
 * `if`, mixed tabs, `op.\nexecute()`, `'\x4'`, `017`) throws (no form: the
 * file counts as changed) or is kept as written, never equal to valid code.
 *
 * Pure: it reads a tree from tree-sitter-python
 * (https://github.com/tree-sitter/tree-sitter-python), parsed in the shell.
 */

import { decodeLiteral, floatValue, integerValue, NUMBER, PREFIXES } from './python-literals.js';

/** The part of a tree-sitter node this module reads (offsets in UTF-16 code units of the text parsed). */
export interface PythonSyntaxNode {
  readonly type: string;
  readonly isNamed: boolean;
  readonly text: string;
  readonly children: readonly (PythonSyntaxNode | null)[];
  readonly startPosition: { readonly row: number };
  readonly startIndex: number;
  readonly endIndex: number;
}

/** Node types whose trailing comma means nothing (in a subscript, only after another comma: `a[1,]` is not `a[1]`). */
const TRAILING_COMMA_FREE = new Set(['argument_list', 'parameters', 'lambda_parameters', 'list', 'set', 'dictionary', 'tuple', 'pattern_list', 'import_from_statement']);
const SUBSCRIPTS = new Set(['subscript', 'type_parameter']);
const UNBRACKETED = new Set(['lambda_parameters', 'pattern_list', 'tuple']); // a tuple here: `a, b` read as `(a, b)`
const CLOSING = new Set([')', ']', '}']);
const OPENING_OR_COMMA = new Set(['(', '[', '{', ',']);
/** Whose body may start with a docstring. */
const DEFINITIONS = new Set(['function_definition', 'class_definition']);
const IMPORTS = new Set(['import_statement', 'import_from_statement']);
/** https://peps.python.org/pep-0263/#defining-the-encoding */
const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
/** Expressions whose parentheses never change how Python reads them. */
const ATOMS = new Set(['identifier', 'attribute', 'subscript', 'call', 'string', 'concatenated_string', 'integer', 'float', 'true', 'false', 'none', 'ellipsis', 'list', 'set', 'tuple', 'dictionary', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'parenthesized_expression']);
/** Expressions whose parentheses are kept everywhere: without them Python refuses them in many places. */
const KEEP_PARENTHESES = new Set(['named_expression', 'yield', 'list_splat', 'dictionary_splat', 'parenthesized_list_splat', 'lambda', 'expression_list']);
/** Where a parenthesized expression is a whole value, its parentheses redundant (in the WHOLE_VALUE_AFTER_FIRST ones, after the first child). */
const CONDITIONS = new Set(['if_statement', 'elif_clause', 'while_statement']);
const WHOLE_VALUE = new Set([...CONDITIONS, 'expression_statement', 'return_statement', 'argument_list', 'list', 'set', 'tuple', 'expression_list', 'assert_statement']);
/** Where `a, b` is the tuple `(a, b)` (not `raise a, b`, Python 2's, nor in an f-string's braces, where `lambda` needs parentheses). */
const TUPLE_CONTEXTS = new Set(['return_statement', 'assignment', 'augmented_assignment', 'expression_statement', 'for_statement', 'yield', 'delete_statement']);
const WHOLE_VALUE_AFTER_FIRST = new Set(['keyword_argument', 'pair', 'assignment', 'augmented_assignment', 'for_statement']);
/** Clauses that must line up with the statement they belong to. */
const CLAUSES = new Set(['elif_clause', 'else_clause', 'except_clause', 'except_group_clause', 'finally_clause']);

type Context = { readonly source: string; readonly keepDocstrings: boolean; readonly inInterpolation: boolean };

/**
 * The canonical form of a module, as text (`parsed`: the text parsed, needed
 * when the module does not start at its first character). Throws when the
 * tree holds what Python may refuse and this form cannot tell apart (the
 * caller treats the file as unreadable, changed in meaning).
 *
 * @example
 * pythonCanonicalForm(parse("op.execute('SELECT 1')  # why\n")) === pythonCanonicalForm(parse('op.execute("SELECT 1")\n'))
 */
export function pythonCanonicalForm(module: PythonSyntaxNode, parsed?: string): string {
  if (parsed === undefined && module.startIndex > 0) throw new Error('the text parsed is needed'); // offsets count from its start
  const source = parsed ?? module.text;
  checkLayout(module, source);
  // Code that can reach a docstring by another name (`getattr(f, '__d' 'oc__')`, `vars(f)`) keeps them all.
  const ctx: Context = { source, keepDocstrings: /__doc__|getdoc|pydoc|getattr|__dict__|\bvars\b|\binspect\b|\beval\b|\bexec\b/.test(source), inInterpolation: false };
  const out: string[] = [];
  const [first = '', second = ''] = source.split('\n', 2);
  // Python reads a declaration on the second line only below a first line that is blank or a comment (PEP 263).
  for (const line of /^[ \t\f]*(?:#.*)?\r?$/.test(first) ? [first, second] : [first]) {
    const coding = CODING.exec(line);
    // UTF-8 is what Python 3 reads without a declaration (PEP 3120): declaring it changes nothing.
    if (coding && !/^utf[-_]?8$/i.test(coding[1]!)) out.push(`coding ${coding[1]!.toLowerCase()}`);
  }
  const statements = withoutDocstring(significant(module.children), ctx);
  const { imports, rest } = leadingImports(statements, ctx);
  out.push(...imports);
  for (const statement of rest) emit(statement, out, ctx);
  return out.join('\n');
}

/** Children that are code: no comments, line continuations or `;`. */
function significant(children: readonly (PythonSyntaxNode | null)[]): PythonSyntaxNode[] {
  return children.filter((child): child is PythonSyntaxNode => child !== null && child.type !== 'comment' && child.type !== 'line_continuation' && !(child.type === ';' && !child.isNamed));
}

/**
 * Throws where tree-sitter's reading of the layout may not be Python's: a
 * statement, clause or decorator not indented exactly like its siblings
 * (mixed tabs Python refuses, an `else` off its `if`), a block not deeper
 * than its header, a compound statement after code on its line, a `\` that
 * starts a line or precedes a blank line, a comment or the end, and a line
 * break outside brackets and strings that ends no statement (tree-sitter
 * reads `op.\nexecute()` and `def f()\n:` as if it were a space).
 */
function checkLayout(module: PythonSyntaxNode, source: string): void {
  const lineBefore = (index: number) => source.slice(source.lastIndexOf('\n', index - 1) + 1, index);
  const indentOf = (node: PythonSyntaxNode): string | undefined => (/^[ \t\f]*$/.test(lineBefore(node.startIndex)) ? lineBefore(node.startIndex) : undefined);
  const fail = (what: string, node: PythonSyntaxNode): never => {
    throw new Error(`${what} on line ${node.startPosition.row + 1}: Python may read it otherwise than tree-sitter does`);
  };
  const starts = new Set<number>(); // where a line break may end a statement
  const visit = (node: PythonSyntaxNode, owner: string): void => {
    const children = significant(node.children);
    const own = indentOf(node);
    const lines = node.type === 'module' || node.type === 'block';
    if (node.type === 'block' && children.length === 0) fail('an empty block', node); // `class A:` with only a comment below
    let siblings: string | undefined;
    for (const [i, child] of children.entries()) {
      const indent = indentOf(child);
      if (lines || node.type === 'decorated_definition' || CLAUSES.has(child.type)) starts.add(child.startIndex);
      if (lines && indent !== undefined) {
        if (i > 0 && siblings === undefined && node.type === 'block') fail('a statement below a one-line block', child);
        siblings ??= indent;
        const deeper = node.type === 'module' ? indent === '' : indent.length > owner.length && indent.startsWith(owner);
        if (indent !== siblings || !deeper) fail('the indentation', child);
      }
      if ((CLAUSES.has(child.type) || node.type === 'decorated_definition') && indent !== (own ?? owner)) fail('the indentation', child);
      if (child.type === 'block' && own === undefined && !CLAUSES.has(node.type)) fail('a compound statement after code', node);
      visit(child, lines ? (indent ?? owner) : owner);
    }
    for (const child of node.children) {
      if (child?.type === 'line_continuation' && (/^[ \t\f]*$/.test(lineBefore(child.startIndex)) || /^[ \t\f]*(?:#|\n|$)/.test(source.slice(child.endIndex)))) fail('the \\', child);
    }
  };
  visit(module, '');
  let depth = 0;
  let end = 0;
  let broken = false;
  const walk = (node: PythonSyntaxNode): void => {
    if (node.type !== 'string' && node.type !== 'comment' && node.type !== 'line_continuation' && node.children.some((child) => child !== null)) {
      for (const child of node.children) if (child) walk(child);
      return;
    }
    broken ||= depth === 0 && source.slice(end, node.startIndex).replace(/\\\n/g, '').includes('\n'); // tree-sitter keeps no node for a `\` before a string
    end = node.endIndex;
    if (node.type === 'comment') return;
    if (broken && !starts.has(node.startIndex)) fail('the line break before the code', node);
    broken = false;
    if (node.type === '(' || node.type === '[' || node.type === '{') depth++;
    else if (node.type === ')' || node.type === ']' || node.type === '}') depth = Math.max(0, depth - 1);
  };
  walk(module);
}

/** The statements of a body without its docstring. */
function withoutDocstring(statements: PythonSyntaxNode[], ctx: Context): PythonSyntaxNode[] {
  const first = statements[0];
  if (ctx.keepDocstrings || !first || first.type !== 'expression_statement') return statements;
  const inner = significant(first.children);
  const text = inner.length === 1 && (inner[0]!.type === 'string' || inner[0]!.type === 'concatenated_string');
  if (!text || !stringForm(inner[0]!, ctx).startsWith('(str ')) return statements; // not an f-string, bytes, nor kept as written
  return statements.slice(1);
}

/**
 * The imports at the top of the module as one binding each (`import a, b`
 * is `import a` and `import b`), sorted when their order cannot matter.
 * `from __future__` imports stay first, as Python requires.
 */
function leadingImports(statements: PythonSyntaxNode[], ctx: Context): { imports: string[]; rest: PythonSyntaxNode[] } {
  const futures: string[] = [];
  let index = 0;
  for (; statements[index]?.type === 'future_import_statement'; index++) {
    const children = significant(statements[index]!.children);
    if (children.at(-1)?.type === ',') return { imports: [], rest: statements }; // `from __future__ import a,`: Python refuses it
    const kept = children.filter((child) => child.isNamed && !droppableFuture(child, ctx));
    if (kept.length > 0) futures.push(`(future ${kept.map((child) => child.text.replace(/\s+/g, ' ')).join(', ')})`);
  }
  const afterFutures = index;
  const bindings: { name: string; form: string }[] = [];
  while (statements[index] && IMPORTS.has(statements[index]!.type)) {
    const each = importBindings(statements[index]!);
    if (each === undefined) return { imports: futures, rest: statements.slice(afterFutures) };
    bindings.push(...each);
    index++;
  }
  const names = new Set(bindings.map((binding) => binding.name));
  const forms = bindings.map((binding) => binding.form);
  if (names.size === bindings.length) forms.sort();
  return { imports: [...futures, ...forms], rest: statements.slice(index) };
}

/**
 * Features every Python 3 has on (https://docs.python.org/3/library/__future__.html):
 * importing one changes nothing but the name it binds. `annotations` and
 * `barry_as_FLUFL` still change what code means, and stay.
 */
const NO_OP_FUTURES = new Set(['nested_scopes', 'generators', 'division', 'absolute_import', 'with_statement', 'print_function', 'unicode_literals', 'generator_stop']);

/** A `from __future__ import` name that can go (pyupgrade removes them): a no-op feature, not renamed, its name used nowhere else in the file. */
function droppableFuture(name: PythonSyntaxNode, ctx: Context): boolean {
  if (name.type !== 'dotted_name' || !NO_OP_FUTURES.has(name.text)) return false;
  return (ctx.source.match(new RegExp(`\\b${name.text}\\b`, 'g')) ?? []).length === 1;
}

/** What one import statement binds, one entry per name; undefined for a `*` import or a shape not known here. */
function importBindings(statement: PythonSyntaxNode): { name: string; form: string }[] | undefined {
  const parts = significant(statement.children).filter((child) => child.isNamed);
  if (significant(statement.children).at(-1)?.type === ',') return undefined; // `import a,`: Python refuses it
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

/** Whether the parentheses around `inner`, the `index`-th child of a `parent`, can be dropped. */
function redundantParentheses(inner: PythonSyntaxNode, parent: string, index: number, ctx: Context): boolean {
  if (ctx.inInterpolation || parent === 'as_pattern_target') return false; // `except E as (e):` is refused, unlike `with a as (b):`
  if (inner.type === 'named_expression' && CONDITIONS.has(parent)) return true; // `if (x := f()):`
  if (parent === 'unary_operator' && inner.type === 'binary_operator' && significant(inner.children)[1]?.type === '**') return true; // `-(a ** b)` is `-a ** b`
  if (KEEP_PARENTHESES.has(inner.type)) return false;
  return ATOMS.has(inner.type) || WHOLE_VALUE.has(parent) || (WHOLE_VALUE_AFTER_FIRST.has(parent) && index > 0);
}

/** Appends the canonical form of `node` to `out`. */
function emit(node: PythonSyntaxNode, out: string[], ctx: Context, parent = ''): void {
  switch (node.type) {
    case 'string':
    case 'concatenated_string':
      out.push(stringForm(node, ctx));
      return;
    case 'integer':
    case 'float':
      if (!NUMBER.test(node.text)) out.push(`number ${JSON.stringify(node.text)}`); // `017`, `1_`, `10L`: Python refuses them
      else if (/[jJ]$/.test(node.text)) out.push(`imaginary ${floatValue(node.text.slice(0, -1))}`); // `1j` is `1.0j`
      else out.push(node.type === 'integer' ? `int ${integerValue(node.text)}` : `float ${floatValue(node.text)}`);
      return;
    case 'print_statement':
    case 'exec_statement': // Python 2: kept as written
      out.push(`raw ${JSON.stringify(node.text)}`);
      return;
  }
  const children = ctx.inInterpolation ? node.children.filter((child): child is PythonSyntaxNode => child !== null) : significant(node.children);
  if (children.length === 0) {
    out.push(node.isNamed ? `${node.type} ${JSON.stringify(node.text)}` : JSON.stringify(node.text));
    return;
  }
  const asTuple = node.type === 'expression_list' && TUPLE_CONTEXTS.has(parent) && !ctx.inInterpolation; // `return a, b` is `return (a, b)`
  const asPatternList = node.type === 'tuple_pattern' && children.some((child) => child.type === ','); // `for (a, b) in` is `for a, b in`
  const type = asTuple ? 'tuple' : asPatternList ? 'pattern_list' : node.type;
  out.push(`(${type}`, ...uncovered(node, ctx.source).map(([at, gap]) => `gap ${at} ${JSON.stringify(gap)}`), ...(asTuple ? ['"("'] : []));
  const dropCommas = TRAILING_COMMA_FREE.has(type);
  children.forEach((original, i) => {
    let child = original;
    while (child.type === 'parenthesized_expression') {
      const inner = significant(child.children).filter((part) => part.isNamed);
      if (inner.length !== 1 || !redundantParentheses(inner[0]!, node.type, i, ctx)) break;
      child = inner[0]!;
    }
    if (asPatternList && (child.type === '(' || child.type === ')')) return;
    if (node.type === 'class_definition' && child.type === 'argument_list' && child.children.length === 2) return; // `class A():` is `class A:`
    const afterElement = i > 0 && !OPENING_OR_COMMA.has(children[i - 1]!.type); // `f(,)` is no trailing comma: Python refuses it
    const last = CLOSING.has(children[i + 1]?.type ?? '') || (UNBRACKETED.has(type) && i === children.length - 1);
    const trailing = child.type === ',' && !child.isNamed && afterElement && last;
    // `a[1, 2,]` is `a[1, 2]`, but `a[1,]` is not `a[1]`: in a subscript, only after another comma.
    if (trailing && (dropCommas || (SUBSCRIPTS.has(type) && children.slice(0, i).some((part) => part.type === ',')))) return;
    if (node.type === 'import_from_statement' && !child.isNamed && (child.type === '(' || child.type === ')')) return;
    if (child.type === 'block' && DEFINITIONS.has(node.type)) {
      out.push('(block');
      // A decorator is handed the function or class, and may read its docstring (`@sql_doc` running it).
      const statements = significant(child.children);
      for (const statement of parent === 'decorated_definition' ? statements : withoutDocstring(statements, ctx)) emit(statement, out, ctx);
      out.push(')');
      return;
    }
    emit(child, out, ctx, node.type);
  });
  out.push(...(asTuple ? ['")"'] : []), ')');
}

/** The text of a node that none of its children holds, other than whitespace, with the index of the child it precedes. */
function uncovered(node: PythonSyntaxNode, source: string): [number, string][] {
  const ends = [...node.children.map((child) => child?.startIndex ?? -1), node.endIndex];
  let cursor = node.startIndex;
  return ends.flatMap((end, i): [number, string][] => {
    if (end < 0) return [];
    const gap = source.slice(cursor, end);
    cursor = Math.max(cursor, node.children[i]?.endIndex ?? end);
    return /\S/.test(gap.replace(/\\\n/g, '')) ? [[i, gap]] : []; // tree-sitter keeps no node for some `\` line ends
  });
}

/** The lowercase prefix letters of a string literal (`br`, `f`, ``), sorted; undefined when Python 3 has no such prefix. */
function stringPrefix(node: PythonSyntaxNode): string | undefined {
  const start = node.children.find((child) => child?.type === 'string_start');
  const match = start ? /^([A-Za-z]*)('''|"""|'|")$/.exec(start.text) : null;
  const prefix = match ? [...match[1]!.toLowerCase()].sort().join('') : undefined;
  return prefix !== undefined && PREFIXES.has(prefix) ? prefix : undefined;
}

/**
 * A string literal by value: its kind (text, bytes, f-string) and decoded
 * parts; literals side by side are one value, as Python joins them. Kept as
 * written (`raw`): a literal in an f-string's braces (what Python accepts
 * there changed in 3.12), `\N{...}`, what Python refuses (an escape, a
 * prefix, non-ASCII bytes, a line break), a template string.
 */
function stringForm(node: PythonSyntaxNode, ctx: Context): string {
  const raw = `raw ${JSON.stringify(node.text)}`;
  if (ctx.inInterpolation || uncovered(node, ctx.source).length > 0) return raw;
  const pieces = node.type === 'concatenated_string' ? significant(node.children) : [node];
  const parts: string[] = [];
  let kind: string | undefined;
  let formattedAny = false;
  let text = '';
  for (const piece of pieces) {
    const prefix = piece.type === 'string' ? stringPrefix(piece) : undefined;
    if (prefix === undefined || prefix.includes('t')) return raw; // a template string (PEP 750) builds another type
    const bytes = prefix.includes('b');
    const pieceKind = bytes ? 'bytes' : 'str';
    if (kind !== undefined && kind !== pieceKind) return raw;
    kind = pieceKind;
    const formatted = prefix.includes('f');
    formattedAny ||= formatted;
    if (!/^[A-Za-z]*(?:'''|""")/.test(piece.text) && /^(?:[^\\\n]|\\[^])*\n/.test(piece.text)) return raw; // a line break in a one-line string: Python refuses it
    let cursor = piece.startIndex;
    for (const child of piece.children) {
      if (!child || child.startIndex !== cursor) return raw; // text held by no child
      cursor = child.endIndex;
      if (child.type === 'string_start') continue;
      let content = child.type === 'string_content' ? child.text : undefined;
      if (child.type === 'string_end') {
        const quote = /(?:'''|"""|'|")$/.exec(piece.children[0]!.text)![0];
        if (!child.text.endsWith(quote) || (formatted && child.text !== quote)) return raw;
        content = child.text.slice(0, -quote.length); // tree-sitter lexes `r'\\'` with its text in the end
      }
      if (content !== undefined) {
        if ((bytes && /[^\x00-\x7f]/.test(content)) || (formatted && /\\[{}N]/.test(content))) return raw; // in an f-string, `\{` may read as a brace
        try {
          text += decodeLiteral(formatted ? content.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : content, prefix.includes('r'), bytes);
        } catch {
          return raw;
        }
      } else if (child.type === 'interpolation') {
        parts.push(JSON.stringify(text));
        text = '';
        parts.push(interpolationForm(child, ctx));
      } else return raw;
    }
    if (cursor !== piece.endIndex) return raw;
  }
  parts.push(JSON.stringify(text));
  return `(${formattedAny ? 'f' : ''}${kind} ${parts.join(' ')})`;
}

/** `{expression!r:spec}`: the expression as a tree, what follows it as written; `{x = }` (which prints its own text) all as written. */
function interpolationForm(node: PythonSyntaxNode, ctx: Context): string {
  const expression = node.children.find((child) => child?.isNamed);
  if (!expression || node.children.some((child) => child?.type === '=') || node.text.includes('\n') || /\S/.test(ctx.source.slice(node.startIndex + 1, expression.startIndex))) {
    return `(interpolation raw ${JSON.stringify(node.text)})`;
  }
  const out: string[] = ['(interpolation'];
  emit(expression, out, { ...ctx, inInterpolation: true });
  out.push(`then ${JSON.stringify(ctx.source.slice(expression.endIndex, node.endIndex).trimStart())})`);
  return out.join('\n');
}
