import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaresDependency, detectPackageManager, parseManifest, withScript } from '../../../src/core/init/package-json.js';

/** The lines of `after` that are not in `before`, and the other way round: what a reviewer sees in the diff. */
function changedLines(before: string, after: string): { added: string[]; removed: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { added: b.filter((line) => !a.includes(line)), removed: a.filter((line) => !b.includes(line)) };
}

describe('withScript keeps package.json as the project wrote it', () => {
  const manifest = (indent: string, eol = '\n') =>
    ['{', `${indent}"name": "app",`, `${indent}"private": true,`, `${indent}"scripts": {`, `${indent}${indent}"test": "node --test",`, `${indent}${indent}"lint": "eslint ."`, `${indent}},`, `${indent}"devDependencies": {`, `${indent}${indent}"husky": "^9.1.7"`, `${indent}}`, '}'].join(eol);

  for (const [name, indent] of [
    ['two spaces', '  '],
    ['four spaces', '    '],
    ['tabs', '\t'],
  ] as const) {
    it(`${name}: only the new script's line (and the comma before it) change`, () => {
      const before = `${manifest(indent)}\n`;
      const { text, changed } = withScript(before, 'prepare', 'husky hooks');
      assert.equal(changed, true);
      assert.deepEqual(changedLines(before, text), {
        added: [`${indent}${indent}"lint": "eslint .",`, `${indent}${indent}"prepare": "husky hooks"`],
        removed: [`${indent}${indent}"lint": "eslint ."`],
      });
      assert.deepEqual(Object.keys(JSON.parse(text) as object), ['name', 'private', 'scripts', 'devDependencies'], 'key order kept');
      assert.deepEqual(Object.keys((JSON.parse(text) as { scripts: object }).scripts), ['test', 'lint', 'prepare']);
    });
  }

  it('keeps a missing final newline, CRLF line ends and a byte-order mark', () => {
    const noNewline = manifest('  ');
    assert.ok(!withScript(noNewline, 'prepare', 'husky hooks').text.endsWith('\n'));
    const crlf = `\uFEFF${manifest('  ', '\r\n')}\r\n`;
    const edited = withScript(crlf, 'prepare', 'husky hooks').text;
    assert.ok(edited.startsWith('\uFEFF{\r\n'));
    assert.ok(edited.endsWith('}\r\n'));
    assert.doesNotMatch(edited.replace(/\r\n/g, ''), /\n/, 'no bare line feed added');
  });

  it('adds a scripts object after the last key, indented like its neighbours, when there is none', () => {
    const before = '{\n    "name": "app",\n    "version": "1.0.0"\n}\n';
    assert.equal(withScript(before, 'prepare', 'husky').text, '{\n    "name": "app",\n    "version": "1.0.0",\n    "scripts": {\n        "prepare": "husky"\n    }\n}\n');
    assert.equal(withScript('{\n\t"name": "app",\n\t"scripts": {}\n}', 'prepare', 'husky').text, '{\n\t"name": "app",\n\t"scripts": {\n\t\t"prepare": "husky"\n\t}\n}');
    assert.equal(withScript('{"name":"app"}', 'prepare', 'husky').text, '{"name":"app","scripts":{"prepare":"husky"}}');
  });

  it('replaces an existing value in place, and reports no change when it is already set', () => {
    const before = '{\n  "scripts": {\n    "prepare" : "npm run build",\n    "x": "}"\n  },\n  "y": [1, {"z": "]"}]\n}\n';
    assert.equal(withScript(before, 'prepare', 'npm run build && husky hooks').text, before.replace('"npm run build"', '"npm run build && husky hooks"'));
    assert.deepEqual(withScript(before, 'prepare', 'npm run build'), { text: before, changed: false });
  });

  it('refuses a package.json that is not an object, or whose scripts is not one, with exit 2', () => {
    assert.throws(() => withScript('[1]', 'prepare', 'husky'), (error: { exitCode: number }) => error.exitCode === 2);
    assert.throws(() => withScript('{"scripts": "x"}', 'prepare', 'husky'), /`scripts` is not an object/);
    assert.throws(() => parseManifest('{"name": '), /package\.json is not valid JSON/);
  });
});

describe('detectPackageManager', () => {
  const files = (...names: string[]) => new Set(names);
  it('reads packageManager first, then the lockfile or workspace file at the root', () => {
    assert.equal(detectPackageManager({ packageManager: 'pnpm@9.12.0' }, files('yarn.lock')).name, 'pnpm');
    assert.equal(detectPackageManager({}, files('pnpm-workspace.yaml')).install, 'pnpm install');
    assert.equal(detectPackageManager({}, files('yarn.lock')).install, 'yarn install');
    assert.equal(detectPackageManager({}, files('bun.lockb')).addDev('husky'), 'bun add -d husky');
    assert.equal(detectPackageManager({}, files('package-lock.json')).addDev('husky'), 'npm install --save-dev husky');
  });

  it('adds a dependency to a workspace root the way each tool requires', () => {
    assert.equal(detectPackageManager({}, files('pnpm-workspace.yaml', 'pnpm-lock.yaml')).addDev('husky'), 'pnpm add -D -w husky');
    assert.equal(detectPackageManager({ workspaces: ['packages/*'] }, files('yarn.lock')).addDev('husky'), 'yarn add -D -W husky');
    assert.equal(detectPackageManager({ workspaces: ['packages/*'], packageManager: 'yarn@4.5.0' }, files('yarn.lock')).addDev('husky'), 'yarn add -D husky');
  });

  it('declaresDependency looks at dependencies, devDependencies and optionalDependencies', () => {
    assert.equal(declaresDependency({ devDependencies: { husky: '^9' } }, 'husky'), true);
    assert.equal(declaresDependency({ dependencies: { 'husky-x': '1' } }, 'husky'), false);
    assert.equal(declaresDependency({ devDependencies: 'husky' }, 'husky'), false);
  });
});
