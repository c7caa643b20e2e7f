// SPEC §5 "Credit management" + "Contract details": the PUT-upserted setup kinds
// (payment terms, cash discounts, credit management groups, account statuses, reason codes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, expectError } from '../support/conventions';
import {
  creditSetupState,
  errorPaths,
  EVERY_ROLE,
  expectNothingChanged,
  expectStatus,
  ifMatch,
  NOT_SETUP_WRITERS,
  SETUP_WRITERS,
} from '../support/credit-setup';

interface Kind {
  path: string;
  entity: string;
  /** A full create body and what the row then shows. */
  create: Record<string, unknown>;
  /** A replacement body. */
  replace: Record<string, unknown>;
  /** The smallest body, and the defaults the row then shows. */
  minimal: Record<string, unknown>;
  minimalShows: Record<string, unknown>;
}

const KINDS: Kind[] = [
  {
    path: 'payment-terms',
    entity: 'paymentTerms',
    create: { description: 'Net 30 days', days: 30, rank: 2 },
    replace: { description: 'Net 45 days', days: 45, rank: 3 },
    minimal: { description: 'Cash' },
    minimalShows: { description: 'Cash', days: 0, rank: null },
  },
  {
    path: 'cash-discounts',
    entity: 'cashDiscount',
    create: { description: '1% 10 days', rank: 1 },
    replace: { description: '2% 10 days', rank: 5 },
    minimal: { description: 'None' },
    minimalShows: { description: 'None', rank: null },
  },
  {
    path: 'credit-management-groups',
    entity: 'creditManagementGroup',
    create: { description: 'Standard customers' },
    replace: { description: 'Standard customers (reviewed)' },
    minimal: { description: 'Key accounts' },
    minimalShows: { description: 'Key accounts' },
  },
  {
    path: 'account-statuses',
    entity: 'accountStatus',
    create: { description: 'In collections', invoicingAndDeliveryHold: 'all' },
    replace: { description: 'Invoice hold', invoicingAndDeliveryHold: 'invoice' },
    minimal: { description: 'Normal' },
    minimalShows: { description: 'Normal', invoicingAndDeliveryHold: 'no' },
  },
  {
    path: 'reason-codes',
    entity: 'reasonCode',
    create: { kind: 'release', description: 'Customer paid' },
    replace: { kind: 'reject', description: 'Order canceled by customer' },
    minimal: { kind: 'nsf', description: 'Returned cheque' },
    minimalShows: { kind: 'nsf', description: 'Returned cheque' },
  },
];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

