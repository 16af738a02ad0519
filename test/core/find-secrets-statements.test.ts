import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chars } from '../helpers/fake-secrets.js';
import { findSecrets } from '../../src/core/secrets/find-secrets.js';

// Secrets in statements, not lines: each spelling below hides a password
// from a scanner that reads one line (or one literal) at a time. Every fake
// secret is generated at run time, so this file holds none.


interface Hostile {
  name: string;
  file: string;
  text: string;
  /** Every piece of the secret: none may appear in any finding. */
  pieces: string[];
  /** 1-based line of the finding: where the secret's first piece is. */
  line: number;
  kind?: string;
}

const SQL = 'db/migrations/V7__roles.sql';
const PY = 'alembic/versions/3f2a9c1b7d4e_roles.py';

let seed = 100;
/** A case whose secret has `count` pieces of 8 characters; `build` writes the file from them. */
function hostile(name: string, file: string, count: number, line: number, build: (...pieces: string[]) => string, kind?: string): Hostile {
  const pieces = Array.from({ length: count }, () => chars(8, seed++));
  return { name, file, text: build(...pieces), pieces, line, ...(kind ? { kind } : {}) };
}

const md5Hex = (seedValue: number): string => {
  const hex = '0123456789abcdef';
  let out = '';
  for (let i = 0; i < 32; i++) out += hex[(seedValue * 31 + i * 7) % 16];
  return out;
};

