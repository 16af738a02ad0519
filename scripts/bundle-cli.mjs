// Bundles the compiled CLI (dist/cli/guard.js, from tsc) into one file,
// dist/bin/guard.js, and the two libraries it loads only sometimes into files
// of their own beside it. A hook runs on every commit, and Node 20 spends
// about 1.5 ms per ES module it loads: guard's own code as one file saves a
// third of its start-up over tsc's thirty. `yaml` (a config read for the first
// time, a hand-edited lockfile) and secretlint (a changed migration holding
// something one of its rules could match) stay out of that file: their code
// is read and parsed only when guard reaches their dynamic import.
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

await build({
  ...common,
  define: { __GUARD_BUILD__: JSON.stringify(digest.digest('hex').slice(0, 16)) },
  entryPoints: [path.join(root, 'dist/cli/guard.js')],
  outfile: path.join(root, 'dist/bin/guard.js'),
  plugins: [
    {
      name: 'lazy-libraries',
      setup(plugin) {
        plugin.onResolve({ filter: /^(yaml|pg|@secretlint\/core|@secretlint\/secretlint-rule-preset-recommend)$/ }, (args) => ({ path: `./${LAZY[args.path]}`, external: true }));
      },
    },
  ],
});

const require = createRequire(import.meta.url);
for (const [name, file] of Object.entries(LAZY)) {
  await build({ ...common, entryPoints: [require.resolve(name)], outfile: path.join(root, 'dist/bin', file) });
}
