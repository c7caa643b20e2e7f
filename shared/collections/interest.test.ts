/**
 * Interest worked examples E15–E20 of collections.md §6 (one test each), plus the adjustment
 * rules of §3.1–§3.3 and the write-off lines of §3.4 (E25–E27) as pure functions.
 */
import { describe, expect, it } from 'vitest';
import { parseMoney, parseRate, type Money } from '../money';
import {
  calculateInterestNote,
  invoicePortions,
  startedIntervals,
  type InterestCode,
  type InterestCodeVersion,
  type InterestPortion,
} from './interest';
import {
  adjustmentRefusal,
  noteAdjustmentStatus,
  reverseOrderRefusal,
  waiveLimitRefusal,
  waiveWindowRefusal,
} from './adjustments';
import { settlementPairs, writeOffLines, type WriteOffItem } from './write-off';
import { nsfRefusal } from './nsf';

const m = (v: string | number): Money => parseMoney(v);
const code = (
  v: Partial<InterestCodeVersion> & Pick<InterestCodeVersion, 'method'>,
  more: InterestCodeVersion[] = [],
): InterestCode => ({
  id: 'IC',
  currency: 'USD',
  versions: [{ validFrom: '1900-01-01', valueType: 'percentage', rate: 0n, ...v }, ...more],
});
const open = (id: string, amount: string, dueDate: string): InterestPortion => ({
  transactionId: id,
  baseAmount: m(amount),
  dueDate,
  settledDate: null,
});
const amounts = (lines: { interestAmount: Money }[]) => lines.map((l) => l.interestAmount);

