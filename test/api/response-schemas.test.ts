// The check `t.request` runs on every 2xx JSON answer (test/support/response-schemas.ts): it finds
// what differs from the OpenAPI document, and the real answers of these reads pass it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, documentedAnswers, startTestApp, type TestApp } from '../support/app';
import type { ResponseChecker } from '../support/response-schemas';

describe('answers against their documented response schemas', () => {
  let t: TestApp;
  let checker: ResponseChecker;
  let customer: any;
  let check: any;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    checker = await documentedAnswers(t.app);
    expect((await t.request('PUT', '/api/v1/customers/C1', { as: 'integration', body: customerBody() })).status).toBe(
      201,
    );
    customer = (await t.request('GET', '/api/v1/customers/C1')).body;
    check = (await t.request('POST', '/api/v1/credit-check', { body: { customerId: 'C1', orderAmount: '100.00' } }))
      .body;
  });
  afterAll(async () => t.close());

  const json = 'application/json; charset=UTF-8';

  it('the real answers match (t.request checked them already)', () => {
    expect(checker.check('GET', '/api/v1/customers/C1', 200, json, customer)).toBeNull();
    expect(checker.check('POST', '/api/v1/credit-check', 200, json, check)).toBeNull();
  });

  it('a property the schema does not list, a missing one and a wrong type are mismatches naming the JSON path', () => {
    const extra = checker.check('GET', '/api/v1/customers/C1', 200, json, {
      ...customer,
      credit: { ...customer.credit, balance: '0.00' },
    });
    expect(extra).toContain('GET /api/v1/customers/{id} 200');
    expect(extra).toContain('/credit has "balance", which the schema does not list');
    const { exposure: _exposure, ...noExposure } = check;
    expect(checker.check('POST', '/api/v1/credit-check', 200, json, noExposure)).toContain(
      "must have required property 'exposure'",
    );
    expect(checker.check('POST', '/api/v1/credit-check', 200, json, { ...check, exposure: '0.00' })).toContain(
      '/exposure must be object',
    );
    expect(
      checker.check('POST', '/api/v1/credit-check', 200, json, { ...check, percentAfterOrder: '1.23456' }),
    ).toContain('/percentAfterOrder must match pattern');
  });

  it('an undocumented operation or status is a mismatch; errors, non-JSON answers and paths outside the API are not checked', () => {
    expect(checker.check('GET', '/api/v1/no-such-thing', 200, json, {})).toContain(
      'has no GET operation for /api/v1/no-such-thing',
    );
    expect(checker.check('POST', '/api/v1/credit-check', 201, json, check)).toContain('documents no 201 JSON answer');
    expect(checker.check('POST', '/api/v1/credit-check', 422, json, { anything: 1 })).toBeNull();
    expect(checker.check('GET', '/api/v1/customers/C1', 200, 'text/csv', 'a,b')).toBeNull();
    expect(checker.check('GET', '/healthz', 200, json, { status: 'ok' })).toBeNull();
  });

  it("a known mismatch (KNOWN_MISMATCHES, left to its route's owner) lets only its own errors through", () => {
    const item = { index: 0, id: 'INV-1', status: 'ok', errors: [] };
    expect(
      checker.check('POST', '/api/v1/transactions:batch', 200, json, {
        created: 0,
        items: [{ ...item, unchanged: true }],
      }),
    ).toBeNull();
    expect(
      checker.check('POST', '/api/v1/transactions:batch', 200, json, { created: 0, items: [{ ...item, surprise: 1 }] }),
    ).toContain('/items/0 has "surprise"');
  });
});
