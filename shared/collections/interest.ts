/**
 * Interest on overdue invoices (collections.md §1.11, §4.5, §4.6): interest codes with
 * date-effective versions, the interest window of each invoice portion, and the three formula
 * families (Daily365, Monthly30, Interval) with ranges by amount, days or months.
 *
 * Pure TypeScript: no I/O, no floats. Money is bigint minor units; percentages and values are
 * {@link Rate}s (4 decimals). Every line is rounded half-up exactly once, after its whole
 * formula, so a line can be explained to the customer as written in its `formula`.
 *
 * Decisions (documented here because the domain leaves them open):
 * - A portion is a settlement of the invoice (charged from the due date to the settlement date)
 *   or what is still open (charged up to `toDate`), §4.5. Reversed settlements (NSF, reversed
 *   write-offs) are left out by the caller, so the invoice counts as unpaid for that period.
 * - `start = max(dueDate + graceDays, fromDate − 1, coveredTo)`, `end = min(toDate, settledDate)`;
 *   a day counts when it falls strictly after `start` up to and including `end`. `coveredTo` is
 *   the last day a posted, not reversed line already charged for the invoice (§4.5 "periods
 *   already covered"), so a reversed line's period is charged again and a waived one is not.
 * - Daily365 and Monthly30 lines are split where a new code version starts (one line per version
 *   in force, §4.5); an Interval line uses the version in force on its first overdue day for all
 *   its intervals, because an interval that straddles two versions has no single price.
 * - `rate` is a percentage for `valueType: 'percentage'` (yearly for Daily365, monthly for
 *   Monthly30, per interval for Interval) and an amount for `valueType: 'amount'` (per year,
 *   per 30-day month, per interval).
 * - Ranges by days price interval k by the row with the largest `from ≤` its first day
 *   ((k−1)·n+1); by months, by the row with the largest `from ≤` its first month ((k−1)·n+1).
 *   A value with no row (every `from` above it) charges nothing for that interval.
 * - `maxInterest` caps a line; a line below `minInterest` (or zero) is dropped (§4.6, per line).
 * - The code applies to invoices in its own currency; `feeAmount` is added once per note.
 */
import { addDays, addMonths, daysBetween, maxDate, minDate, type CalendarDate } from '../dates';
import { divRoundHalfUp, formatMoney, formatRate, type Money, type Rate } from '../money';

type InterestMethod = 'daily365' | 'monthly30' | 'interval';
type InterestValueType = 'percentage' | 'amount';
type InterestRangeBy = 'amount' | 'days' | 'months';

interface InterestRange {
  /** Minor units for ranges by amount; whole days or months for the others. */
  from: bigint;
  value: Rate;
}

export interface InterestCodeVersion {
  /** First day this version is in force (inclusive). */
  validFrom: CalendarDate;
  method: InterestMethod;
  valueType: InterestValueType;
  rate: Rate;
  every?: { n: number; unit: 'day' | 'month' } | null;
  rangeBy?: InterestRangeBy | null;
  ranges?: InterestRange[] | null;
  minInterest?: Money | null;
  maxInterest?: Money | null;
  feeAmount?: Money | null;
  graceDays?: number;
}

export interface InterestCode {
  id: string;
  currency: string;
  /** Any order; the version in force on a day is the one with the latest `validFrom ≤` it. */
  versions: InterestCodeVersion[];
}

/** One slice of an invoice to charge: a settled part (with its settlement date) or the open rest. */
export interface InterestPortion {
  transactionId: string;
  baseAmount: Money;
  dueDate: CalendarDate;
  /** Null for the part still open. */
  settledDate: CalendarDate | null;
  /** The last day already charged by a posted, not reversed note line (null: none). */
  coveredTo?: CalendarDate | null;
}

interface InterestLine {
  transactionId: string;
  baseAmount: Money;
  /** The window is (fromDate, toDate]: fromDate itself is not charged. */
  fromDate: CalendarDate;
  toDate: CalendarDate;
  days: number;
  /** The percentage or amount applied, e.g. "1.8"; several range values as "1.5/2/2.5". */
  rate: string;
  formula: string;
  interestAmount: Money;
  versionFrom: CalendarDate;
}

export interface InterestNoteDraft {
  lines: InterestLine[];
  /** The code's fee (0 or 1 entries): once per note, only when the note has lines. */
  fees: Money[];
  totalAmount: Money;
}

const PERCENT_DENOMINATOR = 1_000_000n; // Rate units per 100 %
const RATE_TO_MINOR = 100n; // a Rate used as an amount: 4 decimals → 2 decimals

/** The version in force on `day`, or undefined before the first one. */
function versionOn(code: InterestCode, day: CalendarDate): InterestCodeVersion | undefined {
  let found: InterestCodeVersion | undefined;
  for (const v of code.versions) if (v.validFrom <= day && (!found || v.validFrom > found.validFrom)) found = v;
  return found;
}

