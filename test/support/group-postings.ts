// The credit-group scenario (credit.md §3, §4.6, §5): 20 postings for the members of one customer
// credit group, whose outcome (answers, holds, orders, change log, audit) must not depend on how
// the postings interleave. test/api/credit-concurrency.test.ts runs it in process on both
// dialects; test/multiprocess/team.test.ts over two server processes on one PostgreSQL database.
// Open orders count from creation (PUT), held or not, so the order of the postings cannot change
// any decision: only a race could.
import { expect } from 'vitest';
import type { RequestOptions, TestResponse } from './app';
import { cluAll, daysOverdueAll, invoice, ok, postingCheckpoints } from './credit';

/** What the scenario needs of a server: a TestApp (in process), or a client of a server process. */
export interface Requester {
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

/** Members of credit group G (limit 40,000) with their own limits; M4 is unlimited, M5 has a 60-day overdue invoice. */
export const MEMBERS: [string, Record<string, unknown>][] = [
  ['M1', { creditLimit: '5000.00' }],
  ['M2', { creditLimit: '0.00' }],
  ['M3', { creditLimit: '3000.00' }],
  ['M4', { creditLimit: '0.00', unlimitedCredit: true }],
  ['M5', { creditLimit: '8000.00' }],
  ['M6', { creditLimit: '6000.00' }],
];
export const GROUP_LIMIT = '40000.00';
export const ORDERS: [string, string, string][] = [
  ['SO-01', 'M1', '1500.00'],
  ['SO-02', 'M1', '1000.00'],
  ['SO-03', 'M1', '2000.00'],
  ['SO-04', 'M2', '3500.00'],
  ['SO-05', 'M2', '2000.00'],
  ['SO-06', 'M2', '500.00'],
  ['SO-07', 'M3', '1000.00'],
  ['SO-08', 'M3', '1000.00'],
  ['SO-09', 'M3', '900.00'],
  ['SO-10', 'M4', '10000.00'],
  ['SO-11', 'M4', '2500.00'],
  ['SO-12', 'M5', '100.00'],
  ['SO-13', 'M5', '200.00'],
  ['SO-14', 'M5', '4000.00'],
  ['SO-15', 'M6', '3000.00'],
  ['SO-16', 'M6', '2500.00'],
];
export type Posting = [orderId: string, checkpoint: string];
/** 20 postings: every order at confirmation, two held orders twice, one passing order twice, one passing order also at packing slip. */
export const POSTINGS: Posting[] = [
  ...ORDERS.map(([id]): Posting => [id, 'confirmation']),
  ['SO-01', 'confirmation'],
  ['SO-04', 'confirmation'],
  ['SO-07', 'confirmation'],
  ['SO-11', 'packingSlip'],
];
/** The orders the postings hold. */
export const HELD = ['SO-01', 'SO-02', 'SO-03', 'SO-04', 'SO-10', 'SO-12', 'SO-13', 'SO-14'];

/**
 * The setup through the public API: posting checks at confirmation and packing slip, three
 * blocking rules (credit limit used > 100 %, orders over 3,000, 30 days overdue), the members,
 * group G, two invoices and the 16 orders. Returns the change-log sequence the setup reached.
 */
export async function setUpGroup(c: Requester): Promise<number> {
  ok(
    await c.request('PUT', '/api/v1/checkpoints', {
      as: 'credit_manager',
      body: postingCheckpoints('confirmation', 'packingSlip'),
    }),
  );
  for (const rule of [
    cluAll(100),
    { ruleType: 'salesOrder', kind: 'blocking', validFor: 'all', amount: '3000.00' },
    daysOverdueAll(30),
  ]) {
    ok(await c.request('POST', '/api/v1/blocking-rules', { as: 'credit_manager', body: rule }), 201);
  }
  for (const [id, fields] of MEMBERS) {
    ok(
      await c.request('PUT', `/api/v1/customers/${id}`, {
        as: 'integration',
        body: { name: `Customer ${id}`, currency: 'USD', creditLimit: '10000.00', ...fields },
      }),
      201,
    );
  }
  ok(
    await c.request('PUT', '/api/v1/credit-groups/G', {
      as: 'credit_manager',
      body: {
        name: 'Group G',
        creditLimit: GROUP_LIMIT,
        currency: 'USD',
        creditLimitToDate: '2025-12-31',
        members: MEMBERS.map(([id]) => id),
      },
    }),
    201,
  );
  const invoices = [invoice('INV-M1', 'M1', '1000.00', '2025-07-31'), invoice('INV-M5', 'M5', '500.00', '2025-05-01')];
  ok(
    await c.request('POST', '/api/v1/transactions:batch', {
      as: 'integration',
      body: { items: invoices.map((i) => ({ currency: 'USD', transDate: '2025-01-01', ...i })) },
    }),
  );
  for (const [id, customerId, amount] of ORDERS)
    ok(await c.request('PUT', `/api/v1/sales-orders/${id}`, { as: 'integration', body: { customerId, amount } }), 201);
  const changes = await changesSince(c, 0);
  return changes[changes.length - 1]!.seq;
}

/** One posting, as the integration user, on the scenario's day. */
export const postGroupOrder = (c: Requester, [id, checkpoint]: Posting) =>
  c.request('POST', `/api/v1/sales-orders/${id}/post`, {
    as: 'integration',
    body: { checkpoint, postingType: 'posting', asOf: '2025-06-30' },
  });

interface LoggedChange {
  seq: number;
  entity: string;
  id: string;
  op: string;
  version: number;
}

/** The change log after `since`, walked with nextSince. */
export async function changesSince(c: Requester, since: number): Promise<LoggedChange[]> {
  const out: LoggedChange[] = [];
  for (let cursor = since; ;) {
    const body = ok(await c.request('GET', `/api/v1/changes?since=${cursor}&limit=1000`, { as: 'credit_clerk' }));
    if (body.changes.length === 0) return out;
    out.push(...(body.changes as LoggedChange[]));
    cursor = body.nextSince as number;
  }
}

/** Every audit row, walked with nextCursor. */
async function allAuditRows(c: Requester): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const body = ok(
      await c.request('GET', `/api/v1/audit?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        as: 'credit_clerk',
      }),
    );
    out.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

/** Everything the postings decided, with hold ids (random) replaced by their orders' ids; `responses[i]` answers `POSTINGS[i]`. */
export async function groupOutcome(c: Requester, setupSeq: number, responses: TestResponse[]) {
  const holds = ok(await c.request('GET', '/api/v1/holds?status=all&limit=1000')).items as any[];
  const orderOfHold = new Map(holds.map((h) => [h.id as string, h.salesOrderId as string]));
  const name = (entity: string, id: string) => (entity === 'hold' ? `hold(${orderOfHold.get(id)})` : `${entity}:${id}`);
  const changes = (await changesSince(c, setupSeq))
    .map((ch) => `${name(ch.entity, ch.id)}:${ch.op}:${ch.version}`)
    .sort();
  const audit = (await allAuditRows(c))
    .filter((a) => a.entity === 'hold' || a.entity === 'salesOrder')
    .map((a) => `${name(a.entity, a.entityId)}:${a.action}`)
    .sort();
  const answers = POSTINGS.map((p, i) => {
    const r = responses[i]!;
    return `${p[0]}@${p[1]}:${r.status}:${r.status === 200 ? (r.body.posted ? 'posted' : `held ${r.body.hold.summaryReason}`) : r.body.error.code}`;
  }).sort();
  const orders = (ok(await c.request('GET', '/api/v1/sales-orders?limit=1000')).items as any[]).map((o) => [
    o.id,
    o.creditStatus,
    o.deliveredNotInvoiced,
    o.version,
  ]);
  return {
    answers,
    holds: holds
      .map((h) => ({
        salesOrderId: h.salesOrderId,
        status: h.status,
        checkpoint: h.checkpoint,
        summaryReason: h.summaryReason,
        orderAmount: h.orderAmount,
        version: h.version,
        reasons: h.reasons.map((r: any) => [r.ruleType, r.active, r.measured, r.threshold]),
      }))
      .sort((a, b) => a.salesOrderId.localeCompare(b.salesOrderId)),
    orders,
    changes,
    audit,
  };
}
export type GroupOutcome = Awaited<ReturnType<typeof groupOutcome>>;

/** A concurrent run equals the serial run of the same postings, in everything they decided. */
export function expectSameOutcome(concurrent: GroupOutcome, serial: GroupOutcome): void {
  expect(concurrent.answers).toEqual(serial.answers);
  expect(concurrent.holds).toEqual(serial.holds);
  expect(concurrent.orders).toEqual(serial.orders);
  expect(concurrent.changes).toEqual(serial.changes);
  expect(concurrent.audit).toEqual(serial.audit);
}

/**
 * The decisions themselves (§3, §4), after the first round of the 20 postings and after a second
 * round that posts everything again: M1 over its own limit (5,500 of 5,000); orders over 3,000
 * held whatever the limits; M5's 60-day overdue invoice; M2 lives on the group limit.
 */
export function expectGroupDecisions(first: GroupOutcome, second: GroupOutcome): void {
  expect(first.holds.map((h) => [h.salesOrderId, h.status, h.summaryReason])).toEqual([
    ['SO-01', 'onHold', 'creditLimitUsed'],
    ['SO-02', 'onHold', 'creditLimitUsed'],
    ['SO-03', 'onHold', 'creditLimitUsed'],
    ['SO-04', 'onHold', 'salesOrder'],
    ['SO-10', 'onHold', 'salesOrder'],
    ['SO-12', 'onHold', 'daysOverdue'],
    ['SO-13', 'onHold', 'daysOverdue'],
    ['SO-14', 'onHold', 'multiple'],
  ]);
  expect(first.holds.find((h) => h.salesOrderId === 'SO-01')!.reasons).toEqual([
    ['creditLimitUsed', true, '110', '100'],
  ]);
  expect(first.holds.find((h) => h.salesOrderId === 'SO-14')!.reasons).toEqual([
    ['daysOverdue', true, '60', '30'],
    ['salesOrder', true, '4000.00', '3000.00'],
  ]);
  const count = (answers: string[], pattern: RegExp) => answers.filter((a) => pattern.test(a)).length;
  expect(count(first.answers, /:200:held /)).toBe(8);
  expect(count(first.answers, /:200:posted$/)).toBe(10);
  expect(first.answers.filter((a) => a.includes(':422:'))).toEqual([
    'SO-01@confirmation:422:rule_violation',
    'SO-04@confirmation:422:rule_violation',
  ]);
  // Round two: the 10 postings of held orders are refused, and so is SO-11's second packing slip (nothing left to deliver).
  expect(count(second.answers, /:422:rule_violation$/)).toBe(11);
  expect(second.answers).toContain('SO-11@packingSlip:422:rule_violation');
  expect(count(second.answers, /:200:posted$/)).toBe(9);
  // No duplicate holds: one per held order, none for the others, none added by the second round.
  expect(second.holds).toEqual(first.holds);
  expect(first.orders.filter(([, creditStatus]) => creditStatus === 'onHold').map(([id]) => id)).toEqual(HELD);
  expect(first.orders.find(([id]) => id === 'SO-11')).toEqual(['SO-11', 'clear', '2500.00', 4]);
}

/** The change log is one gap-free sequence 1..n with each (entity, id, version) once. */
export async function expectGapFreeLog(c: Requester): Promise<void> {
  const all = await changesSince(c, 0);
  expect(all.map((ch) => ch.seq)).toEqual(all.map((_ch, i) => i + 1));
  const keys = all.map((ch) => `${ch.entity}:${ch.id}:${ch.version}`);
  expect(new Set(keys).size).toBe(keys.length);
}

/** Group G as the credit check applies it, read through a member (GET /customers/{id} → credit.group). */
export async function groupExposure(
  c: Requester,
  memberId = 'M2',
): Promise<{ id: string; limit: string; exposure: string }> {
  const customer = ok(await c.request('GET', `/api/v1/customers/${memberId}`, { as: 'credit_clerk' }));
  expect(customer.credit.group, `credit.group of ${memberId}`).not.toBeNull();
  return customer.credit.group;
}
