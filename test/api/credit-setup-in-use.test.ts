// Setup rows that other data still names cannot be deleted (422, nothing changed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { expectError } from '../support/conventions';
import { addRule, ok, putCustomer, putSetup } from '../support/credit';
import { ifMatch } from '../support/credit-setup';

describe.each(DIALECTS)('setup rows in use on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it('a credit management group with customers, or named by a group rule, stays; an unused one goes', async () => {
    for (const id of ['KEY', 'RISK', 'SPARE']) await putSetup(t, 'credit-management-groups', id, { description: id });
    await putCustomer(t, 'C1', { creditManagementGroupId: 'KEY' });
    const ruleId = await addRule(t, {
      ruleType: 'salesOrder',
      kind: 'blocking',
      validFor: 'group',
      accountOrGroup: 'RISK',
      amount: '1000.00',
    });
    const kept = expectError(
      await t.request('DELETE', '/api/v1/credit-management-groups/KEY', { as: 'credit_manager', headers: ifMatch(1) }),
      422,
      'rule_violation',
    );
    expect(kept).toEqual([{ path: 'id', message: 'used by customer C1' }]);
    const byRule = await t.request('DELETE', '/api/v1/credit-management-groups/RISK', {
      as: 'credit_manager',
      headers: ifMatch(1),
    });
    expectError(byRule, 422, 'rule_violation');
    expect(byRule.body.error.message).toContain(ruleId);
    ok(await t.request('GET', '/api/v1/credit-management-groups/KEY'));
    ok(
      await t.request('DELETE', '/api/v1/credit-management-groups/SPARE', {
        as: 'credit_manager',
        headers: ifMatch(1),
      }),
    );
    expectError(await t.request('GET', '/api/v1/credit-management-groups/SPARE'), 404, 'not_found');
  });
});
