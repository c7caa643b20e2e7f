// Helpers for the credit-setup API tests (test/api/credit-setup-*.test.ts).
import { expect } from 'vitest';
import type { TestApp, TestResponse } from './app';
import { allAudit, allChanges, allCustomers } from './conventions';

export const SETUP_PATHS = [
  'payment-terms',
  'cash-discounts',
  'credit-management-groups',
  'account-statuses',
  'reason-codes',
] as const;

/** Roles that may change setup, and roles that may not (SPEC §4 "setup needs credit_manager or admin"). */
export const SETUP_WRITERS = ['credit_manager', 'admin'] as const;
export const NOT_SETUP_WRITERS = ['credit_clerk', 'collections_agent', 'integration'] as const;
export const EVERY_ROLE = ['admin', 'credit_manager', 'credit_clerk', 'collections_agent', 'integration'] as const;

export const ifMatch = (version: number | string) => ({ 'If-Match': `"${version}"` });

/** Asserts a status, showing the body when it differs. */
export function expectStatus(res: TestResponse, status: number): void {
  expect(res.status, `${status} expected, got ${res.status}: ${JSON.stringify(res.body)}`).toBe(status);
}

/** Asserts an error status/code and returns the detail paths. */
export function errorPaths(res: TestResponse, status: number, code: string): string[] {
  expectStatus(res, status);
  expect(res.body?.error?.code).toBe(code);
  expect(Array.isArray(res.body.error.details)).toBe(true);
  return (res.body.error.details as { path: string }[]).map((d) => d.path);
}

/** Every item of a list endpoint that pages with `cursor`. */
export async function listAll(t: TestApp, path: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await t.request(
      'GET',
      `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { as: 'credit_clerk' },
    );
    expectStatus(res, 200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor ?? null;
  } while (cursor);
  return out;
}

/**
 * Everything a refused credit-setup write could have touched, read back through the API:
 * every setup kind, rules, credit groups, parameters, checkpoints, customers, change log, audit.
 */
export async function creditSetupState(t: TestApp) {
  const setup: Record<string, unknown[]> = {};
  for (const p of SETUP_PATHS) setup[p] = await listAll(t, `/api/v1/${p}`);
  const params = await t.request('GET', '/api/v1/parameters');
  const checkpoints = await t.request('GET', '/api/v1/checkpoints');
  expectStatus(params, 200);
  expectStatus(checkpoints, 200);
  return {
    setup,
    rules: await listAll(t, '/api/v1/blocking-rules'),
    creditGroups: await listAll(t, '/api/v1/credit-groups'),
    parameters: params.body,
    checkpoints: checkpoints.body,
    customers: await allCustomers(t),
    changes: await allChanges(t),
    audit: await allAudit(t),
  };
}

export type CreditSetupState = Awaited<ReturnType<typeof creditSetupState>>;

/** Asserts that nothing readable changed since `before`. */
export async function expectNothingChanged(t: TestApp, before: CreditSetupState): Promise<void> {
  const after = await creditSetupState(t);
  expect(after.changes).toEqual(before.changes);
  expect(after.audit).toEqual(before.audit);
  expect(after.setup).toEqual(before.setup);
  expect(after.rules).toEqual(before.rules);
  expect(after.creditGroups).toEqual(before.creditGroups);
  expect(after.parameters).toEqual(before.parameters);
  expect(after.checkpoints).toEqual(before.checkpoints);
  expect(after.customers).toEqual(before.customers);
}
