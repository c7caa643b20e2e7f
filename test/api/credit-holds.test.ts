// The hold list and every decision on a hold (credit.md §5, §6; SPEC §5 "Holds"), over HTTP on
// both dialects: list and filters, release with and without posting, reject, batches, forced
// holds, cancel, the release-approval workflow, audit and change log, and refused input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import { expectError } from '../support/conventions';
import {
  addRule,
  auditActions,
  changesAfter,
  cluAll,
  getHold,
  getOrder,
  holdsOf,
  lastSeq,
  ok,
  postingCheckpoints,
  postOrder,
  putCustomer,
  putOrder,
  reasonCode,
  setCheckpoints,
  setParameters,
} from '../support/credit';

const AS_OF = '2025-06-30';
type As = 'admin' | 'credit_manager' | 'credit_manager_2' | 'credit_clerk' | 'collections_agent' | 'integration';

/** A fresh app with the hold setup: three posting checkpoints, "credit limit used > 100 %", reason codes of every kind. */
async function holdsApp(dialect: (typeof DIALECTS)[number]): Promise<{ t: TestApp; ruleId: string }> {
  const t = await startTestApp(dialect);
  await setCheckpoints(t, postingCheckpoints('confirmation', 'packingSlip', 'invoice'));
  const ruleId = await addRule(t, cluAll(100));
  await reasonCode(t, 'REL', 'release');
  await reasonCode(t, 'REJ', 'reject');
  await reasonCode(t, 'FRAUD', 'forcedHold');
  await reasonCode(t, 'WO', 'writeOff');
  return { t, ruleId };
}

