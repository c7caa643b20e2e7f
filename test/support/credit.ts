// Helpers for the credit-management API tests (test/api/credit-*.test.ts): setup through the
// public API only, and read-backs that show what a request changed.
import { expect } from 'vitest';
import type { TestApp, TestResponse } from './app';
import { allAudit, allChanges, lastSeq, type Change } from './conventions';

/** Asserts the status (showing the body when it is not) and returns the body. */
export function ok(res: TestResponse, status = 200): any {
  expect(res.status, `status of ${JSON.stringify(res.body)}`).toBe(status);
  return res.body;
}

export const setParameters = async (t: TestApp, body: Record<string, unknown>) =>
  ok(await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body }));

export interface CheckpointRow {
  checkpoint: 'confirmation' | 'pickingList' | 'releaseToWarehouse' | 'packingSlip' | 'invoice';
  posting: boolean;
  proForma: boolean;
  graceDays: number | null;
}
export const setCheckpoints = async (t: TestApp, rows: CheckpointRow[]) =>
  ok(await t.request('PUT', '/api/v1/checkpoints', { as: 'credit_manager', body: rows }));
/** Posting checks on the given checkpoints, no grace days. */
export const postingCheckpoints = (...names: CheckpointRow['checkpoint'][]): CheckpointRow[] =>
  names.map((checkpoint) => ({ checkpoint, posting: true, proForma: false, graceDays: null }));

/** Creates a blocking or exclusion rule and returns its id. */
export async function addRule(t: TestApp, rule: Record<string, unknown>): Promise<string> {
  const body = ok(await t.request('POST', '/api/v1/blocking-rules', { as: 'credit_manager', body: rule }), 201);
  return body.id as string;
}
export const cluAll = (percent: number | string = 100) => ({
  ruleType: 'creditLimitUsed',
  kind: 'blocking',
  validFor: 'all',
  percent,
});
export const daysOverdueAll = (days: number) => ({
  ruleType: 'daysOverdue',
  kind: 'blocking',
  validFor: 'all',
  valueType: 'days',
  days,
});

export async function putSetup(
  t: TestApp,
  collection: string,
  id: string,
  body: Record<string, unknown>,
): Promise<void> {
  ok(await t.request('PUT', `/api/v1/${collection}/${id}`, { as: 'credit_manager', body }), 201);
}
export const reasonCode = (
  t: TestApp,
  id: string,
  kind: 'release' | 'reject' | 'forcedHold' | 'writeOff' | 'nsf' | 'waive',
) => putSetup(t, 'reason-codes', id, { kind, description: `${kind} ${id}` });

export async function putCustomer(t: TestApp, id: string, fields: Record<string, unknown> = {}): Promise<any> {
  return ok(
    await t.request('PUT', `/api/v1/customers/${id}`, {
      as: 'integration',
      body: { name: `Customer ${id}`, currency: 'USD', creditLimit: '10000.00', ...fields },
    }),
    201,
  );
}

/** Open invoices (amount, due date) and other ledger entries. */
export async function postTransactions(t: TestApp, items: Record<string, unknown>[]): Promise<void> {
  ok(
    await t.request('POST', '/api/v1/transactions:batch', {
      as: 'integration',
      body: { items: items.map((i) => ({ currency: 'USD', transDate: '2025-01-01', ...i })) },
    }),
  );
}
export const invoice = (id: string, customerId: string, amount: string, dueDate: string) => ({
  id,
  customerId,
  type: 'invoice',
  amount,
  dueDate,
});

export async function putOrder(
  t: TestApp,
  id: string,
  customerId: string,
  amount: string,
  extra: Record<string, unknown> = {},
): Promise<any> {
  return ok(
    await t.request('PUT', `/api/v1/sales-orders/${id}`, { as: 'integration', body: { customerId, amount, ...extra } }),
    201,
  );
}

export const postOrder = (t: TestApp, id: string, body: Record<string, unknown> = {}) =>
  t.request('POST', `/api/v1/sales-orders/${id}/post`, {
    as: 'integration',
    body: { checkpoint: 'confirmation', postingType: 'posting', asOf: '2025-06-30', ...body },
  });

export const getOrder = async (t: TestApp, id: string) => ok(await t.request('GET', `/api/v1/sales-orders/${id}`));
export const getHold = async (t: TestApp, id: string) => ok(await t.request('GET', `/api/v1/holds/${id}`));
export async function holdsOf(t: TestApp, query: string): Promise<any[]> {
  return ok(await t.request('GET', `/api/v1/holds?limit=1000&${query}`)).items as any[];
}

export { lastSeq };
export async function changesAfter(t: TestApp, seq: number): Promise<Change[]> {
  return allChanges(t, seq);
}

/** A hold reason or credit-check reason, reduced to what the rules decided. */
export const reasonFigures = (r: { ruleType: string; measured: string; threshold: string }) =>
  [r.ruleType, r.measured, r.threshold] as const;

/** Audit actions recorded for one row, oldest first. */
export async function auditActions(
  t: TestApp,
  entity: string,
  id: string,
): Promise<{ action: string; userId: string | null; reason: string | null; before: any; after: any }[]> {
  const body = ok(await t.request('GET', `/api/v1/audit?entity=${entity}&id=${encodeURIComponent(id)}&limit=1000`));
  return body.items;
}

/** Everything a credit request could change, read back through the API: holds, orders, change log, audit. */
export async function creditState(t: TestApp) {
  return {
    seq: await lastSeq(t),
    holds: await holdsOf(t, 'status=all'),
    orders: ok(await t.request('GET', '/api/v1/sales-orders?limit=1000')).items as any[],
    audit: (await allAudit(t)).length,
  };
}
