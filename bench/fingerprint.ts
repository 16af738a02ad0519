// npm run bench (second part): the schema fingerprint of 1,000 tables with
// 10 columns and 2 indexes each, on a real PostgreSQL (the embedded server
// the tests use, or GUARD_TEST_DATABASE_URL). README "Performance": under 2 s. Also
// shows that the number of queries does not grow with the schema, and the
// wall time of `guard drift A B` (a whole CLI run reading two live schemas).
//
//   npm run bench -- ...        (after bench/run.mjs)
//   npx tsx bench/fingerprint.ts --tables 1000 --runs 5
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { testDatabase } from '../test/helpers/postgres.js';
// The compiled code, as the CLI runs it.
import { readSchemaSnapshot } from '../dist/shell/postgres/read-schema.js';
import { schemaFingerprint } from '../dist/core/drift/schema-snapshot.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `npm run bench -- --sizes 2000 --runs 9` hands its arguments to this script too (npm appends them to the
// last command): the repository sizes are bench/run.mjs's, so options this script does not know are ignored.
const { values } = parseArgs({ options: { tables: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } }, strict: false, allowPositionals: true });
const tables = Number(values.tables);
if (!Number.isInteger(tables) || tables <= 0) throw new Error(`--tables ${String(values.tables)} is not a number of tables`);
const runs = Number(values.runs);
const BUDGET_MS = 2000;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `count` tables of 10 columns (an identity key and 9 others, with defaults and a check) and 2 indexes besides the key. */
function schemaSql(count: number): string {
  const statements: string[] = [];
  for (let i = 0; i < count; i++) {
    statements.push(
      `CREATE TABLE t${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email varchar(200), total numeric(12,2) DEFAULT 0 CHECK (total >= 0), created_at timestamptz NOT NULL DEFAULT now(), active boolean DEFAULT true, score double precision, tags text[], payload jsonb, parent_id bigint)`,
      `CREATE INDEX t${i}_name_idx ON t${i} (name)`,
      `CREATE INDEX t${i}_created_idx ON t${i} (created_at) WHERE active`,
    );
  }
  return statements.join(';\n');
}

async function fingerprintTimes(url: string): Promise<{ medianMs: number; samples: number[]; queries: number; objects: number; fingerprint: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let queries = 0;
  const query = client.query.bind(client);
  (client as unknown as { query: typeof query }).query = ((...args: Parameters<typeof query>) => {
    queries++;
    return query(...args);
  }) as typeof query;
  const samples: number[] = [];
  let objects = 0;
  let fingerprint = '';
  try {
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const snapshot = await readSchemaSnapshot(client, 'bench');
      fingerprint = schemaFingerprint(snapshot);
      samples.push(performance.now() - start);
      objects = snapshot.objects.length;
    }
  } finally {
    await client.end();
  }
  return { medianMs: median(samples), samples: samples.map((ms) => Math.round(ms)), queries: queries / runs, objects, fingerprint };
}

async function build(count: number) {
  const database = await testDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(schemaSql(count));
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  return database;
}

const small = await build(10);
const large = await build(tables);
try {
  const smallRun = await fingerprintTimes(small.url);
  const largeRun = await fingerprintTimes(large.url);

  // The whole CLI: `guard drift a b`, two environments naming the same database.
  const repo = mkdtempSync(path.join(tmpdir(), 'guard-bench-drift-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  mkdirSync(path.join(repo, 'db'));
  writeFileSync(path.join(repo, 'db/001_init.sql'), 'SELECT 1;\n');
  writeFileSync(path.join(repo, 'guard.config.yaml'), 'migrations:\n  - dir: db\n    tool: sql\nenvironments:\n  - name: a\n    database: $BENCH_URL\n  - name: b\n    database: $BENCH_URL\n');
  const guard = path.join(root, 'dist/bin/guard.js');
  execFileSync(process.execPath, [guard, 'lock'], { cwd: repo, stdio: 'ignore' });
  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [guard, 'drift', 'a', 'b'], { cwd: repo, env: { ...process.env, BENCH_URL: large.url }, encoding: 'utf8' });
    cli.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`guard drift a b exited ${result.status}:\n${result.stderr}`);
  }
  rmSync(repo, { recursive: true, force: true });

  const results = {
    tables,
    runs,
    fingerprint: { medianMs: Math.round(largeRun.medianMs), samples: largeRun.samples, objects: largeRun.objects, budgetMs: BUDGET_MS, withinBudget: largeRun.medianMs < BUDGET_MS },
    queriesPerRead: { [`${10} tables`]: smallRun.queries, [`${tables} tables`]: largeRun.queries },
    cliDriftTwoSchemasMs: Math.round(median(cli)),
  };
  process.stderr.write(
    `schema fingerprint, ${tables} tables x 10 columns x 2 indexes (${largeRun.objects} objects): ${results.fingerprint.medianMs} ms median  budget ${BUDGET_MS} ms: ${results.fingerprint.withinBudget ? 'ok' : 'OVER'}\n` +
      `queries per read: ${smallRun.queries} at 10 tables, ${largeRun.queries} at ${tables} tables\n` +
      `guard drift a b (whole CLI, two reads of ${tables} tables): ${results.cliDriftTwoSchemasMs} ms median\n`,
  );
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await small.drop();
  await large.drop();
}