describe.each(DIALECTS)('credit holds on %s', (dialect) => {
  let t: TestApp;
  let ruleId: string;
  beforeAll(async () => {
    ({ t, ruleId } = await holdsApp(dialect));
  });
  afterAll(async () => t.close());

  /** A customer with limit 1,000 and an order of 1,500: posting it holds it (150 % > 100 %). */
  async function heldOrder(customerId: string, orderId: string, checkpoint = 'confirmation', amount = '1500.00') {
    if (!(await t.request('GET', `/api/v1/customers/${customerId}`)).body?.id)
      await putCustomer(t, customerId, { creditLimit: '1000.00' });
    await putOrder(t, orderId, customerId, amount);
    const res = ok(await postOrder(t, orderId, { checkpoint }));
    expect(res.posted).toBe(false);
    expect(res.hold).toMatchObject({ salesOrderId: orderId, customerId, checkpoint, status: 'onHold', version: 1 });
    return res.hold;
  }
  const decide = (
    action: 'release' | 'reject' | 'approve' | 'decline',
    holdId: string,
    o: { as?: As; ifMatch?: string | null; body?: unknown } = {},
  ) =>
    t.request('POST', `/api/v1/holds/${holdId}/${action}`, {
      as: o.as ?? 'credit_clerk',
      body:
        o.body ??
        (action === 'release'
          ? { reasonCode: 'REL', reviewDate: '2025-07-31', mode: 'withoutPosting', asOf: AS_OF }
          : action === 'reject'
            ? { reasonCode: 'REJ' }
            : {}),
      headers: o.ifMatch === null ? {} : { 'If-Match': o.ifMatch ?? '"1"' },
    });
  const holdChanges = async (since: number, holdId: string) =>
    (await changesAfter(t, since))
      .filter((c) => c.entity === 'hold' && c.id === holdId)
      .map((c) => `${c.op}:${c.version}`);

  describe('the hold list', () => {
    it('filters by status, customer and since; GET one carries its ETag', async () => {
      const l1 = await heldOrder('HL1', 'SO-L1');
      const l2 = await heldOrder('HL1', 'SO-L2');
      const l3 = await heldOrder('HL2', 'SO-L3');
      // SO-L2 counts SO-L1 as an open order: 1,500 + 1,500 = 300 % of 1,000.
      expect(l2.reasons.map((r: any) => [r.ruleType, r.ruleId, r.active, r.measured, r.threshold])).toEqual([
        ['creditLimitUsed', ruleId, true, '300', '100'],
      ]);
      const seq = await lastSeq(t);
      ok(await decide('release', l2.id));

      const ids = (items: any[]) => items.map((h) => h.id);
      expect(ids(await holdsOf(t, 'customerId=HL1'))).toEqual([l1.id]); // default: on hold
      expect(ids(await holdsOf(t, 'customerId=HL1&status=onHold'))).toEqual([l1.id]);
      expect(ids(await holdsOf(t, 'customerId=HL1&status=all'))).toEqual([l1.id, l2.id].sort());
      expect(ids(await holdsOf(t, 'customerId=HL1&status=released'))).toEqual([l2.id]);
      expect(ids(await holdsOf(t, 'customerId=HL1&status=rejected'))).toEqual([]);
      const onHold = await holdsOf(t, 'status=onHold');
      expect(onHold.every((h) => h.status === 'onHold')).toBe(true);
      expect(ids(onHold)).toEqual(expect.arrayContaining([l1.id, l3.id]));
      expect(ids(onHold)).not.toContain(l2.id);
      expect(ids(await holdsOf(t, `status=all&since=${seq}`))).toEqual([l2.id]);
      expect(ids(await holdsOf(t, 'status=all&since=0&customerId=HL2'))).toEqual([l3.id]);

      const one = await t.request('GET', `/api/v1/holds/${l1.id}`, { as: 'collections_agent' });
      expect(one.status).toBe(200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.body).toEqual(l1);
      expect(one.body).toMatchObject({
        salesOrderId: 'SO-L1',
        customerId: 'HL1',
        checkpoint: 'confirmation',
        postingType: 'posting',
        asOf: AS_OF,
        orderAmount: '1500.00',
        status: 'onHold',
        summaryReason: 'creditLimitUsed',
        forced: false,
        pending: null,
      });
      const released = await t.request('GET', `/api/v1/holds/${l2.id}`);
      expect(released.headers.get('etag')).toBe('"2"');
      expect(released.body).toMatchObject({ status: 'released', version: 2 });

      expectError(await t.request('GET', '/api/v1/holds/H-nope'), 404, 'not_found');
      expectError(await t.request('GET', '/api/v1/holds?status=bogus'), 400, 'invalid_request');
    });
  });

  describe('release', () => {
    it('without posting clears the order; posting again checks again (no grace days) and passes once the credit allows', async () => {
      const hold = await heldOrder('HR1', 'SO-R1');
      const seq = await lastSeq(t);
      const res = await decide('release', hold.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body.posting).toBeUndefined();
      expect(res.body.hold).toMatchObject({
        id: hold.id,
        status: 'released',
        releaseReasonCode: 'REL',
        reviewDate: '2025-07-31',
        releaseMode: 'withoutPosting',
        releasedBy: t.userIds.credit_clerk,
        releasedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        version: 2,
      });
      expect(await getHold(t, hold.id)).toEqual(res.body.hold);
      expect(await getOrder(t, 'SO-R1')).toMatchObject({
        creditStatus: 'clear',
        deliveredNotInvoiced: '0.00',
        version: 3,
      });
      expect(await holdChanges(seq, hold.id)).toEqual(['update:2']);
      const audit = await auditActions(t, 'hold', hold.id);
      expect(audit.map((a) => [a.action, a.userId])).toEqual([
        ['hold.create', t.userIds.integration],
        ['hold.release', t.userIds.credit_clerk],
      ]);
      expect(audit[1]).toMatchObject({
        reason: 'REL',
        before: { status: 'onHold', version: 1 },
        after: { status: 'released', version: 2 },
      });

      // No grace days: the same step checks again and holds again (§4.6).
      const again = ok(await postOrder(t, 'SO-R1'));
      expect(again.posted).toBe(false);
      expect(again.hold.id).not.toBe(hold.id);
      // With a higher limit the re-check passes once the new hold is released.
      const customer = ok(await t.request('GET', '/api/v1/customers/HR1'));
      ok(
        await t.request('PUT', '/api/v1/customers/HR1', {
          as: 'integration',
          headers: { 'If-Match': `"${customer.version}"` },
          body: { name: customer.name, currency: 'USD', creditLimit: '5000.00' },
        }),
      );
      ok(await decide('release', again.hold.id));
      const posted = ok(await postOrder(t, 'SO-R1', { checkpoint: 'packingSlip' }));
      expect(posted).toMatchObject({ posted: true, order: { deliveredNotInvoiced: '1500.00', creditStatus: 'clear' } });
      expect((await holdsOf(t, 'status=all&customerId=HR1')).map((h) => h.status).sort()).toEqual([
        'released',
        'released',
      ]);
    });

    it('keeps a release comment on the hold and in the audit trail', async () => {
      const hold = await heldOrder('HRC', 'SO-RC');
      const body = { reasonCode: 'REL', reviewDate: '2025-07-31', asOf: AS_OF, comment: 'paid by wire, confirmed' };
      const res = ok(await decide('release', hold.id, { body }));
      expect(res.hold).toMatchObject({ status: 'released', comment: 'paid by wire, confirmed' });
      const audit = await auditActions(t, 'hold', hold.id);
      expect(audit.at(-1)).toMatchObject({ action: 'hold.release', reason: 'paid by wire, confirmed' });
    });

    it('with posting runs the blocked posting: held at packing slip → delivered not invoiced; held at invoice → invoiced', async () => {
      const hold = await heldOrder('HP1', 'SO-P1', 'packingSlip');
      expect(await getOrder(t, 'SO-P1')).toMatchObject({
        deliveredNotInvoiced: '0.00',
        creditStatus: 'onHold',
        version: 2,
      });
      const res = ok(
        await decide('release', hold.id, {
          as: 'credit_manager',
          body: { reasonCode: 'REL', reviewDate: '2025-07-31', mode: 'withPosting', asOf: AS_OF },
        }),
      );
      expect(res.hold).toMatchObject({
        status: 'released',
        releaseMode: 'withPosting',
        releasedBy: t.userIds.credit_manager,
        version: 2,
      });
      expect(res.posting).toMatchObject({
        posted: true,
        order: { id: 'SO-P1', deliveredNotInvoiced: '1500.00', openAmount: '0.00', creditStatus: 'clear', version: 4 },
      });
      expect(await getOrder(t, 'SO-P1')).toMatchObject({
        deliveredNotInvoiced: '1500.00',
        invoicedAmount: '0.00',
        creditStatus: 'clear',
        status: 'open',
        version: 4,
      });
      expect((await auditActions(t, 'salesOrder', 'SO-P1')).map((a) => a.action)).toEqual([
        'salesOrder.create',
        'salesOrder.hold',
        'salesOrder.release',
        'salesOrder.post.packingSlip',
      ]);

      const inv = await heldOrder('HP2', 'SO-P2', 'invoice', '1200.00');
      const invoiced = ok(
        await decide('release', inv.id, {
          body: { reasonCode: 'REL', reviewDate: '2025-07-31', mode: 'withPosting', asOf: AS_OF },
        }),
      );
      expect(invoiced.posting).toMatchObject({
        posted: true,
        invoiceId: 'SO-P2-INV1',
        order: { status: 'invoiced', invoicedAmount: '1200.00' },
      });
      expect(ok(await t.request('GET', '/api/v1/transactions/SO-P2-INV1'))).toMatchObject({
        customerId: 'HP2',
        type: 'invoice',
        amount: '1200.00',
        openAmount: '1200.00',
        transDate: AS_OF,
      });
    });
  });

  describe('reject', () => {
    it('rejects a hold: the order can no longer be posted (422) and nothing changes when it tries', async () => {
      const hold = await heldOrder('HJ1', 'SO-J1');
      const seq = await lastSeq(t);
      const res = await decide('reject', hold.id, {
        as: 'credit_manager',
        body: { reasonCode: 'REJ', comment: 'customer in dispute' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body.hold).toMatchObject({
        status: 'rejected',
        rejectReasonCode: 'REJ',
        comment: 'customer in dispute',
        rejectedBy: t.userIds.credit_manager,
        rejectedAt: expect.any(String),
        releaseReasonCode: null,
        version: 2,
      });
      expect(await getOrder(t, 'SO-J1')).toMatchObject({ creditStatus: 'rejected', version: 3 });
      expect(await holdChanges(seq, hold.id)).toEqual(['update:2']);
      expect((await auditActions(t, 'hold', hold.id)).map((a) => [a.action, a.userId, a.reason])).toEqual([
        ['hold.create', t.userIds.integration, null],
        ['hold.reject', t.userIds.credit_manager, 'customer in dispute'],
      ]);

      const before = {
        order: await getOrder(t, 'SO-J1'),
        holds: await holdsOf(t, 'status=all&customerId=HJ1'),
        seq: await lastSeq(t),
      };
      for (const checkpoint of ['confirmation', 'packingSlip', 'invoice']) {
        const post = await postOrder(t, 'SO-J1', { checkpoint });
        expectError(post, 422, 'rule_violation');
        expect(post.body.error.message).toContain('rejected');
      }
      expectError(await decide('release', hold.id, { ifMatch: '"2"' }), 422, 'rule_violation');
      expectError(await decide('reject', hold.id, { ifMatch: '"2"' }), 422, 'rule_violation');
      // A forced hold must not become a back door: releasing it would clear the rejection.
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-J1/force-hold', {
          as: 'credit_clerk',
          body: { reasonCode: 'FRAUD' },
        }),
        422,
        'rule_violation',
      );
      expect({
        order: await getOrder(t, 'SO-J1'),
        holds: await holdsOf(t, 'status=all&customerId=HJ1'),
        seq: await lastSeq(t),
      }).toEqual(before);
    });
  });

  describe('batches', () => {
    const releaseItem = (holdId: string, version: number, extra: Record<string, unknown> = {}) => ({
      holdId,
      version,
      reasonCode: 'REL',
      reviewDate: '2025-07-31',
      mode: 'withoutPosting',
      asOf: AS_OF,
      ...extra,
    });

    it('release-batch applies each item on its own: a stale version is a version_conflict with current, the others succeed', async () => {
      const [b1, b2, b3] = [
        await heldOrder('HB1', 'SO-B1'),
        await heldOrder('HB1', 'SO-B2'),
        await heldOrder('HB1', 'SO-B3'),
      ];
      const seq = await lastSeq(t);
      const { reviewDate: _r, ...noReviewDate } = releaseItem(b3.id, 1);
      const res = await t.request('POST', '/api/v1/holds:release-batch', {
        as: 'credit_clerk',
        body: {
          items: [
            releaseItem(b1.id, 1),
            releaseItem(b2.id, 7),
            releaseItem(b3.id, 1),
            releaseItem('H-nope', 1),
            noReviewDate,
            releaseItem(b2.id, 1, { reasonCode: 'REJ' }),
          ],
        },
      });
      expect(res.status).toBe(200);
      const items = res.body.items as any[];
      expect(items.map((i) => [i.index, i.holdId, i.status, i.code ?? null])).toEqual([
        [0, b1.id, 'ok', null],
        [1, b2.id, 'error', 'version_conflict'],
        [2, b3.id, 'ok', null],
        [3, 'H-nope', 'error', 'not_found'],
        [4, b3.id, 'error', 'invalid_request'],
        [5, b2.id, 'error', 'rule_violation'],
      ]);
      expect(items[0]).toMatchObject({
        version: 2,
        hold: { status: 'released', releaseReasonCode: 'REL' },
        errors: [],
      });
      expect(items[1].current).toEqual(await getHold(t, b2.id));
      expect(items[1].current).toMatchObject({ id: b2.id, status: 'onHold', version: 1 });
      expect(items[4].errors.map((e: any) => e.path)).toEqual(['reviewDate']);
      expect(items[5].errors).toEqual([{ path: 'reasonCode', message: expect.stringContaining('reject') }]);

      expect(await getHold(t, b1.id)).toMatchObject({ status: 'released', version: 2 });
      expect(await getHold(t, b2.id)).toEqual(b2);
      expect(await getHold(t, b3.id)).toMatchObject({ status: 'released', version: 2 });
      expect((await getOrder(t, 'SO-B2')).creditStatus).toBe('onHold');
      expect([(await getOrder(t, 'SO-B1')).creditStatus, (await getOrder(t, 'SO-B3')).creditStatus]).toEqual([
        'clear',
        'clear',
      ]);
      const changed = (await changesAfter(t, seq)).map((c) => `${c.entity}:${c.id}:${c.version}`);
      expect(changed.sort()).toEqual(
        [`hold:${b1.id}:2`, `hold:${b3.id}:2`, 'salesOrder:SO-B1:3', 'salesOrder:SO-B3:3'].sort(),
      );
    });

    it('reject-batch likewise; the rejected orders cannot be posted', async () => {
      const [c1, c2] = [await heldOrder('HB2', 'SO-RB1'), await heldOrder('HB2', 'SO-RB2')];
      const res = ok(
        await t.request('POST', '/api/v1/holds:reject-batch', {
          as: 'credit_manager',
          body: {
            items: [
              { holdId: c1.id, version: 1, reasonCode: 'REJ', comment: 'fraud' },
              { holdId: c2.id, version: 2, reasonCode: 'REJ' },
            ],
          },
        }),
      );
      expect(res.items.map((i: any) => [i.holdId, i.status, i.code ?? null])).toEqual([
        [c1.id, 'ok', null],
        [c2.id, 'error', 'version_conflict'],
      ]);
      expect(res.items[0].hold).toMatchObject({
        status: 'rejected',
        comment: 'fraud',
        rejectedBy: t.userIds.credit_manager,
      });
      expect(res.items[1].current).toMatchObject({ id: c2.id, status: 'onHold', version: 1 });
      expect(await getHold(t, c2.id)).toEqual(c2);
      expectError(await postOrder(t, 'SO-RB1'), 422, 'rule_violation');
      expectError(await postOrder(t, 'SO-RB2'), 422, 'rule_violation'); // still on hold
      expect((await getOrder(t, 'SO-RB1')).creditStatus).toBe('rejected');
    });

    it('batches follow the role matrix (403 for collections agents and the feed)', async () => {
      const hold = await heldOrder('HB3', 'SO-BR1');
      const seq = await lastSeq(t);
      for (const as of ['collections_agent', 'integration'] as const) {
        expectError(
          await t.request('POST', '/api/v1/holds:release-batch', { as, body: { items: [releaseItem(hold.id, 1)] } }),
          403,
          'forbidden',
        );
        expectError(
          await t.request('POST', '/api/v1/holds:reject-batch', {
            as,
            body: { items: [{ holdId: hold.id, version: 1, reasonCode: 'REJ' }] },
          }),
          403,
          'forbidden',
        );
      }
      expect(await getHold(t, hold.id)).toEqual(hold);
      expect(await lastSeq(t)).toBe(seq);
    });
  });

  describe('force hold and cancel', () => {
    it('forces a hold on a clear order with a forced-hold reason; it blocks posting until released', async () => {
      await putCustomer(t, 'HF1', { creditLimit: '100000.00' });
      await putOrder(t, 'SO-F1', 'HF1', '100.00');
      await putOrder(t, 'SO-F2', 'HF1', '100.00');
      const seq = await lastSeq(t);
      const res = await t.request('POST', '/api/v1/sales-orders/SO-F1/force-hold', {
        as: 'credit_clerk',
        body: { reasonCode: 'FRAUD', asOf: AS_OF },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toMatchObject({
        salesOrderId: 'SO-F1',
        customerId: 'HF1',
        checkpoint: null,
        postingType: null,
        orderAmount: '100.00',
        status: 'onHold',
        summaryReason: 'forcedHold',
        forced: true,
        version: 1,
      });
      expect(res.body.reasons.map((r: any) => [r.ruleType, r.active, r.measured])).toEqual([
        ['forcedHold', true, 'FRAUD'],
      ]);
      expect(await getOrder(t, 'SO-F1')).toMatchObject({ creditStatus: 'onHold', version: 2 });
      expect((await changesAfter(t, seq)).map((c) => `${c.entity}:${c.id}:${c.op}:${c.version}`)).toEqual([
        `hold:${res.body.id}:create:1`,
        'salesOrder:SO-F1:update:2',
      ]);
      expect((await auditActions(t, 'hold', res.body.id)).map((a) => [a.action, a.userId])).toEqual([
        ['hold.force', t.userIds.credit_clerk],
      ]);

      const before = {
        f1: await getOrder(t, 'SO-F1'),
        f2: await getOrder(t, 'SO-F2'),
        holds: await holdsOf(t, 'status=all&customerId=HF1'),
        seq: await lastSeq(t),
      };
      expectError(await postOrder(t, 'SO-F1'), 422, 'rule_violation');
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-F1/force-hold', {
          as: 'credit_clerk',
          body: { reasonCode: 'FRAUD' },
        }),
        422,
        'rule_violation',
      );
      for (const code of ['REL', 'NOPE']) {
        const wrong = await t.request('POST', '/api/v1/sales-orders/SO-F2/force-hold', {
          as: 'credit_manager',
          body: { reasonCode: code },
        });
        expect(expectError(wrong, 422, 'rule_violation').map((d) => d.path)).toEqual(['reasonCode']);
      }
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-F2/force-hold', { as: 'credit_clerk', body: {} }),
        400,
        'invalid_request',
      );
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-NOPE/force-hold', {
          as: 'credit_clerk',
          body: { reasonCode: 'FRAUD' },
        }),
        404,
        'not_found',
      );
      for (const as of ['collections_agent', 'integration'] as const) {
        expectError(
          await t.request('POST', '/api/v1/sales-orders/SO-F2/force-hold', { as, body: { reasonCode: 'FRAUD' } }),
          403,
          'forbidden',
        );
      }
      expect({
        f1: await getOrder(t, 'SO-F1'),
        f2: await getOrder(t, 'SO-F2'),
        holds: await holdsOf(t, 'status=all&customerId=HF1'),
        seq: await lastSeq(t),
      }).toEqual(before);

      ok(await decide('release', res.body.id));
      expect(ok(await postOrder(t, 'SO-F1', { checkpoint: 'packingSlip' })).posted).toBe(true);
    });

    it('canceling a held order (If-Match) turns its hold canceled', async () => {
      const hold = await heldOrder('HC1', 'SO-C1');
      const order = await getOrder(t, 'SO-C1');
      const seq = await lastSeq(t);
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-C1/cancel', { as: 'integration' }),
        428,
        'precondition_required',
      );
      expectError(
        await t.request('POST', '/api/v1/sales-orders/SO-C1/cancel', {
          as: 'integration',
          headers: { 'If-Match': `"${order.version - 1}"` },
        }),
        409,
        'version_conflict',
        ['current'],
      );
      expect(await getHold(t, hold.id)).toEqual(hold);
      expect(await getOrder(t, 'SO-C1')).toEqual(order);
      expect(await lastSeq(t)).toBe(seq);
      const res = await t.request('POST', '/api/v1/sales-orders/SO-C1/cancel', {
        as: 'integration',
        headers: { 'If-Match': `"${order.version}"` },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'canceled', creditStatus: 'clear', version: order.version + 1 });
      expect(await getHold(t, hold.id)).toMatchObject({ status: 'canceled', version: 2 });
      expect(await holdsOf(t, 'customerId=HC1')).toEqual([]);
      expect((await holdsOf(t, 'customerId=HC1&status=canceled')).map((h) => h.id)).toEqual([hold.id]);
      expect((await changesAfter(t, seq)).map((c) => `${c.entity}:${c.id}:${c.version}`).sort()).toEqual(
        [`hold:${hold.id}:2`, `salesOrder:SO-C1:${order.version + 1}`].sort(),
      );
      expect((await auditActions(t, 'hold', hold.id)).map((a) => a.action)).toEqual(['hold.create', 'hold.cancel']);
      // A canceled hold cannot be released any more.
      expectError(await decide('release', hold.id, { ifMatch: '"2"' }), 422, 'rule_violation');
      expect(await getHold(t, hold.id)).toMatchObject({ status: 'canceled', version: 2 });
    });
  });

  describe('refused input changes nothing', () => {
    let hold: any;
    let released: any;
    beforeAll(async () => {
      hold = await heldOrder('HX1', 'SO-X1');
      const other = await heldOrder('HX1', 'SO-X2');
      released = ok(await decide('release', other.id)).hold;
    });
    const state = async () => ({
      hold: await getHold(t, hold.id),
      released: await getHold(t, released.id),
      order: await getOrder(t, 'SO-X1'),
      holds: await holdsOf(t, 'status=all'),
      rules: ok(await t.request('GET', '/api/v1/blocking-rules')).items,
      seq: await lastSeq(t),
    });
    const refused = async (res: Promise<TestResponse>, status: number, code: string, extra: string[] = []) => {
      const before = await state();
      const r = await res;
      expectError(r, status, code, extra);
      expect(await state()).toEqual(before);
      return r;
    };

    it('unknown hold, order or rule ids → 404', async () => {
      for (const action of ['release', 'reject'] as const) await refused(decide(action, 'H-nope'), 404, 'not_found');
      for (const action of ['approve', 'decline'] as const)
        await refused(decide(action, 'H-nope', { as: 'credit_manager' }), 404, 'not_found');
      await refused(t.request('GET', '/api/v1/holds/H-nope'), 404, 'not_found');
      await refused(
        t.request('POST', '/api/v1/sales-orders/SO-NOPE/force-hold', {
          as: 'credit_clerk',
          body: { reasonCode: 'FRAUD' },
        }),
        404,
        'not_found',
      );
      await refused(postOrder(t, 'SO-NOPE'), 404, 'not_found');
      await refused(t.request('GET', '/api/v1/blocking-rules/BR-nope'), 404, 'not_found');
      await refused(
        t.request('PUT', '/api/v1/blocking-rules/BR-nope', {
          as: 'credit_manager',
          headers: { 'If-Match': '"1"' },
          body: cluAll(90),
        }),
        404,
        'not_found',
      );
      await refused(
        t.request('DELETE', '/api/v1/blocking-rules/BR-nope', { as: 'credit_manager', headers: { 'If-Match': '"1"' } }),
        404,
        'not_found',
      );
    });

    it('release without reasonCode or reviewDate, or with a bad mode or date → 400', async () => {
      for (const body of [
        { reviewDate: '2025-07-31', mode: 'withoutPosting' },
        { reasonCode: 'REL', mode: 'withoutPosting' },
        { reasonCode: 'REL', reviewDate: '2025-07-31', mode: 'later' },
        { reasonCode: 'REL', reviewDate: '2025-02-30' },
        { reasonCode: 'REL', reviewDate: '2025-07-31', extra: true },
      ]) {
        await refused(decide('release', hold.id, { body }), 400, 'invalid_request');
      }
      await refused(decide('reject', hold.id, { body: {} }), 400, 'invalid_request');
    });

    it('a reason code of the wrong kind (or unknown) → 422', async () => {
      for (const code of ['REJ', 'FRAUD', 'WO', 'NOPE']) {
        const r = await refused(
          decide('release', hold.id, { body: { reasonCode: code, reviewDate: '2025-07-31' } }),
          422,
          'rule_violation',
        );
        expect(r.body.error.details.map((d: any) => d.path)).toEqual(['reasonCode']);
      }
      for (const code of ['REL', 'FRAUD', 'NOPE'])
        await refused(decide('reject', hold.id, { body: { reasonCode: code } }), 422, 'rule_violation');
    });

    it('releasing or rejecting a hold that is not on hold → 422; approving one that is not pending → 422', async () => {
      await refused(decide('release', released.id, { ifMatch: '"2"' }), 422, 'rule_violation');
      await refused(decide('reject', released.id, { ifMatch: '"2"' }), 422, 'rule_violation');
      await refused(decide('approve', hold.id, { as: 'credit_manager' }), 422, 'rule_violation');
      await refused(decide('decline', hold.id, { as: 'credit_manager' }), 422, 'rule_violation');
    });

    it('stale If-Match → 409 with current; missing → 428; malformed → 412', async () => {
      for (const action of ['release', 'reject'] as const) {
        const stale = await refused(decide(action, hold.id, { ifMatch: '"5"' }), 409, 'version_conflict', ['current']);
        expect(stale.body.current).toEqual(await getHold(t, hold.id));
        await refused(decide(action, hold.id, { ifMatch: null }), 428, 'precondition_required');
        await refused(decide(action, hold.id, { ifMatch: 'one' }), 412, 'precondition_failed');
      }
    });

    it('the role matrix: a clerk cannot set rules, collections agents and the feed cannot decide on holds (403)', async () => {
      await refused(
        t.request('POST', '/api/v1/blocking-rules', { as: 'credit_clerk', body: cluAll(50) }),
        403,
        'forbidden',
      );
      await refused(
        t.request('PUT', `/api/v1/blocking-rules/${ruleId}`, {
          as: 'credit_clerk',
          headers: { 'If-Match': '"1"' },
          body: cluAll(50),
        }),
        403,
        'forbidden',
      );
      await refused(
        t.request('DELETE', `/api/v1/blocking-rules/${ruleId}`, { as: 'credit_clerk', headers: { 'If-Match': '"1"' } }),
        403,
        'forbidden',
      );
      for (const as of ['collections_agent', 'integration'] as const) {
        await refused(decide('release', hold.id, { as }), 403, 'forbidden');
        await refused(decide('reject', hold.id, { as }), 403, 'forbidden');
        await refused(
          t.request('POST', '/api/v1/holds:evaluate', { as, body: { holdIds: [hold.id] } }),
          403,
          'forbidden',
        );
      }
      for (const as of ['credit_clerk', 'collections_agent'] as const) {
        await refused(decide('approve', hold.id, { as }), 403, 'forbidden');
        await refused(decide('decline', hold.id, { as }), 403, 'forbidden');
      }
      // Every role may read the list.
      for (const as of ['collections_agent', 'integration', 'credit_clerk'] as const)
        expect((await t.request('GET', '/api/v1/holds', { as })).status).toBe(200);
    });
  });
});

