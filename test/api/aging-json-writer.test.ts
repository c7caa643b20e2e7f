import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/money';
import type { AgingDefinition } from '../../shared/collections/aging';
import {
  AgingRowWriter,
  agingListBody,
  customerViewMissing,
  snapshotToJson,
  type AgingListHead,
} from '../../server/collections/aging/aging.json-writer';
import type { ListRow, RunFields, SnapshotSqlRow } from '../../server/collections/aging/aging.repository';
import { AgingListSchema, AgingRowSchema } from '../../server/collections/aging/aging.schema';
import type { CustomerViewJson } from '../../server/collections/snapshots/customer-view';

/**
 * The hand-written JSON of the aging list (server/collections/aging/aging.json-writer.ts) against the plain
 * path: the same row mapped field by field with formatMoney, parsed by the route's zod schema and
 * written by JSON.stringify. The texts must be equal byte for byte (key order included), for the
 * values SQLite gives (numbers) and PostgreSQL gives (strings), and for awkward text.
 */

const definition = (labels: string[]): AgingDefinition => ({
  id: 'STD',
  name: 'Standard',
  lines: labels.map((label, i) => ({ label, unit: -i, interval: 'month' as const })),
});

const AWKWARD_TEXT = [
  'Plain Ltd',
  'The "Quoted" Company',
  'Back\\slash \\"both\\"',
  'Control\u0000\u0001\u0007\b\f\n\r\t\u001f chars',
  'Non-ASCII: Ünïcödé Ærø – 株式会社 😀 \u2028\u2029',
  '',
  '</script><script>alert(1)</script>',
];

const run: RunFields = {
  as_of: '2026-06-30',
  criteria: 'dueDate',
  credit_placement: 'ownDate',
  currency: 'EUR',
  processed_at: '2026-06-30T12:34:56.789Z',
  processed_by: 'u-1',
};

/** A stored snapshot row: `money` as the driver gives it (number on SQLite, string on PostgreSQL). */
function storedRow(
  n: number,
  amounts: bigint[],
  money: (m: bigint) => number | string,
  over: Partial<ListRow> = {},
): ListRow {
  return {
    definition_id: 'STD',
    customer_id: `C-${n}.x_y`,
    seq: 7,
    amount_due: money(amounts.reduce((a, b) => a + b, 0n)),
    // As the snapshot run stores it: JSON.stringify of formatMoney strings.
    buckets: JSON.stringify(amounts.map(formatMoney)),
    unbucketed_amount: money(-5n),
    indicator: n % 2 ? null : `red "${AWKWARD_TEXT[n % AWKWARD_TEXT.length]}"`,
    credit_limit: n % 3 ? money(1_000_000n) : null,
    remaining_credit: n % 3 ? money(-123_456_789n) : null,
    packing_slip_amount: money(0n),
    sales_order_amount: money(99n),
    disputed_count: n,
    disputed_amount: money(-1n),
    version: n + 1,
    name: AWKWARD_TEXT[n % AWKWARD_TEXT.length]!,
    customer_currency: run.currency,
    customer_view: null,
    ...over,
  };
}

/** The plain path: every field mapped on its own, then through the route's response schema. */
function plainRow(row: ListRow, r: RunFields, def: AgingDefinition, stale: boolean): string {
  const amounts = JSON.parse(row.buckets) as string[];
  const m = (v: number | string) => formatMoney(BigInt(v));
  const object = {
    id: `${row.definition_id}:${row.customer_id}`,
    customerId: row.customer_id,
    name: row.name,
    asOf: r.as_of,
    currency: r.currency,
    amountDue: m(row.amount_due),
    buckets: def.lines.map((l, i) => ({ label: l.label, amount: amounts[i] ?? '0.00' })),
    unbucketedAmount: m(row.unbucketed_amount),
    indicator: row.indicator,
    snapshotAt: r.processed_at,
    stale,
    creditLimit: row.credit_limit === null ? null : m(row.credit_limit),
    remainingCredit: row.remaining_credit === null ? null : m(row.remaining_credit),
    packingSlipAmount: m(row.packing_slip_amount),
    salesOrderAmount: m(row.sales_order_amount),
    disputedAmount: m(row.disputed_amount),
    disputedCount: Number(row.disputed_count),
    version: row.version,
  };
  return JSON.stringify(AgingRowSchema.parse(object));
}

