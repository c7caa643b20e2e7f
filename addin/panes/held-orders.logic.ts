/**
 * The Held orders table: pull the hold list, refresh only what changed since the stored sequence,
 * and apply the Release/Reject decisions typed in the sheet as release/reject batches. Each item
 * carries the version the row was pulled at: a hold changed on the server meanwhile comes back as a
 * conflict with its current values, written beside the row, never over the user's decision.
 */
import { isValidDate } from '../../shared/dates';
import { cellDate, cellText, dateTimeCell, isBlank, moneyCellFromString, recordsOf } from '../excel/cells';
import {
  appendRows,
  readTable,
  replaceRows,
  rowsByKey,
  updateRows,
  type Cell,
  type ExcelHost,
  type Progress,
  type RowUpdate,
  type TableSpec,
} from '../excel/workbook';
import { ApiError, newIdempotencyKey, type CreditDeskClient } from '../sync/api';
import { saveSyncState, type WorkbookSyncState } from '../sync/state';
import type { HoldBatchResultJson, HoldJson } from '../../shared/api/wire';

const DECISIONS = ['Release', 'Reject'] as const;

export const HELD_ORDERS: TableSpec = {
  name: 'HeldOrders',
  sheet: 'Held orders',
  columns: [
    { header: 'Hold', kind: 'text' },
    { header: 'Order', kind: 'text' },
    { header: 'Customer', kind: 'text' },
    { header: 'Amount', kind: 'money' },
    { header: 'Currency', kind: 'text' },
    { header: 'Reason', kind: 'text' },
    { header: 'Details', kind: 'text' },
    { header: 'Held at', kind: 'dateTime' },
    { header: 'Version', kind: 'integer' },
    { header: 'Status', kind: 'text' },
    { header: 'Decision', kind: 'text', list: DECISIONS },
    { header: 'Reason code', kind: 'text' },
    { header: 'Review date', kind: 'text' },
    { header: 'Comment', kind: 'text' },
    { header: 'Outcome', kind: 'text' },
    { header: 'Server now', kind: 'text' },
  ],
};

export type { HoldJson };

/**
 * The server-owned columns, Hold … Status: a refresh rewrites these, never the decision columns.
 * Amount is the order's amount in the order's currency, named beside it.
 */
export function serverCells(h: HoldJson): Cell[] {
  return [
    h.id,
    h.salesOrderId,
    h.customerId,
    moneyCellFromString(h.orderAmount),
    // A server older than multi-currency answers no currency: the cell stays empty, never a guess.
    h.currency ?? '',
    h.forced ? 'forced' : h.summaryReason,
    h.reasons.map((r) => r.explanation).join('; '),
    dateTimeCell(h.heldAt),
    h.version,
    h.status,
  ];
}

const blankDecision = (): Cell[] => ['', '', '', '', '', ''];

/** Pulls the whole hold list into the table (replacing it) and stores the sequence it is current at. */
export async function pullHolds(
  host: ExcelHost,
  client: CreditDeskClient,
  state: WorkbookSyncState,
  onProgress?: Progress,
): Promise<number> {
  const seq = await client.headSequence(state.holds?.seq ?? 0);
  const holds = await client.all<HoldJson>('/api/v1/holds?status=onHold');
  await replaceRows(
    host,
    HELD_ORDERS,
    holds.map((h) => [...serverCells(h), ...blankDecision()]),
    onProgress,
  );
  state.holds = { seq };
  await saveSyncState(host, state);
  return holds.length;
}

/**
 * Refresh: only holds changed since the stored sequence. Known rows get the server columns
 * rewritten in place (their decisions stay); new holds on hold are appended.
 */
export async function refreshHolds(
  host: ExcelHost,
  client: CreditDeskClient,
  state: WorkbookSyncState,
): Promise<{ updated: number; added: number }> {
  if (!state.holds) return { updated: 0, added: await pullHolds(host, client, state) };
  const seq = await client.headSequence(state.holds.seq);
  const changed = await client.all<HoldJson>(`/api/v1/holds?since=${state.holds.seq}`);
  const at = await rowsByKey(host, HELD_ORDERS, 'Hold');
  const updates: RowUpdate[] = [];
  const added: Cell[][] = [];
  for (const h of changed) {
    const row = at.get(h.id);
    if (row !== undefined) updates.push({ row, values: serverCells(h) });
    else if (h.status === 'onHold') added.push([...serverCells(h), ...blankDecision()]);
  }
  await updateRows(host, HELD_ORDERS, 'Hold', updates);
  await appendRows(host, HELD_ORDERS, added);
  state.holds = { seq };
  await saveSyncState(host, state);
  return { updated: updates.length, added: added.length };
}

export interface Decision {
  row: number;
  holdId: string;
  version: number;
  decision: 'Release' | 'Reject';
  reasonCode: string;
  reviewDate: string | null;
  comment: string | null;
  errors: string[];
}

