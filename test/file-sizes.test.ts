import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './helpers/git-repo.js';

// scripts/check-file-sizes.mjs: no module under src/ over 400 lines without
// a first line saying why (docs/ARCHITECTURE.md).
const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'check-file-sizes.mjs');
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function check(root?: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, ...(root === undefined ? [] : ['--root', root])], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'guard-sizes-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const x${i} = ${i};`).join('\n') + '\n';

describe('check-file-sizes', () => {
  it("passes guard's own tree", () => {
    const result = check();
    assert.equal(result.status, 0, result.stderr);
  });

  it('refuses a module over 400 lines that does not say why, naming it and the fix', () => {
    const result = check(tree({ 'src/core/long.ts': lines(401), 'src/core/short.ts': lines(400) }));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^src\/core\/long\.ts: 401 lines: split it by job, or say why .*\/\/ Over 400 lines: <why>\./m);
    assert.doesNotMatch(result.stderr, /short\.ts/);
  });

  it('accepts the reason on line 1, and refuses a reason a file no longer needs', () => {
    assert.equal(check(tree({ 'src/cli/long.ts': `// Over 400 lines: one grammar.\n${lines(420)}` })).status, 0);
    const stale = check(tree({ 'src/cli/short.ts': `// Over 400 lines: one grammar.\n${lines(10)}` }));
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /src\/cli\/short\.ts: 11 lines, yet line 1 says it is over 400: remove that line/);
  });

  it('a reason anywhere but line 1, or an empty one, does not count', () => {
    assert.equal(check(tree({ 'src/a.ts': `import x from 'y';\n// Over 400 lines: late.\n${lines(420)}` })).status, 1);
    assert.equal(check(tree({ 'src/a.ts': `// Over 400 lines: \n${lines(420)}` })).status, 1);
  });
});
