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
  const quoted = line.startsWith('"') ? unquoteCStyle(line) : undefined;
  if (!quoted) {
    // git takes a pattern it cannot unquote as it stands (https://git-scm.com/docs/gitattributes#_description); quotes dropped here, which can only match more.
    if (!line.startsWith('"')) return line.split(/\s+/);
    let end = 1;
    while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
    return [line.slice(1, end), ...line.slice(end + 1).trim().split(/\s+/).filter(Boolean)];
  }
  return [quoted.value, ...line.slice(quoted.end).trim().split(/\s+/).filter(Boolean)];
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * A C-style quoted string at the start of `line`, as git unquotes a quoted
 * pattern (the escapes of https://git-scm.com/docs/git-config#_syntax and
 * three octal digits for a byte, as git quotes a name that is not ASCII):
 * the bytes decoded as UTF-8, and where the closing quote ends. Undefined for
 * anything git would not unquote.
 */
function unquoteCStyle(line: string): { value: string; end: number } | undefined {
  const bytes: number[] = [];
  for (let i = 1; i < line.length; i++) {
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (ch === '"') return { value: new TextDecoder().decode(Uint8Array.from(bytes)), end: i + 1 };
    if (ch !== '\\') {
      bytes.push(...new TextEncoder().encode(ch));
      i += ch.length - 1;
      continue;
    }
    const next = line[++i];
    if (next === undefined) return undefined;
    const octal = /^[0-3][0-7]{2}/.exec(line.slice(i, i + 3));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 2;
    } else if (C_ESCAPES[next] !== undefined) bytes.push(C_ESCAPES[next]!);
    else return undefined;
  }
  return undefined;
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
