// One format for a percentage of used credit (shared/api/percent.ts): the customer's
// `credit.percentUsed`, the credit check's `percentAfterOrder` and the journal preview's
// `projectedPercentUsed` write the same figure the same way, and the customer's `credit` is the
// credit check's answer for an empty order (SPEC §5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';
import { ok } from '../support/credit';

describe.each(DIALECTS)('percent used, one format, on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const [id, amount] of [
      ['P1', '1480.00'],
      ['P2', '5028.12'],
    ] as const) {
      ok(
        await t.request('PUT', `/api/v1/customers/${id}`, {
          as: 'integration',
          body: customerBody({ creditLimit: '10000.00' }),
        }),
        201,
      );
      ok(
        await t.request('POST', '/api/v1/transactions:batch', {
          as: 'integration',
          body: {
            items: [
              {
                id: `${id}-INV`,
                customerId: id,
                type: 'invoice',
                amount,
                transDate: '2025-06-01',
                dueDate: '2099-12-31',
              },
            ],
          },
        }),
      );
    }
    // A rule, so the check runs (without one it is switched off and says so in `note`).
    ok(
      await t.request('POST', '/api/v1/blocking-rules', {
        as: 'credit_manager',
        body: { ruleType: 'creditLimitUsed', kind: 'blocking', validFor: 'all', percent: '100' },
      }),
      201,
    );
  });
  afterAll(async () => t?.close());

  it.each([
    ['P1', '14.8'],
    ['P2', '50.2812'],
  ])('%s: %s%% in the customer read, the credit check and the journal preview', async (id, pct) => {
    const credit = ok(await t.request('GET', `/api/v1/customers/${id}`)).credit;
    expect(credit).toMatchObject({ percentUsed: pct, percentAfterOrder: pct, held: false, checked: true });
    const check = ok(
      await t.request('POST', '/api/v1/credit-check', { body: { customerId: id, orderAmount: '0.00' } }),
    );
    // The customer's credit is the check of an empty order, plus the limit breakdown.
    const {
      percentUsed: _p,
      baseCreditLimit: _b,
      activeTemporaryLimit: _a,
      insuranceContribution: _i,
      totalCreditLimit: _t,
      creditGroupId: _g,
      customerCurrency: _c,
      creditLimitCustomerCurrency: _l,
      ...asCheck
    } = credit;
    expect(asCheck).toEqual(check);
    const preview = ok(
      await t.request('POST', '/api/v1/adjustment-journals:validate', {
        as: 'credit_clerk',
        body: { type: 'creditLimit', description: 'preview', lines: [{ customerId: id, newCreditLimit: '10000.00' }] },
      }),
    );
    expect(preview.lines[0].projectedPercentUsed).toBe(pct);
  });
});