/** The plain path of a row in its customer's currency: the stored view's fields, the rest as in {@link plainRow}. */
function plainViewRow(row: ListRow, r: RunFields, def: AgingDefinition, stale: boolean): string {
  const v = JSON.parse(row.customer_view!) as CustomerViewJson;
  const plain = JSON.parse(plainRow(row, r, def, stale)) as Record<string, unknown>;
  return JSON.stringify(
    AgingRowSchema.parse({
      ...plain,
      currency: row.customer_currency,
      amountDue: v.amountDue,
      buckets: def.lines.map((l, i) => ({ label: l.label, amount: v.buckets[i] ?? '0.00' })),
      unbucketedAmount: v.unbucketedAmount,
      indicator: v.indicator,
      creditLimit: v.creditLimit,
      remainingCredit: v.remainingCredit,
      packingSlipAmount: v.packingSlipAmount,
      salesOrderAmount: v.salesOrderAmount,
      disputedAmount: v.disputedAmount,
    }),
  );
}

/** A stored customer-currency view (as the snapshot run writes it). */
const storedView = (n: number, amounts: string[]): string =>
  JSON.stringify({
    amountDue: amounts[0] ?? '0.00',
    buckets: amounts,
    unbucketedAmount: '-0.05',
    indicator: n % 2 ? null : `amber "${AWKWARD_TEXT[n % AWKWARD_TEXT.length]}"`,
    creditLimit: n % 3 ? '9259.26' : null,
    remainingCredit: n % 3 ? '-1234.57' : null,
    packingSlipAmount: '0.00',
    salesOrderAmount: '0.92',
    disputedAmount: '-0.01',
  } satisfies CustomerViewJson);

const AMOUNT_SETS: bigint[][] = [
  [0n, 0n, 0n],
  [1n, -1n, 10n],
  [-5n, 99n, -100n],
  [123_456n, -987_654_321n, 100_000_000_000n],
  // Beyond 2^53 minor units: PostgreSQL gives these as strings.
  [9_007_199_254_740_993n, -9_007_199_254_740_993n, 1n],
];

const DRIVERS: [string, (m: bigint) => number | string][] = [
  [
    'SQLite (numbers)',
    (m) => (m >= BigInt(Number.MIN_SAFE_INTEGER) && m <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(m) : String(m)),
  ],
  ['PostgreSQL (strings)', (m) => String(m)],
];

