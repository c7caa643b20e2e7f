// SPEC §4 "Auth" and credit.md §6: one role matrix, declared where each route is registered
// (its guard, or every role for a plain GET), published as `x-roles` in the OpenAPI document and
// stated in README.md. This walks it completely: every operation × every role on both dialects.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../server/db/transaction';
import { routeRoles } from '../../server/http/openapi';
import { guard } from '../../server/http/auth';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import {
  operationsOf,
  readmeRoleMatrix,
  roleMatrixTable,
  type OpenApiDocument,
  type Operation,
} from '../support/role-matrix';

/** A path with every parameter filled in: `X1` for ids, `1` for integers. */
function plausiblePath(o: Operation): string {
  return o.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const p = o.op.parameters?.find((q) => q.in === 'path' && q.name === name);
    return p && [p.schema.type].flat().includes('integer') ? '1' : 'X1';
  });
}

/** Sends the operation with an empty JSON object as its body (when it takes one); the status and the error code. */
async function call(
  t: TestApp,
  o: Operation,
  token: string | null,
): Promise<{ status: number; code?: string; text: string }> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (o.op.requestBody) {
    headers['content-type'] = 'application/json';
    body = '{}';
  }
  const res = await t.app.request(plausiblePath(o), { method: o.method, headers, body });
  // The change stream never ends by itself: its status is enough.
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, text: '' };
  }
  const text = await res.text();
  let code: string | undefined;
  try {
    code = JSON.parse(text)?.error?.code;
  } catch {
    // not JSON
  }
  return { status: res.status, code, text: text.slice(0, 300) };
}

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('role matrix: declared where a route is registered', () => {
  it('a route other than a GET without a guard stops the app from starting; a GET without one admits every role', () => {
    const route = (method: 'get' | 'post', middleware?: unknown[]) =>
      ({ method, path: '/api/v1/things/{id}', responses: {}, ...(middleware ? { middleware } : {}) }) as never;
    expect(() => routeRoles(route('post'))).toThrow(/POST \/api\/v1\/things\/\{id\} has no role guard/);
    expect(() => routeRoles(route('post', [async (_c: unknown, next: () => Promise<void>) => next()]))).toThrow(
      /no role guard/,
    );
    expect(() => routeRoles(route('post', [guard(['admin'], 'a'), guard(['admin'], 'b')]))).toThrow(/2 role guards/);
    expect(() => routeRoles(route('post', [guard([], 'nothing')]))).toThrow(/admits no role/);
    expect(routeRoles(route('get'))).toEqual(ROLES);
    expect(routeRoles(route('post', [guard(['credit_manager', 'credit_clerk'], 'edit')]))).toEqual([
      'credit_manager',
      'credit_clerk',
    ]);
    expect(routeRoles(route('get', [guard(['admin'], 'list users')]))).toEqual(['admin']);
  });
});

describe.each(DIALECTS)('role matrix on %s', (dialect) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let ops: Operation[];
  beforeAll(async () => {
    t = await startTestApp(dialect);
    doc = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body as OpenApiDocument;
    ops = operationsOf(doc);
  });
  afterAll(async () => t.close());

  it('every route the app serves under /api/ is an operation of the OpenAPI document, with its roles as x-roles and in its description', () => {
    const served = new Set(
      t.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`),
    );
    // Not an operation: the document itself.
    served.delete('GET /api/v1/openapi.json');
    const documented = new Set(ops.map((o) => `${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(
      [...served].filter((r) => !documented.has(r)),
      'served but not registered through register()/registerHot()',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !served.has(r)),
      'documented but not served',
    ).toEqual([]);
    expect(ops.length).toBeGreaterThan(150);
    for (const o of ops) {
      expect(o.roles.length, `${o.method} ${o.path} has no x-roles`).toBeGreaterThan(0);
      expect(
        ROLES.filter((r) => o.roles.includes(r)),
        `${o.method} ${o.path}: x-roles in ROLES order, known roles only`,
      ).toEqual(o.roles);
      expect(o.op.description ?? '', `${o.method} ${o.path}: /docs shows the roles`).toMatch(
        /Roles: (every role|`[a-z_]+`(, `[a-z_]+`)*)\.$/,
      );
    }
  });

  it('README.md states this matrix (regenerate it with `npx tsx test/support/write-role-matrix.ts`)', () => {
    expect(readmeRoleMatrix(readFileSync(README, 'utf8'))).toBe(roleMatrixTable(ops));
  });

  it('the matrix keeps the writes of credit.md §6 and SPEC §4', () => {
    const roles = (method: string, path: string) =>
      ops.find((o) => o.method === method && o.path === `/api/v1${path}`)?.roles;
    expect(roles('PUT', '/customers/{id}')).toEqual(['admin', 'integration']);
    expect(roles('POST', '/users')).toEqual(['admin']);
    expect(roles('PUT', '/parameters')).toEqual(['admin', 'credit_manager']);
    expect(roles('POST', '/adjustment-journals')).toEqual(['credit_manager', 'credit_clerk']);
    expect(roles('POST', '/adjustment-journals/{id}/approve')).toEqual(['credit_manager']);
    expect(roles('POST', '/adjustment-journals/{id}/post')).toEqual(['credit_manager']);
    expect(roles('POST', '/holds/{id}/release')).toEqual(['credit_manager', 'credit_clerk']);
    expect(roles('POST', '/sales-orders/{id}/force-hold')).toEqual(['credit_manager', 'credit_clerk']);
    expect(roles('POST', '/activities')).toEqual(['credit_manager', 'collections_agent']);
    // Every role may read (SPEC §4), the what-if check included.
    for (const o of ops.filter((o) => o.method === 'GET' && o.path !== '/api/v1/users'))
      expect(o.roles, `${o.method} ${o.path}`).toEqual(ROLES);
    expect(roles('POST', '/credit-check')).toEqual(ROLES);
  });

  it('answers 401 unauthenticated on every operation without a token', async () => {
    const wrong: string[] = [];
    for (const o of ops) {
      const r = await call(t, o, null);
      if (r.status !== 401 || r.code !== 'unauthenticated')
        wrong.push(`${o.method} ${plausiblePath(o)} → ${r.status} ${r.text}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(ROLES)(
    '%s: 403 forbidden on every operation outside the matrix, never 403 or 500 inside it',
    async (role: Role) => {
      const wrong: string[] = [];
      for (const o of ops) {
        const r = await call(t, o, t.tokens[role]);
        const allowed = o.roles.includes(role);
        if (allowed ? r.status === 403 || r.status >= 500 : r.status !== 403 || r.code !== 'forbidden') {
          wrong.push(
            `${o.method} ${plausiblePath(o)} as ${role} (${allowed ? 'allowed' : 'not allowed'}) → ${r.status} ${r.text}`,
          );
        }
      }
      expect(wrong).toEqual([]);
    },
  );
});
