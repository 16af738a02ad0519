import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MappedTextBuilder, sourceText } from '../../src/core/secrets/mapped-text.js';
import { decodePsqlText, parsePsqlLine, type PsqlPiece } from '../../src/core/secrets/psql-meta-commands.js';
import { decodeSqlString, tokenizeSql, type SqlToken } from '../../src/core/secrets/sql-tokens.js';

/** Each token as `kind:text`, comments included. */
function lex(text: string): string[] {
  return tokenizeSql(text).map((token) => `${token.kind}:${text.slice(token.start, token.end)}`);
}

/** The value of the first string token (or quoted identifier) of `text`, and the file text of each value character. */
function value(text: string): { value: string; spelledBy: string[] } {
  const token = tokenizeSql(text).find((t) => t.kind === 'string' || t.kind === 'quoted-identifier') as SqlToken;
  const decoded = decodeSqlString(sourceText(text), token);
  const spelledBy = [...decoded.text].map((_, i) => decoded.spansOf(i, i + 1).map(([s, e]) => text.slice(s, e)).join(''));
  return { value: decoded.text, spelledBy };
}

describe('tokenizeSql', () => {
  it('words, numbers, operators, punctuation, parameters', () => {
    assert.deepEqual(lex("SELECT a.b, 1.5e-3, $1 FROM t WHERE x <> 'y'::text || z;"), [
      'word:SELECT', 'word:a', 'punctuation:.', 'word:b', 'punctuation:,', 'number:1.5e-3', 'punctuation:,', 'parameter:$1',
      'word:FROM', 'word:t', 'word:WHERE', 'word:x', 'operator:<>', "string:'y'", 'operator:::', 'word:text', 'operator:||', 'word:z', 'punctuation:;',
    ]);
  });

  it('comments: -- to the end of the line, /* */ nested; an operator stops before a comment', () => {
    assert.deepEqual(lex('a -- one\n/* two /* three */ still */ b +-- four\nc'), [
      'word:a', 'comment:-- one', 'comment:/* two /* three */ still */', 'word:b', 'operator:+', 'comment:-- four', 'word:c',
    ]);
  });

  it('string prefixes: E, N, B, X, U&, and identifiers that merely end in those letters', () => {
    assert.deepEqual(lex("E'a' e'b' N'c' B'101' X'1F' U&'d' u&\"e\" the'f'"), [
      "string:E'a'", "string:e'b'", "string:N'c'", "string:B'101'", "string:X'1F'", "string:U&'d'", 'quoted-identifier:u&"e"', 'word:the', "string:'f'",
    ]);
  });

  it("dollar quotes with and without a tag; a $ inside a word is part of it", () => {
    assert.deepEqual(lex("$$a'b$$ $fn$ x $$ y $fn$ a$b $1"), ["string:$$a'b$$", 'string:$fn$ x $$ y $fn$', 'word:a$b', 'parameter:$1']);
  });

  it('psql variables and meta-commands, Flyway placeholders, casts and :=', () => {
    assert.deepEqual(lex("\\set pw 'x'\nSELECT :pw, :'pw', :\"pw\", ${flyway}, a::int, b := 1, :{?pw};"), [
      "meta-command:\\set pw 'x'", 'word:SELECT', 'parameter::pw', 'punctuation:,', "parameter::'pw'", 'punctuation:,', 'parameter::"pw"', 'punctuation:,',
      'parameter:${flyway}', 'punctuation:,', 'word:a', 'operator:::', 'word:int', 'punctuation:,', 'word:b', 'operator::=', 'number:1', 'punctuation:,',
      'parameter::{?pw}', 'punctuation:;',
    ]);
  });

  it('a meta-command line ends at \\ (the rest is SQL), an unquoted backslash starts another meta-command', () => {
    assert.deepEqual(lex("\\echo x \\\\ CREATE ROLE a PASSWORD 'p';"), ['meta-command:\\echo x \\\\', 'word:CREATE', 'word:ROLE', 'word:a', 'word:PASSWORD', "string:'p'", 'punctuation:;']);
    assert.deepEqual(lex("\\echo '\\\\' x\nSELECT"), ["meta-command:\\echo '\\\\' x", 'word:SELECT'], 'a \\\\ inside quotes is no separator');
    assert.deepEqual(lex("\\set a 1 \\set b 2\nSELECT"), ['meta-command:\\set a 1 \\set b 2', 'word:SELECT']);
    assert.deepEqual(lex("\\! echo a \\\\ b\nSELECT"), ['meta-command:\\! echo a \\\\ b', 'word:SELECT'], '\\! takes the whole line');
  });

  it('${ is a Flyway placeholder only up to a short name; never closed, it is two characters', () => {
    assert.deepEqual(lex('${a.b} ${ x} ${${y}'), ['parameter:${a.b}', 'parameter:${', 'word:x', 'punctuation:}', 'parameter:${', 'parameter:${y}']);
  });

  it('string continuation: only across whitespace with a newline, -- comments allowed, /* */ not', () => {
    assert.deepEqual(lex("'a'\n'b'"), ["string:'a'\n'b'"]);
    assert.deepEqual(lex("'a' 'b'"), ["string:'a'", "string:'b'"], 'same line: two tokens (PostgreSQL rejects it)');
    assert.deepEqual(lex("'a' -- c\n  'b'"), ["string:'a' -- c\n  'b'", 'comment:-- c']);
    assert.deepEqual(lex("'a' /* c */\n'b'"), ["string:'a'", 'comment:/* c */', "string:'b'"]);
    assert.deepEqual(lex("E'a'\n'\\x62'"), ["string:E'a'\n'\\x62'"]);
    assert.deepEqual(lex('$$a$$\n$$b$$'), ['string:$$a$$', 'string:$$b$$'], 'dollar quotes never continue');
  });

  it("U&'' takes a UESCAPE clause, comments allowed before it", () => {
    assert.deepEqual(lex("U&'d!0061' /* c */ UESCAPE '!' x"), ["string:U&'d!0061' /* c */ UESCAPE '!'", 'word:x']);
    assert.deepEqual(lex("U&'a' UESCAPEx"), ["string:U&'a'", 'word:UESCAPEx']);
  });

  it('an unterminated string or comment runs to the end; nothing throws', () => {
    assert.deepEqual(lex("SELECT 'abc"), ['word:SELECT', "string:'abc"]);
    assert.deepEqual(lex('/* a /* b */'), ['comment:/* a /* b */']);
    assert.deepEqual(lex('$x$ abc'), ['string:$x$ abc']);
    for (const text of ["E'\\", "U&'\\", "U&'a' UESCAPE '", ':"', '${', '\\', "'''", '"']) assert.doesNotThrow(() => tokenizeSql(text), text);
  });
});

