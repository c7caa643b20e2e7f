// SPEC §4 "Auth": random tokens of ≥128 bits, stored only as hashes, shown once, revocable at
// once; every role may read; public paths need no token. Plus CORS and request ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../server/db/transaction';
import { customerBody, DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import { allAudit, allChanges, expectError } from '../support/conventions';

const C = '/api/v1/customers';
const TOKEN = /^cd_[A-Za-z0-9_-]{43}$/;

/** Every text value in every table, to look for a secret in. */
async function everyStoredValue(t: TestApp): Promise<string> {
  const tables = [
    'users',
    'api_tokens',
    'change_counter',
    'changes',
    'audit_log',
    'idempotency_keys',
    'customers',
  ] as const;
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await t.handle.db.selectFrom(table).selectAll().execute();
    parts.push(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
  return parts.join('\n');
}

describe.each(DIALECTS)('API conventions: auth on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    expect((await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody() })).status).toBe(201);
  });
  afterAll(async () => t.close());

  it('POST /api/v1/users answers {id, token}; the token is random, ≥128 bits, and works at once', async () => {
    const a = await t.request('POST', '/api/v1/users', { body: { name: 'Alice Analyst', role: 'credit_clerk' } });
    const b = await t.request('POST', '/api/v1/users', { body: { name: 'Bob Analyst', role: 'credit_clerk' } });
    for (const res of [a, b]) {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ role: 'credit_clerk', version: 1 });
      expect(typeof res.body.id).toBe('string');
      expect(res.body.token).toMatch(TOKEN);
      // 43 base64url characters carry 256 bits; at least 16 bytes (128 bits) are required.
      const raw = Buffer.from((res.body.token as string).slice(3), 'base64url');
      expect(raw.length).toBeGreaterThanOrEqual(16);
      expect(new Set(raw).size).toBeGreaterThan(8);
    }
    expect(a.body.token).not.toBe(b.body.token);
    expect(a.body.id).not.toBe(b.body.id);
    const me = await t.request('GET', '/api/v1/me', { token: a.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: a.body.id, name: 'Alice Analyst', role: 'credit_clerk' });
    expect(me.body.token).toBeUndefined();
    // A further token is random too, and different from the first.
    const more = await t.request('POST', `/api/v1/users/${a.body.id}/tokens`);
    expect(more.status).toBe(201);
    expect(more.body).toEqual({ userId: a.body.id, token: expect.stringMatching(TOKEN) });
    expect(more.body.token).not.toBe(a.body.token);
    expect((await t.request('GET', '/api/v1/me', { token: more.body.token })).body.id).toBe(a.body.id);
  });

  it('stores tokens only as hashes: the plain token is nowhere in the database', async () => {
    const created = await t.request('POST', '/api/v1/users', { body: { name: 'Hash Check', role: 'integration' } });
    expect(created.status).toBe(201);
    const keyed = await t.request('POST', '/api/v1/users', {
      body: { name: 'Keyed Hash Check', role: 'integration' },
      headers: { 'Idempotency-Key': 'hash-check-1' },
    });
    expect(keyed.status).toBe(201);
    const further = await t.request('POST', `/api/v1/users/${created.body.id}/tokens`, {
      headers: { 'Idempotency-Key': 'hash-check-2' },
    });
    expect(further.status).toBe(201);
    const plain = [created.body.token, keyed.body.token, further.body.token, ...Object.values(t.tokens)] as string[];

    const rows = await t.handle.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', 'in', [created.body.id, keyed.body.id])
      .orderBy('created_at')
      .execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(plain).not.toContain(row.token_hash);
    }
    const stored = await everyStoredValue(t);
    for (const token of plain) {
      expect(stored).not.toContain(token);
      // Not even the random part without its prefix.
      expect(stored).not.toContain(token.slice(3));
    }
  });

  it('shows a token once: no later read returns it', async () => {
    const created = await t.request('POST', '/api/v1/users', {
      body: { name: 'Shown Once', role: 'collections_agent' },
    });
    const token = created.body.token as string;
    const list = await t.request('GET', '/api/v1/users');
    expect(list.status).toBe(200);
    const mine = list.body.items.find((u: { id: string }) => u.id === created.body.id);
    expect(mine).toEqual({
      id: created.body.id,
      name: 'Shown Once',
      role: 'collections_agent',
      createdAt: created.body.createdAt,
      version: 1,
    });
    for (const u of list.body.items)
      expect(Object.keys(u).sort()).toEqual(['createdAt', 'id', 'name', 'role', 'version']);
    const reads: TestResponse[] = [
      list,
      await t.request('GET', '/api/v1/me', { token }),
      await t.request('GET', `/api/v1/audit?entity=user&id=${created.body.id}`),
      await t.request('GET', '/api/v1/changes?limit=1000'),
    ];
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(token);
      expect(JSON.stringify(r.body)).not.toContain(token.slice(3));
    }
    const audit = reads[2]!.body.items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['user.create']);
    expect(audit[0].after).toEqual({
      id: created.body.id,
      name: 'Shown Once',
      role: 'collections_agent',
      createdAt: created.body.createdAt,
      version: 1,
    });
  });

  it('revokes every token of a user immediately, and audits it; a new token can be issued afterwards', async () => {
    const created = await t.request('POST', '/api/v1/users', { body: { name: 'Revoked Rita', role: 'integration' } });
    const first = created.body.token as string;
    const second = (await t.request('POST', `/api/v1/users/${created.body.id}/tokens`)).body.token as string;
    expect((await t.request('PUT', `${C}/R1`, { token: first, body: customerBody() })).status).toBe(201);
    expect((await t.request('GET', '/api/v1/me', { token: second })).status).toBe(200);

    const revoke = await t.request('DELETE', `/api/v1/users/${created.body.id}/tokens`);
    expect(revoke.status).toBe(200);
    expect(revoke.body).toEqual({ userId: created.body.id, revoked: 2 });
    for (const token of [first, second]) {
      expectError(await t.request('GET', '/api/v1/me', { token }), 401, 'unauthenticated');
      expectError(await t.request('GET', `${C}/R1`, { token }), 401, 'unauthenticated');
      expectError(await t.request('PUT', `${C}/R2`, { token, body: customerBody() }), 401, 'unauthenticated');
    }
    expectError(await t.request('GET', `${C}/R2`), 404, 'not_found');
    // Revoking again revokes nothing more.
    expect((await t.request('DELETE', `/api/v1/users/${created.body.id}/tokens`)).body).toEqual({
      userId: created.body.id,
      revoked: 0,
    });
    // Other users are untouched.
    expect((await t.request('GET', '/api/v1/me', { as: 'integration' })).status).toBe(200);

    const audit = await allAudit(t, `&entity=user&id=${created.body.id}`);
    expect(audit.map((a) => a.action)).toEqual([
      'user.create',
      'user.token.create',
      'user.tokens.revoke',
      'user.tokens.revoke',
    ]);
    expect(audit[2].after).toEqual({ revoked: 2 });
    expect(audit[2].userId).toBe(t.userIds.admin);

    const fresh = await t.request('POST', `/api/v1/users/${created.body.id}/tokens`);
    expect(fresh.status).toBe(201);
    expect((await t.request('GET', '/api/v1/me', { token: fresh.body.token })).body.id).toBe(created.body.id);
    expectError(await t.request('GET', '/api/v1/me', { token: first }), 401, 'unauthenticated');
  });

  it('every role may read customers, the change log and the audit', async () => {
    for (const role of [...ROLES, 'credit_manager_2' as const]) {
      const list = await t.request('GET', C, { as: role });
      expect(list.status, role).toBe(200);
      expect(list.body.items.map((c: { id: string }) => c.id)).toContain('C1');
      const one = await t.request('GET', `${C}/C1`, { as: role });
      expect(one.status, role).toBe(200);
      expect(one.body).toMatchObject({ id: 'C1', version: 1, credit: { exposure: { balance: '0.00' } } });
      const changes = await t.request('GET', '/api/v1/changes', { as: role });
      expect(changes.status, role).toBe(200);
      expect(
        changes.body.changes.some((c: { entity: string; id: string }) => c.entity === 'customer' && c.id === 'C1'),
      ).toBe(true);
      const audit = await t.request('GET', '/api/v1/audit?entity=customer&id=C1', { as: role });
      expect(audit.status, role).toBe(200);
      expect(audit.body.items).toHaveLength(1);
      const me = await t.request('GET', '/api/v1/me', { as: role });
      expect(me.status, role).toBe(200);
      expect(me.body.id).toBe(t.userIds[role]);
    }
  });

  it('public paths need no token (and ignore a bad one); everything else does', async () => {
    const publicPaths: [string, RegExp][] = [
      ['/healthz', /application\/json/],
      ['/docs', /text\/html/],
      ['/docs/assets/swagger-ui.css', /text\/css/],
      ['/api/v1/openapi.json', /application\/json/],
      ['/addin/taskpane.html', /text\/html/],
    ];
    for (const [path, type] of publicPaths) {
      for (const token of [null, 'cd_not-a-real-token-at-all-000000000000000']) {
        const res = await t.request('GET', path, { token });
        expect(res.status, `${path} with ${token}`).toBe(200);
        expect(res.headers.get('content-type') ?? '').toMatch(type);
      }
    }
    expect((await t.request('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    for (const path of [
      C,
      `${C}/C1`,
      '/api/v1/changes',
      '/api/v1/audit',
      '/api/v1/me',
      '/api/v1/users',
      '/api/v1/openapi.json.bak',
      '/api/v1/openapi',
    ]) {
      expectError(await t.request('GET', path, { token: null }), 401, 'unauthenticated');
    }
  });
});

