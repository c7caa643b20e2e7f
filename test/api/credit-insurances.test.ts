// SPEC §5 "/api/v1/customers/{id}/insurances" {identifier, value, updateCreditLimitPct, effectiveDate,
// expirationDate, includedInExposure, typeId, coverageTypeId, identification, currency}, and how
// policies and temporary limits reach the credit check (credit.md §1.3, §1.4, §1.9, §3; E25, E26):
// through POST /credit-check, a real sales-order posting, and the customer read's `credit`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, putExchangeRates, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, expectError } from '../support/conventions';
import {
  addRule,
  auditActions,
  cluAll,
  getOrder,
  invoice,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  reasonFigures,
  setCheckpoints,
  setParameters,
} from '../support/credit';
import { EVERY_ROLE, expectStatus, ifMatch, NOT_SETUP_WRITERS } from '../support/credit-setup';
import { addDays, todayUtc } from '../../shared/dates';
import { MAX_INSURANCES_PER_CUSTOMER } from '../../server/credit/insurances/insurances.service';

const AS_OF = '2025-06-30';
const ins = (customerId: string) => `/api/v1/customers/${customerId}/insurances`;
/** A policy active from 2025 on, so it also counts in the customer read (which is as of today). */
const policy = (overrides: Record<string, unknown> = {}) => ({
  identifier: 'insurance',
  typeId: 'ATRADIUS',
  coverageTypeId: 'COMMERCIAL',
  identification: 'POL-0001',
  value: '50000.00',
  updateCreditLimitPct: 50,
  effectiveDate: '2025-01-01',
  expirationDate: '2099-12-31',
  includedInExposure: false,
  ...overrides,
});

