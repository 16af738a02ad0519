import type { Finding } from '../findings/findings.js';

/** A `.gitattributes` file as the source holds it. */
export interface AttributesFile {
  /** Repository-relative path (`.gitattributes`, `db/.gitattributes`). */
  path: string;
  text: string;
}

/**
 * Attributes that make git write other bytes to the work tree than it
 * stores (https://git-scm.com/docs/gitattributes): `working-tree-encoding`
 * re-encodes the file at every checkout, `ident` expands `$Id$`. guard checks
 * what git stores; a migration tool runs what a checkout holds. Line-ending
 * attributes (`text`, `eol`, `crlf`) are left out: the content checksum reads
 * CRLF as LF.
 */
const REWRITING = /^(?:working-tree-encoding=(.+)|ident)$/;

/**
 * The migration files whose checkout differs from what git holds, because a
 * `.gitattributes` line gives them an attribute that rewrites content: a
 * sealed file would run as other bytes than the ones sealed, with nothing
 * changed in git. Conservative: a line that sets such an attribute counts
 * even when a later line unsets it. Macros (`[attr]name ...`, defined in the
 * top-level file) are expanded. Pure: the files' texts in, findings out.
 *
 * @param migrations repository-relative paths of every migration file (and down script)
 */
export function checkoutRewrites(files: readonly AttributesFile[], migrations: readonly string[]): Finding[] {
  const macros = new Map<string, string[]>();
  for (const file of files) {
    if (file.path !== '.gitattributes') continue;
    for (const line of file.text.split('\n')) {
      const macro = /^\s*\[attr\](\S+)\s+(.*)$/.exec(line);
      if (macro) macros.set(macro[1]!, macro[2]!.trim().split(/\s+/));
    }
  }
  const expand = (attributes: readonly string[], depth = 0): string[] =>
    attributes.flatMap((attribute) => {
      const macro = depth < 8 ? macros.get(attribute) : undefined;
      return macro ? [attribute, ...expand(macro, depth + 1)] : [attribute];
    });

  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const file of files) {
    const base = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/') + 1) : '';
    file.text.split('\n').forEach((raw, index) => {
      const line = raw.replace(/\r$/, '').trim();
      if (line === '' || line.startsWith('#') || line.startsWith('[attr]')) return;
      const [pattern, ...attributes] = splitAttributesLine(line);
      if (!pattern) return;
      const rewriting = expand(attributes).find((attribute) => {
        const match = REWRITING.exec(attribute);
        return match !== null && (match[1] === undefined || !/^utf-?8$/i.test(match[1]));
      });
      if (!rewriting) return;
      const matches = patternMatcher(pattern, base);
      for (const migration of migrations) {
        if (reported.has(migration) || !matches(migration)) continue;
        reported.add(migration);
        findings.push({
          code: 'checkout-rewritten',
          exitCode: 1,
          set: '.',
          file: migration,
          message: `${file.path}:${index + 1} gives ${migration} \`${rewriting}\`, so every checkout holds other bytes than the ones git stores and guard checks: a migration tool would run content nobody sealed`,
          fix: `remove that attribute for migration files (keep them as UTF-8 text, without $Id$ expansion) in ${file.path}`,
        });
      }
    });
  }
  return findings;
}

/** A line's pattern (which may be quoted, C-style) and its attributes. */
function splitAttributesLine(line: string): string[] {
  if (!line.startsWith('"')) return line.split(/\s+/);
  let end = 1;
  while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
  let pattern: string;
  try {
    pattern = JSON.parse(line.slice(0, end + 1)) as string;
  } catch {
    pattern = line.slice(1, end);
  }
  return [pattern, ...line.slice(end + 1).trim().split(/\s+/).filter(Boolean)];
}

/**
 * A gitattributes pattern as a test of repository-relative paths
 * (https://git-scm.com/docs/gitattributes#_description, with gitignore's
 * glob rules): without a slash it matches a name at any depth below the
 * file's dir, with one it is relative to that dir; `*` and `?` stop at `/`,
 * `**` crosses it.
 */
function patternMatcher(pattern: string, base: string): (path: string) => boolean {
  const anchored = pattern.replace(/^\//, '');
  const hasSlash = anchored.replace(/\/$/, '').includes('/');
  let regex = '';
  for (let i = 0; i < anchored.length; i++) {
    const ch = anchored[i]!;
    if (anchored.startsWith('**/', i)) {
      regex += '(?:.*/)?';
      i += 2;
    } else if (anchored.startsWith('/**', i) && i + 3 === anchored.length) {
      regex += '/.*';
      i += 2;
    } else if (ch === '*') regex += anchored[i + 1] === '*' ? ((i += 1), '.*') : '[^/]*';
    else if (ch === '?') regex += '[^/]';
    else if (ch === '[') {
      const close = anchored.indexOf(']', i + 2);
      if (close === -1) regex += '\\[';
      else {
        regex += `[${anchored.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (ch === '\\' && i + 1 < anchored.length) regex += escape(anchored[++i]!);
    else regex += escape(ch);
  }
  const prefix = escape(base);
  const compiled = new RegExp(hasSlash ? `^${prefix}${regex}$` : `^${prefix}(?:.*/)?${regex}$`);
  return (path) => compiled.test(path);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
