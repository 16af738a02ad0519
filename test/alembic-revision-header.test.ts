// What guard reads from Alembic revision files without running Python, and the
// revision graph it builds from them. The last block checks the importable
// scenarios against real Alembic too.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alembicAdapter } from '../src/core/tools/alembic/alembic-adapter.js';
import { readRevisionHeader, HeaderSyntaxError } from '../src/core/tools/alembic/read-revision-header.js';
import type { DiscoveredSet, SourceFile } from '../src/core/migrations/types.js';
import { realAlembicHeads, realAlembicMissing } from './helpers/alembic-real.js';

const enc = new TextEncoder();

function files(map: Record<string, string | Uint8Array>): SourceFile[] {
  return Object.entries(map).map(([p, content]) => ({
    path: p,
    bytes: typeof content === 'string' ? enc.encode(content) : content,
  }));
}

function discover(map: Record<string, string | Uint8Array>): DiscoveredSet {
  return alembicAdapter.discover(files(map), {});
}

/** A revision file the way `alembic revision` writes it. */
function rev(id: string, down: string | string[] | null, extra = ''): string {
  const downText = down === null ? 'None' : Array.isArray(down) ? `(${down.map((d) => `'${d}'`).join(', ')})` : `'${down}'`;
  return `"""message\n\nRevision ID: ${id}\nRevises: ${Array.isArray(down) ? down.join(', ') : (down ?? '')}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n# revision identifiers, used by Alembic.\nrevision = '${id}'\ndown_revision = ${downText}\n${extra}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}

const codes = (set: DiscoveredSet) => set.problems.map((p) => p.code).sort();
const sorted = (list: readonly string[]) => [...list].sort();

describe('readRevisionHeader: the forms real revision files use', () => {
  it('reads the plain header alembic revision writes', () => {
    const header = readRevisionHeader(rev('ae1027a6acf', '1975ea83b712', 'branch_labels = None\ndepends_on = None'));
    assert.deepEqual(header.values, {
      revision: 'ae1027a6acf',
      down_revision: '1975ea83b712',
      branch_labels: null,
      depends_on: null,
    });
    assert.equal(header.lines.revision, 10);
    assert.equal(header.lines.down_revision, 11);
  });

  it('reads type-annotated assignments (Alembic >= 1.11 template)', () => {
    const text = [
      'from typing import Sequence, Union',
      'revision: str = "1a2b3c4d5e6f"',
      'down_revision: Union[str, Sequence[str], None] = "0f0e0d0c0b0a"',
      'branch_labels: Union[str, Sequence[str], None] = None',
      'depends_on: str | Sequence[str] | None = None',
      'revision_note: str = "not a header"',
    ].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, {
      revision: '1a2b3c4d5e6f',
      down_revision: '0f0e0d0c0b0a',
      branch_labels: null,
      depends_on: null,
    });
  });

  for (const [label, literal] of [
    ['single quotes', `'abc123'`],
    ['double quotes', `"abc123"`],
    ['triple single quotes', `'''abc123'''`],
    ['triple double quotes', `"""abc123"""`],
    ['u prefix (Python 2)', `u'abc123'`],
    ['U prefix', `U"abc123"`],
    ['ur prefix (Python 2)', `ur'abc123'`],
    ['b prefix', `b'abc123'`],
    ['r prefix', `r"abc123"`],
    ['parenthesised string', `('abc123')`],
    ['adjacent literals', `'abc' "123"`],
  ] as const) {
    it(`reads a revision written with ${label}`, () => {
      assert.equal(readRevisionHeader(`revision = ${literal}\ndown_revision = None\n`).values.revision, 'abc123');
    });
  }

  it('reads merge revisions as tuples and lists, multi-line, with trailing commas and comments', () => {
    const text = [
      "revision = 'm1'",
      'down_revision = (',
      "    'a1',  # billing",
      "    # 'zz' is not a parent",
      "    'b2',",
      "    u'c3',",
      ')',
      "branch_labels = ['x', 'y',]",
      'depends_on = (  # needs both',
      "    'd4', 'e5'",
      ')',
    ].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, {
      revision: 'm1',
      down_revision: ['a1', 'b2', 'c3'],
      branch_labels: ['x', 'y'],
      depends_on: ['d4', 'e5'],
    });
  });

  it("tells a one-element tuple ('a',) from a parenthesised string ('a')", () => {
    assert.deepEqual(readRevisionHeader("down_revision = ('a',)").values.down_revision, ['a']);
    assert.equal(readRevisionHeader("down_revision = ('a')").values.down_revision, 'a');
  });

  it('reads branch_labels as a string, a tuple or a set, and depends_on as a string', () => {
    assert.equal(readRevisionHeader("branch_labels = 'billing'").values.branch_labels, 'billing');
    assert.deepEqual(readRevisionHeader("branch_labels = ('billing',)").values.branch_labels, ['billing']);
    assert.deepEqual(readRevisionHeader("branch_labels = {'billing'}").values.branch_labels, ['billing']);
    assert.equal(readRevisionHeader("depends_on = 'aaa111'").values.depends_on, 'aaa111');
  });

  it('ignores header-looking text inside docstrings and other strings', () => {
    const text = [
      '"""Fix things',
      '',
      "revision = 'fake1'",
      'Revises: fake0',
      '"""',
      "NOTE = '''",
      "down_revision = 'fake2'",
      "'''",
      "SQL = \"it's # not a comment; revision = 'fake3'\"",
      "revision = 'real'",
      "down_revision = 'parent'",
    ].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, { revision: 'real', down_revision: 'parent' });
  });

  it('ignores assignments inside functions and classes, also after a `;`', () => {
    const text = [
      "revision = 'real'",
      'down_revision = None',
      'def upgrade():',
      "    revision = 'inner'",
      "    x = 1; down_revision = 'inner2'",
      'class Helper:',
      "    depends_on = 'inner3'",
      'def f(): revision = 1',
    ].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, { revision: 'real', down_revision: null });
  });

  it('refuses any other module-level binding of a header name, which Alembic would see and guard would not read', () => {
    const refused = (text: string, line: number, pattern = /is bound here besides the module-level literal assignment/) => {
      assert.throws(() => readRevisionHeader(text), (error: unknown) => error instanceof HeaderSyntaxError && error.line === line && pattern.test(error.message), text);
    };
    const head = "revision = 'ccc333'\ndown_revision = 'bbb222'\n";
    refused(`${head}if True:\n    revision = 'bbb222'\n`, 4);
    refused(`${head}if False:\n\trevision = 'tabbed'\n`, 4);
    refused(`${head}try:\n    import x\nexcept ImportError:\n    down_revision = 'aaa'\n`, 6);
    refused(`${head}revision, other = 'bbb222', 1\n`, 3);
    refused(`${head}(other, revision) = (1, 'bbb222')\n`, 3);
    refused(`${head}[revision] = ['bbb222']\n`, 3);
    refused(`${head}x = (revision := 'bbb222')\n`, 3);
    refused(`${head}revision += '2'\n`, 3);
    refused(`${head}for revision in ['bbb222']:\n    pass\n`, 3);
    refused(`${head}for _, revision in [(1, 'bbb222')]:\n    pass\n`, 3);
    refused(`${head}from ids import revision\n`, 3);
    refused(`${head}import ids as revision\n`, 3);
    refused(`${head}with open('x') as revision:\n    pass\n`, 3);
    refused(`${head}def bump():\n    global revision\n    revision = 'bbb222'\nbump()\n`, 4);
    refused(`${head}del revision\n`, 3);
    refused(`${head}globals()['revision'] = 'bbb222'\n`, 3, /set dynamically/);
    refused(`${head}import sys\nsetattr(sys.modules[__name__], "revision", 'bbb222')\n`, 4, /set dynamically/);
    // Reads, and names in strings and comments, are fine.
    const fine = [
      `${head}print(revision)\n`,
      `${head}log(revision, down_revision)\n`,
      `${head}call(revision=revision)\n`,
      `${head}x = {'revision': revision}\n`,
      `${head}if revision == 'ccc333':\n    pass\n`,
      `${head}# revision = 'bbb222'\n`,
      `${head}doc = "revision = 'bbb222'"\n`,
      `${head}context.revision = 'x'\n`,
      `${head}def upgrade():\n    revision = 'local'\n    op.execute(f"SELECT {revision}")\n`,
    ];
    for (const text of fine) assert.equal(readRevisionHeader(text).values.revision, 'ccc333', text);
  });

  it('reads module-level statements joined by `;` and backslash continuations', () => {
    const text = ["import sys; revision = 'r1'; down_revision = \\", "    'p1'", 'branch_labels = None;'].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, { revision: 'r1', down_revision: 'p1', branch_labels: null });
  });

  it('keeps the last assignment, as Python does', () => {
    assert.equal(readRevisionHeader("down_revision = 'a'\ndown_revision = 'b'\n").values.down_revision, 'b');
  });

  it('does not take comparisons or look-alike names for assignments', () => {
    const text = "revision_id = 'no'\nrevisions = 'no'\nrevision == 'no'\nrevision = 'yes'\n";
    assert.deepEqual(readRevisionHeader(text).values, { revision: 'yes' });
  });

  it('reads CRLF files, including a backslash-CRLF continuation and a BOM', () => {
    const text = "\uFEFFrevision = 'crlf1'\r\ndown_revision = (\r\n    'a',\r\n    'b',\r\n)\r\nx = 'line \\\r\njoin'\r\nbranch_labels = \\\r\n  None\r\n";
    const header = readRevisionHeader(text);
    assert.deepEqual(header.values, { revision: 'crlf1', down_revision: ['a', 'b'], branch_labels: null });
    assert.equal(header.lines.branch_labels, 8);
  });

  it('reads the header of a Python-2-era file whose functions Python 3 cannot even parse', () => {
    const text = [
      '# -*- coding: utf-8 -*-',
      "revision = u'1f2e3d4c'",
      "down_revision = u'0a0b0c0d'",
      'def upgrade():',
      '    print "upgrading"',
      '    try:',
      '        pass',
      '    except Exception, e:',
      '        print >>sys.stderr, `e`',
      "    s = ur'\\d+'",
    ].join('\n');
    assert.deepEqual(readRevisionHeader(text).values, { revision: '1f2e3d4c', down_revision: '0a0b0c0d' });
  });

  it('refuses what only running Python could answer, naming the line', () => {
    for (const [text, line] of [
      ['"""doc"""\nrevision = make_id()\n', 2],
      ["revision = 'a'\n\ndown_revision = base.revision\n", 3],
      ["revision = f'{x}'\n", 1],
      ["revision = 'a'\ndown_revision = ('b',\n    None)\n", 2],
      ["revision = 'a' + 'b'\n", 1],
    ] as const) {
      assert.throws(
        () => readRevisionHeader(text),
        (error: unknown) => error instanceof HeaderSyntaxError && error.line === line,
        text,
      );
    }
  });
});

