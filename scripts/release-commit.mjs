// A release commit: HEAD's tree plus the built dist/ (no source maps), with
// package.json's `prepare` removed, tagged. npm and the pre-commit framework
// install guard from such a tag as they would from the registry: nothing to
// build, no dev toolchain, no `tsc: not found` (README, "Installing guard from
// its git repository"). The branch and the work tree are left as they are:
// the commit is written through a temporary index and `git commit-tree`.
//
//   node scripts/release-commit.mjs v0.1.0              build, commit, tag
//   node scripts/release-commit.mjs v0.1.0 --move v1    also move the major tag v1 there
//   node scripts/release-commit.mjs v0.1.0 --no-build   use the dist/ already built
//
// Exit codes: 0 tagged; 1 refused (a dirty work tree, a tag that exists, a
// version that does not match package.json); 2 usage.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(message, code = 1) {
  console.error(`release-commit: ${message}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { move: { type: 'string', multiple: true, default: [] }, 'no-build': { type: 'boolean' } } });
} catch (error) {
  fail(`${error.message}\nusage: node scripts/release-commit.mjs vX.Y.Z [--move vX] [--no-build]`, 2);
}
const [tag] = parsed.positionals;
if (!tag || parsed.positionals.length > 1) fail('usage: node scripts/release-commit.mjs vX.Y.Z [--move vX] [--no-build]', 2);

const git = (args, options = {}) => execFileSync('git', args, { cwd: root, encoding: 'utf8', ...options });
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// dist/ must be built from HEAD exactly: nothing uncommitted outside dist/.
const dirty = git(['status', '--porcelain', '-z', '--untracked-files=no']).split('\0').filter(Boolean);
if (dirty.length > 0) fail(`the work tree has uncommitted changes (${dirty.slice(0, 3).map((entry) => entry.slice(3)).join(', ')}): commit or stash them, so dist/ is built from HEAD`);
if (tag !== `v${packageJson.version}`) fail(`the tag ${tag} does not match package.json's version ${packageJson.version}: tag v${packageJson.version}, or set the version first`);
if (spawnSync('git', ['rev-parse', '-q', '--verify', `refs/tags/${tag}`], { cwd: root }).status === 0) fail(`the tag ${tag} exists already`);

if (!parsed.values['no-build']) {
  const built = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail(`npm run build failed${built.error ? `: ${built.error.message}` : ''}`);
}

const head = git(['rev-parse', 'HEAD']).trim();
const index = path.join(mkdtempSync(path.join(tmpdir(), 'guard-release-')), 'index');
const env = { ...process.env, GIT_INDEX_FILE: index };
try {
  git(['read-tree', head], { env });
  // dist/ is ignored (.gitignore): -f adds it to this commit only.
  git(['add', '-f', '--', 'dist', ':(exclude)*.map', ':(exclude)*.tsbuildinfo'], { env });
  const { prepare, ...scripts } = packageJson.scripts ?? {};
  const released = { ...packageJson, scripts };
  const blob = git(['hash-object', '-w', '--stdin'], { input: `${JSON.stringify(released, null, 2)}\n` }).trim();
  git(['update-index', '--cacheinfo', `100644,${blob},package.json`], { env });
  const tree = git(['write-tree'], { env }).trim();
  const message = `Release ${tag}: the built dist/\n\nBuilt from ${head} by scripts/release-commit.mjs; package.json has no prepare,\nso npm installs this commit without building.\n`;
  const commit = git(['commit-tree', tree, '-p', head], { input: message }).trim();
  git(['tag', tag, commit]);
  for (const moved of parsed.values.move) git(['tag', '-f', moved, commit]);
  console.log(`${tag} -> ${commit} (dist/ built from ${head.slice(0, 12)})${parsed.values.move.length ? `; moved ${parsed.values.move.join(', ')}` : ''}`);
  console.log(`push it: git push origin ${[tag, ...parsed.values.move.map((moved) => `+${moved}`)].join(' ')}`);
} finally {
  rmSync(path.dirname(index), { recursive: true, force: true });
}
