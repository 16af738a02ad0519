import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { GuardError } from '../../../src/core/guard-error.js';
import { connect, disconnect, pgErrorMessage, queryError } from '../../../src/shell/postgres/connect.js';
import { testDatabase, type TestDatabase } from '../../helpers/postgres.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
});
after(async () => {
  await db?.drop();
});

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

async function connectError(url: string, options: Parameters<typeof connect>[1]): Promise<GuardError> {
  try {
    const client = await connect(url, options);
    await client.end();
  } catch (error) {
    assert.ok(error instanceof GuardError, String(error));
    return error;
  }
  assert.fail('connected');
}

/** Everything a user could see of an error: message, fix, cause, stack. */
function visible(error: GuardError): string {
  return [error.message, error.fix, String(error.cause), error.stack, (error.cause as Error | undefined)?.stack].join('\n');
}

describe('connect', () => {
  it('connects and names the session with application_name, even over the URL', async () => {
    const client = await connect(`${db.url}?application_name=from-url`, { applicationName: 'guard deploy ci by test@host pid 1' });
    try {
      const { rows } = await client.query<{ name: string }>("SELECT current_setting('application_name') AS name");
      assert.equal(rows[0]?.name, 'guard deploy ci by test@host pid 1');
    } finally {
      await disconnect(client);
    }
  });

  it('a wrong password: exit 3, the URL redacted, pg message kept, no password anywhere', async () => {
    const password = 'Wr0ng-pass-' + 'x'.repeat(12);
    const url = withPassword(db.url, password);
    const error = await connectError(url, { applicationName: 'guard test', source: 'DATABASE_URL_CI' });
    assert.equal(error.exitCode, ExitCode.unreadable);
    assert.match(error.message, /^cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/guard_test_\w+: password authentication failed for user "postgres" \(SQLSTATE 28P01\)$/);
    assert.match(error.fix ?? '', /DATABASE_URL_CI/);
    assert.ok(!visible(error).includes(password));
    // The real password of the test server never shows either.
    assert.ok(!visible(error).includes(new URL(db.url).password));
  });

  it('an unreachable port: exit 3, redacted', async () => {
    const port = await closedPort();
    const password = 'S3cret-' + 'y'.repeat(10);
    const url = `postgres://app:${password}@127.0.0.1:${port}/prod`;
    const error = await connectError(url, { applicationName: 'guard test', role: 'ledger' });
    assert.equal(error.exitCode, ExitCode.unreadable);
    assert.equal(error.message, `cannot connect to the ledger database postgres://app:***@127.0.0.1:${port}/prod: connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.ok(!visible(error).includes(password));
  });

  it('localhost with several addresses: the parts of the AggregateError are shown', async () => {
    const port = await closedPort();
    const error = await connectError(`postgres://app:pw123456@localhost:${port}/prod`, { applicationName: 'guard test' });
    assert.equal(error.exitCode, ExitCode.unreadable);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(!error.message.includes('pw123456'));
  });

  it('a server that never answers: the connect timeout ends the wait', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = performance.now();
      const error = await connectError(`postgres://app:pw@127.0.0.1:${port}/prod`, { applicationName: 'guard test', connectTimeoutMs: 300 });
      assert.equal(error.exitCode, ExitCode.unreadable);
      assert.match(error.message, /timeout/i);
      assert.ok(performance.now() - started < 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('query errors are redacted too', async () => {
    const client = await connect(db.url, { applicationName: 'guard test' });
    try {
      const url = 'postgres://app:t0psecret@db/prod';
      await assert.rejects(client.query(`SELECT 'postgres://u:leak@h/d ${'t0psecret'}'::int`), (error: unknown) => {
        const message = pgErrorMessage(error, [url]);
        assert.ok(!message.includes('t0psecret') && !message.includes('leak'), message);
        const wrapped = queryError(error, 'reading production', [url]);
        assert.equal(wrapped.exitCode, ExitCode.unreadable);
        assert.match(wrapped.message, /^reading production: invalid input syntax for type integer: "postgres:\/\/u:\*\*\*@h\/d \*\*\*" \(SQLSTATE 22P02\)$/);
        return true;
      });
    } finally {
      await disconnect(client);
    }
  });
});
