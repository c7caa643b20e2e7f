/**
 * The worked examples E1–E36 of credit.md §8, one test each (variants get their own test).
 *
 * Defaults of §8: as-of 2025-06-30, USD, no tax, creditLimitType balancePlusAll,
 * checkCreditLimitOnSalesOrder and checkCustomerCreditGroupsCreditLimit on; customer C1 with a
 * limit of 10,000.00 expiring 2025-12-31, credit management group STD, risk group Medium,
 * account status Normal, default terms Net30. The rules listed in a row are the only rules.
 *
 * Money is in minor units (800_000n = 8,000.00); percentages are Rates (950_000n = 95 %).
 */
import { describe, expect, it } from 'vitest';
import type { CalendarDate } from '../dates';
import { applyPercent, parseMoney, parseRate, type Money, type Rate } from '../money';
import { evaluateCreditCheck, summarizeOverdue, summaryReason } from './blocking-rules';
import { mustCheck, validateCheckpoints, type CheckpointSetup } from './checkpoints';
import {
  DEFAULT_CREDIT_PARAMETERS,
  type BlockingRule,
  type CreditCheckInput,
  type CreditCheckResult,
  type CreditCustomer,
  type CreditGroupState,
  type CreditParameters,
  type Insurance,
  type RuleType,
  type TemporaryLimit,
  type ValueType,
} from './types';

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const AS_OF: CalendarDate = '2025-06-30';

/** Whole or decimal currency units to Money: usd(10000) = 1_000_000n. */
const usd = (units: number): Money => parseMoney(units);
/** A percentage to a Rate: pct(100) = 1_000_000n. */
const pct = (p: number): Rate => parseRate(p);

/** Customer C1 of §8, with overrides. */
function customer(overrides: Partial<CreditCustomer> = {}): CreditCustomer {
  return {
    id: 'C1',
    creditLimit: usd(10000),
    creditLimitExpirationDate: '2025-12-31',
    mandatoryCreditLimit: false,
    unlimitedCredit: false,
    excludeFromCreditManagement: false,
    ignoreUntilDate: null,
    creditManagementGroupId: 'STD',
    accountStatusId: 'Normal',
    riskGroupId: 'Medium',
    paymentTermsId: 'Net30',
    cashDiscountId: null,
    ...overrides,
  };
}

/** The value type a rule of each type uses unless stated (exclusions of daysOverdue may use 'amount'). */
const DEFAULT_VALUE_TYPE: Record<RuleType, ValueType | null> = {
  daysOverdue: 'days',
  accountStatus: null,
  termsOfPayment: null,
  creditLimitExpired: 'days',
  overdueAmount: 'percent',
  salesOrder: 'amount',
  creditLimitUsed: 'percent',
};

let ruleSeq = 0;
/** A rule: blocking, valid for All, unless overridden. */
function rule(ruleType: RuleType, overrides: Partial<BlockingRule> = {}): BlockingRule {
  ruleSeq += 1;
  return {
    id: `R${ruleSeq}-${ruleType}`,
    ruleType,
    kind: 'blocking',
    validFor: 'all',
    accountOrGroup: null,
    riskGroupId: null,
    valueType: DEFAULT_VALUE_TYPE[ruleType],
    days: null,
    amount: null,
    percent: null,
    creditLimitThreshold: null,
    accountStatusId: null,
    paymentTermsId: null,
    releaseSalesOrder: false,
    ...overrides,
  };
}

/** "CLU All p %". */
const clu = (p: number, overrides: Partial<BlockingRule> = {}) =>
  rule('creditLimitUsed', { percent: pct(p), ...overrides });
/** "DaysOverdue Block All d". */
const daysOverdueBlock = (days: number, overrides: Partial<BlockingRule> = {}) =>
  rule('daysOverdue', { days, ...overrides });
/** An exclusion scoped to customer C1 ("Table C1"). */
const forC1: Partial<BlockingRule> = { kind: 'exclusion', validFor: 'table', accountOrGroup: 'C1' };

/** One open invoice: amount and due date. */
type Invoice = [amount: number, dueDate: CalendarDate];

