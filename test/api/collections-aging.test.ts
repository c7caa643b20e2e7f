// Aging definitions, snapshots and the aged-balances list over HTTP on both dialects:
// collections.md §2 and §5, worked examples E1, E2, E4, E5, E7, E10, E11 and E32 end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import { auditActions, ok, postTransactions, putCustomer, setParameters } from '../support/credit';
import { allChanges, expectError, lastSeq } from '../support/conventions';
import { ifMatch } from '../support/credit-setup';
import { definitionBody, NOUNL as NOUNL_DEF, SNAP30 as SNAP30_DEF, STD as STD_DEF } from '../support/aging-definitions';

const A = '2024-06-30';

const STD = definitionBody(STD_DEF);
const SNAP30 = definitionBody(SNAP30_DEF);
const NOUNL = definitionBody(NOUNL_DEF);

const inv = (id: string, customerId: string, amount: string, dueDate: string, extra: Record<string, unknown> = {}) => ({
  id,
  customerId,
  type: 'invoice',
  amount,
  dueDate,
  transDate: '2024-01-01',
  ...extra,
});
const buckets = (row: any) => Object.fromEntries(row.buckets.map((b: any) => [b.label, b.amount]));
const put = async (t: TestApp, path: string, body: unknown, as: any = 'credit_manager') =>
  ok(await t.request('PUT', path, { as, body }), 201);
const snapshot = async (t: TestApp, body: Record<string, unknown>, as: any = 'collections_agent') =>
  ok(await t.request('POST', '/api/v1/aging-snapshots', { as, body: { asOf: A, ...body } }));
const aging = async (t: TestApp, query: string, token?: string) =>
  ok(await t.request('GET', `/api/v1/aging?limit=1000&${query}`, token ? { token } : { as: 'credit_clerk' }));
const rowOf = (list: any, customerId: string) => list.items.find((r: any) => r.customerId === customerId);
/** The one error shape, with `path` among its details. */
function expectPath(res: TestResponse, status: number, code: string, path: string): void {
  expect(expectError(res, status, code).map((d) => d.path)).toContain(path);
}

/** E1's invoices for C1 (and E4's items for C2). */
async function seedE1E4(t: TestApp) {
  await putCustomer(t, 'C1', { customerGroup: 'RETAIL' });
  await putCustomer(t, 'C2', { customerGroup: 'WHOLESALE' });
  await postTransactions(t, [
    inv('INV1', 'C1', '1000', '2024-07-15'),
    inv('INV2', 'C1', '500', '2024-06-30'),
    inv('INV3', 'C1', '300', '2024-06-01'),
    inv('INV4', 'C1', '200', '2024-05-31'),
    inv('INV5', 'C1', '150', '2024-05-30'),
    inv('INV6', 'C1', '400', '2024-04-01'),
    inv('INV7', 'C1', '250', '2024-03-31'),
    inv('INV-A', 'C2', '1000', '2024-03-15'),
    inv('INV-B', 'C2', '600', '2024-06-10'),
    {
      id: 'CN-1',
      customerId: 'C2',
      type: 'creditNote',
      amount: '-150',
      dueDate: '2024-06-20',
      transDate: '2024-06-20',
    },
    { id: 'PAY-1', customerId: 'C2', type: 'payment', amount: '-400', transDate: '2024-06-25' },
  ]);
}

