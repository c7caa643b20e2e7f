// SPEC §5 Collections "POST /api/v1/transactions:set-status {transactionIds, status, promiseDate?}"
// (collections.md §1.2, §3.6): all or nothing, promisedToPay needs a promise date, any other
// status clears the promise, promiseToPayBroken is only set by aging snapshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { auditActions, ok, postTransactions } from '../support/credit';
import {
  changesSince,
  COLLECTIONS_WRITERS,
  customerWithLedger,
  expectWorkUnchanged,
  getTransaction,
  NOT_COLLECTIONS_WRITERS,
  workState,
} from '../support/collections-work';

const S = '/api/v1/transactions:set-status';
const setStatus = (
  t: TestApp,
  body: Record<string, unknown>,
  as: string = 'collections_agent',
  headers: Record<string, string> = {},
) => t.request('POST', S, { as: as as 'collections_agent', body, headers });

describe.each(DIALECTS)('transactions:set-status on %s', (dialect) => {
  let t: TestApp;
  let c1: { invoices: string[]; payment: string };
  let c2: { invoices: string[]; payment: string };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    c1 = await customerWithLedger(t, 'S1', 6);
    c2 = await customerWithLedger(t, 'S2', 2);
    // S1-INV6 is settled in full by S1-PAY2: closed.
    await postTransactions(t, [{ id: 'S1-PAY2', customerId: 'S1', type: 'payment', amount: '-1000.00' }]);
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'S1-INV6', creditId: 'S1-PAY2', amount: '1000.00', date: '2025-02-01' },
      }),
      201,
    );
    // ARRANGEMENT ONLY: payments are canceled by NSF, which is not part of this module; the flag is set in the store.
    await postTransactions(t, [{ id: 'S1-PAY3', customerId: 'S1', type: 'payment', amount: '-50.00' }]);
    await t.handle.db.updateTable('transactions').set({ canceled: 1 }).where('id', '=', 'S1-PAY3').execute();
  });
  afterAll(async () => t.close());

  it('sets disputed on several transactions of several customers: items in request order, version + 1, one change and one audit row each', async () => {
    const [a, b] = [c1.invoices[1]!, c1.invoices[0]!];
    const before = {
      a: await getTransaction(t, a),
      b: await getTransaction(t, b),
      c: await getTransaction(t, c2.invoices[0]!),
    };
    expect(before.a).toMatchObject({ collectionStatus: 'notDisputed', promiseDate: null, version: 1 });
    const seq = await lastSeq(t);
    const res = await setStatus(t, { transactionIds: [a, b, c2.invoices[0]], status: 'disputed' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      items: [
        { ...before.a, collectionStatus: 'disputed', version: 2 },
        { ...before.b, collectionStatus: 'disputed', version: 2 },
        { ...before.c, collectionStatus: 'disputed', version: 2 },
      ],
    });
    expect(await getTransaction(t, a)).toEqual(res.body.items[0]);
    expect(await changesSince(t, seq)).toEqual([
      ['transaction', a, 'update', 2],
      ['transaction', b, 'update', 2],
      ['transaction', c2.invoices[0], 'update', 2],
    ]);
    const audit = await auditActions(t, 'transaction', a);
    expect(audit.at(-1)).toMatchObject({
      action: 'transaction.setStatus',
      userId: t.userIds.collections_agent,
      before: { ...before.a, promiseAmount: null },
      after: { ...res.body.items[0], promiseAmount: null },
    });

    // The same status again changes nothing (no version, change or audit row) and answers the rows.
    const state = await workState(t, ['S1', 'S2']);
    const again = ok(await setStatus(t, { transactionIds: [a], status: 'disputed' }, 'credit_manager'));
    expect(again.items).toEqual([res.body.items[0]]);
    await expectWorkUnchanged(t, ['S1', 'S2'], state);
    // Back to notDisputed, and resolved: any settable status, by either writer role.
    for (const [status, role] of [
      ['resolved', 'credit_manager'],
      ['notDisputed', 'collections_agent'],
    ] as const) {
      expect(ok(await setStatus(t, { transactionIds: [a], status }, role)).items[0]).toMatchObject({
        collectionStatus: status,
      });
    }
    expect((await getTransaction(t, a)).version).toBe(4);
  });

  it('promisedToPay stores the promise date and amount; another status clears both', async () => {
    const id = c1.invoices[2]!;
    const seq = await lastSeq(t);
    const promised = ok(
      await setStatus(t, {
        transactionIds: [id],
        status: 'promisedToPay',
        promiseDate: '2025-07-15',
        promiseAmount: '400.5',
      }),
    );
    expect(promised.items[0]).toMatchObject({
      id,
      collectionStatus: 'promisedToPay',
      promiseDate: '2025-07-15',
      version: 2,
    });
    expect(await changesSince(t, seq)).toEqual([['transaction', id, 'update', 2]]);
    let audit = (await auditActions(t, 'transaction', id)).at(-1)!;
    expect(audit.before).toMatchObject({ collectionStatus: 'notDisputed', promiseDate: null, promiseAmount: null });
    expect(audit.after).toMatchObject({
      collectionStatus: 'promisedToPay',
      promiseDate: '2025-07-15',
      promiseAmount: '400.50',
    });
    // A new promise date is a change; the whole open amount (no promiseAmount) is one too.
    expect(
      ok(await setStatus(t, { transactionIds: [id], status: 'promisedToPay', promiseDate: '2025-07-31' })).items[0],
    ).toMatchObject({ promiseDate: '2025-07-31', version: 3 });
    audit = (await auditActions(t, 'transaction', id)).at(-1)!;
    expect(audit.after).toMatchObject({ promiseDate: '2025-07-31', promiseAmount: null });
    // Exactly the open amount may be promised.
    expect(
      ok(
        await setStatus(t, {
          transactionIds: [id],
          status: 'promisedToPay',
          promiseDate: '2025-07-31',
          promiseAmount: 1000,
        }),
      ).items[0].version,
    ).toBe(4);

    const resolved = ok(await setStatus(t, { transactionIds: [id], status: 'resolved' }));
    expect(resolved.items[0]).toMatchObject({ collectionStatus: 'resolved', promiseDate: null, version: 5 });
    audit = (await auditActions(t, 'transaction', id)).at(-1)!;
    expect(audit.before).toMatchObject({ promiseDate: '2025-07-31', promiseAmount: '1000.00' });
    expect(audit.after).toMatchObject({ collectionStatus: 'resolved', promiseDate: null, promiseAmount: null });
  });

  it('all or nothing: an unknown, closed, canceled or foreign-kind transaction is a 422 naming transactionIds.N and nothing changes', async () => {
    const open = c1.invoices[3]!;
    const before = await workState(t, ['S1', 'S2']);
    const refused: [Record<string, unknown>, string[]][] = [
      [{ transactionIds: [open, 'NO-SUCH'], status: 'disputed' }, ['transactionIds.1']],
      [{ transactionIds: [open, 'S1-INV6'], status: 'disputed' }, ['transactionIds.1']],
      [{ transactionIds: ['S1-PAY3', open], status: 'resolved' }, ['transactionIds.0']],
      // A promise needs an open debit, and at most its open amount.
      [
        { transactionIds: [open, c1.payment], status: 'promisedToPay', promiseDate: '2025-08-01' },
        ['transactionIds.1'],
      ],
      [
        { transactionIds: [open], status: 'promisedToPay', promiseDate: '2025-08-01', promiseAmount: '1000.01' },
        ['transactionIds.0'],
      ],
      // Every problem at once, in request order.
      [
        { transactionIds: ['NO-SUCH', open, 'S1-INV6', 'S1-PAY3'], status: 'disputed' },
        ['transactionIds.0', 'transactionIds.2', 'transactionIds.3'],
      ],
    ];
    for (const [body, paths] of refused)
      expect(
        expectError(await setStatus(t, body), 422, 'rule_violation').map((d) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    // An open payment may be disputed (only a promise needs a debit).
    await expectWorkUnchanged(t, ['S1', 'S2'], before);
    expect(ok(await setStatus(t, { transactionIds: [c1.payment], status: 'disputed' })).items[0]).toMatchObject({
      collectionStatus: 'disputed',
      openAmount: '-200.00',
    });
  });

  it('the body is checked first (400 naming the field): promiseDate with promisedToPay only and required by it, promiseToPayBroken refused, 1..1000 unique ids, unknown fields', async () => {
    const open = c1.invoices[4]!;
    const before = await workState(t, ['S1', 'S2']);
    const invalid: [Record<string, unknown>, string[]][] = [
      [{ transactionIds: [open], status: 'promisedToPay' }, ['promiseDate']],
      [{ transactionIds: [open], status: 'promisedToPay', promiseAmount: '10.00' }, ['promiseDate']],
      [{ transactionIds: [open], status: 'disputed', promiseDate: '2025-08-01' }, ['promiseDate']],
      [{ transactionIds: [open], status: 'resolved', promiseAmount: '10.00' }, ['promiseAmount']],
      [{ transactionIds: [open], status: 'promiseToPayBroken' }, ['status']],
      [{ transactionIds: [open], status: 'Disputed' }, ['status']],
      [{ transactionIds: [open], status: 'promisedToPay', promiseDate: '2025-13-01' }, ['promiseDate']],
      [
        { transactionIds: [open], status: 'promisedToPay', promiseDate: '2025-08-01', promiseAmount: '0.00' },
        ['promiseAmount'],
      ],
      [
        { transactionIds: [open], status: 'promisedToPay', promiseDate: '2025-08-01', promiseAmount: '1.001' },
        ['promiseAmount'],
      ],
      [{ transactionIds: [], status: 'disputed' }, ['transactionIds']],
      [{ transactionIds: [open, c1.invoices[5], open], status: 'disputed' }, ['transactionIds.2']],
      [{ transactionIds: Array.from({ length: 1001 }, (_, i) => `T${i}`), status: 'disputed' }, ['transactionIds']],
      [{ transactionIds: [open] }, ['status']],
      [{ transactionIds: [open], status: 'disputed', reason: 'x' }, ['reason']],
    ];
    for (const [body, paths] of invalid)
      expect(
        expectError(await setStatus(t, body), 400, 'invalid_request').map((d) => d.path),
        JSON.stringify(body).slice(0, 200),
      ).toEqual(paths);
    await expectWorkUnchanged(t, ['S1', 'S2'], before);
    // 1000 ids are accepted by the schema (and then refused one by one: they do not exist).
    const many = await setStatus(t, {
      transactionIds: Array.from({ length: 1000 }, (_, i) => `T${i}`),
      status: 'disputed',
    });
    expect(expectError(many, 422, 'rule_violation')).toHaveLength(1000);
    await expectWorkUnchanged(t, ['S1', 'S2'], before);
  });

  it('only collections agents and credit managers may set statuses (403 whatever the body); every role reads the result', async () => {
    const before = await workState(t, ['S1', 'S2']);
    for (const role of NOT_COLLECTIONS_WRITERS) {
      expectError(await setStatus(t, { transactionIds: [c2.invoices[1]], status: 'disputed' }, role), 403, 'forbidden');
      expectError(await setStatus(t, { bogus: 1 }, role), 403, 'forbidden');
    }
    await expectWorkUnchanged(t, ['S1', 'S2'], before);
    expect(COLLECTIONS_WRITERS).toEqual(['collections_agent', 'credit_manager']);
  });

  it('an Idempotency-Key retry replays the first answer and applies the change once', async () => {
    const id = c2.invoices[1]!;
    const body = { transactionIds: [id], status: 'promisedToPay', promiseDate: '2025-09-01' };
    const headers = { 'Idempotency-Key': 'status-key-1' };
    const first = await setStatus(t, body, 'collections_agent', headers);
    expect(first.status).toBe(200);
    expect(first.body.items[0]).toMatchObject({ version: 2 });
    // Meanwhile another change: the replay still answers the first response and changes nothing.
    ok(await setStatus(t, { transactionIds: [id], status: 'disputed' }));
    const seq = await lastSeq(t);
    const again = await setStatus(t, body, 'collections_agent', headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await changesSince(t, seq)).toEqual([]);
    expect(await getTransaction(t, id)).toMatchObject({ collectionStatus: 'disputed', version: 3 });
    expectError(
      await setStatus(t, { ...body, promiseDate: '2025-09-02' }, 'collections_agent', headers),
      422,
      'rule_violation',
    );
  });
});
