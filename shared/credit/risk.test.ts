/**
 * Risk scoring, DSO and automatic limits (credit.md §1.7, §1.8, §2.3) and the worked examples
 * E39 and E40 of §8. Numbers are hundredths (8000n = 80.00) or minor units (5_000_000n = 50,000.00).
 */
import { describe, expect, it } from 'vitest';
import { parseMoney, type Money } from '../money';
import { evaluateCreditCheck } from './blocking-rules';
import {
  automaticLimitFor,
  averagePaymentDays,
  compareInput,
  dso,
  dsoDays,
  inputFor,
  overlappingBands,
  overlappingRangeLines,
  riskGroupFor,
  riskScore,
  scoreFor,
  wholeYears,
  type AutomaticLimitSetup,
  type RiskBand,
  type RiskInputs,
  type ScoringRule,
} from './risk';
import { DEFAULT_CREDIT_PARAMETERS, type BlockingRule, type CreditCheckInput } from './types';

/** A decimal with at most 2 decimals as hundredths / minor units: h('80') = 8000n. */
const h = (v: string | number): bigint => parseMoney(v);

const NO_INPUTS: RiskInputs = {
  averagePaymentDays: null,
  customerSinceYears: null,
  inBusinessSinceYears: null,
  daysSalesOutstanding: null,
  averageBalance: null,
  creditManagementGroupId: null,
  accountStatusId: null,
  country: null,
};

/** The risk classes of E40 [3p]. */
const BANDS: RiskBand[] = [
  { id: 'Low', fromScore: h(0), toScore: h(35) },
  { id: 'Medium', fromScore: h(36), toScore: h(60) },
  { id: 'High', fromScore: h(61), toScore: h(100) },
];

/** E40's scoring groups: credit management group (STD → 30) and a hand-entered growth index (strong → 50). */
const CMG: ScoringRule = {
  id: 'CMG',
  groupType: 'creditManagementGroup',
  scoreType: 'userDefined',
  lines: [
    { value: 'STD', score: h(30) },
    { value: 'KEY', score: h(10) },
  ],
};
const GROWTH: ScoringRule = {
  id: 'GROWTH',
  groupType: 'userDefined',
  scoreType: 'userDefined',
  lines: [
    { value: 'strong', score: h(50) },
    { value: 'flat', score: h(5) },
  ],
};

describe('credit E39 DSO (§1.8 [doc]): balance 50,000, 12-month sales 150,000, as of 2023-10-12', () => {
  // The doc example's as-of date is the one its three day counts fit: 12 months back is
  // 2022-10-12 (365 days), 6 months back 2023-04-12 (183 days), and 2023-01-02 is 283 days before.
  const base = { balance: h('50000'), sales: h('150000'), asOf: '2023-10-12' };

  it('credit E39 DSO12 = 50,000 / 150,000 × 365 = 121.67 (customerSince before the window)', () => {
    expect(dsoDays('2023-10-12', 12, null)).toBe(365);
    expect(dso({ ...base, months: 12, customerSince: null })).toBe(h('121.67'));
    expect(dso({ ...base, months: 12, customerSince: '2015-03-01' })).toBe(h('121.67'));
    // The window's first day itself does not shorten it.
    expect(dso({ ...base, months: 12, customerSince: '2022-10-12' })).toBe(h('121.67'));
  });

  it('credit E39 DSO6 = × 183 days = 61.00', () => {
    expect(dsoDays('2023-10-12', 6, null)).toBe(183);
    expect(dso({ ...base, months: 6, customerSince: null })).toBe(h('61.00'));
  });

  it('credit E39 customerSince 2023-01-02 caps the days at 283 → 94.33', () => {
    expect(dsoDays('2023-10-12', 12, '2023-01-02')).toBe(283);
    expect(dso({ ...base, months: 12, customerSince: '2023-01-02' })).toBe(h('94.33'));
  });

  it('rounds half-up once, exactly: 1.00 / 8.00 × 365 = 45.625 → 45.63; 121.666… → 121.67 and not 121.66', () => {
    expect(dso({ balance: h(1), sales: h(8), asOf: '2025-06-30', months: 12, customerSince: null })).toBe(h('45.63'));
    // 1 / 3 × 365 = 121.666…: a float-free result that a truncating division would get wrong.
    expect(dso({ balance: h(1), sales: h(3), asOf: '2023-10-12', months: 12, customerSince: null })).toBe(h('121.67'));
  });

  it('no sales → null (undefined ratio); a customer younger than today counts 0 days', () => {
    expect(dso({ ...base, sales: 0n, months: 12, customerSince: null })).toBeNull();
    expect(dso({ ...base, months: 12, customerSince: '2024-01-01' })).toBe(0n);
  });
});

