// Put at the top of dist/bin/guard.js by scripts/bundle-cli.mjs: loads the
// files beside guard.js (command-hook.js, secrets.js, yaml.js, ...) with V8's
// code cache, so a hook does not parse and compile the same 300 KB of
// JavaScript on every commit. Node 22 has this built in
// (module.enableCompileCache); Node 20, which guard supports, has only the
// V8 API underneath (https://nodejs.org/docs/latest-v20.x/api/vm.html#scriptcreatecacheddata).
//
// The cache of `x.js` is `.code-cache/x.js.<V8 version>.<sha256 of x.js>`
// beside it. V8 checks a cache only against the source's length, so the
// name carries a digest of the content: a cache can only ever be used for
// the exact bytes it was made from. It is written by whoever may write the
// bundles themselves (the cache runs as the bundle would; anyone able to
// write it could rewrite the bundle); where guard's folder is read-only (a
// global install) nothing is written and files load as before.
(() => {
  const key = Symbol.for('migration-guard.load-beside');
  if (globalThis[key]) return;
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const crypto = require('node:crypto');
  const Module = require('node:module');
  const loaded = new Map();
  const toWrite = [];
  globalThis[key] = (file) => {
    const known = loaded.get(file);
    if (known) return known.exports;
    let source;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      return require(file);
    }
    const digest = crypto.createHash('sha256').update(source).digest('hex').slice(0, 32);
    const cacheDir = path.join(path.dirname(file), '.code-cache');
    const cacheFile = path.join(cacheDir, `${path.basename(file)}.${process.versions.v8}.${digest}`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    const module = new Module(file, undefined);
    module.filename = file;
    module.paths = Module._nodeModulePaths(path.dirname(file));
    loaded.set(file, module);
    if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ script, cacheDir, cacheFile, file });
    script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
    module.loaded = true;
    return module.exports;
  };
  // Made at exit, so that the cache holds every function this run compiled, not only the top level.
  process.once('exit', () => {
    for (const { script, cacheDir, cacheFile, file } of toWrite) {
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        for (const old of fs.readdirSync(cacheDir)) {
          if (old.startsWith(`${path.basename(file)}.`)) fs.rmSync(path.join(cacheDir, old), { force: true });
        }
        const partial = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(partial, script.createCachedData());
        fs.renameSync(partial, cacheFile);
      } catch {
        // read-only, full, or raced by another run: the next run compiles again
      }
    }
  });
})();