describe('interest notes (collections.md §4.5, §4.6)', () => {
  it('collections E15 Monthly30 at 1.8 %, no from-date: 232, 186 and 148 days give 58.88, 239.84 and 68.91', () => {
    const c = code({ method: 'monthly30', rate: parseRate('1.8') });
    const note = calculateInterestNote(
      c,
      [open('I1', '423.00', '2019-08-15'), open('I2', '2149.11', '2019-09-30'), open('I3', '776.00', '2019-11-07')],
      { toDate: '2020-04-03' },
    );
    expect(note.lines.map((l) => l.days)).toEqual([232, 186, 148]);
    expect(amounts(note.lines)).toEqual([m('58.88'), m('239.84'), m('68.91')]);
    expect(note.lines[0]).toMatchObject({
      baseAmount: m(423),
      fromDate: '2019-08-15',
      toDate: '2020-04-03',
      rate: '1.8',
      formula: '423.00 × 1.8 % / 30 × 232 days = 58.88',
    });
    expect(note.totalAmount).toBe(m('367.63'));
    expect(note.fees).toEqual([]);
  });

  it('collections E16 Daily365 at 10 %: 45 days give 123.29; the maximum caps at 100.00; 2.47 under a minimum of 5.00 is no line', () => {
    const window = { toDate: '2024-06-15' };
    expect(
      amounts(
        calculateInterestNote(
          code({ method: 'daily365', rate: parseRate(10) }),
          [open('I', '10000.00', '2024-05-01')],
          window,
        ).lines,
      ),
    ).toEqual([m('123.29')]);
    const capped = calculateInterestNote(
      code({ method: 'daily365', rate: parseRate(10), maxInterest: m(100) }),
      [open('I', '10000.00', '2024-05-01')],
      window,
    );
    expect(capped.lines[0]).toMatchObject({
      interestAmount: m(100),
      days: 45,
      formula: '10000.00 × 10 % / 365 × 45 days = 123.29, capped at the maximum 100.00',
    });
    const small = calculateInterestNote(
      code({ method: 'daily365', rate: parseRate(10), minInterest: m(5), feeAmount: m(10) }),
      [open('I', '200.00', '2024-05-01')],
      window,
    );
    expect(small).toEqual({ lines: [], fees: [], totalAmount: 0n });
  });

  it('collections E17 Monthly30 at 1.5 %, partly paid: portions 6.00 + 18.00 = 24.00; the next note from 06-15 charges 9.00 with no overlap', () => {
    const c = code({ method: 'monthly30', rate: parseRate('1.5') });
    const portions = invoicePortions({ id: 'INV', amount: m(1000), dueDate: '2024-04-15' }, [
      { amount: m(400), date: '2024-05-15' },
    ]);
    const first = calculateInterestNote(c, portions, { toDate: '2024-06-14' });
    expect(first.lines.map((l) => [l.baseAmount, l.fromDate, l.toDate, l.days, l.interestAmount])).toEqual([
      [m(400), '2024-04-15', '2024-05-15', 30, m(6)],
      [m(600), '2024-04-15', '2024-06-14', 60, m(18)],
    ]);
    expect(first.totalAmount).toBe(m(24));
    const next = calculateInterestNote(c, portions, { fromDate: '2024-06-15', toDate: '2024-07-14' });
    expect(next.lines.map((l) => [l.baseAmount, l.fromDate, l.toDate, l.days, l.interestAmount])).toEqual([
      [m(600), '2024-06-14', '2024-07-14', 30, m(9)],
    ]);
    // The same window follows from the posted coverage alone (no from-date): periods are charged once.
    const covered = invoicePortions({ id: 'INV', amount: m(1000), dueDate: '2024-04-15', coveredTo: '2024-06-14' }, [
      { amount: m(400), date: '2024-05-15' },
    ]);
    expect(amounts(calculateInterestNote(c, covered, { toDate: '2024-07-14' }).lines)).toEqual([m(9)]);
  });

  it('collections E18 range by months, every month: 8 started months at 3 × 1.5 + 3 × 2 + 2 × 2.5 = 15.5 % give 310.00', () => {
    const c = code({
      method: 'interval',
      every: { n: 1, unit: 'month' },
      rangeBy: 'months',
      ranges: [
        { from: 0n, value: parseRate('1.5') },
        { from: 4n, value: parseRate(2) },
        { from: 7n, value: parseRate('2.5') },
      ],
    });
    expect(startedIntervals('2024-01-15', '2024-09-10', { n: 1, unit: 'month' })).toBe(8);
    const [line] = calculateInterestNote(c, [open('I', '2000.00', '2024-01-15')], { toDate: '2024-09-10' }).lines;
    expect(line).toMatchObject({
      interestAmount: m(310),
      rate: '1.5/2/2.5',
      formula: '2000.00 × (3 × 1.5 % + 3 × 2 % + 2 × 2.5 %) = 310.00',
    });
  });

  it('collections E19 range by amount, every 3 months: 4,000.00 at 2 % for 2 started intervals is 160.00; 1,000.50 takes the 0 row (1 %)', () => {
    const c = code({
      method: 'interval',
      every: { n: 3, unit: 'month' },
      rangeBy: 'amount',
      ranges: [
        { from: 0n, value: parseRate(1) },
        { from: m(1001), value: parseRate(2) },
        { from: m(5001), value: parseRate(3) },
      ],
    });
    const [line] = calculateInterestNote(c, [open('I', '4000.00', '2024-01-10')], { toDate: '2024-06-05' }).lines;
    expect(line).toMatchObject({ interestAmount: m(160), rate: '2', formula: '4000.00 × 2 × 2 % = 160.00' });
    const [small] = calculateInterestNote(c, [open('I', '1000.50', '2024-01-10')], { toDate: '2024-06-05' }).lines;
    expect(small).toMatchObject({ interestAmount: m('20.01'), rate: '1' });
  });

  it('collections E20 range by days, every 15 days, amounts: 100 days are 7 intervals = 90.00; 90 days are 6 = 70.00', () => {
    const c = code({
      method: 'interval',
      valueType: 'amount',
      every: { n: 15, unit: 'day' },
      rangeBy: 'days',
      ranges: [
        { from: 0n, value: parseRate(10) },
        { from: 61n, value: parseRate(15) },
        { from: 91n, value: parseRate(20) },
      ],
    });
    const [line] = calculateInterestNote(c, [open('I', '500.00', '2024-03-01')], { toDate: '2024-06-09' }).lines;
    expect(line).toMatchObject({
      days: 100,
      interestAmount: m(90),
      formula: '4 × 10.00 + 2 × 15.00 + 1 × 20.00 = 90.00',
    });
    const [at90] = calculateInterestNote(c, [open('I', '500.00', '2024-03-01')], { toDate: '2024-05-30' }).lines;
    expect(at90).toMatchObject({ days: 90, interestAmount: m(70) });
  });

  it('grace days, from-date, the fee once per note, and one Daily line per code version in force', () => {
    const c = code({ method: 'daily365', rate: parseRate('36.5'), graceDays: 5, feeAmount: m(10) });
    const note = calculateInterestNote(c, [open('A', '100.00', '2024-01-01'), open('B', '100.00', '2024-01-01')], {
      toDate: '2024-01-15',
    });
    expect(note.lines.map((l) => [l.fromDate, l.days, l.interestAmount])).toEqual([
      ['2024-01-06', 9, m('0.90')],
      ['2024-01-06', 9, m('0.90')],
    ]);
    expect(note.fees).toEqual([m(10)]);
    expect(note.totalAmount).toBe(m('11.80'));
    const versioned = code({ method: 'daily365', rate: parseRate('36.5') }, [
      { validFrom: '2024-01-11', method: 'daily365', valueType: 'percentage', rate: parseRate(73) },
    ]);
    const split = calculateInterestNote(versioned, [open('A', '100.00', '2024-01-01')], { toDate: '2024-01-20' });
    expect(split.lines.map((l) => [l.fromDate, l.toDate, l.days, l.interestAmount, l.versionFrom])).toEqual([
      ['2024-01-01', '2024-01-10', 9, m('0.90'), '1900-01-01'],
      ['2024-01-10', '2024-01-20', 10, m('2.00'), '2024-01-11'],
    ]);
    // A portion paid before the window starts, or not yet due, is no line.
    expect(
      calculateInterestNote(c, [{ ...open('A', '100.00', '2024-01-01'), settledDate: '2024-01-03' }], {
        toDate: '2024-01-15',
      }).lines,
    ).toEqual([]);
    expect(calculateInterestNote(c, [open('A', '100.00', '2024-02-01')], { toDate: '2024-01-15' }).lines).toEqual([]);
  });
});

