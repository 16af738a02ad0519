import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findSecrets,
  isPlaceholder,
  LIBRARY_PREFILTER,
  redactLine,
  REVIEWED_SECRETLINT_RULES,
} from '../../src/core/secrets/find-secrets.js';

// Every fake secret below is assembled at run time (a prefix joined to
// generated characters), so this file holds no string that GitHub push
// protection or guard's own scan would take for a real key.

/** `n` deterministic characters from `alphabet`, different for each `seed`. */
function chars(n: number, seed: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let state = seed * 2654435761 + 12345;
  let out = '';
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[state % alphabet.length];
  }
  return out;
}
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A PEM block whose body looks like DER (starts `MII`), as the private key rule wants. */
function pem(label: string, seed: number): string {
  const body = `MII${chars(1200, seed, BASE64)}`;
  return [`-----BEGIN ${label}-----`, ...(body.match(/.{1,64}/g) ?? []), `-----END ${label}-----`].join('\n');
}

const join = (...parts: string[]) => parts.join('');

interface Case {
  name: string;
  /** The line that holds the secret. */
  line: string;
  /** The secret itself: must not appear in any hit. */
  secret: string;
  kind: string;
  /** The finding comes from secretlint: the pre-filter must let it through. */
  library?: boolean;
  /** The file's name: a `.sql` file unless the line is Python. */
  file?: string;
}

const awsKeyId = join('AKIA', chars(16, 1, UPPER_DIGITS));
const awsSecret = chars(40, 2, BASE64);
const githubToken = join('ghp', '_', chars(36, 3));
const gitlabToken = join('glpat', '-', chars(20, 4));
const slackToken = join('xoxb', '-', '2718281828', '-', '3141592653589', '-', chars(24, 5));
const slackWebhook = join('https://hooks.slack', '.com/services/T', chars(8, 6, UPPER_DIGITS), '/B', chars(8, 7, UPPER_DIGITS), '/', chars(24, 8));
const npmToken = join('npm', '_', chars(36, 9));
const openaiKey = join('sk', '-proj-', chars(74, 10), 'T3Blbk', 'FJ', chars(74, 11));
const anthropicKey = join('sk', '-ant-api03-', chars(93, 12), 'AA');
const sendgridKey = join('SG', '.', chars(22, 13), '.', chars(43, 14));
const vaultToken = join('hvs', '.', chars(95, 15));
const stripeKey = join('sk', '_live_', chars(99, 16));
const stripeRestricted = join('rk', '_test_', chars(30, 17));
const stripeWebhook = join('whsec', '_', chars(32, 18));
const googleKey = join('AI', 'za', chars(35, 19));
const azureAccountKey = join(chars(86, 20, BASE64), '==');
const azureSharedKey = join(chars(43, 21, BASE64), '=');
const azureSasSig = join(chars(43, 22, BASE64), '%3D');
const azureClientSecret = join(chars(3, 23), '8', 'Q~', chars(34, 24));
const jwt = join('ey', 'JhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', '.', 'ey', 'JzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ', '.', chars(43, 25));
const bearer = join(chars(20, 26), '7', chars(19, 27));
const rsaKey = pem('RSA PRIVATE KEY', 28);
const pkcs8Key = pem('PRIVATE KEY', 29);
const encryptedKey = pem('ENCRYPTED PRIVATE KEY', 30);
const urlPassword = join('Zq8v', 'Lm3xPw');
const md5Hash = join('md5', chars(32, 31, '0123456789abcdef'));
const scramHash = join('SCRAM-SHA-256$4096:', chars(24, 32, BASE64), '$', chars(44, 33, BASE64), ':', chars(44, 34, BASE64));

