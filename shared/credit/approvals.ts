/**
 * Approvals of adjustment journals (credit.md §2.1, §6): four eyes, and the per-line approval
 * of large increases. Pure; the server applies them when a journal or a line is approved and
 * when a journal is posted.
 */
import type { Money } from '../money';

/** The people a journal's approval must not come from: who created it, who submitted it, and who put any of its lines on it. */
export interface JournalParties {
  createdBy: string | null;
  submittedBy: string | null;
  lineCreators: readonly (string | null)[];
}

/**
 * Why `approver` may not approve a journal or any of its lines, or null when they may. Four eyes
 * means a second person: not the journal's creator, not its submitter, not the creator of any line.
 * @example
 * fourEyesRefusal('u1', { createdBy: 'u1', submittedBy: 'u2', lineCreators: [] }); // 'u1 created the journal'
 */
export function fourEyesRefusal(approver: string | null, parties: JournalParties): string | null {
  if (approver === null) return null;
  if (parties.createdBy === approver) return `${approver} created the journal`;
  if (parties.submittedBy === approver) return `${approver} submitted the journal`;
  if (parties.lineCreators.includes(approver)) return `${approver} put lines on the journal`;
  return null;
}

/**
 * Whether a line needs its own approval (parameter `adjustmentLineApprovalAmount`): it raises the
 * limit by more than the threshold over the limit as it stands now (`currentLimit`, null for none
 * yet). Evaluated when the journal is submitted and again when it is posted, against the limit at
 * that moment: another journal posted in between may have lowered it.
 * @example
 * lineNeedsApproval(4_290_000n, 10_000n, 1_000_000n); // true: 42,900.00 over 100.00 is more than 10,000.00 up
 */
export function lineNeedsApproval(newLimit: Money, currentLimit: Money | null, threshold: Money | null): boolean {
  return threshold !== null && newLimit - (currentLimit ?? 0n) > threshold;
}

/** Whether a line still awaits approval: marked pending, or never decided and needing it against the limit now. */
export function lineAwaitsApproval(
  status: string,
  newLimit: Money,
  currentLimit: Money | null,
  threshold: Money | null,
): boolean {
  return status === 'pending' || (status === 'none' && lineNeedsApproval(newLimit, currentLimit, threshold));
}
