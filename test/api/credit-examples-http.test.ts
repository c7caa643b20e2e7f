// The worked examples of domain/credit.md §8, end to end over HTTP on both dialects: setup through
// the API only, the order posted at a checkpoint, and the what-if credit check compared with the
// posting (same reasons and figures, and no side effects).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import {
  addRule,
  auditActions,
  cluAll,
  creditState,
  daysOverdueAll,
  getHold,
  getOrder,
  holdsOf,
  invoice,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  putSetup,
  reasonCode,
  reasonFigures,
  setCheckpoints,
  setParameters,
} from '../support/credit';

const AS_OF = '2025-06-30';

interface Figures {
  exposure: { balance: string; deliveredNotInvoiced: string; openOrders: string; total: string };
  effectiveLimit: string | null;
  availableCredit: string | null;
  percentAfterOrder: string | null;
  group: { id: string; limit: string; exposure: string; currency: string } | null;
}

interface Expected {
  customerId: string;
  orderId: string;
  amount: string;
  asOf?: string;
  checkpoint?: string;
  body?: Record<string, unknown>;
  held: boolean;
  /** [ruleType, measured, threshold] in the order the engine records them. */
  reasons: (readonly [string, string, string])[];
  summaryReason?: string;
  figures?: Figures;
}

const exposure = (balance: string, openOrders = '0.00', total = balance, deliveredNotInvoiced = '0.00') => ({
  balance,
  deliveredNotInvoiced,
  openOrders,
  total,
});
const figuresOf = (c: any): Figures => ({
  exposure: c.exposure,
  effectiveLimit: c.effectiveLimit,
  availableCredit: c.availableCredit,
  percentAfterOrder: c.percentAfterOrder,
  group: c.group,
});
const reasonCore = (r: any) => ({
  ruleType: r.ruleType,
  ruleId: r.ruleId,
  measured: r.measured,
  threshold: r.threshold,
  explanation: r.explanation,
});

