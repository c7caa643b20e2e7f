// Worked examples of credit.md §8 whose limits come from adjustment journals, over HTTP on both
// dialects: E25 (temporary limit) and E27–E30 (credit groups), with the group and member limits
// SET by posted journals (group lines and customer lines), then checked and posted at a checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../shared/dates';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError } from '../support/conventions';
import {
  addRule,
  cluAll,
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

const TODAY = todayUtc();
const day = (n: number) => addDays(TODAY, n);
const BASE = '/api/v1/adjustment-journals';

describe.each(DIALECTS)('credit worked examples via adjustment journals over HTTP on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    // §8 defaults: balance + all, limit check on, credit groups checked, confirmation without grace days; CLU All 100 %.
    await setParameters(t, {
      creditLimitType: 'balancePlusAll',
      checkCreditLimitOnSalesOrder: true,
      checkCustomerCreditGroupsCreditLimit: true,
      requireAdjustmentApproval: false,
    });
    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await putSetup(t, 'credit-management-groups', 'STD', { description: 'Standard' });
    await reasonCode(t, 'FRAUD', 'forcedHold');
    await addRule(t, cluAll(100));
  });
  afterAll(async () => t.close());

  /** A §8 customer: group STD, expiry 2025-12-31 (irrelevant here: no credit-limit-expired rule). */
  const customer = (id: string, fields: Record<string, unknown>) =>
    putCustomer(t, id, { creditLimitExpirationDate: '2025-12-31', creditManagementGroupId: 'STD', ...fields });
  const creditGroup = async (id: string, creditLimit: string, members: string[]) =>
    ok(
      await t.request('PUT', `/api/v1/credit-groups/${id}`, {
        as: 'credit_manager',
        body: { name: `Group ${id}`, creditLimit, currency: 'USD', creditLimitToDate: '2027-12-31', members },
      }),
      201,
    );
  const creditCheck = async (customerId: string, orderAmount: string, excludeOrderId: string, asOf = TODAY) =>
    ok(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        body: { customerId, orderAmount, asOf, excludeOrderId },
      }),
    );
  const figures = (c: any) => ({
    held: c.held,
    reasons: c.reasons.map(reasonFigures),
    effectiveLimit: c.effectiveLimit,
    availableCredit: c.availableCredit,
    percentAfterOrder: c.percentAfterOrder,
    group: c.group,
  });

  /** Creates a journal as the clerk and posts it as the manager (no approval required here); returns the posted journal. */
  async function postJournal(
    type: 'creditLimit' | 'temporary',
    lines: Record<string, unknown>[],
    generate?: Record<string, unknown>,
  ) {
    const j = ok(
      await t.request('POST', BASE, { as: 'credit_clerk', body: { type, description: 'example', lines } }),
      201,
    );
    let version = j.version;
    if (generate)
      version = ok(await t.request('POST', `${BASE}/${j.id}/generate`, { as: 'credit_clerk', body: generate })).version;
    const posted = ok(
      await t.request('POST', `${BASE}/${j.id}/post`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${version}"` },
      }),
    );
    expect(posted).toMatchObject({ status: 'posted', postingDate: TODAY });
    return posted;
  }

  /** The posting agrees with the what-if check: held with a hold, or posted. */
  async function postAndExpect(
    orderId: string,
    held: boolean,
    asOf = TODAY,
    reasons: (readonly [string, string, string])[] = [],
  ) {
    const res = ok(await postOrder(t, orderId, { asOf }));
    expect(res.posted).toBe(!held);
    if (held) {
      expect(res.hold).toMatchObject({
        salesOrderId: orderId,
        status: 'onHold',
        summaryReason: reasons.length === 1 ? reasons[0]![0] : 'multiple',
      });
      expect(res.hold.reasons.map(reasonFigures)).toEqual(reasons);
    } else {
      expect(res.hold).toBeUndefined();
    }
    expect((await getOrder(t, orderId)).creditStatus).toBe(held ? 'onHold' : 'clear');
    return res;
  }

  it('credit E25 over HTTP: a posted temporary limit of 20,000 replaces the base 10,000 inside its window (85 %, not held) and not the day after (170 %, held)', async () => {
    // E25's window is 2025-06-01..2025-07-31 around an as-of of 2025-06-30. The server refuses a
    // temporary window that ended before today (credit.md §1.3: it would never apply), so the same
    // amounts are used with the window moved around today: from today−29 to today+31; "the day
    // after" is today+32.
    await customer('E25', { creditLimit: '10000.00' });
    await postTransactions(t, [invoice('INV-E25', 'E25', '12000.00', '2027-12-31')]);
    await putOrder(t, 'SO-E25', 'E25', '5000.00');
    const refused = await t.request('POST', BASE, {
      as: 'credit_clerk',
      body: {
        type: 'temporary',
        lines: [{ customerId: 'E25', newCreditLimit: '20000.00', newFromDate: '2025-06-01', newToDate: '2025-07-31' }],
      },
    });
    expect(expectError(refused, 422, 'rule_violation').map((d) => d.path)).toEqual(['lines.0.newToDate']);
    // Without the temporary limit the order would be held: 17,000 of 10,000.
    expect(figures(await creditCheck('E25', '5000.00', 'SO-E25'))).toMatchObject({
      held: true,
      effectiveLimit: '10000.00',
      percentAfterOrder: '170',
    });

    const j = await postJournal('temporary', [
      { customerId: 'E25', newCreditLimit: '20000.00', newFromDate: day(-29), newToDate: day(31) },
    ]);
    expect(
      j.lines.map((l: any) => [l.customerId, l.currentCreditLimit, l.newCreditLimit, l.newFromDate, l.newToDate]),
    ).toEqual([['E25', '10000.00', '20000.00', day(-29), day(31)]]);
    const c = ok(await t.request('GET', '/api/v1/customers/E25'));
    expect(c).toMatchObject({ creditLimit: '10000.00' });
    expect(c.credit).toMatchObject({
      baseCreditLimit: '10000.00',
      activeTemporaryLimit: '20000.00',
      totalCreditLimit: '20000.00',
      effectiveLimit: '20000.00',
      exposure: { balance: '12000.00' },
    });

    // Today (inside the window): effective 20,000, usedAfter 17,000 = 85 %, not held.
    const inside = await creditCheck('E25', '5000.00', 'SO-E25');
    expect(figures(inside)).toEqual({
      held: false,
      reasons: [],
      effectiveLimit: '20000.00',
      availableCredit: '8000.00',
      percentAfterOrder: '85',
      group: null,
    });
    expect(inside.exposure).toEqual({
      balance: '12000.00',
      deliveredNotInvoiced: '0.00',
      openOrders: '0.00',
      total: '12000.00',
    });
    await postAndExpect('SO-E25', false);
    // The last day of the window still counts (inclusive).
    expect(figures(await creditCheck('E25', '5000.00', 'SO-E25', day(31)))).toMatchObject({
      held: false,
      effectiveLimit: '20000.00',
      percentAfterOrder: '85',
    });

    // The day after the window: the base 10,000 applies again, 170 %, held.
    const after = await creditCheck('E25', '5000.00', 'SO-E25', day(32));
    expect(figures(after)).toEqual({
      held: true,
      reasons: [['creditLimitUsed', '170', '100']],
      effectiveLimit: '10000.00',
      availableCredit: '-2000.00',
      percentAfterOrder: '170',
      group: null,
    });
    await postAndExpect('SO-E25', true, day(32), [['creditLimitUsed', '170', '100']]);
    expect((await holdsOf(t, 'customerId=E25')).map((h) => h.salesOrderId)).toEqual(['SO-E25']);
  });

  it('credit E27 over HTTP via journals: group G set to 15,000 and C1 to 10,000 by one journal; order 12,000 passes the group but is held by the individual limit', async () => {
    await customer('E27', { creditLimit: '3000.00' });
    await creditGroup('G27', '1.00', ['E27']);
    await putOrder(t, 'SO-E27', 'E27', '12000.00');
    const j = await postJournal('creditLimit', [
      { creditGroupId: 'G27', newCreditLimit: '15000.00' },
      { customerId: 'E27', newCreditLimit: '10000.00' },
    ]);
    expect(
      j.lines.map((l: any) => [l.lineNo, l.customerId ?? l.creditGroupId, l.currentCreditLimit, l.newCreditLimit]),
    ).toEqual([
      [1, 'G27', '1.00', '15000.00'],
      [2, 'E27', '3000.00', '10000.00'],
    ]);
    expect(ok(await t.request('GET', '/api/v1/credit-groups/G27'))).toMatchObject({
      creditLimit: '15000.00',
      creditLimitToDate: '2027-12-31',
    });
    expect(ok(await t.request('GET', '/api/v1/customers/E27'))).toMatchObject({
      creditLimit: '10000.00',
      creditLimitDate: TODAY,
    });

    const check = await creditCheck('E27', '12000.00', 'SO-E27');
    expect(figures(check)).toEqual({
      held: true,
      reasons: [['creditLimitUsed', '120', '100']],
      effectiveLimit: '10000.00',
      availableCredit: '10000.00',
      percentAfterOrder: '120',
      group: { id: 'G27', limit: '15000.00', exposure: '0.00', currency: 'USD' },
    });
    await postAndExpect('SO-E27', true, TODAY, [['creditLimitUsed', '120', '100']]);
  });

  it('credit E28 over HTTP via journals: the group line is generated (+5,000 → 15,000) and C1 is set to 20,000; order 16,000 is held by the group (effective 15,000)', async () => {
    await customer('E28', { creditLimit: '5000.00' });
    await creditGroup('G28', '10000.00', ['E28']);
    await putOrder(t, 'SO-E28', 'E28', '16000.00');
    // Before: the individual 5,000 binds.
    expect(figures(await creditCheck('E28', '16000.00', 'SO-E28'))).toMatchObject({
      held: true,
      effectiveLimit: '5000.00',
    });
    const j = await postJournal('creditLimit', [{ customerId: 'E28', newCreditLimit: '20000.00' }], {
      mode: 'creditGroups',
      valueType: 'fixed',
      value: '5000.00',
      filter: { creditGroupIds: ['G28'] },
    });
    expect(
      j.lines.map((l: any) => [l.lineNo, l.customerId ?? l.creditGroupId, l.currentCreditLimit, l.newCreditLimit]),
    ).toEqual([
      [1, 'E28', '5000.00', '20000.00'],
      [2, 'G28', '10000.00', '15000.00'],
    ]);
    const check = await creditCheck('E28', '16000.00', 'SO-E28');
    expect(figures(check)).toEqual({
      held: true,
      reasons: [['creditLimitUsed', '106.6667', '100']],
      effectiveLimit: '15000.00',
      availableCredit: '15000.00',
      percentAfterOrder: '106.6667',
      group: { id: 'G28', limit: '15000.00', exposure: '0.00', currency: 'USD' },
    });
    await postAndExpect('SO-E28', true, TODAY, [['creditLimitUsed', '106.6667', '100']]);
    // 15,000 exactly fits the group.
    expect(figures(await creditCheck('E28', '15000.00', 'SO-E28'))).toMatchObject({
      held: false,
      percentAfterOrder: '100',
    });
  });

  it('credit E29 over HTTP via journals: members A and B set to 0, group to 10,000; B 1,999 passes, 2,500 is held', async () => {
    await customer('E29-A', { creditLimit: '5000.00' });
    await customer('E29-B', { creditLimit: '5000.00' });
    await creditGroup('G29', '1.00', ['E29-A', 'E29-B']);
    await postTransactions(t, [invoice('INV-E29-A', 'E29-A', '4000.00', '2027-12-31')]);
    // A's open order 4,000 is on hold: it still counts as an open order of the group.
    await putOrder(t, 'SO-E29-A', 'E29-A', '4000.00');
    ok(
      await t.request('POST', '/api/v1/sales-orders/SO-E29-A/force-hold', {
        as: 'credit_clerk',
        body: { reasonCode: 'FRAUD', asOf: TODAY },
      }),
      201,
    );
    await putOrder(t, 'SO-E29-B', 'E29-B', '1999.00');

    await postJournal('creditLimit', [
      { customerId: 'E29-A', newCreditLimit: '0.00' },
      { customerId: 'E29-B', newCreditLimit: '0.00' },
      { creditGroupId: 'G29', newCreditLimit: '10000.00' },
    ]);
    for (const id of ['E29-A', 'E29-B'])
      expect(ok(await t.request('GET', `/api/v1/customers/${id}`))).toMatchObject({
        creditLimit: '0.00',
        mandatoryCreditLimit: false,
        creditLimitDate: TODAY,
      });

    const group = (pct: string, held: boolean) => ({
      held,
      reasons: held ? [['creditLimitUsed', pct, '100']] : [],
      effectiveLimit: '10000.00',
      availableCredit: '2000.00',
      percentAfterOrder: pct,
      group: { id: 'G29', limit: '10000.00', exposure: '8000.00', currency: 'USD' },
    });
    expect(figures(await creditCheck('E29-B', '1999.00', 'SO-E29-B'))).toEqual(group('99.99', false));
    await postAndExpect('SO-E29-B', false);
    // Exactly 100 % is not over the limit (strict ">").
    expect(figures(await creditCheck('E29-B', '2000.00', 'SO-E29-B'))).toEqual(group('100', false));
    const version = (await getOrder(t, 'SO-E29-B')).version;
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SO-E29-B', {
        as: 'integration',
        headers: { 'If-Match': `"${version}"` },
        body: { customerId: 'E29-B', amount: '2500.00' },
      }),
    );
    expect(figures(await creditCheck('E29-B', '2500.00', 'SO-E29-B'))).toEqual(group('105', true));
    await postAndExpect('SO-E29-B', true, TODAY, [['creditLimitUsed', '105', '100']]);
  });

  it('credit E30 over HTTP via journals: a mandatory C1 set to 0 and its group to 15,000; effective 0, an order of 1 is held', async () => {
    await customer('E30', { creditLimit: '5000.00', mandatoryCreditLimit: true });
    await creditGroup('G30', '1.00', ['E30']);
    await putOrder(t, 'SO-E30', 'E30', '1.00');
    // Before the journal: 1 of the group's 1.00 is exactly 100 %, and the own 5,000 leaves room: not held.
    expect(figures(await creditCheck('E30', '1.00', 'SO-E30'))).toMatchObject({
      held: false,
      effectiveLimit: '1.00',
      percentAfterOrder: '100',
    });
    await postJournal('creditLimit', [
      { creditGroupId: 'G30', newCreditLimit: '15000.00' },
      { customerId: 'E30', newCreditLimit: '0.00' },
    ]);
    const check = await creditCheck('E30', '1.00', 'SO-E30');
    expect(figures(check)).toEqual({
      held: true,
      reasons: [['creditLimitUsed', '∞', '100']],
      effectiveLimit: '0.00',
      availableCredit: '0.00',
      percentAfterOrder: null,
      group: { id: 'G30', limit: '15000.00', exposure: '0.00', currency: 'USD' },
    });
    await postAndExpect('SO-E30', true, TODAY, [['creditLimitUsed', '∞', '100']]);
  });
});
