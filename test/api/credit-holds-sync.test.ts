// Holds as a workbook syncs them: delta pulls see holds that left the list, batch decisions
// replay under an Idempotency-Key, and a canceled order's hold records the canceled-order reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import {
  addRule,
  cluAll,
  getHold,
  lastSeq,
  ok,
  postingCheckpoints,
  postOrder,
  putCustomer,
  putOrder,
  putSetup,
  reasonCode,
  setCheckpoints,
  setParameters,
} from '../support/credit';

describe.each(DIALECTS)('hold sync on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await addRule(t, cluAll(100));
    await reasonCode(t, 'REL', 'release');
    await reasonCode(t, 'CANCELED', 'reject');
    await reasonCode(t, 'MODIFIED', 'release');
    await setParameters(t, { canceledOrderReasonCode: 'CANCELED', modifiedOrderReleaseReasonCode: 'MODIFIED' });
    await putCustomer(t, 'S1', { creditLimit: '1000.00' });
  });
  afterAll(async () => t.close());

  async function held(orderId: string) {
    await putOrder(t, orderId, 'S1', '1500.00');
    const res = ok(await postOrder(t, orderId, { checkpoint: 'confirmation' }));
    expect(res.posted).toBe(false);
    return res.hold as { id: string; version: number };
  }

  it('GET /holds?since= without a status returns holds that left the list too', async () => {
    const a = await held('SY-1');
    const seq = await lastSeq(t);
    ok(
      await t.request('POST', `/api/v1/holds/${a.id}/release`, {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
        body: { reasonCode: 'REL', reviewDate: '2025-07-31', asOf: '2025-06-30' },
      }),
    );
    const delta = ok(await t.request('GET', `/api/v1/holds?since=${seq}`)).items as { id: string; status: string }[];
    expect(delta.map((h) => [h.id, h.status])).toEqual([[a.id, 'released']]);
    // Without since, the list is still the open holds only.
    expect((ok(await t.request('GET', '/api/v1/holds')).items as { id: string }[]).map((h) => h.id)).not.toContain(
      a.id,
    );
  });

  it('holds:release-batch with an Idempotency-Key replays the first answer instead of conflicting', async () => {
    const b = await held('SY-2');
    const body = {
      items: [
        {
          holdId: b.id,
          version: b.version,
          reasonCode: 'REL',
          reviewDate: '2025-07-31',
          mode: 'withoutPosting',
          asOf: '2025-06-30',
        },
      ],
    };
    const headers = { 'Idempotency-Key': `batch-${dialect}` };
    const first = await t.request('POST', '/api/v1/holds:release-batch', { as: 'credit_manager', headers, body });
    expect(first.status).toBe(200);
    expect(first.body.items[0]).toMatchObject({ status: 'ok', version: 2 });
    const seq = await lastSeq(t);
    const again = await t.request('POST', '/api/v1/holds:release-batch', { as: 'credit_manager', headers, body });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await lastSeq(t)).toBe(seq);
    // Without the key the same request is answered per item: the hold has moved on.
    const plain = await t.request('POST', '/api/v1/holds:release-batch', { as: 'credit_manager', body });
    expect(plain.body.items[0]).toMatchObject({ status: 'error', code: 'version_conflict' });
  });

  it('canceling a held order records the canceled-order reason on its hold', async () => {
    const c = await held('SY-3');
    const order = ok(await t.request('GET', '/api/v1/sales-orders/SY-3'));
    ok(
      await t.request('POST', '/api/v1/sales-orders/SY-3/cancel', {
        as: 'integration',
        headers: { 'If-Match': `"${order.version}"` },
      }),
    );
    expect(await getHold(t, c.id)).toMatchObject({
      status: 'canceled',
      rejectReasonCode: 'CANCELED',
      comment: 'sales order canceled',
      version: 2,
    });
  });

  it('an order that grew after its release is checked again; when that check passes the modified-order reason is recorded', async () => {
    await setCheckpoints(t, [{ checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 5 }]);
    await putCustomer(t, 'S2', { creditLimit: '1000.00' });
    await putOrder(t, 'SY-4', 'S2', '1500.00');
    const hold = ok(await postOrder(t, 'SY-4', { checkpoint: 'confirmation' })).hold;
    ok(
      await t.request('POST', `/api/v1/holds/${hold.id}/release`, {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
        body: { reasonCode: 'REL', reviewDate: '2025-07-31', asOf: '2025-06-30' },
      }),
    );
    // Inside the grace window an unchanged order posts without a check.
    expect(ok(await postOrder(t, 'SY-4', { checkpoint: 'confirmation', asOf: '2025-07-01' })).posted).toBe(true);
    // It grows: the next posting checks again despite the grace window, and holds it.
    let order = ok(await t.request('GET', '/api/v1/sales-orders/SY-4'));
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SY-4', {
        as: 'integration',
        headers: { 'If-Match': `"${order.version}"` },
        body: { customerId: 'S2', amount: '1600.00' },
      }),
    );
    const again = ok(await postOrder(t, 'SY-4', { checkpoint: 'confirmation', asOf: '2025-07-02' }));
    expect(again.posted).toBe(false);
    ok(
      await t.request('POST', `/api/v1/holds/${again.hold.id}/release`, {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
        body: { reasonCode: 'REL', reviewDate: '2025-07-31', asOf: '2025-07-02' },
      }),
    );
    // Grows again, but now the credit allows it: the recheck passes and is recorded with MODIFIED.
    const customer = ok(await t.request('GET', '/api/v1/customers/S2'));
    ok(
      await t.request('PUT', '/api/v1/customers/S2', {
        as: 'integration',
        headers: { 'If-Match': `"${customer.version}"` },
        body: { name: customer.name, currency: 'USD', creditLimit: '5000.00' },
      }),
    );
    order = ok(await t.request('GET', '/api/v1/sales-orders/SY-4'));
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SY-4', {
        as: 'integration',
        headers: { 'If-Match': `"${order.version}"` },
        body: { customerId: 'S2', amount: '1700.00' },
      }),
    );
    expect(ok(await postOrder(t, 'SY-4', { checkpoint: 'confirmation', asOf: '2025-07-03' })).posted).toBe(true);
    const audit = ok(await t.request('GET', '/api/v1/audit?entity=salesOrder&id=SY-4&limit=1000')).items as {
      action: string;
      reason: string | null;
    }[];
    expect(audit.filter((a) => a.action === 'salesOrder.modifiedOrderReleased').map((a) => a.reason)).toEqual([
      'MODIFIED',
    ]);
  });

  it('an invoice posted from an order is due after the payment terms days (order terms first, then the customer)', async () => {
    await putSetup(t, 'payment-terms', 'N45', { description: 'Net 45', days: 45, rank: 2 });
    await putSetup(t, 'payment-terms', 'N10', { description: 'Net 10', days: 10, rank: 1 });
    await putCustomer(t, 'S5', { creditLimit: '100000.00', paymentTermsId: 'N10' });
    await putOrder(t, 'SY-5', 'S5', '100.00', { paymentTermsId: 'N45' });
    await putOrder(t, 'SY-6', 'S5', '100.00');
    expect(ok(await postOrder(t, 'SY-5', { checkpoint: 'invoice', asOf: '2025-06-30' })).invoiceId).toBe('SY-5-INV1');
    expect(ok(await postOrder(t, 'SY-6', { checkpoint: 'invoice', asOf: '2025-06-30' })).invoiceId).toBe('SY-6-INV1');
    expect(ok(await t.request('GET', '/api/v1/transactions/SY-5-INV1')).dueDate).toBe('2025-08-14');
    expect(ok(await t.request('GET', '/api/v1/transactions/SY-6-INV1')).dueDate).toBe('2025-07-10');
  });

  it('a caller without the role gets 403 before its body is even validated', async () => {
    // A bad body from the wrong role: the role decides first, so the route's shape is not revealed.
    const bad = await t.request('PUT', '/api/v1/payment-terms/X1', {
      as: 'credit_clerk',
      body: { description: 'x', days: 'many', nope: 1 },
    });
    expect([bad.status, bad.body.error.code]).toEqual([403, 'forbidden']);
    const batch = await t.request('POST', '/api/v1/holds:release-batch', {
      as: 'collections_agent',
      body: { items: 'none' },
    });
    expect([batch.status, batch.body.error.code]).toEqual([403, 'forbidden']);
    // The right role with the same bad body gets the 400 naming the fields.
    const invalid = await t.request('PUT', '/api/v1/payment-terms/X1', {
      as: 'credit_manager',
      body: { description: 'x', days: 'many', nope: 1 },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body.error.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['days', 'nope']);
  });

  it('a reason code named by a parameter cannot be deleted or change its kind', async () => {
    const code = ok(await t.request('GET', '/api/v1/reason-codes/CANCELED'));
    const del = await t.request('DELETE', '/api/v1/reason-codes/CANCELED', {
      as: 'credit_manager',
      headers: { 'If-Match': `"${code.version}"` },
    });
    expect([del.status, del.body.error.code]).toEqual([422, 'rule_violation']);
    const kind = await t.request('PUT', '/api/v1/reason-codes/CANCELED', {
      as: 'credit_manager',
      headers: { 'If-Match': `"${code.version}"` },
      body: { kind: 'release', description: 'x' },
    });
    expect([kind.status, kind.body.error.details[0].path]).toEqual([422, 'kind']);
    expect(ok(await t.request('GET', '/api/v1/reason-codes/CANCELED'))).toEqual(code);
    // A new description keeps the kind: fine.
    expect(
      ok(
        await t.request('PUT', '/api/v1/reason-codes/CANCELED', {
          as: 'credit_manager',
          headers: { 'If-Match': `"${code.version}"` },
          body: { kind: 'reject', description: 'Canceled while on hold' },
        }),
      ).version,
    ).toBe(code.version + 1);
  });
});
