import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSecrets, TOO_COMPLEX_KIND } from '../../src/core/secrets/find-secrets.js';

// The scan runs in the pre-commit hook, in `guard verify --base` on CI and
// in the server's pre-receive hook, on files anyone with push access writes:
// it must take time in proportion to a file's size whatever the file holds.
// Each shape below is about 1 MB of something that made an earlier scan
// quadratic, or could: the old scanner took 157 s on the first (an Alembic
// file that rebinds one name 100,000 times) and minutes on several others.
// Measured on the 2-core machine this was written on, each takes 0.1 to
// 0.9 s (the slowest: 100,000 psql meta-commands with a password each);
// the bound leaves room for a loaded CI runner. On a runner so loaded that
// a shape takes longer, it is timed again beside a scan of 1 MB of ordinary
// migrations in the same language, and passes when within twenty times
// that: a linear scan stays within it however busy the machine, a
// quadratic one was hundreds of times over it (157 s against about 0.3 s).
const LIMIT_MS = 2000;
const ORDINARY: Record<string, string> = {
  'a.py': "def upgrade():\n    op.add_column('users', sa.Column('email', sa.String(200), nullable=True))\n    op.execute(\"UPDATE users SET email = '' WHERE email IS NULL\")\n",
  'a.sql': "ALTER TABLE users ADD COLUMN email text;\nUPDATE users SET email = '' WHERE email IS NULL; -- backfill\nCREATE INDEX users_email ON users (email);\n",
  'a.ts': "await knex.schema.alterTable('users', (table) => { table.string('email', 200).nullable(); });\nawait knex.raw(`UPDATE users SET email = '' WHERE email IS NULL`);\n",
  'a.rb': "add_column :users, :email, :string, null: true\nexecute \"UPDATE users SET email = '' WHERE email IS NULL\"\n",
};

/** Milliseconds `findSecrets` takes on `text`. */
async function timed(text: string, file: string): Promise<number> {
  const started = performance.now();
  await findSecrets(text, file);
  return performance.now() - started;
}
const SIZE = 1_000_000;

/** `unit` repeated to about SIZE characters. */
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length));
const half = 'x'.repeat(SIZE / 2);

interface Shape {
  name: string;
  file: string;
  text: string;
  /** What the scan must answer: no finding, some password findings, or "too complex" (a value built past the work a file may cost). */
  expect: 'none' | 'found' | 'too complex';
}