describe('alembicAdapter.discover: files and problems a user sees', () => {
  it('builds heads, bases, merge points and labels of a branched history', () => {
    const set = discover({
      '1_base.py': rev('aaa', null, "branch_labels = ['app']"),
      '2_left.py': rev('bbb', 'aaa'),
      '3_right.py': rev('ccc', 'aaa'),
      '4_merge.py': rev('ddd', ['bbb', 'ccc']),
      '5_lib.py': rev('lib1', null, "branch_labels = ('lib',)"),
      '6_lib.py': rev('lib2', 'lib1', "depends_on = 'ccc'"),
    });
    assert.deepEqual(set.problems, []);
    assert.deepEqual(sorted(set.heads), ['ddd', 'lib2']);
    assert.deepEqual(sorted(set.bases), ['aaa', 'lib1']);
    assert.deepEqual(set.mergePoints, ['ddd']);
    assert.deepEqual(set.branchLabels, { app: 'aaa', lib: 'lib1' });
    const order = set.migrations.map((m) => m.id);
    assert.ok(order.indexOf('aaa') < order.indexOf('bbb') && order.indexOf('bbb') < order.indexOf('ddd'));
    assert.deepEqual(set.migrations.find((m) => m.id === 'lib2')?.dependsOn, ['ccc']);
  });

  it('skips __init__.py, env.py, emacs lock files and non-Python files', () => {
    const set = discover({
      '__init__.py': '',
      'env.py': 'from alembic import context\ncontext.configure()\n',
      '__init__helpers.py': 'x = 1\n',
      '.#1_base.py': 'garbage(',
      'README': 'Single-database configuration.',
      'notes.txt': "revision = 'nope'",
      '1_base.py': rev('aaa', null),
    });
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.heads, ['aaa']);
    assert.deepEqual(sorted(set.ignored), ['.#1_base.py', 'README', '__init__.py', '__init__helpers.py', 'env.py', 'notes.txt']);
  });

  it('reads an env.py that declares a revision like any other revision file, as Alembic loads it', () => {
    // A copy of the sealed head under that name would otherwise stand in for it unseen.
    const set = discover({ '1_base.py': rev('aaa', null), '2_next.py': rev('bbb', 'aaa'), 'env.py': rev('bbb', 'aaa') });
    assert.deepEqual(codes(set), ['duplicate-id']);
    assert.match(set.problems[0]!.message, /bbb/);
    assert.deepEqual(set.ignored, []);
  });

  it('reports a helper module without revision in the folder (Alembic stops at it)', () => {
    const set = discover({ '1_base.py': rev('aaa', null), 'helpers.py': 'def table(name):\n    return name\n' });
    assert.deepEqual(codes(set), ['unparseable']);
    assert.equal(set.problems[0]!.file, 'helpers.py');
    assert.match(set.problems[0]!.message, /no module-level `revision`/);
    assert.match(set.problems[0]!.fix, /move the helper out/);
  });

  it('takes the id from a hex file name when revision is missing (Alembic 0.1 layout)', () => {
    const set = discover({ 'abc123.py': 'down_revision = None\n', 'def456.py': "down_revision = 'abc123'\n" });
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.heads, ['def456']);
  });

  it('reports an unparseable header with file and line, and keeps reading the others', () => {
    const set = discover({
      '1_base.py': rev('aaa', null),
      '2_generated.py': '"""doc\n"""\nimport uuid\nrevision = uuid.uuid4().hex\ndown_revision = "aaa"\n',
    });
    assert.deepEqual(codes(set), ['unparseable']);
    const problem = set.problems[0]!;
    assert.equal(problem.file, '2_generated.py');
    assert.equal(problem.line, 4);
    assert.equal(problem.exitCode, 2);
    assert.match(problem.message, /2_generated\.py:4: cannot read `revision`/);
    assert.deepEqual(set.heads, ['aaa']);
  });

  it('reports a missing down_revision with the revision line', () => {
    const set = discover({ '1.py': '"""x"""\n\nrevision = "aaa"\n' });
    assert.equal(set.problems[0]?.code, 'unparseable');
    assert.equal(set.problems[0]?.line, 3);
    assert.match(set.problems[0]!.message, /has no `down_revision`/);
  });

  it('refuses ids with characters Alembic refuses', () => {
    const set = discover({ '1.py': "revision = 'a-1'\ndown_revision = None\n" });
    assert.deepEqual(codes(set), ['unparseable']);
    assert.match(set.problems[0]!.message, /contains @, - or \+/);
  });

  it('reads a Latin-1 file with a coding cookie, and refuses one without', () => {
    const latin1 = (cookie: string) =>
      new Uint8Array(Buffer.from(`${cookie}"""Caf\xe9 table\n"""\nrevision = 'caf1'\ndown_revision = None\n`, 'latin1'));
    const ok = discover({ '1.py': latin1('# -*- coding: latin-1 -*-\n') });
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(ok.heads, ['caf1']);
    const bad = discover({ '1.py': latin1('') });
    assert.deepEqual(codes(bad), ['not-utf8']);
    assert.equal(bad.problems[0]!.line, 1);
  });

  it('treats down_revision = "" and () as a base, as Alembic does', () => {
    const set = discover({ '1.py': "revision = 'a'\ndown_revision = ''\n", '2.py': "revision = 'b'\ndown_revision = ()\n" });
    assert.deepEqual(sorted(set.bases), ['a', 'b']);
  });

  it('reports duplicate revision ids naming both files', () => {
    const set = discover({ '1.py': rev('aaa', null), '2.py': rev('aaa', null) });
    assert.deepEqual(codes(set), ['duplicate-id']);
    assert.match(set.problems[0]!.message, /1\.py and 2\.py/);
  });

  it('reports a dangling down_revision, and one that names a branch label', () => {
    const set = discover({
      '1.py': rev('aaa', null, "branch_labels = ['core']"),
      '2.py': rev('bbb', 'zzz'),
      '3.py': rev('ccc', 'core'),
    });
    assert.deepEqual(codes(set).filter((code) => code === 'dangling-parent').length, 2);
    assert.match(set.problems.find((p) => p.file === '2.py')!.message, /down_revision zzz, which no file declares/);
    assert.match(set.problems.find((p) => p.file === '3.py')!.message, /a branch label; Alembic needs a revision id/);
  });

  it('accepts depends_on naming a branch label, refuses unknown ids and id prefixes', () => {
    const ok = discover({ '1.py': rev('aaa111', null, "branch_labels = 'core'"), '2.py': rev('bbb', null, "branch_labels = 'x'\ndepends_on = 'core'") });
    assert.deepEqual(ok.problems, []);
    const bad = discover({ '1.py': rev('aaa111', null), '2.py': rev('bbb', 'aaa111', "depends_on = ('aaa', 'nope')") });
    assert.deepEqual(codes(bad), ['unknown-dependency', 'unknown-dependency']);
  });

  it('flags several heads unless each is on its own labelled branch', () => {
    const unlabelled = discover({ '1.py': rev('aaa', null), '2.py': rev('bbb', 'aaa'), '3.py': rev('ccc', 'aaa') });
    assert.deepEqual(sorted(unlabelled.heads), ['bbb', 'ccc']);
    assert.deepEqual(codes(unlabelled), ['multiple-heads']);
    assert.match(unlabelled.problems[0]!.fix, /alembic merge heads/);
    const labelled = discover({
      '1.py': rev('aaa', null, "branch_labels = ['app']"),
      '2.py': rev('bbb', null, "branch_labels = ['billing']"),
      '3.py': rev('ccc', 'bbb'),
    });
    assert.deepEqual(sorted(labelled.heads), ['aaa', 'ccc']);
    assert.deepEqual(labelled.problems, []);
  });

  it('reports a label that is already a revision id, or declared twice', () => {
    assert.deepEqual(codes(discover({ '1.py': rev('aaa', null), '2.py': rev('bbb', null, "branch_labels = 'aaa'") })), [
      'duplicate-branch-label',
      'multiple-heads',
    ]);
    assert.ok(
      codes(discover({ '1.py': rev('aaa', null, "branch_labels = 'x'"), '2.py': rev('bbb', null, "branch_labels = 'x'") })).includes(
        'duplicate-branch-label',
      ),
    );
  });

  it('reports cycles through down_revision and through depends_on', () => {
    assert.deepEqual(codes(discover({ '1.py': rev('aaa', 'aaa') })), ['cycle']);
    const two = discover({ '0.py': rev('base', null), '1.py': rev('aaa', 'bbb'), '2.py': rev('bbb', 'aaa') });
    assert.ok(codes(two).includes('cycle'));
    assert.match(two.problems.find((p) => p.code === 'cycle')!.message, /aaa, bbb form a cycle/);
    const viaDependency = discover({ '1.py': rev('aaa', null, "depends_on = 'bbb'"), '2.py': rev('bbb', 'aaa') });
    assert.deepEqual(codes(viaDependency), ['cycle']);
    assert.match(viaDependency.problems[0]!.message, /through depends_on/);
  });
});

