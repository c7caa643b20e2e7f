// Helpers for the API-convention tests (test/api/conventions-*.test.ts).
import { expect } from 'vitest';
import type { TestApp, TestResponse } from './app';

export interface Detail {
  path: string;
  message: string;
}

/** Anything that looks like a stack frame or a source location leaking into a body. */
const STACK_TRACE = /\n\s+at\s|\bat\s+\S+\s+\(|\bat\s+(?:file|node):|\.[cm]?[jt]s:\d+:\d+|node_modules|\/work\//;

/** Asserts a body carries no stack trace or source location. */
export function expectNoStackTrace(res: TestResponse): void {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  expect(text).not.toMatch(STACK_TRACE);
}

/**
 * Asserts the one error shape of SPEC §4: `{error:{code,message,details:[{path,message}]}}`,
 * with exactly these members (plus the `extra` top-level members a code allows, e.g. `current`).
 * Returns the details.
 */
export function expectError(res: TestResponse, status: number, code: string, extra: string[] = []): Detail[] {
  expect(res.status, `status of ${JSON.stringify(res.body)}`).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = res.body as Record<string, any>;
  expect(body).not.toBeNull();
  expect(typeof body).toBe('object');
  expect(Object.keys(body).sort()).toEqual(['error', ...extra].sort());
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details)).toBe(true);
  for (const d of body.error.details as unknown[]) {
    expect(Object.keys(d as object).sort()).toEqual(['message', 'path']);
    expect(typeof (d as Detail).path).toBe('string');
    expect(typeof (d as Detail).message).toBe('string');
    expect((d as Detail).message.length).toBeGreaterThan(0);
  }
  expectNoStackTrace(res);
  return body.error.details as Detail[];
}

/** The paths named by an error's details. */
export const detailPaths = (res: TestResponse): string[] => (res.body?.error?.details ?? []).map((d: Detail) => d.path);

export interface Change {
  seq: number;
  entity: string;
  id: string;
  op: string;
  version: number;
}

/** The whole change log, walked with `since`/`nextSince`. */
export async function allChanges(t: TestApp, since = 0): Promise<Change[]> {
  const out: Change[] = [];
  for (let cursor = since; ;) {
    const res = await t.request('GET', `/api/v1/changes?since=${cursor}&limit=1000`, { as: 'credit_clerk' });
    expect(res.status).toBe(200);
    const changes = res.body.changes as Change[];
    if (changes.length === 0) return out;
    out.push(...changes);
    cursor = res.body.nextSince as number;
  }
}

/** The last sequence of the change log (0 when empty). */
export async function lastSeq(t: TestApp): Promise<number> {
  const all = await allChanges(t);
  return all.length ? all[all.length - 1]!.seq : 0;
}

/** Every item of a paged list, walked with `cursor`/`nextCursor` (`path` already has its query). */
async function allPages(t: TestApp, path: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request('GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      as: 'credit_clerk',
    });
    expect(res.status).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** Every audit row. */
export const allAudit = (t: TestApp, filter = ''): Promise<any[]> => allPages(t, `/api/v1/audit?limit=1000${filter}`);

/** Every customer. */
export const allCustomers = (t: TestApp, query = ''): Promise<any[]> =>
  allPages(t, `/api/v1/customers?limit=1000${query}`);

/**
 * Everything a refused write could have touched, read back through the API (customers, change
 * log, audit) and, for what the API does not show, straight from the tables.
 */
export async function snapshot(t: TestApp) {
  const db = t.handle.db;
  const count = async (table: 'users' | 'api_tokens' | 'idempotency_keys' | 'customers' | 'changes' | 'audit_log') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const users = await t.request('GET', '/api/v1/users');
  expect(users.status).toBe(200);
  return {
    customers: await allCustomers(t),
    changes: await allChanges(t),
    audit: await allAudit(t),
    users: users.body.items,
    tokens: await db
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'token_hash', 'revoked_at'])
      .orderBy('id')
      .execute(),
    counts: {
      users: await count('users'),
      apiTokens: await count('api_tokens'),
      idempotencyKeys: await count('idempotency_keys'),
      customers: await count('customers'),
      changes: await count('changes'),
      audit: await count('audit_log'),
    },
    counter: String(
      (await db.selectFrom('change_counter').select('seq').where('id', '=', 1).executeTakeFirstOrThrow()).seq,
    ),
  };
}

export type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** Asserts nothing changed since `before` (rows, change log, audit, users, tokens, keys, counter). */
export async function expectUnchanged(t: TestApp, before: Snapshot): Promise<void> {
  const after = await snapshot(t);
  expect(after.counts).toEqual(before.counts);
  expect(after.counter).toBe(before.counter);
  expect(after.changes).toEqual(before.changes);
  expect(after.audit).toEqual(before.audit);
  expect(after.customers).toEqual(before.customers);
  expect(after.users).toEqual(before.users);
  expect(after.tokens).toEqual(before.tokens);
}

/** A customer as GET returns it, without the computed `credit` summary (the shape PUT returns). */
export function withoutCredit(c: Record<string, unknown>): Record<string, unknown> {
  const { credit: _credit, ...rest } = c;
  return rest;
}
