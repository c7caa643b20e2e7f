/**
 * Customer aging (collections.md §1.4, §1.5, §2): aging period definitions, the date range of
 * each period line for an as-of date, and the bucketing of one customer's open transactions.
 *
 * Pure TypeScript (no I/O, no Node or DOM APIs). Money is `bigint` minor units, dates are
 * 'YYYY-MM-DD' calendar dates.
 */
import type { Money } from '../money';
import { fromAccounting, type ExchangeRate } from '../currency';
import { addDays, addMonths, compareDates, type CalendarDate } from '../dates';

/** The interval of an aging line (§1.4). Week = 7 days, Quarter = 3 months, Year = 12 months; LedgerPeriod is out of scope for v1. */
type AgingInterval = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'unlimited';

/**
 * One aging period line (§1.4). `unit` < 0 is a past period, > 0 a future one, 0 the as-of interval.
 * `indicator` is the optional aging icon/colour (§1.4 `agingIndicator`).
 * @example
 * const line: AgingLine = { label: '1-30', unit: -30, interval: 'day' };
 */
export interface AgingLine {
  label: string;
  unit: number;
  interval: AgingInterval;
  indicator?: string;
}

/**
 * The standard definition of collections.md §6 (STD), oldest first: over 90 days past due, 61-90,
 * 31-60, 1-30, due on the as-of day, not yet due. The demo company's default and the setup the
 * worked examples use.
 */
export const STANDARD_AGING_LINES: readonly AgingLine[] = [
  { label: 'Over 90', unit: -1, interval: 'unlimited', indicator: 'red' },
  { label: '61-90', unit: -30, interval: 'day', indicator: 'orange' },
  { label: '31-60', unit: -30, interval: 'day', indicator: 'yellow' },
  { label: '1-30', unit: -30, interval: 'day', indicator: 'yellow' },
  { label: 'Current', unit: 0, interval: 'day', indicator: 'green' },
  { label: 'Not due', unit: 1, interval: 'unlimited', indicator: 'green' },
];

/**
 * An aging period definition; `lines` are stored oldest → newest, the top line being the oldest (§1.4).
 * @example
 * const def: AgingDefinition = { id: 'STD', name: 'Standard', lines: [
 *   { label: 'Over 90', unit: -1, interval: 'unlimited' }, { label: '1-90', unit: -90, interval: 'day' },
 *   { label: 'Current', unit: 0, interval: 'day' }, { label: 'Not due', unit: 1, interval: 'unlimited' }] };
 */
export interface AgingDefinition {
  id: string;
  name: string;
  lines: AgingLine[];
}

/**
 * The inclusive date range of one line for an as-of date; `null` is an open end (Unlimited).
 * @example
 * const r: PeriodRange = { label: 'Over 90', from: null, to: '2024-03-31' };
 */
export interface PeriodRange {
  label: string;
  from: CalendarDate | null;
  to: CalendarDate | null;
}

/**
 * One problem found by {@link validateDefinition}; `path` names the field, e.g. `lines[2].unit`.
 * @example
 * const issue: DefinitionIssue = { path: 'lines', message: 'must have at most 6 lines' };
 */
export interface DefinitionIssue {
  path: string;
  message: string;
}

/** Which date ages a transaction (§2.3, the snapshot `criteria`). */
export type AgingCriteria = 'dueDate' | 'transactionDate' | 'documentDate';

/** Where credits go (§2.3): each in the period of its own key date, or applied to the oldest debits first. */
export type CreditPlacement = 'ownDate' | 'oldestFirst';

/**
 * The dates of an open transaction that {@link keyDate} chooses from (§1.2).
 * @example
 * const payment: KeyDates = { dueDate: null, transDate: '2024-06-25', documentDate: null };
 */
export interface KeyDates {
  dueDate: CalendarDate | null;
  transDate: CalendarDate;
  documentDate: CalendarDate | null;
}

