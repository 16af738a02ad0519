import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chars } from '../helpers/fake-secrets.js';
import { findSecrets, TOO_COMPLEX_KIND } from '../../src/core/secrets/find-secrets.js';

// Secrets in JavaScript and TypeScript migrations (Knex, TypeORM,
// Sequelize, node-pg-migrate, Kysely), each spelled so that a scanner that
// reads one line or one literal at a time misses it or prints a piece of
// it. Every fake secret is generated at run time, so this file holds none.


const KNEX = 'migrations/20240101120000_roles.js';
const TYPEORM = 'src/migrations/1700000000000-Roles.ts';
const SEQUELIZE = 'migrations/20240101120000-roles.cjs';
const PGM = 'migrations/1700000000000_roles.mjs';

interface Case {
  name: string;
  file: string;
  text: string;
  /** Every piece of the secret: none may appear in any finding. */
  pieces: string[];
  /** 1-based line of the finding: where the secret's first piece is. */
  line: number;
}

let seed = 500;
/** A case whose secret has `count` pieces of 8 characters; `build` writes the file from them. */
function found(name: string, file: string, count: number, line: number, build: (...pieces: string[]) => string): Case {
  const pieces = Array.from({ length: count }, () => chars(8, seed++));
  return { name, file, text: build(...pieces), pieces, line };
}

