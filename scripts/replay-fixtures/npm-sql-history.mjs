#!/usr/bin/env node
// Regenerates a replay fixture under test/fixtures/replay/<name>/ from the
// releases of an npm package that ships its SQL migration folder in every
// tarball (graphile-worker ships sql/000001.sql, sql/000002.sql, ...).
//
//   node scripts/replay-fixtures/npm-sql-history.mjs                 # every project below
//   node scripts/replay-fixtures/npm-sql-history.mjs graphile-worker # one of them
//
// It asks the npm registry for the package's versions, `npm pack`s each one
// into a temporary folder, and keeps the migration folder's files. The
// ordered list of releases is the project's real history at release
// granularity: each release was cut from the upstream main branch, so a
// release that edits, deletes or renames a migration an earlier release
// shipped is exactly the accident guard must refuse.
//
// The fixture written:
//   history.json   {project, source, dir, steps: [{name, files: {file: blobId}}]}
//   blobs/<id>     one file per distinct content (id: first 16 hex of its sha256)
//   LICENSE.md     the upstream licence, from the newest release
//   README.md      attribution and how the fixture was made
//
// Releases are ordered by semver precedence (a pre-release before its
// release). The npm `time` field is not used: the registry this was first run
// against reported publication times that are not in release order.
//
// The tests never run this script (they have no network); they read the
// committed fixture.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'test/fixtures/replay');

/** The projects: npm package, the migration folder inside its tarball, the dir used in the replay repository. */
const PROJECTS = [
  {
    name: 'graphile-worker',
    package: 'graphile-worker',
    packageDir: 'sql',
    dir: 'sql',
    upstream: 'https://github.com/graphile/worker (folder sql/)',
  },
];

function npm(args, options = {}) {
  return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Semver precedence (https://semver.org/#spec-item-11), enough for npm versions. */
function compareSemver(a, b) {
  const parse = (version) => {
    const [core, pre = ''] = version.split('+')[0].split(/-(.*)/s);
    return { core: core.split('.').map(Number), pre: pre === '' ? [] : pre.split('.') };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (x.pre[i] === undefined) return -1;
    if (y.pre[i] === undefined) return 1;
    const nx = /^\d+$/.test(x.pre[i]);
    const ny = /^\d+$/.test(y.pre[i]);
    if (nx && ny && Number(x.pre[i]) !== Number(y.pre[i])) return Number(x.pre[i]) - Number(y.pre[i]);
    if (nx !== ny) return nx ? -1 : 1;
    if (x.pre[i] !== y.pre[i]) return x.pre[i] < y.pre[i] ? -1 : 1;
  }
  return 0;
}

function generate(project) {
  const versions = JSON.parse(npm(['view', project.package, 'versions', '--json']));
  const ordered = [...(Array.isArray(versions) ? versions : [versions])].sort(compareSemver);
  const work = mkdtempSync(path.join(tmpdir(), `replay-${project.name}-`));
  const blobs = new Map();
  const steps = [];
  let license = null;
  try {
    for (const version of ordered) {
      const dest = path.join(work, version);
      mkdirSync(dest);
      const tarball = npm(['pack', `${project.package}@${version}`, '--silent', '--pack-destination', dest]).trim().split('\n').pop();
      execFileSync('tar', ['-xzf', path.join(dest, tarball), '-C', dest]);
      const dir = path.join(dest, 'package', project.packageDir);
      const files = {};
      let names = [];
      try {
        names = readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isFile()).sort();
      } catch {
        // A release without the folder: an empty step (everything deleted).
      }
      for (const name of names) {
        const bytes = readFileSync(path.join(dir, name));
        const id = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
        const known = blobs.get(id);
        if (known && !known.equals(bytes)) throw new Error(`blob id collision on ${id}`);
        blobs.set(id, bytes);
        files[name] = id;
      }
      for (const candidate of ['LICENSE.md', 'LICENSE', 'LICENSE.txt']) {
        try {
          license = readFileSync(path.join(dest, 'package', candidate), 'utf8');
          break;
        } catch {
          // next name
        }
      }
      steps.push({ name: version, files });
      process.stderr.write(`${project.package}@${version}: ${names.length} files\n`);
      rmSync(dest, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const target = path.join(OUT, project.name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.join(target, 'blobs'), { recursive: true });
  for (const [id, bytes] of [...blobs].sort()) writeFileSync(path.join(target, 'blobs', id), bytes);
  const licenseName = JSON.parse(npm(['view', `${project.package}@${ordered.at(-1)}`, 'license', '--json']));
  const history = {
    project: project.name,
    source: {
      registry: 'npm',
      package: project.package,
      packageDir: project.packageDir,
      versions: `${ordered[0]} .. ${ordered.at(-1)} (${ordered.length} releases, semver order)`,
      license: licenseName,
      upstream: project.upstream,
      regenerate: `node scripts/replay-fixtures/npm-sql-history.mjs ${project.name}`,
    },
    dir: project.dir,
    steps,
  };
  // One line per step, so a regenerated fixture diffs release by release.
  const { steps: _steps, ...head } = history;
  const text = JSON.stringify(head, null, 2).replace(/\n}$/, `,\n  "steps": [\n${steps.map((step) => `    ${JSON.stringify(step)}`).join(',\n')}\n  ]\n}\n`);
  writeFileSync(path.join(target, 'history.json'), text);
  if (license) writeFileSync(path.join(target, 'LICENSE.md'), license);
  writeFileSync(
    path.join(target, 'README.md'),
    `# ${project.name}: replay fixture

The SQL migrations (\`${project.packageDir}/\`) of every release of the npm
package \`${project.package}\` (${history.source.versions}), licensed
${licenseName} (upstream licence in LICENSE.md beside this file; upstream
source: ${project.upstream}).

- \`history.json\`: the releases in semver order; each step names the
  migration files of that release and the blob holding each file's bytes.
- \`blobs/<id>\`: each distinct file content once, byte for byte as
  published; the id is the first 16 hex digits of its sha256.

Made by \`${history.source.regenerate}\` (needs the npm registry);
read offline by \`test/replay/replay-history.test.ts\`.

Limits: the history is at release granularity (a release may hold several
upstream commits, and a migration edited twice between two releases shows as
one edit); releases are ordered by semver precedence, pre-releases included,
because the registry's publication times were not in release order when this
was made; a release cut from a maintenance branch would appear in semver
order, not where its branch left main.
`,
  );
  process.stderr.write(`wrote ${path.relative(ROOT, target)}: ${steps.length} steps, ${blobs.size} blobs\n`);
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !PROJECTS.some((project) => project.name === name));
if (unknown.length > 0) {
  console.error(`unknown project ${unknown.join(', ')}; known: ${PROJECTS.map((project) => project.name).join(', ')}`);
  process.exit(2);
}
for (const project of PROJECTS) if (wanted.length === 0 || wanted.includes(project.name)) generate(project);
