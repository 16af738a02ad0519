// The schema snapshot read from a real PostgreSQL's catalogs
// (src/shell/postgres/read-schema.ts) and diffed (src/core/drift): what an
// out-of-band change reads as, what is never drift, what is left out, what the
// drift settings hide, the constant number of round trips, and parity between
// PostgreSQL 18 (embedded) and another major (Debian's, when installed).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { DEFAULT_DRIFT_SETTINGS, diffSchemas, type DriftSettings } from '../../../src/core/drift/diff-schemas.js';
import { formatSchemaDifference } from '../../../src/core/drift/format-schema-difference.js';
import { schemaFingerprint, type SchemaSnapshot } from '../../../src/core/drift/schema-snapshot.js';
import { connect, disconnect } from '../../../src/shell/postgres/connect.js';
import { ensureLedger } from '../../../src/shell/postgres/ledger.js';
import { READ_SCHEMA_SQL, VERSION_TABLES, readSchemaSnapshot } from '../../../src/shell/postgres/read-schema.js';
import { findOtherPostgres, startOtherPostgres, type OtherServer } from '../../helpers/other-postgres.js';
import { serverUrl, testDatabase, withDatabase, type TestDatabase } from '../../helpers/postgres.js';

/**
 * What a migration history builds: serial and identity columns, a foreign
 * key, a check, an index, a partitioned table with two partitions, a view, a
 * materialized view, a plpgsql function and its trigger, an enum, a domain,
 * row level security with a policy, a sequence, defaults with casts, a
 * generated column, a composite type, a SQL-standard function body and a
 * table made with LIKE. Partitions are by `date`, whose text does not depend
 * on the session's TimeZone (see 'session settings' below).
 */
const MIGRATION = `
CREATE TYPE public.order_status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN public.positive_amount AS numeric(10,2) CHECK (VALUE > 0);
CREATE TYPE public.address AS (street text, city text, zip varchar(10));
CREATE SEQUENCE public.invoice_numbers START 1000;

CREATE TABLE public.customers (
  id serial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  created_on date NOT NULL DEFAULT 'now'::text::date,
  credit public.positive_amount
);

CREATE TABLE public.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES public.customers (id),
  status public.order_status NOT NULL DEFAULT 'new',
  total numeric(10,2) NOT NULL,
  note text DEFAULT 'none',
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_total_positive CHECK (total >= 0)
);
CREATE INDEX orders_customer_idx ON public.orders (customer_id);
CREATE INDEX orders_total_idx ON public.orders (total);

CREATE TABLE public.line_items (
  id serial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES public.orders (id) ON DELETE CASCADE,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(10,2) NOT NULL,
  amount numeric(12,2) GENERATED ALWAYS AS (quantity * unit_price) STORED,
  ship_to public.address
);
CREATE TABLE public.line_items_archive (LIKE public.line_items INCLUDING ALL);

CREATE TABLE public.events (
  id bigint NOT NULL,
  happened_on date NOT NULL,
  payload jsonb,
  PRIMARY KEY (id, happened_on)
) PARTITION BY RANGE (happened_on);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

CREATE VIEW public.open_orders AS SELECT id, customer_id, status FROM public.orders WHERE status = 'new';
CREATE VIEW public.order_emails AS
  SELECT o.id, c.email FROM public.orders o JOIN public.customers c ON c.id = o.customer_id WHERE o.total > 0;
CREATE MATERIALIZED VIEW public.orders_per_customer AS
  SELECT customer_id, count(*) AS orders FROM public.orders GROUP BY customer_id;

CREATE FUNCTION public.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

CREATE FUNCTION public.add_tax(amount numeric, rate numeric DEFAULT 0.2) RETURNS numeric LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT round(amount * (1 + rate), 2);
END;

CREATE FUNCTION public.discounted(amount numeric, rate numeric DEFAULT 0.1) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN amount * (1 - rate);
END;
$$;

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_visible ON public.orders FOR SELECT USING (customer_id > 0);
`;

