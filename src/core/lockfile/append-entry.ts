import { extendChain } from './chain-digest.js';
import { entryLine } from './serialize-lockfile.js';
import type { LockEntry } from './types.js';
import { yamlList, yamlScalar } from './yaml-scalar.js';

/**
 * The lockfile text with one migration appended at the end of the set `dir`
 * as its new single head: one new line, the heads line and the chain line
 * rewritten, the chain extended by one hash. Byte for byte what `guard lock`
 * would write for the same files, in a fraction of the time, which is what
 * a pre-commit hook on a 10,000-migration repository needs.
 *
 * Undefined when the text is not in the shape this edit assumes (not
 * canonical, an empty set, repeatable scripts that must stay last): the
 * caller then relocks in full.
 */
export function appendEntry(text: string, dir: string, tool: string, entry: LockEntry): string | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(`  - dir: ${yamlScalar(dir, false)}`);
  if (start === -1) return undefined;
  if (lines[start + 1] !== `    tool: ${yamlScalar(tool, false)}`) return undefined;
  const headsAt = start + 2;
  const chainAt = start + 3;
  if (!lines[headsAt]?.startsWith('    heads: [') || lines[start + 4] !== '    migrations:') return undefined;
  const chain = /^ {4}chain: sha256:([0-9a-f]{64})$/.exec(lines[chainAt] ?? '');
  if (!chain) return undefined;
  let end = start + 5;
  while (lines[end]?.startsWith('      - {')) {
    if (lines[end]!.includes(', repeatable: true}')) return undefined;
    end++;
  }
  if (end === start + 5) return undefined;
  lines[headsAt] = `    heads: ${yamlList([entry.id])}`;
  lines[chainAt] = `    chain: sha256:${extendChain(chain[1]!, entry)}`;
  lines.splice(end, 0, `      - ${entryLine(entry)}`);
  return lines.join('\n');
}

/**
 * The lines of the set `dir` that an append reads: its tool, heads and last
 * entry line, as a small lockfile text of their own (so the one parser reads
 * them). Undefined when the set is not found in canonical shape.
 */
export function setTail(text: string, dir: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(`  - dir: ${yamlScalar(dir, false)}`);
  if (start === -1 || lines[start + 4] !== '    migrations:') return undefined;
  let end = start + 5;
  while (lines[end]?.startsWith('      - {')) end++;
  if (end === start + 5) return undefined;
  const header = ['lockfile: 1', `algorithm: ${lines.find((line) => line.startsWith('algorithm: '))?.slice(11) ?? ''}`, 'sets:'];
  return [...header, ...lines.slice(start, start + 5), lines[end - 1], 'amendments: []', ''].join('\n');
}
