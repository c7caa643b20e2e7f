import { addDays, type CalendarDate } from '../dates';

export type Checkpoint = 'confirmation' | 'pickingList' | 'releaseToWarehouse' | 'packingSlip' | 'invoice';
export const CHECKPOINTS: readonly Checkpoint[] = [
  'confirmation',
  'pickingList',
  'releaseToWarehouse',
  'packingSlip',
  'invoice',
];
export type PostingType = 'posting' | 'proForma';

/** One row of the checkpoint setup (credit.md §4.6). */
export interface CheckpointSetup {
  checkpoint: Checkpoint;
  posting: boolean;
  proForma: boolean;
  graceDays: number | null;
}

/**
 * The grace-days rule of §4.6: grace days only on posting rows, and once any posting row has
 * them, every posting row must. Returns one message per offending row (empty when valid).
 * @example validateCheckpoints([{ checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 }, { checkpoint: 'invoice', posting: true, proForma: false, graceDays: null }])
 * // → [{ index: 1, message: 'every posting checkpoint needs grace days once one has them' }]
 */
export function validateCheckpoints(
  rows: readonly CheckpointSetup[],
): { index: number; field: string; message: string }[] {
  const errors: { index: number; field: string; message: string }[] = [];
  const seen = new Set<Checkpoint>();
  rows.forEach((r, index) => {
    if (seen.has(r.checkpoint))
      errors.push({ index, field: 'checkpoint', message: `${r.checkpoint} appears more than once` });
    seen.add(r.checkpoint);
    if (r.graceDays !== null && !r.posting)
      errors.push({
        index,
        field: 'graceDays',
        message: 'grace days can only be set on checkpoints where posting is checked',
      });
  });
  const postingRows = rows.filter((r) => r.posting);
  if (postingRows.some((r) => r.graceDays !== null)) {
    rows.forEach((r, index) => {
      if (r.posting && r.graceDays === null)
        errors.push({
          index,
          field: 'graceDays',
          message: 'once one posting checkpoint has grace days, every posting checkpoint needs them',
        });
    });
  }
  return errors;
}

/** The last time an order passed a check or was released: the start of a grace window. */
export interface LastPass {
  checkpoint: Checkpoint;
  date: CalendarDate;
}

/**
 * Whether a posting at `checkpoint` must run the credit rules (§4.6, §4.7):
 * only on selected checkpoints; skipped inside the grace window of the last pass or release
 * (never on an order's first check); always when the order's value grew after a release and
 * the recheck parameter is on.
 * @example mustCheck({ setup, checkpoint: 'packingSlip', postingType: 'posting', asOf: '2025-06-03', lastPass: { checkpoint: 'confirmation', date: '2025-06-01' }, valueIncreasedSinceRelease: false, recheckAfterReleaseWhenValueIncreased: true })
 * // → false with 2 grace days on confirmation
 */
export function mustCheck(input: {
  setup: readonly CheckpointSetup[];
  checkpoint: Checkpoint;
  postingType: PostingType;
  asOf: CalendarDate;
  lastPass: LastPass | null;
  valueIncreasedSinceRelease: boolean;
  recheckAfterReleaseWhenValueIncreased: boolean;
}): boolean {
  const row = input.setup.find((r) => r.checkpoint === input.checkpoint);
  if (!row || !(input.postingType === 'posting' ? row.posting : row.proForma)) return false;
  if (input.valueIncreasedSinceRelease && input.recheckAfterReleaseWhenValueIncreased) return true;
  if (input.lastPass) {
    const graceDays = input.setup.find((r) => r.checkpoint === input.lastPass!.checkpoint)?.graceDays ?? null;
    if (graceDays !== null && input.asOf <= addDays(input.lastPass.date, graceDays)) return false;
  }
  return true;
}
