import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { lastSeq as lastChangeSeq } from '../support/conventions';
import type { CustomerCreditJson } from '../../shared/api/credit';

const todayUtc = () => new Date().toISOString().slice(0, 10);

describe.each(DIALECTS)('sales-order feed on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const [id, currency] of [
      ['SC1', 'USD'],
      ['SC2', 'USD'],
      ['SC3', 'EUR'],
      ['SC4', 'USD'],
      ['SC5', 'USD'],
      ['SC6', 'USD'],
      ['SC7', 'USD'],
    ] as const) {
      expect(
        (await t.request('PUT', `/api/v1/customers/${id}`, { as: 'integration', body: customerBody({ currency }) }))
          .status,
      ).toBe(201);
    }
    await putExchangeRates(t, { EUR: '1.10' });
  });
  afterAll(async () => t.close());

  const lastSeq = () => lastChangeSeq(t);
  async function changesSince(since: number): Promise<string[]> {
    const res = await t.request('GET', `/api/v1/changes?since=${since}&limit=1000`);
    return res.body.changes.map(
      (c: { entity: string; id: string; op: string; version: number }) => `${c.entity}:${c.id}:${c.op}:${c.version}`,
    );
  }
  const put = (
    id: string,
    body: unknown,
    ifMatch?: string,
    as: 'integration' | 'admin' | 'credit_clerk' | 'collections_agent' | 'credit_manager' = 'integration',
  ) =>
    t.request('PUT', `/api/v1/sales-orders/${id}`, {
      as,
      body,
      ...(ifMatch === undefined ? {} : { headers: { 'If-Match': ifMatch } }),
    });
  const getOrder = (id: string) => t.request('GET', `/api/v1/sales-orders/${id}`);
  const postOrder = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', `/api/v1/sales-orders/${id}/post`, { as: 'integration', body, headers });
  const cancel = (id: string, ifMatch?: string) =>
    t.request('POST', `/api/v1/sales-orders/${id}/cancel`, {
      as: 'integration',
      ...(ifMatch === undefined ? {} : { headers: { 'If-Match': ifMatch } }),
    });
  const credit = async (customerId: string) => {
    const res = await t.request('GET', `/api/v1/customers/${customerId}`);
    expect(res.status).toBe(200);
    // The three exposure parts; the rest of the credit summary is covered by the credit tests.
    const { balance, deliveredNotInvoiced, openOrders } = (res.body.credit as CustomerCreditJson).exposure;
    return { balance, deliveredNotInvoiced, openOrders };
  };
  const openTxns = async (customerId: string) => {
    const res = await t.request('GET', `/api/v1/customers/${customerId}/transactions?open=true`);
    expect(res.status).toBe(200);
    return res.body.items as { id: string; amount: string; openAmount: string }[];
  };
  /** Everything a refused write must leave as it was. */
  const state = async (orderId: string, customerId: string) => ({
    order: (await getOrder(orderId)).body,
    credit: await credit(customerId),
    txns: await openTxns(customerId),
    seq: await lastSeq(),
  });

  describe('PUT /sales-orders/{id}', () => {
    it('creates an order (201) that counts as an open order at once', async () => {
      const seq = await lastSeq();
      const res = await put('SO-1', {
        customerId: 'SC1',
        amount: '1000.00',
        paymentTermsId: 'NET30',
        cashDiscountId: 'CD1',
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual({
        id: 'SO-1',
        customerId: 'SC1',
        amount: '1000.00',
        currency: 'USD',
        deliveredNotInvoiced: '0.00',
        invoicedAmount: '0.00',
        openAmount: '1000.00',
        status: 'open',
        paymentTermsId: 'NET30',
        cashDiscountId: 'CD1',
        excludeFromCreditManagement: false,
        creditStatus: 'clear',
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        version: 1,
      });
      const get = await getOrder('SO-1');
      expect(get.status).toBe(200);
      expect(get.headers.get('etag')).toBe('"1"');
      expect(get.body).toEqual(res.body);
      expect(await credit('SC1')).toEqual({ balance: '0.00', deliveredNotInvoiced: '0.00', openOrders: '1000.00' });
      expect(await changesSince(seq)).toEqual(['salesOrder:SO-1:create:1']);
    });

    it('changes an order with If-Match (200, version + 1)', async () => {
      // (Excluding an order from credit management is credit staff's: test/api/credit-controls.test.ts.)
      const res = await put('SO-1', { customerId: 'SC1', amount: 1500, excludeFromCreditManagement: false }, '"1"');
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        amount: '1500.00',
        openAmount: '1500.00',
        paymentTermsId: null,
        cashDiscountId: null,
        excludeFromCreditManagement: false,
        version: 2,
      });
      expect((await getOrder('SO-1')).body).toMatchObject({ amount: '1500.00', version: 2 });
      expect((await credit('SC1')).openOrders).toBe('1500.00');
      const weak = await put('SO-1', { customerId: 'SC1', amount: '1500.00' }, 'W/"2"');
      expect(weak.status).toBe(200);
      expect(weak.body).toMatchObject({ excludeFromCreditManagement: false, version: 3 });
    });

    it('refuses a change without If-Match (428), stale (409 with current), malformed (412); nothing changes', async () => {
      const before = await state('SO-1', 'SC1');
      const missing = await put('SO-1', { customerId: 'SC1', amount: '2000.00' });
      expect(missing.status).toBe(428);
      expect(missing.body.error.code).toBe('precondition_required');
      const stale = await put('SO-1', { customerId: 'SC1', amount: '2000.00' }, '"2"');
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      expect(stale.body.current).toMatchObject({ id: 'SO-1', amount: '1500.00', version: 3 });
      const malformed = await put('SO-1', { customerId: 'SC1', amount: '2000.00' }, '3');
      expect(malformed.status).toBe(412);
      expect(await state('SO-1', 'SC1')).toEqual(before);
    });

    it('answers 404 for an unknown customer and creates nothing', async () => {
      const seq = await lastSeq();
      const res = await put('SO-NOCUST', { customerId: 'NOPE', amount: '10.00' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect((await getOrder('SO-NOCUST')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('refuses moving an order to another customer (422)', async () => {
      const before = await state('SO-1', 'SC1');
      const res = await put('SO-1', { customerId: 'SC2', amount: '1500.00' }, '"3"');
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([{ path: 'customerId', message: expect.stringContaining('SC1') }]);
      expect(await state('SO-1', 'SC1')).toEqual(before);
      expect((await credit('SC2')).openOrders).toBe('0.00');
    });

    it.each([
      ['a negative amount', { customerId: 'SC1', amount: '-1.00' }],
      ['three decimals', { customerId: 'SC1', amount: '1.001' }],
      ['an unknown field', { customerId: 'SC1', amount: '1.00', note: 'x' }],
      ['a missing customer', { amount: '1.00' }],
      ['a bad customer id', { customerId: 'S C1', amount: '1.00' }],
    ])('answers 400 for %s and saves nothing', async (_label, body) => {
      const seq = await lastSeq();
      const res = await put('SO-BAD', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect((await getOrder('SO-BAD')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('lets only integration and admin write orders', async () => {
      const seq = await lastSeq();
      for (const role of ['credit_clerk', 'collections_agent', 'credit_manager'] as const) {
        expect(
          (await put(`SO-ROLE-${role}`, { customerId: 'SC1', amount: '1.00' }, undefined, role)).status,
          role,
        ).toBe(403);
        expect(
          (
            await t.request('POST', '/api/v1/sales-orders/SO-1/post', {
              as: role,
              body: { checkpoint: 'packingSlip', postingType: 'posting' },
            })
          ).status,
          role,
        ).toBe(403);
        expect(
          (await t.request('POST', '/api/v1/sales-orders/SO-1/cancel', { as: role, headers: { 'If-Match': '"3"' } }))
            .status,
          role,
        ).toBe(403);
        expect((await t.request('GET', '/api/v1/sales-orders/SO-1', { as: role })).status, role).toBe(200);
      }
      expect(await lastSeq()).toBe(seq);
      expect((await put('SO-ADMIN', { customerId: 'SC2', amount: '1.00' }, undefined, 'admin')).status).toBe(201);
    });
  });

  describe('POST /sales-orders/{id}/post', () => {
    it('packing slip (default: everything) moves the amount to delivered-not-invoiced', async () => {
      expect((await put('SO-PS', { customerId: 'SC4', amount: '800.00' })).status).toBe(201);
      expect(await credit('SC4')).toEqual({ balance: '0.00', deliveredNotInvoiced: '0.00', openOrders: '800.00' });
      const seq = await lastSeq();
      const res = await postOrder('SO-PS', { checkpoint: 'packingSlip', postingType: 'posting' });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        posted: true,
        order: {
          deliveredNotInvoiced: '800.00',
          invoicedAmount: '0.00',
          openAmount: '0.00',
          status: 'open',
          version: 2,
        },
      });
      expect(res.body.invoiceId).toBeUndefined();
      expect(await credit('SC4')).toEqual({ balance: '0.00', deliveredNotInvoiced: '800.00', openOrders: '0.00' });
      expect(await changesSince(seq)).toEqual(['salesOrder:SO-PS:update:2']);
      // nothing left to deliver
      const again = await postOrder('SO-PS', { checkpoint: 'packingSlip' });
      expect(again.status).toBe(422);
      expect((await getOrder('SO-PS')).body).toMatchObject({ deliveredNotInvoiced: '800.00', version: 2 });
    });

    it('invoice creates <orderId>-INV1 for the delivered amount and closes a fully invoiced order', async () => {
      const seq = await lastSeq();
      const res = await postOrder('SO-PS', { checkpoint: 'invoice', postingType: 'posting', asOf: '2025-06-15' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        posted: true,
        invoiceId: 'SO-PS-INV1',
        order: {
          amount: '800.00',
          deliveredNotInvoiced: '0.00',
          invoicedAmount: '800.00',
          openAmount: '0.00',
          status: 'invoiced',
          version: 3,
        },
      });
      const inv = await t.request('GET', '/api/v1/transactions/SO-PS-INV1');
      expect(inv.status).toBe(200);
      expect(inv.body).toMatchObject({
        customerId: 'SC4',
        type: 'invoice',
        amount: '800.00',
        openAmount: '800.00',
        currency: 'USD',
        transDate: '2025-06-15',
        source: 'salesOrder',
        sourceRef: 'SO-PS',
        version: 1,
      });
      expect((await openTxns('SC4')).map((x) => [x.id, x.amount])).toEqual([['SO-PS-INV1', '800.00']]);
      expect(await credit('SC4')).toEqual({ balance: '800.00', deliveredNotInvoiced: '0.00', openOrders: '0.00' });
      expect((await changesSince(seq)).sort()).toEqual([
        'salesOrder:SO-PS:update:3',
        'transaction:SO-PS-INV1:create:1',
      ]);
      expect(
        (await t.request('GET', '/api/v1/sales-orders?customerId=SC4&status=invoiced')).body.items.map(
          (o: { id: string }) => o.id,
        ),
      ).toEqual(['SO-PS']);
    });

    it('partial delivery and partial invoicing keep the order open; the invoice takes the delivered amount', async () => {
      expect((await put('SO-PART', { customerId: 'SC5', amount: '1000.00' })).status).toBe(201);
      const ps = await postOrder('SO-PART', {
        checkpoint: 'packingSlip',
        postingType: 'posting',
        deliveredAmount: '300.00',
      });
      expect(ps.status).toBe(200);
      expect(ps.body.order).toMatchObject({
        deliveredNotInvoiced: '300.00',
        openAmount: '700.00',
        status: 'open',
        version: 2,
      });
      expect(await credit('SC5')).toEqual({ balance: '0.00', deliveredNotInvoiced: '300.00', openOrders: '700.00' });

      const inv1 = await postOrder('SO-PART', { checkpoint: 'invoice', postingType: 'posting' });
      expect(inv1.status).toBe(200);
      expect(inv1.body).toMatchObject({
        posted: true,
        invoiceId: 'SO-PART-INV1',
        order: {
          deliveredNotInvoiced: '0.00',
          invoicedAmount: '300.00',
          openAmount: '700.00',
          status: 'open',
          version: 3,
        },
      });
      expect((await t.request('GET', '/api/v1/transactions/SO-PART-INV1')).body).toMatchObject({
        amount: '300.00',
        transDate: todayUtc(),
      });
      expect(await credit('SC5')).toEqual({ balance: '300.00', deliveredNotInvoiced: '0.00', openOrders: '700.00' });

      // a second delivery of 200.01, then invoicing without a packing slip for the rest
      expect((await postOrder('SO-PART', { checkpoint: 'packingSlip', deliveredAmount: 200.01 })).status).toBe(200);
      expect(await credit('SC5')).toEqual({ balance: '300.00', deliveredNotInvoiced: '200.01', openOrders: '499.99' });
      const inv2 = await postOrder('SO-PART', { checkpoint: 'invoice' });
      expect(inv2.body).toMatchObject({
        invoiceId: 'SO-PART-INV2',
        order: { invoicedAmount: '500.01', status: 'open' },
      });
      expect((await t.request('GET', '/api/v1/transactions/SO-PART-INV2')).body).toMatchObject({ amount: '200.01' });
      const inv3 = await postOrder('SO-PART', { checkpoint: 'invoice' });
      expect(inv3.body).toMatchObject({
        invoiceId: 'SO-PART-INV3',
        order: {
          invoicedAmount: '1000.00',
          deliveredNotInvoiced: '0.00',
          openAmount: '0.00',
          status: 'invoiced',
          version: 6,
        },
      });
      expect((await t.request('GET', '/api/v1/transactions/SO-PART-INV3')).body).toMatchObject({ amount: '499.99' });
      expect((await openTxns('SC5')).map((x) => x.id)).toEqual(['SO-PART-INV1', 'SO-PART-INV2', 'SO-PART-INV3']);
      expect(await credit('SC5')).toEqual({ balance: '1000.00', deliveredNotInvoiced: '0.00', openOrders: '0.00' });
    });

    it('refuses to post an invoiced or canceled order (422), changing nothing', async () => {
      const before = await state('SO-PS', 'SC4');
      for (const checkpoint of ['invoice', 'packingSlip', 'confirmation']) {
        const res = await postOrder('SO-PS', { checkpoint, postingType: 'posting' });
        expect(res.status, checkpoint).toBe(422);
        expect(res.body.error.code).toBe('rule_violation');
      }
      expect(await state('SO-PS', 'SC4')).toEqual(before);
      expect((await t.request('GET', '/api/v1/transactions/SO-PS-INV2')).status).toBe(404);
      // an invoiced order can no longer be changed either
      const change = await put('SO-PS', { customerId: 'SC4', amount: '900.00' }, '"3"');
      expect(change.status).toBe(422);
      expect(await state('SO-PS', 'SC4')).toEqual(before);

      expect((await put('SO-CXL', { customerId: 'SC6', amount: '50.00' })).status).toBe(201);
      expect((await cancel('SO-CXL', '"1"')).status).toBe(200);
      const canceled = await state('SO-CXL', 'SC6');
      for (const checkpoint of ['invoice', 'packingSlip']) {
        expect((await postOrder('SO-CXL', { checkpoint })).status, checkpoint).toBe(422);
      }
      expect((await put('SO-CXL', { customerId: 'SC6', amount: '60.00' }, '"2"')).status).toBe(422);
      expect(await state('SO-CXL', 'SC6')).toEqual(canceled);
      expect((await t.request('GET', '/api/v1/transactions/SO-CXL-INV1')).status).toBe(404);
    });

    it('pro forma postings and non-amount checkpoints change nothing', async () => {
      expect((await put('SO-PF', { customerId: 'SC6', amount: '250.00' })).status).toBe(201);
      const before = await state('SO-PF', 'SC6');
      for (const checkpoint of ['confirmation', 'pickingList', 'releaseToWarehouse', 'packingSlip', 'invoice']) {
        const res = await postOrder('SO-PF', { checkpoint, postingType: 'proForma' });
        expect(res.status, checkpoint).toBe(200);
        expect(res.body).toMatchObject({
          posted: true,
          order: { version: 1, deliveredNotInvoiced: '0.00', invoicedAmount: '0.00', status: 'open' },
        });
        expect(res.body.invoiceId).toBeUndefined();
      }
      for (const checkpoint of ['confirmation', 'pickingList', 'releaseToWarehouse']) {
        const res = await postOrder('SO-PF', { checkpoint, postingType: 'posting' });
        expect(res.status, checkpoint).toBe(200);
        expect(res.body).toMatchObject({ posted: true, order: { version: 1 } });
      }
      expect(await state('SO-PF', 'SC6')).toEqual(before);
      expect((await t.request('GET', '/api/v1/transactions/SO-PF-INV1')).status).toBe(404);
      expect(before.credit.openOrders).toBe('250.00');
    });

    it('refuses impossible amounts: delivering or invoicing more than is left (422), zero (400)', async () => {
      expect((await put('SO-AMT', { customerId: 'SC6', amount: '100.00' })).status).toBe(201);
      const before = await state('SO-AMT', 'SC6');
      const over = await postOrder('SO-AMT', { checkpoint: 'packingSlip', deliveredAmount: '100.01' });
      expect(over.status).toBe(422);
      expect(over.body.error.details).toEqual([
        { path: 'deliveredAmount', message: expect.stringContaining('100.00') },
      ]);
      expect((await postOrder('SO-AMT', { checkpoint: 'invoice', deliveredAmount: '100.01' })).status).toBe(422);
      for (const body of [
        { checkpoint: 'packingSlip', deliveredAmount: '0.00' },
        { checkpoint: 'packingSlip', deliveredAmount: -5 },
        { checkpoint: 'packingSlip', deliveredAmount: '1.005' },
        { checkpoint: 'shipping' },
        { checkpoint: 'invoice', postingType: 'final' },
        { checkpoint: 'invoice', asOf: '2025-02-30' },
        { checkpoint: 'invoice', extra: 1 },
        {},
      ]) {
        const res = await postOrder('SO-AMT', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      expect(
        (await t.request('POST', '/api/v1/sales-orders/SO-AMT/post', { as: 'integration', raw: '{"checkpoint":' }))
          .status,
      ).toBe(400);
      expect(await state('SO-AMT', 'SC6')).toEqual(before);
    });

    it('answers 404 when posting or canceling an unknown order', async () => {
      const seq = await lastSeq();
      const res = await postOrder('SO-NOPE', { checkpoint: 'invoice' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect((await cancel('SO-NOPE', '"1"')).status).toBe(404);
      expect((await getOrder('SO-NOPE')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('refuses (422, never 500) an invoice whose ledger id <orderId>-INV<n> is already taken, changing nothing', async () => {
      expect(
        (
          await t.request('POST', '/api/v1/transactions:batch', {
            as: 'integration',
            body: {
              items: [
                { id: 'SO-TAKEN-INV1', customerId: 'SC6', type: 'invoice', amount: '5.00', transDate: '2025-01-01' },
              ],
            },
          })
        ).status,
      ).toBe(200);
      expect((await put('SO-TAKEN', { customerId: 'SC6', amount: '90.00' })).status).toBe(201);
      const before = await state('SO-TAKEN', 'SC6');
      const res = await postOrder('SO-TAKEN', { checkpoint: 'invoice' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('rule_violation');
      expect(res.body.error.message).toContain('SO-TAKEN-INV1');
      expect(await state('SO-TAKEN', 'SC6')).toEqual(before);
      expect((await t.request('GET', '/api/v1/transactions/SO-TAKEN-INV1')).body).toMatchObject({
        amount: '5.00',
        source: 'feed',
        version: 1,
      });
    });

    it('serializes concurrent postings of one order: both invoices are created, nothing is lost', async () => {
      for (let round = 0; round < 3; round++) {
        const id = `SO-RACE-${round}`;
        expect((await put(id, { customerId: 'SC7', amount: '10.00' })).status).toBe(201);
        const slips = await Promise.all(
          ['3.00', '4.00'].map((deliveredAmount) => postOrder(id, { checkpoint: 'packingSlip', deliveredAmount })),
        );
        expect(slips.map((r) => r.status)).toEqual([200, 200]);
        expect((await getOrder(id)).body).toMatchObject({
          deliveredNotInvoiced: '7.00',
          openAmount: '3.00',
          version: 3,
        });
        const invoices = await Promise.all(
          ['2.00', '5.00'].map((deliveredAmount) => postOrder(id, { checkpoint: 'invoice', deliveredAmount })),
        );
        expect(invoices.map((r) => r.status)).toEqual([200, 200]);
        expect(invoices.map((r) => r.body.invoiceId).sort()).toEqual([`${id}-INV1`, `${id}-INV2`]);
        expect((await getOrder(id)).body).toMatchObject({
          invoicedAmount: '7.00',
          deliveredNotInvoiced: '0.00',
          openAmount: '3.00',
          status: 'open',
          version: 5,
        });
        const amounts = [
          (await t.request('GET', `/api/v1/transactions/${id}-INV1`)).body.amount,
          (await t.request('GET', `/api/v1/transactions/${id}-INV2`)).body.amount,
        ].sort();
        expect(amounts).toEqual(['2.00', '5.00']);
      }
    });

    it('replays an invoice posting retried with the same Idempotency-Key and creates ONE invoice', async () => {
      expect((await put('SO-IDEM', { customerId: 'SC3', amount: '400.00' })).status).toBe(201);
      const body = { checkpoint: 'invoice', postingType: 'posting', deliveredAmount: '150.00', asOf: '2025-07-01' };
      const headers = { 'Idempotency-Key': 'erp-post-SO-IDEM-1' };
      const first = await postOrder('SO-IDEM', body, headers);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        posted: true,
        invoiceId: 'SO-IDEM-INV1',
        order: { invoicedAmount: '150.00', version: 2 },
      });
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const afterFirst = await state('SO-IDEM', 'SC3');

      const retry = await postOrder('SO-IDEM', body, headers);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('etag')).toBe('"2"');
      expect(retry.body).toEqual(first.body);
      expect(await state('SO-IDEM', 'SC3')).toEqual(afterFirst);
      expect((await t.request('GET', '/api/v1/transactions/SO-IDEM-INV2')).status).toBe(404);
      expect((await openTxns('SC3')).map((x) => [x.id, x.amount])).toEqual([['SO-IDEM-INV1', '150.00']]);
      expect((await t.request('GET', '/api/v1/transactions/SO-IDEM-INV1')).body).toMatchObject({
        currency: 'EUR',
        transDate: '2025-07-01',
      });
      // SC3 is a EUR customer: its credit is in USD at 1.10 (150.00 × 1.10 = 165.00; 250.00 × 1.10 = 275.00)
      expect(await credit('SC3')).toEqual({ balance: '165.00', deliveredNotInvoiced: '0.00', openOrders: '275.00' });

      // the same key with another body is refused; without a key a second posting is a new invoice
      const reused = await postOrder('SO-IDEM', { ...body, deliveredAmount: '10.00' }, headers);
      expect(reused.status).toBe(422);
      expect(await state('SO-IDEM', 'SC3')).toEqual(afterFirst);
      const malformed = await postOrder('SO-IDEM', body, { 'Idempotency-Key': 'has spaces in it' });
      expect(malformed.status).toBe(400);
      expect(await state('SO-IDEM', 'SC3')).toEqual(afterFirst);
      const second = await postOrder('SO-IDEM', body);
      expect(second.body).toMatchObject({ invoiceId: 'SO-IDEM-INV2', order: { invoicedAmount: '300.00', version: 3 } });
      // in USD at 1.10: 300.00 EUR → 330.00, 100.00 EUR → 110.00
      expect(await credit('SC3')).toEqual({ balance: '330.00', deliveredNotInvoiced: '0.00', openOrders: '110.00' });
    });
  });

  describe('amount changes and cancel', () => {
    it('refuses lowering the amount below what is delivered and invoiced (422); at the limit is fine', async () => {
      expect((await put('SO-LOW', { customerId: 'SC2', amount: '1000.00' })).status).toBe(201);
      expect((await postOrder('SO-LOW', { checkpoint: 'packingSlip', deliveredAmount: '400.00' })).status).toBe(200);
      expect((await postOrder('SO-LOW', { checkpoint: 'invoice', deliveredAmount: '100.00' })).status).toBe(200);
      // invoiced 100.00, delivered-not-invoiced 300.00
      const before = await state('SO-LOW', 'SC2');
      expect(before.order).toMatchObject({
        invoicedAmount: '100.00',
        deliveredNotInvoiced: '300.00',
        openAmount: '600.00',
        version: 3,
      });
      const low = await put('SO-LOW', { customerId: 'SC2', amount: '399.99' }, '"3"');
      expect(low.status).toBe(422);
      expect(low.body.error.details).toEqual([{ path: 'amount', message: expect.stringContaining('400.00') }]);
      expect(await state('SO-LOW', 'SC2')).toEqual(before);
      const ok = await put('SO-LOW', { customerId: 'SC2', amount: '400.00' }, '"3"');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ amount: '400.00', openAmount: '0.00', status: 'open', version: 4 });
      const c = await credit('SC2');
      expect(c.deliveredNotInvoiced).toBe('300.00');
      expect(c.balance).toBe('100.00');
    });

    it('closes the order (status invoiced) when its amount is lowered to what is already invoiced', async () => {
      expect((await put('SO-DONE', { customerId: 'SC7', amount: '500.00' })).status).toBe(201);
      expect((await postOrder('SO-DONE', { checkpoint: 'invoice', deliveredAmount: '120.00' })).status).toBe(200);
      const res = await put('SO-DONE', { customerId: 'SC7', amount: '120.00' }, '"2"');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        amount: '120.00',
        invoicedAmount: '120.00',
        openAmount: '0.00',
        status: 'invoiced',
        version: 3,
      });
      const open = await t.request('GET', '/api/v1/sales-orders?customerId=SC7&status=open');
      expect(open.body.items.map((o: { id: string }) => o.id)).not.toContain('SO-DONE');
      expect((await postOrder('SO-DONE', { checkpoint: 'invoice' })).status).toBe(422);
      expect((await cancel('SO-DONE', '"3"')).status).toBe(422);
    });

    it('lets exactly one of two concurrent changes based on the same version win (the other gets 409)', async () => {
      expect((await put('SO-VER', { customerId: 'SC7', amount: '10.00' })).status).toBe(201);
      for (let round = 1; round <= 3; round++) {
        const results = await Promise.all(
          ['11.00', '12.00'].map((amount) => put('SO-VER', { customerId: 'SC7', amount }, `"${round}"`)),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const winner = results.find((r) => r.status === 200)!;
        expect((await getOrder('SO-VER')).body).toMatchObject({ version: round + 1, amount: winner.body.amount });
      }
      const cancels = await Promise.all([cancel('SO-VER', '"4"'), cancel('SO-VER', '"4"')]);
      expect(cancels.map((r) => r.status).sort()).toEqual([200, 409]);
      expect((await getOrder('SO-VER')).body).toMatchObject({ status: 'canceled', version: 5 });
    });

    it('cancel needs If-Match and removes the order from open orders', async () => {
      expect((await put('SO-C1', { customerId: 'SC1', amount: '200.00' })).status).toBe(201);
      expect((await credit('SC1')).openOrders).toBe('1700.00'); // SO-1 1500.00 + SO-C1 200.00
      const before = await state('SO-C1', 'SC1');
      const missing = await cancel('SO-C1');
      expect(missing.status).toBe(428);
      const stale = await cancel('SO-C1', '"0"');
      expect(stale.status).toBe(409);
      expect(stale.body.current).toMatchObject({ id: 'SO-C1', status: 'open', version: 1 });
      expect((await cancel('SO-C1', 'one')).status).toBe(412);
      expect(await state('SO-C1', 'SC1')).toEqual(before);

      const seq = await lastSeq();
      const res = await cancel('SO-C1', '"1"');
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({ id: 'SO-C1', status: 'canceled', amount: '200.00', version: 2 });
      expect((await getOrder('SO-C1')).body).toMatchObject({ status: 'canceled', version: 2 });
      expect(await credit('SC1')).toEqual({ balance: '0.00', deliveredNotInvoiced: '0.00', openOrders: '1500.00' });
      expect(await changesSince(seq)).toEqual(['salesOrder:SO-C1:update:2']);

      const afterCancel = await state('SO-C1', 'SC1');
      expect((await cancel('SO-C1', '"2"')).status).toBe(422);
      expect(await state('SO-C1', 'SC1')).toEqual(afterCancel);
    });

    it('refuses to cancel an order with delivered goods not yet invoiced (422)', async () => {
      expect((await put('SO-C2', { customerId: 'SC6', amount: '70.00' })).status).toBe(201);
      expect((await postOrder('SO-C2', { checkpoint: 'packingSlip', deliveredAmount: '20.00' })).status).toBe(200);
      const before = await state('SO-C2', 'SC6');
      const res = await cancel('SO-C2', '"2"');
      expect(res.status).toBe(422);
      expect(await state('SO-C2', 'SC6')).toEqual(before);
    });
  });
});