/**
 * One open transaction of the customer. `amount` is the signed open amount in accounting currency
 * (`openAmountMst`: debit > 0, credit < 0); `currency`/`amountCur` are the transaction currency and
 * its open amount, needed only for a customer-currency view (§2.3 Multi-currency).
 * @example
 * const inv: AgingItem = { id: 'INV1', amount: 100000n, dueDate: '2024-07-15', transDate: '2024-06-15', documentDate: null };
 */
export interface AgingItem extends KeyDates {
  id: string;
  amount: Money;
  currency?: string;
  amountCur?: Money;
}

/**
 * Show the amounts in the customer's currency (the FactBox switch, §2.3 Multi-currency). `rate` is
 * that currency's exchange rate on the as-of date, as shared/currency.ts holds rates (AC units
 * per 1 unit, 10 decimals: EUR→USD 1.08 is `10_800_000_000n`); the accounting currency's own
 * rate is `EXCHANGE_RATE_SCALE`, which gives the company view back.
 * @example
 * const view: CurrencyView = { currency: 'EUR', rate: 10_800_000_000n };
 */
export interface CurrencyView {
  currency: string;
  rate: ExchangeRate;
}

/**
 * Input of {@link ageCustomer}.
 * @example
 * const input: AgeCustomerInput = { definition: def, asOf: '2024-06-30', criteria: 'dueDate', creditPlacement: 'ownDate', items: [] };
 */
export interface AgeCustomerInput {
  definition: AgingDefinition;
  asOf: CalendarDate;
  criteria: AgingCriteria;
  creditPlacement: CreditPlacement;
  items: readonly AgingItem[];
  /** Omitted: amounts in accounting currency (the company view). */
  view?: CurrencyView;
}

/**
 * Result of {@link ageCustomer}: one bucket per line in definition order (oldest first), the
 * part of `amountDue` no line covers, and the aging indicator (§2.4 step 7).
 * @example
 * const r: AgingResult = { buckets: [{ label: 'Current', amount: 0n }], unbucketedAmount: 0n, amountDue: 0n, indicator: null };
 */
export interface AgingResult {
  buckets: { label: string; amount: Money }[];
  unbucketedAmount: Money;
  amountDue: Money;
  /** The `indicator` (else the label) of the oldest line whose amount is > 0; null when none is. */
  indicator: string | null;
}

const INTERVALS: readonly AgingInterval[] = ['day', 'week', 'month', 'quarter', 'year', 'unlimited'];
const MAX_LINES = 6;
const MAX_LABEL = 60;

/**
 * Lists every reason the definition cannot be used; an empty list means it is valid.
 * Refuses: no lines; more than 6 lines (§1.4); an empty or over-60-character label; a unit that is
 * not an integer or an unknown interval; two lines with unit 0 (§1.4); a zero line whose interval is
 * not Day (§2.2); lines not stored oldest → newest (past, then the zero line, then future); an
 * Unlimited past line that is not the oldest line, or an Unlimited future line that is not the newest
 * (§2.2: its open end would leave the lines beyond it empty).
 * @example
 * validateDefinition({ id: 'X', name: 'X', lines: [] }); // [{ path: 'lines', message: 'must have at least one line' }]
 */
export function validateDefinition(def: AgingDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const { lines } = def;
  if (lines.length === 0) issues.push({ path: 'lines', message: 'must have at least one line' });
  if (lines.length > MAX_LINES) issues.push({ path: 'lines', message: `must have at most ${MAX_LINES} lines` });
  let zeroSeen = false;
  let previousSign: number | null = null;
  lines.forEach((line, i) => {
    const at = `lines[${i}]`;
    if (line.label.trim() === '') issues.push({ path: `${at}.label`, message: 'must not be empty' });
    if (line.label.length > MAX_LABEL)
      issues.push({ path: `${at}.label`, message: `must be at most ${MAX_LABEL} characters` });
    if (!INTERVALS.includes(line.interval)) {
      issues.push({ path: `${at}.interval`, message: `must be one of ${INTERVALS.join(', ')}` });
    }
    if (!Number.isSafeInteger(line.unit)) {
      issues.push({ path: `${at}.unit`, message: 'must be an integer' });
      return;
    }
    const sign = Math.sign(line.unit);
    if (sign === 0) {
      if (zeroSeen) issues.push({ path: `${at}.unit`, message: 'only one line may have unit 0' });
      zeroSeen = true;
      if (line.interval !== 'day')
        issues.push({ path: `${at}.interval`, message: 'a line with unit 0 must use interval day' });
    }
    if (previousSign !== null && sign < previousSign) {
      issues.push({
        path: `${at}.unit`,
        message:
          'lines must be stored oldest → newest: past (negative) lines, then the unit-0 line, then future (positive) lines',
      });
    }
    previousSign = previousSign === null ? sign : Math.max(previousSign, sign);
    if (line.interval === 'unlimited') {
      if (sign < 0 && i !== 0)
        issues.push({ path: `${at}.interval`, message: 'an unlimited past line must be the oldest (first) line' });
      if (sign > 0 && i !== lines.length - 1) {
        issues.push({ path: `${at}.interval`, message: 'an unlimited future line must be the newest (last) line' });
      }
    }
  });
  return issues;
}

