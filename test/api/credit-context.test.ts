// POST /api/v1/credit-context:batch on both dialects: the add-in's bulk read of the credit-check
// inputs its local preview runs. Decoded by the add-in's own code, each input equals what the
// server's journal `:validate` builds (loadCreditInputs, and loadCreditInput with excludeOrderId for
// each held order), so the preview's projections and releasable holds equal `:validate`'s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { readerOf } from '../../server/http/reader';
import { expectError } from '../support/conventions';
import {
  addRule,
  cluAll,
  ok,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  putSetup,
  setCheckpoints,
  postingCheckpoints,
} from '../support/credit';
import { loadCreditInput, loadCreditInputs } from '../../server/credit/credit-check/credit-input';
import { projectLine, releasableHolds } from '../../shared/credit/adjustments';
import { addDays, todayUtc } from '../../shared/dates';
import { formatMoney, formatRate, parseMoney } from '../../shared/money';
import { toBigInt } from '../../server/db/values';
import { addContextJson, emptyContext, type CreditContextJson } from '../../addin/sync/credit-context';

const URL_ = '/api/v1/credit-context:batch';
const today = todayUtc();
const ROLES = ['admin', 'credit_manager', 'credit_clerk', 'collections_agent', 'integration'] as const;

describe.each(DIALECTS)('credit-context:batch on %s', (dialect) => {
  let t: TestApp;
  const holds: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await addRule(t, cluAll(100));
    await putSetup(t, 'payment-terms', 'NET30', { description: 'Net 30', days: 30, rank: 2 });
    // XA: limit 10,000, balance 6,000 (overdue), another open order 2,000; its order of 2,500 is held (105 %).
    await putCustomer(t, 'XA', { creditLimit: '10000.00', paymentTermsId: 'NET30' });
    await postTransactions(t, [
      { id: 'XA-1', customerId: 'XA', type: 'invoice', amount: '6000.00', dueDate: addDays(today, -20) },
    ]);
    await putOrder(t, 'XA-OPEN', 'XA', '2000.00');
    await putOrder(t, 'XA-SO', 'XA', '2500.00');
    holds.XA = ok(await postOrder(t, 'XA-SO', { asOf: today })).hold.id;
    // XB and XC share a group of 9,000; XB's order of 2,500 is held (customer 110 %, group 105.6 %).
    await putCustomer(t, 'XB', { creditLimit: '5000.00' });
    await putCustomer(t, 'XC', { creditLimit: '5000.00' });
    ok(
      await t.request('PUT', '/api/v1/credit-groups/G1', {
        as: 'credit_manager',
        body: {
          name: 'G',
          creditLimit: '9000.00',
          currency: 'USD',
          creditLimitToDate: addDays(today, 300),
          members: ['XB', 'XC'],
        },
      }),
      201,
    );
    await postTransactions(t, [
      { id: 'XB-1', customerId: 'XB', type: 'invoice', amount: '3000.00', dueDate: addDays(today, 30) },
      { id: 'XC-1', customerId: 'XC', type: 'invoice', amount: '4000.00', dueDate: addDays(today, 30) },
    ]);
    await putOrder(t, 'XB-SO', 'XB', '2500.00');
    holds.XB = ok(await postOrder(t, 'XB-SO', { asOf: today })).hold.id;
    // XE: an insurance; XF: a posted temporary limit.
    await putCustomer(t, 'XE', { creditLimit: '2000.00' });
    ok(
      await t.request('POST', '/api/v1/customers/XE/insurances', {
        as: 'credit_manager',
        body: {
          identifier: 'insurance',
          value: '1000.00',
          updateCreditLimitPct: '50',
          effectiveDate: addDays(today, -10),
          expirationDate: addDays(today, 10),
          includedInExposure: false,
        },
      }),
      201,
    );
    await putCustomer(t, 'XF', { creditLimit: '1000.00' });
    const j = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_manager',
        body: {
          type: 'temporary',
          lines: [
            {
              customerId: 'XF',
              newCreditLimit: '5000.00',
              newFromDate: addDays(today, -1),
              newToDate: addDays(today, 30),
            },
          ],
        },
      }),
      201,
    );
    ok(
      await t.request('POST', `/api/v1/adjustment-journals/${j.id}/post`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${j.version}"` },
      }),
    );
  });
  afterAll(async () => t.close());

  const reader = () => readerOf(t.handle);
  const IDS = ['XA', 'XB', 'XC', 'XE', 'XF'];

  it('answers per customer the engine input :validate uses and, per held order, its re-check input; unknown ids are listed', async () => {
    const body = ok(
      await t.request('POST', URL_, {
        as: 'collections_agent',
        body: { customerIds: ['XA', 'NOPE', ...IDS, 'XA'], creditGroupIds: ['G1', 'NOG', 'G1'] },
      }),
    ) as CreditContextJson;
    expect(body.asOf).toBe(today);
    expect(body.customers.map((c) => c.id)).toEqual(IDS);
    expect(body.unknownCustomerIds).toEqual(['NOPE']);
    expect(body.creditGroups).toEqual([
      { id: 'G1', creditLimit: '9000.00', currency: 'USD', creditLimitToDate: addDays(today, 300) },
    ]);
    expect(body.unknownCreditGroupIds).toEqual(['NOG']);
    // Money as decimal strings, setup once.
    const xa = body.customers[0]!;
    expect(xa).toMatchObject({
      name: 'Customer XA',
      exposureParts: { balance: '6000.00', deliveredNotInvoiced: '0.00', openOrders: '4500.00' },
      overdue: { oldestOverdueDueDate: addDays(today, -20), overdueAmount: '6000.00' },
    });
    expect(xa.heldOrders).toEqual([
      {
        holdId: holds.XA,
        salesOrderId: 'XA-SO',
        order: { amount: '2500.00', paymentTermsId: 'NET30', cashDiscountId: null, excludeFromCreditManagement: false },
        exposureParts: { balance: '6000.00', deliveredNotInvoiced: '0.00', openOrders: '2000.00' },
        groupMembersExposure: null,
      },
    ]);
    expect(body.rules).toEqual([expect.objectContaining({ ruleType: 'creditLimitUsed', percent: '100' })]);
    expect(body.paymentTermsRanks).toEqual({ NET30: 2 });

    // Decoded by the add-in: exactly the server's inputs.
    const ctx = addContextJson(emptyContext(today), body);
    const server = await loadCreditInputs(reader(), IDS, today);
    for (const id of IDS) {
      const c = ctx.customers.get(id)!;
      expect(c.input, id).toEqual(server.get(id));
      const held = await t.handle.db
        .selectFrom('holds')
        .innerJoin('sales_orders', 'sales_orders.id', 'holds.sales_order_id')
        .selectAll('sales_orders')
        .select('holds.id as holdId')
        .where('holds.customer_id', '=', id)
        .where('holds.status', '=', 'onHold')
        .execute();
      expect(c.holds.map((h) => h.holdId)).toEqual(held.map((h) => h.holdId));
      for (const [i, h] of held.entries()) {
        const recheck = await loadCreditInput(reader(), {
          customerId: id,
          asOf: today,
          excludeOrderId: h.id,
          order: {
            amount: toBigInt(h.amount) - toBigInt(h.invoiced_amount),
            paymentTermsId: h.payment_terms_id,
            cashDiscountId: h.cash_discount_id,
            excludeFromCreditManagement: h.exclude_from_credit_management === 1,
          },
        });
        expect(c.holds[i]!.input, `${id} ${h.holdId}`).toEqual(recheck);
      }
    }
    expect(ctx.customers.get('XB')!.holds[0]!.input.group).toMatchObject({ id: 'G1', membersExposure: 700000n });
    expect(ctx.unknown).toEqual(new Set(['NOPE']));
    expect(ctx.groupIds).toEqual(new Set(['G1']));
  });

  it('projections and releasable holds computed from the context equal the :validate answer', async () => {
    const lines = [
      { customerId: 'XA', newCreditLimit: '10500.00' },
      { customerId: 'XB', newCreditLimit: '6000.00' },
      { customerId: 'XC', newCreditLimit: '100.00' },
      { customerId: 'XE', newCreditLimit: '2500.00' },
      { customerId: 'XF', newCreditLimit: '900.00' },
    ];
    const v = ok(
      await t.request('POST', '/api/v1/adjustment-journals:validate', {
        as: 'credit_clerk',
        body: { type: 'creditLimit', lines },
      }),
    );
    const ctx = addContextJson(
      emptyContext(today),
      ok(await t.request('POST', URL_, { as: 'credit_clerk', body: { customerIds: IDS } })),
    );
    for (const [i, l] of lines.entries()) {
      const c = ctx.customers.get(l.customerId)!;
      const line = { customerId: l.customerId, newCreditLimit: parseMoney(l.newCreditLimit) };
      const p = projectLine(c.input, 'creditLimit', line);
      const money = (m: bigint | null) => (m === null ? null : formatMoney(m));
      expect([
        money(p.currentAvailableCredit),
        money(p.projectedAvailableCredit),
        p.projectedPercentUsed === null ? null : formatRate(p.projectedPercentUsed),
        releasableHolds(c.holds, 'creditLimit', line),
      ]).toEqual([
        v.lines[i].currentAvailableCredit,
        v.lines[i].projectedAvailableCredit,
        v.lines[i].projectedPercentUsed,
        v.lines[i].releasableHolds,
      ]);
    }
    expect(v.lines[0].releasableHolds).toEqual([holds.XA]);
  });

  it('every role may read; no token is 401', async () => {
    for (const as of ROLES)
      expect((await t.request('POST', URL_, { as, body: { customerIds: ['XA'] } })).status, as).toBe(200);
    expectError(await t.request('POST', URL_, { token: null, body: { customerIds: ['XA'] } }), 401, 'unauthenticated');
  });

  it('bad input is a 400 naming the field', async () => {
    const bad = async (body: unknown, path: string) => {
      const details = expectError(await t.request('POST', URL_, { body }), 400, 'invalid_request');
      expect(
        details.map((d) => d.path),
        JSON.stringify(body).slice(0, 100),
      ).toContain(path);
    };
    await bad({ customerIds: ['XA', 'bad id!'] }, 'customerIds.1');
    await bad({ customerIds: 'XA' }, 'customerIds');
    await bad({}, 'customerIds');
    await bad({ customerIds: ['XA'], creditGroupIds: [7] }, 'creditGroupIds.0');
    await bad({ customerIds: ['XA'], asOf: '2026-02-30' }, 'asOf');
    await bad({ customerIds: ['XA'], extra: true }, 'extra');
    await bad({ customerIds: Array.from({ length: 50_001 }, (_, i) => `C${i}`) }, 'customerIds');
  });

  it('answers for more ids than one SQL IN list holds (1,200 known and 700 unknown), in the order asked', async () => {
    const items = Array.from({ length: 1200 }, (_, i) => ({
      id: `BK${String(i).padStart(4, '0')}`,
      name: `Bulk ${i}`,
      currency: 'USD',
      creditLimit: `${100 + i}.00`,
    }));
    ok(await t.request('POST', '/api/v1/customers:batch', { as: 'integration', body: { items } }));
    const ids = items.map((c) => c.id).reverse();
    const unknown = Array.from({ length: 700 }, (_, i) => `UNK${i}`);
    const body = ok(
      await t.request('POST', URL_, {
        body: { customerIds: [...unknown.slice(0, 350), ...ids, ...unknown.slice(350)], asOf: '2026-01-15' },
      }),
    ) as CreditContextJson;
    expect(body.asOf).toBe('2026-01-15');
    expect(body.customers.map((c) => c.id)).toEqual(ids);
    expect(body.customers.at(-1)).toMatchObject({ id: 'BK0000', customer: { creditLimit: '100.00' }, heldOrders: [] });
    expect(body.unknownCustomerIds).toEqual(unknown);
  });
});
