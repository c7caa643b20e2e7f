// Issue 18, items 8 and 9 (dates): every date the API accepts lies within 1900-01-01 … 2199-12-31
// (a 400 naming the field outside it, in bodies, query strings, batch items and upload cells), so
// 9999-12-31 and 0001-01-01 can no longer be stored and break later requests; date arithmetic
// that still leaves the calendar answers 422, never 500. And the dates a ledger action carries
// make sense: an NSF not before its payment or the settlements it reverses, a write-off not
// before what it writes off, interest neither calculated nor posted to a day to come, an entry
// not due before its document date. Every refusal changes nothing. Both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { detailPaths, expectError, lastSeq } from '../support/conventions';
import {
  addRule,
  cluAll,
  ok,
  postingCheckpoints,
  putCustomer,
  putOrder,
  reasonCode,
  setCheckpoints,
} from '../support/credit';
import { definitionBody, STD } from '../support/aging-definitions';
import { calculate, customerWithCode, putInterestCode } from '../support/collections-money';
import { addDays, todayUtc } from '../../shared/dates';

const OUTSIDE = ['0001-01-01', '1899-12-31', '2200-01-01', '9999-12-31'];
const RANGE = 'must be between 1900-01-01 and 2199-12-31';
const feed = (t: TestApp, items: Record<string, unknown>[]) =>
  t.request('POST', '/api/v1/transactions:batch', {
    as: 'integration',
    body: { items: items.map((i) => ({ type: 'invoice', currency: 'USD', transDate: '2024-01-01', ...i })) },
  });

