/**
 * In-page measurements of the pane's own code paths on the simulated workbook, each with a floor
 * measured in the same call. Run by the Chromium perf test (test/addin) and `npm run bench`
 * (bench/addin.ts) through `window.creditdesk` on the test page.
 */
import { replaceRows } from '../excel/workbook';
import type { Cell } from '../excel/workbook';
import type { CellRecord } from '../excel/cells';
import { agingCells, agingSpec, type AgingDefinitionJson, type AgingRowJson } from '../panes/aging.logic';
import { parseProposal, previewProposals } from '../panes/proposals.logic';
import { CreditDeskClient } from '../sync/api';
import { addContextJson, CONTEXT_BATCH, emptyContext, loadPreviewContext } from '../sync/credit-context';
import { creditContextFixture } from './credit-context-fixture';
import { SimulatedWorkbook } from './simulated-excel';

const AS_OF = '2026-11-23';

/** Aging rows as GET /aging answers them, six buckets. */
function agingItems(n: number): { def: AgingDefinitionJson; items: AgingRowJson[] } {
  const def: AgingDefinitionJson = {
    id: 'STD',
    name: 'Standard',
    printingDirection: 'forward',
    version: 1,
    lines: ['Current', '1-30', '31-60', '61-90', '91-120', 'Over 120'].map((label) => ({
      label,
      unit: 30,
      interval: 'day' as const,
    })),
  };
  const items = Array.from({ length: n }, (_, i): AgingRowJson => ({
    id: `STD:C${100000 + i}`,
    customerId: `C${100000 + i}`,
    asOf: AS_OF,
    name: `Customer number ${i} Holding GmbH`,
    currency: i % 10 === 9 ? 'EUR' : 'USD',
    amountDue: `${(i * 37) % 100000}.25`,
    buckets: def.lines.map((l, j) => ({
      label: l.label,
      amount: `${(i * (j + 3)) % 9000}.${String(j * 11).padStart(2, '0')}`,
    })),
    unbucketedAmount: '0.00',
    indicator: i % 7 === 0 ? 'over limit' : null,
    snapshotAt: '2026-11-23T06:00:00Z',
    stale: false,
    creditLimit: '50000.00',
    remainingCredit: `${50000 - ((i * 37) % 100000)}.75`,
    packingSlipAmount: '0.00',
    salesOrderAmount: '0.00',
    disputedAmount: '0.00',
    disputedCount: 0,
    version: 1,
  }));
  return { def, items };
}

export interface AgingWriteFigures {
  rows: number;
  writeMs: number;
  syncs: number;
  maxRequestBytes: number;
  /** The same rows as one plain 2-D array set straight into a fresh simulated sheet's cells, plus one JSON.stringify of it. */
  floorMs: number;
  /** JSON size of the rows (what one unchunked request would carry). */
  rowBytes: number;
}

/** Writes `n` aging rows through the adapter (chunked syncs, formats, rules) into `workbook`. */
export async function measureAgingWrite(workbook: SimulatedWorkbook, n = 10_000): Promise<AgingWriteFigures> {
  const { def, items } = agingItems(n);
  const rows: Cell[][] = items.map((r) => agingCells(def, r));
  const sheet = new SimulatedWorkbook().model.sheets[0]!;
  const f0 = performance.now();
  rows.forEach((r, i) => r.forEach((v, j) => sheet.set(i, j, v)));
  const rowBytes = JSON.stringify(rows).length;
  const floorMs = performance.now() - f0;
  const before = workbook.syncs.length;
  const t0 = performance.now();
  const stats = await replaceRows(workbook, agingSpec(def), rows);
  const writeMs = performance.now() - t0;
  const syncs = workbook.syncs.slice(before);
  return {
    rows: workbook.table('Aging')?.rowCount ?? 0,
    writeMs,
    syncs: stats.syncs,
    maxRequestBytes: Math.max(...syncs.map((s) => s.requestBytes)),
    floorMs,
    rowBytes,
  };
}

export interface PreviewFigures {
  previewed: number;
  errors: number;
  previewMs: number;
  /** Parsing the same rows only (parseProposal): the floor. */
  parseMs: number;
  /** Decoding the credit-context answer into engine inputs (not part of the preview figure). */
  decodeMs: number;
}

/** The local preview of `n` proposal rows (half new limits, half % changes with an expiry; every 10th customer with a hold). */
export function measurePreview(n = 10_000): PreviewFigures {
  const ids = Array.from({ length: n }, (_, i) => `C${i}`);
  const json = creditContextFixture(ids, {
    asOf: AS_OF,
    holdsEvery: 10,
    creditLimit: () => 2_000_000n,
    balance: (i) => BigInt(i % 30000) * 100n,
    openOrders: () => 100_000n,
  });
  const d0 = performance.now();
  const ctx = addContextJson(emptyContext(AS_OF), json);
  const decodeMs = performance.now() - d0;
  const records = ids.map((id, i): CellRecord =>
    i % 2 ? { Customer: id, 'New limit': 25000 + i } : { Customer: id, '% change': 7.5, Expiry: '2027-12-31' },
  );
  const p0 = performance.now();
  const parsed = records.flatMap((r, i) => parseProposal(r, i) ?? []);
  const parseMs = performance.now() - p0;
  const t0 = performance.now();
  const results = previewProposals(parsed, ctx);
  const previewMs = performance.now() - t0;
  return {
    previewed: results.length,
    errors: results.filter((r) => r.errors.length).length,
    previewMs,
    parseMs,
    decodeMs,
  };
}

export interface ContextLoadFigures {
  customers: number;
  unknown: number;
  requests: number;
  loadMs: number;
  /** The same request(s) fetched and JSON-parsed only, without decoding. */
  fetchMs: number;
  responseBytes: number;
}

/** Loads the preview context of `ids` from a real server the way Preview does, against fetching the same answers raw. */
export async function measureContextLoad(
  serverUrl: string,
  token: string,
  ids: readonly string[],
  asOf: string,
): Promise<ContextLoadFigures> {
  const client = new CreditDeskClient({ serverUrl, token });
  let requests = 0;
  let responseBytes = 0;
  const raw = async () => {
    requests = responseBytes = 0;
    for (let i = 0; i < ids.length; i += CONTEXT_BATCH) {
      const res = await fetch(`${serverUrl}/api/v1/credit-context:batch`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ customerIds: ids.slice(i, i + CONTEXT_BATCH), creditGroupIds: [], asOf }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`credit-context:batch answered ${res.status}: ${text.slice(0, 300)}`);
      JSON.parse(text);
      responseBytes += text.length;
      requests++;
    }
  };
  // Warm-up (server caches and both JITs), so neither figure pays the first request.
  await raw();
  const f0 = performance.now();
  await raw();
  const fetchMs = performance.now() - f0;
  const t0 = performance.now();
  const ctx = await loadPreviewContext(client, ids, asOf);
  const loadMs = performance.now() - t0;
  return { customers: ctx.customers.size, unknown: ctx.unknown.size, requests, loadMs, fetchMs, responseBytes };
}
