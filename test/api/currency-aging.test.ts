// Issue 20: aging in the accounting currency (AC) with a customer-currency view, over HTTP on both
// dialects (collections.md §2.3 "Multi-currency": buckets and totals are summed in AC from the open
// AC amounts, never revalued; the customer view counts an item in the customer's currency at its own
// open amount and converts any other from AC at the rate on the as-of date A). Worked example E8 end
// to end, then numbered examples `collections C…` with their arithmetic, then a property.
//
// Shared setup: AC = USD, A = 2024-06-30 (the app's clock stands on it), definition STD, criteria
// dueDate, creditPlacement ownDate. Rates: EUR 1.10 from 2024-01-01 and 1.08 from 2024-06-01 (so
// the rate on A is 1.08); GBP 1.25 from 2024-01-01 and 1.30 from 2024-06-01.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp, type TestResponse } from '../support/app';
import { ok, putCustomer } from '../support/credit';
import { expectError } from '../support/conventions';
import { definitionBody, STD as STD_DEF } from '../support/aging-definitions';
import { fixedClock } from '../../server/clock';
import { ageCustomer, type AgingItem } from '../../shared/collections/aging';
import { tryParseExchangeRate } from '../../shared/currency';
import { addDays } from '../../shared/dates';
import { formatMoney, parseMoney } from '../../shared/money';

const A = '2024-06-30';
const STD = definitionBody(STD_DEF);

const buckets = (row: any): Record<string, string> =>
  Object.fromEntries(row.buckets.map((b: any) => [b.label, b.amount]));
const rowOf = (list: any, customerId: string) => list.items.find((r: any) => r.customerId === customerId);
const zeroBuckets = {
  'Over 90': '0.00',
  '61-90': '0.00',
  '31-60': '0.00',
  '1-30': '0.00',
  Current: '0.00',
  'Not due': '0.00',
};

/** The test's own app: the clock stands on A, STD exists. */
async function appOn(dialect: 'sqlite' | 'postgres'): Promise<TestApp> {
  const t = await startTestApp(dialect, { clock: fixedClock(A) });
  ok(await t.request('PUT', '/api/v1/aging-definitions/STD', { as: 'credit_manager', body: STD }), 201);
  return t;
}

const post = async (t: TestApp, items: Record<string, unknown>[]) =>
  ok(await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } }));
const settle = async (t: TestApp, debitId: string, creditId: string, amount: string, date: string) =>
  ok(
    await t.request('POST', '/api/v1/settlements', { as: 'integration', body: { debitId, creditId, amount, date } }),
    201,
  );
const snapshot = async (t: TestApp, body: Record<string, unknown> = {}) =>
  ok(
    await t.request('POST', '/api/v1/aging-snapshots', {
      as: 'collections_agent',
      body: { definitionId: 'STD', asOf: A, ...body },
    }),
  );
const agingList = (t: TestApp, query = '') => t.request('GET', `/api/v1/aging?definitionId=STD&limit=1000${query}`);
const report = (t: TestApp, query = '') => t.request('GET', `/api/v1/aging-report?definitionId=STD&asOf=${A}${query}`);
const page = (t: TestApp, id: string, query = '') => t.request('GET', `/api/v1/customers/${id}/collections${query}`);

/** A 422 naming the currency and the date in its message and a detail at `currency`. */
function expectMissingRate(res: TestResponse, currency: string, date: string): void {
  expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toContain('currency');
  expect(res.body.error.message).toContain(`no exchange rate for ${currency} on or before ${date}`);
}