describe.each(DIALECTS)('credit hold release approval on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    ({ t } = await holdsApp(dialect));
    expect(await setParameters(t, { requireReleaseApproval: true })).toMatchObject({ requireReleaseApproval: true });
  });
  afterAll(async () => t.close());

  async function heldOrder(customerId: string, orderId: string) {
    await putCustomer(t, customerId, { creditLimit: '1000.00' });
    await putOrder(t, orderId, customerId, '1500.00');
    const res = ok(await postOrder(t, orderId));
    expect(res.posted).toBe(false);
    return res.hold;
  }
  const call = (action: string, holdId: string, as: As, version: number | null, body: unknown = {}) =>
    t.request('POST', `/api/v1/holds/${holdId}/${action}`, {
      as,
      body,
      headers: version === null ? {} : { 'If-Match': `"${version}"` },
    });
  const releaseBody = { reasonCode: 'REL', reviewDate: '2025-07-31', mode: 'withoutPosting', asOf: AS_OF };

  it("a clerk's release waits for a manager: pendingApproval, the clerk cannot approve (403), a manager approves → released", async () => {
    const hold = await heldOrder('HA1', 'SO-A1');
    const requested = ok(await call('release', hold.id, 'credit_clerk', 1, releaseBody));
    expect(requested.hold).toMatchObject({
      status: 'pendingApproval',
      releaseReasonCode: null,
      version: 2,
      pending: {
        action: 'release',
        reasonCode: 'REL',
        reviewDate: '2025-07-31',
        mode: 'withoutPosting',
        requestedBy: t.userIds.credit_clerk,
      },
    });
    expect(await getOrder(t, 'SO-A1')).toMatchObject({ creditStatus: 'onHold' });
    expectError(await postOrder(t, 'SO-A1'), 422, 'rule_violation');
    expect((await holdsOf(t, 'status=pendingApproval')).map((h) => h.id)).toEqual([hold.id]);
    expect(await holdsOf(t, 'customerId=HA1')).toEqual([]);

    const before = await getHold(t, hold.id);
    const seq = await lastSeq(t);
    expectError(await call('approve', hold.id, 'credit_clerk', 2), 403, 'forbidden');
    expectError(await call('approve', hold.id, 'collections_agent', 2), 403, 'forbidden');
    expectError(await call('approve', hold.id, 'credit_manager', null), 428, 'precondition_required');
    const stale = await call('approve', hold.id, 'credit_manager', 1);
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(before);
    // A pending hold is no longer "on hold": it cannot be released or rejected again meanwhile.
    expectError(await call('release', hold.id, 'credit_clerk', 2, releaseBody), 422, 'rule_violation');
    expectError(await call('reject', hold.id, 'credit_manager', 2, { reasonCode: 'REJ' }), 422, 'rule_violation');
    expect(await getHold(t, hold.id)).toEqual(before);
    expect(await lastSeq(t)).toBe(seq);

    const approved = await call('approve', hold.id, 'credit_manager', 2);
    expect(approved.status).toBe(200);
    expect(approved.headers.get('etag')).toBe('"3"');
    expect(approved.body.hold).toMatchObject({
      status: 'released',
      releaseReasonCode: 'REL',
      reviewDate: '2025-07-31',
      releaseMode: 'withoutPosting',
      releasedBy: t.userIds.credit_clerk,
      pending: null,
      version: 3,
    });
    expect(await getOrder(t, 'SO-A1')).toMatchObject({ creditStatus: 'clear' });
    expect((await auditActions(t, 'hold', hold.id)).map((a) => [a.action, a.userId, a.reason])).toEqual([
      ['hold.create', t.userIds.integration, null],
      ['hold.requestRelease', t.userIds.credit_clerk, 'REL'],
      ['hold.release', t.userIds.credit_manager, 'REL'],
    ]);
    expect(
      (await changesAfter(t, 0))
        .filter((c) => c.entity === 'hold' && c.id === hold.id)
        .map((c) => `${c.op}:${c.version}`),
    ).toEqual(['create:1', 'update:2', 'update:3']);
  });

  it('four eyes with two managers: one declines (back on hold), the other approves the renewed request', async () => {
    const hold = await heldOrder('HA2', 'SO-A2');
    ok(await call('release', hold.id, 'credit_clerk', 1, releaseBody));
    const declined = ok(
      await call('decline', hold.id, 'credit_manager', 2, { comment: 'check the overdue invoices first' }),
    );
    expect(declined.hold).toMatchObject({
      status: 'onHold',
      pending: null,
      comment: 'check the overdue invoices first',
      version: 3,
    });
    expect(await getOrder(t, 'SO-A2')).toMatchObject({ creditStatus: 'onHold' });
    expect((await holdsOf(t, 'customerId=HA2')).map((h) => h.id)).toEqual([hold.id]);
    const onHoldAgain = { hold: await getHold(t, hold.id), seq: await lastSeq(t) };
    expectError(await call('approve', hold.id, 'credit_manager_2', 3), 422, 'rule_violation'); // nothing pending any more
    expectError(await call('decline', hold.id, 'credit_manager_2', 3), 422, 'rule_violation');
    expect({ hold: await getHold(t, hold.id), seq: await lastSeq(t) }).toEqual(onHoldAgain);

    ok(await call('release', hold.id, 'credit_clerk', 3, { ...releaseBody, mode: 'withPosting' }));
    const approved = ok(await call('approve', hold.id, 'credit_manager_2', 4));
    expect(approved.hold).toMatchObject({
      status: 'released',
      releaseMode: 'withPosting',
      releasedBy: t.userIds.credit_clerk,
      version: 5,
    });
    expect(approved.posting).toMatchObject({ posted: true });
    expect((await auditActions(t, 'hold', hold.id)).map((a) => [a.action, a.userId])).toEqual([
      ['hold.create', t.userIds.integration],
      ['hold.requestRelease', t.userIds.credit_clerk],
      ['hold.decline', t.userIds.credit_manager],
      ['hold.requestRelease', t.userIds.credit_clerk],
      ['hold.release', t.userIds.credit_manager_2],
    ]);
    expect(
      (await changesAfter(t, 0)).filter((c) => c.entity === 'hold' && c.id === hold.id).map((c) => c.version),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it("a clerk's reject also waits for approval; approved, the order is rejected", async () => {
    const hold = await heldOrder('HA3', 'SO-A3');
    const requested = ok(
      await call('reject', hold.id, 'credit_clerk', 1, { reasonCode: 'REJ', comment: 'no payment plan' }),
    );
    expect(requested.hold).toMatchObject({
      status: 'pendingApproval',
      rejectReasonCode: null,
      pending: { action: 'reject', reasonCode: 'REJ', comment: 'no payment plan', requestedBy: t.userIds.credit_clerk },
    });
    expect(await getOrder(t, 'SO-A3')).toMatchObject({ creditStatus: 'onHold' });
    const approved = ok(await call('approve', hold.id, 'credit_manager_2', 2));
    expect(approved.hold).toMatchObject({
      status: 'rejected',
      rejectReasonCode: 'REJ',
      comment: 'no payment plan',
      rejectedBy: t.userIds.credit_clerk,
      version: 3,
    });
    expect(await getOrder(t, 'SO-A3')).toMatchObject({ creditStatus: 'rejected' });
    expectError(await postOrder(t, 'SO-A3'), 422, 'rule_violation');
    expect((await auditActions(t, 'hold', hold.id)).map((a) => [a.action, a.userId])).toEqual([
      ['hold.create', t.userIds.integration],
      ['hold.requestReject', t.userIds.credit_clerk],
      ['hold.reject', t.userIds.credit_manager_2],
    ]);
  });

  it("the code's choice: a credit manager's own release applies at once (no pending step, so no self-approval)", async () => {
    const hold = await heldOrder('HA4', 'SO-A4');
    const res = ok(await call('release', hold.id, 'credit_manager', 1, releaseBody));
    expect(res.hold).toMatchObject({
      status: 'released',
      releasedBy: t.userIds.credit_manager,
      pending: null,
      version: 2,
    });
    expect((await auditActions(t, 'hold', hold.id)).map((a) => a.action)).toEqual(['hold.create', 'hold.release']);
  });

  it('a clerk release-batch with approval on leaves every item pending; canceling the order cancels a pending hold', async () => {
    const h5 = await heldOrder('HA5', 'SO-A5');
    const res = ok(
      await t.request('POST', '/api/v1/holds:release-batch', {
        as: 'credit_clerk',
        body: { items: [{ holdId: h5.id, version: 1, ...releaseBody }] },
      }),
    );
    expect(res.items).toMatchObject([
      {
        status: 'ok',
        version: 2,
        hold: { status: 'pendingApproval', pending: { requestedBy: t.userIds.credit_clerk } },
      },
    ]);
    const order = await getOrder(t, 'SO-A5');
    ok(
      await t.request('POST', '/api/v1/sales-orders/SO-A5/cancel', {
        as: 'integration',
        headers: { 'If-Match': `"${order.version}"` },
      }),
    );
    expect(await getHold(t, h5.id)).toMatchObject({ status: 'canceled', pending: null, version: 3 });
    const seq = await lastSeq(t);
    expectError(await call('approve', h5.id, 'credit_manager', 3), 422, 'rule_violation');
    expect(await getHold(t, h5.id)).toMatchObject({ status: 'canceled', version: 3 });
    expect(await lastSeq(t)).toBe(seq);
  });
});
