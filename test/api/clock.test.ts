// The one clock (server/clock.ts): "today" of every request and unit of work comes from the
// database handle's clock, read once, so a server pinned to a date decides as of that date and a
// request never sees two dates. Written against a clock pinned far from the real today.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../server/clock';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { ok, putCustomer } from '../support/credit';

const PINNED = '2031-03-15';

describe.each(DIALECTS)('the clock on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock: fixedClock(`${PINNED}T23:59:59.999Z`) });
    await putCustomer(t, 'C1');
  });
  afterAll(() => t?.close());

  it("dates what a request decides by the handle's clock: an invoice posted from an order, the customer's timestamp", async () => {
    ok(
      await t.request('PUT', '/api/v1/sales-orders/SO1', {
        as: 'integration',
        body: { customerId: 'C1', amount: '100.00' },
      }),
      201,
    );
    const posted = ok(
      await t.request('POST', '/api/v1/sales-orders/SO1/post', {
        as: 'integration',
        body: { checkpoint: 'invoice', postingType: 'posting' },
      }),
    );
    const invoice = ok(await t.request('GET', `/api/v1/transactions/${posted.invoiceId}`, { as: 'credit_clerk' }));
    expect(invoice.transDate).toBe(PINNED);
    const customer = ok(await t.request('GET', '/api/v1/customers/C1', { as: 'credit_clerk' }));
    expect(customer.updatedAt.slice(0, 10)).toBe(PINNED);
  });

  it('refuses an asOf after the pinned today as "in the future"', async () => {
    const res = await t.request('POST', '/api/v1/holds:evaluate', {
      as: 'credit_manager',
      body: { asOf: '2031-03-16' },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain(`today is ${PINNED}`);
  });
});
