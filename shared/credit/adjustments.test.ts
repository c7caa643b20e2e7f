/**
 * Credit limit adjustment journals, the pure half (credit.md §2): generated limits and dates
 * (E37, E38), the all-or-nothing line validation, and the `:validate` projections (available
 * credit, percent used, releasable holds) on hand-built credit inputs.
 *
 * Money is in minor units (1_234_500n = 12,345.00); percentages are Rates (70_000n = 7 %).
 */
import { describe, expect, it } from 'vitest';
import { parseMoney, parseRate, type Money } from '../money';
import {
  generatedLimit,
  projectLine,
  releasableHolds,
  shiftedDate,
  validateJournalLines,
  withLineApplied,
  type JournalContext,
  type JournalLineInput,
} from './adjustments';
import { evaluateCreditCheck } from './blocking-rules';
import { DEFAULT_CREDIT_PARAMETERS, type BlockingRule, type CreditCheckInput } from './types';

const usd = (units: number | string): Money => parseMoney(units);
const TODAY = '2025-06-30';

const ctx: JournalContext = {
  customerExists: (id) => ['C1', 'C2', 'C3'].includes(id),
  groupExists: (id) => id === 'G',
  today: TODAY,
};

describe('generated limits and dates (credit.md §2.2)', () => {
  it('credit E37 percentage +7 % with round-off 10: 12,345 × 1.07 = 13,209.15 → 13,210 normal, 13,200 down, 13,210 up', () => {
    const plus7 = { valueType: 'percentage' as const, value: parseRate(7) };
    expect(generatedLimit(usd(12345), plus7)).toBe(usd('13209.15'));
    expect(generatedLimit(usd(12345), { ...plus7, roundOff: usd(10), roundingForm: 'normal' })).toBe(usd(13210));
    expect(generatedLimit(usd(12345), { ...plus7, roundOff: usd(10), roundingForm: 'down' })).toBe(usd(13200));
    expect(generatedLimit(usd(12345), { ...plus7, roundOff: usd(10), roundingForm: 'up' })).toBe(usd(13210));
    // The rounding form is "normal" when none is given.
    expect(generatedLimit(usd(12345), { ...plus7, roundOff: usd(10) })).toBe(usd(13210));
    // The forms differ where they should: 13,204.xx rounds down normally but up with "up".
    expect(generatedLimit(usd(12340), { ...plus7, roundOff: usd(10), roundingForm: 'normal' })).toBe(usd(13200)); // 13,203.80
    expect(generatedLimit(usd(12340), { ...plus7, roundOff: usd(10), roundingForm: 'up' })).toBe(usd(13210));
    // An exact multiple stays where it is in every form.
    for (const roundingForm of ['normal', 'up', 'down'] as const)
      expect(
        generatedLimit(usd(10000), { valueType: 'percentage', value: parseRate(10), roundOff: usd(100), roundingForm }),
      ).toBe(usd(11000));
  });

  it('credit E37 variants: a negative percentage, a percentage rounded half-up to cents, no round-off', () => {
    expect(generatedLimit(usd(10000), { valueType: 'percentage', value: parseRate(-12.5) })).toBe(usd(8750));
    // The change is rounded half-up once to cents: 1,001 × 1.5 % = 15.015 → 15.02; 1,000.33 × 1.5 % = 15.00495 → 15.00.
    expect(generatedLimit(usd('1001.00'), { valueType: 'percentage', value: parseRate(1.5) })).toBe(usd('1016.02'));
    expect(generatedLimit(usd('1000.33'), { valueType: 'percentage', value: parseRate(1.5) })).toBe(usd('1015.33'));
    expect(generatedLimit(usd('1000.00'), { valueType: 'percentage', value: parseRate(0.0005) })).toBe(usd('1000.01')); // 0.005 → 0.01
    expect(generatedLimit(usd('1001.00'), { valueType: 'percentage', value: parseRate(-1.5) })).toBe(usd('985.98')); // −15.015 → −15.02
    expect(generatedLimit(usd(12345), { valueType: 'percentage', value: parseRate(7), roundOff: null })).toBe(
      usd('13209.15'),
    );
  });

  it('credit E38 fixed −2,500 on 10,000 → 7,500; relative dates +365 on 2025-12-31 → 2026-12-31', () => {
    expect(generatedLimit(usd(10000), { valueType: 'fixed', value: usd(-2500) })).toBe(usd(7500));
    expect(shiftedDate('2025-12-31', { mode: 'relative', days: 365 }, TODAY)).toBe('2026-12-31');
    // Fixed values are rounded off like percentages.
    expect(
      generatedLimit(usd(10000), {
        valueType: 'fixed',
        value: usd('-2501.50'),
        roundOff: usd(100),
        roundingForm: 'down',
      }),
    ).toBe(usd(7400));
    expect(
      generatedLimit(usd(10000), {
        valueType: 'fixed',
        value: usd('-2501.50'),
        roundOff: usd(100),
        roundingForm: 'up',
      }),
    ).toBe(usd(7500));
  });

  it('credit E38 dates: absolute replaces, relative moves (across a leap day, backwards), no current date counts from the journal date', () => {
    expect(shiftedDate('2025-12-31', { mode: 'absolute', date: '2027-03-31' }, TODAY)).toBe('2027-03-31');
    expect(shiftedDate(null, { mode: 'absolute', date: '2027-03-31' }, TODAY)).toBe('2027-03-31');
    expect(shiftedDate('2027-12-31', { mode: 'relative', days: 365 }, TODAY)).toBe('2028-12-30'); // 2028 is a leap year
    expect(shiftedDate('2025-12-31', { mode: 'relative', days: -31 }, TODAY)).toBe('2025-11-30');
    expect(shiftedDate(null, { mode: 'relative', days: 365 }, TODAY)).toBe('2026-06-30');
  });
});

