import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJsString, jsName, tokenizeJs, type JsToken } from '../../src/core/secrets/js-tokens.js';
import { sourceText } from '../../src/core/secrets/mapped-text.js';
import { ScanLimitExceeded } from '../../src/core/secrets/value-parts.js';

/** Each token as `kind:text`. */
function lex(text: string): string[] {
  return tokenizeJs(text).map((token) => `${token.kind}:${text.slice(token.start, token.end)}`);
}

/** The first token of `kind`. */
const first = (text: string, kind: JsToken['kind']): JsToken => tokenizeJs(text).find((token) => token.kind === kind)!;

describe('tokenizeJs', () => {
  it('names, numbers, punctuators (longest first), comments', () => {
    assert.deepEqual(lex('const $a = #p ?? 1_000n >>>= .5e-3; // note\n/* b */ x?.y'), [
      'name:const', 'name:$a', 'punctuator:=', 'name:#p', 'punctuator:??', 'number:1_000n', 'punctuator:>>>=', 'number:.5e-3', 'punctuator:;',
      'comment:// note', 'comment:/* b */', 'name:x', 'punctuator:?.', 'name:y',
    ]);
  });

  it('strings with escaped quotes and a line continuation; an unterminated one ends at its line', () => {
    assert.deepEqual(lex(`'it\\'s' "a\\"b" 'one\\\ntwo' 'open\nx`), [`string:'it\\'s'`, 'string:"a\\"b"', `string:'one\\\ntwo'`, "string:'open", 'name:x']);
  });

  it('a slash after an operand divides; after an operator, `(`, `,`, `=` or `return` it starts a regular expression', () => {
    assert.deepEqual(lex('a / b / c'), ['name:a', 'punctuator:/', 'name:b', 'punctuator:/', 'name:c']);
    assert.deepEqual(lex("x = /'[/']/g.test(s)"), ['name:x', 'punctuator:=', "regex:/'[/']/g", 'punctuator:.', 'name:test', 'punctuator:(', 'name:s', 'punctuator:)']);
    assert.deepEqual(lex('return /a"b/i'), ['name:return', 'regex:/a"b/i']);
    assert.deepEqual(lex('f(x) / 2'), ['name:f', 'punctuator:(', 'name:x', 'punctuator:)', 'punctuator:/', 'number:2']);
    assert.deepEqual(lex("a /= 2, 'q'"), ['name:a', 'punctuator:/=', 'number:2', 'punctuator:,', "string:'q'"]);
  });

  it('a slash after `if (...)`, `while (...)` or a block starts a regular expression; after a call or an object literal it divides', () => {
    assert.deepEqual(lex("if (x) /'/.test(y)").slice(4, 5), ["regex:/'/"]);
    assert.deepEqual(lex("while (a(b)) /'/g"), ['name:while', 'punctuator:(', 'name:a', 'punctuator:(', 'name:b', 'punctuator:)', 'punctuator:)', "regex:/'/g"]);
    assert.deepEqual(lex("function f() {}\n/'/"), ['name:function', 'name:f', 'punctuator:(', 'punctuator:)', 'punctuator:{', 'punctuator:}', "regex:/'/"]);
    assert.deepEqual(lex('x = {} / 2'), ['name:x', 'punctuator:=', 'punctuator:{', 'punctuator:}', 'punctuator:/', 'number:2']);
    assert.deepEqual(lex('f(a) / 2; a.return / 2'), ['name:f', 'punctuator:(', 'name:a', 'punctuator:)', 'punctuator:/', 'number:2', 'punctuator:;', 'name:a', 'punctuator:.', 'name:return', 'punctuator:/', 'number:2']);
  });

  it('names with \\u escapes are one name, read as JavaScript reads them', () => {
    assert.deepEqual(lex(String.raw`passw\u006frd \u{70}wd`), [String.raw`name:passw\u006frd`, String.raw`name:\u{70}wd`]);
    assert.equal(jsName(String.raw`passw\u006frd`), 'password');
    assert.equal(jsName(String.raw`\u{70}wd`), 'pwd');
  });

  it('template literals: substitutions are tokenized, nested templates and braces inside them too', () => {
    const text = "`a ${ {k: `b${c}`}.k } d \\${e}` + 1";
    assert.deepEqual(lex(text), ["template:`a ${ {k: `b${c}`}.k } d \\${e}`", 'punctuator:+', 'number:1']);
    const template = first(text, 'template').template!;
    assert.deepEqual(template.quasis.map(([s, e]) => text.slice(s, e)), ['a ', ' d \\${e}']);
    assert.deepEqual(template.substitutions[0]!.tokens.map((t) => text.slice(t.start, t.end)), ['{', 'k', ':', '`b${c}`', '}', '.', 'k']);
  });

  it('a comment or string holding quotes, backquotes or `${` does not open anything', () => {
    assert.deepEqual(lex("// it's `x\n'${' /* ` */ y"), ["comment:// it's `x", "string:'${'", 'comment:/* ` */', 'name:y']);
  });

  it('marks the tokens a line break precedes (automatic semicolon insertion)', () => {
    assert.deepEqual(tokenizeJs('a\n/* c\n */ b c').map((t) => t.newlineBefore), [false, true, true, false]);
  });

  it('never fails on unterminated input; nesting past the limit stops with ScanLimitExceeded', () => {
    for (const text of ['`${', '`${`${', '/*', "'", '/[/', '`\\', '${}}}', '#!/usr/bin/env node\n`', '\\u', 'a\\u{', ')))}}}/']) assert.doesNotThrow(() => tokenizeJs(text), text);
    assert.throws(() => tokenizeJs('`${'.repeat(5000)), ScanLimitExceeded);
  });
});

describe('decodeJsString', () => {
  const decoded = (text: string, raw = false): string => {
    const token = tokenizeJs(text)[0]!;
    return decodeJsString(sourceText(text), token, token.template?.quasis[0], raw).text;
  };

  it('escapes: simple, hex, unicode (4 digits and braces), octal, any other character itself, line continuation', () => {
    assert.equal(decoded(String.raw`'a\tb\x41\u0042\u{43}\101\0\q\'\\'`), "a\tbABCA\0q'\\");
    assert.equal(decoded("'one\\\ntwo'"), 'onetwo');
  });

  it('templates: CRLF is LF; String.raw keeps escapes as written', () => {
    assert.equal(decoded('`a\r\nb\\n`'), 'a\nb\n');
    assert.equal(decoded('`a\\nb`', true), 'a\\nb');
  });

  it('each character of a value maps back to its spelling', () => {
    const text = String.raw`'x\x41y'`;
    const value = decodeJsString(sourceText(text), tokenizeJs(text)[0]!);
    assert.deepEqual(value.spansOf(1, 2), [[2, 6]]);
    assert.deepEqual(value.spansOf(0, 3), [[1, 7]]);
  });
});
