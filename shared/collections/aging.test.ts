/**
 * The aging worked examples E1–E9 of collections.md §6 (one test each), plus the period
 * algorithm of §2.2 for the other intervals and the refusals of validateDefinition.
 *
 * Shared setup of §6: AC = USD, A = 2024-06-30, criteria = DueDate, creditPlacement = OwnDate.
 * Money is in minor units (100_000n = 1,000.00).
 */
import { describe, expect, it } from 'vitest';
import type { CalendarDate } from '../dates';
import { parseMoney, type Money } from '../money';
import { EXCHANGE_RATE_SCALE, toAccounting, tryParseExchangeRate, type ExchangeRate } from '../currency';
import {
  ageCustomer,
  keyDate,
  periodRanges,
  validateDefinition,
  type AgeCustomerInput,
  type AgingDefinition,
  type AgingItem,
  type AgingLine,
  type AgingResult,
} from './aging';
import { NOUNL, SNAP30, STD } from '../../test/support/aging-definitions';

const A: CalendarDate = '2024-06-30';
const usd = (units: number | string): Money => parseMoney(units);
/** An exchange rate as shared/currency.ts holds it (10 decimals). */
function rate(text: string): ExchangeRate {
  const r = tryParseExchangeRate(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** An open item with only a due date; transDate defaults to the due date (as in E3). */
function item(id: string, amount: Money, dueDate: CalendarDate | null, extra: Partial<AgingItem> = {}): AgingItem {
  return { id, amount, dueDate, transDate: dueDate ?? A, documentDate: null, ...extra };
}

function age(items: AgingItem[], over: Partial<AgeCustomerInput> = {}): AgingResult {
  return ageCustomer({ definition: STD, asOf: A, criteria: 'dueDate', creditPlacement: 'ownDate', items, ...over });
}

/** Buckets as a label → amount record, for compact assertions. */
function byLabel(r: AgingResult): Record<string, Money> {
  return Object.fromEntries(r.buckets.map((b) => [b.label, b.amount]));
}

const C1: AgingItem[] = [
  item('INV1', usd(1000), '2024-07-15'),
  item('INV2', usd(500), '2024-06-30'),
  item('INV3', usd(300), '2024-06-01'),
  item('INV4', usd(200), '2024-05-31'),
  item('INV5', usd(150), '2024-05-30'),
  item('INV6', usd(400), '2024-04-01'),
  item('INV7', usd(250), '2024-03-31'),
];

const C2: AgingItem[] = [
  item('INV-A', usd(1000), '2024-03-15'),
  item('INV-B', usd(600), '2024-06-10'),
  item('CN-1', usd(-150), '2024-06-20'),
  item('PAY-1', usd(-400), null, { transDate: '2024-06-25' }),
];

describe('collections §6 worked examples', () => {
  it('collections E1 STD buckets by due date', () => {
    expect(periodRanges(STD, A)).toEqual([
      { label: 'Over 90', from: null, to: '2024-03-31' },
      { label: '61-90', from: '2024-04-01', to: '2024-04-30' },
      { label: '31-60', from: '2024-05-01', to: '2024-05-30' },
      { label: '1-30', from: '2024-05-31', to: '2024-06-29' },
      { label: 'Current', from: '2024-06-30', to: '2024-06-30' },
      { label: 'Not due', from: '2024-07-01', to: null },
    ]);
    const r = age(C1);
    expect(r.buckets).toEqual([
      { label: 'Over 90', amount: usd(250) },
      { label: '61-90', amount: usd(400) },
      { label: '31-60', amount: usd(150) },
      { label: '1-30', amount: usd(500) },
      { label: 'Current', amount: usd(500) },
      { label: 'Not due', amount: usd(1000) },
    ]);
    expect(r.amountDue).toBe(usd(2800));
    expect(r.unbucketedAmount).toBe(0n);
    expect(r.indicator).toBe('red'); // the indicator of "Over 90"
  });

  it('collections E2 SNAP30 (no zero line): the newest past line ends at A', () => {
    expect(periodRanges(SNAP30, A)).toEqual([
      { label: '90+', from: null, to: '2024-04-01' },
      { label: '60 days', from: '2024-04-02', to: '2024-05-01' },
      { label: '30 days', from: '2024-05-02', to: '2024-05-31' },
      { label: 'Current', from: '2024-06-01', to: '2024-06-30' },
      { label: 'Future', from: '2024-07-01', to: null },
    ]);
    const r = age(C1, { definition: SNAP30 });
    expect(byLabel(r)).toEqual({
      Future: usd(1000),
      Current: usd(800),
      '30 days': usd(350),
      '60 days': 0n,
      '90+': usd(650),
    });
    expect(r.amountDue).toBe(usd(2800));
    expect(r.unbucketedAmount).toBe(0n);
  });

  it('collections E3 criteria = TransactionDate moves INV3 to 31-60', () => {
    const items = C1.map((x) => (x.id === 'INV3' ? { ...x, transDate: '2024-05-02' } : x));
    const r = age(items, { criteria: 'transactionDate' });
    expect(byLabel(r)).toEqual({
      'Over 90': usd(250),
      '61-90': usd(400),
      '31-60': usd(450),
      '1-30': usd(200),
      Current: usd(500),
      'Not due': usd(1000),
    });
    expect(r.amountDue).toBe(usd(2800));
  });

  it('collections E4 OwnDate: credits reduce the bucket of their own date (payment without due date → transDate)', () => {
    const r = age(C2);
    expect(byLabel(r)).toEqual({
      'Over 90': usd(1000),
      '61-90': 0n,
      '31-60': 0n,
      '1-30': usd(50),
      Current: 0n,
      'Not due': 0n,
    });
    expect(r.amountDue).toBe(usd(1050));
    expect(r.unbucketedAmount).toBe(0n);
  });

  it('collections E5 OldestFirst: credits are taken from the oldest bucket first', () => {
    const r = age(C2, { creditPlacement: 'oldestFirst' });
    expect(byLabel(r)).toEqual({
      'Over 90': usd(450),
      '61-90': 0n,
      '31-60': 0n,
      '1-30': usd(600),
      Current: 0n,
      'Not due': 0n,
    });
    expect(r.amountDue).toBe(usd(1050));
    expect(r.unbucketedAmount).toBe(0n);
  });

  it('collections E6 OldestFirst leftover credit goes to the period containing A; OwnDate variant', () => {
    // E6 names no definition; its OwnDate figures (PAY 06-28 in 1-30) match the shared STD.
    const items = [item('INV', usd(100), '2024-01-01'), item('PAY', usd(-300), null, { transDate: '2024-06-28' })];
    const oldest = age(items, { creditPlacement: 'oldestFirst' });
    expect(byLabel(oldest)).toEqual({
      'Over 90': 0n,
      '61-90': 0n,
      '31-60': 0n,
      '1-30': 0n,
      Current: usd(-200),
      'Not due': 0n,
    });
    expect(oldest.amountDue).toBe(usd(-200));
    expect(oldest.unbucketedAmount).toBe(0n);
    expect(oldest.indicator).toBeNull();

    const own = age(items);
    expect(own.buckets.find((b) => b.label === 'Over 90')?.amount).toBe(usd(100));
    expect(own.buckets.find((b) => b.label === '1-30')?.amount).toBe(usd(-300));
    expect(own.amountDue).toBe(usd(-200));
  });

  it('collections E7 no Unlimited line: amounts outside every period are unbucketed', () => {
    const r = age(
      [item('F', usd(100), '2024-07-10'), item('P', usd(200), '2024-06-15'), item('O', usd(300), '2024-03-01')],
      { definition: NOUNL },
    );
    expect(byLabel(r)).toEqual({ Current: 0n, '1-30': usd(200), '31-60': 0n });
    expect(r.amountDue).toBe(usd(600));
    expect(r.unbucketedAmount).toBe(usd(400));
  });

  it('collections E8 multi-currency: company view in USD, customer view in EUR', () => {
    // INV-E: 1,000 EUR booked at 1.10 is 1,100.00 USD, fixed at posting (the HTTP version, with
    // the ledger converting, is in test/api/currency-aging.test.ts).
    const amountMst = toAccounting(usd(1000), rate('1.10'));
    expect(amountMst).toBe(usd('1100.00'));
    const items = [
      item('INV-E', amountMst, '2024-05-15', { currency: 'EUR', amountCur: usd(1000) }),
      item('INV-U', usd(500), '2024-06-20', { currency: 'USD', amountCur: usd(500) }),
    ];
    const company = age(items);
    expect(company.buckets.find((b) => b.label === '31-60')?.amount).toBe(usd('1100.00'));
    expect(company.buckets.find((b) => b.label === '1-30')?.amount).toBe(usd('500.00'));
    expect(company.amountDue).toBe(usd('1600.00'));

    const customer = age(items, { view: { currency: 'EUR', rate: rate('1.08') } });
    expect(customer.buckets.find((b) => b.label === '31-60')?.amount).toBe(usd('1000.00'));
    expect(customer.buckets.find((b) => b.label === '1-30')?.amount).toBe(usd('462.96'));
    expect(customer.amountDue).toBe(usd('1462.96'));
    expect(customer.unbucketedAmount).toBe(0n);
  });

  it('collections E9 a partly paid invoice is aged at its open amount by its due date', () => {
    const r = age([item('INV', usd(600), '2024-04-15')]); // 1,000 less 400 settled
    expect(byLabel(r)).toEqual({
      'Over 90': 0n,
      '61-90': usd(600),
      '31-60': 0n,
      '1-30': 0n,
      Current: 0n,
      'Not due': 0n,
    });
    expect(r.amountDue).toBe(usd(600));
    expect(r.indicator).toBe('orange');
  });
});

describe('periodRanges §2.2 for the other intervals', () => {
  const def = (lines: AgingLine[]): AgingDefinition => ({ id: 'T', name: 'T', lines });

  it('weeks, months, quarters and years with a zero line', () => {
    expect(
      periodRanges(
        def([
          { label: 'Y', unit: -1, interval: 'year' },
          { label: 'Q', unit: -1, interval: 'quarter' },
          { label: 'M', unit: -1, interval: 'month' },
          { label: 'W', unit: -2, interval: 'week' },
          { label: 'Z', unit: 0, interval: 'day' },
          { label: 'F', unit: 1, interval: 'month' },
        ]),
        A,
      ),
    ).toEqual([
      { label: 'Y', from: '2023-02-16', to: '2024-02-15' },
      { label: 'Q', from: '2024-02-16', to: '2024-05-15' },
      { label: 'M', from: '2024-05-16', to: '2024-06-15' },
      { label: 'W', from: '2024-06-16', to: '2024-06-29' },
      { label: 'Z', from: '2024-06-30', to: '2024-06-30' },
      { label: 'F', from: '2024-07-01', to: '2024-07-31' },
    ]);
  });

  it('no zero line: the newest past month ends at A; future weeks, quarters and years chain from A + 1', () => {
    expect(
      periodRanges(
        def([
          { label: 'Old', unit: -1, interval: 'unlimited' },
          { label: 'M', unit: -1, interval: 'month' },
          { label: 'F', unit: 2, interval: 'week' },
          { label: 'G', unit: 1, interval: 'quarter' },
          { label: 'H', unit: 1, interval: 'year' },
        ]),
        A,
      ),
    ).toEqual([
      { label: 'Old', from: null, to: '2024-05-31' },
      { label: 'M', from: '2024-06-01', to: '2024-06-30' },
      { label: 'F', from: '2024-07-01', to: '2024-07-14' },
      { label: 'G', from: '2024-07-15', to: '2024-10-14' },
      { label: 'H', from: '2024-10-15', to: '2025-10-14' },
    ]);
  });

  it('month spans clamp at month ends (addMonths) and future-only definitions start at A + 1', () => {
    expect(
      periodRanges(
        def([
          { label: 'M2', unit: -1, interval: 'month' },
          { label: 'M1', unit: -1, interval: 'month' },
        ]),
        '2024-03-30',
      ),
    ).toEqual([
      { label: 'M2', from: '2024-01-29', to: '2024-02-28' },
      { label: 'M1', from: '2024-02-29', to: '2024-03-30' },
    ]);
    expect(periodRanges(def([{ label: 'D', unit: 10, interval: 'day' }]), A)).toEqual([
      { label: 'D', from: '2024-07-01', to: '2024-07-10' },
    ]);
  });

  it('throws on an invalid definition', () => {
    expect(() => periodRanges(def([]), A)).toThrow(RangeError);
  });
});

describe('keyDate §2.3', () => {
  const t = { dueDate: '2024-07-30', transDate: '2024-06-30', documentDate: '2024-06-28' };
  it('picks the date of the criteria, falling back to transDate when due or document date is null', () => {
    expect(keyDate(t, 'dueDate')).toBe('2024-07-30');
    expect(keyDate(t, 'transactionDate')).toBe('2024-06-30');
    expect(keyDate(t, 'documentDate')).toBe('2024-06-28');
    expect(keyDate({ ...t, dueDate: null }, 'dueDate')).toBe('2024-06-30');
    expect(keyDate({ ...t, documentDate: null }, 'documentDate')).toBe('2024-06-30');
  });
});

describe('validateDefinition refusals', () => {
  const def = (lines: AgingLine[]): AgingDefinition => ({ id: 'T', name: 'T', lines });
  const day = (label: string, unit: number): AgingLine => ({ label, unit, interval: 'day' });
  const paths = (d: AgingDefinition) => validateDefinition(d).map((x) => x.path);

  it('accepts the §6 definitions', () => {
    expect(validateDefinition(STD)).toEqual([]);
    expect(validateDefinition(SNAP30)).toEqual([]);
    expect(validateDefinition(NOUNL)).toEqual([]);
  });

  it('refuses no lines', () => {
    expect(validateDefinition(def([]))).toEqual([{ path: 'lines', message: 'must have at least one line' }]);
  });

  it('refuses more than 6 lines', () => {
    const lines = [-1, -2, -3, -4, -5, -6, -7].map((u) => day(`L${u}`, -30));
    expect(validateDefinition(def(lines))).toEqual([{ path: 'lines', message: 'must have at most 6 lines' }]);
  });

  it('refuses two zero-unit lines', () => {
    expect(validateDefinition(def([day('A', 0), day('B', 0)]))).toEqual([
      { path: 'lines[1].unit', message: 'only one line may have unit 0' },
    ]);
  });

  it('refuses a zero line with an interval other than Day', () => {
    for (const interval of ['week', 'month', 'quarter', 'year', 'unlimited'] as const) {
      expect(paths(def([{ label: 'Z', unit: 0, interval }]))).toEqual(['lines[0].interval']);
    }
  });

  it('refuses a label over 60 characters and an empty label', () => {
    expect(paths(def([day('x'.repeat(60), -30)]))).toEqual([]);
    expect(paths(def([day('x'.repeat(61), -30)]))).toEqual(['lines[0].label']);
    expect(paths(def([day('  ', -30)]))).toEqual(['lines[0].label']);
  });

  it('refuses an Unlimited past line that is not the oldest, or an Unlimited future line that is not the newest', () => {
    expect(paths(def([day('1-30', -30), { label: 'Old', unit: -1, interval: 'unlimited' }]))).toEqual([
      'lines[1].interval',
    ]);
    expect(paths(def([{ label: 'Fut', unit: 1, interval: 'unlimited' }, day('1-30', 30)]))).toEqual([
      'lines[0].interval',
    ]);
  });

  it('refuses lines not stored oldest → newest (e.g. NOUNL in the order §6 lists it)', () => {
    expect(paths(def([day('Current', 0), day('1-30', -30), day('31-60', -30)]))).toEqual([
      'lines[1].unit',
      'lines[2].unit',
    ]);
    expect(paths(def([day('F', 30), day('P', -30)]))).toEqual(['lines[1].unit']);
  });

  it('refuses a non-integer unit and an unknown interval', () => {
    expect(paths(def([day('A', -1.5)]))).toEqual(['lines[0].unit']);
    expect(paths(def([{ label: 'L', unit: -1, interval: 'ledgerPeriod' as never }]))).toEqual(['lines[0].interval']);
  });
});

describe('ageCustomer edge cases', () => {
  it('OldestFirst with no period containing A leaves the leftover credit unbucketed', () => {
    const future: AgingDefinition = {
      id: 'F',
      name: 'F',
      lines: [{ label: 'Not due', unit: 1, interval: 'unlimited' }],
    };
    const r = age([item('INV', usd(100), '2024-07-10'), item('PAY', usd(-300), '2024-06-01')], {
      definition: future,
      creditPlacement: 'oldestFirst',
    });
    expect(r.buckets).toEqual([{ label: 'Not due', amount: 0n }]);
    expect(r.amountDue).toBe(usd(-200));
    expect(r.unbucketedAmount).toBe(usd(-200));
  });

  it('the indicator falls back to the label when the line has none', () => {
    expect(age(C1, { definition: SNAP30 }).indicator).toBe('90+');
  });

  it('a customer-currency view requires amountCur on items in that currency', () => {
    const items = [item('INV-E', usd(1100), '2024-05-15', { currency: 'EUR' })];
    expect(() => age(items, { view: { currency: 'EUR', rate: rate('1.08') } })).toThrow(/amountCur/);
  });

  it('the customer view converts each foreign item once, at a 10-decimal rate, and a bucket adds the rounded amounts', () => {
    // Three USD items of 0.05 in 1-30, viewed in EUR at 1.0825000001: each is
    // 0.05 / 1.0825000001 = 0.0461… → 0.05 EUR, so the bucket is 0.15 (converting the 0.15 USD sum
    // once would give 0.1385… → 0.14).
    const items = ['A', 'B', 'C'].map((id) => item(id, usd('0.05'), '2024-06-20', { currency: 'USD' }));
    const r = age(items, { view: { currency: 'EUR', rate: rate('1.0825000001') } });
    expect(byLabel(r)['1-30']).toBe(usd('0.15'));
    expect(r.amountDue).toBe(usd('0.15'));
    expect(r.unbucketedAmount).toBe(0n);
  });

  it('a view in the accounting currency (rate 1) is the company view', () => {
    const items = [
      item('INV-E', usd(1100), '2024-05-15', { currency: 'EUR', amountCur: usd(1000) }),
      item('INV-U', usd(500), '2024-06-20', { currency: 'USD', amountCur: usd(500) }),
      item('CN', usd(-75.5), '2024-06-25', { currency: 'USD', amountCur: usd(-75.5) }),
    ];
    expect(age(items, { view: { currency: 'USD', rate: EXCHANGE_RATE_SCALE } })).toEqual(age(items));
  });

  it('a credit in another currency is converted with its sign', () => {
    // −100.00 USD at 1.08 → −92.592… → −92.59 EUR.
    const r = age([item('PAY', usd(-100), '2024-06-25', { currency: 'USD' })], {
      view: { currency: 'EUR', rate: rate('1.08') },
    });
    expect(byLabel(r)['1-30']).toBe(usd('-92.59'));
    expect(r.amountDue).toBe(usd('-92.59'));
  });
});
