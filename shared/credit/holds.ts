/**
 * A hold's reasons over time (credit.md §4.3, §4.8): the list of reasons a hold records, and how a
 * re-evaluation merges what fires now into what was recorded. Pure; the server stores the result.
 */
import type { CreditReason } from './types';

/** One recorded reason of a hold. `active` false: it held the order once and no longer fires. */
export interface HoldReason {
  ruleType: string;
  ruleId: string | null;
  active: boolean;
  measured: string;
  threshold: string;
  explanation: string;
}

/** A reason as the hold records it when it fires. */
export const holdReasonOf = (r: CreditReason): HoldReason => ({
  ruleType: r.ruleType,
  ruleId: r.ruleId,
  active: true,
  measured: r.measured,
  threshold: r.threshold,
  explanation: r.explanation,
});

/**
 * Merges a re-evaluation into a hold's recorded reasons (credit.md §4.8): a recorded reason that
 * fires again is active with today's figures, one that no longer fires becomes inactive (kept, for
 * the record), a forced hold stays as it is, a newly firing reason is added at the end; and when no
 * reason but a forced hold is active, "Ready to release" is added (a forced hold still waits for
 * a person: §4.8, E36). Reasons keep their first-recorded order.
 * @example
 * mergeHoldReasons([{ ruleType: 'daysOverdue', active: true, … }], []);
 * // { reasons: [{ ruleType: 'daysOverdue', active: false, … }, { ruleType: 'readyToRelease', … }], ready: true }
 */
export function mergeHoldReasons(
  recorded: readonly HoldReason[],
  firing: readonly CreditReason[],
): { reasons: HoldReason[]; ready: boolean } {
  const now = new Map(firing.map((r) => [r.ruleType as string, r]));
  const reasons: HoldReason[] = recorded
    .filter((r) => r.ruleType !== 'readyToRelease')
    .map((r) => {
      if (r.ruleType === 'forcedHold') return r;
      const fired = now.get(r.ruleType);
      return fired
        ? { ...r, active: true, measured: fired.measured, threshold: fired.threshold, explanation: fired.explanation }
        : { ...r, active: false };
    });
  for (const r of firing) if (!reasons.some((x) => x.ruleType === r.ruleType)) reasons.push(holdReasonOf(r));
  const ready = !reasons.some((r) => r.active && r.ruleType !== 'forcedHold');
  if (ready)
    reasons.push({
      ruleType: 'readyToRelease',
      ruleId: null,
      active: true,
      measured: '',
      threshold: '',
      explanation: 'no blocking reason is left',
    });
  return { reasons, ready };
}
