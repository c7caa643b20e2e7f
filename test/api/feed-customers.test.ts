import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';

/**
 * Every field of the customer input schema, each set to a non-default value, but for the two that
 * relax credit management (excludeFromCreditManagement, ignoreUntilDate): only credit staff set
 * those (PATCH /customers/{id}/credit-profile; test/api/credit-controls.test.ts).
 */
const FULL_INPUT = {
  name: 'Fabrikam Wholesale',
  currency: 'EUR',
  creditLimit: '1234.50',
  creditLimitExpirationDate: '2027-06-30',
  mandatoryCreditLimit: true,
  unlimitedCredit: true,
  excludeFromCreditManagement: false,
  ignoreUntilDate: null,
  creditManagementGroupId: 'CMG-NORTH',
  accountStatusId: 'AS.WATCH',
  statusReasonId: 'SR_1',
  paymentTermsId: 'NET30',
  cashDiscountId: 'CD2',
  customerGroup: 'WHOLESALE',
  interestCodeId: 'INT-EUR',
  riskScore: '42.50',
  customerSince: '2019-03-01',
  businessStartedDate: '2001-07-04',
  lastReviewDate: '2024-12-01',
  nextScheduledReviewDate: '2025-12-01',
  eligibleCreditLimit: '50000.00',
  eligibleCreditLimitCurrency: 'USD',
  eligibleCreditLimitDate: '2024-11-30',
  withAgency: true,
  titleHeld: true,
  creditRating: 'AA-',
  notes: 'Pays late in August; call before shipping.',
  collectionsContactId: 'CT-9',
  postingProfile: 'GEN',
  salesGroup: 'SG-EAST',
};

/** The nullable input fields, all set to null. */
const NULLABLE_FIELDS = [
  'creditLimitExpirationDate',
  'ignoreUntilDate',
  'creditManagementGroupId',
  'accountStatusId',
  'statusReasonId',
  'paymentTermsId',
  'cashDiscountId',
  'customerGroup',
  'interestCodeId',
  'riskScore',
  'customerSince',
  'businessStartedDate',
  'lastReviewDate',
  'nextScheduledReviewDate',
  'eligibleCreditLimit',
  'eligibleCreditLimitCurrency',
  'eligibleCreditLimitDate',
  'creditRating',
  'notes',
  'collectionsContactId',
  'postingProfile',
  'salesGroup',
] as const;

