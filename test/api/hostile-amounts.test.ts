// Issue 18, item 9 (amounts): no sum of money can overflow. One amount is at most
// 999,999,999,999.99; a customer may hold at most 9,999,999,999,999.99 of open items (the sum of
// their absolute open amounts) and as much in open orders (server/ledger/ceiling.ts). The issue's
// repro, 100,000 invoices of 999,999,999,999.99, is built here as the design allows it: 10,000
// customers at their ceiling (10 invoices each, written with set-based SQL) in one credit group,
// whose sums reach 10^19 minor units, beyond a 64-bit integer. Every read, the credit check, the
// aging run and report and a write-off answer exactly; the feed, the order feed and an NSF refuse
// what would pass a ceiling, with a 422 that changes nothing. Both dialects.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { ok, reasonCode } from '../support/credit';
import { definitionBody, STD } from '../support/aging-definitions';
import { formatMoney, MONEY_MAX } from '../../shared/money';
import { CUSTOMER_CEILING } from '../../server/ledger/ceiling';

const MAX = formatMoney(MONEY_MAX); // 999999999999.99
const CUSTOMERS = 10_000;
const PER_CUSTOMER = 10;
const feed = (t: TestApp, items: Record<string, unknown>[]) =>
  t.request('POST', '/api/v1/transactions:batch', {
    as: 'integration',
    body: {
      items: items.map((i) => ({
        type: 'invoice',
        currency: 'USD',
        transDate: '2025-01-01',
        dueDate: '2025-02-01',
        ...i,
      })),
    },
  });