const CASES: Case[] = [
  // secretlint
  { name: 'AWS access key ID', file: 'alembic/versions/ae1027a6acf_x.py', line: `aws_access_key_id = "${awsKeyId}"`, secret: awsKeyId, kind: 'AWS access key ID', library: true },
  { name: 'AWS secret access key', file: 'alembic/versions/ae1027a6acf_x.py', line: `AWS_SECRET_ACCESS_KEY = '${awsSecret}'`, secret: awsSecret, kind: 'AWS secret access key', library: true },
  { name: 'GitHub token', line: `-- deploy token ${githubToken}`, secret: githubToken, kind: 'GitHub token', library: true },
  { name: 'GitLab token', line: `INSERT INTO ci (token) VALUES ('${gitlabToken}');`, secret: gitlabToken, kind: 'GitLab token', library: true },
  { name: 'Slack token', file: 'alembic/versions/ae1027a6acf_x.py', line: `SLACK = "${slackToken}"`, secret: slackToken, kind: 'Slack token', library: true },
  { name: 'Slack webhook', line: `INSERT INTO hooks (url) VALUES ('${slackWebhook}');`, secret: slackWebhook.slice(-24), kind: 'Slack webhook URL', library: true },
  { name: 'npm token', line: `UPDATE registries SET token = '${npmToken}';`, secret: npmToken, kind: 'npm token', library: true },
  { name: 'OpenAI key', file: 'alembic/versions/ae1027a6acf_x.py', line: `openai_key = '${openaiKey}'`, secret: openaiKey, kind: 'OpenAI API key', library: true },
  { name: 'Anthropic key', file: 'alembic/versions/ae1027a6acf_x.py', line: `key = "${anthropicKey}"`, secret: anthropicKey, kind: 'Anthropic API key', library: true },
  { name: 'SendGrid key', line: `INSERT INTO mailers VALUES ('${sendgridKey}');`, secret: sendgridKey, kind: 'SendGrid API key', library: true },
  { name: 'Vault token', file: 'alembic/versions/ae1027a6acf_x.py', line: `vault = '${vaultToken}'`, secret: vaultToken, kind: 'HashiCorp Vault token', library: true },
  { name: 'postgres URL', file: 'alembic/versions/ae1027a6acf_x.py', line: `DATABASE_URL = 'postgres://app:${urlPassword}@db.internal:5432/app'`, secret: urlPassword, kind: 'URL with a password', library: true },
  { name: 'mysql URL', line: `SELECT 'mysql://report:${urlPassword}@10.0.0.7/reports';`, secret: urlPassword, kind: 'URL with a password', library: true },
  { name: 'mongodb URL', line: `-- mongodb+srv://svc:${urlPassword}@cluster0.example.net/db`, secret: urlPassword, kind: 'URL with a password', library: true },
  { name: 'https basic auth', line: `INSERT INTO feeds VALUES ('https://feeder:${urlPassword}@feeds.example.net/rss');`, secret: urlPassword, kind: 'URL with a password', library: true },
  // hand-written: URLs
  { name: 'SQLAlchemy URL', file: 'alembic/versions/ae1027a6acf_x.py', line: `url = 'postgresql+psycopg2://app:${urlPassword}@db/app'`, secret: urlPassword, kind: 'URL with a password' },
  { name: 'redis URL, no user', file: 'alembic/versions/ae1027a6acf_x.py', line: `CACHE = 'redis://:${urlPassword}@cache:6379/0'`, secret: urlPassword, kind: 'URL with a password' },
  { name: 'admin user (secretlint skips it)', file: 'alembic/versions/ae1027a6acf_x.py', line: `x = 'https://admin:${urlPassword}@feeds.example.net/rss'`, secret: urlPassword, kind: 'URL with a password' },
  // hand-written: SQL passwords
  { name: 'CREATE ROLE ... PASSWORD', line: "CREATE ROLE app LOGIN PASSWORD 'hunter2';", secret: 'hunter2', kind: 'password literal' },
  { name: 'ALTER USER ... WITH ENCRYPTED PASSWORD', line: "ALTER USER reporting WITH ENCRYPTED PASSWORD 's3cret';", secret: 's3cret', kind: 'password literal' },
  { name: 'SQL Server login', line: "CREATE LOGIN app WITH PASSWORD = N'Str0ng!Pass';", secret: 'Str0ng!Pass', kind: 'password literal' },
  { name: 'postgres_fdw user mapping', line: "CREATE USER MAPPING FOR app SERVER legacy OPTIONS (user 'remote', password 'fdw-Pa55');", secret: 'fdw-Pa55', kind: 'password literal' },
  { name: 'MySQL SET PASSWORD FOR', line: "SET PASSWORD FOR 'bob'@'%' = 'newpw99';", secret: 'newpw99', kind: 'password literal' },
  { name: 'MySQL IDENTIFIED BY', line: "CREATE USER 'app'@'%' IDENTIFIED BY 'mysqlpw1';", secret: 'mysqlpw1', kind: 'password literal' },
  { name: 'Oracle IDENTIFIED BY word', line: 'CREATE USER scott IDENTIFIED BY tiger42;', secret: 'tiger42', kind: 'password literal' },
  { name: "escaped quote in a password", line: "CREATE ROLE app PASSWORD 'it''s-9-secret';", secret: "it''s-9-secret", kind: 'password literal' },
  { name: 'pgcrypto crypt()', line: "INSERT INTO users (name, pw) VALUES ('root', crypt('r00tPass', gen_salt('bf')));", secret: 'r00tPass', kind: 'password literal' },
  { name: 'libpq conninfo', line: "SELECT dblink_connect('host=legacy dbname=app user=etl password=Etl-2024-x');", secret: 'Etl-2024-x', kind: 'password literal' },
  { name: 'ADO connection string', file: 'alembic/versions/ae1027a6acf_x.py', line: 'CONN = "Server=sql1;Database=app;User Id=etl;Password=Etl-2024-x;"', secret: 'Etl-2024-x', kind: 'password literal' },
  { name: 'JDBC query parameter', file: 'alembic/versions/ae1027a6acf_x.py', line: "jdbc = 'jdbc:postgresql://h/db?user=app&password=abcd1234'", secret: 'abcd1234', kind: 'password literal' },
  { name: 'PostgreSQL md5 hash', line: `ALTER ROLE app PASSWORD '${md5Hash}';`, secret: md5Hash, kind: 'password hash' },
  { name: 'PostgreSQL SCRAM verifier', line: `CREATE ROLE app LOGIN PASSWORD '${scramHash}';`, secret: scramHash, kind: 'password hash' },
  { name: 'Oracle IDENTIFIED BY VALUES', line: "CREATE USER v IDENTIFIED BY VALUES 'S:0A1B2C3D4E5F';", secret: 'S:0A1B2C3D4E5F', kind: 'password hash' },
  // hand-written: Python / alembic
  { name: 'Python assignment', file: 'alembic/versions/ae1027a6acf_x.py', line: '    password = "abc123xyz"', secret: 'abc123xyz', kind: 'password literal' },
  { name: 'Python constant', file: 'alembic/versions/ae1027a6acf_x.py', line: "DB_PASS = 'Qw3rty-Prod'", secret: 'Qw3rty-Prod', kind: 'password literal' },
  { name: 'annotated assignment', file: 'alembic/versions/ae1027a6acf_x.py', line: "    admin_password: str = 'Qw3rty-Prod'", secret: 'Qw3rty-Prod', kind: 'password literal' },
  { name: 'dict entry', file: 'alembic/versions/ae1027a6acf_x.py', line: "    op.bulk_insert(accounts, [{'name': 'svc', 'password': 'Qw3rty-Prod'}])", secret: 'Qw3rty-Prod', kind: 'password literal' },
  { name: 'JSON in SQL', line: `INSERT INTO settings VALUES ('smtp', '{"host": "mail", "smtpPassword": "Qw3rty-Prod"}');`, secret: 'Qw3rty-Prod', kind: 'password literal' },
  { name: 'op.execute with SQL', file: 'alembic/versions/ae1027a6acf_x.py', line: `    op.execute("CREATE USER bob PASSWORD 'Tr0ub4dor&3'")`, secret: 'Tr0ub4dor&3', kind: 'password literal' },
  // hand-written: tokens and keys
  { name: 'Stripe secret key', file: 'alembic/versions/ae1027a6acf_x.py', line: `STRIPE = '${stripeKey}'`, secret: stripeKey, kind: 'Stripe secret key' },
  { name: 'Stripe restricted test key', line: `INSERT INTO psp VALUES ('${stripeRestricted}');`, secret: stripeRestricted, kind: 'Stripe secret key' },
  { name: 'Stripe webhook secret', file: 'alembic/versions/ae1027a6acf_x.py', line: `hook = "${stripeWebhook}"`, secret: stripeWebhook, kind: 'Stripe webhook secret' },
  { name: 'Google API key', file: 'alembic/versions/ae1027a6acf_x.py', line: `maps_key = '${googleKey}'`, secret: googleKey, kind: 'Google API key' },
  {
    name: 'Azure storage connection string',
    file: 'alembic/versions/ae1027a6acf_x.py',
    line: `blob = 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${azureAccountKey};EndpointSuffix=core.windows.net'`,
    secret: azureAccountKey,
    kind: 'Azure storage account key',
  },
  {
    name: 'Azure Service Bus key',
    file: 'alembic/versions/ae1027a6acf_x.py',
    line: `bus = 'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${azureSharedKey}'`,
    secret: azureSharedKey,
    kind: 'Azure shared access key',
  },
  {
    name: 'Azure SAS URL',
    line: `INSERT INTO exports VALUES ('https://acme.blob.core.windows.net/c/x.csv?sv=2022-11-02&ss=b&sp=r&sig=${azureSasSig}');`,
    secret: azureSasSig,
    kind: 'Azure SAS token',
  },
  { name: 'Azure client secret', file: 'alembic/versions/ae1027a6acf_x.py', line: `AZURE_CLIENT = '${azureClientSecret}'`, secret: azureClientSecret, kind: 'Azure client secret' },
  { name: 'JSON Web Token', line: `INSERT INTO api_clients (token) VALUES ('${jwt}');`, secret: jwt, kind: 'JSON Web Token' },
  { name: 'Bearer header', file: 'alembic/versions/ae1027a6acf_x.py', line: `headers = {"Authorization": "Bearer ${bearer}"}`, secret: bearer, kind: 'bearer token' },
];