/**
 * Scenarios that real Alembic can import: guard must find the same heads, or
 * report a problem exactly where Alembic stops.
 */
const SCENARIOS: Record<string, Record<string, string>> = {
  linear: { '1.py': rev('aaa', null), '2.py': rev('bbb', 'aaa') },
  annotated: {
    '1.py': 'from typing import Union, Sequence\nrevision: str = "aaa"\ndown_revision: Union[str, Sequence[str], None] = None\n',
    '2.py': 'from typing import Union, Sequence\nrevision: str = "bbb"\ndown_revision: Union[str, Sequence[str], None] = (\n    "aaa",  # parent\n)\n',
  },
  merge: { '1.py': rev('aaa', null), '2.py': rev('bbb', 'aaa'), '3.py': rev('ccc', 'aaa'), '4.py': rev('ddd', ['bbb', 'ccc']) },
  twoHeads: { '1.py': rev('aaa', null), '2.py': rev('bbb', 'aaa'), '3.py': rev('ccc', 'aaa') },
  labels: {
    '1.py': rev('aaa', null, "branch_labels = ('app',)"),
    '2.py': rev('bbb', null, "branch_labels = 'billing'\ndepends_on = 'app'"),
  },
  emptyDown: { '1.py': "revision = 'aaa'\ndown_revision = ''\n" },
  legacyName: { 'abc123.py': 'down_revision = None\n', 'def456.py': "down_revision = 'abc123'\n" },
  semicolons: { '1.py': "import os; revision = 'aaa'; down_revision = None\ndef f():\n    x = 1; revision = 'no'\n" },
  crlf: { '1.py': "revision = 'aaa'\r\ndown_revision = \\\r\n    None\r\n", '2.py': "revision = 'bbb'\r\ndown_revision = (\r\n 'aaa',\r\n)\r\n" },
  dangling: { '1.py': rev('aaa', null), '2.py': rev('bbb', 'zzz') },
  labelAsParent: { '1.py': rev('aaa', null, "branch_labels = ['core']"), '2.py': rev('bbb', 'core') },
  prefixDependency: { '1.py': rev('aaa111', null), '2.py': rev('bbb', 'aaa111', "depends_on = 'aaa'") },
  unknownDependency: { '1.py': rev('aaa', null), '2.py': rev('bbb', 'aaa', "depends_on = 'nope'") },
  helper: { '1.py': rev('aaa', null), 'util.py': 'X = 1\n' },
  selfLoop: { '1.py': rev('aaa', 'aaa') },
  cycle: { '0.py': rev('base', null), '1.py': rev('aaa', 'bbb'), '2.py': rev('bbb', 'aaa') },
  dependencyCycle: { '1.py': rev('aaa', null, "depends_on = 'bbb'"), '2.py': rev('bbb', 'aaa') },
  labelIsId: { '1.py': rev('aaa', null), '2.py': rev('bbb', null, "branch_labels = 'aaa'") },
  illegalId: { '1.py': "revision = 'a-1'\ndown_revision = None\n" },
};

