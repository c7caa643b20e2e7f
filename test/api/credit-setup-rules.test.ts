// SPEC §5 "Credit management": CRUD /api/v1/blocking-rules — the seven rule types with their
// threshold fields (credit.md §4.2, §4.3), per-type validation, references, `sentence`.
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

const R = '/api/v1/blocking-rules';

/** Every field of a rule as the API returns it, unset. */
const EMPTY = {
  validFor: 'all',
  accountOrGroup: null,
  riskGroupId: null,
  valueType: null,
  days: null,
  amount: null,
  percent: null,
  creditLimitThreshold: null,
  accountStatusId: null,
  paymentTermsId: null,
  releaseSalesOrder: false,
  description: null,
};

/** One valid rule per type (plus variants), the fields it then shows, and its sentence. */
const VALID: { name: string; body: Record<string, unknown>; shows: Record<string, unknown>; sentence: string }[] = [
  {
    name: 'daysOverdue',
    body: { ruleType: 'daysOverdue', kind: 'blocking', validFor: 'all', valueType: 'days', days: 61 },
    shows: { valueType: 'days', days: 61 },
    sentence: 'Block when days overdue > 61 (all customers)',
  },
  {
    name: 'accountStatus',
    body: { ruleType: 'accountStatus', kind: 'blocking', validFor: 'all', accountStatusId: 'COLL' },
    shows: { accountStatusId: 'COLL' },
    sentence: 'Block when account status is COLL (all customers)',
  },
  {
    name: 'termsOfPayment',
    body: {
      ruleType: 'termsOfPayment',
      kind: 'blocking',
      paymentTermsId: 'CIA',
      description: 'No cash-in-advance orders on credit',
    },
    shows: { paymentTermsId: 'CIA', description: 'No cash-in-advance orders on credit' },
    sentence: "Block when the order's terms of payment are CIA (all customers)",
  },
  {
    name: 'creditLimitExpired',
    body: { ruleType: 'creditLimitExpired', kind: 'blocking', validFor: 'all', days: 15 },
    shows: { days: 15 },
    sentence: 'Block when credit limit expired > 15 days ago (all customers)',
  },
  {
    name: 'overdueAmount (percent)',
    body: {
      ruleType: 'overdueAmount',
      kind: 'blocking',
      validFor: 'all',
      amount: 3000,
      valueType: 'percent',
      creditLimitThreshold: 70,
    },
    shows: { amount: '3000.00', valueType: 'percent', creditLimitThreshold: '70' },
    sentence: 'Block when overdue > 3000.00 AND usage > 70% of limit (all customers)',
  },
  {
    name: 'overdueAmount (amount)',
    body: {
      ruleType: 'overdueAmount',
      kind: 'blocking',
      validFor: 'group',
      accountOrGroup: 'STD',
      amount: '2500.5',
      valueType: 'amount',
      creditLimitThreshold: '8000',
    },
    shows: {
      validFor: 'group',
      accountOrGroup: 'STD',
      amount: '2500.50',
      valueType: 'amount',
      creditLimitThreshold: '8000.00',
    },
    sentence: 'Block when overdue > 2500.50 AND usage > 8000.00 (credit management group STD)',
  },
  {
    name: 'salesOrder',
    body: { ruleType: 'salesOrder', kind: 'exclusion', validFor: 'table', accountOrGroup: 'C1', amount: '75000.00' },
    shows: { kind: 'exclusion', validFor: 'table', accountOrGroup: 'C1', amount: '75000.00' },
    sentence: 'Do not block when order amount ≤ 75000.00 (customer C1)',
  },
  {
    name: 'creditLimitUsed',
    body: {
      ruleType: 'creditLimitUsed',
      kind: 'blocking',
      validFor: 'group',
      accountOrGroup: 'STD',
      riskGroupId: 'HIGH',
      percent: '92.5',
    },
    shows: { validFor: 'group', accountOrGroup: 'STD', riskGroupId: 'HIGH', percent: '92.5' },
    sentence: 'Block when credit limit used after the order > 92.5% (credit management group STD in risk group HIGH)',
  },
  {
    name: 'daysOverdue exclusion by amount releasing the order',
    body: {
      ruleType: 'daysOverdue',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C1',
      valueType: 'amount',
      amount: 1000,
      releaseSalesOrder: true,
    },
    shows: {
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C1',
      valueType: 'amount',
      amount: '1000.00',
      releaseSalesOrder: true,
    },
    sentence: 'Release the order when overdue amount ≤ 1000.00 (customer C1)',
  },
];