describe('findSecrets: each kind, on its line, redacted', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const file = c.file ?? 'V3__x.sql';
      const text = file.endsWith('.py') ? `# a migration\n\n${c.line}\nx = 1\n` : `-- a migration\n\n${c.line}\nSELECT 1;\n`;
      const hits = await findSecrets(text, file);
      assert.equal(hits.length, 1, JSON.stringify(hits));
      const [hit] = hits;
      assert.equal(hit!.kind, c.kind);
      assert.equal(hit!.line, 3);
      assert.equal(hit!.file, file);
      assert.ok(hit!.excerpt.includes('****'), hit!.excerpt);
      assert.ok(!JSON.stringify(hits).includes(c.secret), `secret printed: ${hit!.excerpt}`);
      if (c.library) assert.ok(LIBRARY_PREFILTER.test(c.line), 'the pre-filter lets secretlint see it');
    });
  }

  it('column points at the secret; excerpt keeps the first 4 characters of a long one', async () => {
    const [hit] = await findSecrets(`x = 1\n  key = '${githubToken}'\n`, 'a.py');
    assert.equal(hit!.line, 2);
    assert.equal(hit!.column, 10);
    assert.equal(hit!.excerpt, "key = 'ghp_****'");
    const [pw] = await findSecrets("CREATE ROLE app PASSWORD 'hunter2';", 'a.sql');
    assert.equal(pw!.excerpt, "CREATE ROLE app PASSWORD '****';", 'a short secret shows nothing of itself');
  });

  it('private keys: reported at the BEGIN line, body never shown', async () => {
    for (const key of [rsaKey, pkcs8Key, encryptedKey]) {
      const text = `-- keys\nINSERT INTO certs (pem) VALUES ('${key}');\n`;
      const hits = await findSecrets(text, 'V9__keys.sql');
      assert.equal(hits.length, 1, JSON.stringify(hits));
      assert.equal(hits[0]!.kind, 'private key');
      assert.equal(hits[0]!.line, 2);
      assert.equal(hits[0]!.column, 34);
      const body = key.split('\n')[1]!;
      assert.ok(!JSON.stringify(hits).includes(body.slice(4, 40)));
    }
  });

  it('a GCP service account key pasted into a migration: its private key, JSON-escaped on one line', async () => {
    const json = JSON.stringify({ type: 'service_account', project_id: 'acme', private_key_id: chars(40, 40, '0123456789abcdef'), private_key: `${pkcs8Key}\n` });
    const hits = await findSecrets(`INSERT INTO integrations (credentials) VALUES ('${json}');\n`, 'V10__gcp.sql');
    assert.equal(hits.length, 1, JSON.stringify(hits));
    assert.equal(hits[0]!.kind, 'private key');
    assert.ok(!hits[0]!.excerpt.includes(pkcs8Key.split('\n')[1]!.slice(4, 40)));
  });

  it('several secrets on one line: one hit each, every one redacted in every excerpt', async () => {
    const line = `creds = {'password': 'Qw3rty-Prod', 'token': '${githubToken}'}`;
    const hits = await findSecrets(line, 'a.py');
    assert.deepEqual(hits.map((h) => h.kind), ['password literal', 'GitHub token']);
    for (const hit of hits) {
      assert.equal(hit.excerpt, "creds = {'password': '****', 'token': 'ghp_****'}");
    }
  });

  it('CRLF and a byte-order mark do not shift lines or columns', async () => {
    const hits = await findSecrets("\ufeff-- x\r\nCREATE ROLE a PASSWORD 'hunter2';\r\n", 'a.sql');
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.line, 2);
    assert.equal(hits[0]!.column, 25);
    assert.equal(hits[0]!.excerpt, "CREATE ROLE a PASSWORD '****';");
  });

  it('a long line is cut around the secret', async () => {
    const line = `INSERT INTO t VALUES (${"'x', ".repeat(60)}'${stripeKey}', ${"'y', ".repeat(60)}1);`;
    const [hit] = await findSecrets(line, 'a.sql');
    assert.ok(hit!.excerpt.length <= 162, String(hit!.excerpt.length));
    assert.ok(hit!.excerpt.includes('sk_l****'));
    assert.ok(hit!.excerpt.startsWith('…') && hit!.excerpt.endsWith('…'));
  });
});