describe('adjustment rules (collections.md §3.1–§3.3)', () => {
  it('status transitions: waive what is not waived or reversed, reinstate only the waived, reverse what is not reversed', () => {
    expect(adjustmentRefusal('waive', 'none')).toBeNull();
    expect(adjustmentRefusal('waive', 'reinstated')).toBeNull();
    expect(adjustmentRefusal('waive', 'waived')).toMatch(/already waived/);
    expect(adjustmentRefusal('reinstate', 'reinstated')).toMatch(/not waived/);
    expect(adjustmentRefusal('reverse', 'reversed')).toMatch(/already reversed/);
    expect(noteAdjustmentStatus(['waived', 'waived'])).toBe('waived');
    expect(noteAdjustmentStatus(['waived', 'none'])).toBe('partial');
  });

  it('collections E22 window and cumulative limit: 60 + 48.88 > 100 refused; 61 days after posting refused, 60 allowed', () => {
    expect(waiveLimitRefusal(m(60), m('48.88'), m(100), 'USD')).toMatch(/108\.88/);
    expect(waiveLimitRefusal(0n, m('48.88'), m(100), 'USD')).toBeNull();
    expect(waiveLimitRefusal(m(125), m('0.01'), null, 'USD')).toBeNull();
    expect(waiveWindowRefusal('2024-07-01', '2024-08-31', 0, 60)).toMatch(/until 2024-08-30/);
    expect(waiveWindowRefusal('2024-07-01', '2024-08-30', 0, 60)).toBeNull();
    expect(waiveWindowRefusal('2024-07-01', '2024-07-02', 2, null)).toMatch(/from 2024-07-03/);
  });

  it('collections E24 newest first: IN-2 waits for IN-3', () => {
    const notes = [
      { id: 'IN-2', postingNo: 1, reversed: false },
      { id: 'IN-3', postingNo: 2, reversed: false },
    ];
    expect(reverseOrderRefusal(notes, 'IN-2')).toMatch(/IN-3 first/);
    expect(reverseOrderRefusal(notes, 'IN-3')).toBeNull();
    expect(reverseOrderRefusal([notes[0]!, { ...notes[1]!, reversed: true }], 'IN-2')).toBeNull();
  });

  it('collections E29 NSF preconditions: not a payment, no bank account, already canceled', () => {
    expect(nsfRefusal({ id: 'INV-N1', type: 'invoice', bankAccountId: null, canceled: false })).toMatch(
      /not a payment/,
    );
    expect(nsfRefusal({ id: 'P', type: 'payment', bankAccountId: null, canceled: false })).toMatch(/no bank account/);
    expect(nsfRefusal({ id: 'P', type: 'payment', bankAccountId: 'BANK1', canceled: true })).toMatch(
      /already canceled/,
    );
    expect(nsfRefusal({ id: 'P', type: 'payment', bankAccountId: 'BANK1', canceled: false })).toBeNull();
  });
});

