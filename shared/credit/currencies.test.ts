/**
 * Credit figures across currencies (./currencies.ts) and the credit check of a credit group in
 * another currency than the accounting currency (AC, USD here). Money in minor units; a rate is AC
 * per 1 unit scaled by 10^10 (1.25 = 12_500_000_000n).
 */
import { describe, expect, it } from 'vitest';
import { parseMoney, parseRate } from '../money';
import { tryParseExchangeRate, type ExchangeRate } from '../currency';
import { creditPosition, evaluateCreditCheck } from './blocking-rules';
import { groupAmountInAccounting, inGroupCurrency, insuranceInAccounting, ordersInAccounting } from './currencies';
import { insuranceContribution } from './limits';
import { DEFAULT_CREDIT_PARAMETERS, type BlockingRule, type CreditCheckInput } from './types';

const rate = (text: string): ExchangeRate => {
  const r = tryParseExchangeRate(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const m = (text: string) => parseMoney(text);
const EUR = rate('1.25');
const JPY = rate('0.0067');
const rates: Record<string, ExchangeRate> = { EUR, JPY };
const rateOf = (currency: string) => {
  const r = rates[currency];
  if (r === undefined) throw new Error(`no rate for ${currency}`);
  return r;
};

describe('ordersInAccounting: open orders in other currencies as AC exposure', () => {
  it('converts each part of each order at its currency’s rate', () => {
    // 1,000.00 EUR open at 1.25 = 1,250.00; 200.00 EUR delivered = 250.00;
    // 900.00 JPY open at 0.0067 = 6.03 (90,000 × 0.0067 = 603 minor units).
    expect(
      ordersInAccounting(
        [
          { currency: 'EUR', deliveredNotInvoiced: m('200.00'), openOrders: m('1000.00') },
          { currency: 'JPY', deliveredNotInvoiced: 0n, openOrders: m('900.00') },
        ],
        rateOf,
      ),
    ).toEqual({ deliveredNotInvoiced: m('250.00'), openOrders: m('1256.03') });
  });

  it('rounds half-up once per order, so leaving one order out takes off exactly what it added', () => {
    // 0.75 JPY × 0.0067 = 0.005025 USD → 0.01 per order; the two orders add 0.02 (their sum,
    // 1.50 JPY, would be 0.01005 → 0.01: one rounding per order, not per sum).
    const one = { currency: 'JPY', deliveredNotInvoiced: 0n, openOrders: m('0.75') };
    const both = ordersInAccounting([one, one], rateOf);
    expect(both.openOrders).toBe(m('0.02'));
    expect(both.openOrders - ordersInAccounting([one], rateOf).openOrders).toBe(m('0.01'));
  });

  it('no orders add nothing; a currency without a rate is refused by rateOf', () => {
    expect(ordersInAccounting([], rateOf)).toEqual({ deliveredNotInvoiced: 0n, openOrders: 0n });
    expect(() => ordersInAccounting([{ currency: 'GBP', deliveredNotInvoiced: 0n, openOrders: 1n }], rateOf)).toThrow(
      /GBP/,
    );
  });
});

describe('insuranceInAccounting: a policy’s value in AC', () => {
  it('converts the value once; the contribution is then taken from the AC value', () => {
    // 50,000.00 EUR at 1.25 = 62,500.00 USD; 50 % of it = 31,250.00 added to the limit.
    const policy = insuranceInAccounting(
      {
        identifier: 'insurance',
        value: m('50000.00'),
        updateCreditLimitPct: parseRate('50'),
        effectiveDate: '2025-01-01',
        expirationDate: '2025-12-31',
        includedInExposure: false,
      },
      EUR,
    );
    expect(policy.value).toBe(m('62500.00'));
    expect(insuranceContribution(policy)).toBe(m('31250.00'));
    // Included in exposure: 31,250.00 − 62,500.00 = −31,250.00.
    expect(insuranceContribution({ ...policy, includedInExposure: true })).toBe(m('-31250.00'));
  });
});

describe('inGroupCurrency / groupAmountInAccounting', () => {
  it('convert between AC and a group currency, rounded half-up once; without a rate the group is in AC', () => {
    // 7,500.00 USD at 1.25 = 6,000.00 EUR and back.
    expect(inGroupCurrency(m('7500.00'), EUR)).toBe(m('6000.00'));
    expect(groupAmountInAccounting(m('6000.00'), EUR)).toBe(m('7500.00'));
    // 100.00 USD at 1.0825 = 92.378… → 92.38 EUR.
    expect(inGroupCurrency(m('100.00'), rate('1.0825'))).toBe(m('92.38'));
    expect(inGroupCurrency(m('123.45'), undefined)).toBe(m('123.45'));
    expect(groupAmountInAccounting(m('123.45'), undefined)).toBe(m('123.45'));
  });
});

describe('the credit check of a credit group in its own currency (credit.md §3)', () => {
  const clu: BlockingRule = {
    id: 'R1',
    ruleType: 'creditLimitUsed',
    kind: 'blocking',
    validFor: 'all',
    accountOrGroup: null,
    riskGroupId: null,
    valueType: null,
    days: null,
    amount: null,
    percent: parseRate('100'),
    creditLimitThreshold: null,
    accountStatusId: null,
    paymentTermsId: null,
    releaseSalesOrder: false,
  };
  /** A group-only member (limit 0, not mandatory) of group G: 10,000.00 EUR, members' exposure 7,500.00 USD. */
  const input = (orderAccounting: bigint): CreditCheckInput => ({
    asOf: '2025-06-30',
    parameters: DEFAULT_CREDIT_PARAMETERS,
    customer: {
      id: 'B',
      creditLimit: 0n,
      creditLimitExpirationDate: null,
      mandatoryCreditLimit: false,
      unlimitedCredit: false,
      excludeFromCreditManagement: false,
      creditManagementGroupId: null,
      accountStatusId: null,
      riskGroupId: null,
      paymentTermsId: null,
      cashDiscountId: null,
    },
    exposureParts: { balance: m('2500.00'), deliveredNotInvoiced: 0n, openOrders: 0n },
    overdue: { oldestOverdueDueDate: null, overdueAmount: 0n },
    order: { amount: orderAccounting, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
    rules: [clu],
    group: {
      id: 'G',
      creditLimit: m('10000.00'),
      creditLimitToDate: '2025-12-31',
      membersExposure: m('7500.00'),
      currency: 'EUR',
      rate: EUR,
    },
  });

  it('converts the members’ exposure and the order amount to the group currency; binding figures in AC', () => {
    // Members 7,500.00 USD = 6,000.00 EUR; order 4,875.00 USD = 3,900.00 EUR; 9,900.00 of 10,000.00 = 99 %.
    const r = evaluateCreditCheck(input(m('4875.00')));
    expect(r.held).toBe(false);
    expect(r.group).toEqual({ id: 'G', limit: m('10000.00'), exposure: m('6000.00'), currency: 'EUR' });
    expect(r.percentAfterOrder).toBe(parseRate('99'));
    // In AC: the limit 10,000.00 EUR = 12,500.00 USD; available 4,000.00 EUR = 5,000.00 USD.
    expect([r.effectiveLimit, r.availableCredit]).toEqual([m('12500.00'), m('5000.00')]);
    expect(creditPosition(input(m('4875.00')), 0n).availableCredit).toBe(m('5000.00'));
  });

  it('holds an order that takes the group above its limit in its own currency, naming that currency', () => {
    // Order 5,125.00 USD = 4,100.00 EUR; 6,000.00 + 4,100.00 = 10,100.00 EUR of 10,000.00 = 101 %.
    const r = evaluateCreditCheck(input(m('5125.00')));
    expect(r.held).toBe(true);
    expect(r.reasons).toEqual([
      {
        ruleType: 'creditLimitUsed',
        ruleId: 'R1',
        measured: '101',
        threshold: '100',
        explanation: '10100.00 EUR of the credit group G limit 10000.00 EUR used after the order = 101% > 100%',
      },
    ]);
  });

  it('a group without a rate is in AC: its figures are taken as they are', () => {
    const inAccounting = input(m('2500.00'));
    delete inAccounting.group!.currency;
    delete inAccounting.group!.rate;
    // 7,500.00 + 2,500.00 = 10,000.00 of 10,000.00 = 100 %: not above, not held.
    const r = evaluateCreditCheck(inAccounting);
    expect(r.held).toBe(false);
    expect(r.group).toEqual({ id: 'G', limit: m('10000.00'), exposure: m('7500.00') });
    expect(r.availableCredit).toBe(m('2500.00'));
  });
});
