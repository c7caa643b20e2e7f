import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createApp } from '../../server/app';
import { dropPostgresSchema, openDatabase, type DbHandle } from '../../server/db/connection';
import { ROLES, runInTransaction, SYSTEM, type Role } from '../../server/db/transaction';
import { createUser } from '../../server/users/users.service';
import { responseChecker, type ResponseChecker } from './response-schemas';
import type { Clock } from '../../server/clock';

/** The suite's PostgreSQL: TEST_DATABASE_URL, set by the global setup (test/support/postgres-setup.ts) when the caller did not. */
export const PG_URL = process.env.TEST_DATABASE_URL!;
if (!PG_URL)
  throw new Error('TEST_DATABASE_URL is not set: run the tests through vitest (its global setup starts PostgreSQL)');
export type TestDialect = 'sqlite' | 'postgres';
/** Every API test runs on both dialects. */
export const DIALECTS: TestDialect[] = ['sqlite', 'postgres'];

export interface TestApp {
  dialect: TestDialect;
  /** The PostgreSQL schema of this app's database (undefined on SQLite). */
  schema?: string;
  handle: DbHandle;
  app: ReturnType<typeof createApp>;
  /** One token per role, plus a second credit manager for four-eyes tests. */
  tokens: Record<Role | 'credit_manager_2', string>;
  userIds: Record<Role | 'credit_manager_2', string>;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string | null;
  /** Role whose token to send (default admin); ignored when `token` is given. */
  as?: Role | 'credit_manager_2';
  body?: unknown;
  /** A raw body string sent as-is (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** Skip the check of a 2xx JSON answer against its documented response schema (see {@link documentedAnswers}). */
  unchecked?: boolean;
}

/** Thrown by `t.request` when a 2xx JSON answer differs from its OpenAPI response schema. */
export class ResponseSchemaMismatch extends Error {
  override name = 'ResponseSchemaMismatch';
}

let checker: Promise<ResponseChecker> | undefined;
/**
 * The checker of every 2xx JSON answer against the response schema the OpenAPI document gives
 * its method, path and status (test/support/response-schemas.ts): read once per test process
 * from the first app's /api/v1/openapi.json (every app serves the same document).
 */
export function documentedAnswers(app: {
  request(path: string): Response | Promise<Response>;
}): Promise<ResponseChecker> {
  checker ??= (async () => responseChecker(await (await app.request('/api/v1/openapi.json')).json()))();
  return checker;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Headers and body of a test request: the role's token (or `token`), JSON unless `raw`. */
export function requestInit(
  o: RequestOptions,
  tokenOf: (as: Role | 'credit_manager_2') => string | undefined,
): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const token = o.token === undefined ? tokenOf(o.as ?? 'admin') : o.token;
  if (token === undefined) throw new Error(`no token for ${o.as ?? 'admin'}`);
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return body === undefined ? { headers } : { headers, body };
}

/** An answer as the tests read it: the body parsed as JSON when it is JSON, else its text. */
export async function readTestResponse(res: Response): Promise<TestResponse> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A fresh app on a fresh database: a temp SQLite file, or a new PostgreSQL schema. */
export async function startTestApp(
  dialect: TestDialect,
  options: { allowedOrigins?: string[]; streamHeartbeatMs?: number; clock?: Clock; officeJsUrl?: string } = {},
): Promise<TestApp> {
  let dir: string | undefined;
  let schema: string | undefined;
  let handle: DbHandle;
  if (dialect === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'creditdesk-test-'));
    handle = await openDatabase({ url: join(dir, 'test.sqlite'), clock: options.clock });
  } else {
    schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    handle = await openDatabase({ url: PG_URL, schema, clock: options.clock });
  }
  const app = createApp({
    handle,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    config: {
      allowedOrigins: options.allowedOrigins ?? ['http://localhost:3000'],
      jsonBodyLimit: 1024 * 1024,
      streamHeartbeatMs: options.streamHeartbeatMs,
      officeJsUrl: options.officeJsUrl,
    },
  });
  const tokens = {} as TestApp['tokens'];
  const userIds = {} as TestApp['userIds'];
  await runInTransaction(handle, SYSTEM, async (tx) => {
    for (const role of [...ROLES, 'credit_manager_2' as const]) {
      const { user, token } = await createUser(tx, {
        name: `Test ${role}`,
        role: role === 'credit_manager_2' ? 'credit_manager' : role,
      });
      tokens[role] = token;
      userIds[role] = user.id;
    }
  });

  async function request(method: string, path: string, o: RequestOptions = {}): Promise<TestResponse> {
    const res = await readTestResponse(await app.request(path, { method, ...requestInit(o, (as) => tokens[as]) }));
    if (o.unchecked !== true) {
      const mismatch = (await documentedAnswers(app)).check(
        method,
        path,
        res.status,
        res.headers.get('content-type'),
        res.body,
      );
      if (mismatch !== null) throw new ResponseSchemaMismatch(mismatch);
    }
    return res;
  }

  return {
    dialect,
    schema,
    handle,
    app,
    tokens,
    userIds,
    request,
    close: async () => {
      await handle.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (schema) await dropPostgresSchema(PG_URL, schema);
    },
  };
}

/** A minimal valid customer body. */
export const customerBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'Contoso Ltd',
  currency: 'USD',
  creditLimit: '10000.00',
  ...overrides,
});

/** Sets exchange rates through the API as the integration role: `{ EUR: '1.10' }` from `date` on (default: long before any test date). */
export async function putExchangeRates(t: TestApp, rates: Record<string, string>, date = '2000-01-01'): Promise<void> {
  for (const [currency, rate] of Object.entries(rates)) {
    const res = await t.request('PUT', `/api/v1/exchange-rates/${currency}/${date}`, {
      as: 'integration',
      body: { rate },
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT rate ${currency}: ${JSON.stringify(res.body)}`);
  }
}
