import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandEnvironment, pgOptionsEscape } from '../../../src/core/deploy/command-environment.js';
import { guardError } from '../helpers.js';

const url = 'postgres://app@production/app';
const inherited = { PATH: '/usr/bin', HOME: '/home/ana', UNSET: undefined, DATABASE_URL: 'postgres://someone@else/db', GUARD_ENV: 'staging' };

/** PGOPTIONS split as the server does (pg_split_opts): whitespace separates, backslash escapes the next character. */
function splitPgOptions(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

describe('commandEnvironment', () => {
  it('sets ENVIRONMENT, GUARD_ENV and DATABASE_URL, keeping every other inherited variable', () => {
    const env = commandEnvironment({ environment: 'production', databaseUrl: url, settings: {}, inherited });
    assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/home/ana', DATABASE_URL: url, GUARD_ENV: 'production', ENVIRONMENT: 'production' });
    assert.ok(!('UNSET' in env), 'undefined variables are left out, not passed as "undefined"');
    assert.ok(!('PGOPTIONS' in env), 'no settings: PGOPTIONS untouched (absent)');
  });

  it('names every session of the command through PGAPPNAME, and drops the URL\'s own application_name that would win over it', () => {
    const named = commandEnvironment({ environment: 'production', databaseUrl: 'postgres://app@db/app?application_name=web&sslmode=require', settings: {}, inherited: { PGAPPNAME: 'inherited' }, sessionName: 'guard migrate #42 production by ana@ci-7 pid 4242' });
    assert.equal(named.PGAPPNAME, 'guard migrate #42 production by ana@ci-7 pid 4242');
    assert.equal(named.DATABASE_URL, 'postgres://app@db/app?sslmode=require');
  });

  it('carries the configured timeouts in PGOPTIONS, in a fixed order', () => {
    const env = commandEnvironment({
      environment: 'production',
      databaseUrl: url,
      settings: { statement_timeout: '30s', lock_timeout: '10s', idle_in_transaction_session_timeout: '1min' },
      inherited: {},
    });
    assert.equal(env.PGOPTIONS, '-c lock_timeout=10s -c statement_timeout=30s -c idle_in_transaction_session_timeout=1min');
    assert.deepEqual(splitPgOptions(env.PGOPTIONS!), ['-c', 'lock_timeout=10s', '-c', 'statement_timeout=30s', '-c', 'idle_in_transaction_session_timeout=1min']);
  });

  it('only the configured ones', () => {
    const env = commandEnvironment({ environment: 'staging', databaseUrl: url, settings: { lock_timeout: '5s' }, inherited: {} });
    assert.equal(env.PGOPTIONS, '-c lock_timeout=5s');
  });

  it('keeps inherited PGOPTIONS first, so the environment’s settings win (the server applies -c in order)', () => {
    const env = commandEnvironment({
      environment: 'production',
      databaseUrl: url,
      settings: { lock_timeout: '10s' },
      inherited: { PGOPTIONS: '  -c search_path=my\\ schema -c lock_timeout=0 ' },
    });
    assert.equal(env.PGOPTIONS, '-c search_path=my\\ schema -c lock_timeout=0 -c lock_timeout=10s');
    const words = splitPgOptions(env.PGOPTIONS!);
    assert.equal(words.at(-1), 'lock_timeout=10s');
    assert.ok(words.includes('search_path=my schema'));
  });

  it('leaves an inherited PGOPTIONS alone when nothing is configured', () => {
    const env = commandEnvironment({ environment: 'ci', databaseUrl: url, settings: {}, inherited: { PGOPTIONS: '-c geqo=off' } });
    assert.equal(env.PGOPTIONS, '-c geqo=off');
  });

  it('sets GUARD_TRANSACTION_PER_MIGRATION when configured, and drops an inherited one when not', () => {
    const on = commandEnvironment({ environment: 'production', databaseUrl: url, settings: { transaction_per_migration: true }, inherited: {} });
    assert.equal(on.GUARD_TRANSACTION_PER_MIGRATION, 'true');
    const off = commandEnvironment({ environment: 'production', databaseUrl: url, settings: { transaction_per_migration: false }, inherited: { GUARD_TRANSACTION_PER_MIGRATION: 'true' } });
    assert.equal(off.GUARD_TRANSACTION_PER_MIGRATION, 'false');
    const unset = commandEnvironment({ environment: 'production', databaseUrl: url, settings: {}, inherited: { GUARD_TRANSACTION_PER_MIGRATION: 'true' } });
    assert.ok(!('GUARD_TRANSACTION_PER_MIGRATION' in unset));
  });

  it('does not change the inherited object', () => {
    const before = structuredClone(inherited);
    commandEnvironment({ environment: 'production', databaseUrl: url, settings: { lock_timeout: '1s', transaction_per_migration: true }, inherited });
    assert.deepEqual(inherited, before);
  });

  it('refuses a value PGOPTIONS cannot carry, naming the environment and setting', async () => {
    const error = await guardError(() =>
      commandEnvironment({ environment: 'production', databaseUrl: url, settings: { lock_timeout: '10s\n-c x=y' }, inherited: {} }),
    );
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^environment production: settings\.lock_timeout: "10s\\n-c x=y" cannot be passed/);
  });
});

describe('pgOptionsEscape', () => {
  it('escapes spaces and backslashes, passes quotes through', () => {
    assert.equal(pgOptionsEscape('10s', 'x'), '10s');
    assert.equal(pgOptionsEscape('my schema', 'x'), 'my\\ schema');
    assert.equal(pgOptionsEscape('a\\b', 'x'), 'a\\\\b');
    assert.equal(pgOptionsEscape("'quoted' \"x\"", 'x'), "'quoted'\\ \"x\"");
    for (const value of ['my schema', 'a\\b c', ' lead', 'trail\\', 'x\\ y']) {
      assert.deepEqual(splitPgOptions(`-c k=${pgOptionsEscape(value, 'x')}`), ['-c', `k=${value}`], value);
    }
  });

  it('refuses empty values and control characters', async () => {
    for (const value of ['', 'a\tb', 'a\0b', 'a\rb', '\x7f']) {
      const error = await guardError(() => pgOptionsEscape(value, 'setting'));
      assert.equal(error.exitCode, 2, JSON.stringify(value));
    }
  });
});
