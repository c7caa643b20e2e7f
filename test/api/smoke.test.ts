import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';

describe.each(DIALECTS)('smoke on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t.close());

  it('answers /healthz without a token', async () => {
    const res = await t.request('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('creates a customer and reads it back with its credit summary', async () => {
    const put = await t.request('PUT', '/api/v1/customers/C1', { as: 'integration', body: customerBody() });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBe('"1"');
    const get = await t.request('GET', '/api/v1/customers/C1', { as: 'collections_agent' });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      id: 'C1',
      creditLimit: '10000.00',
      version: 1,
      credit: { exposure: { balance: '0.00' } },
    });
  });
});