describe.each(DIALECTS)('hostile dates on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/STD', { as: 'credit_manager', body: definitionBody(STD) }),
      201,
    );
    await putCustomer(t, 'C1');
    await reasonCode(t, 'REL', 'release');
    await reasonCode(t, 'BADDEBT', 'writeOff');
    await reasonCode(t, 'NSF-CHK', 'nsf');
    ok(
      await t.request('PUT', '/api/v1/bank-accounts/BANK1', {
        as: 'credit_manager',
        body: { name: 'Main bank', nsfFee: '0.00' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/write-off-accounts/618000', {
        as: 'credit_manager',
        body: { name: 'Bad debts' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/parameters', {
        as: 'credit_manager',
        body: { writeOffAccountId: '618000', writeOffReasonCode: 'BADDEBT' },
      }),
    );
  });
  afterAll(() => t?.close());

  it('a body date outside 1900-01-01 … 2199-12-31 is a 400 naming the field; both ends are accepted', async () => {
    const seq = await lastSeq(t);
    for (const date of OUTSIDE) {
      const res = await t.request('PUT', '/api/v1/customers/CX', {
        as: 'integration',
        body: { name: 'X', currency: 'USD', creditLimit: '1.00', creditLimitExpirationDate: date },
      });
      expect(expectError(res, 400, 'invalid_request'), date).toEqual([
        { path: 'creditLimitExpirationDate', message: RANGE },
      ]);
      expect(
        detailPaths(
          await t.request('POST', '/api/v1/credit-check', {
            body: { customerId: 'C1', orderAmount: '1.00', asOf: date },
          }),
        ),
      ).toEqual(['asOf']);
      const validation = ok(
        await t.request('POST', '/api/v1/adjustment-journals:validate', {
          as: 'credit_clerk',
          body: { type: 'creditLimit', lines: [{ customerId: 'C1', newCreditLimit: '5.00', newExpirationDate: date }] },
        }),
      );
      expect(validation.lines[0].errors).toEqual([{ path: 'lines.0.newExpirationDate', message: RANGE }]);
    }
    expect(await lastSeq(t)).toBe(seq);
    ok(
      await t.request('PUT', '/api/v1/customers/CLO', {
        as: 'integration',
        body: {
          name: 'Low',
          currency: 'USD',
          creditLimit: '1.00',
          creditLimitExpirationDate: '1900-01-01',
          customerSince: '1900-01-01',
        },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/customers/CHI', {
        as: 'integration',
        body: { name: 'High', currency: 'USD', creditLimit: '1.00', creditLimitExpirationDate: '2199-12-31' },
      }),
      201,
    );
    ok(
      await t.request('POST', '/api/v1/credit-check', {
        body: { customerId: 'CHI', orderAmount: '1.00', asOf: '2199-12-31' },
      }),
    );
    ok(
      await t.request('POST', '/api/v1/credit-check', {
        body: { customerId: 'CLO', orderAmount: '1.00', asOf: '1900-01-01' },
      }),
    );
  });

  it('a query-string date outside the range is a 400 naming it', async () => {
    for (const date of OUTSIDE) {
      expect(
        expectError(
          await t.request('GET', `/api/v1/aging-definitions/STD/periods?asOf=${date}`),
          400,
          'invalid_request',
        ),
      ).toEqual([{ path: 'query.asOf', message: RANGE }]);
      expect(
        detailPaths(
          await t.request('GET', `/api/v1/aging-report?definitionId=STD&asOf=2025-06-30&balanceAsOf=${date}`),
        ),
      ).toEqual(['query.balanceAsOf']);
    }
    ok(await t.request('GET', '/api/v1/aging-definitions/STD/periods?asOf=1900-01-01'));
    ok(await t.request('GET', '/api/v1/aging-definitions/STD/periods?asOf=2199-12-31'));
  });

  it('a feed item with a date outside the range is refused per item; nothing is saved', async () => {
    const seq = await lastSeq(t);
    const res = await feed(t, [
      { id: 'D-OK', customerId: 'C1', amount: '10.00', dueDate: '2024-02-01' },
      { id: 'D-OLD', customerId: 'C1', amount: '10.00', transDate: '0001-01-01' },
      { id: 'D-FAR', customerId: 'C1', amount: '10.00', dueDate: '9999-12-31' },
    ]);
    expect(expectError(res, 422, 'rule_violation', ['items'])).toEqual([
      { path: 'items.1.transDate', message: RANGE },
      { path: 'items.2.dueDate', message: RANGE },
    ]);
    expect(await lastSeq(t)).toBe(seq);
  });

  it('an upload cell outside the range is refused on its row, in both cell forms (text and Excel serial)', async () => {
    const csv = 'Customer,New limit,Expiry\nC1,100.00,9999-12-31\nC1,200.00,2958465\nC1,300.00,2199-12-31\n';
    const form = new FormData();
    form.append('file', new Blob([csv]), 'limits.csv');
    const res = await t.app.request('/api/v1/uploads/adjustments?dryRun=true', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.credit_clerk}` },
      body: form,
    });
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as any;
    const rows = (body.rows ?? body.error?.details ?? []) as any[];
    const text = JSON.stringify(body);
    expect(text).not.toContain('"internal"');
    // Rows 2 and 3 (9999-12-31 as text and as serial 2958465) are refused on their Expiry; row 4 is fine.
    const bad = rows.filter((r: any) => (r.errors ?? []).length > 0).map((r: any) => r.row);
    expect(bad).toEqual([2, 3]);
    expect(body.valid).toBe(false);
  });

  it('a period of more than a century is refused where it is defined, naming the line', async () => {
    const millennia = [
      { label: 'Older', unit: -1, interval: 'unlimited' },
      { label: 'Millennia', unit: -3650, interval: 'year' },
      { label: 'Due', unit: 0, interval: 'day' },
    ];
    const res = await t.request('PUT', '/api/v1/aging-definitions/MILLENNIA', {
      as: 'credit_manager',
      body: { name: 'Millennia', lines: millennia },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.details).toContainEqual({
      path: 'lines.1.unit',
      message: 'at most 100 years before or after the as-of date (a century)',
    });
  });

  it('periods of up to a century each, from both ends of the accepted dates, stay within the calendar: answered, never a 500', async () => {
    const lines = [
      { label: 'Older', unit: -1, interval: 'unlimited' },
      ...[1, 2, 3, 4].map((n) => ({ label: `Century ${n}`, unit: -100, interval: 'year' })),
      { label: 'Due', unit: 0, interval: 'day' },
    ];
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/DEEP', { as: 'credit_manager', body: { name: 'Deep', lines } }),
      201,
    );
    const early = ok(await t.request('GET', '/api/v1/aging-definitions/DEEP/periods?asOf=1900-01-01'));
    expect(early.periods[0].to).toBe('1499-12-31');
    const future = [
      { label: 'Due', unit: 0, interval: 'day' },
      ...[1, 2, 3, 4, 5].map((n) => ({ label: `Ahead ${n}`, unit: 100, interval: 'year' })),
    ];
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/AHEAD', {
        as: 'credit_manager',
        body: { name: 'Ahead', lines: future },
      }),
      201,
    );
    const late = ok(await t.request('GET', '/api/v1/aging-definitions/AHEAD/periods?asOf=2199-12-31'));
    expect(late.periods.at(-1).to).toBe('2699-12-31');
  });

  it('journal generate from an expiry at the end of the range: a 422 naming the line past 2199, never a 500 (the 9999-12-31 repro)', async () => {
    const j = ok(
      await t.request('POST', '/api/v1/adjustment-journals', {
        as: 'credit_manager',
        body: { type: 'creditLimit', lines: [] },
      }),
      201,
    );
    const generate = (days: number) =>
      t.request('POST', `/api/v1/adjustment-journals/${j.id}/generate`, {
        as: 'credit_manager',
        body: {
          mode: 'customers',
          filter: { customerIds: ['CHI'] },
          valueType: 'fixed',
          value: '1',
          dates: { mode: 'relative', days },
        },
      });
    expect(expectError(await generate(36500), 422, 'rule_violation')).toEqual([
      { path: 'lines.0.newExpirationDate', message: RANGE },
    ]);
    const back = ok(await generate(-36500));
    expect(back.lines.map((l: any) => [l.customerId, l.newExpirationDate])).toEqual([
      ['CHI', addDays('2199-12-31', -36500)],
    ]);
  });

  it('a release asOf outside the range is a 400 and leaves the hold as it was (the asOf 9999-12-31 repro)', async () => {
    await addRule(t, cluAll(100));
    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await putCustomer(t, 'CH', { creditLimit: '100.00' });
    await putOrder(t, 'SO-H', 'CH', '500.00');
    const posted = ok(
      await t.request('POST', '/api/v1/sales-orders/SO-H/post', {
        as: 'integration',
        body: { checkpoint: 'confirmation', postingType: 'posting' },
      }),
    );
    expect(posted.posted).toBe(false);
    const hold = posted.hold;
    const seq = await lastSeq(t);
    for (const asOf of ['9999-12-31', '0001-01-01']) {
      const res = await t.request('POST', `/api/v1/holds/${hold.id}/release`, {
        as: 'credit_manager',
        headers: { 'If-Match': `"${hold.version}"` },
        body: { reasonCode: 'REL', reviewDate: '2026-12-31', asOf },
      });
      expect(expectError(res, 400, 'invalid_request')).toEqual([{ path: 'asOf', message: RANGE }]);
    }
    expect(await lastSeq(t)).toBe(seq);
  });

  it('collections E28 with dates: an NSF before its payment, or before the settlement it reverses, is a 422 naming date', async () => {
    await putCustomer(t, 'CN');
    ok(
      await feed(t, [
        { id: 'CN-I', customerId: 'CN', amount: '1000.00', dueDate: '2024-06-01' },
        {
          id: 'CN-P',
          customerId: 'CN',
          type: 'payment',
          amount: '-1000.00',
          transDate: '2024-06-05',
          bankAccountId: 'BANK1',
        },
      ]),
    );
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'CN-I', creditId: 'CN-P', amount: '1000.00', date: '2024-06-10' },
      }),
      201,
    );
    const seq = await lastSeq(t);
    const early = await t.request('POST', '/api/v1/payments/CN-P/nsf', {
      as: 'collections_agent',
      body: { reasonCode: 'NSF-CHK', date: '2024-06-04' },
    });
    expect(expectError(early, 422, 'rule_violation')).toEqual([
      { path: 'date', message: 'must be on or after 2024-06-05' },
    ]);
    expect(early.body.error.message).toMatch(/before payment CN-P was posted 2024-06-05/);
    const beforeSettlement = await t.request('POST', '/api/v1/payments/CN-P/nsf', {
      as: 'collections_agent',
      body: { reasonCode: 'NSF-CHK', date: '2024-06-09' },
    });
    expect(expectError(beforeSettlement, 422, 'rule_violation')).toEqual([
      { path: 'date', message: 'must be on or after 2024-06-10' },
    ]);
    expect(await lastSeq(t)).toBe(seq);
    ok(
      await t.request('POST', '/api/v1/payments/CN-P/nsf', {
        as: 'collections_agent',
        body: { reasonCode: 'NSF-CHK', date: '2024-06-10' },
      }),
      201,
    );
  });

  it('a write-off dated before an item it covers, or reversed before its own date, is a 422 naming date', async () => {
    await putCustomer(t, 'CW');
    ok(
      await feed(t, [
        { id: 'CW-1', customerId: 'CW', amount: '100.00', dueDate: '2024-03-01' },
        { id: 'CW-2', customerId: 'CW', amount: '200.00', transDate: '2024-05-15', dueDate: '2024-06-15' },
      ]),
    );
    const seq = await lastSeq(t);
    const early = await t.request('POST', '/api/v1/write-offs', {
      as: 'collections_agent',
      body: { customerId: 'CW', date: '2024-05-14' },
    });
    expect(expectError(early, 422, 'rule_violation').map((d) => d.path)).toEqual(['date']);
    expect(early.body.error.message).toMatch(/before transaction CW-2 was posted \(2024-05-15\)/);
    expect(await lastSeq(t)).toBe(seq);
    // Only the items written off count: CW-1 alone may be written off on that date.
    ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'CW', transactionIds: ['CW-1'], date: '2024-05-14' },
      }),
      201,
    );
    const w = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'CW', transactionIds: ['CW-2'], date: '2024-05-15' },
      }),
      201,
    );
    ok(await t.request('POST', `/api/v1/write-offs/${w.id}/post`, { as: 'collections_agent' }));
    const seq2 = await lastSeq(t);
    expect(
      detailPaths(
        await t.request('POST', `/api/v1/write-offs/${w.id}/reverse`, {
          as: 'collections_agent',
          body: { date: '2024-05-14' },
        }),
      ),
    ).toEqual(['date']);
    expect(await lastSeq(t)).toBe(seq2);
    ok(
      await t.request('POST', `/api/v1/write-offs/${w.id}/reverse`, {
        as: 'collections_agent',
        body: { date: '2024-05-15' },
      }),
    );
  });

  it('interest is neither calculated to nor posted on a day to come, nor posted before its note date', async () => {
    await putInterestCode(t, 'M15', { method: 'monthly30', rate: 1.5 });
    await customerWithCode(t, 'CI', 'M15');
    ok(await feed(t, [{ id: 'CI-1', customerId: 'CI', amount: '1000.00', dueDate: '2024-04-15' }]));
    const today = todayUtc();
    const seq = await lastSeq(t);
    const future = await t.request('POST', '/api/v1/interest-notes:calculate', {
      as: 'collections_agent',
      body: { customerIds: ['CI'], toDate: addDays(today, 1) },
    });
    expect(expectError(future, 422, 'rule_violation')).toEqual([
      { path: 'toDate', message: `must not be after today (${today})` },
    ]);
    expect(await lastSeq(t)).toBe(seq);
    const [note] = await calculate(t, { customerIds: ['CI'], toDate: '2024-06-14' });
    const seq2 = await lastSeq(t);
    for (const [date, message] of [
      [addDays(today, 1), `must not be after today (${today})`],
      ['2024-06-13', 'must be on or after the note date 2024-06-14'],
    ] as const) {
      expect(
        expectError(
          await t.request('POST', `/api/v1/interest-notes/${note.id}/post`, {
            as: 'collections_agent',
            body: { date },
          }),
          422,
          'rule_violation',
        ),
      ).toEqual([{ path: 'date', message }]);
    }
    expect(await lastSeq(t)).toBe(seq2);
    expect(
      ok(
        await t.request('POST', `/api/v1/interest-notes/${note.id}/post`, {
          as: 'collections_agent',
          body: { date: today },
        }),
      ),
    ).toMatchObject({ status: 'posted', postedDate: today });
  });

  it('an entry due before its document date is refused; due before its posting date is accepted (late entry, a go-live load of open items)', async () => {
    const seq = await lastSeq(t);
    const res = await feed(t, [
      {
        id: 'DD-1',
        customerId: 'C1',
        amount: '10.00',
        transDate: '2024-03-01',
        documentDate: '2024-03-01',
        dueDate: '2024-02-29',
      },
    ]);
    expect(expectError(res, 422, 'rule_violation', ['items'])).toEqual([
      {
        path: 'items.0.dueDate',
        message: 'must not be before documentDate 2024-03-01: an entry is not due before it was made',
      },
    ]);
    expect(await lastSeq(t)).toBe(seq);
    ok(
      await feed(t, [
        {
          id: 'DD-2',
          customerId: 'C1',
          amount: '10.00',
          transDate: '2025-01-01',
          documentDate: '2024-03-01',
          dueDate: '2024-03-31',
        },
        { id: 'DD-3', customerId: 'C1', amount: '10.00', transDate: '2025-01-01', dueDate: '2024-03-31' },
        {
          id: 'DD-4',
          customerId: 'C1',
          amount: '10.00',
          transDate: '2024-03-01',
          documentDate: '2024-03-01',
          dueDate: '2024-03-01',
        },
      ]),
    );
  });

  it('a settlement dated before either of its transactions was posted is a 422 naming date; on the later posting date it settles', async () => {
    ok(
      await feed(t, [
        { id: 'ST-INV', customerId: 'C1', amount: '50.00', transDate: '2024-05-10', dueDate: '2024-06-09' },
        {
          id: 'ST-PAY',
          customerId: 'C1',
          type: 'payment',
          amount: '-50.00',
          transDate: '2024-05-20',
          dueDate: '2024-05-20',
        },
      ]),
    );
    const seq = await lastSeq(t);
    const settle = (date: string) =>
      t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'ST-INV', creditId: 'ST-PAY', amount: '50.00', date },
      });
    expect(expectError(await settle('2024-05-09'), 422, 'rule_violation')).toEqual([
      { path: 'date', message: "must be 2024-05-10 or later (the debit's posting date)" },
    ]);
    expect(expectError(await settle('2024-05-19'), 422, 'rule_violation')).toEqual([
      { path: 'date', message: "must be 2024-05-20 or later (the credit's posting date)" },
    ]);
    expect(await lastSeq(t)).toBe(seq);
    ok(await settle('2024-05-20'), 201);
  });
});
