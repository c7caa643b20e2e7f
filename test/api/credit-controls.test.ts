// Credit controls that cannot be bypassed (issue 18, items 1–7), each written as the attack it
// prevents, on both dialects: the limit-editing parameter, credit attributes and exclusions owned
// by credit staff, four eyes on journals, release dates, account-status holds, stored risk inputs
// and setup rows in use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError, expectUnchanged, snapshot } from '../support/conventions';
import {
  addRule,
  cluAll,
  daysOverdueAll,
  getOrder,
  invoice,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  putSetup,
  reasonCode,
  setCheckpoints,
  setParameters,
} from '../support/credit';
import { ifMatch } from '../support/credit-setup';
import { addDays } from '../../shared/dates';

const today = () => new Date().toISOString().slice(0, 10);

describe.each(DIALECTS)('credit controls on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await reasonCode(t, 'REL', 'release');
    await reasonCode(t, 'REJ', 'reject');
  });
  afterAll(() => t.close());

  const customer = async (id: string) => ok(await t.request('GET', `/api/v1/customers/${id}`));
  const feed = (
    id: string,
    body: Record<string, unknown>,
    version?: number,
    as: 'integration' | 'admin' = 'integration',
  ) =>
    t.request('PUT', `/api/v1/customers/${id}`, {
      as,
      body: { name: `Customer ${id}`, currency: 'USD', creditLimit: '1000.00', ...body },
      ...(version ? { headers: ifMatch(version) } : {}),
    });
  const profile = (
    id: string,
    body: Record<string, unknown>,
    version: number,
    as: 'credit_clerk' | 'credit_manager' | 'integration' | 'collections_agent' | 'admin' = 'credit_clerk',
  ) => t.request('PATCH', `/api/v1/customers/${id}/credit-profile`, { as, body, headers: ifMatch(version) });

  describe('item 1: with allowManualEditingOfCreditLimits off, the feed cannot move a limit', () => {
    it('a different limit, flag or expiry is a 422 naming the field and the parameter; the current values pass; a new customer brings its own', async () => {
      await putCustomer(t, 'L1', { creditLimit: '1000.00', creditLimitExpirationDate: '2030-12-31' });
      await setParameters(t, { allowManualEditingOfCreditLimits: false });
      try {
        const before = await snapshot(t);
        for (const [field, value] of [
          ['creditLimit', '5000.00'],
          ['unlimitedCredit', true],
          ['creditLimitExpirationDate', null],
          ['creditLimitExpirationDate', '2031-01-01'],
        ] as const) {
          const res = await feed('L1', { creditLimitExpirationDate: '2030-12-31', [field]: value }, 1);
          const details = expectError(res, 422, 'rule_violation');
          expect(details).toEqual([
            { path: field, message: expect.stringMatching(/allowManualEditingOfCreditLimits is off/) },
          ]);
        }
        const batch = await t.request('POST', '/api/v1/customers:batch', {
          as: 'integration',
          body: { items: [{ id: 'L1', name: 'L1', currency: 'USD', creditLimit: '900.00' }] },
        });
        expect(expectError(batch, 422, 'rule_violation', ['items'])).toEqual([
          { path: 'items.0.creditLimit', message: expect.stringMatching(/differs from the current 1000\.00/) },
        ]);
        await expectUnchanged(t, before);
        // An ERP re-sends the full record: the current values pass, and a left-out expiry is kept (not reset).
        const same = ok(await feed('L1', { name: 'L1 renamed', creditLimit: 1000 }, 1));
        expect(same).toMatchObject({
          name: 'L1 renamed',
          creditLimit: '1000.00',
          creditLimitExpirationDate: '2030-12-31',
          unlimitedCredit: false,
          version: 2,
        });
        // A new customer arrives with its initial limit.
        expect(ok(await feed('L2', { creditLimit: '7000.00' }), 201)).toMatchObject({ creditLimit: '7000.00' });
      } finally {
        await setParameters(t, { allowManualEditingOfCreditLimits: true });
      }
      // With the parameter on (the default) the feed sets limits as before.
      expect(ok(await feed('L1', { creditLimit: '5000.00' }, 2))).toMatchObject({
        creditLimit: '5000.00',
        creditLimitExpirationDate: null,
        version: 3,
      });
    });
  });

  describe('item 2: credit staff own the credit attributes; only they exclude from credit management', () => {
    it('the feed cannot exclude an over-limit, 60-days-overdue customer to get a 5,000,000 order through (403); credit staff can', async () => {
      await setCheckpoints(t, postingCheckpoints('confirmation'));
      await addRule(t, cluAll(100));
      await addRule(t, daysOverdueAll(30));
      await putCustomer(t, 'X1', { creditLimit: '1000.00' });
      await postTransactions(t, [invoice('X1-INV', 'X1', '2000.00', addDays('2025-06-30', -60))]);
      await putOrder(t, 'SO-X1', 'X1', '5000000.00');
      const before = await snapshot(t);
      // As a change of an existing customer, in a batch, and on a new customer.
      const put = await feed('X1', { excludeFromCreditManagement: true }, 1);
      expect(expectError(put, 403, 'forbidden')).toEqual([
        {
          path: 'excludeFromCreditManagement',
          message: expect.stringMatching(/credit attributes are set by credit staff/),
        },
      ]);
      const batch = await t.request('POST', '/api/v1/customers:batch', {
        as: 'admin',
        body: {
          items: [{ id: 'X1', name: 'X1', currency: 'USD', creditLimit: '1000.00', excludeFromCreditManagement: true }],
        },
      });
      expectError(batch, 403, 'forbidden', ['items']);
      expect(batch.body.items[0]).toMatchObject({ status: 'error', errors: [{ path: 'excludeFromCreditManagement' }] });
      expect(
        expectError(await feed('X9', { excludeFromCreditManagement: true }), 403, 'forbidden')[0]!.message,
      ).toMatch(/only credit staff/);
      expectError(await feed('X9', { ignoreUntilDate: '2030-01-01' }), 403, 'forbidden');
      // Nor the order: excluding it through the order feed is credit staff's too.
      expectError(
        await t.request('PUT', '/api/v1/sales-orders/SO-X1', {
          as: 'integration',
          headers: ifMatch(1),
          body: { customerId: 'X1', amount: '5000000.00', excludeFromCreditManagement: true },
        }),
        403,
        'forbidden',
      );
      expectError(
        await t.request('PUT', '/api/v1/sales-orders/SO-X2', {
          as: 'integration',
          body: { customerId: 'X1', amount: '1.00', excludeFromCreditManagement: true },
        }),
        403,
        'forbidden',
      );
      await expectUnchanged(t, before);
      const held = ok(await postOrder(t, 'SO-X1'));
      expect(held).toMatchObject({ posted: false, hold: { summaryReason: 'multiple' } });

      // Credit staff decide: the clerk excludes the customer (If-Match), and the next order posts unchecked.
      expect(
        expectError(await profile('X1', { excludeFromCreditManagement: true }, 1, 'integration'), 403, 'forbidden'),
      ).toEqual([]);
      expectError(await profile('X1', { excludeFromCreditManagement: true }, 1, 'collections_agent'), 403, 'forbidden');
      expectError(
        await t.request('PATCH', '/api/v1/customers/X1/credit-profile', {
          as: 'credit_clerk',
          body: { excludeFromCreditManagement: true },
        }),
        428,
        'precondition_required',
      );
      expectError(await profile('X1', { excludeFromCreditManagement: true }, 9), 409, 'version_conflict', ['current']);
      const excluded = ok(await profile('X1', { excludeFromCreditManagement: true, notes: 'Cleared by the CFO' }, 1));
      expect(excluded).toMatchObject({ excludeFromCreditManagement: true, notes: 'Cleared by the CFO', version: 2 });
      const audit = ok(await t.request('GET', '/api/v1/audit?entity=customer&id=X1')).items.at(-1);
      expect(audit).toMatchObject({
        action: 'customer.creditProfile',
        userId: t.userIds.credit_clerk,
        before: { excludeFromCreditManagement: false, notes: null, version: 1 },
        after: { excludeFromCreditManagement: true, notes: 'Cleared by the CFO', version: 2 },
      });
      await putOrder(t, 'SO-X3', 'X1', '5000000.00');
      expect(ok(await postOrder(t, 'SO-X3'))).toMatchObject({ posted: true });
      // The ERP re-sends its full record with the current values (or without them): fine.
      expect(ok(await feed('X1', { excludeFromCreditManagement: true, notes: 'Cleared by the CFO' }, 2))).toMatchObject(
        { excludeFromCreditManagement: true, version: 3 },
      );
      expect(ok(await feed('X1', {}, 3))).toMatchObject({
        excludeFromCreditManagement: true,
        notes: 'Cleared by the CFO',
        version: 4,
      });
      // ... but not a stale copy that would undo credit staff's decision.
      expectError(await feed('X1', { excludeFromCreditManagement: false }, 4), 403, 'forbidden');
    });

    it('credit staff exclude an order (If-Match); the feed repeats the value or leaves it out', async () => {
      await putCustomer(t, 'O1');
      await putOrder(t, 'SO-O1', 'O1', '100.00');
      expectError(
        await t.request('PATCH', '/api/v1/sales-orders/SO-O1/credit-management', {
          as: 'integration',
          headers: ifMatch(1),
          body: { excludeFromCreditManagement: true },
        }),
        403,
        'forbidden',
      );
      const order = ok(
        await t.request('PATCH', '/api/v1/sales-orders/SO-O1/credit-management', {
          as: 'credit_manager',
          headers: ifMatch(1),
          body: { excludeFromCreditManagement: true },
        }),
      );
      expect(order).toMatchObject({ excludeFromCreditManagement: true, version: 2 });
      expect(
        ok(
          await t.request('PUT', '/api/v1/sales-orders/SO-O1', {
            as: 'integration',
            headers: ifMatch(2),
            body: { customerId: 'O1', amount: '150.00' },
          }),
        ),
      ).toMatchObject({ amount: '150.00', excludeFromCreditManagement: true, version: 3 });
      expectError(
        await t.request('PUT', '/api/v1/sales-orders/SO-O1', {
          as: 'integration',
          headers: ifMatch(3),
          body: { customerId: 'O1', amount: '150.00', excludeFromCreditManagement: false },
        }),
        403,
        'forbidden',
      );
    });

    it('credit attributes: credit staff edit them (references checked); the feed may repeat them, not change them', async () => {
      await putSetup(t, 'account-statuses', 'WATCH', { description: 'Watch list' });
      await putSetup(t, 'credit-management-groups', 'KEY', { description: 'Key accounts' });
      await putCustomer(t, 'P1', { accountStatusId: 'WATCH', creditRating: 'BBB' });
      const refused = await profile(
        'P1',
        {
          accountStatusId: 'NOPE',
          statusReasonId: 'NOREASON',
          creditManagementGroupId: 'NOGROUP',
          riskInputs: { NORULE: 'x' },
        },
        1,
      );
      expect(expectError(refused, 422, 'rule_violation').map((d) => d.path)).toEqual([
        'accountStatusId',
        'creditManagementGroupId',
        'statusReasonId',
        'riskInputs.NORULE',
      ]);
      const edited = ok(
        await profile(
          'P1',
          {
            accountStatusId: null,
            creditManagementGroupId: 'KEY',
            creditRating: 'A',
            lastReviewDate: '2026-01-15',
            nextScheduledReviewDate: '2027-01-15',
            eligibleCreditLimit: '25000.00',
            mandatoryCreditLimit: true,
          },
          1,
          'credit_manager',
        ),
      );
      expect(edited).toMatchObject({
        accountStatusId: null,
        creditManagementGroupId: 'KEY',
        creditRating: 'A',
        lastReviewDate: '2026-01-15',
        eligibleCreditLimit: '25000.00',
        mandatoryCreditLimit: true,
        creditLimit: '10000.00',
        version: 2,
      });
      // The feed's stale copy would undo that: refused, naming each field.
      const stale = await feed('P1', { creditLimit: '10000.00', accountStatusId: 'WATCH', creditRating: 'BBB' }, 2);
      expect(expectError(stale, 403, 'forbidden').map((d) => d.path)).toEqual(['accountStatusId', 'creditRating']);
      expect(
        ok(
          await feed(
            'P1',
            { creditLimit: '10000.00', accountStatusId: null, creditRating: 'A', creditManagementGroupId: 'KEY' },
            2,
          ),
        ),
      ).toMatchObject({ version: 3, creditRating: 'A' });
      // Limits are not credit attributes: the profile refuses them as unknown fields.
      expectError(await profile('P1', { creditLimit: '1.00' }, 3), 400, 'invalid_request');
    });
  });

  describe('item 3: four eyes means four eyes', () => {
    const act = (
      id: string,
      action: string,
      as: 'credit_manager' | 'credit_manager_2' | 'credit_clerk' | 'admin',
      version: number,
      body: unknown = {},
    ) => t.request('POST', `/api/v1/adjustment-journals/${id}/${action}`, { as, headers: ifMatch(version), body });
    const journal = async (as: 'credit_manager' | 'credit_clerk', lines: unknown[]) =>
      ok(
        await t.request('POST', '/api/v1/adjustment-journals', {
          as,
          body: { type: 'creditLimit', description: 'four eyes', lines },
        }),
        201,
      );

    it('the creator (even when a clerk submits), the submitter and whoever put lines on it cannot approve a journal or its lines', async () => {
      await setParameters(t, { requireAdjustmentApproval: true, adjustmentLineApprovalAmount: '1000.00' });
      try {
        for (const id of ['F1', 'F2']) await putCustomer(t, id, { creditLimit: '100.00' });
        const j = await journal('credit_manager', [{ customerId: 'F1', newCreditLimit: '5000.00' }]);
        // A second manager adds a line: now both managers are parties to it.
        ok(
          await t.request('POST', `/api/v1/adjustment-journals/${j.id}/lines`, {
            as: 'credit_manager_2',
            body: { lines: [{ customerId: 'F2', newCreditLimit: '200.00' }] },
          }),
        );
        const submitted = ok(await act(j.id, 'submit', 'credit_clerk', 2));
        expect(submitted.lines.map((l: any) => l.approvalStatus)).toEqual(['pending', 'none']);
        const before = await snapshot(t);
        for (const as of ['credit_manager', 'credit_manager_2'] as const) {
          expect(expectError(await act(j.id, 'approve', as, 3), 422, 'rule_violation')).toEqual([]);
          expectError(
            await t.request('POST', `/api/v1/adjustment-journals/${j.id}/lines/1/approve`, {
              as,
              headers: ifMatch(3),
              body: {},
            }),
            422,
            'rule_violation',
          );
        }
        await expectUnchanged(t, before);
        expectError(await act(j.id, 'post', 'credit_manager', 3), 422, 'rule_violation');
        // A third credit manager, party to nothing, approves the line and the journal; then it posts.
        const third = ok(
          await t.request('POST', '/api/v1/users', { body: { name: 'Third manager', role: 'credit_manager' } }),
          201,
        );
        const asThird = (path: string, version: number) =>
          t.request('POST', `/api/v1/adjustment-journals/${j.id}/${path}`, {
            token: third.token,
            headers: ifMatch(version),
            body: {},
          });
        ok(await asThird('lines/1/approve', 3));
        ok(await asThird('approve', 4));
        expect((await customer('F1')).creditLimit).toBe('100.00');
        ok(await act(j.id, 'post', 'credit_manager', 5));
        expect([(await customer('F1')).creditLimit, (await customer('F2')).creditLimit]).toEqual(['5000.00', '200.00']);
      } finally {
        await setParameters(t, { requireAdjustmentApproval: false, adjustmentLineApprovalAmount: null });
      }
    });

    it('the per-line threshold is judged at posting against the limit then: journal B lowering the limit first does not let A raise it 100 → 42,900 unapproved', async () => {
      await setParameters(t, { adjustmentLineApprovalAmount: '10000.00' });
      try {
        await putCustomer(t, 'G1', { creditLimit: '40000.00' });
        // A: 40,000 → 42,900 (+2,900: under the threshold when written). B: 40,000 → 100.
        const a = await journal('credit_clerk', [{ customerId: 'G1', newCreditLimit: '42900.00' }]);
        const b = await journal('credit_clerk', [{ customerId: 'G1', newCreditLimit: '100.00' }]);
        ok(await act(b.id, 'post', 'credit_manager', 1));
        expect((await customer('G1')).creditLimit).toBe('100.00');
        const before = await snapshot(t);
        const refused = await act(a.id, 'post', 'credit_manager', 1);
        expect(expectError(refused, 422, 'rule_violation')).toEqual([
          {
            path: 'lines.1',
            message: 'awaits line approval: raises the limit by more than 10000.00 over the limit it now has (100.00)',
          },
        ]);
        await expectUnchanged(t, before);
        // Submitting judges against the limit now, so the line waits; another manager approves it; then it posts.
        const submitted = ok(await act(a.id, 'submit', 'credit_clerk', 1));
        expect(submitted.lines[0]).toMatchObject({ currentCreditLimit: '100.00', approvalStatus: 'pending' });
        ok(
          await t.request('POST', `/api/v1/adjustment-journals/${a.id}/lines/1/approve`, {
            as: 'credit_manager',
            headers: ifMatch(2),
            body: {},
          }),
        );
        ok(await act(a.id, 'post', 'credit_manager_2', 3));
        expect((await customer('G1')).creditLimit).toBe('42900.00');
      } finally {
        await setParameters(t, { adjustmentLineApprovalAmount: null });
      }
    });
  });

  describe('item 4: a release cannot open a decade of grace', () => {
    it('a release dated ahead of today, or before its hold, is a 422 and changes nothing; a posting dated 2099 does not open its window in 2099', async () => {
      await setCheckpoints(t, [
        { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: 2 },
        { checkpoint: 'packingSlip', posting: true, proForma: false, graceDays: 2 },
      ]);
      for (const id of ['R1', 'R2'])
        await addRule(t, {
          ruleType: 'creditLimitUsed',
          kind: 'blocking',
          validFor: 'table',
          accountOrGroup: id,
          percent: 100,
        });
      await putCustomer(t, 'R1', { creditLimit: '1000.00' });
      await putOrder(t, 'SO-R1', 'R1', '5000.00');
      const hold = ok(await postOrder(t, 'SO-R1', { asOf: addDays(today(), -1) })).hold;
      const release = (asOf: string) =>
        t.request('POST', `/api/v1/holds/${hold.id}/release`, {
          as: 'credit_manager',
          headers: ifMatch(1),
          body: { reasonCode: 'REL', reviewDate: '2030-01-01', mode: 'withoutPosting', asOf },
        });
      const before = await snapshot(t);
      expect(expectError(await release('2099-12-31'), 422, 'rule_violation')).toEqual([
        { path: 'asOf', message: `must be ${today()} or earlier` },
      ]);
      expect(expectError(await release(addDays(today(), 1)), 422, 'rule_violation')[0]!.path).toBe('asOf');
      expect(expectError(await release(addDays(today(), -2)), 422, 'rule_violation')).toEqual([
        { path: 'asOf', message: `must be ${addDays(today(), -1)} or later` },
      ]);
      expectError(
        await t.request('POST', '/api/v1/holds:evaluate', {
          as: 'credit_manager',
          body: { holdIds: [hold.id], asOf: '2099-12-31' },
        }),
        422,
        'rule_violation',
      );
      await expectUnchanged(t, before);
      expect(ok(await release(today())).hold).toMatchObject({ status: 'released' });

      // A check passed on a posting dated 2099 counts its grace window from today, not from 2099:
      // three days later the order is checked again.
      await putCustomer(t, 'R2', { creditLimit: '100000.00' });
      await putOrder(t, 'SO-R2', 'R2', '5000.00');
      expect(ok(await postOrder(t, 'SO-R2', { asOf: '2099-12-31' }))).toMatchObject({ posted: true });
      expect(await getOrder(t, 'SO-R2')).toMatchObject({ creditStatus: 'clear' });
      ok(await feed('R2', { creditLimit: '1000.00' }, 1));
      expect(ok(await postOrder(t, 'SO-R2', { asOf: addDays(today(), 3), checkpoint: 'packingSlip' }))).toMatchObject({
        posted: false,
        hold: { checkpoint: 'packingSlip' },
      });
    });
  });

  describe('item 5: account status holds work', () => {
    it('"invoice" stops invoice postings and "all" every posting, pro forma and a release\'s posting included, with a 422 naming the status', async () => {
      await setCheckpoints(t, postingCheckpoints('confirmation'));
      await putSetup(t, 'account-statuses', 'INV-HOLD', {
        description: 'No invoicing',
        invoicingAndDeliveryHold: 'invoice',
      });
      await putSetup(t, 'account-statuses', 'ALL-HOLD', {
        description: 'Stop everything',
        invoicingAndDeliveryHold: 'all',
      });
      await putCustomer(t, 'S1', { creditLimit: '100000.00', accountStatusId: 'INV-HOLD' });
      await putOrder(t, 'SO-S1', 'S1', '100.00');
      expect(ok(await postOrder(t, 'SO-S1', { checkpoint: 'packingSlip' }))).toMatchObject({ posted: true });
      const before = await snapshot(t);
      const refused = await postOrder(t, 'SO-S1', { checkpoint: 'invoice' });
      expect(expectError(refused, 422, 'rule_violation')).toEqual([
        { path: 'checkpoint', message: 'refused by the account status (invoice)' },
      ]);
      expect(refused.body.error.message).toBe(
        'customer S1 has account status INV-HOLD, whose invoicing and delivery hold is "invoice": no invoice posting until that changes',
      );
      await expectUnchanged(t, before);

      ok(await profile('S1', { accountStatusId: 'ALL-HOLD' }, 1));
      await putOrder(t, 'SO-S2', 'S1', '100.00');
      for (const body of [
        { checkpoint: 'confirmation' },
        { checkpoint: 'confirmation', postingType: 'proForma' },
        { checkpoint: 'packingSlip' },
      ]) {
        expect(expectError(await postOrder(t, 'SO-S2', body), 422, 'rule_violation')[0]!.message).toBe(
          'refused by the account status (all)',
        );
      }
      // Excluded from credit management or not: the status is the account's, not a credit decision.
      ok(
        await t.request('PATCH', '/api/v1/sales-orders/SO-S2/credit-management', {
          as: 'credit_manager',
          headers: ifMatch(1),
          body: { excludeFromCreditManagement: true },
        }),
      );
      expectError(await postOrder(t, 'SO-S2'), 422, 'rule_violation');
      // Another customer, held by the rules; once its status stops everything, releasing with posting is refused whole.
      await addRule(t, {
        ruleType: 'creditLimitUsed',
        kind: 'blocking',
        validFor: 'table',
        accountOrGroup: 'S3',
        percent: 100,
      });
      await putCustomer(t, 'S3', { creditLimit: '10.00' });
      await putOrder(t, 'SO-S3', 'S3', '100.00');
      const hold = ok(await postOrder(t, 'SO-S3', { asOf: today() })).hold;
      ok(await profile('S3', { accountStatusId: 'ALL-HOLD' }, 1));
      const release = await t.request('POST', `/api/v1/holds/${hold.id}/release`, {
        as: 'credit_manager',
        headers: ifMatch(1),
        body: { reasonCode: 'REL', reviewDate: '2030-01-01', mode: 'withPosting' },
      });
      expectError(release, 422, 'rule_violation');
      expect(ok(await t.request('GET', `/api/v1/holds/${hold.id}`))).toMatchObject({ status: 'onHold', version: 1 });
      // Changing the status lets postings through again.
      ok(await profile('S1', { accountStatusId: null }, 2));
      expect(ok(await postOrder(t, 'SO-S1', { checkpoint: 'invoice' }))).toMatchObject({ posted: true });
    });
  });

  describe('item 7: no dangling references', () => {
    it('setup rows a customer, an open order, a rule, a hold or an agent names cannot be deleted (422 naming the user); unused ones can', async () => {
      await putSetup(t, 'payment-terms', 'NET45', { description: 'Net 45', days: 45 });
      await putSetup(t, 'payment-terms', 'NET90', { description: 'Net 90', days: 90 });
      await putSetup(t, 'cash-discounts', 'CD9', { description: '2% 10 days', rank: 1 });
      await putSetup(t, 'account-statuses', 'DORMANT', { description: 'Dormant' });
      await reasonCode(t, 'REL2', 'release');
      await putCustomer(t, 'U1', { paymentTermsId: 'NET45', accountStatusId: 'DORMANT' });
      await putOrder(t, 'SO-U1', 'U1', '10.00', { paymentTermsId: 'NET90', cashDiscountId: 'CD9' });
      await setCheckpoints(t, postingCheckpoints('confirmation'));
      await addRule(t, {
        ruleType: 'creditLimitUsed',
        kind: 'blocking',
        validFor: 'table',
        accountOrGroup: 'U2',
        percent: 100,
      });
      await putCustomer(t, 'U2', { creditLimit: '1.00' });
      await putOrder(t, 'SO-U2', 'U2', '100.00');
      const hold = ok(await postOrder(t, 'SO-U2', { asOf: today() })).hold;
      ok(
        await t.request('POST', `/api/v1/holds/${hold.id}/release`, {
          as: 'credit_manager',
          headers: ifMatch(1),
          body: { reasonCode: 'REL2', reviewDate: '2030-01-01', mode: 'withoutPosting' },
        }),
      );
      const del = (path: string) =>
        t.request('DELETE', `/api/v1/${path}`, { as: 'credit_manager', headers: ifMatch(1) });
      const before = await snapshot(t);
      expect(expectError(await del('payment-terms/NET45'), 422, 'rule_violation')).toEqual([
        { path: 'id', message: 'used by customer U1' },
      ]);
      expect(expectError(await del('payment-terms/NET90'), 422, 'rule_violation')).toEqual([
        { path: 'id', message: 'used by open sales order SO-U1' },
      ]);
      expect(expectError(await del('cash-discounts/CD9'), 422, 'rule_violation')).toEqual([
        { path: 'id', message: 'used by open sales order SO-U1' },
      ]);
      expect(expectError(await del('account-statuses/DORMANT'), 422, 'rule_violation')).toEqual([
        { path: 'id', message: 'used by customer U1' },
      ]);
      expect(expectError(await del('reason-codes/REL2'), 422, 'rule_violation')).toEqual([
        { path: 'id', message: `used by credit hold ${hold.id}` },
      ]);
      await expectUnchanged(t, before);
      // Once nothing names it, it goes.
      ok(await t.request('POST', '/api/v1/sales-orders/SO-U1/cancel', { as: 'integration', headers: ifMatch(1) }));
      ok(await del('payment-terms/NET90'));
      ok(await del('cash-discounts/CD9'));
    });
  });
});
