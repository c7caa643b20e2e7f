import { describe, expect, it } from 'vitest';
import type { CreditDeskClient } from '../sync/api';
import { loadSyncState } from '../sync/state';
import { SimulatedWorkbook } from '../testing/simulated-excel';
import {
  agingCells,
  agingQuery,
  pullAging,
  refreshAging,
  type AgingDefinitionJson,
  type AgingRowJson,
} from './aging.logic';

const DEF: AgingDefinitionJson = {
  id: 'STD',
  name: 'Standard',
  printingDirection: 'forward',
  version: 1,
  lines: [
    { label: 'Overdue', unit: -1, interval: 'unlimited' },
    { label: 'Not due', unit: 1, interval: 'unlimited' },
  ],
};

/** A row of GET /aging: C5 of collections.md E8, in the company view (USD) or its own currency (EUR). */
const row = (view: 'accounting' | 'customer'): AgingRowJson => ({
  id: 'STD:C5',
  customerId: 'C5',
  name: 'Euro GmbH',
  asOf: '2026-06-30',
  currency: view === 'customer' ? 'EUR' : 'USD',
  amountDue: view === 'customer' ? '1462.96' : '1600.00',
  buckets: [
    { label: 'Overdue', amount: view === 'customer' ? '1462.96' : '1600.00' },
    { label: 'Not due', amount: '0.00' },
  ],
  unbucketedAmount: '0.00',
  indicator: null,
  snapshotAt: '2026-06-30T06:00:00Z',
  stale: false,
  creditLimit: '10000.00',
  remainingCredit: '8400.00',
  packingSlipAmount: '0.00',
  salesOrderAmount: '0.00',
  disputedAmount: '0.00',
  disputedCount: 0,
  version: 1,
});

/** A client answering GET /aging in the view the query asks for, recording every path. */
function agingClient(paths: string[]): CreditDeskClient {
  return {
    session: { serverUrl: 'x', token: 't' },
    headSequence: async () => 3,
    async get(path: string) {
      paths.push(path);
      const view = path.includes('currency=customer') ? 'customer' : 'accounting';
      return { items: [row(view)], nextCursor: null, lastSeq: 3, removed: [] };
    },
  } as unknown as CreditDeskClient;
}

describe('the Aging table in two currency views', () => {
  it("names each row's currency after the name; a server without currencies leaves the cell empty", () => {
    expect(agingCells(DEF, row('customer')).slice(0, 5)).toEqual(['C5', 'Euro GmbH', 'EUR', 1462.96, 0]);
    const { currency: _, ...older } = row('accounting');
    expect(agingCells(DEF, older as AgingRowJson)[2]).toBe('');
  });

  it('asks for the customer-currency view with currency=customer; the company view is the default', () => {
    expect(agingQuery('STD', null, 'accounting')).toBe('definitionId=STD');
    expect(agingQuery('STD', 'P 1', 'customer')).toBe('definitionId=STD&poolId=P%201&currency=customer');
  });

  it('pulls a view, refreshes it with since, and pulls the whole table again when the view changes', async () => {
    const wb = new SimulatedWorkbook();
    const paths: string[] = [];
    const client = agingClient(paths);
    const state = await loadSyncState(wb, 'x');
    await pullAging(wb, client, state, DEF, null, undefined, 'customer');
    expect(state.aging).toMatchObject({ definitionId: 'STD', view: 'customer', seq: 3 });
    expect(wb.records('Aging')[0]).toMatchObject({ Customer: 'C5', Currency: 'EUR', 'Amount due': 1462.96 });

    expect(await refreshAging(wb, client, state, DEF, 'customer')).toEqual({ updated: 1, added: 0 });
    expect(paths.at(-1)).toContain('currency=customer&since=3');

    // Another view: every amount changes, so the table is pulled again, not refreshed.
    expect(await refreshAging(wb, client, state, DEF, 'accounting')).toEqual({ updated: 0, added: 1 });
    expect(paths.at(-1)).not.toContain('since=');
    expect(paths.at(-1)).not.toContain('currency=');
    expect(state.aging).toMatchObject({ view: 'accounting' });
    expect(wb.records('Aging')).toEqual([
      expect.objectContaining({ Customer: 'C5', Currency: 'USD', 'Amount due': 1600, Overdue: 1600 }),
    ]);
  });

  it('a sheet pulled before the currency views is in the company view: a refresh in it stays a refresh', async () => {
    const wb = new SimulatedWorkbook();
    const paths: string[] = [];
    const client = agingClient(paths);
    const state = await loadSyncState(wb, 'x');
    await pullAging(wb, client, state, DEF, null);
    delete state.aging!.view;
    await refreshAging(wb, client, state, DEF, 'accounting');
    expect(paths.at(-1)).toContain('since=3');
  });
});
