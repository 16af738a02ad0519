import { fileNamedDeployScenario, generated } from '../helpers/file-named-deploy.js';

// The real knex CLI (devDependency) writes the migrations (`knex migrate:make`)
// and applies them (`knex migrate:latest`), with the knexfile naming the folder.
const DIR = 'db/migrations';
const KNEX = ['node_modules/knex/bin/cli.js'];

fileNamedDeployScenario({
  title: 'Knex',
  tool: 'knex',
  dir: DIR,
  packages: ['knex', 'pg'],
  files: { 'knexfile.js': `module.exports = {\n  client: 'pg',\n  connection: process.env.DATABASE_URL,\n  migrations: { directory: './${DIR}' },\n};\n` },
  deploy: [process.execPath, ...KNEX, 'migrate:latest'],
  write(project, name, sql) {
    const file = generated(project, DIR, [process.execPath, ...KNEX, 'migrate:make', name]);
    const { repo } = project;
    repo.write(file, repo.read(file).replace('exports.up = function(knex) {', `exports.up = function(knex) {\n  return knex.raw(${JSON.stringify(sql)});`));
    return file;
  },
  early: { name: '20000101000000_early.js', text: "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = () => {};\n" },
  idOf: (file) => file,
  appliedSql: 'SELECT name FROM knex_migrations ORDER BY id',
  keepsEarlierOnFailure: false,
});
