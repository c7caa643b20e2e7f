// readBody (server/http/body.ts) reads a JSON body from Node's socket into Hono's body cache, so
// Hono never builds the web ReadableStream. That leans on a Hono internal (`HonoRequest.bodyCache`,
// which `text()` and `json()` consult first): these tests fail if a Hono release changes it, over a
// real listening server as production runs (the `incoming` binding of @hono/node-server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { readBody } from '../../server/http/body';
import { handleError } from '../../server/http/errors';
import type { AppEnv } from '../../server/http/env';

let server: ServerType;
let base: string;

beforeAll(async () => {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.use(
    '*',
    readBody(() => 1024),
  );
  app.post('/echo', async (c) => {
    const json = await c.req.json();
    const text = await c.req.text();
    // The body came from the cache readBody filled: the standard Request's stream was never read.
    return c.json({ json, text, streamRead: c.req.raw.bodyUsed, cached: Object.keys(c.req.bodyCache) });
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (body: string, type = 'application/json') =>
  fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': type }, body });

describe('readBody over a real socket', () => {
  it('hands the JSON body to Hono through its body cache: json() and text() agree and the web stream is never read', async () => {
    const res = await post('{"amount":"12.50","name":"Ærø ✓"}');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { json: unknown; text: string; streamRead: boolean; cached: string[] };
    expect(body.json).toEqual({ amount: '12.50', name: 'Ærø ✓' });
    expect(body.text).toBe('{"amount":"12.50","name":"Ærø ✓"}');
    expect(body.streamRead).toBe(false);
    expect(body.cached).toContain('text');
  });

  it('refuses a body over the limit with 413 in the one error shape', async () => {
    const res = await post(JSON.stringify({ note: 'x'.repeat(2000) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('refuses a NUL escaped in JSON text', async () => {
    const res = await post('{"name":"a\\u0000b"}');
    expect(res.status).toBe(400);
  });
});