/** Months per unit for the month-based intervals. */
function monthsPerUnit(interval: AgingInterval): number | null {
  return interval === 'month' ? 1 : interval === 'quarter' ? 3 : interval === 'year' ? 12 : null;
}

/** Days per unit for the day-based intervals. */
function daysPerUnit(interval: AgingInterval): number {
  return interval === 'week' ? 7 : 1;
}

/**
 * The inclusive date range of every line for as-of date `asOf`, in definition order, by the
 * algorithm of §2.2: a unit-0 line is `[A, A]`; past lines are walked newest → oldest, each ending
 * the day before the nearer one starts (the newest ends at A−1 after a zero line, else at A); future
 * lines are walked nearest → furthest, each starting the day after the nearer one ends (the first at
 * A+1). Day/Week are rolling spans of |unit| (×7) days; Month/Quarter/Year use {@link addMonths}.
 * Throws `RangeError` when {@link validateDefinition} reports a problem.
 * @example
 * periodRanges({ id: 'D', name: 'D', lines: [{ label: 'Old', unit: -1, interval: 'unlimited' },
 *   { label: '1-30', unit: -30, interval: 'day' }, { label: 'Current', unit: 0, interval: 'day' }] }, '2024-06-30');
 * // [{ label: 'Old', from: null, to: '2024-05-30' }, { label: '1-30', from: '2024-05-31', to: '2024-06-29' },
 * //  { label: 'Current', from: '2024-06-30', to: '2024-06-30' }]
 */
export function periodRanges(def: AgingDefinition, asOf: CalendarDate): PeriodRange[] {
  const issues = validateDefinition(def);
  if (issues.length > 0) {
    throw new RangeError(
      `invalid aging definition ${def.id}: ${issues.map((x) => `${x.path} ${x.message}`).join('; ')}`,
    );
  }
  compareDates(asOf, asOf); // validates asOf
  const { lines } = def;
  const ranges: PeriodRange[] = lines.map((line) => ({ label: line.label, from: null, to: null }));
  const zero = lines.findIndex((line) => line.unit === 0);
  const firstFuture = lines.findIndex((line) => line.unit > 0);
  const lastPast = zero >= 0 ? zero - 1 : (firstFuture >= 0 ? firstFuture : lines.length) - 1;

  // Past lines, newest → oldest.
  let end: CalendarDate = asOf;
  if (zero >= 0) {
    ranges[zero] = { label: lines[zero]!.label, from: asOf, to: asOf };
    end = addDays(asOf, -1);
  }
  for (let i = lastPast; i >= 0; i--) {
    const line = lines[i]!;
    const size = Math.abs(line.unit);
    let start: CalendarDate | null;
    if (line.interval === 'unlimited') start = null;
    else {
      const months = monthsPerUnit(line.interval);
      start =
        months === null
          ? addDays(end, -(size * daysPerUnit(line.interval)) + 1)
          : addMonths(addDays(end, 1), -size * months);
    }
    ranges[i] = { label: line.label, from: start, to: end };
    if (start === null) break; // validation guarantees nothing older
    end = addDays(start, -1);
  }

  // Future lines, nearest → furthest.
  let start: CalendarDate = addDays(asOf, 1);
  for (let i = lastPast + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.unit <= 0) continue; // the zero line
    let stop: CalendarDate | null;
    if (line.interval === 'unlimited') stop = null;
    else {
      const months = monthsPerUnit(line.interval);
      stop =
        months === null
          ? addDays(start, line.unit * daysPerUnit(line.interval) - 1)
          : addDays(addMonths(start, line.unit * months), -1);
    }
    ranges[i] = { label: line.label, from: start, to: stop };
    if (stop === null) break;
    start = addDays(stop, 1);
  }
  return ranges;
}

