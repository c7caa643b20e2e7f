import { describe, expect, it } from 'vitest';
import { ApiError, CreditDeskClient } from './api';
import { keyFor, type WorkbookSyncState } from './state';

const session = { serverUrl: 'http://127.0.0.1:9/', token: 't0k' };
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function client(answers: (() => Response | Promise<Response>)[]) {
  const seen: { url: string; init: RequestInit }[] = [];
  const sleeps: number[] = [];
  const c = new CreditDeskClient(
    session,
    { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    async (url, init) => {
      seen.push({ url: String(url), init: init! });
      const next = answers.shift();
      if (!next) throw new TypeError('fetch failed');
      return next();
    },
    async (ms) => {
      sleeps.push(ms);
    },
  );
  return { c, seen, sleeps };
}

describe('sync client', () => {
  it('retries network failures with growing delays, then succeeds', async () => {
    const fail = () => {
      throw new TypeError('fetch failed');
    };
    const { c, seen, sleeps } = client([fail, fail, () => json(200, { ok: 1 })]);
    expect(await c.get('/api/v1/me')).toEqual({ ok: 1 });
    expect(seen).toHaveLength(3);
    expect(seen[0]!.url).toBe('http://127.0.0.1:9/api/v1/me');
    expect((seen[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer t0k');
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(100);
    expect(sleeps[0]!).toBeLessThanOrEqual(100);
  });

  it('gives up as "offline" after the attempts; never retries an answer the server gave', async () => {
    const down = client([]);
    const e = await down.c.get('/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).offline).toBe(true);
    expect(down.seen).toHaveLength(4);

    const refused = client([
      () =>
        json(409, {
          error: { code: 'version_conflict', message: 'stale', details: [{ path: 'If-Match', message: 'stale' }] },
          current: { version: 3 },
        }),
    ]);
    const c = await refused.c
      .post('/y', { a: 1 }, { ifMatch: 2, idempotencyKey: 'k-1' })
      .catch((x: unknown) => x as ApiError);
    expect(refused.seen).toHaveLength(1);
    expect(c).toMatchObject({
      status: 409,
      code: 'version_conflict',
      details: [{ path: 'If-Match', message: 'stale' }],
    });
    expect((c as ApiError).body).toMatchObject({ current: { version: 3 } });
    const headers = refused.seen[0]!.init.headers as Record<string, string>;
    expect(headers['If-Match']).toBe('"2"');
    expect(headers['Idempotency-Key']).toBe('k-1');
  });

  it('retries 503 and pages through list endpoints', async () => {
    const { c, seen } = client([
      () => json(503, {}),
      () => json(200, { items: [1, 2], nextCursor: 'n1' }),
      () => json(200, { items: [3], nextCursor: null }),
    ]);
    expect(await c.all('/api/v1/holds?status=onHold', 2)).toEqual([1, 2, 3]);
    expect(seen.map((s) => s.url.replace('http://127.0.0.1:9', ''))).toEqual([
      '/api/v1/holds?status=onHold&limit=2',
      '/api/v1/holds?status=onHold&limit=2',
      '/api/v1/holds?status=onHold&limit=2&cursor=n1',
    ]);
  });

  it('reuses the Idempotency-Key for the same body (a resend replays), a new one for another body', () => {
    const state: WorkbookSyncState = { workbookId: 'w', serverUrl: null, holds: null, aging: null, pendingSends: {} };
    const k1 = keyFor(state, 'proposals:creditLimit', '{"a":1}');
    expect(keyFor(state, 'proposals:creditLimit', '{"a":1}')).toBe(k1);
    expect(keyFor(state, 'proposals:creditLimit', '{"a":2}')).not.toBe(k1);
    expect(k1).toMatch(/^cd-[0-9a-f]{32}$/);
  });
});