describe('validateJournalLines (credit.md §2.1, issue "Bad input")', () => {
  const fields = (type: 'creditLimit' | 'temporary', lines: JournalLineInput[], taken?: Set<string>) =>
    validateJournalLines(type, lines, ctx, taken).map((e) => [e.index, e.field] as const);

  it('valid lines of both journal types answer no errors', () => {
    expect(
      validateJournalLines(
        'creditLimit',
        [
          { customerId: 'C1', newCreditLimit: usd(12000), newExpirationDate: '2026-06-30' },
          { customerId: 'C2', newCreditLimit: 0n, newExpirationDate: null },
          { customerId: 'C3', newCreditLimit: usd(5), newExpirationDate: TODAY }, // expiring today is not in the past
          { creditGroupId: 'G', newCreditLimit: usd(50000) },
        ],
        ctx,
      ),
    ).toEqual([]);
    expect(
      validateJournalLines(
        'temporary',
        [
          { customerId: 'C1', newCreditLimit: usd(20000), newFromDate: '2025-06-01', newToDate: '2025-07-31' }, // may start in the past
          { customerId: 'C2', newCreditLimit: usd(1), newFromDate: TODAY, newToDate: TODAY }, // a one-day window ending today
          { creditGroupId: 'G', newCreditLimit: usd(1), newFromDate: '2025-07-01', newToDate: '2025-07-01' },
        ],
        ctx,
      ),
    ).toEqual([]);
  });

  it('every bad line gets its own error at its own index and field, all at once', () => {
    const errors = validateJournalLines(
      'creditLimit',
      [
        { customerId: 'C1', newCreditLimit: usd(1000) }, // 0 fine
        { customerId: 'C2', creditGroupId: 'G', newCreditLimit: usd(1000) }, // 1 both
        { newCreditLimit: usd(1000) }, // 2 neither
        { customerId: '', creditGroupId: null, newCreditLimit: usd(1000) }, // 3 neither (empty id)
        { customerId: 'NOPE', newCreditLimit: usd(1000) }, // 4 unknown customer
        { creditGroupId: 'NOGROUP', newCreditLimit: usd(1000) }, // 5 unknown group
        { customerId: 'C3', newCreditLimit: -1n }, // 6 negative
        { customerId: 'C2', newCreditLimit: usd(1000), newExpirationDate: '2025-06-29' }, // 7 expiry in the past
        { customerId: 'C1', newCreditLimit: usd(2000) }, // 8 duplicate of line 0
      ],
      ctx,
    );
    expect(errors.map((e) => [e.index, e.field])).toEqual([
      [1, 'creditGroupId'],
      [2, 'customerId'],
      [3, 'customerId'],
      [4, 'customerId'],
      [5, 'creditGroupId'],
      [6, 'newCreditLimit'],
      [7, 'newExpirationDate'],
      [8, 'customerId'],
    ]);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
    expect(errors.find((e) => e.index === 4)!.message).toContain('NOPE');
    expect(errors.find((e) => e.index === 8)!.message).toContain('already on this journal');
  });

  it('one line can carry several errors (unknown customer, negative limit, past expiry)', () => {
    expect(
      fields('creditLimit', [{ customerId: 'NOPE', newCreditLimit: usd(-5), newExpirationDate: '2024-01-01' }]),
    ).toEqual([
      [0, 'customerId'],
      [0, 'newCreditLimit'],
      [0, 'newExpirationDate'],
    ]);
  });

  it('temporary lines need both dates, from ≤ to, and a window that has not already ended', () => {
    expect(
      fields('temporary', [
        { customerId: 'C1', newCreditLimit: usd(1) }, // 0 no dates
        { customerId: 'C2', newCreditLimit: usd(1), newFromDate: '2025-07-01' }, // 1 no end
        { customerId: 'C3', newCreditLimit: usd(1), newToDate: '2025-07-01' }, // 2 no start
        { creditGroupId: 'G', newCreditLimit: usd(1), newFromDate: '2025-08-01', newToDate: '2025-07-31' }, // 3 from > to
      ]),
    ).toEqual([
      [0, 'newFromDate'],
      [0, 'newToDate'],
      [1, 'newToDate'],
      [2, 'newFromDate'],
      [3, 'newToDate'],
    ]);
    expect(
      fields('temporary', [
        { customerId: 'C1', newCreditLimit: usd(1), newFromDate: '2025-06-01', newToDate: '2025-06-29' },
      ]),
    ).toEqual([[0, 'newToDate']]);
    // The expiry belongs to limit journals, the window to temporary ones.
    expect(
      fields('temporary', [
        {
          customerId: 'C1',
          newCreditLimit: usd(1),
          newFromDate: TODAY,
          newToDate: TODAY,
          newExpirationDate: '2026-01-01',
        },
      ]),
    ).toEqual([[0, 'newExpirationDate']]);
    expect(fields('creditLimit', [{ customerId: 'C1', newCreditLimit: usd(1), newFromDate: TODAY }])).toEqual([
      [0, 'newFromDate'],
    ]);
    expect(fields('creditLimit', [{ customerId: 'C1', newCreditLimit: usd(1), newToDate: TODAY }])).toEqual([
      [0, 'newToDate'],
    ]);
  });

  it('duplicates: a customer or group already on the journal (taken) or twice in the batch; a customer and a group of the same name do not clash', () => {
    expect(fields('creditLimit', [{ customerId: 'C1', newCreditLimit: usd(1) }], new Set(['c:C1']))).toEqual([
      [0, 'customerId'],
    ]);
    expect(fields('creditLimit', [{ creditGroupId: 'G', newCreditLimit: usd(1) }], new Set(['g:G']))).toEqual([
      [0, 'creditGroupId'],
    ]);
    expect(fields('creditLimit', [{ creditGroupId: 'G', newCreditLimit: usd(1) }], new Set(['c:G']))).toEqual([]);
    expect(
      fields('creditLimit', [
        { creditGroupId: 'G', newCreditLimit: usd(1) },
        { creditGroupId: 'G', newCreditLimit: usd(2) },
        { customerId: 'C2', newCreditLimit: usd(2) },
        { customerId: 'C2', newCreditLimit: usd(3) },
        { customerId: 'C2', newCreditLimit: usd(4) },
      ]),
    ).toEqual([
      [1, 'creditGroupId'],
      [3, 'customerId'],
      [4, 'customerId'],
    ]);
    // The taken set given in is not changed.
    const taken = new Set(['c:C3']);
    validateJournalLines('creditLimit', [{ customerId: 'C1', newCreditLimit: 0n }], ctx, taken);
    expect([...taken]).toEqual(['c:C3']);
  });
});