const CASES: Case[] = [
  // SQL inside strings
  found('knex.raw with double quotes', KNEX, 1, 2, (p) => `exports.up = function (knex) {\n  return knex.raw("ALTER ROLE app PASSWORD '${p}'");\n};\n`),
  found('knex.raw with an escaped quote in a single-quoted string', KNEX, 1, 1, (p) => `await knex.raw('CREATE ROLE app PASSWORD \\'${p}\\'');\n`),
  found('a hex escape in the middle of the password', KNEX, 2, 1, (a, b) => `await knex.raw("ALTER ROLE app PASSWORD '${a}\\x41${b}'");\n`),
  found('a line continuation inside the password', KNEX, 2, 1, (a, b) => `await knex.raw('ALTER ROLE app PASSWORD \\'${a}\\\n${b}\\'');\n`),
  found('string concatenation with +, over lines', KNEX, 2, 3, (a, b) => `await knex.raw(\n  "CREATE ROLE app PASSWORD '" +\n  "${a}" +\n  '${b}' + "'"\n);\n`),
  found('a template literal over lines', TYPEORM, 1, 4, (p) => `export class Roles1700000000000 {\n  async up(queryRunner) {\n    await queryRunner.query(\`CREATE ROLE app\n      LOGIN PASSWORD '${p}'\`);\n  }\n}\n`),
  found('a constant in a template substitution (TypeORM)', TYPEORM, 1, 1, (p) => `const APP_ROLE = '${p}';\nexport class Roles1700000000000 {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\`CREATE ROLE app PASSWORD '\${APP_ROLE}'\`);\n  }\n}\n`),
  found('a constant with a type annotation and as const', TYPEORM, 1, 1, (p) => `const role: string = '${p}' as const;\nawait queryRunner.query("ALTER ROLE app PASSWORD '" + role + "'");\n`),
  found('a class field used as this.name', TYPEORM, 1, 2, (p) => `export class Roles1700000000000 {\n  private readonly role = '${p}';\n  async up(q) { await q.query(\`ALTER ROLE app PASSWORD '\${this.role}'\`); }\n}\n`),
  found('a nested template', PGM, 1, 1, (p) => `const pw = '${p}';\npgm.sql(\`ALTER ROLE app \${\`PASSWORD '\${pw}'\`}\`);\n`),
  found('pieces joined with .concat() and String.raw', PGM, 2, 2, (a, b) => `exports.up = (pgm) => {\n  pgm.sql(String.raw\`ALTER ROLE app PASSWORD '${a}\`.concat('${b}', "'"));\n};\n`),
  found('sequelize.query with the SQL in a let rebound later', SEQUELIZE, 1, 3, (p) => `module.exports = { async up(queryInterface) {\n  let sql = 'SELECT 1';\n  sql = "ALTER ROLE app PASSWORD '${p}'";\n  await queryInterface.sequelize.query(sql);\n} };\n`),
  found('knex.raw with a positional binding', KNEX, 1, 1, (p) => `await knex.raw('ALTER ROLE app PASSWORD ?', ['${p}']);\n`),
  found('queryRunner.query with $1', TYPEORM, 1, 1, (p) => `await queryRunner.query(\`ALTER ROLE app PASSWORD $1\`, ["${p}"]);\n`),
  found('sequelize replacements by name', SEQUELIZE, 1, 2, (p) => `await queryInterface.sequelize.query('ALTER ROLE app PASSWORD :pw',\n  { replacements: { pw: '${p}' } });\n`),
  found('Kysely sql tag', TYPEORM, 1, 1, (p) => `await sql\`ALTER ROLE app PASSWORD '${p}'\`.execute(db);\n`),
  found('a conninfo in a string', KNEX, 1, 1, (p) => `const conn = "host=db user=app password=${p}";\n`),
  // password-named targets
  found('an object property', KNEX, 1, 3, (p) => `module.exports = {\n  connection: {\n    password: '${p}',\n  },\n};\n`),
  found('a quoted key', KNEX, 1, 1, (p) => `const env = { "DB_PASSWORD": "${p}" };\n`),
  found('a computed key', KNEX, 1, 1, (p) => `const env = { ['PGPASSWORD']: \`${p}\` };\n`),
  found('an assignment to process.env', KNEX, 1, 1, (p) => `process.env.PGPASSWORD = '${p}';\n`),
  found('an assignment by subscript', KNEX, 1, 1, (p) => `process.env['DB_PASSWORD'] = '${p}';\n`),
  found('a declaration with a type', TYPEORM, 1, 1, (p) => `const adminPassword: string | undefined = '${p}';\n`),
  found('a fallback after the environment', KNEX, 1, 1, (p) => `const config = { password: process.env.DB_PASSWORD || '${p}' };\n`),
  found('a fallback with ??', TYPEORM, 1, 1, (p) => `const password = process.env.PW ?? "${p}";\n`),
  found('a parameter default', KNEX, 1, 1, (p) => `function connect(host, password = '${p}') {}\n`),
  found('a password built with + under its name', KNEX, 2, 1, (a, b) => `const DB_PASS = '${a}' + "${b}";\n`),
  found('a name spelled with a \\u escape', KNEX, 1, 1, (p) => `const c = { passw\\u006frd: '${p}' };\n`),
  // A regular expression where the one-token rule would see a division, and so hide the string after it.
  found('a regular expression after if (...) holding a quote', KNEX, 1, 1, (p) => `if (x) /'/.test(y); knex.raw("ALTER ROLE app PASSWORD '${p}'"); //'\n`),
  found('a regular expression after a block holding a quote', KNEX, 1, 2, (p) => `function f() {}\n/'/.test(y); knex.raw("ALTER ROLE app PASSWORD '${p}'"); //'\n`),
  found('a secret in a comment', KNEX, 1, 1, (p) => `// password = '${p}'\nexports.up = () => {};\n`),
];

describe('findSecrets: JavaScript and TypeScript migrations', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const hits = await findSecrets(c.text, c.file);
      assert.ok(hits.length >= 1, `not found in:\n${c.text}`);
      const output = JSON.stringify(hits);
      for (const piece of c.pieces) assert.ok(!output.includes(piece), `piece ${piece} printed: ${output}`);
      assert.equal(hits[0]!.line, c.line, output);
      assert.equal(hits[0]!.kind, 'password literal', output);
      assert.ok(hits[0]!.excerpt.includes('****'), output);
    });
  }
});