const WORDING = { added: 'only in after', removed: 'only in before' } as const;

function lines(before: SchemaSnapshot, after: SchemaSnapshot, settings: DriftSettings = DEFAULT_DRIFT_SETTINGS): string[] {
  return diffSchemas(before, after, settings).map((difference) => formatSchemaDifference(difference, WORDING));
}

const dbs: TestDatabase[] = [];
const clients: pg.Client[] = [];
/** Roles are cluster-wide: each one a test creates is dropped at the end, after the databases holding its grants. */
const roles: string[] = [];
after(async () => {
  await Promise.all(clients.map(disconnect));
  for (const db of dbs) await db.drop();
  if (roles.length > 0) {
    const admin = await connect(await serverUrl(), { applicationName: 'guard read-schema test' });
    try {
      for (const role of roles) await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    } finally {
      await disconnect(admin);
    }
  }
});

/** A fresh database on the embedded server, built by `sql`, and a session on it. */
async function fresh(sql: string = MIGRATION): Promise<pg.Client> {
  const db = await testDatabase();
  dbs.push(db);
  const client = await connect(db.url, { applicationName: 'guard read-schema test' });
  clients.push(client);
  if (sql) await client.query(sql);
  return client;
}

const read = (client: pg.Client) => readSchemaSnapshot(client, 'the test database');

/** The lines an out-of-band `change` made after MIGRATION read as. */
async function outOfBand(change: string): Promise<string[]> {
  const client = await fresh();
  const before = await read(client);
  await client.query(change);
  return lines(before, await read(client));
}

describe('readSchemaSnapshot: an out-of-band change reads as one exact line', () => {
  it('an index created by hand', async () => {
    assert.deepEqual(await outOfBand('CREATE INDEX orders_created_idx ON public.orders (updated_at)'), ['index public.orders_created_idx: only in after']);
  });

  it('a column type changed', async () => {
    // PostgreSQL refuses to retype a column a view reads (order_emails reads
    // total), so the change by hand drops the view and creates it again. The
    // view, the check constraint and the index on total come back with the
    // same definitions: nothing but the column reads as changed.
    const change = `
      DROP VIEW public.order_emails;
      ALTER TABLE public.orders ALTER COLUMN total TYPE numeric(12,2);
      CREATE VIEW public.order_emails AS
        SELECT o.id, c.email FROM public.orders o JOIN public.customers c ON c.id = o.customer_id WHERE o.total > 0;`;
    assert.deepEqual(await outOfBand(change), ['column public.orders.total: type numeric(10,2) -> numeric(12,2)']);
  });

  it('a constraint dropped', async () => {
    assert.deepEqual(await outOfBand('ALTER TABLE public.orders DROP CONSTRAINT orders_total_positive'), [
      'constraint public.orders.orders_total_positive: only in before',
    ]);
  });

  it('a function body replaced', async () => {
    const change = `CREATE OR REPLACE FUNCTION public.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END;
$$`;
    assert.deepEqual(await outOfBand(change), [
      'function public.touch_updated_at(): body changed at line 3: "  NEW.updated_at := now();" -> "  NEW.updated_at := clock_timestamp();"',
    ]);
  });

  it('a trigger created', async () => {
    const change = 'CREATE TRIGGER line_items_touch BEFORE UPDATE ON public.line_items FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at()';
    assert.deepEqual(await outOfBand(change), ['trigger public.line_items.line_items_touch: only in after']);
  });

  it('an enum value added', async () => {
    assert.deepEqual(await outOfBand(`ALTER TYPE public.order_status ADD VALUE 'refunded'`), [
      'type public.order_status: values new, paid, shipped -> new, paid, shipped, refunded',
    ]);
    assert.deepEqual(await outOfBand(`ALTER TYPE public.order_status ADD VALUE 'draft' BEFORE 'new'`), [
      'type public.order_status: values new, paid, shipped -> draft, new, paid, shipped',
    ]);
  });

  it('a row level security policy created', async () => {
    assert.deepEqual(await outOfBand('CREATE POLICY orders_small ON public.orders FOR INSERT WITH CHECK (total < 1000)'), [
      'policy public.orders.orders_small: only in after',
    ]);
  });

  it('a view replaced with another WHERE', async () => {
    const change = `CREATE OR REPLACE VIEW public.open_orders AS SELECT id, customer_id, status FROM public.orders WHERE status = 'paid'`;
    assert.deepEqual(await outOfBand(change), [
      `view public.open_orders: definition changed at line 5: "  WHERE status = 'new'::public.order_status;" -> "  WHERE status = 'paid'::public.order_status;"`,
    ]);
  });

  it('a column default dropped', async () => {
    assert.deepEqual(await outOfBand('ALTER TABLE public.orders ALTER COLUMN note DROP DEFAULT'), [`column public.orders.note: default 'none'::text -> none`]);
    assert.deepEqual(await outOfBand('ALTER TABLE public.customers ALTER COLUMN created_on DROP DEFAULT'), [
      `column public.customers.created_on: default ('now'::text)::date -> none`,
    ]);
  });

  it('a column added', async () => {
    assert.deepEqual(await outOfBand(`ALTER TABLE public.orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR'`), [
      'column public.orders.currency: only in after',
    ]);
  });
});

