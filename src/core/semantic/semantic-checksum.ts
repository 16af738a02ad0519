import { hash } from 'node:crypto';
import type { Tool } from '../migrations/types.js';

/**
 * Name and version of the semantic checksum (README, "Cosmetic edits"),
 * pinned in a lockfile that records it. It names the canonical forms
 * (sql-form.ts, python-form.ts) and the parsers they read: PostgreSQL 18's
 * grammar (libpg-query 18) and tree-sitter-python (as @vscode/tree-sitter-wasm
 * 0.3 builds it). A change of either that can change a form is a new
 * version; guard then ignores checksums recorded under the old one and
 * reads the sealed files again.
 */
export const SEMANTIC_ALGORITHM = 'guard-semantic/1';

/** The languages whose files have a semantic checksum. */
export type SemanticLanguage = 'sql' | 'python';

/**
 * The language of a migration file whose meaning guard can read, for the
 * tools whose sets may allow cosmetic edits (their `setKeys` hold
 * `cosmetic`): their runners apply a file by what it says and keep no
 * checksum of its bytes, unlike Flyway, Prisma or Drizzle.
 */
export function semanticLanguage(tool: Tool, file: string): SemanticLanguage | undefined {
  if (tool === 'sql' && file.toLowerCase().endsWith('.sql')) return 'sql';
  if (tool === 'alembic' && file.endsWith('.py')) return 'python';
  return undefined;
}

/** The semantic checksum (64 hex digits) of a canonical form. */
export function semanticDigest(language: SemanticLanguage, form: string): string {
  return hash('sha256', `${SEMANTIC_ALGORITHM}\0${language}\0${form}`, 'hex');
}