describe('credit E40 scoring (§1.7, [3p]): CM group STD → 30, growth index → 50; Low 0–35, Medium 36–60, High 61–100', () => {
  const inputs: RiskInputs = { ...NO_INPUTS, creditManagementGroupId: 'STD', entered: { GROWTH: 'strong' } };

  it("credit E40 score 80.00, risk group High, with each group's input and score", () => {
    const r = riskScore([CMG, GROWTH], inputs);
    expect(r.score).toBe(h(80));
    expect(r.contributions).toEqual([
      { scoringRuleId: 'CMG', groupType: 'creditManagementGroup', input: 'STD', score: h(30) },
      { scoringRuleId: 'GROWTH', groupType: 'userDefined', input: 'strong', score: h(50) },
    ]);
    expect(riskGroupFor(r.score, BANDS)).toBe('High');
  });

  it('credit E40 a blocking rule with riskGroupId High applies; one with Medium does not', () => {
    const riskGroupId = riskGroupFor(riskScore([CMG, GROWTH], inputs).score, BANDS);
    const salesOrderRule = (id: string, group: string): BlockingRule => ({
      id,
      ruleType: 'salesOrder',
      kind: 'blocking',
      validFor: 'all',
      accountOrGroup: null,
      riskGroupId: group,
      valueType: 'amount',
      days: null,
      amount: h(100),
      percent: null,
      creditLimitThreshold: null,
      accountStatusId: null,
      paymentTermsId: null,
      releaseSalesOrder: false,
    });
    const check = (rules: BlockingRule[]): CreditCheckInput => ({
      asOf: '2025-06-30',
      parameters: DEFAULT_CREDIT_PARAMETERS,
      customer: {
        id: 'C1',
        creditLimit: h(10000),
        creditLimitExpirationDate: '2025-12-31',
        mandatoryCreditLimit: false,
        unlimitedCredit: false,
        excludeFromCreditManagement: false,
        creditManagementGroupId: 'STD',
        accountStatusId: 'Normal',
        riskGroupId,
        paymentTermsId: 'Net30',
        cashDiscountId: null,
      },
      exposureParts: { balance: 0n, deliveredNotInvoiced: 0n, openOrders: 0n },
      overdue: { oldestOverdueDueDate: null, overdueAmount: 0n },
      order: { amount: h(500), paymentTermsId: 'Net30', cashDiscountId: null, excludeFromCreditManagement: false },
      rules,
    });
    const high = evaluateCreditCheck(check([salesOrderRule('R-HIGH', 'High')]));
    expect(high.held).toBe(true);
    expect(high.reasons.map((r) => [r.ruleType, r.ruleId, r.measured, r.threshold])).toEqual([
      ['salesOrder', 'R-HIGH', '500.00', '100.00'],
    ]);
    const medium = evaluateCreditCheck(check([salesOrderRule('R-MEDIUM', 'Medium')]));
    expect(medium.checked).toBe(true);
    expect(medium.held).toBe(false);
    expect(medium.reasons).toEqual([]);
  });

  it('other inputs move the customer between bands: KEY + strong = 60 → Medium; STD without a growth value = 30 → Low', () => {
    expect(riskGroupFor(riskScore([CMG, GROWTH], { ...inputs, creditManagementGroupId: 'KEY' }).score, BANDS)).toBe(
      'Medium',
    );
    const noGrowth = riskScore([CMG, GROWTH], { ...inputs, entered: {} });
    expect(noGrowth.score).toBe(h(30));
    expect(noGrowth.contributions[1]).toEqual({
      scoringRuleId: 'GROWTH',
      groupType: 'userDefined',
      input: null,
      score: 0n,
    });
    expect(riskGroupFor(noGrowth.score, BANDS)).toBe('Low');
  });
});