describe.each(DIALECTS)('hostile amounts on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `H${i}`);
    ok(
      await t.request('POST', '/api/v1/customers:batch', {
        as: 'integration',
        body: { items: ids.map((id) => ({ id, name: `Hostile ${id}`, currency: 'USD', creditLimit: MAX })) },
      }),
    );
    // The issue's 100,000 invoices of the largest amount, 10 per customer (each customer at its ceiling).
    await sql
      .raw(
        `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${CUSTOMERS * PER_CUSTOMER - 1})
         insert into transactions (id, customer_id, type, amount, open_amount, amount_accounting, open_amount_accounting, currency, trans_date, due_date, document_date, tax_amount, bank_account_id, payment_journal, source, source_ref, collection_status, promise_date, promise_amount, canceled, closed_date, created_at, version)
         select 'HI' || i, 'H' || (i / ${PER_CUSTOMER}), 'invoice', ${MONEY_MAX}, ${MONEY_MAX}, ${MONEY_MAX}, ${MONEY_MAX}, 'USD', '2025-01-01', '2025-02-01', null, 0, null, null, 'feed', null, 'notDisputed', null, null, 0, null, '2025-01-01T00:00:00.000Z', 1 from n`,
      )
      .execute(t.handle.db);
    ok(
      await t.request('PUT', '/api/v1/credit-groups/G', {
        as: 'credit_manager',
        body: { name: 'Everyone', creditLimit: MAX, currency: 'USD', creditLimitToDate: '2199-12-31', members: ids },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/STD', { as: 'credit_manager', body: definitionBody(STD) }),
      201,
    );
    await reasonCode(t, 'BADDEBT', 'writeOff');
    await reasonCode(t, 'NSF-CHK', 'nsf');
    ok(
      await t.request('PUT', '/api/v1/write-off-accounts/618000', {
        as: 'credit_manager',
        body: { name: 'Bad debts' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/bank-accounts/BANK1', {
        as: 'credit_manager',
        body: { name: 'Main bank', nsfFee: '0.00' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/parameters', {
        as: 'credit_manager',
        body: {
          writeOffAccountId: '618000',
          writeOffReasonCode: 'BADDEBT',
          checkCustomerCreditGroupsCreditLimit: true,
        },
      }),
    );
  }, 240_000);
  afterAll(() => t?.close());

  const customerTotal = formatMoney(MONEY_MAX * BigInt(PER_CUSTOMER)); // 9999999999999.90
  const everyone = formatMoney(MONEY_MAX * BigInt(CUSTOMERS * PER_CUSTOMER)); // 99999999999999000.00, 10^19 minor units

  it('the ceiling is ten of the largest amounts, and it keeps per-customer sums exact in a JavaScript number', () => {
    expect(formatMoney(CUSTOMER_CEILING)).toBe('9999999999999.99');
    expect(CUSTOMER_CEILING >= MONEY_MAX * 10n).toBe(true);
    // Exposure (items + orders) and remaining credit stay below 2^53, SQLite's exact integers.
    expect(2n * CUSTOMER_CEILING + MONEY_MAX < 2n ** 53n).toBe(true);
    expect(MONEY_MAX * BigInt(CUSTOMERS * PER_CUSTOMER) > 2n ** 63n).toBe(true);
  });

  it('the customer read and the credit check answer the issue repro exactly, the group at 10^19 minor units', async () => {
    const customer = ok(await t.request('GET', '/api/v1/customers/H0'));
    expect(customer.credit).toMatchObject({
      exposure: { balance: customerTotal, total: customerTotal },
      group: { id: 'G', exposure: everyone },
    });
    const check = ok(await t.request('POST', '/api/v1/credit-check', { body: { customerId: 'H1', orderAmount: MAX } }));
    expect(check.exposure).toMatchObject({ balance: customerTotal, total: customerTotal });
    expect(JSON.stringify(check.group)).toContain(everyone);
  });

  it('the aging run, the aged list and the historical report answer exactly; report totals exceed 64 bits', async () => {
    expect(
      ok(
        await t.request('POST', '/api/v1/aging-snapshots', {
          as: 'collections_agent',
          body: { definitionId: 'STD', criteria: 'dueDate', asOf: '2025-06-30' },
        }),
      ),
    ).toMatchObject({ customers: CUSTOMERS });
    const list = ok(await t.request('GET', '/api/v1/aging?definitionId=STD&limit=3'));
    expect(list.items).toHaveLength(3);
    for (const row of list.items) expect(row.amountDue).toBe(customerTotal);
    const report = ok(
      await t.request('GET', '/api/v1/aging-report?definitionId=STD&asOf=2025-06-30&balanceAsOf=2025-06-30'),
    );
    expect(report.totals.amountDue).toBe(everyone);
    expect(report.items).toHaveLength(CUSTOMERS);
  }, 120_000);

  it('a write-off of a customer at its ceiling drafts, posts and reverses exactly', async () => {
    const draft = ok(
      await t.request('POST', '/api/v1/write-offs', {
        as: 'collections_agent',
        body: { customerId: 'H2', date: '2025-06-30' },
      }),
      201,
    );
    expect(draft.lines.map((l: any) => [l.lineType, l.debit, l.credit])).toEqual([
      ['customer', '0.00', customerTotal],
      ['ledger', customerTotal, '0.00'],
    ]);
    const posted = ok(await t.request('POST', `/api/v1/write-offs/${draft.id}/post`, { as: 'collections_agent' }));
    expect(ok(await t.request('GET', '/api/v1/customers/H2')).credit.exposure.balance).toBe('0.00');
    expect(posted.status).toBe('posted');
    ok(await t.request('POST', `/api/v1/write-offs/${draft.id}/reverse`, { as: 'collections_agent', body: {} }));
    expect(ok(await t.request('GET', '/api/v1/customers/H2')).credit.exposure.balance).toBe(customerTotal);
  });

  it('the feed refuses what would take a customer past the ceiling, naming each item; the last cent that fits goes through', async () => {
    const seq = await lastSeq(t);
    const over = await feed(t, [{ id: 'H3-X1', customerId: 'H3', amount: '0.10' }]);
    const [detail] = expectError(over, 422, 'rule_violation', ['items']);
    expect(detail).toMatchObject({ path: 'items.0.amount' });
    expect(detail!.message).toMatch(
      /^customer H3's open items would total 10000000000000\.00 \(.*\), above the ceiling of 9999999999999\.99/,
    );
    // A new customer: ten of the largest fit, the eleventh and twelfth do not, and the batch saves nothing.
    ok(
      await t.request('PUT', '/api/v1/customers/N1', {
        as: 'integration',
        body: { name: 'New', currency: 'USD', creditLimit: '0.00' },
      }),
      201,
    );
    const seqN = await lastSeq(t);
    const twelve = Array.from({ length: 12 }, (_, i) => ({ id: `N1-${i}`, customerId: 'N1', amount: MAX }));
    expect(expectError(await feed(t, twelve), 422, 'rule_violation', ['items']).map((d) => d.path)).toEqual([
      'items.10.amount',
      'items.11.amount',
    ]);
    expect(await lastSeq(t)).toBe(seqN);
    // Credits count by their absolute amount too: a payment is not room for more invoices.
    ok(await feed(t, twelve.slice(0, 10)));
    expect(
      expectError(
        await feed(t, [{ id: 'N1-P', customerId: 'N1', type: 'payment', amount: `-${MAX}`, dueDate: null }]),
        422,
        'rule_violation',
        ['items'],
      ).map((d) => d.path),
    ).toEqual(['items.0.amount']);
    ok(await feed(t, [{ id: 'N1-LAST', customerId: 'N1', amount: '0.09' }]));
    expectError(await feed(t, [{ id: 'N1-OVER', customerId: 'N1', amount: '0.01' }]), 422, 'rule_violation', ['items']);
    expect(ok(await t.request('GET', '/api/v1/customers/N1')).credit.exposure.balance).toBe(
      formatMoney(CUSTOMER_CEILING),
    );
    expect((await lastSeq(t)) - seq).toBeGreaterThan(0);
  });

  it('an NSF that would reopen more than the ceiling is refused and changes nothing', async () => {
    ok(
      await t.request('PUT', '/api/v1/customers/N2', {
        as: 'integration',
        body: { name: 'Bounced', currency: 'USD', creditLimit: '0.00' },
      }),
      201,
    );
    ok(
      await feed(
        t,
        [
          ...Array.from({ length: 10 }, (_, i) => ({ id: `N2-${i}`, customerId: 'N2', amount: MAX })),
          { id: 'N2-P', customerId: 'N2', type: 'payment', amount: `-${MAX}`, dueDate: null, bankAccountId: 'BANK1' },
        ].slice(1),
      ),
    );
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'N2-1', creditId: 'N2-P', amount: MAX, date: '2025-01-02' },
      }),
      201,
    );
    ok(
      await feed(t, [
        { id: 'N2-10', customerId: 'N2', amount: MAX },
        { id: 'N2-11', customerId: 'N2', amount: MAX },
      ]),
    );
    const seq = await lastSeq(t);
    const nsf = await t.request('POST', '/api/v1/payments/N2-P/nsf', {
      as: 'collections_agent',
      body: { reasonCode: 'NSF-CHK', date: '2025-01-03' },
    });
    expect(expectError(nsf, 422, 'rule_violation').map((d) => d.path)).toEqual(['date']);
    expect(nsf.body.error.message).toContain(`N2's open items would total ${formatMoney(MONEY_MAX * 11n)}`);
    expect(await lastSeq(t)).toBe(seq);
    expect(ok(await t.request('GET', '/api/v1/transactions/N2-P'))).toMatchObject({
      canceled: false,
      openAmount: '0.00',
    });
  });

  it('the order feed refuses orders past the ceiling (amount not yet invoiced), on create and on a raise', async () => {
    for (let i = 0; i < 10; i++)
      ok(
        await t.request('PUT', `/api/v1/sales-orders/HO-${i}`, {
          as: 'integration',
          body: { customerId: 'H4', amount: MAX },
        }),
        201,
      );
    const seq = await lastSeq(t);
    const eleventh = await t.request('PUT', '/api/v1/sales-orders/HO-10', {
      as: 'integration',
      body: { customerId: 'H4', amount: '0.10' },
    });
    expect(expectError(eleventh, 422, 'rule_violation').map((d) => d.path)).toEqual(['amount']);
    expect(eleventh.body.error.message).toMatch(/^customer H4's open sales orders would total 10000000000000\.00 /);
    ok(
      await t.request('PUT', '/api/v1/sales-orders/HO-10', {
        as: 'integration',
        body: { customerId: 'H4', amount: '0.09' },
      }),
      201,
    );
    const raise = await t.request('PUT', '/api/v1/sales-orders/HO-10', {
      as: 'integration',
      body: { customerId: 'H4', amount: '0.10' },
      headers: { 'If-Match': '"1"' },
    });
    expectError(raise, 422, 'rule_violation');
    expect(await lastSeq(t)).toBe(seq + 1);
    // The check reads orders and open items together: exposure 2 × the ceiling, exact.
    const check = ok(await t.request('POST', '/api/v1/credit-check', { body: { customerId: 'H4', orderAmount: MAX } }));
    expect(check.exposure).toMatchObject({ balance: customerTotal, openOrders: formatMoney(CUSTOMER_CEILING) });
  });
});

