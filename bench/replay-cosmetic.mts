// Replays real migration files through code formatters and through meaning-changing
// mutations, and measures guard's semantic checksum (src/shell/semantic-checksums.ts,
// README "Cosmetic edits") on them:
//
// - cosmetic pairs: each file vs. a formatter's output (Python: black, black -S,
//   black -l 79; SQL: pg_format, pg_format -u 2, and sqlfluff's layout and
//   capitalisation rules, the rule set `sqlfluff format` applies in sqlfluff >= 2,
//   run as `sqlfluff fix --rules ...` because Debian's sqlfluff 1.x has no `format`).
//   Counted: pairs the formatter changed, how many keep the semantic checksum
//   (an edit `cosmetic: allow` passes) and which do not, with where the canonical
//   forms first differ.
// - semantic pairs: each file vs. mechanical mutations that change what it does
//   (a string or integer literal, two adjacent statements swapped, a statement
//   deleted, a block's last statement dedented, a keyword argument's True/False,
//   an operator, `NOT NULL` -> `NULL`, a mixed-case quoted identifier unquoted).
//   Kept only when the bytes changed and the result still parses (PostgreSQL's
//   parser; for Python both guard's reading and CPython's compile()). Every one
//   that keeps the semantic checksum is a false cosmetic and is printed with
//   the exact before/after text: the expected count is 0.
//
// Archives are `git archive` tarballs of migration folders (e.g. /work/shared/corpus);
// they are unpacked into a temporary directory that is removed afterwards (--keep
// keeps it). Files: every *.py (read as 'python') and *.sql (read as 'sql').
// Needs black, pg_format (Debian: pgformatter), sqlfluff and python3 on PATH.
//
//   npx tsx bench/replay-cosmetic.mts /path/a.tar.gz [/path/b.tar.gz ...]
//     --per-kind N      mutation sites per kind and file, spread over the file (default 3)
//     --no-sqlfluff     skip the sqlfluff variant (about 0.3-1 s per file)
//     --details N       how many "differs" pairs to print per archive (default 25)
//     --json FILE       write every pair and result as JSON
//     --keep            keep the unpacked and formatted files
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { semanticChecksum } from '../src/shell/semantic-checksums.js';
import { normaliseContent } from '../src/core/checksum.js';
import { sqlCanonicalForm } from '../src/core/semantic/sql-form.js';
import { pythonCanonicalForm } from '../src/core/semantic/python-form.js';

type Language = 'sql' | 'python';