/** Bodies refused by the per-type checks, with the field path the 400 must name. */
const INVALID: { name: string; body: Record<string, unknown>; path: string }[] = [
  {
    name: 'daysOverdue without days',
    body: { ruleType: 'daysOverdue', kind: 'blocking', valueType: 'days' },
    path: 'days',
  },
  {
    name: 'a blocking daysOverdue with valueType amount',
    body: { ruleType: 'daysOverdue', kind: 'blocking', valueType: 'amount', amount: 100 },
    path: 'valueType',
  },
  {
    name: 'daysOverdue with valueType percent',
    body: {
      ruleType: 'daysOverdue',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C1',
      valueType: 'percent',
      days: 5,
    },
    path: 'valueType',
  },
  {
    name: 'releaseSalesOrder on a blocking rule',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: 100, releaseSalesOrder: true },
    path: 'releaseSalesOrder',
  },
  {
    name: 'validFor table without accountOrGroup',
    body: { ruleType: 'salesOrder', kind: 'exclusion', validFor: 'table', amount: 5 },
    path: 'accountOrGroup',
  },
  {
    name: 'validFor group without accountOrGroup',
    body: { ruleType: 'daysOverdue', kind: 'blocking', validFor: 'group', valueType: 'days', days: 30 },
    path: 'accountOrGroup',
  },
  {
    name: 'validFor all with an accountOrGroup',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', validFor: 'all', accountOrGroup: 'C1', percent: 100 },
    path: 'accountOrGroup',
  },
  {
    name: 'accountStatus rule valid for a group',
    body: {
      ruleType: 'accountStatus',
      kind: 'blocking',
      validFor: 'group',
      accountOrGroup: 'STD',
      accountStatusId: 'COLL',
    },
    path: 'validFor',
  },
  {
    name: 'termsOfPayment rule valid for one customer',
    body: {
      ruleType: 'termsOfPayment',
      kind: 'blocking',
      validFor: 'table',
      accountOrGroup: 'C1',
      paymentTermsId: 'CIA',
    },
    path: 'validFor',
  },
  {
    name: 'accountStatus rule narrowed to a risk group',
    body: { ruleType: 'accountStatus', kind: 'blocking', riskGroupId: 'HIGH', accountStatusId: 'COLL' },
    path: 'riskGroupId',
  },
  {
    name: 'termsOfPayment rule narrowed to a risk group',
    body: { ruleType: 'termsOfPayment', kind: 'exclusion', riskGroupId: 'LOW', paymentTermsId: 'CIA' },
    path: 'riskGroupId',
  },
  {
    name: 'accountStatus without accountStatusId',
    body: { ruleType: 'accountStatus', kind: 'blocking' },
    path: 'accountStatusId',
  },
  {
    name: 'termsOfPayment without paymentTermsId',
    body: { ruleType: 'termsOfPayment', kind: 'blocking' },
    path: 'paymentTermsId',
  },
  { name: 'creditLimitExpired without days', body: { ruleType: 'creditLimitExpired', kind: 'blocking' }, path: 'days' },
  {
    name: 'overdueAmount without creditLimitThreshold',
    body: { ruleType: 'overdueAmount', kind: 'blocking', amount: 3000, valueType: 'percent' },
    path: 'creditLimitThreshold',
  },
  {
    name: 'overdueAmount without valueType',
    body: { ruleType: 'overdueAmount', kind: 'blocking', amount: 3000, creditLimitThreshold: 70 },
    path: 'valueType',
  },
  {
    name: 'overdueAmount with valueType days',
    body: { ruleType: 'overdueAmount', kind: 'blocking', amount: 3000, valueType: 'days', creditLimitThreshold: 70 },
    path: 'valueType',
  },
  {
    name: 'overdueAmount without amount',
    body: { ruleType: 'overdueAmount', kind: 'blocking', valueType: 'percent', creditLimitThreshold: 70 },
    path: 'amount',
  },
  {
    name: 'overdueAmount with a 5-decimal percent threshold',
    body: {
      ruleType: 'overdueAmount',
      kind: 'blocking',
      amount: 3000,
      valueType: 'percent',
      creditLimitThreshold: '70.12345',
    },
    path: 'creditLimitThreshold',
  },
  {
    name: 'overdueAmount with a 3-decimal amount threshold',
    body: {
      ruleType: 'overdueAmount',
      kind: 'blocking',
      amount: 3000,
      valueType: 'amount',
      creditLimitThreshold: '8000.125',
    },
    path: 'creditLimitThreshold',
  },
  {
    name: 'overdueAmount with a negative threshold',
    body: { ruleType: 'overdueAmount', kind: 'blocking', amount: 3000, valueType: 'percent', creditLimitThreshold: -1 },
    path: 'creditLimitThreshold',
  },
  { name: 'creditLimitUsed without percent', body: { ruleType: 'creditLimitUsed', kind: 'blocking' }, path: 'percent' },
  {
    name: 'creditLimitUsed with a negative percent',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: -5 },
    path: 'percent',
  },
  {
    name: 'creditLimitUsed with a 5-decimal percent',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: '12.34567' },
    path: 'percent',
  },
  {
    name: 'creditLimitUsed with a 5-decimal number percent',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: 12.34567 },
    path: 'percent',
  },
  {
    name: 'creditLimitUsed with an amount',
    body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: 100, amount: 5 },
    path: 'amount',
  },
  {
    name: 'salesOrder with days',
    body: { ruleType: 'salesOrder', kind: 'blocking', amount: 50000, days: 5 },
    path: 'days',
  },
  { name: 'salesOrder without amount', body: { ruleType: 'salesOrder', kind: 'blocking' }, path: 'amount' },
  {
    name: 'salesOrder with a 3-decimal amount',
    body: { ruleType: 'salesOrder', kind: 'blocking', amount: '1.005' },
    path: 'amount',
  },
  {
    name: 'salesOrder with a negative amount',
    body: { ruleType: 'salesOrder', kind: 'blocking', amount: '-1.00' },
    path: 'amount',
  },
  {
    name: 'daysOverdue with an accountStatusId',
    body: { ruleType: 'daysOverdue', kind: 'blocking', valueType: 'days', days: 30, accountStatusId: 'COLL' },
    path: 'accountStatusId',
  },
  { name: 'an unknown ruleType', body: { ruleType: 'creditScore', kind: 'blocking', percent: 5 }, path: 'ruleType' },
  { name: 'an unknown kind', body: { ruleType: 'salesOrder', kind: 'warning', amount: 5 }, path: 'kind' },
  { name: 'no kind', body: { ruleType: 'salesOrder', amount: 5 }, path: 'kind' },
  {
    name: 'an unknown validFor',
    body: { ruleType: 'salesOrder', kind: 'blocking', validFor: 'customer', amount: 5 },
    path: 'validFor',
  },
  {
    name: 'an unknown field',
    body: { ruleType: 'salesOrder', kind: 'blocking', amount: 5, currency: 'USD' },
    path: 'currency',
  },
  {
    name: 'the server id in the body',
    body: { id: 'BR-mine', ruleType: 'salesOrder', kind: 'blocking', amount: 5 },
    path: 'id',
  },
];