const CASES: Hostile[] = [
  // --- SQL: where the value is
  hostile('keyword and value split over lines', SQL, 1, 3, (p) => `CREATE ROLE app\n  PASSWORD\n  '${p}';\n`),
  hostile('value after a blank line and a comment line', SQL, 1, 4, (p) => `ALTER ROLE app PASSWORD\n\n-- set by ops\n'${p}';\n`),
  hostile('block comment between keyword and value', SQL, 1, 1, (p) => `CREATE ROLE app LOGIN PASSWORD /* x */ '${p}';\n`),
  hostile('nested block comment between', SQL, 1, 1, (p) => `CREATE ROLE app PASSWORD /* a /* b */ c */ '${p}';\n`),
  hostile('line comment between', SQL, 1, 2, (p) => `CREATE ROLE app PASSWORD -- c\n '${p}';\n`),
  hostile('dollar quotes', SQL, 1, 1, (p) => `CREATE ROLE app PASSWORD $$${p}$$;\n`),
  hostile('dollar quotes with a tag', SQL, 1, 1, (p) => `CREATE ROLE app PASSWORD $pw$${p}$pw$;\n`),
  hostile('dollar quotes over two lines', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD $$${a}\n${b}$$;\n`),
  hostile("E'' with a hex escape in the middle", SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD E'${a}\\x41${b}';\n`),
  hostile("E'' with an escaped quote and octal escape", SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD E'${a}\\'\\101${b}';\n`),
  hostile("U&'' with \\XXXX escapes", SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD U&'${a}\\0041\\+000042${b}';\n`),
  hostile("U&'' with UESCAPE", SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD U&'${a}!0041${b}' UESCAPE '!';\n`),
  hostile('string continuation across a newline', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD '${a}'\n'${b}';\n`),
  hostile('string continuation with a comment in it', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD '${a}' -- more\n    '${b}';\n`),
  hostile("E'' continued: the escape style carries over", SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD E'${a}'\n'\\x41${b}';\n`),
  hostile('|| concatenation', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD '${a}' || '${b}';\n`),
  hostile('|| without spaces, three pieces', SQL, 3, 1, (a, b, c) => `CREATE ROLE app PASSWORD '${a}'||'${b}'||'${c}';\n`),
  hostile('|| across lines with comments', SQL, 2, 2, (a, b) => `CREATE ROLE app PASSWORD\n  '${a}' /* one */ ||\n  -- two\n  '${b}';\n`),
  hostile('|| in parentheses, with a cast', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD ('${a}' || '${b}')::text;\n`),
  hostile('ENCRYPTED PASSWORD', SQL, 1, 1, (p) => `ALTER ROLE app WITH ENCRYPTED PASSWORD '${p}';\n`),
  hostile('ALTER USER ... WITH PASSWORD, lower case', SQL, 1, 1, (p) => `alter user app with password '${p}';\n`),
  hostile('mixed case keywords', SQL, 1, 1, (p) => `CrEaTe RoLe app LoGiN pAsSwOrD '${p}' VaLiD UnTiL 'infinity';\n`),
  hostile('CREATE USER MAPPING ... OPTIONS (password ...) over lines', SQL, 1, 4, (p) => `CREATE USER MAPPING FOR app\n  SERVER legacy\n  OPTIONS (user 'etl',\n           password '${p}');\n`),
  hostile('ALTER USER MAPPING ... OPTIONS (SET password ...)', SQL, 1, 1, (p) => `ALTER USER MAPPING FOR app SERVER legacy OPTIONS (SET password '${p}');\n`),
  hostile('dblink_connect conninfo', SQL, 1, 1, (p) => `SELECT dblink_connect('legacy', 'host=legacy dbname=app user=etl password=${p}');\n`),
  hostile('dblink_connect conninfo built with ||', SQL, 1, 2, (p) => `SELECT dblink_connect('legacy', 'host=legacy user=etl ' ||\n  'password=${p}');\n`),
  hostile("conninfo in E'' with an escape before the password", SQL, 1, 1, (p) => `SELECT dblink_connect(E'host=legacy\\tuser=etl password=${p}');\n`),
  hostile('EXECUTE of a string in a DO block', SQL, 1, 1, (p) => `DO $$ BEGIN EXECUTE 'ALTER ROLE app PASSWORD ''${p}'''; END $$;\n`),
  hostile("EXECUTE format('... PASSWORD %L', ...)", SQL, 1, 3, (p) => `DO $body$\nBEGIN\n  EXECUTE format('ALTER ROLE %I PASSWORD %L', 'app', '${p}');\nEND\n$body$;\n`),
  hostile('a function body that sets a password', SQL, 1, 4, (p) => `CREATE FUNCTION reset_app() RETURNS void LANGUAGE sql AS $fn$\n  ALTER ROLE app\n    PASSWORD\n    '${p}';\n$fn$;\n`),
  hostile('psql: \\set then :variable', SQL, 1, 1, (p) => `\\set role_secret '${p}'\nCREATE ROLE app LOGIN PASSWORD :'role_secret';\n`),
  hostile('psql: \\set of a password-named variable', SQL, 1, 1, (p) => `\\set app_password '${p}'\n`),
  hostile('Flyway placeholders around a literal password', 'db/migration/V3__roles.sql', 1, 2, (p) => `-- Flyway\nCREATE USER \${app_user} WITH PASSWORD '${p}' IN ROLE \${app_group};\n`),
  hostile('dbmate file', 'db/migrations/20260101000000_roles.sql', 1, 3, (p) => `-- migrate:up\nCREATE ROLE app\n  PASSWORD '${p}';\n\n-- migrate:down\nDROP ROLE app;\n`),
  hostile('goose file with StatementBegin', 'db/migrations/00007_roles.sql', 2, 4, (a, b) => `-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN\n  EXECUTE 'ALTER ROLE app PASSWORD ' || quote_literal('${a}' || '${b}');\nEND $$;\n-- +goose StatementEnd\n`),
  hostile('a commented-out statement is still a secret', SQL, 1, 1, (p) => `-- CREATE ROLE app PASSWORD '${p}';\nCREATE ROLE app;\n`),
  hostile('a URL with a password in a block comment', SQL, 1, 2, (p) => `/*\n  old: postgresql://app:${p}@db.internal/app\n*/\nSELECT 1;\n`, 'URL with a password'),
  hostile('MySQL SET PASSWORD FOR over lines', SQL, 1, 2, (p) => `SET PASSWORD FOR 'app'@'%' =\n  '${p}';\n`),
  hostile('MySQL IDENTIFIED BY over lines', SQL, 1, 3, (p) => `CREATE USER 'app'@'%'\n  IDENTIFIED BY\n  '${p}';\n`),
  hostile('Oracle IDENTIFIED BY "..."', SQL, 1, 1, (p) => `CREATE USER scott IDENTIFIED BY "${p}";\n`),
  hostile('crypt() over lines', SQL, 1, 2, (p) => `INSERT INTO users (login, pw) VALUES ('root', crypt(\n  '${p}', gen_salt('bf')));\n`),
  hostile('UPDATE ... SET password = over lines', SQL, 1, 2, (p) => `UPDATE users SET password =\n  '${p}' WHERE login = 'root';\n`),
  hostile('PL/pgSQL variable := literal', SQL, 1, 3, (p) => `DO $$\nDECLARE v_db_password text;\nBEGIN v_db_password := '${p}'; END $$;\n`),
  hostile('named argument password => literal', SQL, 1, 1, (p) => `SELECT make_account(login => 'svc', password => '${p}');\n`),
  hostile('SQL Server PASSWORD = N literal', SQL, 1, 1, (p) => `CREATE LOGIN app WITH PASSWORD = N'${p}';\n`),
  {
    name: 'an md5 hash split by continuation is a hash',
    file: SQL,
    text: `ALTER ROLE app PASSWORD 'md5${md5Hex(1).slice(0, 16)}'\n'${md5Hex(1).slice(16)}';\n`,
    pieces: [md5Hex(1).slice(0, 16), md5Hex(1).slice(16)],
    line: 1,
    kind: 'password hash',
  },
  // --- Python (Alembic, Django)
  hostile('PASSWORD = ( "..." ) used in op.execute', PY, 1, 2, (p) => `PASSWORD = (\n    "${p}"\n)\n\ndef upgrade():\n    op.execute(f"CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'")\n`),
  hostile('a constant with an ordinary name used in an f-string', PY, 1, 1, (p) => `ROLE_SECRET = "${p}"\n\ndef upgrade():\n    op.execute(f"ALTER ROLE app PASSWORD '{ROLE_SECRET}'")\n`),
  hostile('implicit concatenation inside op.execute', PY, 2, 3, (a, b) => `def upgrade():\n    op.execute("CREATE ROLE app "\n               "PASSWORD '${a}"\n               "${b}'")\n`),
  hostile('+ concatenation with a constant defined later', PY, 1, 5, (p) => `def upgrade():\n    op.execute("ALTER ROLE app PASSWORD '" + S + "'")\n\nS = (\n"${p}")\n`),
  hostile('% formatting', PY, 1, 1, (p) => `S = '${p}'\nop.execute("ALTER ROLE app PASSWORD '%s'" % S)\n`),
  hostile('% formatting with a tuple', PY, 1, 2, (p) => `ROLE = 'app'\nS = '${p}'\nop.execute("ALTER ROLE %s PASSWORD '%s'" % (ROLE, S))\n`),
  hostile('.format()', PY, 1, 1, (p) => `S = '${p}'\nop.execute("ALTER ROLE {} PASSWORD '{pw}'".format('app', pw=S))\n`),
  hostile('.format() on a constant statement', PY, 1, 2, (p) => `SQL = "ALTER ROLE app PASSWORD '{}'"\nS = '${p}'\nop.execute(SQL.format(S))\n`),
  hostile('sa.text() in op.execute', PY, 1, 2, (p) => `def upgrade():\n    op.execute(sa.text("CREATE USER app WITH PASSWORD '${p}'"))\n`),
  hostile('r-string', PY, 1, 1, (p) => `op.execute(r"ALTER ROLE app PASSWORD '${p}'")\n`),
  hostile('triple-quoted statement over lines', PY, 1, 5, (p) => `op.execute(\n    """\n    CREATE ROLE app\n      LOGIN PASSWORD\n      '${p}'\n    """\n)\n`),
  hostile('f-string with an unknown field beside a literal password', PY, 1, 1, (p) => `op.execute(f"ALTER ROLE {role} PASSWORD '${p}'")\n`),
  hostile('a Python escape inside the SQL', PY, 2, 1, (a, b) => `op.execute("ALTER ROLE app PASSWORD '${a}\\x41${b}'")\n`),
  hostile('keyword argument', PY, 1, 1, (p) => `engine = sa.create_engine(url, password="${p}")\n`),
  hostile('dict entry with implicit concatenation', PY, 2, 1, (a, b) => `creds = {"user": "svc", "password": "${a}" "${b}"}\n`),
  hostile('annotated assignment in parentheses over lines', PY, 2, 2, (a, b) => `db_password: str = (\n    "${a}"\n    "${b}"\n)\n`),
  hostile('attribute assignment', PY, 1, 2, (p) => `class Seed:\n    def __init__(self): self.admin_password = "${p}"\n`),
  hostile('subscript assignment', PY, 1, 1, (p) => `os.environ["DB_PASSWORD"] = "${p}"\n`),
  hostile('backslash line continuation', PY, 1, 2, (p) => `DB_PASS = \\\n    "${p}"\n`),
  hostile('a conninfo built over lines', PY, 1, 3, (p) => `dsn = (\n    "host=db user=app "\n    "password=${p}"\n)\n`),
  hostile('a URL built from two literals', PY, 1, 1, (p) => `url = ("postgresql://app:" "${p}@db/app")\n`, 'URL with a password'),
  hostile('Django RunSQL', 'app/migrations/0007_roles.py', 1, 3, (p) => `operations = [\n    migrations.RunSQL(\n        "CREATE ROLE app PASSWORD '${p}'",\n        reverse_sql="DROP ROLE app",\n    ),\n]\n`),
  hostile('a bytes literal', PY, 1, 1, (p) => `password = b"${p}"\n`),
  hostile('walrus', PY, 1, 1, (p) => `if (password := "${p}"): pass\n`),

  // --- Spellings an attacker's review found after the token scan (each passed every gate)
  hostile('a quoted option name "password"', SQL, 1, 1, (p) => `CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', "password" '${p}');\n`),
  hostile('an option name spelled U&"p\\0061ssword"', SQL, 1, 1, (p) => `CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', U&"p\\0061ssword" '${p}');\n`),
  hostile('an option named like a password (OPTIONS (db_password ...))', SQL, 1, 1, (p) => `CREATE USER MAPPING FOR app SERVER s OPTIONS (ADD db_password '${p}');\n`),
  hostile("psql: \\connect 'conninfo with password='", SQL, 1, 1, (p) => `\\connect 'host=db user=app password=${p}'\nCREATE TABLE t (id int);\n`),
  hostile('psql: \\c "dbname=... password=..."', SQL, 1, 1, (p) => `\\c "dbname=app password=${p}"\n`),
  hostile('psql: \\c with a conninfo split over arguments', SQL, 1, 1, (p) => `\\c host=db password=${p}\n`),
  hostile('psql: \\c dbname=postgresql://u:pw@h/db', SQL, 1, 1, (p) => `\\c dbname=postgresql://app:${p}@db/app\n`, 'URL with a password'),
  hostile('psql: \\setenv PGPASSWORD value', SQL, 1, 1, (p) => `\\setenv PGPASSWORD ${p}\n`),
  hostile("psql: \\setenv PGPASSWORD 'value' with an escape", SQL, 2, 1, (a, b) => `\\setenv PGPASSWORD '${a}\\x41${b}'\n`),
  hostile('psql: SQL after the \\\\ separator on a meta-command line', SQL, 1, 1, (p) => `\\echo roles \\\\ CREATE ROLE app PASSWORD '${p}';\n`),
  hostile('psql: \\! with PGPASSWORD= on the shell line', SQL, 1, 1, (p) => `\\! PGPASSWORD=${p} psql -c 'select 1'\n`),
  hostile("EXECUTE format('... PASSWORD %L', concat(...))", SQL, 2, 1, (a, b) => `DO $$ BEGIN EXECUTE format('CREATE ROLE app LOGIN PASSWORD %L', concat('${a}', '${b}')); END $$;\n`),
  hostile("EXECUTE format('... PASSWORD %L', concat_ws('', ...))", SQL, 2, 1, (a, b) => `DO $$ BEGIN EXECUTE format('CREATE ROLE app LOGIN PASSWORD %L', concat_ws('', '${a}', NULL, '${b}')); END $$;\n`),
  hostile('PASSWORD concat(...) directly', SQL, 2, 1, (a, b) => `CREATE ROLE app PASSWORD concat('${a}', '${b}');\n`),
  hostile("a conninfo built with concat()", SQL, 1, 1, (p) => `SELECT dblink_connect(concat('host=legacy user=etl ', 'password=${p}'));\n`),
  hostile("ALTER DATABASE ... SET app.password TO '...'", SQL, 1, 1, (p) => `ALTER DATABASE app SET app.password TO '${p}';\n`),
  hostile('ALTER ROLE ... SET "app.db_password" TO over lines', SQL, 1, 2, (p) => `ALTER ROLE app SET "app.db_password" TO\n  '${p}';\n`),
  hostile("set_config('app.db_password', '...', false)", SQL, 1, 1, (p) => `SELECT set_config('app.db_password', '${p}', false);\n`),
  hostile("md5('pw' || 'user') as the password", SQL, 1, 1, (p) => `ALTER ROLE app PASSWORD 'md5' || md5('${p}' || 'app');\n`),
  hostile('a password passed through lower() and replace()', SQL, 1, 1, (p) => `ALTER ROLE app PASSWORD lower(replace('${p}', '-', ''));\n`),
  hostile("% with a dict", PY, 1, 2, (p) => `def upgrade():\n    op.execute("CREATE ROLE app PASSWORD '%(pw)s'" % {'pw': '${p}'})\n`),
  hostile('% with dict(...)', PY, 1, 1, (p) => `op.execute("ALTER ROLE %(role)s PASSWORD '%(pw)s'" % dict(role='app', pw='${p}'))\n`),
  hostile('tuple assignment, then an f-string', PY, 1, 1, (p) => `USER, PW = 'app', '${p}'\ndef upgrade():\n    op.execute(f"CREATE ROLE {USER} PASSWORD '{PW}'")\n`),
  hostile('list assignment', PY, 1, 1, (p) => `[USER, PW] = ['app', '${p}']\nop.execute(f"CREATE ROLE {USER} PASSWORD '{PW}'")\n`),
  hostile('starred target', PY, 1, 1, (p) => `USER, *_, PW = 'app', 'x', '${p}'\nop.execute(f"CREATE ROLE {USER} PASSWORD '{PW}'")\n`),
  hostile('chained assignment', PY, 1, 1, (p) => `A = S = '${p}'\nop.execute("ALTER ROLE app PASSWORD '" + S + "'")\n`),
  hostile('sa.text(...).bindparams(p=...)', PY, 1, 2, (p) => `def upgrade():\n    op.execute(sa.text("CREATE ROLE app PASSWORD :p").bindparams(p='${p}'))\n`),
  hostile('op.execute(text(...), {"p": ...})', PY, 1, 2, (p) => `def upgrade():\n    op.execute(text("CREATE ROLE app PASSWORD :p"), {"p": "${p}"})\n`),
  hostile('connection.execute(sa.text(...), dict(p=...))', PY, 1, 3, (p) => `def upgrade():\n    connection = op.get_bind()\n    connection.execute(sa.text("ALTER ROLE app PASSWORD :p"), dict(p='${p}'))\n`),
  hostile('exec_driver_sql("... %s", (...,))', PY, 1, 1, (p) => `op.get_bind().exec_driver_sql("CREATE ROLE app PASSWORD %s", ('${p}',))\n`),
  hostile('a class attribute used as Class.name', PY, 1, 2, (p) => `class C:\n    pw = '${p}'\ndef upgrade():\n    op.execute(f"CREATE ROLE app PASSWORD '{C.pw}'")\n`),
  hostile('a class attribute used as self.name', PY, 1, 2, (p) => `class Seed:\n    secret = '${p}'\n    def run(self):\n        op.execute(f"ALTER ROLE app PASSWORD '{self.secret}'")\n`),
  hostile('a class attribute on the class line', PY, 1, 1, (p) => `class C: pw = '${p}'\nop.execute("ALTER ROLE app PASSWORD '%s'" % C.pw)\n`),
  hostile('a parameter defaulting to a literal', PY, 1, 1, (p) => `def upgrade(pw='${p}'):\n    op.execute(f"CREATE ROLE app PASSWORD '{pw}'")\n`),
  hostile('an annotated parameter defaulting to a literal', PY, 1, 1, (p) => `def upgrade(*, pw: str = '${p}'):\n    op.execute(f"CREATE ROLE app PASSWORD '{pw}'")\n`),
  hostile('walrus inside a % operand', PY, 1, 1, (p) => `op.execute("CREATE ROLE app PASSWORD '%s'" % (pw := '${p}'))\n`),
  hostile("os.environ.setdefault('PGPASSWORD', ...)", PY, 1, 1, (p) => `os.environ.setdefault('PGPASSWORD', '${p}')\n`),
  hostile('an f-string field in parentheses: {(S)}', PY, 1, 1, (p) => `S = '${p}'\nop.execute(f"ALTER ROLE a PASSWORD '{(S)}'")\n`),
  hostile('an f-string field that is an expression: {S + ""}', PY, 1, 1, (p) => `S = '${p}'\nop.execute(f"ALTER ROLE b PASSWORD '{S + ""}'")\n`),
  hostile('an f-string in an f-string field (Python 3.12 quotes)', PY, 1, 1, (p) => `S = '${p}'\nop.execute(f"ALTER ROLE c PASSWORD '{f"{S}"}'")\n`),
  hostile("''.join([...]) of literals", PY, 2, 1, (a, b) => `PW = ''.join(['${a}', '${b}'])\nop.execute(f"ALTER ROLE app PASSWORD '{PW}'")\n`),
];

describe('findSecrets: a secret spelled across a statement is found and every piece redacted', () => {
  it('has at least 40 hostile spellings', () => {
    assert.ok(CASES.length >= 40, String(CASES.length));
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const hits = await findSecrets(c.text, c.file);
      assert.ok(hits.length >= 1, `not found in:\n${c.text}`);
      const output = JSON.stringify(hits);
      for (const piece of c.pieces) assert.ok(!output.includes(piece), `piece ${piece} printed: ${output}`);
      assert.equal(hits[0]!.line, c.line, output);
      assert.equal(hits[0]!.kind, c.kind ?? 'password literal', output);
      assert.ok(hits[0]!.excerpt.includes('****'), output);
    });
  }
});

describe('findSecrets: the same spellings with a placeholder or a value read at run time are no findings', () => {
  const cases: Array<[string, string]> = [
    [SQL, `CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', "password" '\${legacy_password}');\n`],
    [SQL, `\\connect 'host=db user=app password=\${DB_PASSWORD}'\n`],
    [SQL, `\\c host=db password=:pw\n`],
    [SQL, `\\setenv PGPASSWORD \`cat /run/secrets/pg\`\n`],
    [SQL, `\\setenv PGPASSWORD :db_password\n`],
    [SQL, `\\set app_password \`cat /run/secrets/pg\`\nCREATE ROLE app PASSWORD :'app_password';\n`],
    [SQL, `DO $$ BEGIN EXECUTE format('CREATE ROLE app LOGIN PASSWORD %L', concat('pw-', current_setting('app.pw'))); END $$;\n`],
    [SQL, `ALTER DATABASE app SET app.password TO DEFAULT;\nALTER DATABASE app RESET app.password;\n`],
    [SQL, `SELECT set_config('app.password', current_setting('seed.password'), false);\nSELECT set_config('app.tenant', 'acme', false);\n`],
    [SQL, `ALTER ROLE app PASSWORD 'md5' || md5(current_setting('app.pw') || 'app');\n`],
    [SQL, `CREATE ROLE app PASSWORD md5(:'pw' || 'app');\nCREATE ROLE app PASSWORD lower(NULL);\n`],
    [SQL, `COMMENT ON COLUMN users."password" IS 'bcrypt hash';\nALTER TABLE users RENAME COLUMN password TO password_hash;\n`],
    [PY, `op.execute("CREATE ROLE app PASSWORD '%(password)s'")\n`],
    [PY, `op.execute("CREATE ROLE app PASSWORD '%(pw)s'" % {'pw': os.environ['APP_PW']})\n`],
    [PY, `op.execute(sa.text("CREATE ROLE app PASSWORD :p").bindparams(p=os.environ["APP_PW"]))\n`],
    [PY, `op.execute(text("ALTER ROLE app PASSWORD :p"), {"p": pw})\nconn.execute(sa.text("ALTER ROLE app PASSWORD :p"))\n`],
    [PY, `conn.exec_driver_sql("ALTER ROLE app PASSWORD %s", (pw,))\n`],
    [PY, `USER, PW = 'app', os.environ['APP_PW']\nop.execute(f"CREATE ROLE {USER} PASSWORD '{PW}'")\n`],
    [PY, `def upgrade(pw=None, table='users'):\n    op.execute(f"ALTER ROLE app PASSWORD '{pw}'")\n`],
    [PY, `class Users:\n    password_column = 'password_hash'\n    __tablename__ = 'users'\n`],
    [PY, `os.environ.setdefault('PGPASSWORD', '')\nos.environ.setdefault('PGHOST', 'db.internal')\n`],
    [PY, `op.create_index('ix_users_password', 'users', ['password_hash'])\nop.alter_column('users', 'passwd', new_column_name='password_hash')\n`],
  ];
  for (const [file, text] of cases) {
    it(text.trim(), async () => {
      assert.deepEqual(await findSecrets(text, file), []);
    });
  }
});

describe('findSecrets: what the excerpt shows of a statement', () => {
  it("'a' || 'b': both pieces redacted, one finding", async () => {
    const [a, b] = [chars(6, 1), chars(6, 2)];
    const hits = await findSecrets(`CREATE ROLE app PASSWORD '${a}' || '${b}';\n`, SQL);
    assert.deepEqual(hits.map((hit) => hit.excerpt), ["CREATE ROLE app PASSWORD '****' || '****';"]);
  });

  it('a password of 16 characters or more shows none of them; a token keeps its vendor prefix', async () => {
    const long = chars(24, 3);
    const [hit] = await findSecrets(`ALTER ROLE app PASSWORD '${long}';\n`, SQL);
    assert.equal(hit!.excerpt, "ALTER ROLE app PASSWORD '****';");
  });

  it('a value assigned in one place and used in another: reported once, at the assignment', async () => {
    const secret = chars(12, 4);
    const hits = await findSecrets(`APP_ROLE_PW = "${secret}"\n\ndef upgrade():\n    op.execute(f"ALTER ROLE app PASSWORD '{APP_ROLE_PW}'")\n`, PY);
    assert.deepEqual(hits.map((hit) => [hit.line, hit.column, hit.excerpt]), [[1, 16, 'APP_ROLE_PW = "****"']]);
  });
});

describe('findSecrets: opting out of a statement over several lines', () => {
  it('guard:allow-secret goes on the line where the value starts; guard:allow-secret-next-line on the line before it', async () => {
    const secret = chars(10, 5);
    const statement = (marker: string, nextLineMarker: string): string => `CREATE ROLE app -- ${marker}\n  PASSWORD ${nextLineMarker}\n  '${secret}'; -- value\n`;
    assert.equal((await findSecrets(statement('guard:allow-secret', ''), SQL)).length, 1, 'a marker on the CREATE line does not reach the value');
    assert.equal((await findSecrets(statement('', '-- guard:allow-secret-next-line'), SQL)).length, 0);
    assert.equal((await findSecrets(`CREATE ROLE app\n  PASSWORD\n  '${secret}'; -- guard:allow-secret (fixture)\n`, SQL)).length, 0);
  });

  it('a value assigned in one place and used in another: the marker goes on the assignment', async () => {
    const secret = chars(10, 6);
    const text = `S = "${secret}"  # guard:allow-secret (fixture)\nop.execute(f"ALTER ROLE app PASSWORD '{S}'")\n`;
    assert.deepEqual(await findSecrets(text, PY), []);
  });
});

describe('findSecrets: hostile input ends quickly and never throws', () => {
  const shapes: Array<[string, string, string]> = [
    ['deep parentheses (SQL)', 'a.sql', `${'('.repeat(20_000)}'x'`],
    ['deep parentheses (Python)', 'a.py', `password = ${'('.repeat(20_000)}"x"`],
    ['nested format() calls', 'a.sql', 'format('.repeat(20_000)],
    ['a long || chain', 'a.sql', `CREATE ROLE a PASSWORD 'a'${" || 'b'".repeat(20_000)};`],
    ['a long + chain', 'a.py', `x = "a"${' + "b"'.repeat(20_000)}`],
    ['a value doubled on every line', 'a.py', `S = "ab"\n${'S = S + S\n'.repeat(40)}op.execute(f"ALTER ROLE a PASSWORD '{S}'")\n`],
    ['an f-string doubled on every line', 'a.py', `S = "ab"\n${'S = f"{S}{S}"\n'.repeat(40)}`],
    ['unterminated everything', 'a.sql', `E'${'\\'.repeat(20_001)}`],
    ['nested comments never closed', 'a.sql', '/*'.repeat(20_000)],
    ['nested f-strings', 'a.py', 'f"{'.repeat(20_000)],
  ];
  for (const [name, file, text] of shapes) {
    it(name, async () => {
      const started = performance.now();
      await findSecrets(text, file);
      assert.ok(performance.now() - started < 5000, `${Math.round(performance.now() - started)} ms`);
    });
  }

  it('random mixtures of the tokenizers\' special characters', async () => {
    const atoms = ["'", '"', '$$', '$t$', "E'", "U&'", 'UESCAPE', '\\', '--', '/*', '*/', '\n', ' ', 'PASSWORD', '=', '||', '(', ')', ',', ';', ':', '::', ':=', 'f"', "r'", '"""', "'''", '{', '}', '%s', '%', '.format(', 'pw', 'IDENTIFIED BY', 'crypt(', '\\set', 'Ab3xYz9q', '+', 'op.execute(', '#', '$1', '${', 'format(', '%L', 'quote_literal(', '\\x41', '\\N{', 'b"', '\r\n', '=>'];
    let state = 42;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let k = 0; k < 1500; k++) {
      let text = '';
      for (let i = 1 + next(60); i > 0; i--) text += atoms[next(atoms.length)];
      for (const file of ['a.sql', 'a.py', 'a.rb']) {
        const hits = await findSecrets(text, file);
        for (const hit of hits) assert.ok(hit.excerpt.includes('****'), JSON.stringify({ text, hit }));
      }
    }
  });
});
