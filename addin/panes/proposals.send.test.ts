import { describe, expect, it } from 'vitest';
import { ensureTable } from '../excel/workbook';
import { ApiError, type CreditDeskClient } from '../sync/api';
import { addContextJson, emptyContext, type PreviewContext } from '../sync/credit-context';
import { creditContextFixture } from '../testing/credit-context-fixture';
import { loadSyncState } from '../sync/state';
import { SimulatedWorkbook } from '../testing/simulated-excel';
import { PROPOSALS, sendProposals } from './proposals.logic';

function context(ids: string[]): PreviewContext {
  return addContextJson(
    emptyContext('2026-11-23'),
    creditContextFixture(ids, { creditLimit: () => 100_000n, rules: false }),
  );
}

/** A Proposals table with one row per customer and its new limit, in this order. */
async function proposalsSheet(limits: Record<string, number>): Promise<SimulatedWorkbook> {
  const wb = new SimulatedWorkbook();
  await ensureTable(wb, PROPOSALS);
  for (const [i, [id, limit]] of Object.entries(limits).entries()) {
    wb.type('Proposals', i, 'Customer', id);
    wb.type('Proposals', i, 'New limit', limit);
  }
  return wb;
}

/** Sends the sheet as the pane does, with the preview context of `ids` and the sync state kept in the workbook. */
const send = async (wb: SimulatedWorkbook, client: CreditDeskClient, ids: string[], description: string) =>
  sendProposals(wb, client, await loadSyncState(wb, 'http://127.0.0.1:1'), context(ids), description);

describe('sending proposals', () => {
  it('a send whose answer was lost is retried with the same Idempotency-Key and body (the server replays, no second journal)', async () => {
    const wb = await proposalsSheet({ C1: 2000, C2: 3000 });
    const creates: { key: string | undefined; body: string }[] = [];
    let lose = true;
    const client = {
      session: { serverUrl: 'http://127.0.0.1:1', token: 't' },
      async post(path: string, body: unknown, opts: { idempotencyKey?: string } = {}) {
        if (path.endsWith(':validate')) return { valid: true, lines: [] };
        creates.push({ key: opts.idempotencyKey, body: JSON.stringify(body) });
        // The journal is created, but the answer never reaches the pane.
        if (lose) throw new ApiError(0, 'offline', 'connection reset');
        return { id: 'CLJ-1', lines: [] };
      },
    } as unknown as CreditDeskClient;
    const first = await send(wb, client, ['C1', 'C2'], 'Q4');
    expect(first.notSent).toBe(2);
    expect(wb.records('Proposals').map((r) => r.Status)).toEqual(['not sent', 'not sent']);
    lose = false;
    // The user sorts the sheet, then sends again (a new pane session reads the key from the workbook).
    wb.sort('Proposals', 'Customer', true);
    const second = await send(wb, client, ['C1', 'C2'], 'Q4');
    expect(second.sent).toBe(2);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.key).toBe(creates[0]!.key);
    expect(creates[1]!.body).toBe(creates[0]!.body);
    expect(wb.records('Proposals').map((r) => [r.Customer, r.Status, r.Journal])).toEqual([
      ['C2', 'sent', 'CLJ-1'],
      ['C1', 'sent', 'CLJ-1'],
    ]);
    // Sent rows are not sent again.
    const third = await send(wb, client, ['C1', 'C2'], 'Q4');
    expect(third.sent).toBe(0);
    expect(creates).toHaveLength(2);
  });

  it("the server's per-line errors land on the right rows after a sort", async () => {
    const wb = await proposalsSheet({ C1: 100, C2: 200, C3: 300 });
    const client = {
      session: { serverUrl: 'http://127.0.0.1:1', token: 't' },
      async post(path: string, body: { lines: { customerId: string }[] }) {
        wb.sort('Proposals', 'Customer', true); // the user sorts while the request is out
        return {
          valid: false,
          lines: body.lines.map((l, index) =>
            l.customerId === 'C2'
              ? { index, status: 'error', errors: [{ path: `lines.${index}.customerId`, message: 'blocked' }] }
              : { index, status: 'ok', errors: [] },
          ),
        };
      },
    } as unknown as CreditDeskClient;
    await send(wb, client, ['C1', 'C2', 'C3'], 'x');
    const rows = new Map(wb.records('Proposals').map((r) => [r.Customer, r]));
    expect(rows.get('C2')).toMatchObject({ Status: 'error', Message: 'customerId: blocked' });
    expect(rows.get('C1')!.Status).toBe('not sent');
    expect(rows.get('C3')!.Status).toBe('not sent');
  });

  it("a sent row's Currency is its journal line's; a line without one (an older server) leaves the cell empty", async () => {
    const wb = await proposalsSheet({ C1: 1000, C2: 2000 });
    const client = {
      session: { serverUrl: 'http://127.0.0.1:1', token: 't' },
      async post(path: string, body: { lines: { customerId: string; newCreditLimit: string }[] }) {
        if (path.endsWith(':validate')) return { valid: true, lines: [] };
        return {
          id: 'CLJ-7',
          // C2's line as an older server answers it: no currency.
          lines: body.lines.map((l, i) => ({
            ...l,
            lineNo: i + 1,
            ...(l.customerId === 'C1' ? { currency: 'USD' } : {}),
          })),
        };
      },
    } as unknown as CreditDeskClient;
    const sent = await send(wb, client, ['C1', 'C2'], 'x');
    expect(sent.sent).toBe(2);
    expect(wb.records('Proposals').map((r) => [r.Customer, r.Currency, r.Status])).toEqual([
      ['C1', 'USD', 'sent'],
      ['C2', '', 'sent'],
    ]);
  });
});

describe('results by row: a customer with a permanent and a temporary row', () => {
  it('each row gets its own outcome: the permanent journal is sent, the temporary one refused by the server', async () => {
    const wb = new SimulatedWorkbook();
    await ensureTable(wb, PROPOSALS);
    wb.type('Proposals', 0, 'Customer', 'C1');
    wb.type('Proposals', 0, 'New limit', 2000);
    wb.type('Proposals', 1, 'Customer', 'C1');
    wb.type('Proposals', 1, 'New limit', 5000);
    wb.type('Proposals', 1, 'Temporary from', '2026-12-01');
    wb.type('Proposals', 1, 'Temporary to', '2026-12-31');
    const client = {
      session: { serverUrl: 'http://127.0.0.1:1', token: 't' },
      async post(path: string, body: { type?: string }) {
        if (path.endsWith(':validate')) return { valid: true, lines: [] };
        if (body.type === 'temporary')
          throw new ApiError(422, 'rule_violation', 'some lines are invalid', [
            { path: 'lines.0.newToDate', message: 'overlaps an active temporary limit' },
          ]);
        return { id: 'CLJ-7', lines: [] };
      },
    } as unknown as CreditDeskClient;
    const outcome = await send(wb, client, ['C1'], 'both');
    expect(outcome).toMatchObject({ sent: 1, failed: 1 });
    // (the typed date is the serial Excel keeps in a General cell: 2026-12-01 is 46357)
    expect(wb.records('Proposals').map((r) => [r['Temporary from'], r.Status, r.Journal, r.Message])).toEqual([
      ['', 'sent', 'CLJ-7', ''],
      [46357, 'error', '', 'newToDate: overlaps an active temporary limit'],
    ]);
  });
});