// ---------------------------------------------------------------------------------------------
// Projections: the E1/E2 customer (limit 10,000, balance 6,000, other open orders 2,000), CLU 100 %.
// ---------------------------------------------------------------------------------------------

const clu100: BlockingRule = {
  id: 'R-CLU',
  ruleType: 'creditLimitUsed',
  kind: 'blocking',
  validFor: 'all',
  accountOrGroup: null,
  riskGroupId: null,
  valueType: 'percent',
  days: null,
  amount: null,
  percent: parseRate(100),
  creditLimitThreshold: null,
  accountStatusId: null,
  paymentTermsId: null,
  releaseSalesOrder: false,
};

function creditInput(orderAmount: number, overrides: Partial<CreditCheckInput> = {}): CreditCheckInput {
  return {
    asOf: TODAY,
    parameters: DEFAULT_CREDIT_PARAMETERS,
    customer: {
      id: 'C1',
      creditLimit: usd(10000),
      creditLimitExpirationDate: '2025-12-31',
      mandatoryCreditLimit: false,
      unlimitedCredit: false,
      excludeFromCreditManagement: false,
      creditManagementGroupId: 'STD',
      accountStatusId: null,
      riskGroupId: null,
      paymentTermsId: null,
      cashDiscountId: null,
    },
    exposureParts: { balance: usd(6000), deliveredNotInvoiced: 0n, openOrders: usd(2000) },
    overdue: { oldestOverdueDueDate: null, overdueAmount: 0n },
    order: { amount: usd(orderAmount), paymentTermsId: null, cashDiscountId: null, excludeFromCreditManagement: false },
    rules: [clu100],
    ...overrides,
  };
}

