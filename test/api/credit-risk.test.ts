// Risk scoring over HTTP on both dialects (credit.md §1.7, §1.8, §2.3, §7; SPEC §5):
// the setup kinds risk-groups, scoring-rules and automatic-limit-setups, their refusals (with a
// read-back that nothing changed), the worked example E40 end to end (scores, risk group, and the
// blocking rules it narrows), scoring from what the database holds, and automatic limits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges, allCustomers, expectError } from '../support/conventions';
import { ifMatch, listAll } from '../support/credit-setup';
import {
  addRule,
  holdsOf,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  setCheckpoints,
  setParameters,
} from '../support/credit';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import { automaticLimitsFor } from '../../server/credit/risk/risk.service';

const AS_OF = '2025-06-30';

describe.each(DIALECTS)('risk scoring on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(dialect);
  });
  afterEach(async () => t.close());

  const put = (
    collection: string,
    id: string,
    body: unknown,
    options: {
      as?: 'credit_manager' | 'admin' | 'credit_clerk' | 'collections_agent' | 'integration';
      version?: number;
    } = {},
  ) =>
    t.request('PUT', `/api/v1/${collection}/${id}`, {
      as: options.as ?? 'credit_manager',
      body,
      ...(options.version ? { headers: ifMatch(options.version) } : {}),
    });
  const created = async (collection: string, id: string, body: unknown) => ok(await put(collection, id, body), 201);
  const update = (
    body: Record<string, unknown>,
    as: 'credit_manager' | 'admin' | 'credit_clerk' | 'collections_agent' | 'integration' = 'credit_manager',
  ) => t.request('POST', '/api/v1/risk-scores:update', { as, body: { asOf: AS_OF, ...body } });
  const customer = async (id: string) => ok(await t.request('GET', `/api/v1/customers/${id}`));

  /** E40's risk classes [3p]: Low 0–35, Medium 36–60, High 61–100. */
  async function bands() {
    await created('risk-groups', 'Low', { description: 'Low risk', fromScore: 0, toScore: '35', indicator: 'green' });
    await created('risk-groups', 'Medium', { description: 'Medium risk', fromScore: '36.00', toScore: 60 });
    await created('risk-groups', 'High', { description: 'High risk', fromScore: 61, toScore: 100, indicator: 'red' });
  }
  /** E40's scoring groups: credit management group STD → 30; a hand-entered growth index, strong → 50. */
  async function e40Rules() {
    await created('scoring-rules', 'CMG', {
      description: 'Credit management group',
      groupType: 'creditManagementGroup',
      scoreType: 'userDefined',
      lines: [
        { value: 'STD', score: 30 },
        { value: 'KEY', score: '10.00' },
      ],
    });
    await created('scoring-rules', 'GROWTH', {
      description: 'Growth index',
      groupType: 'userDefined',
      scoreType: 'userDefined',
      lines: [
        { value: 'strong', score: 50 },
        { value: 'flat', score: 5 },
      ],
    });
  }

  /** Everything a refused request could have changed, read back through the API. */
  async function riskState() {
    return {
      riskGroups: await listAll(t, '/api/v1/risk-groups'),
      scoringRules: await listAll(t, '/api/v1/scoring-rules'),
      setups: await listAll(t, '/api/v1/automatic-limit-setups'),
      customers: await allCustomers(t),
      changes: await allChanges(t),
      audit: await allAudit(t),
    };
  }

  describe('setup kinds', () => {
    it('risk groups: PUT creates with scores as 2-decimal strings, GET and list read it back, If-Match replaces, DELETE removes; logged as riskGroup', async () => {
      const low = await created('risk-groups', 'Low', {
        description: 'Low risk',
        fromScore: 0,
        toScore: '35',
        indicator: 'green',
      });
      expect(low).toMatchObject({
        id: 'Low',
        description: 'Low risk',
        fromScore: '0.00',
        toScore: '35.00',
        indicator: 'green',
        version: 1,
      });
      const medium = await created('risk-groups', 'Medium', {
        description: 'Medium risk',
        fromScore: 36,
        toScore: '49.99',
      });
      expect(medium).toMatchObject({ fromScore: '36.00', toScore: '49.99', indicator: null });
      expect(ok(await t.request('GET', '/api/v1/risk-groups/Low', { as: 'collections_agent' }))).toEqual(low);
      expect((await listAll(t, '/api/v1/risk-groups')).map((r) => [r.id, r.fromScore, r.toScore])).toEqual([
        ['Low', '0.00', '35.00'],
        ['Medium', '36.00', '49.99'],
      ]);
      // Widening a band up to its neighbour is fine: a band never overlaps itself.
      const wider = ok(
        await put(
          'risk-groups',
          'Low',
          { description: 'Low risk', fromScore: 0, toScore: '35.99' },
          { as: 'admin', version: 1 },
        ),
      );
      expect(wider).toMatchObject({ toScore: '35.99', indicator: null, version: 2 });
      ok(await t.request('DELETE', '/api/v1/risk-groups/Medium', { as: 'credit_manager', headers: ifMatch(1) }));
      expectError(await t.request('GET', '/api/v1/risk-groups/Medium'), 404, 'not_found');
      const changes = (await allChanges(t)).filter((c) => c.entity === 'riskGroup').map((c) => [c.id, c.op, c.version]);
      expect(changes).toEqual([
        ['Low', 'create', 1],
        ['Medium', 'create', 1],
        ['Low', 'update', 2],
        ['Medium', 'delete', 2],
      ]);
      expect((await allAudit(t, '&entity=riskGroup&id=Low')).map((a) => a.action)).toEqual([
        'riskGroup.create',
        'riskGroup.update',
      ]);
    });

    it('scoring rules: range lines (open ends allowed) and value lines are stored normalised and read back', async () => {
      const apd = await created('scoring-rules', 'APD', {
        description: 'Average payment days',
        groupType: 'averagePaymentDays',
        scoreType: 'range',
        lines: [
          { fromValue: 0, toValue: 30, score: 10 },
          { fromValue: '30.01', toValue: null, score: '20.5' },
        ],
      });
      expect(apd).toMatchObject({
        id: 'APD',
        groupType: 'averagePaymentDays',
        scoreType: 'range',
        lines: [
          { fromValue: '0.00', toValue: '30.00', score: '10.00' },
          { fromValue: '30.01', toValue: null, score: '20.50' },
        ],
        version: 1,
      });
      const yrs = await created('scoring-rules', 'YRS', {
        description: 'Years as customer',
        groupType: 'customerSince',
        scoreType: 'userDefined',
        lines: [{ value: 5, score: 7 }],
      });
      expect(yrs.lines).toEqual([{ value: '5', score: '7.00' }]);
      expect(ok(await t.request('GET', '/api/v1/scoring-rules/APD'))).toEqual(apd);
      expect((await allAudit(t, '&entity=scoringRule&id=YRS'))[0]).toMatchObject({
        action: 'scoringRule.create',
        after: { lines: [{ value: '5', score: '7.00' }] },
      });
    });

    it('automatic limit setups: operators in any accepted spelling are stored as = ≠ < ≤ > ≥; money as 2-decimal strings', async () => {
      await bands();
      await e40Rules();
      await created('scoring-rules', 'YRS', {
        description: 'Years in business',
        groupType: 'inBusinessSince',
        scoreType: 'range',
        lines: [{ fromValue: 0, toValue: null, score: 0 }],
      });
      const setup = await created('automatic-limit-setups', 'LOW-USD', {
        riskGroupId: 'Low',
        currency: 'USD',
        maxRevenue: 1000000,
        lines: [
          { scoringRuleId: 'YRS', operator: '>=', value: 5, creditLimit: 100000 },
          { scoringRuleId: 'YRS', operator: '≥', value: '10', creditLimit: '200000.00' },
          { scoringRuleId: 'CMG', operator: '!=', value: 'KEY', creditLimit: '1.5' },
          { scoringRuleId: 'YRS', operator: '<', value: '1', creditLimit: 0 },
        ],
      });
      expect(setup).toMatchObject({
        riskGroupId: 'Low',
        currency: 'USD',
        maxRevenue: '1000000.00',
        lines: [
          { scoringRuleId: 'YRS', operator: '≥', value: '5', creditLimit: '100000.00' },
          { scoringRuleId: 'YRS', operator: '≥', value: '10', creditLimit: '200000.00' },
          { scoringRuleId: 'CMG', operator: '≠', value: 'KEY', creditLimit: '1.50' },
          { scoringRuleId: 'YRS', operator: '<', value: '1', creditLimit: '0.00' },
        ],
        version: 1,
      });
      // The same risk group in another currency is another setup.
      ok(
        await put('automatic-limit-setups', 'LOW-EUR', {
          riskGroupId: 'Low',
          currency: 'EUR',
          maxRevenue: 0,
          lines: [{ scoringRuleId: 'CMG', operator: '=', value: 'STD', creditLimit: 10 }],
        }),
        201,
      );
      expect((await listAll(t, '/api/v1/automatic-limit-setups')).map((s) => [s.id, s.currency])).toEqual([
        ['LOW-EUR', 'EUR'],
        ['LOW-USD', 'USD'],
      ]);
    });
  });

  describe('bad input changes nothing', () => {
    it('overlapping risk groups (inclusive ends) and an inverted band are 422', async () => {
      await bands();
      const before = await riskState();
      const overlap = await put('risk-groups', 'MedHigh', {
        description: 'Medium-high',
        fromScore: '35.00',
        toScore: '36.00',
      });
      const details = expectError(overlap, 422, 'rule_violation');
      expect(details.map((d) => d.path)).toEqual(['fromScore']);
      expect(details[0]!.message).toContain('Low (0.00–35.00)');
      expect(details[0]!.message).toContain('Medium (36.00–60.00)');
      expectError(
        await put('risk-groups', 'Top', { description: 'Top', fromScore: '100.00', toScore: 150 }),
        422,
        'rule_violation',
      );
      // Replacing Medium so that it reaches into High is refused too.
      expectError(
        await put('risk-groups', 'Medium', { description: 'Medium risk', fromScore: 36, toScore: 61 }, { version: 1 }),
        422,
        'rule_violation',
      );
      expect(
        expectError(
          await put('risk-groups', 'Odd', { description: 'Odd', fromScore: 200, toScore: 150 }),
          422,
          'rule_violation',
        ).map((d) => d.path),
      ).toEqual(['toScore']);
      expect(
        expectError(
          await put('risk-groups', 'Odd', { description: 'Odd', fromScore: '200.001', toScore: 300 }),
          400,
          'invalid_request',
        ).map((d) => d.path),
      ).toEqual(['fromScore']);
      expect(await riskState()).toEqual(before);
    });

    it('scoring rules: labels scored by range, overlapping or inverted ranges, repeated or non-numeric values are 422; bad shapes are 400', async () => {
      const before = await riskState();
      const rule = (body: Record<string, unknown>) => put('scoring-rules', 'BAD', { description: 'Bad', ...body });
      const paths422 = async (body: Record<string, unknown>) =>
        expectError(await rule(body), 422, 'rule_violation').map((d) => d.path);
      expect(await paths422({ groupType: 'accountStatus', scoreType: 'range', lines: [] })).toEqual(['scoreType']);
      expect(
        await paths422({
          groupType: 'daysSalesOutstanding',
          scoreType: 'range',
          lines: [
            { fromValue: 0, toValue: 30, score: 1 },
            { fromValue: 30, toValue: 60, score: 2 },
          ],
        }),
      ).toEqual(['lines.1.fromValue']);
      expect(
        await paths422({
          groupType: 'daysSalesOutstanding',
          scoreType: 'range',
          lines: [{ fromValue: 60, toValue: 30, score: 1 }],
        }),
      ).toEqual(['lines.0.toValue']);
      expect(
        await paths422({
          groupType: 'creditManagementGroup',
          scoreType: 'userDefined',
          lines: [
            { value: 'STD', score: 1 },
            { value: 'STD', score: 2 },
          ],
        }),
      ).toEqual(['lines.1.value']);
      expect(
        await paths422({
          groupType: 'customerSince',
          scoreType: 'userDefined',
          lines: [
            { value: 'five', score: 1 },
            { value: '5', score: 1 },
            { value: '5.00', score: 2 },
          ],
        }),
      ).toEqual(['lines.0.value', 'lines.2.value']);
      const paths400 = async (body: Record<string, unknown>) =>
        expectError(await rule(body), 400, 'invalid_request').map((d) => d.path);
      expect(await paths400({ groupType: 'weather', scoreType: 'range', lines: [] })).toEqual(['groupType']);
      expect(
        await paths400({
          groupType: 'averageBalance',
          scoreType: 'range',
          lines: [{ fromValue: 0, toValue: 1, score: '1.005' }],
        }),
      ).toEqual(['lines.0.score']);
      expect(
        await paths400({
          groupType: 'averageBalance',
          scoreType: 'range',
          lines: [{ fromValue: 0, toValue: 1, score: 1, colour: 'red' }],
        }),
      ).toEqual(['lines.0.colour']);
      expect(
        await paths400({
          groupType: 'averageBalance',
          scoreType: 'userDefined',
          lines: [{ fromValue: 0, toValue: 1, score: 1 }],
        }),
      ).toContain('lines.0.value');
      expect(await riskState()).toEqual(before);
    });

    it('automatic limit setups: an unknown operator is 400; unknown references, label orderings, non-numeric values and a second setup for the same group and currency are 422', async () => {
      await bands();
      await e40Rules();
      await created('scoring-rules', 'DSO', {
        description: 'DSO',
        groupType: 'daysSalesOutstanding',
        scoreType: 'range',
        lines: [],
      });
      await created('automatic-limit-setups', 'HIGH-USD', {
        riskGroupId: 'High',
        currency: 'USD',
        maxRevenue: 100,
        lines: [{ scoringRuleId: 'DSO', operator: '<', value: 30, creditLimit: 5000 }],
      });
      const before = await riskState();
      const setup = (line: Record<string, unknown>, over: Record<string, unknown> = {}) =>
        put('automatic-limit-setups', 'NEW', {
          riskGroupId: 'Medium',
          currency: 'USD',
          maxRevenue: '5000.00',
          lines: [{ scoringRuleId: 'DSO', operator: '<', value: '30', creditLimit: '1000.00', ...line }],
          ...over,
        });
      expect(expectError(await setup({ operator: '~' }), 400, 'invalid_request').map((d) => d.path)).toEqual([
        'lines.0.operator',
      ]);
      expect(expectError(await setup({ creditLimit: '-1.00' }), 400, 'invalid_request').map((d) => d.path)).toEqual([
        'lines.0.creditLimit',
      ]);
      expect(expectError(await setup({}, { lines: [] }), 400, 'invalid_request').map((d) => d.path)).toEqual(['lines']);
      const paths422 = async (line: Record<string, unknown>, over: Record<string, unknown> = {}) =>
        expectError(await setup(line, over), 422, 'rule_violation').map((d) => d.path);
      expect(await paths422({}, { riskGroupId: 'Nowhere' })).toEqual(['riskGroupId']);
      expect(await paths422({ scoringRuleId: 'NOPE' })).toEqual(['lines.0.scoringRuleId']);
      expect(await paths422({ scoringRuleId: 'CMG', operator: '<', value: 'STD' })).toEqual(['lines.0.operator']);
      expect(await paths422({ value: 'thirty' })).toEqual(['lines.0.value']);
      expect(await paths422({}, { riskGroupId: 'High' })).toEqual(['currency']);
      expect(await riskState()).toEqual(before);
    });

    it('rows still in use cannot be deleted or changed out from under a setup (422)', async () => {
      await bands();
      await e40Rules();
      await created('scoring-rules', 'DSO', {
        description: 'DSO',
        groupType: 'daysSalesOutstanding',
        scoreType: 'range',
        lines: [],
      });
      await created('automatic-limit-setups', 'HIGH-USD', {
        riskGroupId: 'High',
        currency: 'USD',
        maxRevenue: 100,
        lines: [{ scoringRuleId: 'DSO', operator: '<', value: 30, creditLimit: 5000 }],
      });
      await addRule(t, {
        ruleType: 'salesOrder',
        kind: 'blocking',
        validFor: 'all',
        amount: '100.00',
        riskGroupId: 'Medium',
      });
      const before = await riskState();
      expectError(
        await t.request('DELETE', '/api/v1/risk-groups/High', { as: 'credit_manager', headers: ifMatch(1) }),
        422,
        'rule_violation',
      );
      expectError(
        await t.request('DELETE', '/api/v1/risk-groups/Medium', { as: 'credit_manager', headers: ifMatch(1) }),
        422,
        'rule_violation',
      );
      expectError(
        await t.request('DELETE', '/api/v1/scoring-rules/DSO', { as: 'credit_manager', headers: ifMatch(1) }),
        422,
        'rule_violation',
      );
      // DSO compared with "<" cannot become a label.
      const relabel = await put(
        'scoring-rules',
        'DSO',
        { description: 'DSO', groupType: 'country', scoreType: 'userDefined', lines: [] },
        { version: 1 },
      );
      expect(expectError(relabel, 422, 'rule_violation').map((d) => d.path)).toEqual(['groupType']);
      expect(await riskState()).toEqual(before);
      // Unused rows go: Low has no rule and no setup.
      ok(await t.request('DELETE', '/api/v1/risk-groups/Low', { as: 'credit_manager', headers: ifMatch(1) }));
    });

    it('a credit clerk, a collections agent and the integration get 403 on every write; every role reads', async () => {
      await bands();
      await e40Rules();
      await putCustomer(t, 'C1');
      const before = await riskState();
      for (const as of ['credit_clerk', 'collections_agent', 'integration'] as const) {
        expectError(
          await put('risk-groups', 'X', { description: 'X', fromScore: 200, toScore: 300 }, { as }),
          403,
          'forbidden',
        );
        expectError(
          await put(
            'scoring-rules',
            'X',
            { description: 'X', groupType: 'country', scoreType: 'userDefined', lines: [] },
            { as },
          ),
          403,
          'forbidden',
        );
        expectError(
          await put(
            'automatic-limit-setups',
            'X',
            {
              riskGroupId: 'Low',
              currency: 'USD',
              maxRevenue: 0,
              lines: [{ scoringRuleId: 'CMG', operator: '=', value: 'STD', creditLimit: 1 }],
            },
            { as },
          ),
          403,
          'forbidden',
        );
        expectError(
          await t.request('DELETE', '/api/v1/risk-groups/Low', { as, headers: ifMatch(1) }),
          403,
          'forbidden',
        );
        expectError(await update({ customerIds: ['C1'] }, as), 403, 'forbidden');
        expect(ok(await t.request('GET', '/api/v1/risk-groups', { as })).items).toHaveLength(3);
      }
      expect(await riskState()).toEqual(before);
      // The admin may run the update.
      expect(ok(await update({ customerIds: ['C1'] }, 'admin')).customers).toHaveLength(1);
    });

    it('risk-scores:update: unknown customers, values for computed or unknown groups, non-decimals for range groups are 422; bad shapes 400; nothing is scored', async () => {
      await bands();
      await e40Rules();
      await created('scoring-rules', 'IDX', {
        description: 'Index',
        groupType: 'userDefined',
        scoreType: 'range',
        lines: [{ fromValue: 0, toValue: 10, score: 1 }],
      });
      await putCustomer(t, 'C1', { creditManagementGroupId: 'STD' });
      await putCustomer(t, 'C2');
      const before = await riskState();
      const paths = async (body: Record<string, unknown>, status = 422, code = 'rule_violation') =>
        expectError(await update(body), status, code).map((d) => d.path);
      expect(await paths({ customerIds: ['C1', 'NOPE'] })).toEqual(['customerIds.1']);
      expect(await paths({ customerIds: ['C1'], userDefined: { C2: { GROWTH: 'strong' } } })).toEqual([
        'userDefined.C2',
      ]);
      expect(await paths({ userDefined: { C1: { CMG: 'KEY' } } })).toEqual(['userDefined.C1.CMG']);
      expect(await paths({ userDefined: { C1: { NOPE: 'x' } } })).toEqual(['userDefined.C1.NOPE']);
      expect(await paths({ userDefined: { C1: { IDX: 'high' } } })).toEqual(['userDefined.C1.IDX']);
      expect(await paths({ userDefined: { C1: { IDX: '1.234' } } })).toEqual(['userDefined.C1.IDX']);
      expect(await paths({ asOf: '2025-02-30' }, 400, 'invalid_request')).toEqual(['asOf']);
      expect(await paths({ customerIds: 'C1' }, 400, 'invalid_request')).toEqual(['customerIds']);
      expect(await paths({ everyone: true }, 400, 'invalid_request')).toEqual(['everyone']);
      expect(await riskState()).toEqual(before);
    });
  });

  describe('credit E40 end to end', () => {
    beforeEach(async () => {
      await setParameters(t, { creditLimitType: 'balancePlusAll', checkCreditLimitOnSalesOrder: true });
      await setCheckpoints(t, postingCheckpoints('confirmation'));
      await created('credit-management-groups', 'STD', { description: 'Standard' });
      await bands();
      await e40Rules();
      await putCustomer(t, 'C1', {
        creditLimit: '10000.00',
        creditLimitExpirationDate: '2025-12-31',
        creditManagementGroupId: 'STD',
      });
      await putCustomer(t, 'C2', { creditLimit: '10000.00', creditManagementGroupId: 'STD' });
    });

    it('credit E40 STD → 30 and growth index → 50 give riskScore "80.00" and risk group High, stored on the customer (version +1, change log, audit customer.riskScore)', async () => {
      const seq = (await allChanges(t)).at(-1)!.seq;
      const res = ok(await update({ customerIds: ['C1'], userDefined: { C1: { GROWTH: 'strong' } } }));
      expect(res).toEqual({
        updated: 1,
        asOf: AS_OF,
        customers: [
          {
            customerId: 'C1',
            riskScore: '80.00',
            riskGroupId: 'High',
            changed: true,
            version: 2,
            contributions: [
              { scoringRuleId: 'CMG', groupType: 'creditManagementGroup', input: 'STD', score: '30.00' },
              { scoringRuleId: 'GROWTH', groupType: 'userDefined', input: 'strong', score: '50.00' },
            ],
          },
        ],
      });
      const c1 = await customer('C1');
      // The hand-entered input is the customer's from now on (issue 18: kept for every later run).
      expect(c1).toMatchObject({
        riskScore: '80.00',
        riskGroupId: 'High',
        riskInputs: { GROWTH: 'strong' },
        version: 2,
        creditLimit: '10000.00',
        creditManagementGroupId: 'STD',
      });
      // C2 was not asked for: untouched.
      expect(await customer('C2')).toMatchObject({ riskScore: null, riskGroupId: null, version: 1 });
      expect((await allChanges(t, seq)).map((c) => [c.entity, c.id, c.op, c.version])).toEqual([
        ['customer', 'C1', 'update', 2],
      ]);
      const audit = await allAudit(t, '&entity=customer&id=C1');
      expect(audit.map((a) => a.action)).toEqual(['customer.create', 'customer.riskScore']);
      expect(audit[1]).toMatchObject({
        userId: t.userIds.credit_manager,
        before: { riskScore: null, riskGroupId: null, version: 1 },
        after: { riskScore: '80.00', riskGroupId: 'High', version: 2 },
      });

      // The same run again changes nothing: no new version, no change, no audit.
      const again = ok(await update({ customerIds: ['C1'], userDefined: { C1: { GROWTH: 'strong' } } }));
      expect(again).toMatchObject({
        updated: 0,
        customers: [{ customerId: 'C1', riskScore: '80.00', riskGroupId: 'High', changed: false, version: 2 }],
      });
      expect(await allChanges(t, seq)).toHaveLength(1);
      // A plain re-run keeps the stored growth value: still 80, High (it used to drop to 30, Low).
      expect(ok(await update({ customerIds: ['C1'] })).customers[0]).toMatchObject({
        riskScore: '80.00',
        riskGroupId: 'High',
        changed: false,
        version: 2,
      });
      // Credit staff remove the input; the next run scores without it: 30, Low.
      const removed = ok(
        await t.request('PATCH', '/api/v1/customers/C1/credit-profile', {
          as: 'credit_clerk',
          headers: { 'If-Match': '"2"' },
          body: { riskInputs: { GROWTH: null } },
        }),
      );
      expect(removed).toMatchObject({ riskInputs: {}, version: 3 });
      expect(ok(await update({ customerIds: ['C1'] })).customers[0]).toMatchObject({
        riskScore: '30.00',
        riskGroupId: 'Low',
        version: 4,
      });
      // A score between bands (35.50 is neither Low 0–35 nor Medium 36–60) has no risk group.
      ok(
        await put(
          'scoring-rules',
          'GROWTH',
          {
            description: 'Growth index',
            groupType: 'userDefined',
            scoreType: 'userDefined',
            lines: [{ value: 'strong', score: '5.5' }],
          },
          { version: 1 },
        ),
      );
      expect(
        ok(await update({ customerIds: ['C1'], userDefined: { C1: { GROWTH: 'strong' } } })).customers[0],
      ).toMatchObject({ riskScore: '35.50', riskGroupId: null, version: 5 });
      expect(await customer('C1')).toMatchObject({
        riskScore: '35.50',
        riskGroupId: null,
        riskInputs: { GROWTH: 'strong' },
        version: 5,
      });
    });

    it('generate mode automatic: a journal line for each customer whose risk group has a matching automatic-limit setup', async () => {
      ok(await update({ customerIds: ['C1', 'C2'], userDefined: { C1: { GROWTH: 'strong' } } }));
      // C1 is High (80), C2 Low (30): only High has a setup, so only C1 gets a line.
      await created('automatic-limit-setups', 'HIGH-USD', {
        riskGroupId: 'High',
        currency: 'USD',
        maxRevenue: '1000000.00',
        lines: [
          { scoringRuleId: 'CMG', operator: '=', value: 'STD', creditLimit: '4000.00' },
          { scoringRuleId: 'CMG', operator: '=', value: 'KEY', creditLimit: '9000.00' },
        ],
      });
      const journal = ok(
        await t.request('POST', '/api/v1/adjustment-journals', {
          as: 'credit_clerk',
          body: { type: 'creditLimit', description: 'automatic' },
        }),
        201,
      );
      const generated = ok(
        await t.request('POST', `/api/v1/adjustment-journals/${journal.id}/generate`, {
          as: 'credit_clerk',
          body: { mode: 'automatic', dates: { mode: 'absolute', newExpirationDate: '2030-06-30' } },
        }),
      );
      expect(generated.lines).toEqual([
        expect.objectContaining({
          lineNo: 1,
          customerId: 'C1',
          currentCreditLimit: '10000.00',
          newCreditLimit: '4000.00',
          newExpirationDate: '2030-06-30',
        }),
      ]);
    });

    it('credit E40 then a posting: a blocking rule for High holds C1; one for Medium does not; an unscored customer is in no risk group', async () => {
      const medium = await addRule(t, {
        ruleType: 'salesOrder',
        kind: 'blocking',
        validFor: 'all',
        amount: '100.00',
        riskGroupId: 'Medium',
      });
      // Before scoring C1 is in no risk group: the Medium rule does not apply.
      await putOrder(t, 'SO-0', 'C1', '500.00');
      expect(ok(await postOrder(t, 'SO-0')).posted).toBe(true);

      ok(await update({ userDefined: { C1: { GROWTH: 'strong' } } }));
      expect(await customer('C1')).toMatchObject({ riskScore: '80.00', riskGroupId: 'High' });
      // No customerIds: every customer is scored; C2 has only its group's 30 points.
      expect(await customer('C2')).toMatchObject({ riskScore: '30.00', riskGroupId: 'Low' });

      await putOrder(t, 'SO-1', 'C1', '500.00');
      expect(ok(await postOrder(t, 'SO-1')).posted).toBe(true);

      const high = await addRule(t, {
        ruleType: 'salesOrder',
        kind: 'blocking',
        validFor: 'all',
        amount: '100.00',
        riskGroupId: 'High',
      });
      await putOrder(t, 'SO-2', 'C1', '500.00');
      const held = ok(await postOrder(t, 'SO-2'));
      expect(held.posted).toBe(false);
      expect(held.hold).toMatchObject({
        salesOrderId: 'SO-2',
        customerId: 'C1',
        status: 'onHold',
        summaryReason: 'salesOrder',
      });
      expect(held.hold.reasons.map((r: any) => [r.ruleType, r.ruleId, r.measured, r.threshold])).toEqual([
        ['salesOrder', high, '500.00', '100.00'],
      ]);
      expect(held.hold.reasons.map((r: any) => r.ruleId)).not.toContain(medium);

      // C2 (Low) is held by neither rule.
      await putOrder(t, 'SO-3', 'C2', '500.00');
      expect(ok(await postOrder(t, 'SO-3')).posted).toBe(true);
      expect((await holdsOf(t, 'status=all')).map((h) => h.salesOrderId)).toEqual(['SO-2']);
    });
  });

  describe('scoring from the database', () => {
    /** Every predefined input type, each with lines that make its input visible in the score. */
    async function allRules() {
      await bands();
      const rule = (id: string, groupType: string, scoreType: 'range' | 'userDefined', lines: unknown[]) =>
        created('scoring-rules', id, { description: id, groupType, scoreType, lines });
      await rule('ACS', 'accountStatus', 'userDefined', [
        { value: 'NORMAL', score: 0 },
        { value: 'COLL', score: 40 },
      ]);
      await rule('APD', 'averagePaymentDays', 'range', [
        { fromValue: 0, toValue: 30, score: 10 },
        { fromValue: '30.01', toValue: 60, score: 20 },
      ]);
      await rule('BAL', 'averageBalance', 'range', [
        { fromValue: 0, toValue: 5000, score: 1 },
        { fromValue: '5000.01', toValue: null, score: 10 },
      ]);
      await rule('BIZ', 'inBusinessSince', 'userDefined', [{ value: '12', score: 3 }]);
      await rule('CMG', 'creditManagementGroup', 'userDefined', [{ value: 'STD', score: 30 }]);
      await rule('CTRY', 'country', 'userDefined', [{ value: 'DK', score: 2 }]);
      await rule('DSO', 'daysSalesOutstanding', 'range', [
        { fromValue: 0, toValue: 90, score: 0 },
        { fromValue: '90.01', toValue: null, score: 25 },
      ]);
      await rule('GRW', 'userDefined', 'range', [{ fromValue: 0, toValue: 10, score: 4 }]);
      await rule('YRS', 'customerSince', 'range', [
        { fromValue: 0, toValue: '4.99', score: 15 },
        { fromValue: 5, toValue: null, score: 5 },
      ]);
    }

    /**
     * D1, as of 2025-06-30: customer since 2020-07-01 (4 whole years), in business since
     * 2013-06-30 (12 years). Invoices: I0 5,000 of 2024-06-30 paid 30 days later (outside the
     * 12-month sales window, which starts after 2024-06-30); I1 1,000 paid after 30 days; I2 1,000
     * after 10 days; I5 1,000 only partly paid (600 open, not settled); I3 3,000 open.
     * Balance 3,600; 12-month sales 6,000; DSO = 3,600 / 6,000 × 365 = 219.00;
     * average payment days (30 + 30 + 10) / 3 = 23.33.
     */
    async function d1() {
      await putCustomer(t, 'D1', {
        customerSince: '2020-07-01',
        businessStartedDate: '2013-06-30',
        creditManagementGroupId: 'STD',
        accountStatusId: 'NORMAL',
      });
      await putCustomer(t, 'D2');
      const inv = (id: string, amount: string, transDate: string) => ({
        id,
        customerId: 'D1',
        type: 'invoice',
        amount,
        transDate,
        dueDate: transDate,
      });
      const pay = (id: string, amount: string, transDate: string) => ({
        id,
        customerId: 'D1',
        type: 'payment',
        amount,
        transDate,
      });
      await postTransactions(t, [
        inv('I0', '5000.00', '2024-06-30'),
        inv('I1', '1000.00', '2025-01-01'),
        inv('I2', '1000.00', '2025-02-01'),
        inv('I3', '3000.00', '2025-06-01'),
        inv('I5', '1000.00', '2025-03-01'),
        pay('P0', '-5000.00', '2024-07-30'),
        pay('P1', '-1000.00', '2025-01-31'),
        pay('P2', '-1000.00', '2025-02-11'),
        pay('P5', '-400.00', '2025-03-11'),
      ]);
      const settle = async (debitId: string, creditId: string, amount: string, date: string) =>
        ok(
          await t.request('POST', '/api/v1/settlements', {
            as: 'integration',
            body: { debitId, creditId, amount, date },
          }),
          201,
        );
      await settle('I0', 'P0', '5000.00', '2024-07-30');
      await settle('I1', 'P1', '1000.00', '2025-01-31');
      await settle('I2', 'P2', '1000.00', '2025-02-11');
      await settle('I5', 'P5', '400.00', '2025-03-11');
    }

    it('computes every input from the customer and its ledger, sums to 90.00 → High; a customer without data gets only what is known', async () => {
      await allRules();
      await d1();
      const res = ok(await update({ userDefined: { D1: { CTRY: 'DK', GRW: 7.5 } } }));
      expect(res.updated).toBe(2);
      const [d1Row, d2Row] = res.customers;
      expect(d1Row).toEqual({
        customerId: 'D1',
        riskScore: '90.00',
        riskGroupId: 'High',
        changed: true,
        version: 2,
        contributions: [
          { scoringRuleId: 'ACS', groupType: 'accountStatus', input: 'NORMAL', score: '0.00' },
          { scoringRuleId: 'APD', groupType: 'averagePaymentDays', input: '23.33', score: '10.00' },
          { scoringRuleId: 'BAL', groupType: 'averageBalance', input: '3600.00', score: '1.00' },
          { scoringRuleId: 'BIZ', groupType: 'inBusinessSince', input: '12.00', score: '3.00' },
          { scoringRuleId: 'CMG', groupType: 'creditManagementGroup', input: 'STD', score: '30.00' },
          { scoringRuleId: 'CTRY', groupType: 'country', input: 'DK', score: '2.00' },
          { scoringRuleId: 'DSO', groupType: 'daysSalesOutstanding', input: '219.00', score: '25.00' },
          { scoringRuleId: 'GRW', groupType: 'userDefined', input: '7.50', score: '4.00' },
          { scoringRuleId: 'YRS', groupType: 'customerSince', input: '4.00', score: '15.00' },
        ],
      });
      // D2: no dates, no ledger, no group: only the (zero) balance is known.
      expect(d2Row.riskScore).toBe('1.00');
      expect(d2Row.riskGroupId).toBe('Low');
      expect(
        d2Row.contributions.filter((c: any) => c.input !== null).map((c: any) => [c.scoringRuleId, c.input]),
      ).toEqual([['BAL', '0.00']]);
      expect(await customer('D1')).toMatchObject({ riskScore: '90.00', riskGroupId: 'High', version: 2 });

      // A day later D1 has been a customer for 5 whole years: 15 → 5 points, 80.00, still High.
      const later = ok(
        await update({ customerIds: ['D1'], asOf: '2025-07-01', userDefined: { D1: { CTRY: 'DK', GRW: '7.5' } } }),
      );
      expect(later.customers[0].contributions.find((c: any) => c.scoringRuleId === 'YRS')).toEqual({
        scoringRuleId: 'YRS',
        groupType: 'customerSince',
        input: '5.00',
        score: '5.00',
      });
      expect(later.customers[0]).toMatchObject({ riskScore: '80.00', riskGroupId: 'High', version: 3 });
    });

    it('automaticLimitsFor: the setup of the stored risk group and currency, ORed lines, highest limit, revenue (12-month sales) ≤ maxRevenue', async () => {
      await allRules();
      await d1();
      await putCustomer(t, 'E1', { currency: 'EUR', creditManagementGroupId: 'STD' });
      // High/USD: D1 has APD 23.33 < 25 (20,000) and group STD (30,000), not 5 years (50,000): 30,000.
      await created('automatic-limit-setups', 'HIGH-USD', {
        riskGroupId: 'High',
        currency: 'USD',
        maxRevenue: '6000.00',
        lines: [
          { scoringRuleId: 'YRS', operator: '≥', value: 5, creditLimit: 50000 },
          { scoringRuleId: 'APD', operator: '<', value: 25, creditLimit: 20000 },
          { scoringRuleId: 'CMG', operator: '=', value: 'STD', creditLimit: 30000 },
          { scoringRuleId: 'GRW', operator: '>', value: 0, creditLimit: 99999 },
        ],
      });
      await created('automatic-limit-setups', 'LOW-USD', {
        riskGroupId: 'Low',
        currency: 'USD',
        maxRevenue: 0,
        lines: [{ scoringRuleId: 'BAL', operator: '=', value: 0, creditLimit: 1000 }],
      });
      const limits = (options: Parameters<typeof automaticLimitsFor>[2] = { asOf: AS_OF }) =>
        runInTransaction(t.handle, SYSTEM, (tx) => automaticLimitsFor(tx, ['D1', 'D2', 'E1', 'NOPE'], options));

      // Nobody is in a risk group before the update.
      expect(await limits()).toEqual([]);
      ok(await update({ userDefined: { D1: { CTRY: 'DK' } } }));
      expect((await allCustomers(t)).map((c) => [c.id, c.riskGroupId])).toEqual([
        ['D1', 'High'],
        ['D2', 'Low'],
        ['E1', 'Low'],
      ]);
      expect(await limits()).toEqual([
        {
          customerId: 'D1',
          creditLimit: 3_000_000n,
          currency: 'USD',
          riskGroupId: 'High',
          setupId: 'HIGH-USD',
          scoringRuleId: 'CMG',
        },
        {
          customerId: 'D2',
          creditLimit: 100_000n,
          currency: 'USD',
          riskGroupId: 'Low',
          setupId: 'LOW-USD',
          scoringRuleId: 'BAL',
        },
      ]);
      // An entered growth value matches the highest line; revenue above maxRevenue drops the setup.
      expect((await limits({ asOf: AS_OF, userDefined: { D1: { GRW: '1' } } }))[0]).toMatchObject({
        customerId: 'D1',
        creditLimit: 9_999_900n,
        scoringRuleId: 'GRW',
      });
      expect((await limits({ asOf: AS_OF, revenue: new Map([['D1', 600_001n]]) })).map((l) => l.customerId)).toEqual([
        'D2',
      ]);
      // Reading only: nothing changed.
      expect((await customer('D1')).version).toBe(2);
    });
  });
});
