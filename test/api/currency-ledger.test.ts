// Issue 20: exchange rates and the ledger in two currencies (collections.md §1.2, §2.3; SPEC
// "Currencies"). USD is the accounting currency (AC) throughout. The docs have no worked example
// for these rules, so each is numbered here (`ledger C…`) with its arithmetic written out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { ok, putCustomer } from '../support/credit';
import { moneySetup } from '../support/collections-money';
import { allAudit, lastSeq as lastChangeSeq } from '../support/conventions';

describe.each(DIALECTS)('currencies in the ledger on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await moneySetup(t);
    ok(
      await t.request('POST', '/api/v1/exchange-rates:batch', {
        as: 'integration',
        body: {
          items: [
            { currency: 'EUR', date: '2026-01-01', rate: '1.10' },
            { currency: 'EUR', date: '2026-02-01', rate: '1.20' },
            { currency: 'GBP', date: '2026-01-01', rate: '1.2573100001' },
          ],
        },
      }),
    );
    await putCustomer(t, 'E1', { currency: 'EUR' });
    await putCustomer(t, 'U1');
  });
  afterAll(async () => t.close());

  const post = (items: Record<string, unknown>[]) =>
    t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } });
  const txn = async (id: string) => ok(await t.request('GET', `/api/v1/transactions/${id}`));
  const settle = (body: Record<string, unknown>) =>
    t.request('POST', '/api/v1/settlements', { as: 'integration', body });
  const settled = async (body: Record<string, unknown>) => ok(await settle(body), 201);
  const inv = (id: string, customerId: string, amount: string, transDate: string, extra = {}) => ({
    id,
    customerId,
    type: 'invoice',
    amount,
    transDate,
    dueDate: transDate,
    ...extra,
  });
  const pay = (id: string, customerId: string, amount: string, transDate: string, extra = {}) => ({
    id,
    customerId,
    type: 'payment',
    amount,
    transDate,
    ...extra,
  });

  describe('exchange rates', () => {
    it('stores rates as exact decimals, lists them by currency and date, and audits each change', async () => {
      const seq = await lastChangeSeq(t);
      const created = await t.request('PUT', '/api/v1/exchange-rates/JPY/2026-01-01', {
        as: 'credit_manager',
        body: { rate: '0.0067123456' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ currency: 'JPY', date: '2026-01-01', rate: '0.0067123456', version: 1 });
      const same = await t.request('PUT', '/api/v1/exchange-rates/JPY/2026-01-01', {
        as: 'integration',
        body: { rate: 0.0067123456 },
      });
      expect(same.status).toBe(200);
      expect(same.body.version).toBe(1); // unchanged: no new version
      const changed = ok(
        await t.request('PUT', '/api/v1/exchange-rates/JPY/2026-01-01', { as: 'admin', body: { rate: 0.0068 } }),
      );
      expect(changed).toMatchObject({ rate: '0.0068', version: 2 });
      const list = ok(await t.request('GET', '/api/v1/exchange-rates?currency=EUR&from=2026-01-15'));
      expect(list.accountingCurrency).toBe('USD');
      expect(list.items.map((r: any) => [r.date, r.rate])).toEqual([['2026-02-01', '1.2']]);
      const all = ok(await t.request('GET', '/api/v1/exchange-rates?limit=2'));
      expect(all.items.map((r: any) => `${r.currency}/${r.date}`)).toEqual(['EUR/2026-01-01', 'EUR/2026-02-01']);
      const next = ok(await t.request('GET', `/api/v1/exchange-rates?limit=2&cursor=${all.nextCursor}`));
      expect(next.items.map((r: any) => `${r.currency}/${r.date}`)).toEqual(['GBP/2026-01-01', 'JPY/2026-01-01']);
      const audit = (await allAudit(t)).filter(
        (a: any) => a.entity === 'exchangeRate' && a.entityId === 'JPY/2026-01-01',
      );
      expect(audit.map((a: any) => a.action)).toEqual(['exchangeRate.create', 'exchangeRate.update']);
      expect(audit[1].before.rate).toBe('0.0067123456');
      expect(await lastChangeSeq(t)).toBe(seq + 2);
    });

    it.each([
      ['11 decimals', { rate: '1.12345678901' }, 'rate'],
      ['zero', { rate: '0' }, 'rate'],
      ['a negative rate', { rate: '-1.1' }, 'rate'],
      ['text', { rate: 'one' }, 'rate'],
    ])('refuses %s with 400 and stores nothing', async (_label, body, path) => {
      const res = await t.request('PUT', '/api/v1/exchange-rates/CHF/2026-01-01', { as: 'integration', body });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: any) => d.path)).toEqual([path]);
      expect(ok(await t.request('GET', '/api/v1/exchange-rates?currency=CHF')).items).toEqual([]);
    });

    it('refuses a rate for the accounting currency, a bad currency code and a bad date', async () => {
      const ac = await t.request('PUT', '/api/v1/exchange-rates/USD/2026-01-01', {
        as: 'integration',
        body: { rate: '1' },
      });
      expect(ac.status).toBe(422);
      expect(ac.body.error.message).toContain('USD is the accounting currency');
      expect(
        (await t.request('PUT', '/api/v1/exchange-rates/eur/2026-01-01', { as: 'integration', body: { rate: '1' } }))
          .status,
      ).toBe(400);
      expect(
        (await t.request('PUT', '/api/v1/exchange-rates/EUR/2026-13-01', { as: 'integration', body: { rate: '1' } }))
          .status,
      ).toBe(400);
    });

    it('lets credit managers, the integration role and admins set rates, nobody else', async () => {
      for (const as of ['credit_clerk', 'collections_agent'] as const) {
        const res = await t.request('PUT', '/api/v1/exchange-rates/CHF/2026-01-01', { as, body: { rate: '1.05' } });
        expect(res.status).toBe(403);
      }
    });

    it('takes a batch all or nothing, naming each bad item', async () => {
      const res = await t.request('POST', '/api/v1/exchange-rates:batch', {
        as: 'integration',
        body: {
          items: [
            { currency: 'CHF', date: '2026-01-01', rate: '1.05' },
            { currency: 'CHF', date: '2026-01-01', rate: '1.06' },
            { currency: 'USD', date: '2026-01-01', rate: '1' },
            { currency: 'CHF', date: '2026-01-02', rate: 0 },
          ],
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details.map((d: any) => d.path)).toEqual(['items.1.date', 'items.3.rate']);
      expect(ok(await t.request('GET', '/api/v1/exchange-rates?currency=CHF')).items).toEqual([]);
    });
  });

  describe('entries in two currencies', () => {
    it('ledger C1 converts at the rate on transDate: the latest rate dated on or before it; none is a 422 naming currency and date', async () => {
      ok(
        await post([
          // 1,000.00 EUR on 01-15: the rate of 01-01 (1.10) → 1,100.00 USD
          inv('C1-JAN', 'E1', '1000.00', '2026-01-15'),
          // on 02-01 the new rate applies from its own date: 1,000.00 × 1.20 = 1,200.00 USD
          inv('C1-FEB', 'E1', '1000.00', '2026-02-01'),
          // GBP 333.33 × 1.2573100001 = 419.1031443 → 419.10 (half-up once)
          inv('C1-GBP', 'E1', '333.33', '2026-01-20', { currency: 'GBP' }),
          // a USD entry of an EUR customer needs no rate
          inv('C1-USD', 'E1', '50.00', '2025-06-01', { currency: 'USD' }),
        ]),
      );
      expect(await txn('C1-JAN')).toMatchObject({ currency: 'EUR', amount: '1000.00', amountAccounting: '1100.00' });
      expect(await txn('C1-FEB')).toMatchObject({ amountAccounting: '1200.00', openAmountAccounting: '1200.00' });
      expect(await txn('C1-GBP')).toMatchObject({ currency: 'GBP', amountAccounting: '419.10' });
      expect(await txn('C1-USD')).toMatchObject({ currency: 'USD', amount: '50.00', amountAccounting: '50.00' });

      const seq = await lastChangeSeq(t);
      const res = await post([inv('C1-OK', 'E1', '10.00', '2026-01-02'), inv('C1-OLD', 'E1', '10.00', '2025-12-31')]);
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([
        {
          path: 'items.1.transDate',
          message: expect.stringMatching(/^no exchange rate for EUR on or before 2025-12-31/),
        },
      ]);
      expect((await t.request('GET', '/api/v1/transactions/C1-OK')).status).toBe(404);
      expect(await lastChangeSeq(t)).toBe(seq);
    });

    it('ledger C2 never revalues: a rate changed later leaves booked entries as they are, and a re-send is still unchanged', async () => {
      ok(await post([inv('C2-INV', 'E1', '200.00', '2026-01-10')])); // 200.00 × 1.10 = 220.00
      ok(
        await t.request('PUT', '/api/v1/exchange-rates/EUR/2026-01-01', { as: 'integration', body: { rate: '1.15' } }),
      );
      try {
        expect(await txn('C2-INV')).toMatchObject({ amountAccounting: '220.00', openAmountAccounting: '220.00' });
        const again = ok(await post([inv('C2-INV', 'E1', '200.00', '2026-01-10')]));
        expect(again.items[0]).toMatchObject({ status: 'ok', unchanged: true });
        // a new entry on the same date uses the corrected rate: 200.00 × 1.15 = 230.00
        ok(await post([inv('C2-NEW', 'E1', '200.00', '2026-01-10')]));
        expect((await txn('C2-NEW')).amountAccounting).toBe('230.00');
      } finally {
        ok(
          await t.request('PUT', '/api/v1/exchange-rates/EUR/2026-01-01', {
            as: 'integration',
            body: { rate: '1.10' },
          }),
        );
      }
    });

    it('ledger C3 keeps the AC amount the ERP booked, with the entry’s sign, and equal to amount in the accounting currency', async () => {
      // The ERP booked 1,000.00 EUR at its own rate 1.0925: 1,092.50 USD, kept as sent (no rate needed)
      ok(await post([inv('C3-ERP', 'E1', '1000.00', '2025-03-01', { amountAccounting: '1092.50' })]));
      expect(await txn('C3-ERP')).toMatchObject({ amountAccounting: '1092.50', openAmountAccounting: '1092.50' });
      const bad = await post([
        inv('C3-SIGN', 'E1', '10.00', '2026-01-10', { amountAccounting: '-11.00' }),
        inv('C3-USD', 'U1', '10.00', '2026-01-10', { amountAccounting: '10.01' }),
      ]);
      expect(bad.status).toBe(422);
      expect(bad.body.error.details.map((d: any) => d.path)).toEqual([
        'items.0.amountAccounting',
        'items.1.amountAccounting',
      ]);
    });

    it('ledger C4 settles each side at its own booked AC: the difference is the realised exchange difference', async () => {
      ok(
        await post([
          inv('C4-INV', 'E1', '1000.00', '2026-01-15'), // × 1.10 = 1,100.00 USD
          pay('C4-PAY1', 'E1', '-400.00', '2026-02-10'), // × 1.20 = −480.00 USD
          pay('C4-PAY2', 'E1', '-600.00', '2026-02-11'), // × 1.20 = −720.00 USD
        ]),
      );
      const first = await settled({ debitId: 'C4-INV', creditId: 'C4-PAY1', amount: '400.00', date: '2026-02-10' });
      // debit moves 1,100.00 × 400 / 1,000 = 440.00; the credit closes, moving all its 480.00
      expect(first).toMatchObject({ amount: '400.00', creditAmount: '400.00', exchangeDifference: '40.00' });
      expect(first.debit).toMatchObject({ openAmount: '600.00', openAmountAccounting: '660.00' });
      expect(first.credit).toMatchObject({ openAmount: '0.00', openAmountAccounting: '0.00' });
      const second = await settled({ debitId: 'C4-INV', creditId: 'C4-PAY2', amount: '600.00', date: '2026-02-11' });
      // the debit closes: it moves its whole remaining 660.00; the credit 720.00 → gain 60.00
      expect(second).toMatchObject({ exchangeDifference: '60.00' });
      expect(second.debit).toMatchObject({
        openAmount: '0.00',
        openAmountAccounting: '0.00',
        closedDate: '2026-02-11',
      });
      const audit = (await allAudit(t)).filter(
        (a: any) => a.action === 'settlement.create' && a.after.debitId === 'C4-INV',
      );
      expect(audit.map((a: any) => a.after.exchangeDifference)).toEqual(['40.00', '60.00']);
    });

    it('ledger C5 leaves no AC residue: partial settlements round half-up once each, the last one takes what is left', async () => {
      ok(
        await t.request('PUT', '/api/v1/exchange-rates/EUR/2026-03-01', {
          as: 'integration',
          body: { rate: '1.0825' },
        }),
        201,
      );
      // 100.00 EUR × 1.0825 = 108.25 USD
      ok(await post([inv('C5-INV', 'E1', '100.00', '2026-03-02'), pay('C5-PAY', 'E1', '-100.00', '2026-03-02')]));
      const s1 = await settled({ debitId: 'C5-INV', creditId: 'C5-PAY', amount: '33.33', date: '2026-03-03' });
      // 108.25 × 33.33 / 100.00 = 36.079725 → 36.08
      expect(s1.debit).toMatchObject({ openAmount: '66.67', openAmountAccounting: '72.17' });
      const s2 = await settled({ debitId: 'C5-INV', creditId: 'C5-PAY', amount: '33.33', date: '2026-03-03' });
      // 72.17 × 33.33 / 66.67 = 36.0796… → 36.08
      expect(s2.debit).toMatchObject({ openAmount: '33.34', openAmountAccounting: '36.09' });
      const s3 = await settled({ debitId: 'C5-INV', creditId: 'C5-PAY', amount: '33.34', date: '2026-03-03' });
      // the last 33.34 closes the entry: all of its 36.09; 36.08 + 36.08 + 36.09 = 108.25 exactly
      expect(s3.debit).toMatchObject({ openAmount: '0.00', openAmountAccounting: '0.00' });
      expect(s3.credit).toMatchObject({ openAmount: '0.00', openAmountAccounting: '0.00' });
      expect([s1, s2, s3].map((s) => s.exchangeDifference)).toEqual(['0.00', '0.00', '0.00']);
      ok(
        await t.request('PUT', '/api/v1/exchange-rates/EUR/2026-03-01', { as: 'integration', body: { rate: '1.20' } }),
      );
    });

    it('ledger C6 settles a debit and a credit in two currencies at the rates on the settlement date', async () => {
      ok(
        await post([
          inv('C6-INV', 'U1', '1000.00', '2026-02-01'), // USD: the AC itself
          pay('C6-PAY', 'U1', '-1000.00', '2026-02-02', { currency: 'EUR' }), // × 1.20 = −1,200.00 USD
        ]),
      );
      // 600.00 USD at EUR 1.20 on 02-15: 600.00 × 1 / 1.20 = 500.00 EUR off the payment, 1,200.00 × 500/1,000 = 600.00 USD
      const s1 = await settled({ debitId: 'C6-INV', creditId: 'C6-PAY', amount: '600.00', date: '2026-02-15' });
      expect(s1).toMatchObject({ amount: '600.00', creditAmount: '500.00', exchangeDifference: '0.00' });
      expect(s1.credit).toMatchObject({ openAmount: '-500.00', openAmountAccounting: '-600.00' });
      // the credit's 500.00 EUR covers 600.00 USD, the debit has 400.00 open: at most 400.00
      const tooMuch = await settle({ debitId: 'C6-INV', creditId: 'C6-PAY', amount: '400.01', date: '2026-02-15' });
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body.error.message).toContain('at most 400.00 USD');
      // 400.00 / 1.20 = 333.333… → 333.33 EUR; its AC 600.00 × 333.33 / 500.00 = 399.996 → 400.00
      const s2 = await settled({ debitId: 'C6-INV', creditId: 'C6-PAY', amount: '400.00', date: '2026-02-15' });
      expect(s2).toMatchObject({ creditAmount: '333.33', exchangeDifference: '0.00' });
      expect(s2.debit).toMatchObject({ openAmount: '0.00', openAmountAccounting: '0.00' });
      expect(s2.credit).toMatchObject({ openAmount: '-166.67', openAmountAccounting: '-200.00' });
      // a currency with no rate on the date (the ERP booked this CHF payment with its AC) is a 422 on the date
      ok(
        await post([
          inv('C6-INV2', 'U1', '10.00', '2026-02-01'),
          pay('C6-CHF', 'U1', '-10.00', '2026-02-01', { currency: 'CHF', amountAccounting: '-11.00' }),
        ]),
      );
      const noRate = await settle({ debitId: 'C6-INV2', creditId: 'C6-CHF', amount: '10.00', date: '2026-02-15' });
      expect(noRate.status).toBe(422);
      expect(noRate.body.error.details).toEqual([
        { path: 'date', message: expect.stringMatching(/^no exchange rate for CHF on or before 2026-02-15/) },
      ]);
    });

    it('ledger C7 an NSF reopens both amounts exactly: the reversal entry offsets the payment’s own booked AC', async () => {
      ok(
        await post([
          inv('C7-INV', 'E1', '500.00', '2026-01-20'), // × 1.10 = 550.00
          pay('C7-PAY', 'E1', '-500.00', '2026-02-05', { bankAccountId: 'BANK1', paymentJournal: 'ARPAY' }), // × 1.20 = −600.00
        ]),
      );
      await settled({ debitId: 'C7-INV', creditId: 'C7-PAY', amount: '500.00', date: '2026-02-05' });
      const nsf = ok(
        await t.request('POST', '/api/v1/payments/C7-PAY/nsf', {
          as: 'collections_agent',
          body: { reasonCode: 'NSF-CHK', date: '2026-02-20' },
        }),
        201,
      );
      expect(await txn('C7-INV')).toMatchObject({ openAmount: '500.00', openAmountAccounting: '550.00' });
      expect(await txn(nsf.reversalTransactionId)).toMatchObject({
        amount: '500.00',
        amountAccounting: '600.00', // the payment's −600.00, not 500.00 × the rate of 02-20
        openAmountAccounting: '0.00',
      });
      expect(await txn('C7-PAY')).toMatchObject({ openAmount: '0.00', openAmountAccounting: '0.00', canceled: true });
    });

    it('ledger C9 a waive takes a foreign-currency fee back at the AC it was charged at, whatever the rate on the waive date', async () => {
      // 50.00 EUR on 01-20 at 1.10 = 55.00 USD; waived on 02-10, when EUR is 1.20 (60.00 USD at that rate)
      const fee = ok(
        await t.request('POST', '/api/v1/fees', {
          as: 'collections_agent',
          body: { customerId: 'E1', amount: '50.00', date: '2026-01-20', code: 'LATE' },
        }),
        201,
      );
      ok(
        await t.request('POST', `/api/v1/fees/${fee.id}/waive`, {
          as: 'collections_agent',
          body: { date: '2026-02-10' },
        }),
      );
      const items = ok(await t.request('GET', '/api/v1/customers/E1/transactions?limit=1000')).items;
      const charge = items.find((x: any) => x.type === 'fee' && x.amount === '50.00');
      const credit = items.find((x: any) => x.source === 'waive');
      expect(charge).toMatchObject({
        currency: 'EUR',
        amountAccounting: '55.00',
        openAmount: '0.00',
        openAmountAccounting: '0.00',
      });
      // the credit note is −55.00 USD (the charge's own AC), not −60.00: no exchange difference on a waive
      expect(credit).toMatchObject({
        currency: 'EUR',
        amount: '-50.00',
        amountAccounting: '-55.00',
        openAmountAccounting: '0.00',
      });
    });

    it('ledger C8 fixes the accounting currency once entries exist', async () => {
      const res = await t.request('PUT', '/api/v1/parameters', {
        as: 'credit_manager',
        body: { accountingCurrency: 'EUR' },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([
        { path: 'accountingCurrency', message: 'is fixed at USD once entries exist' },
      ]);
      ok(await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { accountingCurrency: 'USD' } }));
    });
  });
});

describe.each(DIALECTS)('a new company on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t.close());

  it('ledger C8 sets its accounting currency before its first entry, and rates are then in it', async () => {
    ok(await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { accountingCurrency: 'EUR' } }));
    await putExchangeRates(t, { USD: '0.92' });
    await putCustomer(t, 'N1'); // a USD customer of a EUR company
    ok(
      await t.request('POST', '/api/v1/transactions:batch', {
        as: 'integration',
        body: {
          items: [{ id: 'N1-INV', customerId: 'N1', type: 'invoice', amount: '100.00', transDate: '2026-01-01' }],
        },
      }),
    );
    // 100.00 USD × 0.92 = 92.00 EUR
    expect(ok(await t.request('GET', '/api/v1/transactions/N1-INV'))).toMatchObject({
      currency: 'USD',
      amountAccounting: '92.00',
    });
    expect(ok(await t.request('GET', '/api/v1/exchange-rates')).accountingCurrency).toBe('EUR');
  });
});
