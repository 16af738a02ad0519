import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig, type GuardConfig } from '../../../src/core/config/validate-config.js';
import { connectionUrls, referencedVariable, resolveEnvironment } from '../../../src/core/deploy/resolve-environment.js';
import { GuardError } from '../../../src/core/guard-error.js';
import { guardError } from '../helpers.js';

const config: GuardConfig = validateConfig(
  {
    migrations: [{ dir: 'db/versions' }],
    environments: [
      { name: 'local' },
      { name: 'ci', database: '$CI_DATABASE_URL', ledger: '${GUARD_LEDGER_URL}' },
      { name: 'staging', database: '${STAGING_DATABASE_URL}' },
      { name: 'production', database: '$PRODUCTION_DATABASE_URL', settings: { lock_timeout: '10s' } },
    ],
  },
  'guard.config.yaml',
);

const env = {
  CI_DATABASE_URL: 'postgres://ci@db/ci',
  GUARD_LEDGER_URL: 'postgres://guard@ledger/guard',
  STAGING_DATABASE_URL: 'postgres://app@staging/app',
  PRODUCTION_DATABASE_URL: 'postgres://app@production/app',
};

describe('resolveEnvironment', () => {
  it('finds the environment, its place in the chain, its predecessor and its URLs', () => {
    const resolved = resolveEnvironment(config, 'production', env);
    assert.equal(resolved.environment.name, 'production');
    assert.equal(resolved.index, 3);
    assert.equal(resolved.predecessor?.name, 'staging');
    assert.equal(resolved.databaseUrl, env.PRODUCTION_DATABASE_URL);
    assert.equal(resolved.ledgerUrl, env.PRODUCTION_DATABASE_URL, 'the ledger defaults to the database');
    assert.deepEqual(resolved.predecessorConnection, {
      ok: true,
      urls: { databaseUrl: env.STAGING_DATABASE_URL, ledgerUrl: env.STAGING_DATABASE_URL },
      ledgerOnly: false,
    });
  });

  it('reads `ledger:` from its own variable, ${NAME} form included', () => {
    const resolved = resolveEnvironment(config, 'ci', env);
    assert.equal(resolved.databaseUrl, env.CI_DATABASE_URL);
    assert.equal(resolved.ledgerUrl, env.GUARD_LEDGER_URL);
    const staging = resolveEnvironment(config, 'staging', env);
    assert.equal(staging.predecessor?.name, 'ci');
    // ci keeps its ledger elsewhere (an ephemeral database): staging reads only that ledger, so ci's database variable is not needed.
    assert.deepEqual(staging.predecessorConnection, { ok: true, urls: { databaseUrl: '', ledgerUrl: env.GUARD_LEDGER_URL }, ledgerOnly: true });
    const withoutCiDatabase = resolveEnvironment(config, 'staging', { ...env, CI_DATABASE_URL: undefined });
    assert.equal(withoutCiDatabase.predecessorConnection?.ok, true);
  });

  it('skips a predecessor without a database: ci, after local, is the first that can be checked', () => {
    const resolved = resolveEnvironment(config, 'ci', env);
    assert.equal(resolved.index, 1);
    assert.equal(resolved.predecessor, undefined);
    assert.equal(resolved.predecessorConnection, undefined);
  });

  it('the first environment of a chain has no predecessor', () => {
    const single = validateConfig({ migrations: ['db'], environments: [{ name: 'production', database: '$P' }] }, 'guard.config.yaml');
    const resolved = resolveEnvironment(single, 'production', { P: 'postgres://p' });
    assert.equal(resolved.index, 0);
    assert.equal(resolved.predecessor, undefined);
  });

  it('uses a literal URL without a password as it is', () => {
    const literal = validateConfig({ migrations: ['db'], environments: [{ name: 'dev', database: 'postgresql:///dev?host=/run/postgresql' }] }, 'guard.config.yaml');
    assert.equal(resolveEnvironment(literal, 'dev', {}).databaseUrl, 'postgresql:///dev?host=/run/postgresql');
  });

  it('refuses an unknown environment, listing the chain and suggesting the likely one', async () => {
    const typo = await guardError(() => resolveEnvironment(config, 'prodution', env));
    assert.equal(typo.exitCode, 2);
    assert.match(typo.message, /"prodution" is not an environment of guard\.config\.yaml \(chain: local -> ci -> staging -> production\)/);
    assert.match(typo.fix!, /did you mean production\? `guard deploy production`/);
    assert.match((await guardError(() => resolveEnvironment(config, 'prod', env))).fix!, /did you mean production/);
    assert.match((await guardError(() => resolveEnvironment(config, 'Staging', env))).fix!, /did you mean staging/);
    const far = await guardError(() => resolveEnvironment(config, 'qa', env));
    assert.equal(far.fix, 'use one of: local, ci, staging, production');
  });

  it('refuses when no environment is configured, showing an example', async () => {
    const none = validateConfig({ migrations: ['db'] }, 'guard.config.yaml');
    const error = await guardError(() => resolveEnvironment(none, 'production', env, 'package.json#guard'));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^package\.json#guard has no environments/);
    assert.match(error.fix!, /environments:\n {2}- name: staging\n {4}database: \$STAGING_DATABASE_URL/);
  });

  it('refuses an environment without a database, naming the ones that have one', async () => {
    const error = await guardError(() => resolveEnvironment(config, 'local', env));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^environment local has no database to deploy to/);
    assert.match(error.fix!, /deploy to one that has one \(ci, staging, production\), or give local one: `database: \$LOCAL_DATABASE_URL`/);
  });

  it('refuses an unset or empty variable, naming it and the environment, never a URL', async () => {
    const unset = await guardError(() => resolveEnvironment(config, 'production', { ...env, PRODUCTION_DATABASE_URL: undefined }));
    assert.equal(unset.exitCode, 2);
    assert.match(unset.message, /^environment production: `database: \$PRODUCTION_DATABASE_URL` names PRODUCTION_DATABASE_URL, which is not set$/);
    assert.match(unset.fix!, /set PRODUCTION_DATABASE_URL to production's connection string/);
    const empty = await guardError(() => resolveEnvironment(config, 'production', { ...env, PRODUCTION_DATABASE_URL: '  ' }));
    assert.match(empty.message, /which is empty$/);
    const ledger = await guardError(() => resolveEnvironment(config, 'ci', { ...env, GUARD_LEDGER_URL: '' }));
    assert.match(ledger.message, /^environment ci: `ledger: \$\{GUARD_LEDGER_URL\}` names GUARD_LEDGER_URL, which is empty$/);
    assert.match(ledger.fix!, /records ci's deploys/);
    for (const error of [unset, empty, ledger]) assert.doesNotMatch(`${error.message} ${error.fix}`, /postgres:\/\/app|postgres:\/\/guard/);
  });

  it('an unreadable predecessor is exit 3, handed back rather than thrown', () => {
    const resolved = resolveEnvironment(config, 'production', { ...env, STAGING_DATABASE_URL: undefined });
    assert.equal(resolved.databaseUrl, env.PRODUCTION_DATABASE_URL);
    const connection = resolved.predecessorConnection;
    assert.ok(connection && !connection.ok);
    assert.ok(connection.error instanceof GuardError);
    assert.equal(connection.error.exitCode, 3);
    assert.match(connection.error.message, /^staging, before production in the chain, cannot be read: `database: \$\{STAGING_DATABASE_URL\}` names STAGING_DATABASE_URL, which is not set$/);
    assert.match(connection.error.fix!, /set STAGING_DATABASE_URL/);
    assert.match(connection.error.fix!, /never deploys unchecked/);
  });
});

describe('connectionUrls and referencedVariable', () => {
  it('parses $NAME and ${NAME}, nothing else', () => {
    assert.equal(referencedVariable('$STAGING_URL'), 'STAGING_URL');
    assert.equal(referencedVariable('${STAGING_URL}'), 'STAGING_URL');
    assert.equal(referencedVariable('postgres://x'), undefined);
    assert.equal(referencedVariable('${STAGING_URL'), undefined);
    assert.equal(referencedVariable('$1X'), undefined);
  });

  it('refuses an environment without a database', async () => {
    const error = await guardError(() => connectionUrls(config.environments[0]!, env));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /local: has no database/);
  });
});
