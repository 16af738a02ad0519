// Bundles the compiled CLI (dist/cli/guard.js, from tsc) into dist/bin/guard.js
// and a few chunks beside it. A hook runs on every commit, and Node 20 spends
// about 1.5 ms per ES module it loads: a handful of files instead of thirty
// saves a third of guard's start-up. The chunks hold the commands, `yaml` and
// secretlint, each loaded only when guard reaches its dynamic import (yaml:
// a config read for the first time, a hand-edited lockfile; secretlint: a
// changed migration that holds something a rule could match).
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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

// Chunk names carry content hashes: clear the old ones rather than let them pile up.
rmSync(path.join(root, 'dist/bin'), { recursive: true, force: true });

buildSync({
  define: { __GUARD_BUILD__: JSON.stringify(digest.digest('hex').slice(0, 16)) },
  entryPoints: [path.join(root, 'dist/cli/guard.js')],
  outdir: path.join(root, 'dist/bin'),
  entryNames: 'guard',
  // Each dynamic import (a command, yaml, secretlint) becomes a chunk that is
  // read only when guard reaches it: a hook never parses code it does not run.
  splitting: true,
  // Beside guard.js, so paths relative to import.meta.url (package.json) hold in every chunk.
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // yaml's Node entry is CommonJS; give it the `require` an ES module lacks.
  banner: { js: "import { createRequire as __guardCreateRequire } from 'node:module'; const require = __guardCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
