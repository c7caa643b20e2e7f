// SPEC §5 "Credit management" + "Contract details": PUT /api/v1/credit-groups/{id}
// {name, creditLimit, currency, creditLimitToDate, members} — the shared limit (credit.md §1.5, §3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, expectError } from '../support/conventions';
import {
  creditSetupState,
  EVERY_ROLE,
  expectNothingChanged,
  expectStatus,
  ifMatch,
  NOT_SETUP_WRITERS,
} from '../support/credit-setup';

const G = '/api/v1/credit-groups';
const group = (members: string[], overrides: Record<string, unknown> = {}) => ({
  name: 'Contoso family',
  creditLimit: '15000',
  currency: 'USD',
  creditLimitToDate: '2026-03-31',
  members,
  ...overrides,
});

describe.each(DIALECTS)('customer credit groups on %s', (dialect) => {
  let t: TestApp;
  const customer = async (id: string) => {
    const res = await t.request('GET', `/api/v1/customers/${id}`, { as: 'credit_clerk' });
    expectStatus(res, 200);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const [id, expiry] of [
      ['C1', '2025-12-31'],
      ['C2', null],
      ['C3', '2027-01-31'],
      ['C4', '2026-03-31'],
      ['C5', null],
      ['C6', null],
    ] as const) {
      expectStatus(
        await t.request('PUT', `/api/v1/customers/${id}`, {
          as: 'integration',
          body: customerBody({ name: `Customer ${id}`, creditLimit: '10000.00', creditLimitExpirationDate: expiry }),
        }),
        201,
      );
    }
    // Open balances: C1 4,000.00, C2 1,500.25, C3 700.00 (no orders).
    const items = [
      {
        id: 'INV-C1',
        customerId: 'C1',
        type: 'invoice',
        amount: '4000.00',
        transDate: '2025-06-01',
        dueDate: '2025-07-01',
      },
      {
        id: 'INV-C2',
        customerId: 'C2',
        type: 'invoice',
        amount: '1500.25',
        transDate: '2025-06-01',
        dueDate: '2025-07-01',
      },
      {
        id: 'INV-C3',
        customerId: 'C3',
        type: 'invoice',
        amount: '700.00',
        transDate: '2025-06-01',
        dueDate: '2025-07-01',
      },
    ];
    expectStatus(await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } }), 200);
  });
  afterAll(async () => t?.close());

  it('PUT with members creates the group (201); members take its creditLimitToDate as their expiry, as logged customer changes; GET customer shows credit.group', async () => {
    const seq = (await allChanges(t)).at(-1)!.seq;
    const c1Before = await customer('C1');
    const created = await t.request('PUT', `${G}/G1`, { as: 'credit_manager', body: group(['C2', 'C1']) });
    expectStatus(created, 201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toEqual({
      id: 'G1',
      name: 'Contoso family',
      creditLimit: '15000.00',
      currency: 'USD',
      creditLimitToDate: '2026-03-31',
      members: ['C1', 'C2'],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    const one = await t.request('GET', `${G}/G1`, { as: 'collections_agent' });
    expectStatus(one, 200);
    expect(one.headers.get('etag')).toBe('"1"');
    expect(one.body).toEqual(created.body);
    for (const role of EVERY_ROLE)
      expect((await t.request('GET', G, { as: role })).body.items).toContainEqual(created.body);

    const c1 = await customer('C1');
    expect(c1.creditLimitExpirationDate).toBe('2026-03-31');
    expect(c1.version).toBe(c1Before.version + 1);
    expect(c1.creditLimit).toBe('10000.00');
    expect(c1.credit.group).toEqual({ id: 'G1', limit: '15000.00', exposure: '5500.25', currency: 'USD' });
    expect(c1.credit.creditGroupId).toBe('G1');
    const c2 = await customer('C2');
    expect(c2.creditLimitExpirationDate).toBe('2026-03-31');
    expect(c2.credit.group).toEqual({ id: 'G1', limit: '15000.00', exposure: '5500.25', currency: 'USD' });
    expect((await customer('C3')).credit.group).toBeNull();
    expect((await customer('C3')).credit.creditGroupId).toBeNull();

    const changes = (await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op, c.version]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['customer', 'C1', 'update', 2],
        ['customer', 'C2', 'update', 2],
        ['creditGroup', 'G1', 'create', 1],
      ]),
    );
    expect(changes).toHaveLength(3);
    const c1Audit = (await allAudit(t, '&entity=customer&id=C1')).at(-1);
    expect(c1Audit).toMatchObject({ action: 'customer.joinCreditGroup', userId: t.userIds.credit_manager });
    expect(c1Audit.before.creditLimitExpirationDate).toBe('2025-12-31');
    expect(c1Audit.after.creditLimitExpirationDate).toBe('2026-03-31');
    expect(c1Audit.reason).toContain('G1');
    const gAudit = await allAudit(t, '&entity=creditGroup&id=G1');
    expect(gAudit).toHaveLength(1);
    expect(gAudit[0]).toMatchObject({ action: 'creditGroup.create', before: null, after: created.body });
  });

  it('a member whose expiry already equals the group date is not changed (no customer change)', async () => {
    const c4Before = await customer('C4');
    const seq = (await allChanges(t)).at(-1)!.seq;
    const created = await t.request('PUT', `${G}/G4`, { as: 'admin', body: group(['C4'], { creditLimit: 2000 }) });
    expectStatus(created, 201);
    const c4 = await customer('C4');
    expect(c4.version).toBe(c4Before.version);
    expect(c4.credit.group).toEqual({ id: 'G4', limit: '2000.00', exposure: '0.00', currency: 'USD' });
    expect((await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op])).toEqual([['creditGroup', 'G4', 'create']]);
  });

  it('a customer already in another group, or an unknown member, is a 422 naming the member; nothing changes', async () => {
    const before = await creditSetupState(t);
    const twice = await t.request('PUT', `${G}/G2`, { as: 'credit_manager', body: group(['C3', 'C1']) });
    expect(expectError(twice, 422, 'rule_violation').map((d) => d.path)).toEqual(['members.1']);
    const unknown = await t.request('PUT', `${G}/G2`, { as: 'credit_manager', body: group(['NOPE', 'C3']) });
    expect(expectError(unknown, 422, 'rule_violation').map((d) => d.path)).toEqual(['members.0']);
    await expectNothingChanged(t, before);
    expectError(await t.request('GET', `${G}/G2`), 404, 'not_found');
    const c3 = await customer('C3');
    expect(c3.creditLimitExpirationDate).toBe('2027-01-31');
    expect(c3.credit.group).toBeNull();
  });

  it('bad bodies are a 400 (creditLimitToDate is required; money, currency and ids are checked); other roles get 403', async () => {
    const before = await creditSetupState(t);
    const bad: [Record<string, unknown>, string][] = [
      [{ ...group(['C5']), creditLimitToDate: undefined }, 'creditLimitToDate'],
      [group(['C5'], { creditLimitToDate: '2026-02-30' }), 'creditLimitToDate'],
      [group(['C5'], { creditLimit: '100.001' }), 'creditLimit'],
      [group(['C5'], { creditLimit: -1 }), 'creditLimit'],
      [group(['C5'], { currency: 'dollars' }), 'currency'],
      [group(['bad id!']), 'members.0'],
      [group(['C5'], { colour: 'red' }), 'colour'],
    ];
    for (const [body, path] of bad) {
      const res = await t.request('PUT', `${G}/G5`, { as: 'credit_manager', body });
      expect(
        expectError(res, 400, 'invalid_request').map((d) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    for (const role of NOT_SETUP_WRITERS) {
      expectError(await t.request('PUT', `${G}/G5`, { as: role, body: group(['C5']) }), 403, 'forbidden');
      expectError(
        await t.request('PUT', `${G}/G1`, { as: role, body: group(['C5']), headers: ifMatch(1) }),
        403,
        'forbidden',
      );
      expectError(await t.request('DELETE', `${G}/G1`, { as: role, headers: ifMatch(1) }), 403, 'forbidden');
    }
    await expectNothingChanged(t, before);
  });

  it('replace needs If-Match (428, 409 with current) and changes members: leavers lose credit.group, joiners take the date; DELETE removes the group', async () => {
    const g1 = await t.request('GET', `${G}/G1`);
    expect(g1.body.version).toBe(1);
    const body = group(['C2', 'C3'], {
      name: 'Contoso family (new)',
      creditLimit: '20000.50',
      creditLimitToDate: '2026-06-30',
    });

    const before = await creditSetupState(t);
    expectError(await t.request('PUT', `${G}/G1`, { as: 'credit_manager', body }), 428, 'precondition_required');
    const stale = await t.request('PUT', `${G}/G1`, { as: 'credit_manager', body, headers: ifMatch(9) });
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(g1.body);
    expectError(
      await t.request('PUT', `${G}/G-NONE`, { as: 'credit_manager', body, headers: ifMatch(1) }),
      404,
      'not_found',
    );
    await expectNothingChanged(t, before);

    const replaced = await t.request('PUT', `${G}/G1`, { as: 'credit_manager', body, headers: ifMatch(1) });
    expectStatus(replaced, 200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect(replaced.body).toMatchObject({
      id: 'G1',
      name: 'Contoso family (new)',
      creditLimit: '20000.50',
      creditLimitToDate: '2026-06-30',
      members: ['C2', 'C3'],
      version: 2,
    });
    expect((await t.request('GET', `${G}/G1`)).body).toEqual(replaced.body);

    const [c1, c2, c3] = [await customer('C1'), await customer('C2'), await customer('C3')];
    expect(c1.credit.group).toBeNull();
    expect(c1.creditLimitExpirationDate).toBe('2026-03-31');
    expect(c2.creditLimitExpirationDate).toBe('2026-06-30');
    expect(c3.creditLimitExpirationDate).toBe('2026-06-30');
    expect(c2.credit.group).toEqual({ id: 'G1', limit: '20000.50', exposure: '2200.25', currency: 'USD' });
    expect(c3.credit.group).toEqual({ id: 'G1', limit: '20000.50', exposure: '2200.25', currency: 'USD' });
    const audit = await allAudit(t, '&entity=creditGroup&id=G1');
    expect(audit.at(-1)).toMatchObject({ action: 'creditGroup.update', before: g1.body, after: replaced.body });

    // C1 left G1, so it may now join another group.
    const g2 = await t.request('PUT', `${G}/G2`, {
      as: 'credit_manager',
      body: group(['C1', 'C6'], { creditLimit: 5000, creditLimitToDate: '2025-12-31' }),
    });
    expectStatus(g2, 201);
    expect((await customer('C1')).credit.group).toEqual({
      id: 'G2',
      limit: '5000.00',
      exposure: '4000.00',
      currency: 'USD',
    });
    expect((await customer('C1')).creditLimitExpirationDate).toBe('2025-12-31');

    // DELETE: If-Match required; members keep their own limit and expiry.
    const del0 = await creditSetupState(t);
    expectError(await t.request('DELETE', `${G}/G1`, { as: 'credit_manager' }), 428, 'precondition_required');
    expectError(
      await t.request('DELETE', `${G}/G1`, { as: 'credit_manager', headers: ifMatch(1) }),
      409,
      'version_conflict',
      ['current'],
    );
    await expectNothingChanged(t, del0);
    const seq = (await allChanges(t)).at(-1)!.seq;
    const deleted = await t.request('DELETE', `${G}/G1`, { as: 'admin', headers: ifMatch(2) });
    expectStatus(deleted, 200);
    expect(deleted.body).toMatchObject({ id: 'G1', version: 3 });
    expectError(await t.request('GET', `${G}/G1`), 404, 'not_found');
    expect((await t.request('GET', G)).body.items.map((g: { id: string }) => g.id)).not.toContain('G1');
    expect((await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op, c.version])).toEqual([
      ['creditGroup', 'G1', 'delete', 3],
    ]);
    const c2After = await customer('C2');
    expect(c2After.credit.group).toBeNull();
    expect(c2After.creditLimitExpirationDate).toBe('2026-06-30');
    expect(c2After.creditLimit).toBe('10000.00');
    // Its former members are free again.
    expectStatus(await t.request('PUT', `${G}/G3`, { as: 'credit_manager', body: group(['C2', 'C3']) }), 201);
  });

  it('concurrent writes: a replace racing a delete never both succeed (no 500); two groups claiming one customer, one wins', async () => {
    for (let i = 0; i < 4; i++) {
      const id = `GR${i}`;
      expectStatus(await t.request('PUT', `${G}/${id}`, { as: 'credit_manager', body: group([]) }), 201);
      const [put, del] = await Promise.all([
        t.request('PUT', `${G}/${id}`, { as: 'credit_manager', body: group(['C5']), headers: ifMatch(1) }),
        t.request('DELETE', `${G}/${id}`, { as: 'credit_manager', headers: ifMatch(1) }),
      ]);
      if (put.status === 200) {
        expectError(del, 409, 'version_conflict', ['current']);
        expect(del.body.current).toMatchObject({ id, members: ['C5'], version: 2 });
        expectStatus(await t.request('DELETE', `${G}/${id}`, { as: 'credit_manager', headers: ifMatch(2) }), 200);
      } else {
        expectStatus(del, 200);
        expectError(put, 404, 'not_found');
      }
      expectError(await t.request('GET', `${G}/${id}`), 404, 'not_found');
      expect((await customer('C5')).credit.group).toBeNull();
    }
    const claims = await Promise.all(
      ['GX', 'GY'].map((id) => t.request('PUT', `${G}/${id}`, { as: 'credit_manager', body: group(['C5']) })),
    );
    expect(claims.map((r) => r.status).sort()).toEqual([201, 422]);
    const winner = claims[0]!.status === 201 ? 'GX' : 'GY';
    expect((await customer('C5')).credit.group).toMatchObject({ id: winner });
    expectError(await t.request('GET', `${G}/${winner === 'GX' ? 'GY' : 'GX'}`), 404, 'not_found');
  });

  it('with group limits not checked, a member still shows its group in credit.creditGroupId; only the applied group limit (credit.group) goes', async () => {
    expectStatus(
      await t.request('PUT', '/api/v1/customers/CG-A', {
        as: 'integration',
        body: customerBody({ name: 'Customer CG-A', creditLimit: '10000.00' }),
      }),
      201,
    );
    expectStatus(
      await t.request('PUT', `${G}/G-OFF`, {
        as: 'credit_manager',
        body: group(['CG-A'], { creditLimit: '5000', creditLimitToDate: '2027-12-31' }),
      }),
      201,
    );
    const figures = async () => {
      const c = (await customer('CG-A')).credit;
      return [c.creditGroupId, c.group, c.effectiveLimit];
    };
    expect(await figures()).toEqual([
      'G-OFF',
      { id: 'G-OFF', limit: '5000.00', exposure: '0.00', currency: 'USD' },
      '5000.00',
    ]);
    const params = async (on: boolean) =>
      expectStatus(
        await t.request('PUT', '/api/v1/parameters', {
          as: 'credit_manager',
          body: { checkCustomerCreditGroupsCreditLimit: on },
        }),
        200,
      );
    await params(false);
    try {
      expect(await figures()).toEqual(['G-OFF', null, '10000.00']);
    } finally {
      await params(true);
    }
  });

  it('the list pages with limit/cursor → nextCursor and takes ?since= for deltas (SPEC §4)', async () => {
    for (const id of ['PG-A', 'PG-B', 'PG-C'])
      expectStatus(
        await t.request('PUT', `${G}/${id}`, { as: 'credit_manager', body: group([], { name: `Paged ${id}` }) }),
        201,
      );
    const all = (await t.request('GET', `${G}?limit=1000`, { as: 'credit_clerk' })).body;
    expect(all.nextCursor).toBeNull();
    const ids = all.items.map((g: { id: string }) => g.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['PG-A', 'PG-B', 'PG-C']));
    // Walk two at a time: the same rows, in the same order, each once.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.request(
        'GET',
        `${G}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...res.body.items.map((g) => g.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(ids);

    const seq = (await allChanges(t)).at(-1)!.seq;
    expect((await t.request('GET', `${G}?since=${seq}`)).body.items).toEqual([]);
    const changed = await t.request('PUT', `${G}/PG-B`, {
      as: 'credit_manager',
      body: group([], { name: 'Paged PG-B (renamed)' }),
      headers: ifMatch(1),
    });
    expectStatus(changed, 200);
    const delta = await t.request('GET', `${G}?since=${seq}`, { as: 'integration' });
    expectStatus(delta, 200);
    expect(delta.body.items).toEqual([changed.body]);
    expectError(await t.request('GET', `${G}?limit=0`), 400, 'invalid_request');
    expectError(await t.request('GET', `${G}?cursor=not-a-cursor`), 400, 'invalid_request');
  });
});