const SHAPES: Shape[] = [
  // Python
  { name: 'one name rebound 100,000 times', file: 'a.py', text: fill("y = 'abc'\n"), expect: 'none' },
  { name: 'as many distinct names', file: 'a.py', text: Array.from({ length: SIZE / 12 }, (_, i) => `y${i} = 'abc'\n`).join(''), expect: 'none' },
  { name: 'a value grown on every line (S = S + ...)', file: 'a.py', text: `S = 'a'\n${fill("S = S + 'a'\n")}`, expect: 'too complex' },
  { name: 'a value doubled on every line', file: 'a.py', text: `S = 'ab'\n${"S = f'{S}{S}'\n".repeat(60)}`, expect: 'too complex' },
  { name: 'one large constant concatenated in every statement', file: 'a.py', text: `S = '${half}'\n${"x = S + 'a'\n".repeat(SIZE / 2 / 12)}`, expect: 'too complex' },
  { name: 'one large constant alone in every f-string', file: 'a.py', text: `S = '${half}'\n${'f"{S}"\n'.repeat(SIZE / 2 / 7)}`, expect: 'none' },
  { name: 'a constant in 100,000 f-strings', file: 'a.py', text: `S = 'abcdefgh'\n${fill('f"{S}-{S}"\n')}`, expect: 'none' },
  { name: 'a long + chain', file: 'a.py', text: `x = 'a'${fill(" + 'b'")}`, expect: 'none' },
  { name: 'deeply nested calls', file: 'a.py', text: `x = ${'f('.repeat(SIZE / 4)}'a'${')'.repeat(SIZE / 4)}`, expect: 'none' },
  { name: 'a dict of keys named password (annotation look-ahead)', file: 'a.py', text: `x = {${fill('password: 1, ')}}`, expect: 'none' },
  { name: 'a dict of attributes named password', file: 'a.py', text: `x = {${fill('a.password: 1, ')}}`, expect: 'none' },
  { name: 'tuple, chained and class-body assignments', file: 'a.py', text: `class C:\n${fill("    a, b = c = 'x', 'y'\n")}`, expect: 'none' },
  { name: 'parameters with defaults and walrus', file: 'a.py', text: fill("def f(pw='abc', *, b: str = 'x'):\n    (y := 'abc')\n"), expect: 'none' },
  { name: '% with dicts, execute with parameters', file: 'a.py', text: fill(`"%(a)s" % {'a': 'b'}\nconn.execute(text('x :p'), {'p': 'abc'})\n`), expect: 'none' },
  { name: 'strings holding \\N{ with a brace only at the end', file: 'a.py', text: `${fill('"\\N{"\n')}}`, expect: 'none' },
  // SQL
  { name: 'a long || chain', file: 'a.sql', text: `CREATE ROLE a PASSWORD 'a'${fill(" || 'b'")};`, expect: 'found' },
  { name: 'many IDENTIFIED BY in one statement', file: 'a.sql', text: `CREATE USER x ${fill('IDENTIFIED BY abc ')}`, expect: 'found' },
  { name: 'a password on every line', file: 'a.sql', text: fill("CREATE ROLE a PASSWORD 'Kq7vR2xLw9pZ';\n"), expect: 'found' },
  { name: 'a psql variable rebound on every line', file: 'a.sql', text: fill("\\set v 'abc'\n"), expect: 'none' },
  { name: 'one large psql variable concatenated in every statement', file: 'a.sql', text: `\\set v '${half}'\n${"SELECT 'a' || :'v';\n".repeat(SIZE / 2 / 20)}`, expect: 'too complex' },
  { name: 'psql meta-commands with a password each', file: 'a.sql', text: fill("\\c 'host=db password=abc'\n"), expect: 'found' },
  { name: 'Flyway ${ never closed', file: 'a.sql', text: fill('${'), expect: 'none' },
  { name: 'one long line of words and operators', file: 'a.sql', text: fill('a+'), expect: 'none' },
  { name: 'nested format() calls', file: 'a.sql', text: fill('format('), expect: 'too complex' },
  { name: 'md5() of constants in one password', file: 'a.sql', text: `ALTER ROLE a PASSWORD ${fill("md5('a') || ")}'b';`, expect: 'found' },
  { name: 'EXECUTE of strings inside strings', file: 'a.sql', text: fill("EXECUTE 'PASSWORD ''x'' ' || "), expect: 'none' },
  { name: 'a conninfo password on one long line', file: 'a.sql', text: `SELECT '${fill('host=a password=b ')}';`, expect: 'none' },
  // JavaScript and TypeScript
  { name: 'one name rebound 100,000 times', file: 'a.ts', text: fill("y = 'abc';\n"), expect: 'none' },
  { name: 'as many distinct constants', file: 'a.ts', text: Array.from({ length: SIZE / 18 }, (_, i) => `const y${i} = 'abc';\n`).join(''), expect: 'none' },
  { name: 'a value grown on every line (S = S + ...)', file: 'a.ts', text: `let S = 'a'\n${fill("S = S + 'a'\n")}`, expect: 'too complex' },
  { name: 'a value doubled on every line', file: 'a.ts', text: `let S = 'ab'\n${'S = `${S}${S}`\n'.repeat(60)}`, expect: 'too complex' },
  { name: 'one large constant alone in every template', file: 'a.ts', text: `const S = '${half}'\n${'`${S}`\n'.repeat(SIZE / 2 / 7)}`, expect: 'none' },
  { name: 'a constant in 100,000 templates', file: 'a.ts', text: `const S = 'abcdefgh'\n${fill('`${S}-${S}`\n')}`, expect: 'none' },
  { name: 'a long + chain', file: 'a.ts', text: `x = 'a'${fill(" + 'b'")}`, expect: 'none' },
  { name: 'deeply nested calls', file: 'a.ts', text: `x = ${'f('.repeat(SIZE / 4)}'a'${')'.repeat(SIZE / 4)}`, expect: 'none' },
  { name: 'an object of keys named password', file: 'a.ts', text: `x = {${fill('password: 1, ')}}`, expect: 'none' },
  { name: 'queries with parameters', file: 'a.ts', text: fill("knex.raw('x ? :p $1', ['abc', 'def']);\n"), expect: 'none' },
  { name: 'a template nested in a template on every line', file: 'a.ts', text: fill('`a${`b${c}`}`;\n'), expect: 'none' },
  { name: 'a password on every line', file: 'a.ts', text: fill("knex.raw(\"CREATE ROLE a PASSWORD 'Kq7vR2xLw9pZ'\");\n"), expect: 'found' },
  // Other files: the line rules
  { name: 'a long line of quoted conninfo (Ruby)', file: 'a.rb', text: fill("x = 'host=a password=b7c8d9e0' "), expect: 'found' },
];