const todayUtc = () => new Date().toISOString().slice(0, 10);
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe.each(DIALECTS)('customer feed on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t.close());

  /** Every change-log entry after `since`, following pages. */
  async function changesSince(since: number) {
    const all: { seq: number; entity: string; id: string; op: string; version: number }[] = [];
    let cursor = since;
    for (;;) {
      const res = await t.request('GET', `/api/v1/changes?since=${cursor}&limit=1000`);
      expect(res.status).toBe(200);
      all.push(...res.body.changes);
      if (res.body.changes.length < 1000) return all;
      cursor = res.body.nextSince;
    }
  }
  async function lastSeq(): Promise<number> {
    const all = await changesSince(0);
    return all.length ? all[all.length - 1]!.seq : 0;
  }
  async function getCustomer(id: string) {
    return t.request('GET', `/api/v1/customers/${id}`);
  }
  async function allCustomers() {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await t.request(
        'GET',
        `/api/v1/customers?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }
  /** Arranges a past limit date directly in the store, so a later "unchanged" date is observable. */
  async function backdateLimitDate(id: string, date: string) {
    await t.handle.db.updateTable('customers').set({ credit_limit_date: date }).where('id', '=', id).execute();
  }

  describe('PUT /customers/{id}', () => {
    it('creates a customer with every input field round-tripping (201, version 1, ETag)', async () => {
      const before = await lastSeq();
      const res = await t.request('PUT', '/api/v1/customers/FULL-1', { as: 'integration', body: FULL_INPUT });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      const expected = {
        id: 'FULL-1',
        ...FULL_INPUT,
        creditLimitDate: todayUtc(),
        riskGroupId: null,
        riskInputs: {},
        invoicingAndDeliveryOnHold: false,
        collectionLetterLevel: 0,
        collectionLetterDate: null,
        version: 1,
      };
      expect(res.body).toEqual({
        ...expected,
        createdAt: expect.stringMatching(ISO_TS),
        updatedAt: expect.stringMatching(ISO_TS),
      });
      expect(res.body.createdAt).toBe(res.body.updatedAt);

      const get = await getCustomer('FULL-1');
      expect(get.status).toBe(200);
      expect(get.headers.get('etag')).toBe('"1"');
      // FULL_INPUT has unlimited credit: no effective limit, so nothing to measure against; the
      // limit on file still shows (no temporary limit, no policies).
      expect(get.body).toEqual({
        ...res.body,
        credit: {
          held: false,
          checked: false,
          note: 'no blocking rules are set up',
          reasons: [],
          exposure: { balance: '0.00', deliveredNotInvoiced: '0.00', openOrders: '0.00', total: '0.00' },
          effectiveLimit: null,
          availableCredit: null,
          percentAfterOrder: null,
          percentUsed: null,
          group: null,
          baseCreditLimit: '1234.50',
          activeTemporaryLimit: null,
          insuranceContribution: '0.00',
          totalCreditLimit: '1234.50',
          creditGroupId: null,
          // An EUR customer without an EUR rate: its limit (in USD, the accounting currency) has no EUR figure.
          currency: 'USD',
          customerCurrency: 'EUR',
          creditLimitCustomerCurrency: null,
        },
      });

      const changes = await changesSince(before);
      expect(changes.map(({ entity, id, op, version }) => ({ entity, id, op, version }))).toEqual([
        { entity: 'customer', id: 'FULL-1', op: 'create', version: 1 },
      ]);
    });

    it('accepts JSON numbers for money and score, and returns 2-decimal strings', async () => {
      const res = await t.request('PUT', '/api/v1/customers/NUM-1', {
        as: 'admin',
        body: customerBody({ creditLimit: 1234.5, riskScore: 7, eligibleCreditLimit: 0.1 }),
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ creditLimit: '1234.50', riskScore: '7.00', eligibleCreditLimit: '0.10' });
      const get = await getCustomer('NUM-1');
      expect(get.body).toMatchObject({ creditLimit: '1234.50', riskScore: '7.00', eligibleCreditLimit: '0.10' });
    });

    it('stores explicit nulls and omitted optionals as null, booleans default to false', async () => {
      const nulls = Object.fromEntries(NULLABLE_FIELDS.map((f) => [f, null]));
      const res = await t.request('PUT', '/api/v1/customers/NULL-1', {
        as: 'integration',
        body: { name: 'Null Co', currency: 'USD', creditLimit: '0', ...nulls },
      });
      expect(res.status).toBe(201);
      const omitted = await t.request('PUT', '/api/v1/customers/OMIT-1', {
        as: 'integration',
        body: { name: 'Omit Co', currency: 'USD', creditLimit: '0.00' },
      });
      expect(omitted.status).toBe(201);
      for (const id of ['NULL-1', 'OMIT-1']) {
        const get = await getCustomer(id);
        expect(get.status).toBe(200);
        for (const f of NULLABLE_FIELDS) expect(get.body[f], `${id}.${f}`).toBeNull();
        expect(get.body).toMatchObject({
          creditLimit: '0.00',
          mandatoryCreditLimit: false,
          unlimitedCredit: false,
          excludeFromCreditManagement: false,
          withAgency: false,
          titleHeld: false,
        });
      }
    });

    it('replaces an existing customer with If-Match: 200, version 2, omitted fields cleared but the credit attributes credit staff own', async () => {
      await t.request('PUT', '/api/v1/customers/REP-1', { as: 'integration', body: FULL_INPUT });
      const before = await lastSeq();
      const res = await t.request('PUT', '/api/v1/customers/REP-1', {
        as: 'admin',
        headers: { 'If-Match': '"1"' },
        body: { name: 'Renamed', currency: 'EUR', creditLimit: '1234.50', unlimitedCredit: false, riskScore: '99.99' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        id: 'REP-1',
        name: 'Renamed',
        creditLimit: '1234.50',
        riskScore: '99.99',
        unlimitedCredit: false,
        version: 2,
      });
      // A replace, not a merge: what the body left out is gone ...
      expect(res.body.paymentTermsId).toBeNull();
      expect(res.body.creditLimitExpirationDate).toBeNull();
      expect(res.body.salesGroup).toBeNull();
      // ... but the credit attributes, which credit staff own: the feed leaves them as they are.
      expect(res.body).toMatchObject({
        notes: FULL_INPUT.notes,
        mandatoryCreditLimit: true,
        accountStatusId: 'AS.WATCH',
        creditRating: 'AA-',
        eligibleCreditLimit: '50000.00',
      });
      const get = await getCustomer('REP-1');
      expect(get.headers.get('etag')).toBe('"2"');
      expect(get.body).toMatchObject({ name: 'Renamed', riskScore: '99.99', notes: FULL_INPUT.notes, version: 2 });
      const changes = await changesSince(before);
      expect(changes.map(({ entity, id, op, version }) => ({ entity, id, op, version }))).toEqual([
        { entity: 'customer', id: 'REP-1', op: 'update', version: 2 },
      ]);
      const audit = await t.request('GET', '/api/v1/audit?entity=customer&id=REP-1');
      expect(audit.status).toBe(200);
      expect(audit.body.items.map((a: { action: string; userId: string }) => [a.action, a.userId])).toEqual([
        ['customer.create', t.userIds.integration],
        ['customer.update', t.userIds.admin],
      ]);
      expect(audit.body.items[1].before).toMatchObject({
        name: 'Fabrikam Wholesale',
        notes: FULL_INPUT.notes,
        version: 1,
      });
      expect(audit.body.items[1].after).toMatchObject({
        name: 'Renamed',
        notes: FULL_INPUT.notes,
        salesGroup: null,
        version: 2,
      });
    });

    it('moves creditLimitDate only when the credit limit changes', async () => {
      await t.request('PUT', '/api/v1/customers/CLD-1', {
        as: 'integration',
        body: customerBody({ creditLimit: '5000.00' }),
      });
      await backdateLimitDate('CLD-1', '2020-01-01');
      const same = await t.request('PUT', '/api/v1/customers/CLD-1', {
        as: 'integration',
        headers: { 'If-Match': '"1"' },
        body: customerBody({ creditLimit: 5000, name: 'Other name' }),
      });
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({
        version: 2,
        name: 'Other name',
        creditLimit: '5000.00',
        creditLimitDate: '2020-01-01',
      });
      expect((await getCustomer('CLD-1')).body.creditLimitDate).toBe('2020-01-01');

      const changed = await t.request('PUT', '/api/v1/customers/CLD-1', {
        as: 'integration',
        headers: { 'If-Match': '"2"' },
        body: customerBody({ creditLimit: '5000.01', name: 'Other name' }),
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ version: 3, creditLimit: '5000.01', creditLimitDate: todayUtc() });
      expect((await getCustomer('CLD-1')).body.creditLimitDate).toBe(todayUtc());
    });

    it('refuses a change without If-Match (428), with a stale one (409 + current) or a malformed one (412), changing nothing', async () => {
      await t.request('PUT', '/api/v1/customers/VER-1', {
        as: 'integration',
        body: customerBody({ creditLimit: '100.00' }),
      });
      await t.request('PUT', '/api/v1/customers/VER-1', {
        as: 'integration',
        headers: { 'If-Match': '"1"' },
        body: customerBody({ creditLimit: '200.00' }),
      });
      const snapshot = (await getCustomer('VER-1')).body;
      const seq = await lastSeq();

      const missing = await t.request('PUT', '/api/v1/customers/VER-1', {
        as: 'integration',
        body: customerBody({ creditLimit: '300.00' }),
      });
      expect(missing.status).toBe(428);
      expect(missing.body.error.code).toBe('precondition_required');

      const stale = await t.request('PUT', '/api/v1/customers/VER-1', {
        as: 'integration',
        headers: { 'If-Match': '"1"' },
        body: customerBody({ creditLimit: '300.00' }),
      });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      expect(stale.body.current).toMatchObject({ id: 'VER-1', version: 2, creditLimit: '200.00' });

      const malformed = await t.request('PUT', '/api/v1/customers/VER-1', {
        as: 'integration',
        headers: { 'If-Match': 'two' },
        body: customerBody({ creditLimit: '300.00' }),
      });
      expect(malformed.status).toBe(412);

      expect((await getCustomer('VER-1')).body).toEqual(snapshot);
      expect(await lastSeq()).toBe(seq);
    });

    it('lets exactly one of two concurrent changes based on the same version win (the other gets 409)', async () => {
      await t.request('PUT', '/api/v1/customers/RACE-1', {
        as: 'integration',
        body: customerBody({ creditLimit: '100.00' }),
      });
      for (let round = 1; round <= 3; round++) {
        const seq = await lastSeq();
        const results = await Promise.all(
          ['111.00', '222.00'].map((creditLimit) =>
            t.request('PUT', '/api/v1/customers/RACE-1', {
              as: 'integration',
              headers: { 'If-Match': `"${round}"` },
              body: customerBody({ creditLimit }),
            }),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const winner = results.find((r) => r.status === 200)!;
        expect(winner.body.version).toBe(round + 1);
        expect((await getCustomer('RACE-1')).body).toMatchObject({
          version: round + 1,
          creditLimit: winner.body.creditLimit,
        });
        expect((await changesSince(seq)).map((c) => `${c.id}:${c.version}`)).toEqual([`RACE-1:${round + 1}`]);
      }
    });

    it('lets integration and admin write; credit_clerk, collections_agent and credit_manager get 403', async () => {
      expect(
        (await t.request('PUT', '/api/v1/customers/ROLE-I', { as: 'integration', body: customerBody() })).status,
      ).toBe(201);
      expect((await t.request('PUT', '/api/v1/customers/ROLE-A', { as: 'admin', body: customerBody() })).status).toBe(
        201,
      );
      expect(
        (
          await t.request('PUT', '/api/v1/customers/ROLE-I', {
            as: 'admin',
            headers: { 'If-Match': '"1"' },
            body: customerBody({ name: 'By admin' }),
          })
        ).status,
      ).toBe(200);
      const seq = await lastSeq();
      for (const role of ['credit_clerk', 'collections_agent', 'credit_manager'] as const) {
        const create = await t.request('PUT', `/api/v1/customers/ROLE-${role}`, { as: role, body: customerBody() });
        expect(create.status, role).toBe(403);
        expect(create.body.error.code).toBe('forbidden');
        const replace = await t.request('PUT', '/api/v1/customers/ROLE-I', {
          as: role,
          headers: { 'If-Match': '"2"' },
          body: customerBody({ name: 'Hijacked' }),
        });
        expect(replace.status, role).toBe(403);
        const batch = await t.request('POST', '/api/v1/customers:batch', {
          as: role,
          body: { items: [{ id: `ROLE-B-${role}`, ...customerBody() }] },
        });
        expect(batch.status, role).toBe(403);
        expect((await getCustomer(`ROLE-${role}`)).status).toBe(404);
        expect((await getCustomer(`ROLE-B-${role}`)).status).toBe(404);
        // ...but every role may read
        expect((await t.request('GET', '/api/v1/customers/ROLE-I', { as: role })).status).toBe(200);
      }
      expect((await getCustomer('ROLE-I')).body).toMatchObject({ name: 'By admin', version: 2 });
      expect(await lastSeq()).toBe(seq);
      const noToken = await t.request('PUT', '/api/v1/customers/ROLE-X', { token: null, body: customerBody() });
      expect(noToken.status).toBe(401);
    });

    it.each([
      ['more than 2 decimals', { creditLimit: '12.345' }, 'creditLimit'],
      ['a negative limit', { creditLimit: '-1.00' }, 'creditLimit'],
      ['an exponent', { creditLimit: '1e3' }, 'creditLimit'],
      ['an out-of-range amount', { creditLimit: '1000000000000.00' }, 'creditLimit'],
      ['a 3-decimal risk score', { riskScore: '42.505' }, 'riskScore'],
      ['a lowercase currency', { currency: 'usd' }, 'currency'],
      ['an impossible date', { creditLimitExpirationDate: '2025-02-30' }, 'creditLimitExpirationDate'],
      ['a string boolean', { unlimitedCredit: 'yes' }, 'unlimitedCredit'],
      ['an empty name', { name: '   ' }, 'name'],
      ['an unknown field', { color: 'red' }, 'color'],
      ['an id with a space as a foreign key', { paymentTermsId: 'NET 30' }, 'paymentTermsId'],
    ])('answers 400 for %s and saves nothing', async (_label, override, path) => {
      const seq = await lastSeq();
      const res = await t.request('PUT', '/api/v1/customers/BAD-1', {
        as: 'integration',
        body: customerBody(override),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect((await getCustomer('BAD-1')).status).toBe(404);
      expect(await lastSeq()).toBe(seq);
    });

    it('answers 400 (never 500) for malformed JSON, a missing body, a bad id, and 404 for an unknown customer', async () => {
      const seq = await lastSeq();
      const raw = await t.request('PUT', '/api/v1/customers/BAD-2', { as: 'integration', raw: '{"name": "x",' });
      expect(raw.status).toBe(400);
      expect(raw.body.error.code).toBe('invalid_request');
      const arr = await t.request('PUT', '/api/v1/customers/BAD-2', { as: 'integration', body: [customerBody()] });
      expect(arr.status).toBe(400);
      const missing = await t.request('PUT', '/api/v1/customers/BAD-2', { as: 'integration', body: { name: 'x' } });
      expect(missing.status).toBe(400);
      const badId = await t.request('PUT', `/api/v1/customers/${encodeURIComponent('has space')}`, {
        as: 'integration',
        body: customerBody(),
      });
      expect(badId.status).toBe(400);
      const longId = await t.request('PUT', `/api/v1/customers/${'x'.repeat(65)}`, {
        as: 'integration',
        body: customerBody(),
      });
      expect(longId.status).toBe(400);
      expect((await getCustomer('BAD-2')).status).toBe(404);
      expect((await getCustomer('BAD-2')).body.error.code).toBe('not_found');
      expect(await lastSeq()).toBe(seq);
    });
  });

  describe('GET /customers', () => {
    it('lists customers ordered by id with paging and ?since', async () => {
      for (const id of ['LST-A', 'LST-B', 'LST-C']) {
        expect(
          (
            await t.request('PUT', `/api/v1/customers/${id}`, {
              as: 'integration',
              body: customerBody({ name: `Name ${id}` }),
            })
          ).status,
        ).toBe(201);
      }
      const all = await allCustomers();
      const ids = all.map((c) => c.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining(['LST-A', 'LST-B', 'LST-C', 'FULL-1']));
      const full = all.find((c) => c.id === 'FULL-1');
      expect(full).toMatchObject({ ...FULL_INPUT, version: 1 });

      const p1 = await t.request('GET', '/api/v1/customers?limit=2', { as: 'credit_clerk' });
      expect(p1.status).toBe(200);
      expect(p1.body.items).toHaveLength(2);
      expect(p1.body.items.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 2));
      expect(typeof p1.body.nextCursor).toBe('string');
      const p2 = await t.request('GET', `/api/v1/customers?limit=2&cursor=${p1.body.nextCursor}`);
      expect(p2.body.items.map((c: { id: string }) => c.id)).toEqual(ids.slice(2, 4));

      const seq = await lastSeq();
      await t.request('PUT', '/api/v1/customers/LST-B', {
        as: 'integration',
        headers: { 'If-Match': '"1"' },
        body: customerBody({ name: 'B again' }),
      });
      const delta = await t.request('GET', `/api/v1/customers?since=${seq}`);
      expect(delta.status).toBe(200);
      expect(
        delta.body.items.map((c: { id: string; name: string; version: number }) => [c.id, c.name, c.version]),
      ).toEqual([['LST-B', 'B again', 2]]);

      expect((await t.request('GET', '/api/v1/customers?limit=0')).status).toBe(400);
      expect((await t.request('GET', '/api/v1/customers?limit=1001')).status).toBe(400);
      expect((await t.request('GET', '/api/v1/customers?cursor=garbage!')).status).toBe(400);
    });
  });

  describe('POST /customers:batch', () => {
    const batchItem = (i: number, overrides: Record<string, unknown> = {}) => ({
      id: `B${String(i).padStart(3, '0')}`,
      name: `Batch customer ${i}`,
      currency: i % 2 === 0 ? 'USD' : 'EUR',
      creditLimit: `${i * 100}.25`,
      riskScore: `${i % 100}.5`,
      customerSince: '2020-02-29',
      withAgency: i % 3 === 0,
      ...overrides,
    });

    it('creates 300 customers in one batch', async () => {
      const seq = await lastSeq();
      const items = Array.from({ length: 300 }, (_, i) => batchItem(i + 1));
      const res = await t.request('POST', '/api/v1/customers:batch', { as: 'integration', body: { items } });
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(300);
      expect(res.body.updated).toBe(0);
      expect(res.body.items).toHaveLength(300);
      expect(res.body.items[0]).toEqual({ index: 0, id: 'B001', status: 'ok', errors: [] });
      expect(res.body.items[299]).toEqual({ index: 299, id: 'B300', status: 'ok', errors: [] });
      expect(res.body.items.every((r: { status: string }) => r.status === 'ok')).toBe(true);

      const stored = (await allCustomers()).filter((c) => /^B\d{3}$/.test(c.id));
      expect(stored).toHaveLength(300);
      const b150 = stored.find((c) => c.id === 'B150');
      expect(b150).toMatchObject({
        name: 'Batch customer 150',
        currency: 'USD',
        creditLimit: '15000.25',
        riskScore: '50.50',
        customerSince: '2020-02-29',
        withAgency: true,
        version: 1,
        creditLimitDate: todayUtc(),
      });
      expect(stored.find((c) => c.id === 'B007')).toMatchObject({
        currency: 'EUR',
        creditLimit: '700.25',
        riskScore: '7.50',
        withAgency: false,
      });

      const changes = await changesSince(seq);
      expect(changes).toHaveLength(300);
      expect(changes.every((c) => c.entity === 'customer' && c.op === 'create' && c.version === 1)).toBe(true);
      expect(new Set(changes.map((c) => c.id)).size).toBe(300);
      // gap-free
      expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: 300 }, (_, i) => seq + 1 + i));
    });

    it('mixes updates (with and without version) and creates', async () => {
      await backdateLimitDate('B001', '2021-05-05');
      await backdateLimitDate('B002', '2021-05-05');
      const seq = await lastSeq();
      const res = await t.request('POST', '/api/v1/customers:batch', {
        as: 'admin',
        body: {
          items: [
            batchItem(1, { name: 'Renamed 1' }), // limit unchanged
            batchItem(2, { version: 1, creditLimit: '999.99' }), // limit changed
            batchItem(301),
            batchItem(302, { creditLimit: 0 }),
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        created: 2,
        updated: 2,
        items: [
          { index: 0, id: 'B001', status: 'ok', errors: [] },
          { index: 1, id: 'B002', status: 'ok', errors: [] },
          { index: 2, id: 'B301', status: 'ok', errors: [] },
          { index: 3, id: 'B302', status: 'ok', errors: [] },
        ],
      });
      expect((await getCustomer('B001')).body).toMatchObject({
        name: 'Renamed 1',
        creditLimit: '100.25',
        creditLimitDate: '2021-05-05',
        version: 2,
      });
      expect((await getCustomer('B002')).body).toMatchObject({
        creditLimit: '999.99',
        creditLimitDate: todayUtc(),
        version: 2,
      });
      expect((await getCustomer('B301')).body).toMatchObject({ creditLimit: '30100.25', version: 1 });
      expect((await getCustomer('B302')).body).toMatchObject({ creditLimit: '0.00', version: 1 });
      const changes = (await changesSince(seq))
        .map(({ entity, id, op, version }) => `${entity}:${id}:${op}:${version}`)
        .sort();
      expect(changes).toEqual([
        'customer:B001:update:2',
        'customer:B002:update:2',
        'customer:B301:create:1',
        'customer:B302:create:1',
      ]);
    });

    it('refuses the whole batch with per-item results when any item is invalid, saving nothing', async () => {
      const rowsBefore = await allCustomers();
      const seq = await lastSeq();
      const res = await t.request('POST', '/api/v1/customers:batch', {
        as: 'integration',
        body: {
          items: [
            batchItem(3, { name: 'Would update 3' }), // 0: valid update
            batchItem(900), // 1: valid create
            batchItem(901, { creditLimit: '12.345' }), // 2: too many decimals
            batchItem(4, { version: 1, name: 'Would update 4' }), // 3: valid, current version
            batchItem(900, { name: 'Duplicate' }), // 4: duplicates item 1
            batchItem(1, { version: 1 }), // 5: stale: B001 is at version 2
            batchItem(902, { version: 1 }), // 6: a version for a customer that does not exist
          ],
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('rule_violation');
      const items = res.body.items as {
        index: number;
        id?: string;
        status: string;
        errors: { path: string; message: string }[];
      }[];
      expect(items.map((i) => [i.index, i.status])).toEqual([
        [0, 'ok'],
        [1, 'ok'],
        [2, 'error'],
        [3, 'ok'],
        [4, 'error'],
        [5, 'error'],
        [6, 'error'],
      ]);
      expect(items[0]!.errors).toEqual([]);
      expect(items[2]).toMatchObject({
        id: 'B901',
        errors: [{ path: 'creditLimit', message: expect.stringContaining('2 decimals') }],
      });
      expect(items[4]).toMatchObject({
        id: 'B900',
        errors: [{ path: 'id', message: expect.stringContaining('more than once') }],
      });
      expect(items[5]).toMatchObject({
        id: 'B001',
        errors: [{ path: 'version', message: expect.stringContaining('version 2') }],
      });
      expect(items[6]).toMatchObject({ id: 'B902', errors: [{ path: 'version' }] });
      const paths = res.body.error.details.map((d: { path: string }) => d.path);
      expect(paths).toEqual(['items.2.creditLimit', 'items.4.id', 'items.5.version', 'items.6.version']);

      // nothing saved: no new rows, no changed rows, no change-log entries
      expect(await allCustomers()).toEqual(rowsBefore);
      expect((await getCustomer('B900')).status).toBe(404);
      expect((await getCustomer('B003')).body).toMatchObject({ name: 'Batch customer 3', version: 1 });
      expect((await getCustomer('B004')).body).toMatchObject({ name: 'Batch customer 4', version: 1 });
      expect(await changesSince(seq)).toEqual([]);
    });

    it('reports items that are not objects or break the schema per item (422), never 500', async () => {
      const seq = await lastSeq();
      const res = await t.request('POST', '/api/v1/customers:batch', {
        as: 'integration',
        body: {
          items: [
            null,
            42,
            'C1',
            [],
            { id: 'OK-1', name: 'x', currency: 'USD', creditLimit: 1 },
            { id: 'bad id', name: 'x', currency: 'USD', creditLimit: 1 },
            { id: 'X-2', name: 'x', currency: 'USD', creditLimit: 1, extra: true },
          ],
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.items.map((i: { status: string }) => i.status)).toEqual([
        'error',
        'error',
        'error',
        'error',
        'ok',
        'error',
        'error',
      ]);
      expect(res.body.items[5].errors.map((e: { path: string }) => e.path)).toContain('id');
      expect(res.body.items[6].errors.map((e: { path: string }) => e.path)).toContain('extra');
      expect((await getCustomer('OK-1')).status).toBe(404);
      expect(await changesSince(seq)).toEqual([]);

      for (const body of [{ items: [] }, { items: 'x' }, {}, { items: [batchItem(950)], extra: 1 }]) {
        const bad = await t.request('POST', '/api/v1/customers:batch', { as: 'integration', body });
        expect(bad.status, JSON.stringify(body)).toBe(400);
      }
      const raw = await t.request('POST', '/api/v1/customers:batch', { as: 'integration', raw: '{"items": [' });
      expect(raw.status).toBe(400);
      expect((await getCustomer('B950')).status).toBe(404);
      expect(await changesSince(seq)).toEqual([]);
    });
  });
});
