import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lineOfPosition, readSqlScript } from '../../src/core/tools/sql/sql-script.js';

const texts = (source: string) => readSqlScript(source).statements.map((statement) => statement.text);
const lines = (source: string) => readSqlScript(source).statements.map((statement) => statement.line);

describe('readSqlScript: statements as psql splits them', () => {
  it('splits at semicolons and names each statement by its first line', () => {
    const source = '-- users\nCREATE TABLE users (\n  id int\n);\n\nINSERT INTO users VALUES (1);\nSELECT 1';
    assert.deepEqual(texts(source), ['CREATE TABLE users (\n  id int\n);', 'INSERT INTO users VALUES (1);', 'SELECT 1']);
    assert.deepEqual(lines(source), [2, 6, 7]);
  });

  it('never splits inside strings, quoted names, dollar quotes or comments', () => {
    const source = [
      "INSERT INTO t VALUES ('a;b', E'c\\';d');",
      'CREATE TABLE "odd;name" (x int);',
      'DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$;',
      '/* a; b /* nested; */ c; */ SELECT 2; -- tail; comment',
    ].join('\n');
    assert.deepEqual(lines(source), [1, 2, 3, 4]);
    assert.equal(texts(source)[2], 'DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$;');
    // A statement starts at its first token: the comments before it are not sent.
    assert.equal(texts(source)[3], 'SELECT 2;');
  });

  it('keeps a SQL-standard function body (BEGIN ATOMIC ... END, with CASE ... END inside) in one statement', () => {
    const body = [
      'CREATE OR REPLACE FUNCTION sign_of(x int) RETURNS text LANGUAGE sql',
      'BEGIN ATOMIC',
      "  SELECT CASE WHEN x < 0 THEN 'minus' ELSE 'plus' END;",
      '  SELECT 1;',
      'END;',
    ].join('\n');
    assert.deepEqual(texts(`${body}\nSELECT 3;`), [body, 'SELECT 3;']);
    // Outside CREATE FUNCTION, BEGIN and END are ordinary statements.
    assert.deepEqual(texts('SELECT CASE WHEN true THEN 1 END; SELECT 2;'), ['SELECT CASE WHEN true THEN 1 END;', 'SELECT 2;']);
  });

  it('a file of comments only has no statement; a byte-order mark is not SQL', () => {
    assert.deepEqual(readSqlScript('-- nothing yet\n/* later */\n').statements, []);
    assert.deepEqual(texts('\uFEFFSELECT 1;'), ['SELECT 1;']);
  });
});

describe('readSqlScript: transactions', () => {
  it('runs in a transaction unless the first line carries -- guard:no-transaction', () => {
    assert.equal(readSqlScript('CREATE TABLE t (a int);').transactional, true);
    assert.equal(readSqlScript('-- guard:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);').transactional, false);
    assert.equal(readSqlScript('\uFEFF--guard:no-transaction because CONCURRENTLY\nVACUUM t;').transactional, false);
    // A marker after the first statement is a comment.
    assert.equal(readSqlScript('SELECT 1;\n-- guard:no-transaction\n').transactional, true);
    assert.equal(readSqlScript('-- guard:no-transactions\nSELECT 1;').transactional, true);
  });

  it("reads the markers of the tools a set ran with before, in the comments before the first statement (a sealed file cannot be given guard's)", () => {
    for (const marker of ['-- postgres-migrations disable-transaction', '--! no-transaction', '-- no-transaction', '-- disable_ddl_transaction', '-- prairielearn:migrations NO TRANSACTION']) {
      const script = readSqlScript(`-- a comment first\n\n${marker}\nCREATE INDEX CONCURRENTLY i ON t (a);\n`);
      assert.equal(script.transactional, false, marker);
      assert.deepEqual(script.problems, [], marker);
      assert.equal(readSqlScript(`SELECT 1;\n${marker}\nSELECT 2;\n`).transactional, true, `${marker} after a statement is a comment`);
    }
    assert.equal(readSqlScript('-- no-transactions please\nSELECT 1;').transactional, true);
  });

  it('refuses, with the line and the marker as fix, what PostgreSQL cannot run in a transaction block', () => {
    for (const statement of ['CREATE INDEX CONCURRENTLY i ON t (a)', 'create unique index concurrently i on t (a)', 'DROP INDEX CONCURRENTLY i', 'REINDEX TABLE CONCURRENTLY t', 'VACUUM ANALYZE t', 'CREATE DATABASE d', 'ALTER SYSTEM SET work_mem = 1']) {
      const script = readSqlScript(`SELECT 1;\n\n${statement};\n`);
      assert.equal(script.problems.length, 1, statement);
      assert.equal(script.problems[0]!.line, 3);
      assert.match(script.problems[0]!.message, /cannot run inside a transaction block/);
      assert.match(script.problems[0]!.fix, /-- guard:no-transaction/);
      assert.deepEqual(readSqlScript(`-- guard:no-transaction\n${statement};`).problems, [], statement);
    }
    // These run in a transaction.
    for (const statement of ['REFRESH MATERIALIZED VIEW CONCURRENTLY v', "COMMENT ON TABLE t IS 'CREATE INDEX CONCURRENTLY'", 'CREATE TABLE t (a int)']) {
      assert.deepEqual(readSqlScript(`${statement};`).problems, [], statement);
    }
  });

  it('refuses transaction control in a transactional migration, but not savepoints or prepared statements', () => {
    for (const statement of ['COMMIT', 'BEGIN', 'START TRANSACTION', 'ROLLBACK', 'END', 'ABORT', "PREPARE TRANSACTION 'x'"]) {
      const script = readSqlScript(`CREATE TABLE t (a int);\n${statement};\nSELECT 1;`);
      assert.equal(script.problems.length, 1, statement);
      assert.equal(script.problems[0]!.line, 2);
      assert.match(script.problems[0]!.message, /would end that transaction/);
    }
    for (const statement of ['SAVEPOINT s', 'ROLLBACK TO SAVEPOINT s', 'RELEASE SAVEPOINT s', 'PREPARE q AS SELECT 1']) {
      assert.deepEqual(readSqlScript(`${statement};`).problems, [], statement);
    }
    assert.deepEqual(readSqlScript('-- guard:no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;').problems, []);
  });

  it('refuses psql meta-commands, which only psql reads', () => {
    const script = readSqlScript('SELECT 1;\n\\set ON_ERROR_STOP on\n\\i other.sql\n');
    assert.deepEqual(
      script.problems.map((problem) => [problem.line, problem.message.split(':')[0]]),
      [
        [2, 'psql meta-command \\set'],
        [3, 'psql meta-command \\i'],
      ],
    );
  });
});