/** A table row, in the words of §8. Amounts are in currency units. */
interface Row {
  asOf?: CalendarDate;
  parameters?: Partial<CreditParameters>;
  customer?: Partial<CreditCustomer>;
  /** The open invoices; "balance" is their sum. */
  invoices?: Invoice[];
  /** Other unshipped orders. */
  openOrders?: number;
  deliveredNotInvoiced?: number;
  /** The order being checked. */
  order: number;
  orderTerms?: string | null;
  orderCashDiscount?: string | null;
  rules: BlockingRule[];
  temporaryLimits?: TemporaryLimit[];
  insurances?: Insurance[];
  group?: CreditGroupState | null;
  paymentTermsRanks?: Record<string, number>;
  cashDiscountRanks?: Record<string, number>;
}

/** The check input for a row: balance from the invoices, overdue summary on the row's as-of date. */
function input(row: Row): CreditCheckInput {
  const asOf = row.asOf ?? AS_OF;
  const invoices = (row.invoices ?? []).map(([amount, dueDate]) => ({ dueDate, openAmount: usd(amount) }));
  return {
    asOf,
    parameters: { ...DEFAULT_CREDIT_PARAMETERS, ...row.parameters },
    customer: customer(row.customer),
    exposureParts: {
      balance: invoices.reduce((sum, i) => sum + i.openAmount, 0n),
      deliveredNotInvoiced: usd(row.deliveredNotInvoiced ?? 0),
      openOrders: usd(row.openOrders ?? 0),
    },
    overdue: summarizeOverdue(invoices, asOf),
    order: {
      amount: usd(row.order),
      paymentTermsId: row.orderTerms === undefined ? 'Net30' : row.orderTerms,
      cashDiscountId: row.orderCashDiscount ?? null,
      excludeFromCreditManagement: false,
    },
    rules: row.rules,
    temporaryLimits: row.temporaryLimits,
    insurances: row.insurances,
    group: row.group ?? null,
    paymentTermsRanks: row.paymentTermsRanks ? new Map(Object.entries(row.paymentTermsRanks)) : undefined,
    cashDiscountRanks: row.cashDiscountRanks ? new Map(Object.entries(row.cashDiscountRanks)) : undefined,
  };
}

/** Runs the check for a row. */
const check = (row: Row): CreditCheckResult => evaluateCreditCheck(input(row));
/** The reason types, in order. */
const reasonTypes = (r: CreditCheckResult) => r.reasons.map((x) => x.ruleType);

/** A customer credit group; `membersExposure` is Σ of every member's exposure (order excluded). */
function creditGroup(
  limit: number,
  membersExposure: number,
  overrides: Partial<CreditGroupState> = {},
): CreditGroupState {
  return {
    id: 'G',
    creditLimit: usd(limit),
    creditLimitToDate: '2025-12-31',
    membersExposure: usd(membersExposure),
    ...overrides,
  };
}

/** An insurance policy, active for all of 2025 unless overridden. */
function insurance(value: number, percent: number, overrides: Partial<Insurance> = {}): Insurance {
  return {
    identifier: 'insurance',
    value: usd(value),
    updateCreditLimitPct: pct(percent),
    effectiveDate: '2025-01-01',
    expirationDate: '2025-12-31',
    includedInExposure: false,
    ...overrides,
  };
}

/** E1: balance 6,000 (inv due 2025-07-15), open orders 2,000; CLU All 100 %. */
const e1 = (order: number, more: Partial<Row> = {}): Row => ({
  invoices: [[6000, '2025-07-15']],
  openOrders: 2000,
  order,
  rules: [clu(100)],
  ...more,
});
/** E6: inv 1,000 due 2025-04-01 (90 days overdue), order 100; DaysOverdue Block All 61. */
const e6 = (more: Partial<Row> = {}): Row => ({
  invoices: [[1000, '2025-04-01']],
  order: 100,
  rules: [daysOverdueBlock(61)],
  ...more,
});
/** E24: one invoice 6,000 due 2025-04-01 (90 days), open orders 2,000, order 2,500; CLU 100 % + DaysOverdue 61. */
const e24 = (more: Partial<Row> = {}): Row => ({
  invoices: [[6000, '2025-04-01']],
  openOrders: 2000,
  order: 2500,
  rules: [clu(100), daysOverdueBlock(61)],
  ...more,
});

// ---------------------------------------------------------------------------------------------
// §8 E1–E36
// ---------------------------------------------------------------------------------------------

