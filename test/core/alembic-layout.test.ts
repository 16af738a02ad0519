import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readAlembicConfigs } from '../../src/core/tools/alembic/alembic-config.js';
import { readTomlKeys, TomlSyntaxError } from '../../src/core/tools/alembic/read-toml-keys.js';
import { unreadLocations } from '../../src/core/tools/alembic/version-locations.js';
import { detectMigrationDirs } from '../../src/core/init/detect-migration-dirs.js';

const dirsOf = (file: string, text: string) => readAlembicConfigs(file, text).configs.map((config) => [config.section, config.locations.map((location) => location.dir ?? `outside:${location.written}`), config.recursive]);

describe('Alembic version locations from alembic.ini', () => {
  it('defaults to <script_location>/versions, relative to the ini file, %(here)s or not', () => {
    assert.deepEqual(dirsOf('app/alembic.ini', '[alembic]\nscript_location = %(here)s/migrations\n'), [['alembic', ['app/migrations/versions'], false]]);
    assert.deepEqual(dirsOf('alembic.ini', '[alembic]\nscript_location = ./db/../migrations/\n'), [['alembic', ['migrations/versions'], false]]);
  });

  it('splits version_locations as Alembic does: path_separator, then version_path_separator, else spaces and commas', () => {
    const ini = (separator: string, value: string) => `[alembic]\nscript_location = m\n${separator}version_locations = ${value}\n`;
    assert.deepEqual(dirsOf('alembic.ini', ini('', 'a b,c, d'))[0]![1], ['a', 'b', 'c', 'd']);
    assert.deepEqual(dirsOf('alembic.ini', ini('version_path_separator = os\n', 'a b:c'))[0]![1], ['a b', 'c']);
    // a:b is a package resource to Alembic (package a, folder b).
    assert.deepEqual(dirsOf('alembic.ini', ini('path_separator = ;\nversion_path_separator = :\n', 'a:b;c'))[0]![1], ['a/b', 'c']);
    assert.deepEqual(dirsOf('alembic.ini', '[alembic]\npath_separator = newline\nversion_locations =\n    %(here)s/a\n    %(here)s/b c\n')[0]![1], ['a', 'b c']);
    // configparser keeps a value going over empty lines and comment lines while indented lines follow.
    assert.deepEqual(dirsOf('alembic.ini', '[alembic]\npath_separator = newline\nversion_locations = a\n\n    extra\n# note\n    more\nother = 1\n')[0]![1], ['a', 'extra', 'more']);
    // Alembic refuses an unknown separator; guard then reads the widest split.
    assert.deepEqual(dirsOf('alembic.ini', ini('version_path_separator = os  # Use os.pathsep.\n', 'a:b c'))[0]![1], ['a', 'b', 'c']);
  });

  it('interpolates %(name)s from the section and DEFAULT, %% as a percent sign, and reads every section', () => {
    const text = '[DEFAULT]\nroot = %(here)s/db\n\n[alembic]\nscript_location = %(root)s\n\n[audit]\nscript_location = x\nversion_locations = %(root)s/audit%%2 %(root)s/x\nrecursive_version_locations = true\n\n[loggers]\nkeys = root\n';
    assert.deepEqual(dirsOf('svc/alembic.ini', text), [
      ['alembic', ['svc/db/versions'], false],
      ['audit', ['svc/db/audit%2', 'svc/db/x'], true],
    ]);
  });

  it('a location outside the repository has no dir', () => {
    assert.deepEqual(dirsOf('alembic.ini', '[alembic]\nversion_locations = /opt/v ../../up %(here)s/ok\n')[0]![1], ['outside:/opt/v', 'outside:../../up', 'ok']);
  });

  it('bounds interpolation that references references', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i} = %(k${i + 1})s%(k${i + 1})s%(k${i + 1})s`).join('\n');
    const started = Date.now();
    readAlembicConfigs('alembic.ini', `[alembic]\n${keys}\nk12 = ${'x'.repeat(100_000)}\nversion_locations = %(k0)s\n`);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('Alembic version locations from pyproject.toml', () => {
  it('reads [tool.alembic] with %(here)s, and none without it', () => {
    assert.deepEqual(dirsOf('svc/pyproject.toml', '[tool.alembic]\nscript_location = "%(here)s/alembic"\nrecursive_version_locations = true\n'), [['tool.alembic', ['svc/alembic/versions'], true]]);
    assert.deepEqual(dirsOf('pyproject.toml', '[project]\nname = "x"\n[tool.black]\nline-length = 99\n'), []);
  });

  it('a pyproject.toml it cannot read is an error only when it may configure Alembic', () => {
    assert.deepEqual(readAlembicConfigs('pyproject.toml', '[project\nname = 1'), { configs: [] });
    const read = readAlembicConfigs('pyproject.toml', '[tool.alembic]\nversion_locations = ["a"\n');
    assert.equal(read.error?.line, 3);
  });
});

describe('readTomlKeys', () => {
  const read = (text: string) => readTomlKeys(text, ['tool', 'alembic']);

  it('reads strings of every kind, arrays over lines with comments, booleans, and keeps numbers and dates opaque', () => {
    const text = [
      '# a comment',
      'title = "x" # trailing',
      'when = 1979-05-27 07:32:00Z',
      '[tool.alembic]',
      "a = 'C:\\path'",
      'b = "tab\\there \\u00e9 \\"q\\""',
      'c = """',
      'one \\',
      '   two"""""',
      "d = '''x''y'''",
      'e = [',
      '  "1", # one',
      '  [true, false],',
      ']',
      'f = 3.5e2',
      '[[tool.other]]',
      'g = 1',
    ].join('\n');
    const table = read(text)!;
    assert.equal(table.line, 4);
    assert.equal(table.values.a, 'C:\\path');
    assert.equal(table.values.b, 'tab\there é "q"');
    assert.equal(table.values.c, 'one two""');
    assert.equal(table.values.d, "x''y");
    assert.deepEqual(table.values.e, ['1', [true, false]]);
    assert.equal(typeof table.values.f, 'object');
  });

  it('finds the table through dotted and quoted keys and inline tables', () => {
    assert.deepEqual(read('tool.alembic.x = "1"\n')!.values, { x: '1' });
    assert.deepEqual(read('[tool]\n"alembic" . y = true\n')!.values, { y: true });
    assert.deepEqual(read('tool = {alembic = {z = ["a"], w.v = "b"}}\n')!.values, { z: ['a'], 'w.v': 'b' });
    assert.equal(read('[tool.alembic]\n')!.line, 1);
    assert.equal(read('[tool.other]\nalembic = 1\n'), undefined);
  });

  it('reports what is not TOML by line, and refuses nesting deep enough to exhaust the stack', () => {
    for (const [text, line] of [
      ['a = "unterminated\n', 1],
      ['a = 1\nb = = 2\n', 2],
      ['a = "bad \\q escape"\n', 1],
      ['a = 1 b\n', 1],
    ] as const) {
      assert.throws(() => read(text), (error: unknown) => error instanceof TomlSyntaxError && error.line === line, text);
    }
    assert.throws(() => read(`a = ${'['.repeat(100_000)}`), TomlSyntaxError);
  });
});

describe('unreadLocations', () => {
  const config = (dirs: string[], recursive = false) => readAlembicConfigs('alembic.ini', `[alembic]\nversion_locations = ${dirs.join(' ')}\n${recursive ? 'recursive_version_locations = true\n' : ''}`).configs;

  it('a location is read by a set at it, or by a recursive set above it; a flat set leaves its sub-folders to a recursive config', () => {
    const sets = [
      { dir: 'db/versions', tool: 'alembic', recursive: false },
      { dir: 'lib', recursive: true },
      { dir: 'sql', tool: 'sql', recursive: true },
    ];
    const found = unreadLocations(config(['db/versions', 'lib/a/b', 'sql/x', 'other']), sets);
    assert.deepEqual(found.unread.map((u) => [u.location.dir, u.subFoldersOnly]), [['sql/x', false], ['other', false]]);
    const deep = unreadLocations(config(['db/versions', 'lib'], true), sets);
    assert.deepEqual(deep.unread.map((u) => [u.location.dir, u.subFoldersOnly, u.recursive]), [['db/versions', true, true]]);
  });
});

describe('guard init on Alembic trees', () => {
  const detect = (files: Record<string, string>) =>
    detectMigrationDirs(Object.keys(files), (path) => files[path]).map((set) => [set.dir, set.tool, set.files, set.recursive ?? false]);
  const rev = (id: string, down: string | null, extra = '') => `revision = '${id}'\ndown_revision = ${down === null ? 'None' : `'${down}'`}\n${extra}\n`;

  it('one recursive set for a graph over release folders, none nested inside it', () => {
    assert.deepEqual(
      detect({
        'app/versions/__init__.py': '',
        'app/versions/EXPAND_HEAD': 'e2',
        'app/versions/start.py': rev('start', null),
        'app/versions/liberty/expand/e1.py': rev('e1', 'start', 'branch_labels = (cli.EXPAND_BRANCH,)'),
        'app/versions/liberty/contract/c1.py': rev('c1', 'start', 'branch_labels = (cli.CONTRACT_BRANCH,)'),
        'app/versions/mitaka/expand/e2.py': rev('e2', 'e1'),
        'app/versions/mitaka/contract/c2.py': rev('c2', 'c1', "depends_on = 'e2'"),
      }),
      [['app/versions', 'alembic', 5, true]],
    );
  });

  it('folders of revisions that do not name each other stay sets of their own', () => {
    assert.deepEqual(
      detect({
        'billing/versions/b1.py': rev('b1', null),
        'billing/versions/b2.py': rev('b2', 'b1'),
        'users/versions/u1.py': rev('u1', null),
      }),
      [
        ['billing/versions', 'alembic', 2, false],
        ['users/versions', 'alembic', 1, false],
      ],
    );
  });

  it('nested version locations of alembic.ini or pyproject.toml are one recursive set at the outermost', () => {
    assert.deepEqual(
      detect({
        'pyproject.toml': '[tool.alembic]\nscript_location = "%(here)s/db"\nversion_locations = ["%(here)s/db/versions", "%(here)s/db/versions/2026"]\n',
        'db/versions/a.py': rev('a', null),
        'db/versions/2026/b.py': rev('b', 'a'),
      }),
      [['db/versions', 'alembic', 2, true]],
    );
    assert.deepEqual(
      detect({
        'alembic.ini': '[alembic]\nscript_location = db\nrecursive_version_locations = true\n',
        'db/versions/2025/a.py': rev('a', null),
      }),
      [['db/versions', 'alembic', 1, true]],
    );
  });

  it('a version location nothing in the repository lies in is no set, except the script_location default', () => {
    assert.deepEqual(
      detect({
        'alembic.ini': '[alembic]\nscript_location = myapp:migrations\nversion_locations = myapp.db:versions %(here)s/gone\n',
        'src/myapp/db/versions/a.py': rev('a', null),
      }),
      [['src/myapp/db/versions', 'alembic', 1, false]],
    );
    assert.deepEqual(detect({ 'alembic.ini': '[alembic]\nscript_location = migrations\n' }), [['migrations/versions', 'alembic', 0, false]]);
  });
});

describe("guard init reads Alembic's version table from env.py", () => {
  const revision = "revision = 'a1'\ndown_revision = None\n";
  const project = (envPy: string | undefined, ini = '[alembic]\nscript_location = %(here)s/migrations\n') => {
    const files: Record<string, string> = { 'alembic.ini': ini, 'migrations/versions/a1_init.py': revision };
    if (envPy !== undefined) files['migrations/env.py'] = envPy;
    return detectMigrationDirs(Object.keys(files), (file) => files[file])[0]! as { table?: string; notes?: string[] };
  };
  const configure = (keywords: string) => `from alembic import context\n\ncontext.configure(\n    connection=connection,\n    ${keywords}\n)\n`;

  it('writes version_table and version_table_schema literals as the set\'s table:, alembic_version when only the schema moves', () => {
    assert.equal(project(configure("version_table='schema_history', version_table_schema=\"audit\",")).table, 'audit.schema_history');
    assert.equal(project(configure("version_table = 'app_versions',")).table, 'app_versions');
    assert.equal(project(configure("version_table_schema='ops',")).table, 'ops.alembic_version');
  });

  it('says what to write when env.py computes the table, and nothing when env.py leaves it alone, comments it out, or is missing', () => {
    const computed = project(configure('version_table=settings.VERSION_TABLE,'));
    assert.equal(computed.table, undefined);
    assert.match(computed.notes?.[0] ?? '', /migrations\/env\.py sets Alembic's version_table or version_table_schema from code: write the table it names as the set's `table: schema\.name`/);
    assert.equal(project(configure('target_metadata=None,')).table, undefined);
    assert.equal(project(configure("# version_table='old',\n    target_metadata=None,")).table, undefined);
    assert.equal(project(undefined).table, undefined);
  });
});
