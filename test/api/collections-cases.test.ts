// SPEC §5 Collections "CRUD /api/v1/cases" and the case-category setup kind (collections.md §1.9):
// a case groups transactions and activities of one customer under a collections category.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { auditActions, ok } from '../support/credit';
import { EVERY_ROLE, ifMatch, listAll, NOT_SETUP_WRITERS } from '../support/credit-setup';
import {
  changesSince,
  createActivity,
  createCase,
  customerWithLedger,
  expectWorkUnchanged,
  getCase,
  NOT_COLLECTIONS_WRITERS,
  putCaseCategory,
  workState,
} from '../support/collections-work';
import { caseIdsByTransaction } from '../../server/collections/cases/cases.repository';
import { listCasesOfCustomer } from '../../server/collections/cases/cases.service';

const K = '/api/v1/cases';
const CAT = '/api/v1/case-categories';
const patch = (
  t: TestApp,
  id: string,
  body: Record<string, unknown>,
  version: number | null,
  as: string = 'collections_agent',
) =>
  t.request('PATCH', `${K}/${id}`, {
    as: as as 'collections_agent',
    body,
    headers: version === null ? {} : ifMatch(version),
  });

describe.each(DIALECTS)('collections cases on %s', (dialect) => {
  let t: TestApp;
  let c1: { invoices: string[]; payment: string };
  let c2: { invoices: string[]; payment: string };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    c1 = await customerWithLedger(t, 'K1');
    c2 = await customerWithLedger(t, 'K2', 1);
    await putCaseCategory(t, 'DISPUTE');
    await putCaseCategory(t, 'QUALITY');
    await putCaseCategory(t, 'LEGAL', 'other');
  });
  afterAll(async () => t.close());

  describe('case categories (setup kind)', () => {
    it('PUT upserts {description, type} as "caseCategory"; setup roles only; type is collections or other', async () => {
      const seq = await lastSeq(t);
      const res = await t.request('PUT', `${CAT}/BILLING`, {
        as: 'admin',
        body: { description: 'Billing error', type: 'collections' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: 'BILLING',
        description: 'Billing error',
        type: 'collections',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        version: 1,
      });
      expect(await changesSince(t, seq)).toEqual([['caseCategory', 'BILLING', 'create', 1]]);
      expect((await auditActions(t, 'caseCategory', 'BILLING')).map((a) => a.action)).toEqual(['caseCategory.create']);
      for (const role of EVERY_ROLE) expect((await t.request('GET', `${CAT}/BILLING`, { as: role })).status).toBe(200);
      const before = await workState(t, []);
      for (const role of NOT_SETUP_WRITERS)
        expectError(
          await t.request('PUT', `${CAT}/X`, { as: role, body: { description: 'x', type: 'collections' } }),
          403,
          'forbidden',
        );
      expect(
        expectError(
          await t.request('PUT', `${CAT}/X`, { as: 'credit_manager', body: { description: 'x', type: 'Collections' } }),
          400,
          'invalid_request',
        ).map((d) => d.path),
      ).toEqual(['type']);
      expect(
        expectError(
          await t.request('PUT', `${CAT}/X`, { as: 'credit_manager', body: { description: 'x' } }),
          400,
          'invalid_request',
        ).map((d) => d.path),
      ).toEqual(['type']);
      expectError(
        await t.request('PUT', `${CAT}/BILLING`, { as: 'credit_manager', body: { description: 'x', type: 'other' } }),
        428,
        'precondition_required',
      );
      await expectWorkUnchanged(t, [], before);
      ok(
        await t.request('PUT', `${CAT}/BILLING`, {
          as: 'credit_manager',
          body: { description: 'Billing', type: 'other' },
          headers: ifMatch(1),
        }),
      );
      ok(await t.request('DELETE', `${CAT}/BILLING`, { as: 'credit_manager', headers: ifMatch(2) }));
    });

    it('a category used by a case cannot be deleted nor become an "other" category (422); unused again, it can', async () => {
      await putCaseCategory(t, 'INUSE');
      const kase = await createCase(t, { customerId: 'K2', categoryId: 'INUSE' });
      const before = await workState(t, ['K2']);
      expectError(
        await t.request('DELETE', `${CAT}/INUSE`, { as: 'credit_manager', headers: ifMatch(1) }),
        422,
        'rule_violation',
      );
      const retype = await t.request('PUT', `${CAT}/INUSE`, {
        as: 'credit_manager',
        body: { description: 'In use', type: 'other' },
        headers: ifMatch(1),
      });
      expect(expectError(retype, 422, 'rule_violation').map((d) => d.path)).toEqual(['type']);
      await expectWorkUnchanged(t, ['K2'], before);
      ok(
        await t.request('PUT', `${CAT}/INUSE`, {
          as: 'credit_manager',
          body: { description: 'Renamed', type: 'collections' },
          headers: ifMatch(1),
        }),
      );
      ok(await t.request('DELETE', `${K}/${kase.id}`, { as: 'collections_agent', headers: ifMatch(1) }));
      ok(await t.request('DELETE', `${CAT}/INUSE`, { as: 'credit_manager', headers: ifMatch(2) }));
    });
  });

  it('POST opens a case (201, CASE- id, ETag "1"); owner defaults to the caller; every role reads it; logged and audited as "collectionCase"', async () => {
    const seq = await lastSeq(t);
    const res = await t.request('POST', K, {
      as: 'credit_manager',
      body: {
        customerId: 'K1',
        categoryId: 'DISPUTE',
        description: ' Damaged goods on two invoices ',
        transactionIds: [c1.invoices[1], c1.invoices[0]],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    const created = res.body;
    expect(created).toEqual({
      id: expect.stringMatching(/^CASE-[0-9a-f]{10}$/),
      customerId: 'K1',
      categoryId: 'DISPUTE',
      status: 'open',
      description: 'Damaged goods on two invoices',
      ownerUserId: t.userIds.credit_manager,
      openedAt: expect.any(String),
      closedAt: null,
      transactionIds: [c1.invoices[0], c1.invoices[1]],
      activityIds: [],
      createdBy: t.userIds.credit_manager,
      createdAt: created.openedAt,
      updatedAt: created.openedAt,
      version: 1,
    });
    for (const role of EVERY_ROLE) {
      const one = await t.request('GET', `${K}/${created.id}`, { as: role });
      expect(one.status).toBe(200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.body).toEqual(created);
      expect((await t.request('GET', `${K}?customerId=K1`, { as: role })).body.items).toContainEqual(created);
    }
    expect(await changesSince(t, seq)).toEqual([['collectionCase', created.id, 'create', 1]]);
    expect(
      (await auditActions(t, 'collectionCase', created.id)).map((a) => [a.action, a.userId, a.before, a.after]),
    ).toEqual([['collectionCase.create', t.userIds.credit_manager, null, created]]);
    // null owner: nobody; another user may own it.
    expect(await createCase(t, { customerId: 'K1', categoryId: 'QUALITY', ownerUserId: null })).toMatchObject({
      ownerUserId: null,
      transactionIds: [],
    });
    expect(
      await createCase(t, { customerId: 'K1', categoryId: 'QUALITY', ownerUserId: t.userIds.credit_clerk }),
    ).toMatchObject({ ownerUserId: t.userIds.credit_clerk });
  });

  it('PATCH needs If-Match; closes (closedAt), reopens (cleared), replaces transactions, changes owner, category, description; a no-op writes nothing', async () => {
    const kase = await createCase(t, { customerId: 'K1', categoryId: 'DISPUTE', transactionIds: [c1.invoices[0]] });
    const before = await workState(t, ['K1']);
    expectError(await patch(t, kase.id, { status: 'closed' }, null), 428, 'precondition_required');
    expectError(
      await t.request('PATCH', `${K}/${kase.id}`, {
        as: 'collections_agent',
        body: { status: 'closed' },
        headers: { 'If-Match': '*' },
      }),
      412,
      'precondition_failed',
    );
    const stale = await patch(t, kase.id, { status: 'closed' }, 3);
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(kase);
    expectError(
      await t.request('DELETE', `${K}/${kase.id}`, { as: 'collections_agent' }),
      428,
      'precondition_required',
    );
    expectError(
      await t.request('DELETE', `${K}/${kase.id}`, { as: 'collections_agent', headers: ifMatch(9) }),
      409,
      'version_conflict',
      ['current'],
    );
    await expectWorkUnchanged(t, ['K1'], before);

    const seq = await lastSeq(t);
    const res = await patch(
      t,
      kase.id,
      {
        description: 'Goods returned',
        ownerUserId: t.userIds.credit_manager,
        categoryId: 'QUALITY',
        transactionIds: [c1.invoices[2], c1.payment],
      },
      1,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const updated = res.body;
    expect(updated).toEqual({
      ...kase,
      description: 'Goods returned',
      ownerUserId: t.userIds.credit_manager,
      categoryId: 'QUALITY',
      transactionIds: [c1.invoices[2], c1.payment].sort(),
      updatedAt: expect.any(String),
      version: 2,
    });
    expect(await getCase(t, kase.id)).toEqual(updated);
    expect(await changesSince(t, seq)).toEqual([['collectionCase', kase.id, 'update', 2]]);
    expect((await auditActions(t, 'collectionCase', kase.id)).at(-1)).toMatchObject({
      action: 'collectionCase.update',
      before: kase,
      after: updated,
    });

    const same = await workState(t, ['K1']);
    expect(
      ok(
        await patch(
          t,
          kase.id,
          { status: 'open', transactionIds: [c1.payment, c1.invoices[2]], description: 'Goods returned' },
          2,
        ),
      ),
    ).toEqual(updated);
    await expectWorkUnchanged(t, ['K1'], same);

    const closed = ok(await patch(t, kase.id, { status: 'closed' }, 2, 'credit_manager'));
    expect(closed).toMatchObject({ status: 'closed', closedAt: closed.updatedAt, openedAt: kase.openedAt, version: 3 });
    const reopened = ok(await patch(t, kase.id, { status: 'open', ownerUserId: null }, 3));
    expect(reopened).toMatchObject({ status: 'open', closedAt: null, ownerUserId: null, version: 4 });
    expect(ok(await patch(t, kase.id, { transactionIds: [] }, 4)).transactionIds).toEqual([]);
  });

  it('activities linked to a case show in activityIds and move its version; a case with activities cannot be deleted (422); without them DELETE (If-Match) removes it', async () => {
    const kase = await createCase(t, { customerId: 'K1', categoryId: 'DISPUTE', transactionIds: [c1.invoices[0]] });
    const seq = await lastSeq(t);
    const act = await createActivity(t, { customerId: 'K1', caseId: kase.id });
    expect(await changesSince(t, seq)).toEqual([
      ['activity', act.id, 'create', 1],
      ['collectionCase', kase.id, 'update', 2],
    ]);
    const withActivity = await getCase(t, kase.id);
    expect(withActivity).toEqual({ ...kase, activityIds: [act.id], updatedAt: expect.any(String), version: 2 });
    expect((await auditActions(t, 'collectionCase', kase.id)).at(-1)).toMatchObject({
      action: 'collectionCase.activityLinks',
      before: kase,
      after: withActivity,
    });

    const before = await workState(t, ['K1']);
    const refused = await t.request('DELETE', `${K}/${kase.id}`, { as: 'collections_agent', headers: ifMatch(2) });
    expectError(refused, 422, 'rule_violation');
    expect(refused.body.error.message).toContain(act.id);
    await expectWorkUnchanged(t, ['K1'], before);

    ok(
      await t.request('PATCH', `/api/v1/activities/${act.id}`, {
        as: 'collections_agent',
        body: { caseId: null },
        headers: ifMatch(1),
      }),
    );
    const unlinked = await getCase(t, kase.id);
    expect(unlinked).toMatchObject({ activityIds: [], version: 3 });
    const seq2 = await lastSeq(t);
    const del = await t.request('DELETE', `${K}/${kase.id}`, { as: 'credit_manager', headers: ifMatch(3) });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ ...unlinked, version: 4 });
    expectError(await t.request('GET', `${K}/${kase.id}`), 404, 'not_found');
    expectError(await patch(t, kase.id, { status: 'closed' }, 4), 404, 'not_found');
    expect(await changesSince(t, seq2)).toEqual([['collectionCase', kase.id, 'delete', 4]]);
    expect((await auditActions(t, 'collectionCase', kase.id)).at(-1)).toMatchObject({
      action: 'collectionCase.delete',
      userId: t.userIds.credit_manager,
      before: unlinked,
      after: null,
    });
    expect([...(await caseIdsByTransaction(t.handle.db, 'K1')).values()].flat()).not.toContain(kase.id);
  });

  it('lists filter by customer, status and since, and page; the customer-view helpers answer the same objects', async () => {
    await customerWithLedger(t, 'KL', 2);
    const a = await createCase(t, { customerId: 'KL', categoryId: 'DISPUTE', transactionIds: ['KL-INV1', 'KL-INV2'] });
    const b = await createCase(t, { customerId: 'KL', categoryId: 'QUALITY', transactionIds: ['KL-INV2'] });
    ok(await patch(t, b.id, { status: 'closed' }, 1));
    const ids = (items: any[]) => items.map((i) => i.id).sort();
    expect(ids(await listAll(t, `${K}?customerId=KL`))).toEqual([a.id, b.id].sort());
    expect(ids(await listAll(t, `${K}?customerId=KL&status=open`))).toEqual([a.id]);
    expect(ids(await listAll(t, `${K}?customerId=KL&status=closed`))).toEqual([b.id]);
    expectError(await t.request('GET', `${K}?status=pending`), 400, 'invalid_request');
    const seq = await lastSeq(t);
    ok(await patch(t, a.id, { description: 'touched' }, 1));
    expect(ids(await listAll(t, `${K}?since=${seq}`))).toEqual([a.id]);
    const first = ok(await t.request('GET', `${K}?customerId=KL&limit=1`));
    const next = ok(
      await t.request('GET', `${K}?customerId=KL&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`),
    );
    expect(next.nextCursor).toBeNull();
    expect(ids([...first.items, ...next.items])).toEqual([a.id, b.id].sort());

    const helper = await listCasesOfCustomer(t.handle.db, 'KL');
    expect(ids(helper)).toEqual([a.id, b.id].sort());
    for (const k of helper) expect(k).toEqual(await getCase(t, k.id));
    const byTxn = await caseIdsByTransaction(t.handle.db, 'KL');
    expect(Object.fromEntries(byTxn)).toEqual({ 'KL-INV1': [a.id], 'KL-INV2': [a.id, b.id].sort() });
  });

  it('bad input is one error naming the field and changes nothing: 404 unknown customer; 422 other-type or unknown category, links of another customer, unknown owner; 400 for the schema', async () => {
    const kase = await createCase(t, { customerId: 'K1', categoryId: 'DISPUTE' });
    const before = await workState(t, ['K1', 'K2']);
    const post = (body: Record<string, unknown>) =>
      t.request('POST', K, {
        as: 'collections_agent',
        body: { customerId: 'K1', categoryId: 'DISPUTE', description: 'D', ...body },
      });
    expectError(await post({ customerId: 'NOPE' }), 404, 'not_found');
    const unprocessable: [Record<string, unknown>, string[]][] = [
      [{ categoryId: 'LEGAL' }, ['categoryId']],
      [{ categoryId: 'NO-SUCH' }, ['categoryId']],
      [{ transactionIds: [c1.invoices[0], c2.invoices[0]] }, ['transactionIds.1']],
      [{ transactionIds: ['NO-SUCH-TXN'] }, ['transactionIds.0']],
      [{ ownerUserId: 'u_nobody' }, ['ownerUserId']],
      [
        { categoryId: 'LEGAL', ownerUserId: 'u_nobody', transactionIds: [c2.invoices[0]] },
        ['categoryId', 'ownerUserId', 'transactionIds.0'],
      ],
    ];
    for (const [body, paths] of unprocessable)
      expect(
        expectError(await post(body), 422, 'rule_violation').map((d) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    const invalid: [Record<string, unknown>, string][] = [
      [{ description: '' }, 'description'],
      [{ categoryId: undefined }, 'categoryId'],
      [{ status: 'closed' }, 'status'],
      [{ transactionIds: [c1.invoices[0], c1.invoices[0]] }, 'transactionIds.1'],
      [{ transactionIds: 'K1-INV1' }, 'transactionIds'],
      [{ activityIds: [] }, 'activityIds'],
    ];
    for (const [body, path] of invalid)
      expect(
        expectError(await post(body), 400, 'invalid_request').map((d) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    const patches: [Record<string, unknown>, number, string[]][] = [
      [{ categoryId: 'LEGAL' }, 422, ['categoryId']],
      [{ transactionIds: [c2.invoices[0]] }, 422, ['transactionIds.0']],
      [{ ownerUserId: 'u_nobody' }, 422, ['ownerUserId']],
      [{ status: 'archived' }, 400, ['status']],
      [{ customerId: 'K2' }, 400, ['customerId']],
      [{ closedAt: null }, 400, ['closedAt']],
    ];
    for (const [body, status, paths] of patches) {
      expect(
        expectError(
          await patch(t, kase.id, body, 1),
          status,
          status === 422 ? 'rule_violation' : 'invalid_request',
        ).map((d) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    expectError(await t.request('GET', `${K}/CASE-none`), 404, 'not_found');
    await expectWorkUnchanged(t, ['K1', 'K2'], before);
  });

  it('only collections agents and credit managers write cases (403 whatever the body); idempotent retry creates one case', async () => {
    const kase = await createCase(t, { customerId: 'K2', categoryId: 'DISPUTE' });
    const before = await workState(t, ['K2']);
    for (const role of NOT_COLLECTIONS_WRITERS) {
      expectError(
        await t.request('POST', K, { as: role, body: { customerId: 'K2', categoryId: 'DISPUTE', description: 'D' } }),
        403,
        'forbidden',
      );
      expectError(await t.request('POST', K, { as: role, body: {} }), 403, 'forbidden');
      expectError(
        await t.request('PATCH', `${K}/${kase.id}`, { as: role, body: { status: 'closed' }, headers: ifMatch(1) }),
        403,
        'forbidden',
      );
      expectError(await t.request('DELETE', `${K}/${kase.id}`, { as: role, headers: ifMatch(1) }), 403, 'forbidden');
    }
    await expectWorkUnchanged(t, ['K2'], before);

    const body = { customerId: 'K2', categoryId: 'DISPUTE', description: 'Once', transactionIds: [c2.invoices[0]] };
    const headers = { 'Idempotency-Key': 'case-key-1' };
    const first = await t.request('POST', K, { as: 'credit_manager', body, headers });
    expect(first.status).toBe(201);
    const seq = await lastSeq(t);
    const again = await t.request('POST', K, { as: 'credit_manager', body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await changesSince(t, seq)).toEqual([]);
    expect((await listAll(t, `${K}?customerId=K2`)).filter((k) => k.description === 'Once')).toHaveLength(1);
  });
});