describe('findSecrets: opting out', () => {
  it('guard:allow-secret on the line, guard:allow-secret-next-line on the line before', async () => {
    const text = [
      `key = '${githubToken}'  # guard:allow-secret (fixture)`,
      '-- guard:allow-secret-next-line',
      "CREATE ROLE a PASSWORD 'hunter2';",
      "CREATE ROLE b PASSWORD 'hunter2';",
    ].join('\n');
    const hits = await findSecrets(text, 'a.sql');
    assert.deepEqual(hits.map((h) => h.line), [4]);
  });
});

describe('findSecrets: placeholders are not secrets', () => {
  const lines = [
    "CREATE ROLE app PASSWORD '';",
    "CREATE ROLE app PASSWORD '***';",
    "CREATE ROLE app PASSWORD 'xxxxxxxx';",
    "CREATE ROLE app PASSWORD 'changeme';",
    "CREATE ROLE app PASSWORD 'CHANGE_ME';",
    "CREATE ROLE app PASSWORD 'password';",
    "CREATE ROLE app PASSWORD '<password>';",
    "CREATE ROLE app PASSWORD '${app_password}';", // Flyway placeholder
    "CREATE ROLE app PASSWORD '{{ db_password }}';",
    "CREATE ROLE app PASSWORD '$APP_PASSWORD';",
    "CREATE ROLE app PASSWORD '%(password)s';",
    'CREATE ROLE app PASSWORD :password;',
    'ALTER ROLE app PASSWORD NULL;',
    'CREATE USER z IDENTIFIED BY :pw;',
    'CREATE USER z IDENTIFIED BY &app_pw;',
    'CREATE USER e IDENTIFIED EXTERNALLY;',
    "CREATE USER 'r'@'%' IDENTIFIED BY RANDOM PASSWORD;",
    "UPDATE users SET password_hash = crypt(:password, gen_salt('bf'));",
    "url = 'postgres://app:${DB_PASSWORD}@db/app'",
    "url = 'postgresql://app:%(password)s@db/app'",
    "url = 'postgresql+psycopg2://app:{password}@db/app'",
    "url = 'postgres://app:password@db/app'",
    "url = 'postgres://app:$PGPASSWORD@db/app'",
    "url = f'postgresql://{user}:{password}@{host}/db'",
    "conn = 'host=db user=app password=${DB_PASSWORD}'",
    "conn = 'host=db user=app password=%(password)s'",
    '    password = os.environ["DB_PASSWORD"]',
    "    password = os.environ.get('DB_PASSWORD')",
    "    password = ''",
    "    password = 'secret'",
    "    password = f'{prefix}{suffix}'",
    '    engine = sa.create_engine(url, password=pw, host=host)',
    "    if password == 'hunter22':",
    "headers = {'Authorization': 'Bearer ' + token}",
    'url = "postgres://app:"+password+"@db/app"',
  ];
  for (const line of lines) {
    it(line.trim(), async () => {
      for (const file of ['m.sql', 'm.py', 'm.rb']) assert.deepEqual(await findSecrets(`${line}\n`, file), [], file);
    });
  }

  it('isPlaceholder', () => {
    for (const value of ['', '  ', '****', 'xxxx', 'changeme', 'Change-Me', 'REDACTED', '${X}', '{{x}}', '%(pw)s', '<your password>', '[REDACTED]', 'your_password_here', '$DB_PASSWORD']) {
      assert.equal(isPlaceholder(value), true, value);
    }
    for (const value of ['hunter2', 's3cret', 'Tr0ub4dor&3', '$ecret1', 'test1234']) {
      assert.equal(isPlaceholder(value), false, value);
    }
  });
});