describe.each(DIALECTS)('blocking rules on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    expectStatus(
      await t.request('PUT', '/api/v1/account-statuses/COLL', {
        as: 'credit_manager',
        body: { description: 'In collections', invoicingAndDeliveryHold: 'all' },
      }),
      201,
    );
    expectStatus(
      await t.request('PUT', '/api/v1/payment-terms/CIA', {
        as: 'credit_manager',
        body: { description: 'Cash in advance', days: 0 },
      }),
      201,
    );
  });
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>, as: 'credit_manager' | 'admin' = 'credit_manager') =>
    t.request('POST', R, { as, body });

  it.each(VALID)(
    'creates a $name rule: 201, a server id, version 1, ETag, readable sentence, logged and audited',
    async ({ body, shows, sentence }) => {
      const seq = (await allChanges(t)).at(-1)!.seq;
      const res = await create(body);
      expectStatus(res, 201);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual({
        ...EMPTY,
        ruleType: body.ruleType,
        kind: body.kind,
        ...shows,
        id: expect.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
        sentence,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        version: 1,
      });
      const id = res.body.id as string;
      const one = await t.request('GET', `${R}/${id}`, { as: 'integration' });
      expectStatus(one, 200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.body).toEqual(res.body);
      expect((await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op, c.version])).toEqual([
        ['blockingRule', id, 'create', 1],
      ]);
      const audit = await allAudit(t, `&entity=blockingRule&id=${id}`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'blockingRule.create',
        userId: t.userIds.credit_manager,
        before: null,
        after: res.body,
      });
    },
  );

  it('ids are the server’s, distinct per rule; the list shows every rule with its version, to every role, and ?since= gives deltas', async () => {
    const a = await create({ ruleType: 'salesOrder', kind: 'blocking', amount: 50000 });
    const b = await create({ ruleType: 'salesOrder', kind: 'blocking', amount: 50000 });
    expectStatus(a, 201);
    expectStatus(b, 201);
    expect(a.body.id).not.toBe(b.body.id);
    for (const role of EVERY_ROLE) {
      const list = await t.request('GET', `${R}?limit=1000`, { as: role });
      expectStatus(list, 200);
      const ids = list.body.items.map((r: { id: string }) => r.id);
      expect(ids).toEqual(expect.arrayContaining([a.body.id, b.body.id]));
      expect(list.body.items.find((r: { id: string }) => r.id === a.body.id)).toEqual(a.body);
    }
    const seq = (await allChanges(t)).at(-1)!.seq;
    expect((await t.request('GET', `${R}?since=${seq}`)).body.items).toEqual([]);
    const changed = await t.request('PUT', `${R}/${b.body.id}`, {
      as: 'credit_manager',
      body: { ruleType: 'salesOrder', kind: 'blocking', amount: 60000 },
      headers: ifMatch(1),
    });
    expectStatus(changed, 200);
    const delta = await t.request('GET', `${R}?since=${seq}`, { as: 'credit_clerk' });
    expect(
      delta.body.items.map((r: { id: string; version: number; amount: string }) => [r.id, r.version, r.amount]),
    ).toEqual([[b.body.id, 2, '60000.00']]);
  });

  it.each(INVALID)('refuses $name with a 400 naming the field, and saves nothing', async ({ body, path }) => {
    const before = await creditSetupState(t);
    const res = await create(body);
    const paths = expectError(res, 400, 'invalid_request').map((d) => d.path);
    expect(paths).toContain(path);
    await expectNothingChanged(t, before);
  });

  it('reports every problem of a rule at once', async () => {
    const res = await create({
      ruleType: 'overdueAmount',
      kind: 'blocking',
      validFor: 'table',
      releaseSalesOrder: true,
      days: 3,
    });
    const paths = expectError(res, 400, 'invalid_request')
      .map((d) => d.path)
      .sort();
    expect(paths).toEqual([
      'accountOrGroup',
      'amount',
      'creditLimitThreshold',
      'days',
      'releaseSalesOrder',
      'valueType',
    ]);
  });

  it('an accountStatusId or paymentTermsId that does not exist is a 422; nothing is saved', async () => {
    const before = await creditSetupState(t);
    const status = await create({ ruleType: 'accountStatus', kind: 'blocking', accountStatusId: 'NOPE' });
    expect(expectError(status, 422, 'rule_violation').map((d) => d.path)).toEqual(['accountStatusId']);
    const terms = await create({ ruleType: 'termsOfPayment', kind: 'exclusion', paymentTermsId: 'NOPE' });
    expect(expectError(terms, 422, 'rule_violation').map((d) => d.path)).toEqual(['paymentTermsId']);
    await expectNothingChanged(t, before);
    // A status created afterwards can be named at once (no stale setup cache).
    expectStatus(
      await t.request('PUT', '/api/v1/account-statuses/NOPE', {
        as: 'credit_manager',
        body: { description: 'Created late' },
      }),
      201,
    );
    const late = await create({ ruleType: 'accountStatus', kind: 'blocking', accountStatusId: 'NOPE' });
    expectStatus(late, 201);
    expectStatus(await t.request('DELETE', `${R}/${late.body.id}`, { as: 'credit_manager', headers: ifMatch(1) }), 200);
    expectStatus(
      await t.request('DELETE', '/api/v1/account-statuses/NOPE', { as: 'credit_manager', headers: ifMatch(1) }),
      200,
    );
    // And once deleted, it is unknown again.
    expectError(
      await create({ ruleType: 'accountStatus', kind: 'blocking', accountStatusId: 'NOPE' }),
      422,
      'rule_violation',
    );
  });

  it('PUT replaces a rule with If-Match: 428 without, 409 stale with current, 404 unknown; 200 with a new sentence; invalid bodies change nothing', async () => {
    const created = await create({ ruleType: 'creditLimitUsed', kind: 'blocking', percent: 100 });
    expectStatus(created, 201);
    const id = created.body.id as string;
    expect(created.body.sentence).toBe('Block when credit limit used after the order > 100% (all customers)');
    const next = {
      ruleType: 'creditLimitUsed',
      kind: 'blocking',
      validFor: 'table',
      accountOrGroup: 'C9',
      percent: '90.25',
    };

    const before = await creditSetupState(t);
    expectError(
      await t.request('PUT', `${R}/${id}`, { as: 'credit_manager', body: next }),
      428,
      'precondition_required',
    );
    const stale = await t.request('PUT', `${R}/${id}`, { as: 'credit_manager', body: next, headers: ifMatch(5) });
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(created.body);
    expectError(
      await t.request('PUT', `${R}/BR-unknown`, { as: 'credit_manager', body: next, headers: ifMatch(1) }),
      404,
      'not_found',
    );
    expect(
      expectError(
        await t.request('PUT', `${R}/${id}`, {
          as: 'credit_manager',
          body: { ruleType: 'creditLimitUsed', kind: 'blocking' },
          headers: ifMatch(1),
        }),
        400,
        'invalid_request',
      ).map((d) => d.path),
    ).toEqual(['percent']);
    expect(
      expectError(
        await t.request('PUT', `${R}/${id}`, {
          as: 'credit_manager',
          body: { ruleType: 'accountStatus', kind: 'blocking', accountStatusId: 'GONE' },
          headers: ifMatch(1),
        }),
        422,
        'rule_violation',
      ).map((d) => d.path),
    ).toEqual(['accountStatusId']);
    await expectNothingChanged(t, before);

    const replaced = await t.request('PUT', `${R}/${id}`, { as: 'admin', body: next, headers: ifMatch(1) });
    expectStatus(replaced, 200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect(replaced.body).toMatchObject({
      id,
      validFor: 'table',
      accountOrGroup: 'C9',
      percent: '90.25',
      version: 2,
      createdAt: created.body.createdAt,
    });
    expect(replaced.body.sentence).toBe('Block when credit limit used after the order > 90.25% (customer C9)');
    expect((await t.request('GET', `${R}/${id}`)).body).toEqual(replaced.body);

    // The type itself may change; fields of the old type do not linger.
    const retyped = await t.request('PUT', `${R}/${id}`, {
      as: 'credit_manager',
      body: { ruleType: 'daysOverdue', kind: 'blocking', valueType: 'days', days: 30 },
      headers: ifMatch(2),
    });
    expectStatus(retyped, 200);
    expect(retyped.body).toMatchObject({
      ...EMPTY,
      id,
      ruleType: 'daysOverdue',
      valueType: 'days',
      days: 30,
      percent: null,
      version: 3,
      sentence: 'Block when days overdue > 30 (all customers)',
    });

    const audit = await allAudit(t, `&entity=blockingRule&id=${id}`);
    expect(audit.map((a) => a.action)).toEqual(['blockingRule.create', 'blockingRule.update', 'blockingRule.update']);
    expect(audit[1]).toMatchObject({ userId: t.userIds.admin, before: created.body, after: replaced.body });
  });

  it('DELETE needs If-Match and removes the rule, logged and audited', async () => {
    const created = await create({
      ruleType: 'creditLimitExpired',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: 'C2',
      days: 30,
    });
    expectStatus(created, 201);
    expect(created.body.sentence).toBe('Do not block when credit limit expired ≤ 30 days ago (customer C2)');
    const id = created.body.id as string;
    const before = await creditSetupState(t);
    expectError(await t.request('DELETE', `${R}/${id}`, { as: 'credit_manager' }), 428, 'precondition_required');
    const stale = await t.request('DELETE', `${R}/${id}`, { as: 'credit_manager', headers: ifMatch(2) });
    expectError(stale, 409, 'version_conflict', ['current']);
    expect(stale.body.current).toEqual(created.body);
    await expectNothingChanged(t, before);

    const deleted = await t.request('DELETE', `${R}/${id}`, { as: 'admin', headers: ifMatch(1) });
    expectStatus(deleted, 200);
    expect(deleted.body).toMatchObject({ id, ruleType: 'creditLimitExpired', version: 2 });
    expectError(await t.request('GET', `${R}/${id}`), 404, 'not_found');
    expect((await t.request('GET', `${R}?limit=1000`)).body.items.map((r: { id: string }) => r.id)).not.toContain(id);
    expect((await allChanges(t)).filter((c) => c.id === id).map((c) => [c.entity, c.op, c.version])).toEqual([
      ['blockingRule', 'create', 1],
      ['blockingRule', 'delete', 2],
    ]);
    const audit = await allAudit(t, `&entity=blockingRule&id=${id}`);
    expect(audit.at(-1)).toMatchObject({ action: 'blockingRule.delete', before: created.body, after: null });
    expectError(await t.request('DELETE', `${R}/${id}`, { as: 'admin', headers: ifMatch(2) }), 404, 'not_found');
  });

  it('credit_clerk, collections_agent and integration may not create, replace or delete rules (403, nothing changes)', async () => {
    const rule = await create({ ruleType: 'salesOrder', kind: 'blocking', amount: 1000 }, 'admin');
    expectStatus(rule, 201);
    const before = await creditSetupState(t);
    for (const role of NOT_SETUP_WRITERS) {
      expectError(
        await t.request('POST', R, { as: role, body: { ruleType: 'salesOrder', kind: 'blocking', amount: 5 } }),
        403,
        'forbidden',
      );
      expectError(
        await t.request('PUT', `${R}/${rule.body.id}`, {
          as: role,
          body: { ruleType: 'salesOrder', kind: 'blocking', amount: 5 },
          headers: ifMatch(1),
        }),
        403,
        'forbidden',
      );
      expectError(
        await t.request('DELETE', `${R}/${rule.body.id}`, { as: role, headers: ifMatch(1) }),
        403,
        'forbidden',
      );
    }
    await expectNothingChanged(t, before);
    for (const role of EVERY_ROLE)
      expect((await t.request('GET', `${R}/${rule.body.id}`, { as: role })).body).toEqual(rule.body);
  });

  it('a rule naming an account status or payment terms racing its deletion: never both succeed (no rule left naming a deleted row)', async () => {
    for (let i = 0; i < 4; i++) {
      const [sid, pid] = [`RACE-S${i}`, `RACE-P${i}`];
      expectStatus(
        await t.request('PUT', `/api/v1/account-statuses/${sid}`, {
          as: 'credit_manager',
          body: { description: 'Racing' },
        }),
        201,
      );
      expectStatus(
        await t.request('PUT', `/api/v1/payment-terms/${pid}`, {
          as: 'credit_manager',
          body: { description: 'Racing' },
        }),
        201,
      );
      const [delS, ruleS, delP, ruleP] = await Promise.all([
        t.request('DELETE', `/api/v1/account-statuses/${sid}`, { as: 'credit_manager', headers: ifMatch(1) }),
        create({ ruleType: 'accountStatus', kind: 'blocking', accountStatusId: sid }),
        t.request('DELETE', `/api/v1/payment-terms/${pid}`, { as: 'credit_manager', headers: ifMatch(1) }),
        create({ ruleType: 'termsOfPayment', kind: 'blocking', paymentTermsId: pid }),
      ]);
      expect([delS.status, ruleS.status].sort()).toEqual(delS.status === 200 ? [200, 422] : [201, 422]);
      expect([delP.status, ruleP.status].sort()).toEqual(delP.status === 200 ? [200, 422] : [201, 422]);
      const rules = (await t.request('GET', `${R}?limit=1000`)).body.items as {
        accountStatusId: string | null;
        paymentTermsId: string | null;
      }[];
      const statuses = (await t.request('GET', '/api/v1/account-statuses?limit=1000')).body.items.map(
        (r: { id: string }) => r.id,
      );
      const terms = (await t.request('GET', '/api/v1/payment-terms?limit=1000')).body.items.map(
        (r: { id: string }) => r.id,
      );
      for (const r of rules) {
        if (r.accountStatusId) expect(statuses).toContain(r.accountStatusId);
        if (r.paymentTermsId) expect(terms).toContain(r.paymentTermsId);
      }
    }
  });
});

