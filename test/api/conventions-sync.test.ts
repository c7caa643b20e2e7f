// SPEC §4 "Versions and sync" and "Audit": versions and ETags, the gap-free global change log,
// `since`/`limit`/`nextSince`, list deltas, concurrency, and the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import {
  allAudit,
  allChanges,
  allCustomers,
  detailPaths,
  expectError,
  lastSeq,
  withoutCredit,
  type Change,
} from '../support/conventions';

const C = '/api/v1/customers';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** The change log entries without their seq, for comparing what happened in order. */
const what = (changes: Change[]) => changes.map((c) => [c.entity, c.id, c.op, c.version]);

describe.each(DIALECTS)('API conventions: versions, change log and audit on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t.close());

  it('versions: PUT answers version and ETag "n", GET single answers ETag, +1 per change, W/"n" accepted', async () => {
    const created = await t.request('PUT', `${C}/V1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '100.00' }),
    });
    expect(created.status).toBe(201);
    expect(created.body.version).toBe(1);
    expect(created.headers.get('etag')).toBe('"1"');
    let get = await t.request('GET', `${C}/V1`, { as: 'credit_clerk' });
    expect(get.headers.get('etag')).toBe('"1"');
    expect(get.body.version).toBe(1);

    const second = await t.request('PUT', `${C}/V1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '200.00' }),
      headers: { 'If-Match': '"1"' },
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ version: 2, creditLimit: '200.00' });
    expect(second.headers.get('etag')).toBe('"2"');
    get = await t.request('GET', `${C}/V1`);
    expect(get.headers.get('etag')).toBe('"2"');
    expect(withoutCredit(get.body)).toEqual(second.body);

    // A weak validator names the same version; an unchanged body is still a change (+1).
    const third = await t.request('PUT', `${C}/V1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '200.00' }),
      headers: { 'If-Match': 'W/"2"' },
    });
    expect(third.status).toBe(200);
    expect(third.body.version).toBe(3);
    expect(third.headers.get('etag')).toBe('"3"');
    const spaced = await t.request('PUT', `${C}/V1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '300.00' }),
      headers: { 'If-Match': '  "3"  ' },
    });
    expect(spaced.status).toBe(200);
    expect(spaced.body.version).toBe(4);

    // The batch feed upserts without If-Match, and bumps the version the same way.
    const batch = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: { items: [{ id: 'V1', ...customerBody({ creditLimit: '400.00' }) }] },
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({
      created: 0,
      updated: 1,
      items: [{ index: 0, id: 'V1', status: 'ok', errors: [] }],
    });
    get = await t.request('GET', `${C}/V1`);
    expect(get.body).toMatchObject({ version: 5, creditLimit: '400.00' });
    expect(get.headers.get('etag')).toBe('"5"');
    // A batch item with its version is checked like If-Match.
    const versioned = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: { items: [{ id: 'V1', version: 5, ...customerBody({ creditLimit: '500.00' }) }] },
    });
    expect(versioned.status).toBe(200);
    const stale = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: { items: [{ id: 'V1', version: 5, ...customerBody({ creditLimit: '1.00' }) }] },
    });
    expectError(stale, 422, 'rule_violation', ['items']);
    expect(stale.body.items).toEqual([
      { index: 0, id: 'V1', status: 'error', errors: [{ path: 'version', message: expect.stringContaining('6') }] },
    ]);

    // Lists carry the version too.
    const listed = (await allCustomers(t)).find((c) => c.id === 'V1');
    expect(listed).toMatchObject({ id: 'V1', version: 6, creditLimit: '500.00' });
    // And the change log has one entry per version.
    const changes = (await allChanges(t)).filter((c) => c.entity === 'customer' && c.id === 'V1');
    expect(changes.map((c) => [c.op, c.version])).toEqual([
      ['create', 1],
      ['update', 2],
      ['update', 3],
      ['update', 4],
      ['update', 5],
      ['update', 6],
    ]);
  });

  it('the change log is one gap-free global sequence across entities, and refused or rolled-back writes take no numbers', async () => {
    const start = await lastSeq(t);
    const expected: unknown[][] = [];
    const ok = (res: TestResponse, status = 200) => expect(res.status, JSON.stringify(res.body)).toBe(status);

    ok(await t.request('PUT', `${C}/G1`, { as: 'integration', body: customerBody() }), 201);
    expected.push(['customer', 'G1', 'create', 1]);
    // A batch refused with 422 (one bad item among good ones): all or nothing.
    expectError(
      await t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: {
          items: [
            { id: 'G2', ...customerBody() },
            { id: 'G3', ...customerBody({ creditLimit: '-1' }) },
          ],
        },
      }),
      422,
      'rule_violation',
      ['items'],
    );
    const user = await t.request('POST', '/api/v1/users', { body: { name: 'Gap Free', role: 'credit_clerk' } });
    ok(user, 201);
    expected.push(['user', user.body.id, 'create', 1]);
    // A batch that fails only at the database (a duplicate id inside one batch is caught, so use a stale version).
    expectError(
      await t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: {
          items: [
            { id: 'G4', ...customerBody() },
            { id: 'G1', version: 9, ...customerBody() },
          ],
        },
      }),
      422,
      'rule_violation',
      ['items'],
    );
    expectError(
      await t.request('PUT', `${C}/G1`, { as: 'integration', body: customerBody(), headers: { 'If-Match': '"7"' } }),
      409,
      'version_conflict',
      ['current'],
    );
    expectError(
      await t.request('PUT', `${C}/G1`, { as: 'integration', body: customerBody() }),
      428,
      'precondition_required',
    );
    expectError(
      await t.request('PUT', `${C}/G1`, { as: 'credit_clerk', body: customerBody(), headers: { 'If-Match': '"1"' } }),
      403,
      'forbidden',
    );
    ok(
      await t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: {
          items: [
            { id: 'G5', ...customerBody() },
            { id: 'G1', ...customerBody({ creditLimit: '1.00' }) },
            { id: 'G6', ...customerBody() },
          ],
        },
      }),
    );
    expected.push(['customer', 'G5', 'create', 1], ['customer', 'G1', 'update', 2], ['customer', 'G6', 'create', 1]);
    ok(
      await t.request('POST', '/api/v1/users', {
        body: { name: 'Idem', role: 'credit_clerk' },
        headers: { 'Idempotency-Key': 'gap-1' },
      }),
      201,
    );
    const idemUser = (
      await t.request('POST', '/api/v1/users', {
        body: { name: 'Idem', role: 'credit_clerk' },
        headers: { 'Idempotency-Key': 'gap-1' },
      })
    ).body.id;
    expected.push(['user', idemUser, 'create', 1]);
    expectError(
      await t.request('POST', '/api/v1/users', {
        body: { name: 'Idem 2', role: 'credit_clerk' },
        headers: { 'Idempotency-Key': 'gap-1' },
      }),
      422,
      'rule_violation',
    );
    // Revoking and issuing tokens are audited but change no versioned row.
    ok(await t.request('DELETE', `/api/v1/users/${user.body.id}/tokens`));
    ok(await t.request('POST', `/api/v1/users/${user.body.id}/tokens`), 201);
    ok(
      await t.request('PUT', `${C}/G6`, {
        as: 'admin',
        body: customerBody({ name: 'G six' }),
        headers: { 'If-Match': '"1"' },
      }),
    );
    expected.push(['customer', 'G6', 'update', 2]);

    const changes = await allChanges(t, start);
    expect(changes.map((c) => c.seq)).toEqual(expected.map((_, i) => start + i + 1));
    expect(what(changes)).toEqual(expected);
    // The whole log, from the first write of this database on, has no hole and no repeat.
    const all = await allChanges(t);
    expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
    for (const c of all) expect(Object.keys(c).sort()).toEqual(['entity', 'id', 'op', 'seq', 'version']);
    expect(new Set(all.map((c) => c.entity))).toEqual(new Set(['user', 'customer']));
    for (const id of ['G2', 'G3', 'G4']) expectError(await t.request('GET', `${C}/${id}`), 404, 'not_found');
  });

  it('GET /api/v1/changes honours since and limit and answers nextSince', async () => {
    const all = await allChanges(t);
    expect(all.length).toBeGreaterThan(12);
    const first = await t.request('GET', '/api/v1/changes?limit=3', { as: 'collections_agent' });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['changes', 'nextSince']);
    expect(first.body.changes).toEqual(all.slice(0, 3));
    expect(first.body.nextSince).toBe(3);

    const mid = await t.request('GET', '/api/v1/changes?since=5&limit=4');
    expect(mid.body.changes).toEqual(all.slice(5, 9));
    expect(mid.body.nextSince).toBe(9);

    // Walking with nextSince visits every change once.
    const walked: Change[] = [];
    let since = 0;
    for (let i = 0; i < 100; i++) {
      const res = await t.request('GET', `/api/v1/changes?since=${since}&limit=5`);
      if (res.body.changes.length === 0) {
        expect(res.body.nextSince).toBe(since);
        break;
      }
      expect(res.body.changes.length).toBeLessThanOrEqual(5);
      walked.push(...res.body.changes);
      since = res.body.nextSince;
    }
    expect(walked).toEqual(all);

    // Default page is 100; past the end the answer is empty and nextSince stays.
    const def = await t.request('GET', '/api/v1/changes');
    expect(def.body.changes).toEqual(all.slice(0, 100));
    const end = all[all.length - 1]!.seq;
    expect((await t.request('GET', `/api/v1/changes?since=${end}`)).body).toEqual({ changes: [], nextSince: end });
    expect((await t.request('GET', `/api/v1/changes?since=${end + 50}`)).body).toEqual({
      changes: [],
      nextSince: end + 50,
    });
    expect((await t.request('GET', '/api/v1/changes?limit=1000')).body.changes).toHaveLength(
      Math.min(all.length, 1000),
    );
    for (const bad of ['limit=1001', 'limit=0', 'since=-1', 'since=x', 'limit=2.5']) {
      const res = await t.request('GET', `/api/v1/changes?${bad}`);
      expectError(res, 400, 'invalid_request');
      expect(detailPaths(res)).toEqual([`query.${bad.split('=')[0]}`]);
    }
  });

  it('GET /api/v1/customers?since=<seq> returns only customers changed after it', async () => {
    const mark = await lastSeq(t);
    expect((await t.request('GET', `${C}?since=${mark}`)).body).toEqual({ items: [], nextCursor: null });
    expect((await t.request('PUT', `${C}/S2`, { as: 'integration', body: customerBody() })).status).toBe(201);
    expect(
      (
        await t.request('PUT', `${C}/G5`, {
          as: 'integration',
          body: customerBody({ creditLimit: '55.00' }),
          headers: { 'If-Match': '"1"' },
        })
      ).status,
    ).toBe(200);
    // A user change moves the sequence but is not a customer change.
    expect((await t.request('POST', '/api/v1/users', { body: { name: 'Not a customer', role: 'admin' } })).status).toBe(
      201,
    );
    const mark2 = await lastSeq(t);
    expect((await t.request('PUT', `${C}/S1`, { as: 'integration', body: customerBody() })).status).toBe(201);

    const delta = await t.request('GET', `${C}?since=${mark}`, { as: 'collections_agent' });
    expect(delta.status).toBe(200);
    expect(delta.body.items.map((c: { id: string }) => c.id)).toEqual(['G5', 'S1', 'S2']);
    expect(delta.body.items.find((c: { id: string }) => c.id === 'G5')).toMatchObject({
      version: 2,
      creditLimit: '55.00',
    });
    expect((await t.request('GET', `${C}?since=${mark2}`)).body.items.map((c: { id: string }) => c.id)).toEqual(['S1']);
    // `since` pages like the full list.
    const p1 = await t.request('GET', `${C}?since=${mark}&limit=2`);
    expect(p1.body.items.map((c: { id: string }) => c.id)).toEqual(['G5', 'S1']);
    const p2 = await t.request('GET', `${C}?since=${mark}&limit=2&cursor=${encodeURIComponent(p1.body.nextCursor)}`);
    expect(p2.body).toMatchObject({ items: [{ id: 'S2' }], nextCursor: null });
    // since=0 is everything.
    expect((await allCustomers(t, '&since=0')).map((c) => c.id)).toEqual((await allCustomers(t)).map((c) => c.id));
  });

  it('concurrent writes of different customers keep the sequence gap-free, each change there once', async () => {
    const start = await lastSeq(t);
    const ids = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, '0')}`);
    const created = await Promise.all(
      ids.map((id) =>
        t.request('PUT', `${C}/${id}`, { as: 'integration', body: customerBody({ name: `Parallel ${id}` }) }),
      ),
    );
    for (const r of created) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const updated = await Promise.all(
      ids.map((id) =>
        t.request('PUT', `${C}/${id}`, {
          as: 'integration',
          body: customerBody({ creditLimit: '1.00' }),
          headers: { 'If-Match': '"1"' },
        }),
      ),
    );
    for (const r of updated) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const mixed = await Promise.all([
      ...ids
        .slice(0, 5)
        .map((id) =>
          t.request('PUT', `${C}/${id}`, { as: 'integration', body: customerBody(), headers: { 'If-Match': '"1"' } }),
        ), // stale: 409
      t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: {
          items: [
            { id: 'PB1', ...customerBody() },
            { id: 'PB2', ...customerBody() },
          ],
        },
      }),
      t.request('POST', `${C}:batch`, {
        as: 'integration',
        body: {
          items: [
            { id: 'PB3', ...customerBody() },
            { id: 'PB4', ...customerBody({ currency: 'usd' }) },
          ],
        },
      }), // 422
      t.request('POST', '/api/v1/users', { body: { name: 'Parallel user', role: 'integration' } }),
    ]);
    expect(mixed.map((r) => r.status)).toEqual([409, 409, 409, 409, 409, 200, 422, 201]);

    const changes = await allChanges(t, start);
    expect(changes.map((c) => c.seq)).toEqual(changes.map((_, i) => start + i + 1));
    expect(changes).toHaveLength(20 + 20 + 2 + 1);
    const keys = changes.map((c) => `${c.entity}/${c.id}/${c.op}/${c.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => /^customer\/P\d\d\/create\/1$/.test(k)).sort()).toEqual(
      ids.map((id) => `customer/${id}/create/1`),
    );
    expect(keys.filter((k) => k.endsWith('/update/2')).sort()).toEqual(ids.map((id) => `customer/${id}/update/2`));
    expect(keys).toEqual(
      expect.arrayContaining(['customer/PB1/create/1', 'customer/PB2/create/1', `user/${mixed[7]!.body.id}/create/1`]),
    );
    // Each id's create comes before its update.
    for (const id of ids)
      expect(keys.indexOf(`customer/${id}/create/1`)).toBeLessThan(keys.indexOf(`customer/${id}/update/2`));
    const all = await allChanges(t);
    expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('concurrent creates of the same customer are a race, not a 500: one wins, the others see its row', async () => {
    const start = await lastSeq(t);
    const puts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.request('PUT', `${C}/RACE1`, { as: 'integration', body: customerBody({ creditLimit: `${i + 1}.00` }) }),
      ),
    );
    expect(puts.map((r) => r.status).sort()).toEqual([201, 428, 428, 428, 428, 428]);
    for (const r of puts.filter((p) => p.status === 428)) expectError(r, 428, 'precondition_required');
    const winner = puts.find((r) => r.status === 201)!;
    expect(withoutCredit((await t.request('GET', `${C}/RACE1`)).body)).toEqual(winner.body);

    // The ERP feed upserts unconditionally: concurrent batches with the same new id all apply, in turn.
    const batches = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.request('POST', `${C}:batch`, { as: 'integration', body: { items: [{ id: 'RACE2', ...customerBody() }] } }),
      ),
    );
    for (const r of batches) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(batches.map((r) => r.body.created).sort()).toEqual([0, 0, 0, 0, 0, 1]);
    expect((await t.request('GET', `${C}/RACE2`)).body.version).toBe(6);

    const changes = await allChanges(t, start);
    expect(changes.map((c) => c.seq)).toEqual(changes.map((_, i) => start + i + 1));
    expect(what(changes)).toEqual([
      ['customer', 'RACE1', 'create', 1],
      ...[1, 2, 3, 4, 5, 6].map((v) => ['customer', 'RACE2', v === 1 ? 'create' : 'update', v]),
    ]);
  });

  it('every change writes one audit row {id, at, userId, action, entity, entityId, before, after, reason}', async () => {
    const create = await t.request('PUT', `${C}/AU1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '100.00' }),
    });
    const update = await t.request('PUT', `${C}/AU1`, {
      as: 'admin',
      body: customerBody({ creditLimit: '250.50', name: 'Renamed' }),
      headers: { 'If-Match': '"1"' },
    });
    expect([create.status, update.status]).toEqual([201, 200]);
    // Refused writes leave no audit row.
    expectError(
      await t.request('PUT', `${C}/AU1`, { as: 'integration', body: customerBody(), headers: { 'If-Match': '"1"' } }),
      409,
      'version_conflict',
      ['current'],
    );

    const res = await t.request('GET', '/api/v1/audit?entity=customer&id=AU1', { as: 'collections_agent' });
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const rows = res.body.items;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual([
        'action',
        'after',
        'at',
        'before',
        'entity',
        'entityId',
        'id',
        'reason',
        'requestId',
        'userId',
      ]);
      expect(row.at).toMatch(ISO_UTC);
      expect(row).toMatchObject({ entity: 'customer', entityId: 'AU1', reason: null });
    }
    const [c, u] = rows;
    expect(c).toMatchObject({
      action: 'customer.create',
      userId: t.userIds.integration,
      before: null,
      requestId: create.headers.get('x-request-id'),
    });
    expect(c.after).toEqual(create.body);
    expect(u).toMatchObject({
      action: 'customer.update',
      userId: t.userIds.admin,
      requestId: update.headers.get('x-request-id'),
    });
    expect(u.before).toEqual(create.body);
    expect(u.after).toEqual(update.body);
    expect(u.before).toMatchObject({ creditLimit: '100.00', name: 'Contoso Ltd', version: 1 });
    expect(u.after).toMatchObject({ creditLimit: '250.50', name: 'Renamed', version: 2 });
    expect(Number(u.id)).toBeGreaterThan(Number(c.id));
    expect(u.at >= c.at).toBe(true);

    // One audit row per changed row, also for a batch; the filter keeps other entities out.
    const batch = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body: {
        items: [
          { id: 'AU2', ...customerBody() },
          { id: 'AU1', ...customerBody({ creditLimit: '1.00' }) },
        ],
      },
    });
    expect(batch.status).toBe(200);
    const au1 = await allAudit(t, '&entity=customer&id=AU1');
    expect(au1.map((a) => [a.action, a.before?.version ?? null, a.after.version])).toEqual([
      ['customer.create', null, 1],
      ['customer.update', 1, 2],
      ['customer.update', 2, 3],
    ]);
    expect((await allAudit(t, '&entity=customer&id=AU2')).map((a) => a.action)).toEqual(['customer.create']);
    const customers = await allAudit(t, '&entity=customer');
    expect(new Set(customers.map((a) => a.entity))).toEqual(new Set(['customer']));
    // Every customer change in the change log has exactly one audit row.
    const changes = (await allChanges(t)).filter((ch) => ch.entity === 'customer');
    expect(customers.map((a) => `${a.entityId}/${a.after.version}`).sort()).toEqual(
      changes.map((ch) => `${ch.id}/${ch.version}`).sort(),
    );
    expect((await t.request('GET', '/api/v1/audit?entity=customer&id=NOBODY')).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