/**
 * The date that ages a transaction under `criteria` (§2.3): a null due date or a null document date
 * falls back to the transaction (posting) date.
 * @example
 * keyDate({ dueDate: null, transDate: '2024-06-25', documentDate: null }, 'dueDate'); // '2024-06-25'
 */
export function keyDate(txn: KeyDates, criteria: AgingCriteria): CalendarDate {
  switch (criteria) {
    case 'dueDate':
      return txn.dueDate ?? txn.transDate;
    case 'documentDate':
      return txn.documentDate ?? txn.transDate;
    case 'transactionDate':
      return txn.transDate;
    default:
      throw new RangeError(`keyDate: unknown criteria ${String(criteria satisfies never)}`);
  }
}

/** Index of the range containing `d` (inclusive ends), or -1. */
function rangeIndex(ranges: readonly PeriodRange[], d: CalendarDate): number {
  return ranges.findIndex(
    (r) => (r.from === null || compareDates(r.from, d) <= 0) && (r.to === null || compareDates(d, r.to) <= 0),
  );
}

/**
 * An open item's amount in a view (§2.3 Multi-currency): its AC amount without a view (the company
 * view); its TC amount (`amountCur`) when its currency is the view's; otherwise its AC amount
 * converted at the view's rate, rounded half-up once (shared/currency.ts `fromAccounting`).
 * @example
 * amountInView({ id: 'INV-U', amount: 50000n, currency: 'USD' }, { currency: 'EUR', rate: 10_800_000_000n }); // 46296n (collections E8)
 */
export function amountInView(
  item: Pick<AgingItem, 'id' | 'amount' | 'currency' | 'amountCur'>,
  view: CurrencyView | undefined,
): Money {
  if (view === undefined) return item.amount;
  if (item.currency === view.currency) {
    if (item.amountCur === undefined)
      throw new RangeError(`ageCustomer: item ${item.id} is in ${view.currency} but has no amountCur`);
    return item.amountCur;
  }
  if (view.rate <= 0n) throw new RangeError('ageCustomer: view.rate must be greater than 0');
  return fromAccounting(item.amount, view.rate);
}

/**
 * Per-period sums ({@link RangeSums}) of one customer's open items for the ranges of
 * {@link periodRanges}: each item (in the view, see {@link amountInView}) goes to the range that
 * contains its {@link keyDate}, debits and credits apart; every item counts in `amountDue`.
 * @example
 * rangeSums(periodRanges(STD, '2024-06-30'), 'dueDate', [{ id: 'X', amount: 100n, dueDate: '2024-06-30', transDate: '2024-06-01', documentDate: null }]);
 */
export function rangeSums(
  ranges: readonly PeriodRange[],
  criteria: AgingCriteria,
  items: readonly AgingItem[],
  view?: CurrencyView,
): RangeSums {
  const sums: RangeSums = {
    debits: ranges.map(() => 0n),
    credits: ranges.map(() => 0n),
    allCredits: 0n,
    amountDue: 0n,
  };
  for (const item of items) {
    const amount = amountInView(item, view);
    sums.amountDue += amount;
    if (amount < 0n) sums.allCredits += amount;
    const i = rangeIndex(ranges, keyDate(item, criteria));
    if (i < 0) continue;
    if (amount < 0n) sums.credits[i]! += amount;
    else sums.debits[i]! += amount;
  }
  return sums;
}

