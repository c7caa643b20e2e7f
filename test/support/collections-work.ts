// Helpers for the collections work API tests (test/api/collections-activities|cases|status.test.ts):
// arrangement through the public API, and read-backs of everything those requests could change.
import { expect } from 'vitest';
import type { TestApp } from './app';
import { allAudit, allChanges } from './conventions';
import { ok, postTransactions, putCustomer } from './credit';
import { listAll } from './credit-setup';

/** Roles that may write activities, cases and collection statuses (SPEC §4), and the rest. */
export const COLLECTIONS_WRITERS = ['collections_agent', 'credit_manager'] as const;
export const NOT_COLLECTIONS_WRITERS = ['admin', 'credit_clerk', 'integration'] as const;

/** A customer with open invoices `<id>-INV1..n` of 1,000.00 each (due 2025-03-01) and an open payment `<id>-PAY1` of −200.00. */
export async function customerWithLedger(
  t: TestApp,
  id: string,
  invoices = 3,
): Promise<{ invoices: string[]; payment: string }> {
  await putCustomer(t, id);
  const ids = Array.from({ length: invoices }, (_, i) => `${id}-INV${i + 1}`);
  await postTransactions(t, [
    ...ids.map((inv) => ({ id: inv, customerId: id, type: 'invoice', amount: '1000.00', dueDate: '2025-03-01' })),
    { id: `${id}-PAY1`, customerId: id, type: 'payment', amount: '-200.00' },
  ]);
  return { invoices: ids, payment: `${id}-PAY1` };
}

export async function putCaseCategory(
  t: TestApp,
  id: string,
  type: 'collections' | 'other' = 'collections',
): Promise<any> {
  return ok(
    await t.request('PUT', `/api/v1/case-categories/${id}`, {
      as: 'credit_manager',
      body: { description: `Category ${id}`, type },
    }),
    201,
  );
}

export async function createActivity(
  t: TestApp,
  body: Record<string, unknown>,
  as: 'collections_agent' | 'credit_manager' = 'collections_agent',
): Promise<any> {
  return ok(
    await t.request('POST', '/api/v1/activities', {
      as,
      body: { type: 'task', subject: 'Call about overdue invoices', ...body },
    }),
    201,
  );
}

export async function createCase(
  t: TestApp,
  body: Record<string, unknown>,
  as: 'collections_agent' | 'credit_manager' = 'collections_agent',
): Promise<any> {
  return ok(await t.request('POST', '/api/v1/cases', { as, body: { description: 'Disputed delivery', ...body } }), 201);
}

export const getActivity = async (t: TestApp, id: string) =>
  ok(await t.request('GET', `/api/v1/activities/${id}`, { as: 'credit_clerk' }));
export const getCase = async (t: TestApp, id: string) =>
  ok(await t.request('GET', `/api/v1/cases/${id}`, { as: 'credit_clerk' }));
export const getTransaction = async (t: TestApp, id: string) =>
  ok(await t.request('GET', `/api/v1/transactions/${id}`, { as: 'credit_clerk' }));

/** The change-log entries after `seq`, reduced to what they say. */
export async function changesSince(t: TestApp, seq: number): Promise<[string, string, string, number][]> {
  return (await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op, c.version]);
}

/** Everything an activity, case or status request could change, read back through the API. */
export async function workState(t: TestApp, customerIds: string[]) {
  const transactions: Record<string, unknown[]> = {};
  for (const id of customerIds) transactions[id] = await listAll(t, `/api/v1/customers/${id}/transactions`);
  return {
    activities: await listAll(t, '/api/v1/activities'),
    cases: await listAll(t, '/api/v1/cases'),
    categories: await listAll(t, '/api/v1/case-categories'),
    transactions,
    changes: await allChanges(t),
    audit: await allAudit(t),
  };
}

export async function expectWorkUnchanged(
  t: TestApp,
  customerIds: string[],
  before: Awaited<ReturnType<typeof workState>>,
): Promise<void> {
  expect(await workState(t, customerIds)).toEqual(before);
}