/** Problems that mean `alembic heads` itself would fail. */
const FATAL = new Set(['unparseable', 'dangling-parent', 'unknown-dependency', 'cycle', 'duplicate-branch-label', 'duplicate-id']);

describe('the same scenarios under real Alembic', () => {
  const missing = realAlembicMissing();
  const root = mkdtempSync(path.join(os.tmpdir(), 'guard-alembic-scenarios-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('agrees with `alembic heads` on every scenario, or fails where Alembic fails', { skip: missing }, () => {
    const names = Object.keys(SCENARIOS);
    for (const name of names) {
      mkdirSync(path.join(root, name));
      for (const [file, text] of Object.entries(SCENARIOS[name]!)) writeFileSync(path.join(root, name, file), text);
    }
    const real = realAlembicHeads(names.map((name) => ({ root, locations: [path.join(root, name)] })));
    names.forEach((name, i) => {
      const guard = discover(SCENARIOS[name]!);
      const fatal = guard.problems.filter((p) => FATAL.has(p.code));
      const result = real[i]!;
      if ('error' in result) {
        assert.ok(fatal.length > 0, `${name}: Alembic fails (${result.error}) but guard reports no problem`);
      } else {
        assert.deepEqual(fatal, [], `${name}: Alembic reads it (heads ${result.heads}) but guard reports a problem`);
        assert.deepEqual(sorted(guard.heads), result.heads, `${name}: heads differ`);
      }
    });
  });
});