describe.each(DIALECTS)('aging in the accounting currency with a customer-currency view on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appOn(dialect);
    await putExchangeRates(t, { EUR: '1.10', GBP: '1.25' }, '2024-01-01');
    await putExchangeRates(t, { EUR: '1.08', GBP: '1.30' }, '2024-06-01');
    await putCustomer(t, 'C5', { currency: 'EUR' });
    await putCustomer(t, 'CP', { currency: 'EUR' });
    await putCustomer(t, 'CG', { currency: 'GBP' });
    await putCustomer(t, 'CU', { currency: 'USD' });
    const inv = (
      id: string,
      customerId: string,
      amount: string,
      currency: string,
      transDate: string,
      dueDate: string,
    ) => ({ id, customerId, type: 'invoice', amount, currency, transDate, dueDate });
    await post(t, [
      // E8: INV-E 1,000 EUR posted at 1.10 → 1,100.00 USD; INV-U 500 USD.
      inv('INV-E', 'C5', '1000.00', 'EUR', '2024-04-15', '2024-05-15'),
      inv('INV-U', 'C5', '500.00', 'USD', '2024-05-21', '2024-06-20'),
      // C2: 2,000 EUR posted at 1.10 → 2,200.00 USD; a payment of 500 EUR at 1.08 → −540.00 USD.
      inv('INV-P', 'CP', '2000.00', 'EUR', '2024-03-01', '2024-04-15'),
      { id: 'PAY-P', customerId: 'CP', type: 'payment', amount: '-500.00', currency: 'EUR', transDate: '2024-06-10' },
      // C1: a GBP customer with 100 GBP at 1.25 (125.00 USD) and 50 EUR at 1.10 (55.00 USD).
      inv('INV-G', 'CG', '100.00', 'GBP', '2024-05-01', '2024-06-30'),
      inv('INV-GE', 'CG', '50.00', 'EUR', '2024-05-01', '2024-07-15'),
      // C1: a USD customer with 300 USD and 100 EUR at 1.10 (110.00 USD).
      inv('INV-U2', 'CU', '300.00', 'USD', '2024-05-01', '2024-06-30'),
      inv('INV-UE', 'CU', '100.00', 'EUR', '2024-01-15', '2024-03-01'),
    ]);
    // C2: 500 EUR of INV-P settled on 06-10: INV-P's AC moves by its share, 2,200.00 × 500 / 2,000
    // = 550.00, so 1,500 EUR / 1,650.00 USD stay open (the 10.00 between 550.00 and 540.00 is the
    // settlement's exchange difference, not an open amount).
    await settle(t, 'INV-P', 'PAY-P', '500.00', '2024-06-10');
    // C4: INV-GE is disputed.
    ok(
      await t.request('POST', '/api/v1/transactions:set-status', {
        as: 'collections_agent',
        body: { transactionIds: ['INV-GE'], status: 'disputed' },
      }),
    );
    await snapshot(t);
  });
  afterAll(() => t.close());

  it('collections E8 multi-currency: company view in USD, customer view in EUR (snapshot list, report and Collections page)', async () => {
    // The ledger converted at posting: INV-E is 1,000.00 EUR and 1,100.00 USD (1.10 on 04-15).
    expect(ok(await t.request('GET', '/api/v1/transactions/INV-E'))).toMatchObject({
      amount: '1000.00',
      currency: 'EUR',
      amountAccounting: '1100.00',
      openAmountAccounting: '1100.00',
    });
    // Company view: 31-60 1,100.00 (due 05-15, 46 days); 1-30 500.00 (due 06-20, 10 days); 1,600.00.
    const company = { ...zeroBuckets, '31-60': '1100.00', '1-30': '500.00' };
    // Customer view (EUR): INV-E at its own 1,000.00 EUR; INV-U 500 / 1.08 = 462.962… → 462.96.
    const customer = { ...zeroBuckets, '31-60': '1000.00', '1-30': '462.96' };

    const list = ok(await agingList(t));
    expect(list.currencyView).toBe('accounting');
    expect(list.runs.map((r: any) => r.currency)).toEqual(['USD']);
    const row = rowOf(list, 'C5');
    expect(row).toMatchObject({ currency: 'USD', amountDue: '1600.00', unbucketedAmount: '0.00', indicator: 'yellow' });
    expect(buckets(row)).toEqual(company);
    const inEur = ok(await agingList(t, '&currency=customer'));
    expect(inEur.currencyView).toBe('customer');
    const eurRow = rowOf(inEur, 'C5');
    expect(eurRow).toMatchObject({ currency: 'EUR', amountDue: '1462.96', unbucketedAmount: '0.00', asOf: A });
    expect(buckets(eurRow)).toEqual(customer);
    // The credit columns follow the row's currency: the 10,000.00 USD limit at 1.08 is 9,259.26 EUR,
    // the remaining 8,400.00 USD is 7,777.78 EUR.
    expect(row).toMatchObject({ creditLimit: '10000.00', remainingCredit: '8400.00' });
    expect(eurRow).toMatchObject({ creditLimit: '9259.26', remainingCredit: '7777.78' });

    const companyReport = ok(await report(t, '&customerId=C5'));
    expect(companyReport.currencyView).toBe('accounting');
    expect(companyReport.items).toHaveLength(1);
    expect(companyReport.items[0]).toMatchObject({ currency: 'USD', amountDue: '1600.00' });
    expect(buckets(companyReport.items[0])).toEqual(company);
    expect(companyReport.totals).toMatchObject({ currency: 'USD', amountDue: '1600.00' });
    expect(companyReport.totalsByCurrency).toEqual([companyReport.totals]);
    const customerReport = ok(await report(t, '&customerId=C5&currency=customer'));
    expect(customerReport.items[0]).toMatchObject({ currency: 'EUR', amountDue: '1462.96' });
    expect(buckets(customerReport.items[0])).toEqual(customer);
    expect(customerReport.totals).toBeNull();
    expect(customerReport.totalsByCurrency).toEqual([
      {
        currency: 'EUR',
        amountDue: '1462.96',
        buckets: STD.lines.map((l) => ({ label: l.label, amount: customer[l.label as keyof typeof customer] })),
      },
    ]);

    // The Collections page (the FactBox switch): live aging on today (= A) and the snapshot row.
    const companyPage = ok(await page(t, 'C5'));
    expect(companyPage.summary).toMatchObject({ currency: 'USD', overdueAmount: '1600.00', disputedAmount: '0.00' });
    expect(companyPage.aging.live).toMatchObject({ currency: 'USD', amountDue: '1600.00' });
    expect(buckets(companyPage.aging.live)).toEqual(company);
    expect(companyPage.aging.snapshot).toMatchObject({ currency: 'USD', amountDue: '1600.00' });
    const eurPage = ok(await page(t, 'C5', '?currency=customer'));
    expect(eurPage.summary).toMatchObject({ currency: 'EUR', overdueAmount: '1462.96' });
    expect(eurPage.aging.live).toMatchObject({ currency: 'EUR', amountDue: '1462.96' });
    expect(buckets(eurPage.aging.live)).toEqual(customer);
    expect(eurPage.aging.snapshot).toMatchObject({ currency: 'EUR', amountDue: '1462.96' });
    // The transactions keep their own currencies.
    expect(eurPage.transactions.map((x: any) => [x.id, x.currency, x.openAmount])).toEqual([
      ['INV-E', 'EUR', '1000.00'],
      ['INV-U', 'USD', '500.00'],
    ]);
  });

  it('collections C1 report totals per currency never mix: one USD total in the company view, one per currency in the customer view', async () => {
    // Company view, every row in USD (open AC amounts):
    //   C5 31-60 1,100.00, 1-30 500.00 (E8)                      = 1,600.00
    //   CP 61-90 1,650.00 (C2)                                   = 1,650.00
    //   CG Current 125.00 (100 GBP at 1.25), Not due 55.00 (50 EUR at 1.10) = 180.00
    //   CU Current 300.00, Over 90 110.00 (100 EUR at 1.10)      =   410.00
    //   total: Over 90 110.00, 61-90 1,650.00, 31-60 1,100.00, 1-30 500.00, Current 425.00,
    //   Not due 55.00 = 3,840.00 USD.
    const company = ok(await report(t));
    expect(company.items.map((i: any) => [i.customerId, i.currency, i.amountDue])).toEqual([
      ['C5', 'USD', '1600.00'],
      ['CG', 'USD', '180.00'],
      ['CP', 'USD', '1650.00'],
      ['CU', 'USD', '410.00'],
    ]);
    const usdTotals = {
      currency: 'USD',
      amountDue: '3840.00',
      buckets: Object.entries({
        'Over 90': '110.00',
        '61-90': '1650.00',
        '31-60': '1100.00',
        '1-30': '500.00',
        Current: '425.00',
        'Not due': '55.00',
      }).map(([label, amount]) => ({ label, amount })),
    };
    expect(company.totals).toEqual(usdTotals);
    expect(company.totalsByCurrency).toEqual([usdTotals]);

    // Customer view, each row in its customer's currency, at the rates on A (EUR 1.08, GBP 1.30):
    //   C5 EUR 1,462.96 (E8); CP EUR 61-90 1,500.00 (its own open EUR)
    //   CG GBP Current 100.00 (its own GBP), Not due 55.00 / 1.30 = 42.307… → 42.31; 142.31
    //   CU USD = its company row (the customer is in the AC): 410.00
    //   totals: EUR 61-90 1,500.00, 31-60 1,000.00, 1-30 462.96 = 2,962.96; GBP 142.31; USD 410.00.
    const customer = ok(await report(t, '&currency=customer'));
    expect(customer.items.map((i: any) => [i.customerId, i.currency, i.amountDue])).toEqual([
      ['C5', 'EUR', '1462.96'],
      ['CG', 'GBP', '142.31'],
      ['CP', 'EUR', '1500.00'],
      ['CU', 'USD', '410.00'],
    ]);
    expect(customer.totals).toBeNull();
    expect(customer.totalsByCurrency.map((x: any) => [x.currency, x.amountDue, buckets(x)])).toEqual([
      ['EUR', '2962.96', { ...zeroBuckets, '61-90': '1500.00', '31-60': '1000.00', '1-30': '462.96' }],
      ['GBP', '142.31', { ...zeroBuckets, Current: '100.00', 'Not due': '42.31' }],
      ['USD', '410.00', { ...zeroBuckets, 'Over 90': '110.00', Current: '300.00' }],
    ]);
    // The snapshot list agrees row by row in both views.
    const listed = ok(await agingList(t, '&currency=customer'));
    for (const item of customer.items) {
      const row = rowOf(listed, item.customerId);
      expect([row.currency, row.amountDue, row.buckets]).toEqual([item.currency, item.amountDue, item.buckets]);
    }
    const listedAc = ok(await agingList(t));
    for (const item of company.items) {
      const row = rowOf(listedAc, item.customerId);
      expect([row.currency, row.amountDue, row.buckets]).toEqual([item.currency, item.amountDue, item.buckets]);
    }
  });

  it('collections C2 a partly paid EUR invoice ages its remaining AC; the report rebuilds both currencies at balanceAsOf', async () => {
    // INV-P: 2,000 EUR = 2,200.00 USD, due 04-15 (76 days at A: 61-90). 500 EUR settled on 06-10
    // moved 550.00 USD of it (its share), so it ages at 1,650.00 USD, or 1,500.00 EUR in the
    // customer view (its own currency, no conversion).
    expect(ok(await t.request('GET', '/api/v1/transactions/INV-P'))).toMatchObject({
      openAmount: '1500.00',
      openAmountAccounting: '1650.00',
    });
    const row = rowOf(ok(await agingList(t)), 'CP');
    expect(row).toMatchObject({ currency: 'USD', amountDue: '1650.00' });
    expect(buckets(row)).toEqual({ ...zeroBuckets, '61-90': '1650.00' });
    expect(buckets(rowOf(ok(await agingList(t, '&currency=customer')), 'CP'))).toEqual({
      ...zeroBuckets,
      '61-90': '1500.00',
    });
    // Before the payment (balanceAsOf 06-05, the payment not yet posted): the whole invoice,
    // 2,200.00 USD / 2,000.00 EUR.
    const before = ok(await report(t, '&customerId=CP&balanceAsOf=2024-06-05'));
    expect(buckets(before.items[0])).toEqual({ ...zeroBuckets, '61-90': '2200.00' });
    const beforeEur = ok(await report(t, '&customerId=CP&balanceAsOf=2024-06-05&currency=customer'));
    expect(buckets(beforeEur.items[0])).toEqual({ ...zeroBuckets, '61-90': '2000.00' });
    // On the payment's day: the settled remainder in both currencies; the payment is closed.
    const after = ok(await report(t, '&customerId=CP&balanceAsOf=2024-06-10'));
    expect(after.items[0]).toMatchObject({ currency: 'USD', amountDue: '1650.00' });
    const afterEur = ok(await report(t, '&customerId=CP&balanceAsOf=2024-06-10&currency=customer'));
    expect(afterEur.items[0]).toMatchObject({ currency: 'EUR', amountDue: '1500.00' });
  });

  it('collections C4 disputed and overdue amounts are totals in AC, converted in the customer view', async () => {
    // INV-GE (50 EUR = 55.00 USD) is disputed: disputedAmount 55.00 USD, or 55.00 / 1.30 = 42.31
    // GBP in CG's own currency (EUR is not GBP, so its AC amount is converted).
    const row = rowOf(ok(await agingList(t)), 'CG');
    expect(row).toMatchObject({ currency: 'USD', disputedCount: 1, disputedAmount: '55.00' });
    const gbp = rowOf(ok(await agingList(t, '&currency=customer')), 'CG');
    expect(gbp).toMatchObject({ currency: 'GBP', disputedCount: 1, disputedAmount: '42.31', amountDue: '142.31' });
    const usdPage = ok(await page(t, 'CG'));
    expect(usdPage.summary).toMatchObject({ currency: 'USD', disputedAmount: '55.00', overdueAmount: '0.00' });
    const gbpPage = ok(await page(t, 'CG', '?currency=customer'));
    expect(gbpPage.summary).toMatchObject({ currency: 'GBP', disputedAmount: '42.31' });
    // CU's overdue EUR invoice (due 03-01) is 110.00 USD in both views (CU is a USD customer).
    expect(ok(await page(t, 'CU', '?currency=customer')).summary).toMatchObject({
      currency: 'USD',
      overdueAmount: '110.00',
    });
    // A collections pool's preview states the currency of the amounts it compares.
    ok(
      await t.request('PUT', '/api/v1/pools/BIG', {
        as: 'credit_manager',
        body: { name: 'Over 1,000', type: 'collections', criteria: [{ field: 'amountDue', op: '>', value: '1000' }] },
      }),
      201,
    );
    const pool = ok(await t.request('GET', '/api/v1/pools/BIG/customers?definitionId=STD'));
    expect(pool.items.map((i: any) => [i.customerId, i.amountDue, i.currency])).toEqual([
      ['C5', '1600.00', 'USD'],
      ['CP', '1650.00', 'USD'],
    ]);
  });

  it('collections C5 a one-customer refresh keeps the customer view, a rate after the snapshot changes nothing stored', async () => {
    ok(
      await t.request('POST', '/api/v1/customers/C5/aging-snapshot:refresh', {
        as: 'collections_agent',
        body: { definitionId: 'STD' },
      }),
    );
    // A new EUR rate dated after A does not count for A (the rate on A is the latest dated ≤ A).
    await putExchangeRates(t, { EUR: '1.50' }, '2024-07-01');
    const row = rowOf(ok(await agingList(t, '&currency=customer')), 'C5');
    expect(row).toMatchObject({ currency: 'EUR', amountDue: '1462.96' });
    expect(ok(await report(t, '&customerId=C5&currency=customer')).items[0].amountDue).toBe('1462.96');
  });
});

