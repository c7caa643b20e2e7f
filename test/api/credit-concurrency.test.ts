// Parallel postings for the members of one customer credit group (credit.md §3, §4.6, §5), over
// HTTP on both dialects: the outcome of 20 postings fired at once (held orders, holds, no
// duplicate holds, a gap-free change log) equals a serial run of the same postings on a fresh app.
// Open orders count from creation (PUT), held or not, so the order of the postings cannot change
// any decision: only a race could.
import { describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import { allAudit, allChanges } from '../support/conventions';
import { addRule, cluAll, daysOverdueAll, invoice, ok, postingCheckpoints, postOrder, postTransactions, putCustomer, putOrder, setCheckpoints } from '../support/credit';

/** Members of credit group G (limit 40,000) with their own limits; M4 is unlimited, M5 has a 60-day overdue invoice. */
const MEMBERS: [string, Record<string, unknown>][] = [
  ['M1', { creditLimit: '5000.00' }],
  ['M2', { creditLimit: '0.00' }],
  ['M3', { creditLimit: '3000.00' }],
  ['M4', { creditLimit: '0.00', unlimitedCredit: true }],
  ['M5', { creditLimit: '8000.00' }],
  ['M6', { creditLimit: '6000.00' }],
];
const ORDERS: [string, string, string][] = [
  ['SO-01', 'M1', '1500.00'],
  ['SO-02', 'M1', '1000.00'],
  ['SO-03', 'M1', '2000.00'],
  ['SO-04', 'M2', '3500.00'],
  ['SO-05', 'M2', '2000.00'],
  ['SO-06', 'M2', '500.00'],
  ['SO-07', 'M3', '1000.00'],
  ['SO-08', 'M3', '1000.00'],
  ['SO-09', 'M3', '900.00'],
  ['SO-10', 'M4', '10000.00'],
  ['SO-11', 'M4', '2500.00'],
  ['SO-12', 'M5', '100.00'],
  ['SO-13', 'M5', '200.00'],
  ['SO-14', 'M5', '4000.00'],
  ['SO-15', 'M6', '3000.00'],
  ['SO-16', 'M6', '2500.00'],
];
/** 20 postings: every order at confirmation, two held orders twice, one passing order twice, one passing order also at packing slip. */
const POSTINGS: [string, string][] = [...ORDERS.map(([id]): [string, string] => [id, 'confirmation']), ['SO-01', 'confirmation'], ['SO-04', 'confirmation'], ['SO-07', 'confirmation'], ['SO-11', 'packingSlip']];

async function groupApp(dialect: (typeof DIALECTS)[number]): Promise<{ t: TestApp; setupSeq: number }> {
  const t = await startTestApp(dialect);
  await setCheckpoints(t, postingCheckpoints('confirmation', 'packingSlip'));
  await addRule(t, cluAll(100));
  await addRule(t, { ruleType: 'salesOrder', kind: 'blocking', validFor: 'all', amount: '3000.00' });
  await addRule(t, daysOverdueAll(30));
  for (const [id, fields] of MEMBERS) await putCustomer(t, id, fields);
  ok(await t.request('PUT', '/api/v1/credit-groups/G', { as: 'credit_manager', body: { name: 'Group G', creditLimit: '40000.00', currency: 'USD', creditLimitToDate: '2025-12-31', members: MEMBERS.map(([id]) => id) } }), 201);
  await postTransactions(t, [invoice('INV-M1', 'M1', '1000.00', '2025-07-31'), invoice('INV-M5', 'M5', '500.00', '2025-05-01')]);
  for (const [id, customerId, amount] of ORDERS) await putOrder(t, id, customerId, amount);
  const changes = await allChanges(t);
  return { t, setupSeq: changes[changes.length - 1]!.seq };
}

const post = (t: TestApp, [id, checkpoint]: [string, string]) => postOrder(t, id, { checkpoint });

/** Everything the postings decided, with hold ids (random) replaced by their orders' ids. */
async function outcome(t: TestApp, setupSeq: number, responses: TestResponse[]) {
  const holds = ok(await t.request('GET', '/api/v1/holds?status=all&limit=1000')).items as any[];
  const orderOfHold = new Map(holds.map((h) => [h.id as string, h.salesOrderId as string]));
  const name = (entity: string, id: string) => (entity === 'hold' ? `hold(${orderOfHold.get(id)})` : `${entity}:${id}`);
  const changes = (await allChanges(t, setupSeq)).map((c) => `${name(c.entity, c.id)}:${c.op}:${c.version}`).sort();
  const audit = (await allAudit(t))
    .filter((a) => a.entity === 'hold' || a.entity === 'salesOrder')
    .map((a) => `${name(a.entity, a.entityId)}:${a.action}`)
    .sort();
  const answers = POSTINGS.map((p, i) => {
    const r = responses[i]!;
    return `${p[0]}@${p[1]}:${r.status}:${r.status === 200 ? (r.body.posted ? 'posted' : `held ${r.body.hold.summaryReason}`) : r.body.error.code}`;
  }).sort();
  const orders = (ok(await t.request('GET', '/api/v1/sales-orders?limit=1000')).items as any[]).map((o) => [o.id, o.creditStatus, o.deliveredNotInvoiced, o.version]);
  return {
    answers,
    holds: holds
      .map((h) => ({ salesOrderId: h.salesOrderId, status: h.status, checkpoint: h.checkpoint, summaryReason: h.summaryReason, orderAmount: h.orderAmount, version: h.version, reasons: h.reasons.map((r: any) => [r.ruleType, r.active, r.measured, r.threshold]) }))
      .sort((a, b) => a.salesOrderId.localeCompare(b.salesOrderId)),
    orders,
    changes,
    audit,
  };
}

/** The change log is one gap-free sequence 1..n with each (entity, id, version) once. */
async function expectGapFreeLog(t: TestApp) {
  const all = await allChanges(t);
  expect(all.map((c) => c.seq)).toEqual(all.map((_c, i) => i + 1));
  const keys = all.map((c) => `${c.entity}:${c.id}:${c.version}`);
  expect(new Set(keys).size).toBe(keys.length);
}

const HELD = ['SO-01', 'SO-02', 'SO-03', 'SO-04', 'SO-10', 'SO-12', 'SO-13', 'SO-14'];

describe.each(DIALECTS)('credit group concurrency on %s', (dialect) => {
  it('20 parallel postings for one credit group decide exactly as the same postings in series', async () => {
    const serial = await groupApp(dialect);
    const parallel = await groupApp(dialect);
    try {
      const rounds: { serial: Awaited<ReturnType<typeof outcome>>; parallel: Awaited<ReturnType<typeof outcome>> }[] = [];
      // Two rounds: the second posts everything again (held orders are refused, the others pass again).
      for (let round = 0; round < 2; round++) {
        const serialResponses: TestResponse[] = [];
        for (const p of POSTINGS) serialResponses.push(await post(serial.t, p));
        const parallelResponses = await Promise.all(POSTINGS.map((p) => post(parallel.t, p)));
        rounds.push({ serial: await outcome(serial.t, serial.setupSeq, serialResponses), parallel: await outcome(parallel.t, parallel.setupSeq, parallelResponses) });
      }

      for (const { serial: s, parallel: p } of rounds) {
        expect(p.answers).toEqual(s.answers);
        expect(p.holds).toEqual(s.holds);
        expect(p.orders).toEqual(s.orders);
        expect(p.changes).toEqual(s.changes);
        expect(p.audit).toEqual(s.audit);
      }

      // The decisions themselves (§3, §4): M1 over its own limit (5,500 of 5,000); orders over
      // 3,000 held whatever the limits; M5's 60-day overdue invoice; M2 lives on the group limit.
      const [first, second] = [rounds[0]!.parallel, rounds[1]!.parallel];
      expect(first.holds.map((h) => [h.salesOrderId, h.status, h.summaryReason])).toEqual([
        ['SO-01', 'onHold', 'creditLimitUsed'],
        ['SO-02', 'onHold', 'creditLimitUsed'],
        ['SO-03', 'onHold', 'creditLimitUsed'],
        ['SO-04', 'onHold', 'salesOrder'],
        ['SO-10', 'onHold', 'salesOrder'],
        ['SO-12', 'onHold', 'daysOverdue'],
        ['SO-13', 'onHold', 'daysOverdue'],
        ['SO-14', 'onHold', 'multiple'],
      ]);
      expect(first.holds.find((h) => h.salesOrderId === 'SO-01')!.reasons).toEqual([['creditLimitUsed', true, '110', '100']]);
      expect(first.holds.find((h) => h.salesOrderId === 'SO-14')!.reasons).toEqual([
        ['daysOverdue', true, '60', '30'],
        ['salesOrder', true, '4000.00', '3000.00'],
      ]);
      const count = (answers: string[], pattern: RegExp) => answers.filter((a) => pattern.test(a)).length;
      expect(count(first.answers, /:200:held /)).toBe(8);
      expect(count(first.answers, /:200:posted$/)).toBe(10);
      expect(first.answers.filter((a) => a.includes(':422:'))).toEqual(['SO-01@confirmation:422:rule_violation', 'SO-04@confirmation:422:rule_violation']);
      // Round two: the 10 postings of held orders are refused, and so is SO-11's second packing slip (nothing left to deliver).
      expect(count(second.answers, /:422:rule_violation$/)).toBe(11);
      expect(second.answers).toContain('SO-11@packingSlip:422:rule_violation');
      expect(count(second.answers, /:200:posted$/)).toBe(9);
      // No duplicate holds: one per held order, none for the others, none added by the second round.
      expect(second.holds).toEqual(first.holds);
      expect(first.orders.filter(([, creditStatus]) => creditStatus === 'onHold').map(([id]) => id)).toEqual(HELD);
      expect(first.orders.find(([id]) => id === 'SO-11')).toEqual(['SO-11', 'clear', '2500.00', 4]);

      await expectGapFreeLog(parallel.t);
      await expectGapFreeLog(serial.t);
    } finally {
      await serial.t.close();
      await parallel.t.close();
    }
  });
});
