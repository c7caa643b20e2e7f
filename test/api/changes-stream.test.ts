import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { DIALECTS, PG_URL, startTestApp, type TestApp } from '../support/app';
import { allChanges, expectError, lastSeq } from '../support/conventions';
import { ok, putCustomer } from '../support/credit';
import { SseReader } from '../support/sse';
import { openDatabase } from '../../server/db/connection';
import { createApp } from '../../server/app';

// GET /api/v1/changes/stream (server/sync/change-stream.ts): the change log as Server-Sent Events.
describe.each(DIALECTS)('the change stream on %s', (dialect) => {
  let t: TestApp;
  const readers: SseReader[] = [];
  beforeAll(async () => {
    t = await startTestApp(dialect, { streamHeartbeatMs: 300 });
  });
  afterAll(async () => {
    for (const r of readers) await r.close();
    await t.close();
  });

  const open = async (
    query = '',
    headers: Record<string, string> = {},
    token = t.tokens.credit_clerk,
    app = t.app,
  ): Promise<SseReader> => {
    const res = await app.request(`/api/v1/changes/stream${query}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    const reader = new SseReader(res);
    readers.push(reader);
    expect((await reader.next())?.comments).toEqual(['connected']);
    return reader;
  };

  it('sends every entry after since, in order, as GET /changes has them, then each new one as it commits', async () => {
    const from = await lastSeq(t);
    for (const id of ['S1', 'S2', 'S3']) await putCustomer(t, id);
    const logged = await allChanges(t, from);
    expect(logged).toHaveLength(3);
    const stream = await open(`?since=${from}`);
    const first = await stream.changes(3);
    expect(first.changes).toEqual(logged);
    expect(first.ids).toEqual(logged.map((c) => String(c.seq)));
    await putCustomer(t, 'S4');
    const next = await stream.changes(1);
    expect(next.changes).toEqual(await allChanges(t, logged[2]!.seq));
    expect(next.changes[0]).toMatchObject({ entity: 'customer', id: 'S4', op: 'create', version: 1 });
  });

  it('resumes after Last-Event-ID, which wins over since', async () => {
    const from = await lastSeq(t);
    for (const id of ['L1', 'L2']) await putCustomer(t, id);
    const stream = await open('?since=0', { 'Last-Event-ID': String(from + 1) });
    const { changes } = await stream.changes(1);
    expect(changes[0]).toMatchObject({ seq: from + 2, id: 'L2' });
  });

  it('without since starts at the end of the log', async () => {
    await putCustomer(t, 'E1');
    const stream = await open();
    await putCustomer(t, 'E2');
    const { changes } = await stream.changes(1);
    expect(changes[0]).toMatchObject({ id: 'E2', op: 'create' });
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const stream = await open();
    expect(await stream.commentMatching(/^heartbeat$/, 3000)).toBe('heartbeat');
  });

  it('refuses a bad since or Last-Event-ID with 400 and a missing token with 401', async () => {
    const get = (query: string, headers: Record<string, string>) =>
      t.app.request(`/api/v1/changes/stream${query}`, { headers });
    const auth = { authorization: `Bearer ${t.tokens.credit_clerk}` };
    for (const [query, headers] of [
      ['?since=-1', auth],
      ['?since=abc', auth],
      ['', { ...auth, 'Last-Event-ID': 'abc' }],
    ] as const) {
      const res = await get(query, headers);
      expectError({ status: res.status, headers: res.headers, body: await res.json() }, 400, 'invalid_request');
    }
    const res = await get('', {});
    expect(res.status).toBe(401);
  });

  it('ends within about a second once its token is revoked', async () => {
    const user = ok(
      await t.request('POST', '/api/v1/users', { body: { name: 'Streamer', role: 'credit_clerk' } }),
      201,
    );
    const stream = await open('', {}, user.token);
    ok(await t.request('DELETE', `/api/v1/users/${user.id}/tokens`));
    const started = Date.now();
    expect(await stream.commentMatching(/revoked/, 3000)).toMatch(/revoked/);
    expect(await stream.next()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

// Two handles on one schema are two processes as far as the database can tell (test/multiprocess
// does the same with real server processes).
describe('the change stream across processes on postgres', () => {
  it("reaches a client of another process's app on the same database within a second", async () => {
    const t = await startTestApp('postgres');
    const other = await openDatabase({ url: PG_URL, schema: t.schema });
    try {
      const otherApp = createApp({
        handle: other,
        log: pino({ level: 'silent' }),
        config: { allowedOrigins: [], jsonBodyLimit: 1 << 20 },
      });
      const res = await otherApp.request('/api/v1/changes/stream', {
        headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
      });
      expect(res.status).toBe(200);
      const stream = new SseReader(res);
      expect((await stream.next())?.comments).toEqual(['connected']);
      const started = Date.now();
      await putCustomer(t, 'X1');
      const { changes } = await stream.changes(1, 1000);
      expect(changes[0]).toMatchObject({ id: 'X1' });
      expect(Date.now() - started).toBeLessThan(1000);
      await stream.close();
    } finally {
      await other.close();
      await t.close();
    }
  });
});