describe('projectLine: available credit and percent used before and after a line', () => {
  it('a higher limit: available 2,000 → 4,000, 8,000 of 12,000 = 66.6667 % used; the order in the input is ignored', () => {
    const p = projectLine(creditInput(2500), 'creditLimit', {
      customerId: 'C1',
      newCreditLimit: usd(12000),
      newExpirationDate: '2026-12-31',
    });
    expect(p).toEqual({
      currentAvailableCredit: usd(2000),
      projectedAvailableCredit: usd(4000),
      projectedPercentUsed: parseRate('66.6667'),
    });
  });

  it('a lower limit goes negative: 8,000 of 5,000 = 160 %', () => {
    const p = projectLine(creditInput(0), 'creditLimit', { customerId: 'C1', newCreditLimit: usd(5000) });
    expect(p).toEqual({
      currentAvailableCredit: usd(2000),
      projectedAvailableCredit: usd(-3000),
      projectedPercentUsed: parseRate(160),
    });
  });

  it('a temporary line replaces the base limit only inside its window', () => {
    const inside = projectLine(creditInput(0), 'temporary', {
      customerId: 'C1',
      newCreditLimit: usd(20000),
      newFromDate: '2025-06-01',
      newToDate: '2025-07-31',
    });
    expect(inside).toEqual({
      currentAvailableCredit: usd(2000),
      projectedAvailableCredit: usd(12000),
      projectedPercentUsed: parseRate(40),
    });
    const later = projectLine(creditInput(0), 'temporary', {
      customerId: 'C1',
      newCreditLimit: usd(20000),
      newFromDate: '2025-07-01',
      newToDate: '2025-07-31',
    });
    expect(later).toEqual({
      currentAvailableCredit: usd(2000),
      projectedAvailableCredit: usd(2000),
      projectedPercentUsed: parseRate(80),
    });
  });

  it('a new temporary line wins over an overlapping one already posted (credit.md §1.3)', () => {
    const input = creditInput(0, {
      temporaryLimits: [{ amount: usd(30000), fromDate: '2025-01-01', toDate: '2025-12-31', postedSeq: 7 }],
    });
    const p = projectLine(input, 'temporary', {
      customerId: 'C1',
      newCreditLimit: usd(16000),
      newFromDate: '2025-06-01',
      newToDate: '2025-06-30',
    });
    expect(p).toEqual({
      currentAvailableCredit: usd(22000),
      projectedAvailableCredit: usd(8000),
      projectedPercentUsed: parseRate(50),
    });
    const applied = withLineApplied(input, 'temporary', {
      customerId: 'C1',
      newCreditLimit: usd(16000),
      newFromDate: '2025-06-01',
      newToDate: '2025-06-30',
    });
    expect(applied.temporaryLimits).toEqual([
      ...input.temporaryLimits!,
      { amount: usd(16000), fromDate: '2025-06-01', toDate: '2025-06-30', postedSeq: 8 },
    ]);
    // The input itself is left alone.
    expect(input.temporaryLimits).toHaveLength(1);
  });

  it('a credit group binds: raising the customer above the group shows the group figures', () => {
    const input = creditInput(0, {
      group: { id: 'G', creditLimit: usd(9000), creditLimitToDate: '2025-12-31', membersExposure: usd(8000) },
    });
    const p = projectLine(input, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(20000) });
    expect(p).toEqual({
      currentAvailableCredit: usd(1000),
      projectedAvailableCredit: usd(1000),
      projectedPercentUsed: parseRate('88.8889'),
    });
  });

  it('an unlimited customer has no figures before or after', () => {
    const input = creditInput(0);
    const p = projectLine({ ...input, customer: { ...input.customer, unlimitedCredit: true } }, 'creditLimit', {
      customerId: 'C1',
      newCreditLimit: usd(1),
    });
    expect(p).toEqual({ currentAvailableCredit: null, projectedAvailableCredit: null, projectedPercentUsed: null });
  });

  it('its figures are those the full credit check shows, with the same line applied (group, temporary, insurance, unlimited, switched off)', () => {
    const base = creditInput(0);
    const variants = [
      base,
      creditInput(0, {
        group: { id: 'G', creditLimit: usd(9000), creditLimitToDate: '2025-12-31', membersExposure: usd(8000) },
      }),
      creditInput(0, {
        temporaryLimits: [{ amount: usd(30000), fromDate: '2025-01-01', toDate: '2025-12-31', postedSeq: 7 }],
      }),
      { ...base, customer: { ...base.customer, unlimitedCredit: true } },
      { ...base, customer: { ...base.customer, excludeFromCreditManagement: true } },
      { ...base, parameters: { ...base.parameters, creditManagementEnabled: false } },
      { ...base, rules: [] },
    ];
    const lines = [
      ['creditLimit', { customerId: 'C1', newCreditLimit: usd(12000) }],
      ['creditLimit', { customerId: 'C1', newCreditLimit: usd(0) }],
      [
        'temporary',
        { customerId: 'C1', newCreditLimit: usd(20000), newFromDate: '2025-06-01', newToDate: '2025-07-31' },
      ],
    ] as const;
    for (const input of variants) {
      for (const [type, line] of lines) {
        const empty = { ...input.order, amount: 0n };
        const now = evaluateCreditCheck({ ...input, order: empty });
        const then = evaluateCreditCheck({ ...withLineApplied(input, type, line), order: empty });
        expect(projectLine(input, type, line)).toEqual({
          currentAvailableCredit: now.availableCredit,
          projectedAvailableCredit: then.availableCredit,
          projectedPercentUsed: then.percentAfterOrder,
        });
      }
    }
  });

  it('withLineApplied keeps the expiry when the line leaves it out, and clears it when the line says null', () => {
    const input = creditInput(0);
    expect(withLineApplied(input, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(1) }).customer).toMatchObject({
      creditLimit: usd(1),
      creditLimitExpirationDate: '2025-12-31',
    });
    expect(
      withLineApplied(input, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(1), newExpirationDate: null })
        .customer.creditLimitExpirationDate,
    ).toBeNull();
    expect(
      withLineApplied(input, 'creditLimit', {
        customerId: 'C1',
        newCreditLimit: usd(1),
        newExpirationDate: '2027-01-01',
      }).customer.creditLimitExpirationDate,
    ).toBe('2027-01-01');
    expect(input.customer.creditLimit).toBe(usd(10000));
  });
});