describe.each(DIALECTS)('customer insurances and guarantees on %s', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp(dialect);
    await setParameters(t, {
      creditLimitType: 'balancePlusAll',
      checkCreditLimitOnSalesOrder: true,
      checkCustomerCreditGroupsCreditLimit: true,
    });
    await setCheckpoints(t, postingCheckpoints('confirmation'));
  });
  afterEach(async () => t.close());

  const customer = async (id: string) => ok(await t.request('GET', `/api/v1/customers/${id}`, { as: 'credit_clerk' }));
  const list = async (customerId: string, query = '') =>
    ok(await t.request('GET', `${ins(customerId)}?limit=1000${query}`, { as: 'credit_clerk' }));
  const create = async (customerId: string, body: Record<string, unknown>) =>
    ok(await t.request('POST', ins(customerId), { as: 'credit_manager', body }), 201);
  const creditCheck = async (customerId: string, orderAmount: string, excludeOrderId: string, asOf = AS_OF) =>
    ok(
      await t.request('POST', '/api/v1/credit-check', {
        as: 'credit_clerk',
        body: { customerId, orderAmount, asOf, excludeOrderId },
      }),
    );
  /** Everything an insurance request could change, read back through the API. */
  const state = async (customerId: string) => ({
    insurances: (await list(customerId)).items,
    customer: await customer(customerId),
    changes: await allChanges(t),
    audit: await allAudit(t),
  });

  describe('CRUD', () => {
    it('POST creates a policy with a server id (201, version 1, ETag), currency defaulting to the customer’s; every role reads it; logged and audited as "insurance"', async () => {
      await putCustomer(t, 'C1', { currency: 'EUR', creditLimit: '100000.00' });
      // The customer read converts the EUR policy (and shows the limit in EUR) at today's rate.
      await putExchangeRates(t, { EUR: '1.10' });
      const seq = (await allChanges(t)).at(-1)!.seq;
      const res = await t.request('POST', ins('C1'), {
        as: 'credit_manager',
        body: policy({ updateCreditLimitPct: '12.3456' }),
      });
      expectStatus(res, 201);
      expect(res.headers.get('etag')).toBe('"1"');
      const created = res.body;
      expect(created).toEqual({
        id: expect.stringMatching(/^INS-[0-9a-f]{10}$/),
        customerId: 'C1',
        identifier: 'insurance',
        typeId: 'ATRADIUS',
        coverageTypeId: 'COMMERCIAL',
        identification: 'POL-0001',
        value: '50000.00',
        currency: 'EUR',
        updateCreditLimitPct: '12.3456',
        effectiveDate: '2025-01-01',
        expirationDate: '2099-12-31',
        includedInExposure: false,
        // 50,000 × 12.3456 % = 6,172.80
        creditLimitContribution: '6172.80',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        version: 1,
      });
      for (const role of EVERY_ROLE) {
        const one = await t.request('GET', `${ins('C1')}/${created.id}`, { as: role });
        expectStatus(one, 200);
        expect(one.headers.get('etag')).toBe('"1"');
        expect(one.body).toEqual(created);
        const all = await t.request('GET', ins('C1'), { as: role });
        expectStatus(all, 200);
        expect(all.body).toEqual({ items: [created], nextCursor: null });
      }
      expect((await allChanges(t, seq)).map(({ entity, id, op, version }) => ({ entity, id, op, version }))).toEqual([
        { entity: 'insurance', id: created.id, op: 'create', version: 1 },
      ]);
      const audit = await auditActions(t, 'insurance', created.id);
      expect(audit.map((a) => [a.action, a.userId, a.before, a.after])).toEqual([
        ['insurance.create', t.userIds.credit_manager, null, created],
      ]);
      // An explicit currency is kept; a second policy lists after the first by id order, and pages.
      const second = await create(
        'C1',
        policy({ identifier: 'guarantee', coverageTypeId: null, currency: 'USD', updateCreditLimitPct: 100 }),
      );
      expect(second).toMatchObject({
        identifier: 'guarantee',
        coverageTypeId: null,
        currency: 'USD',
        updateCreditLimitPct: '100',
        creditLimitContribution: '50000.00',
      });
      const ids = [created.id, second.id].sort();
      const first = ok(await t.request('GET', `${ins('C1')}?limit=1`));
      expect(first.items.map((i: any) => i.id)).toEqual([ids[0]]);
      const next = ok(await t.request('GET', `${ins('C1')}?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`));
      expect(next).toEqual({ items: [expect.objectContaining({ id: ids[1] })], nextCursor: null });
      // `since` returns only policies changed after that sequence.
      const afterFirst = (await allChanges(t)).find((c) => c.id === created.id)!.seq;
      expect((await list('C1', `&since=${afterFirst}`)).items.map((i: any) => i.id)).toEqual([second.id]);
      // The customer row itself did not change.
      expect((await customer('C1')).version).toBe(1);
    });

    it('PUT and DELETE need If-Match: 428 without, 409 with the current row when stale; each change is logged and audited', async () => {
      await putCustomer(t, 'C1', { creditLimit: '100000.00' });
      const created = await create('C1', policy());
      const path = `${ins('C1')}/${created.id}`;
      const body = policy({
        identifier: 'guarantee',
        coverageTypeId: undefined,
        typeId: 'PARENT-CO',
        identification: 'G-7',
        value: '20000',
        updateCreditLimitPct: '100',
        includedInExposure: true,
      });

      let before = await state('C1');
      expectError(await t.request('PUT', path, { as: 'credit_manager', body }), 428, 'precondition_required');
      expectError(await t.request('DELETE', path, { as: 'credit_manager' }), 428, 'precondition_required');
      expectError(
        await t.request('PUT', path, { as: 'credit_manager', body, headers: { 'If-Match': 'v1' } }),
        412,
        'precondition_failed',
      );
      expect(await state('C1')).toEqual(before);

      const put = await t.request('PUT', path, { as: 'credit_manager', body, headers: ifMatch(1) });
      expectStatus(put, 200);
      expect(put.headers.get('etag')).toBe('"2"');
      const updated = put.body;
      expect(updated).toEqual({
        ...created,
        identifier: 'guarantee',
        typeId: 'PARENT-CO',
        coverageTypeId: null,
        identification: 'G-7',
        value: '20000.00',
        updateCreditLimitPct: '100',
        includedInExposure: true,
        // 20,000 × 100 % − 20,000: a policy included in exposure takes its full value off again.
        creditLimitContribution: '0.00',
        updatedAt: expect.any(String),
        version: 2,
      });
      expect(ok(await t.request('GET', path))).toEqual(updated);

      before = await state('C1');
      const stale = await t.request('PUT', path, { as: 'credit_manager', body: policy(), headers: ifMatch(1) });
      expectError(stale, 409, 'version_conflict', ['current']);
      expect(stale.body.current).toEqual(updated);
      const staleDelete = await t.request('DELETE', path, { as: 'admin', headers: ifMatch(1) });
      expectError(staleDelete, 409, 'version_conflict', ['current']);
      expect(staleDelete.body.current).toEqual(updated);
      expect(await state('C1')).toEqual(before);

      const del = await t.request('DELETE', path, { as: 'admin', headers: ifMatch(2) });
      expectStatus(del, 200);
      expect(del.body).toEqual({ ...updated, version: 3 });
      expectError(await t.request('GET', path), 404, 'not_found');
      expect((await list('C1')).items).toEqual([]);
      expectError(await t.request('DELETE', path, { as: 'admin', headers: ifMatch(3) }), 404, 'not_found');

      const changes = (await allChanges(t)).filter((c) => c.entity === 'insurance');
      expect(changes.map((c) => [c.id, c.op, c.version])).toEqual([
        [created.id, 'create', 1],
        [created.id, 'update', 2],
        [created.id, 'delete', 3],
      ]);
      const audit = await auditActions(t, 'insurance', created.id);
      expect(audit.map((a) => [a.action, a.userId])).toEqual([
        ['insurance.create', t.userIds.credit_manager],
        ['insurance.update', t.userIds.credit_manager],
        ['insurance.delete', t.userIds.admin],
      ]);
      expect(audit[1]!.before).toEqual(created);
      expect(audit[1]!.after).toEqual(updated);
      expect(audit[2]!.before).toEqual(updated);
      expect(audit[2]!.after).toBeNull();
    });

    it('a policy is reached only through its own customer: another customer’s path is 404', async () => {
      await putCustomer(t, 'C1');
      await putCustomer(t, 'C2');
      const created = await create('C1', policy());
      const before = await state('C1');
      expectError(await t.request('GET', `${ins('C2')}/${created.id}`), 404, 'not_found');
      expectError(
        await t.request('PUT', `${ins('C2')}/${created.id}`, {
          as: 'credit_manager',
          body: policy({ value: '1.00' }),
          headers: ifMatch(1),
        }),
        404,
        'not_found',
      );
      expectError(
        await t.request('DELETE', `${ins('C2')}/${created.id}`, { as: 'credit_manager', headers: ifMatch(1) }),
        404,
        'not_found',
      );
      expect((await list('C2')).items).toEqual([]);
      expect(await state('C1')).toEqual(before);
    });

    it('POST with an Idempotency-Key replays the first answer and creates one policy', async () => {
      await putCustomer(t, 'C1');
      const headers = { 'Idempotency-Key': 'ins-key-1' };
      const first = await t.request('POST', ins('C1'), { as: 'credit_manager', body: policy(), headers });
      expectStatus(first, 201);
      const again = await t.request('POST', ins('C1'), { as: 'credit_manager', body: policy(), headers });
      expectStatus(again, 201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await list('C1')).items.map((i: any) => i.id)).toEqual([first.body.id]);
    });
  });

  describe('bad input changes nothing', () => {
    it('a customer holds at most 100 policies and guarantees: the 101st is a 422 and nothing changes', async () => {
      await putCustomer(t, 'C1');
      for (let i = 0; i < MAX_INSURANCES_PER_CUSTOMER; i++) await create('C1', policy());
      const before = await state('C1');
      const refused = await t.request('POST', ins('C1'), { as: 'credit_manager', body: policy() });
      expectError(refused, 422, 'rule_violation');
      expect(refused.body.error.message).toContain('already has 100 insurance policies and guarantees');
      expect(await state('C1')).toEqual(before);
    });

    it('schema errors are 400 naming the field: guarantee with a coverage type, pct above 100 or with 5 decimals, value ≤ 0, bad identifier, unknown field', async () => {
      await putCustomer(t, 'C1');
      const existing = await create('C1', policy());
      const before = await state('C1');
      const bad: [Record<string, unknown>, string][] = [
        [policy({ identifier: 'guarantee', coverageTypeId: 'COMMERCIAL' }), 'coverageTypeId'],
        [policy({ updateCreditLimitPct: '100.00001' }), 'updateCreditLimitPct'],
        [policy({ updateCreditLimitPct: 100.0001 }), 'updateCreditLimitPct'],
        [policy({ updateCreditLimitPct: '-0.0001' }), 'updateCreditLimitPct'],
        [policy({ value: '0.00' }), 'value'],
        [policy({ value: -5 }), 'value'],
        [policy({ value: '1.001' }), 'value'],
        [policy({ identifier: 'Insurance' }), 'identifier'],
        [policy({ effectiveDate: '2025-02-30' }), 'effectiveDate'],
        [policy({ currency: 'usd' }), 'currency'],
        [policy({ includedInExposure: 'yes' }), 'includedInExposure'],
        [{ ...policy(), insurerPartyId: 'P1' }, 'insurerPartyId'],
      ];
      for (const [body, field] of bad) {
        const created = await t.request('POST', ins('C1'), { as: 'credit_manager', body });
        expect(
          expectError(created, 400, 'invalid_request').map((d) => d.path),
          JSON.stringify(body),
        ).toContain(field);
        const replaced = await t.request('PUT', `${ins('C1')}/${existing.id}`, {
          as: 'credit_manager',
          body,
          headers: ifMatch(1),
        });
        expect(
          expectError(replaced, 400, 'invalid_request').map((d) => d.path),
          JSON.stringify(body),
        ).toContain(field);
      }
      expect(await state('C1')).toEqual(before);
      // The bounds themselves are accepted: 0 % and 100 %, a one-day policy.
      for (const body of [
        policy({ updateCreditLimitPct: 0 }),
        policy({ updateCreditLimitPct: '100.0000' }),
        policy({ effectiveDate: AS_OF, expirationDate: AS_OF }),
      ])
        await create('C1', body);
      expect((await list('C1')).items.map((i: any) => i.updateCreditLimitPct).sort()).toEqual(['0', '100', '50', '50']);
    });

    it('a policy that expires before it becomes effective is a 422 naming expirationDate', async () => {
      await putCustomer(t, 'C1');
      const existing = await create('C1', policy());
      const before = await state('C1');
      const body = policy({ effectiveDate: '2025-07-01', expirationDate: '2025-06-30' });
      const created = await t.request('POST', ins('C1'), { as: 'credit_manager', body });
      expect(expectError(created, 422, 'rule_violation').map((d) => d.path)).toEqual(['expirationDate']);
      const replaced = await t.request('PUT', `${ins('C1')}/${existing.id}`, {
        as: 'credit_manager',
        body,
        headers: ifMatch(1),
      });
      expect(expectError(replaced, 422, 'rule_violation').map((d) => d.path)).toEqual(['expirationDate']);
      expect(await state('C1')).toEqual(before);
    });

    it('an unknown customer is 404; roles other than credit_manager and admin get 403', async () => {
      await putCustomer(t, 'C1');
      const existing = await create('C1', policy());
      const before = await state('C1');
      expectError(await t.request('POST', ins('NOPE'), { as: 'credit_manager', body: policy() }), 404, 'not_found');
      expectError(await t.request('GET', ins('NOPE')), 404, 'not_found');
      expectError(await t.request('GET', `${ins('NOPE')}/${existing.id}`), 404, 'not_found');
      for (const role of NOT_SETUP_WRITERS) {
        expectError(await t.request('POST', ins('C1'), { as: role, body: policy() }), 403, 'forbidden');
        expectError(
          await t.request('PUT', `${ins('C1')}/${existing.id}`, {
            as: role,
            body: policy({ value: '1.00' }),
            headers: ifMatch(1),
          }),
          403,
          'forbidden',
        );
        expectError(
          await t.request('DELETE', `${ins('C1')}/${existing.id}`, { as: role, headers: ifMatch(1) }),
          403,
          'forbidden',
        );
      }
      expect(await state('C1')).toEqual(before);
      expect((await list('C1')).items).toEqual([existing]);
    });
  });

  describe('credit E26 insurance in the credit limit', () => {
    /** E26: limit 100,000, balance 110,000 (not yet due), the order 10,000, CLU All 100 %. */
    async function e26() {
      await putCustomer(t, 'C1', { creditLimit: '100000.00', creditLimitExpirationDate: '2025-12-31' });
      await postTransactions(t, [invoice('INV1', 'C1', '110000.00', '2025-07-31')]);
      await addRule(t, cluAll(100));
      await putOrder(t, 'SO-E26', 'C1', '10000.00');
      // Without a policy: 120,000 of 100,000 = 120 %, held.
      const without = await creditCheck('C1', '10000.00', 'SO-E26');
      expect(without).toMatchObject({ held: true, effectiveLimit: '100000.00', percentAfterOrder: '120' });
    }
    const exposure = { balance: '110000.00', deliveredNotInvoiced: '0.00', openOrders: '0.00', total: '110000.00' };

    it('credit E26 active insurance 50,000 at 50 % over HTTP: total limit 125,000, usedAfter 120,000 = 96 %, not held; posted; the customer read shows +25,000', async () => {
      await e26();
      await create('C1', policy());
      const check = await creditCheck('C1', '10000.00', 'SO-E26');
      expect(check).toMatchObject({
        held: false,
        reasons: [],
        exposure,
        effectiveLimit: '125000.00',
        availableCredit: '15000.00',
        percentAfterOrder: '96',
        group: null,
      });
      const posted = ok(await postOrder(t, 'SO-E26', { asOf: AS_OF }));
      expect(posted.posted).toBe(true);
      expect(posted.hold).toBeUndefined();
      expect((await getOrder(t, 'SO-E26')).creditStatus).toBe('clear');
      // The customer read is as of today (the policy runs to 2099); the order is an open order there.
      expect((await customer('C1')).credit).toEqual({
        held: false,
        checked: true,
        note: null,
        reasons: [],
        exposure: { balance: '110000.00', deliveredNotInvoiced: '0.00', openOrders: '10000.00', total: '120000.00' },
        effectiveLimit: '125000.00',
        availableCredit: '5000.00',
        percentAfterOrder: '96',
        percentUsed: '96',
        group: null,
        baseCreditLimit: '100000.00',
        activeTemporaryLimit: null,
        insuranceContribution: '25000.00',
        totalCreditLimit: '125000.00',
        creditGroupId: null,
        currency: 'USD',
        customerCurrency: 'USD',
        creditLimitCustomerCurrency: '100000.00',
      });
    });

    it('credit E26 included in exposure over HTTP: limit 100,000 + 25,000 − 50,000 = 75,000, held; the customer read shows −25,000', async () => {
      await e26();
      const p = await create('C1', policy());
      expect((await creditCheck('C1', '10000.00', 'SO-E26')).held).toBe(false);
      // The same policy switched to "included in exposure": the next check sees it.
      ok(
        await t.request('PUT', `${ins('C1')}/${p.id}`, {
          as: 'credit_manager',
          body: policy({ includedInExposure: true }),
          headers: ifMatch(p.version),
        }),
      );
      const check = await creditCheck('C1', '10000.00', 'SO-E26');
      expect(check).toMatchObject({
        held: true,
        exposure,
        effectiveLimit: '75000.00',
        availableCredit: '-35000.00',
        percentAfterOrder: '160',
      });
      expect(check.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '160', '100']]);
      const posted = ok(await postOrder(t, 'SO-E26', { asOf: AS_OF }));
      expect(posted.posted).toBe(false);
      expect(posted.hold).toMatchObject({
        salesOrderId: 'SO-E26',
        status: 'onHold',
        summaryReason: 'creditLimitUsed',
        orderAmount: '10000.00',
      });
      expect(posted.hold.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '160', '100']]);
      expect((await getOrder(t, 'SO-E26')).creditStatus).toBe('onHold');
      expect((await customer('C1')).credit).toMatchObject({
        baseCreditLimit: '100000.00',
        activeTemporaryLimit: null,
        insuranceContribution: '-25000.00',
        totalCreditLimit: '75000.00',
        effectiveLimit: '75000.00',
      });
    });

    it('credit E26 policy expired on 2025-06-29 over HTTP: limit 100,000, held (it still counted on its last day)', async () => {
      await e26();
      await create('C1', policy({ expirationDate: '2025-06-29' }));
      const check = await creditCheck('C1', '10000.00', 'SO-E26');
      expect(check).toMatchObject({
        held: true,
        exposure,
        effectiveLimit: '100000.00',
        availableCredit: '-10000.00',
        percentAfterOrder: '120',
      });
      expect(check.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '120', '100']]);
      // Inclusive dates: on 2025-06-29 the policy still counts.
      expect(await creditCheck('C1', '10000.00', 'SO-E26', '2025-06-29')).toMatchObject({
        held: false,
        effectiveLimit: '125000.00',
        percentAfterOrder: '96',
      });
      // Not yet effective counts neither.
      const later = await create('C1', policy({ effectiveDate: '2025-07-01', identification: 'POL-0002' }));
      expect(await creditCheck('C1', '10000.00', 'SO-E26')).toMatchObject({ held: true, effectiveLimit: '100000.00' });
      expect(await creditCheck('C1', '10000.00', 'SO-E26', '2025-07-01')).toMatchObject({
        held: false,
        effectiveLimit: '125000.00',
      });
      ok(await t.request('DELETE', `${ins('C1')}/${later.id}`, { as: 'credit_manager', headers: ifMatch(1) }));

      const posted = ok(await postOrder(t, 'SO-E26', { asOf: AS_OF }));
      expect(posted.posted).toBe(false);
      expect(posted.hold.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '120', '100']]);
      // Today the expired policy adds nothing, though it is still listed.
      expect((await customer('C1')).credit).toMatchObject({
        baseCreditLimit: '100000.00',
        insuranceContribution: '0.00',
        totalCreditLimit: '100000.00',
        effectiveLimit: '100000.00',
      });
      expect((await list('C1')).items).toHaveLength(1);
    });

    it('several active policies add up, guarantees count like insurances, and deleting one takes its share off', async () => {
      await e26();
      const a = await create('C1', policy({ value: '10000.00', updateCreditLimitPct: 50 }));
      await create(
        'C1',
        policy({ identifier: 'guarantee', coverageTypeId: null, value: '8000.00', updateCreditLimitPct: '12.5' }),
      );
      // 100,000 + 5,000 + 1,000 = 106,000; 120,000 > 106,000 → 113.2075 %.
      expect(await creditCheck('C1', '10000.00', 'SO-E26')).toMatchObject({
        held: true,
        effectiveLimit: '106000.00',
        percentAfterOrder: '113.2075',
      });
      expect((await customer('C1')).credit).toMatchObject({
        insuranceContribution: '6000.00',
        totalCreditLimit: '106000.00',
      });
      ok(await t.request('DELETE', `${ins('C1')}/${a.id}`, { as: 'credit_manager', headers: ifMatch(1) }));
      expect(await creditCheck('C1', '10000.00', 'SO-E26')).toMatchObject({ effectiveLimit: '101000.00' });
      expect((await customer('C1')).credit).toMatchObject({
        insuranceContribution: '1000.00',
        totalCreditLimit: '101000.00',
      });
    });
  });

  describe('temporary limits reach the credit check', () => {
    /**
     * ARRANGEMENT ONLY: temporary limits are created solely by posting temporary adjustment
     * journals (credit.md §1.3), which are tested with the journals. These rows are inserted
     * straight into the store to prove that the credit-check loader reads them.
     */
    async function insertTemporaryLimit(
      target: { customerId: string } | { creditGroupId: string },
      amount: string,
      fromDate: string,
      toDate: string,
    ) {
      await t.handle.db
        .insertInto('temporary_limits')
        .values({
          customer_id: 'customerId' in target ? target.customerId : null,
          credit_group_id: 'creditGroupId' in target ? target.creditGroupId : null,
          amount: BigInt(amount.replace('.', '')),
          from_date: fromDate,
          to_date: toDate,
          source_journal_id: 'ARRANGED',
          source_line_no: 1,
          created_at: new Date().toISOString(),
        })
        .execute();
    }

    it('credit E25 customer temporary limit over HTTP: 20,000 replaces 10,000 while active (not held, posted), the base applies again on 2025-08-01; the latest posting wins an overlap', async () => {
      await putCustomer(t, 'C1', { creditLimit: '10000.00', creditLimitExpirationDate: '2025-12-31' });
      await postTransactions(t, [invoice('INV1', 'C1', '12000.00', '2025-07-31')]);
      await addRule(t, cluAll(100));
      await putOrder(t, 'SO-E25', 'C1', '5000.00');
      expect(await creditCheck('C1', '5000.00', 'SO-E25')).toMatchObject({
        held: true,
        effectiveLimit: '10000.00',
        percentAfterOrder: '170',
      });

      // A window that ended before asOf never applies, however large.
      await insertTemporaryLimit({ customerId: 'C1' }, '90000.00', '2025-05-01', '2025-05-31');
      await insertTemporaryLimit({ customerId: 'C1' }, '20000.00', '2025-06-01', '2025-07-31');
      expect(await creditCheck('C1', '5000.00', 'SO-E25')).toMatchObject({
        held: false,
        reasons: [],
        effectiveLimit: '20000.00',
        availableCredit: '8000.00',
        percentAfterOrder: '85',
      });
      const after = await creditCheck('C1', '5000.00', 'SO-E25', '2025-08-01');
      expect(after).toMatchObject({ held: true, effectiveLimit: '10000.00', percentAfterOrder: '170' });
      expect(after.reasons.map(reasonFigures)).toEqual([['creditLimitUsed', '170', '100']]);
      expect(await creditCheck('C1', '5000.00', 'SO-E25', '2025-05-31')).toMatchObject({
        held: false,
        effectiveLimit: '90000.00',
      });

      // A later posting overlapping 06-15..06-30 wins there (postedSeq follows the row order).
      await insertTemporaryLimit({ customerId: 'C1' }, '15000.00', '2025-06-15', '2025-06-30');
      const overlap = await creditCheck('C1', '5000.00', 'SO-E25');
      expect(overlap).toMatchObject({ held: true, effectiveLimit: '15000.00', percentAfterOrder: '113.3333' });
      expect(await creditCheck('C1', '5000.00', 'SO-E25', '2025-07-01')).toMatchObject({
        held: false,
        effectiveLimit: '20000.00',
      });

      // A real posting on 2025-07-01 agrees with the check.
      const posted = ok(await postOrder(t, 'SO-E25', { asOf: '2025-07-01' }));
      expect(posted.posted).toBe(true);
      expect(posted.hold).toBeUndefined();
      expect((await getOrder(t, 'SO-E25')).creditStatus).toBe('clear');
    });

    it('the customer read shows the temporary limit active today, and policies add to it; none after it ends', async () => {
      await putCustomer(t, 'C1', { creditLimit: '10000.00' });
      await postTransactions(t, [invoice('INV1', 'C1', '12000.00', '2099-12-31')]);
      expect((await customer('C1')).credit).toMatchObject({
        baseCreditLimit: '10000.00',
        activeTemporaryLimit: null,
        insuranceContribution: '0.00',
        totalCreditLimit: '10000.00',
        availableCredit: '-2000.00',
      });
      const today = todayUtc();
      await insertTemporaryLimit({ customerId: 'C1' }, '30000.00', addDays(today, -10), addDays(today, 10));
      await insertTemporaryLimit({ customerId: 'C1' }, '50000.00', addDays(today, -30), addDays(today, -1));
      await create('C1', policy({ value: '4000.00', updateCreditLimitPct: 25 }));
      expect((await customer('C1')).credit).toMatchObject({
        baseCreditLimit: '10000.00',
        activeTemporaryLimit: '30000.00',
        insuranceContribution: '1000.00',
        totalCreditLimit: '31000.00',
        effectiveLimit: '31000.00',
        availableCredit: '19000.00',
      });
      // Ten days on, the base limit is back (checked through the credit check's asOf).
      expect(await creditCheck('C1', '0.00', 'NONE', addDays(today, 11))).toMatchObject({ effectiveLimit: '11000.00' });
    });

    it('a credit group’s temporary limit replaces the group limit in the group check', async () => {
      await putCustomer(t, 'C1', { creditLimit: '30000.00' });
      ok(
        await t.request('PUT', '/api/v1/credit-groups/G', {
          as: 'credit_manager',
          body: {
            name: 'Group G',
            creditLimit: '15000.00',
            currency: 'USD',
            creditLimitToDate: '2025-12-31',
            members: ['C1'],
          },
        }),
        201,
      );
      await addRule(t, cluAll(100));
      await putOrder(t, 'SO-G', 'C1', '16000.00');
      const before = await creditCheck('C1', '16000.00', 'SO-G');
      expect(before).toMatchObject({
        held: true,
        effectiveLimit: '15000.00',
        group: { id: 'G', limit: '15000.00', exposure: '0.00', currency: 'USD' },
      });

      await insertTemporaryLimit({ creditGroupId: 'G' }, '25000.00', '2025-06-01', '2025-07-31');
      // Another group's and the customer's own rows are not confused with it.
      await insertTemporaryLimit({ creditGroupId: 'OTHER' }, '1.00', '2025-06-01', '2025-07-31');
      const during = await creditCheck('C1', '16000.00', 'SO-G');
      expect(during).toMatchObject({
        held: false,
        reasons: [],
        effectiveLimit: '25000.00',
        percentAfterOrder: '64',
        group: { id: 'G', limit: '25000.00', exposure: '0.00', currency: 'USD' },
      });
      expect(await creditCheck('C1', '16000.00', 'SO-G', '2025-08-01')).toMatchObject({
        held: true,
        group: { id: 'G', limit: '15000.00' },
      });
      const posted = ok(await postOrder(t, 'SO-G', { asOf: AS_OF }));
      expect(posted.posted).toBe(true);
      expect(posted.hold).toBeUndefined();
    });
  });
});
