// guard init carries a tool table the project's own config moved into the
// set's `table:`, so deploy and status read the table the tool writes
// (README, "Config reference").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/git-repo.js';
import { journal } from '../helpers/drizzle-journal.js';

describe('guard init and a moved tool table', () => {
  let repo: TempRepo;
  before(() => {
    repo = new TempRepo();
    repo.write('drizzle/0000_users.sql', 'CREATE TABLE "users" ("id" integer);');
    repo.write('drizzle/meta/_journal.json', journal([{ tag: '0000_users', when: 1765100000000 }]));
    repo.write('drizzle.config.ts', "export default {\n  dialect: 'postgresql',\n  out: './drizzle',\n  migrations: { table: 'journal', schema: 'ops' },\n};\n");
    repo.commitAll('drizzle project');
  });
  after(() => repo?.dispose());

  it("writes drizzle.config.ts's migrations table as the set's table:, which the config then accepts", () => {
    const init = repo.guard('init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(repo.read('guard.config.yaml'), /- dir: drizzle\n {4}tool: drizzle\n {4}table: ops\.journal\n/);
    const verify = repo.guard('verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it("writes env.py's version_table and version_table_schema as an Alembic set's table:", () => {
    const alembic = new TempRepo();
    try {
      alembic.write('alembic.ini', '[alembic]\nscript_location = migrations\n');
      alembic.write('migrations/env.py', "from alembic import context\ncontext.configure(url=URL, version_table='Schema_History', version_table_schema='audit')\n");
      alembic.write('migrations/versions/a1_init.py', "revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    pass\n");
      alembic.commitAll('alembic project');
      const init = alembic.guard('init');
      assert.equal(init.code, 0, init.stderr);
      assert.match(alembic.read('guard.config.yaml'), /- dir: migrations\/versions\n {4}tool: alembic\n {4}table: audit\.Schema_History\n/);
    } finally {
      alembic.dispose();
    }
  });
});
