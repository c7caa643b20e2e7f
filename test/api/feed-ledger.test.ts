import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { lastSeq as lastChangeSeq } from '../support/conventions';

type Item = Record<string, unknown>;
const invoice = (id: string, customerId: string, amount: string | number, extra: Item = {}): Item => ({
  id,
  customerId,
  type: 'invoice',
  amount,
  transDate: '2025-03-01',
  dueDate: '2025-03-31',
  ...extra,
});
const payment = (id: string, customerId: string, amount: string | number, extra: Item = {}): Item => ({
  id,
  customerId,
  type: 'payment',
  amount,
  transDate: '2025-03-10',
  ...extra,
});

describe.each(DIALECTS)('ledger feed on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const [id, currency] of [
      ['LC1', 'USD'],
      ['LC2', 'USD'],
      ['LC3', 'EUR'],
      ['LC4', 'USD'],
      ['LC5', 'GBP'],
    ] as const) {
      const res = await t.request('PUT', `/api/v1/customers/${id}`, {
        as: 'integration',
        body: customerBody({ currency }),
      });
      expect(res.status).toBe(201);
    }
    await putExchangeRates(t, { EUR: '1.10', GBP: '1.25', CAD: '0.73' });
  });
  afterAll(async () => t.close());

  const lastSeq = () => lastChangeSeq(t);
  async function changesSince(since: number) {
    const res = await t.request('GET', `/api/v1/changes?since=${since}&limit=1000`);
    expect(res.status).toBe(200);
    return (res.body.changes as { entity: string; id: string; op: string; version: number }[]).map(
      (c) => `${c.entity}:${c.id}:${c.op}:${c.version}`,
    );
  }
  const post = (
    items: unknown[],
    as: 'integration' | 'admin' | 'credit_clerk' | 'collections_agent' | 'credit_manager' = 'integration',
  ) => t.request('POST', '/api/v1/transactions:batch', { as, body: { items } });
  const getTxn = (id: string) => t.request('GET', `/api/v1/transactions/${id}`);
  const balance = async (customerId: string): Promise<string> => {
    const res = await t.request('GET', `/api/v1/customers/${customerId}`);
    expect(res.status).toBe(200);
    return res.body.credit.exposure.balance;
  };
  const openIds = async (customerId: string): Promise<string[]> => {
    const res = await t.request('GET', `/api/v1/customers/${customerId}/transactions?open=true`);
    expect(res.status).toBe(200);
    return res.body.items.map((i: { id: string }) => i.id);
  };
  const settle = (body: unknown) => t.request('POST', '/api/v1/settlements', { as: 'integration', body });
  /** The state a refused write must leave untouched. */
  const snapshot = async (ids: string[]) => ({
    rows: await Promise.all(ids.map(async (id) => (await getTxn(id)).body)),
    seq: await lastSeq(),
  });

  describe('POST /transactions:batch', () => {
    it('posts entries of every type with all fields, currency defaulting to the customer’s', async () => {
      const seq = await lastSeq();
      const res = await post([
        invoice('T-INV-1', 'LC1', '1500.00', { documentDate: '2025-02-28', taxAmount: '250.00' }),
        { id: 'T-FEE-1', customerId: 'LC1', type: 'fee', amount: 25, transDate: '2025-03-02' },
        payment('T-PAY-1', 'LC1', '-700.50', { bankAccountId: 'BANK-1', paymentJournal: 'PJ 0042' }),
        {
          id: 'T-CN-1',
          customerId: 'LC1',
          type: 'creditNote',
          amount: '-99.99',
          transDate: '2025-03-03',
          currency: 'CAD',
        },
        invoice('T-INV-EUR', 'LC3', '10.00'),
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        created: 5,
        items: ['T-INV-1', 'T-FEE-1', 'T-PAY-1', 'T-CN-1', 'T-INV-EUR'].map((id, index) => ({
          index,
          id,
          status: 'ok',
          errors: [],
        })),
      });

      const inv = await getTxn('T-INV-1');
      expect(inv.status).toBe(200);
      expect(inv.headers.get('etag')).toBe('"1"');
      expect(inv.body).toEqual({
        id: 'T-INV-1',
        customerId: 'LC1',
        type: 'invoice',
        amount: '1500.00',
        openAmount: '1500.00',
        currency: 'USD',
        amountAccounting: '1500.00',
        openAmountAccounting: '1500.00',
        transDate: '2025-03-01',
        dueDate: '2025-03-31',
        documentDate: '2025-02-28',
        taxAmount: '250.00',
        bankAccountId: null,
        paymentJournal: null,
        collectionStatus: 'notDisputed',
        promiseDate: null,
        canceled: false,
        closedDate: null,
        source: 'feed',
        sourceRef: null,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        version: 1,
      });
      expect((await getTxn('T-FEE-1')).body).toMatchObject({
        type: 'fee',
        amount: '25.00',
        openAmount: '25.00',
        currency: 'USD',
        dueDate: null,
        taxAmount: '0.00',
      });
      expect((await getTxn('T-PAY-1')).body).toMatchObject({
        type: 'payment',
        amount: '-700.50',
        openAmount: '-700.50',
        bankAccountId: 'BANK-1',
        paymentJournal: 'PJ 0042',
      });
      // converted at the rate on transDate, rounded half-up once: −99.99 × 0.73 = −72.9927 → −72.99; 10.00 × 1.10 = 11.00
      expect((await getTxn('T-CN-1')).body).toMatchObject({
        type: 'creditNote',
        amount: '-99.99',
        currency: 'CAD',
        amountAccounting: '-72.99',
      });
      expect((await getTxn('T-INV-EUR')).body).toMatchObject({
        currency: 'EUR',
        customerId: 'LC3',
        amountAccounting: '11.00',
        openAmountAccounting: '11.00',
      });

      expect((await changesSince(seq)).sort()).toEqual([
        'transaction:T-CN-1:create:1',
        'transaction:T-FEE-1:create:1',
        'transaction:T-INV-1:create:1',
        'transaction:T-INV-EUR:create:1',
        'transaction:T-PAY-1:create:1',
      ]);
      expect(await openIds('LC1')).toEqual(['T-CN-1', 'T-FEE-1', 'T-INV-1', 'T-PAY-1']);
      // in USD, the accounting currency: 1500.00 + 25.00 - 700.50 - 72.99 (the CAD credit note's −99.99 × 0.73)
      expect(await balance('LC1')).toBe('751.51');
      expect(await balance('LC3')).toBe('11.00'); // 10.00 EUR × 1.10
    });

    it.each([
      ['invoice', '-10.00', 'positive'],
      ['invoice', '0', 'positive'],
      ['fee', '0.00', 'positive'],
      ['fee', -1, 'positive'],
      ['payment', '5.00', 'negative'],
      ['payment', 0, 'negative'],
      ['creditNote', '0.01', 'negative'],
      ['creditNote', '0.00', 'negative'],
    ])('refuses a %s of %s (must be %s): 422 per item with path, nothing saved', async (type, amount, sign) => {
      const seq = await lastSeq();
      const res = await post([
        invoice('SIGN-OK', 'LC2', '1.00'),
        { id: 'SIGN-BAD', customerId: 'LC2', type, amount, transDate: '2025-03-01' },
      ]);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('rule_violation');
      expect(res.body.items).toEqual([
        { index: 0, id: 'SIGN-OK', status: 'ok', errors: [] },
        {
          index: 1,
          id: 'SIGN-BAD',
          status: 'error',
          errors: [{ path: 'amount', message: expect.stringContaining(sign) }],
        },
      ]);
      expect(res.body.error.details).toEqual([{ path: 'items.1.amount', message: expect.stringContaining(sign) }]);
      expect((await getTxn('SIGN-OK')).status).toBe(404);
      expect((await getTxn('SIGN-BAD')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('reports an unknown customer per item and saves nothing', async () => {
      const seq = await lastSeq();
      const res = await post([
        invoice('UC-1', 'LC2', '5.00'),
        invoice('UC-2', 'NOPE', '5.00'),
        invoice('UC-3', 'LC2', '6.00'),
      ]);
      expect(res.status).toBe(422);
      expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['ok', 'error', 'ok']);
      expect(res.body.items[1]).toEqual({
        index: 1,
        id: 'UC-2',
        status: 'error',
        errors: [{ path: 'customerId', message: expect.stringContaining('NOPE') }],
      });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['items.1.customerId']);
      for (const id of ['UC-1', 'UC-2', 'UC-3']) expect((await getTxn(id)).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
      expect(await balance('LC2')).toBe('0.00');
    });

    it('accepts an identical re-send as unchanged, with no new change-log entry', async () => {
      const entry = invoice('RS-1', 'LC4', '300.00', { documentDate: '2025-03-01' });
      expect((await post([entry])).status).toBe(200);
      const seq = await lastSeq();
      const again = await post([entry]);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({
        created: 0,
        items: [{ index: 0, id: 'RS-1', status: 'ok', errors: [], unchanged: true }],
      });
      // the same values spelled differently (number amount, explicit default currency and tax) are the same entry
      const spelled = await post([{ ...entry, amount: 300, currency: 'USD', taxAmount: '0.00' }]);
      expect(spelled.status).toBe(200);
      expect(spelled.body.items[0]).toMatchObject({ status: 'ok', unchanged: true });
      expect(await lastSeq()).toBe(seq);
      expect((await getTxn('RS-1')).body).toMatchObject({ amount: '300.00', openAmount: '300.00', version: 1 });
      expect(await balance('LC4')).toBe('300.00');

      // a re-send mixed with a new entry creates only the new one
      const mixed = await post([entry, invoice('RS-2', 'LC4', '1.00')]);
      expect(mixed.status).toBe(200);
      expect(mixed.body.created).toBe(1);
      expect(mixed.body.items[0]).toMatchObject({ id: 'RS-1', unchanged: true });
      expect(mixed.body.items[1]).toEqual({ index: 1, id: 'RS-2', status: 'ok', errors: [] });
      expect(await changesSince(seq)).toEqual(['transaction:RS-2:create:1']);
      expect(await balance('LC4')).toBe('301.00');
    });

    it.each([
      ['amount', { amount: '300.01' }],
      ['due date', { dueDate: '2025-04-30' }],
      ['customer', { customerId: 'LC2' }],
      ['type', { type: 'fee' }],
      ['currency', { currency: 'EUR' }],
    ])('refuses the same id with a different %s: entries are never edited', async (_label, change) => {
      const entry = invoice('NE-1', 'LC4', '50.00');
      const first = await post([entry]);
      expect(first.status).toBe(200);
      const before = await snapshot(['NE-1']);
      const res = await post([invoice('NE-NEW', 'LC4', '1.00'), { ...entry, ...change }]);
      expect(res.status).toBe(422);
      expect(res.body.items[0]).toMatchObject({ status: 'ok' });
      expect(res.body.items[1]).toEqual({
        index: 1,
        id: 'NE-1',
        status: 'error',
        errors: [{ path: 'id', message: expect.stringContaining('never edited') }],
      });
      expect(res.body.error.details).toEqual([
        { path: 'items.1.id', message: expect.stringContaining('never edited') },
      ]);
      expect(await snapshot(['NE-1'])).toEqual(before);
      expect((await getTxn('NE-1')).body).toMatchObject({
        amount: '50.00',
        customerId: 'LC4',
        type: 'invoice',
        version: 1,
      });
      expect((await getTxn('NE-NEW')).status).toBe(404);
    });

    it('is all or nothing: one bad item among many saves none, duplicates in a batch are refused', async () => {
      const seq = await lastSeq();
      const items = Array.from({ length: 50 }, (_, i) => invoice(`AON-${i}`, 'LC2', `${i + 1}.00`));
      items[37] = invoice('AON-37', 'LC2', '1.001');
      const res = await post(items);
      expect(res.status).toBe(422);
      expect(res.body.items).toHaveLength(50);
      expect(
        res.body.items.filter((i: { status: string }) => i.status === 'error').map((i: { index: number }) => i.index),
      ).toEqual([37]);
      expect(res.body.items[37].errors).toEqual([{ path: 'amount', message: expect.stringContaining('2 decimals') }]);
      expect((await getTxn('AON-0')).status).toBe(404);
      expect((await getTxn('AON-49')).status).toBe(404);
      expect(await openIds('LC2')).toEqual([]);
      expect(await lastSeq()).toBe(seq);

      const dup = await post([invoice('DUP-1', 'LC2', '1.00'), invoice('DUP-1', 'LC2', '1.00')]);
      expect(dup.status).toBe(422);
      expect(dup.body.items[1]).toEqual({
        index: 1,
        id: 'DUP-1',
        status: 'error',
        errors: [{ path: 'id', message: expect.stringContaining('more than once') }],
      });
      expect((await getTxn('DUP-1')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('answers malformed items per item (422) and malformed bodies with 400, never 500', async () => {
      const seq = await lastSeq();
      const res = await post([
        null,
        7,
        'x',
        {},
        invoice('MAL-1', 'LC2', '1e3'),
        invoice('MAL-2', 'LC2', 1e21),
        invoice('MAL-3', 'LC2', '1.00', { transDate: '2025-13-01' }),
        invoice('MAL-4', 'LC2', '1.00', { type: 'interest' }),
        invoice('MAL-5', 'LC2', '1.00', { bankAccountId: 'B1' }),
        invoice('MAL-6', 'LC2', '1.00', { colour: 'red' }),
        invoice('MAL-7', 'LC2', 'NaN'),
        invoice('MAL-8', 'LC2', '1000000000000.00'),
        invoice('bad id', 'LC2', '1.00'),
        invoice('MAL-9', 'LC2', '1.00', { currency: 'usd' }),
      ]);
      expect(res.status).toBe(422);
      expect(res.body.items).toHaveLength(14);
      expect(res.body.items.every((i: { status: string }) => i.status === 'error')).toBe(true);
      const pathsOf = (i: number) => res.body.items[i].errors.map((e: { path: string }) => e.path);
      expect(pathsOf(4)).toEqual(['amount']);
      expect(pathsOf(5)).toEqual(['amount']);
      expect(pathsOf(6)).toEqual(['transDate']);
      expect(pathsOf(7)).toContain('type');
      expect(pathsOf(8)).toEqual(['bankAccountId']);
      expect(pathsOf(9)).toEqual(['colour']);
      expect(pathsOf(10)).toEqual(['amount']);
      expect(pathsOf(11)).toEqual(['amount']);
      expect(pathsOf(12)).toEqual(['id']);
      expect(pathsOf(13)).toEqual(['currency']);
      expect(await lastSeq()).toBe(seq);

      for (const body of [{ items: [] }, { items: {} }, {}, { items: [invoice('X', 'LC2', '1.00')], more: 1 }]) {
        const bad = await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body });
        expect(bad.status, JSON.stringify(body)).toBe(400);
        expect(bad.body.error.code).toBe('invalid_request');
      }
      expect(
        (await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', raw: '{"items":[{' })).status,
      ).toBe(400);
      expect((await getTxn('X')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('lets only integration and admin post entries', async () => {
      const seq = await lastSeq();
      for (const role of ['credit_clerk', 'collections_agent', 'credit_manager'] as const) {
        const res = await post([invoice(`ROLE-${role}`, 'LC2', '1.00')], role);
        expect(res.status, role).toBe(403);
        expect((await getTxn(`ROLE-${role}`)).status).toBe(404);
      }
      expect(await lastSeq()).toBe(seq);
      expect((await post([invoice('ROLE-admin', 'LC5', '1.00')], 'admin')).status).toBe(200);
      expect((await getTxn('ROLE-admin')).body).toMatchObject({ currency: 'GBP', amount: '1.00' });
    });

    it('keeps money exact: 0.10 + 0.20 + 0.30 is 0.60', async () => {
      await t.request('PUT', '/api/v1/customers/EXACT', { as: 'integration', body: customerBody() });
      const res = await post([
        invoice('EX-1', 'EXACT', '0.10'),
        invoice('EX-2', 'EXACT', 0.2),
        invoice('EX-3', 'EXACT', '0.30'),
      ]);
      expect(res.status).toBe(200);
      expect(await balance('EXACT')).toBe('0.60');
      expect((await post([payment('EX-P', 'EXACT', -0.3)])).status).toBe(200);
      expect(await balance('EXACT')).toBe('0.30');
      // large amounts stay exact too (beyond 2^53 minor units)
      expect(
        (await post([invoice('EX-BIG', 'EXACT', '999999999999.99'), invoice('EX-BIG2', 'EXACT', '999999999999.99')]))
          .status,
      ).toBe(200);
      expect(await balance('EXACT')).toBe('2000000000000.28');
    });

    it('answers 404 for unknown transactions and customers', async () => {
      const one = await getTxn('NOPE');
      expect(one.status).toBe(404);
      expect(one.body.error.code).toBe('not_found');
      expect((await t.request('GET', '/api/v1/customers/NOPE/transactions?open=true')).status).toBe(404);
      expect((await t.request('GET', '/api/v1/customers/LC1/transactions?open=maybe')).status).toBe(400);
    });
  });

  describe('POST /settlements', () => {
    beforeAll(async () => {
      await t.request('PUT', '/api/v1/customers/SC', { as: 'integration', body: customerBody() });
      const res = await post([
        invoice('S-INV', 'SC', '1000.00'),
        payment('S-PAY1', 'SC', '-600.00'),
        payment('S-PAY2', 'SC', '-500.00'),
        invoice('S-INV-EUR', 'SC', '100.00', { currency: 'EUR' }),
        payment('S-PAY-EUR', 'SC', '-100.00', { currency: 'EUR' }),
        invoice('S-INV2', 'SC', '80.00'),
        { id: 'S-CN', customerId: 'SC', type: 'creditNote', amount: '-30.00', transDate: '2025-03-05' },
        payment('S-PAY-OTHER', 'LC2', '-1000.00'),
      ]);
      expect(res.status).toBe(200);
    });

    it('settles partially then fully, moving open amounts on both sides', async () => {
      expect(await balance('SC')).toBe('-50.00'); // 1000 - 600 - 500 + 100 - 100 + 80 - 30
      const seq = await lastSeq();
      const first = await settle({ debitId: 'S-INV', creditId: 'S-PAY1', amount: '400.00', date: '2025-04-01' });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        debitId: 'S-INV',
        creditId: 'S-PAY1',
        amount: '400.00',
        date: '2025-04-01',
        debit: { id: 'S-INV', amount: '1000.00', openAmount: '600.00', closedDate: null, version: 2 },
        credit: { id: 'S-PAY1', amount: '-600.00', openAmount: '-200.00', closedDate: null, version: 2 },
      });
      expect(typeof first.body.id).toBe('string');
      expect((await getTxn('S-INV')).body).toMatchObject({
        amount: '1000.00',
        openAmount: '600.00',
        closedDate: null,
        version: 2,
      });
      expect((await getTxn('S-INV')).headers.get('etag')).toBe('"2"');
      expect((await getTxn('S-PAY1')).body).toMatchObject({
        amount: '-600.00',
        openAmount: '-200.00',
        closedDate: null,
        version: 2,
      });
      const changes = await changesSince(seq);
      expect(changes.slice(0, 2)).toEqual(['transaction:S-INV:update:2', 'transaction:S-PAY1:update:2']);
      expect(changes).toHaveLength(3);
      expect(changes[2]).toMatch(/^settlement:.+:create:1$/);
      // settling moves nothing between customer and ledger totals: the balance is unchanged
      expect(await balance('SC')).toBe('-50.00');

      const second = await settle({ debitId: 'S-INV', creditId: 'S-PAY1', amount: 200, date: '2025-04-02' });
      expect(second.status).toBe(201);
      expect(second.body.debit).toMatchObject({ openAmount: '400.00', closedDate: null, version: 3 });
      expect(second.body.credit).toMatchObject({ openAmount: '0.00', closedDate: '2025-04-02', version: 3 });
      expect(await openIds('SC')).toEqual(['S-CN', 'S-INV', 'S-INV-EUR', 'S-INV2', 'S-PAY-EUR', 'S-PAY2']);

      const third = await settle({ debitId: 'S-INV', creditId: 'S-PAY2', amount: '400.00', date: '2025-04-03' });
      expect(third.status).toBe(201);
      expect(third.body.debit).toMatchObject({ openAmount: '0.00', closedDate: '2025-04-03', version: 4 });
      expect(third.body.credit).toMatchObject({ openAmount: '-100.00', closedDate: null, version: 2 });
      expect(await openIds('SC')).toEqual(['S-CN', 'S-INV-EUR', 'S-INV2', 'S-PAY-EUR', 'S-PAY2']);
      const all = await t.request('GET', '/api/v1/customers/SC/transactions');
      expect(all.body.items.map((i: { id: string }) => i.id)).toContain('S-INV');

      // the original amounts never change
      expect((await getTxn('S-INV')).body).toMatchObject({
        amount: '1000.00',
        openAmount: '0.00',
        closedDate: '2025-04-03',
        version: 4,
      });
      expect((await getTxn('S-PAY1')).body).toMatchObject({
        amount: '-600.00',
        openAmount: '0.00',
        closedDate: '2025-04-02',
        version: 3,
      });
      expect((await getTxn('S-PAY2')).body).toMatchObject({
        amount: '-500.00',
        openAmount: '-100.00',
        closedDate: null,
        version: 2,
      });
      expect(await balance('SC')).toBe('-50.00');

      // a credit note settles an invoice too; settling the rest of the EUR pair closes both
      expect((await settle({ debitId: 'S-INV2', creditId: 'S-CN', amount: '30.00', date: '2025-04-04' })).status).toBe(
        201,
      );
      expect(
        (await settle({ debitId: 'S-INV-EUR', creditId: 'S-PAY-EUR', amount: '100.00', date: '2025-04-04' })).status,
      ).toBe(201);
      expect(await openIds('SC')).toEqual(['S-INV2', 'S-PAY2']);
      expect((await getTxn('S-INV2')).body).toMatchObject({ amount: '80.00', openAmount: '50.00' });
      expect(await balance('SC')).toBe('-50.00'); // open: S-INV2 50.00 + S-PAY2 -100.00
    });

    it.each([
      ['different customers', { debitId: 'S-INV2', creditId: 'S-PAY-OTHER', amount: '10.00' }, 'creditId'],
      [
        'different currencies without a rate on the date',
        { debitId: 'S-INV2', creditId: 'S-PAY-CHF', amount: '10.00' },
        'date',
      ],
      ['more than the debit is open', { debitId: 'S-INV2', creditId: 'S-PAY2', amount: '50.01' }, 'amount'],
      ['more than the credit is open', { debitId: 'S-INV3', creditId: 'S-PAY2', amount: '100.01' }, 'amount'],
      ['a closed debit', { debitId: 'S-INV', creditId: 'S-PAY2', amount: '1.00' }, 'debitId'],
      ['a closed credit', { debitId: 'S-INV2', creditId: 'S-PAY1', amount: '1.00' }, 'creditId'],
      ['a payment as the debit', { debitId: 'S-PAY2', creditId: 'S-PAY2B', amount: '1.00' }, 'debitId'],
      [
        'a payment as the debit and an invoice as the credit',
        { debitId: 'S-PAY2', creditId: 'S-INV2', amount: '1.00' },
        'debitId',
      ],
      ['an invoice as the credit', { debitId: 'S-INV2', creditId: 'S-INV3', amount: '1.00' }, 'creditId'],
      ['the same entry on both sides', { debitId: 'S-INV2', creditId: 'S-INV2', amount: '1.00' }, 'creditId'],
    ])('refuses %s with 422 and changes nothing', async (_label, body, path) => {
      // extra entries some cases need (idempotent re-sends after the first case)
      expect(
        (
          await post([
            payment('S-PAY-EUR2', 'SC', '-10.00', { currency: 'EUR' }),
            // booked by the ERP with its AC amount: CHF has no rate here at all
            payment('S-PAY-CHF', 'SC', '-10.00', { currency: 'CHF', amountAccounting: '-11.00' }),
            invoice('S-INV3', 'SC', '500.00'),
            payment('S-PAY2B', 'SC', '-5.00'),
          ])
        ).status,
      ).toBe(200);
      const ids = [...new Set([body.debitId, body.creditId, 'S-INV2', 'S-PAY2'])];
      const before = await snapshot(ids);
      const balanceBefore = await balance('SC');
      const res = await settle({ ...body, date: '2025-05-01' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('rule_violation');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
      expect(await snapshot(ids)).toEqual(before);
      expect(await balance('SC')).toBe(balanceBefore);
    });

    it.each([
      ['a zero amount', { amount: '0.00' }],
      ['a zero number', { amount: 0 }],
      ['a negative amount', { amount: '-5.00' }],
      ['three decimals', { amount: '1.005' }],
      ['a bad date', { date: '2025-02-29' }],
      ['a missing amount', { amount: undefined }],
      ['an unknown field', { note: 'x' }],
    ])('answers 400 for %s and changes nothing', async (_label, change) => {
      const before = await snapshot(['S-INV2', 'S-PAY2']);
      const res = await settle({
        debitId: 'S-INV2',
        creditId: 'S-PAY2',
        amount: '1.00',
        date: '2025-05-01',
        ...change,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(await snapshot(['S-INV2', 'S-PAY2'])).toEqual(before);
    });

    it('answers 404 for unknown ids and 403 for roles that may not feed, changing nothing', async () => {
      const before = await snapshot(['S-INV2', 'S-PAY2']);
      const unknownDebit = await settle({ debitId: 'NOPE', creditId: 'S-PAY2', amount: '1.00', date: '2025-05-01' });
      expect(unknownDebit.status).toBe(404);
      expect(unknownDebit.body.error.code).toBe('not_found');
      const unknownCredit = await settle({ debitId: 'S-INV2', creditId: 'NOPE', amount: '1.00', date: '2025-05-01' });
      expect(unknownCredit.status).toBe(404);
      for (const role of ['credit_clerk', 'collections_agent', 'credit_manager'] as const) {
        const res = await t.request('POST', '/api/v1/settlements', {
          as: role,
          body: { debitId: 'S-INV2', creditId: 'S-PAY2', amount: '1.00', date: '2025-05-01' },
        });
        expect(res.status, role).toBe(403);
      }
      expect(await snapshot(['S-INV2', 'S-PAY2'])).toEqual(before);
    });

    it('never settles more than is open when two settlements of one invoice race', async () => {
      for (let round = 0; round < 3; round++) {
        const inv = `RACE-INV-${round}`;
        expect(
          (
            await post([
              invoice(inv, 'LC4', '100.00'),
              payment(`RACE-P1-${round}`, 'LC4', '-100.00'),
              payment(`RACE-P2-${round}`, 'LC4', '-100.00'),
            ])
          ).status,
        ).toBe(200);
        const [a, b] = await Promise.all(
          [1, 2].map((n) =>
            settle({ debitId: inv, creditId: `RACE-P${n}-${round}`, amount: '60.00', date: '2025-05-03' }),
          ),
        );
        expect([a!.status, b!.status].sort()).toEqual([201, 422]);
        const loser = a!.status === 422 ? a! : b!;
        expect(loser.body.error.details).toEqual([{ path: 'amount', message: expect.stringContaining('40.00') }]);
        expect((await getTxn(inv)).body).toMatchObject({ amount: '100.00', openAmount: '40.00', version: 2 });
        const opens = [
          (await getTxn(`RACE-P1-${round}`)).body.openAmount,
          (await getTxn(`RACE-P2-${round}`)).body.openAmount,
        ].sort();
        expect(opens).toEqual(['-100.00', '-40.00']);
      }
    });

    it('replays a settlement retried with the same Idempotency-Key and settles once', async () => {
      expect((await post([invoice('ID-INV', 'LC4', '100.00'), payment('ID-PAY', 'LC4', '-100.00')])).status).toBe(200);
      const body = { debitId: 'ID-INV', creditId: 'ID-PAY', amount: '40.00', date: '2025-05-02' };
      const headers = { 'Idempotency-Key': 'settle-ID-1' };
      const first = await t.request('POST', '/api/v1/settlements', { as: 'integration', body, headers });
      expect(first.status).toBe(201);
      const seq = await lastSeq();
      const retry = await t.request('POST', '/api/v1/settlements', { as: 'integration', body, headers });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect((await getTxn('ID-INV')).body).toMatchObject({ openAmount: '60.00', version: 2 });
      expect(await lastSeq()).toBe(seq);
      const other = await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { ...body, amount: '41.00' },
        headers,
      });
      expect(other.status).toBe(422);
      expect((await getTxn('ID-INV')).body).toMatchObject({ openAmount: '60.00', version: 2 });
    });
  });
});
