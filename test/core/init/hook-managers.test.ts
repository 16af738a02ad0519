// guard init's edits of a hook manager's config (README, "`guard init`"):
// guard's entries added as text, the project's file otherwise byte for byte,
// nothing added twice, and a file guard cannot edit safely refused (exit 2)
// with what to add by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { GuardError } from '../../../src/core/guard-error.js';
import { detectHookManagers } from '../../../src/core/init/hook-managers.js';
import { withGuardInLefthook } from '../../../src/core/init/lefthook-config.js';
import { withGuardInFrameworkConfig } from '../../../src/core/init/pre-commit-config.js';
import { withGuardInSimpleGitHooks } from '../../../src/core/init/simple-git-hooks.js';

const remote = { local: false, version: '1.2.3' };
const local = { local: true, version: '1.2.3' };

/** `after` is `before` with lines inserted at one place: every byte of `before` is still there, in order. */
function insertedAtOnePlace(before: string, after: string): string {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start += 1;
  start = before.lastIndexOf('\n', start - 1) + 1; // guard inserts whole lines
  const tail = before.length - start;
  assert.equal(after.slice(after.length - tail), before.slice(start), 'the rest of the file follows unchanged');
  return after.slice(start, after.length - tail);
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<GuardError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    assert.ok(error instanceof GuardError, String(error));
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail('the edit was not refused');
}

describe('.pre-commit-config.yaml', () => {
  const config = [
    '# Team hooks: keep sorted',
    'repos:',
    '-   repo: https://github.com/pre-commit/pre-commit-hooks',
    "    rev: 'v4.5.0'   # pinned",
    '    hooks:',
    '    -   id: trailing-whitespace',
    '    -   id: "end-of-file-fixer"',
    '',
    '# python',
    'default_stages: [pre-commit]',
    '',
  ].join('\n');

  it("adds guard's repository at v<version> with both hook ids, lined up with the other entries; every other byte stays", async () => {
    const { text, changed } = await withGuardInFrameworkConfig(config, remote);
    assert.equal(changed, true);
    assert.equal(
      insertedAtOnePlace(config, text),
      '-   repo: https://github.com/migration-guard/migration-guard\n    rev: v1.2.3\n    hooks:\n      - id: migration-guard\n      - id: migration-guard-pre-push\n',
    );
    assert.deepEqual(parse(text).default_stages, ['pre-commit']);
  });

  it('a second run changes nothing', async () => {
    const once = (await withGuardInFrameworkConfig(config, remote)).text;
    const twice = await withGuardInFrameworkConfig(once, remote);
    assert.equal(twice.changed, false);
    assert.equal(twice.text, once);
  });

  it('a project with guard as an npm dependency gets a `repo: local` hook running node_modules/.bin/guard (no npx)', async () => {
    const { text } = await withGuardInFrameworkConfig(config, local);
    const repos = parse(text).repos as { repo: string; hooks: Record<string, unknown>[] }[];
    assert.deepEqual(repos.at(-1), {
      repo: 'local',
      hooks: [
        { id: 'migration-guard', name: 'migration-guard', entry: 'node_modules/.bin/guard hook pre-commit', language: 'system', pass_filenames: false, always_run: true, stages: ['pre-commit', 'pre-merge-commit'] },
        { id: 'migration-guard-pre-push', name: 'migration-guard (pre-push)', entry: 'node_modules/.bin/guard hook pre-push', language: 'system', pass_filenames: false, always_run: true, require_serial: true, stages: ['pre-push'] },
      ],
    });
  });

  it("an entry that runs guard's pre-commit already gets only the pre-push hook, beside it", async () => {
    const before = 'repos:\n  - repo: https://github.com/migration-guard/migration-guard\n    rev: v0.1.0\n    hooks:\n      - id: migration-guard\n  - repo: local\n    hooks:\n      - id: lint\n        name: lint\n        entry: make lint\n        language: system\n';
    const { text } = await withGuardInFrameworkConfig(before, remote);
    assert.equal(insertedAtOnePlace(before, text), '      - id: migration-guard-pre-push\n');
    const handWritten = 'repos:\n- repo: local\n  hooks:\n  - id: guard\n    name: guard\n    entry: npx guard hook pre-commit\n    language: system\n';
    const added = insertedAtOnePlace(handWritten, (await withGuardInFrameworkConfig(handWritten, remote)).text);
    assert.match(added, /^ {2}- id: migration-guard-pre-push\n {4}name: migration-guard \(pre-push\)\n {4}entry: node_modules\/\.bin\/guard hook pre-push\n/);
  });

  it('keeps CRLF line endings, and a file without a final newline gets one only where guard writes', async () => {
    const crlf = config.replaceAll('\n', '\r\n');
    const { text } = await withGuardInFrameworkConfig(crlf, remote);
    assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
    const bare = 'repos:\n  - repo: local\n    hooks:\n      - {id: lint, name: lint, entry: make lint, language: system}';
    const edited = (await withGuardInFrameworkConfig(bare, remote)).text;
    assert.ok(edited.startsWith(`${bare}\n  - repo: https://github.com/migration-guard/migration-guard\n`));
  });

  it('refuses, naming the line and showing the snippet, a file with anchors, a syntax error, or repos that are not a block list', async () => {
    const anchored = 'repos:\n  - &common\n    repo: local\n    hooks: []\n  - *common\n';
    const error = await refusal(withGuardInFrameworkConfig(anchored, remote));
    assert.match(error.message, /\.pre-commit-config\.yaml:2 sets an anchor \(&common\)/);
    assert.match(error.fix ?? '', /repos:\n {2}- repo: https:\/\/github\.com\/migration-guard\/migration-guard\n {4}rev: v1\.2\.3\n/);
    assert.match((await refusal(withGuardInFrameworkConfig('repos:\n  - repo: [unclosed\n', remote))).message, /is not valid YAML/);
    assert.match((await refusal(withGuardInFrameworkConfig('repos: []\n', remote))).message, /`repos:` is not a block list/);
    assert.match((await refusal(withGuardInFrameworkConfig('default_stages: [pre-commit]\n', remote))).message, /has no list of repos/);
  });
});

