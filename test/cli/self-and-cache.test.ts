import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT, TempRepo, alembicRevision, runGuard } from '../helpers/git-repo.js';

describe('this repository guards itself', () => {
  it('guard verify passes on this repository', () => {
    const result = runGuard(PROJECT_ROOT, 'verify', '--format', 'json');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { sets: { dir: string; migrations: number }[] };
    assert.deepEqual(report.sets.map((set) => set.dir), ['src/ledger/migrations']);
    assert.ok(report.sets[0]!.migrations >= 1);
  });

  it('the pre-commit and pre-push hooks run guard on this repository', () => {
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'hooks/pre-commit'), 'utf8'), /guard\.js hook pre-commit/);
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'hooks/pre-merge-commit'), 'utf8'), /guard\.js hook pre-commit/);
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'hooks/pre-push'), 'utf8'), /guard\.js hook pre-push "\$@"/);
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // npm's prepare (scripts/prepare.mjs) builds, then has husky point core.hooksPath at hooks/_.
    assert.equal(manifest.scripts.prepare, 'node scripts/prepare.mjs');
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'scripts/prepare.mjs'), 'utf8'), /husky\/bin\.js'\), 'hooks'\]/);
  });

  it('a copy of its ledger migrations with one byte changed is refused, naming the file', () => {
    const repo = new TempRepo();
    try {
      for (const item of ['guard.config.yaml', 'checksums.lock.yaml', 'src/ledger/migrations']) {
        cpSync(path.join(PROJECT_ROOT, item), path.join(repo.root, item), { recursive: true });
      }
      repo.commitAll('copy');
      assert.equal(repo.guard('verify').code, 0);
      const file = 'src/ledger/migrations/001_guard_ledger.sql';
      const original = readFileSync(path.join(repo.root, file));
      const tampered = Buffer.from(original);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 0x01, tampered.length - 2);
      writeFileSync(path.join(repo.root, file), tampered);
      const result = repo.guard('verify');
      assert.equal(result.code, 1);
      assert.match(result.stdout, /src\/ledger\/migrations\/001_guard_ledger\.sql changed since it was locked/);
    } finally {
      repo.dispose();
    }
  });

  it('the compiled CLI the hooks run holds no pg, and reaches yaml only through a dynamic import', () => {
    const bundle = path.join(PROJECT_ROOT, 'dist/bin/guard.js');
    assert.ok(existsSync(bundle), 'dist/bin/guard.js is built by npm install (prepare)');
    // pg is a file of its own (pg.js), reached only by the dynamic import of a command that connects.
    for (const file of readdirSync(path.dirname(bundle)).filter((name) => name.endsWith('.js') && name !== 'pg.js')) {
      assert.doesNotMatch(readFileSync(path.join(path.dirname(bundle), file), 'utf8'), /node_modules\/pg\/|from ["'](?:\.\/)?pg(?:\.js)?["']|require\(["']pg["']\)/, file);
    }
    // The hook's own file (what a commit loads besides the entry) never reaches pg at all.
    const hook = readFileSync(path.join(path.dirname(bundle), 'command-hook.js'), 'utf8');
    assert.doesNotMatch(hook, /pg\.js/);
    // A lazy file is required inside a wrapper esbuild runs only when the import is reached.
    const lazily = (file: string) => {
      const name = file.replace('.', '\\.');
      return new RegExp(`__commonJS\\(\\{\\n\\s*"beside-bundle:${name}"\\(exports\\d*, module\\d*\\) \\{\\n\\s*module\\d*\\.exports = \\(.*\\?\\? require\\)\\(require\\.resolve\\("\\./${name}"\\)\\);`);
    };
    assert.match(readFileSync(path.join(path.dirname(bundle), 'command-deploy.js'), 'utf8'), lazily('pg.js'));
    // The push hooks' per-commit rules (the verify service) are a file of their own, which a pre-commit never parses.
    assert.doesNotMatch(hook, /function verifyCommits\b/);
    assert.match(hook, lazily('verify-repository.js'));
    assert.match(readFileSync(path.join(path.dirname(bundle), 'verify-repository.js'), 'utf8'), /function verifyCommits\b/);
    // yaml, the secret scanner and secretlint are files of their own, parsed only when guard reaches their import.
    assert.doesNotMatch(hook, /function parseDocument\b|LineCounter = class|function lintSource\b|function tokenizeSql\b/);
    const secrets = readFileSync(path.join(path.dirname(bundle), 'secrets.js'), 'utf8');
    for (const [file, library] of [[hook, 'yaml.js'], [hook, 'secrets.js'], [secrets, 'secretlint-core.js'], [secrets, 'secretlint-preset.js']] as const) {
      assert.match(file, lazily(library));
      assert.ok(existsSync(path.join(path.dirname(bundle), library)), library);
    }
    // CommonJS: Node's ES module loader never starts for a hook.
    assert.deepEqual(JSON.parse(readFileSync(path.join(path.dirname(bundle), 'package.json'), 'utf8')), { type: 'commonjs' });
    assert.doesNotMatch(hook, /\bimport\(/);
    // The entry holds no command: each is a file loaded when it runs.
    assert.ok(readFileSync(bundle, 'utf8').length < 30_000, 'dist/bin/guard.js is the small entry');
    // esbuild keeps a dynamic import lazy: the bundled yaml code runs only when it is reached.
    const modules = readdirSync(path.join(PROJECT_ROOT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js') && !file.startsWith('bin'));
    for (const module of modules) {
      assert.doesNotMatch(readFileSync(path.join(PROJECT_ROOT, 'dist', module), 'utf8'), /^import .* from ["']yaml["'];?$/m, module);
    }
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'dist/core/read-yaml.js'), 'utf8'), /await import\(["']yaml["']\)/);
  });
});

describe('the compiled CLI, as the hooks run it', () => {
  it('reads a new config (yaml chunk), installs the hooks, and refuses a secret (secretlint chunk) on commit', () => {
    const repo = new TempRepo();
    try {
      const bin = path.join(repo.root, 'node_modules/.bin');
      mkdirSync(bin, { recursive: true });
      symlinkSync(path.join(PROJECT_ROOT, 'dist/bin/guard.js'), path.join(bin, 'guard'));
      repo.write('.gitignore', 'node_modules/\n');
      repo.write('db/migrations/001_init.sql', 'CREATE TABLE t (id int);\n');
      const init = spawnSync(path.join(bin, 'guard'), ['init'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(init.status, 0, init.stdout + init.stderr);
      spawnSync('git', ['add', '-A'], { cwd: repo.root });
      const first = spawnSync('git', ['commit', '-qm', 'init'], { cwd: repo.root, encoding: 'utf8' });
      assert.equal(first.status, 0, first.stderr);
      const key = ['AKIA', 'Q3EGRZK5', 'XJ4TLD7P'].join(''); // shaped like an AWS access key id, built at run time
      repo.write('db/migrations/002_key.sql', `-- s3 key ${key}\nSELECT 1;\n`);
      spawnSync('git', ['add', '-A'], { cwd: repo.root });
      const refused = spawnSync('git', ['commit', '-qm', 'key'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /db\/migrations\/002_key\.sql:1: AWS access key ID in a migration/);
    } finally {
      repo.dispose();
    }
  });
});

describe('the compiled code cache of the files beside guard.js', () => {
  it('is made on the first run, used after, and never runs code a changed file no longer holds', () => {
    const repo = new TempRepo();
    const bin = path.join(repo.root, 'guard-copy/dist/bin');
    try {
      cpSync(path.join(PROJECT_ROOT, 'dist/bin'), bin, { recursive: true, filter: (source) => !source.includes('.code-cache') });
      cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(repo.root, 'guard-copy/package.json'));
      repo.write('guard.config.yaml', 'migrations:\n  - dir: versions\n');
      repo.write('versions/a1_base.py', alembicRevision('a1', null));
      const run = () => spawnSync(process.execPath, [path.join(bin, 'guard.js'), 'lock'], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      const cached = () => readdirSync(path.join(bin, '.code-cache')).sort();
      assert.ok(cached().some((name) => name.startsWith('command-lock.js.')), cached().join(', '));
      const before = cached();
      assert.equal(run().status, 0);
      assert.deepEqual(cached(), before, 'the second run uses the cache it finds');
      // V8 checks a cache against the length of its source only: change command-lock.js
      // without changing its length, and the new code must run, not the cached one.
      const lockFile = path.join(bin, 'command-lock.js');
      const source = readFileSync(lockFile, 'utf8');
      assert.ok(source.includes('is up to date'), 'the message this test changes');
      writeFileSync(lockFile, source.replaceAll('is up to date', 'IS UP TO DATE'));
      const changed = run();
      assert.equal(changed.status, 0, changed.stderr);
      assert.match(changed.stdout + changed.stderr, /IS UP TO DATE/);
      assert.ok(!cached().includes(before.find((name) => name.startsWith('command-lock.js.'))!), 'the stale cache is removed');
    } finally {
      repo.dispose();
    }
  });
});

describe('caches never hide a change', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('guard.config.yaml', 'migrations:\n  - dir: versions\n');
    repo.write('versions/a1_base.py', alembicRevision('a1', null));
    repo.write('versions/b2_next.py', alembicRevision('b2', 'a1'));
    assert.equal(repo.guard('lock').code, 0);
    repo.commitAll('base');
    assert.equal(repo.guard('verify').code, 0);
    assert.equal(repo.guard('verify').code, 0);
    assert.ok(existsSync(path.join(repo.root, '.git/guard/readings.json')));
    assert.ok(existsSync(path.join(repo.root, '.git/guard/verify.json')));
  });
  after(() => repo.dispose());

  it('an edit committed without relocking is found on the warm path', () => {
    repo.write('versions/a1_base.py', alembicRevision('a1', null, '# edited'));
    repo.git('commit', '-qam', 'edit', '--no-verify');
    const result = repo.guard('verify', '--rev', 'HEAD');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /versions\/a1_base\.py changed since it was locked/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    assert.equal(repo.guard('verify').code, 0);
  });

  it('a hand edit of the lockfile is found although the files are cached', () => {
    const text = repo.read('checksums.lock.yaml');
    repo.write('checksums.lock.yaml', text.replace('heads: [b2]', 'heads: [a1]'));
    const result = repo.guard('verify');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /heads of versions are \[b2\], the lockfile says \[a1\]/);
    repo.write('checksums.lock.yaml', text);
  });

  it('a corrupt cache is ignored, not trusted', () => {
    writeFileSync(path.join(repo.root, '.git/guard/readings.json'), '{"version": "garbage", "entries": {');
    writeFileSync(path.join(repo.root, '.git/guard/verify.json'), 'not json');
    assert.equal(repo.guard('verify').code, 0);
    // Valid JSON of the wrong shape is a miss too, never a crash.
    const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const entries = Object.fromEntries(
      Object.keys((JSON.parse(readFileSync(path.join(repo.root, '.git/guard/readings.json'), 'utf8')) as { entries: object }).entries).map((key) => [key, { sha256: 5 }]),
    );
    writeFileSync(path.join(repo.root, '.git/guard/readings.json'), JSON.stringify({ version, entries }));
    writeFileSync(path.join(repo.root, '.git/guard/verify.json'), JSON.stringify({ entries: 'oops' }));
    const reshaped = repo.guard('verify');
    assert.equal(reshaped.code, 0, reshaped.stdout + reshaped.stderr);
    repo.write('versions/b2_next.py', alembicRevision('b2', 'a1', '# edited in the work tree'));
    const result = repo.guard('verify');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /versions\/b2_next\.py changed since it was locked/);
    repo.git('checkout', '--', 'versions/b2_next.py');
  });
});
