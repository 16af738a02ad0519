import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from './helpers/git-repo.js';

// scripts/check-imports.mjs: the import rules of docs/ARCHITECTURE.md, on
// the real tree and on small trees written here.
const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'check-imports.mjs');
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

interface Check {
  status: number | null;
  stdout: string;
  stderr: string;
}

function check(root: string | undefined, ...args: string[]): Check {
  const result = spawnSync(process.execPath, [SCRIPT, ...(root === undefined ? [] : ['--root', root]), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Exception {
  from: string;
  to: string;
  rule: string;
  reason?: string;
}

/** A throw-away repository holding `files` (paths from its root) and, when given, an exception list. */
function tree(files: Record<string, string>, exceptions?: Exception[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'guard-imports-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  if (exceptions !== undefined) writeExceptions(root, exceptions);
  return root;
}

function writeExceptions(root: string, exceptions: Exception[]): void {
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  writeFileSync(path.join(root, 'scripts', 'import-exceptions.json'), JSON.stringify({ exceptions }));
}

function readExceptions(root: string): Exception[] {
  return (JSON.parse(readFileSync(path.join(root, 'scripts', 'import-exceptions.json'), 'utf8')) as { exceptions: Exception[] }).exceptions;
}

interface GraphImport {
  from: string;
  to?: string;
  line: number;
  specifier?: string;
}

function graph(root: string | undefined): { modules: string[]; imports: GraphImport[] } {
  const run = check(root, '--graph');
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { modules: string[]; imports: GraphImport[] };
}

/** The lines of a failed check that report `rule`, each cut before its first " (" when `short`. */
function reported(run: Check, rule: string, short = false): string[] {
  const lines = run.stderr.split('\n').filter((line) => line.includes(`: ${rule}: `));
  return short ? lines.map((line) => line.split(' (')[0]!) : lines;
}

/** Layered modules that break no rule. */
const CLEAN = {
  'src/core/rule.ts': "import { createHash } from 'node:crypto';\nexport const rule = createHash;\n",
  'src/shell/git.ts': "import { spawnSync } from 'node:child_process';\nimport { rule } from '../core/rule.js';\nexport const git = [spawnSync, rule];\n",
  'src/commands/context.ts': 'export interface Context { cwd: string }\n',
  'src/commands/lock.ts': "import type { Context } from './context.js';\nimport { git } from '../shell/git.js';\nexport const lock = (c: Context) => [c, git];\n",
  'src/cli/main.ts': "import { lock } from '../commands/lock.js';\nexport const main = () => import('../commands/lock.js').then(() => lock);\n",
  'src/index.ts': "export { lock } from './commands/lock.js';\nexport { main } from './cli/main.js';\n",
};

describe('the import graph of guard itself', () => {
  it('breaks no rule beyond the listed exceptions, and every listed exception still occurs', () => {
    const run = check(undefined);
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^check-imports: \d+ modules, \d+ edges, \d+ known exceptions; ok/);
  });

  it('finds the same imports, on the same lines, as TypeScript does in every source file', () => {
    const { modules, imports } = graph(undefined);
    assert.ok(modules.length > 100, `only ${modules.length} modules found under src/`);
    for (const module of modules) {
      const text = readFileSync(path.join(PROJECT_ROOT, 'src', module), 'utf8');
      const typescript = ts
        .preProcessFile(text, true, true)
        .importedFiles.map((file) => `${file.fileName}:${text.slice(0, file.pos).split('\n').length}`)
        .sort();
      const scanned = imports
        .filter((edge) => edge.from === module)
        .map((edge) => `${edge.specifier}:${edge.line}`)
        .sort();
      assert.deepEqual(scanned, typescript, `src/${module}`);
    }
  });
});

describe('the scanner', () => {
  it('reads every form of import and re-export, and nothing inside comments, strings, templates or regular expressions', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, from } from './c.js';",
      "import * as d from './d.js';",
      "import './e.js';",
      "export * from './f.js';",
      "export * as g from './g.js';",
      "export type { H } from './h.js';",
      "export { i as default } from './i.js';",
      "type J = typeof import('./j.js');",
      "const k = await import('./k.js');",
      "import l = require('./l.js');",
      '// import x from "./comment.js";',
      "/* import y from './block.js'; */",
      "const s = 'import z from \"./string.js\"';",
      "const t = `import w from './template.js' ${await import('./m.js')} import('./template2.js')`;",
      "const r = /from ['\"]regex['\"]|import\\('x'\\)/;",
      'const divided = (1 + 2) / 3 / 4;',
      "if (r) /[/]import('x')/.test('y');",
      "const meta = import.meta.url; const object = { import: 1 }; object.import;",
      "export { divided };",
      "export const n = require('./n.js');",
      'export const o = () => import(`./o.js`);',
    ].join('\n');
    const root = tree({ 'src/core/all.ts': source });
    const found = graph(root).imports.map((edge) => `${edge.specifier}:${edge.line}`);
    assert.deepEqual(found, ['./a.js:1', './b.js:2', './c.js:3', './d.js:4', './e.js:5', './f.js:6', './g.js:7', './h.js:8', './i.js:9', './j.js:10', './k.js:11', './l.js:12', './m.js:16', './n.js:22', './o.js:23']);
  });
});