describe('the secretlint pre-filter', () => {
  it('was reviewed against exactly the rules of the installed preset', async () => {
    const preset = await import('@secretlint/secretlint-rule-preset-recommend');
    assert.deepEqual(
      preset.rules.map((rule) => rule.meta.id).sort(),
      [...REVIEWED_SECRETLINT_RULES].sort(),
      'the preset changed: read the new rules and widen LIBRARY_PREFILTER, then update REVIEWED_SECRETLINT_RULES',
    );
  });

  it('ordinary migration text does not load secretlint', () => {
    for (const text of [
      "CREATE TABLE users (password text);\nrevision = 'ae1027a6acf'\n",
      '-- See https://www.postgresql.org/docs/current/sql-createrole.html\n',
      "-- postgres://app@localhost/app\nsa.Column('timezone', sa.String(64), server_default='Asia/Tokyo')\n",
      "op.create_table('ops_runbooks', sa.Column('risk-level', sa.Text))\n",
    ]) {
      assert.equal(LIBRARY_PREFILTER.test(text), false, text);
    }
  });
});

describe('redactLine', () => {
  it('merges overlapping spans and keeps 4 characters of a span of 16 or more that may show them', () => {
    assert.equal(redactLine('a=SECRETSECRETSECRET b=pw', [[2, 20, true], [5, 10], [23, 25, true]]), 'a=SECR**** b=****');
    assert.equal(redactLine('a=SECRETSECRETSECRET b=pw', [[2, 20], [23, 25]]), 'a=**** b=****', 'a password shows nothing');
  });
});