/** The decisions typed in the table; bad ones (no reason, a review date typed as text) carry messages. */
function readDecisions(headers: readonly string[], rows: readonly Cell[][]): Decision[] {
  return recordsOf(headers, rows).flatMap((r, row) => {
    if (isBlank(r.Decision)) return [];
    const outcome = cellText(r.Outcome);
    if (/^(released|rejected|pending approval)/.test(outcome)) return [];
    const errors: string[] = [];
    const decision = cellText(r.Decision);
    if (decision !== 'Release' && decision !== 'Reject')
      errors.push(`Decision must be Release or Reject, not "${decision}"`);
    const reasonCode = cellText(r['Reason code']);
    if (!reasonCode) errors.push('a decision needs a reason code');
    let reviewDate: string | null = null;
    if (decision === 'Release') {
      if (isBlank(r['Review date'])) errors.push('a release needs a review date');
      else {
        const d = cellDate(r['Review date']!, 'Review date');
        if (!d.ok) errors.push(d.message);
        else reviewDate = d.value;
      }
    }
    const version = Number(r.Version);
    if (!Number.isInteger(version) || version < 1) errors.push('Version is missing: pull the hold list again');
    return [
      {
        row,
        holdId: cellText(r.Hold),
        version,
        decision: decision as Decision['decision'],
        reasonCode,
        reviewDate: reviewDate && isValidDate(reviewDate) ? reviewDate : null,
        comment: cellText(r.Comment) || null,
        errors,
      },
    ];
  });
}

export interface ApplyOutcome {
  applied: number;
  conflicts: number;
  errors: number;
  notSent: number;
}

const describeCurrent = (h: HoldJson) =>
  `v${h.version} ${h.status}${h.releasedBy ? ` by ${h.releasedBy}` : h.rejectedBy ? ` by ${h.rejectedBy}` : ''}, amount ${h.orderAmount}${h.currency ? ` ${h.currency}` : ''}`;

/**
 * Apply decisions: checks each row, sends the valid ones in one release batch and one reject
 * batch, and writes every row's outcome (rows found again by hold id, so sorting in between is safe).
 */
export async function applyDecisions(host: ExcelHost, client: CreditDeskClient): Promise<ApplyOutcome> {
  const before = await readTable(host, HELD_ORDERS.name);
  const decisions = readDecisions(before.info.headers, before.rows);
  const outcome: ApplyOutcome = { applied: 0, conflicts: 0, errors: 0, notSent: 0 };
  const results = new Map<string, { outcome: string; serverNow: string; hold?: HoldJson }>();
  for (const d of decisions.filter((x) => x.errors.length)) {
    results.set(d.holdId, { outcome: `error: ${d.errors.join('; ')}`, serverNow: '' });
    outcome.errors++;
  }
  const valid = decisions.filter((d) => !d.errors.length);
  for (const kind of ['Release', 'Reject'] as const) {
    const batch = valid.filter((d) => d.decision === kind);
    if (!batch.length) continue;
    const items =
      kind === 'Release'
        ? batch.map((d) => ({
            holdId: d.holdId,
            version: d.version,
            reasonCode: d.reasonCode,
            reviewDate: d.reviewDate!,
            mode: 'withoutPosting' as const,
            ...(d.comment ? { comment: d.comment } : {}),
          }))
        : batch.map((d) => ({
            holdId: d.holdId,
            version: d.version,
            reasonCode: d.reasonCode,
            ...(d.comment ? { comment: d.comment } : {}),
          }));
    try {
      const res = await client.post<HoldBatchResultJson>(
        `/api/v1/holds:${kind === 'Release' ? 'release' : 'reject'}-batch`,
        { items },
        { idempotencyKey: newIdempotencyKey() },
      );
      for (const r of res.items) {
        const d = batch[r.index]!;
        if (r.status === 'ok' && r.hold) {
          const word = r.hold.status === 'pendingApproval' ? 'pending approval' : r.hold.status;
          results.set(d.holdId, { outcome: `${word} (v${r.hold.version})`, serverNow: '', hold: r.hold });
          outcome.applied++;
        } else if (r.code === 'version_conflict' && r.current) {
          results.set(d.holdId, {
            outcome: 'conflict: changed on the server; your decision was not applied',
            serverNow: describeCurrent(r.current),
          });
          outcome.conflicts++;
        } else {
          results.set(d.holdId, {
            outcome: `error: ${r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`,
            serverNow: r.current ? describeCurrent(r.current) : '',
          });
          outcome.errors++;
        }
      }
    } catch (e) {
      const offline = e instanceof ApiError && e.offline;
      for (const d of batch)
        results.set(d.holdId, {
          outcome: offline ? 'not sent: server unreachable; Apply again later' : `not sent: ${(e as Error).message}`,
          serverNow: '',
        });
      outcome.notSent += batch.length;
    }
  }
  // Write outcomes where the rows are now (the user may have sorted while the batch ran).
  const outcomeUpdates: RowUpdate[] = [];
  const serverUpdates: RowUpdate[] = [];
  for (const [holdId, row] of await rowsByKey(host, HELD_ORDERS, 'Hold')) {
    const res = results.get(holdId);
    if (!res) continue;
    outcomeUpdates.push({ row, values: [res.outcome, res.serverNow] });
    if (res.hold) serverUpdates.push({ row, values: serverCells(res.hold) });
  }
  await updateRows(host, HELD_ORDERS, 'Outcome', outcomeUpdates);
  await updateRows(host, HELD_ORDERS, 'Hold', serverUpdates);
  return outcome;
}