/**
 * Ages one customer's open transactions (§2.3, §2.4 steps 3, 4 and 7). Each item goes to the line
 * whose range ({@link periodRanges}) contains its {@link keyDate}. With `ownDate` credits reduce the
 * bucket of their own date (which can go negative); with `oldestFirst` the debits are bucketed first
 * and the sum of all credits is taken from the oldest positive bucket towards the newest, any rest
 * going to the line that contains `asOf`. `amountDue` is the sum of all open amounts and
 * `unbucketedAmount = amountDue − Σ buckets`. Amounts are in accounting currency unless `view` asks
 * for the customer's currency (§2.3 Multi-currency, {@link amountInView}: the TC amount when it
 * is that currency, else the AC amount converted at the rate on the as-of date, rounded once per
 * transaction; a bucket is the sum of already-rounded amounts).
 * @example
 * ageCustomer({ definition: STD, asOf: '2024-06-30', criteria: 'dueDate', creditPlacement: 'ownDate',
 *   items: [{ id: 'INV9', amount: 60000n, dueDate: '2024-04-15', transDate: '2024-03-15', documentDate: null }] });
 * // buckets: 61-90 = 60000n, others 0n; amountDue 60000n; unbucketedAmount 0n; indicator '61-90'
 */
export function ageCustomer(input: AgeCustomerInput): AgingResult {
  const { definition, asOf, criteria, creditPlacement, items, view } = input;
  const ranges = periodRanges(definition, asOf);
  return bucketize(definition, ranges, asOf, creditPlacement, rangeSums(ranges, criteria, items, view));
}

/**
 * Per-period sums of one customer's open items, as one grouped SQL pass produces them (the
 * snapshot run) or as {@link ageCustomer} adds them up: per range the debits (> 0) and credits
 * (< 0) whose key date falls in it, the sum of every credit (in a range or not) and the total.
 * @example
 * const sums: RangeSums = { debits: [100000n, 0n], credits: [0n, -30000n], allCredits: -30000n, amountDue: 70000n };
 */
export interface RangeSums {
  debits: Money[];
  credits: Money[];
  allCredits: Money;
  amountDue: Money;
}

/**
 * Turns per-period sums into buckets by the credit placement (§2.3): `ownDate` adds each
 * period's credits to it; `oldestFirst` takes the sum of all credits from the oldest positive bucket
 * towards the newest, any rest going to the line that contains `asOf` (else it stays unbucketed).
 * `unbucketedAmount = amountDue − Σ buckets`; the indicator is that of the oldest bucket > 0.
 * @example
 * bucketize(STD, periodRanges(STD, '2024-06-30'), '2024-06-30', 'ownDate', sums).buckets.map((b) => b.amount);
 */
export function bucketize(
  definition: AgingDefinition,
  ranges: readonly PeriodRange[],
  asOf: CalendarDate,
  placement: CreditPlacement,
  sums: RangeSums,
): AgingResult {
  const amounts: Money[] = placement === 'ownDate' ? sums.debits.map((d, i) => d + sums.credits[i]!) : [...sums.debits];
  if (placement === 'oldestFirst' && sums.allCredits < 0n) {
    let left = -sums.allCredits;
    for (let i = 0; i < amounts.length && left > 0n; i++) {
      const bucket = amounts[i]!;
      if (bucket <= 0n) continue;
      const take = bucket < left ? bucket : left;
      amounts[i] = bucket - take;
      left -= take;
    }
    if (left > 0n) {
      const current = rangeIndex(ranges, asOf);
      if (current >= 0) amounts[current]! -= left; // else it stays unbucketed
    }
  }
  const bucketed = amounts.reduce((s, x) => s + x, 0n);
  const oldest = amounts.findIndex((x) => x > 0n);
  const oldestLine = oldest >= 0 ? definition.lines[oldest] : undefined;
  return {
    buckets: ranges.map((r, i) => ({ label: r.label, amount: amounts[i]! })),
    unbucketedAmount: sums.amountDue - bucketed,
    amountDue: sums.amountDue,
    indicator: oldestLine === undefined ? null : (oldestLine.indicator ?? oldestLine.label),
  };
}