describe.each(DIALECTS)('blocking rule changes take effect at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    expectStatus(
      await t.request('PUT', '/api/v1/customers/RC1', {
        as: 'integration',
        body: customerBody({ creditLimit: '1000.00' }),
      }),
      201,
    );
    const items = [
      {
        id: 'RC1-INV',
        customerId: 'RC1',
        type: 'invoice',
        amount: '900.00',
        transDate: '2025-06-01',
        dueDate: '2099-12-31',
      },
    ];
    expectStatus(await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } }), 200);
  });
  afterAll(async () => t?.close());

  const check = async () => {
    const res = await t.request('POST', '/api/v1/credit-check', {
      as: 'credit_clerk',
      body: { customerId: 'RC1', orderAmount: '200.00', asOf: '2025-06-30' },
    });
    expectStatus(res, 200);
    return {
      held: res.body.held as boolean,
      reasons: (res.body.reasons as { ruleType: string }[]).map((r) => r.ruleType),
    };
  };

  it('create, replace and delete change the next credit check (no stale rule cache)', async () => {
    // 900 + 200 = 1,100 against a 1,000 limit: 110 %.
    expect(await check()).toEqual({ held: false, reasons: [] });
    const rule = await t.request('POST', R, {
      as: 'credit_manager',
      body: { ruleType: 'creditLimitUsed', kind: 'blocking', validFor: 'table', accountOrGroup: 'RC1', percent: 100 },
    });
    expectStatus(rule, 201);
    expect(await check()).toEqual({ held: true, reasons: ['creditLimitUsed'] });
    expectStatus(
      await t.request('PUT', `${R}/${rule.body.id}`, {
        as: 'credit_manager',
        body: {
          ruleType: 'creditLimitUsed',
          kind: 'blocking',
          validFor: 'table',
          accountOrGroup: 'RC1',
          percent: '110',
        },
        headers: ifMatch(1),
      }),
      200,
    );
    expect(await check()).toEqual({ held: false, reasons: [] });
    expectStatus(
      await t.request('PUT', `${R}/${rule.body.id}`, {
        as: 'credit_manager',
        body: {
          ruleType: 'creditLimitUsed',
          kind: 'blocking',
          validFor: 'table',
          accountOrGroup: 'RC1',
          percent: '109.9999',
        },
        headers: ifMatch(2),
      }),
      200,
    );
    expect(await check()).toEqual({ held: true, reasons: ['creditLimitUsed'] });
    // A refused replacement leaves the rule working as before.
    expectError(
      await t.request('PUT', `${R}/${rule.body.id}`, {
        as: 'credit_manager',
        body: { ruleType: 'creditLimitUsed', kind: 'blocking', percent: '-1' },
        headers: ifMatch(3),
      }),
      400,
      'invalid_request',
    );
    expect(await check()).toEqual({ held: true, reasons: ['creditLimitUsed'] });
    expectStatus(await t.request('DELETE', `${R}/${rule.body.id}`, { as: 'credit_manager', headers: ifMatch(3) }), 200);
    expect(await check()).toEqual({ held: false, reasons: [] });
  });
});
