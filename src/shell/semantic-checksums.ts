/**
 * Semantic checksums of migration files (README, "Cosmetic edits"): the
 * parsers load here, lazily and once per process, so a command that never
 * meets an edited sealed file under `cosmetic: allow` never loads them.
 * PostgreSQL's parser is libpg-query (the server's parser compiled to
 * WebAssembly, https://github.com/launchql/libpg-query-node); Python's is
 * tree-sitter-python in WebAssembly, as @vscode/tree-sitter-wasm builds it
 * (no install script, no native module).
 */
import { createRequire } from 'node:module';
import { normaliseContent } from '../core/checksum.js';
import { pythonCanonicalForm, type PythonSyntaxNode } from '../core/semantic/python-form.js';
import { semanticDigest, type SemanticLanguage } from '../core/semantic/semantic-checksum.js';
import { sqlCanonicalForm, type SqlParseResult, type SqlScanToken } from '../core/semantic/sql-form.js';

/** A file's semantic checksum, or why it has none (it then counts as changed in meaning). */
export type SemanticReading = { checksum: string } | { unreadable: string };

interface SqlParser {
  parseSync(text: string): SqlParseResult;
  scanSync(text: string): { tokens: SqlScanToken[] };
}

interface PythonParser {
  parse(text: string): { rootNode: PythonSyntaxNode & { hasError: boolean }; delete(): void } | null;
}

let sqlParser: Promise<SqlParser> | undefined;
let pythonParser: Promise<PythonParser> | undefined;

/*
 * Both packages are CommonJS and are loaded with `require`: an `import()`
 * would start Node's ES module loader in the hooks' bundle, the start-up
 * cost scripts/bundle-cli.mjs avoids.
 */
const load = createRequire(import.meta.url);

function loadSqlParser(): Promise<SqlParser> {
  sqlParser ??= (async () => {
    const library = load('libpg-query') as SqlParser & { loadModule(): Promise<void> };
    await library.loadModule();
    return library;
  })();
  return sqlParser;
}

function loadPythonParser(): Promise<PythonParser> {
  pythonParser ??= (async () => {
    const { Parser, Language } = load('@vscode/tree-sitter-wasm') as TreeSitter;
    await Parser.init();
    const wasm = load.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm');
    const python = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(python);
    return parser as unknown as PythonParser;
  })();
  return pythonParser;
}

interface TreeSitter {
  Parser: { init(): Promise<void>; new (): { setLanguage(language: unknown): void } };
  Language: { load(path: string): Promise<unknown> };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The semantic checksum of a migration's bytes (as git holds them; a BOM
 * and CRLF line ends are read as the content checksum reads them). A file
 * that is not UTF-8, holds a NUL, or that the parser cannot read (or reads
 * where Python might not) has none: whether an edit of it changed what it
 * does cannot be told, so it did.
 */
export async function semanticChecksum(language: SemanticLanguage, bytes: Uint8Array): Promise<SemanticReading> {
  let text: string;
  try {
    text = UTF8.decode(normaliseContent(bytes));
  } catch {
    return { unreadable: 'it is not UTF-8 text' };
  }
  // A NUL ends the text for PostgreSQL's parser (a C string) and Python refuses it: what follows would go unread.
  if (text.includes('\0')) return { unreadable: 'it holds a NUL character' };
  if (language === 'sql') {
    const parser = await loadSqlParser();
    try {
      // libpg-query refuses an empty text; it holds no statement.
      const [parsed, tokens] = text.trim() === '' ? [{}, []] : [parser.parseSync(text), parser.scanSync(text).tokens];
      return { checksum: semanticDigest('sql', sqlCanonicalForm(parsed, tokens, text)) };
    } catch (error) {
      return { unreadable: `PostgreSQL's parser cannot read it (${message(error)})` };
    }
  }
  // Python reads a lone carriage return as a line end (universal newlines), in a string literal too.
  const source = text.replace(/\r/g, '\n');
  const parser = await loadPythonParser();
  const tree = parser.parse(source);
  if (!tree) return { unreadable: "Python's parser cannot read it" };
  try {
    if (tree.rootNode.hasError) return { unreadable: 'it is not valid Python (a syntax error)' };
    return { checksum: semanticDigest('python', pythonCanonicalForm(tree.rootNode, source)) };
  } catch (error) {
    return { unreadable: `it may not be valid Python: ${message(error)}` };
  } finally {
    tree.delete();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