describe.each(DIALECTS)('the snapshot credit columns in the accounting currency on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appOn(dialect);
    await putExchangeRates(t, { EUR: '1.10' }, '2024-01-01');
    await putExchangeRates(t, { EUR: '1.08' }, '2024-06-01');
  });
  afterAll(() => t.close());

  it('collections C6 open orders in another currency count at the rate on A, as the credit check counts them', async () => {
    await putCustomer(t, 'CO', { currency: 'USD', creditLimit: '10000.00' });
    await post(t, [
      {
        id: 'CO-INV',
        customerId: 'CO',
        type: 'invoice',
        amount: '100.00',
        transDate: '2024-06-01',
        dueDate: '2024-07-01',
      },
    ]);
    ok(
      await t.request('PUT', '/api/v1/sales-orders/CO-SO', {
        as: 'integration',
        body: { customerId: 'CO', amount: '1000.00', currency: 'EUR' },
      }),
      201,
    );
    await snapshot(t);
    // 1,000.00 EUR at the rate on A (1.08) = 1,080.00 USD; remaining 10,000.00 − 100.00 − 1,080.00 = 8,820.00
    const row = rowOf(ok(await agingList(t)), 'CO');
    expect(row).toMatchObject({ currency: 'USD', salesOrderAmount: '1080.00', remainingCredit: '8820.00' });
    const check = ok(
      await t.request('POST', '/api/v1/credit-check', { body: { customerId: 'CO', orderAmount: '0.00', asOf: A } }),
    );
    expect(check.availableCredit).toBe(row.remainingCredit);
  });
});