describe('decodeSqlString', () => {
  it("standard: '' is a quote; backslashes are characters", () => {
    assert.deepEqual(value("'it''s\\n'"), { value: "it's\\n", spelledBy: ['i', 't', "''", 's', '\\', 'n'] });
  });

  it('E: C-style escapes, each character mapped to its escape', () => {
    const decoded = value("E'a\\x62\\143\\u0064\\'\\n\\q'");
    assert.equal(decoded.value, "abcd'\nq");
    assert.deepEqual(decoded.spelledBy, ['a', '\\x62', '\\143', '\\u0064', "\\'", '\\n', '\\q']);
  });

  it('U&: \\XXXX and \\+XXXXXX, or another escape character named by UESCAPE', () => {
    assert.equal(value("U&'d\\0061t\\+000061'").value, 'data');
    assert.equal(value("U&'d!0061t!!a' UESCAPE '!'").value, 'dat!a');
    assert.equal(value("U&'\\D83D\\DE00'").value, '\u{1F600}');
  });

  it('continued pieces are one value, decoded alike', () => {
    const decoded = value("E'ab'\n  '\\x63d'");
    assert.equal(decoded.value, 'abcd');
    assert.deepEqual(decoded.spelledBy, ['a', 'b', '\\x63', 'd']);
  });

  it('dollar quotes: the body as written; quoted identifiers: "" is a quote', () => {
    assert.equal(value("$t$it's \\n$t$").value, "it's \\n");
    assert.equal(value('"a""b"').value, 'a"b');
  });

  it('a value decoded from text that was itself decoded maps to the file', () => {
    // The SQL in a Python string "... E'\\x41' ...", whose \\\\ is one backslash.
    const file = String.raw`"E'\\x41'"`;
    const python = new MappedTextBuilder().add(file.slice(1, 3), sourceText(file), 1, 3).add('\\', sourceText(file), 3, 5).add(file.slice(5, 9), sourceText(file), 5, 9).build();
    assert.equal(python.text, String.raw`E'\x41'`);
    const token = tokenizeSql(python.text)[0]!;
    const decoded = decodeSqlString(python, token);
    assert.equal(decoded.text, 'A');
    assert.deepEqual(decoded.spansOf(0, 1), [[3, 8]], String.raw`"A" is spelled \\x41 in the file`);
  });
});

describe('parsePsqlLine', () => {
  /** Each command's name and its arguments' values (a variable as :name, a shell command as `?`). */
  function commands(text: string): string[][] {
    const source = sourceText(text);
    const show = (piece: PsqlPiece): string => (piece.kind === 'text' ? decodePsqlText(source, piece).text : piece.kind === 'variable' ? `:${piece.name}` : '`?`');
    return parsePsqlLine(text, 0).commands.map((command) => [command.name, ...command.args.map((pieces) => pieces.map(show).join(''))]);
  }

  it("arguments: whitespace separates, '...' with '' and C escapes, \"...\", :variables, `shell`", () => {
    assert.deepEqual(commands("\\setenv PGPASSWORD 'a''b\\x41\\n'"), [['setenv', 'PGPASSWORD', "a'bA\n"]]);
    assert.deepEqual(commands('\\c "dbname=x password=y" u'), [['c', 'dbname=x password=y', 'u']]);
    assert.deepEqual(commands("\\set v pre:'name'post `cat f`"), [['set', 'v', 'pre:namepost', '`?`']]);
    assert.deepEqual(commands('\\set a 1 \\set b 2 \\\\ SELECT 1'), [['set', 'a', '1'], ['set', 'b', '2']]);
  });

  it('each character of an argument maps to what spells it', () => {
    const text = "\\setenv PGPASSWORD 'a\\x42c'";
    const [command] = parsePsqlLine(text, 0).commands;
    const piece = command!.args[1]![0]!;
    assert.ok(piece.kind === 'text');
    const value = decodePsqlText(sourceText(text), piece);
    assert.equal(value.text, 'aBc');
    assert.deepEqual(value.spansOf(1, 2), [[21, 25]]);
  });
});
