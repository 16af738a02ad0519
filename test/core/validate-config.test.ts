import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig, type LineOf } from '../../src/core/config/validate-config.js';
import { escapesDir, joinPath, normaliseDir } from '../../src/core/paths.js';
import { guardError } from './helpers.js';

const SOURCE = 'guard.config.yaml';
/** Every key path sits on its own line: 100 + a stable number per path, so messages can be checked. */
const lineOf: LineOf = (path) => (path === '' ? undefined : 100 + [...path].reduce((n, c) => (n * 7 + c.charCodeAt(0)) % 900, 0));
const minimal = { migrations: [{ dir: 'db/migrations' }] };

async function refused(raw: unknown, path: string, message: RegExp, fix?: RegExp) {
  const error = await guardError(() => validateConfig(raw, SOURCE, lineOf));
  assert.equal(error.exitCode, 2, error.message);
  assert.ok(error.message.startsWith(`${SOURCE}:${lineOf(path)}: \`${path}\` `), `expected ${path} on line ${lineOf(path)}: ${error.message}`);
  assert.equal(error.location?.line, lineOf(path));
  assert.equal(error.location?.file, SOURCE);
  assert.match(error.message, message);
  assert.ok(error.fix);
  if (fix) assert.match(error.fix, fix);
  return error;
}

