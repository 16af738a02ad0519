import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactCommandLine, redactCommandText } from '../../../src/core/deploy/redact-command.js';

// Fake tokens of the vendors' shapes, built at run time so that no secret scanner flags this file.
const fake = (prefix: string, body: string, length: number) => prefix + body.repeat(Math.ceil(length / body.length)).slice(0, length);

describe('redactCommandLine', () => {
  it('hides the password of a URL given to psql, keeping the rest as typed (issue 10, item 3)', () => {
    assert.equal(redactCommandLine(['psql', 'postgresql://app:pw@host/db', '-c', 'SELECT 1']), 'psql postgresql://app:***@host/db -c SELECT 1');
  });

  it('hides URLs of any scheme, and secret query parameters', () => {
    const cases: [string, string][] = [
      ['mysql://root:hunter2@db:3306/app', 'mysql://root:***@db:3306/app'],
      ['postgresql+psycopg2://app:s3cr3t@db/app', 'postgresql+psycopg2://app:***@db/app'],
      ['https://deploy:tok3n@git.example.com/repo.git', 'https://deploy:***@git.example.com/repo.git'],
      ['redis://:onlypassword@cache:6379/0', 'redis://:***@cache:6379/0'],
      ['postgres://db/app?user=app&password=s3cret&sslmode=require', 'postgres://db/app?user=app&password=***&sslmode=require'],
      ['https://bucket.s3.amazonaws.com/x?X-Amz-Credential=abc&X-Amz-Signature=deadbeef&X-Amz-Security-Token=zzz', 'https://bucket.s3.amazonaws.com/x?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***'],
      ['https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abcDEF%2Bxyz', 'https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=***'],
      ['postgres://app:p@ss/w@rd@db/app', 'postgres://app:***@db/app'],
    ];
    for (const [word, expected] of cases) assert.equal(redactCommandLine(['tool', word]), `tool ${expected}`, word);
  });

  it('hides NAME=VALUE pairs whose name says secret, quoted or not', () => {
    const cases: [string, string][] = [
      ['host=db user=app password=s3cret dbname=app', 'host=db user=app password=*** dbname=app'],
      ["host=db password='a b\\'c' dbname=app", 'host=db password=*** dbname=app'],
      ['PGPASSWORD=hunter2', 'PGPASSWORD=***'],
      ['DB_PASSWORD=hunter2', 'DB_PASSWORD=***'],
      ['--password=hunter2', '--password=***'],
      ['-password=hunter2', '-password=***'],
      ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AWS_SECRET_ACCESS_KEY=***'],
      ['client_secret=abc123', 'client_secret=***'],
      ['--api-key=abc123', '--api-key=***'],
      ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc+/def==;', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***'],
    ];
    for (const [word, expected] of cases) assert.equal(redactCommandLine([word]), expected, word);
  });

  it('hides the value of --password VALUE given as two words; psql -W and --password with an option after stay', () => {
    assert.equal(redactCommandLine(['liquibase', '--password', 'hunter2', 'update']), 'liquibase --password *** update');
    assert.equal(redactCommandLine(['psql', '-W', '-d', 'app']), 'psql -W -d app');
    assert.equal(redactCommandLine(['psql', '--password', '-d', 'app']), 'psql --password -d app');
    assert.equal(redactCommandLine(['flyway', '-user=app', '-password=hunter2', 'migrate']), 'flyway -user=app -password=*** migrate');
  });

  it('hides the token shapes of the vendors, wherever they stand', () => {
    const tokens = [
      fake('AKIA', 'IOSFODNN7EXAMPLE', 16),
      fake('ASIA', 'Q2WERTY7UIOPASDF', 16),
      fake('ghp_', 'aB3dE5fG7h', 36),
      fake('github_pat_', '11ABCDEFG0', 82),
      fake('glpat-', 'xY9_zW8-vU', 20),
      fake('xoxb-', '123456789012-', 40),
      fake('npm_', 'a1B2c3D4e5', 36),
      fake('sk-proj-', 'Ab1Cd2Ef3G', 60),
      fake('sk-ant-api03-', 'Zz9Yy8Xx7W', 95),
      fake('sk_live_', 'q1W2e3R4t5', 24),
      fake('rk_test_', 'q1W2e3R4t5', 24),
      fake('AIza', 'SyA1b2C3d4', 35),
      fake('SG.', 'abcdefghijklmnop', 22) + '.' + fake('', 'QRSTUVWXYZabcdef', 43),
      fake('hf_', 'abcdefghij', 34),
      fake('dckr_pat_', 'Ab1-Cd2_Ef', 27),
      `${fake('eyJ', 'hbGciOiJIUzI1NiJ9', 20)}.${fake('eyJ', 'zdWIiOiIxMjM0NTY3ODkwIn0', 24)}.${fake('', 'SflKxwRJSMeKKF2QT4fwpM', 43)}`,
    ];
    for (const token of tokens) {
      for (const word of [token, `--header=${token}`, `TOKEN_VALUE:${token}`]) {
        const out = redactCommandLine(['curl', word]);
        assert.ok(!out.includes(token.slice(-12)), `${word} -> ${out}`);
        assert.match(out, /\*\*\*/);
      }
    }
    assert.equal(redactCommandText(`curl -H "Authorization: Bearer ${fake('', 'abc123DEF4', 30)}" https://api`), 'curl -H "Authorization: Bearer ***" https://api');
    assert.equal(redactCommandText(`curl https://hooks.slack.com/services/${fake('T', '0123ABCD', 8)}/${fake('B', '0123ABCD', 8)}/${fake('', 'xYz123', 24)}`), 'curl https://***');
    assert.equal(redactCommandText(`echo "-----BEGIN RSA PRIVATE KEY-----\nMIIE${'a'.repeat(40)}\n-----END RSA PRIVATE KEY-----" > k`), 'echo "***" > k');
  });

  it('redacts a whole sh -c script or deploy.command, every secret in it', () => {
    const script = 'PGPASSWORD=hunter2 psql "host=db password=xyzzy user=app" -f m.sql && curl -u deploy:pw https://deploy:tok3n@hooks.example.com/done';
    const out = redactCommandLine(['sh', '-c', script]);
    for (const secret of ['hunter2', 'xyzzy', 'tok3n']) assert.ok(!out.includes(secret), out);
    assert.match(out, /^sh -c PGPASSWORD=\*\*\* psql "host=db password=\*\*\*/);
  });

  it('leaves an ordinary command line exactly as it was', () => {
    for (const words of [
      ['alembic', 'upgrade', 'head'],
      ['psql', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres://app@db:5432/app', '-f', 'db/migrations/001_users.sql'],
      ['flyway', '-url=jdbc:postgresql://db/app', '-user=app', 'migrate'],
      ['sh', '-c', 'sleep 2 && python3 -m alembic upgrade head'],
      ['psql', '-c', "CREATE TABLE tokens (id int, token_hash text); SELECT 'Basic auth'"],
    ]) {
      assert.equal(redactCommandLine(words), words.join(' '));
    }
  });
});