describe.each(DIALECTS)('credit worked examples over HTTP on %s', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp(dialect);
    // §8 defaults: balance + all, limit check on, credit groups checked, confirmation checkpoint without grace days.
    const params = await setParameters(t, {
      creditLimitType: 'balancePlusAll',
      checkCreditLimitOnSalesOrder: true,
      checkCustomerCreditGroupsCreditLimit: true,
    });
    expect(params).toMatchObject({
      creditLimitType: 'balancePlusAll',
      checkCreditLimitOnSalesOrder: true,
      checkCustomerCreditGroupsCreditLimit: true,
    });
    expect(await setCheckpoints(t, postingCheckpoints('confirmation'))).toContainEqual({
      checkpoint: 'confirmation',
      posting: true,
      proForma: false,
      graceDays: null,
    });
    await putSetup(t, 'credit-management-groups', 'STD', { description: 'Standard' });
    await putSetup(t, 'account-statuses', 'NORMAL', { description: 'Normal' });
    await putSetup(t, 'payment-terms', 'NET30', { description: 'Net 30', days: 30 });
    await reasonCode(t, 'REL', 'release');
    await reasonCode(t, 'AUTO', 'release');
    await reasonCode(t, 'FRAUD', 'forcedHold');
  });
  afterEach(async () => t.close());

  /** Customer C1 of §8: limit 10,000 expiring 2025-12-31, group STD, status Normal, terms Net30. */
  const c1 = (fields: Record<string, unknown> = {}) =>
    putCustomer(t, 'C1', {
      creditLimit: '10000.00',
      creditLimitExpirationDate: '2025-12-31',
      creditManagementGroupId: 'STD',
      accountStatusId: 'NORMAL',
      paymentTermsId: 'NET30',
      ...fields,
    });
  const creditGroup = async (id: string, creditLimit: string, members: string[]) =>
    ok(
      await t.request('PUT', `/api/v1/credit-groups/${id}`, {
        as: 'credit_manager',
        body: { name: `Group ${id}`, creditLimit, currency: 'USD', creditLimitToDate: '2025-12-31', members },
      }),
      201,
    );
  const creditCheck = async (customerId: string, orderAmount: string, excludeOrderId: string, asOf = AS_OF) =>
    ok(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        body: { customerId, orderAmount, asOf, excludeOrderId },
      }),
    );

  /**
   * The what-if check first (nothing may change), then the posting: both must decide the same,
   * with the same reasons and measured values; the check afterwards still agrees.
   */
  async function checkAndPost(e: Expected) {
    const asOf = e.asOf ?? AS_OF;
    const before = await creditState(t);
    const check = await creditCheck(e.customerId, e.amount, e.orderId, asOf);
    expect(await creditState(t)).toEqual(before);
    expect(check.held).toBe(e.held);
    expect(check.reasons.map(reasonFigures)).toEqual(e.reasons);
    if (e.figures) expect(figuresOf(check)).toEqual(e.figures);

    const res = ok(
      await postOrder(t, e.orderId, { asOf, checkpoint: e.checkpoint ?? 'confirmation', ...(e.body ?? {}) }),
    );
    if (e.held) {
      expect(res.posted).toBe(false);
      expect(res.hold).toMatchObject({
        salesOrderId: e.orderId,
        customerId: e.customerId,
        checkpoint: e.checkpoint ?? 'confirmation',
        postingType: 'posting',
        asOf,
        orderAmount: e.amount,
        status: 'onHold',
        summaryReason: e.summaryReason ?? (e.reasons.length === 1 ? e.reasons[0]![0] : 'multiple'),
        forced: false,
        version: 1,
      });
      expect(res.hold.reasons.map((r: any) => r.active)).toEqual(e.reasons.map(() => true));
      expect(res.hold.reasons.map(reasonCore)).toEqual(check.reasons.map(reasonCore));
      expect(await getHold(t, res.hold.id)).toEqual(res.hold);
      expect((await getOrder(t, e.orderId)).creditStatus).toBe('onHold');
    } else {
      expect(res.posted).toBe(true);
      expect(res.hold).toBeUndefined();
      expect(
        (await holdsOf(t, `status=all&customerId=${e.customerId}`)).filter(
          (h) => h.salesOrderId === e.orderId && h.status === 'onHold',
        ),
      ).toEqual([]);
      expect((await getOrder(t, e.orderId)).creditStatus).toBe('clear');
    }
    // Read back: the same question after the posting gets the same answer.
    expect(await creditCheck(e.customerId, e.amount, e.orderId, asOf)).toEqual(check);
    return { check, res };
  }

  it('credit E2 order over the limit over HTTP: 10,500 = 105 % > 100, held [creditLimitUsed]', async () => {
    await c1();
    await postTransactions(t, [invoice('INV1', 'C1', '6000.00', '2025-07-15')]);
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-OPEN', 'C1', '2000.00');
    await putOrder(t, 'SO-E2', 'C1', '2500.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E2',
      amount: '2500.00',
      held: true,
      reasons: [['creditLimitUsed', '105', '100']],
      figures: {
        exposure: exposure('6000.00', '2000.00', '8000.00'),
        effectiveLimit: '10000.00',
        availableCredit: '2000.00',
        percentAfterOrder: '105',
        group: null,
      },
    });
    // E1 next to it: 1,500 fits (9,500 = 95 %).
    const e1 = await creditCheck('C1', '1500.00', 'SO-E2');
    expect(e1).toMatchObject({ held: false, reasons: [], percentAfterOrder: '95', availableCredit: '2000.00' });
  });

  it('credit E8 days exclusion at a more specific level over HTTP: 90 ≤ 100, not held', async () => {
    await c1();
    await postTransactions(t, [invoice('INV1', 'C1', '1000.00', '2025-04-01')]);
    await addRule(t, daysOverdueAll(61));
    const exclusion = await addRule(t, {
      ruleType: 'daysOverdue',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C1',
      valueType: 'days',
      days: 100,
    });
    await putOrder(t, 'SO-E8', 'C1', '100.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E8',
      amount: '100.00',
      held: false,
      reasons: [],
      figures: {
        exposure: exposure('1000.00'),
        effectiveLimit: '10000.00',
        availableCredit: '9000.00',
        percentAfterOrder: '11',
        group: null,
      },
    });
    // Without the exclusion the same order is held (E6): the exclusion is what let it through.
    ok(
      await t.request('DELETE', `/api/v1/blocking-rules/${exclusion}`, {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
      }),
    );
    const e6 = await creditCheck('C1', '100.00', 'SO-E8');
    expect(e6.held).toBe(true);
    expect(e6.reasons.map(reasonFigures)).toEqual([['daysOverdue', '90', '61']]);
  });

  it('credit E11 release-sales-order exclusion over HTTP: overdue 800 ≤ 1,000, not held, no other rule evaluated', async () => {
    await c1();
    await postTransactions(t, [
      invoice('INV1', 'C1', '800.00', '2025-04-01'),
      invoice('INV2', 'C1', '11000.00', '2025-07-31'),
    ]);
    await addRule(t, daysOverdueAll(61));
    await addRule(t, cluAll(100));
    const release = await addRule(t, {
      ruleType: 'daysOverdue',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C1',
      valueType: 'amount',
      amount: '1000.00',
      releaseSalesOrder: true,
    });
    await putOrder(t, 'SO-E11', 'C1', '200.00');
    const { check } = await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E11',
      amount: '200.00',
      held: false,
      reasons: [],
      figures: {
        exposure: exposure('11800.00'),
        effectiveLimit: '10000.00',
        availableCredit: '-1800.00',
        percentAfterOrder: '120',
        group: null,
      },
    });
    expect(check.note).toContain(release);
    // E10: the same exclusion without "release sales order" overrides nothing (other value type),
    // so both the days-overdue block and the credit-limit block fire.
    const rule = ok(await t.request('GET', `/api/v1/blocking-rules/${release}`));
    const { id: _id, sentence: _s, createdAt: _c, updatedAt: _u, version: _v, ...fields } = rule;
    ok(
      await t.request('PUT', `/api/v1/blocking-rules/${release}`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${rule.version}"` },
        body: { ...fields, releaseSalesOrder: false },
      }),
    );
    const e10 = await creditCheck('C1', '200.00', 'SO-E11');
    expect(e10.held).toBe(true);
    expect(e10.reasons.map(reasonFigures)).toEqual([
      ['daysOverdue', '90', '61'],
      ['creditLimitUsed', '120', '100'],
    ]);
  });

  it('credit E24 multiple reasons over HTTP: days overdue and credit limit used, summary "multiple"', async () => {
    await c1();
    await postTransactions(t, [invoice('INV1', 'C1', '6000.00', '2025-04-01')]);
    await addRule(t, cluAll(100));
    await addRule(t, daysOverdueAll(61));
    await putOrder(t, 'SO-OPEN', 'C1', '2000.00');
    await putOrder(t, 'SO-E24', 'C1', '2500.00');
    const { res } = await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E24',
      amount: '2500.00',
      held: true,
      reasons: [
        ['daysOverdue', '90', '61'],
        ['creditLimitUsed', '105', '100'],
      ],
      summaryReason: 'multiple',
      figures: {
        exposure: exposure('6000.00', '2000.00', '8000.00'),
        effectiveLimit: '10000.00',
        availableCredit: '2000.00',
        percentAfterOrder: '105',
        group: null,
      },
    });
    const list = await holdsOf(t, 'customerId=C1');
    expect(list.map((h) => [h.id, h.salesOrderId, h.summaryReason, h.status])).toEqual([
      [res.hold.id, 'SO-E24', 'multiple', 'onHold'],
    ]);
  });

  it('credit E27 credit group 15,000 passes but the individual limit 10,000 holds over HTTP', async () => {
    await c1();
    await creditGroup('G', '15000.00', ['C1']);
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-E27', 'C1', '12000.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E27',
      amount: '12000.00',
      held: true,
      reasons: [['creditLimitUsed', '120', '100']],
      figures: {
        exposure: exposure('0.00'),
        effectiveLimit: '10000.00',
        availableCredit: '10000.00',
        percentAfterOrder: '120',
        group: { id: 'G', limit: '15000.00', exposure: '0.00', currency: 'USD' },
      },
    });
  });

  it('credit E28 credit group 15,000 binds below the individual 20,000 over HTTP: 16,000 held', async () => {
    await c1({ creditLimit: '20000.00' });
    await creditGroup('G', '15000.00', ['C1']);
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-E28', 'C1', '16000.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E28',
      amount: '16000.00',
      held: true,
      reasons: [['creditLimitUsed', '106.6667', '100']],
      figures: {
        exposure: exposure('0.00'),
        effectiveLimit: '15000.00',
        availableCredit: '15000.00',
        percentAfterOrder: '106.6667',
        group: { id: 'G', limit: '15000.00', exposure: '0.00', currency: 'USD' },
      },
    });
  });

  it('credit E29 group-only limit with a held open order over HTTP: 1,999 and 2,000 pass, 2,500 held', async () => {
    await putCustomer(t, 'A', { creditLimit: '0.00' });
    await putCustomer(t, 'B', { creditLimit: '0.00' });
    await creditGroup('G', '10000.00', ['A', 'B']);
    await addRule(t, cluAll(100));
    await postTransactions(t, [invoice('INV-A', 'A', '4000.00', '2025-07-31')]);
    // A's open order 4,000 is on hold: it still counts as an open order of the group.
    await putOrder(t, 'SO-A', 'A', '4000.00');
    const forced = ok(
      await t.request('POST', '/api/v1/sales-orders/SO-A/force-hold', {
        as: 'credit_clerk',
        body: { reasonCode: 'FRAUD', asOf: AS_OF },
      }),
      201,
    );
    expect(forced).toMatchObject({ salesOrderId: 'SO-A', status: 'onHold', forced: true });

    await putOrder(t, 'SO-B', 'B', '1999.00');
    const group = (pct: string, available = '2000.00') => ({
      exposure: exposure('0.00'),
      effectiveLimit: '10000.00',
      availableCredit: available,
      percentAfterOrder: pct,
      group: { id: 'G', limit: '10000.00', exposure: '8000.00', currency: 'USD' },
    });
    await checkAndPost({
      customerId: 'B',
      orderId: 'SO-B',
      amount: '1999.00',
      held: false,
      reasons: [],
      figures: group('99.99'),
    });

    // Exactly 100 % is not over the limit (strict ">"): 2,000 passes.
    let version = (await getOrder(t, 'SO-B')).version;
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SO-B', {
        as: 'integration',
        headers: { 'If-Match': `"${version}"` },
        body: { customerId: 'B', amount: '2000.00' },
      }),
    );
    await checkAndPost({
      customerId: 'B',
      orderId: 'SO-B',
      amount: '2000.00',
      held: false,
      reasons: [],
      figures: group('100'),
    });

    version = (await getOrder(t, 'SO-B')).version;
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SO-B', {
        as: 'integration',
        headers: { 'If-Match': `"${version}"` },
        body: { customerId: 'B', amount: '2500.00' },
      }),
    );
    await checkAndPost({
      customerId: 'B',
      orderId: 'SO-B',
      amount: '2500.00',
      held: true,
      reasons: [['creditLimitUsed', '105', '100']],
      figures: group('105'),
    });
    expect((await holdsOf(t, 'status=onHold')).map((h) => h.salesOrderId).sort()).toEqual(['SO-A', 'SO-B']);
  });

  it('credit E30 mandatory limit 0 inside a group over HTTP: effective 0, an order of 1 is held', async () => {
    await c1({ creditLimit: '0.00', mandatoryCreditLimit: true });
    await creditGroup('G', '15000.00', ['C1']);
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-E30', 'C1', '1.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E30',
      amount: '1.00',
      held: true,
      reasons: [['creditLimitUsed', '∞', '100']],
      figures: {
        exposure: exposure('0.00'),
        effectiveLimit: '0.00',
        availableCredit: '0.00',
        percentAfterOrder: null,
        group: { id: 'G', limit: '15000.00', exposure: '0.00', currency: 'USD' },
      },
    });
  });

  it('credit E31 unlimited customer in a group over HTTP: limit tests skipped, held only for days overdue', async () => {
    await c1({ creditLimit: '0.00', unlimitedCredit: true });
    await creditGroup('G', '15000.00', ['C1']);
    await postTransactions(t, [invoice('INV1', 'C1', '1000.00', '2025-04-01')]);
    await addRule(t, cluAll(100));
    await addRule(t, daysOverdueAll(61));
    await putOrder(t, 'SO-E31', 'C1', '50000.00');
    await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E31',
      amount: '50000.00',
      held: true,
      reasons: [['daysOverdue', '90', '61']],
      figures: {
        exposure: exposure('1000.00'),
        effectiveLimit: null,
        availableCredit: null,
        percentAfterOrder: null,
        group: null,
      },
    });
  });

  /** The E2 data: balance 6,000 not yet due, another open order 2,000, the order 2,500; CLU 100 %. */
  async function e2Data(orderId: string) {
    await c1();
    await postTransactions(t, [invoice('INV1', 'C1', '6000.00', '2025-07-15')]);
    await addRule(t, cluAll(100));
    await putOrder(t, 'SO-OPEN', 'C1', '2000.00');
    await putOrder(t, orderId, 'C1', '2500.00');
  }
  const release = (holdId: string, version: number, asOf: string, mode = 'withoutPosting') =>
    t.request('POST', `/api/v1/holds/${holdId}/release`, {
      as: 'credit_clerk',
      headers: { 'If-Match': `"${version}"` },
      body: { reasonCode: 'REL', reviewDate: '2025-07-15', mode, asOf },
    });

  it('credit E33 grace days after a release over HTTP: no check through 06-03, held again on 06-04', async () => {
    ok(
      await t.request('PUT', '/api/v1/checkpoints', {
        as: 'credit_manager',
        body: [
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
          { checkpoint: 'packingSlip', posting: true, proForma: false, graceDays: 1 },
        ],
      }),
    );
    await e2Data('SO-E33');
    // Grace days never apply to the first check: held at confirmation on 06-01.
    const { res } = await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E33',
      amount: '2500.00',
      asOf: '2025-06-01',
      held: true,
      reasons: [['creditLimitUsed', '105', '100']],
    });
    const released = ok(await release(res.hold.id, 1, '2025-06-01'));
    expect(released.hold).toMatchObject({
      status: 'released',
      releaseReasonCode: 'REL',
      releaseMode: 'withoutPosting',
      reviewDate: '2025-07-15',
      version: 2,
    });
    expect(released.posting).toBeUndefined();

    // The rules would still hold it, but inside the window nothing is checked.
    for (const [asOf, checkpoint, deliveredAmount] of [
      ['2025-06-02', 'confirmation', undefined],
      ['2025-06-03', 'packingSlip', '1000.00'],
    ] as const) {
      expect((await creditCheck('C1', '2500.00', 'SO-E33', asOf)).held).toBe(true);
      const posted = ok(
        await postOrder(t, 'SO-E33', { asOf, checkpoint, ...(deliveredAmount ? { deliveredAmount } : {}) }),
      );
      expect(posted.posted, `${checkpoint} on ${asOf}`).toBe(true);
      expect(posted.hold).toBeUndefined();
    }
    expect(await getOrder(t, 'SO-E33')).toMatchObject({ deliveredNotInvoiced: '1000.00', creditStatus: 'clear' });

    // 06-04 is past 06-01 + 2: the rules run and hold it again; the packing slip does not happen.
    const again = ok(
      await postOrder(t, 'SO-E33', { asOf: '2025-06-04', checkpoint: 'packingSlip', deliveredAmount: '1000.00' }),
    );
    expect(again.posted).toBe(false);
    expect(again.hold).toMatchObject({
      checkpoint: 'packingSlip',
      asOf: '2025-06-04',
      status: 'onHold',
      summaryReason: 'creditLimitUsed',
      orderAmount: '2500.00',
    });
    expect(again.hold.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '105', '100']]);
    expect(again.hold.id).not.toBe(res.hold.id);
    expect(await getOrder(t, 'SO-E33')).toMatchObject({ deliveredNotInvoiced: '1000.00', creditStatus: 'onHold' });
    expect((await holdsOf(t, 'status=all&customerId=C1')).map((h) => [h.id, h.status]).sort()).toEqual(
      [
        [res.hold.id, 'released'],
        [again.hold.id, 'onHold'],
      ].sort(),
    );
  });

  it('credit E34 no grace days over HTTP: released without posting, reconfirmed the same day, held again', async () => {
    await e2Data('SO-E34');
    const { res } = await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E34',
      amount: '2500.00',
      held: true,
      reasons: [['creditLimitUsed', '105', '100']],
    });
    ok(await release(res.hold.id, 1, AS_OF));
    expect(await getOrder(t, 'SO-E34')).toMatchObject({ creditStatus: 'clear' });
    const again = ok(await postOrder(t, 'SO-E34'));
    expect(again.posted).toBe(false);
    expect(again.hold).toMatchObject({
      status: 'onHold',
      checkpoint: 'confirmation',
      summaryReason: 'creditLimitUsed',
      version: 1,
    });
    expect(again.hold.id).not.toBe(res.hold.id);
    expect(await getHold(t, res.hold.id)).toMatchObject({ status: 'released', version: 2 });
    expect((await holdsOf(t, 'customerId=C1')).map((h) => h.id)).toEqual([again.hold.id]);
  });

  it('credit E35 evaluate for release after payment over HTTP: days overdue inactive, ready to release, auto-released without posting', async () => {
    await c1();
    await postTransactions(t, [invoice('INV1', 'C1', '1000.00', '2025-04-01')]);
    await addRule(t, daysOverdueAll(61));
    await setParameters(t, { automaticallyRelease: 'withoutPosting', autoReleaseReasonCode: 'AUTO' });
    await putOrder(t, 'SO-E35', 'C1', '100.00');
    const { res } = await checkAndPost({
      customerId: 'C1',
      orderId: 'SO-E35',
      amount: '100.00',
      held: true,
      reasons: [['daysOverdue', '90', '61']],
    });
    const holdId = res.hold.id as string;

    // Before the payment the reason still holds: nothing changes.
    const early = ok(
      await t.request('POST', '/api/v1/holds:evaluate', {
        as: 'credit_clerk',
        body: { holdIds: [holdId], asOf: AS_OF },
      }),
    );
    expect(early.items).toHaveLength(1);
    expect(early.items[0]).toMatchObject({
      readyToRelease: false,
      autoReleased: false,
      hold: { id: holdId, status: 'onHold', version: 1 },
    });
    expect(await getHold(t, holdId)).toEqual(res.hold);

    // The customer pays the overdue invoice.
    await postTransactions(t, [
      { id: 'PAY1', customerId: 'C1', type: 'payment', amount: '-1000.00', transDate: AS_OF },
    ]);
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'INV1', creditId: 'PAY1', amount: '1000.00', date: AS_OF },
      }),
      201,
    );
    expect((await creditCheck('C1', '100.00', 'SO-E35')).held).toBe(false);

    const evaluated = ok(
      await t.request('POST', '/api/v1/holds:evaluate', {
        as: 'credit_clerk',
        body: { holdIds: [holdId], asOf: AS_OF },
      }),
    );
    expect(evaluated.items).toHaveLength(1);
    const item = evaluated.items[0];
    expect(item).toMatchObject({ readyToRelease: true, autoReleased: true });
    expect(item.posting).toBeUndefined();
    expect(item.hold).toMatchObject({
      id: holdId,
      status: 'released',
      releaseReasonCode: 'AUTO',
      releaseMode: 'withoutPosting',
      reviewDate: AS_OF,
    });
    expect(item.hold.reasons.map((r: any) => [r.ruleType, r.active])).toEqual([
      ['daysOverdue', false],
      ['readyToRelease', true],
    ]);
    expect(await getHold(t, holdId)).toEqual(item.hold);
    // The order is released but not posted.
    expect(await getOrder(t, 'SO-E35')).toMatchObject({
      creditStatus: 'clear',
      deliveredNotInvoiced: '0.00',
      invoicedAmount: '0.00',
      status: 'open',
    });
    expect((await auditActions(t, 'salesOrder', 'SO-E35')).map((a) => a.action)).toEqual([
      'salesOrder.create',
      'salesOrder.hold',
      'salesOrder.release',
    ]);
    expect((await auditActions(t, 'hold', holdId)).map((a) => a.action)).toEqual([
      'hold.create',
      'hold.evaluate',
      'hold.release',
    ]);
    expect(await holdsOf(t, 'customerId=C1')).toEqual([]);
  });

  it('credit E36 forced hold over HTTP: evaluate adds ready to release but the hold stays on hold until a manual release', async () => {
    await c1();
    await addRule(t, cluAll(100));
    await setParameters(t, { automaticallyRelease: 'withoutPosting', autoReleaseReasonCode: 'AUTO' });
    await putOrder(t, 'SO-E36', 'C1', '100.00');
    expect((await creditCheck('C1', '100.00', 'SO-E36')).held).toBe(false);
    const hold = ok(
      await t.request('POST', '/api/v1/sales-orders/SO-E36/force-hold', {
        as: 'credit_clerk',
        body: { reasonCode: 'FRAUD', asOf: AS_OF },
      }),
      201,
    );
    expect(hold).toMatchObject({
      salesOrderId: 'SO-E36',
      status: 'onHold',
      forced: true,
      summaryReason: 'forcedHold',
      checkpoint: null,
      version: 1,
    });
    expect(hold.reasons.map((r: any) => [r.ruleType, r.active, r.measured])).toEqual([['forcedHold', true, 'FRAUD']]);

    for (let round = 0; round < 2; round++) {
      const evaluated = ok(
        await t.request('POST', '/api/v1/holds:evaluate', {
          as: 'credit_clerk',
          body: { customerId: 'C1', asOf: AS_OF },
        }),
      );
      expect(evaluated.items).toHaveLength(1);
      expect(evaluated.items[0]).toMatchObject({
        readyToRelease: true,
        autoReleased: false,
        hold: { id: hold.id, status: 'onHold', version: 2 },
      });
      expect(evaluated.items[0].hold.reasons.map((r: any) => [r.ruleType, r.active])).toEqual([
        ['forcedHold', true],
        ['readyToRelease', true],
      ]);
    }
    expect(await getHold(t, hold.id)).toMatchObject({ status: 'onHold', version: 2 });
    // Still held: posting is refused until someone releases it by hand, and the refusal changes nothing.
    const before = await creditState(t);
    expect((await postOrder(t, 'SO-E36')).status).toBe(422);
    expect(await creditState(t)).toEqual(before);
    const released = ok(await release(hold.id, 2, AS_OF));
    expect(released.hold).toMatchObject({ status: 'released', releaseReasonCode: 'REL', version: 3 });
    const posted = ok(await postOrder(t, 'SO-E36'));
    expect(posted.posted).toBe(true);
  });
});