describe.each(DIALECTS)('API conventions: CORS and request ids on %s', (dialect) => {
  let t: TestApp;
  let plain: TestApp;
  const ALLOWED = 'https://excel.example';
  const FOREIGN = 'https://evil.example';

  beforeAll(async () => {
    [t, plain] = await Promise.all([startTestApp(dialect, { allowedOrigins: [ALLOWED] }), startTestApp(dialect)]);
    expect((await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody() })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await plain.close();
  });

  it('an allowed origin gets Access-Control-Allow-Origin and the exposed headers, also on errors', async () => {
    const ok = await t.request('GET', `${C}/C1`, { headers: { Origin: ALLOWED } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('vary') ?? '').toMatch(/Origin/i);
    const exposed = (ok.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'x-request-id', 'idempotent-replayed']));
    // A browser must be able to read the error body too.
    const unauth = await t.request('GET', `${C}/C1`, { token: null, headers: { Origin: ALLOWED } });
    expectError(unauth, 401, 'unauthenticated');
    expect(unauth.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const missing = await t.request('GET', `${C}/NOPE`, { headers: { Origin: ALLOWED } });
    expectError(missing, 404, 'not_found');
    expect(missing.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('a foreign origin gets no Access-Control-Allow-Origin; the default config allows only the server itself', async () => {
    for (const origin of [FOREIGN, 'https://excel.example.evil.com', 'http://excel.example', 'null']) {
      const res = await t.request('GET', `${C}/C1`, { headers: { Origin: origin } });
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    expect(
      (await plain.request('GET', '/healthz', { headers: { Origin: ALLOWED } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
    expect(
      (await plain.request('GET', '/healthz', { headers: { Origin: 'http://localhost:3000' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBe('http://localhost:3000');
    expect(
      (await t.request('GET', '/healthz', { headers: { Origin: 'http://localhost:3000' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it('a preflight OPTIONS works without a token, and names the methods and headers the API needs', async () => {
    const pre = await t.request('OPTIONS', `${C}/C1`, {
      token: null,
      headers: {
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization, content-type, if-match, idempotency-key',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const methods = (pre.headers.get('access-control-allow-methods') ?? '').toUpperCase().split(/\s*,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    const headers = (pre.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(headers).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key']));
    expect(pre.headers.get('x-request-id')).toBeTruthy();

    const batch = await t.request('OPTIONS', `${C}:batch`, {
      token: null,
      headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST' },
    });
    expect(batch.status).toBe(204);
    expect(batch.headers.get('access-control-allow-origin')).toBe(ALLOWED);

    const foreign = await t.request('OPTIONS', `${C}/C1`, {
      token: null,
      headers: { Origin: FOREIGN, 'Access-Control-Request-Method': 'PUT' },
    });
    expect(foreign.status).toBeLessThan(500);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    // The preflight changed nothing.
    expect((await t.request('GET', `${C}/C1`)).body.version).toBe(1);
  });

  it('every response carries a distinct X-Request-Id', async () => {
    const big = JSON.stringify(customerBody({ notes: 'x'.repeat(1024 * 1024 + 1) }));
    const responses: [string, TestResponse][] = [
      ['200 GET', await t.request('GET', `${C}/C1`)],
      ['201 PUT', await t.request('PUT', `${C}/RID1`, { as: 'integration', body: customerBody() })],
      [
        '200 batch',
        await t.request('POST', `${C}:batch`, {
          as: 'integration',
          body: { items: [{ id: 'RID2', ...customerBody() }] },
        }),
      ],
      ['400', await t.request('PUT', `${C}/bad%20id`, { as: 'integration', body: customerBody() })],
      ['401', await t.request('GET', C, { token: null })],
      ['403', await t.request('POST', '/api/v1/users', { as: 'credit_clerk', body: { name: 'x', role: 'admin' } })],
      ['404 row', await t.request('GET', `${C}/NOPE`)],
      ['404 route', await t.request('GET', '/api/v1/nowhere')],
      [
        '409',
        await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody(), headers: { 'If-Match': '"9"' } }),
      ],
      [
        '412',
        await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody(), headers: { 'If-Match': 'abc' } }),
      ],
      ['413', await t.request('PUT', `${C}/C1`, { as: 'integration', raw: big, headers: { 'If-Match': '"1"' } })],
      ['422', await t.request('POST', `${C}:batch`, { as: 'integration', body: { items: [{ id: 'X' }] } })],
      ['428', await t.request('PUT', `${C}/C1`, { as: 'integration', body: customerBody() })],
      ['healthz', await t.request('GET', '/healthz', { token: null })],
      ['docs', await t.request('GET', '/docs', { token: null })],
      ['openapi', await t.request('GET', '/api/v1/openapi.json', { token: null })],
      ['static', await t.request('GET', '/addin/taskpane.html', { token: null })],
      [
        'preflight',
        await t.request('OPTIONS', C, {
          token: null,
          headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'GET' },
        }),
      ],
    ];
    const ids = new Set<string>();
    for (const [name, res] of responses) {
      const id = res.headers.get('x-request-id');
      expect(id, name).toMatch(/^[\w\-=]{8,255}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(responses.length);
    expect(responses.map(([n, r]) => `${n}:${r.status}`)).toEqual([
      '200 GET:200',
      '201 PUT:201',
      '200 batch:200',
      '400:400',
      '401:401',
      '403:403',
      '404 row:404',
      '404 route:404',
      '409:409',
      '412:412',
      '413:413',
      '422:422',
      '428:428',
      'healthz:200',
      'docs:200',
      'openapi:200',
      'static:200',
      'preflight:204',
    ]);
  });

  it('audit rows carry the request id of the request that wrote them', async () => {
    const put = await t.request('PUT', `${C}/RQ1`, { as: 'integration', body: customerBody() });
    expect(put.status).toBe(201);
    const upd = await t.request('PUT', `${C}/RQ1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '1.00' }),
      headers: { 'If-Match': '"1"' },
    });
    expect(upd.status).toBe(200);
    const batch = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: {
        items: [
          { id: 'RQ2', ...customerBody() },
          { id: 'RQ3', ...customerBody() },
        ],
      },
    });
    const user = await t.request('POST', '/api/v1/users', { body: { name: 'Req Id', role: 'credit_clerk' } });
    const revoke = await t.request('DELETE', `/api/v1/users/${user.body.id}/tokens`);

    const rid = (r: TestResponse) => r.headers.get('x-request-id');
    expect((await allAudit(t, '&entity=customer&id=RQ1')).map((a) => [a.action, a.requestId, a.userId])).toEqual([
      ['customer.create', rid(put), t.userIds.integration],
      ['customer.update', rid(upd), t.userIds.integration],
    ]);
    for (const id of ['RQ2', 'RQ3']) {
      expect((await allAudit(t, `&entity=customer&id=${id}`)).map((a) => a.requestId)).toEqual([rid(batch)]);
    }
    expect((await allAudit(t, `&entity=user&id=${user.body.id}`)).map((a) => [a.action, a.requestId])).toEqual([
      ['user.create', rid(user)],
      ['user.tokens.revoke', rid(revoke)],
    ]);
    expect(new Set([rid(put), rid(upd), rid(batch), rid(user), rid(revoke)]).size).toBe(5);
    // The change log saw the same writes.
    const changes = (await allChanges(t)).filter((c) => ['RQ1', 'RQ2', 'RQ3'].includes(c.id));
    expect(changes.map((c) => [c.id, c.op, c.version])).toEqual([
      ['RQ1', 'create', 1],
      ['RQ1', 'update', 2],
      ['RQ2', 'create', 1],
      ['RQ3', 'create', 1],
    ]);
  });
});
