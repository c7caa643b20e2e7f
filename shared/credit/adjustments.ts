import { addDays, type CalendarDate } from '../dates';
import { applyPercent, roundToMultiple, type Money, type Rate, type RoundingMode } from '../money';
import { creditPosition, evaluateCreditCheck } from './blocking-rules';
import type { CreditCheckInput, TemporaryLimit } from './types';

/** Credit limit adjustment journals (credit.md §2). */
export type JournalType = 'creditLimit' | 'temporary';

export interface JournalLineInput {
  customerId?: string | null;
  creditGroupId?: string | null;
  newCreditLimit: Money;
  newExpirationDate?: CalendarDate | null;
  newFromDate?: CalendarDate | null;
  newToDate?: CalendarDate | null;
}

/** What validation needs to know about the world: which customers and groups exist, and today. */
export interface JournalContext {
  customerExists(id: string): boolean;
  groupExists(id: string): boolean;
  today: CalendarDate;
}

export interface LineError {
  /** Index of the line in the list validated. */
  index: number;
  field: string;
  message: string;
}

/**
 * Every problem of every line at once (credit.md §2.1, SPEC "Bad input"): exactly one of customer
 * or credit group, known ids, no negative limit, the dates the journal type needs (from ≤ to; no
 * window that has already ended; no expiry in the past), and no customer or group twice in one
 * journal (`taken` holds those already on the journal's other lines).
 * @example validateJournalLines('temporary', [{ customerId: 'C1', newCreditLimit: 2000000n }], ctx) // → [{ index: 0, field: 'newFromDate', … }, { index: 0, field: 'newToDate', … }]
 */
export function validateJournalLines(
  type: JournalType,
  lines: readonly JournalLineInput[],
  ctx: JournalContext,
  taken: ReadonlySet<string> = new Set(),
): LineError[] {
  const errors: LineError[] = [];
  const seen = new Set(taken);
  lines.forEach((l, index) => {
    const fail = (field: string, message: string) => errors.push({ index, field, message });
    const hasCustomer = l.customerId != null && l.customerId !== '';
    const hasGroup = l.creditGroupId != null && l.creditGroupId !== '';
    if (hasCustomer && hasGroup) fail('creditGroupId', 'a line is for a customer or for a credit group, not both');
    if (!hasCustomer && !hasGroup) fail('customerId', 'a line needs a customerId or a creditGroupId');
    if (hasCustomer && !ctx.customerExists(l.customerId!))
      fail('customerId', `customer ${l.customerId} does not exist`);
    if (hasGroup && !ctx.groupExists(l.creditGroupId!))
      fail('creditGroupId', `credit group ${l.creditGroupId} does not exist`);
    const key = hasCustomer ? `c:${l.customerId}` : hasGroup ? `g:${l.creditGroupId}` : null;
    if (key !== null && !(hasCustomer && hasGroup)) {
      if (seen.has(key))
        fail(
          hasCustomer ? 'customerId' : 'creditGroupId',
          `${hasCustomer ? 'customer' : 'credit group'} ${l.customerId ?? l.creditGroupId} is already on this journal`,
        );
      seen.add(key);
    }
    if (l.newCreditLimit < 0n) fail('newCreditLimit', 'must not be negative');
    if (type === 'temporary') {
      if (!l.newFromDate) fail('newFromDate', 'a temporary limit needs a start date');
      if (!l.newToDate) fail('newToDate', 'a temporary limit needs an end date');
      if (l.newFromDate && l.newToDate && l.newFromDate > l.newToDate)
        fail('newToDate', `ends (${l.newToDate}) before it starts (${l.newFromDate})`);
      else if (l.newToDate && l.newToDate < ctx.today)
        fail('newToDate', `ended on ${l.newToDate}: a temporary limit in the past would never apply`);
      if (l.newExpirationDate) fail('newExpirationDate', 'temporary lines use newFromDate and newToDate');
    } else {
      if (l.newFromDate || l.newToDate)
        fail(
          l.newFromDate ? 'newFromDate' : 'newToDate',
          'credit limit lines use newExpirationDate; from/to dates are for temporary journals',
        );
      if (l.newExpirationDate && l.newExpirationDate < ctx.today)
        fail('newExpirationDate', `${l.newExpirationDate} is in the past`);
    }
  });
  return errors;
}