describe('findSecrets: JavaScript that holds no secret', () => {
  const cases: Array<[string, string]> = [
    [KNEX, `const config = { password: process.env.DB_PASSWORD };\n`],
    [KNEX, `const config = { password: '' , user: 'app' };\nconst other = { password: "", DB_PASSWORD: \`\` };\n`],
    [KNEX, `exports.up = (knex) => knex.schema.createTable('users', (table) => {\n  table.increments('id');\n  table.string('password');\n  table.string('password_hash', 128).notNullable();\n});\n`],
    [KNEX, `await knex.raw(\`ALTER ROLE app PASSWORD '\${process.env.APP_PASSWORD}'\`);\n`],
    [KNEX, `await knex.raw("ALTER ROLE app PASSWORD '" + process.env.APP_PASSWORD + "'");\n`],
    [KNEX, `await knex.raw('ALTER ROLE app PASSWORD ?', [process.env.APP_PASSWORD]);\nawait knex.raw('ALTER ROLE app PASSWORD ?', [pw]);\n`],
    [KNEX, `await knex.raw("ALTER ROLE app PASSWORD '\${DB_PASSWORD}'");\nawait knex.raw("ALTER ROLE app PASSWORD NULL");\n`],
    [KNEX, `const password = req.body.password;\nconst pw = getSecret('app');\nawait knex.raw(\`ALTER ROLE app PASSWORD '\${pw}'\`);\n`],
    [KNEX, `const x = { password: 'changeme', secret: 'password', passwd: '<password>' };\n`],
    [TYPEORM, `await queryRunner.query(\`CREATE TABLE "user" ("id" SERIAL NOT NULL, "password" character varying NOT NULL)\`);\nawait queryRunner.query(\`ALTER TABLE "user" RENAME COLUMN "password" TO "password_hash"\`);\n`],
    [TYPEORM, `export class User {\n  @Column({ type: 'varchar', length: 128 }) password: string;\n  passwordColumn = 'password_hash';\n}\nconst t: { password: string } = { password: env.PW };\n`],
    [TYPEORM, `interface Options { password?: string; passwordHash: 'bcrypt' | 'argon2' }\nconst role = cond ? password : 'anonymous';\n`],
    [SEQUELIZE, `module.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.addColumn('Users', 'password', { type: Sequelize.STRING, allowNull: false });\n    await queryInterface.sequelize.query('ALTER ROLE app PASSWORD :pw', { replacements: { pw: process.env.PW } });\n  },\n};\n`],
    [PGM, `exports.up = (pgm) => {\n  pgm.createTable('users', { id: 'id', password: { type: 'varchar(100)', notNull: true }, password_hash: 'text' });\n};\n`],
    [PGM, `const re = /password='[^']*'/g;\nconst ratio = total / count / 2; const q = 'x';\n`],
    [PGM, `const sql = \`ALTER ROLE app PASSWORD '\${prefix}-\${suffix}'\`;\n`],
  ];
  for (const [file, text] of cases) {
    it(text.trim().split('\n')[0]!, async () => {
      assert.deepEqual(await findSecrets(text, file), []);
    });
  }
});

