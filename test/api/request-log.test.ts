// One JSON log line per request at level info (server/app.ts), carrying the request id that the
// answer's X-Request-Id and the audit rows carry; above info nothing is logged per request.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { openDatabase, type DbHandle } from '../../server/db/connection';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import { createUser } from '../../server/users/users.service';

function appLoggingTo(handle: DbHandle, level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
  });
  const app = createApp({ handle, log: pino({ level }, sink), config: { allowedOrigins: [], jsonBodyLimit: 1 << 20 } });
  return { app, lines };
}

describe('request log', () => {
  let handle: DbHandle;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    handle = await openDatabase({ url: ':memory:' });
    const created = await runInTransaction(handle, SYSTEM, (tx) =>
      createUser(tx, { name: 'Logger', role: 'credit_clerk' }),
    );
    token = created.token;
    userId = created.user.id;
  });
  afterAll(async () => handle.close());

  it('at info: one line per request with its id, method, path, status, time and user', async () => {
    const { app, lines } = appLoggingTo(handle, 'info');
    const ok = await app.request('/api/v1/customers?limit=1', { headers: { authorization: `Bearer ${token}` } });
    const refused = await app.request('/api/v1/customers', { headers: { authorization: 'Bearer not-a-token-at-all' } });
    await new Promise((r) => setImmediate(r));
    const logged = lines.filter((l) => l.msg === 'request');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      requestId: ok.headers.get('x-request-id'),
      method: 'GET',
      path: '/api/v1/customers',
      status: 200,
      userId,
    });
    expect(typeof logged[0]!.ms).toBe('number');
    expect(logged[1]).toMatchObject({ requestId: refused.headers.get('x-request-id'), status: 401 });
    expect(logged[1]!.userId).toBeUndefined();
  });

  it('above info: no line per request', async () => {
    const { app, lines } = appLoggingTo(handle, 'warn');
    expect(
      (await app.request('/api/v1/customers?limit=1', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(0);
  });
});
