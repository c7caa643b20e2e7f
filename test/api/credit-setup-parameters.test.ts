// SPEC §5 "Credit management" + "Contract details": GET|PUT /api/v1/parameters (one row, merged,
// audited) and GET|PUT /api/v1/checkpoints (replaced whole; the grace-days rule of credit.md §4.6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBody, DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, expectError } from '../support/conventions';
import {
  creditSetupState,
  errorPaths,
  EVERY_ROLE,
  expectNothingChanged,
  expectStatus,
  NOT_SETUP_WRITERS,
} from '../support/credit-setup';

const P = '/api/v1/parameters';
const CP = '/api/v1/checkpoints';

/** The credit parameters of credit.md and the collections ones of collections.md §1.16, with their defaults. */
const DEFAULTS = {
  creditManagementEnabled: true,
  creditLimitType: 'balancePlusAll',
  checkCreditLimitOnSalesOrder: true,
  checkCustomerCreditGroupsCreditLimit: true,
  ignoreCreditLimitExpiredRuleWhenBlank: true,
  paymentTermsIncreased: false,
  settlementDiscountIncreased: false,
  automaticallyRelease: 'no',
  autoReleaseReasonCode: null,
  recheckAfterReleaseWhenValueIncreased: true,
  modifiedOrderReleaseReasonCode: null,
  canceledOrderReasonCode: null,
  requireReleaseApproval: false,
  requireAdjustmentApproval: false,
  adjustmentLineApprovalAmount: null,
  allowManualEditingOfCreditLimits: true,
  accountingCurrency: 'USD',
  defaultAgingDefinitionId: null,
  creditPlacement: 'ownDate',
  writeOffReasonCode: null,
  writeOffAccountId: 'WRITEOFF',
  separateSalesTax: false,
  waiveLimits: [],
  minDaysToAllowWaive: 0,
  maxDaysToAllowWaive: null,
  adjustmentInvoiceDate: 'interestNoteDate',
  createCollectionLetterPer: 'transaction',
};

const ALL_OFF = ['confirmation', 'pickingList', 'releaseToWarehouse', 'packingSlip', 'invoice'].map((checkpoint) => ({
  checkpoint,
  posting: false,
  proForma: false,
  graceDays: null,
}));

