import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { TempRepo } from '../helpers/git-repo.js';

// An attacker's review of the JavaScript tools (issue 14): files the tool
// would run that guard did not lock, reaching main past `guard verify --base`.
const repos: TempRepo[] = [];
after(() => {
  for (const repo of repos) repo.dispose();
});

function sealed(tool: string, name: string, extraConfig = ''): TempRepo {
  const repo = new TempRepo();
  repos.push(repo);
  repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: ${tool}\n${extraConfig}`);
  repo.write(`db/migrations/${name}`, "exports.up = (knex) => knex.raw('SELECT 1');\n");
  assert.equal(repo.guard('lock').code, 0);
  repo.commitAll('sealed');
  repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  return repo;
}

describe('a folder named like a migration (Knex, Sequelize and Kysely require it: its index.js runs)', () => {
  for (const [tool, first, folder] of [
    ['knex', '20240101000000_a.js', '20990101000000_evil.js'],
    ['sequelize', '20240101000000-a.js', '20990101000000-evil.js'],
    ['kysely', '2024_01_a.ts', '2099_01_evil.js'],
  ] as const) {
    it(`${tool}: refused by verify --base, also when exclude: names it`, () => {
      const repo = sealed(tool, first);
      repo.write(`db/migrations/${folder}/index.js`, "exports.up = (knex) => knex.raw('DROP TABLE users');\n");
      repo.commitAll('a folder the tool loads');
      const refused = repo.guard('verify', '--base', 'origin/main');
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stdout + refused.stderr, new RegExp(`db/migrations/${folder.replace(/\./g, '\\.')} is a folder named like a migration`));
      repo.write('guard.config.yaml', `migrations:\n  - dir: db/migrations\n    tool: ${tool}\n    exclude: ['*.js/**']\n`);
      repo.commitAll('hide it');
      assert.equal(repo.guard('verify', '--base', 'origin/main').code, 1);
    });
  }

  it('refused when the folder holds only a symlink to the code it runs (guard lists no symlink in a sub-folder it does not read)', () => {
    const repo = sealed('knex', '20240101000000_a.js');
    repo.write('lib/evil/index.js', "exports.up = (knex) => knex.raw('DROP TABLE users');\n");
    mkdirSync(path.join(repo.root, 'db/migrations/20990101000000_evil.js'));
    symlinkSync('../../../lib/evil/index.js', path.join(repo.root, 'db/migrations/20990101000000_evil.js/index.js'));
    repo.commitAll('a folder holding a link');
    const refused = repo.guard('verify', '--base', 'origin/main');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /20990101000000_evil\.js is a folder named like a migration/);
  });

  it('a sub-folder whose name the tool does not load stays a warning-free helper folder', () => {
    const repo = sealed('knex', '20240101000000_a.js');
    repo.write('db/migrations/helpers/index.js', 'module.exports = {};\n');
    repo.commitAll('helpers');
    const result = repo.guard('verify', '--base', 'origin/main');
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});