describe.each(DIALECTS)('the customer view without an exchange rate on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appOn(dialect);
    // CH pays in CHF but owes a USD invoice; no CHF rate exists yet.
    await putCustomer(t, 'CH', { currency: 'CHF' });
    await post(t, [
      {
        id: 'INV-H',
        customerId: 'CH',
        type: 'invoice',
        amount: '216.00',
        currency: 'USD',
        transDate: '2024-06-01',
        dueDate: '2024-06-15',
      },
    ]);
    await snapshot(t);
  });
  afterAll(() => t.close());

  it('collections C3 a missing rate on A in the customer view is a 422 naming the currency and date; the company view is unaffected', async () => {
    // The company view needs no rate: 216.00 USD in 1-30 (due 06-15, 15 days).
    const row = rowOf(ok(await agingList(t)), 'CH');
    expect(row).toMatchObject({ currency: 'USD', amountDue: '216.00' });
    expect(ok(await report(t)).totals.amountDue).toBe('216.00');
    expect(ok(await page(t, 'CH')).aging.live.amountDue).toBe('216.00');
    // The customer view needs the CHF rate on 2024-06-30: none.
    expectMissingRate(await agingList(t, '&currency=customer'), 'CHF', A);
    expectMissingRate(await report(t, '&currency=customer'), 'CHF', A);
    expectMissingRate(await page(t, 'CH', '?currency=customer'), 'CHF', A);
    // A rate dated after A does not help.
    await putExchangeRates(t, { CHF: '0.90' }, '2024-07-01');
    expectMissingRate(await report(t, '&currency=customer'), 'CHF', A);
    // A rate on or before A: the report converts at once, 216.00 / 1.08 = 200.00 CHF.
    await putExchangeRates(t, { CHF: '1.08' }, '2024-06-30');
    const chf = ok(await report(t, '&currency=customer'));
    expect(chf.items[0]).toMatchObject({ currency: 'CHF', amountDue: '200.00' });
    expect(chf.totalsByCurrency.map((x: any) => [x.currency, x.amountDue])).toEqual([['CHF', '200.00']]);
    // The stored snapshot was converted when it ran (without a rate): still a 422, naming the run
    // again; a new run converts.
    const stale = await agingList(t, '&currency=customer');
    expectMissingRate(stale, 'CHF', A);
    expect(stale.body.error.message).toContain('run the aging snapshot again');
    await snapshot(t);
    const listed = rowOf(ok(await agingList(t, '&currency=customer')), 'CH');
    expect(listed).toMatchObject({ currency: 'CHF', amountDue: '200.00', creditLimit: '9259.26' });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: a ledger in several currencies with random partial settlements ages, in the company
// view, to its open AC amounts: the snapshot and the report (at A and at an earlier balanceAsOf,
// rebuilt from the AC each settlement moved) and the Collections page; and the customer views of
// the snapshot and the report agree with the pure ageCustomer over the ledger's own amounts.

const CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF'] as const;
const RATES: Record<string, [string, string]> = {
  // [from 2000-01-01, from 2024-03-01]
  EUR: ['1.0825000001', '1.08'],
  GBP: ['1.2573100001', '1.30'],
  CHF: ['0.9733', '1.1499999999'],
};
const rateOnA = (currency: string) => {
  const r = tryParseExchangeRate(RATES[currency]![1]);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

const entry = fc.record({
  customer: fc.integer({ min: 0, max: 2 }),
  currency: fc.constantFrom(...CURRENCIES),
  cents: fc.integer({ min: 1, max: 400_000 }),
  credit: fc.boolean(),
  posted: fc.integer({ min: -200, max: 0 }),
  due: fc.integer({ min: -150, max: 60 }),
});
const settlement = fc.record({
  debit: fc.nat(),
  credit: fc.nat(),
  part: fc.integer({ min: 1, max: 100 }),
  late: fc.nat(60),
});
const ledger = fc.record({
  currencies: fc.array(fc.constantFrom(...CURRENCIES), { minLength: 3, maxLength: 3 }),
  entries: fc.array(entry, { minLength: 4, maxLength: 16 }),
  settlements: fc.array(settlement, { minLength: 2, maxLength: 8 }),
  back: fc.integer({ min: 0, max: 120 }),
});

describe.each(DIALECTS)('a ledger in several currencies ages to its open AC amounts on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appOn(dialect);
    for (const [currency, [early, late]] of Object.entries(RATES)) {
      await putExchangeRates(t, { [currency]: early }, '2000-01-01');
      await putExchangeRates(t, { [currency]: late }, '2024-03-01');
    }
  });
  afterAll(() => t.close());

  it('snapshot, report and Collections page (company view) equal the sum of the open AC amounts; the customer views equal ageCustomer', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ledger, async (s) => {
        run++;
        const ids = [0, 1, 2].map((i) => `P${run}-${i}`);
        for (const [i, id] of ids.entries()) await putCustomer(t, id, { currency: s.currencies[i] });
        const items = s.entries.map((e, n) => ({
          id: `P${run}-T${n}`,
          customerId: ids[e.customer]!,
          type: e.credit ? 'creditNote' : 'invoice',
          amount: formatMoney(BigInt(e.credit ? -e.cents : e.cents)),
          currency: e.currency,
          transDate: addDays(A, e.posted),
          dueDate: addDays(A, Math.max(e.posted, e.due)),
        }));
        await post(t, items);
        // AC moves of each transaction by settlement date, from what each settlement answered.
        const moves: { id: string; date: string; ac: bigint }[] = [];
        const postedAc = new Map<string, bigint>();
        const openAc = new Map<string, bigint>();
        const openTc = new Map<string, bigint>();
        for (const i of items) {
          const got = ok(await t.request('GET', `/api/v1/transactions/${i.id}`));
          postedAc.set(i.id, parseMoney(got.amountAccounting));
          openAc.set(i.id, parseMoney(got.openAmountAccounting));
          openTc.set(i.id, parseMoney(got.openAmount));
        }
        for (const x of s.settlements) {
          const debits = items.filter((i) => !i.amount.startsWith('-') && openTc.get(i.id)! > 0n);
          const debit = debits[x.debit % Math.max(debits.length, 1)];
          if (!debit) continue;
          const credits = items.filter(
            (i) => i.customerId === debit.customerId && i.amount.startsWith('-') && openTc.get(i.id)! < 0n,
          );
          const credit = credits[x.credit % Math.max(credits.length, 1)];
          if (!credit) continue;
          // At most half the smaller open amount (in the debit's currency, whatever the rates).
          const most = [openTc.get(debit.id)!, -openTc.get(credit.id)!].reduce((a, b) => (a < b ? a : b)) / 2n;
          const amount = (most * BigInt(x.part)) / 100n;
          if (amount <= 0n) continue;
          const from = debit.transDate > credit.transDate ? debit.transDate : credit.transDate;
          const date = addDays(from, x.late) > A ? A : addDays(from, x.late);
          const res = await t.request('POST', '/api/v1/settlements', {
            as: 'integration',
            body: { debitId: debit.id, creditId: credit.id, amount: formatMoney(amount), date },
          });
          const done = ok(res, 201);
          for (const side of [done.debit, done.credit]) {
            const after = parseMoney(side.openAmountAccounting);
            moves.push({ id: side.id, date, ac: after - openAc.get(side.id)! });
            openAc.set(side.id, after);
            openTc.set(side.id, parseMoney(side.openAmount));
          }
        }

        // The open AC amounts as the ledger holds them, per customer.
        const ledgerRows = new Map<string, any[]>();
        for (const id of ids)
          ledgerRows.set(
            id,
            ok(await t.request('GET', `/api/v1/customers/${id}/transactions?open=true&limit=1000`)).items,
          );
        const acOf = (id: string) =>
          ledgerRows.get(id)!.reduce((sum, r) => sum + parseMoney(r.openAmountAccounting), 0n);

        await snapshot(t, { includeZeroBalance: true });
        const list = ok(await agingList(t));
        const atA = ok(await report(t, `&balanceAsOf=${A}`));
        for (const id of ids) {
          const due = formatMoney(acOf(id));
          const row = rowOf(list, id);
          expect(row).toMatchObject({ currency: 'USD', amountDue: due });
          const bucketed = row.buckets.reduce((sum: bigint, b: any) => sum + parseMoney(b.amount), 0n);
          expect(formatMoney(bucketed + parseMoney(row.unbucketedAmount))).toBe(due);
          expect(rowOf(atA, id)?.amountDue ?? '0.00').toBe(due);
          expect(ok(await page(t, id)).aging.live.amountDue).toBe(due);
        }
        const all = [...ids].reduce((sum, id) => sum + acOf(id), 0n);
        const reported = (atA.items as any[])
          .filter((i) => ids.includes(i.customerId))
          .reduce((sum, i) => sum + parseMoney(i.amountDue), 0n);
        expect(formatMoney(reported)).toBe(formatMoney(all));
        expect(atA.totalsByCurrency.map((x: any) => x.currency)).toEqual(['USD']);

        // An earlier balanceAsOf: each transaction posted by then at its AC amount less what the
        // settlements dated by then moved.
        const b = addDays(A, -s.back);
        const earlier = ok(await report(t, `&balanceAsOf=${b}`));
        for (const id of ids) {
          let expected = 0n;
          for (const i of items.filter((x) => x.customerId === id && x.transDate <= b)) {
            expected += postedAc.get(i.id)!;
            for (const m of moves) if (m.id === i.id && m.date <= b) expected += m.ac;
          }
          expect(rowOf(earlier, id)?.amountDue ?? '0.00', `${id} at ${b}`).toBe(formatMoney(expected));
        }

        // The customer views: the snapshot's stored view, the report's and ageCustomer agree.
        const inOwn = ok(await agingList(t, '&currency=customer'));
        const ownReport = ok(await report(t, `&balanceAsOf=${A}&currency=customer`));
        for (const [i, id] of ids.entries()) {
          const currency = s.currencies[i]!;
          const expected = ageCustomer({
            definition: STD_DEF,
            asOf: A,
            criteria: 'dueDate',
            creditPlacement: 'ownDate',
            items: ledgerRows.get(id)!.map((r): AgingItem => ({
              id: r.id,
              amount: parseMoney(r.openAmountAccounting),
              currency: r.currency,
              amountCur: parseMoney(r.openAmount),
              dueDate: r.dueDate,
              transDate: r.transDate,
              documentDate: r.documentDate,
            })),
            view: currency === 'USD' ? undefined : { currency, rate: rateOnA(currency) },
          });
          const want = {
            currency,
            amountDue: formatMoney(expected.amountDue),
            buckets: expected.buckets.map((x) => ({ label: x.label, amount: formatMoney(x.amount) })),
          };
          const row = rowOf(inOwn, id);
          expect({ currency: row.currency, amountDue: row.amountDue, buckets: row.buckets }).toEqual(want);
          const reportRow = rowOf(ownReport, id);
          if (reportRow)
            expect({
              currency: reportRow.currency,
              amountDue: reportRow.amountDue,
              buckets: reportRow.buckets,
            }).toEqual(want);
          else expect(want.amountDue).toBe('0.00');
        }
      }),
      { numRuns: 12, seed: 20240630 },
    );
  }, 240_000);
});