describe('readSchemaSnapshot: changes outside the columns and bodies (argument defaults, rules, excluded tables)', () => {
  const changed = (before: SchemaSnapshot, after: SchemaSnapshot) => diffSchemas(before, after).map((d) => `${d.change} ${d.kind} ${d.name}`);

  it(
    "a plpgsql function's parameter default replaced",
    async () => {
      const client = await fresh();
      const before = await read(client);
      await client.query(`CREATE OR REPLACE FUNCTION public.discounted(amount numeric, rate numeric DEFAULT 0.5) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN amount * (1 - rate);
END;
$$`);
      assert.deepEqual(changed(before, await read(client)), ['changed function public.discounted(amount numeric, rate numeric)']);
    },
  );

  it('a rule on a table', async () => {
    const client = await fresh();
    const before = await read(client);
    await client.query('CREATE RULE orders_keep AS ON DELETE TO public.orders DO INSTEAD NOTHING');
    assert.notDeepEqual(changed(before, await read(client)), []);
  });

  it(
    "a table left out by exclude takes its serial column's sequence with it",
    async () => {
      const client = await fresh(`${MIGRATION}\nCREATE TABLE public.scratch (id serial PRIMARY KEY, note text);`);
      const before = await read(client);
      await client.query('DROP TABLE public.scratch');
      assert.deepEqual(lines(before, await read(client), { privileges: false, exclude: ['public.scratch'] }), []);
    },
  );
});