describe('credit.md §8 worked examples', () => {
  // --- Credit limit used and creditLimitType (§1.9, §4.3 row 7) ---

  it('credit E1 order within the limit: exposure 8,000, available 2,000, 95 % after order, not held', () => {
    const r = check(e1(1500));
    expect(r.checked).toBe(true);
    expect(r.exposure).toEqual({ balance: 600_000n, deliveredNotInvoiced: 0n, openOrders: 200_000n, total: 800_000n });
    expect(r.effectiveLimit).toBe(1_000_000n);
    expect(r.availableCredit).toBe(200_000n);
    expect(r.percentAfterOrder).toBe(950_000n);
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E2 order over the limit: 10,500 = 105 % > 100, held [creditLimitUsed]', () => {
    const r = check(e1(2500));
    expect(r.exposure.total).toBe(800_000n);
    expect(r.availableCredit).toBe(200_000n);
    expect(r.percentAfterOrder).toBe(1_050_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
    expect(summaryReason(r.reasons)).toBe('creditLimitUsed');
  });

  it('credit E3 creditLimitType balance: exposure 6,000, available 4,000, usedAfter 8,500, not held', () => {
    const r = check(e1(2500, { parameters: { creditLimitType: 'balance' } }));
    expect(r.exposure.total).toBe(600_000n);
    expect(r.availableCredit).toBe(400_000n);
    expect(r.exposure.total + usd(2500)).toBe(850_000n);
    expect(r.percentAfterOrder).toBe(850_000n);
    expect(r.held).toBe(false);
  });

  it('credit E4 creditLimitType balancePlusPackingSlip with 1,000 delivered: exposure 7,000, usedAfter 9,500, not held', () => {
    const r = check(
      e1(2500, { parameters: { creditLimitType: 'balancePlusPackingSlip' }, deliveredNotInvoiced: 1000 }),
    );
    expect(r.exposure.total).toBe(700_000n);
    expect(r.availableCredit).toBe(300_000n);
    expect(r.percentAfterOrder).toBe(950_000n);
    expect(r.held).toBe(false);
  });

  it('credit E5 CLU threshold 90 %: headroom 4,000, order 4,500 makes 95 %, held [creditLimitUsed], available 5,000', () => {
    const r = check({ invoices: [[5000, '2025-07-31']], order: 4500, rules: [clu(90)] });
    expect(r.exposure.total).toBe(500_000n);
    expect(applyPercent(r.effectiveLimit!, pct(90)) - r.exposure.total).toBe(400_000n);
    expect(r.percentAfterOrder).toBe(950_000n);
    expect(r.availableCredit).toBe(500_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  // --- Days overdue and exclusions (§4.3 row 1, §4.4) ---

  it('credit E6 invoice 90 days overdue > 61, held [daysOverdue]', () => {
    const r = check(e6());
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue']);
    expect(r.reasons[0]!.measured).toBe('90');
    expect(r.reasons[0]!.threshold).toBe('61');
  });

  it('credit E7 invoice 60 days overdue ≤ 61, not held', () => {
    const r = check(e6({ invoices: [[1000, '2025-05-01']] }));
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E8 days exclusion Table C1 100 overrides the All block: 90 ≤ 100, not held', () => {
    const r = check(e6({ rules: [daysOverdueBlock(61), rule('daysOverdue', { ...forC1, days: 100 })] }));
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E9 invoice 122 days overdue: the exclusion is false (122 > 100), held [daysOverdue]', () => {
    const r = check(
      e6({
        invoices: [[1000, '2025-02-28']],
        rules: [daysOverdueBlock(61), rule('daysOverdue', { ...forC1, days: 100 })],
      }),
    );
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue']);
    expect(r.reasons[0]!.measured).toBe('122');
  });

  it('credit E10 amount exclusion (releaseSO No) does not override a days block: held [daysOverdue]', () => {
    const r = check(
      e6({
        invoices: [[800, '2025-04-01']],
        rules: [
          daysOverdueBlock(61),
          rule('daysOverdue', { ...forC1, valueType: 'amount', amount: usd(1000), releaseSalesOrder: false }),
        ],
      }),
    );
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue']);
  });

  it('credit E11 release exclusion (overdue 800 ≤ 1,000, releaseSO Yes) stops the check: not held although CLU would fire at 120 %', () => {
    // Balance 11,900 = 800 overdue + 11,100 not yet due; order 100, so usedAfter = 12,000.
    const row: Row = {
      invoices: [
        [800, '2025-04-01'],
        [11100, '2025-07-31'],
      ],
      order: 100,
      rules: [
        daysOverdueBlock(61),
        clu(100),
        rule('daysOverdue', { ...forC1, valueType: 'amount', amount: usd(1000), releaseSalesOrder: true }),
      ],
    };
    const r = check(row);
    expect(r.exposure.total + usd(100)).toBe(1_200_000n);
    expect(r.percentAfterOrder).toBe(1_200_000n);
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
    expect(r.note).toMatch(/released by exclusion/);
    // Without the release exclusion both rules would fire.
    const without = check({ ...row, rules: row.rules.slice(0, 2) });
    expect(reasonTypes(without)).toEqual(['daysOverdue', 'creditLimitUsed']);
  });

  it('credit E12 exclusion at the same level (Group STD) does not override: 45 days > 30, held [daysOverdue]', () => {
    const group: Partial<BlockingRule> = { validFor: 'group', accountOrGroup: 'STD' };
    const r = check({
      invoices: [[1000, '2025-05-16']], // 45 days overdue
      order: 100,
      rules: [daysOverdueBlock(30, group), rule('daysOverdue', { ...group, kind: 'exclusion', days: 60 })],
    });
    expect(r.reasons[0]?.measured).toBe('45');
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue']);
  });

  // --- Credit limit expired (§4.3 row 4) ---

  it('credit E13 limit expired 20 days ago > 15, held [creditLimitExpired]', () => {
    const r = check({
      customer: { creditLimitExpirationDate: '2025-06-10' },
      order: 100,
      rules: [rule('creditLimitExpired', { days: 15 })],
    });
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitExpired']);
    expect(r.reasons[0]!.measured).toBe('20');
  });

  it('credit E14 limit expired 10 days ago ≤ 15, not held', () => {
    const r = check({
      customer: { creditLimitExpirationDate: '2025-06-20' },
      order: 100,
      rules: [rule('creditLimitExpired', { days: 15 })],
    });
    expect(r.held).toBe(false);
  });

  it('credit E15 blank expiry with ignoreCreditLimitExpiredRuleWhenBlank = Yes: not held', () => {
    const r = check({
      customer: { creditLimitExpirationDate: null },
      parameters: { ignoreCreditLimitExpiredRuleWhenBlank: true },
      order: 100,
      rules: [rule('creditLimitExpired', { days: 15 })],
    });
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E15 blank expiry with ignoreCreditLimitExpiredRuleWhenBlank = No: held [creditLimitExpired]', () => {
    const r = check({
      customer: { creditLimitExpirationDate: null },
      parameters: { ignoreCreditLimitExpiredRuleWhenBlank: false },
      order: 100,
      rules: [rule('creditLimitExpired', { days: 15 })],
    });
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitExpired']);
  });

  // --- Overdue amount (§4.3 row 5) ---

  const overdueRule = () =>
    rule('overdueAmount', { valueType: 'percent', amount: usd(3000), creditLimitThreshold: pct(70) });

  it('credit E16 overdue 4,000 > 3,000 and 80 % > 70 %, held [overdueAmount]', () => {
    const r = check({ invoices: [[4000, '2025-06-20']], order: 4000, rules: [overdueRule()] });
    expect(r.exposure.total).toBe(400_000n);
    expect(r.percentAfterOrder).toBe(800_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['overdueAmount']);
    expect(r.reasons[0]!.measured).toBe('4000.00');
  });

  it('credit E17 overdue 4,000 > 3,000 but 60 % ≤ 70 %: only one condition met, not held', () => {
    const r = check({ invoices: [[4000, '2025-06-20']], order: 2000, rules: [overdueRule()] });
    expect(r.percentAfterOrder).toBe(600_000n);
    expect(r.held).toBe(false);
  });

  // --- Sales order amount (§4.3 row 6) ---

  it('credit E18 order 60,000 > 50,000, held [salesOrder] only (CLU 60 % passes)', () => {
    const r = check({
      customer: { creditLimit: usd(100000) },
      order: 60000,
      rules: [rule('salesOrder', { amount: usd(50000) }), clu(100)],
    });
    expect(r.percentAfterOrder).toBe(600_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['salesOrder']);
  });

  it('credit E19 sales-order exclusion Table C1 75,000 overrides the All block: not held', () => {
    const r = check({
      customer: { creditLimit: usd(100000) },
      order: 60000,
      rules: [
        rule('salesOrder', { amount: usd(50000) }),
        clu(100),
        rule('salesOrder', { ...forC1, amount: usd(75000) }),
      ],
    });
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  // --- Account status, terms of payment, ranks (§4.3 rows 2, 3, 8, 9) ---

  it('credit E20 account status Collections, held [accountStatus]', () => {
    const r = check({
      customer: { accountStatusId: 'Collections' },
      order: 10,
      rules: [rule('accountStatus', { accountStatusId: 'Collections' })],
    });
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['accountStatus']);
  });

  it('credit E21 order terms CIA, held [termsOfPayment]', () => {
    const r = check({ order: 10, orderTerms: 'CIA', rules: [rule('termsOfPayment', { paymentTermsId: 'CIA' })] });
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['termsOfPayment']);
  });

  const ranks = { Net10: 1, Net30: 2, Net60: 3 };

  it('credit E22 payment terms increased (Net60 rank 3 > Net30 rank 2), parameter Yes: held [paymentTermsIncreased]', () => {
    const r = check({
      order: 100,
      orderTerms: 'Net60',
      rules: [],
      parameters: { paymentTermsIncreased: true },
      paymentTermsRanks: ranks,
    });
    expect(r.checked).toBe(true);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['paymentTermsIncreased']);
    expect(r.reasons[0]!.measured).toBe('3');
    expect(r.reasons[0]!.threshold).toBe('2');
  });

  it('credit E22 payment terms decreased (order Net10), parameter Yes: not held', () => {
    const r = check({
      order: 100,
      orderTerms: 'Net10',
      rules: [],
      parameters: { paymentTermsIncreased: true },
      paymentTermsRanks: ranks,
    });
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E22 order Net60 with the parameter = No: not held', () => {
    const r = check({
      order: 100,
      orderTerms: 'Net60',
      rules: [],
      parameters: { paymentTermsIncreased: false },
      paymentTermsRanks: ranks,
    });
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E23 settlement discount increased (2%10 rank 2 > 1%10 rank 1), held [settlementDiscountIncreased]', () => {
    const r = check({
      customer: { cashDiscountId: '1%10' },
      order: 100,
      orderCashDiscount: '2%10',
      rules: [],
      parameters: { settlementDiscountIncreased: true },
      cashDiscountRanks: { '1%10': 1, '2%10': 2 },
    });
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['settlementDiscountIncreased']);
  });

  // --- Several reasons (§4.4) ---

  it('credit E24 multiple reasons: days overdue and credit limit used', () => {
    const r = check(e24());
    expect(r.exposure.total).toBe(800_000n);
    expect(r.percentAfterOrder).toBe(1_050_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue', 'creditLimitUsed']);
    expect(summaryReason(r.reasons)).toBe('multiple');
  });

  // --- Temporary limits and insurance (§1.3, §1.4) ---

  const e25 = (asOf: CalendarDate): Row => ({
    asOf,
    invoices: [[12000, '2025-08-31']],
    order: 5000,
    rules: [clu(100)],
    temporaryLimits: [{ amount: usd(20000), fromDate: '2025-06-01', toDate: '2025-07-31', postedSeq: 1 }],
  });

  it('credit E25 temporary limit 20,000 active on 2025-06-30: effective 20,000, 85 %, not held', () => {
    const r = check(e25('2025-06-30'));
    expect(r.effectiveLimit).toBe(2_000_000n);
    expect(r.availableCredit).toBe(800_000n);
    expect(r.percentAfterOrder).toBe(850_000n);
    expect(r.held).toBe(false);
  });

  it('credit E25 temporary limit over on 2025-08-01: effective 10,000, 170 %, held [creditLimitUsed]', () => {
    const r = check(e25('2025-08-01'));
    expect(r.effectiveLimit).toBe(1_000_000n);
    expect(r.availableCredit).toBe(-200_000n);
    expect(r.percentAfterOrder).toBe(1_700_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  const e26 = (policy: Insurance): Row => ({
    customer: { creditLimit: usd(100000) },
    invoices: [[110000, '2025-07-31']],
    order: 10000,
    rules: [clu(100)],
    insurances: [policy],
  });

  it('credit E26 active insurance 50,000 at 50 %: total limit 125,000, 96 %, not held', () => {
    const r = check(e26(insurance(50000, 50)));
    expect(r.effectiveLimit).toBe(12_500_000n);
    expect(r.availableCredit).toBe(1_500_000n);
    expect(r.percentAfterOrder).toBe(960_000n);
    expect(r.held).toBe(false);
  });

  it('credit E26 insurance includedInExposure: limit 75,000, held [creditLimitUsed]', () => {
    const r = check(e26(insurance(50000, 50, { includedInExposure: true })));
    expect(r.effectiveLimit).toBe(7_500_000n);
    expect(r.percentAfterOrder).toBe(1_600_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  it('credit E26 insurance expired on 2025-06-29: limit 100,000, held [creditLimitUsed]', () => {
    const r = check(e26(insurance(50000, 50, { expirationDate: '2025-06-29' })));
    expect(r.effectiveLimit).toBe(10_000_000n);
    expect(r.percentAfterOrder).toBe(1_200_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  // --- Customer credit groups (§3) ---

  it('credit E27 group 15,000 passes but individual 10,000 fails: order 12,000 held, effective 10,000', () => {
    const r = check({ order: 12000, rules: [clu(100)], group: creditGroup(15000, 0) });
    expect(r.group).toEqual({ id: 'G', limit: 1_500_000n, exposure: 0n });
    expect(r.effectiveLimit).toBe(1_000_000n);
    expect(r.availableCredit).toBe(1_000_000n);
    expect(r.percentAfterOrder).toBe(1_200_000n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
    expect(r.reasons[0]!.explanation).toMatch(/customer limit/);
  });

  it('credit E28 individual 20,000 but group 15,000: order 16,000 held by the group, effective 15,000', () => {
    const r = check({
      customer: { creditLimit: usd(20000) },
      order: 16000,
      rules: [clu(100)],
      group: creditGroup(15000, 0),
    });
    expect(r.effectiveLimit).toBe(1_500_000n);
    expect(r.availableCredit).toBe(1_500_000n);
    expect(r.percentAfterOrder).toBe(1_066_667n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
    expect(r.reasons[0]!.explanation).toMatch(/credit group G/);
  });

  /** E29: customer B (limit 0, not mandatory) checked; A has inv 4,000 + a held open order 4,000, so members' exposure = 8,000. */
  const e29 = (order: number): Row => ({
    customer: { id: 'B', creditLimit: 0n },
    order,
    rules: [clu(100)],
    group: creditGroup(10000, 4000 + 4000),
  });

  it('credit E29 group-only limit: B order 1,999 makes 9,999 ≤ 10,000, not held; 2,500 makes 10,500, held', () => {
    const small = check(e29(1999));
    expect(small.group).toEqual({ id: 'G', limit: 1_000_000n, exposure: 800_000n });
    expect(small.effectiveLimit).toBe(1_000_000n);
    expect(small.availableCredit).toBe(200_000n);
    expect(small.percentAfterOrder).toBe(999_900n);
    expect(small.held).toBe(false);

    const big = check(e29(2500));
    expect(big.percentAfterOrder).toBe(1_050_000n);
    expect(big.held).toBe(true);
    expect(reasonTypes(big)).toEqual(['creditLimitUsed']);
  });

  it('credit E29 order of exactly 2,000.00 reaches exactly 100 % and is NOT held (strict ">")', () => {
    const r = check(e29(2000));
    expect(r.percentAfterOrder).toBe(1_000_000n);
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  it('credit E30 limit 0 mandatory inside group 15,000: effective 0, order 1 held [creditLimitUsed]', () => {
    const r = check({
      customer: { creditLimit: 0n, mandatoryCreditLimit: true },
      order: 1,
      rules: [clu(100)],
      group: creditGroup(15000, 0),
    });
    expect(r.effectiveLimit).toBe(0n);
    expect(r.availableCredit).toBe(0n);
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  it('credit E31 unlimited credit in a group: CLU skipped, held only [daysOverdue]', () => {
    const r = check({
      customer: { creditLimit: 0n, unlimitedCredit: true },
      invoices: [[1000, '2025-04-01']],
      order: 50000,
      rules: [clu(100), daysOverdueBlock(61)],
      group: creditGroup(15000, 1000),
    });
    expect(r.effectiveLimit).toBeNull();
    expect(r.percentAfterOrder).toBeNull();
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['daysOverdue']);
  });

  it('credit E32 customer excluded from credit management with the E24 data: not checked, not held', () => {
    const r = check(e24({ customer: { excludeFromCreditManagement: true } }));
    expect(r.checked).toBe(false);
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
  });

  // --- Checkpoints and grace days (§4.6) ---

  it('credit E33 grace days: confirmation 2 and packing slip 1; no check on 06-02 and 06-03, held again on 06-04', () => {
    const setup: CheckpointSetup[] = [
      { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
      { checkpoint: 'packingSlip', posting: true, proForma: false, graceDays: 1 },
    ];
    expect(validateCheckpoints(setup)).toEqual([]);
    // Once any posting row has grace days, all must.
    expect(validateCheckpoints([setup[0]!, { ...setup[1]!, graceDays: null }])).toHaveLength(1);

    const at = (
      checkpoint: 'confirmation' | 'packingSlip',
      asOf: CalendarDate,
      lastPass: { checkpoint: 'confirmation'; date: CalendarDate } | null,
    ) =>
      mustCheck({
        setup,
        checkpoint,
        postingType: 'posting',
        asOf,
        lastPass,
        valueIncreasedSinceRelease: false,
        recheckAfterReleaseWhenValueIncreased: true,
      });

    // First confirmation on 2025-06-01: grace days never apply to the first check; the E2 data is held.
    expect(at('confirmation', '2025-06-01', null)).toBe(true);
    expect(check(e1(2500, { asOf: '2025-06-01' })).held).toBe(true);

    // Released WithoutPosting on 2025-06-01: the confirmation grace window (2 days) opens.
    const released = { checkpoint: 'confirmation' as const, date: '2025-06-01' };
    expect(at('confirmation', '2025-06-02', released)).toBe(false);
    expect(at('packingSlip', '2025-06-03', released)).toBe(false);
    expect(at('packingSlip', '2025-06-04', released)).toBe(true);

    const r = check(e1(2500, { asOf: '2025-06-04' }));
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  it('credit E34 no grace days: released WithoutPosting and reconfirmed the same day with unchanged data, held again', () => {
    const setup: CheckpointSetup[] = [{ checkpoint: 'confirmation', posting: true, proForma: false, graceDays: null }];
    expect(validateCheckpoints(setup)).toEqual([]);
    const again = mustCheck({
      setup,
      checkpoint: 'confirmation',
      postingType: 'posting',
      asOf: AS_OF,
      lastPass: { checkpoint: 'confirmation', date: AS_OF },
      valueIncreasedSinceRelease: false,
      recheckAfterReleaseWhenValueIncreased: true,
    });
    expect(again).toBe(true);
    const r = check(e1(2500));
    expect(r.held).toBe(true);
    expect(reasonTypes(r)).toEqual(['creditLimitUsed']);
  });

  // --- Evaluate for release and forced holds (§5): only the pure re-evaluation is covered here ---

  it('credit E35 evaluate for release after payment (domain level: the re-run check no longer gives daysOverdue; hold-list status and auto-release not covered)', () => {
    expect(reasonTypes(check(e6()))).toEqual(['daysOverdue']);
    // The customer pays the overdue invoice: nothing is open any more.
    const paid = check(e6({ invoices: [] }));
    expect(paid.checked).toBe(true);
    expect(paid.held).toBe(false);
    expect(paid.reasons).toEqual([]);
    expect(paid.exposure.total).toBe(0n);
    // A fully settled invoice kept with openAmount 0 counts as nothing overdue too.
    expect(summarizeOverdue([{ dueDate: '2025-04-01', openAmount: 0n }], AS_OF)).toEqual({
      oldestOverdueDueDate: null,
      overdueAmount: 0n,
    });
  });

  it('credit E36 forced hold with nothing else failing (domain level: the check gives no reasons; the forced hold staying OnHold is hold-list behaviour, not covered)', () => {
    const r = check(e1(1500));
    expect(r.checked).toBe(true);
    expect(r.held).toBe(false);
    expect(r.reasons).toEqual([]);
    expect(summaryReason(r.reasons)).toBeNull();
  });
});
