// Credit decisions across currencies (issue 20), end to end over HTTP on both dialects. The
// accounting currency (AC) is USD, the parameters' default. Customer limits, exposure and the rules'
// amounts are in AC; a transaction counts by its AC amount (fixed at posting), an order, a policy
// and a credit group keep their own currency and are converted at the rate on the check date, each
// rounded half-up once (per part of each order; per converted figure). The docs have no currency
// examples: these are numbered C1…, each with its arithmetic written out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import {
  addRule,
  cluAll,
  getHold,
  getOrder,
  holdsOf,
  invoice,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  putSetup,
  reasonFigures,
  setCheckpoints,
  setParameters,
} from '../support/credit';
import { readerOf } from '../../server/http/reader';
import { SetupCache } from '../../server/db/setup-cache';
import { loadCreditInput, loadCreditInputNow, loadCreditInputs } from '../../server/credit/credit-check/credit-input';
import { todayUtc } from '../../shared/dates';

const AS_OF = '2025-06-30';

/** The fields of the customer's `credit` that are the credit check's own answer (the rest is the limit breakdown). */
const checkPart = (credit: Record<string, unknown>) => {
  const {
    percentUsed: _percentUsed,
    baseCreditLimit: _base,
    activeTemporaryLimit: _temporary,
    insuranceContribution: _insurance,
    totalCreditLimit: _total,
    creditGroupId: _group,
    customerCurrency: _currency,
    creditLimitCustomerCurrency: _limit,
    ...check
  } = credit;
  return check;
};