describe('the rules', () => {
  it('passes a layered tree and says how much it checked', () => {
    const run = check(tree(CLEAN));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.replace(/ \(\d+ ms\)/, ''), 'check-imports: 6 modules, 6 edges, 0 known exceptions; ok\n');
  });

  it('refuses an import from a higher layer, a type-only one too, naming file, line and rule', () => {
    const root = tree({
      ...CLEAN,
      'src/core/rule.ts': "import { createHash } from 'node:crypto';\nimport type { Context } from '../commands/context.js';\nexport const rule = (c: Context) => [c, createHash];\n",
      'src/shell/git.ts': "import { rule } from '../core/rule.js';\n\nexport const git = () => import('../cli/main.js').then(() => rule);\n",
    });
    const run = check(root);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^src\/core\/rule\.ts:2: upward-import: imports src\/commands\/context\.ts \(core imports commands\)/m);
    assert.match(run.stderr, /^src\/shell\/git\.ts:3: upward-import: imports src\/cli\/main\.ts \(shell imports cli\)/m);
    assert.match(run.stderr, /check-imports: 2 new violation\(s\), 0 stale exception\(s\)/);
  });

  it('places services between the shell and the commands', () => {
    const root = tree({
      ...CLEAN,
      'src/services/verify-repository.ts': "import { git } from '../shell/git.js';\nimport { lock } from '../commands/lock.js';\nexport const verify = [git, lock];\n",
      'src/shell/uses-service.ts': "import { verify } from '../services/verify-repository.js';\nexport const used = verify;\n",
      'src/commands/verify.ts': "import { verify } from '../services/verify-repository.js';\nexport const command = verify;\n",
    });
    const run = check(root);
    assert.equal(run.status, 1);
    assert.deepEqual(
      reported(run, 'upward-import', true),
      ['src/services/verify-repository.ts:2: upward-import: imports src/commands/lock.ts', 'src/shell/uses-service.ts:1: upward-import: imports src/services/verify-repository.ts'],
    );
  });

  it('refuses a loop between folders of one layer, naming each import on it', () => {
    const root = tree({
      'src/core/lockfile/parse.ts': "import type { Finding } from '../verify/finding.js';\nexport type Parsed = Finding[];\n",
      'src/core/lockfile/types.ts': 'export interface Entry { file: string }\n',
      'src/core/verify/finding.ts': "import type { Entry } from '../lockfile/types.js';\nexport interface Finding { entry: Entry }\n",
      'src/core/seal/check.ts': "import type { Entry } from '../lockfile/types.js';\nexport type Sealed = Entry;\n",
    });
    const run = check(root);
    assert.equal(run.status, 1);
    const loop = reported(run, 'folder-loop');
    assert.equal(loop.length, 2, run.stderr);
    assert.match(loop[0]!, /^src\/core\/lockfile\/parse\.ts:1: folder-loop: imports src\/core\/verify\/finding\.ts \(folders core\/lockfile, core\/verify import each other\)/);
    assert.match(loop[1]!, /^src\/core\/verify\/finding\.ts:1: folder-loop: imports src\/core\/lockfile\/types\.ts/);
  });

  it('refuses a command importing another command, statically or dynamically, but not its context', () => {
    const root = tree({
      ...CLEAN,
      'src/commands/init.ts': "import type { Context } from './context.js';\nimport { lock } from './lock.js';\nexport const init = async (c: Context) => [c, lock, await import('./deploy/run.js')];\n",
      'src/commands/deploy/run.ts': "import { steps } from './steps.js';\nexport const run = steps;\n",
      'src/commands/deploy/steps.ts': 'export const steps = [];\n',
    });
    const run = check(root);
    assert.equal(run.status, 1);
    assert.deepEqual(
      reported(run, 'command-imports-command').map((line) => line.split(': a command')[0]),
      ['src/commands/init.ts:3: command-imports-command: imports src/commands/deploy/run.ts (command init imports command deploy)', 'src/commands/init.ts:2: command-imports-command: imports src/commands/lock.ts (command init imports command lock)'],
    );
  });

  it('refuses I/O in the core: node:fs as fs or fs/promises, node:child_process, pg', () => {
    const root = tree({
      ...CLEAN,
      'src/core/rule.ts': "import { readFileSync } from 'fs';\nimport { readFile } from 'node:fs/promises';\nimport path from 'node:path';\nexport const rule = [readFileSync, readFile, path];\nexport const spawn = () => import('node:child_process');\nexport type Client = import('pg').Client;\n",
    });
    const run = check(root);
    assert.equal(run.status, 1);
    assert.deepEqual(reported(run, 'core-io', true), [
      'src/core/rule.ts:5: core-io: imports node:child_process',
      'src/core/rule.ts:1: core-io: imports node:fs',
      'src/core/rule.ts:2: core-io: imports node:fs/promises',
      'src/core/rule.ts:6: core-io: imports pg',
    ]);
  });

  it('refuses a module in no layer, an import of the package entry (by path or by name), and an import it cannot place', () => {
    const root = tree({
      ...CLEAN,
      'package.json': JSON.stringify({ name: 'fixture-guard', imports: { '#cli': './src/cli/main.ts' } }),
      'src/helpers.ts': 'export const helper = 1;\n',
      'src/shell/api.ts': "import { lock } from '../index.js';\nexport const api = (name: string) => [lock, import(name)];\n",
      'src/core/named.ts': "export type Api = typeof import('fixture-guard');\nexport const cli = () => import('#cli');\n",
    });
    const run = check(root);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^src\/helpers\.ts:1: unlayered: /m);
    assert.match(run.stderr, /^src\/shell\/api\.ts:1: imports-entry: imports src\/index\.ts/m);
    assert.match(run.stderr, /^src\/shell\/api\.ts:2: computed-import: /m);
    assert.match(run.stderr, /^src\/core\/named\.ts:1: imports-entry: imports src\/index\.ts/m);
    assert.match(run.stderr, /^src\/core\/named\.ts:2: unresolved-import: imports #cli/m);
  });
});