describe('write-off lines (collections.md §3.4)', () => {
  const item = (transactionId: string, open: string, amount = open, tax = '0', currency = 'USD'): WriteOffItem => ({
    transactionId,
    currency,
    postingProfile: null,
    openAmount: m(open),
    amount: m(amount),
    taxAmount: m(tax),
  });
  const accounts = () => ({ ledgerAccount: '618000', taxAccount: '222200' });
  const show = (lines: ReturnType<typeof writeOffLines>) =>
    lines.map((l) => [l.lineType, l.accountId, l.currency, l.debit, l.credit]);

  it('collections E25 separate tax: customer credit 1,400.00, 618000 debit 1,300.00, tax 222200 debit 100.00; without: 618000 debit 1,400.00', () => {
    const items = [item('INV-1', '1100', '1100', '100'), item('INV-2', '500'), item('CN-1', '-200')];
    expect(show(writeOffLines(items, accounts, { customerId: 'C9', separateSalesTax: true }))).toEqual([
      ['customer', 'C9', 'USD', 0n, m(1400)],
      ['ledger', '618000', 'USD', m(1300), 0n],
      ['tax', '222200', 'USD', m(100), 0n],
    ]);
    expect(show(writeOffLines(items, accounts, { customerId: 'C9', separateSalesTax: false }))).toEqual([
      ['customer', 'C9', 'USD', 0n, m(1400)],
      ['ledger', '618000', 'USD', m(1400), 0n],
    ]);
  });

  it('collections E26 half-paid INV-1 (open 550): tax 50.00 and 618000 500.00', () => {
    expect(
      show(
        writeOffLines([item('INV-1', '550', '1100', '100')], accounts, { customerId: 'C9', separateSalesTax: true }),
      ),
    ).toEqual([
      ['customer', 'C9', 'USD', 0n, m(550)],
      ['ledger', '618000', 'USD', m(500), 0n],
      ['tax', '222200', 'USD', m(50), 0n],
    ]);
  });

  it('collections E27 several currencies, and a lone credit note written off as a customer debit', () => {
    const lines = writeOffLines(
      [item('U', '1000'), item('E1', '500', '500', '0', 'EUR'), item('E2', '-200', '-200', '0', 'EUR')],
      accounts,
      { customerId: 'C10', separateSalesTax: false },
    );
    expect(show(lines)).toEqual([
      ['customer', 'C10', 'EUR', 0n, m(300)],
      ['ledger', '618000', 'EUR', m(300), 0n],
      ['customer', 'C10', 'USD', 0n, m(1000)],
      ['ledger', '618000', 'USD', m(1000), 0n],
    ]);
    expect(
      show(
        writeOffLines([item('E2', '-200', '-200', '0', 'EUR')], accounts, {
          customerId: 'C10',
          separateSalesTax: false,
        }),
      ),
    ).toEqual([
      ['customer', 'C10', 'EUR', m(200), 0n],
      ['ledger', '618000', 'EUR', 0n, m(200)],
    ]);
    expect(
      settlementPairs(
        [
          { id: 'A', open: m(5) },
          { id: 'B', open: m(3) },
        ],
        [
          { id: 'X', open: m(-6) },
          { id: 'Y', open: m(-2) },
        ],
      ),
    ).toEqual([
      { debitId: 'A', creditId: 'X', amount: m(5) },
      { debitId: 'B', creditId: 'X', amount: m(1) },
      { debitId: 'B', creditId: 'Y', amount: m(2) },
    ]);
  });
});
