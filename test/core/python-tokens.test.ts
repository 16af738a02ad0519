import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceText } from '../../src/core/secrets/mapped-text.js';
import { decodePythonString, tokenizePython } from '../../src/core/secrets/python-tokens.js';
import { ScanLimitExceeded } from '../../src/core/secrets/value-parts.js';

/** Each token as `kind:text`. */
function lex(text: string): string[] {
  return tokenizePython(text).map((token) => `${token.kind}:${token.kind === 'newline' ? '\\n' : text.slice(token.start, token.end)}`);
}

/** The parts of the first string literal: text parts as their value, fields as `{expression}`. */
function parts(text: string): string[] {
  const token = tokenizePython(text).find((t) => t.kind === 'string')!;
  return decodePythonString(sourceText(text), token).map((part) => (part.kind === 'text' ? part.value.text : `{${part.expression}}`));
}

describe('tokenizePython', () => {
  it('names, numbers, operators (longest first), comments', () => {
    assert.deepEqual(lex('x: int = 1_000 ** 2 # note\ny //= 0x1F'), [
      'name:x', 'operator::', 'name:int', 'operator:=', 'number:1_000', 'operator:**', 'number:2', 'comment:# note', 'newline:\\n',
      'name:y', 'operator://=', 'number:0x1F',
    ]);
  });

  it('a logical line ends only outside brackets, and not after a backslash', () => {
    assert.deepEqual(lex('a = (\n  1,\n)\nb = 2 + \\\n  3\n'), [
      'name:a', 'operator:=', 'operator:(', 'number:1', 'operator:,', 'operator:)', 'newline:\\n',
      'name:b', 'operator:=', 'number:2', 'operator:+', 'number:3', 'newline:\\n',
    ]);
  });

  it('string prefixes in any case; a name that is not a prefix stays a name', () => {
    const text = `r'a' U"b" Rb'c' bR"d" F'e' fR"f" Rf'g' t'h' tr"i" x'j'`;
    assert.deepEqual(lex(text), [
      "string:r'a'", 'string:U"b"', "string:Rb'c'", 'string:bR"d"', "string:F'e'", 'string:fR"f"', "string:Rf'g'", "string:t'h'", 'string:tr"i"',
      'name:x', "string:'j'",
    ]);
  });

  it('triple quotes span lines; a quote inside is no end', () => {
    assert.deepEqual(lex(`"""a "b" ''\nc""" '''d'''`), [`string:"""a "b" ''\nc"""`, "string:'''d'''"]);
  });

  it('f-strings: fields with nested quotes and brackets, {{ }}, \\N{...} is no field', () => {
    const text = `f"{d["k"]} {{x}} {y!r:>{w}} \\N{BULLET} {z}"`;
    assert.deepEqual(lex(text), [`string:${text}`]);
    assert.deepEqual(parts(text), ['{d["k"]}', ' {x} ', '{y}', ' \ufffd ', '{z}']);
  });

  it('f-strings nested deeper than Python allows stop the scan (ScanLimitExceeded), at any depth below it they are read', () => {
    const nested = (depth: number): string => `${'f"{'.repeat(depth)}x${'}"'.repeat(depth)}`;
    assert.deepEqual(lex(`a = f"{f"{x}"}" + b`), ['name:a', 'operator:=', 'string:f"{f"{x}"}"', 'operator:+', 'name:b'], "the inner f-string's quotes do not end the outer one (Python 3.12)");
    assert.equal(tokenizePython(`a = ${nested(100)}`).filter((t) => t.kind === 'string').length, 1);
    assert.throws(() => tokenizePython(`a = ${nested(300)}`), ScanLimitExceeded);
  });

  it('an unterminated single-quoted string ends at its line; nothing throws', () => {
    assert.deepEqual(lex("a = 'abc\nb"), ['name:a', 'operator:=', "string:'abc", 'newline:\\n', 'name:b']);
    for (const text of ['"', "'''", 'f"{', 'f"{x', '\\', 'b"\\', 'f"{"}']) assert.doesNotThrow(() => tokenizePython(text), text);
  });
});

describe('decodePythonString', () => {
  it('escapes: simple, octal, hex, \\u, \\U, line continuation; unknown ones keep the backslash', () => {
    assert.deepEqual(parts(String.raw`'a\tb\x41\101\u0042\U00000043\q\
c'`), ['a\tbAABC\\qc']);
  });

  it('raw strings keep every backslash; bytes know no \\u', () => {
    assert.deepEqual(parts(String.raw`r'a\x41\''`), [String.raw`a\x41\'`]);
    assert.deepEqual(parts(String.raw`b'\x41\u0042'`), [String.raw`A\u0042`]);
  });

  it('each decoded character maps to what spells it', () => {
    const text = String.raw`x = 'a\x62c'`;
    const token = tokenizePython(text).find((t) => t.kind === 'string')!;
    const part = decodePythonString(sourceText(text), token)[0]!;
    assert.ok(part.kind === 'text');
    assert.equal(part.value.text, 'abc');
    assert.deepEqual(part.value.spansOf(1, 2), [[6, 10]]);
    assert.deepEqual(part.value.spansOf(0, 3), [[5, 11]]);
  });
});