describe('scoring groups (§1.7)', () => {
  const apd: ScoringRule = {
    id: 'APD',
    groupType: 'averagePaymentDays',
    scoreType: 'range',
    lines: [
      { fromValue: h(0), toValue: h(30), score: h(5) },
      { fromValue: h('30.01'), toValue: h(60), score: h(20) },
      { fromValue: h('60.01'), toValue: null, score: h(40) },
    ],
  };

  it('range lines are inclusive at both ends; null is unbounded; no match (or an unknown input) scores 0', () => {
    expect(scoreFor(apd, h(0))).toBe(h(5));
    expect(scoreFor(apd, h(30))).toBe(h(5));
    expect(scoreFor(apd, h('30.01'))).toBe(h(20));
    expect(scoreFor(apd, h(60))).toBe(h(20));
    expect(scoreFor(apd, h(9999))).toBe(h(40));
    expect(scoreFor(apd, h('-0.01'))).toBe(0n);
    expect(scoreFor(apd, null)).toBe(0n);
    // A label never falls in a range.
    expect(scoreFor(apd, '30')).toBe(0n);
  });

  it('value lines match labels exactly and numbers by decimal value', () => {
    expect(scoreFor(CMG, 'STD')).toBe(h(30));
    expect(scoreFor(CMG, 'std')).toBe(0n);
    expect(scoreFor(CMG, null)).toBe(0n);
    const years: ScoringRule = {
      id: 'Y',
      groupType: 'customerSince',
      scoreType: 'userDefined',
      lines: [{ value: '5', score: h(7) }],
    };
    expect(scoreFor(years, h(5))).toBe(h(7));
    expect(scoreFor(years, h(6))).toBe(0n);
  });

  it('each group type reads its own input; userDefined reads the entered value (a decimal for range groups); an entered country wins', () => {
    const inputs: RiskInputs = {
      averagePaymentDays: h('20.5'),
      customerSinceYears: h(4),
      inBusinessSinceYears: h(12),
      daysSalesOutstanding: h('121.67'),
      averageBalance: h('3000'),
      creditManagementGroupId: 'STD',
      accountStatusId: 'NORMAL',
      country: 'US',
      entered: { U1: '12.5', U2: 'abc', C2: 'DK' },
    };
    const rule = (
      id: string,
      groupType: ScoringRule['groupType'],
      scoreType: 'range' | 'userDefined' = 'range',
    ): ScoringRule =>
      scoreType === 'range' ? { id, groupType, scoreType, lines: [] } : { id, groupType, scoreType, lines: [] };
    expect(inputFor(rule('A', 'averagePaymentDays'), inputs)).toBe(h('20.5'));
    expect(inputFor(rule('A', 'customerSince'), inputs)).toBe(h(4));
    expect(inputFor(rule('A', 'inBusinessSince'), inputs)).toBe(h(12));
    expect(inputFor(rule('A', 'daysSalesOutstanding'), inputs)).toBe(h('121.67'));
    expect(inputFor(rule('A', 'averageBalance'), inputs)).toBe(h(3000));
    expect(inputFor(rule('A', 'creditManagementGroup', 'userDefined'), inputs)).toBe('STD');
    expect(inputFor(rule('A', 'accountStatus', 'userDefined'), inputs)).toBe('NORMAL');
    expect(inputFor(rule('C1', 'country', 'userDefined'), inputs)).toBe('US');
    expect(inputFor(rule('C2', 'country', 'userDefined'), inputs)).toBe('DK');
    expect(inputFor(rule('U1', 'userDefined'), inputs)).toBe(h('12.5'));
    expect(inputFor(rule('U1', 'userDefined', 'userDefined'), inputs)).toBe('12.5');
    expect(inputFor(rule('U2', 'userDefined'), inputs)).toBeNull();
    expect(inputFor(rule('U3', 'userDefined'), inputs)).toBeNull();
  });

  it('risk score sums every group; a score between bands has no group; band and line overlaps are found (inclusive ends)', () => {
    const r = riskScore([apd, CMG], { ...NO_INPUTS, averagePaymentDays: h(45), creditManagementGroupId: 'STD' });
    expect(r.score).toBe(h(50));
    expect(riskGroupFor(h('35.5'), BANDS)).toBeNull();
    expect(riskGroupFor(h(35), BANDS)).toBe('Low');
    expect(riskGroupFor(h(36), BANDS)).toBe('Medium');
    expect(riskGroupFor(h(101), BANDS)).toBeNull();
    expect(overlappingBands({ id: 'X', fromScore: h(35), toScore: h(36) }, BANDS)).toEqual(['Low', 'Medium']);
    expect(overlappingBands({ id: 'Medium', fromScore: h(36), toScore: h(60) }, BANDS)).toEqual([]);
    expect(overlappingRangeLines(apd.lines as never)).toEqual([]);
    expect(
      overlappingRangeLines([
        { fromValue: null, toValue: h(10) },
        { fromValue: h(10), toValue: null },
        { fromValue: h(20), toValue: h(30) },
      ]),
    ).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('whole years count anniversaries passed (29 February → 28 February); average payment days is an exact mean, rounded half-up', () => {
    expect(wholeYears('2020-07-01', '2025-06-30')).toBe(4);
    expect(wholeYears('2020-06-30', '2025-06-30')).toBe(5);
    expect(wholeYears('2024-02-29', '2025-02-28')).toBe(1);
    expect(wholeYears('2024-02-29', '2025-02-27')).toBe(0);
    expect(wholeYears('2026-01-01', '2025-06-30')).toBe(0);
    expect(wholeYears(null, '2025-06-30')).toBeNull();
    expect(averagePaymentDays([])).toBeNull();
    expect(
      averagePaymentDays([
        { invoiceDate: '2025-01-01', settledDate: '2025-01-31' },
        { invoiceDate: '2025-02-01', settledDate: '2025-02-11' },
      ]),
    ).toBe(h(20));
    // 1, 0 (same day) and 0 (paid before the invoice date): 1/3 = 0.333… → 0.33; 2/3 → 0.67.
    expect(
      averagePaymentDays([
        { invoiceDate: '2025-01-01', settledDate: '2025-01-02' },
        { invoiceDate: '2025-01-01', settledDate: '2025-01-01' },
        { invoiceDate: '2025-01-05', settledDate: '2025-01-01' },
      ]),
    ).toBe(h('0.33'));
    expect(
      averagePaymentDays([
        { invoiceDate: '2025-01-01', settledDate: '2025-01-02' },
        { invoiceDate: '2025-01-01', settledDate: '2025-01-02' },
        { invoiceDate: '2025-01-01', settledDate: '2025-01-01' },
      ]),
    ).toBe(h('0.67'));
  });
});

describe('automatic credit limits (§2.3 [assume])', () => {
  // [doc]: in risk group Low, 5 years in business gives 100,000 and 10 years gives 200,000.
  const lowUsd: AutomaticLimitSetup = {
    id: 'LOW-USD',
    riskGroupId: 'Low',
    currency: 'USD',
    maxRevenue: h(1_000_000),
    lines: [
      { scoringRuleId: 'YRS', operator: '≥', value: '5', creditLimit: h(100_000) },
      { scoringRuleId: 'YRS', operator: '≥', value: '10', creditLimit: h(200_000) },
      { scoringRuleId: 'CMG', operator: '=', value: 'KEY', creditLimit: h(150_000) },
    ],
  };
  const lowEur: AutomaticLimitSetup = {
    ...lowUsd,
    id: 'LOW-EUR',
    currency: 'EUR',
    lines: [{ scoringRuleId: 'YRS', operator: '>', value: '0', creditLimit: h(1_000) }],
  };
  const customer = (
    years: number | null,
    cmg: string | null,
    over: Partial<{ riskGroupId: string | null; currency: string; revenue: Money }> = {},
  ) => ({
    riskGroupId: 'Low',
    currency: 'USD',
    revenue: h(500_000),
    inputs: new Map<string, bigint | string | null>([
      ['YRS', years === null ? null : h(years)],
      ['CMG', cmg],
    ]),
    ...over,
  });

  it('lines are ORed and the highest matching limit wins', () => {
    expect(automaticLimitFor(customer(12, 'STD'), [lowEur, lowUsd])).toEqual({
      setupId: 'LOW-USD',
      lineIndex: 1,
      scoringRuleId: 'YRS',
      creditLimit: h(200_000),
    });
    expect(automaticLimitFor(customer(7, 'STD'), [lowUsd])?.creditLimit).toBe(h(100_000));
    expect(automaticLimitFor(customer(7, 'KEY'), [lowUsd])).toMatchObject({ lineIndex: 2, creditLimit: h(150_000) });
    expect(automaticLimitFor(customer(3, 'STD'), [lowUsd])).toBeNull();
    expect(automaticLimitFor(customer(null, null), [lowUsd])).toBeNull();
  });

  it("only the setup of the customer's risk group and currency, and only when revenue ≤ maxRevenue", () => {
    expect(automaticLimitFor(customer(12, 'STD', { currency: 'EUR' }), [lowUsd, lowEur])).toMatchObject({
      setupId: 'LOW-EUR',
      creditLimit: h(1_000),
    });
    expect(automaticLimitFor(customer(12, 'STD', { currency: 'GBP' }), [lowUsd, lowEur])).toBeNull();
    expect(automaticLimitFor(customer(12, 'STD', { riskGroupId: 'High' }), [lowUsd])).toBeNull();
    expect(automaticLimitFor(customer(12, 'STD', { riskGroupId: null }), [lowUsd])).toBeNull();
    expect(automaticLimitFor(customer(12, 'STD', { revenue: h(1_000_000) }), [lowUsd])?.creditLimit).toBe(h(200_000));
    expect(automaticLimitFor(customer(12, 'STD', { revenue: h('1000000.01') }), [lowUsd])).toBeNull();
  });

  it('operators = ≠ < ≤ > ≥ compare numbers as decimals; labels only with = and ≠; unknown inputs never match', () => {
    const table: [bigint | string | null, Parameters<typeof compareInput>[1], string, boolean][] = [
      [h(5), '=', '5', true],
      [h(5), '=', '5.00', true],
      [h(5), '≠', '5', false],
      [h(5), '<', '5', false],
      [h(5), '≤', '5', true],
      [h(5), '>', '4.99', true],
      [h(5), '≥', '5.01', false],
      [h(5), '=', 'five', false],
      ['STD', '=', 'STD', true],
      ['STD', '≠', 'KEY', true],
      ['STD', '<', 'TTT', false],
      [null, '≠', 'STD', false],
      [null, '≥', '0', false],
    ];
    for (const [input, op, value, expected] of table)
      expect(compareInput(input, op, value), `${String(input)} ${op} ${value}`).toBe(expected);
  });
});