export interface GenerateValue {
  valueType: 'fixed' | 'percentage';
  /** fixed: a signed amount added to the current limit; percentage: a signed percentage Rate (7 % = 70000n). */
  value: bigint;
  roundOff?: Money | null;
  roundingForm?: RoundingMode;
}

/**
 * The new limit a generated line gets (credit.md §2.2): current + value, or current × (1 + value/100)
 * rounded half-up once to cents, then to a multiple of `roundOff` by the rounding form.
 * @example generatedLimit(1234500n, { valueType: 'percentage', value: 70000n, roundOff: 1000n, roundingForm: 'normal' }) // → 1321000n (credit E37)
 */
export function generatedLimit(current: Money, g: GenerateValue): Money {
  const raw = g.valueType === 'fixed' ? current + g.value : current + applyPercent(current, g.value as Rate);
  return g.roundOff && g.roundOff > 0n ? roundToMultiple(raw, g.roundOff, g.roundingForm ?? 'normal') : raw;
}

export type DateChange = { mode: 'absolute'; date: CalendarDate } | { mode: 'relative'; days: number };

/**
 * A generated date: absolute, or the current date moved by a number of days; without a current
 * date, relative offsets count from the journal date (credit.md §2.2 [assume]).
 * @example shiftedDate('2025-12-31', { mode: 'relative', days: 365 }, '2025-06-30') // → '2026-12-31' (credit E38)
 */
export function shiftedDate(current: CalendarDate | null, change: DateChange, journalDate: CalendarDate): CalendarDate {
  return change.mode === 'absolute' ? change.date : addDays(current ?? journalDate, change.days);
}

export interface LineProjection {
  currentAvailableCredit: Money | null;
  projectedAvailableCredit: Money | null;
  projectedPercentUsed: Rate | null;
}

/** The customer's credit input as it would be once the line is posted (what `:validate` and the add-in preview use). */
export function withLineApplied(input: CreditCheckInput, type: JournalType, line: JournalLineInput): CreditCheckInput {
  if (type === 'creditLimit') {
    return {
      ...input,
      customer: {
        ...input.customer,
        creditLimit: line.newCreditLimit,
        creditLimitExpirationDate:
          line.newExpirationDate !== undefined ? line.newExpirationDate : input.customer.creditLimitExpirationDate,
      },
    };
  }
  // A newly posted temporary limit wins over overlapping ones (§1.3 [assume]).
  const top = Math.max(0, ...(input.temporaryLimits ?? []).map((t) => t.postedSeq)) + 1;
  const temp: TemporaryLimit = {
    amount: line.newCreditLimit,
    fromDate: line.newFromDate!,
    toDate: line.newToDate!,
    postedSeq: top,
  };
  return { ...input, temporaryLimits: [...(input.temporaryLimits ?? []), temp] };
}

/**
 * Projected figures of a customer line: available credit and percent used with no order, before
 * and after the change — by the same credit check the server and the add-in run.
 * @example projectLine(input, 'creditLimit', { customerId: 'C1', newCreditLimit: 2000000n }).projectedAvailableCredit
 */
export function projectLine(input: CreditCheckInput, type: JournalType, line: JournalLineInput): LineProjection {
  // The limit half of the credit check: no rule decides available credit or percent used.
  const now = creditPosition(input, 0n);
  const then = creditPosition(withLineApplied(input, type, line), 0n);
  return {
    currentAvailableCredit: now.availableCredit,
    projectedAvailableCredit: then.availableCredit,
    projectedPercentUsed: then.percentAfterOrder,
  };
}

/**
 * Which held orders would pass their credit check once the line is posted: each hold's order is
 * checked again with the new limit; only those that come out not held are listed.
 */
export function releasableHolds(
  holds: readonly { holdId: string; input: CreditCheckInput }[],
  type: JournalType,
  line: JournalLineInput,
): string[] {
  return holds.filter((h) => !evaluateCreditCheck(withLineApplied(h.input, type, line)).held).map((h) => h.holdId);
}