/** The value of the row with the largest `from ≤ x`, or null when no row applies. */
function rangeValue(ranges: readonly InterestRange[], x: bigint): Rate | null {
  let best: InterestRange | null = null;
  for (const r of ranges) if (r.from <= x && (!best || r.from > best.from)) best = r;
  return best ? best.value : null;
}

/**
 * The number of started intervals in (start, end]: `ceil(d / n)` for days; for months the number
 * of k ≥ 1 with `addMonths(start, (k−1)·n) < end` (§4.6).
 * @example
 * startedIntervals('2024-01-15', '2024-09-10', { n: 1, unit: 'month' }); // 8
 */
export function startedIntervals(
  start: CalendarDate,
  end: CalendarDate,
  every: { n: number; unit: 'day' | 'month' },
): number {
  const d = daysBetween(start, end);
  if (d <= 0) return 0;
  if (every.unit === 'day') return Math.ceil(d / every.n);
  let k = 0;
  while (addMonths(start, k * every.n) < end) k++;
  return k;
}

/** The base value of a version for an amount (ranges by amount), or its flat rate. */
function baseValue(v: InterestCodeVersion, base: Money): Rate | null {
  return v.rangeBy === 'amount' && v.ranges?.length ? rangeValue(v.ranges, base) : v.rate;
}

interface Charge {
  amount: Money;
  rate: string;
  formula: string;
}

const money = formatMoney;
const pct = (r: Rate) => `${formatRate(r)} %`;

/** Daily365 / Monthly30: value / 365 (or / 30) × days, rounded once. */
function dailyCharge(v: InterestCodeVersion, base: Money, days: number): Charge | null {
  const value = baseValue(v, base);
  if (value === null) return null;
  const per = v.method === 'daily365' ? 365n : 30n;
  const d = BigInt(days);
  if (v.valueType === 'percentage') {
    const amount = divRoundHalfUp(base * value * d, PERCENT_DENOMINATOR * per);
    return {
      amount,
      rate: formatRate(value),
      formula: `${money(base)} × ${pct(value)} / ${per} × ${days} days = ${money(amount)}`,
    };
  }
  const amount = divRoundHalfUp(value * d, RATE_TO_MINOR * per);
  return {
    amount,
    rate: formatRate(value),
    formula: `${formatRate(value)} / ${per} × ${days} days = ${money(amount)}`,
  };
}

/** Interval: every started interval priced by its range row (or the flat rate), summed, rounded once. */
function intervalCharge(v: InterestCodeVersion, base: Money, start: CalendarDate, end: CalendarDate): Charge | null {
  const every = v.every ?? { n: 1, unit: 'month' as const };
  const n = startedIntervals(start, end, every);
  const values: Rate[] = [];
  for (let k = 1; k <= n; k++) {
    const first = BigInt((k - 1) * every.n + 1);
    let value: Rate | null;
    if (v.rangeBy === 'days' && v.ranges?.length) value = rangeValue(v.ranges, first);
    else if (v.rangeBy === 'months' && v.ranges?.length) value = rangeValue(v.ranges, first);
    else value = baseValue(v, base);
    values.push(value ?? 0n);
  }
  // Consecutive equal values are shown as one group: "3 × 1.5 % + 3 × 2 %".
  const groups: { count: number; value: Rate }[] = [];
  for (const value of values) {
    const last = groups[groups.length - 1];
    if (last && last.value === value) last.count++;
    else groups.push({ count: 1, value });
  }
  const sum = values.reduce((a, b) => a + b, 0n);
  const rate = [...new Set(values.map(formatRate))].join('/') || formatRate(v.rate);
  if (v.valueType === 'percentage') {
    const amount = divRoundHalfUp(base * sum, PERCENT_DENOMINATOR);
    const parts = groups.map((g) => `${g.count} × ${pct(g.value)}`);
    const factor = parts.length === 1 ? parts[0] : `(${parts.join(' + ')})`;
    return { amount, rate, formula: `${money(base)} × ${factor ?? '0'} = ${money(amount)}` };
  }
  const amount = divRoundHalfUp(sum, RATE_TO_MINOR);
  const parts = groups.map((g) => `${g.count} × ${money(divRoundHalfUp(g.value, RATE_TO_MINOR))}`);
  return { amount, rate, formula: `${parts.join(' + ') || '0'} = ${money(amount)}` };
}

/** Applies the per-line limits: the maximum caps, a line under the minimum (or zero) is dropped. */
function limited(v: InterestCodeVersion, c: Charge): Charge | null {
  let { amount, formula } = c;
  if (v.maxInterest !== null && v.maxInterest !== undefined && amount > v.maxInterest) {
    amount = v.maxInterest;
    formula = `${formula}, capped at the maximum ${money(amount)}`;
  }
  if (amount <= 0n) return null;
  if (v.minInterest !== null && v.minInterest !== undefined && amount < v.minInterest) return null;
  return { ...c, amount, formula };
}

/**
 * The interest lines of one portion up to `toDate` (none when it is not late in the window).
 * @example
 * // E17, portion 1: 400.00 due 2024-04-15, paid 2024-05-15, Monthly30 at 1.5 % → 6.00
 * portionInterest(code, { transactionId: 'INV', baseAmount: 40000n, dueDate: '2024-04-15', settledDate: '2024-05-15' }, { toDate: '2024-06-14' });
 */