describe('findSecrets: what a JavaScript finding shows', () => {
  it('every piece of a concatenated password is redacted, one finding at its first piece', async () => {
    const [a, b] = [chars(6, 1), chars(6, 2)];
    const hits = await findSecrets(`await knex.raw('CREATE ROLE app PASSWORD ' + "'${a}" + '${b}' + "'");\n`, KNEX);
    assert.deepEqual(hits.map((hit) => [hit.line, hit.excerpt]), [[1, `await knex.raw('CREATE ROLE app PASSWORD ' + "'****" + '****' + "'");`]]);
  });

  it('a constant used in a statement later is reported once, at the constant', async () => {
    const secret = chars(12, 3);
    const hits = await findSecrets(`const APP_ROLE_PW = \`${secret}\`;\n\nexports.up = (knex) => knex.raw(\`ALTER ROLE app PASSWORD '\${APP_ROLE_PW}'\`);\n`, KNEX);
    assert.deepEqual(hits.map((hit) => [hit.line, hit.column, hit.excerpt]), [[1, 22, 'const APP_ROLE_PW = `****`;']]);
  });

  it('guard:allow-secret on the line of the value silences it; on the call line it does not', async () => {
    const secret = chars(10, 4);
    const text = (marker: string): string => `await knex.raw( // ${marker}\n  "ALTER ROLE app PASSWORD '${secret}'"\n);\n`;
    assert.equal((await findSecrets(text('guard:allow-secret'), KNEX)).length, 1);
    assert.equal((await findSecrets(text('guard:allow-secret-next-line'), KNEX)).length, 0);
    assert.deepEqual(await findSecrets(`await knex.raw("ALTER ROLE app PASSWORD '${secret}'"); // guard:allow-secret (fixture)\n`, KNEX), []);
  });

  it('every JavaScript and TypeScript extension is read with the tokenizer', async () => {
    const [a, b] = [chars(6, 5), chars(6, 6)];
    for (const file of ['a.js', 'a.mjs', 'a.cjs', 'a.ts', 'a.mts', 'a.cts', 'A.TS']) {
      const hits = await findSecrets(`knex.raw("ALTER ROLE app PASSWORD '" + '${a}' + "${b}'");\n`, file);
      assert.equal(hits.length, 1, file);
      assert.ok(!JSON.stringify(hits).includes(a) && !JSON.stringify(hits).includes(b), file);
    }
  });
});

describe('findSecrets: hostile JavaScript ends quickly and never throws', () => {
  const shapes: Array<[string, string]> = [
    ['deep parentheses', `password = ${'('.repeat(20_000)}"x"`],
    ['nested templates', '`${'.repeat(20_000)],
    ['a long + chain', `x = "a"${' + "b"'.repeat(20_000)}`],
    ['a value doubled on every line', `let S = "ab"\n${'S = S + S\n'.repeat(40)}knex.raw(\`ALTER ROLE a PASSWORD '\${S}'\`)\n`],
    ['a template doubled on every line', `let S = "ab"\n${'S = `${S}${S}`\n'.repeat(40)}`],
    ['unterminated everything', `'${'\\'.repeat(20_001)}`],
    ['regular expressions never closed', '= /['.repeat(20_000)],
  ];
  for (const [name, text] of shapes) {
    it(name, async () => {
      const started = performance.now();
      await findSecrets(text, 'a.ts');
      assert.ok(performance.now() - started < 5000, `${Math.round(performance.now() - started)} ms`);
    });
  }

  it('a value built past the work a file may cost is refused as too complex, not passed', async () => {
    const secret = chars(12, 7);
    const hits = await findSecrets(`let S = 'a'\n${"S = S + S + 'a'\n".repeat(40)}knex.raw("CREATE ROLE app PASSWORD '${secret}'")\n`, 'a.js');
    assert.ok(hits.some((hit) => hit.kind === TOO_COMPLEX_KIND), JSON.stringify(hits));
    assert.ok(!JSON.stringify(hits).includes(secret));
  });

  it("random mixtures of the tokenizer's special characters", async () => {
    const atoms = ["'", '"', '`', '${', '}', '{', '\\', '//', '/*', '*/', '/', '\n', ' ', 'PASSWORD', '=', '+', '(', ')', ',', ';', ':', '?', '??', '||', '[', ']', 'password', 'pw', 'const ', 'String.raw', '.concat(', 'knex.raw(', 'Ab3xYz9q', '\\x41', '\r\n', '=>', '$1', 'as '];
    let state = 42;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let k = 0; k < 1500; k++) {
      let text = '';
      for (let i = 1 + next(60); i > 0; i--) text += atoms[next(atoms.length)];
      const hits = await findSecrets(text, 'a.ts');
      for (const hit of hits) assert.ok(hit.excerpt.includes('****') || hit.kind === TOO_COMPLEX_KIND, JSON.stringify({ text, hit }));
    }
  });
});