describe("lefthook's YAML config", () => {
  const config = ['# lefthook', 'pre-commit:', '  parallel: true', '  commands:', '    lint:', '      run: npx eslint {staged_files}   # lint', 'pre-push:', '  jobs:', '    - name: test', '      run: npm test', ''].join('\n');

  it("adds guard's command to commands:, a job to jobs:, and the hooks that are missing at the end; pre-push gets git's stdin", async () => {
    const { text, changed } = await withGuardInLefthook(config, 'lefthook.yml');
    assert.equal(changed, true);
    assert.equal(
      text,
      [
        '# lefthook',
        'pre-commit:',
        '  parallel: true',
        '  commands:',
        '    lint:',
        '      run: npx eslint {staged_files}   # lint',
        '    migration-guard:',
        '      run: node_modules/.bin/guard hook pre-commit',
        'pre-push:',
        '  jobs:',
        '    - name: test',
        '      run: npm test',
        '    - name: migration-guard',
        '      run: node_modules/.bin/guard hook pre-push {1} {2}',
        '      use_stdin: true',
        'pre-merge-commit:',
        '  commands:',
        '    migration-guard:',
        '      run: node_modules/.bin/guard hook pre-commit',
        '',
      ].join('\n'),
    );
    assert.equal((await withGuardInLefthook(text, 'lefthook.yml')).changed, false, 'a second run changes nothing');
  });

  it('fills the commented example lefthook install writes, and a hook that has only scripts gets commands:', async () => {
    const example = '# EXAMPLE USAGE:\n#\n# pre-commit:\n#   commands:\n';
    const { text } = await withGuardInLefthook(example, 'lefthook.yml');
    assert.ok(text.startsWith(example));
    assert.deepEqual(Object.keys(parse(text) as object), ['pre-commit', 'pre-merge-commit', 'pre-push']);
    const scripts = 'pre-commit:\n  scripts:\n    "check.sh":\n      runner: bash\n';
    const added = insertedAtOnePlace(scripts, (await withGuardInLefthook(scripts, 'lefthook.yml')).text);
    assert.ok(added.startsWith('  commands:\n    migration-guard:\n      run: node_modules/.bin/guard hook pre-commit\n'), added);
  });

  it('a hook that runs guard already (any command name) is left alone', async () => {
    const readme = 'pre-commit:\n  commands:\n    guard:\n      run: npx guard hook pre-commit\n';
    const { text } = await withGuardInLefthook(readme, '.lefthook.yml');
    assert.equal(insertedAtOnePlace(readme, text).startsWith('pre-merge-commit:\n'), true);
  });

  it('refuses a command of its name that is not guard, a hook that is not a mapping, and anchors', async () => {
    await refusal(withGuardInLefthook('pre-commit:\n  commands:\n    migration-guard:\n      run: echo hi\n', 'lefthook.yml'));
    await refusal(withGuardInLefthook('pre-commit: {commands: {lint: {run: x}}}\n', 'lefthook.yml'));
    const error = await refusal(withGuardInLefthook('x: &base\n  run: y\npre-commit:\n  commands:\n    a: *base\n', 'lefthook.yml'));
    assert.match(error.fix ?? '', /pre-push:\n {2}commands:\n {4}migration-guard:\n {6}run: node_modules\/\.bin\/guard hook pre-push \{1\} \{2\}\n {6}use_stdin: true/);
  });
});