describe('header scan stops early but misses nothing', () => {
  it('reads a header written after `;` on the last candidate line', () => {
    const header = readRevisionHeader("import os\nx = 1; revision = 'semi'\ndown_revision = None; branch_labels = None\n\ndef upgrade():\n    pass\n");
    assert.equal(header.values.revision, 'semi');
    assert.equal(header.values.down_revision, null);
    assert.equal(header.values.branch_labels, null);
  });

  it('honours a reassignment after the functions (last assignment wins, as in Python)', () => {
    const header = readRevisionHeader("revision = 'first'\ndown_revision = None\n\ndef upgrade():\n    pass\n\nrevision = 'second'\n");
    assert.equal(header.values.revision, 'second');
    assert.equal(header.lines.revision, 7);
  });

  it('a header name inside a late docstring does not end the scan early or count', () => {
    const header = readRevisionHeader("revision = 'real'\ndown_revision = None\n\ndef upgrade():\n    '''\nrevision = 'fake'\n'''\n");
    assert.equal(header.values.revision, 'real');
  });
});

describe('branch_labels written as names (OpenStack style)', () => {
  const files = (labelLine: string): SourceFile[] =>
    Object.entries({
      'base.py': "revision = 'base'\ndown_revision = None\n",
      'labelled.py': `from neutron.db.migration import cli\nrevision = 'labelled'\ndown_revision = 'base'\n${labelLine}\n`,
      'child.py': "revision = 'child'\ndown_revision = 'labelled'\n",
    }).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));

  it('keeps the revision in the graph and warns of the unreadable label, by line, without a problem', () => {
    const set = alembicAdapter.discover(files('branch_labels = (cli.EXPAND_BRANCH,)'));
    assert.deepEqual(set.heads, ['child']);
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.warnings?.map((p) => [p.code, p.file, p.line, p.exitCode]), [['unresolved-name', 'labelled.py', 4, 1]]);
    assert.match(set.warnings![0]!.message, /labelled\.py:4: branch_labels is not written as string literals .*revision labelled is locked and kept in the graph without its branch_labels/);
    assert.match(set.warnings![0]!.fix, /string literals/);
    assert.deepEqual(set.migrations.map((m) => m.id), ['base', 'labelled', 'child']);
  });

  it('a depends_on written as a name is a warning too', () => {
    const set = alembicAdapter.discover(files("depends_on = (other.REVISION,)"));
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.warnings?.map((p) => p.code), ['unresolved-name']);
  });

  it('a later literal assignment wins over an unreadable one, as in Python', () => {
    const set = alembicAdapter.discover(files("branch_labels = (cli.EXPAND_BRANCH,)\nbranch_labels = ('expand',)"));
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.branchLabels, { expand: 'labelled' });
  });

  it('counts a label it could not read as its branch\'s own: two such branches are fine, a head without one is not', () => {
    const text = (id: string, down: string, label = '') => new TextEncoder().encode(`revision = '${id}'\ndown_revision = '${down}'\n${label}\n`);
    const both = alembicAdapter.discover([
      ...files('branch_labels = (cli.EXPAND_BRANCH,)'),
      { path: 'contract.py', bytes: text('contract', 'base', 'branch_labels = (cli.CONTRACT_BRANCH,)') },
      { path: 'contract2.py', bytes: text('contract2', 'contract') },
    ]);
    assert.deepEqual([...both.heads].sort(), ['child', 'contract2']);
    assert.deepEqual(both.problems, []);
    assert.deepEqual(both.warnings?.map((p) => p.file), ['labelled.py', 'contract.py']);
    const unlabelled = alembicAdapter.discover([...files('branch_labels = (cli.EXPAND_BRANCH,)'), { path: 'other.py', bytes: text('other', 'base') }]);
    assert.deepEqual([...unlabelled.heads].sort(), ['child', 'other']);
    assert.deepEqual(unlabelled.problems.map((p) => p.code), ['multiple-heads']);
    assert.match(unlabelled.problems[0]!.message, /other is not on a branch with a label of its own/);
  });

  it('a depends_on naming neither an id nor a label it read is a warning while some labels are unread', () => {
    const set = alembicAdapter.discover([
      ...files('branch_labels = (cli.EXPAND_BRANCH,)'),
      { path: 'dep.py', bytes: new TextEncoder().encode("revision = 'dep'\ndown_revision = 'child'\ndepends_on = 'expand'\n") },
    ]);
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.warnings?.map((p) => p.code), ['unresolved-name', 'unknown-dependency']);
    // With every label read, the same name is a problem, as Alembic fails on it.
    const read = alembicAdapter.discover([
      ...files("branch_labels = ('contract',)"),
      { path: 'dep.py', bytes: new TextEncoder().encode("revision = 'dep'\ndown_revision = 'child'\ndepends_on = 'expand'\n") },
    ]);
    assert.deepEqual(read.problems.map((p) => p.code), ['unknown-dependency']);
  });

  it('names unlabelled heads in a sentence that reads right', () => {
    const set = alembicAdapter.discover([
      ...files("branch_labels = None"),
      { path: 'other.py', bytes: new TextEncoder().encode("revision = 'other'\ndown_revision = 'base'\n") },
    ]);
    const problem = set.problems.find((p) => p.code === 'multiple-heads')!;
    assert.match(problem.message, /^2 heads \((child, other|other, child)\); (child and other|other and child) are not each on a branch with a label of their own$/);
  });
});