describe.each(DIALECTS)('credit decisions in the accounting currency on %s', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp(dialect);
    await setParameters(t, {
      creditLimitType: 'balancePlusAll',
      checkCreditLimitOnSalesOrder: true,
      checkCustomerCreditGroupsCreditLimit: true,
    });
    await setCheckpoints(t, postingCheckpoints('confirmation'));
  });
  afterEach(async () => t.close());

  const creditCheck = async (body: Record<string, unknown>) =>
    ok(await t.request('POST', '/api/v1/credit-check', { as: 'credit_clerk', body }));
  const customer = async (id: string) => ok(await t.request('GET', `/api/v1/customers/${id}`, { as: 'credit_clerk' }));
  /** The customer read's credit summary equals the credit check of an empty order today. */
  async function expectReadAgreesWithCheck(customerId: string) {
    const read = await customer(customerId);
    const check = await creditCheck({ customerId, orderAmount: '0.00' });
    expect(checkPart(read.credit)).toEqual(check);
    return read;
  }
  /** A 422 whose message names the currency and the date without a rate. */
  function expectNoRate(res: { status: number; body: any }, currency: string, date: string, path?: string) {
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('rule_violation');
    expect(res.body.error.message).toContain(`no exchange rate for ${currency} on or before ${date}`);
    if (path) expect(res.body.error.details).toEqual([{ path, message: res.body.error.message }]);
  }

  it('credit C1 a JPY invoice counts by its AC amount: 900.00 JPY at 0.0067 is a balance of 6.03 USD, not 900.00; the customer read agrees', async () => {
    await putExchangeRates(t, { JPY: '0.0067' });
    await putCustomer(t, 'C1', { creditLimit: '1000.00' });
    await addRule(t, cluAll(100));
    await postTransactions(t, [{ ...invoice('C1-JPY', 'C1', '900.00', '2099-12-31'), currency: 'JPY' }]);
    // 900.00 JPY × 0.0067 = 6.03 USD (90,000 × 0.0067 = 603 minor units, exact).
    const empty = await creditCheck({ customerId: 'C1', orderAmount: '0.00', asOf: AS_OF });
    expect(empty).toMatchObject({
      currency: 'USD',
      held: false,
      exposure: { balance: '6.03', deliveredNotInvoiced: '0.00', openOrders: '0.00', total: '6.03' },
      effectiveLimit: '1000.00',
      // 1,000.00 − 6.03 = 993.97
      availableCredit: '993.97',
      // 6.03 / 1,000.00 = 0.603 %
      percentAfterOrder: '0.603',
    });
    // 6.03 + 993.97 = 1,000.00 = 100 %: not above, not held; one cent more is 100.001 %, held.
    expect(await creditCheck({ customerId: 'C1', orderAmount: '993.97', asOf: AS_OF })).toMatchObject({
      held: false,
      percentAfterOrder: '100',
    });
    const over = await creditCheck({ customerId: 'C1', orderAmount: '993.98', asOf: AS_OF });
    expect(over).toMatchObject({ held: true, percentAfterOrder: '100.001' });
    expect(over.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '100.001', '100']]);
    // The ledger keeps the invoice in its own currency.
    expect(ok(await t.request('GET', '/api/v1/transactions/C1-JPY'))).toMatchObject({
      amount: '900.00',
      currency: 'JPY',
    });
    const read = await expectReadAgreesWithCheck('C1');
    expect(read.credit).toMatchObject({
      currency: 'USD',
      exposure: { balance: '6.03', total: '6.03' },
      customerCurrency: 'USD',
      creditLimitCustomerCurrency: '1000.00',
    });
  });

  it('credit C2 an EUR open order is converted at the rate on the check date: 1.10 until 2025-06-14, 1.20 from 2025-06-15; the order checked too, and its hold names EUR', async () => {
    await putExchangeRates(t, { EUR: '1.10' });
    await putExchangeRates(t, { EUR: '1.20' }, '2025-06-15');
    await putCustomer(t, 'C2', { creditLimit: '1700.00' });
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-A', 'C2', '1000.00', { currency: 'EUR' });
    expect((await putOrder(t, 'SO-B', 'C2', '500.00', { currency: 'EUR' })).currency).toBe('EUR');
    const whatIf = (asOf: string) =>
      creditCheck({ customerId: 'C2', orderAmount: '500.00', currency: 'EUR', asOf, excludeOrderId: 'SO-B' });

    // On 2025-06-10: open orders 1,000.00 EUR × 1.10 = 1,100.00; the order 500.00 × 1.10 = 550.00;
    // 1,650.00 of 1,700.00 = 97.0588 %: not held; available 1,700.00 − 1,100.00 = 600.00.
    expect(await whatIf('2025-06-10')).toMatchObject({
      currency: 'USD',
      held: false,
      exposure: { balance: '0.00', deliveredNotInvoiced: '0.00', openOrders: '1100.00', total: '1100.00' },
      availableCredit: '600.00',
      percentAfterOrder: '97.0588',
    });
    // On 2025-06-30: 1,000.00 × 1.20 = 1,200.00 open; the order 500.00 × 1.20 = 600.00;
    // 1,800.00 of 1,700.00 = 105.8824 %: held; available 500.00.
    const june30 = await whatIf(AS_OF);
    expect(june30).toMatchObject({
      held: true,
      exposure: { openOrders: '1200.00', total: '1200.00' },
      availableCredit: '500.00',
      percentAfterOrder: '105.8824',
    });
    expect(june30.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '105.8824', '100']]);
    // Without a currency the amount is in the customer's (USD): 1,200.00 + 500.00 = 1,700.00 = 100 %.
    expect(
      await creditCheck({ customerId: 'C2', orderAmount: '500.00', asOf: AS_OF, excludeOrderId: 'SO-B' }),
    ).toMatchObject({ held: false, percentAfterOrder: '100' });

    // The posting decides as the what-if check did; the hold keeps the order's amount in EUR.
    const posted = ok(await postOrder(t, 'SO-B', { asOf: AS_OF }));
    expect(posted.posted).toBe(false);
    const hold = await getHold(t, posted.hold.id);
    expect(hold).toMatchObject({ salesOrderId: 'SO-B', orderAmount: '500.00', currency: 'EUR' });
    expect(hold.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '105.8824', '100']]);
    expect(hold.reasons[0].explanation).toBe(
      '1800.00 of the customer limit 1700.00 used after the order = 105.8824% > 100%',
    );
    expect((await holdsOf(t, 'customerId=C2')).map((h) => [h.salesOrderId, h.orderAmount, h.currency])).toEqual([
      ['SO-B', '500.00', 'EUR'],
    ]);

    // Delivered, not invoiced: a packing slip of 400.00 EUR of SO-A. On 2025-06-30:
    // 400.00 × 1.20 = 480.00 delivered, 600.00 × 1.20 = 720.00 open; on 2025-06-10: 440.00 and 660.00.
    ok(await postOrder(t, 'SO-A', { checkpoint: 'packingSlip', deliveredAmount: '400.00' }));
    expect((await whatIf(AS_OF)).exposure).toEqual({
      balance: '0.00',
      deliveredNotInvoiced: '480.00',
      openOrders: '720.00',
      total: '1200.00',
    });
    expect((await whatIf('2025-06-10')).exposure).toMatchObject({
      deliveredNotInvoiced: '440.00',
      openOrders: '660.00',
    });
  });

  it('credit C3 a currency without a rate on the check date is a 422 naming the currency and the date, for the order checked and for other open orders; nothing is held', async () => {
    await putCustomer(t, 'C3', { creditLimit: '10000.00' });
    await addRule(t, cluAll(100));
    expectNoRate(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        body: { customerId: 'C3', orderAmount: '100.00', currency: 'GBP', asOf: AS_OF },
      }),
      'GBP',
      AS_OF,
      'currency',
    );
    await putOrder(t, 'SO-GBP', 'C3', '100.00', { currency: 'GBP' });
    expectNoRate(await postOrder(t, 'SO-GBP', { asOf: AS_OF }), 'GBP', AS_OF, 'currency');
    expect(await holdsOf(t, 'customerId=C3')).toEqual([]);
    expect((await getOrder(t, 'SO-GBP')).creditStatus).toBe('clear');
    // A USD order of the same customer: the open GBP order is exposure, and it has no rate either.
    await putOrder(t, 'SO-USD', 'C3', '50.00');
    expectNoRate(await postOrder(t, 'SO-USD', { asOf: AS_OF }), 'GBP', AS_OF, 'asOf');
    // A rate from 2025-07-01 does not reach 2025-06-30; on 2025-07-01 100.00 GBP × 1.30 = 130.00.
    await putExchangeRates(t, { GBP: '1.30' }, '2025-07-01');
    expectNoRate(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        body: { customerId: 'C3', orderAmount: '50.00', asOf: AS_OF, excludeOrderId: 'SO-USD' },
      }),
      'GBP',
      AS_OF,
    );
    expect(
      await creditCheck({ customerId: 'C3', orderAmount: '50.00', asOf: '2025-07-01', excludeOrderId: 'SO-USD' }),
    ).toMatchObject({ held: false, exposure: { openOrders: '130.00', total: '130.00' } });
  });

  it('credit C4 creditLimitCustomerCurrency: the AC limit in the customer’s currency at today’s rate (11,000.00 USD at 1.0825 = 10,161.66 EUR); null without a rate; the read and the check agree', async () => {
    await putExchangeRates(t, { EUR: '1.0825' });
    await addRule(t, cluAll(100));
    await putCustomer(t, 'C4', { currency: 'EUR', creditLimit: '11000.00' });
    // An EUR invoice of 1,000.00 booked at 1.0825 = 1,082.50 USD; an open EUR order of 200.00 = 216.50 USD.
    await postTransactions(t, [{ ...invoice('C4-1', 'C4', '1000.00', '2099-12-31'), currency: 'EUR' }]);
    await putOrder(t, 'SO-C4', 'C4', '200.00');
    const read = await expectReadAgreesWithCheck('C4');
    // 11,000.00 / 1.0825 = 10,161.662817… → 10,161.66 (half-up, once).
    expect(read).toMatchObject({ currency: 'EUR', creditLimit: '11000.00' });
    expect(read.credit).toMatchObject({
      currency: 'USD',
      customerCurrency: 'EUR',
      baseCreditLimit: '11000.00',
      creditLimitCustomerCurrency: '10161.66',
      exposure: { balance: '1082.50', deliveredNotInvoiced: '0.00', openOrders: '216.50', total: '1299.00' },
      // 11,000.00 − 1,299.00 = 9,701.00
      availableCredit: '9701.00',
    });
    // A GBP customer without a GBP rate: no figure in its currency; the AC summary is whole.
    await putCustomer(t, 'C4G', { currency: 'GBP', creditLimit: '500.00' });
    const gbp = await expectReadAgreesWithCheck('C4G');
    expect(gbp.credit).toMatchObject({
      currency: 'USD',
      customerCurrency: 'GBP',
      creditLimitCustomerCurrency: null,
      effectiveLimit: '500.00',
    });
  });

  it('credit C5 an insurance of 50,000.00 EUR at 50 % adds 50 % of its AC value on the check date: 27,500.00 at 1.10, 30,000.00 at 1.20', async () => {
    await putExchangeRates(t, { EUR: '1.10' });
    await putExchangeRates(t, { EUR: '1.20' }, '2025-06-15');
    await putCustomer(t, 'C5', { creditLimit: '100000.00' });
    await addRule(t, cluAll(100));
    await postTransactions(t, [invoice('C5-1', 'C5', '110000.00', '2099-12-31')]);
    await putOrder(t, 'SO-E', 'C5', '10000.00');
    const policy = ok(
      await t.request('POST', '/api/v1/customers/C5/insurances', {
        as: 'credit_manager',
        body: {
          identifier: 'insurance',
          value: '50000.00',
          currency: 'EUR',
          updateCreditLimitPct: '50',
          effectiveDate: '2025-01-01',
          expirationDate: '2099-12-31',
          includedInExposure: false,
        },
      }),
      201,
    );
    // The policy itself stays in EUR: 50 % of 50,000.00 EUR = 25,000.00 EUR.
    expect(policy).toMatchObject({ value: '50000.00', currency: 'EUR', creditLimitContribution: '25000.00' });
    const check = (asOf: string) =>
      creditCheck({ customerId: 'C5', orderAmount: '10000.00', asOf, excludeOrderId: 'SO-E' });
    // 2025-06-10: 50,000.00 × 1.10 = 55,000.00 USD, 50 % = 27,500.00; limit 127,500.00;
    // 110,000.00 + 10,000.00 = 120,000.00 = 94.1176 %; available 17,500.00.
    expect(await check('2025-06-10')).toMatchObject({
      held: false,
      effectiveLimit: '127500.00',
      availableCredit: '17500.00',
      percentAfterOrder: '94.1176',
    });
    // 2025-06-30: × 1.20 = 60,000.00, 50 % = 30,000.00; limit 130,000.00; 120,000.00 = 92.3077 %.
    expect(await check(AS_OF)).toMatchObject({
      held: false,
      effectiveLimit: '130000.00',
      availableCredit: '20000.00',
      percentAfterOrder: '92.3077',
    });
    // Today the rate is 1.20 too: the read shows the AC contribution.
    expect((await expectReadAgreesWithCheck('C5')).credit).toMatchObject({
      baseCreditLimit: '100000.00',
      insuranceContribution: '30000.00',
      totalCreditLimit: '130000.00',
    });
  });

  it('credit C6 an EUR credit group with a USD and an EUR member: exposure and orders converted to EUR at 1.25; 10,000.00 EUR passes, 10,001.00 EUR is held; journals and the preview name the currencies', async () => {
    await putExchangeRates(t, { EUR: '1.25' });
    await addRule(t, cluAll(100));
    // Group-only members (limit 0, not mandatory): A in USD, B in EUR.
    await putCustomer(t, 'A', { creditLimit: '0.00' });
    await putCustomer(t, 'B', { currency: 'EUR', creditLimit: '0.00' });
    ok(
      await t.request('PUT', '/api/v1/credit-groups/G', {
        as: 'credit_manager',
        body: {
          name: 'Group G',
          creditLimit: '10000.00',
          currency: 'EUR',
          creditLimitToDate: '2099-12-31',
          members: ['A', 'B'],
        },
      }),
      201,
    );
    // A: 5,000.00 USD; B: 2,000.00 EUR booked at 1.25 = 2,500.00 USD. Members: 7,500.00 USD = 6,000.00 EUR.
    await postTransactions(t, [
      invoice('A-1', 'A', '5000.00', '2099-12-31'),
      { ...invoice('B-1', 'B', '2000.00', '2099-12-31'), currency: 'EUR' },
    ]);

    // B orders 3,900.00 EUR (its currency) = 4,875.00 USD = 3,900.00 EUR in the group:
    // 6,000.00 + 3,900.00 = 9,900.00 of 10,000.00 EUR = 99 %: not held. In AC the group limit is
    // 10,000.00 × 1.25 = 12,500.00 and its available credit (10,000.00 − 6,000.00) × 1.25 = 5,000.00.
    await putOrder(t, 'SO-B1', 'B', '3900.00');
    expect(
      await creditCheck({ customerId: 'B', orderAmount: '3900.00', asOf: AS_OF, excludeOrderId: 'SO-B1' }),
    ).toEqual({
      currency: 'USD',
      held: false,
      checked: true,
      note: null,
      reasons: [],
      exposure: { balance: '2500.00', deliveredNotInvoiced: '0.00', openOrders: '0.00', total: '2500.00' },
      effectiveLimit: '12500.00',
      availableCredit: '5000.00',
      percentAfterOrder: '99',
      group: { id: 'G', limit: '10000.00', exposure: '6000.00', currency: 'EUR' },
    });
    expect(ok(await postOrder(t, 'SO-B1', { asOf: AS_OF })).posted).toBe(true);

    // Now the members hold 7,500.00 + 4,875.00 (SO-B1, open) = 12,375.00 USD = 9,900.00 EUR.
    // A orders in USD: 125.00 USD = 100.00 EUR → 10,000.00 EUR = 100 %: not held;
    // 126.25 USD = 101.00 EUR → 10,001.00 EUR = 100.01 %: held.
    await putOrder(t, 'SO-A1', 'A', '126.25');
    expect(
      await creditCheck({ customerId: 'A', orderAmount: '125.00', asOf: AS_OF, excludeOrderId: 'SO-A1' }),
    ).toMatchObject({
      held: false,
      percentAfterOrder: '100',
      // (10,000.00 − 9,900.00) × 1.25 = 125.00
      availableCredit: '125.00',
      group: { exposure: '9900.00', currency: 'EUR' },
    });
    const posted = ok(await postOrder(t, 'SO-A1', { asOf: AS_OF }));
    expect(posted.posted).toBe(false);
    const hold = await getHold(t, posted.hold.id);
    expect(hold).toMatchObject({ orderAmount: '126.25', currency: 'USD' });
    expect(hold.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '100.01', '100']]);
    expect(hold.reasons[0].explanation).toBe(
      '10001.00 EUR of the credit group G limit 10000.00 EUR used after the order = 100.01% > 100%',
    );

    // Today SO-A1 is an open order too: 12,375.00 + 126.25 = 12,501.25 USD = 10,001.00 EUR;
    // available (10,000.00 − 10,001.00) × 1.25 = −1.25 USD. The read agrees with the check.
    const read = await expectReadAgreesWithCheck('A');
    expect(read.credit).toMatchObject({
      currency: 'USD',
      exposure: { balance: '5000.00', openOrders: '126.25', total: '5126.25' },
      availableCredit: '-1.25',
      percentAfterOrder: '100.01',
      group: { id: 'G', limit: '10000.00', exposure: '10001.00', currency: 'EUR' },
      creditGroupId: 'G',
    });

    // The journal preview agrees with the check; a group line is in EUR, a customer line in USD.
    const validated = ok(
      await t.request('POST', '/api/v1/adjustment-journals:validate', {
        as: 'credit_clerk',
        body: {
          type: 'creditLimit',
          lines: [
            { creditGroupId: 'G', newCreditLimit: '11000.00' },
            { customerId: 'A', newCreditLimit: '0.00' },
          ],
        },
      }),
    );
    expect(
      validated.lines.map((l: any) => [
        l.creditGroupId ?? l.customerId,
        l.currency,
        l.currentCreditLimit,
        l.currentAvailableCredit,
        l.projectedAvailableCredit,
        l.projectedPercentUsed,
      ]),
    ).toEqual([
      ['G', 'EUR', '10000.00', null, null, null],
      ['A', 'USD', '0.00', read.credit.availableCredit, '-1.25', '100.01'],
    ]);
    const journal = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_clerk',
        body: {
          type: 'creditLimit',
          lines: [
            { creditGroupId: 'G', newCreditLimit: '11000.00' },
            { customerId: 'A', newCreditLimit: '0.00' },
          ],
        },
      }),
      201,
    );
    expect(journal.lines.map((l: any) => [l.lineNo, l.currency, l.newCreditLimit])).toEqual([
      [1, 'EUR', '11000.00'],
      [2, 'USD', '0.00'],
    ]);
    expect(
      ok(await t.request('GET', `/api/v1/adjustment-journals/${journal.id}`)).lines.map((l: any) => l.currency),
    ).toEqual(['EUR', 'USD']);

    // The add-in's preview input: the members' exposure in AC with the group's currency and rate;
    // the held order's re-check takes SO-A1 out in AC (12,501.25 − 126.25 = 12,375.00).
    const context = ok(
      await t.request('POST', '/api/v1/credit-context:batch', { body: { customerIds: ['A'], asOf: todayUtc() } }),
    );
    const a = context.customers[0];
    expect(a.group).toMatchObject({
      id: 'G',
      creditLimit: '10000.00',
      membersExposure: '12501.25',
      currency: 'EUR',
      rate: '1.25',
    });
    expect(a.heldOrders).toEqual([
      {
        holdId: hold.id,
        salesOrderId: 'SO-A1',
        order: expect.objectContaining({ amount: '126.25' }),
        exposureParts: { balance: '5000.00', deliveredNotInvoiced: '0.00', openOrders: '0.00' },
        groupMembersExposure: '12375.00',
      },
    ]);

    // The journal's bulk read and the credit check's read hand the engine the same input, orders
    // in other currencies included (and on SQLite the synchronous read too).
    const reader = readerOf(t.handle);
    const today = todayUtc();
    const bulk = await loadCreditInputs(reader, ['A', 'B'], today);
    for (const id of ['A', 'B']) {
      const query = {
        customerId: id,
        asOf: today,
        order: { amount: 0n, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
      };
      const one = await loadCreditInput(readerOf(t.handle, new SetupCache(t.handle.dialect)), query);
      expect(bulk.get(id)).toEqual(one);
      if (dialect === 'sqlite') expect(loadCreditInputNow(reader, query)).toEqual(one);
    }
    expect(bulk.get('B')!.group).toMatchObject({ membersExposure: 1_250_125n, currency: 'EUR', rate: 12_500_000_000n });
  });

  it('credit C7 rule amounts are in AC: a sales-order rule of 1,000.00 holds 950.00 EUR (1,045.00 USD), not 900.00 EUR (990.00); an overdue 80,000.00 JPY invoice is 536.00 USD overdue', async () => {
    await putExchangeRates(t, { EUR: '1.10', JPY: '0.0067' });
    await putCustomer(t, 'C7', { creditLimit: '1000000.00' });
    await addRule(t, { ruleType: 'salesOrder', kind: 'blocking', validFor: 'all', amount: '1000.00' });
    // 950.00 EUR × 1.10 = 1,045.00 USD > 1,000.00: held; 900.00 × 1.10 = 990.00 ≤ 1,000.00: not held.
    const big = await creditCheck({ customerId: 'C7', orderAmount: '950.00', currency: 'EUR', asOf: AS_OF });
    expect(big.held).toBe(true);
    expect(big.reasons.map(reasonFigures)).toEqual([['salesOrder', '1045.00', '1000.00']]);
    expect((await creditCheck({ customerId: 'C7', orderAmount: '900.00', currency: 'EUR', asOf: AS_OF })).held).toBe(
      false,
    );
    // Overdue amount, with an amount threshold on usage: 80,000.00 JPY × 0.0067 = 536.00 USD overdue
    // > 500.00, and 536.00 + 990.00 = 1,526.00 used > 0.00: held. (In JPY it would read 80,000.00.)
    await addRule(t, {
      ruleType: 'overdueAmount',
      kind: 'blocking',
      validFor: 'all',
      amount: '500.00',
      valueType: 'amount',
      creditLimitThreshold: '0.00',
    });
    await postTransactions(t, [{ ...invoice('C7-JPY', 'C7', '80000.00', '2025-05-31'), currency: 'JPY' }]);
    const overdue = await creditCheck({ customerId: 'C7', orderAmount: '900.00', currency: 'EUR', asOf: AS_OF });
    expect(overdue).toMatchObject({ held: true, exposure: { balance: '536.00' } });
    expect(overdue.reasons.map(reasonFigures)).toEqual([['overdueAmount', '536.00', '500.00']]);
    expect(overdue.reasons[0].explanation).toBe('overdue 536.00 > 500.00 and 1526.00 used after the order > 0.00');
  });

  it('credit C8 the automatic-limit setup is the one in the customer’s currency; its EUR limit becomes an AC journal line (10,000.00 EUR × 1.10 = 11,000.00 USD); revenue is compared in EUR', async () => {
    await putExchangeRates(t, { EUR: '1.10' });
    await putSetup(t, 'credit-management-groups', 'STD', { description: 'Standard' });
    await putSetup(t, 'risk-groups', 'Low', { description: 'Low risk', fromScore: 0, toScore: 100 });
    await putSetup(t, 'scoring-rules', 'CMG', {
      description: 'Credit management group',
      groupType: 'creditManagementGroup',
      scoreType: 'userDefined',
      lines: [{ value: 'STD', score: 10 }],
    });
    const line = (creditLimit: string) => [{ scoringRuleId: 'CMG', operator: '=', value: 'STD', creditLimit }];
    await putSetup(t, 'automatic-limit-setups', 'LOW-USD', {
      riskGroupId: 'Low',
      currency: 'USD',
      maxRevenue: '1000000.00',
      lines: line('20000.00'),
    });
    // maxRevenue in EUR: RE's sales of 1,000.00 EUR (1,100.00 USD in the ledger) are 1,000.00 EUR ≤ 1,000.00.
    await putSetup(t, 'automatic-limit-setups', 'LOW-EUR', {
      riskGroupId: 'Low',
      currency: 'EUR',
      maxRevenue: '1000.00',
      lines: line('10000.00'),
    });
    await putCustomer(t, 'RE', { currency: 'EUR', creditLimit: '500.00', creditManagementGroupId: 'STD' });
    await putCustomer(t, 'RU', { creditLimit: '500.00', creditManagementGroupId: 'STD' });
    const today = todayUtc();
    await postTransactions(t, [
      { ...invoice('RE-1', 'RE', '1000.00', '2099-12-31'), currency: 'EUR', transDate: today },
    ]);
    ok(await t.request('POST', '/api/v1/risk-scores:update', { as: 'credit_manager', body: { asOf: today } }));
    expect([(await customer('RE')).riskGroupId, (await customer('RU')).riskGroupId]).toEqual(['Low', 'Low']);
    const journal = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_clerk',
        body: { type: 'creditLimit', description: 'automatic' },
      }),
      201,
    );
    const generated = ok(
      await t.request('POST', `/api/v1/adjustment-journals/${journal.id}/generate`, {
        as: 'credit_clerk',
        body: { mode: 'automatic' },
      }),
    );
    expect(generated.lines.map((l: any) => [l.customerId, l.currency, l.currentCreditLimit, l.newCreditLimit])).toEqual(
      [
        ['RE', 'USD', '500.00', '11000.00'],
        ['RU', 'USD', '500.00', '20000.00'],
      ],
    );
  });
});
