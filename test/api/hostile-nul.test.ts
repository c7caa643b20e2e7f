// The NUL character (server/http/body.ts, refuseNul): PostgreSQL cannot store it in text and
// answered 500; now any body or URL with one is a 400 on both databases, and nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, expectUnchanged, snapshot } from '../support/conventions';
import { ok } from '../support/credit';

describe.each(DIALECTS)('the NUL character on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it('in a body (escaped as JSON must escape it) or a URL is a 400 that changes nothing', async () => {
    const before = await snapshot(t);
    const body = (name: string) => `{"name":${name},"currency":"USD","creditLimit":"10.00"}`;
    for (const name of ['"A\\u0000B"', '"\\\\\\u0000"']) {
      const res = await t.request('PUT', '/api/v1/customers/N1', { as: 'integration', raw: body(name) });
      expect(expectError(res, 400, 'invalid_request')[0]!.message).toBe('contains \\u0000');
    }
    expectError(await t.request('GET', '/api/v1/customers?cursor=%00'), 400, 'invalid_request');
    expectError(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        raw: '{"customerId":"N1\\u0000","orderAmount":"1.00"}',
      }),
      400,
      'invalid_request',
    );
    await expectUnchanged(t, before);
  });

  it('a backslash followed by the text u0000 is no NUL: stored as written', async () => {
    const created = ok(
      await t.request('PUT', '/api/v1/customers/N2', {
        as: 'integration',
        raw: '{"name":"C:\\\\u0000 folder","currency":"USD","creditLimit":"10.00"}',
      }),
      201,
    );
    expect(created.name).toBe('C:\\u0000 folder');
  });
});
