import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MONEY_MAX, parseRate, percentOf } from '../money';
import { evaluateCreditCheck } from '../credit/blocking-rules';
import type { CreditCheckInput } from '../credit/types';
import { DEFAULT_CREDIT_PARAMETERS } from '../credit/types';
import {
  CreditCheckResultSchema,
  creditResultToJson,
  customerCreditToJson,
  CustomerCreditSchema,
  percentJson,
  PercentJson,
} from './credit';

describe('percentJson: the one format of a percentage of used credit', () => {
  it.each([
    [148_000n, '14.8'],
    [502_812n, '50.2812'],
    [1_000_000n, '100'],
    [1_066_667n, '106.6667'],
    [0n, '0'],
    [1n, '0.0001'],
    [-250_000n, '-25'],
    [null, null],
  ])('%s → %s', (rate, text) => {
    expect(percentJson(rate)).toBe(text);
  });

  it('is rounded half away from zero once, to 4 decimals, by percentOf', () => {
    expect(percentJson(percentOf(1n, 3n))).toBe('33.3333');
    expect(percentJson(percentOf(2n, 3n))).toBe('66.6667');
    expect(percentJson(percentOf(1n, 8n))).toBe('12.5');
    expect(percentJson(percentOf(-2n, 3n))).toBe('-66.6667');
    expect(percentJson(percentOf(5n, 0n))).toBeNull();
  });

  it('always matches the documented pattern and reads back to the same rate', () => {
    const money = fc.bigInt({ min: -MONEY_MAX, max: MONEY_MAX });
    fc.assert(
      fc.property(money, money, (part, whole) => {
        const p = percentOf(part, whole);
        const text = percentJson(p);
        expect(PercentJson.safeParse(text).success).toBe(true);
        if (p === null || text === null) return;
        // Exactly the engine's rate (4 implied decimals), whatever its size: a percentage of a
        // tiny limit can exceed what parseRate accepts as input.
        const [int, frac = ''] = text.replace('-', '').split('.');
        expect(BigInt(`${text.startsWith('-') ? '-' : ''}${int}${frac.padEnd(4, '0')}`)).toBe(p);
        if (p <= 9_999_999_999_999_999n && p >= -9_999_999_999_999_999n) expect(parseRate(text)).toBe(p);
      }),
      { numRuns: 500 },
    );
  });
});

describe("the customer's credit is the credit check's answer for an empty order", () => {
  const input = (amount: bigint): CreditCheckInput => ({
    asOf: '2025-06-30',
    parameters: DEFAULT_CREDIT_PARAMETERS,
    customer: {
      id: 'C1',
      creditLimit: 1_000_000n,
      creditLimitExpirationDate: null,
      mandatoryCreditLimit: false,
      unlimitedCredit: false,
      excludeFromCreditManagement: false,
      ignoreUntilDate: null,
      creditManagementGroupId: null,
      accountStatusId: null,
      riskGroupId: null,
      paymentTermsId: null,
      cashDiscountId: null,
    },
    exposureParts: { balance: 502_812n, deliveredNotInvoiced: 0n, openOrders: 0n },
    overdue: { oldestOverdueDueDate: null, overdueAmount: 0n },
    order: { amount, paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
    rules: [],
  });

  it('same fields, same exposure object, percentUsed = percentAfterOrder, plus the limit breakdown; both match their schemas', () => {
    const check = creditResultToJson(evaluateCreditCheck(input(0n)), 'USD');
    const credit = customerCreditToJson(
      evaluateCreditCheck(input(0n)),
      {
        baseCreditLimit: 1_000_000n,
        activeTemporaryLimit: null,
        totalCreditLimit: 1_000_000n,
        creditGroupId: null,
        customerCurrency: 'EUR',
        creditLimitCustomerCurrency: 909_091n,
      },
      'USD',
    );
    expect(credit).toEqual({
      ...check,
      percentUsed: '50.2812',
      baseCreditLimit: '10000.00',
      activeTemporaryLimit: null,
      insuranceContribution: '0.00',
      totalCreditLimit: '10000.00',
      creditGroupId: null,
      customerCurrency: 'EUR',
      creditLimitCustomerCurrency: '9090.91',
    });
    expect(check).toMatchObject({
      currency: 'USD',
      exposure: { balance: '5028.12', deliveredNotInvoiced: '0.00', openOrders: '0.00', total: '5028.12' },
      percentAfterOrder: '50.2812',
    });
    expect(CreditCheckResultSchema.strict().safeParse(check).success).toBe(true);
    expect(CustomerCreditSchema.strict().safeParse(credit).success).toBe(true);
    // With an order the percentage includes it, in the same format.
    expect(creditResultToJson(evaluateCreditCheck(input(977_188n)), 'USD').percentAfterOrder).toBe('148');
  });
});
