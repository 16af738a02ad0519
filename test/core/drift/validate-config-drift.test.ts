import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig, type LineOf } from '../../../src/core/config/validate-config.js';
import { guardError } from '../helpers.js';

const SOURCE = 'guard.config.yaml';
/** Every key path sits on its own line: 100 + a stable number per path, so messages can be checked. */
const lineOf: LineOf = (path) => (path === '' ? undefined : 100 + [...path].reduce((n, c) => (n * 7 + c.charCodeAt(0)) % 900, 0));
const minimal = { migrations: [{ dir: 'db/migrations' }] };

async function refused(raw: unknown, path: string) {
  const error = await guardError(() => validateConfig(raw, SOURCE, lineOf));
  assert.equal(error.exitCode, 2, error.message);
  assert.ok(error.message.startsWith(`${SOURCE}:${lineOf(path)}: \`${path}\` `), `expected ${path} on line ${lineOf(path)}: ${error.message}`);
  assert.deepEqual(error.location, { file: SOURCE, line: lineOf(path) });
  assert.ok(error.fix);
  return { message: error.message.slice(`${SOURCE}:${lineOf(path)}: `.length), fix: error.fix };
}

describe('validateConfig: drift settings (top-level `drift:`)', () => {
  it('defaults to no privileges and no exclusions', () => {
    assert.deepEqual(validateConfig(minimal, SOURCE).drift, { privileges: false, exclude: [] });
    assert.deepEqual(validateConfig({ ...minimal, drift: {} }, SOURCE).drift, { privileges: false, exclude: [] });
  });

  it('reads privileges and the exclude patterns, trimmed', () => {
    assert.deepEqual(validateConfig({ ...minimal, drift: { privileges: true, exclude: ['audit.*', ' public.spatial_ref_sys '] } }, SOURCE).drift, {
      privileges: true,
      exclude: ['audit.*', 'public.spatial_ref_sys'],
    });
    assert.deepEqual(validateConfig({ ...minimal, drift: { privileges: false } }, SOURCE).drift, { privileges: false, exclude: [] });
    assert.deepEqual(validateConfig({ ...minimal, drift: { exclude: [] } }, SOURCE).drift, { privileges: false, exclude: [] });
  });

  it('does not share the default between two configs', () => {
    const first = validateConfig(minimal, SOURCE);
    first.drift.exclude.push('audit.*');
    assert.deepEqual(validateConfig(minimal, SOURCE).drift, { privileges: false, exclude: [] });
  });

  it('the top-level settings and each environment’s policy live side by side', () => {
    const config = validateConfig(
      { ...minimal, drift: { exclude: ['audit.*'] }, environments: [{ name: 'staging' }, { name: 'production', drift: 'refuse' }, { name: 'scratch', drift: 'ignore' }] },
      SOURCE,
    );
    assert.deepEqual(config.drift, { privileges: false, exclude: ['audit.*'] });
    assert.deepEqual(config.environments.map((e) => [e.name, e.drift]), [['staging', 'warn'], ['production', 'refuse'], ['scratch', 'ignore']]);
  });

  it('a policy written at the top (`drift: refuse`) says the policy is set per environment, and shows how', async () => {
    for (const policy of ['refuse', 'warn', 'ignore']) {
      const { message, fix } = await refused({ ...minimal, drift: policy }, 'drift');
      assert.equal(message, '`drift` at the top is a mapping of drift settings; the policy (refuse, warn, ignore) is set per environment');
      assert.equal(fix, 'for example:\ndrift:\n  privileges: false\n  exclude: [audit.*]\nenvironments:\n  - name: production\n    drift: refuse');
    }
  });

  it('anything else that is not a mapping is refused as such', async () => {
    for (const value of [true, ['audit.*'], 1, null]) {
      const { message } = await refused({ ...minimal, drift: value }, 'drift');
      assert.equal(message, '`drift` must be a mapping', `for ${JSON.stringify(value)}`);
    }
  });

  it('unknown keys are refused, with the closest known key suggested', async () => {
    const typo = await refused({ ...minimal, drift: { privilege: true } }, 'drift.privilege');
    assert.equal(typo.message, '`drift.privilege` is not a known key');
    assert.match(typo.fix, /^did you mean `privileges`\? Known keys: privileges, exclude$/);

    const policy = await refused({ ...minimal, drift: { policy: 'refuse' } }, 'drift.policy');
    assert.equal(policy.message, '`drift.policy` is not a known key');
    assert.match(policy.fix, /privileges, exclude/);
  });

  it('privileges must be true or false', async () => {
    for (const value of ['yes', 1, 'true']) {
      const { message, fix } = await refused({ ...minimal, drift: { privileges: value } }, 'drift.privileges');
      assert.equal(message, `\`drift.privileges\` is ${JSON.stringify(value)}, expected true or false`);
      assert.equal(fix, 'write `privileges: true` or `false`');
    }
  });

  it('exclude must be a list of non-empty strings', async () => {
    for (const value of ['audit.*', [''], ['audit.*', '  '], [42], [null], { audit: true }]) {
      const { message, fix } = await refused({ ...minimal, drift: { exclude: value } }, 'drift.exclude');
      assert.equal(message, '`drift.exclude` must be a list of qualified names, `*` matching any run of characters', `for ${JSON.stringify(value)}`);
      assert.equal(fix, 'for example `exclude: [audit.*, public.spatial_ref_sys]`');
    }
  });
});