describe.each(DIALECTS)('parameters and checkpoints on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const [id, kind] of [
      ['REL-AUTO', 'release'],
      ['REL-MOD', 'release'],
      ['REJ-CANCEL', 'reject'],
      ['WAIVE-1', 'waive'],
    ]) {
      expectStatus(
        await t.request('PUT', `/api/v1/reason-codes/${id}`, {
          as: 'credit_manager',
          body: { kind, description: `${kind} reason` },
        }),
        201,
      );
    }
  });
  afterAll(async () => t?.close());

  describe('GET|PUT /api/v1/parameters', () => {
    it('GET returns every parameter with its default and a version, to every role', async () => {
      const res = await t.request('GET', P, { as: 'collections_agent' });
      expectStatus(res, 200);
      expect(res.body).toEqual({ ...DEFAULTS, version: 0 });
      for (const role of EVERY_ROLE) expect((await t.request('GET', P, { as: role })).body).toEqual(res.body);
    });

    it('PUT merges a partial body: the named values change, every other value stays, version +1, audited with before/after', async () => {
      const start = (await t.request('GET', P)).body;
      const seq = (await allChanges(t)).at(-1)!.seq;

      const first = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { creditLimitType: 'balance', paymentTermsIncreased: true },
      });
      expectStatus(first, 200);
      expect(first.body).toEqual({
        ...start,
        creditLimitType: 'balance',
        paymentTermsIncreased: true,
        version: start.version + 1,
      });
      expect((await t.request('GET', P, { as: 'credit_clerk' })).body).toEqual(first.body);

      const second = await t.request('PUT', P, {
        as: 'admin',
        body: { requireReleaseApproval: true, automaticallyRelease: 'withoutPosting' },
      });
      expectStatus(second, 200);
      // The first change is kept: a partial body never resets the others.
      expect(second.body).toEqual({
        ...start,
        creditLimitType: 'balance',
        paymentTermsIncreased: true,
        requireReleaseApproval: true,
        automaticallyRelease: 'withoutPosting',
        version: start.version + 2,
      });
      expect((await t.request('GET', P)).body).toEqual(second.body);

      // A nullable value can be set and cleared again.
      const cleared = await t.request('PUT', P, { as: 'credit_manager', body: { writeOffAccountId: null } });
      expect(cleared.body).toMatchObject({
        writeOffAccountId: null,
        creditLimitType: 'balance',
        version: start.version + 3,
      });
      const restored = await t.request('PUT', P, {
        as: 'credit_manager',
        body: {
          writeOffAccountId: 'WRITEOFF',
          creditLimitType: 'balancePlusAll',
          paymentTermsIncreased: false,
          requireReleaseApproval: false,
          automaticallyRelease: 'no',
        },
      });
      expect(restored.body).toEqual({ ...start, version: start.version + 4 });

      const audit = (await allAudit(t, '&entity=parameters')).slice(-4);
      expect(audit.map((a) => a.action)).toEqual([
        'parameters.update',
        'parameters.update',
        'parameters.update',
        'parameters.update',
      ]);
      expect(audit[0].userId).toBe(t.userIds.credit_manager);
      expect(audit[0].before).toMatchObject({ creditLimitType: 'balancePlusAll', paymentTermsIncreased: false });
      expect(audit[0].after).toMatchObject({
        creditLimitType: 'balance',
        paymentTermsIncreased: true,
        version: start.version + 1,
      });
      expect(audit[1].userId).toBe(t.userIds.admin);
      expect(audit[1].before).toMatchObject({ creditLimitType: 'balance', requireReleaseApproval: false });
      expect(audit[1].after).toMatchObject({
        creditLimitType: 'balance',
        requireReleaseApproval: true,
        automaticallyRelease: 'withoutPosting',
      });
      const changes = (await allChanges(t, seq)).map((c) => [c.entity, c.op, c.version]);
      expect(changes).toEqual(
        [1, 2, 3, 4].map((n) => [
          'parameters',
          n === 1 && start.version === 0 ? 'create' : 'update',
          start.version + n,
        ]),
      );
    });

    it('a change takes effect at once: creditLimitType decides what the customer credit summary counts', async () => {
      expectStatus(
        await t.request('PUT', '/api/v1/customers/PC1', {
          as: 'integration',
          body: customerBody({ creditLimit: '5000.00' }),
        }),
        201,
      );
      const items = [
        {
          id: 'PC1-INV',
          customerId: 'PC1',
          type: 'invoice',
          amount: '1000.00',
          transDate: '2025-06-01',
          dueDate: '2099-12-31',
        },
      ];
      expectStatus(await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } }), 200);
      expectStatus(
        await t.request('PUT', '/api/v1/sales-orders/PC1-SO', {
          as: 'integration',
          body: { customerId: 'PC1', amount: '500.00' },
        }),
        201,
      );
      const credit = async () => (await t.request('GET', '/api/v1/customers/PC1')).body.credit;
      expect(await credit()).toMatchObject({
        exposure: { balance: '1000.00', openOrders: '500.00', total: '1500.00' },
        availableCredit: '3500.00',
      });
      expectStatus(await t.request('PUT', P, { as: 'credit_manager', body: { creditLimitType: 'balance' } }), 200);
      expect(await credit()).toMatchObject({ exposure: { total: '1000.00' }, availableCredit: '4000.00' });
      // A refused change does not leak into the cache.
      expectError(
        await t.request('PUT', P, {
          as: 'credit_manager',
          body: { creditLimitType: 'balancePlusAll', autoReleaseReasonCode: 'NO-SUCH-CODE' },
        }),
        422,
        'rule_violation',
      );
      expect(await credit()).toMatchObject({ exposure: { total: '1000.00' } });
      expectStatus(
        await t.request('PUT', P, { as: 'credit_manager', body: { creditLimitType: 'balancePlusAll' } }),
        200,
      );
      expect(await credit()).toMatchObject({ exposure: { total: '1500.00' } });
    });

    it('only credit_manager and admin may change parameters', async () => {
      const before = await creditSetupState(t);
      for (const role of NOT_SETUP_WRITERS)
        expectError(
          await t.request('PUT', P, { as: role, body: { requireAdjustmentApproval: true } }),
          403,
          'forbidden',
        );
      await expectNothingChanged(t, before);
    });

    it('an unknown parameter, a bad enum value or a wrong type is a 400 naming the field; nothing changes', async () => {
      const before = await creditSetupState(t);
      const bad: [Record<string, unknown>, string][] = [
        [{ noSuchParameter: true }, 'noSuchParameter'],
        [{ creditLimitType: 'everything' }, 'creditLimitType'],
        [{ creditLimitType: 'BalancePlusAll' }, 'creditLimitType'],
        [{ automaticallyRelease: 'yes' }, 'automaticallyRelease'],
        [{ creditPlacement: 'newestFirst' }, 'creditPlacement'],
        [{ checkCreditLimitOnSalesOrder: 'yes' }, 'checkCreditLimitOnSalesOrder'],
        [{ minDaysToAllowWaive: -1 }, 'minDaysToAllowWaive'],
        [{ minDaysToAllowWaive: 2.5 }, 'minDaysToAllowWaive'],
        [{ autoReleaseReasonCode: 'bad id!' }, 'autoReleaseReasonCode'],
        [{ version: 3 }, 'version'],
      ];
      for (const [body, field] of bad) {
        const res = await t.request('PUT', P, { as: 'credit_manager', body });
        expect(
          expectError(res, 400, 'invalid_request').map((d) => d.path),
          JSON.stringify(body),
        ).toContain(field);
      }
      // A valid field next to a bad one is not applied either.
      const mixed = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { requireAdjustmentApproval: true, creditLimitType: 'nope' },
      });
      expectError(mixed, 400, 'invalid_request');
      expectError(await t.request('PUT', P, { as: 'credit_manager', body: [] }), 400, 'invalid_request');
      await expectNothingChanged(t, before);
    });

    it('autoReleaseReasonCode (and the other reason parameters) must name an existing code of the right kind: 422 otherwise', async () => {
      const before = await creditSetupState(t);
      const missing = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { autoReleaseReasonCode: 'NO-SUCH-CODE' },
      });
      expect(expectError(missing, 422, 'rule_violation').map((d) => d.path)).toEqual(['autoReleaseReasonCode']);
      const wrongKind = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { autoReleaseReasonCode: 'REJ-CANCEL' },
      });
      expect(expectError(wrongKind, 422, 'rule_violation').map((d) => d.path)).toEqual(['autoReleaseReasonCode']);
      const waiveKind = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { autoReleaseReasonCode: 'WAIVE-1', requireAdjustmentApproval: true },
      });
      expect(expectError(waiveKind, 422, 'rule_violation').map((d) => d.path)).toEqual(['autoReleaseReasonCode']);
      const modified = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { modifiedOrderReleaseReasonCode: 'REJ-CANCEL' },
      });
      expect(expectError(modified, 422, 'rule_violation').map((d) => d.path)).toEqual([
        'modifiedOrderReleaseReasonCode',
      ]);
      const canceled = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { canceledOrderReasonCode: 'REL-AUTO' },
      });
      expect(expectError(canceled, 422, 'rule_violation').map((d) => d.path)).toEqual(['canceledOrderReasonCode']);
      await expectNothingChanged(t, before);

      const ok = await t.request('PUT', P, {
        as: 'credit_manager',
        body: {
          autoReleaseReasonCode: 'REL-AUTO',
          modifiedOrderReleaseReasonCode: 'REL-MOD',
          canceledOrderReasonCode: 'REJ-CANCEL',
        },
      });
      expectStatus(ok, 200);
      expect(ok.body).toMatchObject({
        autoReleaseReasonCode: 'REL-AUTO',
        modifiedOrderReleaseReasonCode: 'REL-MOD',
        canceledOrderReasonCode: 'REJ-CANCEL',
        version: before.parameters.version + 1,
      });
      const reset = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { autoReleaseReasonCode: null, modifiedOrderReleaseReasonCode: null, canceledOrderReasonCode: null },
      });
      expect(reset.body).toMatchObject({
        autoReleaseReasonCode: null,
        modifiedOrderReleaseReasonCode: null,
        canceledOrderReasonCode: null,
      });
    });

    it('maxDaysToAllowWaive below minDaysToAllowWaive is a 422, also when the other bound is already stored', async () => {
      const before = await creditSetupState(t);
      const both = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { minDaysToAllowWaive: 10, maxDaysToAllowWaive: 5 },
      });
      expect(expectError(both, 422, 'rule_violation').map((d) => d.path)).toEqual(['maxDaysToAllowWaive']);
      await expectNothingChanged(t, before);

      const window = await t.request('PUT', P, {
        as: 'credit_manager',
        body: { minDaysToAllowWaive: 10, maxDaysToAllowWaive: 30 },
      });
      expectStatus(window, 200);
      expect(window.body).toMatchObject({ minDaysToAllowWaive: 10, maxDaysToAllowWaive: 30 });
      const mid = await creditSetupState(t);
      // Merged with the stored max of 30: a min of 40 empties the window.
      expectError(
        await t.request('PUT', P, { as: 'credit_manager', body: { minDaysToAllowWaive: 40 } }),
        422,
        'rule_violation',
      );
      // Merged with the stored min of 10: a max of 9 empties it too.
      expectError(
        await t.request('PUT', P, { as: 'credit_manager', body: { maxDaysToAllowWaive: 9 } }),
        422,
        'rule_violation',
      );
      await expectNothingChanged(t, mid);
      // Equal bounds are a one-day window; null means no maximum.
      expect(
        (await t.request('PUT', P, { as: 'credit_manager', body: { maxDaysToAllowWaive: 10 } })).body,
      ).toMatchObject({ minDaysToAllowWaive: 10, maxDaysToAllowWaive: 10 });
      expect(
        (
          await t.request('PUT', P, {
            as: 'credit_manager',
            body: { maxDaysToAllowWaive: null, minDaysToAllowWaive: 0 },
          })
        ).body,
      ).toMatchObject({ minDaysToAllowWaive: 0, maxDaysToAllowWaive: null });
    });

    it('waiveLimits money round-trips as 2-decimal strings; bad money is a 400', async () => {
      const set = await t.request('PUT', P, {
        as: 'credit_manager',
        body: {
          waiveLimits: [
            { currency: 'USD', amount: '1234.5' },
            { currency: 'EUR', amount: 99 },
            { currency: 'GBP', amount: 0.1 },
          ],
        },
      });
      expectStatus(set, 200);
      const expected = [
        { currency: 'USD', amount: '1234.50' },
        { currency: 'EUR', amount: '99.00' },
        { currency: 'GBP', amount: '0.10' },
      ];
      expect(set.body.waiveLimits).toEqual(expected);
      expect((await t.request('GET', P, { as: 'collections_agent' })).body.waiveLimits).toEqual(expected);
      // Another parameter's change keeps the limits exactly.
      const other = await t.request('PUT', P, { as: 'credit_manager', body: { separateSalesTax: true } });
      expect(other.body.waiveLimits).toEqual(expected);
      const audit = (await allAudit(t, '&entity=parameters')).at(-1);
      expect(audit.before.waiveLimits).toEqual(expected);
      expect(audit.after.waiveLimits).toEqual(expected);

      const before = await creditSetupState(t);
      const bad: [unknown, string][] = [
        [[{ currency: 'USD', amount: '1.234' }], 'waiveLimits.0.amount'],
        [[{ currency: 'USD', amount: 1.005 }], 'waiveLimits.0.amount'],
        [[{ currency: 'USD', amount: '1e3' }], 'waiveLimits.0.amount'],
        [[{ currency: 'USD', amount: '-5.00' }], 'waiveLimits.0.amount'],
        [
          [
            { currency: 'USD', amount: '5.00' },
            { currency: 'USD', amount: '1000000000000.00' },
          ],
          'waiveLimits.1.amount',
        ],
        [[{ currency: 'USD' }], 'waiveLimits.0.amount'],
        [[{ currency: 'USD', amount: '5.00', note: 'x' }], 'waiveLimits.0.note'],
      ];
      for (const [waiveLimits, path] of bad) {
        const res = await t.request('PUT', P, { as: 'credit_manager', body: { waiveLimits } });
        expect(
          expectError(res, 400, 'invalid_request').map((d) => d.path),
          JSON.stringify(waiveLimits),
        ).toContain(path);
      }
      await expectNothingChanged(t, before);
      expect(
        (await t.request('PUT', P, { as: 'credit_manager', body: { waiveLimits: [], separateSalesTax: false } })).body
          .waiveLimits,
      ).toEqual([]);
    });
    it('concurrent partial PUTs each keep the others: every change lands, one version each', async () => {
      const fields = [
        'paymentTermsIncreased',
        'settlementDiscountIncreased',
        'requireReleaseApproval',
        'requireAdjustmentApproval',
        'separateSalesTax',
      ] as const;
      const start = (await t.request('GET', P)).body;
      for (const f of fields) expect(start[f]).toBe(false);
      const seq = (await allChanges(t)).at(-1)!.seq;
      const results = await Promise.all(
        fields.map((f) => t.request('PUT', P, { as: 'credit_manager', body: { [f]: true } })),
      );
      for (const r of results) expectStatus(r, 200);
      expect(results.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(
        [1, 2, 3, 4, 5].map((n) => start.version + n),
      );
      const after = (await t.request('GET', P)).body;
      expect(after).toEqual({
        ...start,
        ...Object.fromEntries(fields.map((f) => [f, true])),
        version: start.version + 5,
      });
      expect((await allChanges(t, seq)).map((c) => c.version)).toEqual([1, 2, 3, 4, 5].map((n) => start.version + n));
      const reset = await t.request('PUT', P, {
        as: 'credit_manager',
        body: Object.fromEntries(fields.map((f) => [f, false])),
      });
      expect(reset.body).toEqual({ ...start, version: start.version + 6 });
    });
  });

  describe('GET|PUT /api/v1/checkpoints', () => {
    it('GET returns the five checkpoints in process order, to every role', async () => {
      for (const role of EVERY_ROLE) {
        const res = await t.request('GET', CP, { as: role });
        expectStatus(res, 200);
        expect(res.body).toEqual(ALL_OFF);
      }
    });

    it('PUT replaces the whole setup; rows left out are off; graceDays null or omitted means none', async () => {
      const seq = (await allChanges(t)).at(-1)!.seq;
      const first = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'packingSlip', posting: true, proForma: true, graceDays: 1 },
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
          { checkpoint: 'pickingList', posting: false, proForma: true },
        ],
      });
      expectStatus(first, 200);
      const expected = [
        { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
        { checkpoint: 'pickingList', posting: false, proForma: true, graceDays: null },
        { checkpoint: 'releaseToWarehouse', posting: false, proForma: false, graceDays: null },
        { checkpoint: 'packingSlip', posting: true, proForma: true, graceDays: 1 },
        { checkpoint: 'invoice', posting: false, proForma: false, graceDays: null },
      ];
      expect(first.body).toEqual(expected);
      expect((await t.request('GET', CP, { as: 'integration' })).body).toEqual(expected);

      // A second PUT replaces: confirmation and packing slip are no longer selected.
      const second = await t.request('PUT', CP, {
        as: 'admin',
        body: [{ checkpoint: 'invoice', posting: true, proForma: false, graceDays: null }],
      });
      expectStatus(second, 200);
      expect(second.body).toEqual(ALL_OFF.map((r) => (r.checkpoint === 'invoice' ? { ...r, posting: true } : r)));
      expect((await t.request('GET', CP)).body).toEqual(second.body);

      // Grace days 0 on every posting row is allowed (0 is "grace days set").
      const zero = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 0 },
          { checkpoint: 'invoice', posting: true, proForma: false, graceDays: 0 },
        ],
      });
      expectStatus(zero, 200);
      expect(zero.body.map((r: { graceDays: number | null }) => r.graceDays)).toEqual([0, null, null, null, 0]);

      const empty = await t.request('PUT', CP, { as: 'credit_manager', body: [] });
      expectStatus(empty, 200);
      expect(empty.body).toEqual(ALL_OFF);

      const changes = (await allChanges(t, seq)).map((c) => [c.entity, c.op]);
      expect(changes).toEqual([
        ['checkpoints', 'update'],
        ['checkpoints', 'update'],
        ['checkpoints', 'update'],
        ['checkpoints', 'update'],
      ]);
      const audit = (await allAudit(t, '&entity=checkpoints')).slice(-4);
      expect(audit[0].before).toEqual(ALL_OFF);
      expect(audit[0].after).toEqual(expected);
      expect(audit[1].before).toEqual(expected);
    });

    it('the grace-days rule (credit.md §4.6) is a 422 naming the row; duplicates too; nothing changes', async () => {
      const good = [
        { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
        { checkpoint: 'packingSlip', posting: true, proForma: false, graceDays: 1 },
      ];
      expectStatus(await t.request('PUT', CP, { as: 'credit_manager', body: good }), 200);
      const before = await creditSetupState(t);

      // Grace days on a row where posting is off (pro forma only).
      const nonPosting = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
          { checkpoint: 'pickingList', posting: false, proForma: true, graceDays: 3 },
        ],
      });
      expect(expectError(nonPosting, 422, 'rule_violation').map((d) => d.path)).toEqual(['1.graceDays']);

      // One posting row with grace days, another without.
      const mixed = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
          { checkpoint: 'invoice', posting: true, proForma: false, graceDays: null },
        ],
      });
      expect(expectError(mixed, 422, 'rule_violation').map((d) => d.path)).toEqual(['1.graceDays']);
      // Omitting graceDays is the same as null.
      const omitted = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'invoice', posting: true, proForma: false },
          { checkpoint: 'pickingList', posting: false, proForma: false },
          { checkpoint: 'confirmation', posting: true, proForma: true, graceDays: 5 },
        ],
      });
      expect(expectError(omitted, 422, 'rule_violation').map((d) => d.path)).toEqual(['0.graceDays']);

      // Every offending row is named.
      const several = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
          { checkpoint: 'pickingList', posting: true, proForma: false, graceDays: null },
          { checkpoint: 'releaseToWarehouse', posting: false, proForma: false, graceDays: 4 },
          { checkpoint: 'invoice', posting: true, proForma: false, graceDays: null },
        ],
      });
      expect(
        expectError(several, 422, 'rule_violation')
          .map((d) => d.path)
          .sort(),
      ).toEqual(['1.graceDays', '2.graceDays', '3.graceDays']);

      // A checkpoint twice.
      const duplicate = await t.request('PUT', CP, {
        as: 'credit_manager',
        body: [
          { checkpoint: 'invoice', posting: true, proForma: false, graceDays: null },
          { checkpoint: 'invoice', posting: false, proForma: true, graceDays: null },
        ],
      });
      expect(expectError(duplicate, 422, 'rule_violation').map((d) => d.path)).toEqual(['1.checkpoint']);
      await expectNothingChanged(t, before);
      expect(
        (await t.request('GET', CP)).body
          .filter((r: { posting: boolean }) => r.posting)
          .map((r: { checkpoint: string; graceDays: number }) => [r.checkpoint, r.graceDays]),
      ).toEqual([
        ['confirmation', 2],
        ['packingSlip', 1],
      ]);
    });

    it('bad shapes are a 400; other roles than credit_manager/admin get 403; nothing changes', async () => {
      const before = await creditSetupState(t);
      const bad: [unknown, string][] = [
        [[{ checkpoint: 'shipping', posting: true, proForma: false }], '0.checkpoint'],
        [[{ checkpoint: 'Confirmation', posting: true, proForma: false }], '0.checkpoint'],
        [[{ checkpoint: 'invoice', proForma: false }], '0.posting'],
        [[{ checkpoint: 'invoice', posting: 'yes', proForma: false }], '0.posting'],
        [[{ checkpoint: 'invoice', posting: true, proForma: false, graceDays: -1 }], '0.graceDays'],
        [[{ checkpoint: 'invoice', posting: true, proForma: false, graceDays: 1.5 }], '0.graceDays'],
        [[{ checkpoint: 'invoice', posting: true, proForma: false, colour: 'red' }], '0.colour'],
        [{ checkpoint: 'invoice', posting: true, proForma: false }, ''],
      ];
      for (const [body, path] of bad) {
        const res = await t.request('PUT', CP, { as: 'credit_manager', body });
        const paths = expectError(res, 400, 'invalid_request').map((d) => d.path);
        if (path) expect(paths, JSON.stringify(body)).toContain(path);
      }
      const six = ['confirmation', 'pickingList', 'releaseToWarehouse', 'packingSlip', 'invoice', 'invoice'].map(
        (checkpoint) => ({ checkpoint, posting: false, proForma: false }),
      );
      // More rows than there are checkpoints is a shape error.
      expectError(await t.request('PUT', CP, { as: 'credit_manager', body: six }), 400, 'invalid_request');
      for (const role of NOT_SETUP_WRITERS) {
        expectError(
          await t.request('PUT', CP, { as: role, body: [{ checkpoint: 'invoice', posting: true, proForma: false }] }),
          403,
          'forbidden',
        );
      }
      expect(errorPaths(await t.request('PUT', CP, { as: 'credit_clerk', body: [] }), 403, 'forbidden')).toEqual([]);
      await expectNothingChanged(t, before);
    });
    it('concurrent replacements never merge: the result is one of the bodies, whole', async () => {
      const a = [{ checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 }];
      const b = [{ checkpoint: 'invoice', posting: true, proForma: false, graceDays: null }];
      const asFive = (rows: typeof a | typeof b) =>
        ALL_OFF.map((r) => ({ ...r, ...(rows.find((x) => x.checkpoint === r.checkpoint) ?? {}) }));
      for (let i = 0; i < 5; i++) {
        const results = await Promise.all([a, b].map((body) => t.request('PUT', CP, { as: 'credit_manager', body })));
        for (const r of results) expectStatus(r, 200);
        const now = (await t.request('GET', CP)).body;
        expect([JSON.stringify(asFive(a)), JSON.stringify(asFive(b))]).toContain(JSON.stringify(now));
      }
    });
  });
});
