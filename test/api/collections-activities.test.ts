// SPEC §5 Collections "CRUD /api/v1/activities" (collections.md §1.8): create, list with filters,
// get with ETag, PATCH under If-Match (closing with a follow-up task), DELETE, roles, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, lastSeq } from '../support/conventions';
import { auditActions, ok } from '../support/credit';
import { EVERY_ROLE, ifMatch, listAll } from '../support/credit-setup';
import {
  changesSince,
  COLLECTIONS_WRITERS,
  createActivity,
  createCase,
  customerWithLedger,
  expectWorkUnchanged,
  getActivity,
  getCase,
  NOT_COLLECTIONS_WRITERS,
  putCaseCategory,
  workState,
} from '../support/collections-work';
import { listActivitiesOfCustomer } from '../../server/collections/activities/activities.service';

const A = '/api/v1/activities';
const patch = (
  t: TestApp,
  id: string,
  body: Record<string, unknown>,
  version: number | null,
  as: string = 'collections_agent',
) =>
  t.request('PATCH', `${A}/${id}`, {
    as: as as 'collections_agent',
    body,
    headers: version === null ? {} : ifMatch(version),
  });

describe.each(DIALECTS)('collections activities on %s', (dialect) => {
  let t: TestApp;
  let c1: { invoices: string[]; payment: string };
  let c2: { invoices: string[]; payment: string };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    c1 = await customerWithLedger(t, 'A1');
    c2 = await customerWithLedger(t, 'A2', 1);
    await putCaseCategory(t, 'DISPUTE');
  });
  afterAll(async () => t.close());

  it('POST creates an activity (201, ACT- number, ETag "1"); defaults; timestamps in UTC; every role reads it; logged and audited as "activity"', async () => {
    const seq = await lastSeq(t);
    const res = await t.request('POST', A, {
      as: 'collections_agent',
      body: {
        customerId: 'A1',
        type: 'appointment',
        subject: '  Meet the AP clerk  ',
        transactionIds: [c1.invoices[1], c1.invoices[0]],
        category: 'Visit',
        purpose: 'Agree a payment plan',
        startAt: '2025-07-01T10:00:00+02:00',
        endAt: '2025-07-01T09:30:00Z',
        dueDate: '2025-07-01',
        percentComplete: 10,
        notes: 'Bring the statement',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    const created = res.body;
    expect(created).toEqual({
      id: expect.stringMatching(/^ACT-[0-9a-f]{10}$/),
      customerId: 'A1',
      caseId: null,
      transactionIds: [c1.invoices[0], c1.invoices[1]],
      type: 'appointment',
      subject: 'Meet the AP clerk',
      category: 'Visit',
      purpose: 'Agree a payment plan',
      responsibleUserId: t.userIds.collections_agent,
      startAt: '2025-07-01T08:00:00.000Z',
      endAt: '2025-07-01T09:30:00.000Z',
      dueDate: '2025-07-01',
      closed: false,
      closedAt: null,
      percentComplete: 10,
      notes: 'Bring the statement',
      isCollectionsActivity: true,
      followUpOf: null,
      createdBy: t.userIds.collections_agent,
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
      version: 1,
    });
    for (const role of EVERY_ROLE) {
      const one = await t.request('GET', `${A}/${created.id}`, { as: role });
      expect(one.status).toBe(200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.body).toEqual(created);
      const list = await t.request('GET', `${A}?customerId=A1`, { as: role });
      expect(list.status).toBe(200);
      expect(list.body.items).toContainEqual(created);
    }
    expect(await changesSince(t, seq)).toEqual([['activity', created.id, 'create', 1]]);
    const audit = await auditActions(t, 'activity', created.id);
    expect(audit.map((a) => [a.action, a.userId, a.before, a.after])).toEqual([
      ['activity.create', t.userIds.collections_agent, null, created],
    ]);

    // The smallest body: no links, nobody else responsible; null means nobody; closed on create sets closedAt.
    const minimal = await createActivity(
      t,
      {
        customerId: 'A1',
        type: 'event',
        subject: 'Customer called',
        closed: true,
        responsibleUserId: null,
        isCollectionsActivity: false,
      },
      'credit_manager',
    );
    expect(minimal).toMatchObject({
      caseId: null,
      transactionIds: [],
      responsibleUserId: null,
      startAt: null,
      endAt: null,
      dueDate: null,
      closed: true,
      closedAt: minimal.createdAt,
      percentComplete: 0,
      notes: null,
      isCollectionsActivity: false,
      createdBy: t.userIds.credit_manager,
    });
    // Another user may be named responsible.
    expect(await createActivity(t, { customerId: 'A1', responsibleUserId: t.userIds.credit_clerk })).toMatchObject({
      responsibleUserId: t.userIds.credit_clerk,
    });
  });

  it('lists filter by customer, case, responsible user, open/closed and since; pages with limit and cursor', async () => {
    await customerWithLedger(t, 'L1', 1);
    await customerWithLedger(t, 'L2', 1);
    const kase = await createCase(t, { customerId: 'L1', categoryId: 'DISPUTE' });
    const open = await createActivity(t, { customerId: 'L1', caseId: kase.id });
    const closed = await createActivity(t, {
      customerId: 'L1',
      closed: true,
      responsibleUserId: t.userIds.credit_manager,
    });
    const other = await createActivity(t, { customerId: 'L2' });
    const ids = (items: any[]) => items.map((i) => i.id).sort();
    expect(ids(await listAll(t, `${A}?customerId=L1`))).toEqual([open.id, closed.id].sort());
    expect(ids(await listAll(t, `${A}?customerId=L1&status=open`))).toEqual([open.id]);
    expect(ids(await listAll(t, `${A}?customerId=L1&status=closed`))).toEqual([closed.id]);
    expect(ids(await listAll(t, `${A}?caseId=${kase.id}`))).toEqual([open.id]);
    expect(ids(await listAll(t, `${A}?responsibleUserId=${t.userIds.credit_manager}&customerId=L1`))).toEqual([
      closed.id,
    ]);
    expect(ids(await listAll(t, `${A}?customerId=L2`))).toEqual([other.id]);
    expect(await listAll(t, `${A}?customerId=NOBODY`)).toEqual([]);
    expectError(await t.request('GET', `${A}?status=all`), 400, 'invalid_request');

    const seq = await lastSeq(t);
    const later = await createActivity(t, { customerId: 'L2' });
    ok(await patch(t, open.id, { notes: 'changed' }, 1));
    expect(ids(await listAll(t, `${A}?since=${seq}`))).toEqual([later.id, open.id].sort());

    const first = ok(await t.request('GET', `${A}?customerId=L1&limit=1`));
    expect(first.items).toHaveLength(1);
    const next = ok(
      await t.request('GET', `${A}?customerId=L1&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`),
    );
    expect(next.nextCursor).toBeNull();
    expect(ids([...first.items, ...next.items])).toEqual([open.id, closed.id].sort());

    // The read helper for the one-page customer view answers the same objects, open ones first.
    const helper = await listActivitiesOfCustomer(t.handle.db, 'L1');
    expect(helper.map((a) => a.id)).toEqual([open.id, closed.id]);
    expect(helper[0]).toEqual(await getActivity(t, open.id));
  });

  it('PATCH needs If-Match (428 missing, 412 malformed, 409 stale with current); changes fields, replaces transactions, closes and reopens; a no-op writes nothing', async () => {
    const act = await createActivity(t, {
      customerId: 'A1',
      transactionIds: [c1.invoices[0]],
      startAt: '2025-07-01T08:00:00Z',
    });
    const before = await workState(t, ['A1']);
    expectError(await patch(t, act.id, { subject: 'x' }, null), 428, 'precondition_required');
    expectError(
      await t.request('PATCH', `${A}/${act.id}`, {
        as: 'collections_agent',
        body: { subject: 'x' },
        headers: { 'If-Match': 'one' },
      }),
      412,
      'precondition_failed',
    );
    const stale = await patch(t, act.id, { subject: 'x' }, 7);
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(act);
    expectError(await t.request('DELETE', `${A}/${act.id}`, { as: 'collections_agent' }), 428, 'precondition_required');
    expectError(
      await t.request('DELETE', `${A}/${act.id}`, { as: 'collections_agent', headers: ifMatch(2) }),
      409,
      'version_conflict',
      ['current'],
    );
    await expectWorkUnchanged(t, ['A1'], before);

    const seq = await lastSeq(t);
    const res = await patch(
      t,
      act.id,
      {
        subject: 'Call again',
        notes: 'Left a voicemail',
        dueDate: '2025-07-10',
        endAt: '2025-07-01T09:00:00Z',
        responsibleUserId: t.userIds.credit_manager,
        percentComplete: 50,
        category: 'Phone',
        purpose: null,
        transactionIds: [c1.invoices[2], c1.payment],
      },
      1,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const updated = res.body;
    expect(updated).toEqual({
      ...act,
      subject: 'Call again',
      notes: 'Left a voicemail',
      dueDate: '2025-07-10',
      endAt: '2025-07-01T09:00:00.000Z',
      responsibleUserId: t.userIds.credit_manager,
      percentComplete: 50,
      category: 'Phone',
      transactionIds: [c1.invoices[2], c1.payment].sort(),
      updatedAt: expect.any(String),
      version: 2,
    });
    expect(await getActivity(t, act.id)).toEqual(updated);
    expect(await changesSince(t, seq)).toEqual([['activity', act.id, 'update', 2]]);
    const audit = await auditActions(t, 'activity', act.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'activity.update',
      userId: t.userIds.collections_agent,
      before: act,
      after: updated,
    });

    // Sending what is already there changes nothing: no version, no change, no audit.
    const same = await workState(t, ['A1']);
    const noop = ok(
      await patch(t, act.id, { subject: 'Call again', closed: false, transactionIds: [c1.payment, c1.invoices[2]] }, 2),
    );
    expect(noop).toEqual(updated);
    await expectWorkUnchanged(t, ['A1'], same);

    // Closing sets closedAt; reopening clears it.
    const closed = ok(await patch(t, act.id, { closed: true }, 2, 'credit_manager'));
    expect(closed).toMatchObject({ closed: true, closedAt: closed.updatedAt, percentComplete: 50, version: 3 });
    expect(closed.followUp).toBeUndefined();
    const reopened = ok(await patch(t, act.id, { closed: false }, 3));
    expect(reopened).toMatchObject({ closed: false, closedAt: null, version: 4 });
    expect((await auditActions(t, 'activity', act.id)).map((a) => a.action)).toEqual([
      'activity.create',
      'activity.update',
      'activity.close',
      'activity.update',
    ]);
  });

  it('closing with followUp creates an open follow-up task in the same transaction, linked by followUpOf, in the same case; the case shows both', async () => {
    const kase = await createCase(t, { customerId: 'A1', categoryId: 'DISPUTE' });
    const act = await createActivity(t, {
      customerId: 'A1',
      type: 'action',
      subject: 'Sent the statement',
      caseId: kase.id,
      transactionIds: [c1.invoices[0]],
      category: 'Mail',
      purpose: 'Statement',
      responsibleUserId: t.userIds.credit_manager,
    });
    expect(await getCase(t, kase.id)).toMatchObject({ activityIds: [act.id], version: 2 });
    const seq = await lastSeq(t);

    const res = await patch(t, act.id, { closed: true, percentComplete: 100, followUp: { dueDate: '2025-08-01' } }, 1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const { followUp, ...closed } = res.body;
    expect(closed).toMatchObject({
      id: act.id,
      closed: true,
      closedAt: expect.any(String),
      percentComplete: 100,
      version: 2,
    });
    expect(followUp).toEqual({
      id: expect.stringMatching(/^ACT-[0-9a-f]{10}$/),
      customerId: 'A1',
      caseId: kase.id,
      transactionIds: [c1.invoices[0]],
      type: 'task',
      subject: 'Follow-up: Sent the statement',
      category: 'Mail',
      purpose: 'Statement',
      responsibleUserId: t.userIds.credit_manager,
      startAt: null,
      endAt: null,
      dueDate: '2025-08-01',
      closed: false,
      closedAt: null,
      percentComplete: 0,
      notes: null,
      isCollectionsActivity: true,
      followUpOf: act.id,
      createdBy: t.userIds.collections_agent,
      createdAt: closed.updatedAt,
      updatedAt: closed.updatedAt,
      version: 1,
    });
    expect(await getActivity(t, act.id)).toEqual(closed);
    expect(await getActivity(t, followUp.id)).toEqual(followUp);
    const caseNow = await getCase(t, kase.id);
    expect(caseNow.activityIds).toEqual([act.id, followUp.id].sort());
    expect(caseNow.version).toBe(3);
    expect(await changesSince(t, seq)).toEqual([
      ['activity', act.id, 'update', 2],
      ['activity', followUp.id, 'create', 1],
      ['collectionCase', kase.id, 'update', 3],
    ]);
    expect((await auditActions(t, 'activity', followUp.id)).map((a) => [a.action, a.after])).toEqual([
      ['activity.create', followUp],
    ]);
    const caseAudit = (await auditActions(t, 'collectionCase', kase.id)).at(-1)!;
    expect(caseAudit).toMatchObject({
      action: 'collectionCase.activityLinks',
      before: { activityIds: [act.id], version: 2 },
      after: { activityIds: [act.id, followUp.id].sort(), version: 3 },
    });

    // A subject may be given; follow-ups are only created when closing.
    const second = ok(
      await patch(t, followUp.id, { closed: true, followUp: { dueDate: '2025-09-01', subject: 'Escalate' } }, 1),
    );
    expect(second.followUp).toMatchObject({
      subject: 'Escalate',
      followUpOf: followUp.id,
      dueDate: '2025-09-01',
      caseId: kase.id,
    });
    const before = await workState(t, ['A1']);
    const notClosing = await patch(t, second.followUp.id, { followUp: { dueDate: '2025-10-01' } }, 1);
    expect(expectError(notClosing, 400, 'invalid_request').map((d) => d.path)).toEqual(['followUp']);
    const alreadyClosed = await patch(t, followUp.id, { closed: true, followUp: { dueDate: '2025-10-01' } }, 2);
    expect(expectError(alreadyClosed, 422, 'rule_violation').map((d) => d.path)).toEqual(['followUp']);
    expect(
      expectError(
        await patch(t, followUp.id, { closed: true, followUp: { subject: 'no date' } }, 2),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['followUp.dueDate']);
    await expectWorkUnchanged(t, ['A1'], before);
  });

  it('moving an activity between cases and deleting it (If-Match) moves both cases; DELETE is logged and the row is gone', async () => {
    const k1 = await createCase(t, { customerId: 'A1', categoryId: 'DISPUTE' });
    const k2 = await createCase(t, { customerId: 'A1', categoryId: 'DISPUTE' });
    const act = await createActivity(t, { customerId: 'A1', caseId: k1.id, transactionIds: [c1.invoices[1]] });
    let seq = await lastSeq(t);
    const moved = ok(await patch(t, act.id, { caseId: k2.id }, 1));
    expect(moved.caseId).toBe(k2.id);
    expect(await changesSince(t, seq)).toEqual([
      ['activity', act.id, 'update', 2],
      ...[
        ['collectionCase', k1.id, 'update', 3],
        ['collectionCase', k2.id, 'update', 2],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ]);
    expect((await getCase(t, k1.id)).activityIds).toEqual([]);
    expect((await getCase(t, k2.id)).activityIds).toEqual([act.id]);

    seq = await lastSeq(t);
    const del = await t.request('DELETE', `${A}/${act.id}`, { as: 'credit_manager', headers: ifMatch(2) });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ ...moved, version: 3 });
    expectError(await t.request('GET', `${A}/${act.id}`), 404, 'not_found');
    expectError(
      await t.request('DELETE', `${A}/${act.id}`, { as: 'credit_manager', headers: ifMatch(3) }),
      404,
      'not_found',
    );
    expectError(await patch(t, act.id, { notes: 'x' }, 3), 404, 'not_found');
    expect(await changesSince(t, seq)).toEqual([
      ['activity', act.id, 'delete', 3],
      ['collectionCase', k2.id, 'update', 3],
    ]);
    expect((await auditActions(t, 'activity', act.id)).at(-1)).toMatchObject({
      action: 'activity.delete',
      userId: t.userIds.credit_manager,
      before: moved,
      after: null,
    });
    expect((await getCase(t, k2.id)).activityIds).toEqual([]);
  });

  it('bad input is one error naming the field, and changes nothing: 404 unknown customer, 422 for links of another customer, unknown rows, endAt before startAt; 400 for the schema', async () => {
    const kaseOfA2 = await createCase(t, { customerId: 'A2', categoryId: 'DISPUTE' });
    const act = await createActivity(t, { customerId: 'A1', startAt: '2025-07-01T08:00:00Z' });
    const before = await workState(t, ['A1', 'A2']);
    const post = (body: Record<string, unknown>) =>
      t.request('POST', A, {
        as: 'collections_agent',
        body: { customerId: 'A1', type: 'task', subject: 'S', ...body },
      });

    expectError(await post({ customerId: 'NOPE' }), 404, 'not_found');
    const unprocessable: [Record<string, unknown>, string[]][] = [
      [{ transactionIds: [c1.invoices[0], c2.invoices[0]] }, ['transactionIds.1']],
      [{ transactionIds: ['NO-SUCH-TXN', c1.invoices[0]] }, ['transactionIds.0']],
      [{ caseId: kaseOfA2.id }, ['caseId']],
      [{ caseId: 'CASE-missing' }, ['caseId']],
      [{ responsibleUserId: 'u_nobody' }, ['responsibleUserId']],
      [{ startAt: '2025-07-01T10:00:00Z', endAt: '2025-07-01T11:59:00+02:00' }, ['endAt']],
      [{ followUpOf: 'ACT-nothing' }, ['followUpOf']],
      // Every problem at once.
      [
        { transactionIds: [c2.invoices[0]], caseId: kaseOfA2.id, responsibleUserId: 'u_nobody' },
        ['caseId', 'transactionIds.0', 'responsibleUserId'],
      ],
    ];
    for (const [body, paths] of unprocessable) {
      expect(
        expectError(await post(body), 422, 'rule_violation').map((d) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    const invalid: [Record<string, unknown>, string][] = [
      [{ type: 'meeting' }, 'type'],
      [{ subject: '   ' }, 'subject'],
      [{ percentComplete: 101 }, 'percentComplete'],
      [{ percentComplete: 2.5 }, 'percentComplete'],
      [{ transactionIds: [c1.invoices[0], c1.invoices[0]] }, 'transactionIds.1'],
      [{ startAt: '2025-07-01 10:00' }, 'startAt'],
      [{ startAt: '2025-07-01T10:00:00' }, 'startAt'],
      [{ dueDate: '2025-02-30' }, 'dueDate'],
      [{ closed: 'yes' }, 'closed'],
      [{ color: 'red' }, 'color'],
      [{ id: 'ACT-mine' }, 'id'],
    ];
    for (const [body, path] of invalid) {
      expect(
        expectError(await post(body), 400, 'invalid_request').map((d) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(
      expectError(
        await t.request('POST', A, { as: 'collections_agent', body: { customerId: 'A1', subject: 'S' } }),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['type']);

    const patches: [Record<string, unknown>, number, string[]][] = [
      [{ endAt: '2025-07-01T07:59:59Z' }, 422, ['endAt']],
      [{ transactionIds: [c2.invoices[0]] }, 422, ['transactionIds.0']],
      [{ caseId: kaseOfA2.id }, 422, ['caseId']],
      [{ responsibleUserId: 'u_nobody' }, 422, ['responsibleUserId']],
      [{ type: 'event' }, 400, ['type']],
      [{ customerId: 'A2' }, 400, ['customerId']],
      [{ percentComplete: -1 }, 400, ['percentComplete']],
    ];
    for (const [body, status, paths] of patches) {
      const res = await patch(t, act.id, body, 1);
      expect(
        expectError(res, status, status === 422 ? 'rule_violation' : 'invalid_request').map((d) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    expectError(await t.request('GET', `${A}/ACT-none`), 404, 'not_found');
    await expectWorkUnchanged(t, ['A1', 'A2'], before);
  });

  it('only collections agents and credit managers write (403 for the others, whatever the body); every role reads', async () => {
    const act = await createActivity(t, { customerId: 'A1' });
    const before = await workState(t, ['A1']);
    for (const role of NOT_COLLECTIONS_WRITERS) {
      expectError(
        await t.request('POST', A, { as: role, body: { customerId: 'A1', type: 'task', subject: 'S' } }),
        403,
        'forbidden',
      );
      expectError(await t.request('POST', A, { as: role, body: { nonsense: true } }), 403, 'forbidden');
      expectError(
        await t.request('PATCH', `${A}/${act.id}`, { as: role, body: { notes: 'x' }, headers: ifMatch(1) }),
        403,
        'forbidden',
      );
      expectError(await t.request('PATCH', `${A}/${act.id}`, { as: role, body: { nonsense: true } }), 403, 'forbidden');
      expectError(await t.request('DELETE', `${A}/${act.id}`, { as: role, headers: ifMatch(1) }), 403, 'forbidden');
    }
    expectError(await t.request('GET', A, { token: null }), 401, 'unauthenticated');
    await expectWorkUnchanged(t, ['A1'], before);
    let version = 1;
    for (const role of COLLECTIONS_WRITERS) {
      const res = ok(await patch(t, act.id, { notes: `by ${role}` }, version, role));
      version = res.version;
      expect(res.notes).toBe(`by ${role}`);
    }
  });

  it('POST with an Idempotency-Key replays the first answer and creates one activity; another body under the key is a 422', async () => {
    await customerWithLedger(t, 'I1', 1);
    const body = { customerId: 'I1', type: 'task', subject: 'Once only' };
    const headers = { 'Idempotency-Key': 'act-key-1' };
    const first = await t.request('POST', A, { as: 'collections_agent', body, headers });
    expect(first.status).toBe(201);
    const seq = await lastSeq(t);
    const again = await t.request('POST', A, { as: 'collections_agent', body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await changesSince(t, seq)).toEqual([]);
    expect((await listAll(t, `${A}?customerId=I1`)).map((a) => a.id)).toEqual([first.body.id]);
    expectError(
      await t.request('POST', A, { as: 'collections_agent', body: { ...body, subject: 'Twice' }, headers }),
      422,
      'rule_violation',
    );
  });
});
