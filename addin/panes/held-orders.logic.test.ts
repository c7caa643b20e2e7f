import { describe, expect, it } from 'vitest';
import { replaceRows, type TableSpec } from '../excel/workbook';
import { ApiError, type CreditDeskClient } from '../sync/api';
import { SimulatedWorkbook } from '../testing/simulated-excel';
import { loadSyncState } from '../sync/state';
import { applyDecisions, HELD_ORDERS, refreshHolds, serverCells, type HoldJson } from './held-orders.logic';

const hold = (id: string, version = 1): HoldJson => ({
  id,
  salesOrderId: `SO-${id}`,
  customerId: 'C1',
  checkpoint: 'confirmation',
  postingType: 'posting',
  heldAt: '2026-11-23T10:00:00Z',
  asOf: '2026-11-23',
  orderAmount: '100.00',
  currency: 'EUR',
  status: 'onHold',
  summaryReason: 'creditLimitUsed',
  reasons: [
    {
      ruleType: 'creditLimitUsed',
      ruleId: 'R1',
      active: true,
      measured: '110',
      threshold: '100',
      explanation: 'over the limit',
    },
  ],
  forced: false,
  releaseReasonCode: null,
  reviewDate: null,
  releaseMode: null,
  releasedBy: null,
  releasedAt: null,
  rejectReasonCode: null,
  comment: null,
  rejectedBy: null,
  rejectedAt: null,
  pending: null,
  version,
});

async function sheet(ids: string[]) {
  const wb = new SimulatedWorkbook();
  await replaceRows(
    wb,
    HELD_ORDERS,
    ids.map((id) => [...serverCells(hold(id)), '', '', '', '', '', '']),
  );
  return wb;
}

describe('held orders: apply decisions', () => {
  it('with the server unreachable, decided rows say "not sent" and keep their decisions', async () => {
    const wb = await sheet(['H1', 'H2']);
    wb.type('HeldOrders', 0, 'Decision', 'Release');
    wb.type('HeldOrders', 0, 'Reason code', 'OK');
    wb.type('HeldOrders', 0, 'Review date', '2027-01-31');
    const client = {
      session: { serverUrl: 'x', token: 't' },
      post: async () => Promise.reject(new ApiError(0, 'offline', 'down')),
    } as unknown as CreditDeskClient;
    expect(await applyDecisions(wb, client)).toEqual({ applied: 0, conflicts: 0, errors: 0, notSent: 1 });
    const [h1, h2] = wb.records('HeldOrders');
    expect(h1).toMatchObject({
      Decision: 'Release',
      Outcome: 'not sent: server unreachable; Apply again later',
      Status: 'onHold',
      Version: 1,
    });
    expect(h2!.Outcome).toBe('');
  });

  it("sends each row's version, and an outcome lands on its row after a sort", async () => {
    const wb = await sheet(['H1', 'H2', 'H3']);
    for (const [row, d] of [
      [0, 'Reject'],
      [2, 'Reject'],
    ] as const) {
      wb.type('HeldOrders', row, 'Decision', d);
      wb.type('HeldOrders', row, 'Reason code', 'RISK');
    }
    const sent: unknown[] = [];
    const client = {
      session: { serverUrl: 'x', token: 't' },
      async post(path: string, body: { items: { holdId: string; version: number }[] }) {
        sent.push({ path, body });
        wb.sort('HeldOrders', 'Hold', true);
        return {
          items: body.items.map((it, index) =>
            it.holdId === 'H3'
              ? {
                  index,
                  status: 'error',
                  code: 'version_conflict',
                  errors: [{ path: 'version', message: 'stale' }],
                  current: { ...hold('H3', 2), status: 'released' },
                }
              : { index, status: 'ok', errors: [], hold: { ...hold(it.holdId, 2), status: 'rejected' } },
          ),
        };
      },
    } as unknown as CreditDeskClient;
    expect(await applyDecisions(wb, client)).toEqual({ applied: 1, conflicts: 1, errors: 0, notSent: 0 });
    expect(sent).toEqual([
      {
        path: '/api/v1/holds:reject-batch',
        body: {
          items: [
            { holdId: 'H1', version: 1, reasonCode: 'RISK' },
            { holdId: 'H3', version: 1, reasonCode: 'RISK' },
          ],
        },
      },
    ]);
    const by = new Map(wb.records('HeldOrders').map((r) => [r.Hold, r]));
    expect(by.get('H1')).toMatchObject({ Outcome: 'rejected (v2)', Status: 'rejected', Version: 2 });
    expect(by.get('H3')).toMatchObject({
      Outcome: 'conflict: changed on the server; your decision was not applied',
      'Server now': 'v2 released, amount 100.00 EUR',
      Status: 'onHold',
      Version: 1,
      Decision: 'Reject',
    });
    expect(by.get('H2')!.Outcome).toBe('');
  });

  it("names each order's currency beside its amount; a server without currencies leaves the cell empty", () => {
    expect(serverCells(hold('H1')).slice(3, 5)).toEqual([100, 'EUR']);
    const { currency: _, ...older } = hold('H1');
    expect(serverCells(older as HoldJson).slice(3, 5)).toEqual([100, '']);
  });

  it('a refresh of a sheet pulled before the Currency column writes every server column under its own header, decisions kept', async () => {
    // The table as the previous version of the pane made it: no Currency column.
    const before: TableSpec = { ...HELD_ORDERS, columns: HELD_ORDERS.columns.filter((c) => c.header !== 'Currency') };
    const wb = new SimulatedWorkbook();
    const old = (id: string) => serverCells(hold(id)).filter((_, i) => i !== 4);
    await replaceRows(wb, before, [
      [...old('H1'), '', '', '', '', '', ''],
      [...old('H2'), '', '', '', '', '', ''],
    ]);
    wb.type('HeldOrders', 0, 'Decision', 'Release');
    wb.type('HeldOrders', 0, 'Reason code', 'OK');
    const client = {
      session: { serverUrl: 'x', token: 't' },
      async get(path: string) {
        if (path.startsWith('/api/v1/changes')) return { changes: [], nextSince: 7 };
        return { items: [{ ...hold('H1', 2), orderAmount: '250.00', status: 'released' }], nextCursor: null };
      },
      all: async () => [{ ...hold('H1', 2), orderAmount: '250.00', status: 'released' }],
      headSequence: async () => 7,
    } as unknown as CreditDeskClient;
    const state = await loadSyncState(wb, 'x');
    state.holds = { seq: 5 };
    expect(await refreshHolds(wb, client, state)).toEqual({ updated: 1, added: 0 });
    const table = wb.table('HeldOrders')!;
    // The Currency column was added at the end of the user's table, and filled there.
    expect(table.headers().slice(-1)).toEqual(['Currency']);
    const [h1, h2] = wb.records('HeldOrders');
    expect(h1).toMatchObject({
      Hold: 'H1',
      Amount: 250,
      Currency: 'EUR',
      Reason: 'creditLimitUsed',
      Version: 2,
      Status: 'released',
      Decision: 'Release',
      'Reason code': 'OK',
    });
    expect(h2).toMatchObject({ Hold: 'H2', Amount: 100, Currency: '', Status: 'onHold', Decision: '' });
  });
});