describe('findSecrets: about 1 MB of any shape is scanned in bounded time', () => {
  for (const shape of SHAPES) {
    it(`${shape.name} (${shape.file})`, async () => {
      const started = performance.now();
      const hits = await findSecrets(shape.text, shape.file);
      const elapsed = performance.now() - started;
      if (elapsed >= LIMIT_MS) {
        const ordinary = await timed(fill(ORDINARY[shape.file]!), shape.file);
        const again = await timed(shape.text, shape.file);
        assert.ok(again < Math.max(LIMIT_MS, 20 * ordinary), `${shape.text.length} characters took ${Math.round(elapsed)} ms, then ${Math.round(again)} ms; as many of ordinary migrations ${Math.round(ordinary)} ms`);
      }
      const kinds = new Set(hits.map((hit) => hit.kind));
      if (shape.expect === 'none') assert.deepEqual(hits, []);
      else if (shape.expect === 'too complex') assert.deepEqual([...kinds], [TOO_COMPLEX_KIND]);
      else assert.ok(hits.length > 0 && !kinds.has(TOO_COMPLEX_KIND), JSON.stringify([...kinds]));
      assert.ok(hits.length <= 100, `${hits.length} findings: a file's are capped`);
    });
  }
});

describe('findSecrets: a file too complex to read to the end is refused, not passed', () => {
  const secret = 'Qz7mW4pLx9Rt';

  it('a secret after padding that exhausts the work is not let through: the file is refused, nothing of it shown', async () => {
    const text = `S = 'a'\n${"S = S + S + 'a'\n".repeat(40)}op.execute("CREATE ROLE app PASSWORD '${secret}'")\n`;
    const hits = await findSecrets(text, 'a.py');
    assert.ok(hits.some((hit) => hit.kind === TOO_COMPLEX_KIND), JSON.stringify(hits));
    assert.ok(!JSON.stringify(hits).includes(secret));
    for (const hit of hits.filter((h) => h.kind === TOO_COMPLEX_KIND)) assert.equal(hit.excerpt, '');
  });

  it('nesting past what Python and a migration allow is refused', async () => {
    const hits = await findSecrets(`x = ${'('.repeat(500)}'${secret}'${')'.repeat(500)}\n`, 'a.py');
    assert.deepEqual(hits.map((hit) => hit.kind), [TOO_COMPLEX_KIND]);
  });

  it('guard:allow-secret does not silence it (the marker is for fake secrets)', async () => {
    const text = `S = 'a'\n${"S = S + S + 'a'  # guard:allow-secret\n".repeat(40)}`;
    assert.deepEqual((await findSecrets(text, 'a.py')).map((hit) => hit.kind), [TOO_COMPLEX_KIND]);
  });
});
