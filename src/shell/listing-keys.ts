// What the listing of migration dirs says without being parsed: the digest
// its memos are keyed on, whether a digest can vouch for it, and the
// `.gitattributes` files among its files (README, "Performance").
import { createHash } from 'node:crypto';
import { splitNul } from './git/run-git.js';

const MODE_SYMLINK = '120000';

/**
 * Whether git's listing holds a symlink (a record that starts with mode
 * 120000): the content guard reads for it is its target's, which may lie
 * outside the listed dirs, so the listing's digest cannot vouch for it.
 */
export function holdsSymlink(output: Buffer): boolean {
  for (let at = output.indexOf(`${MODE_SYMLINK} `); at !== -1; at = output.indexOf(`${MODE_SYMLINK} `, at + 1)) {
    if (at === 0 || output[at - 1] === 0) return true;
  }
  return false;
}

/** The digest of git's listing in its context (the source, the dirs asked for, which of them exist). */
export function digest(context: string, output: Buffer): string {
  return createHash('sha256').update(context).update('\0').update(output).digest('hex');
}

export const ATTRIBUTES = '.gitattributes';

/**
 * Paths of the files called `name` in git's `-z` listings, whatever their
 * record shape: the path follows a tab (ls-files -s, ls-tree), two
 * characters (ls-files -t) or nothing. Most listings hold none, found by
 * one search of the bytes.
 */
export function filesNamed(name: string, ...outputs: Buffer[]): string[] {
  const found = new Set<string>();
  for (const output of outputs) {
    if (output.indexOf(name) === -1) continue;
    for (const record of splitNul(output)) {
      const tab = record.indexOf('\t');
      const file = tab !== -1 ? record.slice(tab + 1) : /^[?HSMRCK] /.test(record) ? record.slice(2) : record;
      if (file === name || file.endsWith(`/${name}`)) found.add(file);
    }
  }
  return [...found];
}