describe('releasableHolds: held orders that would pass with the new limit', () => {
  // H-2500 is E2 (8,000 + 2,500 = 10,500 > 10,000); H-5000 needs a limit of 13,000.
  const holds = [
    { holdId: 'H-2500', input: creditInput(2500) },
    { holdId: 'H-5000', input: creditInput(5000) },
  ];

  it('both are held today', () => {
    for (const h of holds) expect(evaluateCreditCheck(h.input).held).toBe(true);
  });

  it('a higher limit lists only the holds that then fit, in their order', () => {
    expect(releasableHolds(holds, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(10500) })).toEqual(['H-2500']); // exactly 100 % passes
    expect(releasableHolds(holds, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(10499) })).toEqual([]);
    expect(releasableHolds(holds, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(13000) })).toEqual([
      'H-2500',
      'H-5000',
    ]);
    expect(
      releasableHolds([...holds].reverse(), 'creditLimit', { customerId: 'C1', newCreditLimit: usd(13000) }),
    ).toEqual(['H-5000', 'H-2500']);
  });

  it('a lower limit, or no holds, lists none', () => {
    expect(releasableHolds(holds, 'creditLimit', { customerId: 'C1', newCreditLimit: usd(9000) })).toEqual([]);
    expect(releasableHolds([], 'creditLimit', { customerId: 'C1', newCreditLimit: usd(99999) })).toEqual([]);
  });

  it('a temporary line releases only when its window covers the as-of date', () => {
    expect(
      releasableHolds(holds, 'temporary', {
        customerId: 'C1',
        newCreditLimit: usd(20000),
        newFromDate: '2025-06-01',
        newToDate: '2025-07-31',
      }),
    ).toEqual(['H-2500', 'H-5000']);
    expect(
      releasableHolds(holds, 'temporary', {
        customerId: 'C1',
        newCreditLimit: usd(20000),
        newFromDate: '2025-07-01',
        newToDate: '2025-07-31',
      }),
    ).toEqual([]);
  });

  it('a hold that another rule still blocks is not releasable by a limit change', () => {
    const overdue: BlockingRule = {
      ...clu100,
      id: 'R-DO',
      ruleType: 'daysOverdue',
      valueType: 'days',
      days: 61,
      percent: null,
    };
    const held = creditInput(2500, {
      rules: [clu100, overdue],
      overdue: { oldestOverdueDueDate: '2025-04-01', overdueAmount: usd(6000) },
    });
    expect(evaluateCreditCheck(held).reasons.map((r) => r.ruleType)).toEqual(['daysOverdue', 'creditLimitUsed']);
    expect(
      releasableHolds([{ holdId: 'H-OD', input: held }], 'creditLimit', {
        customerId: 'C1',
        newCreditLimit: usd(50000),
      }),
    ).toEqual([]);
  });
});