describe('validateConfig', () => {
  it('fills in the defaults', () => {
    const config = validateConfig(minimal, SOURCE);
    assert.deepEqual(config, {
      migrations: [{ dir: 'db/migrations' }],
      seal: 'merged',
      autoLock: true,
      cosmetic: 'refuse',
      environments: [],
      deploy: {},
      drift: { privileges: false, exclude: [] },
    });
  });

  it('reads the SPEC.md example', () => {
    const config = validateConfig(
      {
        migrations: [{ dir: 'db/versions', tool: 'alembic' }, { dir: 'db/sql/', tool: 'sql', naming: 'timestamp' }],
        protected: 'origin/main',
        environments: [
          { name: 'local' },
          { name: 'ci', database: '$CI_DATABASE_URL', ledger: '$GUARD_LEDGER_URL' },
          { name: 'staging', database: '${STAGING_DATABASE_URL}' },
          { name: 'production', database: '$PRODUCTION_DATABASE_URL', settings: { lock_timeout: '10s', statement_timeout: '30s', transaction_per_migration: true }, drift: 'refuse' },
        ],
        deploy: { command: 'alembic upgrade head' },
      },
      SOURCE,
    );
    assert.deepEqual(config.migrations[1], { dir: 'db/sql', tool: 'sql', naming: 'timestamp' });
    assert.equal(config.protected, 'origin/main');
    assert.deepEqual(config.environments.map((e) => e.name), ['local', 'ci', 'staging', 'production']);
    assert.equal(config.environments[1]!.database, '$CI_DATABASE_URL');
    assert.equal(config.environments[0]!.drift, 'warn');
    assert.deepEqual(config.environments[3]!.settings, { lock_timeout: '10s', statement_timeout: '30s', transaction_per_migration: true });
    assert.equal(config.environments[3]!.drift, 'refuse');
    assert.equal(config.deploy.command, 'alembic upgrade head');
  });

  it('unknown keys name the key path and suggest the closest known key', async () => {
    await refused({ ...minimal, enviroments: [] }, 'enviroments', /is not a known key/, /did you mean `environments`/);
    await refused({ migrations: [{ dir: 'db', tol: 'sql' }] }, 'migrations.0.tol', /is not a known key/, /did you mean `tool`/);
    await refused({ ...minimal, environments: [{ name: 'ci', databse: '$X' }] }, 'environments.0.databse', /not a known key/, /did you mean `database`/);
    await refused({ ...minimal, environments: [{ name: 'ci', settings: { lock_timeut: '1s' } }] }, 'environments.0.settings.lock_timeut', /not a known key/, /did you mean `lock_timeout`/);
    await refused({ ...minimal, deploy: { comand: 'x' } }, 'deploy.comand', /not a known key/, /did you mean `command`/);
    await refused({ ...minimal, autolock: false }, 'autolock', /not a known key/, /did you mean `autoLock`/);
    const far = await refused({ ...minimal, somethingElse: 1 }, 'somethingElse', /not a known key/);
    assert.doesNotMatch(far.fix!, /did you mean/);
    assert.match(far.fix!, /migrations, protected/);
  });

  it('every wrong value names its key and line', async () => {
    await refused({}, 'migrations', /non-empty list/);
    await refused({ migrations: [] }, 'migrations', /non-empty list/);
    await refused({ migrations: [42] }, 'migrations.0', /must be a mapping/);
    await refused({ migrations: [{ dir: '' }] }, 'migrations.0.dir', /repository-relative path/);
    await refused({ migrations: [{ dir: 'db', tool: 'liquibase' }] }, 'migrations.0.tool', /"liquibase", expected one of alembic, sql, flyway/);
    await refused({ migrations: [{ dir: 'db', naming: 'semver' }] }, 'migrations.0.naming', /expected one of sequential, timestamp, hybrid/);
    await refused({ migrations: [{ dir: 'db', tool: 'alembic', naming: 'timestamp' }] }, 'migrations.0.naming', /plain SQL sets only/);
    await refused({ migrations: [{ dir: 'db', recursive: 'yes' }] }, 'migrations.0.recursive', /expected true or false/);
    await refused({ migrations: [{ dir: 'db', versions: 'epoch' }] }, 'migrations.0.versions', /expected one of dates, numbers/);
    await refused({ migrations: [{ dir: 'db', tool: 'flyway', versions: 'numbers' }] }, 'migrations.0.versions', /plain SQL sets only/);
    await refused({ migrations: [{ dir: 'db', naming: 'sequential', versions: 'numbers' }] }, 'migrations.0.versions', /timestamp and hybrid/);
    await refused({ migrations: [{ dir: 'db', exclude: 'seed.sql' }] }, 'migrations.0.exclude', /non-empty list of globs/);
    await refused({ migrations: [{ dir: 'db', exclude: ['../x.sql'] }] }, 'migrations.0.exclude.0', /leaves the set's dir/);
    await refused({ migrations: [{ dir: 'db', exclude: ['a\\b.sql'] }] }, 'migrations.0.exclude.0', /leaves the set's dir/);
    await refused({ migrations: [{ dir: 'db', outOfOrder: true }] }, 'migrations.0.outOfOrder', /expected one of allow, refuse/);
    await refused({ migrations: [{ dir: 'db', tool: 'alembic', outOfOrder: 'allow' }] }, 'migrations.0.outOfOrder', /Alembic orders revisions by their parents/);
    assert.deepEqual(validateConfig({ migrations: [{ dir: 'db', tool: 'sql', versions: 'numbers', exclude: [' seed.sql '], outOfOrder: 'allow' }] }, 'guard.config.yaml').migrations[0], {
      dir: 'db',
      tool: 'sql',
      versions: 'numbers',
      exclude: ['seed.sql'],
      outOfOrder: 'allow',
    });
    // `table:` says where the project's own tool config moved the tool's table.
    assert.deepEqual(validateConfig({ migrations: [{ dir: 'db', tool: 'alembic', table: 'audit.Version_Table' }] }, SOURCE).migrations[0]!.table, { schema: 'audit', name: 'Version_Table' });
    assert.deepEqual(validateConfig({ migrations: [{ dir: 'db', tool: 'drizzle', table: 'my_migrations' }] }, SOURCE).migrations[0]!.table, { name: 'my_migrations' });
    await refused({ migrations: [{ dir: 'db', tool: 'sql', table: 'x' }] }, 'migrations.0.table', /not sql: guard records these migrations itself/, /remove `table`/);
    await refused({ migrations: [{ dir: 'db', table: 'x' }] }, 'migrations.0.table', /must name its tool/, /add `tool:`/);
    for (const bad of ['a.b.c', 'a b', '"quoted"', '.x', 'x.', 'n'.repeat(64), 42]) {
      await refused({ migrations: [{ dir: 'db', tool: 'flyway', table: bad }] }, 'migrations.0.table', /table name|not `name` or `schema\.name`/);
    }
    await refused({ migrations: [{ dir: 'a' }, { dir: 'a/' }] }, 'migrations.1.dir', /a is listed twice/);
    await refused({ ...minimal, protected: '' }, 'protected', /git ref/);
    await refused({ ...minimal, seal: 'always' }, 'seal', /expected one of merged, committed/);
    await refused({ ...minimal, autoLock: 'true' }, 'autoLock', /expected true or false/);
    await refused({ ...minimal, cosmetic: 'yes' }, 'cosmetic', /allow, refuse/);
    await refused({ ...minimal, environments: { staging: {} } }, 'environments', /must be a list/);
    await refused({ ...minimal, environments: [{ name: 'stag ing' }] }, 'environments.0.name', /letters, digits/);
    await refused({ ...minimal, environments: ['ci', 'ci'] }, 'environments.1.name', /ci is listed twice/);
    await refused({ ...minimal, environments: [{ name: 'p', drift: 'fail' }] }, 'environments.0.drift', /refuse, warn, ignore/);
    await refused({ ...minimal, environments: [{ name: 'p', settings: { lock_timeout: 'soon' } }] }, 'environments.0.settings.lock_timeout', /not a PostgreSQL duration/);
    await refused({ ...minimal, environments: [{ name: 'p', settings: { transaction_per_migration: 1 } }] }, 'environments.0.settings.transaction_per_migration', /true or false/);
    await refused({ ...minimal, deploy: 'alembic upgrade head' }, 'deploy', /must be a mapping/);
    await refused({ ...minimal, deploy: { command: ' ' } }, 'deploy.command', /command line/);
  });

  it('refuses dirs with "..", absolute dirs and backslashes', async () => {
    for (const dir of ['../elsewhere', 'db/../../x', '/srv/db', 'C:/db', 'db\\versions']) {
      await refused({ migrations: [{ dir }] }, 'migrations.0.dir', /points outside the repository/);
    }
  });

  it('refuses nested dirs, whose files would belong to two sets', async () => {
    const error = await guardError(() => validateConfig({ migrations: [{ dir: 'db' }, { dir: 'db/sql' }] }, SOURCE, lineOf));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /db\/sql lies inside db/);
    await guardError(() => validateConfig({ migrations: [{ dir: '.' }, { dir: 'db' }] }, SOURCE, lineOf));
    assert.deepEqual(validateConfig({ migrations: [{ dir: 'db' }, { dir: 'db2' }] }, SOURCE).migrations.map((m) => m.dir), ['db', 'db2']);
  });

  it('refuses a literal URL with a password in database: or ledger:, and never echoes it', async () => {
    for (const url of [
      'postgres://app:s3cret@db.example.com/app',
      'postgresql://:s3cret@localhost/app',
      'postgres://app:s3c/ret@db/app',
      'host=db user=app password=s3cret',
      'postgres://db/app?password=s3cret',
    ]) {
      const error = await refused({ ...minimal, environments: [{ name: 'prod', database: url }] }, 'environments.0.database', /literal password/, /environment variable/);
      assert.doesNotMatch(`${error.message}\n${error.fix}`, /s3cret/);
    }
    await refused({ ...minimal, environments: [{ name: 'ci', ledger: 'postgres://u:pw@h/l' }] }, 'environments.0.ledger', /literal password/);
  });

  it('refuses a password in the deploy command too: it is committed with the config', async () => {
    const error = await refused({ ...minimal, deploy: { command: 'migrate -database postgres://app:s3cret@db/app up' } }, 'deploy.command', /password/);
    assert.doesNotMatch(`${error.message}\n${error.fix}`, /s3cret/);
  });

  it('accepts $VAR and ${VAR}, and URLs without a password', () => {
    const config = validateConfig(
      { ...minimal, environments: [{ name: 'a', database: '$A_URL' }, { name: 'b', database: '${B_URL}' }, { name: 'c', database: 'postgres:///local_dev' }] },
      SOURCE,
    );
    assert.deepEqual(config.environments.map((e) => e.database), ['$A_URL', '${B_URL}', 'postgres:///local_dev']);
  });

  it('refuses a malformed variable reference', async () => {
    for (const bad of ['${A_URL', '$A_URL}', '$1X']) {
      await refused({ ...minimal, environments: [{ name: 'a', database: bad }] }, 'environments.0.database', /environment variable/);
    }
  });

  it('normalises durations to what PGOPTIONS can carry', () => {
    const config = validateConfig({ ...minimal, environments: [{ name: 'p', settings: { lock_timeout: '10 s', statement_timeout: 500 } }] }, SOURCE);
    assert.deepEqual(config.environments[0]!.settings, { lock_timeout: '10s', statement_timeout: '500ms' });
  });

  it('accepts the package.json form: sets as strings, environments as names', () => {
    const config = validateConfig({ migrations: ['./db/sql/'], environments: ['staging', 'production'] }, 'package.json#guard');
    assert.deepEqual(config.migrations, [{ dir: 'db/sql' }]);
    assert.deepEqual(config.environments.map((e) => e.name), ['staging', 'production']);
  });

  it('names package.json as the file for errors in package.json#guard', async () => {
    const error = await guardError(() => validateConfig({ migrations: 'db' }, 'package.json#guard'));
    assert.equal(error.location?.file, 'package.json');
    assert.match(error.message, /^package\.json#guard: `migrations`/);
  });
});

describe('paths', () => {
  it('escapesDir', () => {
    for (const path of ['', '../x', 'a/../../x', 'a/..', '/abs', 'C:x', 'a\\b', 'a\0b']) assert.equal(escapesDir(path, true), true, path);
    for (const path of ['a', 'a/b.sql', 'a..b/c', '...', 'a/.hidden', 'é/日本.sql']) assert.equal(escapesDir(path, false), false, path);
    assert.equal(escapesDir('.', true), false);
    assert.equal(escapesDir('.', false), true);
  });

  it('normaliseDir and joinPath', () => {
    assert.equal(normaliseDir('./db//versions/'), 'db/versions');
    assert.equal(normaliseDir('./'), '.');
    assert.equal(joinPath('.', 'x.sql'), 'x.sql');
    assert.equal(joinPath('db', 'x.sql'), 'db/x.sql');
  });
});
