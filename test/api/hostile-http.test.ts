// Issue 18, items 11 and 12, in process on both dialects: CORS preflights at every log level
// (the request log once dropped the preflight's answer: a 500 "Context is not finalized"),
// security headers on every answer with a policy per kind (API JSON, /docs, /addin), ids "." and
// ".." refused wherever an id is accepted, and the journal's 50,000 lines fitting its body limit.
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import {
  customerBody,
  DIALECTS,
  readTestResponse,
  requestInit,
  startTestApp,
  type TestApp,
  type TestResponse,
} from '../support/app';
import { detailPaths, expectError, lastSeq } from '../support/conventions';
import { ok } from '../support/credit';

const ALLOWED = 'https://excel.example';
const FOREIGN = 'https://evil.example';
const C = '/api/v1/customers';
const ID_MESSAGE = 'must be 1–64 characters of letters, digits, "_", "." or "-", and not "." or ".."';

/** The app on `t`'s database, logging at `level` into memory. */
function appAt(t: TestApp, level: 'info' | 'silent') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
  });
  const app = createApp({
    handle: t.handle,
    log: pino({ level }, sink),
    config: { allowedOrigins: [ALLOWED], jsonBodyLimit: 1024 * 1024 },
  });
  const request = async (
    method: string,
    path: string,
    o: Parameters<typeof requestInit>[0] = {},
  ): Promise<TestResponse> =>
    readTestResponse(await app.request(path, { method, ...requestInit(o, (as) => t.tokens[as]) }));
  return { request, lines };
}

const list = (header: string | null) =>
  (header ?? '')
    .toLowerCase()
    .split(/\s*,\s*/)
    .filter(Boolean);
const csp = (res: TestResponse) =>
  Object.fromEntries(
    (res.headers.get('content-security-policy') ?? '')
      .split(/\s*;\s*/)
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values];
      }),
  );