describe('readSchemaSnapshot: no false drift', () => {
  it('one migration built in two databases reads as one schema', async () => {
    const [a, b] = await Promise.all([fresh(), fresh()]);
    const [left, right] = await Promise.all([read(a), read(b)]);
    assert.deepEqual(diffSchemas(left, right), []);
    assert.equal(schemaFingerprint(left), schemaFingerprint(right));

    // What the snapshot holds of the trickier objects, so an empty diff is not an empty read.
    const object = (kind: string, name: string) => left.objects.find((o) => o.kind === kind && o.name === name)?.attributes;
    assert.equal(object('column', 'public.customers.id')?.default, `nextval('public.customers_id_seq'::regclass)`);
    assert.equal(object('sequence', 'public.customers_id_seq')?.['owned by'], 'public.customers.id');
    assert.match(object('column', 'public.orders.id')?.identity ?? '', /^always \(start 1, increment 1,/);
    assert.equal(object('sequence', 'public.orders_id_seq'), undefined, 'an identity sequence is part of its column');
    assert.equal(object('column', 'public.customers.created_on')?.default, `('now'::text)::date`);
    assert.equal(object('column', 'public.line_items.amount')?.generated, '((quantity)::numeric * unit_price) stored');
    assert.equal(object('type', 'public.address')?.attributes, 'street text, city text, zip character varying(10)');
    assert.match(object('function', 'public.add_tax(amount numeric, rate numeric)')?.body ?? '', /BEGIN ATOMIC/);
    assert.equal(object('table', 'public.events_2025')?.['partition of'], 'public.events');
    assert.equal(object('table', 'public.line_items_archive')?.owner, object('table', 'public.line_items')?.owner);
    assert.equal(object('constraint', 'public.line_items_archive.line_items_quantity_check')?.definition, 'CHECK (quantity > 0)');
  });

  it('identity columns of a partitioned table read as one schema in two databases', async () => {
    const [a, b] = await Promise.all([fresh(PARTITIONED_IDENTITY), fresh(PARTITIONED_IDENTITY)]);
    const [left, right] = await Promise.all([read(a), read(b)]);
    assert.deepEqual(diffSchemas(left, right), []);
    assert.equal(schemaFingerprint(left), schemaFingerprint(right));
  });

  it('creation order does not matter: independent tables, indexes and columns', async () => {
    const forward = `
      CREATE TABLE public.alpha (id integer PRIMARY KEY, x integer, y text);
      CREATE TABLE public.beta (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label text DEFAULT 'b'::text);
      CREATE INDEX alpha_x_idx ON public.alpha (x);
      CREATE INDEX alpha_y_idx ON public.alpha (y);
      CREATE TYPE public.level AS ENUM ('low', 'high');`;
    const backward = `
      CREATE TYPE public.level AS ENUM ('low');
      CREATE TABLE public.beta (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
      CREATE TABLE public.alpha (id integer PRIMARY KEY, x integer, y text);
      CREATE INDEX alpha_y_idx ON public.alpha (y);
      CREATE INDEX alpha_x_idx ON public.alpha (x);
      ALTER TABLE public.beta ADD COLUMN label text DEFAULT 'b'::text;
      ALTER TYPE public.level ADD VALUE 'high';`;
    const [a, b] = await Promise.all([fresh(MIGRATION + forward), fresh(backward + MIGRATION)]);
    const [left, right] = await Promise.all([read(a), read(b)]);
    assert.deepEqual(diffSchemas(left, right), []);
    assert.equal(schemaFingerprint(left), schemaFingerprint(right));
  });

  it('data does not: rows, sequence values, REFRESH, ANALYZE, VACUUM', async () => {
    const client = await fresh();
    const before = await read(client);
    await client.query(`
      INSERT INTO public.customers (email, credit) VALUES ('a@example.com', 10), ('b@example.com', NULL);
      INSERT INTO public.orders (customer_id, total) SELECT id, 12.5 FROM public.customers;
      UPDATE public.orders SET status = 'paid';
      INSERT INTO public.line_items (order_id, quantity, unit_price, ship_to) SELECT id, 2, 3.25, ROW('Main St', 'Town', '12345')::public.address FROM public.orders;
      INSERT INTO public.events VALUES (1, '2024-06-01', '{}'), (2, '2025-06-01', NULL);
      SELECT nextval('public.invoice_numbers'), nextval('public.invoice_numbers');
      SELECT setval('public.customers_id_seq', 500);
      REFRESH MATERIALIZED VIEW public.orders_per_customer;
      ANALYZE;`);
    // VACUUM cannot run in the implicit transaction of a multi-statement query.
    await client.query('VACUUM (ANALYZE) public.orders');
    await client.query('VACUUM FULL public.line_items');
    const afterwards = await read(client);
    assert.deepEqual(diffSchemas(before, afterwards), []);
    assert.equal(schemaFingerprint(afterwards), schemaFingerprint(before));
  });
});

describe('readSchemaSnapshot: left out', () => {
  it("guard's ledger, the migration tools' version tables, temporary tables and an extension's members; an extension reads as its name and version", async () => {
    const client = await fresh();
    const before = await read(client);

    await ensureLedger(client);
    await client.query(`
      CREATE TABLE guard.scratch (id serial PRIMARY KEY, note text);
      CREATE FUNCTION guard.noop() RETURNS void LANGUAGE sql AS 'SELECT';
      CREATE TABLE public.${VERSION_TABLES[0]} (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
      CREATE TABLE public.${VERSION_TABLES[1]} (
        installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
        installed_on timestamp NOT NULL DEFAULT now(), success boolean NOT NULL);
      CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history (success);
      INSERT INTO public.alembic_version VALUES ('abc123');
      CREATE TEMPORARY TABLE scratch (id serial PRIMARY KEY, value text DEFAULT 'x');
      CREATE INDEX scratch_value_idx ON scratch (value);
      CREATE TEMPORARY VIEW scratch_view AS SELECT id FROM scratch;`);
    // The temporary objects live in this session: the read on the same session must still not see them.
    const withoutExtension = await read(client);
    assert.deepEqual(lines(before, withoutExtension), []);
    assert.equal(schemaFingerprint(withoutExtension), schemaFingerprint(before));

    const { rows: available } = await client.query<{ name: string }>(`SELECT name FROM pg_available_extensions WHERE name = 'pgcrypto'`);
    assert.equal(available.length, 1, 'the embedded server ships pgcrypto');
    await client.query('CREATE EXTENSION pgcrypto');
    const withExtension = await read(client);
    assert.deepEqual(lines(before, withExtension), ['extension pgcrypto: only in after']);
    const { rows } = await client.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'pgcrypto'`);
    const extension = withExtension.objects.find((o) => o.kind === 'extension' && o.name === 'pgcrypto');
    assert.deepEqual(extension?.attributes, { schema: 'public', version: rows[0]!.extversion });
    // Not one of its dozens of functions (digest, crypt, gen_salt, ...).
    assert.deepEqual(
      withExtension.objects.filter((o) => o.kind === 'function').map((o) => o.name),
      ['public.add_tax(amount numeric, rate numeric)', 'public.discounted(amount numeric, rate numeric)', 'public.touch_updated_at()'],
    );

    const leaked = withExtension.objects.filter((o) => /^guard\b|alembic_version|flyway_schema_history|scratch/.test(o.name) || o.scope.startsWith('pg_temp'));
    assert.deepEqual(leaked, []);
  });
});

describe('diffSchemas settings on a real schema', () => {
  it('a GRANT is drift only with privileges: true', async () => {
    const role = `guard_reader_${process.pid}_${randomBytes(3).toString('hex')}`;
    const client = await fresh();
    roles.push(role);
    await client.query(`CREATE ROLE "${role}" NOLOGIN`);
    const before = await read(client);
    await client.query(`GRANT SELECT ON public.orders TO "${role}"`);
    const afterwards = await read(client);

    assert.deepEqual(lines(before, afterwards), []);
    assert.deepEqual(lines(before, afterwards, { privileges: false, exclude: [] }), []);
    // The ACL's entries sorted: the role's (guard_reader_...) before the owner's (postgres=arwdDxtm on PostgreSQL 18).
    assert.deepEqual(lines(before, afterwards, { privileges: true, exclude: [] }), [
      `table public.orders: privileges none -> ${role}=r/postgres, postgres=arwdDxtm/postgres`,
    ]);
    // The fingerprint holds everything: the settings apply when snapshots are compared.
    assert.notEqual(schemaFingerprint(afterwards), schemaFingerprint(before));
  });

  it("exclude 'audit.*' hides a whole schema and everything in it", async () => {
    const client = await fresh();
    const before = await read(client);
    await client.query(`
      CREATE SCHEMA audit;
      CREATE TABLE audit.log (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), what text);
      CREATE INDEX log_at_idx ON audit.log (at);
      CREATE VIEW audit.recent AS SELECT id, what FROM audit.log WHERE at > now() - interval '1 day';
      CREATE FUNCTION audit.record(what text) RETURNS void LANGUAGE sql AS $$ INSERT INTO audit.log (what) VALUES (what) $$;`);
    const afterwards = await read(client);
    assert.deepEqual(lines(before, afterwards), [
      'schema audit: only in after',
      'sequence audit.log_id_seq: only in after',
      'table audit.log: only in after',
      'column audit.log.at: only in after',
      'column audit.log.id: only in after',
      'column audit.log.what: only in after',
      'constraint audit.log.log_pkey: only in after',
      'index audit.log_at_idx: only in after',
      'view audit.recent: only in after',
      'function audit.record(what text): only in after',
    ]);
    assert.deepEqual(lines(before, afterwards, { privileges: false, exclude: ['audit.*'] }), []);
    assert.deepEqual(lines(before, afterwards, { privileges: true, exclude: ['audit.*'] }), []);
  });

  it("exclude 'public.orders' hides that table with its columns, indexes, constraints, triggers and policies, and nothing else", async () => {
    const client = await fresh();
    const before = await read(client);
    await client.query(`
      ALTER TABLE public.orders ADD COLUMN shipped_at timestamptz;
      ALTER TABLE public.orders ALTER COLUMN note SET NOT NULL;
      CREATE INDEX orders_shipped_idx ON public.orders (shipped_at);
      ALTER TABLE public.orders DROP CONSTRAINT orders_total_positive;
      ALTER TABLE public.orders DISABLE TRIGGER orders_touch;
      CREATE POLICY orders_small ON public.orders FOR INSERT WITH CHECK (total < 1000);
      ALTER TABLE public.orders FORCE ROW LEVEL SECURITY;
      ALTER TABLE public.customers ADD COLUMN phone text;`);
    const afterwards = await read(client);
    assert.deepEqual(lines(before, afterwards), [
      'table public.orders: row level security enabled -> forced',
      'column public.customers.phone: only in after',
      'column public.orders.note: not null no -> yes',
      'column public.orders.shipped_at: only in after',
      'constraint public.orders.orders_total_positive: only in before',
      'index public.orders_shipped_idx: only in after',
      'trigger public.orders.orders_touch: enabled yes -> disabled',
      'policy public.orders.orders_small: only in after',
    ]);
    assert.deepEqual(lines(before, afterwards, { privileges: false, exclude: ['public.orders'] }), ['column public.customers.phone: only in after']);
  });
});

describe('readSchemaSnapshot: round trips', () => {
  /** Counts the calls of `client.query` (the queries still run on the real client). */
  function countQueries(client: pg.Client): { calls: unknown[][] } {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    const counter = { calls: [] as unknown[][] };
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      counter.calls.push(args);
      return original(...args);
    };
    return counter;
  }

  const tables = (count: number) => `
    DO $$ BEGIN
      FOR i IN 1..${count} LOOP
        EXECUTE format('CREATE TABLE public.t%s (id serial PRIMARY KEY, name text NOT NULL DEFAULT %L, at timestamptz DEFAULT now(), CHECK (name <> %L))', i, 'n' || i, '');
        EXECUTE format('CREATE INDEX t%s_name_idx ON public.t%s (name)', i, i);
      END LOOP;
    END $$;`;

  it('reading 5 tables and 300 tables takes the same one query', async () => {
    const [small, large] = await Promise.all([fresh(tables(5)), fresh(tables(300))]);
    const smallCount = countQueries(small);
    const largeCount = countQueries(large);
    const smallSnapshot = await read(small);
    const largeSnapshot = await read(large);
    assert.equal(smallSnapshot.objects.filter((o) => o.kind === 'table').length, 5);
    assert.equal(largeSnapshot.objects.filter((o) => o.kind === 'table').length, 300);
    assert.equal(largeSnapshot.objects.filter((o) => o.kind === 'index').length, 300);
    assert.equal(smallCount.calls.length, 1);
    assert.equal(largeCount.calls.length, 1);
    assert.deepEqual(largeCount.calls[0], [READ_SCHEMA_SQL]);
  });
});

/** A partitioned table with an identity column: PostgreSQL 17 and later give its partitions the identity too. */
const PARTITIONED_IDENTITY = `
CREATE TABLE public.metrics (
  id bigint GENERATED BY DEFAULT AS IDENTITY,
  taken_on date NOT NULL,
  value double precision,
  PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE public.metrics_2024 PARTITION OF public.metrics FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.metrics_2025 PARTITION OF public.metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
`;

describe('readSchemaSnapshot: across major versions', () => {
  const found = findOtherPostgres(18);
  let other: OtherServer | undefined;
  const otherClients: pg.Client[] = [];
  before(async () => {
    if (found) other = await startOtherPostgres(found);
  });
  after(async () => {
    await Promise.all(otherClients.map(disconnect));
    await other?.stop();
  });

  /** A fresh database on the other server, built by `sql`. */
  async function freshOther(sql: string): Promise<pg.Client> {
    const name = `guard_parity_${otherClients.length + 1}`;
    const admin = await connect(other!.url, { applicationName: 'guard read-schema test' });
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await disconnect(admin);
    }
    const client = await connect(withDatabase(other!.url, name), { applicationName: 'guard read-schema test' });
    otherClients.push(client);
    await client.query(sql);
    return client;
  }

  it('one migration built on PostgreSQL 18 and on the other major reads as one schema', async (t) => {
    if (!other) {
      const message = 'cross-version parity NOT CHECKED: no other PostgreSQL major under /usr/lib/postgresql/<N>/bin (install e.g. postgresql-15)';
      t.diagnostic(message);
      console.log(`# ${message}`);
      return;
    }
    const [newer, older] = await Promise.all([fresh(), freshOther(MIGRATION)]);
    const [s18, sOther] = await Promise.all([read(newer), read(older)]);
    assert.equal(Math.floor(s18.serverVersion / 10_000), 18);
    assert.equal(Math.floor(sOther.serverVersion / 10_000), other.major);
    t.diagnostic(`PostgreSQL ${s18.serverVersion} against ${sOther.serverVersion}: ${s18.objects.length} objects`);
    assert.deepEqual(diffSchemas(s18, sOther), []);
    assert.deepEqual(diffSchemas(sOther, s18), []);
  });

  it(
    'identity columns of a partitioned table read as one schema on PostgreSQL 18 and on the other major',
    async (t) => {
      if (!other) {
        t.diagnostic('cross-version parity NOT CHECKED: no other PostgreSQL major installed');
        return;
      }
      const [newer, older] = await Promise.all([fresh(PARTITIONED_IDENTITY), freshOther(PARTITIONED_IDENTITY)]);
      const [s18, sOther] = await Promise.all([read(newer), read(older)]);
      assert.deepEqual(lines(s18, sOther), []);
    },
  );
});

describe('readSchemaSnapshot: session settings', () => {
  it(
    "the session's TimeZone, DateStyle and IntervalStyle do not change the snapshot",
    async () => {
      const client = await fresh(`
        CREATE TABLE public.readings (
          taken_at timestamptz NOT NULL DEFAULT '2024-03-01 12:00+00',
          taken_on date DEFAULT '2024-03-01',
          every interval DEFAULT '1 day 2 hours'
        ) PARTITION BY RANGE (taken_at);
        CREATE TABLE public.readings_2024 PARTITION OF public.readings FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2025-01-01 00:00+00');`);
      const before = await read(client);
      await client.query(`SET TimeZone = 'America/New_York'; SET DateStyle = 'SQL, DMY'; SET IntervalStyle = 'sql_standard'`);
      const afterwards = await read(client);
      assert.deepEqual(lines(before, afterwards), []);
    },
  );
});