describe("simple-git-hooks' config", () => {
  it('package.json keeps its formatting (tabs, key order, no final newline); a command of the project runs after guard', () => {
    const before = '{\n\t"name": "app",\n\t"simple-git-hooks": {\n\t\t"pre-commit": "npx lint-staged"\n\t},\n\t"devDependencies": {\n\t\t"simple-git-hooks": "2.14.0"\n\t}\n}';
    const { text } = withGuardInSimpleGitHooks(before, 'package.json');
    assert.equal(
      text,
      '{\n\t"name": "app",\n\t"simple-git-hooks": {\n\t\t"pre-commit": "node_modules/.bin/guard hook pre-commit || exit $?; npx lint-staged",\n\t\t"pre-merge-commit": "node_modules/.bin/guard hook pre-commit",\n\t\t"pre-push": "node_modules/.bin/guard hook pre-push \\"$@\\""\n\t},\n\t"devDependencies": {\n\t\t"simple-git-hooks": "2.14.0"\n\t}\n}',
    );
    assert.equal(withGuardInSimpleGitHooks(text, 'package.json').changed, false, 'a second run changes nothing');
  });

  it('an empty "simple-git-hooks" gets the three hooks; a .simple-git-hooks.json its top-level hooks', () => {
    const { text } = withGuardInSimpleGitHooks('{\n  "simple-git-hooks": {},\n  "devDependencies": {"simple-git-hooks": "2.14.0"}\n}\n', 'package.json');
    assert.deepEqual(Object.keys(JSON.parse(text)['simple-git-hooks']), ['pre-commit', 'pre-merge-commit', 'pre-push']);
    const file = withGuardInSimpleGitHooks('{\n  "pre-push": "npm test"\n}\n', '.simple-git-hooks.json').text;
    assert.equal(JSON.parse(file)['pre-push'], 'node_modules/.bin/guard hook pre-push "$@" || exit $?; npm test');
  });

  it('refuses a "simple-git-hooks" key that names another file', async () => {
    const error = await refusal(() => withGuardInSimpleGitHooks('{"simple-git-hooks": "./hooks.js"}', 'package.json'));
    assert.match(error.message, /names another config file, \.\/hooks\.js/);
  });
});

describe('detectHookManagers', () => {
  const files = (...names: string[]) => (file: string) => names.includes(file);

  it('names each manager by the file it reads; lefthook and simple-git-hooks by their own lookup order', () => {
    assert.deepEqual(detectHookManagers(files('.pre-commit-config.yaml'), undefined, undefined), [{ name: 'pre-commit framework', config: '.pre-commit-config.yaml' }]);
    assert.deepEqual(detectHookManagers(files('.config/lefthook.yaml'), undefined, undefined), [{ name: 'lefthook', config: '.config/lefthook.yaml' }]);
    assert.deepEqual(detectHookManagers(files('lefthook.yml', 'lefthook.toml'), undefined, undefined), [{ name: 'lefthook', config: 'lefthook.yml', others: ['lefthook.toml'] }]);
    assert.deepEqual(detectHookManagers(files('simple-git-hooks.json'), { 'simple-git-hooks': {} } as never, undefined), [{ name: 'simple-git-hooks', config: 'simple-git-hooks.json' }]);
    assert.deepEqual(detectHookManagers(files(), { 'simple-git-hooks': {}, devDependencies: { 'simple-git-hooks': '2' } } as never, '.husky'), [
      { name: 'simple-git-hooks', config: 'package.json' },
      { name: 'husky', config: '.husky' },
    ]);
    // A dependency without a config installs nothing (guard's own repository).
    assert.deepEqual(detectHookManagers(files(), { devDependencies: { 'simple-git-hooks': '2', lefthook: '2' } }, 'hooks'), [{ name: 'husky', config: 'hooks' }]);
  });
});
