// npm's `prepare`: builds guard wherever npm installs it from source.
//
//   - A development checkout (the dev toolchain installed): `npm run build`,
//     then husky points this repository's hooks at hooks/ (README, "How guard
//     is built").
//   - A release commit (scripts/release-commit.mjs) carries a built dist/ and
//     no `prepare`, so npm never runs this there.
//   - Any other commit installed from git (`npm install -g git+https://...`,
//     the pre-commit framework, which installs hooks exactly that way): npm
//     prepares a git dependency by running `npm install` in its clone, but a
//     global install leaks `npm_config_global=true` into that run, so the
//     dev toolchain lands outside the clone and `tsc` is not found
//     (https://docs.npmjs.com/cli/v11/commands/npm-install: "git ... If the
//     package has a prepare script, its dependencies and devDependencies will
//     be installed, and the prepare script will be run"). So this script
//     installs the locked toolchain into the clone itself, then builds.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const has = (file) => existsSync(path.join(root, file));
const toolchainInstalled = () => has('node_modules/typescript/package.json') && has('node_modules/esbuild/package.json');

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.error) {
    console.error(`migration-guard prepare: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** npm's own CLI, the one running this script (npm sets npm_execpath for scripts). */
function npm(args, env) {
  const npmCli = process.env.npm_execpath;
  if (npmCli && npmCli.endsWith('.js')) run(process.execPath, [npmCli, ...args], env);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, env);
}

if (!toolchainInstalled()) {
  console.error('migration-guard prepare: installing the build toolchain from package-lock.json (a commit without a built dist/; a release tag installs without this step)');
  // Settings an outer `npm install -g` passes down that would send this
  // install somewhere else than the clone's own node_modules.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_config_(global|prefix|global_prefix|local_prefix|location|omit|include|production|only|dry_run|package_lock_only|ignore_scripts|save)$/i.test(key)),
  );
  // --ignore-scripts: the build needs no package's install script (embedded
  // PostgreSQL and the Prisma engines download binaries guard never runs).
  npm(['ci', '--global=false', '--include=dev', '--include=prod', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], env);
  if (!toolchainInstalled()) {
    console.error('migration-guard prepare: npm ci did not install typescript and esbuild; build from a checkout with `npm ci && npm run build`');
    process.exit(1);
  }
}

npm(['run', 'build']);

// husky 9 sets core.hooksPath to hooks/_ in this repository: a development
// checkout, not a copy npm packs (which has no .git or no husky).
if (has('.git') && has('node_modules/husky/package.json')) run(process.execPath, [path.join(root, 'node_modules/husky/bin.js'), 'hooks']);

// `npm install -g git+...` prepares the clone with an inner global install
// that links the global package folder to the clone itself (without
// --install-links); the outer install then unpacks guard through that link
// into the clone, which npm deletes afterwards, leaving a `guard` without
// files. The link is the inner run's artifact, replacing the folder the
// outer install had made for guard: put an empty folder back in its place.
if (process.env.npm_config_global === 'true' && process.env.npm_config_prefix) {
  const globalModules = process.platform === 'win32' ? path.join(process.env.npm_config_prefix, 'node_modules') : path.join(process.env.npm_config_prefix, 'lib', 'node_modules');
  const linked = path.join(globalModules, JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).name);
  try {
    if (lstatSync(linked).isSymbolicLink() && realpathSync(linked) === realpathSync(root)) {
      unlinkSync(linked);
      mkdirSync(linked);
    }
  } catch {
    // No such link: a copy (--install-links), or npm changed; nothing to undo.
  }
}