describe.each(DIALECTS)('hostile HTTP on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { allowedOrigins: [ALLOWED] });
    ok(await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody() }), 201);
  });
  afterAll(() => t?.close());

  describe.each(['info', 'silent'] as const)('CORS at log level %s', (level) => {
    it('a preflight from an allowed origin answers 204 with the allow headers, and is logged at info', async () => {
      const { request, lines } = appAt(t, level);
      const pre = await request('OPTIONS', `${C}/C1`, {
        token: null,
        headers: {
          Origin: ALLOWED,
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'authorization, content-type, if-match',
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(list(pre.headers.get('access-control-allow-methods'))).toEqual(
        expect.arrayContaining(['get', 'post', 'put', 'patch', 'delete']),
      );
      expect(list(pre.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key']),
      );
      expect(pre.headers.get('x-content-type-options')).toBe('nosniff');
      await new Promise((r) => setImmediate(r));
      const logged = lines.filter((l) => l.msg === 'request');
      expect(logged).toEqual(
        level === 'info' ? [expect.objectContaining({ method: 'OPTIONS', path: `${C}/C1`, status: 204 })] : [],
      );
      expect(lines.filter((l) => l.msg === 'unhandled error')).toEqual([]);
    });

    it('a preflight from a refused origin gets no allow-origin and no 500; it changes nothing', async () => {
      const { request } = appAt(t, level);
      const seq = await lastSeq(t);
      for (const origin of [FOREIGN, 'null', `${ALLOWED}.evil.example`]) {
        const pre = await request('OPTIONS', `${C}/C1`, {
          token: null,
          headers: { Origin: origin, 'Access-Control-Request-Method': 'DELETE' },
        });
        expect(pre.status, origin).toBeLessThan(500);
        expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      }
      expect(await lastSeq(t)).toBe(seq);
    });

    it('a cross-origin GET from an allowed origin reads the answer; a refused origin gets no allow-origin', async () => {
      const { request } = appAt(t, level);
      const res = await request('GET', `${C}/C1`, { headers: { Origin: ALLOWED } });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe('C1');
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(list(res.headers.get('access-control-expose-headers'))).toEqual(
        expect.arrayContaining(['etag', 'x-request-id']),
      );
      const refused = await request('GET', `${C}/C1`, { headers: { Origin: FOREIGN } });
      expect(refused.status).toBe(200);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('security headers on every API answer: nosniff, no referrer, nothing may load or frame it', async () => {
    const answers: [string, TestResponse][] = [
      ['200', await t.request('GET', `${C}/C1`)],
      ['201', await t.request('PUT', `${C}/SH1`, { as: 'integration', body: customerBody() })],
      ['400', await t.request('PUT', `${C}/bad%20id`, { as: 'integration', body: customerBody() })],
      ['401', await t.request('GET', C, { token: null })],
      ['404', await t.request('GET', '/api/v1/nowhere')],
      [
        '413',
        await t.request('PUT', `${C}/C1`, {
          as: 'integration',
          raw: JSON.stringify(customerBody({ notes: 'x'.repeat(1024 * 1024 + 1) })),
        }),
      ],
      ['healthz', await t.request('GET', '/healthz', { token: null })],
      ['openapi', await t.request('GET', '/api/v1/openapi.json', { token: null })],
      [
        'preflight',
        await t.request('OPTIONS', C, {
          token: null,
          headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'GET' },
        }),
      ],
    ];
    for (const [name, res] of answers) {
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      expect(csp(res), name).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
      expect(res.headers.get('strict-transport-security'), name).toBeNull();
    }
  });

  it('/docs: a CSP that lets Swagger UI run (its one inline script by hash) and load only from this server; framed by itself only', async () => {
    const page = await t.request('GET', '/docs', { token: null });
    expect(page.status).toBe(200);
    const policy = csp(page);
    const inline = [...(page.body as string).matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(1);
    expect(policy['script-src']).toEqual([
      "'self'",
      `'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}'`,
    ]);
    expect(policy).toMatchObject({
      'default-src': ["'self'"],
      'connect-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'frame-ancestors': ["'self'"],
    });
    expect(policy['script-src']).not.toContain("'unsafe-inline'");
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const asset = await t.request('GET', '/docs/assets/swagger-ui-bundle.js', { token: null });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect(asset.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
  });

  it('/addin: framable by Office on the web (no X-Frame-Options, frame-ancestors naming the Office hosts), scripts from this server only', async () => {
    for (const path of ['/addin/taskpane.html', '/addin/office-js/office.js', '/addin/assets/icon-32.png']) {
      const res = await t.request('GET', path, { token: null });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-frame-options'), path).toBeNull();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      // Office pages load the add-in's icons from this server.
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('cross-origin');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBeNull();
      const policy = csp(res);
      expect(policy['frame-ancestors'], path).toEqual(
        expect.arrayContaining([
          "'self'",
          'https://*.officeapps.live.com',
          'https://*.office.com',
          'https://*.cloud.microsoft',
          'https://*.sharepoint.com',
        ]),
      );
      expect(policy['frame-ancestors'], path).not.toContain('*');
      expect(policy['script-src'], path).toEqual(["'self'"]);
      expect(policy['object-src'], path).toEqual(["'none'"]);
      // The pane may sign in to another CreditDesk server over HTTPS.
      expect(policy['connect-src'], path).toEqual(expect.arrayContaining(["'self'", 'https:']));
    }
  });

  it('ids "." and ".." are refused wherever an id is accepted; other dotted ids are fine', async () => {
    const seq = await lastSeq(t);
    for (const id of ['.', '..']) {
      const batch = await t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: { items: [{ id, ...customerBody() }] },
      });
      expect(expectError(batch, 422, 'rule_violation', ['items'])).toEqual([
        { path: 'items.0.id', message: ID_MESSAGE },
      ]);
      expect(
        detailPaths(
          await t.request('POST', '/api/v1/transactions:batch', {
            as: 'integration',
            body: {
              items: [
                { id, customerId: 'C1', type: 'invoice', amount: '1.00', currency: 'USD', transDate: '2025-01-01' },
              ],
            },
          }),
        ),
      ).toEqual(['items.0.id']);
      expect(
        detailPaths(
          await t.request('PUT', '/api/v1/sales-orders/SO-DOT', {
            as: 'integration',
            body: { customerId: id, amount: '1.00' },
          }),
        ),
      ).toEqual(['customerId']);
      expect(
        detailPaths(
          await t.request('PUT', '/api/v1/credit-groups/G-DOT', {
            as: 'credit_manager',
            body: {
              name: 'G',
              creditLimit: '1.00',
              currency: 'USD',
              creditLimitToDate: '2030-01-01',
              members: ['C1', id],
            },
          }),
        ),
      ).toEqual(['members.1']);
      expect(
        detailPaths(await t.request('POST', '/api/v1/credit-check', { body: { customerId: id, orderAmount: '1.00' } })),
      ).toEqual(['customerId']);
      // In a path a dot segment is resolved away before routing: never a row, never a 500.
      for (const path of [`${C}/${id}`, `${C}/${id === '.' ? '%2e' : '%2e%2e'}`]) {
        const res = await t.request('PUT', path, { as: 'integration', body: customerBody() });
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
      }
    }
    expect(await lastSeq(t)).toBe(seq);
    for (const id of ['...', '.C', 'C.', 'a..b'])
      ok(await t.request('PUT', `${C}/${id}`, { as: 'integration', body: customerBody() }), 201);
    ok(await t.request('GET', `${C}/...`));
  });

  describe('journal lines and the body limit agree: 50,000 lines go in one body (the batch limit, 32 MB)', () => {
    const line = (i: number) => ({
      customerId: `NOPE-${String(i).padStart(58, '0')}`,
      newCreditLimit: '999999999999.99',
      newExpirationDate: '2199-12-31',
    });
    const lines = (n: number) => Array.from({ length: n }, (_, i) => line(i));

    it('50,000 lines, several MB, are read and answered line by line by :validate, create and add-lines', async () => {
      const body = { type: 'creditLimit', lines: lines(50_000) };
      expect(JSON.stringify(body).length).toBeGreaterThan(5 * 1024 * 1024);
      const validation = ok(
        await t.request('POST', '/api/v1/adjustment-journals:validate', { as: 'credit_clerk', body }),
      );
      expect(validation.valid).toBe(false);
      expect(validation.lines).toHaveLength(50_000);
      expect(validation.lines[49_999].errors[0].path).toBe('lines.49999.customerId');
      const seq = await lastSeq(t);
      expect(
        detailPaths(await t.request('POST', '/api/v1/adjustment-journals', { as: 'credit_clerk', body })),
      ).toHaveLength(50_000);
      const journal = ok(
        await t.request('POST', '/api/v1/adjustment-journals', {
          as: 'credit_clerk',
          body: { type: 'creditLimit', lines: [] },
        }),
        201,
      );
      const seq2 = await lastSeq(t);
      expect(seq2).toBe(seq + 1);
      expect(
        detailPaths(
          await t.request('POST', `/api/v1/adjustment-journals/${journal.id}/lines`, {
            as: 'credit_clerk',
            body: { lines: body.lines },
          }),
        ),
      ).toHaveLength(50_000);
      expect(await lastSeq(t)).toBe(seq2);
    }, 120_000);

    it('50,001 lines are a 400 naming lines; a body over 32 MB is a 413; other routes keep 1 MB', async () => {
      expect(
        expectError(
          await t.request('POST', '/api/v1/adjustment-journals:validate', {
            as: 'credit_clerk',
            body: { type: 'creditLimit', lines: lines(50_001) },
          }),
          400,
          'invalid_request',
        ).map((d) => d.path),
      ).toEqual(['lines']);
      const huge = JSON.stringify({
        type: 'creditLimit',
        lines: lines(50_000),
        description: 'x'.repeat(26 * 1024 * 1024),
      });
      expect(huge.length).toBeGreaterThan(32 * 1024 * 1024);
      expectError(
        await t.request('POST', '/api/v1/adjustment-journals:validate', { as: 'credit_clerk', raw: huge }),
        413,
        'payload_too_large',
      );
      expectError(
        await t.request('POST', '/api/v1/adjustment-journals/J1/submit', {
          as: 'credit_clerk',
          raw: JSON.stringify({ x: 'x'.repeat(1024 * 1024) }),
        }),
        413,
        'payload_too_large',
      );
    }, 60_000);

    it('the OpenAPI document says so', async () => {
      const doc = ok(await t.request('GET', '/api/v1/openapi.json', { token: null }));
      for (const name of ['AdjustmentJournalInput', 'AdjustmentJournalLines']) {
        const schema = doc.components.schemas[name];
        expect(schema.properties.lines.maxItems, name).toBe(50_000);
        expect(schema.properties.lines.description, name).toMatch(/50,000 lines.*32 MB/);
      }
    });
  });
});
