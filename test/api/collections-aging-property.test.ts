// The snapshot run buckets in SQL (cumulative sums per period end); the add-in and the customer
// page bucket with the pure ageCustomer. Property: for random open items, definitions, criteria
// and credit placements, the stored snapshot rows equal ageCustomer's answer, on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { ok } from '../support/credit';
import {
  ageCustomer,
  type AgingCriteria,
  type AgingDefinition,
  type CreditPlacement,
} from '../../shared/collections/aging';
import { addDays } from '../../shared/dates';
import { formatMoney, parseMoney } from '../../shared/money';

const A = '2024-06-30';
const DEFINITIONS: AgingDefinition[] = [
  {
    id: 'P-STD',
    name: 'std',
    lines: [
      { label: 'Over 90', unit: -1, interval: 'unlimited' },
      { label: '61-90', unit: -30, interval: 'day' },
      { label: '31-60', unit: -30, interval: 'day' },
      { label: '1-30', unit: -30, interval: 'day' },
      { label: 'Current', unit: 0, interval: 'day' },
      { label: 'Not due', unit: 1, interval: 'unlimited' },
    ],
  },
  {
    id: 'P-NOUNL',
    name: 'nounl',
    lines: [
      { label: '31-60', unit: -30, interval: 'day' },
      { label: '1-30', unit: -30, interval: 'day' },
      { label: 'Current', unit: 0, interval: 'day' },
      { label: 'Next 2 weeks', unit: 2, interval: 'week' },
    ],
  },
  {
    id: 'P-MONTH',
    name: 'month',
    lines: [
      { label: 'Older', unit: -1, interval: 'unlimited' },
      { label: 'Quarter', unit: -1, interval: 'quarter' },
      { label: 'Month', unit: -1, interval: 'month' },
      { label: 'Future', unit: 3, interval: 'month' },
    ],
  },
  {
    id: 'P-FUT',
    name: 'future only',
    lines: [
      { label: 'Soon', unit: 10, interval: 'day' },
      { label: 'Later', unit: 1, interval: 'unlimited' },
    ],
  },
];

const item = fc.record({
  cents: fc.integer({ min: -300_000, max: 500_000 }).filter((n) => n !== 0),
  due: fc.option(fc.integer({ min: -400, max: 200 }), { nil: null }),
  trans: fc.integer({ min: -500, max: 30 }),
  doc: fc.option(fc.integer({ min: -500, max: 30 }), { nil: null }),
  customer: fc.integer({ min: 0, max: 3 }),
});
const scenario = fc.record({
  items: fc.array(item, { minLength: 1, maxLength: 25 }),
  definition: fc.constantFrom(...DEFINITIONS),
  criteria: fc.constantFrom<AgingCriteria>('dueDate', 'transactionDate', 'documentDate'),
  placement: fc.constantFrom<CreditPlacement>('ownDate', 'oldestFirst'),
});

describe.each(DIALECTS)('aging snapshot equals the pure ageCustomer on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const d of DEFINITIONS)
      ok(
        await t.request('PUT', `/api/v1/aging-definitions/${d.id}`, {
          as: 'credit_manager',
          body: { name: d.name, lines: d.lines },
        }),
        201,
      );
  });
  afterAll(() => t.close());

  it('for random open items, definitions, criteria and placements', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const ids = [0, 1, 2, 3].map((i) => `R${run}-${i}`);
        ok(
          await t.request('POST', '/api/v1/customers:batch', {
            as: 'integration',
            body: { items: ids.map((id) => ({ id, name: id, currency: 'USD', creditLimit: '1000.00' })) },
          }),
        );
        const items = s.items.map((x, n) => ({
          id: `R${run}-T${n}`,
          customerId: ids[x.customer]!,
          type: x.cents > 0 ? 'invoice' : 'creditNote',
          amount: formatMoney(BigInt(x.cents)),
          currency: 'USD',
          transDate: addDays(A, x.trans),
          // Never due before the document date: the feed refuses that (issue 18).
          dueDate: x.due === null ? null : addDays(A, x.doc === null ? x.due : Math.max(x.due, x.doc)),
          documentDate: x.doc === null ? null : addDays(A, x.doc),
        }));
        ok(await t.request('POST', '/api/v1/transactions:batch', { as: 'integration', body: { items } }));
        ok(
          await t.request('POST', '/api/v1/aging-snapshots', {
            as: 'collections_agent',
            body: {
              definitionId: s.definition.id,
              asOf: A,
              criteria: s.criteria,
              creditPlacement: s.placement,
              includeZeroBalance: true,
            },
          }),
        );
        const list = ok(await t.request('GET', `/api/v1/aging?definitionId=${s.definition.id}&limit=50000`));
        for (const id of ids) {
          const mine = items.filter((i) => i.customerId === id);
          const row = list.items.find((r: any) => r.customerId === id);
          const expected = ageCustomer({
            definition: s.definition,
            asOf: A,
            criteria: s.criteria,
            creditPlacement: s.placement,
            items: mine.map((i) => ({
              id: i.id,
              amount: parseMoney(i.amount),
              dueDate: i.dueDate,
              transDate: i.transDate,
              documentDate: i.documentDate,
            })),
          });
          const want = {
            amountDue: formatMoney(expected.amountDue),
            unbucketedAmount: formatMoney(expected.unbucketedAmount),
            indicator: expected.indicator,
            buckets: expected.buckets.map((b) => ({ label: b.label, amount: formatMoney(b.amount) })),
          };
          expect({
            amountDue: row.amountDue,
            unbucketedAmount: row.unbucketedAmount,
            indicator: row.indicator,
            buckets: row.buckets,
          }).toEqual(want);
        }
      }),
      { numRuns: 25, seed: 20240630 },
    );
  }, 120_000);
});
