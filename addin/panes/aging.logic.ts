/**
 * The Aging table: one row per customer, its currency, one column per bucket of the chosen aging
 * definition, then amount due, limit, remaining credit, snapshot date. Written against the contract
 * of `GET /api/v1/aging` (definitionId, poolId, currency, since → items, nextCursor, lastSeq);
 * Refresh pulls only rows changed since the stored sequence and updates them in place.
 */
import { dateCell, moneyCellFromString } from '../excel/cells';
import {
  appendRows,
  replaceRows,
  rowsByKey,
  updateRows,
  type Cell,
  type ColumnSpec,
  type ExcelHost,
  type Progress,
  type RowUpdate,
  type TableSpec,
} from '../excel/workbook';
import type { CreditDeskClient } from '../sync/api';
import { saveSyncState, type WorkbookSyncState } from '../sync/state';
import type { AgingDefinitionJson, AgingListJson, AgingRowJson, PoolJson } from '../../shared/api/wire';

// The answers' types are the server's schemas' (shared/api/wire.ts, types only).
export type { AgingDefinitionJson, AgingRowJson, PoolJson };
type AgingPage = AgingListJson;

/**
 * Which currency the amounts are in (collections.md §2.3): the company view, every row in the
 * accounting currency (the server's default), or each customer's own currency (`currency=customer`).
 */
export type AgingView = 'accounting' | 'customer';

/** How many of the oldest buckets are highlighted when above zero. */
const OLDEST_HIGHLIGHTED = 2;

export function agingSpec(def: AgingDefinitionJson): TableSpec {
  const buckets: ColumnSpec[] = def.lines.map((l, i) => ({
    header: l.label,
    kind: 'money',
    highlightPositive: i < Math.min(OLDEST_HIGHLIGHTED, def.lines.length - 1),
  }));
  return {
    name: 'Aging',
    sheet: 'Aging',
    columns: [
      { header: 'Customer', kind: 'text' },
      { header: 'Name', kind: 'text' },
      { header: 'Currency', kind: 'text' },
      ...buckets,
      { header: 'Unbucketed', kind: 'money' },
      { header: 'Amount due', kind: 'money' },
      { header: 'Credit limit', kind: 'money' },
      { header: 'Remaining credit', kind: 'money' },
      { header: 'Disputed', kind: 'money' },
      { header: 'Indicator', kind: 'text' },
      { header: 'Snapshot', kind: 'date' },
      { header: 'Stale', kind: 'text' },
      { header: 'Version', kind: 'integer' },
    ],
  };
}

export function agingCells(def: AgingDefinitionJson, r: AgingRowJson): Cell[] {
  const byLabel = new Map(r.buckets.map((b) => [b.label, b.amount]));
  return [
    r.customerId,
    r.name,
    // A server older than multi-currency answers no currency: the cell stays empty, never a guess.
    r.currency ?? '',
    ...def.lines.map((l) => moneyCellFromString(byLabel.get(l.label) ?? '0.00')),
    moneyCellFromString(r.unbucketedAmount),
    moneyCellFromString(r.amountDue),
    moneyCellFromString(r.creditLimit),
    moneyCellFromString(r.remainingCredit),
    moneyCellFromString(r.disputedAmount),
    r.indicator ?? '',
    dateCell(r.snapshotAt),
    r.stale ? 'stale' : '',
    r.version,
  ];
}

async function pages(
  client: CreditDeskClient,
  query: string,
): Promise<{ items: AgingRowJson[]; lastSeq: number | undefined; removed: string[] }> {
  const items: AgingRowJson[] = [];
  const removed: string[] = [];
  let cursor: string | null = null;
  let lastSeq: number | undefined;
  do {
    const page: AgingPage = await client.get(
      `/api/v1/aging?${query}&limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    removed.push(...(page.removed ?? []));
    lastSeq ??= page.lastSeq;
    cursor = page.nextCursor;
  } while (cursor);
  return { items, lastSeq, removed };
}

/** The aging request's query: definition, pool, and `currency=customer` for the customer-currency view. */
export const agingQuery = (definitionId: string, poolId: string | null, view: AgingView) =>
  `definitionId=${encodeURIComponent(definitionId)}${poolId ? `&poolId=${encodeURIComponent(poolId)}` : ''}${
    view === 'customer' ? '&currency=customer' : ''
  }`;

/** Pulls the aging of a definition (and pool) in a currency view into the `Aging` table, replacing it. */
export async function pullAging(
  host: ExcelHost,
  client: CreditDeskClient,
  state: WorkbookSyncState,
  def: AgingDefinitionJson,
  poolId: string | null,
  onProgress?: Progress,
  view: AgingView = 'accounting',
): Promise<number> {
  const head = await client.headSequence(state.aging?.seq ?? 0);
  const { items, lastSeq } = await pages(client, agingQuery(def.id, poolId, view));
  await replaceRows(
    host,
    agingSpec(def),
    items.map((r) => agingCells(def, r)),
    onProgress,
  );
  state.aging = { definitionId: def.id, poolId, view, seq: lastSeq ?? head };
  await saveSyncState(host, state);
  return items.length;
}

/**
 * Refresh: rows changed since the stored sequence, updated in place by customer; new customers
 * appended. Another definition or another currency view than the sheet's pulls the whole table
 * again: every amount of every row changes with the view.
 */
export async function refreshAging(
  host: ExcelHost,
  client: CreditDeskClient,
  state: WorkbookSyncState,
  def: AgingDefinitionJson,
  view: AgingView = 'accounting',
): Promise<{ updated: number; added: number }> {
  const a = state.aging;
  // A sheet pulled before the currency views existed is in the company view (the server's default).
  if (!a || a.definitionId !== def.id || (a.view ?? 'accounting') !== view)
    return { updated: 0, added: await pullAging(host, client, state, def, a?.poolId ?? null, undefined, view) };
  const head = await client.headSequence(a.seq);
  const { items, lastSeq, removed } = await pages(client, `${agingQuery(def.id, a.poolId, view)}&since=${a.seq}`);
  const spec = agingSpec(def);
  const at = await rowsByKey(host, spec, 'Customer');
  const updates: RowUpdate[] = [];
  const added: Cell[][] = [];
  for (const r of items) {
    const row = at.get(r.customerId);
    if (row !== undefined) updates.push({ row, values: agingCells(def, r) });
    else added.push(agingCells(def, r));
  }
  await updateRows(host, spec, 'Customer', updates);
  const gone = removed.flatMap((id) => (at.has(id) ? [{ row: at.get(id)!, values: ['removed'] as Cell[] }] : []));
  await updateRows(host, spec, 'Stale', gone);
  await appendRows(host, spec, added);
  state.aging = { ...a, seq: lastSeq ?? head };
  await saveSyncState(host, state);
  return { updated: updates.length + gone.length, added: added.length };
}
