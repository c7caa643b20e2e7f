// The journal :validate path loads many customers with one grouped statement per 500 customers;
// the credit check loads one. Both must hand the engine exactly the same input. On SQLite the
// credit check reads synchronously once the setup is cached (loadCreditInputNow); it too must
// hand over exactly what the awaited path does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { readerOf } from '../../server/http/reader';
import { SetupCache } from '../../server/db/setup-cache';
import { ok, postTransactions, putCustomer, putOrder, invoice } from '../support/credit';
import { loadCreditInput, loadCreditInputNow, loadCreditInputs } from '../../server/credit/credit-check/credit-input';
import { addDays, todayUtc } from '../../shared/dates';

describe.each(DIALECTS)('bulk credit inputs on %s', (dialect) => {
  let t: TestApp;
  const today = todayUtc();
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await putCustomer(t, 'BA', { creditLimit: '10000.00', creditManagementGroupId: 'STD' });
    await postTransactions(t, [
      invoice('BA-1', 'BA', '4000.00', addDays(today, -40)),
      invoice('BA-2', 'BA', '1500.00', addDays(today, 10)),
      { id: 'BA-P', customerId: 'BA', type: 'payment', amount: '-700.00', transDate: today },
    ]);
    await putOrder(t, 'BA-SO', 'BA', '2500.00');
    for (const id of ['BB', 'BC']) await putCustomer(t, id, { creditLimit: '0.00' });
    await postTransactions(t, [
      invoice('BB-1', 'BB', '1000.00', addDays(today, -5)),
      invoice('BC-1', 'BC', '3000.00', addDays(today, 20)),
    ]);
    ok(
      await t.request('PUT', '/api/v1/credit-groups/G1', {
        as: 'credit_manager',
        body: {
          name: 'G',
          creditLimit: '9000.00',
          currency: 'USD',
          creditLimitToDate: addDays(today, 300),
          members: ['BB', 'BC'],
        },
      }),
      201,
    );
    await putCustomer(t, 'BD');
    await putCustomer(t, 'BE', { creditLimit: '2000.00' });
    ok(
      await t.request('POST', '/api/v1/customers/BE/insurances', {
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
    await putCustomer(t, 'BF', { creditLimit: '1000.00' });
    const j = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_manager',
        body: {
          type: 'temporary',
          lines: [
            {
              customerId: 'BF',
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
    // A second temporary limit for BF, one for the group, and a second policy for BE: the bulk
    // reads them in lists and must hand them over in the same order as the one-customer read.
    const j2 = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_manager',
        body: {
          type: 'temporary',
          lines: [
            {
              customerId: 'BF',
              newCreditLimit: '6000.00',
              newFromDate: addDays(today, 5),
              newToDate: addDays(today, 60),
            },
            {
              creditGroupId: 'G1',
              newCreditLimit: '12000.00',
              newFromDate: addDays(today, -3),
              newToDate: addDays(today, 40),
            },
          ],
        },
      }),
      201,
    );
    ok(
      await t.request('POST', `/api/v1/adjustment-journals/${j2.id}/post`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${j2.version}"` },
      }),
    );
    ok(
      await t.request('POST', '/api/v1/customers/BE/insurances', {
        as: 'credit_manager',
        body: {
          identifier: 'guarantee',
          value: '400.00',
          updateCreditLimitPct: '100',
          effectiveDate: addDays(today, -2),
          expirationDate: addDays(today, 20),
          includedInExposure: true,
        },
      }),
      201,
    );
  });
  afterAll(async () => t.close());

  it('loadCreditInputs equals loadCreditInput for every customer, with no order', async () => {
    const h = t.handle;
    const reader = readerOf(h);
    const ids = ['BA', 'BB', 'BC', 'BD', 'BE', 'BF'];
    const bulk = await loadCreditInputs(reader, [...ids, 'NOPE'], today);
    expect([...bulk.keys()].sort()).toEqual(ids);
    for (const id of ids) {
      const one = await loadCreditInput(reader, {
        customerId: id,
        asOf: today,
        order: { amount: 0n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
      });
      expect(bulk.get(id)).toEqual(one);
    }
    // The figures are the customers' own, not defaults: BA has balance 4,800, overdue 4,000 and an open order 2,500.
    expect(bulk.get('BA')!.exposureParts).toEqual({ balance: 480000n, deliveredNotInvoiced: 0n, openOrders: 250000n });
    expect(bulk.get('BA')!.overdue).toEqual({ oldestOverdueDueDate: addDays(today, -40), overdueAmount: 400000n });
    expect(bulk.get('BB')!.group).toMatchObject({ id: 'G1', creditLimit: 900000n, membersExposure: 400000n });
    expect(bulk.get('BE')!.insurances).toHaveLength(2);
    expect(bulk.get('BF')!.temporaryLimits).toEqual([
      expect.objectContaining({ amount: 500000n }),
      expect.objectContaining({ amount: 600000n }),
    ]);
    expect(bulk.get('BC')!.group!.temporaryLimits).toEqual([expect.objectContaining({ amount: 1200000n })]);
  });

  it('the synchronous read equals the awaited one, with an order excluded and an unknown customer refused alike', async () => {
    const h = t.handle;
    const query = (customerId: string, excludeOrderId: string | null = null) => ({
      customerId,
      asOf: today,
      excludeOrderId,
      order: { amount: 123400n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
    });
    // A fresh cache: the setup is not cached yet, so there is no synchronous answer.
    const reader = readerOf(h, new SetupCache(h.dialect));
    expect(loadCreditInputNow(reader, query('BA'))).toBeUndefined();
    await loadCreditInput(reader, query('BA')); // reads the setup into the cache
    for (const [id, exclude] of [
      ['BA', null],
      ['BA', 'BA-SO'],
      ['BB', null],
      ['BC', null],
      ['BE', null],
      ['BF', null],
    ] as const) {
      // Each awaited read starts from an empty cache, so it takes the awaited path all the way.
      const awaited = await loadCreditInput(readerOf(h, new SetupCache(h.dialect)), query(id, exclude));
      const now = loadCreditInputNow(reader, query(id, exclude));
      if (dialect === 'sqlite') expect(now).toEqual(awaited);
      else expect(now).toBeUndefined();
    }
    if (dialect === 'sqlite') {
      expect(loadCreditInputNow(reader, query('BA', 'BA-SO'))!.exposureParts.openOrders).toBe(0n);
      expect(() => loadCreditInputNow(reader, query('NOPE'))).toThrow(/NOPE/);
    }
    await expect(loadCreditInput(reader, query('NOPE'))).rejects.toThrow(/NOPE/);
  });
});