describe.each(DIALECTS)('credit setup kinds on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  describe.each(KINDS)('/api/v1/$path', (k) => {
    const base = `/api/v1/${k.path}`;
    // Ids are unique per kind: every kind runs in the same database.
    const id = (s: string) => `${k.entity.slice(0, 4).toUpperCase()}-${s}`;
    const changesOf = async (rowId: string) =>
      (await allChanges(t)).filter((c) => c.entity === k.entity && c.id === rowId).map((c) => [c.op, c.version]);

    it('PUT creates (201, version 1, ETag), GET one and list show it, change log and audit name the entity', async () => {
      const rowId = id('A');
      const created = await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: k.create });
      expectStatus(created, 201);
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.body).toMatchObject({ id: rowId, ...k.create, version: 1 });
      expect(created.body.createdAt).toMatch(ISO_UTC);
      expect(created.body.updatedAt).toMatch(ISO_UTC);

      const one = await t.request('GET', `${base}/${rowId}`, { as: 'credit_clerk' });
      expectStatus(one, 200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.body).toEqual(created.body);

      const list = await t.request('GET', base, { as: 'collections_agent' });
      expectStatus(list, 200);
      expect(list.body.items.find((r: { id: string }) => r.id === rowId)).toEqual(created.body);

      expect(await changesOf(rowId)).toEqual([['create', 1]]);
      const audit = await allAudit(t, `&entity=${k.entity}&id=${rowId}`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: `${k.entity}.create`,
        entity: k.entity,
        entityId: rowId,
        userId: t.userIds.credit_manager,
        before: null,
      });
      expect(audit[0].after).toMatchObject({ id: rowId, ...k.create, version: 1 });
    });

    it('a minimal body takes the documented defaults', async () => {
      const rowId = id('MIN');
      const created = await t.request('PUT', `${base}/${rowId}`, { as: 'admin', body: k.minimal });
      expectStatus(created, 201);
      expect(created.body).toMatchObject({ id: rowId, ...k.minimalShows, version: 1 });
      expect((await t.request('GET', `${base}/${rowId}`)).body).toMatchObject(k.minimalShows);
    });

    it('PUT on an existing row needs If-Match: 428 without, 409 stale with the current row, 412 malformed, 200 with the right version', async () => {
      const rowId = id('R');
      const created = await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: k.create });
      expectStatus(created, 201);
      const before = await creditSetupState(t);

      expect(
        errorPaths(
          await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: k.replace }),
          428,
          'precondition_required',
        ),
      ).toEqual(['If-Match']);
      const stale = await t.request('PUT', `${base}/${rowId}`, {
        as: 'credit_manager',
        body: k.replace,
        headers: ifMatch(7),
      });
      expectError(stale, 409, 'version_conflict', ['current']);
      expect(stale.body.current).toEqual(created.body);
      expectError(
        await t.request('PUT', `${base}/${rowId}`, {
          as: 'credit_manager',
          body: k.replace,
          headers: { 'If-Match': '1' },
        }),
        412,
        'precondition_failed',
      );
      await expectNothingChanged(t, before);

      const replaced = await t.request('PUT', `${base}/${rowId}`, {
        as: 'admin',
        body: k.replace,
        headers: ifMatch(1),
      });
      expectStatus(replaced, 200);
      expect(replaced.headers.get('etag')).toBe('"2"');
      expect(replaced.body).toMatchObject({ id: rowId, ...k.replace, version: 2, createdAt: created.body.createdAt });
      const one = await t.request('GET', `${base}/${rowId}`);
      expect(one.headers.get('etag')).toBe('"2"');
      expect(one.body).toEqual(replaced.body);

      expect(await changesOf(rowId)).toEqual([
        ['create', 1],
        ['update', 2],
      ]);
      const audit = await allAudit(t, `&entity=${k.entity}&id=${rowId}`);
      expect(audit.map((a) => a.action)).toEqual([`${k.entity}.create`, `${k.entity}.update`]);
      expect(audit[1].userId).toBe(t.userIds.admin);
      expect(audit[1].before).toEqual(created.body);
      expect(audit[1].after).toEqual(replaced.body);

      // The replacement is whole: a field left out goes back to its default.
      const third = await t.request('PUT', `${base}/${rowId}`, {
        as: 'admin',
        body: { ...k.minimal },
        headers: ifMatch(2),
      });
      expectStatus(third, 200);
      expect(third.body).toMatchObject({ ...k.minimalShows, version: 3 });
    });

    it('list ?since= returns only rows changed after that sequence', async () => {
      const [a, b] = [id('S1'), id('S2')];
      expectStatus(await t.request('PUT', `${base}/${a}`, { as: 'credit_manager', body: k.create }), 201);
      expectStatus(await t.request('PUT', `${base}/${b}`, { as: 'credit_manager', body: k.create }), 201);
      const all = await allChanges(t);
      const seq = all[all.length - 1]!.seq;
      expect((await t.request('GET', `${base}?since=${seq}`)).body.items).toEqual([]);
      expectStatus(
        await t.request('PUT', `${base}/${b}`, { as: 'credit_manager', body: k.replace, headers: ifMatch(1) }),
        200,
      );
      const delta = await t.request('GET', `${base}?since=${seq}`, { as: 'integration' });
      expectStatus(delta, 200);
      expect(delta.body.items.map((r: { id: string; version: number }) => [r.id, r.version])).toEqual([[b, 2]]);
      const full = await t.request('GET', base);
      expect(full.body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([a, b]));
    });

    it('the list pages with limit/cursor → nextCursor, in id order', async () => {
      for (const s of ['P1', 'P2', 'P3'])
        expectStatus(await t.request('PUT', `${base}/${id(s)}`, { as: 'credit_manager', body: k.create }), 201);
      const all = (await t.request('GET', `${base}?limit=1000`)).body;
      expect(all.nextCursor).toBeNull();
      const ids = all.items.map((r: { id: string }) => r.id);
      expect(ids).toEqual([...ids].sort());
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.request(
          'GET',
          `${base}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        walked.push(...res.body.items.map((r) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(walked).toEqual(ids);
    });

    it('DELETE needs If-Match (428 without, 409 stale) and then removes the row, logged and audited', async () => {
      const rowId = id('D');
      const created = await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: k.create });
      expectStatus(created, 201);
      const before = await creditSetupState(t);
      expectError(
        await t.request('DELETE', `${base}/${rowId}`, { as: 'credit_manager' }),
        428,
        'precondition_required',
      );
      const stale = await t.request('DELETE', `${base}/${rowId}`, { as: 'credit_manager', headers: ifMatch(2) });
      expectError(stale, 409, 'version_conflict', ['current']);
      expect(stale.body.current).toEqual(created.body);
      await expectNothingChanged(t, before);

      const deleted = await t.request('DELETE', `${base}/${rowId}`, { as: 'credit_manager', headers: ifMatch(1) });
      expectStatus(deleted, 200);
      expect(deleted.body).toMatchObject({ id: rowId, ...k.create, version: 2 });
      expectError(await t.request('GET', `${base}/${rowId}`), 404, 'not_found');
      expect((await t.request('GET', base)).body.items.map((r: { id: string }) => r.id)).not.toContain(rowId);
      expect(await changesOf(rowId)).toEqual([
        ['create', 1],
        ['delete', 2],
      ]);
      const audit = await allAudit(t, `&entity=${k.entity}&id=${rowId}`);
      expect(audit.map((a) => a.action)).toEqual([`${k.entity}.create`, `${k.entity}.delete`]);
      expect(audit[1].before).toEqual(created.body);
      expect(audit[1].after).toBeNull();
      // Gone: deleting again is a 404, and the id can be created afresh at version 1.
      expectError(
        await t.request('DELETE', `${base}/${rowId}`, { as: 'credit_manager', headers: ifMatch(2) }),
        404,
        'not_found',
      );
      const again = await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: k.replace });
      expectStatus(again, 201);
      expect(again.body.version).toBe(1);
    });

    it('credit_manager and admin write; credit_clerk, collections_agent and integration get 403 and change nothing; every role reads', async () => {
      for (const role of SETUP_WRITERS)
        expectStatus(await t.request('PUT', `${base}/${id(`W-${role}`)}`, { as: role, body: k.create }), 201);
      const target = id('W-credit_manager');
      const before = await creditSetupState(t);
      for (const role of NOT_SETUP_WRITERS) {
        expectError(
          await t.request('PUT', `${base}/${id(`X-${role}`)}`, { as: role, body: k.create }),
          403,
          'forbidden',
        );
        expectError(
          await t.request('PUT', `${base}/${target}`, { as: role, body: k.replace, headers: ifMatch(1) }),
          403,
          'forbidden',
        );
        expectError(
          await t.request('DELETE', `${base}/${target}`, { as: role, headers: ifMatch(1) }),
          403,
          'forbidden',
        );
      }
      await expectNothingChanged(t, before);
      for (const role of EVERY_ROLE) {
        expectStatus(await t.request('GET', base, { as: role }), 200);
        const one = await t.request('GET', `${base}/${target}`, { as: role });
        expectStatus(one, 200);
        expect(one.body.version).toBe(1);
      }
      expectError(await t.request('GET', base, { token: null }), 401, 'unauthenticated');
    });

    it('unknown fields, missing or bad fields are a 400 naming the field, and nothing is saved', async () => {
      const rowId = id('BAD');
      const before = await creditSetupState(t);
      const unknown = await t.request('PUT', `${base}/${rowId}`, {
        as: 'credit_manager',
        body: { ...k.create, colour: 'red' },
      });
      expect(expectError(unknown, 400, 'invalid_request').map((d) => d.path)).toContain('colour');
      const missing = await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', body: {} });
      expect(expectError(missing, 400, 'invalid_request').map((d) => d.path)).toContain('description');
      const blank = await t.request('PUT', `${base}/${rowId}`, {
        as: 'credit_manager',
        body: { ...k.create, description: '   ' },
      });
      expect(expectError(blank, 400, 'invalid_request').map((d) => d.path)).toContain('description');
      const badId = await t.request('PUT', `${base}/bad%20id`, { as: 'credit_manager', body: k.create });
      expectError(badId, 400, 'invalid_request');
      expectError(
        await t.request('PUT', `${base}/${rowId}`, { as: 'credit_manager', raw: '{"description":' }),
        400,
        'invalid_request',
      );
      await expectNothingChanged(t, before);
      expectError(await t.request('GET', `${base}/${rowId}`), 404, 'not_found');
    });
  });

  it('kind-specific field checks: days/rank ranges, invoicingAndDeliveryHold values', async () => {
    const before = await creditSetupState(t);
    const bad: [string, Record<string, unknown>, string][] = [
      ['payment-terms', { description: 'x', days: -1 }, 'days'],
      ['payment-terms', { description: 'x', days: 1.5 }, 'days'],
      ['payment-terms', { description: 'x', rank: -2 }, 'rank'],
      ['payment-terms', { description: 'x', days: '30' }, 'days'],
      ['cash-discounts', { description: 'x', rank: 'first' }, 'rank'],
      ['account-statuses', { description: 'x', invoicingAndDeliveryHold: 'everything' }, 'invoicingAndDeliveryHold'],
      ['account-statuses', { description: 'x', invoicingAndDeliveryHold: 'All' }, 'invoicingAndDeliveryHold'],
      ['credit-management-groups', { description: 'x'.repeat(61) }, 'description'],
    ];
    for (const [path, body, field] of bad) {
      const res = await t.request('PUT', `/api/v1/${path}/KS-1`, { as: 'credit_manager', body });
      expect(
        expectError(res, 400, 'invalid_request').map((d) => d.path),
        `${path} ${JSON.stringify(body)}`,
      ).toContain(field);
    }
    await expectNothingChanged(t, before);
  });

  it('reason codes: kind must be one of release/reject/forcedHold/writeOff/nsf/waive', async () => {
    for (const kind of ['release', 'reject', 'forcedHold', 'writeOff', 'nsf', 'waive']) {
      const res = await t.request('PUT', `/api/v1/reason-codes/RK-${kind}`, {
        as: 'credit_manager',
        body: { kind, description: `A ${kind} reason` },
      });
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ id: `RK-${kind}`, kind, description: `A ${kind} reason`, version: 1 });
    }
    const before = await creditSetupState(t);
    for (const kind of ['hold', 'Release', 'status', 'forced_hold', '', null, 3]) {
      const res = await t.request('PUT', `/api/v1/reason-codes/RK-BAD`, {
        as: 'credit_manager',
        body: { kind, description: 'Bad kind' },
      });
      expect(
        expectError(res, 400, 'invalid_request').map((d) => d.path),
        `kind ${JSON.stringify(kind)}`,
      ).toEqual(['kind']);
    }
    expect(
      errorPaths(
        await t.request('PUT', `/api/v1/reason-codes/RK-BAD`, {
          as: 'credit_manager',
          body: { description: 'No kind' },
        }),
        400,
        'invalid_request',
      ),
    ).toEqual(['kind']);
    // Changing an existing code to a bad kind is refused the same way.
    expect(
      errorPaths(
        await t.request('PUT', `/api/v1/reason-codes/RK-release`, {
          as: 'credit_manager',
          body: { kind: 'hold', description: 'x' },
          headers: ifMatch(1),
        }),
        400,
        'invalid_request',
      ),
    ).toEqual(['kind']);
    await expectNothingChanged(t, before);
    const list = await t.request('GET', '/api/v1/reason-codes?since=0');
    expect(
      list.body.items
        .filter((r: { id: string }) => r.id.startsWith('RK-'))
        .map((r: { kind: string }) => r.kind)
        .sort(),
    ).toEqual(['forcedHold', 'nsf', 'reject', 'release', 'waive', 'writeOff']);
  });

  it('deleting payment terms or an account status that a blocking rule names is a 422; once the rule is gone it works', async () => {
    expectStatus(
      await t.request('PUT', '/api/v1/payment-terms/CIA', {
        as: 'credit_manager',
        body: { description: 'Cash in advance', days: 0 },
      }),
      201,
    );
    expectStatus(
      await t.request('PUT', '/api/v1/account-statuses/COLL', {
        as: 'credit_manager',
        body: { description: 'Collections', invoicingAndDeliveryHold: 'all' },
      }),
      201,
    );
    const termsRule = await t.request('POST', '/api/v1/blocking-rules', {
      as: 'credit_manager',
      body: { ruleType: 'termsOfPayment', kind: 'blocking', validFor: 'all', paymentTermsId: 'CIA' },
    });
    expectStatus(termsRule, 201);
    const statusRule = await t.request('POST', '/api/v1/blocking-rules', {
      as: 'credit_manager',
      body: { ruleType: 'accountStatus', kind: 'blocking', validFor: 'all', accountStatusId: 'COLL' },
    });
    expectStatus(statusRule, 201);

    const before = await creditSetupState(t);
    const delTerms = await t.request('DELETE', '/api/v1/payment-terms/CIA', {
      as: 'credit_manager',
      headers: ifMatch(1),
    });
    expectError(delTerms, 422, 'rule_violation');
    expect(delTerms.body.error.message).toContain(termsRule.body.id);
    const delStatus = await t.request('DELETE', '/api/v1/account-statuses/COLL', { as: 'admin', headers: ifMatch(1) });
    expectError(delStatus, 422, 'rule_violation');
    expect(delStatus.body.error.message).toContain(statusRule.body.id);
    await expectNothingChanged(t, before);
    expect((await t.request('GET', '/api/v1/payment-terms/CIA')).body.version).toBe(1);
    expect((await t.request('GET', '/api/v1/account-statuses/COLL')).body.version).toBe(1);

    // Changing the rows (not deleting) stays allowed.
    expectStatus(
      await t.request('PUT', '/api/v1/payment-terms/CIA', {
        as: 'credit_manager',
        body: { description: 'Cash in advance (strict)', days: 0 },
        headers: ifMatch(1),
      }),
      200,
    );

    expectStatus(
      await t.request('DELETE', `/api/v1/blocking-rules/${termsRule.body.id}`, {
        as: 'credit_manager',
        headers: ifMatch(1),
      }),
      200,
    );
    expectStatus(
      await t.request('DELETE', `/api/v1/blocking-rules/${statusRule.body.id}`, {
        as: 'credit_manager',
        headers: ifMatch(1),
      }),
      200,
    );
    expectStatus(
      await t.request('DELETE', '/api/v1/payment-terms/CIA', { as: 'credit_manager', headers: ifMatch(2) }),
      200,
    );
    expectStatus(
      await t.request('DELETE', '/api/v1/account-statuses/COLL', { as: 'credit_manager', headers: ifMatch(1) }),
      200,
    );
    expectError(await t.request('GET', '/api/v1/payment-terms/CIA'), 404, 'not_found');
    expectError(await t.request('GET', '/api/v1/account-statuses/COLL'), 404, 'not_found');
  });

  it('concurrent writes (PostgreSQL runs them in parallel): one create wins, one replace per version wins, never a 500', async () => {
    for (let i = 0; i < 3; i++) {
      const base = `/api/v1/payment-terms/RACE-${i}`;
      const created = await Promise.all(
        [0, 1].map((n) =>
          t.request('PUT', base, { as: 'credit_manager', body: { description: `Racer ${n}`, days: n } }),
        ),
      );
      expect(created.map((r) => r.status).sort()).toEqual([201, 428]);
      const replaced = await Promise.all(
        [10, 20, 30].map((days) =>
          t.request('PUT', base, {
            as: 'credit_manager',
            body: { description: 'Replaced', days },
            headers: ifMatch(1),
          }),
        ),
      );
      expect(replaced.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const winner = replaced.find((r) => r.status === 200)!;
      expect((await t.request('GET', base)).body).toEqual(winner.body);
      expect((await allChanges(t)).filter((c) => c.id === `RACE-${i}`).map((c) => c.version)).toEqual([1, 2]);
    }
  });
});
