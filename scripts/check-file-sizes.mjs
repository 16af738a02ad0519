#!/usr/bin/env node
// Source files stay small enough to read in one sitting (docs/ARCHITECTURE.md,
// "Smaller rooms"): a module under src/ longer than 400 lines says why on its
// first line, `// Over 400 lines: <why>.`, so the length is a decision someone
// made and a reviewer can question, not an accident.
//
// Usage: node scripts/check-file-sizes.mjs [--root DIR]; exit 1 naming each
// file that is too long without a reason, or that gives one it no longer needs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIMIT = 400;
const REASON = /^\/\/ Over 400 lines: \S.*$/;

const rootAt = process.argv.indexOf('--root');
const root = rootAt === -1 ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..') : path.resolve(process.argv[rootAt + 1]);

const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
  }
};
walk(path.join(root, 'src'));

const problems = [];
for (const file of files.sort()) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  const reasoned = REASON.test(lines[0] ?? '');
  const name = path.relative(root, file);
  if (count > LIMIT && !reasoned) problems.push(`${name}: ${count} lines: split it by job, or say why it is one module on line 1: // Over 400 lines: <why>.`);
  if (count <= LIMIT && reasoned) problems.push(`${name}: ${count} lines, yet line 1 says it is over ${LIMIT}: remove that line`);
}
for (const problem of problems) console.error(problem);
console.error(`check-file-sizes: ${files.length} files, ${problems.length} problem(s)`);
process.exitCode = problems.length === 0 ? 0 : 1;