describe('lineOfPosition', () => {
  it("maps PostgreSQL's 1-based character position to the file's line", () => {
    const statement = { text: 'SELECT\n  é,\n  nope\nFROM t;', line: 10 };
    assert.equal(lineOfPosition(statement, 1), 10);
    assert.equal(lineOfPosition(statement, statement.text.indexOf('nope') + 1), 12);
    // Characters, not bytes: the é before counts once.
    assert.equal(lineOfPosition({ text: 'é\u{1F600}\nx', line: 1 }, 4), 2);
    assert.equal(lineOfPosition(statement, undefined), 10);
    assert.equal(lineOfPosition(statement, 0), 10);
  });
});

describe('readSqlScript: what only psql can run, and what would hang or leave a transaction open', () => {
  it('refuses COPY FROM STDIN (the deploy would wait for data holding its lock), not COPY TO STDOUT', () => {
    const script = readSqlScript('CREATE TABLE t (a int);\nCOPY t (a) FROM STDIN;\n1\n\\.\n');
    assert.equal(script.problems[0]!.line, 2);
    assert.match(script.problems[0]!.message, /COPY \.\.\. FROM STDIN waits for data only psql sends/);
    assert.deepEqual(readSqlScript('COPY (SELECT 1) TO STDOUT;').problems, []);
  });

  it('refuses psql variables', () => {
    const script = readSqlScript("SELECT 1;\nCREATE ROLE app PASSWORD :'app_password';\n");
    assert.deepEqual(script.problems.map((problem) => [problem.line, problem.message.split(':')[0]]), [[2, 'psql variable ']]);
    assert.deepEqual(readSqlScript('SELECT $1::int, a::text FROM t;').problems, [], 'casts and positional parameters are SQL');
  });

  it('refuses a BEGIN a migration outside a transaction never commits', () => {
    const open = readSqlScript('-- guard:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\nBEGIN;\nCREATE TABLE z (a int);\n');
    assert.deepEqual(open.problems.map((problem) => problem.line), [3]);
    assert.match(open.problems[0]!.message, /never committed/);
    assert.deepEqual(readSqlScript('-- guard:no-transaction\nBEGIN;\nCREATE TABLE z (a int);\nROLLBACK TO SAVEPOINT s;\nCOMMIT;\n').problems, []);
  });

  it('refuses CLUSTER without a table and REINDEX DATABASE or SYSTEM in a transaction', () => {
    for (const statement of ['CLUSTER', 'REINDEX DATABASE app', 'REINDEX (VERBOSE) SYSTEM app']) {
      assert.match(readSqlScript(`${statement};`).problems[0]?.message ?? '', /cannot run inside a transaction block/, statement);
    }
    assert.deepEqual(readSqlScript('CLUSTER t USING t_pkey; REINDEX TABLE t;').problems, []);
  });
});
