/**
 * The rules of the one-step adjustments on interest notes and fees (collections.md §3.1–§3.3):
 * which target may be waived, reinstated or reversed, the waive window and the cumulative waive
 * limit, and the newest-first order of reversals. Pure: each rule returns the reason for a
 * refusal (a sentence the API answers as a 422) or null when the operation may go ahead.
 */
import { addDays, type CalendarDate } from '../dates';
import { formatMoney, type Money } from '../money';

/** Status of a note line or fee (§1.11). `none` is a charge never adjusted. */
export type AdjustmentStatus = 'none' | 'waived' | 'reinstated' | 'reversed';
export type AdjustmentAction = 'waive' | 'reinstate' | 'reverse';

/**
 * Whether an action may apply to a target in `status` (§3.1–§3.3): waive anything not waived
 * or reversed (a reinstated charge may be waived again), reinstate only what is waived, reverse
 * anything not already reversed.
 * @example
 * adjustmentRefusal('reinstate', 'none'); // 'it is not waived'
 */
export function adjustmentRefusal(action: AdjustmentAction, status: AdjustmentStatus): string | null {
  if (action === 'waive')
    return status === 'waived' ? 'it is already waived' : status === 'reversed' ? 'it is reversed' : null;
  if (action === 'reinstate') return status === 'waived' ? null : 'it is not waived';
  return status === 'reversed' ? 'it is already reversed' : null;
}

/**
 * The waive window (§3.1): posting date + minDays ≤ date ≤ posting date + maxDays, both inclusive;
 * `maxDays` null means no maximum.
 * @example
 * waiveWindowRefusal('2024-07-01', '2024-08-31', 0, 60); // refused: 61 days after posting
 */
export function waiveWindowRefusal(
  postedDate: CalendarDate,
  date: CalendarDate,
  minDays: number,
  maxDays: number | null,
): string | null {
  const earliest = addDays(postedDate, minDays);
  if (date < earliest)
    return `a waive is allowed from ${earliest} (${minDays} days after posting on ${postedDate}); the waive date is ${date}`;
  if (maxDays !== null) {
    const latest = addDays(postedDate, maxDays);
    if (date > latest)
      return `a waive is allowed until ${latest} (${maxDays} days after posting on ${postedDate}); the waive date is ${date}`;
  }
  return null;
}

/**
 * The cumulative customer waive limit (§3.1): everything ever waived in the currency, never
 * lowered by reinstatements, plus this waive must stay within the limit. No limit: no check.
 * @example
 * waiveLimitRefusal(6000n, 4888n, 10000n, 'USD'); // refused: 60.00 + 48.88 > 100.00
 */
export function waiveLimitRefusal(
  everWaived: Money,
  amount: Money,
  limit: Money | null,
  currency: string,
): string | null {
  if (limit === null) return null;
  if (everWaived + amount <= limit) return null;
  return `the waive limit of ${formatMoney(limit)} ${currency} would be exceeded: ${formatMoney(everWaived)} already waived for this customer (reinstatements do not give room back) + ${formatMoney(amount)} = ${formatMoney(everWaived + amount)}`;
}

/** A posted note of a customer, in posting order. */
export interface PostedNote {
  id: string;
  postingNo: number;
  /** Every line and fee reversed. */
  reversed: boolean;
}

/**
 * Notes are reversed newest first (§3.3, enforced per customer): a note (or one of its lines)
 * may be reversed only when no note posted after it is still unreversed.
 * @example
 * reverseOrderRefusal([{ id: 'IN-2', postingNo: 1, reversed: false }, { id: 'IN-3', postingNo: 2, reversed: false }], 'IN-2');
 * // 'reverse the newer note IN-3 first (notes are reversed newest first)'
 */
export function reverseOrderRefusal(notes: readonly PostedNote[], noteId: string): string | null {
  const target = notes.find((n) => n.id === noteId);
  if (!target) return null;
  const newer = notes
    .filter((n) => n.postingNo > target.postingNo && !n.reversed)
    .sort((a, b) => b.postingNo - a.postingNo);
  return newer.length
    ? `reverse the newer note ${newer.map((n) => n.id).join(', ')} first (notes are reversed newest first)`
    : null;
}

/** The note's status as a whole, from its targets' statuses: one of them when all agree, else `partial`. */
export function noteAdjustmentStatus(statuses: readonly AdjustmentStatus[]): AdjustmentStatus | 'partial' {
  const set = new Set(statuses);
  if (set.size === 0) return 'none';
  if (set.size === 1) return statuses[0]!;
  return 'partial';
}