const { values, positionals } = parseArgs({
  options: {
    'per-kind': { type: 'string', default: '3' },
    'no-sqlfluff': { type: 'boolean', default: false },
    details: { type: 'string', default: '25' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/replay-cosmetic.mts ARCHIVE.tar.gz... [--per-kind N] [--no-sqlfluff] [--details N] [--json FILE] [--keep]');
  process.exit(2);
}
const PER_KIND = Number(values['per-kind']);
const DETAILS = Number(values.details);

// sqlfluff 2.x `format` = fix with the layout (LT) and capitalisation (CP) rules; their 1.x codes.
const SQLFLUFF_LAYOUT_RULES = 'L001,L003,L005,L006,L007,L008,L009,L010,L014,L016,L017,L018,L019,L022,L023,L024,L030,L036,L039,L040,L041,L048,L050,L063,L065,L071';

interface Variant {
  name: string;
  language: Language;
  /** Formats every file in `files` in place. */
  run(files: string[], dir: string): { status: number | null; stderr: string };
}

function run(command: string, args: string[], options: { cwd?: string; input?: string; timeout?: number } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: options.timeout ?? 900_000, cwd: options.cwd, input: options.input });
  if (result.error) return { status: null, stdout: '', stderr: String(result.error) };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const VARIANTS: Variant[] = [
  { name: 'black', language: 'python', run: (_f, dir) => run('black', ['-q', '--workers', '2', dir]) },
  { name: 'black -S', language: 'python', run: (_f, dir) => run('black', ['-q', '--workers', '2', '--skip-string-normalization', dir]) },
  { name: 'black -l 79', language: 'python', run: (_f, dir) => run('black', ['-q', '--workers', '2', '-l', '79', dir]) },
  { name: 'pg_format', language: 'sql', run: (files) => run('pg_format', ['-i', ...files]) },
  { name: 'pg_format -u 2', language: 'sql', run: (files) => run('pg_format', ['-i', '-u', '2', ...files]) },
  {
    name: 'sqlfluff layout',
    language: 'sql',
    run: (_f, dir) => {
      // No file-size skip (default: files over 20 kB are skipped), no config from elsewhere.
      const config = path.join(dir, '..', `${path.basename(dir)}.sqlfluff`);
      writeFileSync(config, '[sqlfluff]\nlarge_file_skip_byte_limit = 0\n');
      return run('sqlfluff', ['fix', '-f', '--dialect', 'postgres', '--rules', SQLFLUFF_LAYOUT_RULES, '--config', config, '--processes', '2', '--disable-progress-bar', dir]);
    },
  },
];

// The first call of each language loads its parser (WebAssembly): timed here, before this script loads its own copies.
const firstCallMs: Record<string, number> = {};
for (const [language, text] of [['sql', 'SELECT 1;'], ['python', 'x = 1\n']] as const) {
  const t0 = performance.now();
  await semanticChecksum(language, Buffer.from(text));
  firstCallMs[language] = performance.now() - t0;
}

// ---------- parsers, loaded as src/shell/semantic-checksums.ts loads them (for diagnosis and mutation sites) ----------

const load = createRequire(path.resolve(import.meta.dirname, '../package.json'));
const pgQuery = load('libpg-query') as {
  loadModule(): Promise<void>;
  parseSync(text: string): { stmts?: { stmt?: unknown }[] };
  scanSync(text: string): { tokens: Token[] };
};
await pgQuery.loadModule();
interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordName: string;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;
const { Parser, Language: TsLanguage } = load('@vscode/tree-sitter-wasm');
await Parser.init();
const pyParser = new Parser();
pyParser.setLanguage(await TsLanguage.load(load.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm')));

const DECODE = new TextDecoder('utf-8', { fatal: true });
const textOf = (bytes: Uint8Array) => DECODE.decode(normaliseContent(bytes));

// ---------- files ----------

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

function languageOf(file: string): Language | undefined {
  if (file.endsWith('.py')) return 'python';
  if (file.endsWith('.sql')) return 'sql';
  return undefined;
}

// ---------- mutations ----------

interface Mutation {
  kind: string;
  text: string;
  /** What changed, for the report. */
  at: string;
}

/** Up to PER_KIND items, spread over the list (first, ..., last). */
function spread<T>(items: T[]): T[] {
  if (items.length <= PER_KIND) return items;
  const picked = new Set<number>();
  for (let j = 0; j < PER_KIND; j++) picked.add(Math.round((j * (items.length - 1)) / Math.max(1, PER_KIND - 1)));
  return [...picked].map((i) => items[i]!);
}

/** Replaces ranges (UTF-16 indices for Python, bytes for SQL) in `source`. */
function edit(source: string, edits: [number, number, string][]): string {
  let out = source;
  for (const [from, to, replacement] of [...edits].sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + replacement + out.slice(to);
  return out;
}
function editBytes(source: Buffer, edits: [number, number, string][]): string {
  let out = source;
  for (const [from, to, replacement] of [...edits].sort((a, b) => b[0] - a[0])) out = Buffer.concat([out.subarray(0, from), Buffer.from(replacement), out.subarray(to)]);
  return out.toString('utf8');
}

const oneLine = (text: string, max = 100) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

function sqlMutations(text: string): Mutation[] {
  const bytes = Buffer.from(text);
  const slice = (a: number, b: number) => bytes.subarray(a, b).toString('utf8');
  let tokens: Token[];
  let count: number;
  try {
    tokens = pgQuery.scanSync(text).tokens;
    count = pgQuery.parseSync(text).stmts?.length ?? 0;
  } catch {
    return [];
  }
  const code = tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT');
  // Statements from the tokens: split at `;` outside the parser's statements is what libpg-query does for a plain script.
  const statements: Token[][] = [[]];
  for (const t of code) {
    if (t.text === ';') statements.push([]);
    else statements.at(-1)!.push(t);
  }
  const stmts = statements.filter((s) => s.length > 0);
  if (stmts.length !== count) return []; // e.g. a `;` inside BEGIN ATOMIC: statement ranges unsure, no statement-level mutations
  const range = (s: Token[]): [number, number] => [s[0]!.start, s.at(-1)!.end];
  const out: Mutation[] = [];
  const kw = (t: Token | undefined, word: string) => t !== undefined && t.keywordName !== 'NO_KEYWORD' && t.text.toUpperCase() === word;

  for (const t of spread(code.filter((t) => t.tokenName === 'SCONST'))) {
    const open = t.text.startsWith('$') ? /^\$[^$]*\$/.exec(t.text)![0].length : t.text.indexOf("'") + 1;
    out.push({ kind: 'string', text: editBytes(bytes, [[t.start + open, t.start + open, 'x']]), at: `${oneLine(t.text, 50)} -> +x` });
  }
  for (const t of spread(code.filter((t) => t.tokenName === 'ICONST' && /^\d+$/.test(t.text)))) {
    out.push({ kind: 'integer', text: editBytes(bytes, [[t.start, t.end, String(BigInt(t.text) + 1n)]]), at: `${t.text} -> ${BigInt(t.text) + 1n}` });
  }
  const pairs = stmts.slice(1).map((s, i) => [stmts[i]!, s] as const).filter(([a, b]) => slice(...range(a)) !== slice(...range(b)));
  for (const [a, b] of spread(pairs)) {
    const [a0, a1] = range(a);
    const [b0, b1] = range(b);
    out.push({ kind: 'swap', text: editBytes(bytes, [[a0, a1, slice(b0, b1)], [b0, b1, slice(a0, a1)]]), at: `swap "${oneLine(slice(a0, a1), 50)}" / "${oneLine(slice(b0, b1), 50)}"` });
  }
  for (const s of spread(stmts)) {
    const [s0, s1] = range(s);
    const semicolon = code.find((t) => t.start >= s1 && t.text === ';');
    const end = semicolon && !code.some((t) => t.start >= s1 && t.start < semicolon.start) ? semicolon.end : s1;
    out.push({ kind: 'delete', text: editBytes(bytes, [[s0, end, '']]), at: `delete "${oneLine(slice(s0, s1), 60)}"` });
  }
  // `=` -> `<>`: after a WHERE in the same statement first, else any `=`.
  const equals: Token[] = [];
  for (const s of stmts) {
    const where = s.findIndex((t) => kw(t, 'WHERE'));
    if (where >= 0) equals.push(...s.slice(where).filter((t) => t.text === '='));
  }
  const ops = equals.length > 0 ? equals : code.filter((t) => t.text === '=');
  for (const t of spread(ops)) out.push({ kind: equals.length > 0 ? 'operator (WHERE =)' : 'operator (=)', text: editBytes(bytes, [[t.start, t.end, '<>']]), at: `= -> <> at byte ${t.start}` });
  const notNull = code.filter((t, i) => kw(t, 'NOT') && kw(code[i + 1], 'NULL'));
  for (const t of spread(notNull)) {
    const next = code[code.indexOf(t) + 1]!;
    out.push({ kind: 'NOT NULL -> NULL', text: editBytes(bytes, [[t.start, next.start, '']]), at: `NOT NULL at byte ${t.start}` });
  }
  const quoted = code.filter((t) => t.tokenName === 'IDENT' && /^"[A-Za-z_][A-Za-z0-9_]*"$/.test(t.text) && /[A-Z]/.test(t.text));
  for (const t of spread(quoted)) out.push({ kind: 'unquote Mixed', text: editBytes(bytes, [[t.start, t.end, t.text.slice(1, -1)]]), at: `${t.text} -> ${t.text.slice(1, -1)}` });
  return out;
}

function descendants(node: Node, type: string | string[]): Node[] {
  return (node.descendantsOfType(type) as Node[]).filter(Boolean);
}
const significantStatements = (block: Node): Node[] => (block.namedChildren as Node[]).filter((c) => c && c.type !== 'comment');
function isDocstring(statement: Node): boolean {
  if (statement?.type !== 'expression_statement') return false;
  const parent = statement.parent;
  if (!parent || (parent.type !== 'module' && parent.type !== 'block')) return false;
  if (parent.type === 'block' && !['function_definition', 'class_definition'].includes(parent.parent?.type)) return false;
  if (significantStatements(parent)[0]?.id !== statement.id) return false;
  const inner = (statement.namedChildren as Node[]).filter(Boolean);
  return inner.length === 1 && (inner[0].type === 'string' || inner[0].type === 'concatenated_string');
}
const lineStart = (source: string, index: number) => source.lastIndexOf('\n', index - 1) + 1;
const lineEnd = (source: string, index: number) => {
  const end = source.indexOf('\n', index);
  return end === -1 ? source.length : end + 1;
};

function pythonMutations(text: string): Mutation[] {
  const source = text.replace(/\r/g, '\n');
  const tree = pyParser.parse(source);
  if (!tree) return [];
  try {
    const root = tree.rootNode;
    if (root.hasError) return [];
    const out: Mutation[] = [];
    const inDocstring = (node: Node) => {
      for (let n = node; n; n = n.parent) if (n.type === 'expression_statement') return isDocstring(n);
      return false;
    };
    for (const s of spread(descendants(root, 'string').filter((s) => !inDocstring(s) && s.parent?.type !== 'interpolation'))) {
      const start = (s.children as Node[]).find((c) => c?.type === 'string_start');
      if (!start) continue;
      out.push({ kind: 'string', text: edit(source, [[start.endIndex, start.endIndex, 'x']]), at: `${oneLine(s.text, 50)} -> +x` });
    }
    for (const n of spread(descendants(root, 'integer').filter((n) => /^(?:0|[1-9][0-9]*)$/.test(n.text)))) {
      out.push({ kind: 'integer', text: edit(source, [[n.startIndex, n.endIndex, String(BigInt(n.text) + 1n)]]), at: `${n.text} -> ${BigInt(n.text) + 1n} (line ${n.startPosition.row + 1})` });
    }
    // Statement lists: function bodies (upgrade()/downgrade() first), and Django's `operations = [...]` elements.
    const bodies = descendants(root, 'function_definition').map((f) => ({ name: f.childForFieldName('name')?.text as string, block: f.childForFieldName('body') }));
    bodies.sort((a, b) => Number(!/^(up|down)grade$/.test(a.name)) - Number(!/^(up|down)grade$/.test(b.name)));
    const lists: { what: string; items: Node[]; statements: boolean }[] = bodies.filter((b) => b.block).map((b) => ({ what: `${b.name}()`, items: significantStatements(b.block).filter((s) => !isDocstring(s)), statements: true }));
    for (const a of descendants(root, 'assignment')) {
      if (a.childForFieldName('left')?.text === 'operations' && a.childForFieldName('right')?.type === 'list') {
        lists.push({ what: 'operations', items: (a.childForFieldName('right').namedChildren as Node[]).filter((c) => c && c.type !== 'comment'), statements: false });
      }
    }
    const swaps = lists.flatMap((l) => l.items.slice(1).map((b, i) => ({ l, a: l.items[i]!, b }))).filter(({ a, b }) => a.text !== b.text);
    for (const { l, a, b } of spread(swaps)) {
      // Statements on their own lines only (a `;` line would need its indentation checked).
      if (l.statements && (source.slice(lineStart(source, a.startIndex), a.startIndex).trim() || source.slice(lineStart(source, b.startIndex), b.startIndex).trim())) continue;
      out.push({ kind: 'swap', text: edit(source, [[a.startIndex, a.endIndex, b.text], [b.startIndex, b.endIndex, a.text]]), at: `${l.what}: swap "${oneLine(a.text, 50)}" / "${oneLine(b.text, 50)}"` });
    }
    const deletable = lists.flatMap((l) => (l.items.length >= 2 ? l.items.map((s, i) => ({ l, s, i })) : []));
    for (const { l, s, i } of spread(deletable)) {
      let from: number;
      let to: number;
      if (l.statements) {
        from = lineStart(source, s.startIndex);
        to = lineEnd(source, s.endIndex);
        if (source.slice(from, s.startIndex).trim() || source.slice(s.endIndex, to).trim().replace(/^#.*/, '')) continue;
      } else {
        // A list element and the comma after it (before it, for the last one).
        const next = s.nextSibling?.type === ',' ? s.nextSibling : null;
        from = next ? s.startIndex : l.items[i - 1]!.endIndex;
        to = next ? next.endIndex : s.endIndex;
      }
      out.push({ kind: 'delete', text: edit(source, [[from, to, '']]), at: `${l.what}: delete "${oneLine(s.text, 60)}"` });
    }
    // Dedent the last statement of a block (of 2 or more statements) to its header's indentation.
    const dedents: { block: Node; last: Node; inner: string; outer: string }[] = [];
    for (const block of descendants(root, 'block')) {
      const statements = significantStatements(block);
      const last = statements.at(-1);
      if (statements.length < 2 || !last || last.startPosition.row === block.startPosition.row) continue;
      const header = block.parent;
      if (header?.nextSibling && ['elif_clause', 'else_clause', 'except_clause', 'finally_clause'].includes(header.nextSibling.type)) continue;
      if (['elif_clause', 'else_clause', 'except_clause', 'finally_clause'].includes(header?.type) && header.nextSibling && ['elif_clause', 'else_clause', 'except_clause', 'finally_clause'].includes(header.nextSibling.type)) continue;
      const inner = source.slice(lineStart(source, last.startIndex), last.startIndex);
      const outer = source.slice(lineStart(source, header.startIndex), header.startIndex);
      if (/\S/.test(inner) || /\S/.test(outer) || !inner.startsWith(outer) || inner === outer) continue;
      dedents.push({ block, last, inner, outer });
    }
    for (const { last, inner, outer } of spread(dedents)) {
      const from = lineStart(source, last.startIndex);
      const to = lineEnd(source, last.endIndex);
      const lines = source.slice(from, to).split('\n').map((line) => (line.startsWith(inner) ? outer + line.slice(inner.length) : line));
      out.push({ kind: 'dedent', text: edit(source, [[from, to, lines.join('\n')]]), at: `dedent line ${last.startPosition.row + 1} "${oneLine(last.text, 60)}"` });
    }
    const kwargs = descendants(root, 'keyword_argument').filter((k) => ['true', 'false'].includes(k.childForFieldName('value')?.type));
    const nullable = kwargs.filter((k) => /^(?:nullable|null)$/.test(k.childForFieldName('name')?.text));
    for (const [kind, list] of [['kwarg nullable/null', nullable], ['kwarg True/False', kwargs.filter((k) => !nullable.includes(k))]] as const) {
      for (const k of spread(list)) {
        const v = k.childForFieldName('value');
        const flipped = v.type === 'true' ? 'False' : 'True';
        out.push({ kind, text: edit(source, [[v.startIndex, v.endIndex, flipped]]), at: `${oneLine(k.text, 40)} -> ${flipped} (line ${k.startPosition.row + 1})` });
      }
    }
    const ops: Node[] = [];
    for (const c of descendants(root, ['comparison_operator', 'boolean_operator'])) for (const child of c.children as Node[]) if (child && ['==', '!=', 'and', 'or'].includes(child.type)) ops.push(child);
    const flip: Record<string, string> = { '==': '!=', '!=': '==', and: 'or', or: 'and' };
    for (const o of spread(ops)) out.push({ kind: 'operator', text: edit(source, [[o.startIndex, o.endIndex, flip[o.type]!]]), at: `${o.type} -> ${flip[o.type]} (line ${o.startPosition.row + 1})` });
    return out;
  } finally {
    tree.delete();
  }
}

/** CPython's verdict on each source: null when it compiles. One process for the lot. */
function pythonCompiles(sources: string[]): (string | null)[] {
  if (sources.length === 0) return [];
  const script = [
    'import sys, json, warnings',
    "warnings.simplefilter('ignore')",
    'out = []',
    'for s in json.load(sys.stdin):',
    '    try:',
    "        compile(s, 'migration.py', 'exec'); out.append(None)",
    '    except Exception as e:',
    '        out.append(type(e).__name__ + ": " + str(e)[:150])',
    'print(json.dumps(out))',
  ].join('\n');
  const result = run('python3', ['-c', script], { input: JSON.stringify(sources) });
  if (result.status !== 0) throw new Error(`python3 compile check failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// ---------- diagnosis: where two canonical forms first differ ----------

function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const d = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${at}[${key}]` : `${at}.${key}`);
      if (d) return d;
    }
  }
  const show = (v: unknown) => oneLine(JSON.stringify(v) ?? 'undefined', 140);
  return `${at}: ${show(a)}  vs  ${show(b)}`;
}

function why(language: Language, before: string, after: string): string {
  try {
    if (language === 'sql') {
      const form = (t: string) => JSON.parse(sqlCanonicalForm(t.trim() === '' ? {} : (pgQuery.parseSync(t) as never), t.trim() === '' ? [] : (pgQuery.scanSync(t).tokens as never), t));
      const [a, b] = [form(before), form(after)];
      const parts = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      return `differs in ${parts.join(', ')}; first: ${firstDifference(a[parts[0]!], b[parts[0]!], parts[0])}`;
    }
    const form = (t: string) => {
      const tree = pyParser.parse(t.replace(/\r/g, '\n'));
      try {
        return pythonCanonicalForm(tree.rootNode).split('\n');
      } finally {
        tree.delete();
      }
    };
    const [a, b] = [form(before), form(after)];
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `canonical form line ${i}: ${oneLine(a.slice(i, i + 3).join(' '), 120)}  vs  ${oneLine(b.slice(i, i + 3).join(' '), 120)}`;
  } catch (error) {
    return `no canonical form: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The changed region of two texts with a little context, for the report. */
function changedRegion(before: string, after: string, context = 60): string {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  const from = Math.max(0, p - context);
  return `before: ${JSON.stringify(before.slice(from, before.length - s + context))}\n      after:  ${JSON.stringify(after.slice(from, after.length - s + context))}`;
}

// ---------- per archive ----------

interface Row {
  archive: string;
  language: Language;
  files: number;
  unreadable: number;
  checksumMs: number[];
  formatter: Record<string, { changed: number; equal: number; differs: number; skipped: number; seconds: number }>;
  mutations: number;
  mutationsDropped: number;
  controls: number;
  controlsEqual: number;
  byKind: Record<string, number>;
  falseCosmetic: number;
}

const rows: Row[] = [];
const details: unknown[] = [];
const falseCosmetics: string[] = [];
const unreadableNotes: string[] = [];
async function checksumOf(language: Language, text: string | Uint8Array): Promise<{ checksum?: string; unreadable?: string }> {
  return semanticChecksum(language, typeof text === 'string' ? Buffer.from(text) : text);
}

for (const archive of positionals) {
  const name = path.basename(archive).replace(/\.tar\.gz$|\.tgz$/, '');
  const work = mkdtempSync(path.join(tmpdir(), `replay-${name}-`));
  try {
    const unpacked = path.join(work, 'src');
    mkdirSync(unpacked);
    const tar = run('tar', ['-xzf', path.resolve(archive), '-C', unpacked]);
    if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
    const all = walk(unpacked).filter((f) => languageOf(f) !== undefined);
    for (const language of ['python', 'sql'] as const) {
      const files = all.filter((f) => languageOf(f) === language);
      if (files.length === 0) continue;
      const row: Row = { archive: name, language, files: files.length, unreadable: 0, checksumMs: [], formatter: {}, mutations: 0, mutationsDropped: 0, controls: 0, controlsEqual: 0, byKind: {}, falseCosmetic: 0 };
      rows.push(row);
      const rel = (f: string) => path.relative(unpacked, f);
      const originals = files.map((f) => readFileSync(f));
      const readings: { checksum?: string; unreadable?: string }[] = [];
      for (const [i, bytes] of originals.entries()) {
        const t0 = performance.now();
        const reading = await checksumOf(language, bytes);
        const ms = performance.now() - t0;
        row.checksumMs.push(ms);
        readings.push(reading);
        if (reading.unreadable) {
          row.unreadable++;
          unreadableNotes.push(`${name} ${rel(files[i]!)}: ${reading.unreadable}`);
        }
      }

      // Cosmetic pairs: every variant formats a flat copy of the files in one process.
      let printed = 0;
      for (const variant of VARIANTS.filter((v) => v.language === language)) {
        if (variant.name.startsWith('sqlfluff') && values['no-sqlfluff']) continue;
        const dir = path.join(work, variant.name.replace(/\W+/g, '_'));
        mkdirSync(dir);
        const copies = files.map((f, i) => path.join(dir, `${String(i).padStart(4, '0')}${path.extname(f)}`));
        copies.forEach((c, i) => writeFileSync(c, originals[i]!));
        const t0 = performance.now();
        const result = variant.run(copies, dir);
        const stats = { changed: 0, equal: 0, differs: 0, skipped: 0, seconds: (performance.now() - t0) / 1000 };
        row.formatter[variant.name] = stats;
        if (result.status === null) {
          console.error(`${name}: ${variant.name} did not finish: ${result.stderr.slice(0, 300)}`);
          continue;
        }
        for (const [i, copy] of copies.entries()) {
          if (readings[i]!.unreadable) {
            stats.skipped++;
            continue;
          }
          const formatted = readFileSync(copy);
          if (formatted.equals(originals[i]!)) continue;
          stats.changed++;
          const reading = await checksumOf(language, formatted);
          if (reading.checksum === readings[i]!.checksum) {
            stats.equal++;
            continue;
          }
          stats.differs++;
          const before = textOf(originals[i]!);
          const after = formatted.toString('utf8');
          const reason = reading.unreadable ? `formatted file unreadable: ${reading.unreadable}` : why(language, before, after);
          details.push({ archive: name, variant: variant.name, file: rel(files[i]!), reason });
          if (printed++ < DETAILS) console.log(`  [${name} ${variant.name}] ${rel(files[i]!)}\n      ${reason}`);
        }
      }

      // Controls: a comment line added at the end is cosmetic, so every one must keep the checksum (shows the comparison can say "equal").
      for (const [i, bytes] of originals.entries()) {
        if (readings[i]!.unreadable) continue;
        const controlled = `${textOf(bytes).replace(/\s*$/, '')}\n${language === 'sql' ? '--' : '#'} replay control\n`;
        row.controls++;
        if ((await checksumOf(language, controlled)).checksum === readings[i]!.checksum) row.controlsEqual++;
        else console.log(`  [${name} control] ${rel(files[i]!)}: a comment line at the end changed the checksum`);
      }

      // Semantic pairs.
      const candidates: { file: number; m: Mutation }[] = [];
      for (const [i, bytes] of originals.entries()) {
        if (readings[i]!.unreadable) continue;
        const text = textOf(bytes);
        for (const m of language === 'sql' ? sqlMutations(text) : pythonMutations(text)) {
          candidates.push({ file: i, m });
        }
      }
      const verdicts = language === 'python' ? pythonCompiles(candidates.map((c) => c.m.text)) : candidates.map(() => null);
      for (const [j, { file, m }] of candidates.entries()) {
        const original = textOf(originals[file]!);
        if (Buffer.from(m.text).equals(originals[file]!) || m.text === original) {
          row.mutationsDropped++;
          continue;
        }
        const reading = await checksumOf(language, m.text);
        if (reading.unreadable || verdicts[j]) {
          row.mutationsDropped++;
          continue;
        }
        row.mutations++;
        row.byKind[m.kind] = (row.byKind[m.kind] ?? 0) + 1;
        const equal = reading.checksum === readings[file]!.checksum;
        details.push({ archive: name, mutation: m.kind, file: rel(files[file]!), at: m.at, equal });
        if (equal) {
          row.falseCosmetic++;
          falseCosmetics.push(`${name} ${rel(files[file]!)} [${m.kind}] ${m.at}\n      ${changedRegion(original, m.text)}`);
        }
      }
    }
  } finally {
    if (values.keep) console.error(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

// ---------- report ----------

const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[s.length >> 1]! : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2;
};
console.log('\nCosmetic pairs (original vs formatter output; "changed" = the formatter changed the bytes)');
console.log(['archive', 'lang', 'files', 'unreadable', 'formatter', 'changed', 'cosmetic-equal', 'differs', 'fmt s'].join('\t'));
for (const r of rows) {
  for (const [v, s] of Object.entries(r.formatter)) {
    console.log([r.archive, r.language, r.files, r.unreadable, v, s.changed, `${s.equal} (${pct(s.equal, s.changed)})`, s.differs, s.seconds.toFixed(1)].join('\t'));
  }
}
console.log('\nSemantic pairs (mechanical mutations that still parse and changed the bytes; false-cosmetic must be 0)');
console.log(['archive', 'lang', 'mutations', 'dropped (no parse/no change)', 'false-cosmetic', 'controls equal', 'by kind'].join('\t'));
for (const r of rows) console.log([r.archive, r.language, r.mutations, r.mutationsDropped, r.falseCosmetic, `${r.controlsEqual}/${r.controls}`, Object.entries(r.byKind).map(([k, n]) => `${k}:${n}`).join(' ')].join('\t'));
console.log('\nsemanticChecksum time per file (original files, after the first call)');
console.log(['archive', 'lang', 'median ms', 'mean ms', 'max ms'].join('\t'));
for (const r of rows) console.log([r.archive, r.language, median(r.checksumMs).toFixed(2), (r.checksumMs.reduce((a, b) => a + b, 0) / Math.max(1, r.checksumMs.length)).toFixed(2), Math.max(0, ...r.checksumMs).toFixed(1)].join('\t'));
console.log(`first call of the process (loads the parser): ${Object.entries(firstCallMs).map(([l, ms]) => `${l} ${ms.toFixed(0)} ms`).join(', ')}`);
if (unreadableNotes.length) console.log(`\nUnreadable originals:\n  ${unreadableNotes.join('\n  ')}`);
console.log(`\nFalse cosmetics: ${falseCosmetics.length}`);
for (const f of falseCosmetics) console.log(`  ${f}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ rows, details, falseCosmetics, unreadableNotes }, null, 1));
