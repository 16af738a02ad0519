// guard's ledger migrations are part of the build: their text is embedded in
// a generated module (scripts/embed-ledger-sql.mjs) from the SQL files under
// src/ledger/migrations, which stay the source of truth. The bundle creates
// the ledger wherever it is copied, with no src/ beside it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contentChecksum } from '../../src/core/checksum.js';
import { parseLockfile } from '../../src/core/lockfile/format/index.js';
import { LEDGER_MIGRATION_FILES } from '../../src/shell/postgres/ledger-migrations.generated.js';
import { readLedgerMigrations } from '../../src/shell/postgres/ledger.js';
import { PROJECT_ROOT, TempRepo } from '../helpers/git-repo.js';
import { queryRows } from '../helpers/compiled-guard.js';
import { testDatabase } from '../helpers/postgres.js';

const SQL_DIR = path.join(PROJECT_ROOT, 'src/ledger/migrations');
const SCRIPT = path.join(PROJECT_ROOT, 'scripts/embed-ledger-sql.mjs');
const BUNDLE = path.join(PROJECT_ROOT, 'dist/bin');

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("guard's ledger migrations, embedded in the build", () => {
  it('are the SQL files under src/ledger/migrations, byte for byte, in version order', () => {
    const files = readdirSync(SQL_DIR).filter((name) => name.endsWith('.sql'));
    files.sort((a, b) => Number(a.slice(0, a.indexOf('_'))) - Number(b.slice(0, b.indexOf('_'))));
    assert.deepEqual(
      LEDGER_MIGRATION_FILES.map(({ file, sql }) => ({ file, sql })),
      files.map((file) => ({ file, sql: readFileSync(path.join(SQL_DIR, file), 'utf8') })),
      'the embedded ledger migrations differ from src/ledger/migrations: run node scripts/embed-ledger-sql.mjs',
    );
  });

  it('carry the checksums this repository locked for them', async () => {
    const { lock } = await parseLockfile(readFileSync(path.join(PROJECT_ROOT, 'checksums.lock.yaml'), 'utf8'), 'checksums.lock.yaml');
    const locked = lock.sets.find((set) => set.dir === 'src/ledger/migrations');
    assert.ok(locked, 'checksums.lock.yaml locks src/ledger/migrations');
    assert.deepEqual(
      readLedgerMigrations().map(({ version, file, sha256 }) => ({ version, file, sha256 })),
      locked.migrations.map((entry) => ({ version: entry.id, file: entry.file, sha256: entry.sha256 })),
    );
    for (const migration of readLedgerMigrations()) assert.equal(migration.sha256, contentChecksum(readFileSync(path.join(SQL_DIR, migration.file))));
  });

  it('embed-ledger-sql --check passes on this tree and fails once a SQL file changes', () => {
    assert.equal(spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' }).status, 0);
    const copy = temporaryDir('guard-ledger-embed-');
    cpSync(path.join(PROJECT_ROOT, 'scripts/embed-ledger-sql.mjs'), path.join(copy, 'scripts/embed-ledger-sql.mjs'));
    cpSync(SQL_DIR, path.join(copy, 'src/ledger/migrations'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'src/shell/postgres/ledger-migrations.generated.ts'), path.join(copy, 'src/shell/postgres/ledger-migrations.generated.ts'));
    const script = path.join(copy, 'scripts/embed-ledger-sql.mjs');
    assert.equal(spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' }).status, 0);
    writeFileSync(path.join(copy, 'src/ledger/migrations/004_more.sql'), 'CREATE TABLE guard.more (id int);\n');
    const stale = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /ledger-migrations\.generated\.ts differs from src\/ledger\/migrations\/\*\.sql: run node scripts\/embed-ledger-sql\.mjs/);
    assert.equal(spawnSync(process.execPath, [script], { encoding: 'utf8' }).status, 0);
    assert.equal(spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' }).status, 0);
    assert.match(readFileSync(path.join(copy, 'src/shell/postgres/ledger-migrations.generated.ts'), 'utf8'), /file: "004_more\.sql", sql: "CREATE TABLE guard\.more \(id int\);\\n"/);
  });

  it('the installed package, without src/, creates the ledger of a deploy', async () => {
    const database = await testDatabase();
    cleanups.push(() => database.drop());
    // What package.json "files" ships of the CLI: package.json and the bundle; no src/.
    const installed = temporaryDir('guard-installed-');
    cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(installed, 'package.json'));
    cpSync(BUNDLE, path.join(installed, 'dist/bin'), { recursive: true });
    const repo = new TempRepo();
    cleanups.push(() => repo.dispose());
    const env = { ...process.env, NO_COLOR: '1', STAGING_DATABASE_URL: database.url };
    const guard = (...args: string[]) => spawnSync(process.execPath, [path.join(installed, 'dist/bin/guard.js'), ...args], { cwd: repo.root, encoding: 'utf8', env });
    repo.write('guard.config.yaml', 'migrations:\n  - dir: db/migrations\n    tool: sql\nenvironments:\n  - name: staging\n    database: $STAGING_DATABASE_URL\n');
    repo.write('db/migrations/001_users.sql', 'CREATE TABLE users (id int);\n');
    const locked = guard('lock');
    assert.equal(locked.status, 0, locked.stderr);
    repo.commitAll('migrations');
    const deployed = guard('deploy', 'staging');
    assert.equal(deployed.status, 0, deployed.stderr);
    const rows = await queryRows(database.url, 'SELECT version, sha256 FROM guard.schema_migrations ORDER BY version');
    assert.deepEqual(rows, readLedgerMigrations().map(({ version, sha256 }) => ({ version, sha256 })));
  });
});
