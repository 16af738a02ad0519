// Bundles the compiled CLI (dist/cli/guard.js, from tsc) into dist/bin/: the
// entry (guard.js), one file per command (command-hook.js, ...), and the
// libraries loaded only sometimes (yaml.js, pg.js, secretlint-*.js). A hook
// runs on every commit, and Node 20 spends about 1.5 ms per ES module it
// loads and more per kilobyte it parses: a hook loads two files (the entry
// and its command) instead of tsc's thirty, and parses no deploy code. `yaml`
// (a config read for the first time, a hand-edited lockfile), `pg` (commands
// that connect) and secretlint (a changed migration holding something one of
// its rules could match) are read only when guard reaches their import.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/** Libraries bundled on their own: package name -> file beside guard.js. */
const LAZY = {
  yaml: 'yaml.js',
  pg: 'pg.js',
  '@secretlint/core': 'secretlint-core.js',
  '@secretlint/secretlint-rule-preset-recommend': 'secretlint-preset.js',
};

// yaml's Node entry is CommonJS; give it the `require` an ES module lacks.
const banner = { js: "import { createRequire as __guardCreateRequire } from 'node:module'; const require = __guardCreateRequire(import.meta.url);" };
const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', banner, sourcemap: 'linked', logLevel: 'warning' };

const define = { __GUARD_BUILD__: JSON.stringify(digest.digest('hex').slice(0, 16)) };
const lazyLibraries = {
  name: 'lazy-libraries',
  setup(plugin) {
    plugin.onResolve({ filter: /^(yaml|pg|@secretlint\/core|@secretlint\/secretlint-rule-preset-recommend)$/ }, (args) => ({ path: `./${LAZY[args.path]}`, external: true }));
  },
};
// The CLI's entry holds argument parsing and output only; each command is a
// file of its own (command-hook.js, command-deploy.js, ...) that the entry
// imports when that command runs, so a hook parses no deploy code and a
// deploy no hook code.
const commandFiles = {
  name: 'command-files',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.\/commands\/[a-z-]+\.js$/ }, (args) =>
      args.importer.endsWith(path.join('cli', 'main.js')) ? { path: `./command-${path.basename(args.path)}`, external: true } : undefined,
    );
  },
};

await build({ ...common, define, entryPoints: [path.join(root, 'dist/cli/guard.js')], outfile: path.join(root, 'dist/bin/guard.js'), plugins: [lazyLibraries, commandFiles] });
const commands = [...readFileSync(path.join(root, 'dist/cli/main.js'), 'utf8').matchAll(/import\(['"]\.\.\/commands\/([a-z-]+)\.js['"]\)/g)].map((match) => match[1]);
if (commands.length === 0) throw new Error('no command imports found in dist/cli/main.js');
for (const command of new Set(commands)) {
  await build({ ...common, define, entryPoints: [path.join(root, 'dist/commands', `${command}.js`)], outfile: path.join(root, 'dist/bin', `command-${command}.js`), plugins: [lazyLibraries] });
}

const require = createRequire(import.meta.url);
for (const [name, file] of Object.entries(LAZY)) {
  await build({ ...common, entryPoints: [require.resolve(name)], outfile: path.join(root, 'dist/bin', file) });
}
