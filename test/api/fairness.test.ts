// Long operations let other requests run (server/db/pace.ts; issue 17 item 5): a write-off over
// thousands of invoices and a journal of thousands of lines are one transaction each, yet reads of
// other customers are answered while they run. On SQLite every statement is synchronous, so
// without pacing not one of those reads could be answered before the operation's own answer.
// The bench measures the latencies (bench/fairness.ts); this proves the interleaving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { ok, postTransactions, putCustomer } from '../support/credit';
import { Pace } from '../../server/db/pace';

const INVOICES = 3000;
const LINES = 5000;

describe('Pace', () => {
  it('lets the event loop turn only once its slice is used up, and starts a new slice after', async () => {
    const pace = new Pace(20);
    expect(pace.step()).toBeUndefined();
    const busyUntil = performance.now() + 25;
    while (performance.now() < busyUntil) {
      // a long synchronous piece of work
    }
    let turned = false;
    setImmediate(() => (turned = true));
    const turn = pace.step();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(turned).toBe(true);
    expect(pace.step()).toBeUndefined();
  });
});

describe.each(DIALECTS)('long operations share the process on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ok(
      await t.request('PUT', '/api/v1/reason-codes/BAD', {
        as: 'credit_manager',
        body: { kind: 'writeOff', description: 'Bad debt' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/write-off-accounts/WO', { as: 'credit_manager', body: { name: 'Bad debts' } }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/parameters', {
        as: 'credit_manager',
        body: { writeOffAccountId: 'WO', writeOffReasonCode: 'BAD' },
      }),
    );
    await putCustomer(t, 'W1');
    await putCustomer(t, 'READ1');
    await postTransactions(
      t,
      Array.from({ length: INVOICES }, (_, i) => ({
        id: `W1-${i}`,
        customerId: 'W1',
        type: 'invoice',
        amount: '10.00',
        dueDate: '2025-02-01',
      })),
    );
    ok(
      await t.request('POST', '/api/v1/customers:batch', {
        as: 'integration',
        body: {
          items: Array.from({ length: LINES }, (_, i) => ({
            id: `J${i}`,
            name: `Customer J${i}`,
            currency: 'USD',
            creditLimit: '10000.00',
          })),
        },
      }),
    );
  }, 120_000);
  afterAll(() => t.close());

  /** Reads another customer one request at a time until `done()`; how many were answered. */
  async function readsWhile(done: () => boolean): Promise<number> {
    let answered = 0;
    while (!done()) {
      ok(await t.request('GET', '/api/v1/customers/READ1', { as: 'credit_clerk' }));
      answered++;
      await new Promise((r) => setImmediate(r)); // the next request of a client comes over the network
    }
    return answered;
  }

  /** Runs `op` with a reader beside it: the reads answered before `op` answered, and `op`'s answer. */
  async function beside<T>(op: () => Promise<T>): Promise<{ reads: number; result: T }> {
    let finished = false;
    const reads = readsWhile(() => finished);
    const result = await op().finally(() => (finished = true));
    return { reads: await reads, result };
  }

  it(`answers reads while a write-off over ${INVOICES.toLocaleString('en-US')} invoices is posted, and the write-off closes every one`, async () => {
    const draft = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'W1', date: '2026-12-01' },
      }),
      201,
    );
    expect(draft.items).toHaveLength(INVOICES);
    const { reads, result } = await beside(() =>
      t.request('POST', `/api/v1/write-offs/${draft.id}/post`, { as: 'collections_agent', body: {} }),
    );
    expect(ok(result).status).toBe('posted');
    // Without pacing one read at most gets in (while the request body is read), on SQLite.
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(ok(await t.request('GET', '/api/v1/customers/W1')).credit.exposure.balance).toBe('0.00');
    const open = ok(await t.request('GET', '/api/v1/customers/W1/transactions?open=true&limit=1000')).items;
    expect(open).toEqual([]);
  });

  it(`answers reads while each step of a journal of ${LINES.toLocaleString('en-US')} lines runs: validate, create, post`, async () => {
    const lines = Array.from({ length: LINES }, (_, i) => ({ customerId: `J${i}`, newCreditLimit: `${20000 + i}.00` }));
    const validated = await beside(() =>
      t.request('POST', '/api/v1/adjustment-journals:validate', {
        as: 'credit_manager',
        body: { type: 'creditLimit', lines },
      }),
    );
    expect(ok(validated.result).valid).toBe(true);
    const created = await beside(() =>
      t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_manager',
        body: { type: 'creditLimit', description: 'paced', lines },
      }),
    );
    const journal = ok(created.result, 201);
    const posted = await beside(() =>
      t.request('POST', `/api/v1/adjustment-journals/${journal.id}/post`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${journal.version}"` },
        body: {},
      }),
    );
    expect(ok(posted.result).status).toBe('posted');
    for (const step of [validated, created, posted]) expect(step.reads).toBeGreaterThanOrEqual(2);
    expect(ok(await t.request('GET', `/api/v1/customers/J${LINES - 1}`)).creditLimit).toBe(`${20000 + LINES - 1}.00`);
  });
});
