// Runs every test file under test/ with node:test through tsx, and fails when
// there is none: Node 20's `node --test` has no globs and would pass on zero.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'fixtures' ? [] : collect(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = collect(root)
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no test files (*.test.ts) found under ${root}${filter.length ? ` matching ${filter.join(' ')}` : ''}`);
  process.exit(1);
}
// tsx runs TypeScript without checking it: type-check sources and tests first.
const tsc = path.join(root, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const typecheck = spawnSync(process.execPath, [tsc, '-p', path.join(root, '..', 'tsconfig.test.json')], { stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.error('type errors (tsc -p tsconfig.test.json); no test was run');
  process.exit(1);
}

// Hooks run the compiled bundle (dist/bin), and some tests run it too: build
// it from the sources being tested, so no test ever sees a stale one.
const build = spawnSync(process.execPath, [tsc, '-p', path.join(root, '..', 'tsconfig.json')], { stdio: 'inherit' });
const bundle = build.status === 0 ? spawnSync(process.execPath, [path.join(root, '..', 'scripts', 'bundle-cli.mjs')], { stdio: 'inherit' }) : build;
if (bundle.status !== 0) {
  console.error('the build (tsc, then scripts/bundle-cli.mjs) failed; no test was run');
  process.exit(1);
}

// Tests make their own repositories; git variables of a surrounding hook
// (GIT_DIR, GIT_INDEX_FILE, ...) would point them at this one.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
