// Collections money operations over HTTP (collections.md §3.1–§3.5, §4.5–§4.6, E21–E29; SPEC §5):
// interest notes, waive / reinstate / reverse, fees, write-offs and NSF, on both dialects. Every
// refusal is a 422 (or 404) with nothing written, proven by reading back everything it could touch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { auditActions, ok, postTransactions as feedTransactions, putCustomer } from '../support/credit';
import { changesSince } from '../support/collections-work';
import {
  adjust,
  balanceOf,
  calculate,
  customerWithCode,
  expectMoneyUnchanged,
  in1,
  moneySetup,
  moneyState,
  postNote,
  putInterestCode,
  settleBy,
  txn,
} from '../support/collections-money';

// Entries posted before the write-offs, NSFs and notes dated in 2024 (these are refused when dated before what they act on).
const postTransactions = (t: TestApp, items: Record<string, unknown>[]) =>
  feedTransactions(
    t,
    items.map((i) => ({ transDate: '2024-01-01', ...i })),
  );

describe.each(DIALECTS)('collections money operations on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await moneySetup(t);
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/STD', {
        as: 'credit_manager',
        body: {
          name: 'Standard',
          lines: [
            { label: 'Over 30', unit: -1, interval: 'unlimited' },
            { label: '1-30', unit: -30, interval: 'day' },
            { label: 'Current', unit: 0, interval: 'day' },
            { label: 'Not due', unit: 1, interval: 'unlimited' },
          ],
        },
      }),
      201,
    );
    await putInterestCode(t, 'M18', { method: 'monthly30', rate: '1.8', feeAmount: '10.00' });
    // IC24: 3 % a month; from 2024-06-01 the same rate without the fee (a second version).
    await putInterestCode(t, 'IC24', {
      method: 'monthly30',
      rate: 3,
      feeAmount: '5.00',
      versions: [{ validFrom: '2024-06-01', method: 'monthly30', rate: 3 }],
    });
  });
  afterAll(async () => t.close());

  it('interest codes are setup (credit_manager, admin): the stored shape, 403 for a collections agent, 400 for inconsistent fields', async () => {
    const code = ok(await t.request('GET', '/api/v1/interest-codes/IC24'));
    expect(code).toMatchObject({
      id: 'IC24',
      name: 'Interest IC24',
      currency: 'USD',
      method: 'monthly30',
      valueType: 'percentage',
      rate: '3',
      feeAmount: '5.00',
      validFrom: '1900-01-01',
      graceDays: 0,
      versions: [{ validFrom: '2024-06-01', rate: '3', feeAmount: null }],
      version: 1,
    });
    expectError(
      await t.request('PUT', '/api/v1/interest-codes/X', { as: 'collections_agent', body: {} }),
      403,
      'forbidden',
    );
    const bad = await t.request('PUT', '/api/v1/interest-codes/X', {
      as: 'credit_manager',
      body: {
        name: 'x',
        currency: 'USD',
        method: 'daily365',
        rate: 1,
        rangeBy: 'days',
        ranges: [{ from: 0, value: 1 }],
      },
    });
    expect(expectError(bad, 400, 'invalid_request').map((d) => d.path)).toContain('rangeBy');
    expect(
      expectError(
        await t.request('PUT', '/api/v1/interest-codes/X', {
          as: 'credit_manager',
          body: { name: 'x', currency: 'USD', method: 'interval', rate: 1 },
        }),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['every']);
    // A code a customer names, and the write-off account the parameters name, cannot be deleted.
    await customerWithCode(t, 'CUSES', 'IC24');
    expectError(
      await t.request('DELETE', '/api/v1/interest-codes/IC24', {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
      }),
      422,
      'rule_violation',
    );
    expectError(
      await t.request('DELETE', '/api/v1/write-off-accounts/618000', {
        as: 'credit_manager',
        headers: { 'If-Match': '"1"' },
      }),
      422,
      'rule_violation',
    );
    expect(ok(await t.request('GET', '/api/v1/bank-accounts/BANK1'))).toMatchObject({
      name: 'Main bank',
      nsfFee: '25.00',
      nsfJournal: 'NSF',
    });
  });

  it('interest-notes:calculate stores draft notes with per-line base, window, days, rate and formula; post makes the ledger entries (E15, E17 over HTTP)', async () => {
    await customerWithCode(t, 'C15', 'M18');
    await postTransactions(t, [
      { id: 'C15-I1', customerId: 'C15', type: 'invoice', amount: '423.00', dueDate: '2019-08-15' },
      { id: 'C15-I2', customerId: 'C15', type: 'invoice', amount: '2149.11', dueDate: '2019-09-30' },
      { id: 'C15-I3', customerId: 'C15', type: 'invoice', amount: '776.00', dueDate: '2019-11-07' },
    ]);
    const seq = await lastSeq(t);
    const [note] = await calculate(t, { customerIds: ['C15'], toDate: '2020-04-03' });
    expect(note).toMatchObject({
      customerId: 'C15',
      interestCodeId: 'M18',
      fromDate: null,
      toDate: '2020-04-03',
      status: 'created',
      totalAmount: '377.63',
      version: 1,
    });
    expect(
      note.lines.map((l: any) => [
        l.transactionId,
        l.baseAmount,
        l.fromDate,
        l.toDate,
        l.days,
        l.rate,
        l.interestAmount,
      ]),
    ).toEqual([
      ['C15-I1', '423.00', '2019-08-15', '2020-04-03', 232, '1.8', '58.88'],
      ['C15-I2', '2149.11', '2019-09-30', '2020-04-03', 186, '1.8', '239.84'],
      ['C15-I3', '776.00', '2019-11-07', '2020-04-03', 148, '1.8', '68.91'],
    ]);
    expect(note.lines[0].formula).toBe('423.00 × 1.8 % / 30 × 232 days = 58.88');
    const read = await t.request('GET', `/api/v1/interest-notes/${note.id}`, { as: 'credit_clerk' });
    expect([read.headers.get('etag'), read.body]).toEqual(['"1"', note]);
    expect(await changesSince(t, seq)).toEqual([['interestNote', note.id, 'create', 1]]);
    // A second calculation replaces the draft; the first one is canceled.
    const [again] = await calculate(t, { customerIds: ['C15'], toDate: '2020-04-03' });
    expect(ok(await t.request('GET', `/api/v1/interest-notes/${note.id}`))).toMatchObject({
      status: 'canceled',
      version: 2,
    });
    expectError(
      await t.request('POST', `/api/v1/interest-notes/${note.id}/post`, { as: 'collections_agent', body: {} }),
      422,
      'rule_violation',
    );
    const balance = await balanceOf(t, 'C15');
    const posted = await postNote(t, again.id);
    expect(posted).toMatchObject({ status: 'posted', postedDate: '2020-04-03', version: 2 });
    expect(await balanceOf(t, 'C15')).toBe((Number(balance) + 377.63).toFixed(2));
    expect(await txn(t, posted.lines[0].chargeTransactionId)).toMatchObject({
      type: 'interest',
      amount: '58.88',
      openAmount: '58.88',
      source: 'interestNote',
      sourceRef: again.id,
    });
    expect(await txn(t, posted.fees[0].transactionId)).toMatchObject({ type: 'fee', amount: '10.00' });
    // Posting twice is refused; the charged period is not charged again.
    expectError(
      await t.request('POST', `/api/v1/interest-notes/${again.id}/post`, { as: 'collections_agent' }),
      422,
      'rule_violation',
    );
    expect(await calculate(t, { customerIds: ['C15'], toDate: '2020-04-03' })).toEqual([]);
    const later = await calculate(t, { customerIds: ['C15'], toDate: '2020-05-03' });
    expect(later[0].lines.map((l: any) => [l.fromDate, l.days])).toEqual([
      ['2020-04-03', 30],
      ['2020-04-03', 30],
      ['2020-04-03', 30],
    ]);
    // E17: a payment splits the period.
    await customerWithCode(t, 'C17', 'M18');
    await postTransactions(t, [
      { id: 'C17-I', customerId: 'C17', type: 'invoice', amount: '1000.00', dueDate: '2024-04-15' },
      { id: 'C17-P', customerId: 'C17', type: 'payment', amount: '-400.00' },
    ]);
    await settleBy(t, 'C17-I', 'C17-P', '400.00', '2024-05-15');
    const [n17] = await calculate(t, { customerIds: ['C17'], toDate: '2024-06-14' });
    expect(n17.lines.map((l: any) => [l.baseAmount, l.days, l.interestAmount])).toEqual([
      ['400.00', 30, '7.20'],
      ['600.00', 60, '21.60'],
    ]);
    // Unknown customers, customers without a code: 422 naming customerIds.N, nothing written.
    await putCustomer(t, 'NOCODE');
    const before = await moneyState(t, ['C15']);
    expect(
      expectError(
        await t.request('POST', '/api/v1/interest-notes:calculate', {
          as: 'collections_agent',
          body: { customerIds: ['C15', 'NOPE', 'NOCODE'], toDate: '2020-05-03' },
        }),
        422,
        'rule_violation',
      ).map((d) => d.path),
    ).toEqual(['customerIds.1', 'customerIds.2']);
    expectError(
      await t.request('POST', '/api/v1/interest-notes:calculate', {
        as: 'credit_clerk',
        body: { toDate: '2020-05-03' },
      }),
      403,
      'forbidden',
    );
    expect(
      expectError(
        await t.request('POST', '/api/v1/interest-notes:calculate', {
          as: 'collections_agent',
          body: { toDate: '2020-05-03', fromDate: '2020-06-01' },
        }),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['fromDate']);
    await expectMoneyUnchanged(t, ['C15'], before);
  });

  it('collections E21 waive IN-1 (58.88 + 10.00, 20.00 paid) on 07-20: a credit note of 48.88 settles it, the balance falls by 48.88, a history row is written', async () => {
    const note = await in1(t, 'C21', 'M18');
    expect(await balanceOf(t, 'C21')).toBe('471.88'); // 423.00 + 68.88 − 20.00
    const seq = await lastSeq(t);
    const waived = ok(await adjust(t, note.id, 'waive', { date: '2024-07-20' }));
    expect(waived).toMatchObject({ status: 'posted', adjustmentStatus: 'waived', version: 3 });
    expect(waived.lines[0]).toMatchObject({ adjustmentStatus: 'waived', waivedAmount: '38.88' });
    expect(waived.fees[0]).toMatchObject({ adjustmentStatus: 'waived', waivedAmount: '10.00' });
    expect(await txn(t, waived.lines[0].chargeTransactionId)).toMatchObject({
      openAmount: '0.00',
      closedDate: '2024-07-20',
    });
    expect(await txn(t, waived.fees[0].transactionId)).toMatchObject({ openAmount: '0.00' });
    expect(await balanceOf(t, 'C21')).toBe('423.00');
    const page = ok(await t.request('GET', '/api/v1/customers/C21/collections'));
    expect(page.adjustmentHistory).toEqual([
      expect.objectContaining({
        target: 'interestNote',
        targetRef: note.id,
        action: 'waive',
        amount: '48.88',
        currency: 'USD',
        date: '2024-07-20',
        userId: t.userIds.collections_agent,
      }),
    ]);
    const credit = await txn(t, page.adjustmentHistory[0].adjustmentTransactionIds[0]);
    expect(credit).toMatchObject({
      type: 'creditNote',
      amount: '-48.88',
      openAmount: '0.00',
      transDate: '2024-07-20',
      source: 'waive',
    });
    expect(page.interestNotes.map((n: any) => [n.id, n.adjustmentStatus])).toEqual([[note.id, 'waived']]);
    expect(page.fees.map((f: any) => [f.id, f.adjustmentStatus])).toEqual([[note.fees[0].id, 'waived']]);
    // Change feed and audit carry it: the credit note, the settlements, the fee, the note, the history row.
    const entities = (await changesSince(t, seq)).map(([e]) => e);
    expect(new Set(entities)).toEqual(new Set(['transaction', 'settlement', 'fee', 'interestNote', 'adjustment']));
    expect((await auditActions(t, 'interestNote', note.id)).at(-1)).toMatchObject({
      action: 'interestNote.waive',
      userId: t.userIds.collections_agent,
    });
    // Waiving twice: 422, nothing written (whole note, the line, the fee through /fees).
    const before = await moneyState(t, ['C21']);
    for (const res of [
      await adjust(t, note.id, 'waive', { date: '2024-07-21' }),
      await adjust(t, note.id, 'waive', { lineId: note.lines[0].id, date: '2024-07-21' }),
      await t.request('POST', `/api/v1/fees/${note.fees[0].id}/waive`, {
        as: 'collections_agent',
        body: { date: '2024-07-21' },
      }),
    ]) {
      expect(expectError(res, 422, 'rule_violation').length).toBeGreaterThan(0);
      expect(res.body.error.message).toMatch(/waived/);
    }
    await expectMoneyUnchanged(t, ['C21'], before);
  });

  it('collections E22 the cumulative limit counts reinstated waives (60 + 48.88 > 100 refused); the window allows 60 days, not 61', async () => {
    await customerWithCode(t, 'C22', 'M18');
    const fee = ok(
      await t.request('POST', '/api/v1/fees', {
        as: 'collections_agent',
        body: { customerId: 'C22', amount: '60.00', date: '2024-06-01', code: 'LATE' },
      }),
      201,
    );
    ok(
      await t.request('POST', `/api/v1/fees/${fee.id}/waive`, {
        as: 'collections_agent',
        body: { date: '2024-06-02' },
      }),
    );
    expect(
      ok(
        await t.request('POST', `/api/v1/fees/${fee.id}/reinstate`, {
          as: 'collections_agent',
          body: { date: '2024-06-03' },
        }),
      ),
    ).toMatchObject({ adjustmentStatus: 'reinstated' });
    const note = await in1(t, 'C22', 'M18', false);
    const before = await moneyState(t, ['C22']);
    const refused = await adjust(t, note.id, 'waive', { date: '2024-07-20' });
    expectError(refused, 422, 'rule_violation');
    expect(refused.body.error.message).toMatch(/60\.00 already waived.*108\.88/);
    await expectMoneyUnchanged(t, ['C22'], before);

    const fresh = await in1(t, 'C22B', 'M18');
    const state = await moneyState(t, ['C22B']);
    const late = await adjust(t, fresh.id, 'waive', { date: '2024-08-31' });
    expect(expectError(late, 422, 'rule_violation')).toEqual([{ path: 'date', message: 'outside the waive window' }]);
    await expectMoneyUnchanged(t, ['C22B'], state);
    expect(ok(await adjust(t, fresh.id, 'waive', { date: '2024-08-30' }))).toMatchObject({
      adjustmentStatus: 'waived',
    });
  });

  it('collections E23 reinstate IN-1: a debit of 48.88, the balance rises by 48.88, status reinstated; a second reinstate is refused', async () => {
    const [note] = ok(await t.request('GET', '/api/v1/interest-notes?customerId=C21&status=posted')).items as any[];
    const reinstated = ok(await adjust(t, note.id, 'reinstate', { date: '2024-07-25' }));
    expect(reinstated.adjustmentStatus).toBe('reinstated');
    expect(await balanceOf(t, 'C21')).toBe('471.88');
    const history = ok(await t.request('GET', '/api/v1/customers/C21/collections')).adjustmentHistory;
    expect(history.map((h: any) => [h.action, h.amount])).toEqual([
      ['waive', '48.88'],
      ['reinstate', '48.88'],
    ]);
    const debits = await Promise.all(history[1].adjustmentTransactionIds.map((id: string) => txn(t, id)));
    expect(debits.map((d: any) => [d.type, d.amount, d.openAmount, d.source])).toEqual([
      ['interest', '38.88', '38.88', 'reinstate'],
      ['fee', '10.00', '10.00', 'reinstate'],
    ]);
    expect(reinstated.lines[0].chargeTransactionId).toBe(debits[0].id);
    const before = await moneyState(t, ['C21']);
    const again = await adjust(t, note.id, 'reinstate', { date: '2024-07-26' });
    expectError(again, 422, 'rule_violation');
    expect(again.body.error.message).toMatch(/not waived|nothing on it/);
    expectError(await adjust(t, note.id, 'reinstate', { lineId: note.lines[0].id }), 422, 'rule_violation');
    await expectMoneyUnchanged(t, ['C21'], before);
    // A reinstated charge can be waived again, and still counts towards the limit: 48.88 + 48.88 ≤ 100.
    expect(ok(await adjust(t, note.id, 'waive', { date: '2024-07-27' })).adjustmentStatus).toBe('waived');
    expect(await balanceOf(t, 'C21')).toBe('423.00');
  });

  it('collections E24 reverse newest first, never a fee alone; a reversed period is charged again, a waived one is not', async () => {
    await customerWithCode(t, 'C24', 'IC24');
    await postTransactions(t, [
      { id: 'C24-I', customerId: 'C24', type: 'invoice', amount: '1000.00', dueDate: '2024-05-01' },
    ]);
    const [in2] = await calculate(t, { customerIds: ['C24'], toDate: '2024-05-31' });
    expect([in2.lines.map((l: any) => l.interestAmount), in2.fees.map((f: any) => f.amount)]).toEqual([
      ['30.00'],
      ['5.00'],
    ]);
    await postNote(t, in2.id);
    const [in3] = await calculate(t, { customerIds: ['C24'], toDate: '2024-06-12' });
    expect([in3.lines.map((l: any) => [l.fromDate, l.interestAmount]), in3.fees]).toEqual([
      [['2024-05-31', '12.00']],
      [],
    ]);
    await postNote(t, in3.id);
    expect(await balanceOf(t, 'C24')).toBe('1047.00');

    const before = await moneyState(t, ['C24']);
    const fee = await adjust(t, in2.id, 'reverse', { feeId: in2.fees[0].id });
    expectError(fee, 422, 'rule_violation');
    expect(fee.body.error.message).toMatch(/fee cannot be reversed on its own/);
    const order = await adjust(t, in2.id, 'reverse');
    expectError(order, 422, 'rule_violation');
    expect(order.body.error.message).toMatch(new RegExp(`reverse the newer note ${in3.id} first`));
    expectError(await adjust(t, in2.id, 'reverse', { lineId: in2.lines[0].id }), 422, 'rule_violation');
    await expectMoneyUnchanged(t, ['C24'], before);

    const r3 = ok(await adjust(t, in3.id, 'reverse', { date: '2024-06-15' }));
    expect(r3.adjustmentStatus).toBe('reversed');
    const r2 = ok(await adjust(t, in2.id, 'reverse', { date: '2024-06-15' }));
    expect(r2.adjustmentStatus).toBe('reversed');
    const history = ok(await t.request('GET', '/api/v1/customers/C24/collections')).adjustmentHistory;
    expect(history.map((h: any) => [h.targetRef, h.action, h.amount])).toEqual([
      [in3.id, 'reverse', '12.00'],
      [in2.id, 'reverse', '35.00'],
    ]);
    expect(await balanceOf(t, 'C24')).toBe('1000.00');
    expectError(await adjust(t, in3.id, 'reverse'), 422, 'rule_violation');

    // Recalculation charges the reversed periods again (per version: 30.00 + 12.00, no fee after 06-01).
    const [in4] = await calculate(t, { customerIds: ['C24'], toDate: '2024-06-12' });
    expect(in4.lines.map((l: any) => [l.fromDate, l.toDate, l.interestAmount])).toEqual([
      ['2024-05-01', '2024-05-31', '30.00'],
      ['2024-05-31', '2024-06-12', '12.00'],
    ]);
    await postNote(t, in4.id);
    ok(await adjust(t, in4.id, 'waive', { date: '2024-06-20' }));
    // A waived period is not charged again.
    expect(await calculate(t, { customerIds: ['C24'], toDate: '2024-06-12' })).toEqual([]);
    const [in5] = await calculate(t, { customerIds: ['C24'], toDate: '2024-06-20' });
    expect(in5.lines.map((l: any) => [l.fromDate, l.days, l.interestAmount])).toEqual([['2024-06-12', 8, '8.00']]);
  });

  it('collections E25 write-off from the customer with separate tax: customer credit 1,400, 618000 debit 1,300, tax 222200 debit 100; post closes all, reverse reopens them', async () => {
    await putCustomer(t, 'C9');
    await postTransactions(t, [
      {
        id: 'C9-INV1',
        customerId: 'C9',
        type: 'invoice',
        amount: '1100.00',
        taxAmount: '100.00',
        dueDate: '2024-05-01',
      },
      { id: 'C9-INV2', customerId: 'C9', type: 'invoice', amount: '500.00', dueDate: '2024-05-15' },
      { id: 'C9-CN1', customerId: 'C9', type: 'creditNote', amount: '-200.00', dueDate: '2024-05-20' },
    ]);
    const seq = await lastSeq(t);
    const draft = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C9', date: '2024-06-30', comment: 'bankrupt' },
      }),
      201,
    );
    expect(draft).toMatchObject({
      customerId: 'C9',
      status: 'unposted',
      reasonCode: 'BADDEBT',
      comment: 'bankrupt',
      separateSalesTax: true,
      version: 1,
    });
    expect(draft.lines.map((l: any) => [l.lineType, l.accountId, l.currency, l.debit, l.credit])).toEqual([
      ['customer', 'C9', 'USD', '0.00', '1400.00'],
      ['ledger', '618000', 'USD', '1300.00', '0.00'],
      ['tax', '222200', 'USD', '100.00', '0.00'],
    ]);
    expect(await changesSince(t, seq)).toEqual([['writeOff', draft.id, 'create', 1]]);
    const posted = ok(await t.request('POST', `/api/v1/write-offs/${draft.id}/post`, { as: 'collections_agent' }));
    expect(posted).toMatchObject({ status: 'posted', postedDate: '2024-06-30', version: 2 });
    expect(await balanceOf(t, 'C9')).toBe('0.00');
    for (const id of ['C9-INV1', 'C9-INV2', 'C9-CN1']) expect((await txn(t, id)).openAmount).toBe('0.00');
    expect(await txn(t, posted.lines[0].transactionId)).toMatchObject({
      type: 'writeOff',
      amount: '-1400.00',
      openAmount: '0.00',
    });
    const before = await moneyState(t, ['C9']);
    expectError(
      await t.request('POST', `/api/v1/write-offs/${draft.id}/post`, { as: 'collections_agent' }),
      422,
      'rule_violation',
    );
    // Writing off nothing: the customer has no open items left.
    const nothing = await t.request('POST', '/api/v1/write-offs', {
      as: 'collections_agent',
      body: { customerId: 'C9', date: '2024-07-01' },
    });
    expectError(nothing, 422, 'rule_violation');
    expect(nothing.body.error.message).toMatch(/nothing to write off/);
    await expectMoneyUnchanged(t, ['C9'], before);

    const reversed = ok(
      await t.request('POST', `/api/v1/write-offs/${draft.id}/reverse`, {
        as: 'credit_manager',
        body: { date: '2024-07-02' },
      }),
    );
    expect(reversed).toMatchObject({ status: 'reversed', reversedDate: '2024-07-02' });
    expect(
      (await Promise.all(['C9-INV1', 'C9-INV2', 'C9-CN1'].map((id) => txn(t, id)))).map((x) => [
        x.openAmount,
        x.dueDate,
      ]),
    ).toEqual([
      ['1100.00', '2024-05-01'],
      ['500.00', '2024-05-15'],
      ['-200.00', '2024-05-20'],
    ]);
    expect(await balanceOf(t, 'C9')).toBe('1400.00');
    expectError(
      await t.request('POST', `/api/v1/write-offs/${draft.id}/reverse`, { as: 'credit_manager' }),
      422,
      'rule_violation',
    );
    // Separate tax = No: the whole 1,400.00 goes to 618000.
    ok(await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { separateSalesTax: false } }));
    const noTax = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C9', date: '2024-07-03' },
      }),
      201,
    );
    expect(noTax.lines.map((l: any) => [l.lineType, l.debit, l.credit])).toEqual([
      ['customer', '0.00', '1400.00'],
      ['ledger', '1400.00', '0.00'],
    ]);
    ok(await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { separateSalesTax: true } }));
  });

  it('collections E26 write-off of selected transactions: INV-2 alone leaves 900.00; half-paid INV-1 splits 550 into tax 50 and 500', async () => {
    await putCustomer(t, 'C26');
    await postTransactions(t, [
      {
        id: 'C26-INV1',
        customerId: 'C26',
        type: 'invoice',
        amount: '1100.00',
        taxAmount: '100.00',
        dueDate: '2024-05-01',
      },
      { id: 'C26-INV2', customerId: 'C26', type: 'invoice', amount: '500.00', dueDate: '2024-05-15' },
      { id: 'C26-CN1', customerId: 'C26', type: 'creditNote', amount: '-200.00' },
      { id: 'C26-PAY', customerId: 'C26', type: 'payment', amount: '-550.00' },
    ]);
    const w = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C26', transactionIds: ['C26-INV2'], reasonCode: 'BADDEBT', date: '2024-06-30' },
      }),
      201,
    );
    expect(w.lines.map((l: any) => [l.lineType, l.accountId, l.debit, l.credit])).toEqual([
      ['customer', 'C26', '0.00', '500.00'],
      ['ledger', '618000', '500.00', '0.00'],
    ]);
    ok(await t.request('POST', `/api/v1/write-offs/${w.id}/post`, { as: 'collections_agent' }));
    expect(await balanceOf(t, 'C26')).toBe('350.00'); // 1,100 − 200 − 550: the E26 900.00 before the payment
    await settleBy(t, 'C26-INV1', 'C26-PAY', '550.00', '2024-06-01');
    const v = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C26', transactionIds: ['C26-INV1'], date: '2024-06-30' },
      }),
      201,
    );
    expect(v.lines.map((l: any) => [l.lineType, l.accountId, l.debit, l.credit])).toEqual([
      ['customer', 'C26', '0.00', '550.00'],
      ['ledger', '618000', '500.00', '0.00'],
      ['tax', '222200', '50.00', '0.00'],
    ]);
    // Listed ids must be open transactions of the customer; a draft that no longer matches the ledger is not posted.
    const before = await moneyState(t, ['C26', 'C9']);
    expect(
      expectError(
        await t.request('POST', '/api/v1/write-offs', {
          as: 'collections_agent',
          body: { customerId: 'C26', transactionIds: ['C26-INV2', 'C9-INV1', 'NOPE'], date: '2024-06-30' },
        }),
        422,
        'rule_violation',
      ).map((d) => d.path),
    ).toEqual(['transactionIds.0', 'transactionIds.1', 'transactionIds.2']);
    expectError(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C26', reasonCode: 'NSF-CHK', date: '2024-06-30' },
      }),
      422,
      'rule_violation',
    );
    expectError(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'credit_clerk',
        body: { customerId: 'C26', date: '2024-06-30' },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'NOPE', date: '2024-06-30' },
      }),
      404,
      'not_found',
    );
    await expectMoneyUnchanged(t, ['C26', 'C9'], before);
    await postTransactions(t, [{ id: 'C26-CN2', customerId: 'C26', type: 'creditNote', amount: '-50.00' }]);
    await settleBy(t, 'C26-INV1', 'C26-CN2', '50.00', '2024-06-20');
    const stale = await t.request('POST', `/api/v1/write-offs/${v.id}/post`, { as: 'collections_agent' });
    expect(expectError(stale, 422, 'rule_violation').map((d) => d.path)).toEqual(['C26-INV1']);
  });

  it('collections E27 several currencies: a customer line and a ledger line per currency; a lone credit note is written off as a customer debit', async () => {
    await putCustomer(t, 'C10');
    // Currency arithmetic (issue 20): EUR at 1.10 USD, so INV 500 EUR is 550.00 USD, CN −200 EUR is −220.00 USD.
    await putExchangeRates(t, { EUR: '1.10' });
    await postTransactions(t, [
      { id: 'C10-U', customerId: 'C10', type: 'invoice', amount: '1000.00', currency: 'USD' },
      { id: 'C10-E', customerId: 'C10', type: 'invoice', amount: '500.00', currency: 'EUR' },
      { id: 'C10-CN', customerId: 'C10', type: 'creditNote', amount: '-200.00', currency: 'EUR' },
    ]);
    const w = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C10', date: '2024-06-30' },
      }),
      201,
    );
    expect(w.lines.map((l: any) => [l.lineType, l.currency, l.debit, l.credit])).toEqual([
      ['customer', 'EUR', '0.00', '300.00'],
      ['ledger', 'EUR', '300.00', '0.00'],
      ['customer', 'USD', '0.00', '1000.00'],
      ['ledger', 'USD', '1000.00', '0.00'],
    ]);
    const cn = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'C10', transactionIds: ['C10-CN'], date: '2024-06-30' },
      }),
      201,
    );
    expect(cn.lines.map((l: any) => [l.lineType, l.currency, l.debit, l.credit])).toEqual([
      ['customer', 'EUR', '200.00', '0.00'],
      ['ledger', 'EUR', '0.00', '200.00'],
    ]);
    const posted = ok(await t.request('POST', `/api/v1/write-offs/${cn.id}/post`, { as: 'collections_agent' }));
    expect(await txn(t, posted.lines[0].transactionId)).toMatchObject({
      type: 'writeOff',
      amount: '200.00',
      openAmount: '0.00',
      currency: 'EUR',
      // 200 EUR at the write-off date's rate 1.10 = 220.00 USD; it closes the CN in both currencies
      amountAccounting: '220.00',
      openAmountAccounting: '0.00',
    });
    expect(await txn(t, 'C10-CN')).toMatchObject({
      openAmount: '0.00',
      amountAccounting: '-220.00',
      openAmountAccounting: '0.00',
    });
    // A posting profile with its own write-off account uses it instead of the parameter's.
    ok(
      await t.request('PUT', '/api/v1/write-off-accounts/619000', {
        as: 'credit_manager',
        body: { name: 'Export bad debts', postingProfile: 'EXPORT' },
      }),
      201,
    );
    await putCustomer(t, 'CEXP', { postingProfile: 'EXPORT' });
    await postTransactions(t, [
      { id: 'CEXP-I', customerId: 'CEXP', type: 'invoice', amount: '80.00', taxAmount: '8.00' },
    ]);
    const exp = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'CEXP', date: '2024-06-30' },
      }),
      201,
    );
    expect(exp.lines.map((l: any) => [l.lineType, l.accountId, l.postingProfile, l.debit, l.credit])).toEqual([
      ['customer', 'CEXP', 'EXPORT', '0.00', '80.00'],
      ['ledger', '619000', 'EXPORT', '80.00', '0.00'],
    ]);
  });

  it('collections E28 NSF: the payment is canceled, INV-N1 reopens at 1,000.00 with its due date, a fee of 25.00, balance 1,025.00, an NSF record', async () => {
    await putCustomer(t, 'C28');
    await postTransactions(t, [
      { id: 'INV-N1', customerId: 'C28', type: 'invoice', amount: '1000.00', dueDate: '2024-06-01' },
      {
        id: 'PAY-N1',
        customerId: 'C28',
        type: 'payment',
        amount: '-1000.00',
        transDate: '2024-06-05',
        bankAccountId: 'BANK1',
        paymentJournal: 'ARPAY',
      },
    ]);
    await settleBy(t, 'INV-N1', 'PAY-N1', '1000.00', '2024-06-05');
    expect(await balanceOf(t, 'C28')).toBe('0.00');
    const seq = await lastSeq(t);
    const nsf = ok(
      await t.request('POST', '/api/v1/payments/PAY-N1/nsf', {
        as: 'collections_agent',
        body: { reasonCode: 'NSF-CHK', date: '2024-06-12', comment: 'returned by bank' },
      }),
      201,
    );
    expect(nsf).toMatchObject({
      customerId: 'C28',
      paymentId: 'PAY-N1',
      bankAccountId: 'BANK1',
      date: '2024-06-12',
      reasonCode: 'NSF-CHK',
      comment: 'returned by bank',
      feeAmount: '25.00',
      feeJournal: 'NSF',
      userId: t.userIds.collections_agent,
    });
    expect(nsf.reopenedSettlements.map((s: any) => [s.debitId, s.creditId, s.amount])).toEqual([
      ['INV-N1', 'PAY-N1', '1000.00'],
    ]);
    expect(await txn(t, 'PAY-N1')).toMatchObject({ canceled: true, openAmount: '0.00' });
    expect(await txn(t, nsf.reversalTransactionId)).toMatchObject({
      type: 'nsfReversal',
      amount: '1000.00',
      openAmount: '0.00',
      canceled: true,
    });
    expect(await txn(t, 'INV-N1')).toMatchObject({ openAmount: '1000.00', dueDate: '2024-06-01', closedDate: null });
    expect(nsf.fee).toMatchObject({ source: 'nsf', code: 'NSF', amount: '25.00', sourceRef: 'PAY-N1' });
    expect(await balanceOf(t, 'C28')).toBe('1025.00');
    const entities = new Set((await changesSince(t, seq)).map(([e]) => e));
    expect(entities).toEqual(new Set(['transaction', 'settlement', 'fee', 'nsf']));
    expect((await auditActions(t, 'nsf', nsf.id))[0]).toMatchObject({ action: 'nsf.create', reason: 'NSF-CHK' });
    // The new fee can be waived like any fee.
    expect(ok(await t.request('GET', '/api/v1/customers/C28/collections')).fees.map((f: any) => f.amount)).toEqual([
      '25.00',
    ]);
  });

  it('collections E29 NSF refused on an invoice, a payment without bank account, a canceled payment; a partly applied payment reopens only what it paid', async () => {
    await putCustomer(t, 'C29');
    await postTransactions(t, [
      { id: 'C29-NOBANK', customerId: 'C29', type: 'payment', amount: '-10.00' },
      { id: 'C29-INVA', customerId: 'C29', type: 'invoice', amount: '1000.00', dueDate: '2024-06-01' },
      { id: 'C29-PAY', customerId: 'C29', type: 'payment', amount: '-1000.00', bankAccountId: 'BANK1' },
    ]);
    const before = await moneyState(t, ['C28', 'C29']);
    const body = { reasonCode: 'NSF-CHK', date: '2024-06-12' };
    for (const [id, pattern] of [
      ['INV-N1', /not a payment/],
      ['C29-NOBANK', /no bank account/],
      ['PAY-N1', /already canceled/],
    ] as const) {
      const res = await t.request('POST', `/api/v1/payments/${id}/nsf`, { as: 'collections_agent', body });
      expectError(res, 422, 'rule_violation');
      expect(res.body.error.message).toMatch(pattern);
    }
    expectError(
      await t.request('POST', '/api/v1/payments/NOPE/nsf', { as: 'collections_agent', body }),
      404,
      'not_found',
    );
    expectError(
      await t.request('POST', '/api/v1/payments/C29-PAY/nsf', {
        as: 'collections_agent',
        body: { ...body, reasonCode: 'BADDEBT' },
      }),
      422,
      'rule_violation',
    );
    expectError(await t.request('POST', '/api/v1/payments/C29-PAY/nsf', { as: 'integration', body }), 403, 'forbidden');
    await expectMoneyUnchanged(t, ['C28', 'C29'], before);

    await settleBy(t, 'C29-INVA', 'C29-PAY', '700.00', '2024-06-05');
    const balance = await balanceOf(t, 'C29'); // 1000 − 1000 − 10
    expect(balance).toBe('-10.00');
    ok(await t.request('POST', '/api/v1/payments/C29-PAY/nsf', { as: 'credit_manager', body }), 201);
    expect((await txn(t, 'C29-INVA')).openAmount).toBe('1000.00');
    expect(await txn(t, 'C29-PAY')).toMatchObject({ openAmount: '0.00', canceled: true });
    expect(await balanceOf(t, 'C29')).toBe('1015.00'); // +1,000.00 and the 25.00 fee
  });

  it('Idempotency-Key replays a waive; fees are fee transactions; roles: collections_agent or credit_manager only', async () => {
    await putCustomer(t, 'CF');
    const fee = ok(
      await t.request('POST', '/api/v1/fees', {
        as: 'credit_manager',
        body: { customerId: 'CF', amount: '15.5', date: '2024-06-01', code: 'LATE' },
      }),
      201,
    );
    expect(fee).toMatchObject({
      customerId: 'CF',
      source: 'manual',
      code: 'LATE',
      amount: '15.50',
      currency: 'USD',
      date: '2024-06-01',
      adjustmentStatus: 'none',
      version: 1,
    });
    expect(await txn(t, fee.transactionId)).toMatchObject({ type: 'fee', amount: '15.50', openAmount: '15.50' });
    const headers = { 'Idempotency-Key': 'waive-cf-1' };
    const first = await t.request('POST', `/api/v1/fees/${fee.id}/waive`, {
      as: 'collections_agent',
      body: { date: '2024-06-05' },
      headers,
    });
    const second = await t.request('POST', `/api/v1/fees/${fee.id}/waive`, {
      as: 'collections_agent',
      body: { date: '2024-06-05' },
      headers,
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await balanceOf(t, 'CF')).toBe('0.00');
    for (const as of ['admin', 'credit_clerk', 'integration'] as const)
      expectError(await t.request('POST', '/api/v1/fees', { as, body: {} }), 403, 'forbidden');
    expectError(
      await t.request('POST', `/api/v1/fees/${fee.id}/reverse`, { as: 'collections_agent' }),
      404,
      'not_found',
    );
    expect(
      expectError(
        await t.request('POST', '/api/v1/fees', {
          as: 'collections_agent',
          body: { customerId: 'CF', amount: '-1', date: '2024-06-01', code: 'LATE', extra: 1 },
        }),
        400,
        'invalid_request',
      )
        .map((d) => d.path)
        .sort(),
    ).toEqual(['amount', 'extra']);
    // Optional bodies are still checked: a line and a fee at once, unknown fields, malformed JSON.
    const [note] = ok(await t.request('GET', '/api/v1/interest-notes?customerId=C21&status=posted')).items as any[];
    expect(
      expectError(
        await adjust(t, note.id, 'waive', { lineId: note.lines[0].id, feeId: note.fees[0].id }),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['feeId']);
    expect(
      expectError(await adjust(t, note.id, 'reverse', { when: '2024-01-01' }), 400, 'invalid_request').map(
        (d) => d.path,
      ),
    ).toEqual(['when']);
    expectError(
      await t.request('POST', `/api/v1/interest-notes/${note.id}/waive`, {
        as: 'collections_agent',
        raw: '{"date":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_request',
    );
    expectError(await adjust(t, 'IN-NOPE', 'waive'), 404, 'not_found');
    expectError(await t.request('POST', '/api/v1/fees/FEE-NOPE/waive', { as: 'collections_agent' }), 404, 'not_found');
  });
});