describe.each(DIALECTS)('risk scoring past 64 bits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('risk scoring sums 12 months of invoices past 64 bits exactly (closed invoices are not bounded by the ceiling)', async () => {
    ok(
      await t.request('PUT', '/api/v1/customers/RS', {
        as: 'integration',
        body: { name: 'Big seller', currency: 'USD', creditLimit: MAX },
      }),
      201,
    );
    // 100,000 invoices of the largest amount within the year, every one paid (closed): 10^19 minor units of sales.
    await sql
      .raw(
        `with recursive n(i) as (select 0 union all select i + 1 from n where i < 99999)
         insert into transactions (id, customer_id, type, amount, open_amount, amount_accounting, open_amount_accounting, currency, trans_date, due_date, document_date, tax_amount, bank_account_id, payment_journal, source, source_ref, collection_status, promise_date, promise_amount, canceled, closed_date, created_at, version)
         select 'RS' || i, 'RS', 'invoice', ${MONEY_MAX}, 0, ${MONEY_MAX}, 0, 'USD', '2025-06-01', '2025-07-01', null, 0, null, null, 'feed', null, 'notDisputed', null, null, 0, '2025-07-01', '2025-06-01T00:00:00.000Z', 1 from n`,
      )
      .execute(t.handle.db);
    const res = await t.request('POST', '/api/v1/risk-scores:update', {
      as: 'credit_manager',
      body: { asOf: '2025-12-31', customerIds: ['RS'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }, 120_000);
});
