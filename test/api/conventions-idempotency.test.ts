// SPEC §4 "Idempotency": the same Idempotency-Key with the same body replays the first
// response; with a different body it is a 422; keys are per user; concurrent retries apply once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, detailPaths, expectError, expectUnchanged, snapshot } from '../support/conventions';

const C = '/api/v1/customers';

describe.each(DIALECTS)('API conventions: idempotency on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t.close());

  const usersNamed = async (name: string) =>
    (await t.request('GET', '/api/v1/users')).body.items.filter((u: { name: string }) => u.name === name);

  it('POST /api/v1/users: the same key and body replays the first response (status, body, token), creating one user', async () => {
    const body = { name: 'Idem Ida', role: 'credit_clerk' };
    const first = await t.request('POST', '/api/v1/users', { body, headers: { 'Idempotency-Key': 'user-1' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await snapshot(t);
    for (let i = 0; i < 2; i++) {
      const again = await t.request('POST', '/api/v1/users', { body, headers: { 'Idempotency-Key': 'user-1' } });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    }
    await expectUnchanged(t, before);
    expect(await usersNamed('Idem Ida')).toHaveLength(1);
    // The replayed token is the one that works.
    expect((await t.request('GET', '/api/v1/me', { token: first.body.token })).body.id).toBe(first.body.id);
    // Without a key, the same body creates another user: the key is what makes it idempotent.
    expect((await t.request('POST', '/api/v1/users', { body })).status).toBe(201);
    expect(await usersNamed('Idem Ida')).toHaveLength(2);
  });

  it('the same key with a different body (or another route) is a 422 and changes nothing', async () => {
    const first = await t.request('POST', '/api/v1/users', {
      body: { name: 'Idem Ivo', role: 'integration' },
      headers: { 'Idempotency-Key': 'user-2' },
    });
    expect(first.status).toBe(201);
    const before = await snapshot(t);
    for (const body of [
      { name: 'Idem Ivo', role: 'admin' },
      { name: 'Someone Else', role: 'integration' },
    ]) {
      const res = await t.request('POST', '/api/v1/users', { body, headers: { 'Idempotency-Key': 'user-2' } });
      expectError(res, 422, 'rule_violation');
      expect(detailPaths(res)).toEqual(['Idempotency-Key']);
    }
    const other = await t.request('POST', `${C}:batch`, {
      body: { items: [{ id: 'K9', ...customerBody() }] },
      headers: { 'Idempotency-Key': 'user-2' },
    });
    expectError(other, 422, 'rule_violation');
    await expectUnchanged(t, before);
    expectError(await t.request('GET', `${C}/K9`), 404, 'not_found');
    expect(await usersNamed('Someone Else')).toHaveLength(0);
  });

  it('customers:batch: a replay answers the first response and does not apply the batch again', async () => {
    const body = {
      items: [
        { id: 'K1', ...customerBody({ creditLimit: '10.00' }) },
        { id: 'K2', ...customerBody() },
      ],
    };
    const first = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body,
      headers: { 'Idempotency-Key': 'batch-1' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: 2, updated: 0 });
    // Someone changes K1 after the first attempt.
    const put = await t.request('PUT', `${C}/K1`, {
      as: 'integration',
      body: customerBody({ creditLimit: '99.00' }),
      headers: { 'If-Match': '"1"' },
    });
    expect(put.status).toBe(200);
    const before = await snapshot(t);

    const again = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body,
      headers: { 'Idempotency-Key': 'batch-1' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await expectUnchanged(t, before);
    const k1 = await t.request('GET', `${C}/K1`);
    expect(k1.body).toMatchObject({ version: 2, creditLimit: '99.00' });
    expect((await allChanges(t)).filter((c) => c.id === 'K1' || c.id === 'K2').map((c) => [c.id, c.op])).toEqual([
      ['K1', 'create'],
      ['K2', 'create'],
      ['K1', 'update'],
    ]);

    // The same items under a fresh key are applied again (as updates).
    const fresh = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body,
      headers: { 'Idempotency-Key': 'batch-2' },
    });
    expect(fresh.body).toMatchObject({ created: 0, updated: 2 });
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
  });

  it('keys are per user: another user with the same key is independent', async () => {
    const body = { items: [{ id: 'KU1', ...customerBody() }] };
    const a = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body,
      headers: { 'Idempotency-Key': 'shared-key' },
    });
    const b = await t.request('POST', `${C}:batch`, {
      as: 'admin',
      body,
      headers: { 'Idempotency-Key': 'shared-key' },
    });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body).toMatchObject({ created: 1, updated: 0 });
    expect(b.body).toMatchObject({ created: 0, updated: 1 });
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect((await t.request('GET', `${C}/KU1`)).body.version).toBe(2);
    expect((await allAudit(t, '&entity=customer&id=KU1')).map((r) => r.userId)).toEqual([
      t.userIds.integration,
      t.userIds.admin,
    ]);

    // A different body under a key another user holds is not a conflict either.
    const other = await t.request('POST', `${C}:batch`, {
      as: 'admin',
      body: { items: [{ id: 'KU2', ...customerBody() }] },
      headers: { 'Idempotency-Key': 'batch-1' },
    });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ created: 1 });

    // Two admins, same key, same body: two users.
    const admin2 = await t.request('POST', '/api/v1/users', { body: { name: 'Second Admin', role: 'admin' } });
    const u1 = await t.request('POST', '/api/v1/users', {
      body: { name: 'Per User', role: 'credit_clerk' },
      headers: { 'Idempotency-Key': 'per-user' },
    });
    const u2 = await t.request('POST', '/api/v1/users', {
      token: admin2.body.token,
      body: { name: 'Per User', role: 'credit_clerk' },
      headers: { 'Idempotency-Key': 'per-user' },
    });
    expect([u1.status, u2.status]).toEqual([201, 201]);
    expect(u1.body.id).not.toBe(u2.body.id);
    expect(u2.headers.get('idempotent-replayed')).toBeNull();
    expect(await usersNamed('Per User')).toHaveLength(2);
  });

  it('a replayed token is only given back to the token that asked for it', async () => {
    const admin2 = await t.request('POST', '/api/v1/users', { body: { name: 'Token Owner Admin', role: 'admin' } });
    const tokenA = admin2.body.token as string;
    const tokenB = (await t.request('POST', `/api/v1/users/${admin2.body.id}/tokens`)).body.token as string;
    const body = { name: 'Sealed Sam', role: 'credit_clerk' };
    const first = await t.request('POST', '/api/v1/users', {
      token: tokenA,
      body,
      headers: { 'Idempotency-Key': 'sealed-1' },
    });
    expect(first.status).toBe(201);
    const replay = await t.request('POST', '/api/v1/users', {
      token: tokenA,
      body,
      headers: { 'Idempotency-Key': 'sealed-1' },
    });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const before = await snapshot(t);
    const otherToken = await t.request('POST', '/api/v1/users', {
      token: tokenB,
      body,
      headers: { 'Idempotency-Key': 'sealed-1' },
    });
    expectError(otherToken, 422, 'rule_violation');
    expect(JSON.stringify(otherToken.body)).not.toContain(first.body.token);
    await expectUnchanged(t, before);
    expect(await usersNamed('Sealed Sam')).toHaveLength(1);
  });

  it('five concurrent identical POST /api/v1/users with one key create exactly one user', async () => {
    const body = { name: 'Concurrent Carl', role: 'collections_agent' };
    const start = (await allChanges(t)).length;
    const all = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request('POST', '/api/v1/users', { body, headers: { 'Idempotency-Key': 'race-user' } }),
      ),
    );
    for (const r of all) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toEqual(all[0]!.body);
    }
    expect(all.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const users = await usersNamed('Concurrent Carl');
    expect(users).toHaveLength(1);
    expect(users[0].id).toBe(all[0]!.body.id);
    const changes = (await allChanges(t)).slice(start);
    expect(changes.map((c) => [c.entity, c.id, c.op])).toEqual([['user', users[0].id, 'create']]);
    const tokens = await t.handle.db.selectFrom('api_tokens').select('id').where('user_id', '=', users[0].id).execute();
    expect(tokens).toHaveLength(1);
    expect(
      await t.handle.db.selectFrom('users').select('id').where('name', '=', 'Concurrent Carl').execute(),
    ).toHaveLength(1);
  });

  it('five concurrent identical customers:batch with one key create each row once', async () => {
    const body = { items: ['KC1', 'KC2', 'KC3'].map((id) => ({ id, ...customerBody() })) };
    const start = (await allChanges(t)).length;
    const all = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request('POST', `${C}:batch`, { as: 'integration', body, headers: { 'Idempotency-Key': 'race-batch' } }),
      ),
    );
    for (const r of all) {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toEqual({
        created: 3,
        updated: 0,
        items: ['KC1', 'KC2', 'KC3'].map((id, index) => ({ index, id, status: 'ok', errors: [] })),
      });
    }
    expect(all.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const changes = (await allChanges(t)).slice(start);
    expect(changes.map((c) => [c.id, c.op, c.version])).toEqual([
      ['KC1', 'create', 1],
      ['KC2', 'create', 1],
      ['KC3', 'create', 1],
    ]);
    for (const id of ['KC1', 'KC2', 'KC3']) {
      expect((await t.request('GET', `${C}/${id}`)).body.version).toBe(1);
      expect(await allAudit(t, `&entity=customer&id=${id}`)).toHaveLength(1);
    }
  });

  it('a malformed Idempotency-Key is a 400 and changes nothing; a refused first attempt is not remembered', async () => {
    const before = await snapshot(t);
    for (const key of ['has space', 'k'.repeat(201), 'tab\tkey', 'é']) {
      const res = await t.request('POST', '/api/v1/users', {
        body: { name: 'Bad Key', role: 'admin' },
        headers: { 'Idempotency-Key': key },
      });
      expectError(res, 400, 'invalid_request');
      expect(detailPaths(res)).toEqual(['Idempotency-Key']);
    }
    // A refusal (403) stores nothing under the key: the same request by the right role applies.
    const body = { items: [{ id: 'KR1', ...customerBody() }] };
    expectError(
      await t.request('POST', `${C}:batch`, {
        as: 'credit_clerk',
        body,
        headers: { 'Idempotency-Key': 'refused-first' },
      }),
      403,
      'forbidden',
    );
    await expectUnchanged(t, before);
    const ok = await t.request('POST', `${C}:batch`, {
      as: 'integration',
      body,
      headers: { 'Idempotency-Key': 'refused-first' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(ok.body.created).toBe(1);
  });
});
