// SPEC §4 "Paging" (limit default 100, max 1000, cursor → nextCursor) and §3 OpenAPI / docs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, detailPaths, expectError } from '../support/conventions';

const C = '/api/v1/customers';
const IDS = Array.from({ length: 250 }, (_, i) => `PG${String(i).padStart(3, '0')}`);

describe.each(DIALECTS)('API conventions: paging, OpenAPI and docs on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    // Fed in shuffled order: the list order must come from the server, not from insertion.
    const shuffled = [...IDS].sort(
      (a, b) => ((a.charCodeAt(4) * 7 + a.charCodeAt(3)) % 11) - ((b.charCodeAt(4) * 7 + b.charCodeAt(3)) % 11),
    );
    const res = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: { items: shuffled.map((id) => ({ id, ...customerBody({ name: `Customer ${id}` }) })) },
    });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(250);
  });
  afterAll(async () => t.close());

  it('limit defaults to 100, allows 1000, refuses 1001 and 0', async () => {
    const def = await t.request('GET', C, { as: 'credit_clerk' });
    expect(def.status).toBe(200);
    expect(def.body.items).toHaveLength(100);
    expect(def.body.items.map((c: { id: string }) => c.id)).toEqual(IDS.slice(0, 100));
    expect(typeof def.body.nextCursor).toBe('string');
    const max = await t.request('GET', `${C}?limit=1000`);
    expect(max.body.items).toHaveLength(250);
    expect(max.body.nextCursor).toBeNull();
    const exact = await t.request('GET', `${C}?limit=250`);
    expect(exact.body.items).toHaveLength(250);
    expect(exact.body.nextCursor).toBeNull();
    for (const bad of ['1001', '0', '-1', 'ten', '2.5']) {
      const res = await t.request('GET', `${C}?limit=${bad}`);
      expectError(res, 400, 'invalid_request');
      expect(detailPaths(res)).toEqual(['query.limit']);
    }
    expectError(await t.request('GET', '/api/v1/audit?limit=1001'), 400, 'invalid_request');
    expect((await t.request('GET', '/api/v1/audit?limit=1000')).status).toBe(200);
  });

  it('walking 250 customers with limit=100 yields every id exactly once, in order', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await t.request('GET', `${C}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        as: 'collections_agent',
      });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((c: { id: string; version: number }) => c.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(IDS);
    expect(new Set(seen).size).toBe(250);
  });

  it('a row added behind the cursor is not skipped nor repeated', async () => {
    const p1 = await t.request('GET', `${C}?limit=100`);
    // A new id that sorts into the second page, and one that sorts before the cursor.
    expect((await t.request('PUT', `${C}/PG150a`, { as: 'integration', body: customerBody() })).status).toBe(201);
    expect((await t.request('PUT', `${C}/PF000`, { as: 'integration', body: customerBody() })).status).toBe(201);
    const rest: string[] = [];
    let cursor: string | null = p1.body.nextCursor;
    while (cursor) {
      const res = await t.request('GET', `${C}?limit=100&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
    }
    const seen = [...p1.body.items.map((c: { id: string }) => c.id), ...rest];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('PG150a');
    expect(seen).not.toContain('PF000');
    expect(seen).toHaveLength(251);
  });

  it('a forged cursor is a 400', async () => {
    const forged = [
      'garbage!!',
      'abc',
      Buffer.from('not json').toString('base64url'),
      Buffer.from(JSON.stringify({ k: 42 })).toString('base64url'),
      Buffer.from(JSON.stringify({ x: 'PG100' })).toString('base64url'),
      Buffer.from('[]').toString('base64url'),
      'c'.repeat(201),
    ];
    for (const cursor of forged) {
      const res = await t.request('GET', `${C}?cursor=${encodeURIComponent(cursor)}`);
      expectError(res, 400, 'invalid_request');
      expect(detailPaths(res)).toEqual([cursor.length > 200 ? 'query.cursor' : 'cursor']);
      const audit = await t.request('GET', `/api/v1/audit?cursor=${encodeURIComponent(cursor)}`);
      expectError(audit, 400, 'invalid_request');
    }
    // An audit cursor must name an audit row id; a decodable but foreign one is refused too.
    for (const k of ['PG100', '1e999', '-1', '']) {
      const res = await t.request(
        'GET',
        `/api/v1/audit?cursor=${Buffer.from(JSON.stringify({ k })).toString('base64url')}`,
      );
      expectError(res, 400, 'invalid_request');
    }
  });

  it('the audit pages with cursor → nextCursor too', async () => {
    const all = await allAudit(t);
    expect(all.length).toBeGreaterThan(250);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.request(
        'GET',
        `/api/v1/audit?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(100);
      seen.push(...res.body.items.map((a: { id: string }) => a.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.length / 100));
    expect(seen).toEqual(all.map((a) => a.id));
    expect(new Set(seen).size).toBe(seen.length);
    const numeric = seen.map(Number);
    expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
  });

  it('GET /api/v1/openapi.json is an OpenAPI 3.1.0 document with the API paths and a bearer scheme', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    const doc = res.body;
    expect(typeof doc).toBe('object');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    for (const path of [
      '/api/v1/customers/{id}',
      '/api/v1/customers:batch',
      '/api/v1/customers',
      '/api/v1/changes',
      '/api/v1/audit',
      '/api/v1/users',
      '/api/v1/users/{id}/tokens',
      '/api/v1/me',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(Object.keys(doc.paths['/api/v1/customers/{id}']).sort()).toEqual(expect.arrayContaining(['get', 'put']));
    expect(doc.paths['/api/v1/customers/{id}'].put.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
    expect(Object.keys(doc.paths['/api/v1/customers:batch'])).toContain('post');
    expect(doc.paths['/api/v1/users/{id}/tokens']).toHaveProperty('delete');
    const schemes = doc.components?.securitySchemes ?? {};
    const bearer = Object.entries(schemes).filter(
      ([, s]) =>
        (s as { type: string; scheme?: string }).type === 'http' &&
        (s as { scheme?: string }).scheme?.toLowerCase() === 'bearer',
    );
    expect(bearer).toHaveLength(1);
    expect(doc.security).toEqual([{ [bearer[0]![0]]: [] }]);
    // The documented error answers share one shape.
    const put = doc.paths['/api/v1/customers/{id}'].put;
    for (const status of ['400', '401', '403', '409', '412', '428'])
      expect(Object.keys(put.responses)).toContain(status);
    expect(doc.components.schemas.Error.properties.error).toBeDefined();
  });

  it('/docs is HTML referencing only same-origin assets, each of which answers 200 without a token', async () => {
    const res = await t.request('GET', '/docs', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toMatch(/^text\/html/);
    const html = res.body as string;
    expect(typeof html).toBe('string');
    expect(html).toMatch(/<html/i);
    // No absolute URL at all, so nothing from another host (and no CDN).
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+/i);
    // Swagger UI's default "validator badge" would load an image from validator.swagger.io.
    expect(html).toMatch(/validatorUrl\s*:\s*null/);
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
    const urls = [...html.matchAll(/\burl\s*:\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    expect(urls).toEqual(['/api/v1/openapi.json']);
    for (const ref of [...refs, ...urls]) {
      expect(ref, ref).toMatch(/^\/[^/]/);
      const asset = await t.request('GET', ref, { token: null });
      expect(asset.status, ref).toBe(200);
      expect(
        typeof asset.body === 'string' ? asset.body.length : JSON.stringify(asset.body).length,
        ref,
      ).toBeGreaterThan(1000);
    }
    expect(refs.some((r) => r.endsWith('.css'))).toBe(true);
    expect(refs.some((r) => r.endsWith('.js'))).toBe(true);
    // Only the listed assets are served from the package folder.
    expect((await t.request('GET', '/docs/assets/package.json', { token: null })).status).toBe(404);
    expect((await t.request('GET', '/docs/assets/..%2F..%2Fpackage.json', { token: null })).status).toBe(404);
  });
});
