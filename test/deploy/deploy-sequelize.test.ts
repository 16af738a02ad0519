import { fileNamedDeployScenario, generated } from '../helpers/file-named-deploy.js';

// The real sequelize-cli (devDependency, with sequelize and pg) writes the
// migrations (`migration:generate`) and applies them (`db:migrate`), with
// .sequelizerc naming the folder and config/config.json reading DATABASE_URL.
const DIR = 'db/migrations';
const CLI = ['node_modules/sequelize-cli/lib/sequelize'];

fileNamedDeployScenario({
  title: 'Sequelize CLI',
  tool: 'sequelize',
  dir: DIR,
  packages: ['sequelize-cli', 'sequelize', 'pg', 'pg-hstore'],
  files: {
    '.sequelizerc': "const path = require('path');\n\nmodule.exports = {\n  'migrations-path': path.resolve('db', 'migrations'),\n};\n",
    'config/config.json': '{\n  "development": { "use_env_variable": "DATABASE_URL", "dialect": "postgres" }\n}\n',
  },
  deploy: [process.execPath, ...CLI, 'db:migrate'],
  write(project, name, sql) {
    const file = generated(project, DIR, [process.execPath, ...CLI, 'migration:generate', '--name', name]);
    const { repo } = project;
    repo.write(file, repo.read(file).replace('async up (queryInterface, Sequelize) {', `async up (queryInterface, Sequelize) {\n    await queryInterface.sequelize.query(${JSON.stringify(sql)});`));
    return file;
  },
  early: { name: '20000101000000-early.js', text: "module.exports = {\n  async up(queryInterface) { await queryInterface.sequelize.query('SELECT 1'); },\n  async down() {},\n};\n" },
  idOf: (file) => file,
  appliedSql: 'SELECT name FROM "SequelizeMeta" ORDER BY name COLLATE "C"',
  keepsEarlierOnFailure: true,
});