describe.each(DIALECTS)('collections aging over HTTP on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await put(t, '/api/v1/aging-definitions/STD', STD);
    await put(t, '/api/v1/aging-definitions/SNAP30', SNAP30);
    await put(t, '/api/v1/aging-definitions/NOUNL', NOUNL);
    await seedE1E4(t);
  });
  afterAll(() => t.close());

  it("previews every line's date range for an as-of date (E2 periods of SNAP30)", async () => {
    const body = ok(await t.request('GET', `/api/v1/aging-definitions/SNAP30/periods?asOf=${A}`));
    expect(body.periods.map((p: any) => [p.label, p.from, p.to])).toEqual([
      ['90+', null, '2024-04-01'],
      ['60 days', '2024-04-02', '2024-05-01'],
      ['30 days', '2024-05-02', '2024-05-31'],
      ['Current', '2024-06-01', '2024-06-30'],
      ['Future', '2024-07-01', null],
    ]);
    expectPath(
      await t.request('GET', '/api/v1/aging-definitions/SNAP30/periods?asOf=2024-02-30'),
      400,
      'invalid_request',
      'query.asOf',
    );
  });

  it('collections E1 and E4: a snapshot with STD buckets by due date, credits by their own date', async () => {
    const run = await snapshot(t, { definitionId: 'STD' });
    expect(run).toMatchObject({ definitionId: 'STD', asOf: A, customers: 2, removed: 0 });
    const list = await aging(t, 'definitionId=STD');
    expect(list.periods).toEqual(['Over 90', '61-90', '31-60', '1-30', 'Current', 'Not due']);
    const c1 = rowOf(list, 'C1');
    expect(buckets(c1)).toEqual({
      'Over 90': '250.00',
      '61-90': '400.00',
      '31-60': '150.00',
      '1-30': '500.00',
      Current: '500.00',
      'Not due': '1000.00',
    });
    expect(c1).toMatchObject({
      amountDue: '2800.00',
      unbucketedAmount: '0.00',
      indicator: 'red',
      stale: false,
      creditLimit: '10000.00',
      remainingCredit: '7200.00',
      disputedCount: 0,
      id: 'STD:C1',
    });
    const c2 = rowOf(list, 'C2');
    expect(buckets(c2)).toMatchObject({ 'Over 90': '1000.00', '1-30': '50.00', Current: '0.00' });
    expect(c2.amountDue).toBe('1050.00');
  });

  it('collections E5: oldest-first credit placement takes the credits from the oldest bucket', async () => {
    await snapshot(t, { definitionId: 'STD', creditPlacement: 'oldestFirst' });
    const list = await aging(t, 'definitionId=STD');
    const c2 = rowOf(list, 'C2');
    expect(buckets(c2)).toMatchObject({ 'Over 90': '450.00', '1-30': '600.00' });
    expect(c2).toMatchObject({ amountDue: '1050.00', asOf: A });
    expect(list.runs).toEqual([
      {
        snapshotAt: c2.snapshotAt,
        asOf: A,
        criteria: 'dueDate',
        creditPlacement: 'oldestFirst',
        currency: 'USD',
        processedBy: t.userIds.collections_agent,
      },
    ]);
  });

  it('collections E2: SNAP30 without a zero line', async () => {
    await snapshot(t, { definitionId: 'SNAP30' });
    const c1 = rowOf(await aging(t, 'definitionId=SNAP30'), 'C1');
    expect(buckets(c1)).toEqual({
      '90+': '650.00',
      '60 days': '0.00',
      '30 days': '350.00',
      Current: '800.00',
      Future: '1000.00',
    });
  });

  it('collections E7: a definition without unlimited lines leaves an unbucketed amount', async () => {
    await putCustomer(t, 'C4');
    await postTransactions(t, [
      inv('C4-1', 'C4', '100', '2024-07-10'),
      inv('C4-2', 'C4', '200', '2024-06-15'),
      inv('C4-3', 'C4', '300', '2024-03-01'),
    ]);
    await snapshot(t, { definitionId: 'NOUNL' });
    const c4 = rowOf(await aging(t, 'definitionId=NOUNL'), 'C4');
    expect(buckets(c4)).toEqual({ '31-60': '0.00', '1-30': '200.00', Current: '0.00' });
    expect(c4).toMatchObject({ amountDue: '600.00', unbucketedAmount: '400.00' });
  });

  it('marks a row stale after a ledger change, refreshes one customer, and syncs with since', async () => {
    await snapshot(t, { definitionId: 'STD' });
    const first = await aging(t, 'definitionId=STD');
    expect(rowOf(first, 'C1').stale).toBe(false);
    const seq = first.lastSeq;
    await postTransactions(t, [inv('INV8', 'C1', '100', '2024-06-30')]);
    const later = await aging(t, `definitionId=STD&since=${seq}`);
    expect(later.items.map((r: any) => r.customerId)).toEqual(['C1']);
    expect(later.items[0]).toMatchObject({ stale: true, amountDue: '2800.00' });
    expect(later.removed).toEqual([]);

    const refreshed = ok(
      await t.request('POST', '/api/v1/customers/C1/aging-snapshot:refresh', {
        as: 'collections_agent',
        body: { definitionId: 'STD' },
      }),
    );
    expect(refreshed).toMatchObject({ customerId: 'C1', amountDue: '2900.00', stale: false });
    expect(rowOf(await aging(t, 'definitionId=STD'), 'C1').stale).toBe(false);
    const audit = await auditActions(t, 'agingSnapshot', 'STD');
    expect(audit.map((a) => a.action)).toContain('agingSnapshot.run');
  });

  it('skips zero balances and removes their old rows unless includeZeroBalance', async () => {
    await putCustomer(t, 'CZ');
    await postTransactions(t, [inv('CZ-1', 'CZ', '10', '2024-06-01')]);
    await snapshot(t, { definitionId: 'STD' });
    const seq = await lastSeq(t);
    await postTransactions(t, [
      { id: 'CZ-CN', customerId: 'CZ', type: 'creditNote', amount: '-10', transDate: '2024-06-02' },
    ]);
    const run = await snapshot(t, { definitionId: 'STD' });
    expect(run.removed).toBeGreaterThanOrEqual(1);
    const list = await aging(t, `definitionId=STD&since=${seq}`);
    expect(list.removed).toContain('CZ');
    expect(rowOf(list, 'CZ')).toBeUndefined();
    expect(
      (await allChanges(t, seq)).some(
        (ch) => ch.entity === 'agingSnapshot' && ch.id === 'STD:CZ' && ch.op === 'delete',
      ),
    ).toBe(true);
    await snapshot(t, { definitionId: 'STD', includeZeroBalance: true });
    expect(rowOf(await aging(t, 'definitionId=STD'), 'CZ')).toMatchObject({ amountDue: '0.00' });
  });

  it('collections E32: the historical report rebuilds open amounts at balanceAsOf; the snapshot leaves the paid invoice out', async () => {
    await putCustomer(t, 'C32');
    await postTransactions(t, [
      inv('INV-32', 'C32', '1000', '2024-05-01', { transDate: '2024-04-01' }),
      { id: 'PAY-32', customerId: 'C32', type: 'payment', amount: '-1000', transDate: '2024-07-10' },
    ]);
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'INV-32', creditId: 'PAY-32', amount: '1000', date: '2024-07-10' },
      }),
      201,
    );
    const report = ok(
      await t.request('GET', `/api/v1/aging-report?definitionId=STD&asOf=${A}&balanceAsOf=${A}&customerId=C32`),
    );
    expect(report.items).toHaveLength(1);
    expect(buckets(report.items[0])).toMatchObject({ '31-60': '1000.00' });
    expect(report.items[0].amountDue).toBe('1000.00');
    await snapshot(t, { definitionId: 'STD', asOf: A });
    expect(rowOf(await aging(t, 'definitionId=STD'), 'C32')).toBeUndefined();
    const withZero = await snapshot(t, { definitionId: 'STD', includeZeroBalance: true });
    expect(withZero.customers).toBeGreaterThan(0);
    expect(rowOf(await aging(t, 'definitionId=STD'), 'C32').amountDue).toBe('0.00');
  });

  it('the historical report gives back a settlement reversed later (NSF): paid before, open again after', async () => {
    await putCustomer(t, 'CN');
    await postTransactions(t, [
      inv('INV-N', 'CN', '1000', '2024-06-01', { transDate: '2024-05-01' }),
      {
        id: 'PAY-N',
        customerId: 'CN',
        type: 'payment',
        amount: '-1000',
        transDate: '2024-06-10',
        bankAccountId: 'BANK1',
      },
    ]);
    ok(
      await t.request('POST', '/api/v1/settlements', {
        as: 'integration',
        body: { debitId: 'INV-N', creditId: 'PAY-N', amount: '1000', date: '2024-06-10' },
      }),
      201,
    );
    ok(
      await t.request('PUT', '/api/v1/reason-codes/NSF', {
        as: 'credit_manager',
        body: { kind: 'nsf', description: 'Returned' },
      }),
      201,
    );
    ok(
      await t.request('POST', '/api/v1/payments/PAY-N/nsf', {
        as: 'collections_agent',
        body: { reasonCode: 'NSF', date: '2024-06-20' },
      }),
      201,
    );
    const at = async (b: string) =>
      ok(await t.request('GET', `/api/v1/aging-report?definitionId=STD&asOf=${A}&balanceAsOf=${b}&customerId=CN`))
        .items;
    expect(await at('2024-06-15')).toEqual([]);
    const after = await at('2024-06-25');
    expect(after).toHaveLength(1);
    expect(after[0].amountDue).toBe('1000.00');
    expect(buckets(after[0])).toMatchObject({ '1-30': '1000.00' });
  });

  it('refuses bad definitions with the field named, nothing saved', async () => {
    const bad = [
      [{ name: 'X', lines: [] }, 'lines'],
      [
        {
          name: 'X',
          lines: [
            { label: 'A', unit: 0, interval: 'day' },
            { label: 'B', unit: 0, interval: 'day' },
          ],
        },
        'lines.1.unit',
      ],
      [{ name: 'X', lines: [{ label: 'A', unit: 0, interval: 'week' }] }, 'lines.0.interval'],
      [{ name: 'X', lines: [{ label: 'x'.repeat(61), unit: -30, interval: 'day' }] }, 'lines.0.label'],
      [{ name: 'X', lines: [{ label: 'A', unit: -30, interval: 'fortnight' }] }, 'lines.0.interval'],
    ] as const;
    for (const [body, path] of bad) {
      const details = expectError(
        await t.request('PUT', '/api/v1/aging-definitions/BAD', { as: 'credit_manager', body }),
        400,
        'invalid_request',
      );
      expect(details.map((d) => d.path)).toContain(path);
    }
    expectError(await t.request('GET', '/api/v1/aging-definitions/BAD'), 404, 'not_found');
    expectError(
      await t.request('PUT', '/api/v1/aging-definitions/STD2', { as: 'collections_agent', body: STD }),
      403,
      'forbidden',
    );
    expectPath(
      await t.request('PUT', '/api/v1/parameters', {
        as: 'credit_manager',
        body: { defaultAgingDefinitionId: 'NOPE' },
      }),
      422,
      'rule_violation',
      'defaultAgingDefinitionId',
    );
  });

  it('refuses a pool of the wrong type for a snapshot, unknown pool fields and operators', async () => {
    await put(t, '/api/v1/pools/WHS', {
      name: 'Wholesale',
      type: 'collections',
      criteria: [{ field: 'customerGroup', op: '=', value: 'WHOLESALE' }],
    });
    expectPath(
      await t.request('POST', '/api/v1/aging-snapshots', {
        as: 'collections_agent',
        body: { definitionId: 'STD', asOf: A, poolId: 'WHS' },
      }),
      422,
      'rule_violation',
      'poolId',
    );
    const d1 = expectError(
      await t.request('PUT', '/api/v1/pools/P1', {
        as: 'credit_manager',
        body: { name: 'x', type: 'collections', criteria: [{ field: 'shoeSize', op: '=', value: '1' }] },
      }),
      400,
      'invalid_request',
    );
    expect(d1.map((d) => d.path)).toContain('criteria.0.field');
    const d2 = expectError(
      await t.request('PUT', '/api/v1/pools/P1', {
        as: 'credit_manager',
        body: { name: 'x', type: 'collections', criteria: [{ field: 'amountDue', op: '~', value: '1' }] },
      }),
      400,
      'invalid_request',
    );
    expect(d2.map((d) => d.path)).toContain('criteria.0.op');
    const d3 = expectError(
      await t.request('PUT', '/api/v1/pools/P1', {
        as: 'credit_manager',
        body: { name: 'x', type: 'agingSnapshot', criteria: [{ field: 'amountDue', op: '>', value: '1' }] },
      }),
      400,
      'invalid_request',
    );
    expect(d3.map((d) => d.path)).toContain('criteria.0.field');
    const d4 = expectError(
      await t.request('PUT', '/api/v1/pools/P1', {
        as: 'credit_manager',
        body: {
          name: 'x',
          type: 'collections',
          definitionId: 'STD',
          criteria: [{ field: 'period:Over 120', op: '>', value: '0' }],
        },
      }),
      422,
      'rule_violation',
    );
    expect(d4.map((d) => d.path)).toContain('criteria.0.field');
    expectError(await t.request('GET', '/api/v1/pools/P1'), 404, 'not_found');
    expectPath(
      await t.request('POST', '/api/v1/aging-snapshots', {
        as: 'collections_agent',
        body: { definitionId: 'STD', asOf: '30/06/2024' },
      }),
      400,
      'invalid_request',
      'asOf',
    );
    expectPath(
      await t.request('POST', '/api/v1/aging-snapshots', {
        as: 'collections_agent',
        body: { definitionId: 'NOPE', asOf: A },
      }),
      422,
      'rule_violation',
      'definitionId',
    );
    expectError(
      await t.request('POST', '/api/v1/aging-snapshots', {
        as: 'credit_clerk',
        body: { definitionId: 'STD', asOf: A },
      }),
      403,
      'forbidden',
    );
  });

  it("changing a definition's periods drops its snapshot rows; a pool naming a period keeps the label", async () => {
    await put(t, '/api/v1/aging-definitions/TMP', NOUNL);
    await snapshot(t, { definitionId: 'TMP' });
    expect((await aging(t, 'definitionId=TMP')).items.length).toBeGreaterThan(0);
    await put(t, '/api/v1/pools/TMP-POOL', {
      name: 'tmp',
      type: 'collections',
      definitionId: 'TMP',
      criteria: [{ field: 'period:1-30', op: '>', value: '0' }],
    });
    const def = ok(await t.request('GET', '/api/v1/aging-definitions/TMP'));
    const renamed = { ...NOUNL, lines: NOUNL.lines.map((l) => (l.label === '1-30' ? { ...l, label: '0-30' } : l)) };
    expectPath(
      await t.request('PUT', '/api/v1/aging-definitions/TMP', {
        as: 'credit_manager',
        body: renamed,
        headers: ifMatch(def.version),
      }),
      422,
      'rule_violation',
      'lines',
    );
    const longer = { ...NOUNL, lines: [{ label: 'Older', unit: -1, interval: 'unlimited' }, ...NOUNL.lines] };
    ok(
      await t.request('PUT', '/api/v1/aging-definitions/TMP', {
        as: 'credit_manager',
        body: longer,
        headers: ifMatch(def.version),
      }),
    );
    expect((await aging(t, 'definitionId=TMP')).items).toEqual([]);
    expectError(
      await t.request('DELETE', '/api/v1/aging-definitions/TMP', {
        as: 'credit_manager',
        headers: ifMatch(def.version + 1),
      }),
      422,
      'rule_violation',
    );
  });
});

