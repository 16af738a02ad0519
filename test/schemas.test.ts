import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { validateConfig } from '../src/core/config/validate-config.js';
import { GuardError } from '../src/core/guard-error.js';
import { parseLockfile } from '../src/core/lockfile/format/index.js';
import { PROJECT_ROOT } from './helpers/git-repo.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const load = (name: string) => JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas', name), 'utf8')) as object;
const configSchema = ajv.compile(load('config.schema.json'));
const lockfileSchema = ajv.compile(load('lockfile.schema.json'));

/** Configs with the verdict both the JSON Schema (for editors) and guard's validator must give. */
const CONFIGS: [string, boolean][] = [
  ['migrations:\n  - dir: db/versions\n', true],
  ['migrations: [db/sql]\n', true],
  ['migrations:\n  - dir: db/sql\n    tool: sql\n    naming: hybrid\nseal: committed\nautoLock: false\n', true],
  [
    'migrations:\n  - dir: db\nprotected: origin/main\nenvironments:\n  - name: ci\n    database: $CI_DATABASE_URL\n    ledger: $GUARD_LEDGER_URL\n  - name: production\n    database: $PRODUCTION_DATABASE_URL\n    settings: { lock_timeout: 10s, statement_timeout: 30s, transaction_per_migration: true }\n    drift: refuse\ndeploy:\n  command: alembic upgrade head\n',
    true,
  ],
  ['{}\n', false],
  ['migrations: []\n', false],
  ['migrations:\n  - dir: ../outside\n', false],
  ['migrations:\n  - dir: /abs\n', false],
  ['migrations:\n  - dir: db\n    tol: sql\n', false],
  ['migrations:\n  - dir: db\n    tool: liquibase\n', false],
  ['migrations:\n  - dir: db\nseal: sometimes\n', false],
  ['migrations:\n  - dir: db\nenvironments:\n  - name: prod\n    database: postgres://app:s3cret@db.example.com/app\n', false],
  ['migrations:\n  - dir: db\nenvironments:\n  - name: prod\n    settings: { lock_timeout: soon }\n', false],
  ['migrations:\n  - dir: db\nunknown: 1\n', false],
  ['migrations:\n  - dir: db/sql\n    tool: sql\n    naming: timestamp\n    versions: numbers\n    exclude: [seed.sql, "helpers/**"]\n    outOfOrder: allow\n', true],
  ['migrations:\n  - dir: db\n    versions: sometimes\n', false],
  ['migrations:\n  - dir: db\n    exclude: []\n', false],
  ['migrations:\n  - dir: db\n    exclude: [../other/x.sql]\n', false],
  ['migrations:\n  - dir: db\n    exclude: [/abs.sql]\n', false],
  ['migrations:\n  - dir: db\n    exclude: seed.sql\n', false],
  ['migrations:\n  - dir: db\n    outOfOrder: yes\n', false],
];

function validatorAccepts(raw: unknown): boolean {
  try {
    validateConfig(raw, 'guard.config.yaml');
    return true;
  } catch (error) {
    if (error instanceof GuardError) return false;
    throw error;
  }
}

describe('published JSON Schemas', () => {
  for (const [text, valid] of CONFIGS) {
    it(`config schema and guard agree: ${valid ? 'accept' : 'reject'} ${JSON.stringify(text.slice(0, 60))}`, () => {
      const raw = parse(text) as unknown;
      assert.equal(configSchema(raw), valid, JSON.stringify(configSchema.errors));
      assert.equal(validatorAccepts(raw), valid);
    });
  }

  it("the lockfile schema accepts this repository's own lockfile", () => {
    const raw = parse(readFileSync(path.join(PROJECT_ROOT, 'checksums.lock.yaml'), 'utf8')) as unknown;
    assert.equal(lockfileSchema(raw), true, JSON.stringify(lockfileSchema.errors));
  });

  it('the lockfile schema rejects an escaping path and an unknown version', () => {
    const raw = parse(readFileSync(path.join(PROJECT_ROOT, 'checksums.lock.yaml'), 'utf8')) as { lockfile: number; sets: { migrations: { file: string }[] }[] };
    raw.sets[0]!.migrations[0]!.file = '../../etc/passwd';
    assert.equal(lockfileSchema(raw), false);
    raw.sets[0]!.migrations[0]!.file = 'ok.sql';
    raw.lockfile = 2;
    assert.equal(lockfileSchema(raw), false);
  });

  it('the lockfile schema and guard agree on set amendments', async () => {
    const chain = `sha256:${'a'.repeat(64)}`;
    const cases: [string, boolean][] = [
      [`{set: db/old, change: dropped, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, true],
      [`{set: db/old, change: moved, to: db/new, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, true],
      [`{set: db/old, change: retooled, from: sql, to: flyway, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, true],
      [`{set: db/old, change: dropped, to: db/new, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, false],
      [`{set: db/old, change: moved, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, false],
      [`{set: db/old, change: retooled, to: flyway, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, false],
      [`{set: db/old, change: forgotten, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, false],
      [`{set: ../old, change: dropped, chain: "${chain}", reason: r, by: b, at: "2026-12-06"}`, false],
      [`{set: db/old, change: dropped, reason: r, by: b, at: "2026-12-06"}`, false],
    ];
    const own = readFileSync(path.join(PROJECT_ROOT, 'checksums.lock.yaml'), 'utf8').replace('amendments: []', 'amendments:');
    for (const [line, valid] of cases) {
      const text = `${own}  - ${line}\n`;
      assert.equal(lockfileSchema(parse(text)), valid, `${line}: ${JSON.stringify(lockfileSchema.errors)}`);
      const accepted = await parseLockfile(text, 'checksums.lock.yaml').then(
        () => true,
        (error: unknown) => (error instanceof GuardError ? false : Promise.reject(error)),
      );
      assert.equal(accepted, valid, line);
    }
  });

  it('package.json publishes both schemas', () => {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, string> };
    assert.ok(manifest.files.includes('schemas'));
    assert.equal(manifest.exports['./schemas/config.schema.json'], './schemas/config.schema.json');
    assert.equal(manifest.exports['./schemas/lockfile.schema.json'], './schemas/lockfile.schema.json');
  });
});