describe('the aging row JSON writer equals the schema path', () => {
  for (const [driver, money] of DRIVERS) {
    it(`${driver}: every row, stale or not, with nulls, negatives, quotes, backslashes, control characters and non-ASCII`, () => {
      const def = definition(['Current', '1-30 "late"', 'Über\\90']);
      const writer = new AgingRowWriter(def);
      let n = 0;
      for (const amounts of AMOUNT_SETS) {
        for (let k = 0; k < AWKWARD_TEXT.length; k++, n++) {
          const row = storedRow(n, amounts, money);
          for (const stale of [false, true]) {
            const text = writer.text(row, run, stale);
            expect(text).toBe(plainRow(row, run, def, stale));
            // What the writer gives is what the schema accepts, unchanged.
            expect(AgingRowSchema.parse(JSON.parse(text))).toEqual(JSON.parse(text));
          }
        }
      }
    });
  }

  it('a stored row with fewer amounts than the definition has periods shows the rest as 0.00', () => {
    const def = definition(['A', 'B', 'C', 'D']);
    const row = storedRow(1, [100n, -200n], String);
    const text = new AgingRowWriter(def).text(row, run, false);
    expect(text).toBe(plainRow(row, run, def, false));
    expect((JSON.parse(text) as { buckets: { amount: string }[] }).buckets.map((b) => b.amount)).toEqual([
      '1.00',
      '-2.00',
      '0.00',
      '0.00',
    ]);
  });

  it('rows of different runs take their own run fields (the writer keeps each run apart)', () => {
    const def = definition(['Current']);
    const writer = new AgingRowWriter(def);
    const other: RunFields = { ...run, as_of: '2026-07-31', processed_at: '2026-07-31T00:00:00.000Z' };
    const a = storedRow(2, [1n], String, { seq: 7 });
    const b = storedRow(3, [2n], String, { seq: 8 });
    expect(writer.text(a, run, false)).toBe(plainRow(a, run, def, false));
    expect(writer.text(b, other, true)).toBe(plainRow(b, other, def, true));
    expect(writer.text(a, run, true)).toBe(plainRow(a, run, def, true));
  });

  for (const [driver, money] of DRIVERS) {
    it(`${driver}: the customer view writes a stored view in its customer's currency, and the row itself for a customer in the accounting currency`, () => {
      const def = definition(['Current', '1-30 "late"', 'Über\\90']);
      const writer = new AgingRowWriter(def, 'customer');
      const company = new AgingRowWriter(def);
      let n = 0;
      for (const amounts of AMOUNT_SETS) {
        for (let k = 0; k < AWKWARD_TEXT.length; k++, n++) {
          const inOwn = storedRow(n, amounts, money);
          const foreign = storedRow(n, amounts, money, {
            customer_currency: 'CHF',
            customer_view: storedView(
              n,
              amounts.map((a) => formatMoney(a / 3n)),
            ),
          });
          for (const stale of [false, true]) {
            // A customer in the accounting currency: the same text in both views.
            expect(writer.text(inOwn, run, stale)).toBe(plainRow(inOwn, run, def, stale));
            expect(writer.text(inOwn, run, stale)).toBe(company.text(inOwn, run, stale));
            const text = writer.text(foreign, run, stale);
            expect(text).toBe(plainViewRow(foreign, run, def, stale));
            expect(JSON.parse(text).currency).toBe('CHF');
            // The company view of the same row stays in the accounting currency.
            expect(company.text(foreign, run, stale)).toBe(plainRow(foreign, run, def, stale));
          }
        }
      }
    });
  }

  it('a row without a stored view whose customer is not in the accounting currency is never written in the customer view', () => {
    const def = definition(['Current']);
    const row = storedRow(5, [1n], String, { customer_currency: 'CHF', customer_view: null });
    expect(customerViewMissing(row, run)).toBe(true);
    expect(customerViewMissing(storedRow(5, [1n], String), run)).toBe(false);
    expect(() => new AgingRowWriter(def, 'customer').text(row, run, false)).toThrow(/no customer-currency view/);
    expect(new AgingRowWriter(def).text(row, run, false)).toBe(plainRow(row, run, def, false));
  });

  it('snapshotToJson (one row with its run joined) equals the schema path', () => {
    const def = definition(['Current', '31+']);
    const row: SnapshotSqlRow = { ...storedRow(4, [-1n, 250n], Number), ...run };
    expect(JSON.stringify(snapshotToJson(row, def, true))).toBe(plainRow(row, run, def, true));
  });

  it("GET /aging's body: the header and the spliced rows parse to what AgingListSchema gives", () => {
    const def = definition(['Current', '1-30']);
    const writer = new AgingRowWriter(def);
    const rows = [storedRow(0, [1n, 2n], Number), storedRow(1, [-3n, 0n], String)];
    const head: AgingListHead = {
      definitionId: 'STD',
      currencyView: 'accounting',
      periods: ['Current', '1-30'],
      poolId: null,
      pools: [{ id: 'P1', name: 'Pool "one" \\ Ü', isDefault: true }],
      lastSeq: 42,
      runs: [
        {
          snapshotAt: run.processed_at,
          asOf: run.as_of,
          criteria: 'dueDate',
          creditPlacement: 'ownDate',
          currency: 'EUR',
          processedBy: null,
        },
      ],
      nextCursor: null,
    };
    for (const removed of [undefined, ['C-9']]) {
      const items = rows.map((r, i) => writer.text(r, run, i === 1));
      const body = agingListBody({ ...head, ...(removed ? { removed } : {}), items });
      const plain = AgingListSchema.parse({
        ...head,
        ...(removed ? { removed } : {}),
        items: rows.map((r, i) => JSON.parse(plainRow(r, run, def, i === 1)) as unknown),
      });
      expect(JSON.parse(body)).toEqual(plain);
      expect(AgingListSchema.parse(JSON.parse(body))).toEqual(JSON.parse(body));
    }
  });
});