function portionInterest(
  code: InterestCode,
  p: InterestPortion,
  window: { fromDate?: CalendarDate | null; toDate: CalendarDate },
): InterestLine[] {
  if (p.baseAmount <= 0n) return [];
  const first =
    versionOn(code, addDays(p.dueDate, 1)) ??
    code.versions.slice().sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1))[0];
  if (!first) return [];
  let start = addDays(p.dueDate, first.graceDays ?? 0);
  if (window.fromDate) start = maxDate(start, addDays(window.fromDate, -1));
  if (p.coveredTo) start = maxDate(start, p.coveredTo);
  const end = p.settledDate ? minDate(window.toDate, p.settledDate) : window.toDate;
  if (end <= start) return [];
  const line = (v: InterestCodeVersion, from: CalendarDate, to: CalendarDate, c: Charge | null): InterestLine[] => {
    const kept = c && limited(v, c);
    return kept
      ? [
          {
            transactionId: p.transactionId,
            baseAmount: p.baseAmount,
            fromDate: from,
            toDate: to,
            days: daysBetween(from, to),
            rate: kept.rate,
            formula: kept.formula,
            interestAmount: kept.amount,
            versionFrom: v.validFrom,
          },
        ]
      : [];
  };
  const firstDay = addDays(start, 1);
  const inForce = versionOn(code, firstDay) ?? first;
  if (inForce.method === 'interval')
    return line(inForce, start, end, intervalCharge(inForce, p.baseAmount, start, end));
  // Daily methods: one segment per version in force during (start, end].
  const boundaries = code.versions
    .map((v) => v.validFrom)
    .filter((d) => d > firstDay && d <= end)
    .sort();
  const out: InterestLine[] = [];
  let segStart = start;
  for (const b of [...new Set(boundaries)]) {
    const segEnd = addDays(b, -1);
    const v = versionOn(code, addDays(segStart, 1)) ?? inForce;
    if (v.method !== 'interval')
      out.push(...line(v, segStart, segEnd, dailyCharge(v, p.baseAmount, daysBetween(segStart, segEnd))));
    segStart = segEnd;
  }
  const v = versionOn(code, addDays(segStart, 1)) ?? inForce;
  if (v.method === 'interval') out.push(...line(v, segStart, end, intervalCharge(v, p.baseAmount, segStart, end)));
  else out.push(...line(v, segStart, end, dailyCharge(v, p.baseAmount, daysBetween(segStart, end))));
  return out;
}

/**
 * One customer's interest note: a line per late portion (and code version), the code's fee once
 * when there is at least one line, and the total.
 * @example
 * // E16: Daily365 at 10 %, 10,000.00 due 2024-05-01, to 2024-06-15 → one line of 123.29
 * calculateInterestNote(code, [{ transactionId: 'INV', baseAmount: 1_000_000n, dueDate: '2024-05-01', settledDate: null }], { toDate: '2024-06-15' });
 */
export function calculateInterestNote(
  code: InterestCode,
  portions: readonly InterestPortion[],
  window: { fromDate?: CalendarDate | null; toDate: CalendarDate },
): InterestNoteDraft {
  const lines = portions.flatMap((p) => portionInterest(code, p, window));
  const fee = lines.length ? ((versionOn(code, window.toDate) ?? code.versions[0])?.feeAmount ?? null) : null;
  const fees = fee !== null && fee > 0n ? [fee] : [];
  const totalAmount = lines.reduce((s, l) => s + l.interestAmount, 0n) + fees.reduce((s, f) => s + f, 0n);
  return { lines, fees, totalAmount };
}

/**
 * The portions of one invoice (§4.5): each settlement up to its date, and what is still open.
 * `settlements` are the invoice's settlements that were not reversed.
 * @example
 * invoicePortions({ id: 'INV', amount: 100_000n, dueDate: '2024-04-15' }, [{ amount: 40_000n, date: '2024-05-15' }]);
 * // [{ baseAmount: 40000n, settledDate: '2024-05-15', … }, { baseAmount: 60000n, settledDate: null, … }]
 */
export function invoicePortions(
  invoice: { id: string; amount: Money; dueDate: CalendarDate; coveredTo?: CalendarDate | null },
  settlements: readonly { amount: Money; date: CalendarDate }[],
): InterestPortion[] {
  const out: InterestPortion[] = [];
  let rest = invoice.amount;
  for (const s of [...settlements].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) {
    out.push({
      transactionId: invoice.id,
      baseAmount: s.amount,
      dueDate: invoice.dueDate,
      settledDate: s.date,
      coveredTo: invoice.coveredTo ?? null,
    });
    rest -= s.amount;
  }
  if (rest > 0n)
    out.push({
      transactionId: invoice.id,
      baseAmount: rest,
      dueDate: invoice.dueDate,
      settledDate: null,
      coveredTo: invoice.coveredTo ?? null,
    });
  return out;
}