describe('the exception list', () => {
  const upward: Exception = { from: 'src/core/rule.ts', to: 'src/shell/git.ts', rule: 'upward-import', reason: 'moves down in issue 13 item 3' };
  const withUpward = { ...CLEAN, 'src/core/rule.ts': "import { git } from '../shell/git.js';\nexport const rule = git;\n", 'src/shell/git.ts': 'export const git = 1;\n' };

  it('lets a listed violation pass and counts it', () => {
    const run = check(tree(withUpward, [upward]));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /, 1 known exceptions; ok/);
  });

  it('fails on a listed violation that no longer occurs, so the list only shrinks', () => {
    const stale: Exception = { from: 'src/commands/lock.ts', to: 'src/cli/main.ts', rule: 'upward-import', reason: 'fixed since' };
    const run = check(tree(withUpward, [upward, stale]));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^scripts\/import-exceptions\.json: src\/commands\/lock\.ts -> src\/cli\/main\.ts \(upward-import\) no longer occurs: remove it from the list$/m);
    assert.match(run.stderr, /0 new violation\(s\), 1 stale exception\(s\)/);
  });

  it('fails on an entry without a reason, and on one listed twice', () => {
    const run = check(tree(withUpward, [upward, { ...upward, reason: ' ' }]));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /exception 2 \(src\/core\/rule\.ts -> src\/shell\/git\.ts\): needs a "reason"/);
    assert.match(run.stderr, /exception 2: listed twice/);
  });

  it('--write-exceptions rewrites the list from the tree, keeping the reasons of entries that remain', () => {
    const stale: Exception = { from: 'src/commands/lock.ts', to: 'src/cli/main.ts', rule: 'upward-import', reason: 'fixed since' };
    const root = tree({ ...withUpward, 'src/commands/init.ts': "import { lock } from './lock.js';\nexport const init = lock;\n" }, [stale, upward]);
    const write = check(root, '--write-exceptions');
    assert.equal(write.status, 0, write.stderr);
    assert.match(write.stdout, /: 2 exceptions \(1 added, 1 removed\)/);
    const written = readExceptions(root);
    assert.deepEqual(written.map(({ from, to, rule }) => `${from} -> ${to} ${rule}`), ['src/commands/init.ts -> src/commands/lock.ts command-imports-command', 'src/core/rule.ts -> src/shell/git.ts upward-import']);
    assert.equal(written[1]!.reason, upward.reason);
    assert.ok(written[0]!.reason !== undefined && written[0]!.reason.length > 0);
    const again = check(root);
    assert.equal(again.status, 0, again.stderr);
  });
});