describe.each(DIALECTS)('collections E10 and E11 on %s', (dialect) => {
  let t: TestApp;
  const users: Record<string, { id: string; token: string }> = {};
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await put(t, '/api/v1/aging-definitions/STD', STD);
    await setParameters(t, { defaultAgingDefinitionId: 'STD' });
    await seedE1E4(t);
    // C1's "Over 90" must be 250 and C7's 0 as E11 says; C8 has no snapshot (no open items).
    await putCustomer(t, 'C7', { customerGroup: 'WHOLESALE' });
    await putCustomer(t, 'C8', { customerGroup: 'WHOLESALE' });
    await postTransactions(t, [inv('C7-1', 'C7', '900', '2024-06-15')]);
    for (const [name, role] of [
      ['ARNIE', 'collections_agent'],
      ['BEA', 'collections_agent'],
      ['CARL', 'credit_clerk'],
    ] as const) {
      const created = ok(await t.request('POST', '/api/v1/users', { body: { name, role } }), 201);
      users[name] = { id: created.id ?? created.user?.id, token: created.token };
    }
    await put(t, '/api/v1/pools/OVER1K', {
      name: 'Over 1,000',
      type: 'collections',
      criteria: [{ field: 'amountDue', op: '>', value: '1000' }],
    });
    await put(t, '/api/v1/pools/90PLUS', {
      name: 'Over 90 days',
      type: 'collections',
      definitionId: 'STD',
      criteria: [{ field: 'period:Over 90', op: '>', value: '0' }],
    });
    await put(t, '/api/v1/pools/WHS', {
      name: 'Wholesale',
      type: 'collections',
      criteria: [{ field: 'customerGroup', op: '=', value: 'WHOLESALE' }],
    });
    await put(t, `/api/v1/agents/${users.ARNIE!.id}`, {
      poolIds: ['90PLUS', 'OVER1K'],
      defaultPoolId: '90PLUS',
      allowViewAllPools: false,
    });
    await put(t, `/api/v1/agents/${users.BEA!.id}`, { poolIds: [] });
    await snapshot(t, { definitionId: 'STD' });
  });
  afterAll(() => t.close());

  it('collections E11: pool visibility for an agent with pools, an agent without pools and a non-agent', async () => {
    const arnie = await aging(t, '', users.ARNIE!.token);
    expect(arnie.pools).toEqual([
      { id: '90PLUS', name: 'Over 90 days', isDefault: true },
      { id: 'OVER1K', name: 'Over 1,000', isDefault: false },
    ]);
    expect(arnie.poolId).toBe('90PLUS');
    expect(arnie.items.map((r: any) => r.customerId)).toEqual(['C1', 'C2']);
    const over1k = await aging(t, 'poolId=OVER1K', users.ARNIE!.token);
    expect(over1k.items.map((r: any) => r.customerId)).toEqual(['C1', 'C2']);
    expectPath(
      await t.request('GET', '/api/v1/aging?poolId=WHS', { token: users.ARNIE!.token }),
      422,
      'rule_violation',
      'poolId',
    );

    const bea = await aging(t, '', users.BEA!.token);
    expect(bea.pools).toEqual([]);
    expect(bea.items.map((r: any) => r.customerId)).toEqual(['C1', 'C2', 'C7']);

    const carl = await aging(t, '', users.CARL!.token);
    expect(carl.poolId).toBeNull();
    expect(carl.items.map((r: any) => r.customerId)).toEqual(['C1', 'C2', 'C7']);
    expectPath(
      await t.request('GET', '/api/v1/aging?poolId=OVER1K', { token: users.CARL!.token }),
      422,
      'rule_violation',
      'poolId',
    );

    // The pool preview shows the same membership; C8 (no snapshot) is in no collections pool.
    const preview = ok(await t.request('GET', '/api/v1/pools/WHS/customers'));
    expect(preview.items.map((r: any) => r.customerId)).toEqual(['C2', 'C7']);
  });

  it('refuses agents for unknown users, unknown pools or a default outside their pools', async () => {
    expectPath(
      await t.request('PUT', '/api/v1/agents/nobody', { as: 'credit_manager', body: { poolIds: [] } }),
      422,
      'rule_violation',
      'id',
    );
    expectPath(
      await t.request('PUT', `/api/v1/agents/${users.CARL!.id}`, { as: 'credit_manager', body: { poolIds: ['NOPE'] } }),
      422,
      'rule_violation',
      'poolIds.0',
    );
    expectPath(
      await t.request('PUT', `/api/v1/agents/${users.CARL!.id}`, {
        as: 'credit_manager',
        body: { poolIds: ['WHS'], defaultPoolId: 'OVER1K' },
      }),
      400,
      'invalid_request',
      'defaultPoolId',
    );
    const pool = ok(await t.request('GET', '/api/v1/pools/OVER1K'));
    expectError(
      await t.request('DELETE', '/api/v1/pools/OVER1K', { as: 'credit_manager', headers: ifMatch(pool.version) }),
      422,
      'rule_violation',
    );
  });

  it('collections E10: updateCollectionStatus breaks promises strictly before the aging date; disputed items fill the header', async () => {
    await putCustomer(t, 'C10');
    await postTransactions(t, [
      inv('T1', 'C10', '100', '2024-06-01'),
      inv('T2', 'C10', '100', '2024-06-01'),
      inv('T3', 'C10', '250', '2024-06-01'),
    ]);
    ok(
      await t.request('POST', '/api/v1/transactions:set-status', {
        as: 'collections_agent',
        body: { transactionIds: ['T1'], status: 'promisedToPay', promiseDate: '2024-06-29' },
      }),
    );
    ok(
      await t.request('POST', '/api/v1/transactions:set-status', {
        as: 'collections_agent',
        body: { transactionIds: ['T2'], status: 'promisedToPay', promiseDate: '2024-06-30' },
      }),
    );
    ok(
      await t.request('POST', '/api/v1/transactions:set-status', {
        as: 'collections_agent',
        body: { transactionIds: ['T3'], status: 'disputed' },
      }),
    );
    const run = await snapshot(t, { definitionId: 'STD', updateCollectionStatus: true });
    expect(run.statusChanges).toBe(1);
    const status = async (id: string) => ok(await t.request('GET', `/api/v1/transactions/${id}`)).collectionStatus;
    expect(await status('T1')).toBe('promiseToPayBroken');
    expect(await status('T2')).toBe('promisedToPay');
    expect(await status('T3')).toBe('disputed');
    const c10 = rowOf(await aging(t, ''), 'C10');
    expect(c10).toMatchObject({ disputedCount: 1, disputedAmount: '250.00', amountDue: '450.00', stale: false });
    const audit = await auditActions(t, 'transaction', 'T1');
    expect(audit.at(-1)).toMatchObject({ action: 'transaction.promiseBroken' });
  });

  it('shows the whole collections page of one customer in one call', async () => {
    await put(t, '/api/v1/case-categories/DISPUTE', { description: 'Dispute', type: 'collections' });
    const kase = ok(
      await t.request('POST', '/api/v1/cases', {
        as: 'collections_agent',
        body: { customerId: 'C10', categoryId: 'DISPUTE', description: 'T3 disputed', transactionIds: ['T3'] },
      }),
      201,
    );
    ok(
      await t.request('POST', '/api/v1/activities', {
        as: 'collections_agent',
        body: {
          customerId: 'C10',
          caseId: kase.id,
          type: 'task',
          subject: 'Call about T3',
          dueDate: '2024-07-05',
          transactionIds: ['T3'],
        },
      }),
      201,
    );
    const page = ok(await t.request('GET', '/api/v1/customers/C10/collections', { as: 'collections_agent' }));
    expect(page.customer).toMatchObject({ id: 'C10', credit: { exposure: { balance: '450.00' } } });
    expect(page.summary).toMatchObject({ openInvoices: 3, overdueAmount: '450.00', disputedAmount: '250.00' });
    expect(page.aging.definitionId).toBe('STD');
    expect(page.aging.snapshot).toMatchObject({
      customerId: 'C10',
      amountDue: '450.00',
      disputedCount: 1,
      stale: false,
    });
    expect(page.aging.live).toMatchObject({ amountDue: '450.00', unbucketedAmount: '0.00' });
    expect(page.aging.live.buckets.map((b: any) => b.label)).toEqual(STD.lines.map((l) => l.label));
    const t3 = page.transactions.find((x: any) => x.id === 'T3');
    expect(t3).toMatchObject({ collectionStatus: 'disputed', caseIds: [kase.id] });
    expect(page.cases.map((x: any) => x.id)).toEqual([kase.id]);
    expect(page.activities.map((a: any) => a.subject)).toEqual(['Call about T3']);
    expect(page).toMatchObject({ interestNotes: [], fees: [], adjustmentHistory: [] });
    expectError(await t.request('GET', '/api/v1/customers/NOPE/collections'), 404, 'not_found');
  });
});
