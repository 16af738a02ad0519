import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordsOf, redactSecrets, redactUrl } from '../../../src/core/deploy/redact-url.js';

describe('redactUrl', () => {
  it('replaces the password of postgres:// and postgresql:// URLs, keeping the rest as written', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db.example:5432/prod'), 'postgres://app:***@db.example:5432/prod');
    assert.equal(redactUrl('postgresql://app:s3cret@db/prod?sslmode=require'), 'postgresql://app:***@db/prod?sslmode=require');
    assert.equal(redactUrl('POSTGRES://app:s3cret@db/prod'), 'POSTGRES://app:***@db/prod');
    assert.equal(redactUrl('postgres://app:s3cret@h1:5432,h2:5433/prod'), 'postgres://app:***@h1:5432,h2:5433/prod');
    assert.equal(redactUrl('postgres://app:p%40ss%2Fw@db/prod'), 'postgres://app:***@db/prod');
  });

  it('leaves URLs without a password alone', () => {
    for (const url of ['postgres://db/prod', 'postgres://app@db:5432/prod', 'postgres://app:@db/prod', 'postgres://db:5432/prod?sslmode=verify-full']) {
      assert.equal(redactUrl(url), url);
    }
  });

  it('covers a password written with a raw @ or / whole', () => {
    assert.equal(redactUrl('postgres://app:p@ss/w@rd@db/prod'), 'postgres://app:***@db/prod');
    assert.equal(redactUrl('postgres://app:a:b@db/prod'), 'postgres://app:***@db/prod');
  });

  it('redacts password and sslpassword parameters of URLs', () => {
    assert.equal(redactUrl('postgres://db/prod?user=app&password=s3cret&sslmode=require'), 'postgres://db/prod?user=app&password=***&sslmode=require');
    assert.equal(redactUrl('postgres://app:x@db/prod?sslpassword=k3y'), 'postgres://app:***@db/prod?sslpassword=***');
  });

  it('redacts key=value conninfo strings', () => {
    assert.equal(redactUrl('host=db user=app password=s3cret dbname=prod'), 'host=db user=app password=*** dbname=prod');
    assert.equal(redactUrl("host=db password='s3 c\\'ret' dbname=prod"), 'host=db password=*** dbname=prod');
    assert.equal(redactUrl('host=db password = s3cret'), 'host=db password = ***');
    assert.equal(redactUrl('host=db user=app'), 'host=db user=app');
  });
});

describe('redactSecrets', () => {
  const url = 'postgres://app:s3cr%40t!@db.example:5432/prod';

  it('replaces the URL itself by its redacted form', () => {
    assert.equal(redactSecrets(`cannot reach ${url} now`, [url]), 'cannot reach postgres://app:***@db.example:5432/prod now');
  });

  it('removes the password wherever it appears, as written and decoded', () => {
    const text = 'password "s3cr%40t!" rejected; tried s3cr@t! too';
    const out = redactSecrets(text, [url]);
    assert.ok(!out.includes('s3cr'), out);
    assert.equal(out, 'password "***" rejected; tried *** too');
  });

  it('redacts other database URLs and conninfo passwords found in the text', () => {
    const out = redactSecrets('from postgresql://u:other@h/d and host=h password=zzz', []);
    assert.equal(out, 'from postgresql://u:***@h/d and host=h password=***');
  });

  it('removes the passwords of conninfo strings, quoted or not', () => {
    const conninfo = "host=db password='a b\\'c' user=x";
    assert.deepEqual(passwordsOf(conninfo).sort(), ["a b'c", "a b\\'c"].sort());
    assert.equal(redactSecrets("saw a b'c here", [conninfo]), 'saw *** here');
  });

  it('leaves text without secrets as it was', () => {
    assert.equal(redactSecrets('password authentication failed for user "app"', [url, '']), 'password authentication failed for user "app"');
  });
});
