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

function loadSqlParser(): Promise<SqlParser> {
  sqlParser ??= (async () => {
    const library = await import('libpg-query');
    await library.loadModule();
    return library as unknown as SqlParser;
  })();
  return sqlParser;
}

function loadPythonParser(): Promise<PythonParser> {
  pythonParser ??= (async () => {
    const library = (await import('@vscode/tree-sitter-wasm')) as unknown as { default?: TreeSitter } & TreeSitter;
    const { Parser, Language } = library.default ?? library;
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm');
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
 * that is not UTF-8 or that the parser cannot read has none: whether an
 * edit of it changed what it does cannot be told, so it did.
 */
export async function semanticChecksum(language: SemanticLanguage, bytes: Uint8Array): Promise<SemanticReading> {
  let text: string;
  try {
    text = UTF8.decode(normaliseContent(bytes));
  } catch {
    return { unreadable: 'it is not UTF-8 text' };
  }
  if (language === 'sql') {
    const parser = await loadSqlParser();
    try {
      return { checksum: semanticDigest('sql', sqlCanonicalForm(parser.parseSync(text), parser.scanSync(text).tokens)) };
    } catch (error) {
      return { unreadable: `PostgreSQL's parser cannot read it (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  const parser = await loadPythonParser();
  const tree = parser.parse(text);
  if (!tree) return { unreadable: "Python's parser cannot read it" };
  try {
    if (tree.rootNode.hasError) return { unreadable: 'it is not valid Python (a syntax error)' };
    return { checksum: semanticDigest('python', pythonCanonicalForm(tree.rootNode)) };
  } finally {
    tree.delete();
  }
}
